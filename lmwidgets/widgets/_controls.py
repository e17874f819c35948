"""Controls declared as data: one ``Control`` spec per control a learner touches.

A widget lists its controls as specs (name, kind, default, range or options, role,
row, label); ``Explorer`` builds the ipywidgets from them, checks every value set
from Python through ``Control.check`` (one message format: what was received, what
is allowed), and saves and restores them as JSON. A *kind* says how a value looks
and which ipywidget shows it; the kinds are the ``KINDS`` registry below, the
Playground's own controls (feature toggles, the layer editor, one activation per
layer) among them.
"""

import dataclasses
import math
import numbers

from lmwidgets.core import playground_data
from lmwidgets.core import playground_model as network
from lmwidgets.language import Words, say, text

import ipywidgets as widgets
import traitlets

ROLES = ("data", "model", "live")
MAX_PART_NAME = 200  # characters of a part's name (a link between two own features is long)


@dataclasses.dataclass(frozen=True)
class Control:
    """One control: what it is called, what it holds, and how it is shown.

        ``kind``: a key of ``KINDS``. ``options``: the allowed values of a choice, or
        ``(label, value)`` pairs. ``low``/``high``/``step``: a number's range (for
        ``log`` kinds in the value's own units). ``role``: ``data`` (a change makes new
        data), ``model`` (a new model) or ``live`` (only recomputes). ``row``: which
        row of the widget shows it. ``label``: the text beside it (default: the name), in both
    languages as ``Words(en, zh)``; an option's label may be ``Words`` too.
        ``saved``: part of ``widget.state`` (False for e.g. a play button).
        ``continuous``: False to change the value only when a slider is let go or a text
        is entered (for controls whose change costs seconds, e.g. one that retrains).
    """

    name: str
    kind: str
    default: object
    options: tuple = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    role: str = "live"
    row: int = 0
    label: str | Words | None = None
    width: str | None = None
    saved: bool = True
    continuous: bool = True

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(
                f"Unknown kind {self.kind!r} for {self.name}. Kinds: {', '.join(KINDS)}."
            )
        if self.role not in ROLES:
            raise ValueError(
                f"Unknown role {self.role!r} for {self.name}. Roles: {', '.join(ROLES)}."
            )

    @property
    def text(self):
        return text(self.label) if self.label is not None else self.name.replace("_", " ")

    @property
    def shown_options(self):
        """The options as the widget lists them: labels in the language now."""
        return tuple((text(o[0]), o[1]) if isinstance(o, tuple) else o for o in self.options)

    @property
    def values(self):
        """A choice's allowed values (without their labels)."""
        return tuple(o[1] if isinstance(o, tuple) else o for o in self.options)

    def check(self, value):
        """The value in its canonical form, or ValueError naming what is allowed."""
        try:
            return KINDS[self.kind].check(self, value)
        except _Refused as refusal:
            raise ValueError(
                f"{self.name} must be {refusal.allowed}. Received: {self.name}={value!r}."
            ) from None

    def build(self, value):
        control = KINDS[self.kind].build(self, value)
        # A class a CSS selector can name: "a.b" -> "lmw-control-a-b".
        control.add_class(f"lmw-control-{self.name.replace('.', '-')}")
        return control

    def to_json(self, value):
        return KINDS[self.kind].to_json(value)


class _Refused(Exception):
    def __init__(self, allowed):
        super().__init__(allowed)
        self.allowed = allowed


def _style():
    return {"style": {"description_width": "initial"}}


def _layout(spec):
    return {"layout": widgets.Layout(width=spec.width)} if spec.width else {}


def _typed(spec):
    """Layout, and when to send the value, of a slider or a text box."""
    return {**_layout(spec), **({} if spec.continuous else {"continuous_update": False})}


def _number(spec, value, integer):
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if integer:
        is_number = is_number and float(value).is_integer()
    kind = "an integer" if integer else "a number"
    allowed = f"{kind} from {spec.low:g} to {spec.high:g}"
    if not is_number or not math.isfinite(value) or not spec.low <= value <= spec.high:
        raise _Refused(allowed)
    return int(value) if integer else float(value)


class Kind:
    """How one kind of control is checked, built and saved."""

    def check(self, spec, value):
        raise NotImplementedError

    def build(self, spec, value):
        raise NotImplementedError

    def to_json(self, value):
        return value


