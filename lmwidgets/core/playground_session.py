"""One Playground run as plain state: its data, its networks, its history, its advice.

``PlaygroundSession`` is what the Playground widget shows, without a widget: it makes
the data (generated, or yours), splits it and computes the chosen input features;
keeps the last few compiled networks (``KEPT_NETWORKS``) so that going back to one
compiles nothing; trains epoch by epoch, recording the loss history; evaluates every
neuron on the grid the heatmaps are drawn on; and, when training blows up, keeps the
last finite weights and says what to change. ``snapshot()`` is the widget's ``result``.

    session = PlaygroundSession()
    session.make_data(dataset="spiral", seed=0)
    session.make_network(layers=(8, 8), optimizer="adam", learning_rate=0.01)
    session.step(100)
    session.snapshot()["test_accuracy"]
"""

from collections import OrderedDict

from lmwidgets.core import playground_data, playground_diagram, schedules
from lmwidgets.core import playground_model as network
from lmwidgets.core.choices import check_choice
from lmwidgets.core.params import check_array, check_number, refusal

import numpy as np

# How the Playground starts: the TensorFlow Playground's own defaults.
DEFAULTS = {
    "dataset": "circle",
    "n_points": 500,
    "noise": 0,
    "classes": 2,
    "train_ratio": 50,
    "seed": 0,
    "features": ("x1", "x2"),
    "layers": (4, 2),
    "activation": "tanh",
    "optimizer": "sgd",
    "learning_rate": 0.03,
    "batch_size": 10,
    "regularization": "none",
    "regularization_rate": 0.0,
    "dropout": 0.0,
}
N_POINTS = (50, 2000)  # the sizes a generated dataset may have
# Per problem: the dataset to switch to, the loss to start with, the losses that fit.
DEFAULT_DATASET = {"classification": "circle", "regression": "plane"}
DEFAULT_LOSS = {"classification": "cross_entropy", "regression": "mse"}
LOSSES_FOR = {
    "classification": network.LOSSES,
    "regression": ("mse", "mae", "half_squared_error"),
}
GRID_RESOLUTION = 70  # grid points a side of every heatmap
KEPT_NETWORKS = 8  # compiled networks kept for when the learner comes back to one
# Loss-curve points kept: beyond this, older epochs are thinned (every second one).
HISTORY_POINTS = 1000
OWN_DATA = "own data"  # the dataset's name when the points are the learner's
# The learning rate per epoch: constant, or a Keras schedule (core.schedules) counted in epochs
# (piecewise_constant_decay, with its own list of boundaries, is left to ScheduleExplorer).
SCHEDULES = ("constant", *(n for n in schedules.names() if n != "piecewise_constant_decay"))
DECAY_EPOCHS = 100
_RATES_AT_ONCE = 1000  # epochs whose rates are computed in one call of the Keras schedule


def epoch_learning_rates(schedule, learning_rate, decay_epochs, epochs):
    """The learning rate of each epoch ``0 .. epochs - 1``: ``learning_rate`` throughout, or the
    Keras schedule ``schedule`` starting there, its decay counted in epochs (``decay_epochs``).

    ``epoch_learning_rates("cosine_decay", 0.03, 100, 3)`` is
    ``keras.optimizers.schedules.CosineDecay(0.03, 100)`` at 0, 1 and 2.
    """
    check_choice("schedule", schedule, SCHEDULES)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    decay_epochs = check_number("decay_epochs", decay_epochs, low=1, integer=True)
    epochs = check_number("epochs", epochs, low=1, integer=True)
    if schedule == "constant":
        return np.full(epochs, float(learning_rate))
    steps = "first_decay_steps" if schedule == "cosine_decay_restarts" else "decay_steps"
    params = {"initial_learning_rate": learning_rate, steps: decay_epochs}
    return schedules.learning_rates(schedule, epochs, **params)


def check_own_data(data):
    """A learner's ``(X, y)`` as ``(X, y, problem, n_classes, extent)`` (``own_data``)."""
    allowed = "a pair (X, y): X of shape (n, 2), y of shape (n,)"
    if isinstance(data, str):
        raise refusal("data", allowed, data)
    try:
        x, y = data
    except (TypeError, ValueError):
        raise refusal("data", allowed, data) from None
    return playground_data.own_data(x, y)


