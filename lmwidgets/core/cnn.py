"""A small convolutional network for MNIST, and what its convolutional layers see.

Two 3x3 convolutions with ReLU, each followed by 2x2 max pooling, then a softmax
layer: a few thousand weights that beat a far larger multilayer perceptron,
because a filter looks for the same stroke everywhere in the image.
"""

from lmwidgets.core.params import check_array, check_number, refusal, shown

import keras
import numpy as np


def build_cnn(input_shape=(28, 28), n_classes=10, filters=(8, 16), learning_rate=0.003):
    """A compiled CNN: [Conv2D(3x3, relu) -> MaxPooling2D] per entry of ``filters`` -> Dense."""
    filters = _positive_integers("filters", filters, "positive integers, e.g. (8, 16)")
    allowed = (
        f"(height, width), large enough for {len(filters)} 3x3 convolution(s) each followed "
        "by 2x2 pooling"
    )
    input_shape = _positive_integers("input_shape", input_shape, allowed)
    if len(input_shape) != 2 or min(_pooled(size, len(filters)) for size in input_shape) < 1:
        raise refusal("input_shape", allowed, input_shape)
    check_number("n_classes", n_classes, low=2, integer=True)
    check_number("learning_rate", learning_rate, low=0, low_open=True)
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


def _positive_integers(argument, values, allowed):
    """``values`` as a non-empty tuple of ints >= 1, else a refusal naming ``argument``."""
    if isinstance(values, str) or not np.iterable(values) or not len(values):
        raise refusal(argument, allowed, values)
    try:
        return tuple(check_number(argument, value, low=1, integer=True) for value in values)
    except ValueError:
        raise refusal(argument, allowed, values) from None


def _pooled(size, n_blocks):
    """An image side after ``n_blocks`` 3x3 convolutions (valid padding) and 2x2 poolings."""
    for _ in range(n_blocks):
        size = (size - 2) // 2
    return size


def conv_layer_names(model):
    """Names of the model's 2-D convolution layers, input first."""
    if not isinstance(model, keras.Model):
        raise refusal("model", "a Keras model with Conv2D layers", model)
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def _conv_layer(model, layer_name):
    names = conv_layer_names(model)
    if layer_name not in names:
        valid = ", ".join(names) or "(none: the model has no Conv2D layer)"
        raise refusal(
            "layer_name", f"a convolution layer of the model; expected one of {valid}", layer_name
        )
    return model.get_layer(layer_name)


def conv_filters(model, layer_name):
    """The layer's kernel as numpy, shape (height, width, input channels, filters)."""
    return np.asarray(_conv_layer(model, layer_name).kernel)


def feature_map_model(model, layer_name):
    """A model sharing ``model``'s weights that outputs ``layer_name``'s activations."""
    layer = _conv_layer(model, layer_name)
    return keras.Model(model.inputs[0], layer.output)


def feature_maps(model, images, layer_name):
    """The layer's activations (after ReLU) for ``images``: (n, height, width, filters)."""
    map_model = feature_map_model(model, layer_name)
    shape = tuple(model.inputs[0].shape[1:])
    allowed = f"a non-empty array of images of shape {shape}, finite numbers"
    images = check_array("images", images, ndim=None, dtype="float32", allowed=allowed)
    if images.shape[1:] != shape:
        raise refusal("images", allowed, images)
    return np.asarray(map_model.predict(images, verbose=0))


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
    filters = conv_filters(model, layer_name)
    shape = tuple(model.inputs[0].shape[1:])
    try:
        pixels = np.asarray(image, dtype="float32")
    except (TypeError, ValueError):
        pixels = None
    if pixels is None or pixels.shape != shape:
        raise refusal("image", f"one image of shape {shape}", image)
    image = pixels
    bad = np.count_nonzero(~np.isfinite(image))
    if bad:
        raise ValueError(
            f"image must hold finite numbers, but it has {bad} NaN or infinite "
            f"pixel{'s' if bad > 1 else ''}: the network would see nothing but NaN. Check how "
            f"the images were scaled. Received: image={shown(image)}."
        )
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
