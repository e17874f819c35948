"""TrainingDashboard and core.training: build, train in the background, stop, evaluate."""

import threading
import time

import lmwidgets
from lmwidgets.core import training
from lmwidgets.datasets import load_mnist
from lmwidgets.widgets._base import render_png

import keras
import numpy as np
import pytest

from tests.pictures import pixels

pytestmark = pytest.mark.backends


@pytest.fixture(scope="module")
def small_mnist():
    (x_train, y_train), (x_test, y_test) = load_mnist("offline")
    return (x_train[:600], y_train[:600]), (x_test[:200], y_test[:200])


@pytest.fixture
def dashboard(small_mnist):
    board = lmwidgets.TrainingDashboard(data=small_mnist)
    yield board
    board.stop()
    board.wait(timeout=60)


def _wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.mark.parametrize(
    "config",
    [
        training.MLPConfig(),
        training.MLPConfig(hidden_layers=0),
        training.MLPConfig(hidden_layers=3, units=32, dropout=0.0, l2=1e-4),
    ],
)
def test_parameter_count_matches_keras(config):
    assert training.mlp_parameter_count(config) == training.build_mlp(config).count_params()


def test_parameter_count_follows_the_controls(dashboard):
    assert dashboard.result["parameter_count"] == (784 + 1) * 128 + (128 + 1) * 10
    dashboard.controls["units"].value = 32
    dashboard.controls["hidden_layers"].value = 2
    assert dashboard.result["parameter_count"] == 785 * 32 + 33 * 32 + 33 * 10
    assert "26,506" in dashboard.summary.value


def test_train_evaluate_and_change_controls_while_training(dashboard, small_mnist):
    dashboard.controls["epochs"].value = 2
    dashboard.controls["batch_size"].value = 64
    dashboard.controls["units"].value = 64
    dashboard.train()
    # Changing the controls while fit runs only prepares the next run.
    dashboard.controls["epochs"].value = 1
    dashboard.controls["units"].value = 16
    dashboard.controls["learning_rate"].value = 0.0
    assert "learning_rate" in dashboard.message.value
    assert dashboard.wait(timeout=120)
    result = dashboard.result
    assert result["trained_config"]["units"] == 64 and dashboard.model.layers[1].units == 64
    assert set(result["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in result["history"].values())
    assert result["history"] == dashboard.live_plot.history
    # test accuracy and confusion matrix, recomputed independently from the model
    _, (x_test, y_test) = small_mnist
    predicted = np.asarray(dashboard.model.predict(x_test / 255.0, verbose=0)).argmax(axis=1)
    assert result["test_accuracy"] == pytest.approx(np.mean(predicted == y_test))
    counts = result["confusion_matrix"]
    assert counts.sum() == len(y_test)
    assert np.trace(counts) / len(y_test) == pytest.approx(result["test_accuracy"])
    assert counts[3, 5] == np.sum((y_test == 3) & (predicted == 5))
    recall = result["recall_matrix"]  # the colours: each true class's row sums to 1
    np.testing.assert_allclose(recall.sum(axis=1)[counts.sum(axis=1) > 0], 1)
    np.testing.assert_allclose(dashboard._cm_image.get_array(), recall)
    assert len(result["misclassified"]) == np.sum(predicted != y_test)
    assert result["stopped"] is False and result["epochs_completed"] == 2
    assert not dashboard.buttons["train"].disabled and dashboard.buttons["stop"].disabled


def test_stop_from_another_thread_ends_training_within_one_batch(dashboard):
    dashboard.controls["epochs"].value = 20
    dashboard.controls["batch_size"].value = 16
    dashboard.buttons["train"].click()  # returns at once: fit runs in its own thread
    assert dashboard.training
    assert dashboard.buttons["train"].disabled and not dashboard.buttons["stop"].disabled
    run = dashboard.training_run
    assert threading.current_thread() is not run._thread
    _wait_until(lambda: run.switch.batches_started >= 5)
    dashboard.buttons["stop"].click()
    assert dashboard.wait(timeout=120)
    assert run.switch.batches_started <= run.switch.batches_at_request + 1
    result = dashboard.result
    assert result["stopped"] is True
    assert 1 <= result["epochs_completed"] < 20
    assert len(result["history"]["loss"]) == result["epochs_completed"]
    assert dashboard.model is run.model
    assert dashboard.model.predict(np.zeros((1, 28, 28)), verbose=0).shape == (1, 10)


def test_train_right_after_stop_starts_a_new_run(dashboard):
    # Stop then Train once answered "Already training" while the stopped run wound down.
    dashboard.controls["epochs"].value = 20
    dashboard.controls["batch_size"].value = 16
    dashboard.train()
    first = dashboard.training_run
    _wait_until(lambda: first.switch.batches_started >= 3)
    dashboard.stop()
    dashboard.train()
    assert "Already training" not in dashboard.message.value
    assert dashboard.training_run is not first and not first.running
    assert first.stopped and dashboard.training
    dashboard.train()  # a second Train while this one runs: said, not started
    assert "Already training: press Stop first." in dashboard.message.value


def test_a_learning_rate_of_zero_is_a_message_not_an_error(dashboard):
    dashboard.controls["learning_rate"].value = 0.0
    assert "learning_rate must be a positive number" in dashboard.message.value
    dashboard.buttons["train"].click()
    assert dashboard.training_run is None and dashboard.model is None
    assert "learning_rate" in dashboard.message.value
    dashboard.controls["learning_rate"].value = 0.01
    assert dashboard.message.value == ""
    assert dashboard.result["config"]["learning_rate"] == 0.01


def test_empty_data_is_a_message_in_the_widget():
    empty = np.zeros((0, 28, 28), "uint8"), np.zeros(0, "uint8")
    board = lmwidgets.TrainingDashboard(data=(empty, empty))
    assert "No data to train on" in board.message.value
    board.train(wait=True)
    assert board.model is None and "No data" in board.message.value


def test_background_fit_stop_keeps_history():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(512, 28, 28)).astype("float32")
    y = np.arange(512) % 10
    model = training.build_mlp(training.MLPConfig(units=16))
    run = training.BackgroundFit(model, x=x, y=y, batch_size=8, epochs=50, verbose=0)
    run.start()
    _wait_until(lambda: run.switch.batches_started >= 70)  # into the second epoch
    run.stop()
    assert run.wait(timeout=120)
    assert run.switch.batches_started <= run.switch.batches_at_request + 1
    assert run.stopped and run.error is None
    assert 2 <= len(run.history["loss"]) < 50


def test_labels_are_encoded_for_the_chosen_loss():
    labels = np.array([3, 0, 9])
    assert training.encode_labels(labels, "sparse_categorical_crossentropy").tolist() == [3, 0, 9]
    one_hot = training.encode_labels(labels, "categorical_crossentropy")
    assert one_hot.shape == (3, 10) and one_hot.argmax(axis=1).tolist() == [3, 0, 9]
    assert one_hot.sum(axis=1).tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="Valid losses: sparse_categorical_crossentropy"):
        training.encode_labels(labels, "hinge")


