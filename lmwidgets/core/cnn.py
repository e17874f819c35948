"""A small convolutional network for MNIST, and what its convolutional layers see.

Two 3x3 convolutions with ReLU, each followed by 2x2 max pooling, then a softmax
layer: a few thousand weights that beat a far larger multilayer perceptron,
because a filter looks for the same stroke everywhere in the image.
"""

import keras
import numpy as np


def build_cnn(input_shape=(28, 28), n_classes=10, filters=(8, 16), learning_rate=0.003):
    """A compiled CNN: [Conv2D(3x3, relu) -> MaxPooling2D] per entry of ``filters`` -> Dense."""
    if not filters or any(int(f) != f or f < 1 for f in filters):
        raise ValueError(f"filters must be positive integers, e.g. (8, 16). Received {filters}.")
    layers = [keras.Input(shape=input_shape), keras.layers.Reshape((*input_shape, 1))]
    for number, count in enumerate(filters, start=1):
        layers.append(keras.layers.Conv2D(count, 3, activation="relu", name=f"conv_{number}"))
        layers.append(keras.layers.MaxPooling2D(2, name=f"pool_{number}"))
    layers += [keras.layers.Flatten(), keras.layers.Dense(n_classes, activation="softmax")]
    model = keras.Sequential(layers, name="cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def conv_layer_names(model):
    """Names of the model's 2-D convolution layers, input first."""
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def _conv_layer(model, layer_name):
    names = conv_layer_names(model)
    if layer_name not in names:
        valid = ", ".join(names) or "(none: the model has no Conv2D layer)"
        raise ValueError(f"Unknown convolution layer {layer_name!r}; expected one of {valid}.")
    return model.get_layer(layer_name)


def conv_filters(model, layer_name):
    """The layer's kernel as numpy, shape (height, width, input channels, filters)."""
    return np.asarray(_conv_layer(model, layer_name).kernel)


def feature_map_model(model, layer_name):
    """A model sharing ``model``'s weights that outputs ``layer_name``'s activations."""
    return keras.Model(model.inputs[0], _conv_layer(model, layer_name).output)


def feature_maps(model, images, layer_name):
    """The layer's activations (after ReLU) for ``images``: (n, height, width, filters)."""
    return np.asarray(feature_map_model(model, layer_name).predict(images, verbose=0))


def explain_image(model, image, layer_name, map_model=None):
    """What a CNN makes of one image: its class probabilities and one layer's view of it.

    Returns ``probabilities`` (float64, one per class), ``predicted`` (their argmax),
    ``filters`` (the layer's kernel), ``mean_filters`` (each filter averaged over its
    input channels: one 2-D picture per filter) and ``feature_maps`` (the layer's
    activations for the image, (height, width, filters)). ``map_model``: a
    ``feature_map_model(model, layer_name)`` to reuse (building one costs more than
    running it). An image with NaN or infinite pixels, or a model whose output is not
    finite, raises ValueError saying which.
    """
    image = np.asarray(image, dtype="float32")
    bad = np.count_nonzero(~np.isfinite(image))
    if bad:
        raise ValueError(
            f"The image has {bad} NaN or infinite pixel{'s' if bad > 1 else ''}: the network "
            "would see nothing but NaN. Check how the images were scaled."
        )
    filters = conv_filters(model, layer_name)
    map_model = map_model or feature_map_model(model, layer_name)
    maps = np.asarray(map_model.predict_on_batch(image[None]))[0]
    probabilities = np.asarray(model.predict_on_batch(image[None]))[0].astype("float64")
    if not np.all(np.isfinite(probabilities)):
        raise ValueError(
            "The model's class probabilities are NaN or infinite for this image: its "
            "weights are probably broken (did its training diverge?)."
        )
    return {
        "probabilities": probabilities,
        "predicted": int(np.argmax(probabilities)),
        "filters": filters,
        "mean_filters": filters.mean(axis=2),
        "feature_maps": maps,
    }
