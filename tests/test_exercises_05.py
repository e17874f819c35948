"""Lesson 05's exercises: right answers pass, trivial and typical wrong ones do not.

The dashboards train on the offline MNIST sample (or a slice of it, where the check only
reads the run's settings), a few seconds each on JAX.
"""

import functools
import time

import lmwidgets
from lmwidgets.core import training

from tests.exercise_cases import exercise_test, right, wrong


@functools.lru_cache(maxsize=1)
def mnist():
    return lmwidgets.datasets.load_mnist()


def sliced(n_train, n_test=200):
    (x_train, y_train), (x_test, y_test) = mnist()
    return (x_train[:n_train], y_train[:n_train]), (x_test[:n_test], y_test[:n_test])


def dashboard(data=None, **controls):
    board = lmwidgets.TrainingDashboard(data=data if data is not None else mnist())
    for name, value in controls.items():
        board.controls[name].value = value
    return board


def trained(data=None, **controls):
    def build():
        board = dashboard(data, **controls)
        board.train(wait=True)
        return board

    return build


def stopped_when(should_stop, **controls):
    """A run of 20 epochs on a small slice, stopped from Python as a learner presses Stop."""

    def build():
        board = dashboard(sliced(300), epochs=20, **controls)
        board.train()
        deadline = time.monotonic() + 60
        while board.training and time.monotonic() < deadline:
            if should_stop(board.training_run.history_so_far().get("val_loss", [])):
                board.stop()
                break
            time.sleep(0.002)
        board.wait()
        return board

    return build


def after_the_rise(validation):
    """Well past the minimum, so that the epoch still running when Stop lands is no new low."""
    best = min(range(len(validation)), key=validation.__getitem__, default=0)
    return len(validation) - 1 - best >= 3 and validation[-1] > validation[best] + 0.05


CASES = {
    1: [
        right("preprocess"),
        right(" Preprocess "),
        wrong("train", why="the second bug, never reached"),
        wrong("load", why="load_data itself works"),
        wrong("build", why="input_shape only warns"),
        wrong("evaluate", why="reached last"),
        wrong("divide", why="not one of the steps"),
    ],
    2: [
        right(training.mlp_parameter_count(training.MLPConfig(hidden_layers=3, units=32))),
        right(27_562.0),
        wrong(784 * 32 + 32 * 32 * 2 + 32 * 10, why="no biases"),
        wrong(785 * 32 + 33 * 32 + 33 * 10, why="one hidden layer too few"),
        wrong(785 * 32 + 3 * 33 * 32 + 33 * 10, why="one hidden layer too many"),
        wrong(101_770, why="the corrected model's count"),
        wrong(55_050, why="the lesson's dashboard's count"),
        wrong("27562", why="a string"),
    ],
    3: [
        right(build=trained(hidden_layers=1, units=32, epochs=5)),
        wrong(build=lambda: dashboard(sliced(300)), why="nothing trained"),
        wrong(
            build=trained(sliced(500), hidden_layers=2, units=64, epochs=1),
            why="55,050 parameters: too many",
        ),
        wrong(build=trained(sliced(300), units=16, epochs=1), why="small but not accurate"),
        wrong(25_450, why="a number, not the dashboard"),
    ],
    4: [
        right(build=trained(sliced(500), optimizer="adam", learning_rate=1.0, epochs=2)),
        wrong(build=lambda: dashboard(sliced(300)), why="nothing trained"),
        wrong(build=trained(sliced(300), epochs=1), why="the default learning rate"),
        wrong(
            build=trained(sliced(300), optimizer="sgd", learning_rate=1.0, epochs=1),
            why="SGD at 1.0",
        ),
        wrong(
            build=trained(sliced(300), optimizer="adam", learning_rate=0.1, epochs=1),
            why="0.1 is not 1.0",
        ),  # fmt: skip
    ],
    5: [
        right(build=stopped_when(after_the_rise, dropout=0.0, units=256, learning_rate=0.003)),
        wrong(build=lambda: dashboard(sliced(300)), why="nothing trained"),
        wrong(build=trained(sliced(300), epochs=2), why="ran to the end, never stopped"),
        wrong(build=stopped_when(lambda validation: True), why="stopped in the first epoch"),
        wrong(
            build=stopped_when(
                lambda validation: len(validation) >= 2 and validation[-1] <= min(validation)
            ),
            why="stopped while still falling",
        ),
    ],
}

test_exercise = exercise_test(5, CASES)
