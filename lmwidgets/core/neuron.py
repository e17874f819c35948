"""One artificial neuron, y = activation(w * x + b), computed by a real Keras Dense layer."""

from lmwidgets.core.choices import check_choice
from lmwidgets.core.params import check_array, check_finite_result, check_number

import keras
import numpy as np

# The activations offered here: a curated subset of ``core.activations.names()``.
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")


def neuron_output(x, weight, bias, activation="relu"):
    """The output of a one-input Dense(1) layer with the given weight and bias at points x."""
    check_choice("activation", activation, ACTIVATIONS)
    points = check_array("x", x, ndim=None, min_size=0, dtype="float32").reshape(-1, 1)
    high = float(np.finfo("float32").max)
    w = check_number("weight", weight, low=-high, high=high)
    b = check_number("bias", bias, low=-high, high=high)
    layer = keras.layers.Dense(1, activation=activation)
    layer.build((None, 1))
    layer.set_weights([np.array([[w]], "float32"), np.array([b], "float32")])
    y = keras.ops.convert_to_numpy(layer(points)).ravel()
    return check_finite_result("output in float32", y, x=x, weight=weight, bias=bias)
