"""The Playground's network as a real Keras model: build it, train it epoch by epoch, look inside.

``build_model`` makes a small functional Keras model (Dense hidden layers, optional
dropout, L1/L2 weight penalties). ``Trainer`` trains it one epoch at a time on
minibatches, reports losses, accuracy and a confusion matrix, and evaluates every
neuron over a grid of input points in one batched forward pass (the heatmaps).

An epoch is one call of ``backend.train_epoch_function``: jitted steps on JAX, one
``tf.function`` on TensorFlow, a plain autograd loop on PyTorch. Keras' ``fit`` and
``train_on_batch`` cost milliseconds of Python per call, too slow to redraw 15 times a
second; the numbers are the same (tested against ``train_on_batch``).
"""

import functools

from lmwidgets import backend
from lmwidgets.core import activations as activation_registry
from lmwidgets.core import optimizers
from lmwidgets.core.choices import check_choice
from lmwidgets.core.metrics import confusion_matrix  # the one in core.metrics, re-exported
from lmwidgets.core.params import check_array, check_number, refusal

import numpy as np

MAX_LAYERS = 6
MAX_NEURONS = 8
PROBLEMS = ("classification", "regression")
LOSSES = ("cross_entropy", "mse", "mae", "half_squared_error")
# How a network starts, what its output is and how it learns: Keras' usual choices, or the
# TensorFlow Playground's own (nn.ts): weights uniform in [-0.5, 0.5] and biases 0.1, a tanh
# output with targets -1 and 1, the loss 1/2 (o - t)^2, and L2 adding rate * w to a
# weight's gradient (Keras' l2(rate) adds 2 rate w: its preset uses l2(rate / 2)).
PRESETS = ("keras", "tensorflow_playground")
REGULARIZATIONS = ("none", "l1", "l2")
# The Playground's optimizers, in its order: a curated subset of ``core.optimizers.names()``
# (momentum and nesterov are that registry's SGD presets).
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw")
# The Playground's activations first, then every other one of ``core.activations.names()``.
FAMILIAR_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


class TrainingDiverged(FloatingPointError):
    """An epoch produced a loss or weight that is NaN or infinite; the weights were kept."""

    def __init__(self, message, epoch, loss):
        super().__init__(message)
        self.epoch = epoch
        self.loss = loss


def output_size(problem, n_classes):
    """Units of the output layer: 1 for regression and two classes, else one per class."""
    check_choice("problem", problem, PROBLEMS)
    low = 2 if problem == "classification" else 1
    n_classes = check_number("n_classes", n_classes, low=low, integer=True)
    return n_classes if problem == "classification" and n_classes > 2 else 1


def build_model(
    n_inputs,
    layers=(4, 2),
    activations="tanh",
    problem="classification",
    n_classes=2,
    regularization="none",
    regularization_rate=0.0,
    dropout=0.0,
    seed=0,
    preset="keras",
):
    """A Keras model ``n_inputs -> layers -> output`` with named hidden layers.

    ``activations`` is one Keras activation name for every hidden layer or one per
    layer. The output is sigmoid (two classes), softmax (more) or linear (regression).
    Hidden layers are named ``hidden_1``, ``hidden_2``, ...; the output ``output``.
    ``preset="tensorflow_playground"``: the TensorFlow Playground's network (``PRESETS``):
    its weights and biases, a tanh output for two classes, its L2 rule.
    """
    import keras

    n_inputs = check_number("n_inputs", n_inputs, low=1, integer=True)
    layers = check_layers(layers)
    activations = _check_activations(activations, len(layers))
    n_outputs = output_size(problem, n_classes)
    check_choice("regularization", regularization, REGULARIZATIONS)
    regularization_rate = check_number("regularization_rate", regularization_rate, low=0)
    dropout = check_number("dropout", dropout, 0, 1, high_open=True)
    seed = check_number("seed", seed, low=0, integer=True)
    playground = _check_preset(preset, problem, n_outputs)
    penalty = {
        "none": None,
        "l1": keras.regularizers.L1(regularization_rate),
        "l2": keras.regularizers.L2(regularization_rate / 2 if playground else regularization_rate),
    }[regularization]
    if regularization_rate == 0:
        penalty = None

    inputs = keras.Input((n_inputs,), name="features")
    h = inputs
    for index, (units, activation) in enumerate(zip(layers, activations, strict=True), 1):
        h = keras.layers.Dense(
            units,
            # core's get binds what Keras leaves without a default (threshold's threshold).
            activation=activation_registry.get(activation),
            kernel_initializer=_placeholder,
            bias_initializer=_placeholder,
            kernel_regularizer=penalty,
            name=f"hidden_{index}",
        )(h)
        if dropout > 0:
            # Keras' torch backend keeps seeds in int32.
            dropout_seed = (seed + index) % 2**31
            h = keras.layers.Dropout(dropout, seed=dropout_seed, name=f"dropout_{index}")(h)
    output_activation = (
        "linear" if problem == "regression" else ("sigmoid" if n_outputs == 1 else "softmax")
    )
    if playground and problem == "classification":
        output_activation = "tanh"
    outputs = keras.layers.Dense(
        n_outputs,
        activation=output_activation,
        kernel_initializer=_placeholder,
        bias_initializer=_placeholder,
        kernel_regularizer=penalty,
        name="output",
    )(h)
    model = keras.Model(inputs, outputs, name="playground")
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):  # what a saved model says: what was drawn
            layer.kernel_initializer = (
                keras.initializers.RandomUniform(-0.5, 0.5)
                if playground
                else keras.initializers.GlorotUniform()
            )
            layer.bias_initializer = keras.initializers.Constant(0.1 if playground else 0.0)
    initialize_weights(model, seed, preset)
    return model


