"""Type a prompt, turn temperature, top-k and top-p; see the next-character distribution
before and after, a sampled continuation, and where one attention head looks."""

import html

from lmwidgets.core import char_transformer, sampling
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np

SHOWN_TOKENS = 12


def _label(char):
    return {"\n": "\\n", " ": "␣", "": "pad"}.get(char, char)


class SamplingExplorer(Explorer):
    """``SamplingExplorer(model, vocab)`` for a model from ``core.char_transformer``.

    Controls: ``prompt``, ``temperature`` (0 = greedy), ``top_k`` (0 = off),
    ``top_p`` (1 = off), ``head`` (the attention head drawn) and ``seed`` (of the
    sampled continuation). ``result`` holds ``prompt``, ``raw_probabilities`` (the
    model's softmax), ``probabilities`` (after the controls), ``kept`` (how many
    characters can still be drawn), ``entropy_before``/``entropy_after`` (nats),
    ``continuation`` and ``attention`` (the head's weights over the prompt).
    """

    def __init__(self, model, vocab, prompt="ROMEO:", length=80, seed=0):
        self._model = model
        self._vocab = vocab
        self._attention = char_transformer.attention_model(model)
        self._length = int(length)
        heads = list(range(self._attention.output_shape[1]))
        text_style = {"description_width": "initial"}
        controls = {
            "prompt": widgets.Text(value=prompt, description="prompt", continuous_update=False),
            "temperature": widgets.FloatText(value=1.0, step=0.1, description="temperature",
                                             style=text_style, layout={"width": "170px"}),
            "top_k": widgets.IntText(value=0, description="top-k (0 off)", style=text_style,
                                     layout={"width": "150px"}),
            "top_p": widgets.FloatText(value=1.0, step=0.05, description="top-p",
                                       style=text_style, layout={"width": "130px"}),
            "head": widgets.Dropdown(options=heads, value=0, description="head",
                                     layout={"width": "140px"}),
            "seed": widgets.IntText(value=seed, description="seed", layout={"width": "150px"}),
        }  # fmt: skip
        rows = [
            widgets.HBox([controls["prompt"], controls["head"], controls["seed"]]),
            widgets.HBox([controls[name] for name in ("temperature", "top_k", "top_p")]),
        ]
        self.continuation = widgets.HTML()
        super().__init__(controls, self._build_figure(), control_rows=rows,
                         footer=[self.continuation])  # fmt: skip

    def _settings(self):
        top_k = self.controls["top_k"].value
        top_p = self.controls["top_p"].value
        return {
            "temperature": self.controls["temperature"].value,
            "top_k": None if top_k == 0 else top_k,
            "top_p": None if top_p == 1 else top_p,
        }

    def update(self):
        prompt = self.controls["prompt"].value
        settings = self._settings()
        logits = char_transformer.next_token_logits(self._model, self._vocab, prompt)
        logits[char_transformer.PAD_ID] = -1e9  # padding is never a next character
        raw = sampling.next_token_distribution(logits)
        after = sampling.next_token_distribution(logits, **settings)
        continuation = char_transformer.generate(
            self._model, self._vocab, prompt, self._length, seed=self.controls["seed"].value,
            **settings,
        )  # fmt: skip
        head = self.controls["head"].value
        weights = char_transformer.prompt_attention(self._attention, self._vocab, prompt)[head]
        window = prompt[-len(weights) :]
        self._draw(raw, after, weights, window, head)
        self.continuation.value = (
            '<pre style="margin:0;white-space:pre-wrap"><b>'
            f"{html.escape(prompt)}</b>{html.escape(continuation)}</pre>"
        )
        self.result = {
            "prompt": prompt,
            **settings,
            "raw_probabilities": raw,
            "probabilities": after,
            "kept": int(np.count_nonzero(after)),
            "entropy_before": sampling.entropy(raw),
            "entropy_after": sampling.entropy(after),
            "continuation": continuation,
            "head": head,
            "attention": weights,
        }

    # --- drawing -------------------------------------------------------------------
    def _build_figure(self):
        figure = new_figure(10.0, 3.4)
        self._bar_axes, self._attention_axes = figure.subplots(
            1, 2, gridspec_kw={"width_ratios": [1.4, 1]}
        )
        positions = np.arange(SHOWN_TOKENS)
        self._before_bars = self._bar_axes.bar(
            positions - 0.2, np.zeros(SHOWN_TOKENS), 0.4, color="#bbbbbb", label="model (T=1)"
        )
        self._after_bars = self._bar_axes.bar(
            positions + 0.2, np.zeros(SHOWN_TOKENS), 0.4, color="#1f77b4", label="after controls"
        )
        self._bar_axes.set(xticks=positions, ylim=(0, 1), ylabel="probability")
        self._bar_axes.legend(fontsize=8, loc="upper right")
        self._bar_axes.tick_params(labelsize=8)
        self._attention_art = self._attention_axes.imshow(
            np.zeros((2, 2)), cmap="Blues", vmin=0, vmax=1, interpolation="nearest"
        )
        self._attention_axes.tick_params(labelsize=7)
        self._attention_axes.set_xlabel("looks at (key)", fontsize=8)
        self._attention_axes.set_ylabel("position (query)", fontsize=8)
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
        return figure

    def _draw(self, raw, after, weights, window, head):
        shown = np.argsort(-raw, kind="stable")[:SHOWN_TOKENS]
        for bar, p in zip(self._before_bars.patches, raw[shown], strict=True):
            bar.set_height(p)
        for bar, p in zip(self._after_bars.patches, after[shown], strict=True):
            bar.set_height(p)
        labels = [_label(self._vocab.decode([i])) for i in shown]
        self._bar_axes.set_xticklabels(labels)
        self._bar_axes.set_title(
            f"next character: {np.count_nonzero(after)} of {len(raw) - 1} can be drawn",
            fontsize=9,
        )
        n = len(window)
        self._attention_art.set_data(weights)
        self._attention_art.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
        self._attention_axes.set(xlim=(-0.5, n - 0.5), ylim=(n - 0.5, -0.5))
        ticks = range(n) if n <= 24 else range(0, n, max(1, n // 12))
        chars = [_label(window[i]) for i in ticks]
        self._attention_axes.set_xticks(list(ticks), chars)
        self._attention_axes.set_yticks(list(ticks), chars)
        self._attention_axes.set_title(f"attention of head {head} over the prompt", fontsize=9)
