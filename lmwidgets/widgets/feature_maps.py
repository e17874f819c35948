"""Pick a digit and a convolution layer; see the layer's filters, what they light up, and the
class probabilities the network gives that digit."""

import math

from lmwidgets.core import cnn
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np


def tile(maps):
    """(height, width, channels) -> one 2-D mosaic, channels in rows of ceil(sqrt(c)),
    separated by a one-pixel gap of nan (drawn blank)."""
    height, width, channels = maps.shape
    columns = math.ceil(math.sqrt(channels))
    rows = math.ceil(channels / columns)
    mosaic = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan)
    for channel in range(channels):
        r, c = divmod(channel, columns)
        top, left = r * (height + 1), c * (width + 1)
        mosaic[top : top + height, left : left + width] = maps[:, :, channel]
    return mosaic


class FeatureMapExplorer(Explorer):
    """``FeatureMapExplorer(model, images, labels=None)`` for a trained Keras CNN.

    Controls: ``image`` (an index into ``images``) and ``layer`` (a Conv2D layer's
    name). The figure shows the image, the layer's filters (each averaged over its
    input channels), its feature maps for the image (after ReLU) and the predicted
    class probabilities. ``result`` holds ``image_index``, ``layer``, ``label``,
    ``predicted``, ``probabilities``, ``filters`` and ``feature_maps``.
    """

    def __init__(self, model, images, labels=None, image=0, layer=None):
        self._model = model
        self._images = np.asarray(images, dtype="float32")
        self._labels = None if labels is None else np.asarray(labels)
        names = cnn.conv_layer_names(model)
        if not names:
            raise ValueError("The model has no Conv2D layer; FeatureMapExplorer needs a CNN.")
        if len(self._images) == 0:
            raise ValueError("images is empty; pass at least one image.")
        if layer is None:
            layer = names[0]
        cnn.conv_filters(model, layer)  # validates the name
        self._map_models = {}
        self._n_classes = int(model.output_shape[-1])
        controls = {
            "image": widgets.IntText(
                value=image, description=f"image (0-{len(self._images) - 1})",
                style={"description_width": "initial"}, layout={"width": "200px"},
            ),
            "layer": widgets.Dropdown(options=names, value=layer, description="layer"),
        }  # fmt: skip
        super().__init__(controls, self._build_figure())

    def _feature_maps(self, layer, image):
        if layer not in self._map_models:
            self._map_models[layer] = cnn.feature_map_model(self._model, layer)
        return np.asarray(self._map_models[layer].predict_on_batch(image[None]))[0]

    def update(self):
        index = self.controls["image"].value
        if not 0 <= index < len(self._images):
            raise ValueError(
                f"image index {index} is out of range; choose 0 to {len(self._images) - 1}."
            )
        layer = self.controls["layer"].value
        image = self._images[index]
        filters = cnn.conv_filters(self._model, layer)
        maps = self._feature_maps(layer, image)
        probabilities = np.asarray(self._model.predict_on_batch(image[None]))[0]
        probabilities = probabilities.astype("float64")
        label = None if self._labels is None else int(self._labels[index])
        predicted = int(np.argmax(probabilities))
        self._draw(image, filters, maps, probabilities, label, predicted, layer)
        self.result = {
            "image_index": int(index),
            "layer": layer,
            "label": label,
            "predicted": predicted,
            "probabilities": probabilities,
            "filters": filters,
            "feature_maps": maps,
        }

    # --- drawing -------------------------------------------------------------------
    def _build_figure(self):
        figure = new_figure(10.0, 3.2)
        grid = figure.add_gridspec(1, 4, width_ratios=[0.8, 1, 1.3, 1])
        self._image_axes, self._filter_axes, self._map_axes, self._prob_axes = (
            figure.add_subplot(grid[0, i]) for i in range(4)
        )
        self._image_art = self._image_axes.imshow(np.zeros((2, 2)), cmap="gray_r")
        self._filter_art = self._filter_axes.imshow(np.zeros((2, 2)), cmap="RdBu_r")
        self._map_art = self._map_axes.imshow(np.zeros((2, 2)), cmap="viridis")
        for axes in (self._image_axes, self._filter_axes, self._map_axes):
            axes.set_xticks([])
            axes.set_yticks([])
        classes = range(self._n_classes)
        self._bars = self._prob_axes.bar(classes, np.zeros(self._n_classes), color="#1f77b4")
        self._prob_axes.set(ylim=(0, 1), xticks=classes, xlabel="class")
        self._prob_axes.tick_params(labelsize=8)
        self._prob_axes.set_title("predicted probabilities", fontsize=9)
        figure.subplots_adjust(left=0.02, right=0.98, bottom=0.15, top=0.88, wspace=0.15)
        return figure

    @staticmethod
    def _show(artist, axes, array, vmin, vmax):
        artist.set_data(array)
        artist.set_extent((-0.5, array.shape[1] - 0.5, array.shape[0] - 0.5, -0.5))
        artist.set_clim(vmin, vmax)
        axes.set_xlim(-0.5, array.shape[1] - 0.5)
        axes.set_ylim(array.shape[0] - 0.5, -0.5)

    def _draw(self, image, filters, maps, probabilities, label, predicted, layer):
        self._show(self._image_art, self._image_axes, image, 0, max(float(image.max()), 1e-6))
        truth = "" if label is None else f", label {label}"
        self._image_axes.set_title(f"image{truth}", fontsize=9)
        mean_filters = filters.mean(axis=2)
        bound = max(float(np.abs(mean_filters).max()), 1e-6)
        self._show(self._filter_art, self._filter_axes, tile(mean_filters), -bound, bound)
        self._filter_axes.set_title(f"{layer}: {filters.shape[-1]} filters", fontsize=9)
        self._show(self._map_art, self._map_axes, tile(maps), 0, max(float(maps.max()), 1e-6))
        self._map_axes.set_title(f"feature maps {maps.shape[0]}x{maps.shape[1]}", fontsize=9)
        for number, (bar, p) in enumerate(zip(self._bars.patches, probabilities, strict=True)):
            bar.set_height(p)
            bar.set_color("#d62728" if number == predicted else "#1f77b4")
