"""core.cnn and FeatureMapExplorer: feature maps against a numpy convolution of the
layer's own weights, filters, probabilities against model.predict, bad input."""

import lmwidgets
from lmwidgets.core import cnn

import keras
import numpy as np
import pytest

from tests.pictures import assert_redraws_match_a_full_draw

pytestmark = pytest.mark.backends


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), _ = lmwidgets.datasets.load_mnist("offline")
    return x_train[:256] / 255.0, y_train[:256]


@pytest.fixture(scope="module")
def model(digits):
    keras.utils.set_random_seed(0)
    model = cnn.build_cnn()
    model.fit(*digits, epochs=1, batch_size=64, verbose=0)
    return model


def _conv_relu_reference(image, kernel, bias):
    """'valid' 3x3 cross-correlation (what Conv2D computes), then ReLU, by loops."""
    kh, kw, _, filters = kernel.shape
    height, width = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((height, width, filters))
    for i in range(height):
        for j in range(width):
            patch = image[i : i + kh, j : j + kw, :]
            out[i, j] = np.tensordot(patch, kernel, axes=([0, 1, 2], [0, 1, 2])) + bias
    return np.maximum(out, 0)


def test_cnn_layers_and_validation(model):
    assert cnn.conv_layer_names(model) == ["conv_1", "conv_2"]
    assert cnn.conv_filters(model, "conv_1").shape == (3, 3, 1, 8)
    assert cnn.conv_filters(model, "conv_2").shape == (3, 3, 8, 16)
    with pytest.raises(ValueError, match="expected one of conv_1, conv_2"):
        cnn.conv_filters(model, "dense")
    with pytest.raises(ValueError, match="filters"):
        cnn.build_cnn(filters=())


def test_first_feature_maps_match_a_numpy_convolution(model, digits):
    images = digits[0][:3]
    maps = cnn.feature_maps(model, images, "conv_1")
    kernel = cnn.conv_filters(model, "conv_1")
    bias = np.asarray(model.get_layer("conv_1").bias)
    assert maps.shape == (3, 26, 26, 8)
    for image, got in zip(images, maps, strict=True):
        np.testing.assert_allclose(got, _conv_relu_reference(image[:, :, None], kernel, bias),
                                   atol=1e-4)  # fmt: skip


def test_explorer_follows_image_and_layer(model, digits):
    images, labels = digits
    explorer = lmwidgets.FeatureMapExplorer(model, images[:20], labels[:20])
    expected = np.asarray(model.predict(images[:20], verbose=0))
    for index, layer, size, channels in ((0, "conv_1", 26, 8), (7, "conv_2", 11, 16)):
        explorer.controls["image"].value = index
        explorer.controls["layer"].value = layer
        result = explorer.result
        assert (result["image_index"], result["layer"], result["label"]) == (
            index, layer, int(labels[index]),
        )  # fmt: skip
        np.testing.assert_allclose(result["probabilities"], expected[index], atol=1e-5)
        assert result["predicted"] == int(expected[index].argmax())
        assert result["feature_maps"].shape == (size, size, channels)
        np.testing.assert_array_equal(result["filters"], cnn.conv_filters(model, layer))
        np.testing.assert_allclose(
            result["feature_maps"], cnn.feature_maps(model, images[index : index + 1], layer)[0],
            atol=1e-5,
        )  # fmt: skip
        heights = [bar.get_height() for bar in explorer._bars.patches]
        np.testing.assert_allclose(heights, result["probabilities"])
        mosaic = explorer._map_art.get_array()
        assert np.nanmax(mosaic) == pytest.approx(result["feature_maps"].max())
        assert layer in explorer._filter_axes.get_title()
    assert explorer.message.value == ""


def test_the_image_index_stays_in_range(model, digits):
    images, labels = digits
    explorer = lmwidgets.FeatureMapExplorer(model, images[:5], labels[:5], image=3)
    assert explorer.result["image_index"] == 3
    explorer.controls["image"].value = 99  # the box clamps it, as it does for a learner
    assert explorer.result["image_index"] == 4 and explorer.message.value == ""
    with pytest.raises(ValueError, match=r"image must be an integer from 0 to 4\. Received"):
        lmwidgets.FeatureMapExplorer(model, images[:5], labels[:5], image=99)
    with pytest.raises(ValueError, match="layer must be one of 'conv_1', 'conv_2'"):
        lmwidgets.FeatureMapExplorer(model, images[:5], layer="dense")


def test_a_nan_image_is_a_message_not_a_picture(model, digits):
    images, labels = digits
    broken = images[:3].copy()
    broken[1, 10:12, 10:12] = np.nan
    explorer = lmwidgets.FeatureMapExplorer(model, broken, labels[:3])
    picture = explorer.image.value
    explorer.controls["image"].value = 1
    assert "4 NaN or infinite pixels" in explorer.message.value
    assert explorer.result["image_index"] == 0 and explorer.image.value == picture
    explorer.controls["image"].value = 2
    assert explorer.message.value == "" and explorer.result["image_index"] == 2
    one = images[0].copy()
    one[0, 0] = np.inf
    with pytest.raises(ValueError, match="1 NaN or infinite pixel:"):
        cnn.explain_image(model, one, "conv_1")


def test_constructor_rejects_a_model_without_convolutions(digits):
    mlp = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="no Conv2D"):
        lmwidgets.FeatureMapExplorer(mlp, digits[0][:2])


def test_redraws_over_a_cached_background_match_a_full_draw(model, digits):
    """The pictures, bars and image title are drawn over a cached picture of the axes."""
    images, labels = digits
    explorer = lmwidgets.FeatureMapExplorer(model, images[:6], labels[:6])
    second = explorer.controls["layer"].options[1]
    changes = [
        ("image", 3),  # same layer: drawn over the cached picture
        ("image", 5),
        ("layer", second),  # other titles and mosaics: a new picture
        ("image", 0),
        ("layer", explorer.controls["layer"].options[0]),  # back to a picture drawn before
        ("image", 2),
    ]
    assert_redraws_match_a_full_draw(explorer, changes)
