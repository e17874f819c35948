"""ActivationExplorer: every Keras activation and its derivative, side by side."""

import functools
import html

from lmwidgets.core import activations as core
from lmwidgets.language import Words, language, say
from lmwidgets.widgets._base import Explorer, new_figure, snapped_limits
from lmwidgets.widgets._controls import Control

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.ticker import MaxNLocator

POINTS = 401
VANISHING = 0.01
# Readable formulas for the familiar activations; others show Keras' own one-line summary.
FORMULAS = {
    "relu": "max(0, x)",
    "relu6": "min(max(0, x), 6)",
    "leaky_relu": "x if x > 0 else negative_slope·x",
    "elu": "x if x > 0 else alpha·(eˣ − 1)",
    "selu": "1.0507·(x if x > 0 else 1.6733·(eˣ − 1))",
    "gelu": "x·Φ(x), Φ the standard normal CDF (approximate: a tanh formula)",
    "silu": "x·σ(x)",
    "mish": "x·tanh(softplus(x))",
    "softplus": "log(1 + eˣ)",
    "softsign": "x / (1 + |x|)",
    "sigmoid": "σ(x) = 1 / (1 + e⁻ˣ)",
    "hard_sigmoid": "relu6(x + 3) / 6",
    "hard_silu": "x·relu6(x + 3) / 6",
    "tanh": "(eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)",
    "exponential": "eˣ",
    "linear": "x",
    "celu": "x if x > 0 else alpha·(e^(x/alpha) − 1)",
    "hard_tanh": "clip(x, −1, 1)",
    "log_sigmoid": "log σ(x)",
    "squareplus": "(x + √(x² + b)) / 2",
    "tanh_shrink": "x − tanh(x)",
    "threshold": "x if x > threshold else default_value",
}
# The formulas in Chinese where the English one has words (the others read the same).
FORMULAS_ZH = {
    "leaky_relu": "x > 0 时为 x，否则为 negative_slope·x",
    "elu": "x > 0 时为 x，否则为 alpha·(eˣ − 1)",
    "selu": "1.0507·(x > 0 时为 x，否则为 1.6733·(eˣ − 1))",
    "gelu": "x·Φ(x)，Φ 为标准正态分布的累积分布函数（approximate：用 tanh 公式近似）",
    "celu": "x > 0 时为 x，否则为 alpha·(e^(x/alpha) − 1)",
    "threshold": "x > threshold 时为 x，否则为 default_value",
    "hard_shrink": "|x| > threshold 时为 x，否则为 0",
    "soft_shrink": "x > threshold 时为 x − threshold，x < −threshold 时为 x + threshold，否则为 0",
    "sparse_plus": "x ≤ −1 时为 0，−1 < x < 1 时为 (x + 1)²/4，x ≥ 1 时为 x",
    "sparse_sigmoid": "x ≤ −1 时为 0，−1 < x < 1 时为 (x + 1)/2，x ≥ 1 时为 1",
}
# A parameter's name in a Chinese label (Keras' keyword where it is a symbol).
PARAMETER_ZH = {
    "negative_slope": "负斜率",
    "threshold": "阈值",
    "default_value": "默认值",
    "approximate": "近似",
    "alpha": "α",
}
# Slider range and step per parameter name: (min, max, step).
SLIDER_RANGES = {
    "negative_slope": (0.0, 1.0, 0.01),
    "alpha": (0.05, 3.0, 0.05),
    "threshold": (-2.0, 2.0, 0.05),
    "default_value": (-2.0, 2.0, 0.05),
    "b": (0.0, 10.0, 0.1),
}
# The activations that take parameters, and Keras' defaults: {"elu": {"alpha": 1.0}, ...}.
PARAMETERS = {name: p for name in core.names() if (p := core.parameters(name))}


def formula(name):
    """A one-line formula for the activation (Keras' docstring summary where none is written)."""
    if name in FORMULAS_ZH and language() == "zh":
        return FORMULAS_ZH[name]
    if name in FORMULAS:
        return FORMULAS[name]
    return (core.get(name).__doc__ or name).strip().splitlines()[0]


