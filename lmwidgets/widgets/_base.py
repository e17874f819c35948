"""What every explorer widget shares: the contracts `controls`, `figure` and `result`.

The figure is a plain matplotlib Figure (no pyplot, so nothing is shown twice),
rendered to PNG into an ``ipywidgets.Image``: it works in JupyterLab, Notebook 7,
VS Code and Colab without a front-end extension, and nbval does not see it as
cell output.
"""

import contextlib
import html
import inspect
import io
import json
import math
import sys
import threading
from collections import OrderedDict

from lmwidgets import fonts, language
from lmwidgets.widgets._warm_up import in_background

import ipywidgets as widgets
import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

# Cached backgrounds per explorer: a few axes layouts to go back and forth between.
BACKGROUNDS_KEPT = 8
# Cached pictures of keyed axes per explorer (the numbers along one axis, a few kB each).
AXIS_PICTURES_KEPT = 32


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


def describe(error):
    """An error as a learner should read it: a ValueError's message as it is, any other
    error with its type (a KeyError's message alone would be just ``'x'``)."""
    if type(error) is ValueError:
        return str(error)
    return f"{type(error).__name__}: {error}"


class Explorer(widgets.VBox):
    """Controls declared as data, a figure and a message line, kept in step.

    A subclass declares ``CONTROLS`` (``Control`` specs; ``declare()`` when they depend
    on the data it was given) and ``ACTIONS`` (buttons), builds its figure in
    ``build_figure()``, and splits an update in two: ``compute(changed)`` returns the
    new ``result`` from ``lmwidgets.core`` and the checked values in ``self.settings``;
    ``render(result)`` puts it in the figure. The figure changes only when ``compute``
    succeeded, so the last good picture stays; an error is shown in the widget (kept
    in ``last_error``), never raised out of a callback.

    Every widget takes its controls' values as keywords, in any order, plus
    ``hide=`` and ``lock=`` (names of controls or buttons a teacher hides or shows
    disabled; both keep their values and stay settable from Python) or ``show=``
    (only these are shown). ``state`` is
    what it shows as JSON-ready data, and ``lmwidgets.from_state(state)`` rebuilds it.
    """

    CONTROLS = ()
    ACTIONS = ()
    IMAGE_FORMAT = "png"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.CONTROLS and cls.__doc__ and "Settings (keywords" not in cls.__doc__:
            lines = [f"    {spec.name}: {spec.default!r} by default" for spec in cls.CONTROLS]
            cls.__doc__ += (
                "\n\n    Settings (keywords, any order; also ``hide=``, ``lock=``, ``show=``):\n"
            )
            cls.__doc__ += "\n".join(lines)

    def __init__(self, *, hide=(), lock=(), show=None, **settings):
        fonts.use_for(language.language())  # LMWIDGETS_LANG=zh works without set_language
        self.notice = getattr(self, "notice", ("", "info"))
        self.result = {}
        self.last_error = None
        self.lock = threading.RLock()  # one computation at a time (a play thread, a callback)
        self._held = 0
        self._pending = []
        self._adjusting = False
        self._reverting = False
        self._backgrounds = OrderedDict()  # axes layout -> cached picture, for draw()
        self._axis_pictures = OrderedDict()  # a keyed axis, by what it shows -> its pixels
        self.specs = {spec.name: spec for spec in self.declare()}
        self.controls = {
            name: spec.build(spec.check(spec.default)) for name, spec in self.specs.items()
        }
        self.buttons = {action.name: action.build() for action in self.ACTIONS}
        if show is not None:  # the complement of hide: what a passage of a lesson uses
            if hide:
                raise ValueError("Give hide= or show=, not both.")
            shown = self._check_names("show", show)
            hide = [name for name in [*self.controls, *self.buttons] if name not in shown]
        self._hidden = self._check_names("hide", hide)
        self._locked = self._check_names("lock", lock)
        self._apply(settings)
        self.message = widgets.HTML(value="")
        self.image = widgets.Image(format=self.IMAGE_FORMAT, layout=widgets.Layout(width="auto"))
        self.figure = self.build_figure()
        super().__init__(children=[*self.arrange(), self.image, self.message, *self.footer()])
        # CSS classes name the widget and each control, so browser tests can find them.
        self.add_class(f"lmwidgets-{type(self).__name__}")
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self._on_change(name, change), names="value")
            if name in self._hidden:
                control.layout.display = "none"
        for action in self.ACTIONS:
            button = self.buttons[action.name]
            button.on_click(lambda _, method=action.method or action.name: self._act(method))
            if action.name in self._hidden:
                button.layout.display = "none"
        self._apply_enabled()
        self.refresh()
        # What a later choice needs, prepared while the learner looks at the first picture.
        calls = self.warm_up_calls() if self.last_error is None else ()
        self.warm_up = in_background(*calls) if calls else None

    # -- what a subclass declares -------------------------------------------------

    def declare(self):
        """The control specs; override when options depend on the data given."""
        return self.CONTROLS

    def build_figure(self):
        raise NotImplementedError

    def compute(self, changed):
        """The new ``result``; ``changed`` is the set of controls (or actions) that changed."""
        raise NotImplementedError

    def render(self, result):
        """Put ``result`` in the figure (and any text beside it)."""

    def warm_up_calls(self):
        """Calls that prepare what a later choice will need (its first compilation), run
        one after another in a background thread once the first picture is shown, kept as
        ``self.warm_up``. A choice made before they are done computes as without them; both
        meet in the same caches. None by default."""
        return ()

    def adjust(self, name):
        """Keep dependent controls consistent after ``name`` changed (runs inside one hold)."""

    def enabled(self, name):
        """Whether a control can be used now (a locked one never can)."""
        return True

    def arrange(self):
        """The rows of controls and buttons above the figure, by their ``row``."""
        rows = {}
        for spec in self.specs.values():
            rows.setdefault(spec.row, []).append(self.controls[spec.name])
        for action in self.ACTIONS:
            rows.setdefault(action.row, []).append(self.buttons[action.name])
        return [
            widgets.HBox(rows[row], layout=widgets.Layout(flex_flow="row wrap"))
            for row in sorted(rows)
        ]

    def footer(self):
        """Widgets shown under the message line."""
        return []

    # -- settings and state ------------------------------------------------------

    @property
    def settings(self):
        """Every control's value, checked and in canonical form (ValueError if one is not)."""
        return {name: spec.check(self.controls[name].value) for name, spec in self.specs.items()}

    @property
    def state(self):
        """What this widget shows, as JSON-ready data: ``lmwidgets.from_state`` rebuilds it."""
        settings = self.settings
        state = {
            "widget": type(self).__name__,
            "settings": {
                name: spec.to_json(settings[name])
                for name, spec in self.specs.items()
                if spec.saved
            },
        }
        for key, names in (("hide", self._hidden), ("lock", self._locked)):
            if names:
                state[key] = sorted(names)
        return state

    def _check_names(self, argument, names):
        if isinstance(names, str):
            names = (names,)
        known = [*self.controls, *self.buttons]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(
                f"{argument} names unknown control(s) {', '.join(map(repr, unknown))}. "
                f"Controls: {', '.join(known)}."
            )
        return set(names)

    def _apply(self, settings):
        """Constructor keywords, checked first, then set in declaration order (so their
        order in the call does not matter), each followed by ``adjust``."""
        unknown = sorted(set(settings) - set(self.specs))
        if unknown:
            raise ValueError(
                f"{type(self).__name__} has no setting {', '.join(map(repr, unknown))}. "
                f"Valid settings: {', '.join(self.specs)}, hide, lock."
            )
        checked = {name: self.specs[name].check(value) for name, value in settings.items()}
        for name in self.specs:
            if name in checked:
                self.controls[name].value = checked[name]
                self._adjust(name)
        now = self.settings
        for name, value in checked.items():
            if now[name] != value:
                others = ", ".join(f"{n}={checked[n]!r}" for n in checked if n != name)
                raise ValueError(
                    f"{name}={value!r} does not fit the other settings ({others or 'defaults'}): "
                    f"it would become {name}={now[name]!r}."
                )

    def _adjust(self, name):
        self._adjusting = True
        try:
            self.adjust(name)
        finally:
            self._adjusting = False

    def _apply_enabled(self):
        for name, control in [*self.controls.items(), *self.buttons.items()]:
            control.disabled = name in self._locked or not self.enabled(name)

    # -- updating ----------------------------------------------------------------

    @contextlib.contextmanager
    def hold_refresh(self):
        """Change several controls, then compute and draw once (like ``hold_sync``)."""
        with self.lock:
            self._held += 1
            try:
                yield self
            finally:
                self._held -= 1
                if not self._held and self._pending:
                    changed, self._pending = tuple(self._pending), []
                    self.refresh(changed)

    def _on_change(self, name, change=None):
        if self._reverting:
            return
        if change is not None and not self._adjusting:
            try:
                self.specs[name].check(change["new"])
            except (ValueError, TypeError) as error:
                self._refuse(name, change["old"], error)
                return
        with self.hold_refresh():
            if name not in self._pending:
                self._pending.append(name)
            if not self._adjusting:
                self._adjust(name)
            self._apply_enabled()

    def _refuse(self, name, old, error):
        """A value the control's spec refuses (NaN typed into a box, both handles of a
        range together): the control goes back to its last valid value, and says why.
        Nothing was computed, so ``last_error`` (the last failed computation) stays."""
        self._reverting = True
        try:
            self.controls[name].value = old
        finally:
            self._reverting = False
        self.show_message(f"{describe(error)} Kept {name}={old!r}.", kind="error")

    def show_value(self, name, value):
        """Show a computed value in control ``name`` (e.g. a weight as training changes it)
        without it counting as the learner's change: nothing is computed."""
        self._reverting = True
        try:
            self.controls[name].value = value
        finally:
            self._reverting = False

    def _act(self, method):
        try:
            getattr(self, method)()
        except Exception as error:  # noqa: BLE001 - a button must never raise
            self.last_error = error
            self.show_message(describe(error), kind="error")

    def refresh(self, changed=None):
        """Compute; if that succeeded, render and draw; else show why and keep the picture."""
        changed = frozenset(self.specs if changed is None else changed)
        with self.lock:
            try:
                result = self.compute(changed)
            except Exception as error:  # noqa: BLE001 - shown to the learner, by design
                self.last_error = error
                self.show_message(describe(error), kind="error")
                return
            self.show(result)

    def show(self, result):
        """Render a computed ``result``, make it the widget's, and draw."""
        with self.lock:
            try:
                self.render(result)
            except Exception as error:  # noqa: BLE001
                self.last_error = error
                self.show_message(describe(error), kind="error")
                return
            self.last_error = None
            self.result = result
            self.show_message(*self.notice)
            self.draw()

    # -- drawing -----------------------------------------------------------------

    def dynamic_artists(self):
        """The artists an update changes, redrawn each time over a cached picture of the
        rest (Matplotlib's blitting). The picture is redrawn when an axes' visibility or
        limits change, or ``background_key()``; a subclass that returns artists here must
        change nothing else without changing that key. The default, none: every draw draws
        the whole figure."""
        return ()

    def pixel_artists(self):
        """Figure images (``figure.figimage``) already at screen size: copied into the
        frame pixel for pixel instead of drawn (heatmaps that change every frame)."""
        return ()

    def background_key(self):
        """What the cached picture depends on besides the axes' visibility and limits."""
        return None

    def keyed_artists(self):
        """The artists ``background_key()`` or the axes' limits stand for (titles, names,
        an axis whose ticks follow its limits), where they overlap nothing else: when the
        key or the limits are new, they are drawn over a cached picture of the rest instead
        of the whole figure being drawn again. An axis (``axes.xaxis``) here means nothing
        else of its axes that is not a dynamic artist depends on its limits; its picture is
        reused wherever it shows the same ticks, labels and limits over the same rest.
        Default: none."""
        return ()

    def draw(self):
        dynamic = [*self.pixel_artists(), *self.dynamic_artists()]
        if not dynamic:
            self.image.value = render_png(self.figure)
            return
        canvas = self.figure.canvas
        keyed = [artist for artist in self.keyed_artists() if artist.get_visible()]
        axes = self.figure.axes
        layout = [(a.get_xlim(), a.get_ylim()) if a.get_visible() else None for a in axes]
        # The rest does not depend on the limits that only a keyed axis shows.
        rest = [
            (None if a.xaxis in keyed else a.get_xlim(), None if a.yaxis in keyed else a.get_ylim())
            if a.get_visible() else None
            for a in axes
        ]  # fmt: skip
        size = canvas.get_width_height()
        animated = [*dynamic, *keyed]
        for artist in animated:
            artist.set_animated(True)  # left out of canvas.draw()
        try:
            key = (self.background_key(), size, tuple(layout))
            self._restore(key, keyed, ("without keyed", size, tuple(rest)))
            pixels = np.asarray(canvas.buffer_rgba())
            height = pixels.shape[0]
            for image in self.pixel_artists():
                rgb = image.get_array()
                top = height - image.oy - rgb.shape[0]
                pixels[top : top + rgb.shape[0], image.ox : image.ox + rgb.shape[1], :3] = rgb
            for artist in self._paint_order(self.dynamic_artists()):
                self.figure.draw_artist(artist)
        finally:
            # Left animated, they would be missing from a learner's figure.savefig().
            for artist in animated:
                artist.set_animated(False)
        self.image.value = encode_frame(canvas, format=self.IMAGE_FORMAT)

    def _restore(self, key, keyed, rest_key):
        """The canvas restored to the picture cached under ``key``; when new, the ``keyed``
        artists drawn over the picture of the rest cached under ``rest_key`` (each drawn
        whole, by ``canvas.draw()``, the first time)."""
        canvas = self.figure.canvas

        def keyed_over_the_rest():
            self._cached(rest_key, canvas.draw)
            for artist in keyed:
                if isinstance(artist, Axis):
                    self._draw_axis(artist, rest_key)
                else:
                    self.figure.draw_artist(artist)

        self._cached(key, keyed_over_the_rest if keyed else canvas.draw)

    def _draw_axis(self, axis, rest_key):
        """A keyed axis drawn over the rest, or the pixels it drew there when it showed the
        same ticks and labels, copied back: different models share the numbers along some
        of their axes. Only the pixels the axis changed are kept, so nothing else drawn is
        overwritten."""
        major = axis.get_majorticklocs()
        shows = (
            tuple(axis.get_view_interval()),
            tuple(major),
            tuple(axis.major.formatter.format_ticks(major)),
            axis.major.formatter.get_offset(),
            tuple(axis.get_minorticklocs()),
            axis.label.get_text(),
        )
        key = (rest_key, axis, shows)
        pictures = self._axis_pictures
        if key in pictures:
            pictures.move_to_end(key)
            region, changed, values = pictures[key]
            np.asarray(self.figure.canvas.buffer_rgba())[region][changed] = values
            return
        before = np.array(self.figure.canvas.buffer_rgba()).view(np.uint32)[..., 0]
        self.figure.draw_artist(axis)
        after = np.asarray(self.figure.canvas.buffer_rgba())
        changed = after.view(np.uint32)[..., 0] != before  # one RGBA pixel per comparison
        rows, columns = np.nonzero(changed)
        if rows.size:
            region = (slice(rows.min(), rows.max() + 1), slice(columns.min(), columns.max() + 1))
            pictures[key] = (region, changed[region], after[region][changed[region]])
            while len(pictures) > AXIS_PICTURES_KEPT:
                pictures.popitem(last=False)

    def _cached(self, key, paint):
        """The canvas restored to the picture cached under ``key``, painted first if new."""
        canvas, backgrounds = self.figure.canvas, self._backgrounds
        if key in backgrounds:
            backgrounds.move_to_end(key)
            canvas.restore_region(backgrounds[key])
            return
        paint()
        backgrounds[key] = canvas.copy_from_bbox(self.figure.bbox)
        while len(backgrounds) > BACKGROUNDS_KEPT:
            backgrounds.popitem(last=False)

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
            # Not the axes' background (a full draw paints it first, whatever its zorder) nor
            # text (drawn twice over the cached picture, it would look bold).
            above = [
                a
                for a in children
                if a.get_zorder() > lowest
                and a.get_visible()
                and a is not axes.patch
                and not isinstance(a, Text)
            ]
            order = {id(a): i for i, a in enumerate(children)}
            chosen = {id(a): a for a in [*own, *above]}.values()
            painted += sorted(chosen, key=lambda a: (a.get_zorder(), order[id(a)]))
        figure_level = [a for a in dynamic if a.axes is None and a.get_visible()]
        return painted + figure_level

    def show_message(self, text, kind="info"):
        if not text:
            self.message.value = ""
            return
        color = {"error": "#b00020", "warning": "#8a5300"}.get(kind, "#333")
        self.message.value = f'<span style="color:{color}">{html.escape(text)}</span>'

    def close(self):
        """Close every child widget and free the figure: nothing stays registered."""
        if sys.is_finalizing():  # ipywidgets closes every widget at exit: nothing to free then
            return
        for child in _descendants(self):
            child.close()
        if getattr(self, "figure", None) is not None:
            self.figure.clear()
        self._backgrounds = OrderedDict()
        self._axis_pictures = OrderedDict()
        super().close()

    def __repr__(self):
        # Shown where the widget cannot be (a static view of the notebook); stable for nbval.
        return type(self).__name__ + language.say(
            "(run this cell in Jupyter to use the widget)",
            "（在 Jupyter 中运行这个单元格即可使用控件）",
        )


