"""Build, train (in the background, stoppable) and evaluate small Keras classifiers.

Also the overfitting experiment: a small noisy dataset, a network big enough to
memorize it, and the train/validation losses per epoch with dropout and L2.
"""

import dataclasses
import inspect
import threading

from lmwidgets.core import optimizers
from lmwidgets.core.choices import check_choice
from lmwidgets.core.initializers import NumpyGlorotUniform, Zeros
from lmwidgets.core.metrics import confusion_matrix
from lmwidgets.core.params import check_array, check_number, check_seed, refusal
from lmwidgets.language import say

import keras
import numpy as np

# The choices offered for an MLP: curated subsets of the registries
# ``core.activations.names()``, ``core.optimizers.names()`` and ``core.losses.names()``.
ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu", "linear")
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adamw")
LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "mean_squared_error")


@dataclasses.dataclass(frozen=True)
class MLPConfig:
    """Every choice that defines one training run of a multilayer perceptron."""

    hidden_layers: int = 1
    units: int = 128
    activation: str = "relu"
    dropout: float = 0.2
    l2: float = 0.0
    optimizer: str = "adam"
    learning_rate: float = 0.001
    loss: str = "sparse_categorical_crossentropy"
    batch_size: int = 32
    epochs: int = 5

    def __post_init__(self):
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("loss", self.loss, LOSSES)
        counts = (("hidden_layers", 0, 8), ("units", 1, None), ("batch_size", 1, None),
                  ("epochs", 1, None))  # fmt: skip
        for name, low, high in counts:
            value = check_number(name, getattr(self, name), low, high, integer=True)
            object.__setattr__(self, name, value)
        check_number("dropout", self.dropout, allowed="in [0, 1)", low=0, high=1, high_open=True)
        check_number("l2", self.l2, low=0)
        check_number(
            "learning_rate", self.learning_rate, low=0, low_open=True,
            allowed="a positive number (e.g. 0.001)",
        )  # fmt: skip


def _check_config(config):
    if not isinstance(config, MLPConfig):
        raise refusal("config", "an MLPConfig", config)


def mlp_parameter_count(config, input_size=784, n_classes=10):
    """Weights plus biases of the MLP, by the closed form sum of (fan_in + 1) * fan_out."""
    _check_config(config)
    input_size = check_number("input_size", input_size, low=1, integer=True)
    n_classes = check_number("n_classes", n_classes, low=1, integer=True)
    sizes = [input_size, *[config.units] * config.hidden_layers, n_classes]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:], strict=False))


def build_mlp(config, input_shape=(28, 28), n_classes=10, seed=None):
    """A compiled Flatten -> [Dense -> Dropout] * hidden_layers -> Dense(softmax) model.

    ``seed``: if given, Keras' global seed is set first, so the initial weights and the
    dropout masks (and fit's shuffling) are the same on every run with that seed.
    """
    _check_config(config)
    allowed = "a non-empty tuple of positive integers (the shape of one example)"
    if isinstance(input_shape, str) or not np.iterable(input_shape) or not len(input_shape):
        raise refusal("input_shape", allowed, input_shape)
    try:
        input_shape = tuple(
            check_number("input_shape", n, low=1, integer=True) for n in input_shape
        )
    except ValueError:
        raise refusal("input_shape", allowed, input_shape) from None
    n_classes = check_number("n_classes", n_classes, low=2, integer=True)
    seed = check_seed(seed, none=True)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    regularizer = keras.regularizers.L2(config.l2) if config.l2 > 0 else None
    layers = [keras.Input(shape=input_shape), keras.layers.Flatten()]
    for _ in range(config.hidden_layers):
        layers.append(
            keras.layers.Dense(
                config.units, activation=config.activation, kernel_regularizer=regularizer
            )
        )
        if config.dropout > 0:
            layers.append(keras.layers.Dropout(config.dropout))
    layers.append(keras.layers.Dense(n_classes, activation="softmax"))
    model = keras.Sequential(layers)
    optimizer = optimizers.get(config.optimizer, learning_rate=config.learning_rate)
    sparse = config.loss == "sparse_categorical_crossentropy"
    metrics = keras.metrics
    accuracy = metrics.SparseCategoricalAccuracy if sparse else metrics.CategoricalAccuracy
    model.compile(optimizer=optimizer, loss=config.loss, metrics=[accuracy(name="accuracy")])
    return model


