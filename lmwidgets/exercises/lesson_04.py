"""Lesson 04 · The mathematics: activations, losses, optimizers, and gradients through depth."""

import functools

from lmwidgets.core import activations, losses, optimizers
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    as_number,
)

import numpy as np

# Exercise 1: the negative inputs on which a gradient must be exactly zero.
NEGATIVE = np.linspace(-5.0, -0.01, 200)
# Exercise 2: plain SGD on the quadratic surface, from the playground's start.
START, STEPS, CONVERGED = (-2.5, 1.5), 300, 1e-3
# Exercise 3: the outlier strength, and the losses the explorer fits with.
STRENGTH, FIT_LOSSES, CLEAN_SLOPE = 30.0, ("mean_squared_error", "mean_absolute_error", "huber"), 2
# Exercise 4: gradient descent on (w - 3)^2 from w = 0.
TARGET, RATE, CLOSE = 3.0, 0.1, 0.01
# Exercise 5: ten one-unit sigmoid layers, every weight the same.
LAYERS, WEIGHT = 10, 6.0


@functools.lru_cache(maxsize=1)
def _dead_for_negatives():
    return frozenset(
        name for name in activations.names() if np.all(activations.evaluate(name, NEGATIVE)[1] == 0)
    )


class DeadForNegatives(Exercise):
    title = "the activations whose gradient is zero for every negative input"
    asks_for = 'a set of activation names, e.g. {"name", "other_name"}'
    hints = (
        "Select several activations in the explorer: red bands mark where the derivative is "
        "exactly 0. You want the ones red over the whole negative half.",
        "`explorer.result[name]['dead']` is a boolean array over the x grid; "
        "`activations.names()` lists every activation the explorer offers.",
    )

    def _check(self, answer, **more):
        given = self._names(answer)
        expected = _dead_for_negatives()
        if not given:
            raise NotYet("an empty set: at least one activation has no gradient below 0.")
        extra = sorted(given - expected)
        if extra:
            name = extra[0]
            dy = activations.evaluate(name, NEGATIVE)[1]
            at = float(NEGATIVE[np.argmax(dy != 0)])
            raise NotYet(
                f"{name} has gradient {float(dy[np.argmax(dy != 0)]):.3g} at x = {at:.2f}: "
                "not zero for every negative input."
            )
        missing = len(expected - given)
        if missing:
            raise NotYet(
                f"every name you gave qualifies, but {missing} more "
                f"{'does' if missing == 1 else 'do'}. Look through the whole list."
            )
        return self._explain(expected)

    @staticmethod
    def _names(answer):
        if isinstance(answer, str):
            answer = {answer}
        if not isinstance(answer, set | frozenset | list | tuple) or not all(
            isinstance(a, str) for a in answer
        ):
            raise NotYet(f'expected a set of names such as {{"relu"}}. Received: {answer!r}.')
        names = {a.strip().lower() for a in answer}
        unknown = sorted(n for n in names if n not in activations.names()
                         and n not in activations.ALIASES)  # fmt: skip
        if unknown:
            raise NotYet(f"{', '.join(map(repr, unknown))}: not activations the explorer offers.")
        return {activations.canonical_name(n) for n in names}

    def _explain(self, expected):
        return (
            f"{', '.join(sorted(expected))}: each is constant (0) for x < 0, so its slope is 0 "
            "there and a unit whose input stays negative stops learning. Others (leaky_relu, "
            "elu, gelu, silu) keep a small slope below 0; the hard_* and sparse_* ones are "
            "flat only beyond some point."
        )

    def _solution(self):
        return self._explain(_dead_for_negatives())


def _converges(rate):
    run = optimizers.trajectory("sgd", "quadratic", START, rate, STEPS)
    return run["diverged_at"] is None and run["loss"][-1] < CONVERGED


@functools.lru_cache(maxsize=1)
def _largest_converging_rate():
    rates = [round(0.01 * k, 2) for k in range(1, 41)]
    return max(rate for rate in rates if _converges(rate))


