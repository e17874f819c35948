"""OverfittingExplorer and core.training.overfitting_run: memorizing noise, and L2 against it."""

import lmwidgets
from lmwidgets.core import training

import numpy as np
import pytest


def test_noisy_sine_has_the_stated_noise():
    x, y = training.noisy_sine(20000, seed=3)
    assert x.shape == y.shape == (20000, 1) and x.min() >= -1 and x.max() <= 1
    assert np.std(y - np.sin(3 * x)) == pytest.approx(training.NOISE_STD, rel=0.02)


def test_recorded_losses_are_the_models_mean_squared_error():
    run = training.overfitting_run(train_size=15, epochs=40, points=10)
    assert run["epochs"].tolist() == np.linspace(1, 40, 10).round().astype(int).tolist()
    model = run["model"]
    train_prediction = np.asarray(model.predict(run["x_train"][:, None], verbose=0))[:, 0]
    val_prediction = np.asarray(model.predict(run["x_val"][:, None], verbose=0))[:, 0]
    assert run["train_loss"][-1] == pytest.approx(
        np.mean((train_prediction - run["y_train"]) ** 2), rel=1e-4
    )
    assert run["val_loss"][-1] == pytest.approx(
        np.mean((val_prediction - run["y_val"]) ** 2), rel=1e-4
    )
    assert run["gap"] == pytest.approx(run["val_loss"][-1] - run["train_loss"][-1])


def test_small_data_overfits_and_more_data_or_l2_closes_the_gap():
    explorer = lmwidgets.OverfittingExplorer()  # core's defaults: 20 points, 300 epochs
    assert (explorer.result["train_size"], explorer.result["epochs"]) == (20, 300)
    assert explorer.state["settings"] == {
        name: training.OVERFITTING_DEFAULTS[name] for name in explorer.specs
    }
    overfit = explorer.result
    # memorized: below the noise variance on the training points, far above it on new ones
    assert overfit["train_loss"] < training.NOISE_STD**2 < overfit["val_loss"]
    assert overfit["gap"] > 0.05
    assert explorer._train_curve.get_ydata() == pytest.approx(overfit["train_curve"])
    assert explorer.message.value == ""

    explorer.controls["l2"].value = 1e-4
    assert explorer.result["gap"] < overfit["gap"]
    explorer.controls["l2"].value = 0.0
    explorer.controls["train_size"].value = 200
    assert explorer.result["gap"] < overfit["gap"] / 3


def test_the_seed_draws_other_points():
    explorer = lmwidgets.OverfittingExplorer(train_size=10, epochs=20, seed=1)
    run = training.overfitting_run(train_size=10, epochs=20, seed=1)
    np.testing.assert_allclose(explorer.result["x_train"], run["x_train"])
    np.testing.assert_allclose(explorer.result["val_curve"], run["val_loss"], rtol=1e-5)
    explorer.controls["seed"].value = 2
    assert not np.allclose(explorer.result["x_train"], run["x_train"])


def _nan_targets(n, seed=0):
    x, y = _noisy_sine(n, seed)
    return x, y * np.nan


_noisy_sine = training.noisy_sine


def test_a_nan_loss_stops_the_run_and_is_a_message(monkeypatch):
    explorer = lmwidgets.OverfittingExplorer(train_size=10, epochs=20)
    picture, result = explorer.image.value, explorer.result
    monkeypatch.setattr(training, "noisy_sine", _nan_targets)
    run = training.overfitting_run(train_size=10, epochs=40, points=10)
    assert run["diverged"]["epoch"] == 1 and np.isnan(run["diverged"]["loss"])
    assert run["epochs"].tolist() == [1] and len(run["train_loss"]) == 1
    explorer.controls["epochs"].value = 40
    assert "the loss became nan by epoch 1" in explorer.message.value
    assert explorer.image.value == picture and explorer.result is result
    monkeypatch.undo()
    explorer.controls["epochs"].value = 60
    assert explorer.message.value == "" and explorer.result["epochs"] == 60


def test_bad_arguments_raise_in_core():
    with pytest.raises(ValueError, match="train_size"):
        training.overfitting_run(train_size=1)
    with pytest.raises(ValueError, match="dropout"):
        training.regression_mlp(dropout=1.0)