def _check_preset(preset, problem, n_outputs):
    """True for the TensorFlow Playground's preset, False for Keras'; else a refusal."""
    check_choice("preset", preset, PRESETS)
    if preset == "tensorflow_playground" and problem == "classification" and n_outputs > 1:
        raise refusal(
            "preset", "'keras' for more than two classes (the TensorFlow Playground has two)",
            preset,
        )  # fmt: skip
    return preset == "tensorflow_playground"


def _placeholder(shape, dtype=None):
    """Zeros, replaced by ``initialize_weights``. Keras' own initializers run a compiled
    random draw for each new layer shape (tens of ms per layer on JAX)."""
    return backend.tensor(np.zeros(shape, dtype="float32"))


def make_optimizer(name="sgd", learning_rate=0.03):
    """A Keras optimizer by the Playground's name for it (one of ``OPTIMIZERS``).

    Built by the registry, ``core.optimizers.get(name, learning_rate=learning_rate)``.
    """
    check_choice("optimizer", name, OPTIMIZERS)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    return optimizers.get(name, learning_rate=learning_rate)


def make_loss(loss="cross_entropy", problem="classification", n_classes=2):
    """The Keras loss for this problem: cross-entropy (classification) or MSE / MAE.

    Targets are encoded by ``encode_targets`` to match: one column of 0/1 for two
    classes, one-hot columns for more, one column of values for regression.
    """
    import keras

    check_choice("loss", loss, LOSSES)
    n_outputs = output_size(problem, n_classes)
    if loss == "cross_entropy":
        if problem == "regression":
            raise refusal(
                "loss", "one of mse, mae for regression (cross_entropy needs classes)", loss
            )
        if n_outputs == 1:
            return keras.losses.BinaryCrossentropy()
        return keras.losses.CategoricalCrossentropy()
    if loss == "mse":
        return keras.losses.MeanSquaredError()
    if loss == "half_squared_error":
        return _half_squared_error_loss()()
    return keras.losses.MeanAbsoluteError()


@functools.cache
def _half_squared_error_loss():
    """The Keras loss class of ``half_squared_error`` (made when Keras is first needed)."""
    import keras

    class HalfSquaredError(keras.losses.Loss):
        def __init__(self, name="half_squared_error", **kwargs):
            super().__init__(name=name, **kwargs)

        def call(self, y_true, y_pred):
            return half_squared_error(y_true, y_pred)

    return HalfSquaredError


def half_squared_error(y_true, y_pred):
    """The TensorFlow Playground's loss, 1/2 (o - t)^2 per point (its gradient is o - t)."""
    import keras

    return 0.5 * keras.ops.mean(keras.ops.square(y_pred - y_true), axis=-1)


def encode_targets(y, problem, n_classes, preset="keras"):
    """Labels or targets as the float32 matrix the model's output is compared with: for two
    classes 0 and 1, or -1 and 1 for the TensorFlow Playground's tanh output."""
    n_outputs = output_size(problem, n_classes)
    playground = _check_preset(preset, problem, n_outputs)
    if problem == "regression":
        check_array("y", y, ndim=None, min_size=0, dtype="float32")
        return np.asarray(y).astype("float32").reshape(-1, 1)
    labels = check_array("y", y, ndim=None, min_size=0, low=0, high=n_classes - 1, integer=True)
    if n_outputs == 1:
        labels = 2 * labels - 1 if playground else labels
        return labels.astype("float32").reshape(-1, 1)
    return np.eye(n_classes, dtype="float32")[labels.reshape(-1).astype(int)]


