"""Loss functions as Keras computes them, their slopes by autodiff, and a robust line fit.

Regression losses are drawn against the error ``y_pred - y_true``; classification
losses against the prediction ``p`` for a true label 0 or 1. Every value comes from
``keras.losses``, every derivative from the backend's autodiff.

This is the registry of losses: ``names()`` lists every loss function the installed
Keras offers (``names("regression")`` and ``names("classification")`` the two families
drawn here), ``get(name, **params)`` gives the Keras function. Other modules offer
curated subsets of ``names()``.
"""

import functools
import inspect
import math
from numbers import Real

from lmwidgets import backend
from lmwidgets.core.choices import check_choice
from lmwidgets.core.params import check_array, check_finite_result, check_number, merge_params

import numpy as np

# The two families drawn as curves: name -> the keyword arguments a learner may tune,
# with Keras' defaults. Regression losses of the error y_pred - y_true:
REGRESSION = {
    "mean_squared_error": {},
    "mean_absolute_error": {},
    "huber": {"delta": 1.0},
    "log_cosh": {},
}
# classification losses of a predicted probability for a true label 0 or 1:
CLASSIFICATION = {
    "binary_crossentropy": {"label_smoothing": 0.0},
    "binary_focal_crossentropy": {"gamma": 2.0, "label_smoothing": 0.0},
    "hinge": {},
    "squared_hinge": {},
}
FAMILIES = {"regression": REGRESSION, "classification": CLASSIFICATION}
# The classic ones first, in the order a course meets them; the rest follow by name.
_FAMILIAR = (
    *REGRESSION,
    *CLASSIFICATION,
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "categorical_hinge",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "kl_divergence",
    "poisson",
    "cosine_similarity",
)
# Helpers of keras.losses that are not losses.
_NOT_LOSSES = {"get", "serialize", "deserialize"}
_POSITIVE = {"delta"}
_NON_NEGATIVE = {"gamma"}
_UNIT_INTERVAL = {"label_smoothing"}


def _keras_losses():
    import keras

    return keras.losses


def names(family=None):
    """Loss names, familiar ones first.

    ``family=None``: every loss function the installed Keras offers (lower-case
    names in ``keras.losses``). ``"regression"`` or ``"classification"``: the losses
    this module draws as curves (``REGRESSION``, ``CLASSIFICATION``).
    """
    if family is not None:
        return list(FAMILIES[check_choice("family", family, FAMILIES)])
    module = _keras_losses()
    found = {
        name
        for name in dir(module)
        if not name.startswith("_")
        and name.islower()
        and callable(getattr(module, name))
        and name not in _NOT_LOSSES
    }
    familiar = [name for name in _FAMILIAR if name in found]
    return familiar + sorted(found - set(familiar))


def parameters(name):
    """The loss's keyword arguments and Keras' defaults, e.g. ``{"delta": 1.0}`` for huber."""
    check_choice("loss", name, names())
    signature = inspect.signature(getattr(_keras_losses(), name))
    return {
        p.name: p.default
        for p in signature.parameters.values()
        if p.name not in ("y_true", "y_pred") and p.default is not inspect.Parameter.empty
    }


def _check_value(key, value):
    expected = "> 0" if key in _POSITIVE else ">= 0" if key in _NON_NEGATIVE else "in [0, 1]"
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not math.isfinite(value)
        or (key in _POSITIVE and value <= 0)
        or (key in _NON_NEGATIVE and value < 0)
        or (key in _UNIT_INTERVAL and not 0 <= value <= 1)
    ):
        raise ValueError(f"{key} must be {expected}. Received: {key}={value!r}.")
    return float(value)


def get(name, **params):
    """The Keras loss function ``keras.losses.<name>``, validated.

    It returns one loss per example (no reduction), as ``model.compile`` accepts it.
    With ``params`` (e.g. ``get("huber", delta=0.5)``) the function with those
    bound, still named after the loss. Unknown names or parameters raise ValueError
    listing the valid ones.
    """
    check_choice("loss", name, names())
    function = getattr(_keras_losses(), name)
    if not params:
        return function
    merge_params(name, parameters(name), params)
    for key, value in params.items():
        if key in _POSITIVE | _NON_NEGATIVE | _UNIT_INTERVAL:
            _check_value(key, value)
    return functools.update_wrapper(functools.partial(function, **params), function)


