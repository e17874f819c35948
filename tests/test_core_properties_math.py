"""Every public function of the math modules of ``lmwidgets.core``, fed valid and invalid
arguments (issue 18).

A core function either returns finite, meaningful numbers (a property checks each
result: probabilities sum to 1, an AUC is the chance a positive outscores a negative,
counts match a plain loop, a closed form holds) or raises ValueError/TypeError naming
the argument, what it received and what is allowed, in Keras' words
(``steps must be an integer >= 1. Received: steps=0.``).

``CASES`` holds the strategies, in one place: for each ``"module.name"`` a ``Case`` with
``valid`` (a Hypothesis strategy of keyword arguments), ``check(result, kwargs)`` and
``invalid`` (``(kwargs, argument)`` pairs). A new public function without a case (or an
``EXEMPT`` reason) fails ``test_every_public_name_has_a_case``.
"""

import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import lmwidgets
from lmwidgets.core import (
    activations,
    choices,
    initializers,
    losses,
    metrics,
    neuron,
    optimizers,
    params,
    sampling,
    scale,
    schedules,
)

import hypothesis.strategies as st
import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

MODULES = (
    activations,
    choices,
    initializers,
    losses,
    metrics,
    neuron,
    optimizers,
    params,
    sampling,
    scale,
    schedules,
)


@dataclass(frozen=True)
class Case:
    """How to call one public function with valid and with invalid arguments."""

    valid: st.SearchStrategy  # of keyword-argument dicts the function accepts
    check: Callable  # check(result, kwargs): asserts the result is finite and meaningful
    invalid: tuple = ()  # (kwargs, argument): the refusal must name the argument
    examples: int = 15  # max_examples for ``valid``
    call: Callable | None = None  # call(**kwargs) when it is not the function itself
    no_invalid: str = ""  # why a function takes no argument it could refuse


# -- strategies ----------------------------------------------------------------------