def _parameter_control(name, parameter, default):
    """The control of one parameter, named "<activation>.<parameter>", at Keras' default."""
    key = f"{name}.{parameter}"
    label = Words(key, f"{name} {PARAMETER_ZH.get(parameter, parameter)}")
    if isinstance(default, bool):
        return Control(key, "toggle", default, label=label)
    bound = max(2.0 * abs(default), 1.0)
    low, high, step = SLIDER_RANGES.get(parameter, (min(0.0, -bound), bound, 0.05))
    return Control(
        key, "float", float(default), low=low, high=high, step=step, label=label, continuous=False
    )


@functools.lru_cache(maxsize=256)
def _curves(name, params, low, high):
    """``(y, dy)`` of one activation over the x range (cached: going back costs nothing)."""
    return core.evaluate(name, np.linspace(low, high, POINTS, dtype="float32"), **dict(params))


class ActivationExplorer(Explorer):
    """Pick activations; see f(x), f'(x), where units die (f' = 0) and where they saturate."""

    CONTROLS = (
        Control(
            "activations",
            "multi",
            ("relu",),
            options=tuple(core.names()),
            label=Words("activations", "激活函数"),
        ),
        Control(
            "x_range",
            "range",
            (-5.0, 5.0),
            low=-20,
            high=20,
            step=0.5,
            label=Words("x range", "x 范围"),
        ),
        *(
            _parameter_control(name, parameter, default)
            for name, parameters in PARAMETERS.items()
            for parameter, default in parameters.items()
        ),
    )

    def __init__(self, **settings):
        self.formulas = widgets.HTML()
        # One box per activation with parameters, shown while it is chosen. A teacher's
        # hide= hides the control itself, so it stays hidden whatever the box does.
        self.parameter_boxes = {name: widgets.VBox() for name in PARAMETERS}
        super().__init__(**settings)

    def warm_up_calls(self):
        # Each activation compiles the first time it is chosen (tens of ms): compile the
        # others at this x range.
        s = self.settings
        low, high = s["x_range"]
        return [
            functools.partial(
                _curves,
                name,
                tuple((p, s[f"{name}.{p}"]) for p in PARAMETERS.get(name, ())),
                low,
                high,
            )
            for name in core.names()
            if name not in s["activations"]
        ]

    def build_figure(self):
        figure = new_figure(8.0, 3.0)
        # Fixed margins, not tight_layout: a figure that has been through tight_layout keeps a
        # layout engine, and savefig then lays out all its text twice per redraw.
        self.value_axes, self.slope_axes = figure.subplots(
            1, 2, gridspec_kw={"left": 0.06, "right": 0.985, "bottom": 0.1, "top": 0.96}
        )
        self.lines = {}
        # The line y = 0 moves with the y limits: drawn with the curves (just above the axes'
        # own zorder, so they are not drawn again with it), so that a new choice of
        # activations draws only the y axes over a cached picture of the rest.
        self.zero_lines = []
        for axes in (self.value_axes, self.slope_axes):
            self.zero_lines.append(axes.axhline(0, color="0.8", lw=0.8, zorder=1.6))
            axes.axvline(0, color="0.8", lw=0.8, zorder=0)
            axes.xaxis.set_major_locator(MaxNLocator(5))
            axes.yaxis.set_major_locator(MaxNLocator(5))
            axes.tick_params(labelsize=8)
        (self.dead_marks,) = self.slope_axes.plot(
            [], [], color="#d62728", lw=7, alpha=0.3, solid_capstyle="butt"
        )
        (self.saturated_marks,) = self.slope_axes.plot(
            [], [], color="#ff7f0e", lw=7, alpha=0.3, solid_capstyle="butt"
        )
        return figure

    def arrange(self):
        for name, box in self.parameter_boxes.items():
            box.children = [self.controls[f"{name}.{parameter}"] for parameter in PARAMETERS[name]]
        self.adjust("activations")
        column = widgets.VBox([self.controls["x_range"], *self.parameter_boxes.values()])
        return [widgets.HBox([self.controls["activations"], column])]

    def footer(self):
        return [self.formulas]

    def adjust(self, name):
        if name == "activations":
            chosen = self.controls["activations"].value
            for activation, box in self.parameter_boxes.items():
                box.layout.display = None if activation in chosen else "none"

    def compute(self, changed):
        s = self.settings
        low, high = s["x_range"]
        result = {"x": np.linspace(low, high, POINTS, dtype="float32")}
        for name in s["activations"]:
            params = {p: s[f"{name}.{p}"] for p in PARAMETERS.get(name, ())}
            y, dy = _curves(name, tuple(params.items()), low, high)
            regions = core.gradient_regions(dy, VANISHING)
            result[name] = {"y": y, "dy": dy, "params": params, **regions}
        return result

    def render(self, result):
        x = result["x"]
        chosen = [name for name in result if name != "x"]
        for name, pair in self.lines.items():
            for line in pair:
                line.set_visible(name in chosen)
        for name in chosen:
            for line, key in zip(self._lines_for(name), ("y", "dy"), strict=True):
                line.set_data(x, result[name][key])
        # One artist per kind of mark; NaN rows separate the activations' segments.
        xs = np.concatenate([np.append(x, np.nan) for _ in chosen])
        for marks, region in ((self.dead_marks, "dead"), (self.saturated_marks, "saturated")):
            dy = [
                np.append(np.where(result[n][region], result[n]["dy"], np.nan), np.nan)
                for n in chosen
            ]
            marks.set_data(xs, np.concatenate(dy))
        self._rescale(x, [result[name]["y"] for name in chosen], self.value_axes)
        self._rescale(x, [result[name]["dy"] for name in chosen], self.slope_axes)
        self.formulas.value = self._key(chosen)

    def _lines_for(self, name):
        if name not in self.lines:
            color = f"C{len(self.lines) % 10}"
            (value_line,) = self.value_axes.plot([], [], color=color, lw=1.8, label=name)
            (slope_line,) = self.slope_axes.plot([], [], color=color, lw=1.8, label=name)
            self.lines[name] = (value_line, slope_line)
        return self.lines[name]

    def _key(self, chosen):
        """The figure's legend and formulas as HTML: text costs nothing to redraw there."""
        entries = [
            f'<span style="color:{to_hex(self.lines[name][0].get_color())}">&#9632;</span> '
            f"<b>{html.escape(name)}</b>: {html.escape(formula(name))}"
            for name in chosen
        ]
        caption = say(
            "Left: f(x). Right: f'(x), by autodiff; "
            '<span style="color:#d62728">red band</span>: f\' = 0 (dead unit), '
            f'<span style="color:#ff7f0e">orange band</span>: |f\'| &lt; {VANISHING} (saturated).',
            "左：f(x)。右：f'(x)，由自动微分求得；"
            '<span style="color:#d62728">红色带</span>：f\' = 0（死亡单元），'
            f'<span style="color:#ff7f0e">橙色带</span>：|f\'| &lt; {VANISHING}（饱和）。',
        )
        return caption + "<br>" + "<br>".join(entries)

    def dynamic_artists(self):
        lines = [line for pair in self.lines.values() for line in pair]
        return [*self.zero_lines, *lines, self.dead_marks, self.saturated_marks]

    def keyed_artists(self):
        # The y axes' numbers follow the curves chosen; the x range keeps everything else.
        return [self.value_axes.yaxis, self.slope_axes.yaxis]

    @staticmethod
    def _rescale(x, curves, axes):
        values = np.concatenate(curves)
        values = values[np.isfinite(values)]
        low, high = (float(values.min()), float(values.max())) if values.size else (-1.0, 1.0)
        low, high = max(low, -50.0), min(high, 50.0)
        margin = 0.04 * max(high - low, 0.5)
        axes.set_xlim(float(x[0]), float(x[-1]))
        axes.set_ylim(*snapped_limits(low - margin, high + margin))
