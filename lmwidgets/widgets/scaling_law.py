"""ScalingLawLab: train a family of small language models and measure their scaling law."""

from lmwidgets.core import scaling_law
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import ScalarFormatter

WIDTH_CHOICES = (8, 16, 32, 64, 128, 256, 512, 1024)


class ScalingLawLab(Explorer):
    """Validation loss against parameters for MLP language models of growing width.

    Every model sees the same Shakespeare characters for the same number of steps;
    only the width differs. The fitted slope on log-log axes is compared with
    Kaplan et al.'s alpha_N = 0.076. Trained models are cached, so adding a width
    trains only that one. The default family takes well under a minute on 2 CPU cores.
    """

    def __init__(self, widths=scaling_law.DEFAULT_WIDTHS, steps=scaling_law.DEFAULT_STEPS, seed=0):
        unknown = sorted(set(widths) - set(WIDTH_CHOICES))
        if unknown:
            raise ValueError(
                f"Unknown widths {unknown}; expected some of {', '.join(map(str, WIDTH_CHOICES))}."
            )
        controls = {
            "widths": widgets.SelectMultiple(
                options=WIDTH_CHOICES, value=tuple(sorted(widths)), description="widths", rows=4
            ),
            "steps": widgets.IntSlider(
                value=steps,
                min=50,
                max=2000,
                step=50,
                description="steps",
                continuous_update=False,
            ),
            "seed": widgets.BoundedIntText(value=seed, min=0, max=10**6, description="seed"),
        }
        figure = new_figure(7, 3.6)
        self.axes = figure.add_subplot()
        (self.val_points,) = self.axes.plot(
            [], [], "o", color="C0", label="validation loss", zorder=3
        )
        (self.fit_line,) = self.axes.plot([], [], "-", color="C0", lw=1.5, label="fitted power law")
        (self.kaplan_line,) = self.axes.plot(
            [], [], "--", color="C3", lw=1, label="Kaplan et al. slope (0.076)"
        )
        self.width_labels = []
        self.axes.set_xscale("log")
        self.axes.set_yscale("log")
        # Losses span less than a factor of 2: plain numbers read better than powers of ten.
        self.axes.yaxis.set_major_formatter(ScalarFormatter())
        self.axes.yaxis.set_minor_formatter(ScalarFormatter())
        self.axes.set_xlabel("non-embedding parameters N")
        self.axes.set_ylabel("loss (nats per character)")
        self.axes.grid(True, which="both", alpha=0.3)
        self.axes.legend(fontsize=7, loc="upper right")
        figure.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.15)
        super().__init__(controls, figure)

    def update(self):
        widths = self.controls["widths"].value
        steps = self.controls["steps"].value
        seed = self.controls["seed"].value
        if len(widths) < 2:
            raise ValueError("Select at least 2 widths to fit a scaling law.")
        self.show_message(f"training {len(widths)} models for {steps} steps each...")
        family = scaling_law.train_family(widths, steps, seed)
        n = family["n_non_embedding"]
        fit = scaling_law.fit_power_law(n, family["val_loss"])

        self.val_points.set_data(n, family["val_loss"])
        grid = np.geomspace(n.min(), n.max(), 50)
        self.fit_line.set_data(grid, scaling_law.power_law(grid, **fit))
        # Kaplan's slope drawn through the middle of the measured points.
        middle_n = np.exp(np.log(n).mean())
        middle_loss = np.exp(np.log(family["val_loss"]).mean())
        kaplan = scaling_law.KAPLAN_ALPHA_N
        self.kaplan_line.set_data(grid, middle_loss * (grid / middle_n) ** -kaplan)
        for label in self.width_labels:
            label.remove()
        self.width_labels = [
            self.axes.annotate(
                f"w={w}", (x, y), fontsize=7, xytext=(0, 6), textcoords="offset points"
            )
            for w, x, y in zip(family["width"], n, family["val_loss"], strict=True)
        ]
        losses = family["val_loss"]
        self.axes.set_xlim(n.min() / 1.5, n.max() * 1.5)
        self.axes.set_ylim(losses.min() / 1.08, losses.max() * 1.08)
        self.axes.set_title(
            f"measured alpha_N = {fit['alpha']:.3f} (Kaplan et al. 2020: {kaplan})", fontsize=10
        )
        self.result = {
            "widths": family["width"],
            "n_params": family["n_params"],
            "n_non_embedding": n,
            "val_loss": family["val_loss"],
            "train_loss": family["train_loss"],
            "alpha": fit["alpha"],
            "n_c": fit["n_c"],
            "kaplan_alpha": kaplan,
            "steps": int(steps),
            "seed": int(seed),
        }
