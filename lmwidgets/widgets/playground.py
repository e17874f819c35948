"""Playground: the TensorFlow Playground inside Jupyter, training a real Keras model.

Everything the Playground has (six datasets, seven input features, up to six layers
of eight neurons, learning rate, activation, regularization, play / pause / step /
reset, a heatmap for the output and for every neuron), plus what its users asked
for: any Keras activation per layer, optimizers, losses, dropout, several classes,
your own data, accuracy and a confusion matrix, stopping after N epochs, the model
itself (``playground.model``), and a message instead of a broken page when training
blows up.

The run itself (data, networks, history, advice) is ``core.playground_session``;
this module shows it. Play trains on a background thread, so the notebook stays free
while it runs; the widget's lock keeps a control change from cutting into an epoch.
From Python, ``step(n)`` trains n epochs and returns when they are done (what a
lesson should use).
"""

import dataclasses
import html
import threading
import time

from lmwidgets.core import playground_data, playground_diagram
from lmwidgets.core import playground_model as network
from lmwidgets.core.playground_session import (
    DECAY_EPOCHS,
    DEFAULT_DATASET,
    DEFAULT_LOSS,
    DEFAULTS,
    GRID_RESOLUTION,
    LOSSES_FOR,
    N_POINTS,
    OWN_DATA,
    SCHEDULES,
    PlaygroundSession,
)
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import Explorer, describe, new_figure
from lmwidgets.widgets._controls import Action, Control

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.lines import Line2D

# The Playground's colours: orange for class 0 (its -1), blue for class 1, then more.
CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b")
_COLORMAP = LinearSegmentedColormap.from_list("playground", ["#f59322", "#e8eaeb", "#0877bd"])
_LIGHT = np.array(to_rgb("#e8eaeb"))
# Every heatmap on one scale, as the TensorFlow Playground's (heatmap.ts): -1 orange, 0 light,
# 1 blue, in 31 shades, values beyond clipped; a neuron at +-0.01 looks pale, not strong.
SHADES = 30
# The figure's layout in pixels (at 80 dpi), so heatmaps are placed without resampling:
# the network diagram (inputs, hidden layers, links), then the output, then the curves.
FIGURE_PIXELS = (1040, 336)
DPI = 80
CELL, GAP = 30, 4  # a neuron's heatmap and the space between two of a column
DIAGRAM_LEFT = 70  # the inputs' column; their names to its left
BOUNDARY_BOX = (560, 24, 4 * GRID_RESOLUTION)  # left, bottom, side: 4 pixels a grid point
# The diagram's pixels (bottom left, size): from the inputs (a frame's width to their left)
# to the output, above the colour bar's labels.
MOSAIC_ORIGIN = (DIAGRAM_LEFT - 4, 16)
MOSAIC_SIZE = (BOUNDARY_BOX[0] - MOSAIC_ORIGIN[0], network.MAX_NEURONS * (CELL + GAP) + GAP)
BIAS_MARK = 6  # the side of a bias's square, at its neuron's lower left
OUTPUT = playground_diagram.OUTPUT
NO_LINK = "none"
MAX_WEIGHT = 1000.0  # what the weight box can show and set
_NOT_GENERATED = ("dataset", "problem", "noise", "n_points", "regenerate")  # own data: fixed


# Options that are words meant for reading (the values, the public API, stay as they are).
_WORDS = {
    "circle": Words("circle", "圆形"),
    "xor": Words("xor", "异或"),
    "gaussian": Words("gaussian", "高斯"),
    "spiral": Words("spiral", "螺旋"),
    "plane": Words("plane", "平面"),
    "multi_gaussian": Words("multi_gaussian", "多个高斯"),
    OWN_DATA: Words(OWN_DATA, "自己的数据"),
    "classification": Words("classification", "分类"),
    "regression": Words("regression", "回归"),
    "constant": Words("constant", "恒定"),
    "none": Words("none", "无"),
}


def _presets(values):
    return tuple((f"{value:g}", value) for value in values)


def _worded(values):
    """Options as (label, value) pairs: a word's label in both languages, a name as it is."""
    return tuple((_WORDS.get(value, value), value) for value in values)


