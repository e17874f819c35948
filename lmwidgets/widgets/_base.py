"""What every explorer widget shares: the contracts `controls`, `figure` and `result`.

The figure is a plain matplotlib Figure (no pyplot, so nothing is shown twice),
rendered to PNG into an ``ipywidgets.Image``: it works in JupyterLab, Notebook 7,
VS Code and Colab without a front-end extension, and nbval does not see it as
cell output.
"""

import html
import io
import math
from collections import OrderedDict

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

# Cached backgrounds per explorer: a few axes layouts to go back and forth between.
BACKGROUNDS_KEPT = 8


def new_figure(width=8.0, height=3.2, dpi=90):
    """A fixed-size figure with an opaque background, drawn by Agg."""
    figure = Figure(figsize=(width, height), dpi=dpi, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def render_png(figure):
    """The whole figure, drawn and encoded as PNG."""
    figure.canvas.draw()
    return encode_frame(figure.canvas)


def encode_frame(canvas, format="png"):
    """What the Agg canvas holds now, as PNG bytes, or JPEG (``format="jpeg"``) where
    encoding a PNG of large heatmaps would cost more than drawing them."""
    width, height = canvas.get_width_height()
    frame = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    if format == "jpeg":
        frame.convert("RGB").save(buffer, format="jpeg", quality=90)
    else:
        # Fast zlib level: a redraw is encoded many times a second, size matters less.
        frame.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def snapped_limits(low, high, steps=12):
    """``(low, high)`` widened to multiples of a round step (1, 2, 2.5 or 5 times a power of
    ten, about a ``steps``-th of the span), so that small changes of the data keep the
    same axes, and with them the cached background a redraw reuses."""
    span = max(high - low, 1e-6)
    raw = span / steps
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step


class Explorer(widgets.VBox):
    """A container of controls, a figure and a message line, kept in step.

    Subclasses build their controls and figure, then call ``super().__init__``;
    they implement ``update()``, which computes with ``lmwidgets.core``, changes
    the figure's artists in place and sets ``self.result``. Any error raised by
    ``update()`` is shown in the widget, never raised out of a callback, and the
    last good figure stays.
    """

    def __init__(self, controls, figure, control_rows=None, footer=(), **kwargs):
        # A standing notice (text, kind) shown after each successful update, e.g. why training
        # paused; subclasses set it, and an error replaces it until the next good update.
        self.notice = getattr(self, "notice", ("", "info"))
        self.controls = dict(controls)
        self.figure = figure
        self.result = {}
        self._backgrounds = OrderedDict()  # axes layout -> cached picture, for draw()
        self.message = widgets.HTML(value="")
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto"))
        if control_rows is None:
            control_rows = [widgets.HBox(list(self.controls.values()))]
        super().__init__(children=[*control_rows, self.image, self.message, *footer], **kwargs)
        # CSS classes name the widget and each control, so browser tests can find them.
        self.add_class(f"lmwidgets-{type(self).__name__}")
        for name, control in self.controls.items():
            control.add_class(f"lmw-control-{name}")
            if "value" in control.trait_names():
                control.observe(self._on_change, names="value")
        self.refresh()

    def _on_change(self, change):
        self.refresh()

    def update(self):
        raise NotImplementedError

    def refresh(self):
        """Recompute, redraw, and report a problem in the widget instead of raising."""
        try:
            self.update()
        except Exception as error:  # noqa: BLE001 - shown to the learner, by design
            self.show_message(str(error), kind="error")
        else:
            self.show_message(*self.notice)
        self.draw()

    def dynamic_artists(self):
        """The artists an update changes, redrawn each time over a cached picture of the
        rest (Matplotlib's blitting). The picture is redrawn when an axes' visibility or
        limits change, or ``background_key()``; a subclass that returns artists here must
        change nothing else without changing that key. The default, none: every draw draws
        the whole figure."""
        return ()

    def background_key(self):
        """What the cached picture depends on besides the axes' visibility and limits."""
        return None

    def draw(self):
        dynamic = self.dynamic_artists()
        if not dynamic:
            self.image.value = render_png(self.figure)
            return
        canvas = self.figure.canvas
        backgrounds = self._backgrounds
        axes = self.figure.axes
        layout = [(a.get_xlim(), a.get_ylim()) if a.get_visible() else None for a in axes]
        key = (self.background_key(), canvas.get_width_height(), tuple(layout))
        for artist in dynamic:
            artist.set_animated(True)  # left out of canvas.draw()
        try:
            if key in backgrounds:
                backgrounds.move_to_end(key)
                canvas.restore_region(backgrounds[key])
            else:
                canvas.draw()
                backgrounds[key] = canvas.copy_from_bbox(self.figure.bbox)
                if len(backgrounds) > BACKGROUNDS_KEPT:
                    backgrounds.popitem(last=False)
            for artist in self._paint_order(dynamic):
                self.figure.draw_artist(artist)
        finally:
            # Left animated, they would be missing from a learner's figure.savefig().
            for artist in dynamic:
                artist.set_animated(False)
        self.image.value = encode_frame(canvas)

    def _paint_order(self, dynamic):
        """The dynamic artists, and whatever a full draw paints over them (the spines their
        lines run under, a legend), in the order a full draw paints them."""
        dynamic_ids = {id(artist) for artist in dynamic}
        painted = []
        for axes in self.figure.axes:
            children = axes.get_children()
            own = [a for a in children if id(a) in dynamic_ids and a.get_visible()]
            if not own or not axes.get_visible():
                continue
            lowest = min(a.get_zorder() for a in own)
            above = [a for a in children if a.get_zorder() > lowest and a.get_visible()]
            order = {id(a): i for i, a in enumerate(children)}
            chosen = {id(a): a for a in [*own, *above]}.values()
            painted += sorted(chosen, key=lambda a: (a.get_zorder(), order[id(a)]))
        return painted

    def show_message(self, text, kind="info"):
        if not text:
            self.message.value = ""
            return
        color = {"error": "#b00020", "warning": "#8a5300"}.get(kind, "#333")
        self.message.value = f'<span style="color:{color}">{html.escape(text)}</span>'

    def __repr__(self):
        # Shown where the widget cannot be (a static view of the notebook); stable for nbval.
        return f"{type(self).__name__}(run this cell in Jupyter to use the widget)"
