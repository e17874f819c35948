"""Pick a decision threshold and see the confusion matrix, precision, recall, F1, PR and ROC.

Binary scores (one probability per example) or class probabilities (one column
per class): the latter reduce to one class against the rest, chosen with a picker.
"""

import dataclasses
import html

from lmwidgets.core import metrics
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets._controls import Control

import ipywidgets as widgets
import numpy as np

CELL_NAMES = (("tn", "fp"), ("fn", "tp"))
# The ratios the readout shows, by their names in ``result``.
RATIO_NAMES = {
    "accuracy": Words("accuracy", "准确率"),
    "precision": Words("precision", "精确率"),
    "recall": Words("recall", "召回率"),
    "f1": Words("f1", "F1"),
}


class MetricsExplorer(Explorer):
    """``MetricsExplorer(y_true, scores)``: a threshold control over a classifier's scores.

    ``scores`` is a 1-D array of probabilities of the positive class (``y_true`` holds
    0 and 1) or a 2-D array of class probabilities (``y_true`` holds class indices;
    ``controls["positive_class"]`` picks the class scored one-vs-rest, one of
    0..classes-1, the first by default). A score at or above ``controls["threshold"]``
    is predicted positive. ``result`` holds the counts, accuracy, precision, recall,
    F1, ROC AUC and average precision.
    """

    # Binary scores have one positive class, 1; class probabilities one per column.
    CONTROLS = (
        Control("threshold", "float_text", metrics.DEFAULT_THRESHOLD, low=0, high=1, step=0.05,
                width="180px", label=Words("threshold", "阈值")),
        Control("positive_class", "choice", 1, options=(1,),
                label=Words("positive class", "正类")),
    )  # fmt: skip

    def __init__(self, y_true, scores, **settings):
        self._y_true = np.asarray(y_true)
        self._scores = np.asarray(scores, dtype="float64")
        self._curve_cache = {}
        self.readout = widgets.HTML()
        self.note = widgets.HTML()
        # The figure's key as HTML: text there costs nothing to redraw.
        self.key = widgets.HTML(
            '<span style="font-size:90%"><span style="color:#d62728">&#9679;</span> '
            + say("threshold (on both curves)", "阈值（在两条曲线上）")
            + "</span>"
        )
        super().__init__(**settings)

    @property
    def multiclass(self):
        return self._scores.ndim == 2

    def declare(self):
        threshold, positive_class = self.CONTROLS
        if not self.multiclass:
            return self.CONTROLS
        classes = tuple(range(self._scores.shape[1]))
        return (threshold, dataclasses.replace(positive_class, options=classes, default=0))

    def enabled(self, name):
        return name != "positive_class" or self.multiclass

    def footer(self):
        return [self.key, self.readout, self.note]

    def _binary(self, positive_class):
        if self.multiclass:
            return metrics.one_vs_rest(self._y_true, self._scores, positive_class)
        return self._y_true, self._scores

    def _curves(self, positive_class):
        if positive_class not in self._curve_cache:
            labels, scores = self._binary(positive_class)
            fpr, tpr, _ = metrics.roc_curve(labels, scores)
            precision, recall, _ = metrics.precision_recall_curve(labels, scores)
            self._curve_cache[positive_class] = {
                "roc_curve": {"fpr": fpr, "tpr": tpr},
                "pr_curve": {"precision": precision, "recall": recall},
                "roc_auc": metrics.roc_auc(labels, scores),
                "average_precision": metrics.average_precision(labels, scores),
            }
        return self._curve_cache[positive_class]

    def compute(self, changed):
        s = self.settings
        labels, scores = self._binary(s["positive_class"])
        counts = metrics.threshold_metrics(labels, scores, s["threshold"])
        rates = metrics.rates_at_threshold(labels, scores, s["threshold"])
        return {
            "threshold": s["threshold"],
            "positive_class": s["positive_class"],
            **counts,
            "false_positive_rate": rates["false_positive_rate"],
            "positives": rates["positives"],
            **self._curves(s["positive_class"]),
        }

    def render(self, result):
        self._draw_counts(result)
        self._roc_line.set_data(result["roc_curve"]["fpr"], result["roc_curve"]["tpr"])
        self._pr_line.set_data(result["pr_curve"]["recall"], result["pr_curve"]["precision"])
        self._roc_point.set_data([result["false_positive_rate"]], [result["recall"]])
        self._pr_point.set_data([result["recall"]], [result["precision"]])
        self._roc_axes.set_title(f"ROC · AUC {result['roc_auc']:.3f}", fontsize=9)
        self._pr_axes.set_title(
            f"{self._pr_title} · AP {result['average_precision']:.3f}", fontsize=9
        )
        self.readout.value = " · ".join(
            f"{RATIO_NAMES[name]} <b>{result[name]:.3f}</b>"
            for name in ("accuracy", "precision", "recall", "f1")
        )
        self.note.value = self._undefined_note(result["undefined"])

    @staticmethod
    def _undefined_note(undefined):
        if not undefined:
            return ""
        text = say(
            f"{', '.join(undefined)} undefined here (a division by zero: no positive "
            "predictions or no positive examples), shown as 0.",
            f"{'、'.join(str(RATIO_NAMES.get(name, name)) for name in undefined)}在此无定义"
            "（除数为零：没有预测为正类的样本，或没有正类样本），显示为 0。",
        )
        return f'<span style="color:#8a5300">{html.escape(text)}</span>'

    # --- drawing -------------------------------------------------------------------
    def build_figure(self):
        figure = new_figure(9.0, 3.0)
        cm_axes, self._pr_axes, self._roc_axes = figure.subplots(
            1, 3, gridspec_kw={"width_ratios": [0.8, 1, 1]}
        )
        # At a line's zorder, above the ticks and their labels (1.5): a redraw over the cached
        # axes draws no text twice.
        self._cm_image = cm_axes.imshow(
            np.zeros((2, 2)), cmap="Blues", vmin=0, vmax=1, interpolation="nearest", zorder=2
        )
        cm_axes.set(
            xticks=[0, 1],
            yticks=[0, 1],
            xticklabels=[say_in_figure(f"predicted {sign}", f"预测 {sign}") for sign in "−+"],
            yticklabels=[say_in_figure(f"actual {sign}", f"实际 {sign}") for sign in "−+"],
        )
        cm_axes.tick_params(labelsize=8)
        self._cm_texts = [
            [cm_axes.text(j, i, "", ha="center", va="center", fontsize=10) for j in range(2)]
            for i in range(2)
        ]
        cm_axes.set_title(say_in_figure("confusion matrix", "混淆矩阵"), fontsize=9)
        (self._pr_line,) = self._pr_axes.plot([], [], color="#1f77b4")
        # Points above the curves and the diagonal, drawn last in a full draw as over the cache.
        (self._pr_point,) = self._pr_axes.plot(
            [], [], "o", color="#d62728", label=say_in_figure("threshold", "阈值"), zorder=3
        )
        self._pr_axes.set(
            xlabel=say_in_figure("recall", "召回率"),
            ylabel=say_in_figure("precision", "精确率"),
            xlim=(0, 1.02),
            ylim=(0, 1.05),
        )
        (self._roc_line,) = self._roc_axes.plot([], [], color="#1f77b4")
        (self._roc_point,) = self._roc_axes.plot(
            [], [], "o", color="#d62728", label=say_in_figure("threshold", "阈值"), zorder=3
        )
        self._roc_axes.plot([0, 1], [0, 1], ":", color="gray", lw=1)
        self._roc_axes.set(
            xlabel=say_in_figure("false positive rate", "假正率"),
            ylabel=say_in_figure("true positive rate (recall)", "真正率（召回率）"),
            xlim=(0, 1),
            ylim=(0, 1.02),
        )
        for ax in (self._pr_axes, self._roc_axes):
            ax.tick_params(labelsize=8)
            ax.xaxis.label.set_size(8)
            ax.yaxis.label.set_size(8)
            ax.grid(alpha=0.3)
        self._pr_title = say_in_figure("precision-recall", "精确率-召回率")
        self._pr_axes.set_title(self._pr_title, fontsize=9)  # room for the titles
        self._roc_axes.set_title("ROC", fontsize=9)
        figure.tight_layout()
        return figure

    def dynamic_artists(self):
        # The counts and the threshold's points over a cached picture of the axes, the
        # curves and their titles (which depend on the positive class only).
        texts = [text for row in self._cm_texts for text in row]
        return [self._cm_image, *texts, self._roc_point, self._pr_point]

    def background_key(self):
        return self.result.get("positive_class")

    def _draw_counts(self, counts):
        grid = np.array([[counts[name] for name in row] for row in CELL_NAMES], dtype=float)
        self._cm_image.set_data(grid / max(grid.max(), 1))
        for i, row in enumerate(CELL_NAMES):
            for j, name in enumerate(row):
                dark = grid[i, j] > 0.6 * grid.max()
                self._cm_texts[i][j].set_text(f"{name.upper()}\n{counts[name]}")
                self._cm_texts[i][j].set_color("white" if dark else "black")
