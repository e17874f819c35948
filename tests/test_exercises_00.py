"""Lesson 00's exercises: right answers pass, trivial and typical wrong ones do not."""

import lmwidgets

from tests.exercise_cases import exercise_test, right, wrong


def neuron(**settings):
    return lambda: lmwidgets.NeuronExplorer(**settings)


CASES = {
    1: [
        right(build=neuron(activation="relu", weight=2.0, bias=-2.0)),
        wrong(build=neuron(), why="the default neuron"),
        wrong(build=neuron(activation="relu", weight=2.0, bias=2.0), why="kink at x = -1"),
        wrong(build=neuron(activation="relu", weight=1.0, bias=-1.0), why="slope 1"),
        wrong(build=neuron(activation="linear", weight=2.0, bias=-2.0), why="no kink"),
        wrong(build=neuron(activation="relu", weight=-2.0, bias=2.0), why="mirrored"),
        wrong((2.0, -2.0), why="numbers, not the widget"),
    ],
    2: [
        right("sigmoid"),
        right(" Sigmoid "),
        wrong("relu", why="unbounded above"),
        wrong("tanh", why="reaches -1"),
        wrong("linear", why="unbounded"),
        wrong("softmax", why="not offered"),
    ],
    3: [
        right(4),
        right(4.0),
        wrong(0, why="sign slip"),
        wrong(-2, why="x = 1.5"),
        wrong(3, why="forgot the bias"),
        wrong("4", why="a string"),
    ],
}

test_exercise = exercise_test(0, CASES)
