"""How good is a classifier: confusion counts, precision, recall, F1, PR and ROC curves.

A score at or above the threshold is predicted positive. Ratios that are undefined
(0/0, e.g. precision when nothing is predicted positive) are reported as 0.0, and
their names are listed under ``"undefined"`` so a display can say why.
"""

from numbers import Real

from lmwidgets.core.params import check_array, check_finite_result, check_number

import numpy as np

# The threshold a classifier's probability is usually cut at (scores >= it are positive).
DEFAULT_THRESHOLD = 0.5


def _binary_inputs(y_true, scores):
    y_true = check_array(
        "y_true",
        y_true,
        integer=True,
        low=0,
        high=1,
        allowed="a non-empty 1-D array of binary labels 0 and 1 (for more classes use "
        "one_vs_rest())",
    )
    scores = check_array(
        "scores", scores, low=0, high=1, allowed="a 1-D array of probabilities in [0, 1]"
    )
    if len(y_true) != len(scores):
        raise ValueError(
            f"scores must match y_true: one score per label ({len(y_true)}). "
            f"Received: {len(scores)} scores."
        )
    return y_true.astype(bool), scores


def _check_threshold(threshold):
    if isinstance(threshold, bool) or not (isinstance(threshold, Real) and 0 <= threshold <= 1):
        raise ValueError(f"threshold must be in [0, 1]. Received: threshold={threshold!r}.")


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
    x, y = check_array("x", x, min_size=2), check_array("y", y, min_size=2)
    if x.shape != y.shape:
        raise ValueError(
            "x and y must be 1-D arrays of the same length, at least 2 points. "
            f"Received: {x.size} x values, {y.size} y values."
        )
    with np.errstate(over="ignore", invalid="ignore"):
        area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
    return check_finite_result("area", area, x=x, y=y)


def _require_classes(y_true, needed, metric):
    present = {int(label) for label in np.unique(np.asarray(y_true))}
    missing = sorted(set(needed) - present)
    if missing:
        name = {0: "negatives (0)", 1: "positives (1)"}
        raise ValueError(
            f"{metric} needs {' and '.join(name[c] for c in needed)} in y_true; it has no "
            f"{' and no '.join(name[c] for c in missing)}. Received: y_true with labels "
            f"{sorted(present)}."
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
    class_scores = check_array("class_scores", class_scores, ndim=2, min_size=0)
    y_true = check_array(
        "y_true", y_true, min_size=0, allowed=f"a 1-D array of {len(class_scores)} labels"
    )
    if len(y_true) != len(class_scores):
        raise ValueError(
            "class_scores must be a 2-D array (examples, classes) with one row per label. "
            f"Received: shape {class_scores.shape} for {len(y_true)} labels."
        )
    n_classes = class_scores.shape[1]
    try:
        found = not isinstance(positive_class, bool) and positive_class in range(n_classes)
    except (TypeError, ValueError):  # an array, compared elementwise
        found = False
    if not found:
        raise ValueError(
            f"positive_class must be one of 0..{n_classes - 1}. "
            f"Received: positive_class={positive_class!r}."
        )
    positive_class = int(positive_class)
    return (y_true == positive_class).astype("int64"), class_scores[:, positive_class]


def confusion_matrix(y_true, y_pred, n_classes):
    """counts[i, j] = how many examples of true class i were predicted as class j.

    The one confusion matrix of ``core`` (``playground_model`` and ``training`` use it):
    rows are true classes, columns predicted ones, int64 counts.
    """
    n_classes = check_number("n_classes", n_classes, low=1, integer=True)
    indices = {}
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        allowed = f"a 1-D array of class indices in 0..{n_classes - 1}"
        indices[name] = check_array(
            name, values, min_size=0, integer=True, low=0, high=n_classes - 1, allowed=allowed
        ).astype("int64")
    y_true, y_pred = indices["y_true"], indices["y_pred"]
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "y_true and y_pred must be 1-D arrays of the same length. "
            f"Received: {y_true.size} labels in y_true, {y_pred.size} in y_pred."
        )
    counts = np.zeros((n_classes, n_classes), dtype="int64")
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