def row_fractions(matrix):
    """A confusion matrix with each row divided by its total (0 for an empty row)."""
    check_array("matrix", matrix, ndim=2, min_size=0, low=0, allowed="a 2-D array of counts >= 0")
    matrix = np.asarray(matrix)
    return matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)


class PlaygroundSession:
    """The data, the network and the history of one Playground run.

    ``data=(X, y)`` trains on your own 2-D points instead of a generated dataset.
    Call ``make_data`` (new data), then ``make_network`` (a network for it, from the
    cache when it was built before, with fresh weights); then ``step(n)``, ``reset()``
    and ``tune(...)`` as often as you like. ``diverged`` and ``advice`` say why the
    last ``step`` stopped early, if it did.
    """

    def __init__(self, data=None, resolution=GRID_RESOLUTION, kept=KEPT_NETWORKS):
        self.own = None if data is None else check_own_data(data)
        self.resolution = check_number("resolution", resolution, low=2, integer=True)
        self.kept = check_number("kept", kept, low=1, integer=True)
        self.data = None
        self.trainer = None
        self.network = None
        self.evaluation = None
        self.seed = DEFAULTS["seed"]
        self.schedule = ("constant", DECAY_EPOCHS)  # (schedule, decay_epochs): see tune
        self._base_rate = DEFAULTS["learning_rate"]
        self._rates = None
        self._trainers = OrderedDict()  # network settings -> Trainer, most recent last
        self.history = _empty_history()
        self.diverged = None  # {"epoch", "loss"} when the last step blew up
        self.advice = ""

    # -- what it trains on -------------------------------------------------------

    def make_data(
        self,
        dataset=DEFAULTS["dataset"],
        n_points=None,
        noise=DEFAULTS["noise"],
        classes=DEFAULTS["classes"],
        train_ratio=DEFAULTS["train_ratio"],
        seed=DEFAULTS["seed"],
        features=DEFAULTS["features"],
    ):
        """New points (or yours, split anew), their features and the grid's.

        ``n_points``: the TensorFlow Playground's number when None (500 to classify, 1,200
        for regression). With data of your own, ``dataset``, ``n_points``, ``noise`` and
        ``classes`` are not used. The network keeps training on the old data until
        ``make_network`` or ``keep_network``.
        """
        if self.own is not None:
            x, y, problem, n_classes, extent = self.own
            drawn_from = (train_ratio, seed)
        else:
            check_choice("dataset", dataset, playground_data.DATASETS)
            low, high = N_POINTS
            if n_points is None:
                n_points = playground_data.DEFAULT_POINTS[playground_data.problem_of(dataset)]
            try:
                n_points = check_number("n_points", n_points, low, high, integer=True)
            except ValueError:
                raise refusal("n_points", f"from {low} to {high}", n_points) from None
            problem = playground_data.problem_of(dataset)
            multi = playground_data.MULTI_CLASS
            if dataset in multi:
                check_number("classes", classes, 2, playground_data.MAX_CLASSES, integer=True)
            elif problem == "classification" and classes != 2:
                raise refusal("classes", f"2 for {dataset!r} (more: {', '.join(multi)})", classes)
            n_classes = classes if problem == "classification" else 1
            drawn_from = (dataset, n_points, noise, n_classes, train_ratio, seed)
            half = playground_data.EXTENT
            extent = (-half, half, -half, half)
        features = tuple(features)
        if self.data is not None and self.data["drawn_from"] == drawn_from:
            # Only the features are new: the same points (and the picture of them) serve.
            points, grid_points = self.data["points"], self.data["grid_points"]
            xs, ys = self.data["grid_x"], self.data["grid_y"]
        else:
            if self.own is None:
                x, y = playground_data.make_dataset(dataset, n_points, noise, n_classes, seed)
            points = playground_data.split(x, y, train_ratio, seed=seed)
            xs, ys, grid_points = playground_data.grid(extent, self.resolution)
        x_train, _, x_test, _ = points
        self.data = {
            "problem": problem,
            "n_classes": n_classes,
            "extent": extent,
            "drawn_from": drawn_from,
            "points": points,
            "grid_x": xs,
            "grid_y": ys,
            "grid_points": grid_points,
            "grid_features": playground_data.transform_features(grid_points, features),
            "features": features,
            "features_train": playground_data.transform_features(x_train, features),
            "features_test": playground_data.transform_features(x_test, features),
        }
        self.seed = seed
        return self.data

    # -- the network -------------------------------------------------------------

    def make_network(
        self,
        layers=DEFAULTS["layers"],
        activations=DEFAULTS["activation"],
        optimizer=DEFAULTS["optimizer"],
        loss=None,
        regularization=DEFAULTS["regularization"],
        regularization_rate=DEFAULTS["regularization_rate"],
        dropout=DEFAULTS["dropout"],
        learning_rate=DEFAULTS["learning_rate"],
        batch_size=DEFAULTS["batch_size"],
        keep_training=False,
        preset="keras",
    ):
        """The network for the current data with fresh weights (the data's seed), epoch 0.

        A network built before with the same settings comes from the cache, so nothing
        is compiled again. ``loss``: the problem's default loss when None.
        ``keep_training=True``, for a new weight penalty only (``regularization``,
        ``regularization_rate``): the new network goes on from the current one's weights,
        optimizer state, epoch and loss history, as a learner changing the rate while it
        trains expects (the TensorFlow Playground starts again).
        ``preset="tensorflow_playground"``: the TensorFlow Playground's network and rules
        (``playground_model.PRESETS``).
        """
        previous, before = self.trainer, self.network
        d = self.data
        if d is None:
            raise ValueError("No data yet: call make_data first.")
        check_choice("optimizer", optimizer, network.OPTIMIZERS)
        check_choice("regularization", regularization, network.REGULARIZATIONS)
        check_number("regularization_rate", regularization_rate, low=0)
        check_number("dropout", dropout, 0, 1, high_open=True)
        check_number("learning_rate", learning_rate, low=0, low_open=True)
        check_number("batch_size", batch_size, low=1, integer=True)
        layers = network.check_layers(layers)
        if isinstance(activations, str):
            activations = (activations,) * len(layers)
        activations = tuple(activations)
        loss = DEFAULT_LOSS[d["problem"]] if loss is None else loss
        check_choice(f"{d['problem']} loss", loss, LOSSES_FOR[d["problem"]])
        shape = (len(d["features"]), layers, activations, d["problem"], d["n_classes"])
        key = (*shape, regularization, regularization_rate, dropout, optimizer, loss, preset)
        trainer = self._trainers.pop(key, None)
        if trainer is None:
            model = network.build_model(
                *shape, regularization, regularization_rate, dropout, seed=self.seed, preset=preset
            )
            trainer = network.Trainer(
                model,
                network.make_optimizer(optimizer, learning_rate),
                loss,
                d["problem"],
                d["n_classes"],
                batch_size,
                self.seed,
                preset,
            )
            while len(self._trainers) >= self.kept:
                self._trainers.popitem(last=False)
        self._trainers[key] = trainer  # now the most recently used
        self.trainer = trainer
        self.network = {
            "layers": layers,
            "activations": activations,
            "optimizer": optimizer,
            "loss": loss,
            "regularization": regularization,
            "regularization_rate": regularization_rate,
            "dropout": dropout,
            "preset": preset,
        }
        trainer.set_data(d["features_train"], d["points"][1], d["features_test"], d["points"][3])
        penalty = ("regularization", "regularization_rate")
        if keep_training and previous is not None:
            same = {k: v for k, v in self.network.items() if k not in penalty}
            if same != {k: v for k, v in before.items() if k not in penalty}:
                raise ValueError(
                    "keep_training=True goes on only with a new weight penalty "
                    f"({', '.join(penalty)}); the network was {before}, received {self.network}."
                )
            if trainer is not previous:
                trainer.take_over(previous)
            self.forget_divergence()
            self.evaluation = self._evaluate()
            return trainer
        self.tune(learning_rate, batch_size)
        self.reset()
        return trainer

    def keep_network(self):
        """Go on training the same network, weights and epoch on the data ``make_data`` just
        made, as the TensorFlow Playground's "regenerate" does; the loss history goes on,
        now measured on the new data. The new data must have the same features, problem and
        classes as the network's (else build one with ``make_network``)."""
        trainer, d = self._ready(), self.data
        shape = (len(d["features"]), d["problem"], d["n_classes"])
        network_shape = (trainer.model.input_shape[-1], trainer.problem, trainer.n_classes)
        if shape != network_shape:
            raise ValueError(
                "keep_network needs data with the network's (features, problem, classes) "
                f"{network_shape}; received {shape}: call make_network instead."
            )
        trainer.set_data(d["features_train"], d["points"][1], d["features_test"], d["points"][3])
        self.forget_divergence()
        self.evaluation = self._evaluate()
        return trainer

    @property
    def model(self):
        """The Keras model being trained."""
        return None if self.trainer is None else self.trainer.model

    @property
    def epoch(self):
        return 0 if self.trainer is None else self.trainer.epoch

    def tune(self, learning_rate=None, batch_size=None, schedule=None, decay_epochs=None):
        """Change what a step uses without starting again (None: keep it). With a
        ``schedule`` other than "constant", each epoch's learning rate is the schedule's
        at that epoch, starting from ``learning_rate`` (``epoch_learning_rates``)."""
        if learning_rate is not None:
            self._ready().learning_rate = learning_rate
            self._base_rate = learning_rate
        if batch_size is not None:
            self._ready().batch_size = batch_size
        if schedule is not None or decay_epochs is not None:
            schedule = self.schedule[0] if schedule is None else schedule
            decay_epochs = self.schedule[1] if decay_epochs is None else decay_epochs
            epoch_learning_rates(schedule, self._base_rate, decay_epochs, 1)  # checked here
            self.schedule = (schedule, decay_epochs)
            if schedule == "constant":
                self._ready().learning_rate = self._base_rate
        self._rates = None

    def _scheduled_rate(self):
        """The learning rate of the next epoch under the schedule."""
        epoch = self._ready().epoch
        if self._rates is None or epoch >= len(self._rates):
            count = min(_RATES_AT_ONCE * (epoch // _RATES_AT_ONCE + 1), 100 * schedules.MAX_STEPS)
            schedule, decay_epochs = self.schedule
            self._rates = epoch_learning_rates(schedule, self._base_rate, decay_epochs, count)
        return float(self._rates[min(epoch, len(self._rates) - 1)])

    def reset(self):
        """Fresh weights (the same as a new build with the data's seed), epoch 0."""
        self._ready().reset(self.seed)
        self.history = _empty_history()
        self.forget_divergence()
        self.evaluation = self._evaluate()

    def dense_weights(self):
        """Each Dense layer's ``(kernel, bias)`` as NumPy copies, hidden layers then the
        output: ``kernel[i, j]`` is the weight from the column before's neuron i to neuron j."""
        import keras

        layers = [layer for layer in self._ready().model.layers
                  if isinstance(layer, keras.layers.Dense)]  # fmt: skip
        return [
            (keras.ops.convert_to_numpy(layer.kernel), keras.ops.convert_to_numpy(layer.bias))
            for layer in layers
        ]

    def diagram_shape(self):
        """``(features, layers, n_outputs)``: what ``playground_diagram`` names the parts of."""
        trainer = self._ready()
        return self.data["features"], self.network["layers"], trainer.model.outputs[0].shape[-1]

    def set_weight(self, link, value):
        """Set one weight or bias of the network, named as the diagram names it
        (``"x1 -> h1.1"``, ``"bias -> output"``; ``playground_diagram.link_names``); training
        goes on from it, as in the TensorFlow Playground where a weight is edited by hand."""
        import keras

        value = check_number("value", value)
        layer, source, target = playground_diagram.link_index(*self.diagram_shape(), link)
        dense = [layer for layer in self.trainer.model.layers
                 if isinstance(layer, keras.layers.Dense)][layer]  # fmt: skip
        variable = dense.bias if source is None else dense.kernel
        values = keras.ops.convert_to_numpy(variable).copy()
        values[(target,) if source is None else (source, target)] = value
        variable.assign(values)
        self.forget_divergence()
        self.evaluation = self._evaluate()
        return value

    def forget_divergence(self):
        """The learner changed something: the advice about the last blow-up no longer applies."""
        self.diverged, self.advice = None, ""

    # -- training ------------------------------------------------------------------

    def step(self, n=1):
        """Train up to ``n`` epochs, then evaluate the grid once; the epochs trained.

        When an epoch blows up (a NaN or infinite loss or weight), training stops
        there with the weights from before it, and ``diverged`` / ``advice`` say so.
        """
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n must be a whole number >= 1. Received: n={n!r}.")
        trainer = self._ready()
        self.forget_divergence()
        for done in range(n):
            if self.schedule[0] != "constant":
                trainer.learning_rate = self._scheduled_rate()
            try:
                trainer.train_epoch()
            except network.TrainingDiverged as error:
                self.diverged = {"epoch": error.epoch, "loss": error.loss}
                self.advice = self._advice()
                self.evaluation = self._evaluate()
                return done
            if done < n - 1:  # only the last epoch is drawn: the others need only losses
                self._evaluate(grid=False)
        self.evaluation = self._evaluate()
        return n

    def _ready(self):
        if self.trainer is None:
            raise ValueError("No network yet: call make_data, then make_network.")
        return self.trainer

    def _evaluate(self, grid=True):
        """What the trainer shows now, added to the loss history; the grid only when drawn."""
        trainer = self.trainer
        report = trainer.evaluate(self.data["grid_features"] if grid else None)
        history = self.history
        if history["epoch"] and history["epoch"][-1] == trainer.epoch:  # e.g. a weight set
            history["train_loss"][-1] = report["train_loss"]
            history["test_loss"][-1] = report["test_loss"]
            return report
        history["epoch"].append(trainer.epoch)
        history["train_loss"].append(report["train_loss"])
        history["test_loss"].append(report["test_loss"])
        if len(history["epoch"]) > HISTORY_POINTS:
            _thin(history)
        return report

    def _advice(self):
        from lmwidgets.core.training import divergence_advice

        rates = {"learning_rate": self.trainer.learning_rate}
        if self.network["regularization"] != "none" and self.network["regularization_rate"]:
            rates["regularization_rate"] = self.network["regularization_rate"]
        return f"{divergence_advice(self.diverged, **rates)} Step or play continues from them."

    # -- what it shows -------------------------------------------------------------

    def snapshot(self):
        """The numbers the Playground shows now, as plain data (copies)."""
        d, report, trainer = self.data, self.evaluation, self._ready()
        size = self.resolution
        outputs = [out.reshape(size, size, -1) for out in report["grid_outputs"]]
        output = outputs[-1]
        if d["problem"] == "regression" or output.shape[-1] == 1:
            # The value, or P(class 1), or (the TensorFlow Playground's tanh) -1 .. 1.
            boundary = output[..., 0].copy()
        else:
            boundary = np.argmax(output, axis=-1)  # the likeliest class
        result = {
            "epoch": trainer.epoch,
            "train_loss": report["train_loss"],
            "test_loss": report["test_loss"],
        }
        if "confusion_matrix" in report:
            matrix = report["confusion_matrix"].copy()
            result.update(
                train_accuracy=report["train_accuracy"],
                test_accuracy=report["test_accuracy"],
                confusion_matrix=matrix,
                confusion_fractions=row_fractions(matrix),
            )
        return {
            **result,
            "problem": d["problem"],
            "n_classes": d["n_classes"],
            "features": d["features"],
            "layers": self.network["layers"],
            "activations": self.network["activations"],
            "preset": self.network["preset"],
            "learning_rate_now": (
                self._scheduled_rate() if self.schedule[0] != "constant" else trainer.learning_rate
            ),
            "n_parameters": int(trainer.model.count_params()),
            "weights": self.dense_weights(),
            "boundary": boundary,
            "output_grid": output.copy(),
            "neurons": [out.copy() for out in outputs[:-1]],
            "feature_maps": d["grid_features"].reshape(size, size, -1).copy(),
            "grid_x": d["grid_x"].copy(),
            "grid_y": d["grid_y"].copy(),
            "extent": d["extent"],
            "points": d["points"],
            "history": {key: list(values) for key, values in self.history.items()},
            "diverged": self.diverged is not None,
        }


def _empty_history():
    return {"epoch": [], "train_loss": [], "test_loss": []}


def _thin(history):
    """Every second point of the history, keeping the first and the last: a run of any
    length keeps at most ``HISTORY_POINTS`` points (older epochs more sparsely), so a
    long play neither grows nor slows."""
    for key, values in history.items():
        history[key] = values[:-1:2] + values[-1:]