class NumberKind(Kind):
    """A number in ``[low, high]``: a slider or a box; an integer where ``integer``."""

    def __init__(self, widget=widgets.FloatSlider, integer=False):
        self.widget, self.integer = widget, integer

    def check(self, spec, value):
        return _number(spec, value, integer=self.integer)

    def build(self, spec, value):
        extra = {}
        if self.widget in (widgets.FloatSlider, widgets.IntSlider):
            extra["step"] = spec.step or (1 if self.integer else (spec.high - spec.low) / 100)
        return self.widget(
            value=value, min=spec.low, max=spec.high, description=spec.text,
            **extra, **_style(), **_typed(spec),
        )  # fmt: skip


class LogKind(NumberKind):
    """A positive number on a log slider; ``low``/``high`` in the value's units."""

    def build(self, spec, value):
        return widgets.FloatLogSlider(
            value=value, base=10, min=math.log10(spec.low), max=math.log10(spec.high),
            step=spec.step or 0.1, readout_format=".2g", description=spec.text,
            **_style(), **_typed(spec),
        )  # fmt: skip


class ChoiceKind(Kind):
    def __init__(self, widget=widgets.Dropdown):
        self.widget = widget

    def check(self, spec, value):
        for allowed in spec.values:
            if value == allowed and type(value) is not bool or value is allowed:
                return allowed
        raise _Refused(f"one of {', '.join(map(repr, spec.values))}")

    def build(self, spec, value):
        return self.widget(
            options=spec.shown_options, value=value, description=spec.text, **_style(),
            **_layout(spec),
        )  # fmt: skip


class BoolKind(Kind):
    def __init__(self, widget=widgets.Checkbox):
        self.widget = widget

    def check(self, spec, value):
        if not isinstance(value, bool):
            raise _Refused("True or False")
        return value

    def build(self, spec, value):
        extra = {"indent": False} if self.widget is widgets.Checkbox else {}
        return self.widget(value=value, description=spec.text, **extra, **_layout(spec))


class TextKind(Kind):
    def check(self, spec, value):
        if not isinstance(value, str) or not spec.low <= len(value) <= spec.high:
            raise _Refused(f"a text of {spec.low:g} to {spec.high:g} characters")
        return value

    def build(self, spec, value):
        return widgets.Text(value=value, description=spec.text, **_style(), **_typed(spec))


class FeatureKind(TextKind):
    """A learner's own input feature of x1 and x2 (``playground_data.parse_feature``), or
    empty for none; a text box that sends its value when Enter is pressed or it is left."""

    def check(self, spec, value):
        if value == "":
            return value
        problem = playground_data.feature_problem(value)
        if problem:
            raise _Refused(f"empty or {problem}")
        return value.strip()

    def build(self, spec, value):
        return widgets.Text(
            value=value, description=spec.text, placeholder="x1*x2 + sin(x1)",
            continuous_update=False, **_style(), **_layout(spec),
        )  # fmt: skip


class PartKind(Kind):
    """A part of the widget's picture chosen by name (a neuron, a link of a network): a
    dropdown whose options the widget sets from what the picture has now. The spec checks
    the form of a name; the widget checks that the part exists and says which do."""

    def check(self, spec, value):
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_PART_NAME:
            raise _Refused(f"a name of 1 to {MAX_PART_NAME} characters, as the picture names it")
        return value

    def build(self, spec, value):
        return widgets.Dropdown(
            options=(value,), value=value, description=spec.text, **_style(), **_layout(spec)
        )


def _sequence(value):
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise _Refused("a list")
    return tuple(value)


class SequenceKind(Kind):
    """A kind whose value is a tuple: saved as a JSON list."""

    def to_json(self, value):
        return list(value)


class MultiChoiceKind(SequenceKind):
    """Several of the options at once (at least ``low``, default one), in the options' order."""

    def __init__(self, widget=widgets.SelectMultiple):
        self.widget = widget

    def check(self, spec, value):
        minimum = int(spec.low if spec.low is not None else 1)
        allowed = f"a list of at least {minimum} of {', '.join(map(str, spec.values))}"
        try:
            chosen = _sequence(value)
        except _Refused:
            raise _Refused(allowed) from None
        if len(chosen) < minimum or any(name not in spec.values for name in chosen):
            raise _Refused(allowed)
        return tuple(name for name in spec.values if name in chosen)

    def build(self, spec, value):
        if self.widget is ToggleSet:
            return ToggleSet(spec.values, value, description=spec.text)
        rows = min(len(spec.values), 8)
        return widgets.SelectMultiple(
            options=spec.shown_options, value=value, rows=rows, description=spec.text, **_style()
        )