def encode_labels(labels, loss, n_classes=10):
    """Class indices for the sparse loss, one-hot rows for the others."""
    check_choice("loss", loss, LOSSES)
    n_classes = check_number("n_classes", n_classes, low=1, integer=True)
    allowed = f"an array of class indices in 0..{n_classes - 1}"
    labels = check_array(
        "labels", labels, ndim=None, min_size=0, low=0, high=n_classes - 1, integer=True,
        allowed=allowed,
    ).astype("int64")  # fmt: skip
    if loss == "sparse_categorical_crossentropy":
        return labels
    return np.eye(n_classes, dtype="float32")[labels]


def scale_images(images):
    """uint8 pixels 0..255 -> float32 in [0, 1]."""
    allowed = "a non-empty array of pixels in [0, 255]"
    images = check_array("images", images, ndim=None, dtype="float32", allowed=allowed)
    if images.min() < 0 or images.max() > 255:
        raise refusal("images", allowed, images)
    return images / 255.0


def evaluate_classifier(model, x_test, y_test, n_classes=10):
    """Test accuracy, confusion matrix and the misclassified examples of a softmax model.

    ``recall_matrix`` is the confusion matrix with each row divided by its total: the
    share of each true class given each prediction (a row of no examples stays 0).
    """
    if not isinstance(model, keras.Model):
        raise refusal("model", "a Keras model with a softmax output", model)
    shape = tuple(model.inputs[0].shape[1:])
    allowed = f"a non-empty array of examples of shape {shape}, finite numbers"
    x_test = check_array("x_test", x_test, ndim=None, dtype="float32", allowed=allowed)
    if x_test.shape[1:] != shape:
        raise refusal("x_test", allowed, x_test)
    units = model.outputs[0].shape[-1]
    if isinstance(n_classes, bool) or n_classes != units:
        raise refusal("n_classes", f"the model's number of outputs ({units})", n_classes)
    y_test = check_array(
        "y_test", y_test, low=0, high=n_classes - 1, integer=True,
        allowed=f"a 1-D array of {len(x_test)} class indices in 0..{n_classes - 1}",
    )  # fmt: skip
    if len(y_test) != len(x_test):
        raise refusal("y_test", f"a 1-D array of {len(x_test)} class indices", y_test)
    probabilities = np.asarray(model.predict(x_test, batch_size=512, verbose=0))
    predictions = probabilities.argmax(axis=1)
    y_test = np.asarray(y_test, dtype="int64")
    wrong = np.flatnonzero(predictions != y_test)
    counts = confusion_matrix(y_test, predictions, n_classes)
    return {
        "test_accuracy": float(np.mean(predictions == y_test)),
        "confusion_matrix": counts,
        "recall_matrix": counts / np.maximum(counts.sum(axis=1, keepdims=True), 1),
        "predictions": predictions,
        "probabilities": probabilities,
        "misclassified": wrong,
    }


class StopSwitch(keras.callbacks.Callback):
    """Stops ``fit`` at the next batch once ``request()`` is called, from any thread.

    Keras checks ``model.stop_training`` after every training batch, so setting it at
    the start of a batch ends training after that batch: at most one more batch runs.
    Only ``on_train_batch_begin`` is hooked, which keeps Keras' asynchronous
    dispatch of batch-end callbacks (no device sync per batch).
    """

    def __init__(self):
        super().__init__()
        self._requested = threading.Event()
        self.batches_started = 0
        self.batches_at_request = None

    @property
    def requested(self):
        return self._requested.is_set()

    def request(self):
        if not self._requested.is_set():
            self.batches_at_request = self.batches_started
            self._requested.set()

    def on_train_batch_begin(self, batch, logs=None):
        self.batches_started += 1
        if self._requested.is_set():
            self.model.stop_training = True


class DivergenceGuard(keras.callbacks.Callback):
    """Stops ``fit`` after the first epoch whose loss is NaN or infinite, and puts back the
    weights the model had after the last finite epoch (the start, if it was the first).

    ``diverged`` is None, or ``{"epoch": 1-based epoch, "loss": the value}`` once it
    stopped a run. Keras' own ``TerminateOnNaN`` stops too, but keeps the broken weights.
    Checked once per epoch: no device sync per batch.
    """

    def __init__(self):
        super().__init__()
        self.diverged = None
        self._good_weights = None

    def on_train_begin(self, logs=None):
        self.diverged = None
        self._good_weights = self.model.get_weights()

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            self._good_weights = self.model.get_weights()
            return
        self.model.set_weights(self._good_weights)
        self.model.stop_training = True
        self.diverged = {"epoch": epoch + 1, "loss": float(loss)}


