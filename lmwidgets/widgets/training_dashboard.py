"""Build and train an MLP on MNIST from controls; watch it learn; stop it at any batch.

A click cannot reach a kernel that is busy in ``model.fit``, so **Train** runs fit
in a background thread (``core.training.BackgroundFit``) and the kernel stays free
to handle **Stop**, which ends training after the current batch. The controls are
read once, when Train is pressed: changing them while training runs only
prepares the next run.
"""

import dataclasses

from lmwidgets.core import training
from lmwidgets.core.params import check_array
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets._controls import Action, Control
from lmwidgets.widgets.live_loss_plot import LiveLossPlot

import ipywidgets as widgets
import numpy as np

GALLERY_SIZE = 12
VALIDATION_SPLIT = 0.1
DEFAULTS = training.MLPConfig()
# What result keeps of core.training.evaluate_classifier.
EVALUATION = ("test_accuracy", "confusion_matrix", "recall_matrix", "misclassified", "predictions")


def _mnist_arrays(data):
    """((x_train, y_train), (x_test, y_test)) as scaled float images and int labels."""
    (x_train, y_train), (x_test, y_test) = data
    arrays = []
    for name, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        images, labels = np.asarray(images), np.asarray(labels)
        if len(images) == 0 or len(images) != len(labels) or images.shape[1:] != (28, 28):
            raise ValueError(  # shown in the widget (see TrainingDashboard.__init__)
                say(
                    f"The {name} data must be non-empty 28x28 images with one label each. "
                    f"Received images of shape {images.shape} and {len(labels)} labels.",
                    f"{'训练' if name == 'train' else '测试'}数据必须是非空的 28x28 "
                    f"图像，每张一个标签。收到的图像形状为 {images.shape}，标签 {len(labels)} 个。",
                )
            )
        images = check_array(
            f"x_{name}",
            images,
            ndim=3,
            low=0,
            high=255,
            dtype="float32",
            allowed="28x28 images of pixel values in [0, 255]",
        )
        labels = check_array(
            f"y_{name}",
            labels,
            ndim=1,
            integer=True,
            low=0,
            high=9,
            dtype="int64",
            allowed="digit labels, whole numbers 0 to 9",
        )
        arrays.append((training.scale_images(images), labels))
    return arrays


# How long Train waits for a stopped run to finish before saying it is still stopping.
STOPPING_WAIT_S = 30.0


