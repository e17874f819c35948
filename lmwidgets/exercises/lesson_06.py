"""Lesson 06 · Applications: a CNN's mistake, top-p, a screening threshold, precision, rewards."""

from lmwidgets.core import metrics, rl
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    as_number,
    result_of,
)

import numpy as np

# Exercise 2: how many characters top-p must leave.
KEPT = 3
# Exercise 3: a threshold within this of the highest one that keeps recall at 1 counts.
THRESHOLD_TOLERANCE = 1e-3
# Exercise 4: six cases, most likely malignant first (1 = malignant), and two thresholds.
SCORES = (0.9, 0.8, 0.6, 0.4, 0.3, 0.1)
LABELS = (0, 1, 1, 0, 1, 0)
HIGH, LOW = 0.7, 0.25
# Exercise 5: the grid game's rules, by name.
RULES = ("goal", "hole", "step", "timeout")


class WrongDigit(Exercise):
    title = "a test digit the CNN gets wrong"
    asks_for = "the FeatureMapExplorer widget, showing a digit the CNN misreads"
    hints = (
        "Change the explorer's image number and watch the probability bars: the red bar is the "
        "prediction, and the image's title gives its label.",
        "The CNN is right on about 97% of the digits: expect to try a few dozen images. "
        "Untidy digits (a 4 that looks like a 9, a 7 like a 1) are the usual suspects.",
    )

    def _check(self, answer, **more):
        result = result_of(answer, "FeatureMapExplorer")
        index, label, predicted = result["image_index"], result["label"], result["predicted"]
        if label is None:
            raise NotYet("this explorer has no labels: build it with the test labels too.")
        if predicted == label:
            raise NotYet(
                f"image {index} is a {label}, and the CNN reads it as a {label}. Try another."
            )
        probabilities = result["probabilities"]
        return (
            f"image {index} is a {label}, and the CNN says {predicted} (probability "
            f"{probabilities[predicted]:.2f}, against {probabilities[label]:.2f} for {label}). "
            "Look at the digit: most of the CNN's mistakes are digits a person would hesitate on."
        )

    def _solution(self):
        return (
            "Step `feature_explorer.controls['image'].value` through 0, 1, 2, ... until "
            "`feature_explorer.result['predicted']` differs from `result['label']`; with about "
            "3% errors, one in the first 200 test digits is all but certain."
        )


class ThreeCharacters(Exercise):
    title = f"a top-p that keeps exactly {KEPT} characters"
    asks_for = "the SamplingExplorer widget, with temperature 1, top-k off and your top-p"
    hints = (
        "top-p keeps the most likely characters until their probabilities add up to p. "
        "Read the three tallest grey bars.",
        "With the two most likely characters summing to s2 and the three to s3, any p above "
        "s2 and at most s3 keeps exactly three.",
    )

    def _check(self, answer, **more):
        result = result_of(answer, "SamplingExplorer")
        if result["temperature"] != 1.0:
            raise NotYet(
                f"set the temperature back to 1 (it is {result['temperature']:g}): here only "
                "top-p should cut."
            )
        if result["top_k"] is not None:
            raise NotYet(f"turn top-k off (0; it is {result['top_k']}): let top-p do the cutting.")
        if result["top_p"] is None:
            raise NotYet(
                f"top-p is off (1.0), so all {result['kept']} characters can be drawn: lower it."
            )
        if result["kept"] != KEPT:
            more_or_less = "lower" if result["kept"] > KEPT else "raise"
            raise NotYet(
                f"top-p {result['top_p']:.3f} leaves {result['kept']} character"
                f"{'' if result['kept'] == 1 else 's'}: {more_or_less} it."
            )
        ranked = np.sort(np.asarray(result["raw_probabilities"]))[::-1]
        s2, s3 = float(ranked[:2].sum()), float(ranked[:3].sum())
        return (
            f"After {result['prompt'][-12:]!r} the three most likely characters have "
            f"{ranked[0]:.2f}, {ranked[1]:.2f} and {ranked[2]:.2f}: any top-p above {s2:.3f} "
            f"and up to {s3:.3f} keeps exactly these three. The range depends on the prompt: "
            "top-p keeps few characters where the model is sure, many where it is not."
        )

    def _solution(self):
        return (
            "With `sampler.controls['temperature'].value = 1.0` and `top_k` 0, add the three "
            "largest of `sampler.result['raw_probabilities']` (s3) and the two largest (s2), "
            "then set `sampler.controls['top_p'].value` to a value between them, e.g. "
            "(s2 + s3) / 2."
        )