class Playground(Explorer):
    """The TensorFlow Playground on a real Keras model.

    ``Playground()`` starts as the Playground does (circle, x1 and x2, layers 4 and 2,
    tanh, learning rate 0.03); keywords set any control, e.g.
    ``Playground(dataset="spiral", layers=(8, 8), optimizer="adam")``.
    ``Playground(data=(X, y))`` trains on your own 2-D points: integer labels
    (up to 6 classes) make a classification problem, other values a regression.
    ``n_points`` is the size of a generated dataset (train and test together).
    """

    IMAGE_FORMAT = "jpeg"  # encoding a PNG of this figure costs more than drawing it
    CONTROLS = (
        Control("play", "toggle_button", False, saved=False, width="80px",
                label=Words("play", "播放")),
        Control(
            "stop_after_epochs", "int_text", 0, low=0, high=1_000_000,
            label=Words("stop after epochs (0: never)", "停止轮数（0：不停）"), width="260px",
        ),
        Control(
            "problem", "choice", playground_data.problem_of(DEFAULTS["dataset"]),
            options=_worded(network.PROBLEMS), role="data", width="230px",
            label=Words("problem", "问题类型"),
        ),
        Control(
            "dataset", "choice", DEFAULTS["dataset"],
            options=_worded(playground_data.DATASETS), role="data", width="230px",
            label=Words("dataset", "数据集"),
        ),
        Control(
            "classes", "int", DEFAULTS["classes"], low=2, high=playground_data.MAX_CLASSES,
            role="data", label=Words("classes", "类别数"),
        ),
        Control("seed", "int_text", DEFAULTS["seed"], low=0, high=2**31 - 1, role="data",
                width="140px", label=Words("seed", "种子")),
        Control("noise", "int", DEFAULTS["noise"], low=0, high=50, step=5, role="data",
                label=Words("noise", "噪声")),
        Control(
            "train_ratio", "int", DEFAULTS["train_ratio"], low=10, high=90, step=10,
            role="data", label=Words("train %", "训练集 %"),
        ),
        Control(
            "n_points", "int_text", DEFAULTS["n_points"], low=N_POINTS[0], high=N_POINTS[1],
            role="data", label=Words("points", "点数"), width="150px",
        ),
        Control("batch_size", "int", DEFAULTS["batch_size"], low=1, high=30,
                label=Words("batch size", "批量大小")),
        # Both off by default, as the TensorFlow Playground: what they change is the picture.
        Control("show_test_data", "toggle", False, width="160px",
                label=Words("show test data", "显示测试数据")),
        Control("discretize", "toggle", False, width="160px",
                label=Words("discretize output", "离散化输出")),
        Control(
            "features", "toggles", DEFAULTS["features"], options=playground_data.FEATURES,
            role="model", label=Words("features", "特征"),
        ),
        # Your own input feature, e.g. "x1*x2 + sin(x1)", beside the toggled ones.
        Control("own_feature", "feature", "", role="model", width="240px", continuous=False,
                label=Words("your feature", "自定义特征")),
        Control("layers", "layers", DEFAULTS["layers"], role="model",
                label=Words("layers", "隐藏层")),
        Control(
            "learning_rate", "choice", DEFAULTS["learning_rate"],
            options=_presets(network.LEARNING_RATES), width="200px",
            label=Words("learning rate", "学习率"),
        ),
        # The learning rate per epoch: constant as in the TensorFlow Playground, or decayed by
        # a Keras schedule over decay_epochs (what its users asked for).
        Control("schedule", "choice", "constant", options=_worded(SCHEDULES), width="260px",
                label=Words("rate schedule", "学习率调度")),
        Control("decay_epochs", "int_text", DECAY_EPOCHS, low=1, high=100_000,
                label=Words("over epochs", "衰减轮数"), width="150px"),
        # Every Keras activation in an instance (declare); the Playground's four here.
        Control(
            "activation", "choice", DEFAULTS["activation"],
            options=network.FAMILIAR_ACTIVATIONS, role="model", width="200px",
            label=Words("activation", "激活函数"),
        ),
        Control(
            "optimizer", "choice", DEFAULTS["optimizer"], options=tuple(network.OPTIMIZERS),
            role="model", width="190px", label=Words("optimizer", "优化器"),
        ),
        Control(
            "loss", "choice", DEFAULT_LOSS["classification"], options=network.LOSSES,
            role="model", width="190px", label=Words("loss", "损失"),
        ),
        # The TensorFlow Playground's network and rules, for its exact numbers.
        Control("preset", "choice", "keras", options=network.PRESETS, role="model",
                width="260px", label=Words("preset", "预设")),
        Control(
            "regularization", "choice", DEFAULTS["regularization"],
            options=_worded(network.REGULARIZATIONS), role="model", width="200px",
            label=Words("regularization", "正则化"),
        ),
        Control(
            "regularization_rate", "choice", DEFAULTS["regularization_rate"],
            options=_presets(network.REGULARIZATION_RATES), role="model",
            label=Words("rate", "正则化率"),
            width="130px",
        ),
        Control("dropout", "float", DEFAULTS["dropout"], low=0, high=0.5, step=0.05,
                role="model", label=Words("dropout", "暂退法")),
        Control(
            "layer_activations", "per_layer",
            (DEFAULTS["activation"],) * len(DEFAULTS["layers"]),
            options=network.FAMILIAR_ACTIVATIONS, role="model",
            label=Words("layer activations", "每层激活函数"),
        ),
        # The diagram: the neuron whose heatmap is shown large (the TensorFlow Playground's
        # hover), and a weight or bias to read and to set (its hover, then edit).
        # (As wide as the OUTPUT column they sit in: see arrange.)
        Control("neuron", "part", playground_diagram.OUTPUT,
                label=Words("big picture", "放大显示")),
        Control("link", "part", NO_LINK, label=Words("weight of", "权重")),
        Control("weight", "float_text", 0.0, low=-MAX_WEIGHT, high=MAX_WEIGHT, saved=False,
                label="=", continuous=False),
    )  # fmt: skip
    ACTIONS = (
        Action("step", label=Words("step", "单步"), icon="step-forward"),
        Action("reset", label=Words("reset", "重置"), icon="undo"),
        Action("regenerate", label=Words("regenerate", "重新生成"), icon="refresh"),
    )

    def __init__(self, data=None, **settings):
        self.session = PlaygroundSession(data)
        self._losses = dict(DEFAULT_LOSS)  # per problem, the loss the learner chose last
        self._stopped = ("", "info")  # why play stopped by itself
        self._generation = 0  # the play loop that may train (an older one stops)
        self._thread = None
        self._points = None  # the points drawn now
        self._diagram = None  # (features, layers, n_outputs) of the diagram drawn now
        self._weight_given = None  # Playground(link=..., weight=...): set once built
        # One line: it moves below the buttons when too long, never wraps inside.
        self.status = widgets.HTML(layout=widgets.Layout(margin="0 8px"))
        self.status.add_class("lmw-playground-status")
        super().__init__(**settings)
        self.controls["play"].observe(self._on_play, names="value")
        self._on_play()  # Playground(play=True) plays at once

    # -- public ------------------------------------------------------------------

    @property
    def model(self):
        """The Keras model being trained (save it with ``playground.model.save(...)``)."""
        return self.session.model

    def step(self, n=1):
        """Train ``n`` epochs now (as the Step button does, n times), then redraw once."""
        with self.lock:
            if self.last_error is not None:
                raise ValueError(f"The playground cannot train: {describe(self.last_error)}")
            self.session.step(n)
            self.refresh(frozenset())
            if self.session.diverged:
                self.pause()
        return self

    def reset(self):
        """Fresh weights (same seed, same start), epoch 0, as the Reset button does."""
        self.refresh({"reset"})
        return self

    def regenerate(self):
        """New data of the same kind (the seed goes up by one), as the Regenerate button does;
        as in the TensorFlow Playground, the network keeps its weights and epoch and goes on
        training on the new data."""
        seed = self.controls["seed"]
        with self.hold_refresh():
            self._pending.append("regenerate")
            seed.value = (seed.value + 1) % (self.specs["seed"].high + 1)
        return self

    def set_weight(self, link, value):
        """Set one weight or bias, named as the diagram names it (``"x1 -> h1.1"``,
        ``"bias -> output"``; the options of the ``link`` control), as picking it and typing a
        value does; training goes on from it."""
        value = self.specs["weight"].check(value)
        if link not in self.controls["link"].options or link == NO_LINK:
            playground_diagram.link_index(*self._diagram_shape(), link)  # says which exist
        with self.hold_refresh():
            self.controls["link"].value = link
            self.controls["weight"].value = value
            self._pending.append("weight")  # also when the box shows this value already
        if self.last_error is not None:
            raise ValueError(describe(self.last_error))
        return self

    def play(self):
        self.controls["play"].value = True
        return self

    def pause(self):
        self.controls["play"].value = False
        return self

    def close(self):
        if getattr(self, "controls", None):  # also when __init__ failed half way
            self.pause()
            thread = self._thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=10)
        super().close()

    # -- controls ------------------------------------------------------------------

    def declare(self):
        specs = {spec.name: spec for spec in self.CONTROLS}
        activations = tuple(network.activation_names())
        for name in ("activation", "layer_activations"):
            specs[name] = dataclasses.replace(specs[name], options=activations)
        if self.session.own is not None:  # the data decides the problem and the classes
            _, _, problem, n_classes, _ = self.session.own
            fixed = {
                "dataset": dict(default=OWN_DATA, options=_worded((OWN_DATA,))),
                "problem": dict(default=problem, options=_worded((problem,))),
                "loss": dict(default=DEFAULT_LOSS[problem]),
            }
            if problem == "classification":
                fixed["classes"] = dict(default=n_classes, low=n_classes, high=n_classes)
            for name, changes in fixed.items():
                specs[name] = dataclasses.replace(specs[name], **changes)
        return tuple(specs.values())

    def arrange(self):
        """The TensorFlow Playground's layout: a top bar (run, rate, activation,
        regularization, problem), then columns for the data, the features, the hidden layers
        and the output, above the picture whose columns follow the same order."""
        c, b = self.controls, self.buttons

        def row(*items):
            return widgets.HBox(list(items), layout=widgets.Layout(flex_flow="row wrap"))

        def column(title, names, width):
            items = [c[name] if name in c else b[name] for name in names]
            for item in items:
                item.layout.width = "100%"  # each control as wide as its column
            heading = widgets.HTML(f"<b>{title}</b>")
            box = widgets.VBox([heading, *items], layout=widgets.Layout(
                width=width, margin="0 8px 0 0", flex="0 0 auto"))  # fmt: skip
            if all(name in self._hidden for name in names):
                box.layout.display = "none"
            return box

        for name in ("features", "layer_activations"):
            c[name].layout.flex_flow = "row wrap"
        # Four columns side by side in a notebook 850 pixels wide (JupyterLab at 1,280 with
        # its file browser open); narrower, they wrap two by two.
        data = ("dataset", "classes", "regenerate", "seed", "noise", "train_ratio", "n_points",
                "batch_size")  # fmt: skip
        hidden = ("layers", "layer_activations", "optimizer", "loss", "dropout", "preset")
        output = ("show_test_data", "discretize", "neuron", "link", "weight")
        columns = [
            column(say("DATA", "数据"), data, "200px"),
            column(say("FEATURES", "特征"), ("features", "own_feature"), "180px"),
            column(say("HIDDEN LAYERS", "隐藏层"), hidden, "240px"),
            column(say("OUTPUT", "输出"), output, "170px"),
        ]
        return [
            row(c["play"], b["step"], b["reset"], self.status, c["stop_after_epochs"]),
            row(c["learning_rate"], c["schedule"], c["decay_epochs"], c["activation"],
                c["regularization"], c["regularization_rate"], c["problem"]),  # fmt: skip
            widgets.HBox(columns, layout=widgets.Layout(flex_flow="row wrap")),
        ]

    def _apply(self, settings):
        """The diagram's parts (``neuron``, ``link``, ``weight``) after the rest: which exist
        depends on the network the other keywords make."""
        parts = {name: settings.pop(name) for name in ("neuron", "link", "weight")
                 if name in settings}  # fmt: skip
        checked = {name: self.specs[name].check(value) for name, value in parts.items()}
        super()._apply(settings)
        self._offer_parts()
        shape = self._diagram_shape()
        if checked.get("neuron", OUTPUT) != OUTPUT:
            playground_diagram.neuron_index(*shape, checked["neuron"])  # a refusal if none
        if checked.get("link", NO_LINK) != NO_LINK:
            playground_diagram.link_index(*shape, checked["link"])
        for name in ("neuron", "link"):
            if name in checked:
                self.controls[name].value = checked[name]
        if "weight" in checked:
            if self.controls["link"].value == NO_LINK:
                raise ValueError(
                    f"weight={checked['weight']!r} sets the weight of a link: give link= too, "
                    "e.g. link='x1 -> h1.1'."
                )
            self.controls["weight"].value = self._weight_given = checked["weight"]

    def _diagram_shape(self):
        """(features, layers, output units) of the network the controls make."""
        c = self.controls
        own = (c["own_feature"].value,) if c["own_feature"].value else ()
        n_outputs = network.output_size(c["problem"].value, c["classes"].value)
        return (*c["features"].value, *own), c["layers"].value, n_outputs

    def _offer_parts(self):
        """The neurons and links of the network the controls make, as the pickers' options
        (a picked part that no longer exists goes back to the output, or no link)."""
        shape = self._diagram_shape()
        neurons = playground_diagram.neuron_names(*shape)
        offered = {
            "neuron": (OUTPUT, *(name for name in neurons if name != OUTPUT)),
            "link": (NO_LINK, *playground_diagram.link_names(*shape)),
        }
        for name, options in offered.items():
            control = self.controls[name]
            if tuple(control.options) != options:
                value = control.value if control.value in options else options[0]
                control.options = options
                control.value = value

    def adjust(self, name):
        c, generated = self.controls, self.session.own is None
        problem_before = c["problem"].value
        if name == "dataset" and generated:
            c["problem"].value = playground_data.problem_of(c["dataset"].value)
        problem = c["problem"].value
        if (
            name == "problem"
            and generated
            and playground_data.problem_of(c["dataset"].value) != problem
        ):
            c["dataset"].value = DEFAULT_DATASET[problem]
        if name == "preset" and c["preset"].value == "tensorflow_playground":
            # Its rules: plain SGD on 1/2 (o - t)^2, two classes, no dropout.
            self._losses = {problem: "half_squared_error" for problem in self._losses}
            c["optimizer"].value, c["dropout"].value = "sgd", 0.0
            if c["classes"].value > 2:
                c["classes"].value = 2
        elif name == "preset":  # back to Keras' rules: its losses
            self._losses = {
                problem: DEFAULT_LOSS[problem] if loss == "half_squared_error" else loss
                for problem, loss in self._losses.items()
            }
        # Each problem keeps the loss last chosen for it (cross-entropy does not fit values).
        if name == "loss" and c["loss"].value in LOSSES_FOR[problem]:
            self._losses[problem] = c["loss"].value
        c["loss"].value = self._losses[problem]
        if generated and c["dataset"].value not in playground_data.MULTI_CLASS:
            c["classes"].value = 2  # the other datasets have two classes, or values
        layers, activation = c["layers"].value, c["activation"].value
        if name == "activation":
            c["layer_activations"].value = (activation,) * len(layers)
        per_layer = c["layer_activations"].value
        if len(per_layer) != len(layers):
            c["layer_activations"].value = (per_layer + (activation,) * len(layers))[: len(layers)]
        # The TensorFlow Playground's number of points for each problem (500 to classify,
        # 1,200 for regression), unless the learner chose another.
        points = playground_data.DEFAULT_POINTS
        if problem != problem_before and c["n_points"].value == points[problem_before]:
            c["n_points"].value = points[problem]
        self._offer_parts()

    def enabled(self, name):
        generated = self.session.own is None
        if name == "decay_epochs":
            return self.controls["schedule"].value != "constant"
        if name == "weight":
            return self.controls["link"].value != NO_LINK
        if name == "classes":
            return generated and self.controls["dataset"].value in playground_data.MULTI_CLASS
        return generated or name not in _NOT_GENERATED

    # -- computing ----------------------------------------------------------------

    def compute(self, changed):
        s, session = self.settings, self.session
        if self.last_error is not None or session.trainer is None:
            changed = frozenset(self.specs)  # start again from a consistent run
        if changed - {"play"}:  # the learner changed something: old notices no longer apply
            session.forget_divergence()
            self._stopped = ("", "info")
        roles = {self.specs[name].role for name in changed if name in self.specs}
        data = ("dataset", "n_points", "noise", "classes", "train_ratio", "seed")
        data = {name: s[name] for name in data}
        data["features"] = (*s["features"], *([s["own_feature"]] if s["own_feature"] else []))
        # New points, the same network goes on: regenerate, as in the TensorFlow Playground,
        # and a new noise level (there it also resets the network).
        if changed in ({"regenerate", "seed"}, {"noise"}):
            session.make_data(**data)
            session.keep_network()
        elif roles & {"data", "model"}:
            if "data" in roles or changed & {"features", "own_feature"}:
                session.make_data(**data)
            session.make_network(
                s["layers"], s["layer_activations"], s["optimizer"], s["loss"],
                s["regularization"], s["regularization_rate"], s["dropout"],
                s["learning_rate"], s["batch_size"],
                # A new weight penalty alone: training goes on (the TF Playground resets).
                keep_training=changed <= {"regularization", "regularization_rate"},
                preset=s["preset"],
            )  # fmt: skip
        if "reset" in changed and not roles & {"data", "model"}:
            session.reset()
        session.tune(s["learning_rate"], s["batch_size"], s["schedule"], s["decay_epochs"])
        link, shape = s["link"], session.diagram_shape()
        if self._weight_given is not None:  # Playground(link=..., weight=...)
            session.set_weight(link, self._weight_given)
            self._weight_given = None
        elif link != NO_LINK and "weight" in changed and changed <= {"weight", "link", "play"}:
            session.set_weight(link, s["weight"])  # the learner typed a weight
        if s["neuron"] != OUTPUT:
            playground_diagram.neuron_index(*shape, s["neuron"])  # a refusal if it is gone
        self.notice = (session.advice, "error") if session.advice else self._stopped
        shown = {name: s[name] for name in ("show_test_data", "discretize", "neuron", "link")}
        result = {**session.snapshot(), **shown, "playing": s["play"], "message": self.notice[0]}
        result["link_weight"] = None
        if link != NO_LINK:
            layer, source, target = playground_diagram.link_index(*shape, link)
            kernel, bias = result["weights"][layer]
            value = bias[target] if source is None else kernel[source, target]
            result["link_weight"] = float(value)
        return result

    # -- playing -----------------------------------------------------------------

    def _on_play(self, change=None):
        if self.controls["play"].value:
            self._generation += 1
            self._thread = threading.Thread(
                target=self._play_loop, args=(self._generation,), daemon=True,
                name="lmwidgets-playground",
            )  # fmt: skip
            self._thread.start()

    def _play_loop(self, generation):
        while True:
            # Under the lock no epoch is under way; after a pause none starts.
            with self.lock:
                if generation != self._generation or not self.controls["play"].value:
                    return
                limit = self.controls["stop_after_epochs"].value
                if limit and self.session.epoch >= limit:
                    self._stopped = (
                        say(f"Stopped after {limit} epochs (stop after epochs).",
                            f"已训练 {limit} 轮，自动停止（停止轮数）。"),
                        "info",
                    )  # fmt: skip
                    self.pause()
                    return
                try:
                    self.step(1)
                except Exception as error:  # noqa: BLE001 - shown, never raised
                    self._stopped = (describe(error), "error")
                    self.pause()
                    return
            time.sleep(0.001)  # let a control change take the lock between epochs

    # -- drawing -----------------------------------------------------------------

    def build_figure(self):
        width, height = FIGURE_PIXELS
        figure = new_figure(width / DPI, height / DPI, dpi=DPI)
        # Heatmaps are figure images placed pixel for pixel (pixel_artists): never resampled.
        x0, y0 = MOSAIC_ORIGIN
        self._mosaic = figure.figimage(np.ones((2, 2, 3)), xo=x0, yo=y0, origin="upper")
        top = (y0 + MOSAIC_SIZE[1] + 3) / height
        self._column_titles = [
            figure.text(0, top, "", fontsize=8, ha="center", va="bottom")
            for _ in range(network.MAX_LAYERS + 1)
        ]
        self._input_names = [
            figure.text((DIAGRAM_LEFT - 4) / width, _row_middle(row) / height, "", fontsize=7,
                        ha="right", va="center")
            for row in range(network.MAX_NEURONS)
        ]  # fmt: skip
        # The links: one line per weight, width and colour as the TensorFlow Playground's.
        self._links = LineCollection([], transform=figure.transFigure, capstyle="butt")
        figure.add_artist(self._links)
        self._picked_link = Line2D([], [], transform=figure.transFigure, color="black", lw=0.8,
                                   ls=(0, (3, 2)))  # fmt: skip
        figure.add_artist(self._picked_link)
        x0, y0, size = BOUNDARY_BOX
        self._big_title = figure.text((x0 + size / 2) / width, (y0 + size + 3) / height, "",
                                      fontsize=8, ha="center", va="bottom")  # fmt: skip
        self._boundary_axes = _bare_axes(figure, (x0 / width, y0 / height, size / width,
                                                  size / height))  # fmt: skip
        # See-through and frameless: the points lie on the heatmap, which is its own edge.
        self._boundary_axes.patch.set_visible(False)
        self._boundary_axes.spines[:].set_visible(False)
        self._boundary_image = figure.figimage(
            np.ones((2, 2, 3)), xo=x0, yo=y0, origin="upper", zorder=-1
        )
        self._point_artists, self._test_artists = [], []
        # The one colour scale of every heatmap, under the output's.
        bar_left, bar_bottom = x0, 6
        self._color_bar = figure.figimage(
            np.repeat(shades(np.linspace(-1, 1, size))[None], 8, axis=0), xo=bar_left,
            yo=bar_bottom, origin="upper",
        )  # fmt: skip
        for value, offset, align in (
            (-1, -3, "right"),
            (1, size + 3, "left"),
        ):
            figure.text((bar_left + offset) / width, (bar_bottom + 1) / height, f"{value:g}",
                        fontsize=7, ha=align, va="bottom")  # fmt: skip
        # The curves are scaled into fixed axes, so the cached background stays.
        right = x0 + size + 24
        panel = ((right) / width, (width - right - 8) / width)
        self._loss_axes = _bare_axes(figure, (panel[0], 0.56, panel[1], 0.36))
        self._loss_axes.set_title(
            say_in_figure("loss: train (grey), test (black)", "损失：训练（灰）、测试（黑）"),
            fontsize=7,
        )
        self._loss_axes.set(xlim=(0, 1), ylim=(0, 1.05))
        # Above everything of their axes (zorder 4), so a redraw paints nothing over them:
        # neither the white axes patch nor the titles twice.
        (self._train_curve,) = self._loss_axes.plot([], [], color="0.6", lw=1.2, zorder=4)
        (self._test_curve,) = self._loss_axes.plot([], [], color="black", lw=1.2, zorder=4)
        self._confusion_axes = _bare_axes(figure, (panel[0], 0.07, panel[1], 0.36))
        self._confusion_axes.set_title(
            say_in_figure(
                "confusion (test): true vs predicted", "混淆矩阵（测试）：行真实，列预测"
            ),
            fontsize=7,
        )
        self._confusion_image = self._confusion_axes.imshow(
            np.zeros((2, 2)), cmap="Greys", vmin=0, vmax=1, aspect="auto", zorder=4
        )
        # Each cell's count, on the picture: the matrix is shown once, with its numbers.
        cells = playground_data.MAX_CLASSES**2
        self._confusion_counts = [
            self._confusion_axes.text(0, 0, "", ha="center", va="center", fontsize=7, zorder=5)
            for _ in range(cells)
        ]
        return figure

    def pixel_artists(self):
        return (self._boundary_image, self._mosaic)

    def dynamic_artists(self):
        counts = [text for text in self._confusion_counts if text.get_text()]
        return [*self._point_artists, self._train_curve, self._test_curve, self._confusion_image,
                *counts, self._links, self._picked_link]  # fmt: skip

    def background_key(self):
        return (self._diagram, self._big_title.get_text())  # the titles and names drawn

    def keyed_artists(self):
        return [*self._column_titles, *self._input_names, self._big_title]

    def render(self, result):
        if result["points"] is not self._points:
            self._draw_points(result)
        for artist in self._test_artists:
            artist.set_visible(result["show_test_data"])
        self._boundary_image.set_data(_boundary_pixels(result))
        neuron = result["neuron"]
        self._big_title.set_text(
            say_in_figure("output", "输出")
            if neuron == OUTPUT
            else say_in_figure(f"{neuron}, large", f"{neuron}（放大）")
        )
        self._draw_diagram(result)
        self._draw_curves(result["history"])
        self._draw_confusion(result.get("confusion_matrix"), result.get("confusion_fractions"))
        parts = [
            say(f"epoch <b>{result['epoch']}</b>", f"第 <b>{result['epoch']}</b> 轮"),
            say("train loss ", "训练损失 ") + f"{result['train_loss']:.4f}",
            say("test loss ", "测试损失 ") + f"{result['test_loss']:.4f}",
        ]
        if "test_accuracy" in result:
            parts.append(say("test accuracy ", "测试准确率 ") + f"{result['test_accuracy']:.1%}")
        # This epoch's learning rate, scheduled or not.
        parts.append(say("rate ", "学习率 ") + f"{result['learning_rate_now']:.3g}")
        if result["link_weight"] is not None:
            parts.append(f"{html.escape(result['link'])}: <b>{result['link_weight']:.4g}</b>")
            shown = float(np.clip(result["link_weight"], -MAX_WEIGHT, MAX_WEIGHT))
            if not result["playing"] and self.controls["weight"].value != shown:
                self.show_value("weight", shown)  # while playing, the line above shows it
        self.status.value = f'<span style="white-space: nowrap">{" &nbsp; ".join(parts)}</span>'
        play = self.controls["play"]
        play.icon = "pause" if result["playing"] else "play"
        play.description = say("pause", "暂停") if result["playing"] else say("play", "播放")

    def _draw_diagram(self, result):
        """The neurons' heatmaps, the links between them and the biases' squares."""
        shape = _diagram_of(result)
        lefts = _column_lefts(len(result["layers"]) + 1)
        if self._diagram != shape:  # a new network: new places, titles and input names
            self._diagram = shape
            self._links.set_segments(_link_segments(lefts, shape))
            titles = [
                say_in_figure("input", "输入"),
                *(say_in_figure(f"layer {i}", f"第 {i} 层") for i in range(1, len(lefts))),
            ]
            for index, text in enumerate(self._column_titles):
                shown = index < len(lefts)
                text.set_visible(shown)
                text.set_text(titles[index] if shown else "")
                if shown:
                    text.set_x((lefts[index] + CELL / 2) / FIGURE_PIXELS[0])
            for index, text in enumerate(self._input_names):
                text.set_text(_short(result["features"][index]) if index < len(shape[0]) else "")
        kernels = np.concatenate([kernel.ravel() for kernel, _ in result["weights"]])
        self._links.set_linewidths(playground_diagram.link_widths(kernels) * 72 / DPI)
        self._links.set_colors(_signed_colors(kernels))
        self._mosaic.set_data(_mosaic_pixels(result, lefts))
        picked = None if result["link"] == NO_LINK else _picked_segment(result, lefts)
        self._picked_link.set_visible(picked is not None)
        if picked is not None:
            self._picked_link.set_data(*zip(*picked, strict=True))

    def _draw_points(self, result):
        """The train (white edge) and test (black edge) points, once per dataset."""
        for artist in self._point_artists:
            artist.remove()
        axes, (x_train, y_train, x_test, y_test) = self._boundary_axes, result["points"]
        pairs = ((x_train, y_train, "white"), (x_test, y_test, "black"))
        artists, test_artists = [], []
        if result["problem"] == "classification":
            for label in range(result["n_classes"]):
                for x, y, edge in pairs:
                    points = x[y == label]
                    drawn = axes.plot(points[:, 0], points[:, 1], "o", ms=3.6,
                                      mfc=CLASS_COLORS[label], mec=edge, mew=0.6)  # fmt: skip
                    artists += drawn
                    test_artists += drawn if x is x_test else []
        else:
            for x, y, edge in pairs:
                artists.append(axes.scatter(x[:, 0], x[:, 1], c=y, s=13, cmap=_COLORMAP, vmin=-1,
                                            vmax=1, edgecolors=edge, linewidths=0.6))  # fmt: skip
                test_artists += [artists[-1]] if x is x_test else []
        self._point_artists, self._points = artists, result["points"]
        self._test_artists = test_artists
        x_min, x_max, y_min, y_max = result["extent"]
        axes.set(xlim=(x_min, x_max), ylim=(y_min, y_max))
        size = result["n_classes"] if result["problem"] == "classification" else 0
        self._confusion_axes.set_visible(size > 0)
        if size:
            self._confusion_image.set_data(np.zeros((size, size)))
            self._confusion_image.set_extent((-0.5, size - 0.5, size - 0.5, -0.5))

    def _draw_curves(self, history):
        epochs = np.asarray(history["epoch"], dtype=float)
        train = np.asarray(history["train_loss"], dtype=float)
        test = np.asarray(history["test_loss"], dtype=float)
        finite = np.concatenate([train[np.isfinite(train)], test[np.isfinite(test)]])
        top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        right = max(epochs[-1] if epochs.size else 1.0, 1.0)
        self._train_curve.set_data(epochs / right, train / top)
        self._test_curve.set_data(epochs / right, test / top)

    def _draw_confusion(self, matrix, fractions):
        """The test points' confusion matrix: shade by row fraction, count written in."""
        cells = [] if matrix is None else np.ndindex(*np.shape(matrix))
        texts = iter(self._confusion_counts)
        for (row, column), text in zip(cells, texts, strict=False):
            text.set_position((column, row))
            text.set_text(str(matrix[row][column]))
            text.set_color("white" if fractions[row][column] > 0.5 else "black")
        for text in texts:
            text.set_text("")
        if matrix is not None:
            self._confusion_image.set_data(fractions)


