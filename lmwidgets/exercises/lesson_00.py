"""Lesson 00 · Welcome: how exercises work, on one neuron."""

from lmwidgets.core.neuron import ACTIVATIONS, neuron_output
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    result_of,
)

import numpy as np

# Exercise 1's target: zero up to x = 1, then slope 2.
KINK, SLOPE = 1.0, 2.0


def _target(x):
    return SLOPE * np.clip(np.asarray(x) - KINK, 0, None)


class ShapeANeuron(Exercise):
    title = "a ReLU neuron with its kink at x = 1 and slope 2"
    asks_for = "the NeuronExplorer widget, after moving its sliders"
    hints = (
        "A ReLU neuron is relu(w * x + b): zero where w * x + b < 0. Its kink is where "
        "w * x + b = 0, at x = -b / w.",
        "Right of the kink the slope is w. Choose w first, then b so that -b / w = 1.",
    )

    def _check(self, answer, **more):
        result = result_of(answer, "NeuronExplorer")
        if result["activation"] != "relu":
            raise NotYet(f"choose the relu activation (it is {result['activation']!r}).")
        x, y = np.asarray(result["x"]), np.asarray(result["y"])
        wrong = np.abs(y - _target(x)) > 1e-4
        if wrong.any():
            at = float(x[np.argmax(wrong)])
            raise NotYet(
                f"at x = {at:.2f} the output should be {float(_target(at)):.2f}; it is "
                f"{float(y[np.argmax(wrong)]):.2f} (w = {result['weight']}, b = {result['bias']})."
            )
        return (
            "w = 2 and b = -2 put the kink at x = -b / w = 1, and the slope right of it is w = 2."
        )

    def _solution(self):
        w, b = SLOPE, -SLOPE * KINK
        y = neuron_output([0.0, 1.0, 2.0], weight=w, bias=b, activation="relu")
        return (
            f"`neuron.controls['weight'].value = {w:g}` and `neuron.controls['bias'].value = {b:g}`"
            f" with activation relu: relu(2x - 2) gives {', '.join(f'{v:g}' for v in y)} "
            "at x = 0, 1, 2."
        )


class BoundedActivation(ChoiceExercise):
    title = "the activation whose output stays in [0, 1]"
    choices = ACTIVATIONS
    hints = (
        "Make w large (3) and b large, then both negative, with each activation: which "
        "curve never leaves the band between 0 and 1?",
    )
    why_not = {
        "linear": "linear is w·x + b itself: it takes any value.",
        "relu": "relu(z) = max(z, 0) grows without bound for large z.",
        "tanh": "tanh goes down to -1 for negative z.",
    }

    def _expected(self):
        z = np.linspace(-50, 50, 1001)
        inside = [
            name
            for name in self.choices
            if np.all(
                (neuron_output(z, 1.0, 0.0, name) >= 0) & (neuron_output(z, 1.0, 0.0, name) <= 1)
            )
        ]
        (only,) = inside
        return only

    def _explain(self, expected):
        return (
            f"{expected}(z) = 1 / (1 + exp(-z)) lies between 0 and 1 for every z, whatever w and b."
        )


class ByHand(NumberExercise):
    title = "a neuron's output, by hand"
    tolerance = 1e-6
    absolute = True
    hints = ("First z = w · x + b = (-2)(-1.5) + 1, then relu(z) = max(z, 0).",)

    def _expected(self):
        return float(neuron_output([-1.5], weight=-2.0, bias=1.0, activation="relu")[0])

    def _explain(self, expected):
        return f"z = (-2)(-1.5) + 1 = 4, and relu(4) = {expected:g}."

    def _not_yet(self, value, expected):
        if value == 0:
            return "0 would mean w · x + b is negative here; compute z = w · x + b first."
        if value == -2:
            return "-2 is w · x + b with x = 1.5; the input is x = -1.5."
        return super()._not_yet(value, expected)


EXERCISES = [ShapeANeuron, BoundedActivation, ByHand]