def floats(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def arrays(low=-10.0, high=10.0, min_size=1, max_size=10):
    return st.lists(floats(low, high), min_size=min_size, max_size=max_size).map(np.array)


def log_floats(low, high):
    return floats(math.log10(low), math.log10(high)).map(lambda e: 10.0**e)


def whole(low, high):
    """Integers as Python, numpy int32 and int64 values (sizes must not overflow in products)."""
    return st.integers(low, high).flatmap(
        lambda n: st.sampled_from((n, np.int32(n), np.int64(n)) if n < 2**31 else (n,))
    )


def rngs():
    return st.integers(0, 2**32 - 1).map(np.random.default_rng)


def just(**kwargs):
    return st.just(kwargs)


# Values no number argument may take, and values no array argument may take.
NOT_NUMBERS = (math.nan, math.inf, -math.inf, "1", None, True, [1.0])
NOT_ARRAYS = ("ab", None, [[1.0], [2.0, 3.0]], [math.nan], [math.inf], {"a": 1.0})


def refuse(base, argument, values, key=None):
    """``(kwargs, argument)`` pairs: ``base`` with ``argument`` (or ``key``) set to each bad
    value."""
    return tuple(({**base, key or argument: value}, argument) for value in values)


def finite(*values):
    for value in values:
        assert np.all(np.isfinite(np.asarray(value, dtype="float64"))), value


def close(actual, expected, rtol=1e-6, atol=1e-9):
    np.testing.assert_allclose(
        np.asarray(actual, "float64"), np.asarray(expected, "float64"), rtol, atol
    )


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# -- params and choices ------------------------------------------------------------------


@st.composite
def bounded_numbers(draw):
    low = draw(floats(-1e6, 1e6))
    high = draw(floats(low, low + 1e6))
    integer = draw(st.booleans())
    if integer:
        low, high = math.floor(low), math.ceil(high)
        value = draw(st.integers(low, high).flatmap(lambda n: st.sampled_from((n, float(n)))))
    else:
        value = draw(floats(low, high).flatmap(lambda v: st.sampled_from((v, np.float64(v)))))
    return {"argument": "rate", "value": value, "low": low, "high": high, "integer": integer}


def check_number(result, kwargs):
    assert result == kwargs["value"]
    assert type(result) is (int if kwargs["integer"] else float)


@st.composite
def checked_arrays(draw):
    low = draw(floats(-100, 0))
    high = draw(floats(0, 100))
    value = draw(st.lists(floats(low, high), min_size=1, max_size=8))
    return {"argument": "x", "value": value, "low": low, "high": high}


def check_array(result, kwargs):
    assert isinstance(result, np.ndarray) and result.dtype == np.float64
    assert result.tolist() == list(kwargs["value"])


@st.composite
def merges(draw):
    names = draw(st.lists(st.sampled_from("abcdefgh"), unique=True, max_size=5))
    defaults = {name: draw(floats(-5, 5)) for name in names}
    given = {name: draw(floats(-5, 5)) for name in names if draw(st.booleans())}
    return {"name": "elu", "defaults": defaults, "given": given}


def check_merge(result, kwargs):
    assert result == {**kwargs["defaults"], **kwargs["given"]}


ANY_VALUE = st.one_of(
    st.text(max_size=200),
    st.floats(),
    st.integers(),
    arrays(-1e6, 1e6, 0, 30),
    st.lists(st.integers(), max_size=40),
)


def check_shown(result, kwargs):
    assert isinstance(result, str) and len(result) <= params.SHOWN_CHARACTERS
    value = kwargs["value"]
    if not isinstance(value, np.ndarray) and len(repr(value)) <= params.SHOWN_CHARACTERS:
        assert result == repr(value)


def check_refusal(result, kwargs):
    argument, allowed = kwargs["argument"], kwargs["allowed"]
    assert isinstance(result, ValueError)
    shown = params.shown(kwargs["value"])
    assert str(result) == f"{argument} must be {allowed}. Received: {argument}={shown}."


def check_finite_result(result, kwargs):
    assert result is kwargs["result"]


CHOICES = st.lists(
    st.text("abcdefgh_", min_size=1, max_size=6), min_size=1, max_size=6, unique=True
)

PARAMS_CASES = {
    "params.shown": Case(
        ANY_VALUE.map(lambda value: {"value": value}),
        check_shown,
        no_invalid="shows any value: it only formats one for a message",
    ),
    "params.refusal": Case(
        st.fixed_dictionaries(
            {
                "argument": st.text("abc_", min_size=1, max_size=8),
                "allowed": st.text("abc <>=0123", max_size=20),
                "value": ANY_VALUE,
            }
        ),
        check_refusal,
        no_invalid="builds the refusal for any argument; it is the message itself",
    ),
    "params.check_seed": Case(
        st.fixed_dictionaries({"seed": st.integers(0, 2**32 - 1)}),
        lambda result, kwargs: (
            isinstance(result, int) and result == kwargs["seed"] or pytest.fail(repr(result))
        ),
        refuse({}, "seed", (*NOT_NUMBERS, -1, 2**32, 1.5))
        + (({"seed": "7", "none": True}, "seed"),),
    ),
    "params.check_number": Case(
        bounded_numbers(),
        check_number,
        refuse(
            {"argument": "rate", "low": 0, "high": 1}, "rate", (*NOT_NUMBERS, -0.1, 1.5), "value"
        )
        + (
            ({"argument": "rate", "value": 2.5, "integer": True}, "rate"),
            ({"argument": "rate", "value": 0.0, "low": 0, "low_open": True}, "rate"),
            ({"argument": "rate", "value": 1.0, "high": 1, "high_open": True}, "rate"),
            ({"argument": "rate", "value": np.array([0.5, 0.5])}, "rate"),
        ),
    ),
    "params.check_array": Case(
        checked_arrays(),
        check_array,
        refuse({"argument": "x"}, "x", (*NOT_ARRAYS, [], [[1.0]], np.array(["a"])), "value")
        + (
            ({"argument": "x", "value": [2.0], "high": 1}, "x"),
            ({"argument": "x", "value": [1e300], "dtype": "float32"}, "x"),
            ({"argument": "x", "value": [0.5], "integer": True}, "x"),
            ({"argument": "x", "value": [1.0], "min_size": 2}, "x"),
        ),
    ),
    "params.check_mapping": Case(
        st.dictionaries(st.text(max_size=4), st.integers(), max_size=3).map(
            lambda d: {"argument": "settings", "value": d}
        ),
        lambda result, kwargs: result is kwargs["value"] or pytest.fail("not the same dict"),
        refuse({"argument": "settings"}, "settings", ([1], None, "ab", 3), "value"),
    ),
    "params.merge_params": Case(
        merges(),
        check_merge,
        (
            ({"name": "elu", "defaults": {"alpha": 1.0}, "given": {"beta": 2.0}}, "beta"),
            ({"name": "elu", "defaults": {"alpha": 1.0}, "given": [1]}, "params"),
            ({"name": "elu", "defaults": None, "given": {}}, "defaults"),
        ),
    ),
    "params.check_finite_result": Case(
        st.one_of(floats(-1e300, 1e300), arrays(), st.dictionaries(st.text(), floats(-1, 1))).map(
            lambda result: {"what": "area", "result": result, "x": 1.0}
        ),
        check_finite_result,
        (
            ({"what": "area", "result": math.inf, "x": 1e300}, "x"),
            ({"what": "area", "result": {"a": [1.0, math.nan]}, "x": 2.0}, "x"),
            ({"what": "area", "result": np.array([np.inf]), "n_params": 1.0}, "n_params"),
        ),
    ),
    "choices.check_choice": Case(
        CHOICES.flatmap(
            lambda valid: st.sampled_from(valid).map(
                lambda value: {"argument": "fruit", "value": value, "valid": valid}
            )
        ),
        lambda result, kwargs: result is kwargs["value"] or pytest.fail("not the choice"),
        refuse(
            {"argument": "fruit", "valid": ("apple", "pear")},
            "fruit",
            ("applee", "", None, 3, ["apple"], np.array([1, 2])),
            "value",
        )
        + (({"argument": "zero_stage", "value": True, "valid": (0, 1, 2)}, "zero_stage"),),
    ),
}

# -- activations ---------------------------------------------------------------------

ACTIVATIONS = activations.names()


def activation_params(name):
    entries = {
        key: st.booleans() if isinstance(default, bool) else floats(0.1, 3.0)
        for key, default in activations.parameters(name).items()
    }
    return st.fixed_dictionaries({}, optional=entries)


def with_activation_params(name):
    return activation_params(name).map(lambda p: {"name": name, **p})


ACTIVATION_KWARGS = st.sampled_from(ACTIVATIONS).flatmap(with_activation_params)


def relu_form(x, p):
    """Keras' relu: x from the threshold up, negative_slope * (x - threshold) below it."""
    threshold, slope = p.get("threshold", 0.0), p.get("negative_slope", 0.0)
    return np.where(x >= threshold, x, slope * (x - threshold))


def relu_slope(x, p):
    return np.where(x > p.get("threshold", 0.0), 1.0, p.get("negative_slope", 0.0))


# Closed forms (value, slope) of some activations, at their parameters.
ACTIVATION_FORMS = {
    "relu": (relu_form, relu_slope),
    "leaky_relu": (
        lambda x, p: np.where(x >= 0, x, p.get("negative_slope", 0.2) * x),
        lambda x, p: np.where(x > 0, 1.0, p.get("negative_slope", 0.2)),
    ),
    "elu": (
        lambda x, p: np.where(x > 0, x, p.get("alpha", 1.0) * np.expm1(np.minimum(x, 0))),
        lambda x, p: np.where(x > 0, 1.0, p.get("alpha", 1.0) * np.exp(np.minimum(x, 0))),
    ),
    "linear": (lambda x, p: x, lambda x, p: np.ones_like(x)),
    "sigmoid": (lambda x, p: sigmoid(x), lambda x, p: sigmoid(x) * (1 - sigmoid(x))),
    "tanh": (lambda x, p: np.tanh(x), lambda x, p: 1 - np.tanh(x) ** 2),
    "softplus": (lambda x, p: np.logaddexp(0, x), lambda x, p: sigmoid(x)),
    "exponential": (lambda x, p: np.exp(x), lambda x, p: np.exp(x)),
    "silu": (
        lambda x, p: x * sigmoid(x),
        lambda x, p: sigmoid(x) * (1 + x * (1 - sigmoid(x))),
    ),
}


def check_activation_names(result, kwargs):
    assert result[:3] == ["relu", "relu6", "leaky_relu"]
    assert len(set(result)) == len(result) and all(isinstance(n, str) for n in result)
    assert not set(result) & {"softmax", "glu", *activations.ALIASES}


def check_canonical_name(result, kwargs):
    name = kwargs["name"]
    assert result in ACTIVATIONS and result == activations.ALIASES.get(name, name)


def check_activation_parameters(result, kwargs):
    assert isinstance(result, dict) and not set(result) & {"x", "axis"}
    assert all(isinstance(v, bool | float | int) for v in result.values())


def check_activation_get(result, kwargs):
    name = activations.canonical_name(kwargs["name"])
    given = {k: v for k, v in kwargs.items() if k != "name"}
    assert callable(result) and result.__name__ == name
    assert getattr(result, "keywords", {}).items() >= given.items()
    x = keras.ops.convert_to_tensor(np.linspace(-3, 3, 7), "float32")
    finite(keras.ops.convert_to_numpy(result(x)))


def check_activation_evaluate(result, kwargs):
    name, x = kwargs["name"], np.asarray(kwargs["x"], "float64")
    given = {k: v for k, v in kwargs.items() if k not in ("name", "x")}
    y, dy = result
    assert y.dtype == dy.dtype == np.float32 and y.shape == dy.shape == x.shape
    finite(y, dy)
    if name in ACTIVATION_FORMS:
        value, slope = ACTIVATION_FORMS[name]
        close(y, value(x, given), rtol=1e-5, atol=1e-5)
        smooth = np.abs(x - given.get("threshold", 0.0)) > 1e-3
        close(dy[smooth], slope(x, given)[smooth], rtol=1e-4, atol=1e-5)


def check_gradient_regions(result, kwargs):
    dy, vanishing = np.asarray(kwargs["dy"]), kwargs.get("vanishing", 0.01)
    assert result["dead"].tolist() == [d == 0 for d in dy.tolist()]
    assert result["saturated"].tolist() == [0 < abs(d) < vanishing for d in dy.tolist()]
    assert not np.any(result["dead"] & result["saturated"])


ELU = {"name": "elu", "x": [0.5]}
BAD_ACTIVATIONS = ("relu7", "softmax", None, 3, ["relu"])
ACTIVATION_CASES = {
    "activations.names": Case(
        just(), check_activation_names, examples=1, no_invalid="no arguments"
    ),
    "activations.canonical_name": Case(
        st.sampled_from(ACTIVATIONS + list(activations.ALIASES)).map(lambda n: {"name": n}),
        check_canonical_name,
        tuple(({"name": n}, "activation") for n in BAD_ACTIVATIONS),
    ),
    "activations.parameters": Case(
        st.sampled_from(ACTIVATIONS).map(lambda n: {"name": n}),
        check_activation_parameters,
        tuple(({"name": n}, "activation") for n in BAD_ACTIVATIONS),
    ),
    "activations.get": Case(
        ACTIVATION_KWARGS,
        check_activation_get,
        tuple(({"name": n}, "activation") for n in BAD_ACTIVATIONS)
        + refuse({"name": "elu"}, "alpha", NOT_NUMBERS)
        + (
            ({"name": "elu", "beta": 1.0}, "beta"),
            ({"name": "celu", "alpha": 0.0}, "alpha"),
            ({"name": "squareplus", "b": -1.0}, "b"),
            ({"name": "gelu", "approximate": "yes"}, "approximate"),
        ),
        examples=10,
    ),
    "activations.evaluate": Case(
        st.tuples(ACTIVATION_KWARGS, arrays(-20, 20, 0, 9)).map(lambda t: {**t[0], "x": t[1]}),
        check_activation_evaluate,
        tuple(({"name": n, "x": [0.5]}, "activation") for n in BAD_ACTIVATIONS)
        + refuse({"name": "relu"}, "x", (*NOT_ARRAYS, [1e300]))
        + refuse(ELU, "alpha", NOT_NUMBERS)
        + (
            ({"name": "exponential", "x": [100.0]}, "x"),
            ({**ELU, "beta": 1.0}, "beta"),
            ({"name": "celu", "x": [-1.0], "alpha": 0.0}, "alpha"),
            ({"name": "squareplus", "x": [0.0], "b": -1.0}, "b"),
        ),
        examples=12,
    ),
    "activations.gradient_regions": Case(
        st.fixed_dictionaries(
            {"dy": st.lists(st.one_of(st.just(0.0), floats(-1, 1)), max_size=10).map(np.array)},
            optional={"vanishing": log_floats(1e-6, 10)},
        ),
        check_gradient_regions,
        refuse({"dy": [0.5]}, "vanishing", (*NOT_NUMBERS, 0.0, -1.0))
        + refuse({}, "dy", NOT_ARRAYS),
    ),
}

# -- losses --------------------------------------------------------------------------

LOSS_RANGES = {"delta": floats(0.05, 5), "gamma": floats(0, 5), "label_smoothing": floats(0, 1)}


def loss_params(name):
    family = {**losses.REGRESSION, **losses.CLASSIFICATION}.get(name, {})
    return st.fixed_dictionaries({}, optional={key: LOSS_RANGES[key] for key in family})


def regression_loss(name, e, p):
    delta = p.get("delta", 1.0)
    return {
        "mean_squared_error": lambda: e**2,
        "mean_absolute_error": lambda: np.abs(e),
        "huber": lambda: np.where(np.abs(e) <= delta, e**2 / 2, delta * np.abs(e) - delta**2 / 2),
        "log_cosh": lambda: np.logaddexp(e, -e) - np.log(2),
    }[name]()


def regression_slope(name, e, p):
    delta = p.get("delta", 1.0)
    return {
        "mean_squared_error": lambda: 2 * e,
        "mean_absolute_error": lambda: np.sign(e),
        "huber": lambda: np.clip(e, -delta, delta),
        "log_cosh": lambda: np.tanh(e),
    }[name]()


def cross_entropy(p, label, smoothing):
    target = label * (1 - smoothing) + smoothing / 2
    q = np.clip(p, 1e-7, 1 - 1e-7)
    return -(target * np.log(q) + (1 - target) * np.log(1 - q))


def check_classification(name, p, label, given, values, slopes):
    p = np.asarray(p, "float64")
    finite(values, slopes)
    assert values.shape == slopes.shape == p.shape
    sign = 2 * label - 1
    inner = (p > 1e-3) & (p < 1 - 1e-3)
    smoothing = given.get("label_smoothing", 0.0)
    if name == "binary_crossentropy":
        close(values[inner], cross_entropy(p, label, smoothing)[inner], rtol=1e-4, atol=1e-5)
        target, q = label * (1 - smoothing) + smoothing / 2, p[inner]
        close(slopes[inner], -(target / q - (1 - target) / (1 - q)), rtol=1e-3, atol=1e-4)
    elif name == "binary_focal_crossentropy":
        assert np.all(values >= 0)
        bound = cross_entropy(p, label, smoothing)
        assert np.all(values[inner] <= bound[inner] * (1 + 1e-4) + 1e-6)
    elif name == "hinge":
        close(values, np.maximum(0, 1 - sign * p), rtol=1e-5, atol=1e-6)
        close(slopes, -sign * np.ones_like(p), rtol=1e-5, atol=1e-6)
    else:
        close(values, np.maximum(0, 1 - sign * p) ** 2, rtol=1e-5, atol=1e-6)
        close(slopes, -2 * sign * np.maximum(0, 1 - sign * p), rtol=1e-5, atol=1e-5)


def check_loss_names(result, kwargs):
    family = kwargs.get("family")
    if family is None:
        assert len(set(result)) == len(result)
        assert result[: len(losses.REGRESSION)] == list(losses.REGRESSION)
    else:
        assert result == list(losses.FAMILIES[family])


def check_loss_parameters(result, kwargs):
    assert not set(result) & {"y_true", "y_pred"}
    family = {**losses.REGRESSION, **losses.CLASSIFICATION}.get(kwargs["name"], {})
    assert result.items() >= family.items()


def check_loss_get(result, kwargs):
    name = kwargs["name"]
    given = {k: v for k, v in kwargs.items() if k != "name"}
    assert callable(result) and result.__name__ == name
    assert getattr(result, "keywords", {}) == given
    if name in losses.REGRESSION:
        value = result(np.zeros((3, 1), "float32"), np.array([[-1.0], [0.5], [2.0]], "float32"))
    elif name in losses.CLASSIFICATION:
        value = result(np.array([[0.0], [1.0]], "float32"), np.array([[0.3], [0.8]], "float32"))
    else:
        return
    value = keras.ops.convert_to_numpy(value)
    finite(value)
    assert np.all(value >= 0)


def check_regression_curve(result, kwargs):
    values, slopes = result
    e = np.asarray(kwargs["errors"], "float64")
    given = {k: v for k, v in kwargs.items() if k not in ("name", "errors")}
    assert values.dtype == np.float32 and values.shape == slopes.shape == e.shape
    close(values, regression_loss(kwargs["name"], e, given), rtol=1e-5, atol=1e-4)
    away = np.abs(e) > 1e-6
    close(slopes[away], regression_slope(kwargs["name"], e, given)[away], rtol=1e-4, atol=1e-5)


def check_classification_curve(result, kwargs):
    given = {k: v for k, v in kwargs.items() if k not in ("name", "p", "label")}
    check_classification(kwargs["name"], kwargs["p"], kwargs["label"], given, *result)


def check_classification_curves(result, kwargs):
    given = {k: v for k, v in kwargs.items() if k not in ("name", "p")}
    assert set(result) == {0, 1}
    for label, (values, slopes) in result.items():
        check_classification(kwargs["name"], kwargs["p"], label, given, values, slopes)


@st.composite
def line_data(draw):
    n = draw(st.integers(4, 14))
    x = np.linspace(0.0, draw(floats(0.5, 10)), n) + draw(floats(-5, 5))
    slope, intercept = draw(floats(-50, 50)), draw(floats(-50, 50))
    y = slope * x + intercept + draw(floats(0, 1)) * np.sin(7 * x)
    y[-1] += draw(floats(-100, 100))  # an outlier
    name = draw(st.sampled_from(list(losses.REGRESSION)))
    return {"x": x, "y": y, "loss": name, **draw(loss_params(name))}


def check_robust_fit(result, kwargs):
    x, y, name = kwargs["x"], kwargs["y"], kwargs["loss"]
    given = {k: v for k, v in kwargs.items() if k not in ("x", "y", "loss")}
    finite(list(result.values()))

    def mean_loss(slope, intercept):
        return regression_loss(name, slope * x + intercept - y, given).mean()

    fitted = mean_loss(result["slope"], result["intercept"])
    assert result["loss"] == pytest.approx(fitted, rel=1e-4, abs=1e-5)
    # Gradient descent found the minimum: no better than least squares or a flat line.
    spread = np.ptp(y) + 1
    rivals = [mean_loss(*np.polyfit(x, y, 1)), mean_loss(0.0, np.median(y)), mean_loss(0, y.mean())]
    assert fitted <= min(rivals) * (1 + 1e-3) + 1e-6 * spread**2


def check_outlier_data(result, kwargs):
    x, y = result
    points = int(kwargs.get("points", 20))
    assert x.shape == y.shape == (points,)
    close(x, np.linspace(0, 4, points))
    finite(x, y)
    plain = losses.outlier_data(0.0, points, kwargs.get("seed", 0))[1]
    close(y[:-1], plain[:-1])
    assert y[-1] - plain[-1] == pytest.approx(kwargs["strength"], abs=1e-9 * (1 + abs(y[-1])))


REGRESSION_KWARGS = st.sampled_from(list(losses.REGRESSION)).flatmap(
    lambda n: loss_params(n).map(lambda p: {"name": n, **p})
)
CLASSIFICATION_KWARGS = st.sampled_from(list(losses.CLASSIFICATION)).flatmap(
    lambda n: loss_params(n).map(lambda p: {"name": n, **p})
)
HUBER = {"name": "huber", "errors": [0.5]}
BCE = {"name": "binary_crossentropy", "p": [0.5]}
FIT = {"x": [0.0, 1.0, 2.0], "y": [1.0, 2.0, 3.5], "loss": "huber"}
BAD_LABELS = (2, -1, 0.5, "1", None, [0, 1])
BAD_P = (*NOT_ARRAYS, [], [1.5], [-0.1], [[0.5]])
LOSS_CASES = {
    "losses.names": Case(
        st.sampled_from([None, "regression", "classification"]).map(lambda f: {"family": f}),
        check_loss_names,
        refuse({}, "family", ("foo", 3, ["regression"], True)),
    ),
    "losses.parameters": Case(
        st.sampled_from(losses.names()).map(lambda n: {"name": n}),
        check_loss_parameters,
        tuple(({"name": n}, "loss") for n in ("l1", None, 3)),
    ),
    "losses.get": Case(
        st.sampled_from(losses.names()).flatmap(
            lambda n: loss_params(n).map(lambda p: {"name": n, **p})
        ),
        check_loss_get,
        tuple(({"name": n}, "loss") for n in ("l1", None, ["huber"]))
        + refuse({"name": "huber"}, "delta", (*NOT_NUMBERS, 0.0, -1.0))
        + refuse({"name": "binary_crossentropy"}, "label_smoothing", (2.0, -0.1, math.nan))
        + (
            ({"name": "huber", "gamma": 1.0}, "gamma"),
            ({"name": "binary_focal_crossentropy", "gamma": -1.0}, "gamma"),
        ),
        examples=8,
    ),
    "losses.regression_curve": Case(
        st.tuples(REGRESSION_KWARGS, arrays(-10, 10, 1, 8)).map(lambda t: {**t[0], "errors": t[1]}),
        check_regression_curve,
        tuple(({"name": n, "errors": [0.5]}, "regression loss") for n in ("l1", "hinge", None))
        + refuse({"name": "huber"}, "errors", (*NOT_ARRAYS, [], [[1.0]], [1e300]))
        + refuse(HUBER, "delta", (0.0, -1.0, math.nan, "1"))
        + (({**HUBER, "gamma": 1.0}, "gamma"),),
        examples=3,
    ),
    "losses.classification_curve": Case(
        st.tuples(CLASSIFICATION_KWARGS, arrays(0, 1, 1, 8), st.sampled_from([0, 1])).map(
            lambda t: {**t[0], "p": t[1], "label": t[2]}
        ),
        check_classification_curve,
        refuse({**BCE}, "label", BAD_LABELS)
        + refuse({"name": "hinge", "label": 1}, "p", BAD_P)
        + tuple(
            ({"name": n, "p": [0.5], "label": 1}, "classification loss") for n in ("dice", "huber")
        )
        + refuse({**BCE, "label": 1}, "label_smoothing", (2.0, -0.5, "0.1"))
        + (
            ({"name": "binary_focal_crossentropy", "p": [0.5], "label": 0, "gamma": -1.0}, "gamma"),
        ),
        examples=3,
    ),
    "losses.classification_curves": Case(
        st.tuples(CLASSIFICATION_KWARGS, arrays(0, 1, 1, 8)).map(lambda t: {**t[0], "p": t[1]}),
        check_classification_curves,
        refuse({"name": "squared_hinge"}, "p", BAD_P)
        + tuple(({"name": n, "p": [0.5]}, "classification loss") for n in ("dice", None))
        + refuse(BCE, "label_smoothing", (1.5, math.inf)),
        examples=2,
    ),
    "losses.robust_fit": Case(
        line_data(),
        check_robust_fit,
        refuse(FIT, "x", (*NOT_ARRAYS, [1.0], [[0.0, 1.0, 2.0]]))
        + refuse(FIT, "y", (*NOT_ARRAYS, [1.0, 2.0], [1e300, 0.0, 0.0]))
        + tuple(({**FIT, "loss": n}, "regression loss") for n in ("l1", "hinge"))
        + (
            ({**FIT, "delta": 0.0}, "delta"),
            ({**FIT, "loss": "mean_squared_error", "y": [0.0, 1e20, 0.0]}, "y"),
        ),
        examples=4,
    ),
    "losses.outlier_data": Case(
        st.fixed_dictionaries(
            {"strength": floats(-1e6, 1e6)},
            optional={"points": whole(2, 60), "seed": st.integers(0, 2**40)},
        ),
        check_outlier_data,
        refuse({}, "strength", NOT_NUMBERS)
        + refuse({"strength": 1.0}, "points", (0, 1, -1, 1.5, "20", None, True))
        + refuse({"strength": 1.0}, "seed", (-1, 1.5, "0", math.nan)),
    ),
}

# -- metrics -------------------------------------------------------------------------

SCORES = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 1.0]), floats(0, 1))