def _keras_loss(name, family):
    kind = "regression" if family is REGRESSION else "classification"
    check_choice(f"{kind} loss", name, family)
    return get(name)


def _checked_params(name, family, given):
    merged = merge_params(name, family[name], given)
    return {key: _check_value(key, value) for key, value in merged.items()}


def regression_curve(name, errors, **params):
    """``(loss, dloss)`` at each error ``e = y_pred - y_true``, as float32 numpy arrays.

    ``loss[i]`` is ``keras.losses.<name>([0], [e_i], **params)``; ``dloss`` is its
    derivative with respect to the prediction, by autodiff.
    """
    loss = _keras_loss(name, REGRESSION)
    params = _checked_params(name, REGRESSION, params)
    errors = check_array("errors", errors, dtype="float32")
    del loss  # checked; the compiled function looks it up by name
    values, slopes = backend.compiled_value_and_gradient(
        _regression_per_point, errors, loss_name=name, **params
    )
    return np.asarray(values, dtype="float32"), np.asarray(slopes, dtype="float32")


def _regression_per_point(errors, loss_name, **params):
    """One loss per error, the truth 0: compiled once per loss (its float parameters are
    inputs, so a new delta runs the same program)."""
    import keras

    y_pred = keras.ops.expand_dims(errors, -1)
    return get(loss_name)(keras.ops.zeros_like(y_pred), y_pred, **params)


def _classification_per_point(p, loss_name, labels, **params):
    """One loss per prediction, ``p`` holding one copy of the predictions per label."""
    import keras

    y_true = np.repeat(np.array(labels, dtype="float32"), p.shape[0] // len(labels))[:, None]
    return get(loss_name)(y_true, keras.ops.expand_dims(p, -1), **params)


def classification_curve(name, p, label, **params):
    """``(loss, dloss)`` at each prediction ``p`` in [0, 1] for a true ``label`` 0 or 1.

    The prediction goes to ``keras.losses.<name>`` as ``y_pred``. The cross-entropies
    read it as a probability (Keras clips it to [1e-7, 1 - 1e-7]); hinge and
    squared_hinge read it as a score and turn the label 0/1 into -1/+1.
    """
    try:
        binary = label in (0, 1)
    except (TypeError, ValueError):  # an array, compared elementwise
        binary = False
    if not binary:
        raise ValueError(f"label must be 0 or 1. Received: label={label!r}.")
    return _classification(name, p, (label,), params)[label]


def classification_curves(name, p, **params):
    """``{1: (loss, dloss), 0: (loss, dloss)}``: ``classification_curve`` for both labels,
    in one autodiff pass."""
    return _classification(name, p, (1, 0), params)


def _classification(name, p, labels, params):
    loss = _keras_loss(name, CLASSIFICATION)
    params = _checked_params(name, CLASSIFICATION, params)
    p = check_array("p", p, dtype="float32", low=0, high=1)
    del loss  # checked; the compiled function looks it up by name
    values, slopes = backend.compiled_value_and_gradient(
        _classification_per_point, np.tile(p, len(labels)), loss_name=name,
        labels=tuple(labels), **params,
    )  # fmt: skip
    values = np.asarray(values, dtype="float32").reshape(len(labels), p.size)
    slopes = np.asarray(slopes, dtype="float32").reshape(len(labels), p.size)
    return {label: (values[i], slopes[i]) for i, label in enumerate(labels)}


FIT_STEPS = 400
GAIN_PER_SPREAD = 0.1


@functools.lru_cache(maxsize=32)
def _compiled_fit(name):
    """A compiled run of ``FIT_STEPS`` gradient-descent steps fitting a line under one loss.

    The data and the loss's parameters are inputs of the run, so a new outlier or
    a new delta reuses the compiled code.
    """
    import keras

    loss = _keras_loss(name, REGRESSION)
    # Plain gradient descent, its step decaying to zero: it settles on the minimum even
    # for the mean absolute error, whose slope never shrinks near it.
    optimizer = keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.CosineDecay(0.5, FIT_STEPS, alpha=0.0)
    )
    variable = keras.Variable(np.zeros(2, dtype="float32"))
    optimizer.build([variable])
    state = [keras.ops.copy(v.value) for v in optimizer.variables]

    def step(carry):
        line, optimizer_state, x, y, params, gain = carry

        def total(line):
            prediction = line[0] * x + line[1]
            return keras.ops.mean(loss(y[:, None], prediction[:, None], **params))

        value, grad = backend.value_and_grad_function(total)(line)
        (line_next,), optimizer_state = backend.stateless_apply(
            optimizer,
            [variable],
            [keras.ops.copy(v) for v in optimizer_state],
            [grad * gain],
            [keras.ops.copy(line)],
        )
        return (line_next, optimizer_state, x, y, params, gain), (value,)

    return backend.compiled_loop(step, FIT_STEPS), state


