"""One artificial neuron, y = activation(w * x + b), computed by a real Keras Dense layer."""

from lmwidgets.core.choices import check_choice

import keras
import numpy as np

# The activations offered here: a curated subset of ``core.activations.names()``.
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")


def neuron_output(x, weight, bias, activation="relu"):
    """The output of a one-input Dense(1) layer with the given weight and bias at points x."""
    check_choice("activation", activation, ACTIVATIONS)
    x = np.asarray(x, dtype="float32").reshape(-1, 1)
    layer = keras.layers.Dense(1, activation=activation)
    layer.build((None, 1))
    layer.set_weights([np.array([[weight]], "float32"), np.array([bias], "float32")])
    return keras.ops.convert_to_numpy(layer(x)).ravel()
