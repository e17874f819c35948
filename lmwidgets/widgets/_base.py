"""What every explorer widget shares: the contracts `controls`, `figure` and `result`.

The figure is a plain matplotlib Figure (no pyplot, so nothing is shown twice),
rendered to PNG into an ``ipywidgets.Image``: it works in JupyterLab, Notebook 7,
VS Code and Colab without a front-end extension, and nbval does not see it as
cell output.
"""

import html
import io

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(width=8.0, height=3.2, dpi=90):
    """A fixed-size figure with an opaque background, drawn by Agg."""
    figure = Figure(figsize=(width, height), dpi=dpi, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def render_png(figure):
    buffer = io.BytesIO()
    # Fast zlib level: a redraw is encoded many times a second, size matters less.
    figure.savefig(buffer, format="png", facecolor="white", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


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

    def draw(self):
        self.image.value = render_png(self.figure)

    def show_message(self, text, kind="info"):
        if not text:
            self.message.value = ""
            return
        color = {"error": "#b00020", "warning": "#8a5300"}.get(kind, "#333")
        self.message.value = f'<span style="color:{color}">{html.escape(text)}</span>'

    def __repr__(self):
        # Shown where the widget cannot be (a static view of the notebook); stable for nbval.
        return f"{type(self).__name__}(run this cell in Jupyter to use the widget)"
