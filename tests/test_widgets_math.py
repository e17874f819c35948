"""ActivationExplorer, LossExplorer and OptimizerPlayground through their contracts.

Each test drives ``controls`` from Python, as a learner would, then checks
``result`` against core (itself tested against Keras and closed forms) and the
figure's artists; bad input must show a message and leave the widget working.
"""

import io

import lmwidgets
from lmwidgets.core import activations, losses, optimizers
from lmwidgets.widgets._base import render_png

import numpy as np
import pytest
from PIL import Image


def _visible_lines(axes):
    return [line for line in axes.get_lines() if line.get_visible() and line.get_label()[0] != "_"]


def test_activation_explorer_overlays_and_marks_dead_units():
    explorer = lmwidgets.ActivationExplorer(activations=("relu", "gelu"), x_range=(-4, 4))
    assert explorer.message.value == ""
    x = explorer.result["x"]
    assert x[0] == -4 and x[-1] == 4
    y, dy = activations.evaluate("relu", x)
    np.testing.assert_array_equal(explorer.result["relu"]["y"], y)
    np.testing.assert_array_equal(explorer.result["relu"]["dead"], x <= 0)  # Keras: relu'(0) = 0
    assert explorer.result["gelu"]["dead"].sum() == 0
    labels = {line.get_label() for line in _visible_lines(explorer.value_axes)}
    assert labels == {"relu", "gelu"}
    dead_x, dead_y = explorer.dead_marks.get_data()
    assert np.nanmax(dead_x[np.isfinite(dead_y)]) <= 0

    explorer.controls["activations"].value = ("leaky_relu", "sigmoid")
    assert set(explorer.result) == {"x", "leaky_relu", "sigmoid"}
    explorer.controls["leaky_relu.negative_slope"].value = 0.3
    np.testing.assert_allclose(explorer.result["leaky_relu"]["dy"][x < 0], 0.3, rtol=1e-6)
    assert explorer.controls["leaky_relu.negative_slope"].layout.display is None
    assert explorer.controls["elu.alpha"].layout.display == "none"
    assert not explorer.result["sigmoid"]["saturated"].any()  # sigmoid'(±4) = 0.018
    explorer.controls["x_range"].value = (-8.0, 8.0)  # sigmoid'(±8) = 0.0003
    assert explorer.result["sigmoid"]["saturated"][[0, -1]].all()
    assert "σ(x)" in explorer.formulas.value


def test_activation_explorer_reports_bad_input_and_recovers():
    explorer = lmwidgets.ActivationExplorer()
    before = explorer.result
    explorer.controls["activations"].value = ()
    assert "Pick at least one activation" in explorer.message.value
    assert explorer.result is before
    explorer.controls["activations"].value = ("tanh",)
    assert explorer.message.value == "" and "tanh" in explorer.result
    with pytest.raises(ValueError, match="Valid activations"):
        lmwidgets.ActivationExplorer(activations=("relu9",))


def test_loss_explorer_views():
    explorer = lmwidgets.LossExplorer()
    regression = explorer.result["regression"]
    assert set(regression) >= set(losses.REGRESSION)
    explorer.controls["delta"].value = 0.5
    expected = losses.regression_curve("huber", losses_errors(explorer), delta=0.5)
    np.testing.assert_array_equal(explorer.result["regression"]["huber"]["loss"], expected[0])
    line = explorer.lines["regression", "huber", "slope"]
    np.testing.assert_array_equal(line.get_ydata(), expected[1])

    explorer.controls["view"].value = "classification"
    explorer.controls["gamma"].value = 1.0
    data = explorer.result["classification"]
    p = data["p"]
    np.testing.assert_array_equal(
        data["binary_focal_crossentropy"][0]["loss"],
        losses.classification_curve("binary_focal_crossentropy", p, 0, gamma=1.0)[0],
    )
    assert all(not axes.get_visible() for axes in explorer.axes["regression"])

    explorer.controls["view"].value = "outliers"
    explorer.controls["outlier"].value = 20.0
    data = explorer.result["outliers"]
    x, y = losses.outlier_data(20.0)
    reference = losses.robust_fit(x, y, "mean_absolute_error")
    assert data["mean_absolute_error"]["slope"] == pytest.approx(reference["slope"])
    assert data["mean_squared_error"]["slope"] > data["huber"]["slope"] + 1
    fitted = explorer.lines["fit", "huber"].get_ydata()
    np.testing.assert_allclose(fitted, data["huber"]["slope"] * x + data["huber"]["intercept"])


