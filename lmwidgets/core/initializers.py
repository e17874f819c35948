"""Initial weights drawn with NumPy: the same network on JAX, PyTorch and TensorFlow.

Keras' own initializers draw from the backend's random stream, so one seed gives three
different networks on the three backends, and a lesson's number holds on one of them only.
NumPy draws are also free per shape, where the backend's random ops compile once for every
new shape (about 2 s per model on JAX). The distributions are Keras' defaults.
"""

from lmwidgets.core.params import check_array, check_number, refusal

import keras
import numpy as np

FLOAT32_MAX = float(np.finfo("float32").max)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise refusal("rng", "a numpy Generator (numpy.random.default_rng(seed))", rng)
    return rng


def _check_shape(shape, min_size=0, low=0):
    allowed = f"a tuple of whole numbers >= {low}{' (at least one)' if min_size else ''}"
    sizes = check_array("shape", shape, min_size=min_size, integer=True, low=low, allowed=allowed)
    return tuple(int(size) for size in sizes)


def _check_limit(limit):
    return check_number("limit", limit, low=0, high=FLOAT32_MAX)


def glorot_uniform(rng, shape):
    """Uniform(-limit, limit) with Glorot's limit sqrt(6 / (fan_in + fan_out)), as float32."""
    shape = _check_shape(shape, min_size=1, low=1)
    return uniform(rng, shape, np.sqrt(6 / (shape[0] + shape[-1])))


def uniform(rng, shape, limit):
    """Uniform(-limit, limit) from the NumPy generator ``rng``, as float32."""
    limit = _check_limit(limit)
    return _check_rng(rng).uniform(-limit, limit, size=_check_shape(shape)).astype("float32")


class NumpyGlorotUniform(keras.initializers.Initializer):
    """Keras' default kernel initializer, drawn from a NumPy generator (or Uniform(+-limit))."""

    def __init__(self, rng, limit=None):
        self.rng = _check_rng(rng)
        self.limit = None if limit is None else _check_limit(limit)

    def __call__(self, shape, dtype=None):
        if self.limit is None:
            return glorot_uniform(self.rng, shape)
        return uniform(self.rng, shape, self.limit)


class Zeros(keras.initializers.Initializer):
    """Zeros as a NumPy array (no backend op to compile)."""

    def __call__(self, shape, dtype=None):
        return np.zeros(_check_shape(shape), dtype="float32")