def _bare_axes(figure, rect):
    axes = figure.add_axes(rect)
    axes.set_xticks([])
    axes.set_yticks([])
    return axes


MOSAIC_TOP = MOSAIC_ORIGIN[1] + MOSAIC_SIZE[1]  # in figure pixels from the bottom


def _diagram_of(result):
    """``(features, layers, output units)``: what ``playground_diagram`` names the parts of."""
    return result["features"], result["layers"], result["output_grid"].shape[-1]


def _signed_colors(values, bytes=False):
    """RGBA colours of weights or biases on the TensorFlow Playground's link scale:
    orange at -1 and below, light grey at 0, blue at 1 and above."""
    return np.asarray(_COLORMAP(np.clip((np.asarray(values) + 1) / 2, 0, 1), bytes=bytes))


def _column_lefts(n_columns):
    """The left edge (pixels) of each column of the diagram, spread up to the output."""
    pitch = (BOUNDARY_BOX[0] - DIAGRAM_LEFT) / n_columns
    return [DIAGRAM_LEFT + round(column * pitch) for column in range(n_columns)]


def _row_top(row):
    """A neuron's top edge in the diagram's pixels (rows from its top)."""
    return GAP + row * (CELL + GAP)


def _row_middle(row):
    """A neuron's middle in figure pixels from the bottom."""
    return MOSAIC_TOP - _row_top(row) - CELL / 2


