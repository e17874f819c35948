"""ActivationExplorer: every Keras activation and its derivative, side by side."""

import html

from lmwidgets.core import activations as core
from lmwidgets.widgets._base import Explorer, new_figure, snapped_limits

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
# Slider range and step per parameter name: (min, max, step).
SLIDER_RANGES = {
    "negative_slope": (0.0, 1.0, 0.01),
    "alpha": (0.05, 3.0, 0.05),
    "threshold": (-2.0, 2.0, 0.05),
    "default_value": (-2.0, 2.0, 0.05),
    "b": (0.0, 10.0, 0.1),
}


def formula(name):
    """A one-line formula for the activation (Keras' docstring summary where none is written)."""
    if name in FORMULAS:
        return FORMULAS[name]
    import keras

    doc = (getattr(keras.activations, name).__doc__ or name).strip()
    return doc.splitlines()[0]


def _parameter_control(name, parameter, default):
    label = f"{name}.{parameter}"
    if isinstance(default, bool):
        return widgets.Checkbox(value=default, description=label, indent=False)
    low, high, step = SLIDER_RANGES.get(parameter, (0.0, max(2.0 * abs(default), 1.0), 0.05))
    return widgets.FloatSlider(
        value=float(default),
        min=low,
        max=high,
        step=step,
        description=label,
        style={"description_width": "initial"},
        continuous_update=False,
    )


class ActivationExplorer(Explorer):
    """Pick activations; see f(x), f'(x), where units die (f' = 0) and where they saturate."""

    def __init__(self, activations=("relu",), x_range=(-5, 5)):
        names = core.names()
        chosen = tuple(core.canonical_name(name) for name in activations)
        if not chosen:
            raise ValueError(
                f"Pick at least one activation. Valid activations: {', '.join(names)}."
            )
        low, high = (float(v) for v in x_range)
        if not -20 <= low < high <= 20:
            raise ValueError(f"x_range must satisfy -20 <= low < high <= 20. Received: {x_range}.")
        controls = {
            "activations": widgets.SelectMultiple(
                options=names, value=chosen, rows=8, description="activations"
            ),
            "x_range": widgets.FloatRangeSlider(
                value=(low, high), min=-20, max=20, step=0.5, description="x range"
            ),
        }
        self.parameter_controls = {}
        for name in names:
            for parameter, default in core.parameters(name).items():
                control = _parameter_control(name, parameter, default)
                self.parameter_controls[name, parameter] = control
                controls[f"{name}.{parameter}"] = control
        self._cache = {}
        self.formulas = widgets.HTML()
        figure = new_figure(8.0, 3.0)
        # Fixed margins, not tight_layout: a figure that has been through tight_layout keeps a
        # layout engine, and savefig then lays out all its text twice per redraw.
        self.value_axes, self.slope_axes = figure.subplots(
            1, 2, gridspec_kw={"left": 0.06, "right": 0.985, "bottom": 0.1, "top": 0.96}
        )
        self.lines = {}
        for axes in (self.value_axes, self.slope_axes):
            axes.axhline(0, color="0.8", lw=0.8, zorder=0)
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
        parameter_box = widgets.VBox(list(self.parameter_controls.values()))
        rows = [
            widgets.HBox(
                [controls["activations"], widgets.VBox([controls["x_range"], parameter_box])]
            )
        ]
        super().__init__(controls, figure, control_rows=rows, footer=[self.formulas])

    def _lines_for(self, name):
        if name not in self.lines:
            color = f"C{len(self.lines) % 10}"
            (value_line,) = self.value_axes.plot([], [], color=color, lw=1.8, label=name)
            (slope_line,) = self.slope_axes.plot([], [], color=color, lw=1.8, label=name)
            self.lines[name] = (value_line, slope_line)
        return self.lines[name]

    def _evaluate(self, name, x, params):
        key = (name, tuple(sorted(params.items())), x[0], x[-1])
        if key not in self._cache:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = core.evaluate(name, x, **params)
        return self._cache[key]

    def update(self):
        chosen = tuple(self.controls["activations"].value)
        for (name, _), control in self.parameter_controls.items():
            control.layout.display = None if name in chosen else "none"
        if not chosen:
            raise ValueError("Pick at least one activation to plot.")
        low, high = self.controls["x_range"].value
        if not low < high:
            raise ValueError("The x range is empty: move its two ends apart.")
        x = np.linspace(low, high, POINTS, dtype="float32")
        result = {"x": x}
        dead_y, saturated_y = [], []
        for name in core.names():
            if name in self.lines and name not in chosen:
                for line in self.lines[name]:
                    line.set_visible(False)
        for name in chosen:
            params = {
                parameter: control.value
                for (owner, parameter), control in self.parameter_controls.items()
                if owner == name
            }
            y, dy = self._evaluate(name, x, params)
            regions = core.gradient_regions(dy, VANISHING)
            value_line, slope_line = self._lines_for(name)
            for line, data in ((value_line, y), (slope_line, dy)):
                line.set_data(x, data)
                line.set_visible(True)
            dead_y.append(np.where(regions["dead"], dy, np.nan))
            saturated_y.append(np.where(regions["saturated"], dy, np.nan))
            result[name] = {
                "y": y,
                "dy": dy,
                "params": params,
                "dead": regions["dead"],
                "saturated": regions["saturated"],
            }
        # One artist per kind of mark; NaN rows separate the activations' segments.
        gap = np.full(1, np.nan)
        xs = np.concatenate([np.concatenate([x, gap]) for _ in chosen])
        self.dead_marks.set_data(xs, np.concatenate([np.append(d, np.nan) for d in dead_y]))
        self.saturated_marks.set_data(
            xs, np.concatenate([np.append(s, np.nan) for s in saturated_y])
        )
        self._rescale(x, [result[name]["y"] for name in chosen], self.value_axes)
        self._rescale(x, [result[name]["dy"] for name in chosen], self.slope_axes)
        self.formulas.value = self._key(chosen)
        self.result = result

    def _key(self, chosen):
        """The figure's legend and formulas as HTML: text costs nothing to redraw there."""
        entries = [
            f'<span style="color:{to_hex(self.lines[name][0].get_color())}">&#9632;</span> '
            f"<b>{html.escape(name)}</b>: {html.escape(formula(name))}"
            for name in chosen
        ]
        caption = (
            "Left: f(x). Right: f'(x), by autodiff; "
            '<span style="color:#d62728">red band</span>: f\' = 0 (dead unit), '
            f'<span style="color:#ff7f0e">orange band</span>: |f\'| &lt; {VANISHING} (saturated).'
        )
        return caption + "<br>" + "<br>".join(entries)

    def dynamic_artists(self):
        lines = [line for pair in self.lines.values() for line in pair]
        return [*lines, self.dead_marks, self.saturated_marks]

    @staticmethod
    def _rescale(x, curves, axes):
        values = np.concatenate(curves)
        values = values[np.isfinite(values)]
        low, high = (float(values.min()), float(values.max())) if values.size else (-1.0, 1.0)
        low, high = max(low, -50.0), min(high, 50.0)
        margin = 0.04 * max(high - low, 0.5)
        axes.set_xlim(float(x[0]), float(x[-1]))
        axes.set_ylim(*snapped_limits(low - margin, high + margin))
