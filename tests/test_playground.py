"""The Playground's Keras model and the widget, through ``controls``, ``buttons`` and ``result``.

The run behind the widget (data, networks, history, advice) is tested directly in
``test_playground_session.py``.

References: Keras itself (``train_on_batch`` on an identical model, ``keras.losses``),
the dense-layer formula in numpy, and the parameter count of a dense network.
"""

import io
import time

import lmwidgets
from lmwidgets.core import playground_data as data
from lmwidgets.core import playground_model as network
from lmwidgets.widgets._base import Explorer

import numpy as np
import pytest

pytestmark = pytest.mark.backends
GRID = 70  # grid points a side of the heatmaps


# -- core: the model -------------------------------------------------------------------


def test_model_shape_and_parameter_count():
    model = network.build_model(3, (4, 2), "relu", "classification", n_classes=3)
    # (3*4 + 4) + (4*2 + 2) + (2*3 + 3) weights and biases
    assert model.count_params() == 16 + 10 + 9
    assert [layer.name for layer in model.layers[1:]] == ["hidden_1", "hidden_2", "output"]
    assert model.layers[-1].activation.__name__ == "softmax"
    regression = network.build_model(2, (), problem="regression")
    assert regression.count_params() == 3
    assert regression.layers[-1].activation.__name__ == "linear"


def test_bad_network_settings_name_the_valid_ones():
    with pytest.raises(ValueError, match="at most 6 hidden layers of 1 to 8"):
        network.build_model(2, (9,))
    with pytest.raises(ValueError, match="Valid activations: .*tanh"):
        network.build_model(2, (2,), "not_an_activation")
    with pytest.raises(ValueError, match="sgd, momentum, nesterov, rmsprop, adagrad, adam"):
        network.make_optimizer("lion")
    with pytest.raises(ValueError, match="mse, mae"):
        network.make_loss("cross_entropy", "regression")


def test_hidden_outputs_are_the_dense_formula():
    model = network.build_model(2, (3, 2), ("tanh", "relu"), seed=4)
    trainer = network.Trainer(model, network.make_optimizer("sgd", 0.1), batch_size=5)
    x = np.array([[0.5, -1.0], [2.0, 0.25]], dtype="float32")
    hidden_1, hidden_2, output = trainer.layer_outputs(x)
    (w1, b1), (w2, b2), (w3, b3) = (
        model.get_layer(n).get_weights() for n in ("hidden_1", "hidden_2", "output")
    )
    np.testing.assert_allclose(hidden_1, np.tanh(x @ w1 + b1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hidden_2, np.maximum(hidden_1 @ w2 + b2, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(output, 1 / (1 + np.exp(-(hidden_2 @ w3 + b3))), rtol=1e-5)


@pytest.mark.parametrize(
    ("loss", "shape"), [("cross_entropy", 1), ("cross_entropy", 3), ("mse", 3), ("mae", 1)]
)
def test_loss_value_is_keras_loss(loss, shape):
    import keras

    rng = np.random.default_rng(0)
    if shape == 1:
        y_true = rng.integers(0, 2, (50, 1)).astype("float32")
        y_pred = rng.uniform(0, 1, (50, 1)).astype("float32")
        y_pred[0] = 1.0  # exercises the clipping
    else:
        y_true = np.eye(3, dtype="float32")[rng.integers(0, 3, 50)]
        y_pred = rng.dirichlet(np.ones(3), 50).astype("float32")
    keras_loss = network.make_loss(loss, "classification", 2 if shape == 1 else 3)
    expected = float(keras.ops.convert_to_numpy(keras_loss(y_true, y_pred)))
    assert network.loss_value(loss, y_true, y_pred) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("regularization", ["none", "l2"])
def test_one_full_batch_epoch_is_one_keras_sgd_step(regularization):
    import keras

    x, y = data.make_dataset("circle", 40, seed=1)
    settings = dict(layers=(3,), regularization=regularization, regularization_rate=0.01, seed=7)
    model = network.build_model(2, **settings)
    reference = network.build_model(2, **settings)
    trainer = network.Trainer(model, network.make_optimizer("sgd", 0.5), batch_size=40)
    trainer.set_data(x, y, x[:5], y[:5])
    trainer.train_epoch()
    reference.compile(keras.optimizers.SGD(0.5), keras.losses.BinaryCrossentropy())
    reference.train_on_batch(x, y.reshape(-1, 1).astype("float32"))
    for ours, theirs in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    assert trainer.epoch == 1


def test_divergence_keeps_the_last_finite_weights():
    x, y = data.make_dataset("plane", 100, seed=0)
    model = network.build_model(2, (4,), "linear", problem="regression", n_classes=1)
    trainer = network.Trainer(
        model, network.make_optimizer("sgd", 10.0), "mse", "regression", 1, batch_size=10
    )
    trainer.set_data(x * 100, y, x, y)
    before = model.get_weights()
    with pytest.raises(network.TrainingDiverged, match="diverged at epoch 1"):
        trainer.train_epoch()
    for now, then in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(now, then)
    assert trainer.epoch == 0


def test_reset_gives_the_weights_of_a_fresh_build():
    model = network.build_model(2, (4, 2), seed=3)
    trainer = network.Trainer(model, network.make_optimizer("adam", 0.1), seed=3)
    x, y = data.make_dataset("xor", 60)
    trainer.set_data(x, y, x, y)
    trainer.train_epoch()
    trainer.reset(3)
    for now, fresh in zip(
        model.get_weights(), network.build_model(2, (4, 2), seed=3).get_weights(), strict=True
    ):
        np.testing.assert_array_equal(now, fresh)
    assert trainer.epoch == 0 and trainer.learning_rate == pytest.approx(0.1)


def test_confusion_matrix_counts_true_rows_predicted_columns():
    matrix = network.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3)
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])


