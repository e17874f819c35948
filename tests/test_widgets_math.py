"""ActivationExplorer, LossExplorer and OptimizerPlayground through their contracts.

Each test drives ``controls`` from Python, as a learner would, then checks
``result`` against core (itself tested against Keras and closed forms) and the
figure's artists; bad input must show a message and leave the widget working.
"""

import lmwidgets
from lmwidgets.core import activations, losses, optimizers

import numpy as np
import pytest

from tests.pictures import assert_redraws_match_a_full_draw


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
    # The parameters of the chosen activations show, the others' do not.
    assert explorer.parameter_boxes["leaky_relu"].layout.display is None
    assert explorer.parameter_boxes["elu"].layout.display == "none"
    assert not explorer.result["sigmoid"]["saturated"].any()  # sigmoid'(±4) = 0.018
    explorer.controls["x_range"].value = (-8.0, 8.0)  # sigmoid'(±8) = 0.0003
    assert explorer.result["sigmoid"]["saturated"][[0, -1]].all()
    assert "σ(x)" in explorer.formulas.value


def test_activation_explorer_reports_bad_input_and_recovers():
    explorer = lmwidgets.ActivationExplorer()
    before = explorer.result
    explorer.controls["activations"].value = ()
    assert "activations must be a list of at least 1 of relu" in explorer.message.value
    assert explorer.result is before
    explorer.controls["activations"].value = ("tanh",)
    assert explorer.message.value == "" and "tanh" in explorer.result
    with pytest.raises(
        ValueError, match=r"activations must be .*Received: activations=\('relu9',\)"
    ):
        lmwidgets.ActivationExplorer(activations=("relu9",))


def test_a_new_choice_of_activations_draws_only_the_y_axes_over_a_cached_picture(monkeypatch):
    """Other curves move the y limits: at the same x range, only the y axes' numbers are drawn
    again (over a cached picture of frames and x axes), never the whole figure."""
    explorer = lmwidgets.ActivationExplorer(activations=("relu",))
    canvas = explorer.figure.canvas
    full_draws = []
    draw = canvas.draw
    monkeypatch.setattr(canvas, "draw", lambda: (full_draws.append(1), draw()))
    for chosen in [("relu", "tanh"), ("sigmoid",), ("relu", "elu", "exponential")]:
        explorer.controls["activations"].value = chosen
        assert explorer.last_error is None
    assert full_draws == []
    explorer.controls["x_range"].value = (-3.0, 3.0)  # new x axes: the rest is drawn once
    assert full_draws == [1]


def test_activation_parameters_are_settings_and_a_teachers_hide_wins():
    explorer = lmwidgets.ActivationExplorer(
        activations=("elu", "leaky_relu"), hide=("elu.alpha",), **{"leaky_relu.negative_slope": 0.1}
    )
    assert explorer.result["leaky_relu"]["params"] == {"negative_slope": 0.1}
    assert explorer.result["elu"]["params"] == {"alpha": activations.parameters("elu")["alpha"]}
    state = explorer.state
    assert state["settings"]["leaky_relu.negative_slope"] == 0.1
    again = lmwidgets.from_state(state)
    assert again.state == state
    np.testing.assert_array_equal(
        again.result["leaky_relu"]["y"], explorer.result["leaky_relu"]["y"]
    )
    # elu is chosen, so its box shows; the teacher hid its slider, so that stays hidden.
    assert explorer.parameter_boxes["elu"].layout.display is None
    assert explorer.controls["elu.alpha"].layout.display == "none"
    explorer.controls["activations"].value = ("relu",)
    explorer.controls["activations"].value = ("elu",)
    assert explorer.controls["elu.alpha"].layout.display == "none"
    with pytest.raises(ValueError, match=r"leaky_relu.negative_slope must be a number from 0 to 1"):
        lmwidgets.ActivationExplorer(**{"leaky_relu.negative_slope": 2.0})


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


def test_loss_explorer_computes_its_other_views_after_its_first_picture():
    from lmwidgets.widgets import losses as loss_widget

    for cached in (loss_widget._classification_curves, loss_widget._robust_fit):
        cached.cache_clear()
    explorer = lmwidgets.LossExplorer(delta=0.7)
    assert explorer.image.value, "the first picture does not wait for the other views"
    explorer.warm_up.join(timeout=120)
    assert not explorer.warm_up.is_alive()
    before = loss_widget._robust_fit.cache_info().misses
    explorer.controls["view"].value = "outliers"
    assert loss_widget._robust_fit.cache_info().misses == before, "the click recomputed"
    explorer.controls["view"].value = "classification"
    assert loss_widget._classification_curves.cache_info().hits > 0
    assert explorer.last_error is None


def losses_errors(explorer):
    return explorer.result["regression"]["errors"]


def test_loss_explorer_reports_bad_input_and_recovers():
    explorer = lmwidgets.LossExplorer(view="outliers")
    explorer.controls["fit_losses"].value = ()
    assert "fit_losses must be a list of at least 1" in explorer.message.value
    explorer.controls["fit_losses"].value = ("huber",)
    assert explorer.message.value == "" and "huber" in explorer.result["outliers"]


