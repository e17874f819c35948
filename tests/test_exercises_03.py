"""Lesson 03's exercises: right answers pass, trivial and typical wrong ones do not."""

import functools

import lmwidgets
import lmwidgets.exercises
from lmwidgets.core import training

import numpy as np
import pytest

from tests.exercise_cases import exercise_test, right, wrong

SIZES = (20, 40, 80, 120, 160, 200)


@functools.lru_cache(maxsize=1)
def digits():
    """Ten-class scores for 600 examples: the right class usually, but not always, scores high."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 10, size=600)
    logits = rng.normal(0, 1.0, size=(600, 10))
    logits[np.arange(600), labels] += rng.uniform(2, 6, size=600)
    scores = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return labels, scores


@functools.lru_cache(maxsize=1)
def best_threshold():
    """The highest threshold at which at least 95% of the 8s score at or above it."""
    labels, scores = digits()
    eights = np.sort(scores[labels == 8, 8])[::-1]
    return float(eights[int(np.ceil(0.95 * len(eights))) - 1])


def explorer(threshold=0.5, positive_class=8):
    def build():
        labels, scores = digits()
        return lmwidgets.MetricsExplorer(
            labels, scores, threshold=float(threshold()) if callable(threshold) else threshold,
            positive_class=positive_class,
        )  # fmt: skip

    return build


@functools.lru_cache(maxsize=1)
def fewest_points():
    """The smallest size whose run (the explorer's defaults) ends with a gap below 0.02."""
    for size in SIZES:
        if training.overfitting_run(train_size=size, epochs=300, seed=0)["gap"] < 0.02:
            return size
    raise AssertionError("no size brings the gap below 0.02")


def overfitting(size=None, **settings):
    if size is not None:
        settings["train_size"] = size
    return lambda: lmwidgets.OverfittingExplorer(
        **{name: value() if callable(value) else value for name, value in settings.items()}
    )


CASES = {
    1: [
        right("CNN"),
        right(" cnn "),
        wrong("MLP", why="the largest"),
        wrong("RNN (LSTM)", why="second"),
        wrong("Transformer", why="not offered"),
        wrong(12810, why="a count, not a name"),
    ],
    2: [
        right(50890),
        right(50_890.0),
        wrong(101770, why="the 128-unit MLP from the table"),
        wrong(50816, why="no biases"),
        wrong(50240, why="hidden layer only"),
        wrong(50885, why="half of 101770"),
        wrong("50890", why="a string"),
    ],
    3: [
        right(build=explorer(best_threshold)),
        right(build=explorer(lambda: best_threshold() - 0.01)),
        wrong(build=explorer(0.5), why="the default threshold: recall too low"),
        wrong(build=explorer(0.0), why="threshold 0: recall 1.0 trivially"),
        wrong(build=explorer(lambda: best_threshold() - 0.1), why="well below the highest"),
        wrong(build=explorer(lambda: best_threshold() + 0.01), why="just above: recall < 0.95"),
        wrong(0.3, why="a number without the explorer"),
        wrong(
            build=lambda: lmwidgets.MetricsExplorer([0, 1, 1], [0.2, 0.7, 0.9]),
            why="a binary explorer",
        ),
    ],
    4: [
        right(build=fewest_points),
        right(build=overfitting(fewest_points)),
        wrong(300, why="the slider's end"),
        wrong(SIZES[-1], why="the largest size offered"),
        wrong(20, why="the default: the network memorizes"),
        wrong(build=lambda: max(s for s in SIZES if s < fewest_points()), why="one too few"),
        wrong(build=overfitting(fewest_points, l2=1e-3), why="with L2, not without"),
        wrong(build=overfitting(), why="the default explorer"),
    ],
    5: [
        right("validation"),
        right("Validation"),
        wrong("test", why="a test-set leak"),
        wrong("train", why="prefers memorizing"),
    ],
    6: [
        right("b"),
        right("B"),
        wrong("a", why="labels by hand"),
        wrong("c", why="clustering"),
        wrong("self-supervision", why="not one of the letters"),
    ],
}

test_exercise = exercise_test(3, CASES)


@pytest.fixture
def eights():
    widget = explorer()()
    yield widget
    widget.close()


def test_a_threshold_is_checked_on_the_explorers_data(eights):
    q3 = lmwidgets.exercises.lesson(3).q3
    best = best_threshold()
    assert q3.check(best, explorer=eights).correct
    assert q3.check(round(best - 0.005, 3), explorer=eights).correct
    for trivial in (0, 0.5, best + 0.01, best - 0.1, 1):
        assert not q3.check(trivial, explorer=eights).correct, trivial
    assert "recall 1.0" in q3.check(0, explorer=eights).text
    assert "Lower the threshold" in q3.check(0.5, explorer=eights).text
    assert "Raise it" in q3.check(best - 0.1, explorer=eights).text
    assert not q3.check(best, explorer="explorer").correct
    # Left as None in the lesson: says what to give, not an error.
    assert q3.check(None, explorer=eights).text.startswith("no answer yet")


def test_the_threshold_solution_names_the_number_once_an_explorer_was_seen(eights):
    q3 = lmwidgets.exercises.lesson(3).q3
    q3.check(0.5, explorer=eights)
    assert f"{best_threshold():.4f}" in q3.solution().text


def test_the_expected_size_is_not_the_largest_offered():
    assert fewest_points() < SIZES[-1]
