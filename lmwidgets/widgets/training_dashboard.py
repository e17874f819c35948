"""Build and train an MLP on MNIST from controls; watch it learn; stop it at any batch.

A click cannot reach a kernel that is busy in ``model.fit``, so **Train** runs fit
in a background thread (``core.training.BackgroundFit``) and the kernel stays free
to handle **Stop**, which ends training after the current batch. The controls are
read once, when Train is pressed: changing them while training runs only
prepares the next run.
"""

import dataclasses
import threading

from lmwidgets.core import training
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets.live_loss_plot import LiveLossPlot

import ipywidgets as widgets
import keras
import numpy as np

GALLERY_SIZE = 12
VALIDATION_SPLIT = 0.1


def _mnist_arrays(data):
    """((x_train, y_train), (x_test, y_test)) as scaled float images and int labels."""
    (x_train, y_train), (x_test, y_test) = data
    arrays = []
    for name, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        images, labels = np.asarray(images), np.asarray(labels)
        if len(images) == 0 or len(images) != len(labels) or images.shape[1:] != (28, 28):
            raise ValueError(
                f"The {name} data must be non-empty 28x28 images with one label each. "
                f"Received images of shape {images.shape} and {len(labels)} labels."
            )
        arrays.append((training.scale_images(images), labels.astype("int64")))
    return arrays


