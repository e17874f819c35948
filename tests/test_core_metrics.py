"""lmwidgets.core.metrics against independent references.

References: Keras' own metrics (keras.metrics.Precision/Recall/BinaryAccuracy,
which predict positive when score > threshold, so thresholds here avoid ties),
a plain-Python count for ties (the module's rule is score >= threshold), the
Mann-Whitney pair count for ROC AUC (Hanley & McNeil 1982, Radiology 143:29-36)
and average precision as the mean precision at each positive's rank.
"""

import lmwidgets  # noqa: F401  (picks the Keras backend before keras is imported)
from lmwidgets.core import metrics

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.backends


def _sample(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    scores = np.clip(0.35 * y + rng.uniform(0, 0.65, n), 0, 1)
    return y, scores


def _keras_value(metric, y, scores):
    metric.update_state(y.astype("float32"), scores.astype("float32"))
    return float(keras.ops.convert_to_numpy(metric.result()))


@pytest.mark.parametrize("threshold", [0.1234, 0.5001, 0.777])
def test_threshold_metrics_match_keras_metrics(threshold):
    y, scores = _sample()
    got = metrics.threshold_metrics(y, scores, threshold)
    assert got["precision"] == pytest.approx(
        _keras_value(keras.metrics.Precision(thresholds=threshold), y, scores), abs=1e-6
    )
    assert got["recall"] == pytest.approx(
        _keras_value(keras.metrics.Recall(thresholds=threshold), y, scores), abs=1e-6
    )
    assert got["accuracy"] == pytest.approx(
        _keras_value(keras.metrics.BinaryAccuracy(threshold=threshold), y, scores), abs=1e-6
    )
    p, r = got["precision"], got["recall"]
    assert got["f1"] == pytest.approx(2 * p * r / (p + r))
    assert got["tp"] + got["fp"] + got["tn"] + got["fn"] == len(y)
    assert got["undefined"] == ()


def test_score_equal_to_threshold_is_positive():
    y = [1, 0, 1, 0, 1]
    scores = [0.5, 0.5, 0.2, 0.9, 0.7]
    got = metrics.threshold_metrics(y, scores, 0.5)
    ref = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
    for label, score in zip(y, scores, strict=True):
        key = ("t" if (score >= 0.5) == bool(label) else "f") + ("p" if score >= 0.5 else "n")
        ref[key] += 1
    assert {k: got[k] for k in ref} == ref == {"tp": 2, "fp": 2, "tn": 0, "fn": 1}


def test_no_positive_prediction_gives_zero_and_a_note():
    got = metrics.threshold_metrics([0, 1, 1], [0.1, 0.2, 0.3], 1.0)
    assert got["precision"] == 0.0 and got["f1"] == 0.0
    assert got["recall"] == 0.0
    assert "precision" in got["undefined"] and "f1" in got["undefined"]
    assert not any(np.isnan(v) for v in got.values() if isinstance(v, float))


def test_roc_auc_equals_pair_count():
    y, scores = _sample(200, seed=1)
    scores = np.round(scores, 1)  # many ties: each tied pair counts one half
    pos, neg = scores[y == 1], scores[y == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert metrics.roc_auc(y, scores) == pytest.approx(wins / (len(pos) * len(neg)))


def test_roc_curve_points_match_threshold_metrics():
    y, scores = _sample(50, seed=2)
    fpr, tpr, thresholds = metrics.roc_curve(y, scores)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    for f, t, th in zip(fpr[1:], tpr[1:], thresholds[1:], strict=True):
        m = metrics.threshold_metrics(y, scores, th)
        assert t == pytest.approx(m["recall"])
        assert f == pytest.approx(m["fp"] / (m["fp"] + m["tn"]))


def test_average_precision_is_mean_precision_at_each_positive():
    y, scores = _sample(120, seed=3)
    order = np.argsort(-scores)
    ranked = y[order]
    hits = np.cumsum(ranked)
    reference = np.mean([hits[k] / (k + 1) for k in range(len(ranked)) if ranked[k]])
    assert metrics.average_precision(y, scores) == pytest.approx(reference)
    precision, recall, thresholds = metrics.precision_recall_curve(y, scores)
    m = metrics.threshold_metrics(y, scores, thresholds[10])
    assert (precision[10], recall[10]) == pytest.approx((m["precision"], m["recall"]))


def test_one_vs_rest_and_confusion_matrix():
    y = np.array([0, 1, 2, 2, 1])
    probs = np.eye(3)[[0, 2, 2, 1, 1]]
    binary, column = metrics.one_vs_rest(y, probs, 2)
    assert binary.tolist() == [0, 0, 1, 1, 0]
    assert column.tolist() == [0, 1, 1, 0, 0]
    counts = metrics.confusion_matrix(y, probs.argmax(1), 3)
    reference = np.zeros((3, 3), int)
    for t, p in zip(y, probs.argmax(1), strict=True):
        reference[t, p] += 1
    assert counts.tolist() == reference.tolist()


def test_rates_at_threshold_by_hand():
    # Predicted positive at 0.5: the 0.9 (a positive) and the 0.6 (a negative).
    y = [1, 1, 0, 0, 0]
    scores = [0.9, 0.4, 0.6, 0.2, 0.1]
    rates = metrics.rates_at_threshold(y, scores, 0.5)
    assert rates == {
        "true_positive_rate": 1 / 2,
        "false_positive_rate": 1 / 3,
        "true_negative_rate": 2 / 3,
        "false_negative_rate": 1 / 2,
        "positives": 2,
        "negatives": 3,
        "undefined": (),
    }
    assert rates["true_positive_rate"] == metrics.threshold_metrics(y, scores, 0.5)["recall"]


def test_rates_at_threshold_lie_on_the_roc_curve():
    y, scores = _sample(200, seed=3)
    fpr, tpr, thresholds = metrics.roc_curve(y, scores)
    for index in range(1, len(thresholds), 17):
        rates = metrics.rates_at_threshold(y, scores, thresholds[index])
        assert rates["false_positive_rate"] == pytest.approx(fpr[index])
        assert rates["true_positive_rate"] == pytest.approx(tpr[index])
        assert rates["true_negative_rate"] == pytest.approx(1 - fpr[index])
        assert rates["false_negative_rate"] == pytest.approx(1 - tpr[index])


def test_rates_of_an_absent_class_are_undefined_and_zero():
    rates = metrics.rates_at_threshold([1, 1], [0.2, 0.7], 0.5)
    assert rates["undefined"] == ("false_positive_rate", "true_negative_rate")
    assert rates["false_positive_rate"] == rates["true_negative_rate"] == 0.0
    assert rates["true_positive_rate"] == 0.5 and rates["negatives"] == 0
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        metrics.rates_at_threshold([0, 1], [0.2, 0.8], -0.1)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: metrics.threshold_metrics([], [], 0.5), "empty"),
        (
            lambda: metrics.threshold_metrics([0, 1], [0.2, 0.8], 1.5),
            r"threshold must be in \[0, 1\]",
        ),
        (lambda: metrics.threshold_metrics([0, 2], [0.2, 0.8]), "binary labels"),
        (lambda: metrics.threshold_metrics([0, 1], [0.2, 1.8]), "probabilities"),
        (lambda: metrics.threshold_metrics([0, 1, 1], [0.2, 0.8]), "must match"),
        (lambda: metrics.one_vs_rest([0, 1], np.eye(2), 5), r"one of 0\.\.1"),
        (lambda: metrics.confusion_matrix([0, 3], [0, 1], 3), r"0\.\.2"),
    ],
)
def test_bad_arguments_raise_value_error_naming_what_is_valid(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("metric", "y_true", "missing"),
    [
        (metrics.roc_auc, [1, 1, 1], "no negatives"),
        (metrics.roc_auc, [0, 0, 0], "no positives"),
        (metrics.average_precision, [0, 0, 0], "no positives"),
    ],
)
def test_a_curve_metric_refuses_a_missing_class_instead_of_answering_zero(metric, y_true, missing):
    with pytest.raises(ValueError, match=missing):
        metric(y_true, [0.1, 0.5, 0.9])


def test_average_precision_with_only_positives_is_one():
    assert metrics.average_precision([1, 1], [0.2, 0.3]) == 1.0


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([0, 1, 2], [1, 1], "same length"),
        ([0], [1], "at least 2"),
        ([[0, 1]], [[1, 1]], "1-D"),
        ([0, np.nan], [1, 1], "finite"),
    ],
)
def test_area_under_curve_refuses_points_that_are_not_a_curve(x, y, message):
    with pytest.raises(ValueError, match=message):
        metrics.area_under_curve(x, y)


def test_default_threshold_is_one_half():
    y, scores = [0, 1, 1], [0.2, 0.5, 0.9]
    assert metrics.DEFAULT_THRESHOLD == 0.5
    assert metrics.threshold_metrics(y, scores) == metrics.threshold_metrics(y, scores, 0.5)