def robust_fit(x, y, loss, **params):
    """Fit ``y ≈ slope * x + intercept`` with Keras under a regression loss.

    Gradient descent (``keras.optimizers.SGD``, cosine-decayed step) minimises the mean
    ``keras.losses.<loss>``
    with x standardised, then the line is mapped back to the data's units. Returns
    ``{"slope", "intercept", "loss"}``, the loss being the mean loss of the final line.
    """
    import keras

    _keras_loss(loss, REGRESSION)
    params = _checked_params(loss, REGRESSION, params)
    x = check_array("x", x, min_size=2, dtype="float32").astype("float64")
    y = check_array("y", y, dtype="float32").astype("float64")
    if x.size != y.size:
        raise ValueError(
            f"x and y must have the same length. Received: {x.size} x values, {y.size} y values."
        )
    # Only x is rescaled, and y shifted: the losses compare residuals in y's own units
    # (huber's delta, log_cosh's bend), so y must keep its scale.
    x_center, x_scale = x.mean(), x.std() or 1.0
    y_center = y.mean()
    run, state = _compiled_fit(loss)
    params_in = {
        key: keras.ops.convert_to_tensor(value, "float32") for key, value in params.items()
    }
    x_std = keras.ops.convert_to_tensor(((x - x_center) / x_scale).astype("float32"))
    y_centered = keras.ops.convert_to_tensor((y - y_center).astype("float32"))
    start = keras.ops.zeros((2,), dtype="float32")
    # The slope of the mean squared error grows with the residuals; the other losses' slopes
    # are at most 1 per point, so their steps grow with y's spread to reach the line.
    spread = np.abs(y - y_center).max()
    gain = 1.0 if loss == "mean_squared_error" else max(1.0, GAIN_PER_SPREAD * spread)
    gain = keras.ops.convert_to_tensor(gain, "float32")
    (line, *_), _ = run((start, list(state), x_std, y_centered, params_in, gain))
    slope_std, intercept_std = (float(v) for v in keras.ops.convert_to_numpy(line))
    slope = slope_std / x_scale
    intercept = y_center + intercept_std - slope * x_center
    fit = {"slope": float(slope), "intercept": float(intercept)}
    check_finite_result(f"{loss} line in float32", fit, x=x, y=y)
    final = regression_curve(loss, slope * x + intercept - y, **params)[0]
    fit["loss"] = float(np.mean(final))
    return check_finite_result(f"{loss} in float32", fit, x=x, y=y)


def outlier_data(strength, points=20, seed=0):
    """``(x, y)``: points near the line y = 2x + 1, the right-most one pushed up by ``strength``."""
    strength = check_number("strength", strength)
    points = check_number("points", points, low=2, integer=True)
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    x = np.linspace(0.0, 4.0, points)
    y = 2.0 * x + 1.0 + 0.4 * rng.normal(size=points)
    y[-1] += strength
    return x, y