class RangeKind(SequenceKind):
    """An interval ``(low, high)`` inside the spec's range."""

    def check(self, spec, value):
        allowed = f"a pair (low, high) with {spec.low:g} <= low < high <= {spec.high:g}"
        try:
            low, high = _sequence(value)
            low, high = _number(spec, low, False), _number(spec, high, False)
        except (_Refused, ValueError):
            raise _Refused(allowed) from None
        if not low < high:
            raise _Refused(allowed)
        return (low, high)

    def build(self, spec, value):
        return widgets.FloatRangeSlider(
            value=value, min=spec.low, max=spec.high, step=spec.step or 0.1,
            description=spec.text, **_style(), **_typed(spec),
        )  # fmt: skip


class LayersKind(SequenceKind):
    """Hidden layers as neuron counts, e.g. ``(4, 2)``; ``()`` is no hidden layer."""

    def check(self, spec, value):
        allowed = (
            f"a list of up to {network.MAX_LAYERS} layer sizes, "
            f"each from 1 to {network.MAX_NEURONS}"
        )
        try:
            return network.check_layers(_sequence(value))
        except (_Refused, ValueError, TypeError):
            raise _Refused(allowed) from None

    def build(self, spec, value):
        return LayersControl(value)


class PerLayerKind(MultiChoiceKind):
    """One of the options per hidden layer, e.g. ``("tanh", "relu")``."""

    def check(self, spec, value):
        allowed = f"a list of names from {', '.join(spec.values)}, one per hidden layer"
        try:
            chosen = _sequence(value)
        except _Refused:
            raise _Refused(allowed) from None
        if any(name not in spec.values for name in chosen):
            raise _Refused(allowed)
        return chosen

    def build(self, spec, value):
        return LayerActivations(spec.values, value)


KINDS = {
    "float": NumberKind(),
    "float_text": NumberKind(widgets.BoundedFloatText),
    "log": LogKind(),
    "int": NumberKind(widgets.IntSlider, integer=True),
    "int_text": NumberKind(widgets.BoundedIntText, integer=True),
    "choice": ChoiceKind(),
    "buttons": ChoiceKind(widgets.ToggleButtons),
    "toggle": BoolKind(),
    "toggle_button": BoolKind(widgets.ToggleButton),
    "text": TextKind(),
    "feature": FeatureKind(),
    "part": PartKind(),
    "multi": MultiChoiceKind(),
    "toggles": None,  # set below, after ToggleSet
    "range": RangeKind(),
    "layers": LayersKind(),
    "per_layer": PerLayerKind(),
}


@dataclasses.dataclass(frozen=True)
class Action:
    """A button: ``widget.buttons[name]`` calls ``widget.<method>()`` (default: the name)."""

    name: str
    label: str | Words | None = None
    icon: str = ""
    row: int = 0
    method: str | None = None
    style: str = ""

    def build(self):
        button = widgets.Button(
            description=text(self.label) or self.name, icon=self.icon, button_style=self.style,
            layout=widgets.Layout(width="auto"),
        )  # fmt: skip
        button.add_class(f"lmw-button-{self.name}")
        return button


class ToggleSet(widgets.HBox):
    """A row of toggle buttons whose ``value`` is the tuple of names switched on."""

    value = traitlets.Tuple()

    def __init__(self, options, value, description=""):
        self._showing = False
        self._buttons = {
            name: widgets.ToggleButton(
                description=name, value=name in value, layout=widgets.Layout(width="76px")
            )
            for name in options
        }
        for button in self._buttons.values():
            button.observe(self._on_toggle, names="value")
        label = widgets.Label(description, layout=widgets.Layout(width="70px"))
        super().__init__(children=[label, *self._buttons.values()])
        self.value = tuple(value)

    @traitlets.observe("value")
    def _show(self, change):
        self._showing = True  # the buttons follow the value: no value of their own meanwhile
        try:
            for name, button in self._buttons.items():
                button.value = name in change["new"]
        finally:
            self._showing = False

    @traitlets.observe("disabled")
    def _disable(self, change):
        for button in self._buttons.values():
            button.disabled = change["new"]

    disabled = traitlets.Bool(False)

    def _on_toggle(self, change):
        if self._showing:
            return
        self.value = tuple(name for name, button in self._buttons.items() if button.value)


