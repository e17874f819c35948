"""lmwidgets.core.activations against independent references.

Values: ``keras.activations`` called directly. Derivatives: central finite
differences of that same Keras function, computed here (away from kinks), and
closed forms for the classic ones (e.g. sigmoid' = s(1 - s), tanh' = 1 - tanh²).
"""

import lmwidgets  # noqa: F401  (picks the Keras backend before keras is imported)
from lmwidgets.core import activations

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.backends

# Points away from every kink of the listed activations (0, ±0.5, ±1, ±3, 6).
X = np.array([-4.3, -2.2, -1.4, -0.7, -0.35, 0.3, 0.8, 1.6, 2.45, 4.1], dtype="float32")
STEP = 1e-2


def _keras(name, x, **params):
    params = {**activations.parameters(name), **params}
    function = getattr(keras.activations, name)
    return keras.ops.convert_to_numpy(function(keras.ops.convert_to_tensor(x), **params))


def _finite_difference(name, x, **params):
    return (_keras(name, x + STEP, **params) - _keras(name, x - STEP, **params)) / (2 * STEP)


def test_names_cover_the_classic_activations_and_only_scalar_ones():
    names = activations.names()
    classic = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "mish"]
    classic += ["softplus", "softsign", "sigmoid", "hard_sigmoid", "hard_silu", "tanh"]
    classic += ["exponential", "linear"]
    assert names[: len(classic)] == classic
    assert not {"softmax", "log_softmax", "glu", "sparsemax", "get"} & set(names)
    assert len(names) == len(set(names))
    public = {n for n in dir(keras.activations) if not n.startswith("_")}
    assert set(names) <= public


@pytest.mark.parametrize("name", activations.names())
def test_values_are_keras_and_derivatives_match_finite_differences(name):
    y, dy = activations.evaluate(name, X)
    assert y.dtype == dy.dtype == np.float32 and y.shape == dy.shape == X.shape
    np.testing.assert_allclose(y, _keras(name, X), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dy, _finite_difference(name, X), rtol=2e-3, atol=2e-3)


def test_closed_form_derivatives():
    s = 1 / (1 + np.exp(-X.astype("float64")))
    np.testing.assert_allclose(activations.evaluate("sigmoid", X)[1], s * (1 - s), atol=1e-6)
    t = np.tanh(X.astype("float64"))
    np.testing.assert_allclose(activations.evaluate("tanh", X)[1], 1 - t**2, atol=1e-6)
    np.testing.assert_array_equal(activations.evaluate("relu", X)[1], (X > 0).astype("float32"))
    np.testing.assert_allclose(
        activations.evaluate("elu", X, alpha=0.5)[1],
        np.where(X > 0, 1.0, 0.5 * np.exp(X.astype("float64"))),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        activations.evaluate("leaky_relu", X, negative_slope=0.1)[1], np.where(X > 0, 1, 0.1)
    )


def test_parameters_reach_keras():
    assert activations.parameters("leaky_relu") == {"negative_slope": 0.2}
    assert activations.parameters("gelu") == {"approximate": False}
    exact = activations.evaluate("gelu", X)[0]
    tanh_form = activations.evaluate("gelu", X, approximate=True)[0]
    np.testing.assert_allclose(tanh_form, _keras("gelu", X, approximate=True), atol=1e-6)
    assert not np.array_equal(exact, tanh_form)
    np.testing.assert_allclose(
        activations.evaluate("threshold", X, threshold=1.0, default_value=-2.0)[0],
        np.where(X > 1.0, X, -2.0),
    )


def test_aliases_resolve_to_their_activation():
    np.testing.assert_array_equal(
        activations.evaluate("swish", X)[0], activations.evaluate("silu", X)[0]
    )
    assert activations.canonical_name("hard_swish") == "hard_silu"


def test_gradient_regions_mark_dead_and_saturated_units():
    _, dy = activations.evaluate("relu", X)
    regions = activations.gradient_regions(dy)
    np.testing.assert_array_equal(regions["dead"], X < 0)
    assert not regions["saturated"].any()
    _, dy = activations.evaluate("sigmoid", np.array([-8.0, 0.0, 8.0]))
    np.testing.assert_array_equal(
        activations.gradient_regions(dy)["saturated"], [True, False, True]
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: activations.evaluate("relu7", X), "Valid activations: relu, relu6"),
        (lambda: activations.evaluate("softmax", X), "Invalid activation: received 'softmax'"),
        (lambda: activations.evaluate("elu", X, beta=1.0), "Valid parameters: alpha"),
        (lambda: activations.evaluate("relu6", X, alpha=1.0), "Valid parameters: none"),
        (lambda: activations.evaluate("elu", X, alpha=float("nan")), "finite"),
        (lambda: activations.evaluate("relu", [0.0, np.inf]), "finite"),
        (lambda: activations.gradient_regions([1.0], vanishing=0), "vanishing"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_what_is_valid(call, message):
    with pytest.raises(ValueError, match=message):
        call()
