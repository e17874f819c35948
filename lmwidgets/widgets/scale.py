"""ScaleCalculator: what a Transformer costs in parameters, compute, days and memory."""

import dataclasses
import html

from lmwidgets.core import scale
from lmwidgets.core.scale import HARDWARE, PRESETS, ZERO_STAGES
from lmwidgets.widgets._base import Explorer, new_figure, snapped_limits
from lmwidgets.widgets._controls import Control

import ipywidgets as widgets
import numpy as np

GB = 1e9
# Titles at the top of their axes, where matplotlib puts them here: given, they spare each
# full draw the search for a place clear of the tick labels.
TITLE_Y = 1.0
DEFAULT_PRESET = "llama-2-7b"
# The fields of a TransformerConfig a learner edits, and the row of the widget each is on.
_SIZE_FIELDS = {
    "n_layers": 1, "d_model": 1, "n_heads": 1, "n_kv_heads": 2, "d_ff": 2, "vocab_size": 2,
    "seq_len": 1,
}  # fmt: skip
_MEMORY_PARTS = ("weights", "gradients", "optimizer_states")
_PARAM_PARTS = {
    "embeddings": "embeddings", "attention": "attention", "mlp": "MLP", "output_head": "output",
    "norms": "norms",
}  # fmt: skip
_COLORS = {
    "weights": "#4c72b0",
    "gradients": "#dd8452",
    "optimizer_states": "#55a868",
    "kv_cache": "#c44e52",
}


def _key():
    parts = {**{p: p.replace("_", " ") for p in _MEMORY_PARTS}, "kv_cache": "KV cache"}
    swatches = [
        f'<span style="color:{_COLORS[part]}">&#9632;</span> {label}'
        for part, label in parts.items()
    ]
    return (
        "Memory: " + " &nbsp; ".join(swatches) + " &nbsp; <b>- - -</b> device memory "
        "(pale bars: the ZeRO stages not chosen; inference weights in bf16)"
    )


def _count(value):
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def _size(name, value):
    label = "context" if name == "seq_len" else None
    return Control(
        name, "int_text", value, low=1, high=10**7, role="model", row=_SIZE_FIELDS[name],
        label=label, width="150px",
    )  # fmt: skip


