"""Playground: the TensorFlow Playground inside Jupyter, training a real Keras model.

Everything the Playground has (six datasets, seven input features, up to six layers
of eight neurons, learning rate, activation, regularization, play / pause / step /
reset, a heatmap for the output and for every neuron), plus what its users asked
for: any Keras activation per layer, optimizers, losses, dropout, several classes,
your own data, accuracy and a confusion matrix, stopping after N epochs, the model
itself (``playground.model``), and a message instead of a broken page when training
blows up.

Play trains on a background thread, so the notebook stays free while it runs; a lock
keeps a control change from cutting into an epoch. From Python, ``step(n)`` trains
n epochs and returns when they are done (what a lesson should use).
"""

import threading
import time

from lmwidgets.core import playground_data
from lmwidgets.core import playground_model as network
from lmwidgets.widgets._base import Explorer, encode_frame, new_figure

import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib.colors import LinearSegmentedColormap, to_rgb

# The Playground's colours: orange for class 0 (its -1), blue for class 1, then more.
CLASS_COLORS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b")
_COLORMAP = LinearSegmentedColormap.from_list("playground", ["#f59322", "#e8eaeb", "#0877bd"])
_LIGHT = np.array(to_rgb("#e8eaeb"))
GRID_RESOLUTION = 70
# The figure's layout in pixels (at 80 dpi), so heatmaps can be placed without resampling.
FIGURE_PIXELS = (768, 336)
CELL, GAP = 30, 4  # a neuron's heatmap and the space between two of a column
MOSAIC_ORIGIN = (4, 8)
MOSAIC_SIZE = (7 * (CELL + 3 * GAP) + GAP, 8 * (CELL + GAP) + GAP)
BOUNDARY_BOX = (318, 24, 4 * GRID_RESOLUTION)  # left, bottom, side: 4 pixels a grid point
KEPT_NETWORKS = 8  # compiled networks kept for when the learner comes back to one
ACTIVATIONS_FIRST = ("tanh", "relu", "sigmoid", "linear")

# What a change of each control does: new data, a new network, or a live setting.
_DATA_CONTROLS = {"dataset", "classes", "noise", "train_ratio", "seed"}
_NETWORK_CONTROLS = {
    "problem",
    "features",
    "layers",
    "activation",
    "layer_activations",
    "optimizer",
    "loss",
    "regularization",
    "regularization_rate",
    "dropout",
}


class ToggleSet(widgets.HBox):
    """A row of toggle buttons whose ``value`` is the tuple of names switched on."""

    value = traitlets.Tuple()

    def __init__(self, options, value, description=""):
        self._buttons = {
            name: widgets.ToggleButton(
                description=name, value=name in value, layout=widgets.Layout(width="76px")
            )
            for name in options
        }
        for button in self._buttons.values():
            button.observe(self._on_toggle, names="value")
        label = widgets.Label(description, layout=widgets.Layout(width="70px"))
        super().__init__(children=[label, *self._buttons.values()])
        self.value = tuple(value)

    @traitlets.validate("value")
    def _check(self, proposal):
        unknown = [name for name in proposal["value"] if name not in self._buttons]
        if unknown:
            raise traitlets.TraitError(
                f"Unknown {unknown}. Valid choices: {', '.join(self._buttons)}."
            )
        return tuple(name for name in self._buttons if name in proposal["value"])

    @traitlets.observe("value")
    def _show(self, change):
        for name, button in self._buttons.items():
            button.value = name in change["new"]

    def _on_toggle(self, change):
        self.value = tuple(name for name, button in self._buttons.items() if button.value)


