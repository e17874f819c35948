"""How good is a classifier: confusion counts, precision, recall, F1, PR and ROC curves.

A score at or above the threshold is predicted positive. Ratios that are undefined
(0/0, e.g. precision when nothing is predicted positive) are reported as 0.0, and
their names are listed under ``"undefined"`` so a display can say why.
"""

from numbers import Real

import numpy as np

# The threshold a classifier's probability is usually cut at (scores >= it are positive).
DEFAULT_THRESHOLD = 0.5


def _binary_inputs(y_true, scores):
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype="float64")
    if y_true.ndim != 1 or scores.ndim != 1:
        raise ValueError(
            "y_true and scores must be 1-D arrays of the same length. "
            f"Received shapes {y_true.shape} and {scores.shape}."
        )
    if len(y_true) == 0:
        raise ValueError("y_true and scores are empty; at least one example is needed.")
    if len(y_true) != len(scores):
        raise ValueError(
            f"y_true has {len(y_true)} labels but scores has {len(scores)} values; they must match."
        )
    labels = set(np.unique(y_true).tolist())
    if not labels <= {0, 1}:
        raise ValueError(
            f"y_true must hold binary labels 0 and 1. Received labels {sorted(labels)}; "
            "for more classes use one_vs_rest()."
        )
    if not np.all(np.isfinite(scores)) or scores.min() < 0 or scores.max() > 1:
        raise ValueError(
            "scores must be probabilities in [0, 1]. "
            f"Received values from {scores.min()} to {scores.max()}."
        )
    return y_true.astype(bool), scores


def _check_threshold(threshold):
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1]. Received threshold={threshold}.")


def _ratio(numerator, denominator):
    return float(numerator / denominator) if denominator else 0.0


def threshold_metrics(y_true, scores, threshold=DEFAULT_THRESHOLD):
    """Confusion counts and the ratios built from them at one threshold.

    Returns a dict with tp, fp, tn, fn (ints), accuracy, precision, recall, f1
    (floats) and ``undefined``: the names of ratios whose denominator was 0
    (reported as 0.0).
    """
    actual, scores = _binary_inputs(y_true, scores)
    _check_threshold(threshold)
    predicted = scores >= threshold
    tp = int(np.sum(predicted & actual))
    fp = int(np.sum(predicted & ~actual))
    tn = int(np.sum(~predicted & ~actual))
    fn = int(np.sum(~predicted & actual))
    undefined = []
    if tp + fp == 0:
        undefined.append("precision")
    if tp + fn == 0:
        undefined.append("recall")
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    if precision + recall == 0:
        undefined.append("f1")
    return {
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "accuracy": _ratio(tp + tn, len(actual)),
        "precision": precision,
        "recall": recall,
        "f1": _ratio(2 * precision * recall, precision + recall),
        "undefined": tuple(undefined),
    }


def rates_at_threshold(y_true, scores, threshold=DEFAULT_THRESHOLD):
    """The four rates of the confusion matrix at one threshold, and the class sizes.

    Returns a dict: ``true_positive_rate`` (recall, TP / P), ``false_positive_rate``
    (FP / N), ``true_negative_rate`` (specificity, TN / N), ``false_negative_rate``
    (FN / P), ``positives`` (P) and ``negatives`` (N), and ``undefined``: the rates
    whose class is absent from ``y_true`` (reported as 0.0). ``(false_positive_rate,
    true_positive_rate)`` is the threshold's point on the ROC curve.
    """
    counts = threshold_metrics(y_true, scores, threshold)
    positives = counts["tp"] + counts["fn"]
    negatives = counts["fp"] + counts["tn"]
    undefined = []
    if not positives:
        undefined += ["true_positive_rate", "false_negative_rate"]
    if not negatives:
        undefined += ["false_positive_rate", "true_negative_rate"]
    return {
        "true_positive_rate": _ratio(counts["tp"], positives),
        "false_positive_rate": _ratio(counts["fp"], negatives),
        "true_negative_rate": _ratio(counts["tn"], negatives),
        "false_negative_rate": _ratio(counts["fn"], positives),
        "positives": positives,
        "negatives": negatives,
        "undefined": tuple(undefined),
    }


