"""ScheduleExplorer: every Keras learning-rate schedule, and what it does to an optimizer."""

import functools
import math

from lmwidgets.core import optimizers, schedules
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure, snapped_limits
from lmwidgets.widgets._controls import Control

import numpy as np
from matplotlib.ticker import MaxNLocator

# Each schedule parameter is one control named as Keras names the keyword, shared by the
# schedules that take it (decay_steps, alpha, ...); those the chosen schedule does not
# take are hidden. Defaults are Keras' own, else core's (schedules.all_parameters()).
P = schedules.all_parameters()
STEPS = schedules.MAX_STEPS
LET_GO = {"continuous": False, "row": 2}  # a change reruns two optimizers: when let go
RUNS = ("constant", "scheduled")
RUN_WORDS = {
    "constant": Words("constant", "恒定学习率"),
    "scheduled": Words("scheduled", "按调度"),
}
# The surfaces whose names are words (the others are named after a mathematician).
SURFACE_LABELS = {"quadratic": Words("quadratic", "二次函数"), "saddle": Words("saddle", "鞍面")}
_WARMED = set()  # (optimizer, surface, compiled length) an explorer's warm-up has run
# The rate axis ends at one of these times a power of ten: a learning rate moved along its
# log slider keeps the axes for a few notches, and with them the cached picture of them.
ROUND_TOPS = (1, 2, 3, 5, 10)


