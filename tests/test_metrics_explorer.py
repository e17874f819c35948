"""MetricsExplorer through its controls, result and figure; references computed here."""

import lmwidgets

import numpy as np
import pytest

from tests.pictures import assert_redraws_match_a_full_draw


def _reference(labels, scores, threshold):
    """Counts and ratios by a plain loop (score >= threshold predicts positive)."""
    tp = fp = tn = fn = 0
    for label, score in zip(labels, scores, strict=True):
        if score >= threshold:
            tp, fp = tp + (label == 1), fp + (label == 0)
        else:
            fn, tn = fn + (label == 1), tn + (label == 0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "tn": tn, "fn": fn, "precision": precision, "recall": recall,
            "f1": f1, "accuracy": (tp + tn) / len(labels)}  # fmt: skip


@pytest.fixture
def binary():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    return y, np.clip(0.3 * y + rng.uniform(0, 0.7, 200), 0, 1)


def test_threshold_drives_counts_ratios_and_markers(binary):
    y, scores = binary
    explorer = lmwidgets.MetricsExplorer(y, scores)
    for threshold in (0.5, 0.2, 0.85):
        explorer.controls["threshold"].value = threshold
        expected = _reference(y, scores, threshold)
        for name, value in expected.items():
            assert explorer.result[name] == pytest.approx(value), name
        # the marker on the ROC curve sits at (FPR, TPR) of this threshold
        fpr = expected["fp"] / (expected["fp"] + expected["tn"])
        roc_point = explorer._roc_axes.lines[1]
        assert (roc_point.get_xdata()[0], roc_point.get_ydata()[0]) == pytest.approx(
            (fpr, expected["recall"])
        )
    assert explorer.message.value == ""


def test_curves_and_areas(binary):
    y, scores = binary
    explorer = lmwidgets.MetricsExplorer(y, scores)
    pos, neg = scores[y == 1], scores[y == 0]
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert explorer.result["roc_auc"] == pytest.approx(pairs)
    roc_line = explorer._roc_axes.lines[0]
    assert roc_line.get_xdata()[0] == 0 and roc_line.get_ydata()[-1] == 1
    assert "AUC" in explorer._roc_axes.get_title()


def test_multiclass_reduces_to_one_vs_rest():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 150)
    logits = rng.normal(size=(150, 3)) + 2 * np.eye(3)[y]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    explorer = lmwidgets.MetricsExplorer(y, probabilities, threshold=0.4)
    assert list(explorer.controls["positive_class"].options) == [0, 1, 2]
    explorer.controls["positive_class"].value = 2
    expected = _reference((y == 2).astype(int), probabilities[:, 2], 0.4)
    assert {k: explorer.result[k] for k in ("tp", "fp", "tn", "fn")} == {
        k: expected[k] for k in ("tp", "fp", "tn", "fn")
    }
    assert explorer.result["positive_class"] == 2


def test_no_positive_predictions_is_zero_with_a_note(binary):
    y, scores = binary
    explorer = lmwidgets.MetricsExplorer(y, scores, threshold=1.0)
    assert explorer.result["precision"] == 0.0 and explorer.result["f1"] == 0.0
    assert "precision" in explorer.note.value and "shown as 0" in explorer.note.value
    assert not any(np.isnan(v) for v in explorer.result.values() if isinstance(v, float))
    explorer.controls["threshold"].value = 0.5
    assert explorer.note.value == ""


def test_threshold_outside_unit_interval_is_refused_or_clamped(binary):
    y, scores = binary
    with pytest.raises(ValueError, match=r"threshold must be a number from 0 to 1\. Received"):
        lmwidgets.MetricsExplorer(y, scores, threshold=1.5)
    explorer = lmwidgets.MetricsExplorer(y, scores)
    explorer.controls["threshold"].value = 1.5  # the box clamps, as a learner's typing is
    assert explorer.message.value == "" and explorer.result["threshold"] == 1.0
    explorer.controls["threshold"].value = 0.3
    assert explorer.message.value == "" and explorer.result["threshold"] == 0.3


def test_positive_class_options_follow_the_data(binary):
    y, scores = binary
    explorer = lmwidgets.MetricsExplorer(y, scores)
    assert explorer.controls["positive_class"].options == (1,)
    assert explorer.controls["positive_class"].disabled  # binary: nothing to pick
    with pytest.raises(ValueError, match="positive_class must be one of 1. Received"):
        lmwidgets.MetricsExplorer(y, scores, positive_class=0)
    probabilities = np.column_stack([1 - scores, scores])
    two = lmwidgets.MetricsExplorer(y, probabilities, positive_class=1)
    assert not two.controls["positive_class"].disabled
    assert {k: two.result[k] for k in ("tp", "fp", "tn", "fn")} == {
        k: explorer.result[k] for k in ("tp", "fp", "tn", "fn")
    }
    with pytest.raises(ValueError, match="positive_class must be one of 0, 1. Received"):
        lmwidgets.MetricsExplorer(y, probabilities, positive_class=2)
    again = lmwidgets.from_state(two.state, y_true=y, scores=probabilities)
    assert again.state == two.state and again.result["positive_class"] == 1


def test_empty_data_is_a_message():
    explorer = lmwidgets.MetricsExplorer([], [])
    assert "empty" in explorer.message.value
    assert explorer.result == {}


def test_a_class_missing_from_the_labels_is_said_not_scored_zero():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 60)
    labels[labels == 2] = 0  # class 2 never occurs
    probabilities = rng.dirichlet(np.ones(3), 60)
    explorer = lmwidgets.MetricsExplorer(labels, probabilities, positive_class=1)
    assert explorer.message.value == "" and 0 < explorer.result["roc_auc"] < 1
    explorer.controls["positive_class"].value = 2
    assert "no positives" in explorer.message.value
    explorer.controls["positive_class"].value = 1
    assert explorer.message.value == ""


def test_redraws_over_a_cached_background_match_a_full_draw():
    """The counts and threshold points are drawn over a cached picture of the axes."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 150)
    logits = rng.normal(size=(150, 3)) + 2 * np.eye(3)[y]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    explorer = lmwidgets.MetricsExplorer(y, probabilities)
    changes = [
        ("threshold", 0.3),  # same curves: drawn over the cached picture
        ("threshold", 0.75),
        ("positive_class", 2),  # other curves and titles: a new picture
        ("threshold", 0.05),
        ("threshold", 1.0),  # no positive predictions: a note
        ("positive_class", 0),  # back to a picture drawn before
        ("threshold", 0.45),
    ]
    assert_redraws_match_a_full_draw(explorer, changes, notes=True)
