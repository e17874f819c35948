"""Watch a network memorize noise, and regularization pull it back.

A few noisy samples of sin(3x), a 3x128 tanh network that can fit every one of
them, and sliders for the training-set size, dropout, L2 and epochs. Left: the
data and the fitted curve. Right: train and validation loss per epoch and the
gap between them; the dotted line is the noise variance, the best loss any
model can reach on new data.
"""

from lmwidgets.core import training
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np

L2_CHOICES = (("0", 0.0), ("1e-5", 1e-5), ("1e-4", 1e-4), ("1e-3", 1e-3), ("1e-2", 1e-2))


class OverfittingExplorer(Explorer):
    """Sliders ``train_size``, ``dropout``, ``l2``, ``epochs``; each change retrains.

    ``result``: final ``train_loss`` and ``val_loss`` (mean squared error), their
    ``gap``, ``best_epoch`` (lowest validation loss), and the curves ``epochs``,
    ``train_curve``, ``val_curve``.
    """

    def __init__(self, train_size=20, dropout=0.0, l2=0.0, epochs=300, seed=0):
        self.seed = seed
        slider = {"continuous_update": False, "style": {"description_width": "initial"}}
        controls = {
            "train_size": widgets.IntSlider(
                value=train_size, min=5, max=300, step=5, description="training points", **slider
            ),
            "dropout": widgets.FloatSlider(
                value=dropout, min=0, max=0.6, step=0.05, description="dropout", **slider
            ),
            "l2": widgets.SelectionSlider(options=L2_CHOICES, value=l2, description="L2", **slider),
            "epochs": widgets.IntSlider(
                value=epochs, min=20, max=600, step=20, description="epochs", **slider
            ),
        }
        rows = [
            widgets.HBox([controls["train_size"], controls["epochs"]]),
            widgets.HBox([controls["dropout"], controls["l2"]]),
        ]
        super().__init__(controls, self._build_figure(), control_rows=rows)

    def update(self):
        values = {name: control.value for name, control in self.controls.items()}
        run = training.overfitting_run(seed=self.seed, **values)
        self._train_points.set_data(run["x_train"], run["y_train"])
        self._val_points.set_data(run["x_val"], run["y_val"])
        self._fit_line.set_data(run["grid"], run["prediction"])
        self._train_curve.set_data(run["epochs"], run["train_loss"])
        self._val_curve.set_data(run["epochs"], run["val_loss"])
        self._gap.set_verts([self._band(run["epochs"], run["train_loss"], run["val_loss"])])
        self._best.set_xdata([run["best_epoch"]] * 2)
        self._loss_axes.set_xlim(0, values["epochs"])
        # Ignore the first epochs' large losses: the interesting part is near the noise floor.
        top = max(np.percentile(run["val_loss"], 80) * 1.5, 3 * training.NOISE_STD**2)
        self._loss_axes.set_ylim(0, top)
        self._loss_axes.set_title(
            f"train {run['train_loss'][-1]:.3f} · validation {run['val_loss'][-1]:.3f} · "
            f"gap {run['gap']:.3f}",
            fontsize=9,
        )
        self.result = {
            **values,
            "train_loss": float(run["train_loss"][-1]),
            "val_loss": float(run["val_loss"][-1]),
            "gap": float(run["gap"]),
            "best_epoch": run["best_epoch"],
            "epochs_recorded": run["epochs"],
            "train_curve": run["train_loss"],
            "val_curve": run["val_loss"],
        }

    @staticmethod
    def _band(x, low, high):
        return np.column_stack([np.r_[x, x[::-1]], np.r_[low, high[::-1]]])

    def _build_figure(self):
        figure = new_figure(9.0, 3.2)
        data_axes, self._loss_axes = figure.subplots(1, 2)
        grid = np.linspace(-1, 1, 200)
        data_axes.plot(grid, np.sin(3 * grid), color="gray", lw=1, ls=":", label="sin(3x)")
        (self._val_points,) = data_axes.plot([], [], ".", color="#ff7f0e", ms=2, alpha=0.4,
                                             label="validation")  # fmt: skip
        (self._train_points,) = data_axes.plot([], [], "o", color="#1f77b4", ms=4, label="train")
        (self._fit_line,) = data_axes.plot([], [], color="#d62728", lw=1.5, label="model")
        data_axes.set(xlim=(-1, 1), ylim=(-2.2, 2.2), xlabel="x", ylabel="y")
        data_axes.legend(fontsize=7, loc="lower right", ncol=2)
        (self._train_curve,) = self._loss_axes.plot([], [], color="#1f77b4", label="train")
        (self._val_curve,) = self._loss_axes.plot([], [], color="#ff7f0e", label="validation")
        self._gap = self._loss_axes.fill_between([0, 1], [0, 0], [0, 0], color="#ff7f0e",
                                                 alpha=0.15, label="gap")  # fmt: skip
        self._loss_axes.axhline(training.NOISE_STD**2, color="gray", ls=":", lw=1,
                                label="noise variance")  # fmt: skip
        self._best = self._loss_axes.axvline(np.nan, color="#2ca02c", ls="--", lw=1,
                                             label="best validation")  # fmt: skip
        self._loss_axes.set(xlabel="epoch", ylabel="mean squared error")
        self._loss_axes.legend(fontsize=7, loc="upper right")
        for ax in (data_axes, self._loss_axes):
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
        self._loss_axes.set_title("train · validation · gap", fontsize=9)  # room for it
        figure.tight_layout()
        return figure