# -- the widget --------------------------------------------------------------------------

CONTROL_NAMES = {
    "dataset",
    "noise",
    "train_ratio",
    "batch_size",
    "features",
    "layers",
    "learning_rate",
    "activation",
    "regularization",
    "regularization_rate",
    "problem",
    "optimizer",
    "loss",
    "dropout",
    "stop_after_epochs",
    "play",
    "classes",
    "seed",
    "layer_activations",
    "n_points",
}


@pytest.fixture(scope="module")
def circle():
    """One widget trained on the circle, shared by the tests that only read it."""
    playground = lmwidgets.Playground(optimizer="adam", learning_rate=0.03, activation="tanh")
    playground.step(60)
    return playground


def test_controls_have_the_playground_names():
    playground = lmwidgets.Playground(layers=(2,))
    assert CONTROL_NAMES <= set(playground.controls)
    assert playground.result["epoch"] == 0
    assert playground.result["boundary"].shape == (GRID, GRID)
    assert {"step", "reset", "regenerate"} == set(playground.buttons)
    assert not playground.specs["play"].saved and "play" not in playground.state["settings"]


def test_circle_is_learned(circle):
    result = circle.result
    assert result["epoch"] == 60
    assert result["test_accuracy"] > 0.9
    assert result["train_loss"] < result["history"]["train_loss"][0]
    assert len(result["history"]["test_loss"]) == 61
    assert result["confusion_matrix"].sum() == 250
    # The boundary is P(class 1): high in the middle (inner class), low in the corners.
    assert result["boundary"][GRID // 2, GRID // 2] > 0.5 > result["boundary"][0, 0]


def test_result_is_what_the_model_computes(circle):
    grid = np.stack(np.meshgrid(circle.result["grid_x"], circle.result["grid_y"]), -1)
    predicted = circle.model.predict(grid.reshape(-1, 2), verbose=0).reshape(GRID, GRID)
    np.testing.assert_allclose(circle.result["boundary"], predicted, rtol=1e-4, atol=1e-5)
    assert [n.shape for n in circle.result["neurons"]] == [(GRID, GRID, 4), (GRID, GRID, 2)]


def test_model_exports_and_reloads(circle, tmp_path):
    import keras

    path = tmp_path / "playground.keras"
    circle.model.save(path)
    x = np.array([[0.0, 0.0], [5.0, 5.0]], dtype="float32")
    np.testing.assert_allclose(
        keras.models.load_model(path).predict(x, verbose=0),
        circle.model.predict(x, verbose=0),
        rtol=1e-6,
    )


def test_layers_are_added_and_removed_with_buttons():
    playground = lmwidgets.Playground(layers=(2,))
    layers = playground.controls["layers"]
    add_layer = layers.children[1]
    add_layer.click()
    assert playground.result["layers"] == (2, 2)
    neuron_plus = layers.layer_columns[1].children[2]  # + a neuron in the second layer
    neuron_plus.click()
    assert playground.result["layers"] == (2, 3)
    assert [n.shape[-1] for n in playground.result["neurons"]] == [2, 3]
    assert playground.result["n_parameters"] == (2 * 2 + 2) + (2 * 3 + 3) + (3 + 1)
    layers.children[2].click()  # - layer
    assert playground.result["layers"] == (2,)
    playground.controls["layers"].value = ()
    assert playground.result["neurons"] == [] and playground.result["n_parameters"] == 3


def test_activation_applies_to_every_layer_and_can_differ_per_layer():
    playground = lmwidgets.Playground(layers=(2, 2))
    playground.controls["activation"].value = "relu"
    assert playground.result["activations"] == ("relu", "relu")
    playground.controls["layer_activations"].value = ("gelu", "relu")
    assert playground.model.get_layer("hidden_1").activation.__name__ == "gelu"
    playground.controls["layers"].value = (2, 2, 2)
    assert playground.result["activations"] == ("gelu", "relu", "relu")


def test_every_offered_activation_trains_even_those_keras_needs_arguments_for():
    # threshold has no default threshold in Keras: core binds it (0), not a Keras error.
    for name in network.activation_names():
        playground = lmwidgets.Playground(layers=(2,), activation=name)
        playground.step(1)
        assert playground.last_error is None, (name, playground.message.value)
        assert playground.model.get_layer("hidden_1").activation.__name__ == name
        playground.close()


def test_features_change_the_inputs_and_reject_none():
    playground = lmwidgets.Playground(layers=(2,))
    playground.controls["features"].value = ("x1^2", "x2^2", "x1*x2")
    assert playground.model.inputs[0].shape[-1] == 3
    assert playground.result["features"] == ("x1^2", "x2^2", "x1*x2")
    playground.controls["features"].value = ()
    assert "features must be a list of at least 1 of x1, x2" in playground.message.value
    assert playground.controls["features"].value == ("x1^2", "x2^2", "x1*x2")  # kept
    playground.step()  # trains the network it shows
    playground.controls["features"].value = ("x1",)
    assert playground.message.value == "" and playground.model.inputs[0].shape[-1] == 1


def test_dataset_and_problem_stay_consistent():
    playground = lmwidgets.Playground(layers=(2,))
    playground.controls["dataset"].value = "multi_gaussian"
    assert playground.controls["problem"].value == "regression"
    assert playground.controls["loss"].value == "mse"
    assert "test_accuracy" not in playground.result
    playground.controls["problem"].value = "classification"
    assert playground.controls["dataset"].value == "circle"
    assert playground.result["problem"] == "classification"


def test_noise_ratio_regenerate_and_reset():
    playground = lmwidgets.Playground(layers=(2,))
    playground.step(3)
    first_loss = playground.result["history"]["test_loss"][0]
    playground.buttons["reset"].click()
    assert playground.result["epoch"] == 0
    assert playground.result["test_loss"] == pytest.approx(first_loss, rel=1e-6)
    playground.controls["train_ratio"].value = 20
    assert playground.result["confusion_matrix"].sum() == 400
    before = playground.result["test_loss"]
    playground.buttons["regenerate"].click()
    assert playground.controls["seed"].value == 1
    assert playground.result["test_loss"] != before


def test_blow_up_pauses_with_advice_and_the_widget_keeps_working():
    playground = lmwidgets.Playground(dataset="plane", layers=(4,), learning_rate=10.0)
    playground.step(5)
    result = playground.result
    assert result["diverged"] and result["epoch"] == 0
    assert "lower learning_rate" in playground.message.value
    assert "learning_rate = 10)" in playground.message.value
    assert "weights from before that epoch are kept" in playground.message.value
    assert all(np.all(np.isfinite(w)) for w in playground.model.get_weights())
    playground.controls["learning_rate"].value = 0.01
    playground.step(5)
    assert playground.result["epoch"] == 5 and not playground.result["diverged"]
    assert np.isfinite(playground.result["test_loss"]) and playground.message.value == ""
    # Playing into a blow-up pauses by itself, with the same advice.
    playground.controls["learning_rate"].value = 10.0
    playground.play()
    assert _wait_for(lambda: not playground.result["playing"])
    assert playground.result["diverged"] and not playground.controls["play"].value
    assert "lower learning_rate" in playground.message.value


def test_own_data_classification_and_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (120, 2))
    labels = np.where(x[:, 0] > 0, 10, 20) + np.where(x[:, 1] > 0, 5, 0)
    playground = lmwidgets.Playground(data=(x, labels), optimizer="adam", layers=(6,))
    assert playground.result["n_classes"] == 4 and playground.controls["dataset"].disabled
    assert playground.controls["dataset"].value == "own data"
    assert playground.buttons["regenerate"].disabled and playground.controls["classes"].disabled
    playground.step(40)
    assert playground.result["confusion_matrix"].shape == (4, 4)
    assert playground.result["test_accuracy"] > 0.8
    regression = lmwidgets.Playground(data=(x, 0.5 * x[:, 0]), layers=(2,))
    assert regression.result["problem"] == "regression"
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        lmwidgets.Playground(data=(np.zeros((5, 3)), np.zeros(5)))
    with pytest.raises(ValueError, match="problem must be one of 'classification'"):
        lmwidgets.Playground(data=(x, labels), problem="regression")
    # from_state needs the data again, and gives the same widget
    again = lmwidgets.from_state(regression.state, data=(x, 0.5 * x[:, 0]))
    assert again.state == regression.state and again.result["problem"] == "regression"


