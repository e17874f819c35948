"""Lesson 05 · Project: MNIST, bugs and all: the source's bugs, parameters, the dashboard."""

from lmwidgets.core import training
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    result_of,
)

import numpy as np

# The printed program's steps, named by the source's own comments.
STEPS = ("load", "preprocess", "build", "compile", "train", "evaluate")
# Exercise 2: the model counted by hand.
BY_HAND = training.MLPConfig(hidden_layers=3, units=32)
# Exercise 3: small and good.
MAX_PARAMETERS = 30_000
MIN_ACCURACY = 0.90
# Exercise 4: a learning rate this large or larger counts as "1.0", and a run at most this
# accurate as broken (ten digits: chance is 10%).
LARGE_LEARNING_RATE = 0.5
BROKEN_ACCURACY = 0.2


def _layer_sizes(config, input_size=784, n_classes=10):
    return [input_size, *[config.units] * config.hidden_layers, n_classes]


def _trained(answer, exercise):
    """The dashboard's result once a run has finished, else NotYet saying what to do."""
    result = result_of(answer, "TrainingDashboard")
    if getattr(answer, "training", False):
        raise NotYet("the dashboard is still training: wait until it has finished, then check.")
    if "trained_config" not in result:
        raise NotYet(
            "no model has been trained in this dashboard yet: set its controls, press Train "
            f"(or call `.train(wait=True)`), then run `ex.{exercise}.check(...)` again."
        )
    return result


def _described(config):
    layers = config["hidden_layers"]
    shape = f"{layers} hidden layer{'' if layers == 1 else 's'} of {config['units']} units"
    return f"{config['optimizer']} at learning rate {config['learning_rate']:g}, {shape}"


class FirstFailingLine(ChoiceExercise):
    title = "the first line of the source's program that fails"
    choices = STEPS
    hints = (
        "Run the program in your head with the real return value of `load_data()`: "
        "`((x_train, y_train), (x_test, y_test))`. What is `train_data` then?",
        "`train_data` is a tuple of two arrays. Which line does arithmetic on it?",
    )
    why_not = {
        "load": "`load_data()` itself works: it returns two (images, labels) pairs, and the "
        "assignment to two names succeeds. The trouble is what those names now hold.",
        "build": "building the model works in Keras 3: `Flatten(input_shape=...)` only warns. "
        "And a line before it already failed.",
        "compile": "compile never looks at the data, and a line before it already failed.",
        "train": "`fit(train_data, train_data)` is wrong (images as targets), but the program "
        "never gets that far: an earlier line fails first.",
        "evaluate": "evaluate repeats fit's bug, but the program stops long before it.",
    }

    def _expected(self):
        # What the printed program meets: load_data()'s structure, then its next line.
        images, labels = np.zeros((2, 28, 28), dtype="uint8"), np.zeros(2, dtype="uint8")
        train_data = (images, labels)
        try:
            train_data / 255.0
        except TypeError:
            return "preprocess"
        return "train"  # (not reached: a tuple cannot be divided)

    def _explain(self, expected):
        return (
            "`train_data` is the pair `(x_train, y_train)`, and `train_data / 255.0` divides a "
            "tuple: a TypeError, at the preprocessing line. Fix it by unpacking "
            "`(x_train, y_train), (x_test, y_test) = ...` and scaling the images only; the next "
            "bug is then `fit(train_data, train_data)`, which must be `fit(x_train, y_train)`."
        )


