"""Type a prompt, turn temperature, top-k and top-p; see the next-character distribution
before and after, a sampled continuation, and where one attention head looks."""

import dataclasses
import html

from lmwidgets.core import char_transformer
from lmwidgets.language import Words, say_in_figure
from lmwidgets.widgets._base import Explorer, encode_frame, new_figure
from lmwidgets.widgets._controls import Control

import ipywidgets as widgets
import numpy as np

SHOWN_TOKENS = 12
DEFAULTS = char_transformer.GENERATE_DEFAULTS
# top-k and top-p are off (None in core) at a control value of 0 and 1.
OFF = {"top_k": 0, "top_p": 1.0}
# Pictures of titles kept to paste again (one per count of characters that can be drawn).
TITLES_KEPT = 64


def _label(char):
    if char == "":
        return say_in_figure("pad", "填充")
    return {"\n": "\\n", " ": "␣"}.get(char, char)


class SamplingExplorer(Explorer):
    """``SamplingExplorer(model, vocab)`` for a model from ``core.char_transformer``.

    Controls: ``prompt``, ``temperature`` (0 = greedy), ``top_k`` (0 = off),
    ``top_p`` (1 = off), ``head`` (the attention head drawn), ``length`` and ``seed``
    of the sampled continuation. ``result`` holds ``prompt``, ``raw_probabilities``
    (the model's softmax), ``probabilities`` (after the controls), ``kept`` (how many
    characters can still be drawn), ``entropy_before``/``entropy_after`` (nats),
    ``continuation`` and ``attention`` (the head's weights over the prompt), from
    ``core.char_transformer.next_character_choice``, ``generate`` and ``prompt_attention``.
    """

    # The default prompt fits the vocabulary and ``head``'s options the model (``declare``).
    CONTROLS = (
        Control("prompt", "text", char_transformer.DEFAULT_PROMPT, low=1, high=1000,
                continuous=False, label=Words("prompt", "提示词")),
        Control("head", "choice", 0, options=(0,), width="140px",
                label=Words("head", "注意力头")),
        Control("length", "int_text", DEFAULTS["length"], low=0, high=1000, width="150px",
                label=Words("length", "长度")),
        Control("seed", "int_text", DEFAULTS["seed"], low=0, high=2**31 - 1, role="data",
                width="170px", label=Words("seed", "种子")),
        Control("temperature", "float_text", DEFAULTS["temperature"], low=0, high=10, step=0.1,
                width="170px", row=1, label=Words("temperature", "温度")),
        Control("top_k", "int_text", DEFAULTS["top_k"] or OFF["top_k"], low=0, high=1000,
                label=Words("top-k (0 off)", "top-k（0 关）"), width="150px", row=1),
        Control("top_p", "float_text", DEFAULTS["top_p"] or OFF["top_p"], low=0, high=1,
                step=0.05, label=Words("top-p (1 off)", "top-p（1 关）"), width="150px", row=1),
    )  # fmt: skip

    def __init__(self, model, vocab, **settings):
        self._model = model
        self._vocab = vocab
        self._attention = char_transformer.attention_model(model)
        self.continuation = widgets.HTML()
        self.continuation.add_class("lmw-generated")  # the model's own text: not translated
        self._titles = {}
        super().__init__(**settings)

    def declare(self):
        fitted = {
            "prompt": {"default": char_transformer.default_prompt(self._vocab)},
            "head": {"options": tuple(range(self._attention.output_shape[1]))},
        }
        return tuple(
            dataclasses.replace(spec, **fitted.get(spec.name, {})) for spec in self.CONTROLS
        )

    def footer(self):
        return [self.continuation]

    def close(self):
        self._titles = {}
        super().close()

    def compute(self, changed):
        s = self.settings
        prompt, head = s["prompt"], s["head"]
        chosen = {name: None if s[name] == OFF.get(name) else s[name] for name in OFF}
        chosen["temperature"] = s["temperature"]
        choice = char_transformer.next_character_choice(self._model, self._vocab, prompt, **chosen)
        continuation = char_transformer.generate(
            self._model, self._vocab, prompt, s["length"], seed=s["seed"], **chosen
        )
        weights = char_transformer.prompt_attention(self._attention, self._vocab, prompt)[head]
        return {
            "prompt": prompt,
            **chosen,
            **choice,
            "continuation": continuation,
            "head": head,
            "attention": weights,
            "length": s["length"],
            "seed": s["seed"],
        }

    def render(self, result):
        self._draw(result)
        prompt, continuation = result["prompt"], result["continuation"]
        self.continuation.value = (
            '<pre style="margin:0;white-space:pre-wrap"><b>'
            f"{html.escape(prompt)}</b>{html.escape(continuation)}</pre>"
        )

    # --- drawing -------------------------------------------------------------------
    def build_figure(self):
        figure = new_figure(10.0, 3.4)
        self._bar_axes, self._attention_axes = figure.subplots(
            1, 2, gridspec_kw={"width_ratios": [1.4, 1]}
        )
        positions = np.arange(SHOWN_TOKENS)
        self._before_bars = self._bar_axes.bar(
            positions - 0.2,
            np.zeros(SHOWN_TOKENS),
            0.4,
            color="#bbbbbb",
            label=say_in_figure("model (T=1)", "模型（T=1）"),
        )
        self._after_bars = self._bar_axes.bar(
            positions + 0.2,
            np.zeros(SHOWN_TOKENS),
            0.4,
            color="#1f77b4",
            label=say_in_figure("after controls", "调整后"),
        )
        self._bar_axes.set(
            xticks=positions, ylim=(0, 1), ylabel=say_in_figure("probability", "概率")
        )
        # Under the bars (which never reach it: the shown bars fall from left to right), so
        # that a redraw of the bars over the cached rest paints what a full draw paints.
        self._bar_axes.legend(fontsize=8, loc="upper right").set_zorder(0.9)
        self._bar_axes.tick_params(labelsize=8)
        self._attention_art = self._attention_axes.imshow(
            np.zeros((2, 2)), cmap="Blues", vmin=0, vmax=1, interpolation="nearest"
        )
        self._attention_axes.tick_params(labelsize=7)
        self._attention_axes.set_xlabel(
            say_in_figure("looks at (key)", "关注位置（键）"), fontsize=8
        )
        self._attention_axes.set_ylabel(
            say_in_figure("position (query)", "位置（查询）"), fontsize=8
        )
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.18, top=0.88, wspace=0.25)
        return figure

    def _draw(self, result):
        raw, after = result["raw_probabilities"], result["probabilities"]
        shown = np.argsort(-raw, kind="stable")[:SHOWN_TOKENS]
        for bar, p in zip(self._before_bars.patches, raw[shown], strict=True):
            bar.set_height(p)
        for bar, p in zip(self._after_bars.patches, after[shown], strict=True):
            bar.set_height(p)
        labels = [_label(self._vocab.decode([i])) for i in shown]
        self._bar_axes.set_xticklabels(labels)
        kept, candidates = result["kept"], result["candidates"]
        self._bar_axes.set_title(
            say_in_figure(
                f"next character: {kept} of {candidates} can be drawn",
                f"下一个字符：{candidates} 个中有 {kept} 个可被采样",
            ),
            fontsize=9,
        )
        weights, head = result["attention"], result["head"]
        n = len(weights)
        window = result["prompt"][-n:]
        self._attention_art.set_data(weights)
        self._attention_art.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
        self._attention_axes.set(xlim=(-0.5, n - 0.5), ylim=(n - 0.5, -0.5))
        ticks = range(n) if n <= 24 else range(0, n, max(1, n // 12))
        chars = [_label(window[i]) for i in ticks]
        self._attention_axes.set_xticks(list(ticks), chars)
        self._attention_axes.set_yticks(list(ticks), chars)
        self._attention_axes.set_title(
            say_in_figure(
                f"attention of head {head} over the prompt", f"注意力头 {head} 在提示词上的注意力"
            ),
            fontsize=9,
        )
        self._labels = (tuple(labels), n, tuple(chars))

    # A change redraws only what it changes (bars, picture, titles) over a cached picture of
    # the rest. The axes whose ticks follow the prompt (the characters under the bars, the
    # prompt along both sides of the picture) are drawn over a cached picture without them,
    # so a new prompt draws only those (Matplotlib's blitting, in two layers).
    def _dynamic(self):
        bars = [*self._before_bars.patches, *self._after_bars.patches]
        return [*bars, self._attention_art, self._bar_axes.title, self._attention_axes.title]

    def _spines(self):
        """Painted again over the bars and the picture they border, as a full draw does."""
        return [*self._bar_axes.spines.values(), *self._attention_axes.spines.values()]

    def _prompt_axes(self):
        attention = self._attention_axes
        return [self._bar_axes.xaxis, attention.xaxis, attention.yaxis]

    def _paste_title(self, title, size):
        """Draw a title, or paste its pixels from when it last said the same: the text of
        a title costs more than everything else redrawn, and its place never changes (a
        band of plain figure background above the axes)."""
        key = ("title", size, id(title), title.get_text())
        pixels = self._titles.get(key)
        if pixels is not None:
            self.figure.canvas.restore_region(pixels)
            return
        self.figure.draw_artist(title)
        box = title.get_window_extent(self.figure.canvas.get_renderer()).expanded(1, 1)
        self._titles[key] = self.figure.canvas.copy_from_bbox(box.padded(2))
        while len(self._titles) > TITLES_KEPT:
            self._titles.pop(next(iter(self._titles)))

    def draw(self):
        canvas = self.figure.canvas
        dynamic, prompt_axes = self._dynamic(), self._prompt_axes()
        # The picture's axes box is square at any limits (imshow's equal aspect).
        size = (canvas.get_width_height(), self._bar_axes.get_xlim(), self._bar_axes.get_ylim())
        limits = (self._attention_axes.get_xlim(), self._attention_axes.get_ylim())
        animated = [*dynamic, *prompt_axes]
        for artist in animated:
            artist.set_animated(True)  # left out of canvas.draw()
        try:
            self._restore(("labelled", size, limits, self._labels), prompt_axes, ("plain", size))
            for artist in [*dynamic[:-2], *self._spines()]:
                self.figure.draw_artist(artist)
            for title in dynamic[-2:]:
                self._paste_title(title, size)
        finally:
            # Left animated, they would be missing from a learner's figure.savefig().
            for artist in animated:
                artist.set_animated(False)
        self.image.value = encode_frame(canvas)