def losses_errors(explorer):
    return explorer.result["regression"]["errors"]


def test_loss_explorer_reports_bad_input_and_recovers():
    explorer = lmwidgets.LossExplorer(view="outliers")
    explorer.controls["fit_losses"].value = ()
    assert "Pick at least one loss" in explorer.message.value
    explorer.controls["fit_losses"].value = ("huber",)
    assert explorer.message.value == "" and "huber" in explorer.result["outliers"]


@pytest.mark.backends
def test_optimizer_playground_runs_keras_optimizers():
    playground = lmwidgets.OptimizerPlayground(optimizers=("sgd", "adam"), surface="rosenbrock")
    assert set(playground.result) == {"sgd", "adam"}
    playground.controls["learning_rate"].value = 1e-3
    playground.controls["steps"].value = 50
    start = (playground.controls["start_x"].value, playground.controls["start_y"].value)
    for name in ("sgd", "adam"):
        expected = optimizers.trajectory(name, "rosenbrock", start, 1e-3, 50)
        np.testing.assert_allclose(playground.result[name]["path"], expected["path"])
        x, y = playground.paths[name].get_data()
        np.testing.assert_allclose(np.column_stack([x, y]), expected["path"])
        assert playground.result[name]["path"].shape == (51, 2)

    playground.controls["optimizers"].value = ("momentum",)
    playground.controls["momentum"].value = 0.5
    expected = optimizers.trajectory("momentum", "rosenbrock", start, 1e-3, 50, momentum=0.5)
    np.testing.assert_allclose(playground.result["momentum"]["path"], expected["path"])
    assert not playground.paths["sgd"].get_visible()

    playground.controls["surface"].value = "himmelblau"
    assert playground.controls["start_x"].value == optimizers.surface("himmelblau").start[0]
    assert playground.message.value == ""


@pytest.mark.backends
def test_optimizer_playground_reports_divergence_in_the_widget():
    playground = lmwidgets.OptimizerPlayground(optimizers=("sgd",), surface="quadratic")
    playground.controls["learning_rate"].value = 0.5
    assert "sgd diverged at step" in playground.message.value
    assert playground.result["sgd"]["diverged_at"] is not None
    playground.controls["learning_rate"].value = 0.01
    assert playground.message.value == ""
    playground.controls["optimizers"].value = ()
    assert "Pick at least one optimizer" in playground.message.value
    playground.controls["optimizers"].value = ("adam",)
    assert playground.message.value == "" and set(playground.result) == {"adam"}


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


@pytest.mark.parametrize(
    ("make", "changes"),
    [
        (
            lambda: lmwidgets.ActivationExplorer(activations=("relu", "leaky_relu")),
            [
                ("leaky_relu.negative_slope", 0.05),  # same axes: drawn over the cached picture
                ("leaky_relu.negative_slope", 0.3),  # a lower minimum: new y limits
                ("x_range", (-2.0, 3.0)),
                ("activations", ("tanh",)),
                ("activations", ("relu", "leaky_relu")),
                ("x_range", (-5.0, 5.0)),  # back to an axes layout drawn before
            ],
        ),
        (
            lmwidgets.LossExplorer,
            [
                ("delta", 0.5),
                ("view", "classification"),
                ("gamma", 1.0),
                ("view", "outliers"),
                ("outlier", 25.0),
                ("view", "regression"),
            ],
        ),
    ],
    ids=["ActivationExplorer", "LossExplorer"],
)
def test_redraws_over_a_cached_background_match_a_full_draw(make, changes):
    """Blitting reuses a picture of the axes; it must never show a stale one."""
    explorer = make()
    for control, value in changes:
        explorer.controls[control].value = value
        assert explorer.message.value == ""
        blitted = _pixels(explorer.image.value)
        full = _pixels(render_png(explorer.figure))
        # Antialiased edges may differ by a level or two where a line crosses the background.
        assert np.abs(blitted - full).max() <= 2, f"stale picture after {control}={value!r}"
