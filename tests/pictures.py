"""Pixel checks shared by the widget tests."""

import io

from lmwidgets.widgets._base import render_png

import numpy as np
from PIL import Image


def pixels(png):
    """The PNG's RGB pixels, as signed integers (so that differences can be negative)."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def assert_redraws_match_a_full_draw(widget, changes, notes=False):
    """After each ``(control, value)`` change, the picture the widget shows (drawn over a
    cached picture of its axes) equals a full draw of its figure: never a stale one.
    ``notes``: the changes may show a note (never an error)."""
    for control, value in changes:
        widget.controls[control].value = value
        assert widget.last_error is None
        assert notes or widget.message.value == ""
        shown = pixels(widget.image.value)
        full = pixels(render_png(widget.figure))
        # Antialiased edges may differ by a level or two where a line crosses the background.
        assert np.abs(shown - full).max() <= 2, f"stale picture after {control}={value!r}"
