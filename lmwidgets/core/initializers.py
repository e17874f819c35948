"""Initial weights drawn with NumPy: the same network on JAX, PyTorch and TensorFlow.

Keras' own initializers draw from the backend's random stream, so one seed gives three
different networks on the three backends, and a lesson's number holds on one of them only.
NumPy draws are also free per shape, where the backend's random ops compile once for every
new shape (about 2 s per model on JAX). The distributions are Keras' defaults.
"""

import keras
import numpy as np


def glorot_uniform(rng, shape):
    """Uniform(-limit, limit) with Glorot's limit sqrt(6 / (fan_in + fan_out)), as float32."""
    return uniform(rng, shape, np.sqrt(6 / (shape[0] + shape[-1])))


def uniform(rng, shape, limit):
    """Uniform(-limit, limit) from the NumPy generator ``rng``, as float32."""
    return rng.uniform(-limit, limit, size=shape).astype("float32")


class NumpyGlorotUniform(keras.initializers.Initializer):
    """Keras' default kernel initializer, drawn from a NumPy generator (or Uniform(+-limit))."""

    def __init__(self, rng, limit=None):
        self.rng, self.limit = rng, limit

    def __call__(self, shape, dtype=None):
        if self.limit is None:
            return glorot_uniform(self.rng, shape)
        return uniform(self.rng, shape, self.limit)


class Zeros(keras.initializers.Initializer):
    """Zeros as a NumPy array (no backend op to compile)."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype="float32")
