"""LossExplorer: Keras loss functions, their slopes, and why robust losses exist."""

import html
import math

from lmwidgets.core import losses as core
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.ticker import MaxNLocator

VIEWS = ("regression", "classification", "outliers")
FIT_LOSSES = ("mean_squared_error", "mean_absolute_error", "huber")
SHORT = {
    "mean_squared_error": "MSE",
    "mean_absolute_error": "MAE",
    "huber": "Huber",
    "log_cosh": "log-cosh",
    "binary_crossentropy": "cross-entropy",
    "binary_focal_crossentropy": "focal",
    "hinge": "hinge",
    "squared_hinge": "squared hinge",
}
ERRORS = np.linspace(-3.0, 3.0, 241, dtype="float32")
PROBABILITIES = np.linspace(0.005, 0.995, 199, dtype="float32")


def _slider(description, value, low, high, step):
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=False,
        style={"description_width": "initial"},
    )


def _styled(axes):
    axes.axhline(0, color="0.85", lw=0.8, zorder=0)
    axes.xaxis.set_major_locator(MaxNLocator(5))
    axes.yaxis.set_major_locator(MaxNLocator(5))
    axes.tick_params(labelsize=8)


class LossExplorer(Explorer):
    """Three views of Keras losses: against the error, against a predicted probability,
    and as the criterion of a line fit to data with an outlier."""

    def __init__(self, view="regression"):
        if view not in VIEWS:
            raise ValueError(f"Unknown view {view!r}. Valid views: {', '.join(VIEWS)}.")
        controls = {
            "view": widgets.ToggleButtons(options=VIEWS, value=view),
            "regression_losses": widgets.SelectMultiple(
                options=list(core.REGRESSION), value=tuple(core.REGRESSION), rows=4
            ),
            "delta": _slider("huber delta", 1.0, 0.1, 3.0, 0.1),
            "classification_losses": widgets.SelectMultiple(
                options=list(core.CLASSIFICATION),
                value=("binary_crossentropy", "binary_focal_crossentropy"),
                rows=4,
            ),
            "label_smoothing": _slider("label smoothing", 0.0, 0.0, 0.5, 0.05),
            "gamma": _slider("focal gamma", 2.0, 0.0, 5.0, 0.25),
            "outlier": _slider("outlier strength", 10.0, 0.0, 30.0, 1.0),
            "fit_losses": widgets.SelectMultiple(options=FIT_LOSSES, value=FIT_LOSSES, rows=3),
        }
        # The huber delta slider is shared: it sits in the regression and the outlier rows.
        self.rows = {
            "regression": widgets.HBox([controls["regression_losses"], controls["delta"]]),
            "classification": widgets.HBox(
                [
                    controls["classification_losses"],
                    widgets.VBox([controls["label_smoothing"], controls["gamma"]]),
                ]
            ),
            "outliers": widgets.HBox(
                [controls["fit_losses"], widgets.VBox([controls["outlier"], controls["delta"]])]
            ),
        }
        self._cache = {}
        self.caption = widgets.HTML()
        figure = new_figure(8.0, 3.0)
        self._build_artists(figure)
        rows = [controls["view"], *self.rows.values()]
        super().__init__(controls, figure, control_rows=rows, footer=[self.caption])
        # The backend compiles each loss the first time it runs (a second or more): do it
        # for the other views now, so that the learner's first click on one answers at once.
        for other in VIEWS:
            if other != view:
                self._curves(other)

    def _curves(self, view):
        compute = {"regression": self._regression, "classification": self._classification}
        return compute.get(view, self._outliers)()

    def _build_artists(self, figure):
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
        for index, name in enumerate(core.REGRESSION):
            for axes, kind in zip(regression, ("loss", "slope"), strict=True):
                (self.lines["regression", name, kind],) = axes.plot(
                    [], [], color=f"C{index}", lw=1.8, label=SHORT[name]
                )
        for index, name in enumerate(core.CLASSIFICATION):
            for label, style in ((1, "-"), (0, "--")):
                for axes, kind in zip(classification, ("loss", "slope"), strict=True):
                    (self.lines["classification", name, label, kind],) = axes.plot(
                        [], [], color=f"C{index}", ls=style, lw=1.6,
                        label=f"{SHORT[name]}, y={label}",
                    )  # fmt: skip
        (self.points,) = outliers.plot([], [], "o", color="0.3", ms=4, label="data")
        (self.outlier_point,) = outliers.plot([], [], "o", color="#d62728", ms=7, label="outlier")
        for index, name in enumerate(FIT_LOSSES):
            (self.lines["fit", name],) = outliers.plot([], [], color=f"C{index}", lw=2)
        classification[0].set_ylim(-0.1, 5.0)

    def dynamic_artists(self):
        return [*self.lines.values(), self.points, self.outlier_point]

    def _cached(self, key, compute):
        if key not in self._cache:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = compute()
        return self._cache[key]

    def update(self):
        view = self.controls["view"].value
        for name, row in self.rows.items():
            row.layout.display = None if name == view else "none"
        for name, axes_group in self.axes.items():
            for axes in axes_group:
                axes.set_visible(name == view)
        data = self._curves(view)
        self.caption.value = self._caption(view, data)
        self.result = {"view": view, view: data}

    def _caption(self, view, data):
        """The figure's legend as HTML: text costs nothing to redraw there."""

        def swatch(index, text, dashed=False):
            color = to_hex(f"C{index}")
            mark = "- -" if dashed else "&#8212;&#8212;"
            return f'<b style="color:{color}">{mark}</b> {html.escape(text)}'

        if view == "regression":
            keys = [swatch(i, SHORT[n]) for i, n in enumerate(core.REGRESSION) if n in data]
            head = "Left: loss against the error y_pred − y_true. Right: its slope, by autodiff."
        elif view == "classification":
            keys = [
                swatch(i, f"{SHORT[n]}, y={label}", dashed=label == 0)
                for i, n in enumerate(core.CLASSIFICATION)
                if n in data
                for label in (1, 0)
            ]
            head = (
                "Left: loss against the predicted probability p (solid: true label 1, "
                "dashed: 0). Right: its slope, by autodiff."
            )
        else:
            keys = [
                swatch(i, f"{SHORT[n]}: slope {data[n]['slope']:.2f}")
                for i, n in enumerate(FIT_LOSSES)
                if n in data
            ]
            head = "Lines fitted with Keras under each loss; the red point is the outlier."
        return head + "<br>" + " &nbsp; ".join(keys)

    def _regression(self):
        delta = self.controls["delta"].value
        chosen = self.controls["regression_losses"].value
        if not chosen:
            raise ValueError("Pick at least one regression loss.")
        data = {"errors": ERRORS}
        top = 0.0
        for name in core.REGRESSION:
            visible = name in chosen
            self.lines["regression", name, "loss"].set_visible(visible)
            self.lines["regression", name, "slope"].set_visible(visible)
            if not visible:
                continue
            params = {"delta": delta} if name == "huber" else {}
            loss, slope = self._cached(
                ("regression", name, delta if params else None),
                lambda name=name, params=params: core.regression_curve(name, ERRORS, **params),
            )
            self.lines["regression", name, "loss"].set_data(ERRORS, loss)
            self.lines["regression", name, "slope"].set_data(ERRORS, slope)
            data[name] = {"loss": loss, "slope": slope, "params": params}
            top = max(top, float(loss.max()))
        loss_axes, slope_axes = self.axes["regression"]
        loss_axes.set_xlim(ERRORS[0], ERRORS[-1])
        loss_axes.set_ylim(-0.3, min(top, 9.5) + 0.5)
        slope_axes.set_xlim(ERRORS[0], ERRORS[-1])
        slope_axes.set_ylim(-6.5, 6.5)
        return data

    def _classification(self):
        smoothing = self.controls["label_smoothing"].value
        gamma = self.controls["gamma"].value
        chosen = self.controls["classification_losses"].value
        if not chosen:
            raise ValueError("Pick at least one classification loss.")
        data = {"p": PROBABILITIES}
        for name in core.CLASSIFICATION:
            params = {}
            if "label_smoothing" in core.CLASSIFICATION[name]:
                params["label_smoothing"] = smoothing
            if "gamma" in core.CLASSIFICATION[name]:
                params["gamma"] = gamma
            visible = name in chosen
            for label in (1, 0):
                for kind in ("loss", "slope"):
                    self.lines["classification", name, label, kind].set_visible(visible)
            if not visible:
                continue
            curves = self._cached(
                ("classification", name, tuple(sorted(params.items()))),
                lambda name=name, params=params: core.classification_curves(
                    name, PROBABILITIES, **params
                ),
            )
            data[name] = {"params": params}
            for label, (loss, slope) in curves.items():
                self.lines["classification", name, label, "loss"].set_data(PROBABILITIES, loss)
                self.lines["classification", name, label, "slope"].set_data(PROBABILITIES, slope)
                data[name][label] = {"loss": loss, "slope": slope}
        loss_axes, slope_axes = self.axes["classification"]
        loss_axes.set_xlim(0, 1)
        slope_axes.set_xlim(0, 1)
        slope_axes.set_ylim(-10, 10)
        return data

    def _outliers(self):
        strength = self.controls["outlier"].value
        delta = self.controls["delta"].value
        chosen = self.controls["fit_losses"].value
        if not chosen:
            raise ValueError("Pick at least one loss to fit with.")
        x, y = core.outlier_data(strength)
        self.points.set_data(x[:-1], y[:-1])
        self.outlier_point.set_data(x[-1:], y[-1:])
        data = {"x": x, "y": y}
        for name in FIT_LOSSES:
            line = self.lines["fit", name]
            line.set_visible(name in chosen)
            if name not in chosen:
                continue
            params = {"delta": delta} if name == "huber" else {}
            fit = self._cached(
                ("fit", name, strength, delta if params else None),
                lambda name=name, params=params: core.robust_fit(x, y, name, **params),
            )
            line.set_data(x, fit["slope"] * x + fit["intercept"])
            data[name] = fit
        axes = self.axes["outliers"][0]
        axes.set_xlim(-0.2, 4.2)
        # Tops in steps of 10: a stronger outlier moves within the same axes most of the time.
        axes.set_ylim(min(0.0, y.min()) - 0.5, 10.0 * math.ceil((max(y.max(), 9.0) + 1.0) / 10))
        return data