def _output_middle(unit, n_outputs):
    """Where output unit ``unit``'s links end: along the output's left edge."""
    _, bottom, side = BOUNDARY_BOX
    return bottom + side * (n_outputs - unit - 0.5) / n_outputs


def _segment(lefts, layer, source, target, n_outputs):
    """The link of weight ``kernel[layer][source, target]``, in figure pixels."""
    start = (lefts[layer] + CELL, _row_middle(source))
    if layer + 1 < len(lefts):
        return start, (lefts[layer + 1], _row_middle(target))
    return start, (BOUNDARY_BOX[0], _output_middle(target, n_outputs))


def _link_segments(lefts, shape):
    """Every weight's link, in the order of the kernels' values (row by row), as fractions
    of the figure (what ``transFigure`` takes)."""
    features, layers, n_outputs = shape
    sizes = [len(features), *layers, n_outputs]
    scale = np.array(FIGURE_PIXELS, dtype=float)
    return [
        np.array(_segment(lefts, layer, source, target, n_outputs)) / scale
        for layer in range(len(sizes) - 1)
        for source in range(sizes[layer])
        for target in range(sizes[layer + 1])
    ]


def _picked_segment(result, lefts):
    """The picked weight's link (figure fractions), or None for a bias."""
    shape = _diagram_of(result)
    layer, source, target = playground_diagram.link_index(*shape, result["link"])
    if source is None:
        return None
    return np.array(_segment(lefts, layer, source, target, shape[2])) / FIGURE_PIXELS


