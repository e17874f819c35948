"""OptimizerPlayground: real Keras optimizers racing on a 2-D surface."""

import functools
import math

from lmwidgets.core import optimizers as core
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure, snapped_limits
from lmwidgets.widgets._controls import Control

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

SURFACE = "rosenbrock"
START = core.surface(SURFACE).start
# The start sliders' widest range, every surface's box inside it; the chosen surface's box
# narrows the sliders themselves (see ``adjust``).
_BOXES = [core.surface(name).box for name in core.surfaces()]
START_X = (min(box[0] for box in _BOXES), max(box[1] for box in _BOXES))
START_Y = (min(box[2] for box in _BOXES), max(box[3] for box in _BOXES))
CONDITION = core.surface("quadratic").params["condition"]
CONDITION_LABEL = Words("condition (quadratic)", "条件数（二次函数）")
# The surfaces whose names are words (the others are named after a mathematician).
SURFACE_LABELS = {"quadratic": Words("quadratic", "二次函数"), "saddle": Words("saddle", "鞍面")}
MOMENTUM = core.hyperparameters("momentum")["momentum"]
BETA_1 = core.hyperparameters("adam")["beta_1"]
LET_GO = {"continuous": False}  # every change reruns the optimizers: when a slider is let go
# The shared momentum slider tunes the SGD presets (plain sgd stays without momentum).
MOMENTUM_USERS = ("momentum", "nesterov")
_WARMED = set()  # the programs a playground's warm-up has run (see warm_up_calls)


@functools.cache
def tuned_by_sliders(name):
    """The shared sliders (momentum, beta_1) that tune optimizer ``name``."""
    tuned = {"momentum"} if name in MOMENTUM_USERS else set()
    return tuned | ({"beta_1"} & set(core.hyperparameters(name)))


def surface_params(settings):
    """The chosen surface's parameters (e.g. the quadratic's condition), from the controls."""
    return {key: settings[key] for key in core.surface(settings["surface"]).params}


def _round_up(value, decades=1):
    """The power of ten at or above ``value`` (> 0), its exponent a multiple of ``decades``:
    a decade of the symlog loss axis."""
    return 10.0 ** (decades * math.ceil((math.log10(value) - 1e-12) / decades))


def _tick_label(value, _position=None):
    """A loss axis tick label: ``0.001``, ``10``, ``1e+06``."""
    return f"{value:g}"


