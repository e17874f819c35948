"""One registry per family (optimizers, activations, losses), one choice check, one
confusion matrix: every curated list of names elsewhere in core is a subset of its registry.
"""

import re

import lmwidgets  # noqa: F401  (picks the Keras backend before keras is imported)
from lmwidgets.core import (
    activations,
    losses,
    metrics,
    neuron,
    optimizers,
    playground_data,
    playground_model,
    training,
)
from lmwidgets.core.choices import check_choice

import hypothesis.strategies as st
import keras
import numpy as np
import pytest
from hypothesis import given, settings

REGISTRIES = {"activation": activations, "optimizer": optimizers, "loss": losses}

# Every curated list of names in core, and the registry it must come from.
CURATED = [
    ("neuron.ACTIVATIONS", neuron.ACTIVATIONS, activations),
    ("training.ACTIVATIONS", training.ACTIVATIONS, activations),
    ("training.OPTIMIZERS", training.OPTIMIZERS, optimizers),
    ("training.LOSSES", training.LOSSES, losses),
    ("playground_model.OPTIMIZERS", playground_model.OPTIMIZERS, optimizers),
    ("playground_model.FAMILIAR_ACTIVATIONS", playground_model.FAMILIAR_ACTIVATIONS, activations),
    ("losses.REGRESSION", tuple(losses.REGRESSION), losses),
    ("losses.CLASSIFICATION", tuple(losses.CLASSIFICATION), losses),
]


# --- check_choice -----------------------------------------------------------------


def test_check_choice_returns_a_valid_value():
    assert check_choice("optimizer", "adam", ("sgd", "adam")) == "adam"
    assert check_choice("zero_stage", 2, (0, 1, 2, 3)) == 2


def test_check_choice_message_names_argument_received_value_and_valid_ones():
    with pytest.raises(ValueError) as error:
        check_choice("optimizer", "adamm", ("sgd", "adam"))
    assert str(error.value) == "Invalid optimizer: received 'adamm'. Valid optimizers: sgd, adam."


@pytest.mark.parametrize(
    ("argument", "plural"),
    [
        ("loss", "losses"),
        ("regression loss", "regression losses"),
        ("family", "families"),
        ("activation", "activations"),
        ("zero_stage", "zero_stages"),
    ],
)
def test_check_choice_plurals(argument, plural):
    with pytest.raises(ValueError, match=f"Valid {plural}: 0, 1, 2, 3\\.$"):
        check_choice(argument, 7, (0, 1, 2, 3))


def test_check_choice_refuses_unhashable_and_array_values_with_a_value_error():
    with pytest.raises(ValueError, match=re.escape("received ['sgd']")):
        check_choice("optimizer", ["sgd"], ("sgd",))
    with pytest.raises(ValueError, match="Valid features: x1, x2"):
        check_choice("feature", np.array([0, 1]), ("x1", "x2"))
    with pytest.raises(ValueError, match="Valid optimizers: none"):
        check_choice("optimizer", "sgd", ())


@settings(max_examples=200, deadline=None)
@given(st.text(), st.lists(st.text(min_size=1), min_size=1, max_size=6, unique=True))
def test_check_choice_over_arbitrary_text(value, valid):
    if value in valid:
        assert check_choice("choice", value, valid) is value
        return
    with pytest.raises(ValueError) as error:
        check_choice("choice", value, valid)
    message = str(error.value)
    assert message.startswith(f"Invalid choice: received {value!r}. Valid choices: ")
    assert message.endswith(", ".join(valid) + ".")


def test_the_old_private_checks_are_gone():
    assert not hasattr(playground_model, "_check_choice")
    assert not hasattr(playground_data, "_check_choice")
    assert not hasattr(training, "_choice")
    assert not hasattr(playground_model, "_activation_names")


# --- the registries ---------------------------------------------------------------


@pytest.mark.parametrize("family", list(REGISTRIES))
def test_names_are_unique_strings(family):
    names = REGISTRIES[family].names()
    assert names and len(names) == len(set(names))
    assert all(isinstance(name, str) for name in names)


def test_names_put_the_familiar_ones_first_then_the_rest_by_name():
    assert activations.names()[:4] == ["relu", "relu6", "leaky_relu", "elu"]
    assert optimizers.names()[:5] == ["sgd", "momentum", "nesterov", "rmsprop", "adagrad"]
    assert losses.names()[:8] == [*losses.REGRESSION, *losses.CLASSIFICATION]
    for registry, familiar in (
        (activations, activations._FAMILIAR),
        (optimizers, (*optimizers._FAMILIAR, *optimizers.PRESETS)),
        (losses, losses._FAMILIAR),
    ):
        rest = [name for name in registry.names() if name not in familiar]
        assert rest == sorted(rest)


def test_loss_families():
    assert losses.names("regression") == list(losses.REGRESSION)
    assert losses.names("classification") == list(losses.CLASSIFICATION)
    with pytest.raises(ValueError, match="Valid families: regression, classification"):
        losses.names("ranking")


def test_activation_get_returns_the_keras_function():
    for name in activations.names():
        function = activations.get(name)
        if name in activations._REQUIRED_DEFAULTS:
            # Keras requires these arguments: bound to readable defaults, name kept.
            assert function.__name__ == name
            x = np.linspace(-2, 2, 9).astype("float32")
            expected = getattr(keras.activations, name)(x, **activations.parameters(name))
            np.testing.assert_allclose(keras.ops.convert_to_numpy(function(x)), expected)
        else:
            assert function is getattr(keras.activations, name)
    assert activations.get("swish") is keras.activations.silu


