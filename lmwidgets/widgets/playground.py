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
import threading
import time

from lmwidgets.core import playground_data
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
from lmwidgets.widgets._base import Explorer, describe, new_figure
from lmwidgets.widgets._controls import Action, Control

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_rgb

# The Playground's colours: orange for class 0 (its -1), blue for class 1, then more.
CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b")
_COLORMAP = LinearSegmentedColormap.from_list("playground", ["#f59322", "#e8eaeb", "#0877bd"])
_LIGHT = np.array(to_rgb("#e8eaeb"))
# Every heatmap on one scale, as the TensorFlow Playground's (heatmap.ts): -1 orange, 0 light,
# 1 blue, in 31 shades, values beyond clipped; a neuron at +-0.01 looks pale, not strong.
SHADES = 30
# The figure's layout in pixels (at 80 dpi), so heatmaps are placed without resampling.
FIGURE_PIXELS = (768, 336)
CELL, GAP = 30, 4  # a neuron's heatmap and the space between two of a column
MOSAIC_ORIGIN = (4, 8)
MOSAIC_SIZE = (7 * (CELL + 3 * GAP) + GAP, 8 * (CELL + GAP) + GAP)
BOUNDARY_BOX = (318, 24, 4 * GRID_RESOLUTION)  # left, bottom, side: 4 pixels a grid point
_NOT_GENERATED = ("dataset", "problem", "noise", "n_points", "regenerate")  # own data: fixed