class SGDLimit(NumberExercise):
    title = "the largest learning rate at which SGD converges on the quadratic"
    tolerance = 0.005
    absolute = True
    asks_for = "a learning rate, two decimals"
    hints = (
        "Choose sgd alone, the quadratic surface, condition 10, 300 steps. Raise the learning "
        "rate until the message under the figure says it diverged, then come back down.",
        "On this surface a step multiplies the error along y by 1 - 10 × rate. When does that "
        "factor reach -1?",
    )

    def _expected(self):
        return _largest_converging_rate()

    def _explain(self, expected):
        return (
            f"{expected:.2f}. Along y the error is multiplied by 1 - 10 × rate at every step; at "
            "rate 0.2 that factor is -1 (the point bounces between ±y for ever), above it the "
            "bounce grows: divergence. The limit is 2 / condition = 2 / 10."
        )

    def _not_yet(self, value, expected):
        if value <= 0:
            return "a learning rate is positive."
        if abs(value - 0.2) < 1e-9:
            return (
                "at exactly 0.2 SGD neither converges nor diverges: the y error flips sign "
                "each step and keeps its size. Give the largest rate, two decimals, below it."
            )
        if _converges(value):
            return f"SGD converges at {value:g}, but a larger rate still does. Raise it."
        return f"at {value:g} SGD does not converge in {STEPS} steps. Lower it."


@functools.lru_cache(maxsize=1)
def _outlier_slopes():
    x, y = losses.outlier_data(STRENGTH)
    return {name: float(losses.robust_fit(x, y, name)["slope"]) for name in FIT_LOSSES}


class WorstUnderOutlier(Exercise):
    title = "the loss pulled furthest by an outlier of strength 30, and its slope"
    asks_for = 'a (loss name, slope) pair, e.g. ("huber", 2.0)'
    hints = (
        "In the loss explorer choose the outliers view and set the outlier strength to 30.",
        "`loss_explorer.result['outliers']` holds each loss's fitted slope; the clean data "
        "follow slope 2. Which is furthest from 2?",
    )

    def _check(self, answer, **more):
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            raise NotYet(f"expected a (name, slope) pair. Received: {answer!r}.")
        name, slope = answer
        slope = as_number(slope)
        slopes = _outlier_slopes()
        worst = self._worst(slopes)
        if not isinstance(name, str) or name.strip().lower() not in slopes:
            raise NotYet(f"the name is one of {', '.join(FIT_LOSSES)}. Received: {name!r}.")
        if name.strip().lower() != worst:
            raise NotYet(
                f"{name} fits slope {slopes[name.strip().lower()]:.2f}, close to 2: it limits "
                "the outlier's pull. Which loss does not?"
            )
        if abs(slope - slopes[worst]) > 0.06:
            if abs(slope - 3.3) < 0.06:
                raise NotYet("3.3 was the slope at strength 20, in the lesson; set it to 30.")
            raise NotYet(f"the right loss; its slope at strength 30 is not {slope:g}.")
        return self._explain(worst)

    @staticmethod
    def _worst(slopes):
        return max(slopes, key=lambda n: abs(slopes[n] - CLEAN_SLOPE))

    def _explain(self, worst):
        slopes = _outlier_slopes()
        listed = ", ".join(f"{n} {s:.2f}" for n, s in slopes.items())
        return (
            f"{worst}, slope {slopes[worst]:.1f} ({listed}). The squared error's slope grows "
            "with the error, so one far point pulls the line as hard as many near ones; MAE and "
            "Huber cap each point's pull."
        )

    def _solution(self):
        slopes = _outlier_slopes()
        worst = self._worst(slopes)
        return f'`("{worst}", {slopes[worst]:.1f})`: ' + self._explain(worst)


@functools.lru_cache(maxsize=1)
def _steps_to_target():
    """Keras' SGD on (w - 3)^2 from 0: the first step after which |w - 3| < 0.01."""
    import keras

    w, sgd = keras.Variable(0.0), keras.optimizers.SGD(learning_rate=RATE)
    steps = 0
    while abs(float(keras.ops.convert_to_numpy(w)) - TARGET) >= CLOSE:
        sgd.apply_gradients([(2 * (w - TARGET), w)])
        steps += 1
    return steps