def test_three_arm_spiral():
    playground = lmwidgets.Playground(
        dataset="spiral", classes=3, layers=(8, 8), optimizer="adam", activation="relu"
    )
    playground.step(20)
    result = playground.result
    assert result["n_classes"] == 3 and result["output_grid"].shape == (GRID, GRID, 3)
    assert set(np.unique(result["boundary"])) <= {0, 1, 2}
    assert result["confusion_matrix"].shape == (3, 3)
    np.testing.assert_allclose(result["output_grid"].sum(-1), 1, rtol=1e-5)


def test_unknown_setting_or_value_is_rejected():
    with pytest.raises(ValueError, match="no setting 'activaton'.*Valid settings: .*activation"):
        lmwidgets.Playground(activaton="relu")
    with pytest.raises(ValueError, match=r"learning_rate must be one of .*0.03, 0.1.*=0.05"):
        lmwidgets.Playground(learning_rate=0.05)
    with pytest.raises(ValueError, match="n_points must be an integer from 50 to 2000"):
        lmwidgets.Playground(n_points=10)
    with pytest.raises(ValueError, match="n must be a whole number >= 1"):
        lmwidgets.Playground(layers=(2,)).step(0)


def test_classes_and_dataset_in_either_order():
    # Regression (issue 13): classes=3 before dataset="spiral" used to give two classes.
    first = lmwidgets.Playground(classes=3, dataset="spiral", layers=(2,))
    second = lmwidgets.Playground(dataset="spiral", classes=3, layers=(2,))
    assert first.state == second.state
    assert first.result["n_classes"] == second.result["n_classes"] == 3
    assert first.result["output_grid"].shape == (GRID, GRID, 3)
    assert not first.controls["classes"].disabled
    # A pair that cannot hold together says so, in either order.
    for settings in ({"classes": 3, "dataset": "circle"}, {"dataset": "circle", "classes": 3}):
        with pytest.raises(ValueError, match="classes=3 does not fit .*dataset='circle'"):
            lmwidgets.Playground(**settings)
    with pytest.raises(ValueError, match="problem='regression' does not fit"):
        lmwidgets.Playground(dataset="circle", problem="regression")
    regression = lmwidgets.Playground(problem="regression", dataset="multi_gaussian", layers=(2,))
    assert regression.result["problem"] == "regression"
    assert regression.controls["classes"].disabled


