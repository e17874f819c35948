"""Lesson 00 · Welcome: how exercises work, on one neuron."""

from lmwidgets.core.neuron import ACTIVATIONS, neuron_output
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    result_of,
)
from lmwidgets.language import Words, say

import numpy as np

# Exercise 1's target: zero up to x = 1, then slope 2.
KINK, SLOPE = 1.0, 2.0


def _target(x):
    return SLOPE * np.clip(np.asarray(x) - KINK, 0, None)


class ShapeANeuron(Exercise):
    title = Words(
        "a ReLU neuron with its kink at x = 1 and slope 2",
        "拐点在 x = 1、斜率为 2 的 ReLU 神经元",
    )
    asks_for = Words(
        "the NeuronExplorer widget, after moving its sliders",
        "NeuronExplorer 控件本身（移动过滑块之后）",
    )
    hints = (
        Words(
            "A ReLU neuron is relu(w * x + b): zero where w * x + b < 0. Its kink is where "
            "w * x + b = 0, at x = -b / w.",
            "ReLU 神经元就是 relu(w * x + b)：在 w * x + b < 0 的地方输出为零。它的拐点在 "
            "w * x + b = 0 处，即 x = -b / w。",
        ),
        Words(
            "Right of the kink the slope is w. Choose w first, then b so that -b / w = 1.",
            "拐点右边的斜率就是 w。先选 w，再选 b，使 -b / w = 1。",
        ),
    )

    def _check(self, answer, **more):
        result = result_of(answer, "NeuronExplorer")
        if result["activation"] != "relu":
            raise NotYet(say(
                f"choose the relu activation (it is {result['activation']!r}).",
                f"请选择 `relu` 激活函数（现在是 {result['activation']!r}）。",
            ))  # fmt: skip
        x, y = np.asarray(result["x"]), np.asarray(result["y"])
        wrong = np.abs(y - _target(x)) > 1e-4
        if wrong.any():
            at = float(x[np.argmax(wrong)])
            should, got = float(_target(at)), float(y[np.argmax(wrong)])
            w, b = result["weight"], result["bias"]
            raise NotYet(say(
                f"at x = {at:.2f} the output should be {should:.2f}; it is "
                f"{got:.2f} (w = {w}, b = {b}).",
                f"在 x = {at:.2f} 处，输出应为 {should:.2f}，"
                f"现在是 {got:.2f}（w = {w}，b = {b}）。",
            ))  # fmt: skip
        return say(
            "w = 2 and b = -2 put the kink at x = -b / w = 1, and the slope right of it is w = 2.",
            "w = 2、b = -2 让拐点落在 x = -b / w = 1 处，拐点右边的斜率是 w = 2。",
        )

    def _solution(self):
        w, b = SLOPE, -SLOPE * KINK
        y = neuron_output([0.0, 1.0, 2.0], weight=w, bias=b, activation="relu")
        values = ", ".join(f"{v:g}" for v in y)
        return say(
            f"`neuron.controls['weight'].value = {w:g}` and `neuron.controls['bias'].value = {b:g}`"
            f" with activation relu: relu(2x - 2) gives {values} "
            "at x = 0, 1, 2.",
            f"`neuron.controls['weight'].value = {w:g}`，`neuron.controls['bias'].value = {b:g}`，"
            f"激活函数选 `relu`：relu(2x - 2) 在 x = 0, 1, 2 处分别给出 {values}。",
        )


class BoundedActivation(ChoiceExercise):
    title = Words(
        "the activation whose output stays in [0, 1]",
        "输出始终在 [0, 1] 之内的激活函数",
    )
    choices = ACTIVATIONS
    hints = (
        Words(
            "Make w large (3) and b large, then both negative, with each activation: which "
            "curve never leaves the band between 0 and 1?",
            "对每种激活函数，先把 w（调到 3）和 b 都调大，再都调成负数：哪条曲线从不离开 "
            "0 到 1 之间的带子？",
        ),
    )
    why_not = {
        "linear": Words(
            "linear is w·x + b itself: it takes any value.",
            "`linear` 就是 w·x + b 本身：它可以取任何值。",
        ),
        "relu": Words(
            "relu(z) = max(z, 0) grows without bound for large z.",
            "relu(z) = max(z, 0) 在 z 很大时会无限增长。",
        ),
        "tanh": Words(
            "tanh goes down to -1 for negative z.",
            "z 为负时，tanh 会一直降到 -1。",
        ),
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
        return say(
            f"{expected}(z) = 1 / (1 + exp(-z)) lies between 0 and 1 for every z, "
            "whatever w and b.",
            f"{expected}(z) = 1 / (1 + exp(-z)) 对每一个 z 都介于 0 和 1 之间，"
            "无论 w 和 b 取什么值。",
        )


class ByHand(NumberExercise):
    title = Words("a neuron's output, by hand", "手算一个神经元的输出")
    tolerance = 1e-6
    absolute = True
    hints = (
        Words(
            "First z = w · x + b = (-2)(-1.5) + 1, then relu(z) = max(z, 0).",
            "先算 z = w · x + b = (-2)(-1.5) + 1，再算 relu(z) = max(z, 0)。",
        ),
    )

    def _expected(self):
        return float(neuron_output([-1.5], weight=-2.0, bias=1.0, activation="relu")[0])

    def _explain(self, expected):
        return say(
            f"z = (-2)(-1.5) + 1 = 4, and relu(4) = {expected:g}.",
            f"z = (-2)(-1.5) + 1 = 4，而 relu(4) = {expected:g}。",
        )

    def _not_yet(self, value, expected):
        if value == 0:
            return say(
                "0 would mean w · x + b is negative here; compute z = w · x + b first.",
                "0 意味着这里的 w · x + b 是负数；请先算出 z = w · x + b。",
            )
        if value == -2:
            return say(
                "-2 is w · x + b with x = 1.5; the input is x = -1.5.",
                "-2 是 x = 1.5 时的 w · x + b；输入是 x = -1.5。",
            )
        return super()._not_yet(value, expected)


EXERCISES = [ShapeANeuron, BoundedActivation, ByHand]