class ScaleCalculator(Explorer):
    """Pick a published model (or change its shape) and read what it costs.

    Parameters (embeddings, attention, MLP), training FLOPs (6ND) for a token
    count, the compute-optimal token count, days on N accelerators at a given
    MFU, training memory per device by ZeRO stage (weights, gradients, Adam
    states) and inference memory (bf16 weights + KV cache), against one device.

    Choosing a ``preset`` fills in its shape (the size fields and ``seq_len``) and
    its training ``tokens``; size fields or ``tokens`` given with it override the
    preset's values, in whatever order the keywords come.
    """

    # preset first: keywords are applied in this order, so a size given with a preset wins.
    CONTROLS = (
        Control("preset", "choice", DEFAULT_PRESET, options=tuple(PRESETS), label="model"),
        *(
            _size(name, getattr(PRESETS[DEFAULT_PRESET].config, name))
            for name in _SIZE_FIELDS
        ),
        Control("tokens", "log", scale.preset_training_tokens(DEFAULT_PRESET), low=1e8, high=1e14,
                step=0.05),
        Control("hardware", "choice", "A100 80GB", options=tuple(HARDWARE), label="device",
                row=3),
        Control("n_devices", "int_text", 1024, low=1, high=10**6, label="devices", row=3),
        Control("mfu", "float", 0.4, low=0.05, high=1.0, step=0.01, label="MFU", row=3),
        Control("zero_stage", "buttons", 0, options=ZERO_STAGES, label="ZeRO stage", row=4),
        Control("batch", "int_text", 1, low=1, high=4096, row=4, width="150px"),
    )  # fmt: skip

    def __init__(self, **settings):
        self.summary = widgets.HTML()
        # The figure's key as HTML: text there costs nothing to redraw.
        self.key = widgets.HTML(_key())
        super().__init__(**settings)
        self.controls["zero_stage"].style.button_width = "40px"

    def adjust(self, name):
        if name == "preset":
            preset = self.settings["preset"]
            config = PRESETS[preset].config
            for field in _SIZE_FIELDS:
                self.controls[field].value = getattr(config, field)
            self.controls["tokens"].value = scale.preset_training_tokens(preset)

    def footer(self):
        return [self.key, self.summary]

    def build_figure(self):
        figure = new_figure(10, 3.4)
        self.ax_params, self.ax_train, self.ax_infer = figure.subplots(
            1, 3, gridspec_kw={"width_ratios": [1.1, 1.5, 0.9]}
        )
        count = len(_PARAM_PARTS)
        # Bars at a line's zorder, above the axes' ticks and labels (1.5): a redraw over the
        # cached axes draws no text twice.
        self.param_bars = self.ax_params.barh(range(count), np.ones(count), zorder=2)
        self.ax_params.set_yticks(range(count), list(_PARAM_PARTS.values()))
        self.ax_params.invert_yaxis()
        self.ax_params.set_xlabel("parameters")
        self.ax_params.set_title("parameters")

        stages = np.arange(len(ZERO_STAGES))
        self.train_bars = {
            part: self.ax_train.bar(
                stages,
                np.ones(len(stages)),
                color=_COLORS[part],
                label=part.replace("_", " "),
                zorder=2,
            )
            for part in _MEMORY_PARTS
        }
        self.ax_train.set_xticks(stages, [f"ZeRO {s}" for s in ZERO_STAGES])
        self.ax_train.set_ylabel("GB per device")
        self.train_limit = self.ax_train.axhline(
            80, color="k", ls="--", lw=1, label="device memory"
        )

        self.infer_bars = {
            part: self.ax_infer.bar([0], [1.0], color=_COLORS[part], label=label, zorder=2)
            for part, label in (("weights", "weights (bf16)"), ("kv_cache", "KV cache"))
        }
        self.ax_infer.set_xticks([0], ["inference"])
        self.infer_limit = self.ax_infer.axhline(
            80, color="k", ls="--", lw=1, label="device memory"
        )
        self.ax_infer.set_ylabel("GB")
        figure.tight_layout()
        return figure

    def config(self):
        """The TransformerConfig the controls describe (the preset's flags, the controls' sizes)."""
        s = self.settings
        sizes = {name: s[name] for name in _SIZE_FIELDS}
        return dataclasses.replace(PRESETS[s["preset"]].config, **sizes)

    def compute(self, changed):
        s = self.settings
        cfg = self.config()
        parts = scale.param_breakdown(cfg)
        n_params = parts["total"]
        hardware = HARDWARE[s["hardware"]]
        flops = scale.training_flops(n_params, s["tokens"])
        days = scale.training_days(flops, s["n_devices"], hardware.peak_flops, s["mfu"])
        optimal_params, optimal_tokens = scale.chinchilla_optimal(flops)
        by_stage = {
            stage: scale.training_memory_breakdown(n_params, stage, s["n_devices"])
            for stage in ZERO_STAGES
        }
        inference = scale.inference_memory(cfg, s["batch"])
        chosen = by_stage[s["zero_stage"]]
        return {
            "preset": s["preset"],
            "config": dataclasses.asdict(cfg),
            "matches_preset": cfg == PRESETS[s["preset"]].config,
            "params": n_params,
            "breakdown": parts,
            "tokens": s["tokens"],
            "tokens_per_param": scale.tokens_per_param(s["tokens"], n_params),
            "training_flops": flops,
            "chinchilla_tokens": scale.chinchilla_tokens(n_params),
            "chinchilla_optimal": {"params": optimal_params, "tokens": optimal_tokens},
            "hardware": s["hardware"],
            "n_devices": s["n_devices"],
            "mfu": s["mfu"],
            "days": days,
            "device_hours": scale.device_hours(days, s["n_devices"]),
            "zero_stage": s["zero_stage"],
            "batch": s["batch"],
            "training_memory": dict(chosen),
            "training_memory_by_stage": {stage: mem["total"] for stage, mem in by_stage.items()},
            "training_memory_parts_by_stage": by_stage,
            "inference_memory": inference,
            "device_memory": hardware.memory_bytes,
            "fits_training": chosen["total"] <= hardware.memory_bytes,
            "fits_inference": inference["total"] <= hardware.memory_bytes,
        }

    def render(self, result):
        values = [result["breakdown"][part] for part in _PARAM_PARTS]
        for bar, value in zip(self.param_bars, values, strict=True):
            bar.set_width(value)
        # Round limits: a nearby size keeps the axes, and the picture of them is reused.
        self.ax_params.set_xlim(*snapped_limits(0, max(values) * 1.1, steps=4))
        self.ax_params.set_title(f"parameters: {_count(result['params'])}", y=TITLE_Y)

        memory = result["device_memory"] / GB
        by_stage = result["training_memory_parts_by_stage"]
        bottoms = np.zeros(len(ZERO_STAGES))
        for part in _MEMORY_PARTS:
            for i, (bar, stage) in enumerate(zip(self.train_bars[part], ZERO_STAGES, strict=True)):
                height = by_stage[stage][part] / GB
                bar.set_y(bottoms[i])
                bar.set_height(height)
                bar.set_alpha(1.0 if stage == result["zero_stage"] else 0.35)
                bottoms[i] += height
        self.train_limit.set_ydata([memory])
        self.ax_train.set_ylim(*snapped_limits(0, max(bottoms.max(), memory) * 1.15, steps=4))
        self.ax_train.set_title(
            f"training, {result['n_devices']} x {result['hardware']}", fontsize=9, y=TITLE_Y
        )

        inference = {part: value / GB for part, value in result["inference_memory"].items()}
        self.infer_bars["weights"][0].set_height(inference["weights"])
        self.infer_bars["kv_cache"][0].set_y(inference["weights"])
        self.infer_bars["kv_cache"][0].set_height(inference["kv_cache"])
        self.infer_limit.set_ydata([memory])
        self.ax_infer.set_ylim(*snapped_limits(0, max(inference["total"], memory) * 1.15, steps=4))
        verdict = "fits on one device" if result["fits_inference"] else "needs several devices"
        self.ax_infer.set_title(verdict, fontsize=9, y=TITLE_Y)
        self.summary.value = self._summary(result)

    def dynamic_artists(self):
        # Bars, limit lines and titles over a cached picture of the axes: a change that keeps
        # the rounded limits redraws only these.
        bars = [*self.param_bars, *(b for group in self.train_bars.values() for b in group)]
        bars += [b for group in self.infer_bars.values() for b in group]
        axes = (self.ax_params, self.ax_train, self.ax_infer)
        return [*bars, self.train_limit, self.infer_limit, *(a.title for a in axes)]

    @staticmethod
    def _summary(r):
        fits = "fits" if r["fits_training"] else "does not fit"
        lines = [
            f"<b>{_count(r['params'])}</b> parameters ({r['params']:,}); "
            f"trained on {_count(r['tokens'])} tokens ({r['tokens_per_param']:.1f} per parameter; "
            f"Chinchilla-optimal for this size: {_count(r['chinchilla_tokens'])})",
            f"training compute 6ND = <b>{r['training_flops']:.3g} FLOPs</b>: "
            f"<b>{r['days']:.3g} days</b> on {r['n_devices']:,} x {html.escape(r['hardware'])} "
            f"at {r['mfu']:.0%} MFU ({r['device_hours']:,.0f} device-hours)",
            f"training memory per device, ZeRO stage {r['zero_stage']}: "
            f"{r['training_memory']['total'] / GB:,.1f} GB (weights, gradients, Adam states; "
            f"no activations): {fits} in {r['device_memory'] / GB:.0f} GB",
            f"inference: {r['inference_memory']['weights'] / GB:,.1f} GB weights + "
            f"{r['inference_memory']['kv_cache'] / GB:,.1f} GB KV cache "
            f"for {r['batch']} sequence(s) of {r['config']['seq_len']:,} tokens",
        ]
        return "<br>".join(lines)