@st.composite
def binary_data(draw, need=()):
    n = draw(st.integers(max(1, len(need)), 20))
    labels = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    labels[: len(need)] = need
    order = draw(st.permutations(range(n)))
    y_true = np.array(labels)[list(order)]
    if draw(st.booleans()):
        y_true = y_true.astype(bool)
    scores = np.array(draw(st.lists(SCORES, min_size=n, max_size=n)))
    return {"y_true": y_true, "scores": scores}


def with_threshold(data):
    return st.tuples(data, SCORES).map(lambda t: {**t[0], "threshold": t[1]})


def counts(kwargs):
    actual = np.asarray(kwargs["y_true"]).astype(bool).tolist()
    predicted = [s >= kwargs.get("threshold", 0.5) for s in kwargs["scores"]]
    pairs = list(zip(predicted, actual, strict=True))
    return {
        "tp": pairs.count((True, True)),
        "fp": pairs.count((True, False)),
        "tn": pairs.count((False, False)),
        "fn": pairs.count((False, True)),
    }


def ratio(a, b):
    return a / b if b else 0.0


def check_threshold_metrics(result, kwargs):
    c = counts(kwargs)
    assert {k: result[k] for k in c} == c and all(type(result[k]) is int for k in c)
    assert result["accuracy"] == pytest.approx((c["tp"] + c["tn"]) / len(kwargs["scores"]))
    assert result["precision"] == pytest.approx(ratio(c["tp"], c["tp"] + c["fp"]))
    assert result["recall"] == pytest.approx(ratio(c["tp"], c["tp"] + c["fn"]))
    p, r = result["precision"], result["recall"]
    assert result["f1"] == pytest.approx(ratio(2 * p * r, p + r))
    assert ("precision" in result["undefined"]) == (c["tp"] + c["fp"] == 0)
    assert all(0 <= result[k] <= 1 for k in ("accuracy", "precision", "recall", "f1"))


def check_rates(result, kwargs):
    c = counts(kwargs)
    positives, negatives = c["tp"] + c["fn"], c["fp"] + c["tn"]
    assert (result["positives"], result["negatives"]) == (positives, negatives)
    assert result["true_positive_rate"] == pytest.approx(ratio(c["tp"], positives))
    assert result["false_positive_rate"] == pytest.approx(ratio(c["fp"], negatives))
    if positives:
        assert result["true_positive_rate"] + result["false_negative_rate"] == pytest.approx(1)
    if negatives:
        assert result["false_positive_rate"] + result["true_negative_rate"] == pytest.approx(1)


def rate(scores, mask, threshold):
    chosen = [s for s, m in zip(scores, mask, strict=True) if m]
    return sum(s >= threshold for s in chosen) / len(chosen) if chosen else 0.0


def check_roc_curve(result, kwargs):
    fpr, tpr, thresholds = result
    scores, actual = list(kwargs["scores"]), np.asarray(kwargs["y_true"]).astype(bool).tolist()
    assert len(fpr) == len(tpr) == len(thresholds) == len(set(scores)) + 1
    assert thresholds[0] == np.inf and list(thresholds[1:]) == sorted(set(scores), reverse=True)
    assert fpr[0] == tpr[0] == 0
    negatives = [not a for a in actual]
    for k, threshold in enumerate(thresholds[1:], start=1):
        assert tpr[k] == pytest.approx(rate(scores, actual, threshold))
        assert fpr[k] == pytest.approx(rate(scores, negatives, threshold))
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)


def check_pr_curve(result, kwargs):
    precision, recall, thresholds = result
    scores, actual = list(kwargs["scores"]), np.asarray(kwargs["y_true"]).astype(bool).tolist()
    assert list(thresholds) == sorted(set(scores), reverse=True)
    for k, threshold in enumerate(thresholds):
        chosen = [a for s, a in zip(scores, actual, strict=True) if s >= threshold]
        assert precision[k] == pytest.approx(sum(chosen) / len(chosen))
        assert recall[k] == pytest.approx(rate(scores, actual, threshold))
    assert np.all(np.diff(recall) >= 0)


@st.composite
def curves(draw):
    n = draw(st.integers(2, 12))
    x = draw(st.lists(floats(-100, 100), min_size=n, max_size=n))
    y = draw(st.lists(floats(-100, 100), min_size=n, max_size=n))
    return {"x": x, "y": y}


def check_area(result, kwargs):
    x, y = kwargs["x"], kwargs["y"]
    area = sum((x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2 for i in range(len(x) - 1))
    assert isinstance(result, float) and result == pytest.approx(area, rel=1e-9, abs=1e-9)


def check_roc_auc(result, kwargs):
    scores, actual = kwargs["scores"], np.asarray(kwargs["y_true"]).astype(bool)
    pairs = [(p, n) for p in scores[actual] for n in scores[~actual]]
    chance = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert 0 <= result <= 1 and result == pytest.approx(chance)


def check_average_precision(result, kwargs):
    scores, actual = kwargs["scores"], np.asarray(kwargs["y_true"]).astype(bool)
    # The mean, over the positives, of the precision at each positive's own score.
    precisions = [actual[scores >= s].mean() for s in scores[actual]]
    assert 0 < result <= 1 and result == pytest.approx(np.mean(precisions))


@st.composite
def class_scores(draw):
    n, k = draw(st.integers(0, 10)), draw(st.integers(1, 5))
    y_true = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)), "int64")
    rows = draw(st.lists(st.lists(floats(0, 1), min_size=k, max_size=k), min_size=n, max_size=n))
    table = np.array(rows).reshape(n, k)
    positive = draw(st.integers(0, k - 1).flatmap(lambda c: st.sampled_from((c, np.int64(c)))))
    return {"y_true": y_true, "class_scores": table, "positive_class": positive}


def check_one_vs_rest(result, kwargs):
    labels, column = result
    c = kwargs["positive_class"]
    assert labels.tolist() == [int(t == c) for t in kwargs["y_true"]]
    assert column.tolist() == [row[c] for row in kwargs["class_scores"]]


@st.composite
def predictions(draw):
    k, n = draw(whole(1, 6)), draw(st.integers(0, 25))
    labels = st.lists(st.integers(0, int(k) - 1), min_size=n, max_size=n)
    return {"y_true": draw(labels), "y_pred": draw(labels), "n_classes": k}


def check_confusion_matrix(result, kwargs):
    k = int(kwargs["n_classes"])
    assert (
        result.shape == (k, k)
        and result.dtype == np.int64
        and result.sum() == len(kwargs["y_true"])
    )
    pairs = list(zip(kwargs["y_true"], kwargs["y_pred"], strict=True))
    assert result.tolist() == [[pairs.count((i, j)) for j in range(k)] for i in range(k)]