class TrainingDashboard(Explorer):
    """Controls for an MLP on MNIST, live curves, test accuracy, confusion matrix, mistakes.

    ``data``: ``((x_train, y_train), (x_test, y_test))`` of uint8 28x28 images, or
    None for ``lmwidgets.datasets.load_mnist()``. 10% of the training data is held
    out for the validation curves. The controls are the fields of
    ``core.training.MLPConfig`` and the ``seed`` of the weights and dropout.
    ``train(wait=True)`` trains from Python and returns when done (what a lesson cell
    uses); ``stop()`` is what Stop does (``buttons["train"]``, ``buttons["stop"]``).
    ``model`` is the last model trained (kept after a stop) and ``result["history"]``
    its Keras history. Building the widget trains nothing.
    """

    CONTROLS = (
        Control("hidden_layers", "int", DEFAULTS.hidden_layers, low=0, high=4,
                label=Words("hidden layers", "隐藏层数")),
        Control("units", "choice", DEFAULTS.units, options=(16, 32, 64, 128, 256, 512),
                label=Words("units", "单元数")),
        Control("activation", "choice", DEFAULTS.activation, options=training.ACTIVATIONS,
                label=Words("activation", "激活函数")),
        Control("dropout", "float", DEFAULTS.dropout, low=0, high=0.8, step=0.05,
                label=Words("dropout", "暂退法")),
        Control("optimizer", "choice", DEFAULTS.optimizer, options=training.OPTIMIZERS, row=1,
                label=Words("optimizer", "优化器")),
        Control("learning_rate", "float_text", DEFAULTS.learning_rate, low=0, high=10,
                step=1e-4, row=1, label=Words("learning rate", "学习率")),
        Control("l2", "float_text", DEFAULTS.l2, low=0, high=10, step=1e-4, label="L2", row=1),
        Control("loss", "choice", DEFAULTS.loss, options=training.LOSSES, row=1,
                label=Words("loss", "损失")),
        Control("batch_size", "choice", DEFAULTS.batch_size, options=(16, 32, 64, 128, 256),
                label=Words("batch", "批量大小"), row=2),
        Control("epochs", "int", DEFAULTS.epochs, low=1, high=20, row=2,
                label=Words("epochs", "迭代周期")),
        Control("seed", "int_text", 0, low=0, high=2**31 - 1, role="data", width="160px", row=2,
                label=Words("seed", "种子")),
    )  # fmt: skip
    ACTIONS = (
        Action("train", Words("Train", "训练"), icon="play", style="success", row=2),
        Action("stop", Words("Stop", "停止"), icon="stop", style="danger", row=2),
    )

    def __init__(self, data=None, **settings):
        self.model = None
        self.training_run = None
        self._fitting = False  # from Train until the run is evaluated: Stop usable, Train not
        self._run_result = {}
        self._data_error = None
        self._shown = None  # the evaluation the figure shows
        self._drawn = False  # whether the image shows the figure as it is
        if data is None:
            from lmwidgets.datasets import load_mnist

            data = load_mnist()
        try:
            (self._x_train, self._y_train), (self._x_test, self._y_test) = _mnist_arrays(data)
        except (ValueError, TypeError) as error:
            self._data_error = say(f"No data to train on: {error}", f"没有可训练的数据：{error}")
            self._x_train = self._y_train = self._x_test = self._y_test = np.zeros(0)
        self.live_plot = LiveLossPlot(show=False)
        self.summary = widgets.HTML()
        super().__init__(**settings)

    def arrange(self):
        return [*super().arrange(), self.summary, self.live_plot.widget]

    # --- configuration -------------------------------------------------------------
    def config(self):
        """The MLPConfig the controls describe now (ValueError if a value is invalid)."""
        s = self.settings
        return training.MLPConfig(**{f.name: s[f.name] for f in dataclasses.fields(DEFAULTS)})

    def compute(self, changed):
        if self._data_error:
            raise ValueError(self._data_error)
        config = self.config()
        return {
            "config": dataclasses.asdict(config),
            "parameter_count": training.mlp_parameter_count(config),
            **self._run_result,
        }

    def render(self, result):
        count, train, test = result["parameter_count"], len(self._x_train), len(self._x_test)
        self.summary.value = say(
            f"<b>{count:,}</b> parameters · {train:,} "
            f"training images ({VALIDATION_SPLIT:.0%} held out for validation), "
            f"{test:,} test images",
            f"<b>{count:,}</b> 个参数 · {train:,} 张训练图像"
            f"（其中 {VALIDATION_SPLIT:.0%} 留作验证），{test:,} 张测试图像",
        )
        # The figure shows the last evaluation only: the controls prepare the next run.
        if "confusion_matrix" in result and result["confusion_matrix"] is not self._shown:
            self._show_evaluation(result)
            self._shown = result["confusion_matrix"]
            self._drawn = False

    def draw(self):
        # A control changes the summary line, not the figure: no redraw until an evaluation.
        if not self._drawn:
            super().draw()
            self._drawn = True

    # --- training ------------------------------------------------------------------
    @property
    def training(self):
        return self.training_run is not None and self.training_run.running

    def enabled(self, name):
        if name in ("train", "stop"):
            return self._fitting == (name == "stop")
        return True

    def train(self, wait=False):
        """Build a fresh model from the controls and train it in the background.

        With ``wait=True`` return only when training and evaluation are done.
        Problems (a bad control value, training already running) are shown in the
        widget, never raised.
        """
        if self.training and self.training_run.stopped:
            # Stop was pressed: the run ends after its batch and a short evaluation.
            self.wait(timeout=STOPPING_WAIT_S)
        if self.training:
            if self.training_run.stopped:
                message = say("Already training: it is still stopping.", "正在训练：仍在停止中。")
            else:
                message = say("Already training: press Stop first.", "正在训练：请先按“停止”。")
            self.show_message(message, kind="warning")
            return
        try:
            if self._data_error:
                raise ValueError(self._data_error)
            config = self.config()
            model = training.build_mlp(config, seed=self.settings["seed"])
        except ValueError as error:
            self.show_message(str(error), kind="error")
            return
        self.model = model
        self.live_plot.reset()
        epochs = config.epochs
        self.notice = (
            say(f"Training {epochs} epochs...", f"正在训练 {epochs} 个迭代周期……"),
            "info",
        )
        self.show_message(*self.notice)
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
        )
        self._fitting = True
        self._apply_enabled()
        self.training_run.start()
        if wait:
            self.wait()

    def stop(self):
        """End training after the current batch; the model and its history are kept."""
        if self.training:
            self.training_run.stop()
            self.show_message(say("Stopping after this batch...", "本批量结束后停止……"))

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
                **{k: evaluation[k] for k in EVALUATION},
            }
            self.notice = self._report(self._run_result, config)
        except Exception as error:  # noqa: BLE001 - shown to the learner, by design
            self.notice = (say(f"Training failed: {error}", f"训练失败：{error}"), "error")
        finally:
            self._fitting = False
            self._apply_enabled()
            # Not refresh(): the controls may hold an invalid value for the next run.
            self.show({**self.result, **self._run_result})

    @staticmethod
    def _report(run, config):
        accuracy = f"{run['test_accuracy']:.2%}"
        if run["diverged"]:
            advice = training.divergence_advice(
                run["diverged"], learning_rate=config.learning_rate, l2=config.l2
            )
            return say(f"{advice} Their test accuracy: {accuracy}.",
                       f"{advice}这些权重的测试准确率：{accuracy}。"), "error"  # fmt: skip
        epochs = run["epochs_completed"]
        if run["stopped"]:
            english = f"stopped by you after {epochs} epoch{'' if epochs == 1 else 's'}"
            chinese = f"你在 {epochs} 个迭代周期后停止了训练"
        else:
            english = f"trained {epochs} epoch{'' if epochs == 1 else 's'}"
            chinese = f"训练了 {epochs} 个迭代周期"
        return say(
            f"{english}: test accuracy {accuracy}", f"{chinese}：测试准确率 {accuracy}"
        ), "info"

    # --- drawing -------------------------------------------------------------------
    def build_figure(self):
        figure = new_figure(9.0, 3.4)
        grid = figure.add_gridspec(2, 2 + GALLERY_SIZE // 2, width_ratios=[3, 0.4] + [1] * 6)
        self._cm_axes = figure.add_subplot(grid[:, 0])
        self._cm_image = self._cm_axes.imshow(
            np.zeros((10, 10)), cmap="Blues", vmin=0, vmax=1, interpolation="nearest"
        )
        self._cm_axes.set(
            xlabel=say_in_figure("predicted", "预测"),
            ylabel=say_in_figure("true", "真实"),
            xticks=range(10),
            yticks=range(10),
        )
        self._cm_axes.tick_params(labelsize=7)
        self._cm_axes.set_title(
            say_in_figure("confusion matrix (train to fill)", "混淆矩阵（训练后填入）"), fontsize=9
        )
        self._gallery = []
        for k in range(GALLERY_SIZE):
            ax = figure.add_subplot(grid[k // 6, 2 + k % 6])
            ax.set_axis_off()
            image = ax.imshow(np.zeros((28, 28)), cmap="gray_r", vmin=0, vmax=1)
            self._gallery.append((ax, image))
        figure.text(
            0.62,
            0.95,
            say_in_figure(
                "misclassified test digits (true → predicted)", "分错的测试数字（真实 → 预测）"
            ),
            fontsize=9,
        )
        return figure

    def _show_evaluation(self, result):
        # Row-normalized colours (recall per class), so rare classes show too.
        self._cm_image.set_data(result["recall_matrix"])
        accuracy = f"{result['test_accuracy']:.2%}"
        self._cm_axes.set_title(
            say_in_figure(
                f"confusion matrix · test accuracy {accuracy}", f"混淆矩阵 · 测试准确率 {accuracy}"
            ),
            fontsize=9,
        )
        wrong = result["misclassified"][:GALLERY_SIZE]
        for k, (ax, image) in enumerate(self._gallery):
            if k < len(wrong):
                index = wrong[k]
                image.set_data(self._x_test[index])
                label = f"{self._y_test[index]} → {result['predictions'][index]}"
                ax.set_title(label, fontsize=8)
            else:
                image.set_data(np.zeros((28, 28)))
                ax.set_title("", fontsize=8)
