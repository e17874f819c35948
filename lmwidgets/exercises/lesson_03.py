"""Lesson 03 · The algorithm, step by step: models, metrics, overfitting, where labels come from."""

import functools

from lmwidgets.core import metrics, training
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    as_choice,
    as_number,
)

# Exercise 3: the class and the recall to reach; answers this far below the best are accepted.
POSITIVE_CLASS, TARGET_RECALL, BAND = 8, 0.95, 0.02
# Exercise 4: the training-set sizes to try, the gap to reach, and the run they are tried on.
SIZES = (20, 40, 80, 120, 160, 200)
GAP = 0.02
RUN = {"l2": 0.0, "dropout": 0.0, "epochs": 300, "seed": 0}


@functools.lru_cache(maxsize=1)
def _parameter_counts():
    """The three models of step 2, built by Keras: name -> number of parameters."""
    import keras

    def model(*layers):
        return keras.Sequential(list(layers))

    models = {
        "MLP": model(
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ),
        "CNN": model(
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ),
        "RNN (LSTM)": model(
            keras.Input(shape=(28, 28)),
            keras.layers.LSTM(64),
            keras.layers.Dense(10, activation="softmax"),
        ),
    }
    return {name: m.count_params() for name, m in models.items()}


class FewestParameters(ChoiceExercise):
    title = "the model of step 2 with the fewest parameters"
    choices = ("MLP", "CNN", "RNN (LSTM)")
    hints = (
        "The table of step 2 counts each model's parameters (Keras' `count_params()`).",
        "Which model uses the same few weights at every position of the image?",
    )

    @property
    def why_not(self):
        counts = _parameter_counts()
        return {
            "MLP": f"the MLP has {counts['MLP']:,}: one weight per pixel for each of its 128 "
            "units, 784 × 128 in its first layer alone.",
            "RNN (LSTM)": f"the LSTM has {counts['RNN (LSTM)']:,}: fewer than the MLP, but its "
            "four gates each connect 28 inputs and 64 units to 64 units.",
        }

    def _expected(self):
        counts = _parameter_counts()
        return min(counts, key=counts.get)

    def _explain(self, expected):
        counts = _parameter_counts()
        return (
            f"the {expected} has {counts[expected]:,} parameters against the MLP's "
            f"{counts['MLP']:,}. A 3×3 filter has 9 weights per input channel and is slid over "
            "the whole image: the same weights find a stroke anywhere, so the count does not "
            "grow with the number of pixels."
        )


class HiddenUnits(NumberExercise):
    title = "the MLP's parameters with 64 hidden units, by hand"
    tolerance = 0.5
    absolute = True
    asks_for = "a whole number of parameters"
    hints = (
        "A Dense layer with n inputs and m units has n × m weights and m biases: (n + 1) × m.",
        "Two Dense layers: 784 inputs to 64 units, then 64 inputs to 10 units. Add both.",
    )

    def _expected(self):
        config = training.MLPConfig(hidden_layers=1, units=64, dropout=0.0)
        return float(training.mlp_parameter_count(config))

    def _explain(self, expected):
        return (
            f"(784 + 1) × 64 + (64 + 1) × 10 = 50,240 + 650 = {expected:,.0f}. Halving the hidden "
            "layer halves the first layer's count, which is almost all of it."
        )

    def _not_yet(self, value, expected):
        known = {
            101770: "101,770 is the MLP with 128 units, as in the table; this one has 64.",
            784 * 64 + 64 * 10: "that leaves out the biases: each unit has one, (n + 1) × m.",
            (784 + 1) * 64: "that is the hidden layer only; add the output layer, 64 → 10.",
            101770 / 2: "halving 101,770 is close but not exact: the output layer's 64 + 1 "
            "inputs per class do not halve that way. Count both layers.",
        }
        for number, message in known.items():
            if abs(value - number) < 1:
                return message
        return super()._not_yet(value, expected)


