"""Declared controls, for every widget class: state that round-trips through JSON,
keywords in any order, one message format for refused values, hide and lock,
one refresh per held change, compute-then-render and ``last_error``."""

import json

import lmwidgets
from lmwidgets.widgets._base import Explorer, widget_names

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from tests.strategies import make, valid, widget_data

EXPECTED_WIDGETS = {
    "ActivationExplorer", "LossExplorer", "OptimizerPlayground", "TrainingDashboard",
    "MetricsExplorer", "OverfittingExplorer", "NeuronExplorer", "ScaleCalculator",
    "ModelTimeline", "ScalingLawLab", "Playground", "FeatureMapExplorer", "SamplingExplorer",
    "ScheduleExplorer",
}  # fmt: skip
# Widgets whose first picture trains a model: their states are checked, not fuzzed.
TRAINS = {"TrainingDashboard", "OverfittingExplorer", "Playground", "ScalingLawLab"}


@pytest.fixture(scope="module")
def data():
    return widget_data()


def assert_same(a, b, path="result"):
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), path
        for key in a:
            assert_same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, list | tuple) and not (a and isinstance(a[0], int | float | np.number)):
        assert len(a) == len(b), path
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{index}]")
    elif isinstance(a, np.ndarray | list | tuple | float | np.floating | int):
        np.testing.assert_allclose(
            np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-6, err_msg=path
        )
    else:
        assert a == b, path


def test_every_widget_class_declares_its_controls():
    assert set(widget_names()) == EXPECTED_WIDGETS
    for name in widget_names():
        widget_class = getattr(lmwidgets, name)
        assert widget_class.CONTROLS, name
        assert "Settings (keywords" in widget_class.__doc__, name
    assert not issubclass(lmwidgets.LiveLossPlot, Explorer)  # a Keras callback, not a widget


@pytest.mark.parametrize("name", sorted(EXPECTED_WIDGETS))
def test_state_is_json_and_rebuilds_the_same_widget(name, data):
    widget = make(name, data)
    assert widget.last_error is None, widget.message.value
    state = widget.state
    text = json.dumps(state)
    assert state["widget"] == name
    assert set(state["settings"]) == {n for n, s in widget.specs.items() if s.saved}
    again = type(widget)(**data.get(name, {}), **state["settings"])
    from_text = lmwidgets.from_state(text, **data.get(name, {}))
    for other in (again, from_text):
        assert type(other) is type(widget)
        assert other.state == state
        assert_same(widget.result, other.result)
        other.close()
    widget.close()


@pytest.mark.parametrize("name", sorted(EXPECTED_WIDGETS))
def test_unknown_keyword_lists_the_valid_ones(name, data):
    with pytest.raises(ValueError, match="has no setting 'colour'") as error:
        make(name, data, colour="red")
    first = next(iter(getattr(lmwidgets, name).CONTROLS)).name
    assert first in str(error.value)


FUZZED = sorted(EXPECTED_WIDGETS - TRAINS - {"FeatureMapExplorer", "SamplingExplorer"})


@pytest.mark.parametrize("name", FUZZED)
def test_random_valid_states_round_trip(name, data):
    specs = getattr(lmwidgets, name).CONTROLS

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({}, optional={s.name: valid(s) for s in specs if s.saved}))
    def round_trip(chosen):
        try:
            widget = make(name, data, **chosen)
        except ValueError as error:  # settings that do not fit together must say so
            assert "does not fit" in str(error) or "must be" in str(error), str(error)
            return
        again = lmwidgets.from_state(json.dumps(widget.state), **data.get(name, {}))
        assert again.state == widget.state
        if widget.last_error is None:
            assert_same(widget.result, again.result)
        else:
            assert again.last_error is not None and again.message.value == widget.message.value
        widget.close()
        again.close()

    round_trip()


def test_hide_and_lock_keep_values_and_stay_settable():
    neuron = lmwidgets.NeuronExplorer(hide=("bias",), lock=["activation"], bias=0.5)
    assert neuron.controls["bias"].layout.display == "none"
    assert neuron.controls["activation"].disabled
    assert not neuron.controls["weight"].disabled
    neuron.controls["activation"].value = "tanh"  # from Python, as before
    neuron.controls["bias"].value = 1.0
    assert neuron.result["activation"] == "tanh" and neuron.result["bias"] == 1.0
    assert neuron.controls["activation"].disabled  # still locked after a change
    state = neuron.state
    assert state["hide"] == ["bias"] and state["lock"] == ["activation"]
    again = lmwidgets.from_state(state)
    assert again.controls["bias"].layout.display == "none" and again.controls["activation"].disabled
    with pytest.raises(ValueError, match="unknown control.*'colour'.*weight, bias"):
        lmwidgets.NeuronExplorer(hide=("colour",))