class CountByHand(NumberExercise):
    title = "parameters of 784-32-32-32-10, by hand"
    asks_for = "a whole number of parameters"
    tolerance = 0.5
    absolute = True
    hints = (
        "A Dense layer with n inputs and m units has n × m weights and m biases: "
        "(n + 1) × m parameters. Dropout has none.",
        "Four Dense layers: 784 → 32, 32 → 32, 32 → 32 and 32 → 10. Add their (n + 1) × m.",
    )

    def _expected(self):
        return training.mlp_parameter_count(BY_HAND)

    def _explain(self, expected):
        sizes = _layer_sizes(BY_HAND)
        terms = " + ".join(f"({n} + 1) × {m}" for n, m in zip(sizes, sizes[1:], strict=False))
        return f"{terms} = {expected:,}. A dashboard set to 3 layers of 32 units shows the same."

    def _not_yet(self, value, expected):
        sizes = _layer_sizes(BY_HAND)
        pairs = list(zip(sizes, sizes[1:], strict=False))
        no_biases = sum(n * m for n, m in pairs)
        one_hidden_less = training.mlp_parameter_count(
            training.MLPConfig(hidden_layers=BY_HAND.hidden_layers - 1, units=BY_HAND.units)
        )
        one_hidden_more = training.mlp_parameter_count(
            training.MLPConfig(hidden_layers=BY_HAND.hidden_layers + 1, units=BY_HAND.units)
        )
        lesson_models = {
            training.mlp_parameter_count(training.MLPConfig()): "the corrected model (784-128-10)",
            training.mlp_parameter_count(training.MLPConfig(hidden_layers=2, units=64)): (
                "the lesson's dashboard (two hidden layers of 64 units)"
            ),
        }
        if value == no_biases:
            return f"{value:,.0f} counts the weights only: every unit also has a bias."
        if value in (one_hidden_less, one_hidden_more):
            return (
                f"{value:,.0f} has one hidden layer too {'few' if value < expected else 'many'}: "
                "three hidden layers means four Dense layers, two of them 32 → 32."
            )
        if value in lesson_models:
            return f"{value:,.0f} is the count of {lesson_models[value]}, not of this model."
        return f"{value:,.0f} is not it. Add (n + 1) × m over the four Dense layers."


class SmallAndGood(Exercise):
    title = f"under {MAX_PARAMETERS:,} parameters, at least {MIN_ACCURACY:.0%} test accuracy"
    asks_for = "the TrainingDashboard, after training a model in it"
    hints = (
        "Parameters grow with the first layer: 785 × units. Fewer units (or fewer layers) "
        "shrink the model fastest.",
        "One hidden layer of 32 units has (784 + 1) × 32 + (32 + 1) × 10 parameters. Train it "
        "for 5 epochs and look at the test accuracy.",
    )

    def _check(self, answer, **more):
        result = _trained(answer, self.name)
        config = training.MLPConfig(**result["trained_config"])
        count = training.mlp_parameter_count(config)
        accuracy = result["test_accuracy"]
        if result["diverged"]:
            raise NotYet("the last run diverged: lower the learning rate and train again.")
        if count >= MAX_PARAMETERS:
            raise NotYet(
                f"the last model trained ({_described(result['trained_config'])}) has "
                f"{count:,} parameters; it must have fewer than {MAX_PARAMETERS:,}."
            )
        if accuracy < MIN_ACCURACY:
            raise NotYet(
                f"{count:,} parameters is small enough, but its test accuracy is {accuracy:.1%}, "
                f"below {MIN_ACCURACY:.0%}: train longer, or a little wider."
            )
        return (
            f"{count:,} parameters and {accuracy:.1%} test accuracy. Most of an MLP's "
            "parameters sit in its first layer (785 per unit): a narrow first layer is cheap, "
            "and on digits it costs only a point or two of accuracy."
        )

    def _solution(self):
        config = training.MLPConfig(hidden_layers=1, units=32)
        return (
            "Set hidden_layers = 1 and units = 32 "
            f"({training.mlp_parameter_count(config):,} parameters), keep the rest, press Train: "
            "after 5 epochs it reaches about 92% on the offline sample."
        )