class ScreeningThreshold(Exercise):
    title = "the highest threshold that still catches every malignant case"
    asks_for = "a threshold, with labels=y_te, scores=scores"
    hints = (
        "Recall is 1.0 as long as every malignant case scores at or above the threshold. "
        "Which malignant case scores lowest?",
        "`scores[y_te == 1]` are the malignant cases' scores: the answer is the lowest of them.",
    )

    def _check(self, answer, labels=None, scores=None, **more):
        if answer is None:
            raise NotYet(
                "no answer yet: give your threshold, as "
                f"`ex.{self.name}.check(my_threshold, labels=y_te, scores=scores)`."
            )
        if labels is None or scores is None:
            raise NotYet(
                "pass the test labels and scores too: `check(t, labels=y_te, scores=scores)`."
            )
        threshold = as_number(answer)
        if not 0 <= threshold <= 1:
            raise NotYet(f"a threshold is between 0 and 1. Received: {threshold:g}.")
        counts = metrics.threshold_metrics(labels, scores, threshold)
        highest = self._highest(labels, scores)
        if counts["recall"] < 1.0:
            raise NotYet(
                f"at {threshold:g} the classifier misses {counts['fn']} malignant "
                f"case{'' if counts['fn'] == 1 else 's'} (recall {counts['recall']:.3f}): lower it."
            )
        if threshold < highest - THRESHOLD_TOLERANCE:
            raise NotYet(
                f"recall is 1.0 at {threshold:g}, but it stays 1.0 at higher thresholds too, "
                f"which flag fewer benign cases (here {counts['fp']} of them): raise it as far "
                "as recall allows (to 3 decimals)."
            )
        at_best = metrics.threshold_metrics(labels, scores, highest)
        return (
            f"The lowest-scored malignant case scores {highest:.4f}: at that threshold recall is "
            f"1.0 with {at_best['fp']} benign case{'' if at_best['fp'] == 1 else 's'} flagged "
            f"(precision {at_best['precision']:.3f}); any higher and that cancer is missed. A "
            f"threshold set this tightly on {len(labels)} test cases will miss some cancers in "
            "new patients: a screening threshold is chosen lower, on separate validation data."
        )

    @staticmethod
    def _highest(labels, scores):
        positives = np.asarray(scores, dtype="float64")[np.asarray(labels) == 1]
        if positives.size == 0:
            raise NotYet("these labels have no malignant case (1): pass `labels=y_te`.")
        return float(positives.min())

    def _solution(self):
        return (
            "`float(scores[y_te == 1].min())`: the score of the malignant case the classifier "
            "ranks lowest. At that threshold every cancer is caught; above it, that one is "
            "missed. Check it: `metrics.threshold_metrics(y_te, scores, t)['recall']`."
        )


def _precision(threshold):
    return metrics.threshold_metrics(np.array(LABELS), np.array(SCORES), threshold)


class PrecisionByHand(NumberExercise):
    title = f"precision at threshold {LOW}, by hand"
    asks_for = "a number between 0 and 1"
    tolerance = 0.005
    absolute = True
    hints = (
        f"Cases scored at or above {LOW} are predicted malignant. Count them, and how many "
        "of those are really malignant.",
        "Precision = TP / (TP + FP): of the cases flagged, the share that is malignant.",
    )

    def _expected(self):
        return _precision(LOW)["precision"]

    def _explain(self, expected):
        high, low = _precision(HIGH), _precision(LOW)
        return (
            f"At {LOW}, {low['tp'] + low['fp']} cases are flagged, {low['tp']} of them "
            "malignant: precision "
            f"{low['tp']}/{low['tp'] + low['fp']} = {expected:.2f}. At {HIGH} it was "
            f"{high['tp']}/{high['tp'] + high['fp']} = {high['precision']:.2f}: lowering the "
            f"threshold raised precision here (and recall from {high['recall']:.2f} to "
            f"{low['recall']:.2f}). Recall never falls as the threshold falls; precision can "
            "go either way."
        )

    def _not_yet(self, value, expected):
        high, low = _precision(HIGH), _precision(LOW)
        if close_to(value, high["precision"]):
            return f"{value:g} is the precision at {HIGH}; the question is about {LOW}."
        if close_to(value, low["recall"]):
            return (
                f"{value:g} is the recall at {LOW} (TP / all malignant); precision is TP / flagged."
            )
        if close_to(value, 1 - expected):
            return (
                f"{value:g} is FP / flagged, the share of false alarms: precision is TP / flagged."
            )
        return f"{value:g} is not it. Try `ex.{self.name}.hint()`."


def close_to(value, target):
    return abs(value - target) <= PrecisionByHand.tolerance


# A 6-move path (the shortest) and the same path after two moves into the wall.
SHORTEST = (2, 2, 1, 2, 1, 1)  # down, down, right, down, right, right
WITH_DETOUR = (0, 3, *SHORTEST)  # up and left from the start stay in place


def _total(game, actions):
    cell, total = game.start, 0.0
    for action in actions:
        cell, reward, done = game.step(cell, action)
        total += reward
        if done:
            break
    return total


class ShortestPathRule(ChoiceExercise):
    title = "the rule that makes the agent take a shortest path"
    choices = RULES
    hints = (
        "Compare the total reward of the 6-move path with that of an 8-move path that also "
        "reaches the goal. Which rule makes them differ?",
    )
    why_not = {
        "goal": "both paths reach the goal and get the same +1: the goal alone does not say "
        "how to get there.",
        "hole": "a path that avoids the holes, long or short, never pays the -1.",
        "timeout": "the 20-move limit punishes wandering forever, but a 6-move and an 8-move "
        "path both end well before it.",
    }

    def _expected(self):
        # Without a cost per move, a detour earns as much as the shortest path.
        free = rl.GridGame(step_reward=0.0)
        if _total(free, SHORTEST) == _total(free, WITH_DETOUR):
            return "step"
        return "goal"  # (not reached with the game's rules)

    def _explain(self, expected):
        game = rl.GridGame()
        short, detour = _total(game, SHORTEST), _total(game, WITH_DETOUR)
        return (
            f"Every move costs {-game.step_reward:g}: the 6-move path earns 1 - 5 × "
            f"{-game.step_reward:g} = {short:.2f}, an 8-move one {detour:.2f}. REINFORCE "
            "makes the moves of better-than-average episodes more likely, so the shorter path "
            "wins. Without that cost every path to the goal would be worth the same +1."
        )


EXERCISES = [WrongDigit, ThreeCharacters, ScreeningThreshold, PrecisionByHand, ShortestPathRule]