def check_layers(layers):
    """``layers`` as a tuple of ints: 0 to 6 hidden layers of 1 to 8 neurons each."""
    allowed = f"at most {MAX_LAYERS} hidden layers of 1 to {MAX_NEURONS} neurons each"
    if isinstance(layers, str) or not np.iterable(layers):
        raise refusal("layers", allowed, layers)
    try:
        counts = tuple(check_number("layers", u, 1, MAX_NEURONS, integer=True) for u in layers)
    except ValueError:
        raise refusal("layers", allowed, layers) from None
    if len(counts) > MAX_LAYERS:
        raise refusal("layers", allowed, layers)
    return counts


def _check_activations(activations, n_layers):
    if isinstance(activations, str):
        activations = (activations,) * n_layers
    allowed = f"one activation name, or one per hidden layer ({n_layers})"
    if not np.iterable(activations):
        raise refusal("activations", allowed, activations)
    activations = tuple(activations)
    if len(activations) != n_layers:
        raise refusal("activations", allowed, activations)
    from lmwidgets.core.activations import ALIASES

    valid = activation_names()
    for name in activations:
        canonical = ALIASES.get(name, name) if isinstance(name, str) else name
        check_choice("activation", canonical, valid)
    return activations


def activation_names():
    """The hidden-layer activations on offer: ``FAMILIAR_ACTIVATIONS`` first, then every
    other activation of the registry ``core.activations.names()``, in its order."""
    from lmwidgets.core import activations as registry

    available = registry.names()
    familiar = [name for name in FAMILIAR_ACTIVATIONS if name in available]
    return familiar + [name for name in available if name not in familiar]