class LayersControl(widgets.HBox):
    """Hidden layers as the Playground edits them: +/- a layer, +/- a neuron in each.

    ``value`` is a tuple of neuron counts, e.g. ``(4, 2)``; ``()`` is no hidden layer.
    """

    value = traitlets.Tuple()

    def __init__(self, value=(4, 2)):
        super().__init__(layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.value = tuple(value)

    @traitlets.validate("value")
    def _check(self, proposal):
        try:
            return network.check_layers(proposal["value"])
        except ValueError as error:
            raise traitlets.TraitError(str(error)) from None

    @traitlets.observe("value")
    def _rebuild(self, change):
        layers = change["new"]
        add = widgets.Button(description="+ layer", layout=widgets.Layout(width="70px"))
        remove = widgets.Button(description="- layer", layout=widgets.Layout(width="70px"))
        add.disabled = len(layers) >= network.MAX_LAYERS
        remove.disabled = not layers
        add.on_click(lambda _: self._set(layers + (layers[-1] if layers else 2,)))
        remove.on_click(lambda _: self._set(layers[:-1]))
        columns = [widgets.Label("hidden layers", layout=widgets.Layout(width="90px")), add, remove]
        for index, units in enumerate(layers):
            more = widgets.Button(description="+", layout=widgets.Layout(width="34px"))
            fewer = widgets.Button(description="-", layout=widgets.Layout(width="34px"))
            more.disabled = units >= network.MAX_NEURONS
            fewer.disabled = units <= 1
            more.on_click(lambda _, i=index: self._resize(i, +1))
            fewer.on_click(lambda _, i=index: self._resize(i, -1))
            label = widgets.Label(f"{units} neurons", layout=widgets.Layout(width="68px"))
            columns.append(widgets.HBox([fewer, label, more]))
        self.children = columns

    def _set(self, layers):
        self.value = tuple(layers)

    def _resize(self, index, delta):
        layers = list(self.value)
        layers[index] = min(max(layers[index] + delta, 1), network.MAX_NEURONS)
        self.value = tuple(layers)


class LayerActivations(widgets.HBox):
    """One activation dropdown per hidden layer; ``value`` is the tuple of their names."""

    value = traitlets.Tuple()

    def __init__(self, options, value):
        self._options = tuple(options)
        super().__init__()
        self.value = tuple(value)

    @traitlets.validate("value")
    def _check(self, proposal):
        unknown = [name for name in proposal["value"] if name not in self._options]
        if unknown:
            raise traitlets.TraitError(
                f"Unknown activation {unknown}. Valid activations: {', '.join(self._options)}."
            )
        return tuple(proposal["value"])

    @traitlets.observe("value")
    def _rebuild(self, change):
        names = change["new"]
        if len(names) == len(self.children) - 1:
            for dropdown, name in zip(self.children[1:], names, strict=True):
                dropdown.value = name
            return
        dropdowns = []
        for index, name in enumerate(names):
            dropdown = widgets.Dropdown(
                options=self._options, value=name, layout=widgets.Layout(width="110px")
            )
            dropdown.observe(lambda c, i=index: self._on_pick(i, c["new"]), names="value")
            dropdowns.append(dropdown)
        label = widgets.Label("per layer", layout=widgets.Layout(width="70px"))
        self.children = [label, *dropdowns]

    def _on_pick(self, index, name):
        names = list(self.value)
        if names[index] != name:
            names[index] = name
            self.value = tuple(names)


def _activation_options():
    from lmwidgets.core.activations import names

    available = names()
    return tuple(name for name in ACTIVATIONS_FIRST if name in available) + tuple(
        name for name in available if name not in ACTIVATIONS_FIRST
    )


def _set_checked(control, name, value):
    """Set a control from a constructor argument; ValueError naming the valid values."""
    try:
        control.value = tuple(value) if isinstance(value, list) else value
    except traitlets.TraitError as error:
        reason = str(error)
        if isinstance(control, widgets.Dropdown):
            valid = [
                option[1] if isinstance(option, tuple) else option for option in control.options
            ]
            reason = f"Valid values: {', '.join(map(str, valid))}."
        raise ValueError(f"{name}={value!r} is not possible. {reason}") from None


def _preset_options(values):
    return [(f"{value:g}", value) for value in values]


class Playground(Explorer):
    """The TensorFlow Playground on a real Keras model.

    ``Playground()`` starts as the Playground does (circle, x1 and x2, layers 4 and 2,
    tanh, learning rate 0.03); keyword arguments set any control first, e.g.
    ``Playground(dataset="spiral", layers=(8, 8), optimizer="adam")``.
    ``Playground(data=(X, y))`` trains on your own 2-D points: integer labels
    (up to 6 classes) make a classification problem, other values a regression.
    ``n_points`` is the size of a generated dataset (train and test together).
    """

    def __init__(self, data=None, n_points=500, **settings):
        self._lock = threading.RLock()
        self._thread = None
        self._syncing = False
        self._changed = None
        self._trainer = None
        self._trainers = {}  # network settings -> Trainer, so going back compiles nothing
        self._history = {"epoch": [], "train_loss": [], "test_loss": []}
        self.notice = ("", "info")
        self._diverged = False
        self.n_points = int(n_points)
        self._own = None if data is None else self._check_own_data(data)
        controls = self._make_controls()
        unknown = sorted(set(settings) - set(controls))
        if unknown:
            raise ValueError(
                f"Unknown setting(s) {', '.join(unknown)}. Valid: {', '.join(sorted(controls))}."
            )
        self._syncing = True
        try:
            for name, value in settings.items():
                _set_checked(controls[name], name, value)
                self._sync(controls, name)
        finally:
            self._syncing = False
        figure = self._make_figure()
        self._wire_buttons(controls)
        self.status = widgets.HTML(layout=widgets.Layout(width="440px", margin="0 8px"))
        self.confusion = widgets.HTML()
        super().__init__(
            controls, figure, control_rows=self._rows(controls), footer=[self.confusion]
        )
        self.image.format = "jpeg"

    # -- public ------------------------------------------------------------------

    @property
    def model(self):
        """The Keras model being trained (save it with ``playground.model.save(...)``)."""
        return self._trainer.model

    def step(self, n=1):
        """Train ``n`` epochs now (as the Step button does, n times), then redraw."""
        n = int(n)
        if n < 1:
            raise ValueError(f"n must be >= 1. Received: n={n}.")
        with self._lock:
            if self._trainer is None:
                raise ValueError(f"The playground could not start: {self.message.value}")
            self._train(n)
            self._show()
            self.draw()
        return self

    def reset(self):
        """Fresh weights (same seed, same start), epoch 0, as the Reset button does."""
        with self._lock:
            self._changed = "reset"
            self.refresh()
        return self

    def regenerate(self):
        """New data of the same kind (the seed goes up by one), as the Regenerate button does."""
        self.controls["seed"].value += 1
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
        super().close()

    # -- controls ------------------------------------------------------------------

    def _make_controls(self):
        own = self._own is not None
        dataset_options = ("own data",) if own else playground_data.DATASETS
        problem = self._own[2] if own else "classification"
        wide = {"style": {"description_width": "initial"}}
        return {
            "play": widgets.ToggleButton(
                value=False, description="play", icon="play", layout=widgets.Layout(width="80px")
            ),
            "stop_after_epochs": widgets.BoundedIntText(
                value=0,
                min=0,
                max=1_000_000,
                description="stop after epochs (0: never)",
                layout=widgets.Layout(width="260px"),
                **wide,
            ),
            "problem": widgets.Dropdown(
                options=network.PROBLEMS,
                value=problem,
                description="problem",
                disabled=own,
                layout=widgets.Layout(width="230px"),
            ),
            "dataset": widgets.Dropdown(
                options=dataset_options,
                value=dataset_options[0],
                description="dataset",
                disabled=own,
                layout=widgets.Layout(width="230px"),
            ),
            "classes": widgets.IntSlider(
                value=self._own[3] if own and problem == "classification" else 2,
                min=2,
                max=playground_data.MAX_CLASSES,
                description="classes",
                disabled=True,
            ),
            "noise": widgets.IntSlider(
                value=0, min=0, max=50, step=5, description="noise", disabled=own
            ),
            "train_ratio": widgets.IntSlider(
                value=50, min=10, max=90, step=10, description="train %", **wide
            ),
            "batch_size": widgets.IntSlider(
                value=10, min=1, max=30, description="batch size", **wide
            ),
            "seed": widgets.BoundedIntText(
                value=0,
                min=0,
                max=2**31 - 1,
                description="seed",
                layout=widgets.Layout(width="140px"),
            ),
            "features": ToggleSet(playground_data.FEATURES, ("x1", "x2"), description="features"),
            "layers": LayersControl((4, 2)),
            "learning_rate": widgets.Dropdown(
                options=_preset_options(network.LEARNING_RATES),
                value=0.03,
                description="learning rate",
                layout=widgets.Layout(width="200px"),
                **wide,
            ),
            "activation": widgets.Dropdown(
                options=_activation_options(),
                value="tanh",
                description="activation",
                layout=widgets.Layout(width="200px"),
                **wide,
            ),
            "layer_activations": LayerActivations(_activation_options(), ("tanh", "tanh")),
            "optimizer": widgets.Dropdown(
                options=tuple(network.OPTIMIZERS),
                value="sgd",
                description="optimizer",
                layout=widgets.Layout(width="190px"),
                **wide,
            ),
            "loss": widgets.Dropdown(
                options=network.LOSSES,
                value="cross_entropy" if problem != "regression" else "mse",
                description="loss",
                layout=widgets.Layout(width="190px"),
                **wide,
            ),
            "regularization": widgets.Dropdown(
                options=network.REGULARIZATIONS,
                value="none",
                description="regularization",
                layout=widgets.Layout(width="200px"),
                **wide,
            ),
            "regularization_rate": widgets.Dropdown(
                options=_preset_options(network.REGULARIZATION_RATES),
                value=0.0,
                description="rate",
                layout=widgets.Layout(width="130px"),
                **wide,
            ),
            "dropout": widgets.FloatSlider(
                value=0.0, min=0.0, max=0.5, step=0.05, description="dropout", **wide
            ),
        }

    def _wire_buttons(self, controls):
        self.buttons = {
            "step": widgets.Button(
                description="step", icon="step-forward", layout=widgets.Layout(width="80px")
            ),
            "reset": widgets.Button(
                description="reset", icon="undo", layout=widgets.Layout(width="90px")
            ),
            "regenerate": widgets.Button(
                description="regenerate",
                icon="refresh",
                disabled=self._own is not None,
                layout=widgets.Layout(width="130px"),
            ),
        }
        self.buttons["step"].on_click(lambda _: self._safely(self.step))
        self.buttons["reset"].on_click(lambda _: self._safely(self.reset))
        self.buttons["regenerate"].on_click(lambda _: self._safely(self.regenerate))

    def _safely(self, action):
        try:
            action()
        except Exception as error:  # noqa: BLE001 - a button must never raise
            self.show_message(str(error), kind="error")

    def _rows(self, c):
        b = self.buttons
        return [
            widgets.HBox([c["play"], b["step"], b["reset"], self.status, c["stop_after_epochs"]]),
            widgets.HBox([c["problem"], c["dataset"], c["classes"], b["regenerate"], c["seed"]]),
            widgets.HBox([c["noise"], c["train_ratio"], c["batch_size"]]),
            c["features"],
            c["layers"],
            widgets.HBox([c["learning_rate"], c["activation"], c["optimizer"], c["loss"]]),
            widgets.HBox([c["regularization"], c["regularization_rate"], c["dropout"]]),
            c["layer_activations"],
        ]

    def _on_change(self, change):
        name = next(key for key, control in self.controls.items() if control is change["owner"])
        if name == "play":
            self._set_playing(change["new"])
            return
        if self._syncing:  # a dependent control set by _sync: one refresh covers it
            return
        with self._lock:
            self._syncing = True
            try:
                self._sync(self.controls, name)
            finally:
                self._syncing = False
            self._changed = name
            self.refresh()

    def _sync(self, c, name):
        """Keep dependent controls consistent with the one that changed."""
        if name == "dataset" and c["dataset"].value in playground_data.DATASETS:
            c["problem"].value = playground_data.problem_of(c["dataset"].value)
        if name == "problem" and self._own is None:
            if playground_data.problem_of(c["dataset"].value) != c["problem"].value:
                c["dataset"].value = "circle" if c["problem"].value == "classification" else "plane"
        if c["problem"].value == "regression" and c["loss"].value == "cross_entropy":
            c["loss"].value = "mse"
        c["classes"].disabled = c["dataset"].value not in playground_data.MULTI_CLASS
        if (
            c["dataset"].value in playground_data.CLASSIFICATION
            and c["dataset"].value not in playground_data.MULTI_CLASS
        ):
            c["classes"].value = 2
        if name == "activation":
            c["layer_activations"].value = (c["activation"].value,) * len(c["layers"].value)
        layers, per_layer = c["layers"].value, c["layer_activations"].value
        if len(per_layer) != len(layers):
            fill = (c["activation"].value,) * len(layers)
            c["layer_activations"].value = (per_layer + fill)[: len(layers)]

    # -- computing ----------------------------------------------------------------

    @staticmethod
    def _check_own_data(own):
        try:
            x, y = own
        except (TypeError, ValueError):
            raise ValueError(
                "data must be a pair (X, y): X of shape (n, 2), y of shape (n,)."
            ) from None
        return playground_data.own_data(x, y)

    def update(self):
        changed, self._changed = self._changed, None
        # The learner has changed something: an old notice (e.g. divergence) no longer applies.
        self.notice, self._diverged = ("", "info"), False
        if changed is None or changed in _DATA_CONTROLS or changed in _NETWORK_CONTROLS:
            self._make_data()
        if changed is None or changed in _DATA_CONTROLS | _NETWORK_CONTROLS | {"reset"}:
            self._make_trainer()
        self._trainer.learning_rate = self.controls["learning_rate"].value
        self._trainer.batch_size = self.controls["batch_size"].value
        self._show()

    def _make_data(self):
        c = self.controls
        seed = c["seed"].value
        if self._own is not None:
            x, y, problem, n_classes, extent = self._own
        else:
            dataset = c["dataset"].value
            n_classes = c["classes"].value if dataset in playground_data.CLASSIFICATION else 1
            x, y = playground_data.make_dataset(
                dataset, self.n_points, noise=c["noise"].value, n_classes=n_classes, seed=seed
            )
            problem = playground_data.problem_of(dataset)
            half = playground_data.EXTENT
            extent = (-half, half, -half, half)
        features = c["features"].value
        x_train, y_train, x_test, y_test = playground_data.split(
            x, y, c["train_ratio"].value, seed=seed
        )
        xs, ys, grid_points = playground_data.grid(extent, GRID_RESOLUTION)
        self._data = {
            "problem": problem,
            "n_classes": n_classes,
            "extent": extent,
            "points": (x_train, y_train, x_test, y_test),
            "grid_x": xs,
            "grid_y": ys,
            "grid_features": playground_data.transform_features(grid_points, features),
            "features": features,
            "features_train": playground_data.transform_features(x_train, features),
            "features_test": playground_data.transform_features(x_test, features),
        }
        self._draw_points()

    def _make_trainer(self):
        c, d = self.controls, self._data
        key = (
            len(d["features"]),
            c["layers"].value,
            c["layer_activations"].value,
            d["problem"],
            d["n_classes"],
            c["regularization"].value,
            c["regularization_rate"].value,
            c["dropout"].value,
            c["optimizer"].value,
            c["loss"].value,
        )
        seed = c["seed"].value
        if key not in self._trainers:
            model = network.build_model(
                len(d["features"]),
                c["layers"].value,
                c["layer_activations"].value,
                d["problem"],
                d["n_classes"],
                c["regularization"].value,
                c["regularization_rate"].value,
                c["dropout"].value,
                seed=seed,
            )
            optimizer = network.make_optimizer(c["optimizer"].value, c["learning_rate"].value)
            self._trainers[key] = network.Trainer(
                model,
                optimizer,
                c["loss"].value,
                d["problem"],
                d["n_classes"],
                c["batch_size"].value,
                seed,
            )
            if len(self._trainers) > KEPT_NETWORKS:
                del self._trainers[next(iter(self._trainers))]
        self._trainer = self._trainers.pop(key)
        self._trainers[key] = self._trainer  # now the most recently used
        self._trainer.set_data(
            d["features_train"], d["points"][1], d["features_test"], d["points"][3]
        )
        self._trainer.reset(seed)
        self._history = {"epoch": [], "train_loss": [], "test_loss": []}
        self.notice = ("", "info")
        self._diverged = False
        self._evaluation = self._evaluate()

    def _evaluate(self, grid=True):
        """What the trainer shows now, added to the loss history; the grid only when drawn."""
        report = self._trainer.evaluate(self._data["grid_features"] if grid else None)
        history = self._history
        if not history["epoch"] or history["epoch"][-1] != self._trainer.epoch:
            history["epoch"].append(self._trainer.epoch)
            history["train_loss"].append(report["train_loss"])
            history["test_loss"].append(report["test_loss"])
        return report

    def _train(self, n):
        """Train up to n epochs; stop (and say why) on divergence. Returns epochs done."""
        for done in range(n):
            try:
                self._trainer.train_epoch()
            except network.TrainingDiverged as error:
                self._diverged = True
                rate = self.controls["learning_rate"].value
                self.notice = (
                    f"Training stopped: {error}. Lower the learning rate (now {rate:g}) "
                    "or the regularization rate, or pick another optimizer; the weights "
                    "from before that epoch are kept, so play or step continues from them.",
                    "error",
                )
                self._evaluation = self._evaluate()
                self._pause_from_inside()
                return done
            # Only the last epoch is drawn: the others need only their losses for the curve.
            if done < n - 1:
                self._evaluate(grid=False)
        self._evaluation = self._evaluate()
        return n

    # -- playing -----------------------------------------------------------------

    def _set_playing(self, playing):
        control = self.controls["play"]
        control.description = "pause" if playing else "play"
        control.icon = "pause" if playing else "play"
        if playing and not (self._thread is not None and self._thread.is_alive()):
            self._thread = threading.Thread(target=self._play_loop, daemon=True)
            self._thread.start()
        # The loop reads the flag under the lock: once we hold it, no epoch is under way,
        # and after a pause none starts.
        with self._lock:
            self._show()
            self.draw()

    def _pause_from_inside(self):
        """Pause because of what training found (divergence, the epoch limit)."""
        self.controls["play"].value = False

    def _play_loop(self):
        while self.controls["play"].value:
            with self._lock:
                if not self.controls["play"].value:
                    break
                limit = self.controls["stop_after_epochs"].value
                if limit and self._trainer.epoch >= limit:
                    self.notice = (f"Stopped after {limit} epochs (stop after epochs).", "info")
                    self._pause_from_inside()
                    break
                try:
                    self._train(1)
                except Exception as error:  # noqa: BLE001 - shown, never raised
                    self.notice = (str(error), "error")
                    self._pause_from_inside()
                    break
                self._show()
                self.draw()
            time.sleep(0.001)  # let a control change take the lock between epochs

    # -- drawing -----------------------------------------------------------------

    def _make_figure(self):
        figure = new_figure(FIGURE_PIXELS[0] / 80, FIGURE_PIXELS[1] / 80, dpi=80)
        # Heatmaps are figure images placed pixel for pixel: no resampling per frame.
        x0, y0 = MOSAIC_ORIGIN
        self._mosaic = figure.figimage(np.ones((2, 2, 3)), xo=x0, yo=y0, origin="upper")
        top = (y0 + MOSAIC_SIZE[1] + 3) / FIGURE_PIXELS[1]
        self._column_titles = [
            figure.text(
                (x0 + _column_left(i) + CELL / 2) / FIGURE_PIXELS[0],
                top,
                "",
                fontsize=8,
                ha="center",
                va="bottom",
            )
            for i in range(network.MAX_LAYERS + 1)
        ]
        self._n_columns = None
        x0, y0, size = BOUNDARY_BOX
        self._boundary_axes = figure.add_axes(
            (
                x0 / FIGURE_PIXELS[0],
                y0 / FIGURE_PIXELS[1],
                size / FIGURE_PIXELS[0],
                size / FIGURE_PIXELS[1],
            )
        )
        self._boundary_axes.set_xticks([])
        self._boundary_axes.set_yticks([])
        # Under the axes, whose background is see-through, so the points lie on the heatmap.
        self._boundary_axes.patch.set_visible(False)
        self._boundary_image = figure.figimage(
            np.ones((2, 2, 3)), xo=x0, yo=y0, origin="upper", zorder=-1
        )
        self._point_artists = []
        self._loss_axes = figure.add_axes((0.8, 0.56, 0.19, 0.36))
        self._loss_axes.set_xticks([])
        self._loss_axes.set_yticks([])
        self._loss_axes.set_title("loss: train (grey), test (black)", fontsize=7)
        (self._train_curve,) = self._loss_axes.plot([], [], color="0.6", lw=1.2)
        (self._test_curve,) = self._loss_axes.plot([], [], color="black", lw=1.2)
        self._confusion_axes = figure.add_axes((0.8, 0.07, 0.19, 0.36))
        self._confusion_axes.set_xticks([])
        self._confusion_axes.set_yticks([])
        self._confusion_image = self._confusion_axes.imshow(
            np.zeros((2, 2)), cmap="Greys", vmin=0, vmax=1, aspect="auto"
        )
        self._background = None
        return figure

    def _draw_points(self):
        """Put the train and test points on the boundary plot (once per dataset)."""
        for artist in self._point_artists:
            artist.remove()
        axes, d = self._boundary_axes, self._data
        x_train, y_train, x_test, y_test = d["points"]
        artists = []
        if d["problem"] == "classification":
            for label in range(d["n_classes"]):
                color = CLASS_COLORS[label]
                for x, y, edge in ((x_train, y_train, "white"), (x_test, y_test, "black")):
                    points = x[y == label]
                    artists += axes.plot(
                        points[:, 0], points[:, 1], "o", ms=3.6, mfc=color, mec=edge, mew=0.6
                    )
        else:
            for x, y, edge in ((x_train, y_train, "white"), (x_test, y_test, "black")):
                artists.append(
                    axes.scatter(
                        x[:, 0],
                        x[:, 1],
                        c=y,
                        s=13,
                        cmap=_COLORMAP,
                        vmin=-1,
                        vmax=1,
                        edgecolors=edge,
                        linewidths=0.6,
                    )
                )
        self._point_artists = artists
        self._background = None
        x_min, x_max, y_min, y_max = d["extent"]
        axes.set_xlim(x_min, x_max)
        axes.set_ylim(y_min, y_max)
        matrix_size = d["n_classes"] if d["problem"] == "classification" else 0
        self._confusion_axes.set_visible(matrix_size > 0)
        if matrix_size:
            self._confusion_image.set_data(np.zeros((matrix_size, matrix_size)))
            self._confusion_image.set_extent((-0.5, matrix_size - 0.5, matrix_size - 0.5, -0.5))
            self._confusion_axes.set_title("confusion (test): true vs predicted", fontsize=7)

    def _show(self):
        """Put the current state in the figure, the status line, the message and ``result``."""
        d, report, trainer = self._data, self._evaluation, self._trainer
        size = GRID_RESOLUTION
        outputs = [out.reshape(size, size, -1) for out in report["grid_outputs"]]
        output = outputs[-1]
        if d["problem"] == "regression":
            boundary = output[..., 0]
            colors = _COLORMAP(np.clip((boundary + 1) / 2, 0, 1))[..., :3]
        elif output.shape[-1] == 1:
            boundary = output[..., 0]
            colors = _COLORMAP(boundary)[..., :3]
        else:
            boundary = np.argmax(output, axis=-1)
            colors = _class_colors(output)
        self._boundary_image.set_data(_resize(_to_bytes(colors[::-1]), BOUNDARY_BOX[2]))
        feature_maps = d["grid_features"].reshape(size, size, -1)
        self._mosaic.set_data(self._network_mosaic([feature_maps, *outputs[:-1]]))
        self._draw_curves()
        self._draw_confusion(report.get("confusion_matrix"))

        epoch = trainer.epoch
        parts = [
            f"epoch <b>{epoch}</b>",
            f"train loss {report['train_loss']:.4f}",
            f"test loss {report['test_loss']:.4f}",
        ]
        if "test_accuracy" in report:
            parts.append(f"test accuracy {report['test_accuracy']:.1%}")
        self.status.value = " &nbsp; ".join(parts)
        text, kind = self.notice
        self.show_message(text, kind)
        self.result = {
            "epoch": epoch,
            "train_loss": report["train_loss"],
            "test_loss": report["test_loss"],
            **{k: report[k] for k in ("train_accuracy", "test_accuracy") if k in report},
            **(
                {"confusion_matrix": report["confusion_matrix"].copy()}
                if "confusion_matrix" in report
                else {}
            ),
            "problem": d["problem"],
            "n_classes": d["n_classes"],
            "features": d["features"],
            "layers": self.controls["layers"].value,
            "activations": self.controls["layer_activations"].value,
            "n_parameters": int(trainer.model.count_params()),
            "boundary": boundary,
            "output_grid": output.copy(),
            "neurons": [out.copy() for out in outputs[:-1]],
            "grid_x": d["grid_x"].copy(),
            "grid_y": d["grid_y"].copy(),
            "history": {key: list(values) for key, values in self._history.items()},
            "playing": bool(self.controls["play"].value),
            "diverged": self._diverged,
            "message": text,
        }

    def _network_mosaic(self, columns):
        """Every feature's and neuron's heatmap, a column per layer, as one RGB image."""
        image = np.full((MOSAIC_SIZE[1], MOSAIC_SIZE[0], 3), 255, dtype=np.uint8)
        for col, maps in enumerate(columns):
            scale = np.max(np.abs(maps), axis=(0, 1))
            scale[scale == 0] = 1
            cells = _COLORMAP((_resize(maps[::-1], CELL) / scale + 1) / 2, bytes=True)[..., :3]
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
            self._background = None
        return image

    def _draw_curves(self):
        history = self._history
        epochs = np.asarray(history["epoch"], dtype=float)
        train = np.asarray(history["train_loss"], dtype=float)
        test = np.asarray(history["test_loss"], dtype=float)
        self._train_curve.set_data(epochs, train)
        self._test_curve.set_data(epochs, test)
        finite = np.concatenate([train[np.isfinite(train)], test[np.isfinite(test)]])
        top = float(finite.max()) if finite.size else 1.0
        self._loss_axes.set_xlim(0, max(epochs[-1] if epochs.size else 1, 1))
        self._loss_axes.set_ylim(0, top * 1.05 if top > 0 else 1)

    def _draw_confusion(self, matrix):
        if matrix is None:
            self.confusion.value = ""
            return
        totals = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        self._confusion_image.set_data(matrix / totals)
        rows = "".join(
            "<tr>" + "".join(f"<td style='padding:0 6px'>{count}</td>" for count in row) + "</tr>"
            for row in matrix
        )
        self.confusion.value = (
            "<b>confusion (test)</b><br>rows: true class, columns: predicted"
            f"<table style='text-align:right'>{rows}</table>"
        )

    def draw(self):
        """Render the figure into the widget's image, fast enough to animate training.

        What changes each epoch (heatmaps, points over them, curves) is drawn over a
        cached background of what does not (axes, titles): Matplotlib's blitting.
        JPEG, because encoding a PNG of this figure costs more than drawing it.
        """
        canvas = self.figure.canvas
        heatmaps = (self._boundary_image, self._mosaic)
        dynamic = [*heatmaps, *self._dynamic_artists()]
        for artist in dynamic:
            artist.set_animated(True)
        try:
            if self._background is None:
                canvas.draw()
                self._background = canvas.copy_from_bbox(self.figure.bbox)
            else:
                canvas.restore_region(self._background)
            # The heatmaps are already pixels of the right size: copied, not drawn.
            pixels = np.asarray(canvas.buffer_rgba())
            for image in heatmaps:
                rgb = image.get_array()
                top = FIGURE_PIXELS[1] - image.oy - rgb.shape[0]
                pixels[top : top + rgb.shape[0], image.ox : image.ox + rgb.shape[1], :3] = rgb
            for artist in dynamic[len(heatmaps) :]:
                if artist.get_visible() and artist.axes.get_visible():
                    self.figure.draw_artist(artist)
        finally:
            # Left animated, they would be missing from figure.savefig().
            for artist in dynamic:
                artist.set_animated(False)
        self.image.value = encode_frame(canvas, format="jpeg")

    def _dynamic_artists(self):
        return [
            *self._point_artists,
            self._train_curve,
            self._test_curve,
            self._confusion_image,
        ]


def _column_left(column):
    return GAP + column * (CELL + 3 * GAP)


def _resize(maps, size):
    """(n, n, ...) maps resampled to (size, size, ...) by nearest grid point (cheap)."""
    index = np.arange(size) * maps.shape[0] // size
    return maps[index][:, index]


def _to_bytes(rgb):
    # uint8 pixels spare Matplotlib a conversion per image per frame.
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def _class_colors(probabilities):
    """Each grid point's colour: the classes' colours mixed by probability, paler when unsure."""
    k = probabilities.shape[-1]
    palette = np.array([to_rgb(color) for color in CLASS_COLORS[:k]])
    mixed = probabilities @ palette
    certainty = (probabilities.max(axis=-1, keepdims=True) - 1 / k) / (1 - 1 / k)
    return _LIGHT + (mixed - _LIGHT) * np.clip(certainty, 0, 1)