BINARY = {"y_true": [0, 1], "scores": [0.2, 0.8]}
BAD_Y_TRUE = ([0, 2], [0.5, 1], ["a", "b"], [[0, 1]], [math.nan, 1], None, "ab", [])
BAD_SCORES = ([0.2, 1.8], [-0.1, 0.5], [math.nan, 0.5], "ab", None, [0.5], [0.2, 0.5, 0.8])


def binary_refusals(base=BINARY):
    return refuse(base, "y_true", BAD_Y_TRUE) + refuse(base, "scores", BAD_SCORES)


CM = {"y_true": [0, 1], "y_pred": [1, 1], "n_classes": 2}
OVR = {"y_true": [0, 1], "class_scores": np.eye(2), "positive_class": 1}
METRIC_CASES = {
    "metrics.threshold_metrics": Case(
        with_threshold(binary_data()),
        check_threshold_metrics,
        binary_refusals() + refuse(BINARY, "threshold", (*NOT_NUMBERS, -0.1, 1.5)),
        examples=30,
    ),
    "metrics.rates_at_threshold": Case(
        with_threshold(binary_data()),
        check_rates,
        binary_refusals() + refuse(BINARY, "threshold", (1.5, "0.5", None)),
        examples=30,
    ),
    "metrics.roc_curve": Case(binary_data(), check_roc_curve, binary_refusals(), examples=30),
    "metrics.precision_recall_curve": Case(
        binary_data(), check_pr_curve, binary_refusals(), examples=30
    ),
    "metrics.area_under_curve": Case(
        curves(),
        check_area,
        refuse({"y": [1.0, 1.0]}, "x", (*NOT_ARRAYS, [0.0], [[0.0, 1.0]]))
        + refuse({"x": [0.0, 1.0]}, "y", (*NOT_ARRAYS, [1.0, 1.0, 1.0]))
        + (({"x": [0.0, 1e300, -1e300], "y": [1e300, 1e300, 1e300]}, "x"),),
    ),
    "metrics.roc_auc": Case(
        binary_data(need=(0, 1)),
        check_roc_auc,
        binary_refusals()
        + refuse({"scores": [0.2, 0.8]}, "y_true", ([1, 1], [0, 0], [True, True])),
        examples=30,
    ),
    "metrics.average_precision": Case(
        binary_data(need=(1,)),
        check_average_precision,
        binary_refusals() + refuse({"scores": [0.2, 0.8]}, "y_true", ([0, 0], [False, False])),
        examples=30,
    ),
    "metrics.one_vs_rest": Case(
        class_scores(),
        check_one_vs_rest,
        refuse(OVR, "positive_class", (2, -1, 1.5, "1", None, True, [0, 1]))
        + refuse(OVR, "class_scores", (*NOT_ARRAYS, [0.5, 0.5], np.ones((3, 2))))
        + refuse(OVR, "y_true", (1, "ab", [[0, 1]])),
    ),
    "metrics.confusion_matrix": Case(
        predictions(),
        check_confusion_matrix,
        refuse(CM, "n_classes", (0, -1, 1.5, "2", None, True, math.inf))
        + refuse(CM, "y_true", ([0.5, 1], ["a", "b"], [math.nan, 1], [0, 2], [-1, 0], None))
        + refuse(CM, "y_pred", ([1], [1, 1, 1], [[1, 1]], [2, 0])),
    ),
}

# -- neuron --------------------------------------------------------------------------

NEURON_FORMS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": sigmoid,
    "tanh": np.tanh,
}


def check_neuron(result, kwargs):
    x = np.asarray(kwargs["x"], "float64")
    z = kwargs["weight"] * x + kwargs["bias"]
    activation = kwargs.get("activation", "relu")
    assert result.dtype == np.float32 and result.shape == x.shape
    close(result, NEURON_FORMS[activation](z), rtol=1e-5, atol=1e-4)


NEURON = {"x": [0.5], "weight": 1.0, "bias": 0.0}
NEURON_CASES = {
    "neuron.neuron_output": Case(
        st.fixed_dictionaries(
            {"x": arrays(-5, 5, 0, 8), "weight": floats(-5, 5), "bias": floats(-5, 5)},
            optional={"activation": st.sampled_from(neuron.ACTIVATIONS)},
        ),
        check_neuron,
        refuse(NEURON, "weight", (*NOT_NUMBERS, 1e300))
        + refuse(NEURON, "bias", (*NOT_NUMBERS, -1e300))
        + refuse(NEURON, "x", (*NOT_ARRAYS, [1e300]))
        + refuse(NEURON, "activation", ("swish", None, ["relu"]))
        + (({"x": [1e10], "weight": 1e30, "bias": 0.0, "activation": "linear"}, "weight"),),
        examples=6,
    ),
}

# -- optimizers ----------------------------------------------------------------------

SURFACE_FORMS = {
    "quadratic": lambda x, y, condition=10.0: (x**2 + condition * y**2) / 2,
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "beale": lambda x, y: (
        (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
    ),
    "saddle": lambda x, y: x**2 - y**2,
    "rastrigin": lambda x, y: (
        20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y)
    ),
}


def surface_form(name, x, y, surface_params=None):
    return SURFACE_FORMS[name](
        np.asarray(x, "float64"), np.asarray(y, "float64"), **(surface_params or {})
    )


def close_heights(actual, expected):
    expected = np.asarray(expected)
    close(actual, expected, rtol=1e-4, atol=1e-3 * (1 + np.max(np.abs(expected), initial=0)) ** 0.5)


def check_surfaces(result, kwargs):
    assert result == list(SURFACE_FORMS)


def check_surface(result, kwargs):
    x_min, x_max, y_min, y_max = result.box
    assert result.name == kwargs["name"] and x_min < x_max and y_min < y_max
    assert x_min <= result.start[0] <= x_max and y_min <= result.start[1] <= y_max
    X, Y = np.meshgrid(np.linspace(x_min, x_max, 81), np.linspace(y_min, y_max, 81))
    lowest = surface_form(result.name, X, Y).min()
    for point in result.minima:  # each listed minimum is global: no grid point is lower
        assert surface_form(result.name, *point) <= lowest + 1e-6


def check_compiled_length(result, kwargs):
    steps = kwargs["steps"]
    assert isinstance(result, int) and result >= steps
    if lmwidgets.backend_name() != "torch":  # one compiled loop per power of two
        assert result >= 64 and result & (result - 1) == 0 and result <= 2 * max(steps, 32)


def check_optimizer_names(result, kwargs):
    assert result[:3] == ["sgd", "momentum", "nesterov"] and len(set(result)) == len(result)
    assert {"adam", "rmsprop", "lion"} <= set(result)


def check_optimizer_get(result, kwargs):
    assert isinstance(result, keras.optimizers.Optimizer)
    if "learning_rate" in kwargs:
        assert float(result.learning_rate) == pytest.approx(kwargs["learning_rate"], rel=1e-6)
    if kwargs["name"] == "momentum":
        assert result.momentum == 0.9


def check_hyperparameters(result, kwargs):
    assert not set(result) & {"self", "kwargs", "learning_rate"}
    base, preset = optimizers.PRESETS.get(kwargs["name"], (kwargs["name"], {}))
    assert result.items() >= preset.items()


@st.composite
def surface_points(draw):
    name = draw(st.sampled_from(list(SURFACE_FORMS)))
    x_min, x_max, y_min, y_max = optimizers.surface(name).box
    n = draw(st.integers(0, 8))
    x = draw(st.lists(floats(x_min, x_max), min_size=n, max_size=n))
    y = draw(st.lists(floats(y_min, y_max), min_size=n, max_size=n))
    extra = (
        {"condition": draw(floats(1, 100))} if name == "quadratic" and draw(st.booleans()) else {}
    )
    return {"name": name, "x": np.array(x), "y": np.array(y), **extra}


def check_surface_values(result, kwargs):
    extra = {k: v for k, v in kwargs.items() if k not in ("name", "x", "y")}
    assert result.shape == np.shape(kwargs["x"])
    close_heights(result, surface_form(kwargs["name"], kwargs["x"], kwargs["y"], extra))


def check_surface_grid(result, kwargs):
    X, Y, Z = result
    points = int(kwargs.get("points", 80))
    x_min, x_max, y_min, y_max = optimizers.surface(kwargs["name"]).box
    assert X.shape == Y.shape == Z.shape == (points, points)
    assert (X.min(), X.max(), Y.min(), Y.max()) == (x_min, x_max, y_min, y_max)
    extra = {k: v for k, v in kwargs.items() if k not in ("name", "points")}
    close_heights(Z, surface_form(kwargs["name"], X, Y, extra))


def gradient(name, point, surface_params, h=1e-6):
    x, y = point
    dx = surface_form(name, x + h, y, surface_params) - surface_form(name, x - h, y, surface_params)
    dy = surface_form(name, x, y + h, surface_params) - surface_form(name, x, y - h, surface_params)
    return np.array([dx, dy]) / (2 * h)


@st.composite
def runs(draw):
    name = draw(st.sampled_from(list(SURFACE_FORMS)))
    x_min, x_max, y_min, y_max = optimizers.surface(name).box
    start = (draw(floats(x_min, x_max)), draw(floats(y_min, y_max)))
    kwargs = {
        "optimizer": draw(st.sampled_from(("sgd", "momentum", "adam", "rmsprop"))),
        "surface": name,
        "start": start,
        "learning_rate": draw(log_floats(1e-4, 1e-2)),
        "steps": draw(whole(1, 12)),
    }
    if name == "quadratic" and draw(st.booleans()):
        kwargs["surface_params"] = {"condition": draw(floats(1, 50))}
    return kwargs


def check_trajectory(result, kwargs):
    path, loss, diverged_at = result["path"], result["loss"], result["diverged_at"]
    steps = int(kwargs["steps"])
    finite(path, loss)
    length = steps + 1 if diverged_at is None else diverged_at
    assert diverged_at is None or 1 <= diverged_at <= steps
    assert path.shape == (length, 2) and loss.shape == (length,)
    close(path[0], np.asarray(kwargs["start"], "float32"))
    surface_params = kwargs.get("surface_params")
    close_heights(loss, surface_form(kwargs["surface"], path[:, 0], path[:, 1], surface_params))
    if kwargs["optimizer"] == "sgd" and length > 1:  # one plain gradient step, by hand
        start = np.asarray(kwargs["start"], "float32").astype("float64")
        step = start - kwargs["learning_rate"] * gradient(kwargs["surface"], start, surface_params)
        close(path[1], step, rtol=1e-4, atol=1e-4)