def _bias_square(lefts, layer, target, n_outputs):
    """(top, left) in the diagram's pixels of the bias square of ``layer``'s neuron
    ``target``: at a hidden neuron's lower left, beside the output's link end (``lefts``:
    the columns' left edges in the diagram's pixels)."""
    if layer + 1 < len(lefts):
        return _row_top(target) + CELL - BIAS_MARK, lefts[layer + 1] - BIAS_MARK - 2
    middle = MOSAIC_TOP - _output_middle(target, n_outputs)
    right = BOUNDARY_BOX[0] - MOSAIC_ORIGIN[0]
    return round(middle - BIAS_MARK / 2), right - BIAS_MARK - 2


def _mosaic_pixels(result, lefts):
    """The diagram's pixels: every input's and neuron's heatmap on the one scale, a square
    per bias in its colour, a frame around the picked neuron or bias."""
    image = np.full((MOSAIC_SIZE[1], MOSAIC_SIZE[0], 3), 255, dtype=np.uint8)
    lefts = [left - MOSAIC_ORIGIN[0] for left in lefts]  # figure pixels to the diagram's
    for column, maps in enumerate([result["feature_maps"], *result["neurons"]]):
        cells = shades(_resize(maps[::-1], CELL))
        left = lefts[column]
        for row in range(maps.shape[-1]):
            top = _row_top(row)
            image[top : top + CELL, left : left + CELL] = cells[:, :, row]
    n_outputs = result["output_grid"].shape[-1]
    for layer, (_, bias) in enumerate(result["weights"]):
        colors = _signed_colors(bias, bytes=True)[:, :3]
        for target, color in enumerate(colors):
            top, left = _bias_square(lefts, layer, target, n_outputs)
            image[top : top + BIAS_MARK, left : left + BIAS_MARK] = color
    shape = _diagram_of(result)
    if result["neuron"] != OUTPUT:
        column, row = playground_diagram.neuron_index(*shape, result["neuron"])
        if column < len(lefts):
            _frame(image, _row_top(row) - 2, lefts[column] - 2, CELL + 4)
    if result["link"] != NO_LINK:
        layer, source, target = playground_diagram.link_index(*shape, result["link"])
        if source is None:
            top, left = _bias_square(lefts, layer, target, n_outputs)
            _frame(image, top - 2, left - 2, BIAS_MARK + 4)
    return image


