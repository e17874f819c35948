"""Watch a network memorize noise, and regularization pull it back.

A few noisy samples of sin(3x), a 3x128 tanh network that can fit every one of
them, and sliders for the training-set size, dropout, L2 and epochs. Left: the
data and the fitted curve. Right: train and validation loss per epoch and the
gap between them; the dotted line is the noise variance, the best loss any
model can reach on new data.
"""

from lmwidgets.core import training
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets._controls import Control

import numpy as np

L2_CHOICES = (("0", 0.0), ("1e-5", 1e-5), ("1e-4", 1e-4), ("1e-3", 1e-3), ("1e-2", 1e-2))
DEFAULTS = training.OVERFITTING_DEFAULTS
SHOWN = ("x_train", "y_train", "x_val", "y_val", "grid", "prediction", "best_epoch")


class OverfittingExplorer(Explorer):
    """Sliders ``train_size``, ``dropout``, ``l2``, ``epochs`` and a ``seed``; each change
    retrains (``core.training.overfitting_run``).

    ``result``: final ``train_loss`` and ``val_loss`` (mean squared error), their
    ``gap``, ``best_epoch`` (lowest validation loss), the curves ``epochs_recorded``,
    ``train_curve``, ``val_curve``, and the points and fitted curve drawn.
    """

    CONTROLS = (
        Control("train_size", "int", DEFAULTS["train_size"], low=5, high=300, step=5,
                label=Words("training points", "训练点数"), continuous=False),
        Control("epochs", "int", DEFAULTS["epochs"], low=20, high=600, step=20, continuous=False,
                label=Words("epochs", "迭代周期")),
        Control("seed", "int_text", DEFAULTS["seed"], low=0, high=2**31 - 1, role="data",
                width="160px", label=Words("seed", "种子")),
        Control("dropout", "float", DEFAULTS["dropout"], low=0, high=0.6, step=0.05, row=1,
                continuous=False, label=Words("dropout", "暂退法")),
        Control("l2", "buttons", DEFAULTS["l2"], options=L2_CHOICES, label="L2", row=1),
    )  # fmt: skip

    def compute(self, changed):
        s = self.settings
        run = training.overfitting_run(**s)
        if run["diverged"]:
            epoch, loss = run["diverged"]["epoch"], run["diverged"]["loss"]
            raise ValueError(
                say(
                    f"Training went wrong: the loss became {loss} by epoch {epoch}, so there is "
                    "no curve to draw. Try other settings or another seed.",
                    f"训练出了问题：到第 {epoch} 轮时损失变成了 {loss}，没有曲线可画。"
                    "请换一组设置或换一个种子。",
                )
            )
        return {
            **s,
            "train_loss": float(run["train_loss"][-1]),
            "val_loss": float(run["val_loss"][-1]),
            "gap": float(run["gap"]),
            "epochs_recorded": run["epochs"],
            "train_curve": run["train_loss"],
            "val_curve": run["val_loss"],
            **{key: run[key] for key in SHOWN},
        }

    def render(self, result):
        self._train_points.set_data(result["x_train"], result["y_train"])
        self._val_points.set_data(result["x_val"], result["y_val"])
        self._fit_line.set_data(result["grid"], result["prediction"])
        epochs, train, val = result["epochs_recorded"], result["train_curve"], result["val_curve"]
        self._train_curve.set_data(epochs, train)
        self._val_curve.set_data(epochs, val)
        self._gap.set_verts([self._band(epochs, train, val)])
        self._best.set_xdata([result["best_epoch"]] * 2)
        self._loss_axes.set_xlim(0, result["epochs"])
        # Ignore the first epochs' large losses: the interesting part is near the noise floor.
        top = max(np.percentile(val, 80) * 1.5, 3 * training.NOISE_STD**2)
        self._loss_axes.set_ylim(0, top)
        train, validation, gap = self._words["train"], self._words["validation"], self._words["gap"]
        self._loss_axes.set_title(
            f"{train} {result['train_loss']:.3f} · {validation} {result['val_loss']:.3f} · "
            f"{gap} {result['gap']:.3f}",
            fontsize=9,
        )

    @staticmethod
    def _band(x, low, high):
        return np.column_stack([np.r_[x, x[::-1]], np.r_[low, high[::-1]]])

    def build_figure(self):
        # The figure's words, chosen once (the figure speaks the language it was made in).
        self._words = words = {
            key: say_in_figure(*pair)
            for key, pair in {
                "train": ("train", "训练集"),
                "validation": ("validation", "验证集"),
                "gap": ("gap", "差距"),
                "model": ("model", "模型"),
                "noise": ("noise variance", "噪声方差"),
                "best": ("best validation", "验证集最佳"),
                "epoch": ("epoch", "迭代周期"),
                "error": ("mean squared error", "均方误差"),
                "sine": ("sin(3x)", "真实函数 sin(3x)"),
            }.items()
        }
        figure = new_figure(9.0, 3.2)
        data_axes, self._loss_axes = figure.subplots(1, 2)
        grid = np.linspace(-1, 1, 200)
        data_axes.plot(grid, training.clean_sine(grid), color="gray", lw=1, ls=":",
                       label=words["sine"])  # fmt: skip
        (self._val_points,) = data_axes.plot([], [], ".", color="#ff7f0e", ms=2, alpha=0.4,
                                             label=words["validation"])  # fmt: skip
        (self._train_points,) = data_axes.plot([], [], "o", color="#1f77b4", ms=4,
                                               label=words["train"])  # fmt: skip
        (self._fit_line,) = data_axes.plot([], [], color="#d62728", lw=1.5, label=words["model"])
        data_axes.set(xlim=(-1, 1), ylim=(-2.2, 2.2), xlabel="x", ylabel="y")
        data_axes.legend(fontsize=7, loc="lower right", ncol=2)
        (self._train_curve,) = self._loss_axes.plot([], [], color="#1f77b4", label=words["train"])
        (self._val_curve,) = self._loss_axes.plot([], [], color="#ff7f0e",
                                                  label=words["validation"])  # fmt: skip
        self._gap = self._loss_axes.fill_between([0, 1], [0, 0], [0, 0], color="#ff7f0e",
                                                 alpha=0.15, label=words["gap"])  # fmt: skip
        self._loss_axes.axhline(training.NOISE_STD**2, color="gray", ls=":", lw=1,
                                label=words["noise"])  # fmt: skip
        self._best = self._loss_axes.axvline(np.nan, color="#2ca02c", ls="--", lw=1,
                                             label=words["best"])  # fmt: skip
        self._loss_axes.set(xlabel=words["epoch"], ylabel=words["error"])
        self._loss_axes.legend(fontsize=7, loc="upper right")
        for ax in (data_axes, self._loss_axes):
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
        shown = " · ".join(words[key] for key in ("train", "validation", "gap"))
        self._loss_axes.set_title(shown, fontsize=9)  # room for it
        figure.tight_layout()
        return figure