class TrainingDashboard(Explorer):
    """Controls for an MLP on MNIST, live curves, test accuracy, confusion matrix, mistakes.

    ``data``: ``((x_train, y_train), (x_test, y_test))`` of uint8 28x28 images, or
    None for ``lmwidgets.datasets.load_mnist()``. 10% of the training data is held
    out for the validation curves. ``train(wait=True)`` trains from Python and
    returns when done (what a lesson cell uses); ``stop()`` is what Stop does.
    ``model`` is the last model trained (kept after a stop) and
    ``result["history"]`` its Keras history.
    """

    def __init__(self, data=None, seed=0):
        self.seed = seed
        self.model = None
        self.training_run = None
        self._run_result = {}
        self._draw_lock = threading.RLock()
        self._data_error = None
        if data is None:
            from lmwidgets.datasets import load_mnist

            data = load_mnist()
        try:
            (self._x_train, self._y_train), (self._x_test, self._y_test) = _mnist_arrays(data)
        except (ValueError, TypeError) as error:
            self._data_error = f"No data to train on: {error}"
            self._x_train = self._y_train = self._x_test = self._y_test = np.zeros(0)
        self.live_plot = LiveLossPlot(show=False)
        defaults = training.MLPConfig()
        style = {"description_width": "initial"}
        controls = {
            "hidden_layers": widgets.IntSlider(
                value=defaults.hidden_layers, min=0, max=4, description="hidden layers"
            ),
            "units": widgets.Dropdown(
                options=[16, 32, 64, 128, 256, 512], value=defaults.units, description="units"
            ),
            "activation": widgets.Dropdown(
                options=training.ACTIVATIONS, value=defaults.activation, description="activation"
            ),
            "dropout": widgets.FloatSlider(
                value=defaults.dropout, min=0, max=0.8, step=0.05, description="dropout"
            ),
            "l2": widgets.FloatText(value=defaults.l2, step=1e-4, description="L2", style=style),
            "optimizer": widgets.Dropdown(
                options=training.OPTIMIZERS, value=defaults.optimizer, description="optimizer"
            ),
            "learning_rate": widgets.FloatText(
                value=defaults.learning_rate, step=1e-4, description="learning rate", style=style
            ),
            "loss": widgets.Dropdown(
                options=training.LOSSES, value=defaults.loss, description="loss", style=style
            ),
            "batch_size": widgets.Dropdown(
                options=[16, 32, 64, 128, 256], value=defaults.batch_size, description="batch"
            ),
            "epochs": widgets.IntSlider(value=defaults.epochs, min=1, max=20, description="epochs"),
            "train": widgets.Button(description="Train", button_style="success", icon="play"),
            "stop": widgets.Button(description="Stop", button_style="danger", icon="stop"),
        }
        controls["stop"].disabled = True
        controls["train"].on_click(lambda _: self.train())
        controls["stop"].on_click(lambda _: self.stop())
        self.summary = widgets.HTML()
        c = controls
        rows = [
            widgets.HBox([c["hidden_layers"], c["units"], c["activation"], c["dropout"]]),
            widgets.HBox([c["optimizer"], c["learning_rate"], c["l2"], c["loss"]]),
            widgets.HBox([c["batch_size"], c["epochs"], c["train"], c["stop"]]),
            self.summary,
            self.live_plot.widget,
        ]
        super().__init__(controls, self._build_figure(), control_rows=rows)

    # --- configuration -------------------------------------------------------------
    def config(self):
        """The MLPConfig the controls describe now (ValueError if a value is invalid)."""
        names = [field.name for field in dataclasses.fields(training.MLPConfig)]
        return training.MLPConfig(**{name: self.controls[name].value for name in names})

    def update(self):
        if self._data_error:
            raise ValueError(self._data_error)
        config = self.config()
        count = training.mlp_parameter_count(config)
        self.summary.value = (
            f"<b>{count:,}</b> parameters · {len(self._x_train):,} training images "
            f"({VALIDATION_SPLIT:.0%} held out for validation), {len(self._x_test):,} test images"
        )
        self.result = {
            "config": dataclasses.asdict(config),
            "parameter_count": count,
            **self._run_result,
        }

    # --- training ------------------------------------------------------------------
    @property
    def training(self):
        return self.training_run is not None and self.training_run.running

    def train(self, wait=False):
        """Build a fresh model from the controls and train it in the background.

        With ``wait=True`` return only when training and evaluation are done.
        Problems (a bad control value, training already running) are shown in the
        widget, never raised.
        """
        if self.training:
            self.show_message("Already training: press Stop first.", kind="warning")
            return
        try:
            if self._data_error:
                raise ValueError(self._data_error)
            config = self.config()
            keras.utils.set_random_seed(self.seed)
            model = training.build_mlp(config)
        except ValueError as error:
            self.show_message(str(error), kind="error")
            return
        self.model = model
        self.live_plot.reset()
        self.controls["train"].disabled = True
        self.controls["stop"].disabled = False
        self.show_message(f"Training {config.epochs} epochs...")
        self.training_run = training.BackgroundFit(
            model,
            on_done=lambda run: self._finish(run, config),
            x=self._x_train,
            y=training.encode_labels(self._y_train, config.loss),
            batch_size=config.batch_size,
            epochs=config.epochs,
            validation_split=VALIDATION_SPLIT,
            callbacks=[self.live_plot],
            verbose=0,
        ).start()
        if wait:
            self.wait()

    def stop(self):
        """End training after the current batch; the model and its history are kept."""
        if self.training:
            self.training_run.stop()
            self.show_message("Stopping after this batch...")

    def wait(self, timeout=None):
        """Block until the current run (training and evaluation) is finished."""
        return self.training_run is None or self.training_run.wait(timeout)

    def _finish(self, run, config):
        # Runs in the training thread, after fit has returned.
        try:
            if run.error is not None:
                raise run.error
            evaluation = training.evaluate_classifier(run.model, self._x_test, self._y_test)
            self._run_result = {
                "trained_config": dataclasses.asdict(config),
                "history": run.history,
                "epochs_completed": len(run.history.get("loss", [])),
                "stopped": run.stopped,
                "diverged": run.diverged,
                "test_accuracy": evaluation["test_accuracy"],
                "confusion_matrix": evaluation["confusion_matrix"],
                "misclassified": evaluation["misclassified"],
            }
            self._show_evaluation(evaluation)
            # Not update(): the controls may hold an invalid value for the next run.
            self.result = {**self.result, **self._run_result}
            if run.diverged:
                advice = training.divergence_advice(
                    run.diverged, learning_rate=config.learning_rate, l2=config.l2
                )
                accuracy = f"{evaluation['test_accuracy']:.2%}"
                self.show_message(f"{advice} Their test accuracy: {accuracy}.", kind="error")
                return
            stopped = "stopped by you after" if run.stopped else "trained"
            epochs = self._run_result["epochs_completed"]
            self.show_message(
                f"{stopped} {epochs} epoch{'' if epochs == 1 else 's'}: "
                f"test accuracy {evaluation['test_accuracy']:.2%}"
            )
        except Exception as error:  # noqa: BLE001 - shown to the learner, by design
            self.show_message(f"Training failed: {error}", kind="error")
        finally:
            self.controls["train"].disabled = False
            self.controls["stop"].disabled = True
            self.draw()

    # --- drawing -------------------------------------------------------------------
    def _build_figure(self):
        figure = new_figure(9.0, 3.4)
        grid = figure.add_gridspec(2, 2 + GALLERY_SIZE // 2, width_ratios=[3, 0.4] + [1] * 6)
        self._cm_axes = figure.add_subplot(grid[:, 0])
        self._cm_image = self._cm_axes.imshow(
            np.zeros((10, 10)), cmap="Blues", vmin=0, vmax=1, interpolation="nearest"
        )
        self._cm_axes.set(xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10))
        self._cm_axes.tick_params(labelsize=7)
        self._cm_axes.set_title("confusion matrix (train to fill)", fontsize=9)
        self._gallery = []
        for k in range(GALLERY_SIZE):
            ax = figure.add_subplot(grid[k // 6, 2 + k % 6])
            ax.set_axis_off()
            image = ax.imshow(np.zeros((28, 28)), cmap="gray_r", vmin=0, vmax=1)
            self._gallery.append((ax, image))
        figure.text(0.62, 0.95, "misclassified test digits (true → predicted)", fontsize=9)
        return figure

    def _show_evaluation(self, evaluation):
        counts = evaluation["confusion_matrix"]
        with self._draw_lock:
            # Row-normalized colours (recall per class), so rare classes show too.
            rows = np.maximum(counts.sum(axis=1, keepdims=True), 1)
            self._cm_image.set_data(counts / rows)
            self._cm_axes.set_title(
                f"confusion matrix · test accuracy {evaluation['test_accuracy']:.2%}", fontsize=9
            )
            wrong = evaluation["misclassified"][:GALLERY_SIZE]
            for k, (ax, image) in enumerate(self._gallery):
                if k < len(wrong):
                    index = wrong[k]
                    image.set_data(self._x_test[index])
                    label = f"{self._y_test[index]} → {evaluation['predictions'][index]}"
                    ax.set_title(label, fontsize=8)
                else:
                    image.set_data(np.zeros((28, 28)))
                    ax.set_title("", fontsize=8)

    def draw(self):
        with self._draw_lock:
            super().draw()