def test_keywords_do_not_depend_on_their_order():
    first = lmwidgets.NeuronExplorer(weight=2.0, bias=-1.0, activation="tanh")
    second = lmwidgets.NeuronExplorer(activation="tanh", bias=-1.0, weight=2.0)
    assert first.state == second.state
    assert_same(first.result, second.result)


def test_hold_refresh_computes_once_with_every_changed_name(monkeypatch):
    neuron = lmwidgets.NeuronExplorer()
    seen = []
    compute = type(neuron).compute
    monkeypatch.setattr(
        type(neuron),
        "compute",
        lambda self, changed: seen.append(changed) or compute(self, changed),
    )
    with neuron.hold_refresh():
        neuron.controls["weight"].value = 2.0
        neuron.controls["bias"].value = 1.0
        assert not seen
    assert seen == [frozenset({"weight", "bias"})]
    neuron.controls["activation"].value = "sigmoid"
    assert seen[-1] == frozenset({"activation"})
    assert neuron.result["weight"] == 2.0 and neuron.result["activation"] == "sigmoid"


def test_a_failed_compute_keeps_the_picture_and_says_what_failed(monkeypatch):
    neuron = lmwidgets.NeuronExplorer()
    picture, result = neuron.image.value, neuron.result

    def broken(self, changed):
        raise KeyError("x")

    monkeypatch.setattr(type(neuron), "compute", broken)
    neuron.controls["weight"].value = -2.0
    assert neuron.image.value == picture and neuron.result is result
    assert "KeyError: &#x27;x&#x27;" in neuron.message.value
    assert isinstance(neuron.last_error, KeyError)
    monkeypatch.undo()
    neuron.controls["weight"].value = -1.0
    assert neuron.last_error is None and neuron.message.value == ""
    assert neuron.result["weight"] == -1.0


def test_a_bad_value_from_the_front_end_is_a_message():
    explorer = lmwidgets.NeuronExplorer()
    before = explorer.result
    explorer.controls["x_range"].value = (2.0, 2.0)  # both handles together
    assert "x_range must be" in explorer.message.value
    assert explorer.controls["x_range"].value == (-3.0, 3.0)  # back to the last valid value
    assert explorer.result is before and explorer.last_error is None  # nothing recomputed
    explorer.controls["weight"].value = 2.0  # the next change works as always
    assert explorer.message.value == "" and explorer.result["weight"] == 2.0


def test_from_state_refuses_what_is_not_a_state(data):
    with pytest.raises(ValueError, match="'widget' and 'settings'"):
        lmwidgets.from_state({"settings": {}})
    with pytest.raises(ValueError, match="Unknown widget 'Nope'.*NeuronExplorer"):
        lmwidgets.from_state({"widget": "Nope", "settings": {}})
    state = make("MetricsExplorer", data).state
    with pytest.raises(ValueError, match="pass y_true=..., scores=..."):
        lmwidgets.from_state(state)


def test_close_leaves_no_child_widget_registered():
    from ipywidgets.widgets.widget import _instances

    before = set(_instances)
    neuron = lmwidgets.NeuronExplorer()
    neuron.close()
    assert set(_instances) <= before
    assert not neuron.figure.axes


def test_show_hides_everything_else():
    neuron = lmwidgets.NeuronExplorer(show=("weight",))
    assert neuron.controls["weight"].layout.display != "none"
    assert all(neuron.controls[n].layout.display == "none" for n in ("bias", "activation"))
    assert lmwidgets.from_state(neuron.state).controls["bias"].layout.display == "none"
    with pytest.raises(ValueError, match="not both"):
        lmwidgets.NeuronExplorer(show=("weight",), hide=("bias",))


@pytest.mark.parametrize("name", sorted(EXPECTED_WIDGETS))
def test_close_frees_every_widget_class(name, data):
    from ipywidgets.widgets.widget import _instances

    make(name, data).close()  # first build: caches that live as long as the kernel
    before = len(_instances)
    for _ in range(2):
        widget = make(name, data)
        widget.close()
        assert not widget.figure.axes
    assert len(_instances) == before