class Trainer:
    """Trains a Playground model one epoch at a time and reports what it shows.

    Give it data with ``set_data`` (transformed features; labels or targets). Each
    epoch shuffles the training set and takes ``len(x_train) // batch_size``
    minibatches (the remainder, different each epoch, waits for the next one).
    ``seed`` fixes the shuffling; the weights are the model's as built.
    ``reset(seed)`` starts again from fresh weights without rebuilding, so nothing
    has to be compiled again.
    """

    def __init__(
        self,
        model,
        optimizer,
        loss="cross_entropy",
        problem="classification",
        n_classes=2,
        batch_size=10,
        seed=0,
        preset="keras",
    ):
        import keras

        if not isinstance(model, keras.Model):
            raise refusal("model", "a Keras model (from build_model)", model)
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise refusal("optimizer", "a Keras optimizer (from make_optimizer)", optimizer)
        loss_fn = make_loss(loss, problem, n_classes)
        units = model.outputs[0].shape[-1]
        if output_size(problem, n_classes) != units:
            raise refusal("n_classes", f"what the model's {units} output unit(s) fit", n_classes)
        self.preset = preset
        tanh_output = _check_preset(preset, problem, units) and problem == "classification"
        if tanh_output and loss == "cross_entropy":
            raise refusal(
                "loss", "half_squared_error, mse or mae: the TensorFlow Playground's tanh "
                "output is in [-1, 1], not a probability", loss,
            )  # fmt: skip
        self._threshold = 0.0 if tanh_output else 0.5
        seed = check_number("seed", seed, low=0, integer=True)
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.problem = problem
        self.n_classes = n_classes
        self.batch_size = batch_size
        self._probe = _layer_probe(model)
        model.compile(optimizer=optimizer, loss=loss_fn)
        optimizer.build(model.trainable_variables)
        self._initial_state = [
            np.asarray(v.value) for v in (*model.non_trainable_variables, *optimizer.variables)
        ]
        self._train_epoch = backend.train_epoch_function(
            model, optimizer, loss_fn, forward=_layers_in_order(model),
            after_step=_dead_links(model) if preset == "tensorflow_playground" else None,
        )  # fmt: skip
        if backend.backend_name() == "jax":
            self._forward = backend.jax_forward(self._probe)
        else:
            self._forward = self._keras_forward
        empty = np.zeros((0, model.inputs[0].shape[-1]))
        self._carried = None  # the preset's points waiting for the next epoch's first batch
        self.set_data(empty, np.zeros(0), empty, np.zeros(0))
        self.epoch = 0
        self._rng = np.random.default_rng(seed)

    def set_data(self, x_train, y_train, x_test, y_test):
        """The points to train on and to test on (features already transformed)."""
        x_train = self._inputs("x_train", x_train)
        x_test = self._inputs("x_test", x_test)
        targets = []
        for argument, x, y in (("y_train", x_train, y_train), ("y_test", x_test, y_test)):
            if np.ndim(y) == 0 or len(y) != len(x):
                raise refusal(argument, f"one label or target per point ({len(x)})", y)
            try:
                targets.append(encode_targets(y, self.problem, self.n_classes, self.preset))
            except ValueError:
                allowed = "finite targets" if self.problem == "regression" else "class indices"
                raise refusal(argument, f"{allowed} in 0..{self.n_classes - 1}", y) from None
        self.x_train, self.x_test = x_train, x_test
        self.labels_train = np.asarray(y_train)
        self.labels_test = np.asarray(y_test)
        self.y_train, self.y_test = targets

    def _inputs(self, argument, x):
        """``x`` as the float32 (n, n_inputs) array the model takes, else a refusal."""
        n_inputs = self.model.inputs[0].shape[-1]
        allowed = f"an (n, {n_inputs}) array of finite numbers"
        x = check_array(argument, x, ndim=None, min_size=0, dtype="float32", allowed=allowed)
        if x.ndim == 1 and n_inputs == 1:
            x = x.reshape(-1, 1)
        if x.ndim != 2 or x.shape[1] != n_inputs:
            raise refusal(argument, allowed, x)
        return x

    def reset(self, seed=0):
        """Fresh weights (the same as ``build_model(..., seed=seed)`` gives), epoch 0."""
        seed = check_number("seed", seed, low=0, integer=True)
        learning_rate = self.learning_rate
        initialize_weights(self.model, seed, self.preset)
        state = (*self.model.non_trainable_variables, *self.optimizer.variables)
        for variable, value in zip(state, self._initial_state, strict=True):
            variable.assign(value)
        self.learning_rate = learning_rate
        self.epoch = 0
        self._rng = np.random.default_rng(seed)
        self._carried = None

    def take_over(self, other):
        """Go on from ``other``'s run as if it had been this trainer's: its weights, optimizer
        state, epoch, learning rate, batch size and batch order. For a network that differs
        from ``other``'s only in what does not change its weights (the weight penalty)."""
        state = (*self.model.weights, *self.optimizer.variables)
        theirs = (*other.model.weights, *other.optimizer.variables)
        if [tuple(v.shape) for v in state] != [tuple(v.shape) for v in theirs]:
            raise refusal("other", "a trainer of a network with the same weights", other)
        for variable, value in zip(state, theirs, strict=True):
            variable.assign(value.value)
        self.learning_rate, self.batch_size = other.learning_rate, other.batch_size
        self.epoch = other.epoch
        self._carried = other._carried
        self._rng = np.random.default_rng()
        self._rng.bit_generator.state = other._rng.bit_generator.state

    @property
    def batch_size(self):
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value):
        self._batch_size = check_number("batch_size", value, low=1, integer=True)

    @property
    def learning_rate(self):
        return float(np.asarray(self.optimizer.learning_rate))

    @learning_rate.setter
    def learning_rate(self, value):
        value = check_number("learning_rate", value, low=0, low_open=True)
        self.optimizer.learning_rate = value

    def train_epoch(self):
        """Train one epoch; return the mean minibatch loss (with penalties, as optimized).

        Raises ``TrainingDiverged`` if the loss or a weight became NaN or infinite; the
        model then keeps the weights it had before this epoch.
        """
        if len(self.x_train) == 0:
            raise ValueError("No training points: call set_data first.")
        batch_size = min(self.batch_size, len(self.x_train))
        n_batches = len(self.x_train) // batch_size
        if self.preset == "tensorflow_playground":
            loss, finite = self._playground_epoch(batch_size, n_batches)
        else:
            order = self._rng.permutation(len(self.x_train))[: n_batches * batch_size]
            x = self.x_train[order].reshape(n_batches, batch_size, -1)
            y = self.y_train[order].reshape(n_batches, batch_size, -1)
            loss, finite = self._train_epoch(x, y)
        if not finite:
            raise TrainingDiverged(
                f"diverged at epoch {self.epoch + 1}: the loss became {loss}",
                self.epoch + 1,
                loss,
            )
        self.epoch += 1
        return loss

    def _playground_epoch(self, batch_size, n_batches):
        """One epoch in the TensorFlow Playground's order (playground.ts, ``oneStep``): the
        training points in their fixed order, an update after every ``batch_size`` points
        counted from the epoch's start; the points left over at the end are kept and join
        the next epoch's first batch (its derivatives accumulate until then)."""
        import keras

        x, y, used = self.x_train, self.y_train, n_batches * batch_size
        carried_x, carried_y = (x[:0], y[:0]) if self._carried is None else self._carried
        first_x = np.concatenate([carried_x, x[:batch_size]])[None]
        first_y = np.concatenate([carried_y, y[:batch_size]])[None]
        state = (*self.model.weights, *self.optimizer.variables)
        saved = [keras.ops.convert_to_numpy(v.value).copy() for v in state]
        loss, finite = self._train_epoch(first_x, first_y)
        if finite and n_batches > 1:
            rest_x = x[batch_size:used].reshape(n_batches - 1, batch_size, -1)
            rest_y = y[batch_size:used].reshape(n_batches - 1, batch_size, -1)
            rest, finite = self._train_epoch(rest_x, rest_y)
            loss = (loss + rest * (n_batches - 1)) / n_batches
        if not finite:  # as a diverged epoch leaves them: as they were before it
            for variable, value in zip(state, saved, strict=True):
                variable.assign(value)
            return loss, finite
        self._carried = (x[used:], y[used:])
        return loss, finite

    def _keras_forward(self, x):
        import keras

        outputs = self._probe(x, training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return [keras.ops.convert_to_numpy(out) for out in outputs]

    def layer_outputs(self, x):
        """Every hidden layer's activations and the output for inputs ``x``, one batched pass.

        A list of numpy arrays: (n, units) per hidden layer, then the output (n, units).
        """
        return self._forward(self._inputs("x", x))

    def predict(self, x):
        """The model's output for inputs ``x``: P(class 1), class probabilities, or values."""
        return self.layer_outputs(x)[-1]

    def evaluate(self, grid_features=None):
        """What the Playground shows now, from one forward pass over train, test and grid.

        Losses are without penalties, as the Playground shows them. For classes also
        accuracies and the test set's confusion matrix. With ``grid_features``,
        ``"grid_outputs"`` holds ``layer_outputs`` of the grid.
        """
        n_train, n_test = len(self.x_train), len(self.x_test)
        inputs = [self.x_train, self.x_test]
        if grid_features is not None:
            inputs.append(self._inputs("grid_features", grid_features))
        outputs = self.layer_outputs(np.concatenate(inputs))
        output = outputs[-1]
        train_out, test_out = output[:n_train], output[n_train : n_train + n_test]
        report = {
            "train_loss": loss_value(self.loss, self.y_train, train_out),
            "test_loss": loss_value(self.loss, self.y_test, test_out),
        }
        if self.problem == "classification":
            train_pred = predicted_classes(train_out, self._threshold)
            test_pred = predicted_classes(test_out, self._threshold)
            report["train_accuracy"] = float(np.mean(train_pred == self.labels_train))
            report["test_accuracy"] = float(np.mean(test_pred == self.labels_test))
            report["confusion_matrix"] = confusion_matrix(
                self.labels_test, test_pred, self.n_classes
            )
        if grid_features is not None:
            report["grid_outputs"] = [out[n_train + n_test :] for out in outputs]
        return report


def initialize_weights(model, seed, preset="keras"):
    """Glorot-uniform kernels and zero biases, the same for the same seed and shapes; with
    ``preset="tensorflow_playground"``, the TensorFlow Playground's: kernels uniform in
    [-0.5, 0.5] (its ``Math.random() - 0.5``) and biases 0.1.

    Drawn with NumPy (``core.initializers``), so that a seed means the same network on
    every backend.
    """
    from lmwidgets.core import initializers

    import keras

    if not isinstance(model, keras.Model):
        raise refusal("model", "a Keras model (from build_model)", model)
    seed = check_number("seed", seed, low=0, integer=True)
    check_choice("preset", preset, PRESETS)
    playground = preset == "tensorflow_playground"
    for index, layer in enumerate(model.layers):
        if not isinstance(layer, keras.layers.Dense):
            continue
        rng = np.random.default_rng([seed, index])
        shape = tuple(layer.kernel.shape)
        if playground:
            layer.kernel.assign(rng.uniform(-0.5, 0.5, shape).astype("float32"))
            layer.bias.assign(np.full(layer.bias.shape, 0.1, dtype="float32"))
        else:
            layer.kernel.assign(initializers.glorot_uniform(rng, shape))
            layer.bias.assign(np.zeros(layer.bias.shape, dtype="float32"))


def loss_value(loss, y_true, y_pred):
    """The loss as Keras defines it (its 1e-7 clipping included), computed in numpy."""
    check_choice("loss", loss, LOSSES)
    y_true = check_array("y_true", y_true, ndim=None, min_size=0)
    y_pred = check_array("y_pred", y_pred, ndim=None, min_size=0)
    if y_pred.shape != y_true.shape or y_true.ndim == 0:
        raise refusal("y_pred", f"an array of y_true's shape {y_true.shape}", y_pred)
    if len(y_true) == 0:
        return float("nan")
    if loss == "mse":
        return float(np.mean((y_true - y_pred) ** 2))
    if loss == "half_squared_error":
        return float(np.mean(0.5 * (y_true - y_pred) ** 2))
    if loss == "mae":
        return float(np.mean(np.abs(y_true - y_pred)))
    eps = 1e-7
    several = y_pred.shape[-1] > 1
    if np.any(y_pred < 0) or np.any(y_pred > 1) or several and np.any(y_pred.sum(axis=-1) == 0):
        raise refusal("y_pred", "probabilities in [0, 1], each row summing to more than 0", y_pred)
    if not several:
        p = np.clip(y_pred, eps, 1 - eps)
        return float(np.mean(-(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))))
    p = np.clip(y_pred / np.sum(y_pred, axis=-1, keepdims=True), eps, 1 - eps)
    return float(np.mean(-np.sum(y_true * np.log(p), axis=-1)))