def _presets(values):
    return tuple((f"{value:g}", value) for value in values)


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
        Control("play", "toggle_button", False, saved=False, width="80px"),
        Control(
            "stop_after_epochs", "int_text", 0, low=0, high=1_000_000,
            label="stop after epochs (0: never)", width="260px",
        ),
        Control(
            "problem", "choice", playground_data.problem_of(DEFAULTS["dataset"]),
            options=network.PROBLEMS, role="data", width="230px",
        ),
        Control(
            "dataset", "choice", DEFAULTS["dataset"], options=playground_data.DATASETS,
            role="data", width="230px",
        ),
        Control(
            "classes", "int", DEFAULTS["classes"], low=2, high=playground_data.MAX_CLASSES,
            role="data",
        ),
        Control("seed", "int_text", DEFAULTS["seed"], low=0, high=2**31 - 1, role="data",
                width="140px"),
        Control("noise", "int", DEFAULTS["noise"], low=0, high=50, step=5, role="data"),
        Control(
            "train_ratio", "int", DEFAULTS["train_ratio"], low=10, high=90, step=10,
            role="data", label="train %",
        ),
        Control(
            "n_points", "int_text", DEFAULTS["n_points"], low=N_POINTS[0], high=N_POINTS[1],
            role="data", label="points", width="150px",
        ),
        Control("batch_size", "int", DEFAULTS["batch_size"], low=1, high=30),
        # Both off by default, as the TensorFlow Playground: what they change is the picture.
        Control("show_test_data", "toggle", False, label="show test data", width="160px"),
        Control("discretize", "toggle", False, label="discretize output", width="160px"),
        Control(
            "features", "toggles", DEFAULTS["features"], options=playground_data.FEATURES,
            role="model",
        ),
        # Your own input feature, e.g. "x1*x2 + sin(x1)", beside the toggled ones.
        Control("own_feature", "feature", "", role="model", label="your feature",
                width="300px", continuous=False),
        Control("layers", "layers", DEFAULTS["layers"], role="model"),
        Control(
            "learning_rate", "choice", DEFAULTS["learning_rate"],
            options=_presets(network.LEARNING_RATES), width="200px",
        ),
        # The learning rate per epoch: constant as in the TensorFlow Playground, or decayed by
        # a Keras schedule over decay_epochs (what its users asked for).
        Control("schedule", "choice", "constant", options=SCHEDULES, width="260px",
                label="rate schedule"),
        Control("decay_epochs", "int_text", DECAY_EPOCHS, low=1, high=100_000,
                label="over epochs", width="150px"),
        # Every Keras activation in an instance (declare); the Playground's four here.
        Control(
            "activation", "choice", DEFAULTS["activation"],
            options=network.FAMILIAR_ACTIVATIONS, role="model", width="200px",
        ),
        Control(
            "optimizer", "choice", DEFAULTS["optimizer"], options=tuple(network.OPTIMIZERS),
            role="model", width="190px",
        ),
        Control(
            "loss", "choice", DEFAULT_LOSS["classification"], options=network.LOSSES,
            role="model", width="190px",
        ),
        # The TensorFlow Playground's network and rules, for its exact numbers.
        Control("preset", "choice", "keras", options=network.PRESETS, role="model",
                width="260px"),
        Control(
            "regularization", "choice", DEFAULTS["regularization"],
            options=network.REGULARIZATIONS, role="model", width="200px",
        ),
        Control(
            "regularization_rate", "choice", DEFAULTS["regularization_rate"],
            options=_presets(network.REGULARIZATION_RATES), role="model", label="rate",
            width="130px",
        ),
        Control("dropout", "float", DEFAULTS["dropout"], low=0, high=0.5, step=0.05,
                role="model"),
        Control(
            "layer_activations", "per_layer",
            (DEFAULTS["activation"],) * len(DEFAULTS["layers"]),
            options=network.FAMILIAR_ACTIVATIONS, role="model",
        ),
    )  # fmt: skip
    ACTIONS = (
        Action("step", icon="step-forward"),
        Action("reset", icon="undo"),
        Action("regenerate", icon="refresh"),
    )

    def __init__(self, data=None, **settings):
        self.session = PlaygroundSession(data)
        self._losses = dict(DEFAULT_LOSS)  # per problem, the loss the learner chose last
        self._stopped = ("", "info")  # why play stopped by itself
        self._generation = 0  # the play loop that may train (an older one stops)
        self._thread = None
        self._points = None  # the points drawn now
        self._n_columns = None  # the mosaic's columns drawn now
        self.status = widgets.HTML(layout=widgets.Layout(width="440px", margin="0 8px"))
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
                "dataset": dict(default=OWN_DATA, options=(OWN_DATA,)),
                "problem": dict(default=problem, options=(problem,)),
                "loss": dict(default=DEFAULT_LOSS[problem]),
            }
            if problem == "classification":
                fixed["classes"] = dict(default=n_classes, low=n_classes, high=n_classes)
            for name, changes in fixed.items():
                specs[name] = dataclasses.replace(specs[name], **changes)
        return tuple(specs.values())

    def arrange(self):
        c, b = self.controls, self.buttons

        def row(*items):
            return widgets.HBox(list(items), layout=widgets.Layout(flex_flow="row wrap"))

        return [
            row(c["play"], b["step"], b["reset"], self.status, c["stop_after_epochs"]),
            row(c["problem"], c["dataset"], c["classes"], b["regenerate"], c["seed"]),
            row(c["noise"], c["train_ratio"], c["n_points"], c["batch_size"]),
            row(c["show_test_data"], c["discretize"]),
            row(c["features"], c["own_feature"]),
            c["layers"],
            row(c["learning_rate"], c["activation"], c["optimizer"], c["loss"]),
            row(c["schedule"], c["decay_epochs"]),
            row(c["regularization"], c["regularization_rate"], c["dropout"], c["preset"]),
            c["layer_activations"],
        ]

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

    def enabled(self, name):
        generated = self.session.own is None
        if name == "decay_epochs":
            return self.controls["schedule"].value != "constant"
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
        if changed == {"regenerate", "seed"}:  # new points, the same network goes on
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
        self.notice = (session.advice, "error") if session.advice else self._stopped
        shown = {name: s[name] for name in ("show_test_data", "discretize")}
        return {**session.snapshot(), **shown, "playing": s["play"], "message": self.notice[0]}

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
                    self._stopped = (f"Stopped after {limit} epochs (stop after epochs).", "info")
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
        figure = new_figure(width / 80, height / 80, dpi=80)
        # Heatmaps are figure images placed pixel for pixel (pixel_artists): never resampled.
        x0, y0 = MOSAIC_ORIGIN
        self._mosaic = figure.figimage(np.ones((2, 2, 3)), xo=x0, yo=y0, origin="upper")
        top = (y0 + MOSAIC_SIZE[1] + 3) / height
        self._column_titles = [
            figure.text((x0 + _column_left(i) + CELL / 2) / width, top, "", fontsize=8,
                        ha="center", va="bottom")
            for i in range(network.MAX_LAYERS + 1)
        ]  # fmt: skip
        x0, y0, size = BOUNDARY_BOX
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
        self._loss_axes = _bare_axes(figure, (0.8, 0.56, 0.19, 0.36))
        self._loss_axes.set_title("loss: train (grey), test (black)", fontsize=7)
        self._loss_axes.set(xlim=(0, 1), ylim=(0, 1.05))
        # Above everything of their axes (zorder 4), so a redraw paints nothing over them:
        # neither the white axes patch nor the titles twice.
        (self._train_curve,) = self._loss_axes.plot([], [], color="0.6", lw=1.2, zorder=4)
        (self._test_curve,) = self._loss_axes.plot([], [], color="black", lw=1.2, zorder=4)
        self._confusion_axes = _bare_axes(figure, (0.8, 0.07, 0.19, 0.36))
        self._confusion_axes.set_title("confusion (test): true vs predicted", fontsize=7)
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
                *counts]  # fmt: skip

    def background_key(self):
        return self._n_columns  # the column titles

    def render(self, result):
        if result["points"] is not self._points:
            self._draw_points(result)
        for artist in self._test_artists:
            artist.set_visible(result["show_test_data"])
        self._boundary_image.set_data(_boundary_pixels(result))
        self._mosaic.set_data(self._network_mosaic([result["feature_maps"], *result["neurons"]]))
        self._draw_curves(result["history"])
        self._draw_confusion(result.get("confusion_matrix"), result.get("confusion_fractions"))
        parts = [
            f"epoch <b>{result['epoch']}</b>",
            f"train loss {result['train_loss']:.4f}",
            f"test loss {result['test_loss']:.4f}",
        ]
        if "test_accuracy" in result:
            parts.append(f"test accuracy {result['test_accuracy']:.1%}")
        if self.settings["schedule"] != "constant":
            parts.append(f"rate {result['learning_rate_now']:.3g}")
        self.status.value = " &nbsp; ".join(parts)
        play = self.controls["play"]
        play.description = play.icon = "pause" if result["playing"] else "play"

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

    def _network_mosaic(self, columns):
        """Every feature's and neuron's heatmap, a column per layer, as one RGB image."""
        image = np.full((MOSAIC_SIZE[1], MOSAIC_SIZE[0], 3), 255, dtype=np.uint8)
        for col, maps in enumerate(columns):
            cells = shades(_resize(maps[::-1], CELL))
            left = _column_left(col)
            for row in range(maps.shape[-1]):
                top = GAP + row * (CELL + GAP)
                image[top : top + CELL, left : left + CELL] = cells[:, :, row]
        if self._n_columns != len(columns):
            self._n_columns = len(columns)
            titles = ["input"] + [f"layer {i}" for i in range(1, len(columns))]
            for index, text in enumerate(self._column_titles):
                text.set_visible(index < len(columns))
                text.set_text(titles[index] if index < len(columns) else "")
        return image

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


def _column_left(column):
    return GAP + column * (CELL + 3 * GAP)


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