RUN = {
    "optimizer": "sgd",
    "surface": "quadratic",
    "start": (1.0, 1.0),
    "learning_rate": 0.1,
    "steps": 3,
}
BAD_STEPS = (0, -1, 2.5, "5", True, None, 10**9)
OPTIMIZER_CASES = {
    "optimizers.surfaces": Case(just(), check_surfaces, examples=1, no_invalid="no arguments"),
    "optimizers.surface": Case(
        st.sampled_from(list(SURFACE_FORMS)).map(lambda n: {"name": n}),
        check_surface,
        tuple(({"name": n}, "surface") for n in ("everest", None, 3)),
        examples=6,
    ),
    "optimizers.compiled_length": Case(
        st.fixed_dictionaries({"steps": st.integers(1, 100_000)}),
        check_compiled_length,
        refuse({}, "steps", (*NOT_NUMBERS, 0, -3, 2.5)),
    ),
    "optimizers.names": Case(just(), check_optimizer_names, examples=1, no_invalid="no arguments"),
    "optimizers.get": Case(
        st.fixed_dictionaries(
            {"name": st.sampled_from(optimizers.names())},
            optional={"learning_rate": log_floats(1e-5, 1.0)},
        ),
        check_optimizer_get,
        tuple(({"name": n}, "optimizer") for n in ("adamm", None, 3))
        + refuse({"name": "adam"}, "learning_rate", (*NOT_NUMBERS, 0.0, -1.0, "fast"))
        + refuse({"name": "sgd"}, "momentum", (*NOT_NUMBERS, -1.0, 1.5))
        + refuse({"name": "adam"}, "beta_1", (1.0, -0.1, math.nan, "0.9"))
        + refuse({"name": "adam"}, "epsilon", ("tiny", math.nan, None))
        + (
            ({"name": "sgd", "beta_1": 0.5}, "beta_1"),
            ({"name": "sgd", "nesterov": "yes"}, "nesterov"),
            ({"name": "lion", "beta_1": 0.0}, "beta_1"),
            ({"name": "adam", "clipnorm": math.inf}, "clipnorm"),
        ),
    ),
    "optimizers.hyperparameters": Case(
        st.sampled_from(optimizers.names()).map(lambda n: {"name": n}),
        check_hyperparameters,
        tuple(({"name": n}, "optimizer") for n in ("adamm", None)),
    ),
    "optimizers.surface_values": Case(
        surface_points(),
        check_surface_values,
        tuple(({"name": n, "x": [0.0], "y": [0.0]}, "surface") for n in ("everest", None))
        + refuse({"name": "saddle", "y": [0.0]}, "x", (*NOT_ARRAYS, [1e300]))
        + refuse({"name": "saddle", "x": [0.0, 1.0]}, "y", ("ab", [0.0, 1.0, 2.0], [math.nan]))
        + refuse(
            {"name": "quadratic", "x": [0.0], "y": [0.0]}, "condition", (0.5, "a", math.nan, None)
        )
        + (
            ({"name": "quadratic", "x": [0.0], "y": [0.0], "steepness": 2.0}, "steepness"),
            ({"name": "saddle", "x": [1e30], "y": [0.0]}, "x"),
        ),
        examples=8,
    ),
    "optimizers.surface_grid": Case(
        st.fixed_dictionaries(
            {"name": st.sampled_from(list(SURFACE_FORMS))}, optional={"points": whole(2, 30)}
        ),
        check_surface_grid,
        refuse({"name": "rastrigin"}, "points", (*BAD_STEPS, 1))
        + tuple(({"name": n}, "surface") for n in ("everest", None))
        + (({"name": "quadratic", "condition": 0.0}, "condition"),),
        examples=5,
    ),
    "optimizers.trajectory": Case(
        runs(),
        check_trajectory,
        refuse(RUN, "steps", BAD_STEPS)
        + refuse(
            RUN, "start", ("ab", (5.0, 0.0), (math.nan, 0.0), (1.0,), None, ((1.0, 2.0), (3.0,)))
        )
        + refuse(
            RUN, "learning_rate", (*NOT_NUMBERS, 0.0, -1.0, 1e300, [0.1, 0.1], [0.1, math.nan, 0.1])
        )
        + refuse(RUN, "optimizer", ("adamm", None))
        + refuse(RUN, "surface", ("everest", None))
        + refuse(RUN, "surface_params", ([1], "condition"))
        + refuse(RUN, "momentum", (math.nan, -1.0, 1.5, "a", [0.9]))
        + (
            ({**RUN, "surface_params": {"condition": 0.5}}, "condition"),
            ({**RUN, "surface_params": {"condition": "a"}}, "condition"),
            ({**RUN, "surface_params": {"steepness": 2}}, "steepness"),
            ({**RUN, "nesterov": "yes"}, "nesterov"),
            ({**RUN, "beta_1": 0.5}, "beta_1"),
            ({**RUN, "optimizer": "adam", "beta_1": 1.0}, "beta_1"),
            ({**RUN, "optimizer": "lion", "beta_1": 0.0}, "beta_1"),
        ),
        examples=6,
    ),
}

# -- sampling ------------------------------------------------------------------------

DISTRIBUTIONS = (
    st.lists(floats(0, 1), min_size=1, max_size=10)
    .filter(lambda w: sum(w) > 0.01)
    .map(lambda w: np.array(w) / np.sum(w))
)


def check_softmax(result, kwargs):
    logits = np.asarray(kwargs["logits"], "float64")
    assert result.shape == logits.shape and np.all(result >= 0)
    assert result.sum() == pytest.approx(1)
    close(result, np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum())


def check_entropy(result, kwargs):
    p = np.asarray(kwargs["probabilities"])
    assert -1e-12 <= result <= math.log(p.size) + 1e-9
    assert result == pytest.approx(-sum(q * math.log(q) for q in p if q > 0), abs=1e-12)


@st.composite
def sampler_settings(draw):
    kwargs = {"logits": draw(arrays(-30, 30, 1, 12))}
    kwargs["temperature"] = draw(
        st.one_of(st.just(0.0), st.just(1e-320), log_floats(1e-3, 100), whole(1, 3))
    )
    n = len(kwargs["logits"])
    kwargs["top_k"] = draw(st.one_of(st.none(), whole(1, n + 3)))
    kwargs["top_p"] = draw(st.one_of(st.none(), st.just(1e-13), floats(1e-3, 1)))
    return kwargs


def check_next_token_distribution(result, kwargs):
    logits, t = np.asarray(kwargs["logits"]), kwargs["temperature"]
    top_k, top_p = kwargs["top_k"], kwargs["top_p"]
    finite(result)
    assert result.shape == logits.shape and np.all(result >= 0) and result.sum() == pytest.approx(1)
    kept = result > 0
    assert top_k is None or kept.sum() <= top_k
    if t == 0:
        assert result.tolist() == [float(i == np.argmax(logits)) for i in range(logits.size)]
        return
    # The kept tokens are the most likely ones: none left out is more likely.
    unfiltered = sampling.next_token_distribution(logits, t)
    assert unfiltered[kept].min() >= unfiltered[~kept].max(initial=0)
    if t >= 0.05:  # among kept tokens, the ratios of a softmax at temperature t
        i, j = np.flatnonzero(kept)[[0, -1]]
        assert math.log(result[i] / result[j]) == pytest.approx(
            (logits[i] - logits[j]) / t, abs=1e-6
        )
    if top_p is not None and t >= 0.05:
        before = sampling.next_token_distribution(logits, t, top_k)
        mass = np.sort(before[kept])[::-1]
        assert mass.sum() >= top_p - 1e-9 or kept.sum() == (before > 0).sum()
        assert mass[:-1].sum() < top_p + 1e-9  # no smaller set reaches top_p


@st.composite
def masks(draw):
    logits = draw(arrays(-10, 10, 2, 10))
    ids = draw(st.lists(st.integers(0, len(logits) - 1), max_size=len(logits) - 1, unique=True))
    return {"logits": logits, "token_ids": ids}


def check_mask_tokens(result, kwargs):
    logits, ids = np.asarray(kwargs["logits"]), kwargs["token_ids"]
    assert result is not kwargs["logits"] and result.dtype == np.float64
    for i, value in enumerate(result):
        assert value == (sampling.MASKED_LOGIT if i in ids else logits[i])
    assert np.all(sampling.next_token_distribution(result)[ids] == 0)


def check_sample(result, kwargs):
    p = np.asarray(kwargs["probabilities"])
    assert type(result) is int and 0 <= result < p.size and p[result] > 0


SAMPLER = {"logits": [1.0, 2.0, 0.5]}
SAMPLING_CASES = {
    "sampling.softmax": Case(
        arrays(-700, 700, 1, 10).map(lambda a: {"logits": a}),
        check_softmax,
        refuse({}, "logits", (*NOT_ARRAYS, [], [-math.inf, 0.0])),
    ),
    "sampling.entropy": Case(
        DISTRIBUTIONS.map(lambda p: {"probabilities": p}),
        check_entropy,
        refuse({}, "probabilities", (*NOT_ARRAYS, [], [-0.5, 1.5], [0.3, 0.3], [2.0])),
    ),
    "sampling.next_token_distribution": Case(
        sampler_settings(),
        check_next_token_distribution,
        refuse({}, "logits", (*NOT_ARRAYS, [], [[1.0, 2.0]]))
        + refuse(SAMPLER, "temperature", (*NOT_NUMBERS, -0.1))
        + refuse(SAMPLER, "top_k", (0, -1, 2.5, "2", True, math.inf, math.nan, [2]))
        + refuse(SAMPLER, "top_p", (0, -1, 1.5, "0.9", math.nan, True, [0.5])),
        examples=60,
    ),
    "sampling.mask_tokens": Case(
        masks(),
        check_mask_tokens,
        refuse({"token_ids": [0]}, "logits", (*NOT_ARRAYS, [], [[1.0, 2.0]]))
        + refuse(
            {"logits": [1.0, 2.0]},
            "token_ids",
            ([2], [-1], [0.5], ["a"], [0, 1], [[0], [0, 1]], None, [True]),
        ),
    ),
    "sampling.sample": Case(
        st.tuples(DISTRIBUTIONS, rngs()).map(lambda t: {"probabilities": t[0], "rng": t[1]}),
        check_sample,
        refuse(
            {"rng": np.random.default_rng(0)},
            "probabilities",
            (*NOT_ARRAYS, [], [-0.5, 1.5], [0.0, 0.0]),
        )
        + refuse({"probabilities": [0.5, 0.5]}, "rng", (0, None, "seed", np.random.RandomState(0))),
    ),
}

# -- schedules -----------------------------------------------------------------------

SCHEDULES = schedules.names()


@st.composite
def piecewise(draw):
    boundaries = sorted(draw(st.lists(st.integers(0, 300), min_size=1, max_size=4, unique=True)))
    values = draw(
        st.lists(floats(0, 1), min_size=len(boundaries) + 1, max_size=len(boundaries) + 1)
    )
    if draw(st.booleans()):
        return {"boundaries": schedules.format_numbers(boundaries), "values": values}
    return {"boundaries": boundaries, "values": values}


SCHEDULE_RANGES = {
    "initial_learning_rate": floats(0, 1),
    "end_learning_rate": floats(0, 1),
    "warmup_target": st.one_of(st.none(), floats(0, 1)),
    "decay_steps": whole(1, 200),
    "first_decay_steps": whole(1, 100),
    "warmup_steps": whole(0, 50),
    "decay_rate": floats(0.01, 1),
    "alpha": floats(0, 1),
    "power": floats(0.1, 3),
    "t_mul": floats(1, 3),
    "m_mul": floats(0.1, 1),
    "staircase": st.booleans(),
    "cycle": st.booleans(),
}


def schedule_params(name):
    keys = schedules.parameters(name)
    optional = {key: SCHEDULE_RANGES[key] for key in keys if key in SCHEDULE_RANGES}
    drawn = st.fixed_dictionaries({}, optional=optional)
    if "boundaries" in keys:
        return st.tuples(drawn, piecewise()).map(lambda t: {**t[0], **t[1]})
    return drawn


SCHEDULE_KWARGS = st.sampled_from(SCHEDULES).flatmap(
    lambda n: schedule_params(n).map(lambda p: {"name": n, **p})
)