def test_each_problem_gets_its_loss_back():
    # Regression (issue 13): classification -> regression -> classification kept mse.
    playground = lmwidgets.Playground(layers=(2,))
    playground.controls["problem"].value = "regression"
    assert playground.controls["loss"].value == "mse"
    playground.controls["problem"].value = "classification"
    assert playground.controls["loss"].value == "cross_entropy"
    assert playground.session.network["loss"] == "cross_entropy"
    assert playground.model.get_layer("output").activation.__name__ == "sigmoid"
    # What the learner chose for a problem comes back with it.
    playground.controls["loss"].value = "mse"
    playground.controls["dataset"].value = "plane"
    playground.controls["loss"].value = "mae"
    playground.controls["dataset"].value = "xor"
    assert playground.controls["loss"].value == "mse"
    playground.controls["dataset"].value = "multi_gaussian"
    assert playground.controls["loss"].value == "mae"
    playground.controls["loss"].value = "cross_entropy"  # does not fit values
    assert playground.controls["loss"].value == "mae" and playground.last_error is None
    with pytest.raises(ValueError, match="loss='cross_entropy' does not fit"):
        lmwidgets.Playground(dataset="plane", loss="cross_entropy")
    assert lmwidgets.Playground(loss="mae", dataset="plane", layers=(2,)).result["problem"] == (
        "regression"
    )