def _counts_at_every_threshold(y_true, scores):
    """Thresholds (distinct scores, descending) and tp, fp when predicting score >= each."""
    actual, scores = _binary_inputs(y_true, scores)
    order = np.argsort(-scores, kind="stable")
    scores, actual = scores[order], actual[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tp = np.cumsum(actual)[last_of_tie]
    fp = np.cumsum(~actual)[last_of_tie]
    return scores[last_of_tie], tp, fp, int(actual.sum()), int((~actual).sum())


def roc_curve(y_true, scores):
    """(false positive rates, true positive rates, thresholds), starting at (0, 0).

    The first threshold is +inf (nothing predicted positive). A rate whose class
    is absent from y_true is reported as 0.
    """
    thresholds, tp, fp, positives, negatives = _counts_at_every_threshold(y_true, scores)
    tpr = np.r_[0.0, tp / positives] if positives else np.zeros(len(tp) + 1)
    fpr = np.r_[0.0, fp / negatives] if negatives else np.zeros(len(fp) + 1)
    return fpr, tpr, np.r_[np.inf, thresholds]


def precision_recall_curve(y_true, scores):
    """(precision, recall, thresholds), one point per distinct score, descending.

    Every threshold predicts at least one positive, so precision is always defined.
    """
    thresholds, tp, fp, positives, _ = _counts_at_every_threshold(y_true, scores)
    precision = tp / (tp + fp)
    recall = tp / positives if positives else np.zeros(len(tp))
    return precision, recall, thresholds


def area_under_curve(x, y):
    """Area under a piecewise-linear curve through the points (x, y), by the trapezoid rule."""
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError(
            "x and y must be 1-D arrays of the same length, at least 2 points. "
            f"Received shapes x={x.shape} and y={y.shape}."
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite numbers (no nan or inf).")
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def _require_classes(y_true, needed, metric):
    present = {int(label) for label in np.unique(np.asarray(y_true))}
    missing = sorted(set(needed) - present)
    if missing:
        name = {0: "negatives (0)", 1: "positives (1)"}
        raise ValueError(
            f"{metric} needs {' and '.join(name[c] for c in needed)} in y_true; it has no "
            f"{' and no '.join(name[c] for c in missing)}. Received labels {sorted(present)}."
        )


def roc_auc(y_true, scores):
    """Area under the ROC curve: the chance a random positive outscores a random negative.

    Needs both classes in ``y_true`` (with one, the chance is undefined).
    """
    fpr, tpr, _ = roc_curve(y_true, scores)
    _require_classes(y_true, (0, 1), "roc_auc")
    return area_under_curve(fpr, tpr)


def average_precision(y_true, scores):
    """Area under the PR curve as a step function: sum of (R_k - R_k-1) * P_k.

    Needs at least one positive in ``y_true`` (without one, recall is undefined).
    """
    precision, recall, _ = precision_recall_curve(y_true, scores)
    _require_classes(y_true, (1,), "average_precision")
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def one_vs_rest(y_true, class_scores, positive_class):
    """Binary labels (1 where y_true == positive_class) and that class's score column."""
    y_true = np.asarray(y_true)
    class_scores = np.asarray(class_scores, dtype="float64")
    if class_scores.ndim != 2 or len(class_scores) != len(y_true):
        raise ValueError(
            "class_scores must be a 2-D array (examples, classes) with one row per label. "
            f"Received shape {class_scores.shape} for {len(y_true)} labels."
        )
    n_classes = class_scores.shape[1]
    if positive_class not in range(n_classes):
        raise ValueError(
            f"positive_class must be one of 0..{n_classes - 1}. "
            f"Received positive_class={positive_class!r}."
        )
    return (y_true == positive_class).astype("int64"), class_scores[:, positive_class]


def confusion_matrix(y_true, y_pred, n_classes):
    """counts[i, j] = how many examples of true class i were predicted as class j.

    The one confusion matrix of ``core`` (``playground_model`` and ``training`` use it):
    rows are true classes, columns predicted ones, int64 counts.
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, Real) or n_classes < 1:
        whole = False
    else:
        whole = float(n_classes).is_integer()
    if not whole:
        raise ValueError(f"n_classes must be an integer >= 1. Received n_classes={n_classes!r}.")
    n_classes = int(n_classes)
    y_true, y_pred = np.asarray(y_true, dtype="int64"), np.asarray(y_pred, dtype="int64")
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            "y_true and y_pred must be 1-D arrays of the same length. "
            f"Received shapes {y_true.shape} and {y_pred.shape}."
        )
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if len(values) and (values.min() < 0 or values.max() >= n_classes):
            raise ValueError(
                f"{name} must hold class indices in 0..{n_classes - 1}. "
                f"Received values from {values.min()} to {values.max()}."
            )
    counts = np.zeros((n_classes, n_classes), dtype="int64")
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