def divergence_advice(diverged, **settings):
    """One sentence for a learner: when the loss broke, the likely causes, what is kept."""
    allowed = 'a dict {"epoch": an integer >= 1, "loss": the loss}'
    if not isinstance(diverged, dict) or "loss" not in diverged:
        raise refusal("diverged", allowed, diverged)
    check_number("diverged", diverged.get("epoch"), low=1, integer=True, allowed=allowed)
    for name, value in settings.items():
        check_number(name, value)
    named = ", ".join(f"{name} = {value:g}" for name, value in settings.items())
    named_zh = "，".join(f"{name} = {value:g}" for name, value in settings.items())
    return say(
        f"Training stopped at epoch {diverged['epoch']}: the loss became {diverged['loss']}. "
        f"A step too large for this network is the usual cause: lower "
        f"{' or '.join(settings) if settings else 'the learning rate'}"
        f"{f' (now {named})' if named else ''}. The weights from before that epoch are kept.",
        f"训练在第 {diverged['epoch']} 轮停止：损失变成了 {diverged['loss']}。"
        f"通常的原因是步长对这个网络来说太大了：请调低"
        f"{' ' + ' 或 '.join(settings) if settings else '学习率'}"
        f"{f'（现在 {named_zh}）' if named_zh else ''}。已保留那一轮之前的权重。",
    )