def test_n_points_is_a_control():
    playground = lmwidgets.Playground(n_points=200, layers=(2,))
    assert playground.result["confusion_matrix"].sum() == 100  # half of them for testing
    playground.controls["n_points"].value = 1000
    assert playground.result["confusion_matrix"].sum() == 500
    assert playground.state["settings"]["n_points"] == 1000


def test_one_drawing_path_copies_the_heatmaps_pixel_for_pixel():
    from PIL import Image

    playground = lmwidgets.Playground(dataset="xor", layers=(3,))
    playground.step(5)
    assert type(playground).draw is Explorer.draw and playground.image.format == "jpeg"
    assert len(playground.pixel_artists()) == 2
    frame = np.asarray(Image.open(io.BytesIO(playground.image.value)), dtype=float)
    playground.figure.canvas.draw()  # the whole figure, drawn by Matplotlib
    full = np.asarray(playground.figure.canvas.buffer_rgba())[..., :3].astype(float)
    assert frame.shape == full.shape
    assert np.abs(frame - full).mean() < 2  # JPEG's loss only


def _wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_play_trains_in_the_background_until_paused():
    playground = lmwidgets.Playground(layers=(2,))
    playground.controls["play"].value = True
    assert playground.result["playing"]
    assert _wait_for(lambda: playground.result["epoch"] >= 3)
    playground.controls["play"].value = False
    stopped_at = playground.result["epoch"]
    assert not playground.result["playing"]
    time.sleep(0.2)
    assert playground.result["epoch"] == stopped_at
    playground.close()


def test_close_pauses_the_play_thread():
    playground = lmwidgets.Playground(layers=(2,))
    playground.play()
    assert _wait_for(lambda: playground.session.epoch >= 2)
    playground.close()
    assert not playground.controls["play"].value
    assert not playground._thread.is_alive()
    epoch = playground.session.epoch
    time.sleep(0.1)
    assert playground.session.epoch == epoch