def _descendants(widget):
    """Every widget below this one, with the Layout and Style models each one owns."""
    found = []
    children = [*getattr(widget, "children", ())]
    for name in ("controls", "buttons"):
        children += list(getattr(widget, name, {}).values())
    for child in children:
        found += [*_descendants(child), child]
    for name in ("layout", "style"):
        part = getattr(widget, name, None)
        if isinstance(part, widgets.Widget):
            found.append(part)
    return found


def from_state(state, **data):
    """The widget a ``state`` describes (a dict or its JSON text), with the same settings.

    Widgets that show your own data or model (``FeatureMapExplorer``, ``MetricsExplorer``,
    ``SamplingExplorer``, ``Playground(data=...)``) need it passed again as keywords.
    """
    import lmwidgets

    if isinstance(state, str | bytes):
        state = json.loads(state)
    if not isinstance(state, dict) or "widget" not in state or "settings" not in state:
        raise ValueError(
            "A state is a dict (or JSON text) with 'widget' and 'settings', as widget.state "
            f"gives. Received: {state!r:.200}."
        )
    name = state["widget"]
    widget_class = getattr(lmwidgets, name, None) if isinstance(name, str) else None
    if not (isinstance(widget_class, type) and issubclass(widget_class, Explorer)):
        raise ValueError(
            f"Unknown widget {name!r} in the state. Widgets: {', '.join(widget_names())}."
        )
    required = [
        parameter.name
        for parameter in inspect.signature(widget_class).parameters.values()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    ]
    missing = [argument for argument in required if argument not in data]
    if missing:
        raise ValueError(
            f"{name} shows data of yours: pass {', '.join(f'{m}=...' for m in missing)} "
            "to from_state as well."
        )
    extra = {key: state[key] for key in ("hide", "lock") if key in state}
    return widget_class(**data, **state["settings"], **extra)


def widget_names():
    """The names of every explorer widget class the package exports."""
    import lmwidgets

    return [
        name
        for name in lmwidgets.__all__
        if name[0].isupper()
        and isinstance(getattr(lmwidgets, name), type)
        and issubclass(getattr(lmwidgets, name), Explorer)
    ]