class BackgroundFit:
    """``model.fit(**fit_kwargs)`` in a daemon thread, so the kernel stays free for a Stop click.

    ``history`` is the Keras history dict (metric -> list per epoch), kept after a
    stop; ``error`` holds an exception raised by fit, if any; ``diverged`` says when a
    NaN or infinite loss stopped it (``DivergenceGuard``; the last finite weights kept).
    """

    def __init__(self, model, on_done=None, **fit_kwargs):
        if not isinstance(model, keras.Model):
            raise refusal("model", "a compiled Keras model", model)
        if on_done is not None and not callable(on_done):
            raise refusal("on_done", "None or a function of the run", on_done)
        self.model = model
        self.switch = StopSwitch()
        self.guard = DivergenceGuard()
        self.history = {}
        self.error = None
        self._on_done = on_done
        callbacks = [*fit_kwargs.pop("callbacks", []), self.switch, self.guard]
        self._fit_kwargs = dict(fit_kwargs, callbacks=callbacks)
        self._history_callback = keras.callbacks.History()
        self._fit_kwargs["callbacks"].append(self._history_callback)
        self._thread = threading.Thread(target=self._run, daemon=True, name="lmwidgets-fit")

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        try:
            self.model.fit(**self._fit_kwargs)
        except Exception as error:  # noqa: BLE001 - reported to whoever waits on the run
            self.error = error
        finally:
            self.history = {k: [float(v) for v in vs] for k, vs in self.history_so_far().items()}
            if self._on_done is not None:
                self._on_done(self)

    def history_so_far(self):
        return dict(getattr(self._history_callback, "history", {}) or {})

    def stop(self):
        self.switch.request()

    @property
    def diverged(self):
        return self.guard.diverged

    @property
    def stopped(self):
        return self.switch.requested

    @property
    def running(self):
        return self._thread.is_alive()

    def wait(self, timeout=None):
        """Block until training (and the on_done hook) has finished; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()


# --- Overfitting: a model that can memorize a small noisy dataset -----------------

NOISE_STD = 0.3


def noisy_sine(n, seed=0):
    """n points x ~ U(-1, 1), y = sin(3x) + N(0, NOISE_STD^2), as float32 column arrays."""
    n = check_number("n", n, low=1, integer=True)
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    x = rng.uniform(-1, 1, size=(n, 1)).astype("float32")
    y = (clean_sine(x) + rng.normal(0, NOISE_STD, size=(n, 1))).astype("float32")
    return x, y


def clean_sine(x):
    """sin(3x): the curve the noisy samples scatter around, what a perfect model learns."""
    check_array("x", x, ndim=None, min_size=0)
    return np.sin(3 * np.asarray(x))


def regression_mlp(dropout=0.0, l2=0.0, units=128, hidden_layers=3, learning_rate=0.01, seed=0):
    """A compiled 1 -> units^hidden_layers -> 1 tanh network, trained with MSE and Adam.

    Its initial weights are Keras' defaults drawn with NumPy from ``seed``: the same
    network on every backend.
    """
    dropout = check_number("dropout", dropout, allowed="in [0, 1)", low=0, high=1, high_open=True)
    l2 = check_number("l2", l2, low=0)
    units = check_number("units", units, low=1, integer=True)
    hidden_layers = check_number("hidden_layers", hidden_layers, low=0, integer=True)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    seed = check_seed(seed)
    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    rng = np.random.default_rng(seed)
    initial = {"kernel_initializer": NumpyGlorotUniform(rng), "bias_initializer": Zeros()}
    layers = [keras.Input(shape=(1,))]
    for _ in range(hidden_layers):
        layers.append(
            keras.layers.Dense(units, activation="tanh", kernel_regularizer=regularizer, **initial)
        )
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout, seed=seed))
    layers.append(keras.layers.Dense(1, **initial))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
    return model


def overfitting_run(
    train_size=20, dropout=0.0, l2=0.0, epochs=300, val_size=400, seed=0, points=50
):
    """Train on ``train_size`` noisy points (full batch), record both losses as it goes.

    Losses are the plain mean squared error (no L2 penalty, no dropout), so train
    and validation are measured the same way; they are recorded at about
    ``points`` evenly spaced epochs (every epoch when ``epochs <= points``), always
    including the last. Returns the data, the loss curves, their final gap, the
    fitted curve on a grid and the trained model. With the defaults (20 points,
    300 epochs) the network memorizes the noise (lesson 03 shows it for seeds 0, 1, 2).

    ``diverged`` is None, or ``{"epoch", "loss"}`` when a recorded loss was NaN or
    infinite: training stopped there, and the curves end with that value.
    """
    train_size = check_number("train_size", train_size, low=2, integer=True)
    epochs = check_number("epochs", epochs, low=1, integer=True)
    val_size = check_number("val_size", val_size, low=1, integer=True)
    points = check_number("points", points, low=1, integer=True)
    seed = check_number(
        "seed", seed, 0, 2**32 - 2, integer=True, allowed="an integer from 0 to 2**32 - 2"
    )
    dropout = check_number("dropout", dropout, allowed="in [0, 1)", low=0, high=1, high_open=True)
    l2 = check_number("l2", l2, low=0)
    keras.utils.set_random_seed(seed)
    x_train, y_train = noisy_sine(train_size, seed=seed)
    x_val, y_val = noisy_sine(val_size, seed=seed + 1)
    both = np.concatenate([x_train, x_val])
    model = regression_mlp(dropout=dropout, l2=l2, seed=seed)
    checkpoints = np.unique(np.linspace(1, epochs, min(points, epochs)).round().astype(int))
    train_loss, val_loss, diverged = [], [], None
    for epoch in range(1, epochs + 1):
        model.train_on_batch(x_train, y_train)
        if epoch in checkpoints:
            # One forward pass over train and validation together: half the calls.
            squared = (np.asarray(model.predict_on_batch(both)) - np.r_[y_train, y_val]) ** 2
            train_loss.append(float(squared[:train_size].mean()))
            val_loss.append(float(squared[train_size:].mean()))
            if not np.isfinite(train_loss[-1] + val_loss[-1]):
                bad = train_loss[-1] if not np.isfinite(train_loss[-1]) else val_loss[-1]
                diverged = {"epoch": epoch, "loss": bad}
                checkpoints = checkpoints[: len(train_loss)]
                break
    grid = np.linspace(-1, 1, 200, dtype="float32")[:, None]
    return {
        "x_train": x_train[:, 0],
        "y_train": y_train[:, 0],
        "x_val": x_val[:, 0],
        "y_val": y_val[:, 0],
        "grid": grid[:, 0],
        "prediction": np.asarray(model.predict_on_batch(grid))[:, 0],
        "epochs": checkpoints,
        "train_loss": np.array(train_loss),
        "val_loss": np.array(val_loss),
        "gap": val_loss[-1] - train_loss[-1],
        "best_epoch": int(checkpoints[int(np.argmin(val_loss))]),
        "diverged": diverged,
        "model": model,
    }


# What the overfitting experiment runs with unless told otherwise (what its widget starts at).
OVERFITTING_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(overfitting_run).parameters.items()
}
