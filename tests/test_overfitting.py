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
    explorer = lmwidgets.OverfittingExplorer(train_size=20, epochs=300)
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


def test_bad_arguments_raise_in_core():
    with pytest.raises(ValueError, match="train_size"):
        training.overfitting_run(train_size=1)
    with pytest.raises(ValueError, match="dropout"):
        training.regression_mlp(dropout=1.0)