def _frame(image, top, left, side):
    """A black square outline (2 pixels) on ``image``."""
    top, left = max(top, 0), max(left, 0)
    image[top : top + side, left : left + 2] = 0
    image[top : top + side, left + side - 2 : left + side] = 0
    image[top : top + 2, left : left + side] = 0
    image[top + side - 2 : top + side, left : left + side] = 0


def _short(name, limit=12):
    """An input's name short enough for the space left of the diagram."""
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def _resize(maps, size):
    """(n, n, ...) maps resampled to (size, size, ...) by nearest grid point (cheap)."""
    index = np.arange(size) * maps.shape[0] // size
    return maps[index][:, index]


def shades(values):
    """RGB uint8 colours of values on the Playground's one scale (``SHADES``)."""
    index = np.clip(np.floor((np.asarray(values) + 1) / 2 * (SHADES + 1)), 0, SHADES)
    return np.asarray(_COLORMAP(index / SHADES, bytes=True))[..., :3]


def _boundary_pixels(result):
    """The output heatmap as screen pixels: the value, or P(class 1) as 2P - 1 (the
    Playground's tanh output), or the classes' colours; each point's sign or likeliest
    class alone with ``discretize``."""
    output, discretize = result["output_grid"], result.get("discretize", False)
    neuron = result.get("neuron", OUTPUT)
    if neuron != OUTPUT:  # a neuron's own heatmap, large
        shape = _diagram_of(result)
        column, row = playground_diagram.neuron_index(*shape, neuron)
        maps = [result["feature_maps"], *result["neurons"], output][column]
        value = maps[..., row]
        if column > len(result["layers"]) and result["problem"] == "classification":
            value = 2 * value - 1 if result["preset"] == "keras" else value
        return _resize(shades(value)[::-1], BOUNDARY_BOX[2])
    if result["problem"] == "regression" or output.shape[-1] == 1:
        value = output[..., 0]  # a value, or the TensorFlow Playground's tanh: -1 .. 1
        if result["problem"] == "classification" and result["preset"] == "keras":
            value = 2 * value - 1  # P(class 1) on the same scale
        colors = shades(np.where(value >= 0, 1.0, -1.0) if discretize else value)
    else:
        if discretize:
            output = np.eye(output.shape[-1])[np.argmax(output, axis=-1)]
        colors = (np.clip(_class_colors(output), 0, 1) * 255).astype(np.uint8)
    # uint8 pixels, rows from the top, 4 pixels a grid point.
    return _resize(colors[::-1], BOUNDARY_BOX[2])


def _class_colors(probabilities):
    """Each grid point's colour: the classes' colours mixed by probability, paler when unsure."""
    k = probabilities.shape[-1]
    palette = np.array([to_rgb(color) for color in CLASS_COLORS[:k]])
    mixed = probabilities @ palette
    certainty = (probabilities.max(axis=-1, keepdims=True) - 1 / k) / (1 - 1 / k)
    return _LIGHT + (mixed - _LIGHT) * np.clip(certainty, 0, 1)