class AdamAtOne(Exercise):
    title = "a learning rate of 1.0 with Adam"
    asks_for = "the TrainingDashboard, after training with Adam at learning rate 1.0"
    hints = (
        "Set optimizer to adam and learning_rate to 1.0 (the default is 0.001), then Train.",
        "Compare with sgd at 1.0: look at the loss curve and the confusion matrix.",
    )

    def _check(self, answer, **more):
        result = _trained(answer, self.name)
        config = result["trained_config"]
        accuracy = result["test_accuracy"]
        if config["optimizer"] == "sgd" and config["learning_rate"] >= LARGE_LEARNING_RATE:
            raise NotYet(
                f"that run was SGD at learning rate {config['learning_rate']:g} (test accuracy "
                f"{accuracy:.1%}). SGD's step is the learning rate times the gradient, and the "
                "gradients are small. Now train Adam at the same rate."
            )
        if config["optimizer"] != "adam" or config["learning_rate"] < LARGE_LEARNING_RATE:
            raise NotYet(
                f"the last run was {_described(config)}: train with optimizer adam and "
                "learning rate 1.0."
            )
        if not result["diverged"] and accuracy > BROKEN_ACCURACY:
            raise NotYet(
                f"this run still reached {accuracy:.1%}: train it again for the default 5 "
                "epochs, and watch the loss."
            )
        return (
            f"Test accuracy {accuracy:.1%}: chance, for ten digits. Adam divides each gradient "
            "by its own running size, so every weight moves by about the learning rate at every "
            "step, however small its gradient: with 1.0, every weight jumps by about 1. The "
            "ReLU units die, the softmax puts everything on one digit, and the loss sits near "
            "-ln(1e-7) ≈ 16 on the other 90% of images (Keras clips probabilities at 1e-7). "
            "SGD's step is the learning rate times the gradient, so 1.0 is large but workable."
        )

    def _solution(self):
        return (
            "`practice.controls['optimizer'].value = 'adam'`, "
            "`practice.controls['learning_rate'].value = 1.0`, then Train: the test accuracy "
            "stays near 10% (one digit predicted for every image) and the loss flat near 14. "
            "A learning rate of 0 is refused before training: it would change nothing."
        )


class StopEarly(Exercise):
    title = "stop when the validation loss starts to rise"
    asks_for = "the TrainingDashboard, after pressing Stop during a run"
    hints = (
        "Set epochs to 20 and press Train; watch the validation loss (orange). The green "
        "dashed line marks its best epoch so far: press Stop once the loss has risen after it.",
        "On the offline sample an epoch takes a fraction of a second. If the run ends before "
        "you can press Stop, set batch to 16 (slower epochs) or dropout to 0 (an earlier rise).",
    )

    def _check(self, answer, **more):
        result = _trained(answer, self.name)
        epochs = result["epochs_completed"]
        planned = result["trained_config"]["epochs"]
        if not result["stopped"]:
            raise NotYet(
                f"the last run trained all {planned} epochs it was given: press Stop while "
                "it trains (set epochs to 20 first)."
            )
        validation = result["history"].get("val_loss", [])
        if len(validation) < 2:
            raise NotYet(
                f"you stopped after {epochs} epoch{'' if epochs == 1 else 's'}: too soon to "
                "see the validation loss go up. Train again and wait for the rise."
            )
        best = int(np.argmin(validation))
        if best == len(validation) - 1:
            raise NotYet(
                f"you stopped after epoch {epochs}, and the validation loss was still at its "
                "lowest: wait until it has gone up from its minimum, then press Stop."
            )
        return (
            f"The validation loss was lowest at epoch {best + 1} ({validation[best]:.3f}) and "
            f"{validation[-1]:.3f} when you stopped at epoch {epochs}: from there on the model "
            "learns the training images' details more than digits. `practice.model` keeps the "
            "last weights, not the best ones; Keras' "
            "`keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)` stops for "
            "you and puts the best weights back."
        )

    def _solution(self):
        return (
            "`practice.controls['epochs'].value = 20`, press Train, and press Stop once the "
            "orange validation loss has turned up (on the offline sample, after about 5 to 10 "
            "epochs). `practice.result['history']['val_loss']` then shows its minimum before "
            "the last epoch."
        )


EXERCISES = [FirstFailingLine, CountByHand, SmallAndGood, AdamAtOne, StopEarly]