def _class_scores(explorer):
    """The binary labels and scores of POSITIVE_CLASS in a MetricsExplorer over class scores."""
    if explorer is None:
        raise NotYet(
            "pass the explorer of step 4 too: `ex.q3.check(my_threshold, explorer=explorer)`."
        )
    if type(explorer).__name__ != "MetricsExplorer":
        raise NotYet(
            f"explorer= must be the MetricsExplorer of step 4. Received: {type(explorer).__name__}."
        )
    if not explorer.multiclass:
        raise NotYet("this explorer has binary scores; pass the one of step 4 (ten classes).")
    return metrics.one_vs_rest(explorer._y_true, explorer._scores, POSITIVE_CLASS)


def highest_threshold(labels, scores, recall=TARGET_RECALL):
    """The highest threshold whose recall is at least ``recall``: any lower one finds as many."""
    _, recalls, thresholds = metrics.precision_recall_curve(labels, scores)
    return float(thresholds[recalls >= recall].max())


class FindTheEights(Exercise):
    title = "the highest threshold that still finds 95% of the 8s"
    asks_for = "a threshold between 0 and 1, with the explorer of step 4 as explorer=explorer"
    hints = (
        "Type thresholds into the explorer's box and watch recall: lowering the threshold "
        "never lowers recall. Find where recall first reaches 0.95 coming down from 0.5.",
        "Threshold 0 calls every digit an 8: recall 1.0, but that is not the highest. Look "
        "between 0.1 and 0.5, to two decimals, and read precision there too.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._explorer = None  # the last explorer given, so that solution() can use its data

    def _check(self, answer, explorer=None, **more):
        if type(answer).__name__ == "MetricsExplorer":
            explorer, answer = answer, answer.result["threshold"]
        if answer is None:
            raise NotYet(
                "no answer yet. Expected a threshold between 0 and 1, as "
                "`ex.q3.check(my_threshold, explorer=explorer)`; `ex.q3.hint()` gives a hint."
            )
        threshold = as_number(answer)
        labels, scores = _class_scores(explorer)
        self._explorer = explorer
        if not 0 <= threshold <= 1:
            raise NotYet(f"a threshold lies between 0 and 1. Received: {threshold:g}.")
        best = highest_threshold(labels, scores)
        at = metrics.threshold_metrics(labels, scores, threshold)
        if at["recall"] < TARGET_RECALL:
            raise NotYet(
                f"at threshold {threshold:g} recall is {at['recall']:.3f}, below "
                f"{TARGET_RECALL}: too many 8s are missed. Lower the threshold."
            )
        if threshold == 0:
            raise NotYet(
                "threshold 0 calls every digit an 8: recall 1.0 is guaranteed, and precision "
                f"drops to {at['precision']:.3f}. Find the highest threshold that keeps recall "
                f"at {TARGET_RECALL} or more."
            )
        if threshold < best - min(BAND, best / 2):
            raise NotYet(
                f"recall is {at['recall']:.3f} at {threshold:g}, but a higher threshold still "
                f"reaches {TARGET_RECALL} and calls fewer non-8s '8'. Raise it."
            )
        return self._explain(labels, scores, threshold)

    def _explain(self, labels, scores, threshold):
        at = metrics.threshold_metrics(labels, scores, threshold)
        usual = metrics.threshold_metrics(labels, scores, metrics.DEFAULT_THRESHOLD)
        return (
            f"the highest threshold with recall ≥ {TARGET_RECALL} is "
            f"{highest_threshold(labels, scores):.4f}. At {threshold:g} recall is "
            f"{at['recall']:.3f} and precision {at['precision']:.3f}; at 0.5 they were "
            f"{usual['recall']:.3f} and {usual['precision']:.3f}. To miss fewer 8s the model "
            f"must say '8' for less certain digits, and some of those are not 8s: "
            f"{at['fp']} false positives instead of {usual['fp']}."
        )

    def _solution(self):
        method = (
            "recall(t) never falls as t falls, so the answer is the score of the last 8 you "
            "need: `_, recall, t = metrics.precision_recall_curve(*metrics.one_vs_rest(y_test, "
            "probabilities, 8))`, then `t[recall >= 0.95].max()`."
        )
        if self._explorer is None:
            return method + " (Check once with `explorer=explorer` to see the number here.)"
        labels, scores = _class_scores(self._explorer)
        return f"{method} For your explorer: " + self._explain(
            labels, scores, highest_threshold(labels, scores)
        )


@functools.lru_cache(maxsize=len(SIZES) + 4)
def _gap(train_size):
    """The final validation-minus-training loss of one overfitting run (the explorer's)."""
    return float(training.overfitting_run(train_size=train_size, **RUN)["gap"])


class EnoughData(Exercise):
    title = "the fewest training points, of six, that bring the gap below 0.02"
    asks_for = "one of " + ", ".join(map(str, SIZES)) + " (or the OverfittingExplorer set to it)"
    hints = (
        "Leave L2 at 0, dropout at 0, epochs at 300 and seed 0. Set the training points to "
        "20, then 40, and so on; the title of the loss panel shows the gap.",
        "The gap does not fall smoothly with one draw of data: check every size in order and "
        "stop at the first one below 0.02.",
    )

    def _check(self, answer, **more):
        if type(answer).__name__ == "OverfittingExplorer":
            answer = self._size_of(answer)
        size = as_choice(answer, SIZES)
        expected = self._expected()
        if size < expected:
            raise NotYet(
                f"with {size:g} points the gap is {_gap(int(size)):.3f}, still above {GAP}."
            )
        if size > expected:
            raise NotYet(
                f"with {size:g} points the gap is {_gap(int(size)):.3f}, but fewer points "
                "already bring it below 0.02. Try the smaller sizes."
            )
        return self._explain(expected)

    @staticmethod
    def _size_of(explorer):
        result = explorer.result
        wrong = {k: result.get(k) for k, v in RUN.items() if result.get(k) != v}
        if wrong:
            settings = ", ".join(f"{k} = {v}" for k, v in RUN.items())
            raise NotYet(f"set the explorer back to {settings}. It has {wrong}.")
        return result["train_size"]

    def _expected(self):
        for size in SIZES:
            if _gap(size) < GAP:
                return size
        return SIZES[-1]

    def _explain(self, expected):
        gaps = ", ".join(f"{s}: {_gap(s):.3f}" for s in SIZES if s <= expected)
        return (
            f"{expected} points (gaps {gaps}). With few points the network fits their noise; "
            "with more, noise at one point is outvoted by its neighbours and the training loss "
            "rises towards the noise variance while the validation loss falls to it. One draw "
            "is noisy, so the gap does not shrink at every step."
        )

    def _solution(self):
        return self._explain(self._expected())


class TuneOn(ChoiceExercise):
    title = "the data on which to choose the L2 strength"
    choices = ("train", "validation", "test")
    hints = (
        "Which of the three sets has the model never been fitted to, and is still allowed "
        "to influence your choices?",
    )
    why_not = {
        "train": "the training loss always prefers the weakest penalty: it rewards memorizing "
        "the training points, which is exactly what L2 is meant to stop.",
        "test": "every setting kept because it scored best on the test set fits the model to "
        "those test examples; the test score then overestimates how it does on new data. "
        "That is the correction to step 5.",
    }

    def _expected(self):
        return "validation"

    def _explain(self, expected):
        return (
            "compare the settings on the validation set (or by cross-validation), keep the best, "
            "and score the final model on the test set once. The test score then estimates "
            "performance on new data, because nothing was chosen with it."
        )


class Unlabelled(ChoiceExercise):
    title = "learning from ten million unlabelled sentences"
    choices = ("a", "b", "c")
    hints = ("Reread the correction at the top of the lesson, and the cell after it.",)
    why_not = {
        "a": "labels by hand for ten million sentences are not needed: the text already "
        "contains targets. Deep learning is not only supervised learning.",
        "c": "clustering finds groups, but it does not teach a model to predict language; "
        "and the text itself offers a target at every position.",
    }

    def _expected(self):
        return "b"

    def _explain(self, expected):
        return (
            "self-supervision: every position of a text gives an example whose label is the "
            "next token, cut from the data itself. That is how language models are pre-trained; "
            "step 1 (preprocessing) now makes (context, next token) pairs, and the rest of the "
            "steps stay."
        )


EXERCISES = [FewestParameters, HiddenUnits, FindTheEights, EnoughData, TuneOn, Unlabelled]
