"""Activation functions as Keras computes them, with their derivatives by autodiff.

Every scalar (elementwise) activation in ``keras.activations`` is offered, found
in the installed Keras rather than copied from a list, so a newer Keras brings
its new activations along. Activations that mix a vector (softmax, glu, ...)
are left out: they have no curve f(x).

This is the registry of activations: ``names()`` lists them, ``get(name, **params)``
gives the Keras function. Other modules offer curated subsets of ``names()``.
"""

import functools
import inspect

from lmwidgets import backend
from lmwidgets.core.choices import check_choice
from lmwidgets.core.params import (
    check_array,
    check_finite_result,
    check_number,
    merge_params,
    shown,
)

import numpy as np

# The classic ones first, in the order a course meets them; the rest follow by name.
_FAMILIAR = (
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "softsign",
    "sigmoid",
    "hard_sigmoid",
    "hard_silu",
    "tanh",
    "exponential",
    "linear",
)
# Functions of a whole vector (not elementwise), helpers; aliases of listed names (ALIASES).
_NOT_SCALAR = {"softmax", "log_softmax", "sparsemax", "glu"}
_NOT_ACTIVATIONS = {"get", "serialize", "deserialize"}
ALIASES = {"swish": "silu", "hard_swish": "hard_silu"}
_VECTOR_ARGUMENTS = {"x", "axis"}
# Keras requires these arguments without giving a default; these make a readable curve.
_REQUIRED_DEFAULTS = {"threshold": {"threshold": 0.0, "default_value": 0.0}}
# Arguments that cannot be a slider value (None means "no cap").
_NOT_TUNABLE = {"relu": {"max_value"}}
# Lower bounds (value, excluded) of parameters Keras divides by or takes a root of.
_LOWER_BOUNDS = {("celu", "alpha"): (0.0, True), ("squareplus", "b"): (0.0, False)}


def _keras_activations():
    import keras

    return keras.activations


def names():
    """Every scalar activation the installed Keras offers, familiar ones first."""
    module = _keras_activations()
    found = {
        name
        for name in dir(module)
        if not name.startswith("_")
        and callable(getattr(module, name))
        and name not in _NOT_SCALAR | _NOT_ACTIVATIONS
        and name not in ALIASES
    }
    familiar = [name for name in _FAMILIAR if name in found]
    return familiar + sorted(found - set(familiar))


def canonical_name(name):
    """The listed name for ``name`` (aliases such as swish map to silu); ValueError if unknown."""
    if isinstance(name, str):
        name = ALIASES.get(name, name)
    return check_choice("activation", name, names())


def get(name, **params):
    """The Keras activation function ``keras.activations.<name>``, validated.

    With ``params`` (e.g. ``get("elu", alpha=0.5)``) the function with those
    parameters bound, still named after the activation. Aliases (swish) give the
    listed function (silu). Unknown names or parameters raise ValueError listing
    the valid ones.
    """
    name = canonical_name(name)
    function = getattr(_keras_activations(), name)
    checked = _checked_parameters(name, params)
    bound = {
        key: value
        for key, value in checked.items()
        if key in params or key in _REQUIRED_DEFAULTS.get(name, {})
    }
    if not bound:
        return function
    return functools.update_wrapper(functools.partial(function, **bound), function)


def parameters(name):
    """The activation's tunable parameters and their defaults, e.g. ``{"alpha": 1.0}``."""
    name = canonical_name(name)
    signature = inspect.signature(getattr(_keras_activations(), name))
    found = dict(_REQUIRED_DEFAULTS.get(name, {}))
    for parameter in signature.parameters.values():
        if parameter.name in _VECTOR_ARGUMENTS or parameter.name in _NOT_TUNABLE.get(name, ()):
            continue
        if parameter.default is not inspect.Parameter.empty:
            found[parameter.name] = parameter.default
    return found


def _checked_parameters(name, given):
    defaults = parameters(name)
    merged = merge_params(name, defaults, given)
    for key, value in merged.items():
        if isinstance(defaults[key], bool):
            if not isinstance(value, bool | np.bool_):
                raise ValueError(
                    f"{name}'s {key} must be True or False. Received: {key}={shown(value)}."
                )
            merged[key] = bool(value)
            continue
        low, excluded = _LOWER_BOUNDS.get((name, key), (None, False))
        try:
            merged[key] = check_number(key, value, low=low, low_open=excluded)
        except ValueError:
            bound = "" if low is None else f" {'>' if excluded else '>='} {low:g}"
            raise ValueError(
                f"{name}'s {key} must be a finite number{bound}. Received: {key}={shown(value)}."
            ) from None
    return merged


def evaluate(name, x, **params):
    """``(y, dy)``: the Keras activation at ``x`` and its derivative, as float32 numpy arrays.

    ``y`` is ``keras.activations.<name>(x, **params)``; ``dy`` comes from the
    backend's autodiff (``lmwidgets.backend.compiled_value_and_gradient``), not from a
    formula here.
    """
    name = canonical_name(name)
    params = _checked_parameters(name, params)
    function = getattr(_keras_activations(), name)
    x = check_array("x", x, ndim=None, min_size=0, dtype="float32")
    y, dy = backend.compiled_value_and_gradient(function, x, **params)
    y, dy = np.asarray(y, dtype="float32"), np.asarray(dy, dtype="float32")
    return check_finite_result(f"{name}(x) and slope in float32", (y, dy), x=x, **params)


def gradient_regions(dy, vanishing=0.01):
    """Where a unit stops learning, as boolean masks over ``dy``.

    ``{"dead": f'(x) == 0, "saturated": 0 < |f'(x)| < vanishing}``.
    """
    dy = np.abs(check_array("dy", dy, ndim=None, min_size=0))
    check_number("vanishing", vanishing, low=0, low_open=True)
    return {"dead": dy == 0, "saturated": (dy > 0) & (dy < vanishing)}
