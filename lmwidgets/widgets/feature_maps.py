"""Pick a digit and a convolution layer; see the layer's filters, what they light up, and the
class probabilities the network gives that digit."""

import dataclasses
import math

from lmwidgets.core import cnn
from lmwidgets.language import Words, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets._controls import Control

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
    name; the model's first one by default). The figure shows the image, the layer's
    filters (each averaged over its input channels), its feature maps for the image
    (after ReLU) and the predicted class probabilities (``core.cnn.explain_image``).
    ``result`` holds ``image_index``, ``layer``, ``label``, ``predicted``,
    ``probabilities``, ``filters``, ``mean_filters`` and ``feature_maps``.
    """

    # The options and default of ``layer`` and the range of ``image`` come from the
    # model and images given (``declare``); these are the specs before any data.
    CONTROLS = (
        Control("image", "int_text", 0, low=0, high=2**31 - 1, width="200px"),
        Control("layer", "choice", None, options=(), label=Words("layer", "层")),
    )

    def __init__(self, model, images, labels=None, **settings):
        self._model = model
        self._images = np.asarray(images, dtype="float32")
        self._labels = None if labels is None else np.asarray(labels)
        self._layers = tuple(cnn.conv_layer_names(model))
        if not self._layers:
            raise ValueError("The model has no Conv2D layer; FeatureMapExplorer needs a CNN.")
        if self._images.ndim < 3 or len(self._images) == 0:
            raise ValueError(
                "images must be a non-empty array of images, shape (n, height, width). "
                f"Received shape {self._images.shape}."
            )
        if self._labels is not None and len(self._labels) != len(self._images):
            raise ValueError(
                f"labels must have one entry per image: {len(self._images)} images, "
                f"{len(self._labels)} labels."
            )
        self._map_models = {}
        self._n_classes = int(model.output_shape[-1])
        super().__init__(**settings)

    def declare(self):
        image, layer = self.CONTROLS
        last = len(self._images) - 1
        return (
            dataclasses.replace(
                image, high=last, label=Words(f"image (0-{last})", f"图像（0-{last}）")
            ),
            dataclasses.replace(layer, default=self._layers[0], options=self._layers),
        )

    def compute(self, changed):
        s = self.settings
        index, layer = s["image"], s["layer"]
        if layer not in self._map_models:
            self._map_models[layer] = cnn.feature_map_model(self._model, layer)
        image = self._images[index]
        seen = cnn.explain_image(self._model, image, layer, map_model=self._map_models[layer])
        label = None if self._labels is None else int(self._labels[index])
        return {"image_index": index, "layer": layer, "label": label, **seen}

    # --- drawing -------------------------------------------------------------------
    def build_figure(self):
        figure = new_figure(10.0, 3.2)
        grid = figure.add_gridspec(1, 4, width_ratios=[0.8, 1, 1.3, 1])
        self._image_axes, self._filter_axes, self._map_axes, self._prob_axes = (
            figure.add_subplot(grid[0, i]) for i in range(4)
        )
        # Pictures and bars at a line's zorder, above the axes' ticks and labels (1.5): a redraw
        # over the cached axes draws no text twice.
        self._image_art = self._image_axes.imshow(np.zeros((2, 2)), cmap="gray_r", zorder=2)
        self._filter_art = self._filter_axes.imshow(np.zeros((2, 2)), cmap="RdBu_r", zorder=2)
        self._map_art = self._map_axes.imshow(np.zeros((2, 2)), cmap="viridis", zorder=2)
        for axes in (self._image_axes, self._filter_axes, self._map_axes):
            axes.set_xticks([])
            axes.set_yticks([])
        classes = range(self._n_classes)
        self._bars = self._prob_axes.bar(
            classes, np.zeros(self._n_classes), color="#1f77b4", zorder=2
        )
        self._prob_axes.set(ylim=(0, 1), xticks=classes, xlabel=say_in_figure("class", "类别"))
        self._prob_axes.tick_params(labelsize=8)
        self._prob_axes.set_title(say_in_figure("predicted probabilities", "预测概率"), fontsize=9)
        figure.subplots_adjust(left=0.02, right=0.98, bottom=0.15, top=0.88, wspace=0.15)
        return figure

    @staticmethod
    def _show(artist, axes, array, vmin, vmax):
        artist.set_data(array)
        artist.set_extent((-0.5, array.shape[1] - 0.5, array.shape[0] - 0.5, -0.5))
        artist.set_clim(vmin, vmax)
        axes.set_xlim(-0.5, array.shape[1] - 0.5)
        axes.set_ylim(array.shape[0] - 0.5, -0.5)

    def render(self, result):
        image = self._images[result["image_index"]]
        self._show(self._image_art, self._image_axes, image, 0, max(float(image.max()), 1e-6))
        label = result["label"]
        if label is None:
            title = say_in_figure("image", "图像")
        else:
            title = say_in_figure(f"image, label {label}", f"图像，标签 {label}")
        self._image_axes.set_title(title, fontsize=9)
        mean_filters, maps = result["mean_filters"], result["feature_maps"]
        bound = max(float(np.abs(mean_filters).max()), 1e-6)
        self._show(self._filter_art, self._filter_axes, tile(mean_filters), -bound, bound)
        count = result["filters"].shape[-1]
        self._filter_axes.set_title(
            f"{result['layer']}: " + say_in_figure(f"{count} filters", f"{count} 个卷积核"),
            fontsize=9,
        )
        self._show(self._map_art, self._map_axes, tile(maps), 0, max(float(maps.max()), 1e-6))
        size = f"{maps.shape[0]}x{maps.shape[1]}"
        self._map_axes.set_title(
            say_in_figure(f"feature maps {size}", f"特征图 {size}"), fontsize=9
        )
        bars = zip(self._bars.patches, result["probabilities"], strict=True)
        for number, (bar, p) in enumerate(bars):
            bar.set_height(p)
            bar.set_color("#d62728" if number == result["predicted"] else "#1f77b4")

    def dynamic_artists(self):
        # The pictures, bars and the image's title over a cached picture of the axes; the
        # layer's titles are in that picture (background_key).
        pictures = (self._image_art, self._filter_art, self._map_art)
        return [*pictures, *self._bars.patches, self._image_axes.title]

    def background_key(self):
        return self.result.get("layer")
