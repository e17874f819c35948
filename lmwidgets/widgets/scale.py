"""ScaleCalculator: what a Transformer costs in parameters, compute, days and memory."""

import dataclasses
import html

from lmwidgets.core import scale
from lmwidgets.core.scale import HARDWARE, PRESETS, ZERO_STAGES
from lmwidgets.language import Words, language, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure, snapped_limits
from lmwidgets.widgets._controls import Control

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

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
_SIZE_LABELS = {
    "n_layers": Words("n layers", "层数"),
    "d_model": Words("d model", "模型维度"),
    "n_heads": Words("n heads", "注意力头数"),
    "n_kv_heads": Words("n kv heads", "KV 头数"),
    "d_ff": Words("d ff", "前馈维度"),
    "vocab_size": Words("vocab size", "词表大小"),
    "seq_len": Words("context", "上下文长度"),
}
_MEMORY_PARTS = ("weights", "gradients", "optimizer_states")
_PARAM_PARTS = {
    "embeddings": Words("embeddings", "嵌入"), "attention": Words("attention", "注意力"),
    "mlp": Words("MLP", "MLP"), "output_head": Words("output", "输出"),
    "norms": Words("norms", "归一化"),
}  # fmt: skip
# What each part of the memory is called in the key and the legend labels.
_MEMORY_LABELS = {
    "weights": Words("weights", "权重"),
    "gradients": Words("gradients", "梯度"),
    "optimizer_states": Words("optimizer states", "优化器状态"),
    "kv_cache": Words("KV cache", "KV 缓存"),
}
_COLORS = {
    "weights": "#4c72b0",
    "gradients": "#dd8452",
    "optimizer_states": "#55a868",
    "kv_cache": "#c44e52",
}


def _key():
    swatches = [
        f'<span style="color:{_COLORS[part]}">&#9632;</span> {label}'
        for part, label in _MEMORY_LABELS.items()
    ]
    return (
        say("Memory: ", "显存：")
        + " &nbsp; ".join(swatches)
        + " &nbsp; <b>- - -</b> "
        + say(
            "device memory (pale bars: the ZeRO stages not chosen; inference weights in bf16)",
            "设备显存（浅色柱：未选中的 ZeRO 阶段；推理权重为 bf16）",
        )
    )