def test_loss_explorer_shows_the_row_of_its_view_even_when_it_cannot_draw_it():
    explorer = lmwidgets.LossExplorer(view="classification", gamma=1.0)
    assert explorer.result["classification"]["binary_focal_crossentropy"]["params"]["gamma"] == 1.0
    shown = [view for view, row in explorer.rows.items() if row.layout.display is None]
    assert shown == ["classification"]
    explorer.controls["view"].value = "regression"
    explorer.controls["classification_losses"].value = ()  # from Python, while hidden
    assert "classification_losses must be" in explorer.message.value
    explorer.controls["view"].value = "classification"  # the learner can reach it to fix it
    assert explorer.rows["classification"].layout.display is None
    explorer.controls["classification_losses"].value = ("hinge",)
    assert explorer.message.value == "" and "hinge" in explorer.result["classification"]


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


def test_optimizer_playground_start_sliders_follow_the_surface():
    playground = lmwidgets.OptimizerPlayground(optimizers=("sgd",), steps=10)
    box = optimizers.surface("rosenbrock").box
    slider = playground.controls["start_x"]
    assert (slider.min, slider.max) == box[:2]
    assert playground.controls["condition"].disabled  # rosenbrock has no condition
    assert playground.controls["momentum"].disabled and playground.controls["beta_1"].disabled
    with playground.hold_refresh():
        playground.controls["surface"].value = "himmelblau"
        playground.controls["start_x"].value = 4.5  # inside himmelblau's box
    assert playground.result["sgd"]["path"][0, 0] == pytest.approx(4.5)
    assert (slider.min, slider.max) == optimizers.surface("himmelblau").box[:2]
    playground.controls["surface"].value = "quadratic"
    assert slider.value == optimizers.surface("quadratic").start[0]
    assert not playground.controls["condition"].disabled
    playground.controls["optimizers"].value = ("momentum", "adam")
    assert (
        not playground.controls["momentum"].disabled and not playground.controls["beta_1"].disabled
    )
    # A start outside the surface's box is refused when the widget is made, whatever the order.
    with pytest.raises(ValueError, match=r"start_x=4.5 does not fit .*surface='rosenbrock'"):
        lmwidgets.OptimizerPlayground(start_x=4.5)
    again = lmwidgets.OptimizerPlayground(start_x=4.5, surface="himmelblau", steps=10)
    assert again.state["settings"]["start_x"] == 4.5 and again.last_error is None
    assert lmwidgets.from_state(again.state).state == again.state


@pytest.mark.backends
def test_optimizer_playground_reports_divergence_in_the_widget():
    playground = lmwidgets.OptimizerPlayground(optimizers=("sgd",), surface="quadratic")
    playground.controls["learning_rate"].value = 0.5
    assert "sgd diverged at step" in playground.message.value
    assert playground.result["sgd"]["diverged_at"] is not None
    playground.controls["learning_rate"].value = 0.01
    assert playground.message.value == ""
    playground.controls["optimizers"].value = ()
    assert "optimizers must be a list of at least 1" in playground.message.value
    playground.controls["optimizers"].value = ("adam",)
    assert playground.message.value == "" and set(playground.result) == {"adam"}


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
                ("activations", ("exponential", "sigmoid")),  # new y axes, same x range
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
        (
            lmwidgets.OptimizerPlayground,
            [
                ("learning_rate", 0.0019),  # same rounded axes: drawn over the cached picture
                ("learning_rate", 0.001),  # other losses: new loss axes
                ("start_x", -1.0),
                ("optimizers", ("sgd", "adam", "rmsprop")),  # the legend changes
                ("steps", 80),
                ("surface", "himmelblau"),
                ("learning_rate", 0.01),
            ],
        ),
        (
            lmwidgets.ScheduleExplorer,
            [
                ("steps", 210),  # same rounded axes: drawn over the cached picture
                ("learning_rate", 0.031),
                ("schedule", "exponential_decay"),
                ("optimizer", "adam"),
                ("surface", "rosenbrock"),  # new maps
                ("steps", 400),  # a longer step axis
                ("learning_rate", 0.01),  # a lower rate axis
            ],
        ),
        (
            lmwidgets.ScaleCalculator,
            [
                ("n_layers", 33),  # same rounded axes: drawn over the cached picture
                ("d_model", 8192),  # a larger model: new axes
                ("zero_stage", 3),
                ("hardware", "V100 32GB"),  # another device memory line and title
                ("preset", "gpt3-175b"),
                ("n_devices", 2048),
                ("batch", 4),
            ],
        ),
    ],
    ids=[
        "ActivationExplorer",
        "LossExplorer",
        "OptimizerPlayground",
        "ScheduleExplorer",
        "ScaleCalculator",
    ],
)
def test_redraws_over_a_cached_background_match_a_full_draw(make, changes):
    """Blitting reuses a picture of the axes; it must never show a stale one."""
    explorer = make()
    assert_redraws_match_a_full_draw(explorer, changes)
