"""ScalingLawLab: train a family of small language models and measure their scaling law."""

from lmwidgets.core import scaling_law
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets._controls import Control

import numpy as np
from matplotlib.ticker import ScalarFormatter

WIDTH_CHOICES = (8, 16, 32, 64, 128, 256, 512, 1024)


class ScalingLawLab(Explorer):
    """Validation loss against parameters for MLP language models of growing width.

    Every model sees the same Shakespeare characters for the same number of steps;
    only the width differs. The fitted slope on log-log axes is compared with
    Kaplan et al.'s alpha_N = 0.076. Trained models are cached, so adding a width
    trains only that one. The default family takes well under a minute on 2 CPU cores.
    A power law needs at least 2 widths.
    """

    CONTROLS = (
        # low=2: a line on log-log axes needs two points.
        Control("widths", "multi", scaling_law.DEFAULT_WIDTHS, options=WIDTH_CHOICES, low=2,
                role="model", label=Words("widths", "宽度")),
        Control("steps", "int", scaling_law.DEFAULT_STEPS, low=50, high=2000, step=50,
                role="model", continuous=False, label=Words("steps", "训练步数")),
        Control("seed", "int_text", 0, low=0, high=2**31 - 1, role="data",
                label=Words("seed", "种子")),
    )  # fmt: skip

    def build_figure(self):
        figure = new_figure(7, 3.6)
        self.axes = figure.add_subplot()
        (self.val_points,) = self.axes.plot(
            [], [], "o", color="C0", label=say_in_figure("validation loss", "验证损失"), zorder=3
        )
        (self.fit_line,) = self.axes.plot(
            [], [], "-", color="C0", lw=1.5, label=say_in_figure("fitted power law", "拟合的幂律")
        )
        kaplan = scaling_law.KAPLAN_ALPHA_N
        kaplan = say_in_figure(f"Kaplan et al. slope ({kaplan})", f"Kaplan 等人的斜率（{kaplan}）")
        (self.kaplan_line,) = self.axes.plot([], [], "--", color="C3", lw=1, label=kaplan)
        self.width_labels = []
        self.axes.set_xscale("log")
        self.axes.set_yscale("log")
        # Losses span less than a factor of 2: plain numbers read better than powers of ten.
        self.axes.yaxis.set_major_formatter(ScalarFormatter())
        self.axes.yaxis.set_minor_formatter(ScalarFormatter())
        self.axes.set_xlabel(say_in_figure("non-embedding parameters N", "非嵌入参数量 N"))
        self.axes.set_ylabel(say_in_figure("loss (nats per character)", "损失（奈特/字符）"))
        self.axes.grid(True, which="both", alpha=0.3)
        self.axes.legend(fontsize=7, loc="upper right")
        figure.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.15)
        return figure

    def compute(self, changed):
        s = self.settings
        count, steps = len(s["widths"]), s["steps"]
        self.show_message(
            say(
                f"training {count} models for {steps} steps each...",
                f"正在训练 {count} 个模型，每个 {steps} 步……",
            )
        )
        family = scaling_law.train_family(s["widths"], s["steps"], s["seed"])
        n, losses = family["n_non_embedding"], family["val_loss"]
        fit = scaling_law.fit_power_law(n, losses)
        grid = np.geomspace(n.min(), n.max(), 50)
        return {
            "widths": family["width"],
            "n_params": family["n_params"],
            "n_non_embedding": n,
            "val_loss": losses,
            "train_loss": family["train_loss"],
            "alpha": fit["alpha"],
            "n_c": fit["n_c"],
            "kaplan_alpha": scaling_law.KAPLAN_ALPHA_N,
            "fit_line": {"n": grid, "loss": scaling_law.power_law(grid, **fit)},
            # Kaplan's slope drawn through the middle of the measured points.
            "kaplan_line": {"n": grid, "loss": scaling_law.kaplan_line(n, losses, grid)},
            "steps": s["steps"],
            "seed": s["seed"],
        }

    def render(self, result):
        n, losses = result["n_non_embedding"], result["val_loss"]
        self.val_points.set_data(n, losses)
        self.fit_line.set_data(result["fit_line"]["n"], result["fit_line"]["loss"])
        self.kaplan_line.set_data(result["kaplan_line"]["n"], result["kaplan_line"]["loss"])
        for label in self.width_labels:
            label.remove()
        self.width_labels = [
            self.axes.annotate(
                f"w={w}", (x, y), fontsize=7, xytext=(0, 6), textcoords="offset points"
            )
            for w, x, y in zip(result["widths"], n, losses, strict=True)
        ]
        self.axes.set_xlim(n.min() / 1.5, n.max() * 1.5)
        self.axes.set_ylim(losses.min() / 1.08, losses.max() * 1.08)
        alpha, kaplan = result["alpha"], result["kaplan_alpha"]
        self.axes.set_title(
            say_in_figure(
                f"measured alpha_N = {alpha:.3f} (Kaplan et al. 2020: {kaplan})",
                f"实测 alpha_N = {alpha:.3f}（Kaplan 等人 2020：{kaplan}）",
            ),
            fontsize=10,
        )