def round_top(value):
    """The smallest of ``ROUND_TOPS`` times a power of ten at or above ``value`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in ROUND_TOPS if m * power >= value * (1 - 1e-9))


@functools.lru_cache(maxsize=16)
def _shaded_grid(surface):
    """``(X, Y, log height)`` of a surface for its contours: narrow valleys stay visible."""
    X, Y, Z = optimizers.surface_grid(surface, points=60)
    return X, Y, np.log1p(Z - Z.min())


class ScheduleExplorer(Explorer):
    """Pick a Keras learning-rate schedule and its parameters; see the learning rate of
    every step, and one optimizer's path on a surface at a constant rate and with it."""

    CONTROLS = (
        Control("schedule", "choice", schedules.DEFAULT_SCHEDULE, options=tuple(schedules.names()),
                label=Words("schedule", "学习率调度")),
        Control("steps", "int", schedules.DEFAULT_STEPS, low=10, high=STEPS, step=10,
                continuous=False, label=Words("steps", "步数")),
        Control("learning_rate", "log", schedules.DEFAULT_LEARNING_RATE, low=1e-4, high=1,
                label=Words("constant learning rate", "恒定学习率"), continuous=False),
        Control("optimizer", "choice", schedules.DEFAULT_OPTIMIZER, options=schedules.OPTIMIZERS,
                row=1, label=Words("optimizer", "优化器")),
        Control("surface", "choice", schedules.DEFAULT_SURFACE, row=1,
                options=tuple((SURFACE_LABELS.get(s, s), s) for s in optimizers.surfaces()),
                label=Words("surface", "曲面")),
        Control("initial_learning_rate", "float_text", P["initial_learning_rate"], low=0, high=1,
                step=0.001, row=2, label=Words("initial learning rate", "初始学习率")),
        Control("decay_steps", "int_text", P["decay_steps"], low=1, high=STEPS, row=2,
                label=Words("decay steps", "衰减步数")),
        Control("decay_rate", "float_text", P["decay_rate"], low=0, high=10, step=0.05, row=2,
                label=Words("decay rate", "衰减率")),
        Control("staircase", "toggle", P["staircase"], row=2, label=Words("staircase", "阶梯式")),
        Control("boundaries", "text", schedules.format_numbers(P["boundaries"]), low=1, high=200,
                row=2, continuous=False, label=Words("boundaries", "边界")),
        Control("values", "text", schedules.format_numbers(P["values"]), low=1, high=200, row=2,
                continuous=False, label=Words("values", "取值")),
        Control("end_learning_rate", "float_text", P["end_learning_rate"], low=0, high=1,
                step=0.0001, row=2, label=Words("end learning rate", "最终学习率")),
        Control("power", "float", P["power"], low=0, high=5, step=0.1, **LET_GO,
                label=Words("power", "幂次")),
        Control("cycle", "toggle", P["cycle"], row=2, label=Words("cycle", "循环")),
        Control("alpha", "float", P["alpha"], low=0, high=1, step=0.01, **LET_GO,
                label=Words("alpha", "最小比例 alpha")),
        Control("warmup_target", "float_text", P["warmup_target"], low=0, high=1, step=0.001,
                row=2, label=Words("warmup target", "预热目标")),
        Control("warmup_steps", "int_text", P["warmup_steps"], low=0, high=STEPS, row=2,
                label=Words("warmup steps", "预热步数")),
        Control("first_decay_steps", "int_text", P["first_decay_steps"], low=1, high=STEPS, row=2,
                label=Words("first decay steps", "首次衰减步数")),
        Control("t_mul", "float", P["t_mul"], low=1, high=4, step=0.1, **LET_GO,
                label=Words("t mul", "周期倍数 t_mul")),
        Control("m_mul", "float", P["m_mul"], low=0.1, high=2, step=0.05, **LET_GO,
                label=Words("m mul", "幅度倍数 m_mul")),
    )  # fmt: skip

    def __init__(self, **settings):
        self._surface_drawn = None
        self._contours = {}  # surface -> its contour sets on both maps, kept for a revisit
        super().__init__(**settings)

    def warm_up_calls(self):
        # The optimizer compiles once per surface (~100 ms): do it for the other surfaces
        # while the learner looks at the first picture.
        s = self.settings
        # Other surfaces only: a new optimizer compiles quickly enough (median 25 ms), and
        # more work here would take turns with the learner's first changes.
        pairs = [(s["optimizer"], surface) for surface in optimizers.surfaces()]
        length = optimizers.compiled_length(s["steps"])
        calls = []
        for optimizer, surface in pairs:
            # A program warmed by an earlier explorer is not run again: that would only take
            # turns with the learner's own changes.
            if (optimizer, surface) == (s["optimizer"], s["surface"]) or (
                (optimizer, surface, length) in _WARMED
            ):
                continue
            _WARMED.add((optimizer, surface, length))
            calls.append(functools.partial(_shaded_grid, surface))
            start = optimizers.surface(surface).start
            calls.append(
                functools.partial(
                    optimizers.trajectory,
                    optimizer,
                    surface,
                    start,
                    s["learning_rate"],
                    s["steps"],
                )
            )
        return calls

    def build_figure(self):
        figure = new_figure(9.6, 3.2)
        grid = {"left": 0.06, "right": 0.98, "bottom": 0.14, "top": 0.88, "wspace": 0.25}
        self.rate_axes, *maps = figure.subplots(1, 3, gridspec_kw=grid)
        self.map_axes = dict(zip(RUNS, maps, strict=True))
        self.rate_axes.set_xlabel(say_in_figure("step", "步"), fontsize=8)
        (self.constant_rate,) = self.rate_axes.plot([], [], "--", color="C0", lw=1.4)
        (self.scheduled_rate,) = self.rate_axes.plot([], [], color="C1", lw=1.8)
        self.legend = self.rate_axes.legend(
            (self.constant_rate, self.scheduled_rate),
            [RUN_WORDS[run].in_figure() for run in RUNS],
            fontsize=7,
            frameon=False,
        )
        self.paths, self.marks = {}, []
        for color, (run, axes) in zip(("C0", "C1"), self.map_axes.items(), strict=True):
            (self.paths[run],) = axes.plot([], [], "-", color=color, lw=1.5, marker=".", ms=2)
            self.marks += axes.plot([], [], "o", color="black", ms=5, zorder=5)
            self.marks += axes.plot([], [], "*", color="gold", mec="black", ms=11, zorder=5)
        for axes in figure.axes:
            axes.tick_params(labelsize=8)
            axes.xaxis.set_major_locator(MaxNLocator(5))
            axes.yaxis.set_major_locator(MaxNLocator(5))
        return figure

    def arrange(self):
        self._show_parameters()
        return super().arrange()

    def adjust(self, name):
        if name == "schedule":
            self._show_parameters()

    def _show_parameters(self):
        """Show the chosen schedule's parameters only (a teacher's hide still wins)."""
        taken = schedules.parameters(self.controls["schedule"].value)
        for spec in self.specs.values():
            if spec.row == 2:
                shown = spec.name in taken and spec.name not in self._hidden
                self.controls[spec.name].layout.display = None if shown else "none"

    def enabled(self, name):
        if name == "warmup_target":  # Keras warms up only over warmup_steps > 0
            return self.controls["warmup_steps"].value > 0
        return True

    def compute(self, changed):
        s = self.settings
        params = schedules.keras_parameters(s["schedule"], s)
        result = schedules.compare(
            s["schedule"], s["steps"], s["optimizer"], s["surface"], s["learning_rate"], **params
        )
        return {**result, "parameters": params, "learning_rate": s["learning_rate"]}

    def render(self, result):
        s = self.settings
        self._draw_surface(s["surface"])
        steps, rates = result["steps"], result["learning_rates"]
        self.scheduled_rate.set_data(np.arange(steps), rates)
        self.constant_rate.set_data([0, steps], [result["learning_rate"]] * 2)
        # Round limits: a nearby step count or rate keeps the axes and their cached picture.
        self.rate_axes.set_xlim(*snapped_limits(0, steps, steps=8))
        top = max(rates.max(), result["learning_rate"])
        self.rate_axes.set_ylim(0.0, round_top(1.1 * top))  # room above the top line
        schedule = result["schedule"]
        self.rate_axes.set_title(
            say_in_figure(f"{schedule}: learning rate", f"{schedule}：学习率"), fontsize=9
        )
        notices = []
        for run, axes in self.map_axes.items():
            path = result[run]["path"]
            self.paths[run].set_data(path[:, 0], path[:, 1])
            diverged = result[run]["diverged_at"]
            shown = RUN_WORDS[run].in_figure()
            if diverged is None:
                loss = f"{result[run]['final_loss']:.3g}"
                title = say_in_figure(f"{run}: final loss {loss}", f"{shown}：最终损失 {loss}")
                axes.set_title(title, fontsize=9)
            else:
                title = say_in_figure(
                    f"{run}: diverged at step {diverged}", f"{shown}：在第 {diverged} 步发散"
                )
                axes.set_title(title, fontsize=9)
                notices.append(
                    say(
                        f"the {run} run diverged at step {diverged}",
                        f"{RUN_WORDS[run]}的运行在第 {diverged} 步发散",
                    )
                )
        hint = say(
            " (learning rate too large for this surface at that point?)",
            "（到那一步，学习率对这个曲面来说太大了？）",
        )
        self.notice = (say("; ", "；").join(notices) + hint, "warning") if notices else ("", "info")

    def _draw_surface(self, surface):
        """The surface's contours, start and minima on both maps, once per surface."""
        if surface == self._surface_drawn:
            return
        for shown, sets in self._contours.items():
            for contours in sets:
                contours.set_visible(shown == surface)
        record = optimizers.surface(surface)
        if surface not in self._contours:
            X, Y, shade = _shaded_grid(surface)
            self._contours[surface] = [
                axes.contourf(X, Y, shade, levels=16, cmap="Greys_r", alpha=0.5)
                for axes in self.map_axes.values()
            ]
        minima = np.array(record.minima).reshape(-1, 2)
        for index, axes in enumerate(self.map_axes.values()):
            axes.set(xlim=record.box[:2], ylim=record.box[2:])
            self.marks[2 * index].set_data([record.start[0]], [record.start[1]])
            self.marks[2 * index + 1].set_data(minima[:, 0], minima[:, 1])
        self._surface_drawn = surface

    def dynamic_artists(self):
        # The marks and the legend are drawn over the lines: left in the cached picture, they
        # would be painted twice (over it, above the lines), their edges darker.
        lines = [self.constant_rate, self.scheduled_rate, *self.paths.values()]
        return lines + self.marks + [self.legend] + [axes.title for axes in self.figure.axes]

    def background_key(self):
        return self._surface_drawn
