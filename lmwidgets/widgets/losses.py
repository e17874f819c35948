"""LossExplorer: Keras loss functions, their slopes, and why robust losses exist."""

import functools
import html
import math

from lmwidgets.core import losses as core
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets._controls import Control

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.ticker import MaxNLocator

FIT_LOSSES = ("mean_squared_error", "mean_absolute_error", "huber")
SHORT = {
    "mean_squared_error": "MSE",
    "mean_absolute_error": "MAE",
    "huber": "Huber",
    "log_cosh": "log-cosh",
    "binary_crossentropy": Words("cross-entropy", "交叉熵"),
    "binary_focal_crossentropy": "focal",
    "hinge": "hinge",
    "squared_hinge": Words("squared hinge", "平方 hinge"),
}
ERRORS = np.linspace(-3.0, 3.0, 241, dtype="float32")
PROBABILITIES = np.linspace(0.005, 0.995, 199, dtype="float32")
REGRESSION, CLASSIFICATION = tuple(core.REGRESSION), tuple(core.CLASSIFICATION)
CROSS_ENTROPIES = ("binary_crossentropy", "binary_focal_crossentropy")
# The parameters a learner tunes, at the defaults core gives (Keras' own).
DELTA = core.REGRESSION["huber"]["delta"]
GAMMA = core.CLASSIFICATION["binary_focal_crossentropy"]["gamma"]
SMOOTHING = core.CLASSIFICATION["binary_focal_crossentropy"]["label_smoothing"]
LET_GO = {"continuous": False}  # a slider sends its value when let go (each one a Keras run)


def _params(name, family, s):
    """The loss's tunable parameters, at the values of the controls of the same name."""
    return {key: s[key] for key in family[name]}


# Computed once per setting (each is a Keras run): flipping back and forth costs nothing.
@functools.lru_cache(maxsize=128)
def _regression_curve(name, params):
    return core.regression_curve(name, ERRORS, **dict(params))


@functools.lru_cache(maxsize=128)
def _classification_curves(name, params):
    return core.classification_curves(name, PROBABILITIES, **dict(params))


@functools.lru_cache(maxsize=128)
def _robust_fit(name, strength, params):
    return core.robust_fit(*core.outlier_data(strength), name, **dict(params))


def regression(s):
    """Each chosen regression loss and its slope against the error y_pred - y_true."""
    data = {"errors": ERRORS}
    for name in s["regression_losses"]:
        params = _params(name, core.REGRESSION, s)
        loss, slope = _regression_curve(name, tuple(params.items()))
        data[name] = {"loss": loss, "slope": slope, "params": params}
    return data


def classification(s):
    """Each chosen classification loss and its slope against p, for labels 1 and 0."""
    data = {"p": PROBABILITIES}
    for name in s["classification_losses"]:
        params = _params(name, core.CLASSIFICATION, s)
        curves = _classification_curves(name, tuple(params.items()))
        data[name] = {"params": params}
        for label, (loss, slope) in curves.items():
            data[name][label] = {"loss": loss, "slope": slope}
    return data


def outliers(s):
    """The line Keras fits under each chosen loss to data with one outlier."""
    x, y = core.outlier_data(s["outlier"])
    data = {"x": x, "y": y}
    for name in s["fit_losses"]:
        params = _params(name, core.REGRESSION, s)
        data[name] = _robust_fit(name, s["outlier"], tuple(params.items()))
    return data


VIEWS = {"regression": regression, "classification": classification, "outliers": outliers}
VIEW_LABELS = {
    "regression": Words("regression", "回归"),
    "classification": Words("classification", "分类"),
    "outliers": Words("outliers", "离群点"),
}


def _styled(axes):
    axes.axhline(0, color="0.85", lw=0.8, zorder=0)
    axes.xaxis.set_major_locator(MaxNLocator(5))
    axes.yaxis.set_major_locator(MaxNLocator(5))
    axes.tick_params(labelsize=8)


def _swatch(index, text, dashed=False):
    mark = "- -" if dashed else "&#8212;&#8212;"
    return f'<b style="color:{to_hex(f"C{index}")}">{mark}</b> {html.escape(text)}'


