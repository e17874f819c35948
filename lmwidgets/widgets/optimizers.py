"""OptimizerPlayground: real Keras optimizers racing on a 2-D surface."""

from lmwidgets.core import optimizers as core
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

# Which optimizers each shared slider tunes.
MOMENTUM_USERS = ("momentum", "nesterov")
BETA_SETTING = "beta_1"


def _slider(cls, description, **kwargs):
    return cls(
        description=description,
        continuous_update=False,
        style={"description_width": "initial"},
        **kwargs,
    )


class OptimizerPlayground(Explorer):
    """Pick optimizers, a surface, a start and a learning rate; watch each path and loss."""

    def __init__(self, optimizers=("sgd", "adam"), surface="rosenbrock", learning_rate=0.002):
        names = core.names()
        unknown = [name for name in optimizers if name not in names]
        if unknown or not optimizers:
            raise ValueError(
                f"Unknown optimizer(s) {unknown}. Valid optimizers: {', '.join(names)}."
            )
        record = core.surface(surface)
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0. Received: learning_rate={learning_rate}.")
        x_min, x_max, y_min, y_max = record.box
        controls = {
            "optimizers": widgets.SelectMultiple(
                options=names, value=tuple(optimizers), rows=7, description="optimizers"
            ),
            "surface": widgets.Dropdown(
                options=core.surfaces(), value=surface, description="surface"
            ),
            "learning_rate": _slider(
                widgets.FloatLogSlider,
                "learning rate",
                value=learning_rate,
                base=10,
                min=-5,
                max=0,
                step=0.1,
                readout_format=".1e",
            ),
            "steps": _slider(widgets.IntSlider, "steps", value=300, min=10, max=1000, step=10),
            "start_x": _slider(
                widgets.FloatSlider, "start x", value=record.start[0], min=x_min, max=x_max,
                step=0.05,
            ),
            "start_y": _slider(
                widgets.FloatSlider, "start y", value=record.start[1], min=y_min, max=y_max,
                step=0.05,
            ),
            "momentum": _slider(
                widgets.FloatSlider, "momentum (momentum, nesterov)", value=0.9, min=0.0,
                max=0.99, step=0.01,
            ),
            "beta_1": _slider(
                widgets.FloatSlider, "beta_1 (adam family, lion)", value=0.9, min=0.0,
                max=0.999, step=0.01,
            ),
            "condition": _slider(
                widgets.FloatLogSlider, "condition (quadratic)", value=10.0, base=10, min=0,
                max=3, step=0.1,
            ),
        }  # fmt: skip
        self._holding = False
        self._contour_key = None
        self._contours = None
        figure = new_figure(8.0, 3.3)
        grid = {"left": 0.06, "right": 0.98, "bottom": 0.14, "top": 0.9, "wspace": 0.22}
        self.map_axes, self.loss_axes = figure.subplots(
            1, 2, gridspec_kw={**grid, "width_ratios": (1.15, 1)}
        )
        self.map_axes.set_title("path on the surface", fontsize=10)
        self.loss_axes.set_title("loss per step", fontsize=10)
        self.loss_axes.set_yscale("symlog", linthresh=1e-3)
        self.loss_axes.set_xlabel("step", fontsize=8)
        for axes in (self.map_axes, self.loss_axes):
            axes.tick_params(labelsize=8)
            axes.xaxis.set_major_locator(MaxNLocator(5))
        self.map_axes.yaxis.set_major_locator(MaxNLocator(5))
        (self.start_mark,) = self.map_axes.plot([], [], "o", color="black", ms=5, zorder=5)
        (self.minima_marks,) = self.map_axes.plot(
            [], [], "*", color="gold", mec="black", ms=11, zorder=5
        )
        self.paths, self.losses = {}, {}
        for index, name in enumerate(names):
            color = f"C{index % 10}"
            (self.paths[name],) = self.map_axes.plot(
                [], [], "-", color=color, lw=1.6, marker=".", ms=2, label=name, zorder=4
            )
            (self.losses[name],) = self.loss_axes.plot([], [], color=color, lw=1.6, label=name)
        rows = [
            widgets.HBox(
                [
                    controls["optimizers"],
                    widgets.VBox(
                        [controls[k] for k in ("surface", "learning_rate", "steps", "condition")]
                    ),
                    widgets.VBox(
                        [controls[k] for k in ("start_x", "start_y", "momentum", "beta_1")]
                    ),
                ]
            )
        ]
        super().__init__(controls, figure, control_rows=rows)

    def _on_change(self, change):
        if self._holding:
            return
        if change["owner"] is self.controls["surface"]:
            # Move the start sliders into the new surface's box before recomputing once.
            self._holding = True
            try:
                record = core.surface(change["new"])
                x_min, x_max, y_min, y_max = record.box
                for key, low, high, value in (
                    ("start_x", x_min, x_max, record.start[0]),
                    ("start_y", y_min, y_max, record.start[1]),
                ):
                    slider = self.controls[key]
                    slider.min, slider.max = min(low, slider.min), max(high, slider.max)
                    slider.value = value
                    slider.min, slider.max = low, high
            finally:
                self._holding = False
        self.refresh()

    def refresh(self):
        self._notice = ""
        super().refresh()
        if self._notice and not self.message.value:
            self.show_message(self._notice, kind="warning")

    def _settings(self, name):
        settings = {}
        hyperparameters = core.hyperparameters(name)
        if name in MOMENTUM_USERS:
            settings["momentum"] = self.controls["momentum"].value
        if BETA_SETTING in hyperparameters:
            settings[BETA_SETTING] = self.controls["beta_1"].value
        return settings

    def _draw_surface(self, surface, params):
        key = (surface, tuple(sorted(params.items())))
        if key == self._contour_key:
            return
        if self._contours is not None:
            self._contours.remove()
        X, Y, Z = core.surface_grid(surface, points=70, **params)
        # Contours of log height: the valleys of Rosenbrock and friends stay visible.
        shifted = np.log1p(Z - Z.min())
        self._contours = self.map_axes.contourf(
            X, Y, shifted, levels=18, cmap="Greys_r", alpha=0.55, zorder=1
        )
        record = core.surface(surface)
        self.map_axes.set_xlim(record.box[0], record.box[1])
        self.map_axes.set_ylim(record.box[2], record.box[3])
        minima = np.array(record.minima).reshape(-1, 2)
        self.minima_marks.set_data(minima[:, 0], minima[:, 1])
        self._contour_key = key

    def update(self):
        chosen = tuple(self.controls["optimizers"].value)
        surface = self.controls["surface"].value
        params = {"condition": self.controls["condition"].value} if surface == "quadratic" else {}
        self.controls["condition"].layout.display = None if surface == "quadratic" else "none"
        if not chosen:
            raise ValueError("Pick at least one optimizer.")
        start = (self.controls["start_x"].value, self.controls["start_y"].value)
        learning_rate = self.controls["learning_rate"].value
        steps = self.controls["steps"].value
        self._draw_surface(surface, params)
        self.start_mark.set_data([start[0]], [start[1]])
        result, notices, low, high = {}, [], np.inf, -np.inf
        for name in self.paths:
            if name not in chosen:
                self.paths[name].set_visible(False)
                self.losses[name].set_visible(False)
        for name in chosen:
            run = core.trajectory(
                name, surface, start, learning_rate, steps, surface_params=params,
                **self._settings(name),
            )  # fmt: skip
            self.paths[name].set_data(run["path"][:, 0], run["path"][:, 1])
            self.losses[name].set_data(np.arange(len(run["loss"])), run["loss"])
            self.paths[name].set_visible(True)
            self.losses[name].set_visible(True)
            if run["diverged_at"] is not None:
                notices.append(f"{name} diverged at step {run['diverged_at']}")
            finite = run["loss"][np.isfinite(run["loss"])]
            if finite.size:
                low, high = min(low, finite.min()), max(high, finite.max())
            result[name] = run
        self.loss_axes.set_xlim(0, steps)
        if np.isfinite(low):
            self.loss_axes.set_ylim(min(low, 0.0) * 1.5 - 1e-4, high * 2 + 1e-3)
        handles = [self.paths[name] for name in chosen]
        self.map_axes.legend(handles=handles, fontsize=7, frameon=False, loc="lower right")
        if notices:
            self._notice = "; ".join(notices) + " (learning rate too large for this surface?)"
        self.result = result