def _count(value):
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def _size(name, value):
    return Control(
        name, "int_text", value, low=1, high=10**7, role="model", row=_SIZE_FIELDS[name],
        label=_SIZE_LABELS[name], width="150px",
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
        Control("preset", "choice", DEFAULT_PRESET, options=tuple(PRESETS),
                label=Words("model", "模型")),
        *(
            _size(name, getattr(PRESETS[DEFAULT_PRESET].config, name))
            for name in _SIZE_FIELDS
        ),
        Control("tokens", "log", scale.preset_training_tokens(DEFAULT_PRESET), low=1e8, high=1e14,
                step=0.05, label=Words("tokens", "词元数")),
        Control("hardware", "choice", "A100 80GB", options=tuple(HARDWARE),
                label=Words("device", "设备"), row=3),
        Control("n_devices", "int_text", 1024, low=1, high=10**6,
                label=Words("devices", "设备数"), row=3),
        Control("mfu", "float", 0.4, low=0.05, high=1.0, step=0.01,
                label=Words("MFU", "算力利用率 MFU"), row=3),
        Control("zero_stage", "buttons", 0, options=ZERO_STAGES,
                label=Words("ZeRO stage", "ZeRO 阶段"), row=4),
        Control("batch", "int_text", 1, low=1, high=4096, row=4, width="150px",
                label=Words("batch", "批量大小")),
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
        self.ax_params.set_yticks(range(count), [w.in_figure() for w in _PARAM_PARTS.values()])
        self.ax_params.invert_yaxis()
        self.ax_params.set_xlabel(say_in_figure("parameters", "参数"))
        self.ax_params.set_title(say_in_figure("parameters", "参数"))

        stages = np.arange(len(ZERO_STAGES))
        self.train_bars = {
            part: self.ax_train.bar(
                stages,
                np.ones(len(stages)),
                color=_COLORS[part],
                label=_MEMORY_LABELS[part].in_figure(),
                zorder=2,
            )
            for part in _MEMORY_PARTS
        }
        self.ax_train.set_xticks(
            stages, [say_in_figure(f"ZeRO {s}", f"ZeRO\n阶段 {s}") for s in ZERO_STAGES]
        )
        self.ax_train.set_ylabel(say_in_figure("GB per device", "每设备 GB"))
        device_memory = say_in_figure("device memory", "设备显存")
        self.train_limit = self.ax_train.axhline(80, color="k", ls="--", lw=1, label=device_memory)

        self.infer_bars = {
            part: self.ax_infer.bar([0], [1.0], color=_COLORS[part], label=label, zorder=2)
            for part, label in (
                ("weights", say_in_figure("weights (bf16)", "权重（bf16）")),
                ("kv_cache", _MEMORY_LABELS["kv_cache"].in_figure()),
            )
        }
        self.ax_infer.set_xticks([0], [say_in_figure("inference", "推理")])
        self.infer_limit = self.ax_infer.axhline(80, color="k", ls="--", lw=1, label=device_memory)
        self.ax_infer.set_ylabel("GB")
        # Few numbers along the axes, as the summary writes them (2B, not 2 and 1e9 apart):
        # easier to read, and each new model draws them again.
        self.ax_params.xaxis.set_major_locator(MaxNLocator(4))
        self.ax_params.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _count(value)))
        for axes in (self.ax_train, self.ax_infer):
            axes.yaxis.set_major_locator(MaxNLocator(5))
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
        self.ax_params.set_title(
            say_in_figure("parameters: ", "参数：") + _count(result["params"]), y=TITLE_Y
        )

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
            say_in_figure("training, ", "训练，") + f"{result['n_devices']} x {result['hardware']}",
            fontsize=9,
            y=TITLE_Y,
        )

        inference = {part: value / GB for part, value in result["inference_memory"].items()}
        self.infer_bars["weights"][0].set_height(inference["weights"])
        self.infer_bars["kv_cache"][0].set_y(inference["weights"])
        self.infer_bars["kv_cache"][0].set_height(inference["kv_cache"])
        self.infer_limit.set_ydata([memory])
        self.ax_infer.set_ylim(*snapped_limits(0, max(inference["total"], memory) * 1.15, steps=4))
        verdict = (
            say_in_figure("fits on one device", "单个设备放得下")
            if result["fits_inference"]
            else say_in_figure("needs several devices", "需要多个设备")
        )
        self.ax_infer.set_title(verdict, fontsize=9, y=TITLE_Y)
        self.summary.value = self._summary(result)

    def dynamic_artists(self):
        # Bars, limit lines and titles over a cached picture of the axes: a change that keeps
        # the rounded limits redraws only these.
        bars = [*self.param_bars, *(b for group in self.train_bars.values() for b in group)]
        bars += [b for group in self.infer_bars.values() for b in group]
        axes = (self.ax_params, self.ax_train, self.ax_infer)
        return [*bars, self.train_limit, self.infer_limit, *(a.title for a in axes)]

    def keyed_artists(self):
        # The numbers along each axis: a new model draws these over a cached picture of the
        # parts' names, the ZeRO stages and the frames.
        return [self.ax_params.xaxis, self.ax_train.yaxis, self.ax_infer.yaxis]

    @staticmethod
    def _summary(r):
        params, tokens = _count(r["params"]), _count(r["tokens"])
        chinchilla = _count(r["chinchilla_tokens"])
        hardware, memory = html.escape(r["hardware"]), r["device_memory"] / GB
        total = r["training_memory"]["total"] / GB
        weights = r["inference_memory"]["weights"] / GB
        kv_cache = r["inference_memory"]["kv_cache"] / GB
        if language() == "zh":
            fits = "放得进" if r["fits_training"] else "放不进"
            lines = [
                f"<b>{params}</b> 参数（{r['params']:,}）；训练词元 {tokens} 个（每个参数 "
                f"{r['tokens_per_param']:.1f} 个；此规模的 Chinchilla 最优：{chinchilla}）",
                f"训练算力 6ND = <b>{r['training_flops']:.3g} FLOPs</b>：在 {r['n_devices']:,} x "
                f"{hardware} 上以 {r['mfu']:.0%} MFU 训练 <b>{r['days']:.3g} 天</b>"
                f"（{r['device_hours']:,.0f} 设备小时）",
                f"每设备训练显存，ZeRO 阶段 {r['zero_stage']}：{total:,.1f} GB"
                f"（权重、梯度、Adam 状态；不含激活值）：{fits} {memory:.0f} GB",
                f"推理：{weights:,.1f} GB 权重 + {kv_cache:,.1f} GB KV 缓存，"
                f"对应 {r['batch']} 条长 {r['config']['seq_len']:,} 个词元的序列",
            ]
            return "<br>".join(lines)
        fits = "fits" if r["fits_training"] else "does not fit"
        lines = [
            f"<b>{params}</b> parameters ({r['params']:,}); "
            f"trained on {tokens} tokens ({r['tokens_per_param']:.1f} per parameter; "
            f"Chinchilla-optimal for this size: {chinchilla})",
            f"training compute 6ND = <b>{r['training_flops']:.3g} FLOPs</b>: "
            f"<b>{r['days']:.3g} days</b> on {r['n_devices']:,} x {hardware} "
            f"at {r['mfu']:.0%} MFU ({r['device_hours']:,.0f} device-hours)",
            f"training memory per device, ZeRO stage {r['zero_stage']}: "
            f"{total:,.1f} GB (weights, gradients, Adam states; "
            f"no activations): {fits} in {memory:.0f} GB",
            f"inference: {weights:,.1f} GB weights + "
            f"{kv_cache:,.1f} GB KV cache "
            f"for {r['batch']} sequence(s) of {r['config']['seq_len']:,} tokens",
        ]
        return "<br>".join(lines)