class LossExplorer(Explorer):
    """Three views of Keras losses: against the error, against a predicted probability,
    and as the criterion of a line fit to data with an outlier."""

    CONTROLS = (
        Control("view", "buttons", "regression", label=Words("view", "视图"),
                options=tuple((label, view) for view, label in VIEW_LABELS.items())),
        Control("regression_losses", "multi", REGRESSION, options=REGRESSION,
                label=Words("regression losses", "回归损失")),
        Control("delta", "float", DELTA, low=0.1, high=3, step=0.1,
                label=Words("huber delta", "Huber δ"), **LET_GO),
        Control("classification_losses", "multi", CROSS_ENTROPIES, options=CLASSIFICATION,
                label=Words("classification losses", "分类损失")),
        Control("label_smoothing", "float", SMOOTHING, low=0, high=0.5, step=0.05, **LET_GO,
                label=Words("label smoothing", "标签平滑")),
        Control("gamma", "float", GAMMA, low=0, high=5, step=0.25,
                label=Words("focal gamma", "focal γ"), **LET_GO),
        Control("outlier", "float", 10.0, low=0, high=30, step=1, **LET_GO,
                label=Words("outlier strength", "离群点强度")),
        Control("fit_losses", "multi", FIT_LOSSES, options=FIT_LOSSES,
                label=Words("fit losses", "拟合损失")),
    )  # fmt: skip

    def __init__(self, **settings):
        self.caption = widgets.HTML()
        self.rows = {view: widgets.HBox() for view in VIEWS}  # the chosen view's row shows
        super().__init__(**settings)

    def warm_up_calls(self):
        """The other views' curves: the backend compiles each loss the first time it runs
        (a second or more), so a first click on a view answers at once."""
        shown, settings = self.result.get("view"), self.settings
        others = [curves for view, curves in VIEWS.items() if view != shown]
        return [functools.partial(curves, settings) for curves in others]

    def build_figure(self):
        figure = new_figure(8.0, 3.0)
        # One pair of axes per view, stacked in the same place; only the chosen view's show.
        grid = {"left": 0.07, "right": 0.98, "bottom": 0.1, "top": 0.96, "wspace": 0.25}
        regression = figure.subplots(1, 2, gridspec_kw=grid)
        classification = figure.subplots(1, 2, gridspec_kw=grid)
        outliers = figure.add_axes((0.07, 0.1, 0.91, 0.86))
        self.axes = {
            "regression": tuple(regression),
            "classification": tuple(classification),
            "outliers": (outliers,),
        }
        for axes in (*regression, *classification, outliers):
            _styled(axes)
        self.lines = {}
        for index, name in enumerate(REGRESSION):
            for axes, kind in zip(regression, ("loss", "slope"), strict=True):
                (self.lines["regression", name, kind],) = axes.plot(
                    [], [], color=f"C{index}", lw=1.8, label=str(SHORT[name])
                )
        for index, name in enumerate(CLASSIFICATION):
            for label, style in ((1, "-"), (0, "--")):
                for axes, kind in zip(classification, ("loss", "slope"), strict=True):
                    (self.lines["classification", name, label, kind],) = axes.plot(
                        [], [], color=f"C{index}", ls=style, lw=1.6,
                        label=f"{SHORT[name]}, y={label}",
                    )  # fmt: skip
        (self.points,) = outliers.plot(
            [], [], "o", color="0.3", ms=4, label=say_in_figure("data", "数据")
        )
        (self.outlier_point,) = outliers.plot(
            [], [], "o", color="#d62728", ms=7, label=say_in_figure("outlier", "离群点")
        )
        for index, name in enumerate(FIT_LOSSES):
            (self.lines["fit", name],) = outliers.plot([], [], color=f"C{index}", lw=2)
        regression[0].set_xlim(ERRORS[0], ERRORS[-1])
        regression[1].set(xlim=(ERRORS[0], ERRORS[-1]), ylim=(-6.5, 6.5))
        classification[0].set(xlim=(0, 1), ylim=(-0.1, 5.0))
        classification[1].set(xlim=(0, 1), ylim=(-10, 10))
        outliers.set_xlim(-0.2, 4.2)
        return figure

    def arrange(self):
        c = self.controls
        # The huber delta slider is shared: it sits in the regression and the outlier rows.
        self.rows["regression"].children = [c["regression_losses"], c["delta"]]
        self.rows["classification"].children = [
            c["classification_losses"],
            widgets.VBox([c["label_smoothing"], c["gamma"]]),
        ]
        self.rows["outliers"].children = [c["fit_losses"], widgets.VBox([c["outlier"], c["delta"]])]
        self.adjust("view")
        return [c["view"], *self.rows.values()]

    def footer(self):
        return [self.caption]

    def adjust(self, name):
        # The row follows the view even when the view's picture cannot be computed: the
        # learner can then reach the control to fix.
        if name == "view":
            for view, row in self.rows.items():
                row.layout.display = None if view == self.controls["view"].value else "none"

    def compute(self, changed):
        s = self.settings
        return {"view": s["view"], s["view"]: VIEWS[s["view"]](s)}

    def render(self, result):
        view = result["view"]
        for name, group in self.axes.items():
            for axes in group:
                axes.set_visible(name == view)
        data = result[view]
        for key, line in self.lines.items():  # keys: (view or "fit", loss name, ...)
            line.set_visible(key[1] in data)
        head, keys = getattr(self, f"_render_{view}")(data)
        # The figure's legend as HTML: text costs nothing to redraw there.
        self.caption.value = head + "<br>" + " &nbsp; ".join(keys)

    def _render_regression(self, data):
        chosen = [name for name in REGRESSION if name in data]
        for name in chosen:
            for kind in ("loss", "slope"):
                self.lines["regression", name, kind].set_data(ERRORS, data[name][kind])
        top = max(float(data[name]["loss"].max()) for name in chosen)
        self.axes["regression"][0].set_ylim(-0.3, min(top, 9.5) + 0.5)
        head = say(
            "Left: loss against the error y_pred − y_true. Right: its slope, by autodiff.",
            "左：损失随误差 y_pred − y_true 的变化。右：它的斜率，由自动微分求得。",
        )
        return head, [_swatch(REGRESSION.index(n), str(SHORT[n])) for n in chosen]

    def _render_classification(self, data):
        chosen = [name for name in CLASSIFICATION if name in data]
        for name in chosen:
            for label in (1, 0):
                for kind in ("loss", "slope"):
                    line = self.lines["classification", name, label, kind]
                    line.set_data(PROBABILITIES, data[name][label][kind])
        head = say(
            "Left: loss against the predicted probability p (solid: true label 1, "
            "dashed: 0). Right: its slope, by autodiff.",
            "左：损失随预测概率 p 的变化（实线：真实标签为 1，虚线：为 0）。"
            "右：它的斜率，由自动微分求得。",
        )
        keys = [
            _swatch(CLASSIFICATION.index(n), f"{SHORT[n]}, y={label}", dashed=label == 0)
            for n in chosen
            for label in (1, 0)
        ]
        return head, keys

    def _render_outliers(self, data):
        x, y = data["x"], data["y"]
        self.points.set_data(x[:-1], y[:-1])
        self.outlier_point.set_data(x[-1:], y[-1:])
        chosen = [name for name in FIT_LOSSES if name in data]
        for name in chosen:
            fit = data[name]
            self.lines["fit", name].set_data(x, fit["slope"] * x + fit["intercept"])
        # Tops in steps of 10: a stronger outlier moves within the same axes most of the time.
        top = 10.0 * math.ceil((max(y.max(), 9.0) + 1.0) / 10)
        self.axes["outliers"][0].set_ylim(min(0.0, y.min()) - 0.5, top)
        head = say(
            "Lines fitted with Keras under each loss; the red point is the outlier.",
            "用 Keras 在各个损失下拟合的直线；红点是离群点。",
        )
        slope = say("slope", "斜率")
        keys = [
            _swatch(FIT_LOSSES.index(n), f"{SHORT[n]}: {slope} {data[n]['slope']:.2f}")
            for n in chosen
        ]
        return head, keys

    def dynamic_artists(self):
        return [*self.lines.values(), self.points, self.outlier_point]