def predicted_classes(output, threshold=0.5):
    """Class indices from the output: ``threshold`` for one unit (0.5 for a sigmoid, 0 for
    the TensorFlow Playground's tanh), else argmax."""
    threshold = check_number("threshold", threshold)
    allowed = "an array of finite outputs, one column per output unit"
    output = check_array("output", output, ndim=None, min_size=0, allowed=allowed)
    if output.ndim == 0:
        raise refusal("output", allowed, output)
    if output.shape[-1] == 1:
        return (output[..., 0] >= threshold).astype("int32")
    return np.argmax(output, axis=-1).astype("int32")


def _dead_links(model):
    """The TensorFlow Playground's L1 rule (nn.ts, ``updateWeights``), for
    ``backend.train_epoch_function``'s ``after_step``: a weight that its L1 step (rate times
    its sign, after the gradient's step) carries across 0 becomes 0 and stays 0, a dead link
    no update moves again (here: a weight at exactly 0 stays there). None without L1."""
    import keras
    from keras import ops

    rates = {}
    for layer in model.layers:
        penalty = getattr(layer, "kernel_regularizer", None)
        if isinstance(penalty, keras.regularizers.L1) and penalty.l1 > 0:
            rates[id(layer.kernel)] = float(penalty.l1)
    if not rates:
        return None
    kernel_rates = [rates.get(id(v)) for v in model.trainable_variables]

    def after_step(before, after, learning_rate):
        kept = []
        for old, new, rate in zip(before, after, kernel_rates, strict=True):
            if rate is None:  # a bias: never penalized
                kept.append(new)
                continue
            gradient_step = new + learning_rate * rate * ops.sign(old)  # before the L1 step
            dead = ops.logical_or(ops.less(gradient_step * new, 0), ops.equal(old, 0))
            kept.append(ops.where(dead, ops.zeros_like(new), new))
        return kept

    return after_step


def _layers_in_order(model):
    """``forward(x)``: the model's layers (a chain) applied in training mode, by their ``call``.

    The same arithmetic as ``model(x, training=True)`` without Keras' per-call bookkeeping,
    which on PyTorch costs more than the arithmetic of a network this small (half the
    time of a training step).
    """
    import inspect

    layers = [
        (layer.call, "training" in inspect.signature(layer.call).parameters)
        for layer in model.layers[1:]
    ]

    def forward(x):
        for call, takes_training in layers:
            x = call(x, training=True) if takes_training else call(x)
        return x

    return forward


def _layer_probe(model):
    """A model sharing ``model``'s layers that returns every hidden layer's output too."""
    import keras

    hidden = [layer.output for layer in model.layers if layer.name.startswith("hidden_")]
    return keras.Model(model.input, [*hidden, model.output], name="playground_probe")