KINDS["toggles"] = MultiChoiceKind(ToggleSet)


class LayersControl(widgets.HBox):
    """Hidden layers as the Playground edits them: +/- a layer, +/- a neuron in each.

    Its buttons and labels are made once, for the most layers allowed, and a change shows,
    hides and relabels them: new widgets would each cost the browser a new view (a new
    layer took about 200 ms to show) and stay open in the kernel.
    """

    value = traitlets.Tuple()
    disabled = traitlets.Bool(False)

    def __init__(self, value=(4, 2)):
        super().__init__(layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.add = widgets.Button(
            description=say("+ layer", "+ 层"), layout=widgets.Layout(width="70px")
        )
        self.remove = widgets.Button(
            description=say("- layer", "- 层"), layout=widgets.Layout(width="70px")
        )
        self.add.on_click(lambda _: self._set(self.value + (self.value[-1] if self.value else 2,)))
        self.remove.on_click(lambda _: self._set(self.value[:-1]))
        self.layer_columns = []
        for index in range(network.MAX_LAYERS):
            fewer = widgets.Button(description="-", layout=widgets.Layout(width="34px"))
            more = widgets.Button(description="+", layout=widgets.Layout(width="34px"))
            fewer.on_click(lambda _, i=index: self._resize(i, -1))
            more.on_click(lambda _, i=index: self._resize(i, +1))
            label = widgets.Label(layout=widgets.Layout(width="68px"))
            self.layer_columns.append(widgets.HBox([fewer, label, more]))
        title = widgets.Label(say("hidden layers", "隐藏层"), layout=widgets.Layout(width="90px"))
        self.children = [title, self.add, self.remove, *self.layer_columns]
        self.value = tuple(value)

    @traitlets.observe("value", "disabled")
    def _update(self, change):
        layers, locked = self.value, self.disabled
        self.add.disabled = locked or len(layers) >= network.MAX_LAYERS
        self.remove.disabled = locked or not layers
        for index, column in enumerate(self.layer_columns):
            fewer, label, more = column.children
            shown = index < len(layers)
            column.layout.display = None if shown else "none"
            if shown:
                units = layers[index]
                label.value = say(f"{units} neurons", f"{units} 个神经元")
                more.disabled = locked or units >= network.MAX_NEURONS
                fewer.disabled = locked or units <= 1

    def _set(self, layers):
        self.value = tuple(layers)

    def _resize(self, index, delta):
        layers = list(self.value)
        layers[index] = min(max(layers[index] + delta, 1), network.MAX_NEURONS)
        self.value = tuple(layers)


class LayerActivations(widgets.HBox):
    """One activation dropdown per hidden layer; ``value`` is the tuple of their names.
    The dropdowns are made once, for the most layers allowed, and shown as layers come."""

    value = traitlets.Tuple()
    disabled = traitlets.Bool(False)

    def __init__(self, options, value):
        super().__init__()
        self.dropdowns = []
        for index in range(network.MAX_LAYERS):
            width = widgets.Layout(width="110px")
            dropdown = widgets.Dropdown(options=tuple(options), layout=width)
            dropdown.observe(lambda c, i=index: self._on_pick(i, c["new"]), names="value")
            self.dropdowns.append(dropdown)
        label = widgets.Label(say("per layer", "每层"), layout=widgets.Layout(width="70px"))
        self.children = [label, *self.dropdowns]
        self.value = tuple(value)

    @traitlets.observe("value", "disabled")
    def _update(self, change):
        names = self.value
        for index, dropdown in enumerate(self.dropdowns):
            dropdown.disabled = self.disabled
            shown = index < len(names)
            dropdown.layout.display = None if shown else "none"
            if shown:
                dropdown.value = names[index]

    def _on_pick(self, index, name):
        names = list(self.value)
        if index < len(names) and names[index] != name:
            names[index] = name
            self.value = tuple(names)
