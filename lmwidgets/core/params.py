"""Checks of a core function's arguments, and keyword parameters merged with their defaults.

Every refusal reads as Keras words it: which argument, what is allowed, what was
received (``"steps must be an integer >= 1. Received: steps=0."``), never numpy's or
the backend's own words.
"""

import math
import numbers

import numpy as np

# How much of a received value a message shows.
SHOWN_CHARACTERS = 80


def shown(value):
    """``repr(value)`` cut to ``SHOWN_CHARACTERS`` characters, for a message."""
    if isinstance(value, np.ndarray) and value.size > 8:
        text = f"array of shape {value.shape}: {np.array2string(value.ravel()[:8], separator=', ')}"
        text = text[:-1] + ", ...]"
    else:
        text = repr(value)
    if len(text) > SHOWN_CHARACTERS:
        text = text[: SHOWN_CHARACTERS - 3] + "..."
    return text


def refusal(argument, allowed, value):
    """The ValueError for ``argument``: ``"<argument> must be <allowed>. Received: ..."``."""
    return ValueError(f"{argument} must be {allowed}. Received: {argument}={shown(value)}.")


def _interval(low, high, low_open, high_open):
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""


def _as_real(value):
    """``value`` as a Python number if it is a real number (not a bool, not text), else None."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return None
    return value


def check_number(
    argument,
    value,
    low=None,
    high=None,
    low_open=False,
    high_open=False,
    integer=False,
    none=False,
    allowed=None,
):
    """``value`` as a float (an int with ``integer=True``), else a ValueError in Keras' words.

    A number is a finite real number, not a bool or a text. ``low``/``high`` bound it
    (excluded with ``low_open``/``high_open``); ``integer=True`` asks for a whole number
    (``3.0`` counts); ``none=True`` lets None through (e.g. "no cap"). ``allowed``
    replaces the generated description of what is allowed.
    """
    if none and value is None:
        return None
    if allowed is None:
        kind = "an integer" if integer else "a number"
        bounds = _interval(low, high, low_open, high_open)
        if integer and low is not None and high is not None and not (low_open or high_open):
            bounds = f"from {low:g} to {high:g}"
        allowed = f"{kind} {bounds}".strip() + (" or None" if none else "")
    number = _as_real(value)
    if number is None or not math.isfinite(number):
        raise refusal(argument, allowed, value)
    if integer and not float(number).is_integer():
        raise refusal(argument, allowed, value)
    if (
        (low is not None and (number <= low if low_open else number < low))
        or (high is not None and (number >= high if high_open else number > high))
    ):  # fmt: skip
        raise refusal(argument, allowed, value)
    return int(number) if integer else float(number)


def check_seed(seed, none=False):
    """A seed Keras and NumPy both take: an integer from 0 to 2**32 - 1 (or None with
    ``none=True``), else a ValueError in Keras' words."""
    allowed = "an integer from 0 to 2**32 - 1" + (" or None" if none else "")
    return check_number("seed", seed, 0, 2**32 - 1, integer=True, none=none, allowed=allowed)


def check_array(
    argument,
    value,
    ndim=1,
    min_size=1,
    dtype="float64",
    low=None,
    high=None,
    integer=False,
    allowed=None,
):
    """``value`` as a numpy array of ``dtype``, else a ValueError in Keras' words.

    The array holds finite numbers (bools count as 0 and 1), has ``ndim`` dimensions
    (None: any) and at least ``min_size`` entries, each within ``[low, high]`` and whole
    with ``integer=True``. Values that ``dtype`` cannot hold (1e300 in float32) are
    refused, not turned into inf. ``allowed`` replaces the generated description.
    """
    if allowed is None:
        what = "whole numbers" if integer else "finite numbers"
        if ndim == 0:
            allowed = f"a {'whole' if integer else 'finite'} number"
        else:
            shape = "array" if ndim is None else f"{ndim}-D array"
            if min_size > 1:
                allowed = f"a {shape} of at least {min_size} {what}"
            elif min_size == 1:
                allowed = f"a non-empty {shape} of {what}"
            else:
                allowed = f"{'an' if ndim is None else 'a'} {shape} of {what}"
        allowed = f"{allowed} {_interval(low, high, False, False)}".strip()
    if isinstance(value, str | bytes | dict | set) or value is None:
        raise refusal(argument, allowed, value)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):  # ragged lists, objects numpy cannot read
        raise refusal(argument, allowed, value) from None
    if array.dtype.kind not in "biuf":
        raise refusal(argument, allowed, value)
    if (ndim is not None and array.ndim != ndim) or array.size < min_size:
        raise refusal(argument, allowed, value)
    with np.errstate(over="ignore", invalid="ignore"):
        converted = array.astype(dtype)
    if converted.size and not (np.all(np.isfinite(array)) and np.all(np.isfinite(converted))):
        raise refusal(argument, allowed, value)
    if integer and converted.size and not np.all(np.equal(np.mod(array, 1), 0)):
        raise refusal(argument, allowed, value)
    if converted.size and (
        (low is not None and converted.min() < low) or (high is not None and converted.max() > high)
    ):
        raise refusal(argument, allowed, value)
    return converted


def check_mapping(argument, value):
    """``value`` if it is a dict (of keyword parameters), else a ValueError in Keras' words."""
    if not isinstance(value, dict):
        raise refusal(argument, "a dict of parameter names and values", value)
    return value


def merge_params(name, defaults, given):
    """``{**defaults, **given}``; a name not in ``defaults`` raises, listing the valid ones."""
    check_mapping("defaults", defaults)
    check_mapping("params", given)
    unknown = set(given) - set(defaults)
    if unknown:
        valid = ", ".join(str(key) for key in defaults) or "none"
        listed = ", ".join(sorted(str(key) for key in unknown))
        raise ValueError(f"{name} has no parameter {listed}. Valid parameters: {valid}.")
    return {**defaults, **given}


def _all_finite(result):
    if isinstance(result, dict):
        return all(_all_finite(value) for value in result.values())
    if isinstance(result, list | tuple):
        return all(_all_finite(value) for value in result)
    array = np.asarray(result)
    return array.dtype.kind not in "fc" or bool(np.all(np.isfinite(array)))


def check_finite_result(what, result, **arguments):
    """``result`` if every number in it is finite, else a ValueError naming ``arguments``.

    For results that overflow although each argument is valid on its own (``6 * N * D``
    past 1.8e308, ``exp(100)`` in float32): ``"n_params and n_tokens must give a finite
    training compute. Received: n_params=1e+200, n_tokens=1e+200."``.
    """
    if _all_finite(result):
        return result
    names = list(arguments)
    names = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    received = ", ".join(f"{key}={shown(value)}" for key, value in arguments.items())
    raise ValueError(f"{names} must give a finite {what}. Received: {received}.")