def test_play_stops_after_n_epochs():
    playground = lmwidgets.Playground(layers=(2,), stop_after_epochs=4)
    playground.play()
    assert _wait_for(lambda: not playground.result["playing"])
    assert not playground.controls["play"].value
    assert playground.result["epoch"] == 4
    assert "Stopped after 4 epochs" in playground.message.value


def test_the_largest_seed_the_control_allows_trains():
    # The seed used to reach Keras' initializers as seed * 1000 + layer: past 4,294,967 that
    # overflowed uint32. Weights are now drawn by NumPy from (seed, layer).
    playground = lmwidgets.Playground(seed=2**31 - 1, dropout=0.2)
    assert playground.controls["seed"].max >= 2**31 - 1
    playground.step(2)
    assert playground.message.value == "" and playground.result["epoch"] == 2


@pytest.mark.skipif(lmwidgets.backend_name() != "jax", reason="counts JAX compilations")
def test_a_new_network_shape_compiles_nothing_to_create_its_weights(caplog):
    """Keras' initializers and NumPy initial values each compile a program per new shape on
    JAX (about 10 ms a layer): a learner adding a neuron would wait for them."""
    import jax

    network.build_model(2, layers=(2,), seed=4)  # what any first model compiles, once
    with jax.log_compiles(), caplog.at_level("WARNING"):
        model = network.build_model(3, layers=(7, 5, 3), seed=4)
    compiled = [r.getMessage() for r in caplog.records if "Compiling" in r.getMessage()]
    assert compiled == []
    reference = network.build_model(3, layers=(7, 5, 3), seed=4)
    for ours, theirs in zip(model.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert model.get_layer("hidden_1").kernel_initializer.__class__.__name__ == "GlorotUniform"


def test_editing_layers_shows_and_hides_controls_and_makes_no_new_widgets():
    """Each new widget is a new view for the browser to build (a new layer took ~200 ms to
    show) and stayed registered in the kernel after the Playground was closed."""
    from ipywidgets.widgets.widget import _instances

    playground = lmwidgets.Playground(layers=(4, 2))
    editor, per_layer = playground.controls["layers"], playground.controls["layer_activations"]
    before = set(_instances)
    editor.add.click()
    assert editor.value == (4, 2, 2)
    assert playground.controls["layer_activations"].value == ("tanh",) * 3
    editor.layer_columns[2].children[2].click()  # + a neuron in the new layer
    per_layer.dropdowns[2].value = "relu"
    editor.remove.click()
    editor.remove.click()
    assert playground.settings["layers"] == (4,)
    assert playground.settings["layer_activations"] == ("tanh",)
    assert set(_instances) == before, "a layer edit made new widgets"
    shown = [c.layout.display != "none" for c in editor.layer_columns]
    assert shown == [True] + [False] * (len(editor.layer_columns) - 1)
    assert editor.layer_columns[0].children[1].value == "4 neurons"
    assert [d.layout.display != "none" for d in per_layer.dropdowns].count(True) == 1
    editor.add.click()
    assert playground.settings["layers"] == (4, 4)
    assert per_layer.dropdowns[1].value == "tanh", "a hidden dropdown's old pick is not reused"
    playground.close()


# -- as the TensorFlow Playground: test points, discretize, one colour scale, data ---------


def test_test_points_are_hidden_until_show_test_data_as_in_the_tensorflow_playground():
    playground = lmwidgets.Playground()
    assert playground.result["show_test_data"] is False
    assert playground._test_artists and not any(a.get_visible() for a in playground._test_artists)
    hidden = playground.image.value
    playground.controls["show_test_data"].value = True
    assert all(a.get_visible() for a in playground._test_artists)
    assert playground.image.value != hidden
    assert playground.result["epoch"] == 0, "a picture setting trains nothing"
    playground.close()


def test_discretize_shows_each_points_sign_or_likeliest_class_alone():
    from lmwidgets.widgets import playground as module

    for settings in (
        {"dataset": "circle"},
        {"dataset": "plane"},
        {"dataset": "spiral", "classes": 3},
    ):
        playground = lmwidgets.Playground(**settings).step(2)
        smooth = playground._boundary_image.get_array()
        playground.controls["discretize"].value = True
        pixels = playground._boundary_image.get_array().reshape(-1, 3)
        colours = np.unique(pixels, axis=0)
        n = playground.result["n_classes"] if "classes" in settings else 2
        assert len(colours) <= n, (settings, colours)
        if n == 2:  # the Playground's two end colours, -1 and 1
            assert {tuple(c) for c in colours} <= {tuple(module.shades(-1.0)),
                                                  tuple(module.shades(1.0))}  # fmt: skip
        assert len(np.unique(smooth.reshape(-1, 3), axis=0)) > len(colours)
        playground.close()


def test_every_heatmap_is_on_one_scale_so_a_weak_neuron_looks_pale():
    from lmwidgets.widgets import playground as module

    light = np.array([0xE8, 0xEA, 0xEB])
    assert np.abs(module.shades(0.0).astype(int) - light).max() <= 4
    assert np.abs(module.shades(0.01).astype(int) - light).max() <= 4
    assert (module.shades(1.0) == module.shades(7.0)).all(), "beyond 1: the end colour"
    playground = lmwidgets.Playground(learning_rate=0.00001, layers=(3,))
    model = playground.model
    model.set_weights([w * 1e-3 for w in model.get_weights()])  # outputs about +-0.005
    playground.step(1)
    neuron = playground.result["neurons"][0]
    assert np.abs(neuron).max() < 0.02
    mosaic = playground._mosaic.get_array()
    left = module._column_lefts(2)[1] - module.MOSAIC_ORIGIN[0]
    cell = mosaic[module.GAP : module.GAP + module.CELL, left : left + module.CELL]
    assert np.abs(cell.astype(int) - light).max() <= 10, "scaled alone, it would look strong"
    playground.close()


def test_the_regression_datasets_have_1200_points_as_in_the_tensorflow_playground():
    playground = lmwidgets.Playground(dataset="plane")
    x_train, _, x_test, _ = playground.result["points"]
    assert playground.controls["n_points"].value == len(x_train) + len(x_test) == 1200
    playground.controls["dataset"].value = "xor"
    assert playground.controls["n_points"].value == 500
    playground.controls["n_points"].value = 300
    playground.controls["problem"].value = "regression"
    assert playground.controls["n_points"].value == 300, "the learner's own number stays"
    playground.close()
    chosen = lmwidgets.Playground(dataset="plane", n_points=500)
    assert chosen.settings["n_points"] == 500
    chosen.close()


def test_regenerate_draws_new_points_and_keeps_the_network_as_in_the_tensorflow_playground():
    playground = lmwidgets.Playground(dataset="spiral").step(3)
    weights = [w.copy() for w in playground.model.get_weights()]
    points = playground.result["points"][0].copy()
    history = playground.result["history"]["epoch"]
    playground.buttons["regenerate"].click()
    assert playground.last_error is None
    assert not np.array_equal(playground.result["points"][0], points), "new points"
    for before, now in zip(weights, playground.model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, now)
    assert playground.result["epoch"] == 3 and playground.result["history"]["epoch"] == history
    playground.step(1)
    assert playground.result["epoch"] == 4, "and training goes on from there"
    points = playground.result["points"][0].copy()
    playground.controls["noise"].value = 10  # noisier points, the same network goes on
    assert not np.array_equal(playground.result["points"][0], points), "new points"
    assert playground.result["epoch"] == 4
    playground.controls["n_points"].value = 300  # another dataset size: a fresh network
    assert playground.result["epoch"] == 0
    playground.close()


def test_changing_the_regularization_rate_while_training_keeps_the_run():
    playground = lmwidgets.Playground(regularization="l2").step(4)
    weights = [w.copy() for w in playground.model.get_weights()]
    playground.controls["regularization_rate"].value = 0.03
    assert playground.last_error is None and playground.result["epoch"] == 4
    for before, now in zip(weights, playground.model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, now)
    playground.controls["activation"].value = "relu"  # a new network: epoch 0 again
    assert playground.result["epoch"] == 0
    playground.close()


def test_your_own_feature_is_an_input_beside_the_toggled_ones():
    playground = lmwidgets.Playground(dataset="xor", own_feature="x1*x2 + sin(x1)")
    assert playground.result["features"] == ("x1", "x2", "x1*x2 + sin(x1)")
    x_train = playground.result["points"][0]
    inputs = playground.model.inputs[0].shape[-1]
    assert inputs == 3 and playground.result["feature_maps"].shape[-1] == 3
    column = data.transform_features(x_train, ("x1*x2 + sin(x1)",))[:, 0]
    np.testing.assert_allclose(column, x_train[:, 0] * x_train[:, 1] + np.sin(x_train[:, 0]),
                               rtol=1e-6, atol=1e-6)  # fmt: skip
    playground.controls["own_feature"].value = "import os"
    assert playground.controls["own_feature"].value == "x1*x2 + sin(x1)", "kept"
    assert "own_feature must be empty or an expression of x1 and x2" in playground.message.value
    playground.controls["own_feature"].value = ""
    assert playground.result["features"] == ("x1", "x2")
    with pytest.raises(ValueError, match="'x3' is not one of them"):
        playground.specs["own_feature"].check("x3")  # as Playground(own_feature="x3") does
    playground.close()


def test_a_learning_rate_schedule_decays_the_rate_while_it_trains():
    playground = lmwidgets.Playground()
    assert playground.controls["decay_epochs"].disabled, "no schedule: nothing to decay over"
    playground.step(3)
    playground.controls["schedule"].value = "exponential_decay"
    assert not playground.controls["decay_epochs"].disabled
    assert playground.result["epoch"] == 3, "a schedule starts nothing again"
    playground.controls["decay_epochs"].value = 2
    before = playground.result["learning_rate_now"]
    playground.step(2)
    assert playground.result["learning_rate_now"] == pytest.approx(before / 2, rel=1e-5)
    assert "rate 0." in playground.status.value
    playground.close()


def test_every_redraw_over_the_cached_picture_equals_a_full_draw():
    playground = lmwidgets.Playground(dataset="spiral", classes=3)

    def frame():
        return np.asarray(playground.figure.canvas.buffer_rgba())[..., :3].astype(np.int16)

    diagram = [("link", "h2.1 -> output.2"), ("neuron", "h1.3"), ("weight", -4.0),
               ("link", "bias -> h2.2"), ("neuron", "output.3"), ("layers", (8, 8, 8)),
               ("features", ("x1", "x2", "sin(x1)")), ("features", ("x1", "x2"))]
    changes = [*diagram, ("show_test_data", True), ("discretize", True), ("classes", 2),
               ("discretize", False), ("dataset", "plane"), ("show_test_data", False)]  # fmt: skip
    for control, value in [*changes, ("step", 3), ("regenerate", None)]:
        if control == "step":
            playground.step(value)
        elif control == "regenerate":
            playground.regenerate()
        else:
            playground.controls[control].value = value
        assert playground.last_error is None
        shown = frame().copy()  # what the widget encoded: drawn over its cached picture
        playground.figure.canvas.draw()
        assert np.abs(shown - frame()).max() <= 2, f"stale picture after {control}={value!r}"
    playground.close()


def test_new_inputs_layers_or_neuron_draw_their_names_over_a_cached_picture(monkeypatch):
    """Drawing the whole figure costs about ten times its names and titles: a new network
    or a new neuron in the large picture draws only those over the cached rest."""
    playground = lmwidgets.Playground(dataset="xor")
    canvas = playground.figure.canvas
    full_draws = []
    draw = canvas.draw
    monkeypatch.setattr(canvas, "draw", lambda: (full_draws.append(1), draw()))
    changes = [("features", ("x1", "x2", "x1*x2")), ("layers", (5, 3, 2)), ("neuron", "h2.3")]
    for control, value in changes:
        playground.controls[control].value = value
        assert playground.last_error is None
    assert full_draws == []
    assert "x1*x2" in [text.get_text() for text in playground.figure.texts]
    playground.close()