class StepsByHand(NumberExercise):
    title = "steps of gradient descent to get within 0.01, by hand"
    tolerance = 1e-9
    absolute = True
    asks_for = "a whole number of steps"
    hints = (
        "The gradient of (w - 3)^2 is 2(w - 3), so a step gives w - 3 ← (w - 3)(1 - 2 × 0.1).",
        "After n steps the gap is 3 × 0.8^n. Solve 3 × 0.8^n < 0.01 for the smallest whole n.",
    )

    def _expected(self):
        return float(_steps_to_target())

    def _explain(self, expected):
        n = int(expected)
        return (
            f"{n}: the gap 3 × 0.8^n is {3 * 0.8 ** (n - 1):.4f} after {n - 1} steps and "
            f"{3 * 0.8**n:.4f} after {n} (n > ln(300) / ln(1.25) = 25.6). Keras' SGD takes the "
            "same steps."
        )

    def _not_yet(self, value, expected):
        if value != int(value) or value < 0:
            return f"a number of steps is a whole number. Received: {value:g}."
        if value < expected:
            return f"after {value:g} steps the gap is {3 * 0.8**value:.4f}: not yet below 0.01."
        return f"after {value:g} steps the gap is below 0.01, but it was already a step earlier."


def _sigmoid_slope_at_most():
    """The sigmoid's largest slope (at z = 0), by Keras' autodiff."""
    return float(activations.evaluate("sigmoid", np.array([0.0]))[1][0])


class SigmoidChainBound(NumberExercise):
    title = "the bound on the gradient through ten sigmoid layers with weights 6"
    tolerance = 0.01
    asks_for = "a number"
    hints = (
        "One unit per layer: y = σ(w·σ(w·σ(...))). The chain rule gives dy/dx as a product "
        "of one factor per layer. What is each factor?",
        "Each factor is w × σ'(z), and σ'(z) is at most 0.25. Multiply ten of them.",
    )

    def _expected(self):
        return (WEIGHT * _sigmoid_slope_at_most()) ** LAYERS

    def _explain(self, expected):
        return (
            f"(6 × 0.25)^10 = 1.5^10 ≈ {expected:.1f}. Each layer contributes its weight and the "
            "sigmoid's slope; with weights above 4 the bound exceeds 1 and grows with depth, so "
            "the gradient can explode (when every z stays near 0), not only vanish."
        )

    def _not_yet(self, value, expected):
        slope = _sigmoid_slope_at_most()
        known = {
            slope**LAYERS: "0.25^10 leaves out the weights: each layer multiplies by its "
            "weight as well as by σ'(z).",
            WEIGHT**LAYERS: "6^10 leaves out the sigmoid's slope, at most 0.25 per layer.",
            WEIGHT * slope: "that is one layer; there are ten.",
            WEIGHT * slope * LAYERS: "the chain rule multiplies the factors; it does not add them.",
        }
        for number, message in known.items():
            if abs(value - number) <= 0.01 * abs(number):
                return message
        return super()._not_yet(value, expected)


class FixVanishing(ChoiceExercise):
    title = "what attacks the cause of a vanishing gradient"
    choices = ("a", "b", "c", "d")
    hints = (
        "The gradient reaching the first layer is a product of one factor per layer. Which "
        "change makes those factors close to 1?",
    )
    why_not = {
        "a": "a larger learning rate scales every layer's step alike: the first layers' "
        "gradients stay as many times smaller than the last ones', and the last layers may "
        "now diverge.",
        "c": "more epochs give more tiny steps; the factors of 0.25 per layer stay.",
        "d": "the loss only sets the gradient at the output; every layer still multiplies it "
        "by its weight and σ'(z) on the way back.",
    }

    def _expected(self):
        return "b"

    def _explain(self, expected):
        return (
            "ReLU's slope is 1 for every positive input, against the sigmoid's 0.25 at best, so "
            "a path of active units passes the gradient on unshrunk; with a matching "
            "initialization (He) each layer's weights keep it near 1 on average."
        )


EXERCISES = [
    DeadForNegatives,
    SGDLimit,
    WorstUnderOutlier,
    StepsByHand,
    SigmoidChainBound,
    FixVanishing,
]