class OptimizerPlayground(Explorer):
    """Pick optimizers, a surface, a start and a learning rate; watch each path and loss."""

    CONTROLS = (
        Control("optimizers", "multi", ("sgd", "adam"), options=tuple(core.names()),
                label=Words("optimizers", "优化器")),
        Control("surface", "choice", SURFACE, label=Words("surface", "曲面"),
                options=tuple((SURFACE_LABELS.get(s, s), s) for s in core.surfaces())),
        Control("learning_rate", "log", 0.002, low=1e-5, high=1,
                label=Words("learning rate", "学习率"), **LET_GO),
        Control("steps", "int", 300, low=10, high=1000, step=10, label=Words("steps", "步数"),
                **LET_GO),
        Control("condition", "log", CONDITION, low=1, high=1000, label=CONDITION_LABEL, **LET_GO),
        Control("start_x", "float", START[0], low=START_X[0], high=START_X[1], step=0.05,
                label=Words("start x", "起点 x"), **LET_GO),
        Control("start_y", "float", START[1], low=START_Y[0], high=START_Y[1], step=0.05,
                label=Words("start y", "起点 y"), **LET_GO),
        Control("momentum", "float", MOMENTUM, low=0, high=0.99, step=0.01, **LET_GO,
                label=Words("momentum (momentum, nesterov)", "动量（momentum, nesterov）")),
        Control("beta_1", "float", BETA_1, low=0, high=0.999, step=0.01, **LET_GO,
                label=Words("beta_1 (adam family, lion)", "beta_1（adam 系列、lion）")),
    )  # fmt: skip

    def __init__(self, **settings):
        self._contour_key = None
        self._contours = None
        # Always set the surface, so that ``adjust`` fits the start sliders to its box
        # before a start given here is checked against it.
        settings.setdefault("surface", SURFACE)
        super().__init__(**settings)

    def warm_up_calls(self):
        # Each optimizer compiles once per surface and step-count length (~100 ms): do it
        # for the optimizers not chosen, then for the chosen ones on the other surfaces,
        # while the learner looks at the first picture. A choice made before that is done
        # simply compiles, as without the warm-up; both meet in core's cache.
        s = self.settings
        chosen = s["optimizers"]
        others = [name for name in self.specs["optimizers"].values if name not in chosen]
        runs = [(name, s) for name in others]
        for surface in core.surfaces():
            if surface != s["surface"]:
                moved = {**s, "surface": surface}
                moved["start_x"], moved["start_y"] = core.surface(surface).start
                runs += [(name, moved) for name in chosen]
        calls = []
        for name, settings in runs:
            # What the compiled program depends on (beta_1 is one of its inputs): a program
            # warmed by an earlier playground is not run again, which would only take turns
            # with the learner's own changes.
            program = (
                name,
                settings["surface"],
                tuple(sorted(surface_params(settings).items())),
                core.compiled_length(settings["steps"]),
                settings["momentum"] if "momentum" in tuned_by_sliders(name) else None,
            )
            if program not in _WARMED:
                _WARMED.add(program)
                calls.append(functools.partial(self._run, name, settings))
        return calls

    @staticmethod
    def _run(name, s):
        """One optimizer's run at the settings ``s`` (the controls' values)."""
        tuned = {key: s[key] for key in tuned_by_sliders(name)}
        start = (s["start_x"], s["start_y"])
        return core.trajectory(
            name, s["surface"], start, s["learning_rate"], s["steps"], surface_params(s), **tuned
        )

    def build_figure(self):
        figure = new_figure(8.0, 3.3)
        grid = {"left": 0.06, "right": 0.98, "bottom": 0.14, "top": 0.9, "wspace": 0.22}
        self.map_axes, self.loss_axes = figure.subplots(
            1, 2, gridspec_kw={**grid, "width_ratios": (1.15, 1)}
        )
        self.map_axes.set_title(say_in_figure("path on the surface", "曲面上的路径"), fontsize=10)
        self.loss_axes.set_title(say_in_figure("loss per step", "每步的损失"), fontsize=10)
        self.loss_axes.set_yscale("symlog", linthresh=1e-3)
        # Plain tick labels ("0.001", "100"): symlog's default ones are mathtext, whose parser
        # takes about half a second to set up the first time a process draws one.
        self.loss_axes.yaxis.set_major_formatter(FuncFormatter(_tick_label))
        self.loss_axes.set_xlabel(say_in_figure("step", "步"), fontsize=8)
        for axes in (self.map_axes, self.loss_axes):
            axes.tick_params(labelsize=8)
            axes.xaxis.set_major_locator(MaxNLocator(5))
        self.map_axes.yaxis.set_major_locator(MaxNLocator(5))
        (self.start_mark,) = self.map_axes.plot([], [], "o", color="black", ms=5, zorder=5)
        (self.minima_marks,) = self.map_axes.plot(
            [], [], "*", color="gold", mec="black", ms=11, zorder=5
        )
        self.paths, self.losses = {}, {}
        self.legend = None  # made by render, for the optimizers chosen
        self._legend_for = None
        for index, name in enumerate(self.specs["optimizers"].values):
            color = f"C{index % 10}"
            (self.paths[name],) = self.map_axes.plot(
                [], [], "-", color=color, lw=1.6, marker=".", ms=2, label=name, zorder=4
            )
            (self.losses[name],) = self.loss_axes.plot([], [], color=color, lw=1.6, label=name)
        return figure

    def arrange(self):
        def column(*names):
            return widgets.VBox([self.controls[name] for name in names])

        return [
            widgets.HBox(
                [
                    self.controls["optimizers"],
                    column("surface", "learning_rate", "steps", "condition"),
                    column("start_x", "start_y", "momentum", "beta_1"),
                ]
            )
        ]

    def adjust(self, name):
        if name != "surface":
            return
        # A new surface: the start sliders span its box and start at its instructive start.
        # A start given to the constructor is applied after this, so out of the box it is
        # clamped, and the constructor says it does not fit the surface.
        record = core.surface(self.controls["surface"].value)
        for key, low, high, value in (
            ("start_x", *record.box[:2], record.start[0]),
            ("start_y", *record.box[2:], record.start[1]),
        ):
            slider, spec = self.controls[key], self.specs[key]
            slider.min, slider.max = spec.low, spec.high  # wide enough for any box
            slider.value = value
            slider.min, slider.max = low, high

    def enabled(self, name):
        if name == "condition":
            return name in core.surface(self.controls["surface"].value).params
        if name in ("momentum", "beta_1"):
            return any(name in tuned_by_sliders(o) for o in self.controls["optimizers"].value)
        return True

    def compute(self, changed):
        s = self.settings
        return {name: self._run(name, s) for name in s["optimizers"]}

    def render(self, result):
        s = self.settings
        self._draw_surface(s["surface"], surface_params(s))
        self.start_mark.set_data([s["start_x"]], [s["start_y"]])
        for name in self.paths:
            self.paths[name].set_visible(name in result)
            self.losses[name].set_visible(name in result)
        for name, run in result.items():
            self.paths[name].set_data(run["path"][:, 0], run["path"][:, 1])
            self.losses[name].set_data(np.arange(len(run["loss"])), run["loss"])
        finite = np.concatenate([run["loss"] for run in result.values()])
        finite = finite[np.isfinite(finite)]
        # Round: a nearby step count keeps the axes, and the picture of them is reused.
        self.loss_axes.set_xlim(*snapped_limits(0, s["steps"], steps=8))
        if finite.size:
            low, high = finite.min(), finite.max()
            # Round limits: a nearby run keeps the axes, and the picture of them is reused.
            bottom = min(low, 0.0) * 1.5 - 1e-4
            bottom = -_round_up(-bottom) if bottom < -1e-4 else bottom
            # The top by two decades: a loss peak that grows with the learning rate or the
            # start's height keeps the axes for longer.
            self.loss_axes.set_ylim(bottom, _round_up(high * 2 + 1e-3, decades=2))
        if self._legend_for != tuple(result):  # a new legend only for a new choice
            handles = [self.paths[name] for name in result]
            self.legend = self.map_axes.legend(
                handles=handles, fontsize=7, frameon=False, loc="lower right"
            )
            self._legend_for = tuple(result)
        diverged = [
            say(
                f"{name} diverged at step {run['diverged_at']}",
                f"{name} 在第 {run['diverged_at']} 步发散",
            )
            for name, run in result.items()
            if run["diverged_at"] is not None
        ]
        hint = say(
            " (learning rate too large for this surface?)", "（对这个曲面来说学习率太大了？）"
        )
        self.notice = (
            (say("; ", "；").join(diverged) + hint, "warning") if diverged else ("", "info")
        )

    def dynamic_artists(self):
        # Paths, losses and the marks and legend drawn over them, over a cached picture of the
        # surface and axes: a new learning rate or start redraws only these.
        legend = [self.legend] if self.legend is not None else []
        marks = [self.start_mark, self.minima_marks]
        return [*self.paths.values(), *self.losses.values(), *marks, *legend]

    def background_key(self):
        return self._contour_key

    def _draw_surface(self, surface, params):
        key = (surface, tuple(sorted(params.items())))
        if key == self._contour_key:
            return
        if self._contours is not None:
            self._contours.remove()
        X, Y, Z = core.surface_grid(surface, points=70, **params)
        # Contours of log height: the valleys of Rosenbrock and friends stay visible.
        self._contours = self.map_axes.contourf(
            X, Y, np.log1p(Z - Z.min()), levels=18, cmap="Greys_r", alpha=0.55, zorder=1
        )
        record = core.surface(surface)
        self.map_axes.set_xlim(record.box[0], record.box[1])
        self.map_axes.set_ylim(record.box[2], record.box[3])
        minima = np.array(record.minima).reshape(-1, 2)
        self.minima_marks.set_data(minima[:, 0], minima[:, 1])
        self._contour_key = key
