"""ScaleCalculator: what a Transformer costs in parameters, compute, days and memory."""

import dataclasses
import html

from lmwidgets.core.scale import (
    HARDWARE,
    PRESETS,
    ZERO_STAGES,
    chinchilla_optimal,
    kv_cache_bytes,
    param_breakdown,
    training_days,
    training_flops,
    training_memory_breakdown,
)
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np

GB = 1e9
BYTES_INFERENCE = 2  # bf16 weights and KV cache
_SIZE_FIELDS = ("n_layers", "d_model", "n_heads", "n_kv_heads", "d_ff", "vocab_size")
_MEMORY_PARTS = ("weights", "gradients", "optimizer_states")
_COLORS = {
    "weights": "#4c72b0",
    "gradients": "#dd8452",
    "optimizer_states": "#55a868",
    "kv_cache": "#c44e52",
}


def _count(value):
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


class ScaleCalculator(Explorer):
    """Pick a published model (or change its shape) and read what it costs.

    Parameters (embeddings, attention, MLP), training FLOPs (6ND) for a token
    count, the compute-optimal token count, days on N accelerators at a given
    MFU, training memory per device by ZeRO stage (weights, gradients, Adam
    states) and inference memory (bf16 weights + KV cache), against one device.
    """

    def __init__(
        self,
        preset="llama-2-7b",
        hardware="A100 80GB",
        n_devices=1024,
        mfu=0.4,
        zero_stage=0,
        batch=1,
    ):
        if preset not in PRESETS:
            raise ValueError(f"Unknown preset {preset!r}; expected one of {', '.join(PRESETS)}.")
        if hardware not in HARDWARE:
            raise ValueError(
                f"Unknown hardware {hardware!r}; expected one of {', '.join(HARDWARE)}."
            )
        if zero_stage not in ZERO_STAGES:
            raise ValueError(f"Unknown zero_stage {zero_stage!r}; expected one of 0, 1, 2, 3.")
        self._syncing = False
        style = {"description_width": "initial"}
        size = widgets.Layout(width="150px")
        controls = {
            "preset": widgets.Dropdown(options=list(PRESETS), value=preset, description="model"),
            **{
                name: widgets.BoundedIntText(
                    min=1, max=10**7, description=name, style=style, layout=size
                )
                for name in _SIZE_FIELDS
            },
            "seq_len": widgets.BoundedIntText(
                min=1, max=10**7, description="context", style=style, layout=size
            ),
            "tokens": widgets.FloatLogSlider(
                value=1e12, base=10, min=8, max=14, step=0.05, description="tokens"
            ),
            "hardware": widgets.Dropdown(
                options=list(HARDWARE), value=hardware, description="device"
            ),
            "n_devices": widgets.BoundedIntText(
                value=n_devices, min=1, max=10**6, description="devices", style=style
            ),
            "mfu": widgets.FloatSlider(value=mfu, min=0.05, max=1.0, step=0.01, description="MFU"),
            "zero_stage": widgets.ToggleButtons(
                options=list(ZERO_STAGES), value=zero_stage, description="ZeRO stage"
            ),
            "batch": widgets.BoundedIntText(
                value=batch, min=1, max=4096, description="batch", style=style, layout=size
            ),
        }
        controls["zero_stage"].style.button_width = "40px"
        self._load_preset(controls, preset)
        rows = [
            widgets.HBox([controls["preset"], controls["tokens"]]),
            widgets.HBox([controls[name] for name in (*_SIZE_FIELDS[:3], "seq_len")]),
            widgets.HBox([controls[name] for name in _SIZE_FIELDS[3:]]),
            widgets.HBox([controls["hardware"], controls["n_devices"], controls["mfu"]]),
            widgets.HBox([controls["zero_stage"], controls["batch"]]),
        ]
        self.summary = widgets.HTML()
        figure = new_figure(10, 3.4)
        self._build_axes(figure)
        super().__init__(controls, figure, control_rows=rows, footer=[self.summary])

    @staticmethod
    def _load_preset(controls, name):
        preset = PRESETS[name]
        for field in _SIZE_FIELDS + ("seq_len",):
            controls[field].value = getattr(preset.config, field)
        # The published token count, else the compute-optimal one (20 per parameter).
        tokens = preset.training_tokens or 20.0 * preset.published_params
        controls["tokens"].value = tokens

    def _on_change(self, change):
        if self._syncing:
            return
        if change["owner"] is self.controls["preset"]:
            # Several controls change at once: draw once, at the end.
            self._syncing = True
            try:
                self._load_preset(self.controls, change["new"])
            finally:
                self._syncing = False
        self.refresh()

    def _build_axes(self, figure):
        self.ax_params, self.ax_train, self.ax_infer = figure.subplots(
            1, 3, gridspec_kw={"width_ratios": [1.1, 1.5, 0.9]}
        )
        parts = ("embeddings", "attention", "mlp", "output_head", "norms")
        self._param_parts = parts
        self.param_bars = self.ax_params.barh(range(len(parts)), np.ones(len(parts)))
        self.ax_params.set_yticks(
            range(len(parts)), ["embeddings", "attention", "MLP", "output", "norms"]
        )
        self.ax_params.invert_yaxis()
        self.ax_params.set_xlabel("parameters")
        self.ax_params.set_title("parameters")

        stages = np.arange(len(ZERO_STAGES))
        bottom = np.zeros(len(stages))
        self.train_bars = {}
        for part in _MEMORY_PARTS:
            self.train_bars[part] = self.ax_train.bar(
                stages,
                np.ones(len(stages)),
                bottom=bottom,
                color=_COLORS[part],
                label=part.replace("_", " "),
            )
        self.ax_train.set_xticks(stages, [f"ZeRO {s}" for s in ZERO_STAGES])
        self.ax_train.set_ylabel("GB per device")
        self.train_limit = self.ax_train.axhline(
            80, color="k", ls="--", lw=1, label="device memory"
        )
        self.ax_train.legend(fontsize=7, loc="upper right")

        self.infer_bars = {
            part: self.ax_infer.bar([0], [1.0], color=_COLORS[part], label=label)
            for part, label in (("weights", "weights (bf16)"), ("kv_cache", "KV cache"))
        }
        self.ax_infer.set_xticks([0], ["inference"])
        self.infer_limit = self.ax_infer.axhline(
            80, color="k", ls="--", lw=1, label="device memory"
        )
        self.ax_infer.legend(fontsize=7, loc="upper right")
        self.ax_infer.set_ylabel("GB")
        figure.tight_layout()

    def config(self):
        """The TransformerConfig the controls describe (the preset's flags, the controls' sizes)."""
        base = PRESETS[self.controls["preset"].value].config
        sizes = {name: int(self.controls[name].value) for name in (*_SIZE_FIELDS, "seq_len")}
        return dataclasses.replace(base, **sizes)

    def update(self):
        c = {name: control.value for name, control in self.controls.items()}
        cfg = self.config()
        parts = param_breakdown(cfg)
        n_params = parts["total"]
        hardware = HARDWARE[c["hardware"]]
        flops = training_flops(n_params, c["tokens"])
        days = training_days(flops, c["n_devices"], hardware.peak_flops, c["mfu"])
        optimal_params, optimal_tokens = chinchilla_optimal(flops)
        by_stage = {
            stage: training_memory_breakdown(n_params, stage, c["n_devices"])
            for stage in ZERO_STAGES
        }
        weights_bytes = BYTES_INFERENCE * n_params
        kv_bytes = kv_cache_bytes(cfg, c["batch"], cfg.seq_len, BYTES_INFERENCE)
        memory = hardware.memory_bytes
        chosen = by_stage[c["zero_stage"]]
        self.result = {
            "preset": c["preset"],
            "config": dataclasses.asdict(cfg),
            "matches_preset": cfg == PRESETS[c["preset"]].config,
            "params": n_params,
            "breakdown": parts,
            "tokens": float(c["tokens"]),
            "tokens_per_param": float(c["tokens"]) / n_params,
            "training_flops": flops,
            "chinchilla_tokens": 20.0 * n_params,
            "chinchilla_optimal": {"params": optimal_params, "tokens": optimal_tokens},
            "hardware": c["hardware"],
            "n_devices": int(c["n_devices"]),
            "mfu": float(c["mfu"]),
            "days": days,
            "device_hours": days * 24 * c["n_devices"],
            "zero_stage": c["zero_stage"],
            "training_memory": dict(chosen),
            "training_memory_by_stage": {s: parts_["total"] for s, parts_ in by_stage.items()},
            "inference_memory": {
                "weights": weights_bytes,
                "kv_cache": kv_bytes,
                "total": weights_bytes + kv_bytes,
            },
            "device_memory": memory,
            "fits_training": chosen["total"] <= memory,
            "fits_inference": weights_bytes + kv_bytes <= memory,
        }
        self._draw(parts, by_stage, weights_bytes, kv_bytes, memory)
        self._write_summary()

    def _draw(self, parts, by_stage, weights_bytes, kv_bytes, memory):
        values = [parts[p] for p in self._param_parts]
        for bar, value in zip(self.param_bars, values, strict=True):
            bar.set_width(value)
        self.ax_params.set_xlim(0, max(values) * 1.1)
        self.ax_params.set_title(f"parameters: {_count(parts['total'])}")

        chosen = self.result["zero_stage"]
        bottoms = np.zeros(len(ZERO_STAGES))
        for part in _MEMORY_PARTS:
            for i, (bar, stage) in enumerate(zip(self.train_bars[part], ZERO_STAGES, strict=True)):
                height = by_stage[stage][part] / GB
                bar.set_y(bottoms[i])
                bar.set_height(height)
                bar.set_alpha(1.0 if stage == chosen else 0.35)
                bottoms[i] += height
        self.train_limit.set_ydata([memory / GB])
        self.ax_train.set_ylim(0, max(bottoms.max(), memory / GB) * 1.15)
        self.ax_train.set_title(
            f"training, {self.result['n_devices']} x {self.result['hardware']}", fontsize=9
        )

        self.infer_bars["weights"][0].set_height(weights_bytes / GB)
        self.infer_bars["kv_cache"][0].set_y(weights_bytes / GB)
        self.infer_bars["kv_cache"][0].set_height(kv_bytes / GB)
        self.infer_limit.set_ydata([memory / GB])
        total = (weights_bytes + kv_bytes) / GB
        self.ax_infer.set_ylim(0, max(total, memory / GB) * 1.15)
        verdict = "fits on one device" if self.result["fits_inference"] else "needs several devices"
        self.ax_infer.set_title(verdict, fontsize=9)

    def _write_summary(self):
        r = self.result
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
            f"for {self.controls['batch'].value} sequence(s) of {r['config']['seq_len']:,} tokens",
        ]
        self.summary.value = "<br>".join(lines)