def test_invalid_config_names_the_valid_choices():
    with pytest.raises(ValueError, match="Valid optimizers: adam, sgd"):
        training.MLPConfig(optimizer="adagrad?")
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        training.MLPConfig(dropout=1.0)


def test_a_loss_that_becomes_nan_stops_training_and_says_why(dashboard):
    # Plain SGD with learning_rate * l2 > 1 multiplies every weight by 1 - 2 * 1.0 * 10 = -19
    # per step: the loss overflows in the first epoch. Before DivergenceGuard, a run like this
    # (l2=1e30 on JAX) trained on and reported "test accuracy 9.80%" as a normal result.
    for name, value in {"optimizer": "sgd", "learning_rate": 1.0, "l2": 10.0, "epochs": 3}.items():
        dashboard.controls[name].value = value
    dashboard.train(wait=True)
    result = dashboard.result
    assert result["diverged"] is not None and result["diverged"]["epoch"] == 1
    assert result["epochs_completed"] == 1
    assert "Training stopped at epoch 1" in dashboard.message.value
    assert "l2 = 10" in dashboard.message.value
    assert all(np.all(np.isfinite(w)) for w in dashboard.model.get_weights())
    dashboard.controls["units"].value = 64  # the message stays while the picture is that run's
    assert "Training stopped at epoch 1" in dashboard.message.value
    dashboard.controls["l2"].value = 0.0
    dashboard.controls["epochs"].value = 1
    dashboard.train(wait=True)
    assert dashboard.result["diverged"] is None and "test accuracy" in dashboard.message.value


def test_building_it_trains_nothing_and_the_seed_is_a_control(small_mnist):
    board = lmwidgets.TrainingDashboard(data=small_mnist, seed=7, epochs=1, units=16)
    assert board.model is None and board.training_run is None
    assert "history" not in board.result and board.state["settings"]["seed"] == 7
    assert not board.buttons["train"].disabled and board.buttons["stop"].disabled
    board.train(wait=True)
    first = board.model.get_weights()
    board.train(wait=True)
    again = board.model.get_weights()
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(first, again, strict=True))
    with pytest.raises(ValueError, match="l2 must be a number from 0 to 10"):
        lmwidgets.TrainingDashboard(data=small_mnist, l2=1e38)


@pytest.mark.parametrize(
    ("where", "value", "says"),
    [("y_train", 11, "y_train must be digit labels"), ("y_test", 2.5, "y_test must be digit"),
     ("x_train", np.nan, "x_train must be 28x28 images"), ("x_test", 300, "x_test must be")],
)  # fmt: skip
def test_labels_outside_0_to_9_or_bad_pixels_are_refused_not_trained_on(
    small_mnist, where, value, says
):
    (x_train, y_train), (x_test, y_test) = small_mnist
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    bad = arrays[where].astype(float)
    bad.flat[0] = value
    arrays[where] = bad
    board = lmwidgets.TrainingDashboard(
        data=((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))
    )
    assert says in board.message.value
    board.train(wait=True)
    assert board.model is None and "No data to train on" in board.message.value


def test_the_picture_follows_each_evaluation_not_the_controls(dashboard):
    """The controls prepare the next run: they redraw nothing, and the image stays the
    figure's picture; a finished run redraws it."""
    before = dashboard.image.value
    dashboard.controls["epochs"].value = 1
    dashboard.controls["dropout"].value = 0.3
    assert dashboard.image.value == before
    dashboard.train(wait=True)
    assert dashboard.last_error is None, dashboard.message.value
    trained = dashboard.image.value
    assert trained != before
    for control, value in [("seed", 3), ("optimizer", "sgd"), ("units", 32), ("epochs", 2)]:
        dashboard.controls[control].value = value
        assert dashboard.image.value == trained
        assert np.abs(pixels(trained) - pixels(render_png(dashboard.figure))).max() <= 2