def test_activation_get_binds_parameters():
    x = np.linspace(-3, 3, 13).astype("float32")
    elu = activations.get("elu", alpha=0.5)
    assert elu.__name__ == "elu"
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(elu(x)),
        keras.ops.convert_to_numpy(keras.activations.elu(x, alpha=0.5)),
    )
    with pytest.raises(ValueError, match="Valid parameters: alpha"):
        activations.get("elu", beta=1.0)


def test_optimizer_get_returns_a_configured_keras_optimizer():
    classes = {name.lower(): cls for name, cls in vars(keras.optimizers).items()}
    for name in optimizers.names():
        optimizer = optimizers.get(name, learning_rate=0.05)
        assert isinstance(optimizer, keras.optimizers.Optimizer)
        base = optimizers.PRESETS.get(name, (name, {}))[0]
        assert type(optimizer) is classes[base]
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(0.05)
    nesterov = optimizers.get("nesterov").get_config()
    assert nesterov["momentum"] == pytest.approx(0.9) and nesterov["nesterov"] is True
    assert optimizers.get("adam", beta_1=0.5).get_config()["beta_1"] == pytest.approx(0.5)


def test_optimizer_get_refuses_bad_settings():
    with pytest.raises(ValueError, match="Valid settings: momentum, nesterov"):
        optimizers.get("sgd", beta_1=0.5)
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
            optimizers.get("adam", learning_rate=bad)


def test_loss_get_returns_the_keras_function():
    for name in losses.names():
        assert losses.get(name) is getattr(keras.losses, name)
    y_true = np.array([[0.0], [1.0], [3.0]], dtype="float32")
    y_pred = np.array([[0.5], [-1.0], [3.2]], dtype="float32")
    huber = losses.get("huber", delta=0.5)
    assert huber.__name__ == "huber"
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(huber(y_true, y_pred)),
        keras.ops.convert_to_numpy(keras.losses.huber(y_true, y_pred, delta=0.5)),
    )
    assert losses.parameters("huber") == {"delta": 1.0}
    with pytest.raises(ValueError, match="Valid parameters: delta"):
        losses.get("huber", gamma=1.0)
    with pytest.raises(ValueError, match="delta must be > 0"):
        losses.get("huber", delta=0.0)


@pytest.mark.parametrize("family", list(REGISTRIES))
def test_get_of_an_unknown_name_lists_every_valid_one(family):
    registry = REGISTRIES[family]
    with pytest.raises(ValueError) as error:
        registry.get("no_such_thing")
    message = str(error.value)
    assert message.startswith(f"Invalid {family}: received 'no_such_thing'.")
    assert message.endswith(": " + ", ".join(registry.names()) + ".")


# --- curated subsets --------------------------------------------------------------


@pytest.mark.parametrize(("where", "subset", "registry"), CURATED, ids=[c[0] for c in CURATED])
def test_every_curated_list_comes_from_its_registry(where, subset, registry):
    assert len(subset) == len(set(subset)), f"{where} repeats a name"
    missing = set(subset) - set(registry.names())
    assert not missing, f"{where} offers {missing}, not in {registry.__name__}.names()"


def test_playground_activations_are_the_registry_reordered():
    offered = playground_model.activation_names()
    assert offered[:4] == list(playground_model.FAMILIAR_ACTIVATIONS)
    assert sorted(offered) == sorted(activations.names())
    with pytest.raises(ValueError, match="Valid activations: tanh, relu, sigmoid, linear, relu6"):
        playground_model.build_model(2, (2,), "softmax")
    # Aliases are accepted as Keras accepts them.
    assert playground_model.build_model(2, (2,), "swish").count_params() == 9


def test_curated_lists_refuse_registry_names_they_do_not_offer():
    # lion is a Keras optimizer, but not one the Playground or the MLP offers.
    with pytest.raises(ValueError, match="Valid optimizers: sgd, momentum, nesterov, rmsprop"):
        playground_model.make_optimizer("lion")
    with pytest.raises(ValueError, match="Valid optimizers: adam, sgd, rmsprop, adamw"):
        training.MLPConfig(optimizer="lion")
    with pytest.raises(ValueError, match="Valid activations: linear, relu, sigmoid, tanh"):
        neuron.neuron_output([0.0], 1.0, 0.0, activation="gelu")
    with pytest.raises(ValueError, match="Valid losses: sparse_categorical_crossentropy"):
        training.encode_labels([0, 1], "huber")


@pytest.mark.parametrize("name", playground_model.OPTIMIZERS)
def test_playground_optimizers_are_built_by_the_registry(name):
    made = playground_model.make_optimizer(name, 0.3)
    expected = optimizers.get(name, learning_rate=0.3)
    assert type(made) is type(expected)
    strip = {"name"}
    assert {k: v for k, v in made.get_config().items() if k not in strip} == {
        k: v for k, v in expected.get_config().items() if k not in strip
    }


def test_mlp_optimizer_comes_from_the_registry():
    model = training.build_mlp(
        training.MLPConfig(hidden_layers=0, optimizer="rmsprop", learning_rate=0.01)
    )
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.01)


# --- one confusion matrix ---------------------------------------------------------


def test_one_confusion_matrix():
    assert playground_model.confusion_matrix is metrics.confusion_matrix
    assert training.confusion_matrix is metrics.confusion_matrix
    # Rows are true classes, columns predicted ones (counted by hand).
    expected = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    counts = metrics.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3)
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64
    assert metrics.confusion_matrix([], [], 2).tolist() == [[0, 0], [0, 0]]
    for bad in (0, 2.5, None, True):
        with pytest.raises(ValueError, match="n_classes must be an integer >= 1"):
            metrics.confusion_matrix([0], [0], bad)