def rates_by_calls(schedule, steps):
    """The schedule called on its first, middle and last step, as an optimizer calls it."""
    chosen = sorted({0, int(steps) // 2, int(steps) - 1})
    return chosen, [float(keras.ops.convert_to_numpy(schedule(k))) for k in chosen]


def as_numbers(value, integer=True):
    """``boundaries`` or ``values`` as a tuple, from a list or its text."""
    if isinstance(value, str):
        return schedules.parse_numbers("numbers", value, integer)
    return tuple(int(v) if integer else float(v) for v in value)


def schedule_closed_form(name, p, steps):
    """The learning rates of a few schedules by the formulas of the Keras docs."""
    k = np.arange(steps, dtype="float64")
    lr0 = p.get("initial_learning_rate", schedules.REQUIRED_DEFAULTS["initial_learning_rate"])
    decay_steps = p.get("decay_steps", schedules.REQUIRED_DEFAULTS["decay_steps"])
    rate = p.get("decay_rate", schedules.REQUIRED_DEFAULTS["decay_rate"])
    ratio = np.floor(k / decay_steps) if p.get("staircase") else k / decay_steps
    if name == "exponential_decay":
        return lr0 * rate**ratio
    if name == "inverse_time_decay":
        return lr0 / (1 + rate * ratio)
    if name == "piecewise_constant_decay":
        boundaries = as_numbers(p.get("boundaries", schedules.REQUIRED_DEFAULTS["boundaries"]))
        values = p.get("values", schedules.REQUIRED_DEFAULTS["values"])
        return np.array([values[np.searchsorted(boundaries, step, side="left")] for step in k])
    if name == "cosine_decay" and not p.get("warmup_steps"):
        alpha = p.get("alpha", 0.0)
        cosine = 0.5 * (1 + np.cos(np.pi * np.minimum(k, decay_steps) / decay_steps))
        return lr0 * ((1 - alpha) * cosine + alpha)
    return None


def check_learning_rates(result, kwargs):
    name, steps = kwargs["name"], int(kwargs["steps"])
    given = {k: v for k, v in kwargs.items() if k not in ("name", "steps")}
    assert result.shape == (steps,) and result.dtype == np.float64
    finite(result)
    assert np.all(result >= 0)
    chosen, called = rates_by_calls(schedules.get(name, **given), steps)
    close(result[chosen], called, rtol=1e-6, atol=1e-9)
    expected = schedule_closed_form(name, given, steps)
    if expected is not None:
        close(result, expected, rtol=1e-5, atol=1e-7)


def check_schedule_get(result, kwargs):
    name = kwargs["name"]
    assert isinstance(result, schedules.keras_class(name))
    config = result.get_config()
    for key, value in kwargs.items():
        if key in ("name", "boundaries", "values") or value is None:
            continue
        assert config[key] == pytest.approx(value, rel=1e-6)
    finite(rates_by_calls(result, 1)[1])


def check_evaluate(result, kwargs):
    steps = int(kwargs["steps"])
    assert result.shape == (steps,) and result.dtype == np.float64
    chosen, called = rates_by_calls(kwargs["schedule"], steps)
    close(result[chosen], called, rtol=1e-6, atol=1e-9)


def check_keras_class(result, kwargs):
    assert issubclass(result, keras.optimizers.schedules.LearningRateSchedule)
    assert schedules._snake(result.__name__) == kwargs["name"]


def check_schedule_parameters(result, kwargs):
    init = inspect.signature(schedules.keras_class(kwargs["name"]).__init__).parameters
    assert list(result) == [p for p in init if p not in ("self", "name", "kwargs")]
    for key, value in result.items():
        default = init[key].default
        expected = (
            schedules.REQUIRED_DEFAULTS[key] if default is inspect.Parameter.empty else default
        )
        assert value == expected


def check_all_parameters(result, kwargs):
    every = {key for name in SCHEDULES for key in schedules.parameters(name)}
    assert set(result) == every and result["warmup_target"] == schedules.DEFAULT_LEARNING_RATE


@st.composite
def number_texts(draw):
    integer = draw(st.booleans())
    number = st.integers(0, 10**9) if integer else floats(-1e12, 1e12)
    numbers = draw(st.lists(number, min_size=1, max_size=6))
    separator = draw(st.sampled_from((", ", ",", " ", "; ", " ,  ")))
    text = separator.join(repr(n) for n in numbers)
    return {"argument": "boundaries", "text": text, "integer": integer, "numbers": numbers}


def check_parse_numbers(result, kwargs):
    assert result == tuple(kwargs["numbers"])
    assert all(type(n) is (int if kwargs["integer"] else float) for n in result)


def check_format_numbers(result, kwargs):
    values = [float(v) for v in kwargs["values"]]
    close(schedules.parse_numbers("values", result), values, rtol=1e-5, atol=0)


@st.composite
def widget_settings(draw):
    name = draw(st.sampled_from(SCHEDULES))
    settings = {**schedules.all_parameters(), **draw(schedule_params(name))}
    return {"name": name, "settings": settings}


def check_keras_parameters(result, kwargs):
    name, given = kwargs["name"], kwargs["settings"]
    assert set(result) <= set(schedules.parameters(name))
    warms = bool(given.get("warmup_steps", 0)) and "warmup_target" in schedules.parameters(name)
    assert ("warmup_target" in result) == warms
    for key, value in result.items():
        if key in ("boundaries", "values"):
            assert value == as_numbers(given[key], integer=key == "boundaries")
        else:
            assert value is given[key]


@st.composite
def comparisons(draw):
    name = draw(st.sampled_from(SCHEDULES))
    surface_name = draw(st.sampled_from(list(SURFACE_FORMS)))
    return {
        "name": name,
        "steps": draw(whole(2, 10)),
        "optimizer": draw(st.sampled_from(schedules.OPTIMIZERS)),
        "surface": surface_name,
        "learning_rate": draw(log_floats(1e-3, 0.05)),
    }


def check_compare(result, kwargs):
    assert set(result) == {"schedule", "steps", "learning_rates", "constant", "scheduled"}
    steps = int(kwargs["steps"])
    rates = schedules.learning_rates(kwargs["name"], steps)
    close(result["learning_rates"], rates, rtol=0, atol=0)
    start = optimizers.surface(kwargs["surface"]).start
    for run, rate in (("constant", kwargs["learning_rate"]), ("scheduled", rates)):
        same = optimizers.trajectory(kwargs["optimizer"], kwargs["surface"], start, rate, steps)
        close(result[run]["path"], same["path"], rtol=0, atol=0)
        final = np.inf if same["diverged_at"] is not None else same["loss"][-1]
        assert result[run]["final_loss"] == final


COSINE = {"name": "cosine_decay", "steps": 5}
PIECEWISE = {"name": "piecewise_constant_decay", "steps": 5}
BAD_SCHEDULES = ("cosine", None, 3)
SCHEDULE_CASES = {
    "schedules.names": Case(
        just(),
        lambda result, kwargs: (
            result == sorted(result, key=lambda n: (n.startswith("cosine"), n))
            and "cosine_decay" in result
            or pytest.fail(str(result))
        ),
        examples=1,
        no_invalid="no arguments",
    ),
    "schedules.keras_class": Case(
        st.sampled_from(SCHEDULES).map(lambda n: {"name": n}),
        check_keras_class,
        tuple(({"name": n}, "schedule") for n in BAD_SCHEDULES),
    ),
    "schedules.parameters": Case(
        st.sampled_from(SCHEDULES).map(lambda n: {"name": n}),
        check_schedule_parameters,
        tuple(({"name": n}, "schedule") for n in BAD_SCHEDULES),
    ),
    "schedules.all_parameters": Case(
        just(), check_all_parameters, examples=1, no_invalid="no arguments"
    ),
    "schedules.parse_numbers": Case(
        number_texts(),
        check_parse_numbers,
        tuple(
            ({"argument": "boundaries", "text": text}, "boundaries")
            for text in ("ten", "", None, "nan", "1e400", "1,,a", "inf")
        )
        + (({"argument": "boundaries", "text": "1.5, 3", "integer": True}, "boundaries"),),
        call=lambda argument, text, integer=False, numbers=None: schedules.parse_numbers(
            argument, text, integer
        ),
    ),
    "schedules.format_numbers": Case(
        st.lists(floats(-1e12, 1e12), min_size=1, max_size=6).map(lambda v: {"values": v}),
        check_format_numbers,
        refuse({}, "values", (None, 3, ["a"], [math.nan], "60, 120", [[1.0], [2.0, 3.0]])),
    ),
    "schedules.get": Case(
        SCHEDULE_KWARGS,
        check_schedule_get,
        tuple(({"name": n}, "schedule") for n in BAD_SCHEDULES)
        + refuse(
            {"name": "cosine_decay"}, "decay_steps", (0, 1.5, math.nan, "10", True, None, 2**40)
        )
        + refuse({"name": "cosine_decay"}, "alpha", (-0.5, 1.5, math.inf))
        + refuse({"name": "cosine_decay"}, "initial_learning_rate", (-0.1, math.inf, "0.1"))
        + refuse({"name": "exponential_decay"}, "staircase", ("yes", 1, None))
        + refuse(
            {"name": "piecewise_constant_decay"}, "boundaries", ("ten", [9, 3], [2**40], [1.5], [])
        )
        + refuse({"name": "piecewise_constant_decay"}, "values", ("0.1, 0.2", [0.1], ["a"] * 3))
        + (
            ({"name": "cosine_decay_restarts", "t_mul": 0.0}, "t_mul"),
            ({"name": "cosine_decay", "beta": 1.0}, "beta"),
        ),
    ),
    "schedules.evaluate": Case(
        st.tuples(SCHEDULE_KWARGS, whole(1, 25)).map(
            lambda t: {"schedule": schedules.get(**t[0]), "steps": t[1]}
        ),
        check_evaluate,
        refuse({"schedule": schedules.get("cosine_decay")}, "steps", (*BAD_STEPS, 10**6))
        + refuse({"steps": 3}, "schedule", (3, None, "cosine_decay")),
        examples=6,
    ),
    "schedules.learning_rates": Case(
        st.tuples(SCHEDULE_KWARGS, whole(1, 25)).map(lambda t: {**t[0], "steps": t[1]}),
        check_learning_rates,
        refuse(COSINE, "steps", (*BAD_STEPS, 10**6))
        + tuple(({"name": n, "steps": 5}, "schedule") for n in BAD_SCHEDULES)
        + refuse(COSINE, "decay_steps", (0, 1.5, math.nan, "10", True, 2**40))
        + refuse(COSINE, "warmup_steps", (-1, 0.5))
        + refuse(COSINE, "alpha", (-5.0, 2.0))
        + refuse(PIECEWISE, "boundaries", ("ten", "1.5, 3", [9, 3], [10**12]))
        + refuse(PIECEWISE, "values", ("0.1, 0.2", [1e300, 0.1, 0.1], [-0.1, 0.1, 0.1]))
        + (
            ({**COSINE, "initial_learning_rate": 1e300}, "initial_learning_rate"),
            ({**COSINE, "name": "exponential_decay", "decay_rate": -1.0}, "decay_rate"),
            ({**COSINE, "name": "polynomial_decay", "power": -1.0, "decay_steps": 3}, "power"),
            ({**COSINE, "name": "cosine_decay_restarts", "t_mul": 0.0}, "t_mul"),
            ({**COSINE, "name": "exponential_decay", "staircase": "yes"}, "staircase"),
        ),
        examples=8,
    ),
    "schedules.keras_parameters": Case(
        widget_settings(),
        check_keras_parameters,
        refuse({"name": "cosine_decay"}, "settings", (None, ["alpha"], "alpha"))
        + tuple(({"name": n, "settings": {}}, "schedule") for n in BAD_SCHEDULES)
        + (
            ({"name": "piecewise_constant_decay", "settings": {"boundaries": "ten"}}, "boundaries"),
        ),
    ),
    "schedules.compare": Case(
        comparisons(),
        check_compare,
        refuse({"name": "cosine_decay", "steps": 5}, "optimizer", ("lion", None))
        + refuse({"name": "cosine_decay"}, "steps", (0, True, 2.5))
        + refuse({"name": "cosine_decay", "steps": 5}, "learning_rate", (-1.0, "a", math.nan))
        + refuse(
            {"name": "cosine_decay", "steps": 5, "surface": "quadratic"},
            "start",
            ((9.0, 9.0), "ab"),
        )
        + refuse({"name": "cosine_decay", "steps": 5}, "surface", ("everest",))
        + tuple(({"name": n, "steps": 5}, "schedule") for n in BAD_SCHEDULES)
        + (({"name": "cosine_decay", "steps": 5, "decay_steps": 0}, "decay_steps"),),
        examples=3,
    ),
}

# -- scale ---------------------------------------------------------------------------


@st.composite
def configs(draw):
    n_heads = draw(st.integers(1, 8))
    n_kv_heads = draw(st.sampled_from([d for d in range(1, n_heads + 1) if n_heads % d == 0]))
    kwargs = {
        "n_layers": draw(whole(1, 128)),
        "d_model": n_heads * draw(st.integers(1, 256)),
        "n_heads": n_heads,
        "vocab_size": draw(whole(1, 200_000)),
        "seq_len": draw(whole(1, 131_072)),
    }
    kwargs["d_model"] = draw(st.sampled_from((kwargs["d_model"], np.int32(kwargs["d_model"]))))
    optional = {
        "d_ff": st.one_of(st.none(), whole(1, 60_000)),
        "n_kv_heads": st.just(n_kv_heads),
        "gated_mlp": st.booleans(),
        "tied_embeddings": st.booleans(),
        "learned_positions": st.booleans(),
        "biases": st.booleans(),
        "norm": st.sampled_from(scale.NORMS),
    }
    return {**kwargs, **draw(st.fixed_dictionaries({}, optional=optional))}


CONFIGS = st.one_of(
    st.sampled_from(list(scale.PRESETS)), configs().map(lambda k: scale.TransformerConfig(**k))
)


def params_by_hand(cfg):
    """Every matrix and vector of the model, counted one by one."""
    d, f, kv = cfg.d_model, cfg.d_ff, cfg.n_kv_heads * (cfg.d_model // cfg.n_heads)
    shapes = [(d, d), (d, kv), (d, kv), (d, d)] + [(d, f)] * (2 if cfg.gated_mlp else 1) + [(f, d)]
    block = sum(a * b for a, b in shapes)
    if cfg.biases:
        block += sum(b for _, b in shapes)
    norm = 2 * d if cfg.norm == "layernorm" else d
    total = cfg.n_layers * (block + 2 * norm) + norm + cfg.vocab_size * d
    total += cfg.seq_len * d if cfg.learned_positions else 0
    return total + (0 if cfg.tied_embeddings else cfg.vocab_size * d)


def check_config(result, kwargs):
    assert isinstance(result, scale.TransformerConfig)
    for name in ("n_layers", "d_model", "n_heads", "vocab_size", "seq_len", "d_ff", "n_kv_heads"):
        value = getattr(result, name)
        assert type(value) is int and value == (kwargs.get(name) or value)
    assert result.d_ff == (
        4 * int(kwargs["d_model"]) if kwargs.get("d_ff") is None else kwargs["d_ff"]
    )


def the_config(config):
    return scale.PRESETS[config].config if isinstance(config, str) else config


def check_get_config(result, kwargs):
    assert result == the_config(kwargs["config"])


def check_breakdown(result, kwargs):
    cfg = the_config(kwargs["config"])
    assert all(type(v) is int and v >= 0 for v in result.values())
    assert result["total"] == sum(v for k, v in result.items() if k != "total")
    assert result["total"] == params_by_hand(cfg)


def check_count_params(result, kwargs):
    assert type(result) is int and result == params_by_hand(the_config(kwargs["config"]))
    if isinstance(kwargs["config"], str):  # the published counts (GPT-3's to 4 figures)
        assert result == pytest.approx(scale.PRESETS[kwargs["config"]].published_params, rel=1e-4)


COUNTS = st.one_of(floats(1, 1e15), whole(1, 10**15), floats(1, 1e15).map(np.float32))


def check_flops(result, kwargs):
    assert result == pytest.approx(
        6 * float(kwargs["n_params"]) * float(kwargs["n_tokens"]), rel=1e-12
    )


def check_chinchilla_optimal(result, kwargs):
    n, d = result
    ratio = kwargs.get("tokens_per_param", 20.0)
    assert 6 * n * d == pytest.approx(kwargs["flops"], rel=1e-9) and d == pytest.approx(ratio * n)


def check_chinchilla_loss(result, kwargs):
    n, d = float(kwargs["n_params"]), float(kwargs["n_tokens"])
    fit = scale.CHINCHILLA_FIT
    assert result > fit["E"]
    assert result > scale.chinchilla_loss(2 * n, d) and result > scale.chinchilla_loss(n, 2 * d)


def check_memory(result, kwargs):
    p, stage = float(kwargs["n_params"]), kwargs.get("zero_stage", 0)
    devices = int(kwargs.get("n_devices", 1))
    sharded = {0: (), 1: ("optimizer_states",), 2: ("optimizer_states", "gradients")}.get(
        stage, ("optimizer_states", "gradients", "weights")
    )
    for part, size in (("weights", 2), ("gradients", 2), ("optimizer_states", 12)):
        assert result[part] == pytest.approx(size * p / (devices if part in sharded else 1))
    assert result["total"] == pytest.approx(
        result["weights"] + result["gradients"] + result["optimizer_states"]
    )


def kv_by_hand(kwargs):
    cfg = the_config(kwargs["config"])
    seq_len = kwargs.get("seq_len") or cfg.seq_len
    head_dim = cfg.d_model // cfg.n_heads
    values = (
        2 * cfg.n_layers * cfg.n_kv_heads * head_dim * int(seq_len) * int(kwargs.get("batch", 1))
    )
    return values * kwargs.get("bytes_per_value", 2)


def check_kv_cache(result, kwargs):
    assert result == kv_by_hand(kwargs) and result > 0


def check_inference(result, kwargs):
    size = kwargs.get("bytes_per_value", 2)
    assert result["weights"] == scale.count_params(kwargs["config"]) * size
    assert result["kv_cache"] == kv_by_hand(kwargs)
    assert result["total"] == result["weights"] + result["kv_cache"]


def check_training_days(result, kwargs):
    work = (
        result * 86400 * int(kwargs["n_devices"]) * kwargs["peak_flops_per_device"] * kwargs["mfu"]
    )
    assert result > 0 and work == pytest.approx(kwargs["flops"], rel=1e-9)


@st.composite
def growths(draw):
    n = draw(st.integers(2, 10))
    years = draw(
        st.lists(floats(1950, 2030), min_size=n, max_size=n, unique_by=lambda y: round(y, 2))
    )
    slope, start = draw(floats(-1, 1)), draw(floats(-3, 30))
    values = [10 ** (start + slope * (y - 1950)) for y in years]
    return {"years": years, "values": values, "slope": slope}


def check_fit(result, kwargs):
    slope = kwargs["slope"]
    assert result["slope"] == pytest.approx(slope, abs=1e-6)
    assert result["factor_per_year"] == pytest.approx(10 ** result["slope"])
    assert result["doubling_months"] == (
        pytest.approx(12 * math.log10(2) / result["slope"]) if result["slope"] > 0 else math.inf
    )
    close(scale.exponential_growth(kwargs["years"], result), kwargs["values"], rtol=1e-6)


def check_exponential_growth(result, kwargs):
    growth, years = kwargs["growth"], np.asarray(kwargs["years"])
    finite(result)
    close(result, [10 ** (growth["slope"] * y + growth["intercept"]) for y in years], rtol=1e-9)


KV = {"config": "gpt2-small", "batch": 1, "seq_len": 10}
BAD_COUNTS = (*NOT_NUMBERS, 0, -1)
BAD_SIZES = (0, -1, 1.5, "12", None, True, math.inf)
DAYS = {"flops": 1e20, "n_devices": 8, "peak_flops_per_device": 312e12, "mfu": 0.4}
TOKENS = {"n_params": 1e9, "n_tokens": 2e10}
SMALL = {"n_layers": 2, "d_model": 8, "n_heads": 2, "vocab_size": 10, "seq_len": 4}
BAD_CONFIGS = ("gpt-5", None, 3, {"n_layers": 2})
GROWTH = {"slope": 0.1, "intercept": -190.0}
SCALE_CASES = {
    "scale.TransformerConfig": Case(
        configs(),
        check_config,
        refuse(SMALL, "n_layers", BAD_SIZES)
        + refuse(SMALL, "vocab_size", (0, 2.0, "10"))
        + refuse(SMALL, "d_ff", (0, -3, 1.5))
        + (({**SMALL, "n_heads": 3}, "n_heads"), ({**SMALL, "n_kv_heads": 3}, "n_kv_heads"))
        + refuse(SMALL, "norm", ("batchnorm", None))
        + refuse(SMALL, "biases", (2, "yes", None))
        + refuse(SMALL, "gated_mlp", ("no", 1)),
        call=scale.TransformerConfig,
        examples=30,
    ),
    "scale.get_config": Case(
        CONFIGS.map(lambda c: {"config": c}), check_get_config, refuse({}, "config", BAD_CONFIGS)
    ),
    "scale.param_breakdown": Case(
        CONFIGS.map(lambda c: {"config": c}),
        check_breakdown,
        refuse({}, "config", BAD_CONFIGS),
        examples=30,
    ),
    "scale.count_params": Case(
        CONFIGS.map(lambda c: {"config": c}),
        check_count_params,
        refuse({}, "config", BAD_CONFIGS),
        examples=30,
    ),
    "scale.training_flops": Case(
        st.fixed_dictionaries({"n_params": COUNTS, "n_tokens": COUNTS}),
        check_flops,
        refuse(TOKENS, "n_params", BAD_COUNTS)
        + refuse(TOKENS, "n_tokens", BAD_COUNTS)
        + (({"n_params": 1e200, "n_tokens": 1e200}, "n_tokens"),),
    ),
    "scale.chinchilla_optimal": Case(
        st.fixed_dictionaries(
            {"flops": floats(1, 1e30)}, optional={"tokens_per_param": floats(0.1, 1000)}
        ),
        check_chinchilla_optimal,
        refuse({}, "flops", BAD_COUNTS)
        + refuse({"flops": 1e20}, "tokens_per_param", BAD_COUNTS)
        + (({"flops": 1e300, "tokens_per_param": 1e-300}, "tokens_per_param"),),
    ),
    "scale.chinchilla_tokens": Case(
        st.fixed_dictionaries(
            {"n_params": COUNTS}, optional={"tokens_per_param": floats(0.1, 1000)}
        ),
        lambda result, kwargs: (
            result
            == pytest.approx(kwargs.get("tokens_per_param", 20.0) * float(kwargs["n_params"]))
            or pytest.fail(str(result))
        ),
        refuse({}, "n_params", BAD_COUNTS)
        + refuse({"n_params": 1e9}, "tokens_per_param", BAD_COUNTS)
        + (({"n_params": 1e300, "tokens_per_param": 1e300}, "tokens_per_param"),),
    ),
    "scale.preset_training_tokens": Case(
        st.sampled_from(list(scale.PRESETS)).map(lambda p: {"preset": p}),
        lambda result, kwargs: (
            result
            == (
                scale.PRESETS[kwargs["preset"]].training_tokens
                or 20 * scale.PRESETS[kwargs["preset"]].published_params
            )
            or pytest.fail(str(result))
        ),
        refuse({}, "preset", ("gpt-5", None, 3)),
    ),
    "scale.tokens_per_param": Case(
        st.fixed_dictionaries({"n_tokens": COUNTS, "n_params": COUNTS}),
        lambda result, kwargs: (
            result == pytest.approx(float(kwargs["n_tokens"]) / float(kwargs["n_params"]))
            or pytest.fail(str(result))
        ),
        refuse(TOKENS, "n_tokens", BAD_COUNTS)
        + refuse(TOKENS, "n_params", BAD_COUNTS)
        + (({"n_tokens": 1e300, "n_params": 1e-300}, "n_params"),),
    ),
    "scale.chinchilla_loss": Case(
        st.fixed_dictionaries({"n_params": COUNTS, "n_tokens": COUNTS}),
        check_chinchilla_loss,
        refuse(TOKENS, "n_params", BAD_COUNTS) + refuse(TOKENS, "n_tokens", BAD_COUNTS),
    ),
    "scale.training_memory_breakdown": Case(
        st.fixed_dictionaries(
            {"n_params": COUNTS},
            optional={
                "zero_stage": st.sampled_from(scale.ZERO_STAGES),
                "n_devices": whole(1, 4096),
            },
        ),
        check_memory,
        refuse({"n_params": 1e9}, "zero_stage", (4, -1, 0.5, "1", None, True))
        + refuse({"n_params": 1e9}, "n_devices", BAD_SIZES)
        + refuse({}, "n_params", BAD_COUNTS)
        + (({"n_params": 1e308}, "n_params"),),
    ),
    "scale.training_memory_bytes": Case(
        st.fixed_dictionaries(
            {"n_params": COUNTS},
            optional={
                "zero_stage": st.sampled_from(scale.ZERO_STAGES),
                "n_devices": whole(1, 4096),
            },
        ),
        lambda result, kwargs: (
            result == scale.training_memory_breakdown(**kwargs)["total"] or pytest.fail(str(result))
        ),
        refuse({"n_params": 1e9}, "zero_stage", (4, True))
        + refuse({"n_params": 1e9}, "n_devices", (0, 2.5))
        + refuse({}, "n_params", (0, math.nan)),
    ),
    "scale.kv_cache_bytes": Case(
        st.fixed_dictionaries(
            {"config": CONFIGS, "batch": whole(1, 512), "seq_len": whole(1, 131_072)},
            optional={"bytes_per_value": st.sampled_from((1, 2, 4, 0.5))},
        ),
        check_kv_cache,
        refuse(KV, "batch", BAD_SIZES)
        + refuse(KV, "seq_len", BAD_SIZES)
        + refuse(KV, "bytes_per_value", BAD_COUNTS)
        + refuse(KV, "config", BAD_CONFIGS)
        + (({**KV, "bytes_per_value": 1e308, "batch": 10**6}, "bytes_per_value"),),
        examples=30,
    ),
    "scale.inference_memory": Case(
        st.fixed_dictionaries(
            {"config": CONFIGS},
            optional={
                "batch": whole(1, 512),
                "seq_len": whole(1, 131_072),
                "bytes_per_value": st.sampled_from((1, 2, 4)),
            },
        ),
        check_inference,
        refuse(KV, "batch", BAD_SIZES)
        + refuse(KV, "seq_len", (0, -1, 2.5, "10"))
        + refuse(KV, "bytes_per_value", BAD_COUNTS)
        + refuse(KV, "config", BAD_CONFIGS),
        examples=30,
    ),
    "scale.training_days": Case(
        st.fixed_dictionaries(
            {
                "flops": floats(1, 1e30),
                "n_devices": whole(1, 100_000),
                "peak_flops_per_device": floats(1e9, 1e16),
                "mfu": floats(0.01, 1),
            }
        ),
        check_training_days,
        refuse(DAYS, "mfu", (*NOT_NUMBERS, 0.0, 1.5, -0.2))
        + refuse(DAYS, "flops", BAD_COUNTS)
        + refuse(DAYS, "n_devices", BAD_SIZES)
        + refuse(DAYS, "peak_flops_per_device", BAD_COUNTS)
        + (({**DAYS, "flops": 1e308, "peak_flops_per_device": 1e-300, "mfu": 1e-10}, "flops"),),
    ),
    "scale.device_hours": Case(
        st.fixed_dictionaries({"days": floats(1e-3, 1e4), "n_devices": whole(1, 100_000)}),
        lambda result, kwargs: (
            result == pytest.approx(kwargs["days"] * 24 * int(kwargs["n_devices"]))
            or pytest.fail(str(result))
        ),
        refuse({"n_devices": 8}, "days", BAD_COUNTS)
        + refuse({"days": 1.0}, "n_devices", BAD_SIZES)
        + (({"days": 1e307, "n_devices": 1000}, "days"),),
    ),
    "scale.fit_exponential_growth": Case(
        growths(),
        lambda result, kwargs: check_fit(result, kwargs),
        refuse(
            {"values": [1.0, 2.0]},
            "years",
            (*NOT_ARRAYS, [2020.0, 2020.0], [[2000, 2001]], [2000.0]),
        )
        + refuse(
            {"years": [2000.0, 2001.0]},
            "values",
            (*NOT_ARRAYS, [1.0, -1.0], [1.0, 0.0], [1.0, 2.0, 3.0]),
        )
        + (({"years": [2020.0, 2020.0 + 1e-12], "values": [1.0, 1e300]}, "years"),),
        call=lambda years, values, slope=None: scale.fit_exponential_growth(years, values),
        examples=20,
    ),
    "scale.exponential_growth": Case(
        st.fixed_dictionaries(
            {
                "years": arrays(1950, 2030, 0, 8),
                "growth": st.fixed_dictionaries({"slope": floats(-0.5, 0.5)}).map(
                    lambda g: {**g, "intercept": -g["slope"] * 2000}
                ),
            }
        ),
        check_exponential_growth,
        refuse(
            {"years": [2000.0]},
            "growth",
            (
                {},
                None,
                {"slope": 1.0},
                {"slope": "a", "intercept": 0.0},
                {"slope": math.nan, "intercept": 0.0},
            ),
        )
        + refuse({"growth": GROWTH}, "years", ("ab", None, [math.nan], [[1.0], [2.0, 3.0]]))
        + (({"years": [5000.0], "growth": GROWTH}, "years"),),
    ),
}

# -- initializers --------------------------------------------------------------------

SHAPES = st.lists(whole(1, 12), min_size=1, max_size=3).map(tuple)


def glorot_limit(shape):
    return math.sqrt(6 / (int(shape[0]) + int(shape[-1])))


def check_uniform_draw(result, shape, limit):
    assert result.dtype == np.float32 and result.shape == tuple(int(s) for s in shape)
    assert np.all(np.abs(result) <= np.float32(limit))


def check_glorot(result, kwargs):
    check_uniform_draw(result, kwargs["shape"], glorot_limit(kwargs["shape"]))


def check_uniform(result, kwargs):
    check_uniform_draw(result, kwargs["shape"], kwargs["limit"])


def seeded(kwargs):
    return {**kwargs, "rng": np.random.default_rng(kwargs["seed"])}


def check_numpy_glorot(result, kwargs):
    limit = kwargs.get("limit")
    check_uniform_draw(
        result, kwargs["shape"], glorot_limit(kwargs["shape"]) if limit is None else limit
    )
    # The same seed draws the same weights as the functions (one network on every backend).
    rng = np.random.default_rng(kwargs["seed"])
    expected = (
        initializers.glorot_uniform(rng, kwargs["shape"])
        if limit is None
        else initializers.uniform(rng, kwargs["shape"], limit)
    )
    np.testing.assert_array_equal(result, expected)


RNG = np.random.default_rng(0)
BAD_SHAPES = ("ab", None, (-1, 2), (2.5,), ((2,), (3, 4)), (math.nan,))
BAD_RNGS = (0, None, "seed", np.random.RandomState(0))
INITIALIZER_CASES = {
    "initializers.glorot_uniform": Case(
        st.tuples(rngs(), SHAPES).map(lambda t: {"rng": t[0], "shape": t[1]}),
        check_glorot,
        refuse({"rng": RNG}, "shape", (*BAD_SHAPES, (), (0, 0)))
        + refuse({"shape": (2, 2)}, "rng", BAD_RNGS),
    ),
    "initializers.uniform": Case(
        st.tuples(rngs(), SHAPES, floats(0, 10)).map(
            lambda t: {"rng": t[0], "shape": t[1], "limit": t[2]}
        ),
        check_uniform,
        refuse({"rng": RNG, "shape": (2,)}, "limit", (*NOT_NUMBERS, -1.0, 1e300))
        + refuse({"rng": RNG, "limit": 1.0}, "shape", BAD_SHAPES)
        + refuse({"shape": (2,), "limit": 1.0}, "rng", BAD_RNGS),
    ),
    "initializers.NumpyGlorotUniform": Case(
        st.fixed_dictionaries(
            {"seed": st.integers(0, 2**32 - 1), "shape": SHAPES},
            optional={"limit": st.one_of(st.none(), floats(0, 1))},
        ),
        check_numpy_glorot,
        refuse({"seed": 0, "shape": (2, 2)}, "limit", (-1.0, math.nan, "0.05", 1e300))
        + refuse({"seed": 0}, "shape", (*BAD_SHAPES, ()))
        + refuse({"shape": (2, 2)}, "rng", BAD_RNGS),
        call=lambda shape, seed=None, rng=None, **kwargs: initializers.NumpyGlorotUniform(
            np.random.default_rng(seed) if rng is None and seed is not None else rng, **kwargs
        )(shape),
    ),
    "initializers.Zeros": Case(
        st.lists(whole(0, 12), max_size=3).map(lambda s: {"shape": tuple(s)}),
        lambda result, kwargs: (
            (
                result.dtype == np.float32
                and result.shape == tuple(int(s) for s in kwargs["shape"])
                and not result.any()
            )
            or pytest.fail(str(result))
        ),
        refuse({}, "shape", BAD_SHAPES),
        call=lambda shape: initializers.Zeros()(shape),
    ),
}

# -- the table -------------------------------------------------------------------------

CASES = {
    **PARAMS_CASES,
    **ACTIVATION_CASES,
    **LOSS_CASES,
    **METRIC_CASES,
    **NEURON_CASES,
    **OPTIMIZER_CASES,
    **SAMPLING_CASES,
    **SCHEDULE_CASES,
    **SCALE_CASES,
    **INITIALIZER_CASES,
}
EXEMPT = {
    "optimizers.Surface": "a frozen record of SURFACES, no code: surface() checks each record",
    "scale.Preset": "a published model's record: count_params checks each against its count",
    "scale.Hardware": "an accelerator's datasheet record, no computation",
}


def function_of(key):
    module_name, name = key.split(".")
    return getattr(globals()[module_name], name)


def call(key, kwargs):
    case = CASES[key]
    return (case.call or function_of(key))(**kwargs)


def test_every_public_name_has_a_case():
    public = {
        f"{module.__name__.rsplit('.', 1)[1]}.{name}"
        for module in MODULES
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    }
    assert not public - set(CASES) - set(EXEMPT), "public names without a case"
    assert not (set(CASES) | set(EXEMPT)) - public, "cases of names that are gone"
    assert not set(CASES) & set(EXEMPT)


@pytest.mark.parametrize("key", list(CASES))
def test_valid_arguments_give_finite_meaningful_numbers(key):
    case = CASES[key]

    @settings(
        max_examples=case.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case.valid)
    def run(kwargs):
        case.check(call(key, kwargs), kwargs)

    run()


def assert_refusal_in_keras_words(message, argument):
    assert argument in message, f"does not name {argument}"
    received = re.search("received", message, re.IGNORECASE)
    unknown = re.search(rf"has no (parameter|setting) {re.escape(argument)}\b", message)
    assert received or unknown, "does not say what it received"
    assert re.search(r"must|Valid|should|needs", message), "does not say what is allowed"


@pytest.mark.parametrize("key", list(CASES))
def test_invalid_arguments_are_refused_in_keras_words(key):
    case = CASES[key]
    assert case.invalid or case.no_invalid, "a case needs invalid arguments or a reason"
    failures = []
    for kwargs, argument in case.invalid:
        try:
            result = call(key, kwargs)
        except (ValueError, TypeError) as error:
            try:
                assert_refusal_in_keras_words(str(error), argument)
            except AssertionError as reason:
                failures.append(f"{kwargs!r}: {reason}: {type(error).__name__}: {error}")
        except Exception as error:  # noqa: BLE001 - reported with the arguments
            failures.append(f"{kwargs!r}: raised {type(error).__name__}: {error}")
        else:
            failures.append(f"{kwargs!r}: accepted, returned {result!r:.200}")
    assert not failures, "\n".join(failures)
