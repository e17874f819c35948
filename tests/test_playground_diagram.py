"""The Playground's network diagram: its parts' names, the TensorFlow Playground's link scale,
reading and setting a weight, and a neuron's heatmap shown large."""

import lmwidgets
from lmwidgets.core import playground_diagram as diagram
from lmwidgets.core.playground_session import PlaygroundSession
from lmwidgets.widgets import playground as module

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given
from matplotlib.colors import to_rgba


def d3_link_width(weight):
    """playground.ts: d3.scale.linear().domain([0, 5]).range([1, 10]).clamp(true)(|w|)."""
    t = min(max(abs(weight) / 5, 0), 1)
    return 1 + t * 9


@given(st.floats(-1e6, 1e6))
def test_link_widths_are_the_tensorflow_playgrounds(weight):
    assert diagram.link_widths([weight])[0] == pytest.approx(d3_link_width(weight))


def test_link_width_examples():
    assert list(diagram.link_widths([0, 2.5, -5, 50])) == [1, 5.5, 10, 10]


def test_names_count_every_weight_and_bias_of_the_keras_model():
    session = PlaygroundSession()
    session.make_data(features=("x1", "x2", "sin(x1)"))
    session.make_network(layers=(3, 2))
    shape = session.diagram_shape()
    assert diagram.neuron_names(*shape) == [
        "x1", "x2", "sin(x1)", "h1.1", "h1.2", "h1.3", "h2.1", "h2.2", "output",
    ]  # fmt: skip
    links = diagram.link_names(*shape)
    assert len(links) == session.model.count_params() == 3 * 3 + 3 + 3 * 2 + 2 + 2 + 1
    assert links[:4] == ["x1 -> h1.1", "x1 -> h1.2", "x1 -> h1.3", "x2 -> h1.1"]
    assert "bias -> output" in links and "h2.2 -> output" in links
    several = diagram.neuron_names(("x1",), (), 3)
    assert several == ["x1", "output.1", "output.2", "output.3"]


@pytest.mark.backends
def test_every_link_sets_the_keras_weight_it_names():
    """Each name, set to a distinct value, lands where Keras keeps that weight: the model's
    get_weights() (kernel (inputs, units), bias (units,), layer by layer) is the reference."""
    session = PlaygroundSession()
    session.make_data()
    session.make_network(layers=(3, 2))
    shape = session.diagram_shape()
    sizes = [len(shape[0]), *shape[1], shape[2]]
    for value, link in enumerate(diagram.link_names(*shape), start=1):
        session.set_weight(link, value)
    expected, value = [], 1
    for n_in, n_out in zip(sizes, sizes[1:], strict=False):
        kernel = np.arange(value, value + n_in * n_out).reshape(n_in, n_out)
        value += n_in * n_out
        bias = np.arange(value, value + n_out)
        value += n_out
        expected += [kernel, bias]
    for got, want in zip(session.model.get_weights(), expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.backends
def test_a_set_weight_changes_the_neuron_it_feeds_as_the_formula_says():
    session = PlaygroundSession()
    session.make_data()
    session.make_network(layers=(4, 2), activations="tanh")
    session.set_weight("x2 -> h1.3", 1.25)
    session.set_weight("bias -> h1.3", -0.5)
    result = session.snapshot()
    kernel, bias = result["weights"][0]
    assert kernel[1, 2] == 1.25 and bias[2] == -0.5
    features = result["feature_maps"]  # the grid's x1, x2
    expected = np.tanh(features @ kernel[:, 2] + bias[2])
    np.testing.assert_allclose(result["neurons"][0][..., 2], expected, atol=1e-5)


def test_unknown_parts_are_refused_naming_what_exists():
    session = PlaygroundSession()
    session.make_data()
    session.make_network(layers=(2,))
    with pytest.raises(ValueError, match=r"link must be a link of this network, e.g. 'x1 -> h1.1'"
                       r" \(9 in all\). Received: link='h2.1 -> output'"):  # fmt: skip
        session.set_weight("h2.1 -> output", 1.0)
    with pytest.raises(ValueError, match="value must be"):
        session.set_weight("x1 -> h1.1", float("nan"))
    with pytest.raises(ValueError, match="neuron must be one of x1, x2, h1.1, h1.2, output"):
        diagram.neuron_index(*session.diagram_shape(), "h1.3")


@pytest.fixture()
def playground():
    widget = lmwidgets.Playground(layers=(4, 2))
    yield widget
    widget.close()


def test_the_links_are_drawn_with_the_weights_widths_and_colours(playground):
    playground.step(3)
    links = playground._links
    kernels = np.concatenate([k.ravel() for k, _ in playground.result["weights"]])
    assert len(links.get_segments()) == len(kernels) == 2 * 4 + 4 * 2 + 2
    points = 72 / module.DPI
    np.testing.assert_allclose(links.get_linewidths(), [d3_link_width(w) * points for w in kernels])
    colors = links.get_colors()
    blue, orange = np.array(to_rgba("#0877bd")), np.array(to_rgba("#f59322"))
    for weight, color in zip(kernels, colors, strict=True):
        if weight >= 1:
            np.testing.assert_allclose(color, blue, atol=0.01)
        elif weight <= -1:
            np.testing.assert_allclose(color, orange, atol=0.01)
    # "x2 -> h1.3" (the 7th weight) runs from x2's right edge to h1.3's left edge.
    (x0, y0), (x1, y1) = links.get_segments()[6] * module.FIGURE_PIXELS
    lefts = module._column_lefts(3)
    assert (x0, y0) == pytest.approx((lefts[0] + module.CELL, module._row_middle(1)))
    assert (x1, y1) == pytest.approx((lefts[1], module._row_middle(2)))


@pytest.mark.backends
def test_a_weight_is_read_and_set_through_the_controls_and_training_goes_on(playground):
    playground.step(5)
    controls = playground.controls
    assert controls["weight"].disabled  # no link picked
    controls["link"].value = "x1 -> h1.2"
    assert not controls["weight"].disabled
    kernel = playground.session.dense_weights()[0][0]
    assert controls["weight"].value == pytest.approx(kernel[0, 1])
    assert playground.result["link_weight"] == pytest.approx(kernel[0, 1])
    assert "x1 -&gt; h1.2" in playground.status.value
    controls["weight"].value = 3.0  # the learner types a weight
    assert playground.session.dense_weights()[0][0][0, 1] == 3.0
    assert playground.result["epoch"] == 5 and playground.result["link_weight"] == 3.0
    playground.step(1)  # training goes on from it, and the box follows
    now = playground.session.dense_weights()[0][0][0, 1]
    assert now != 3.0 and controls["weight"].value == pytest.approx(now)
    playground.set_weight("bias -> output", -0.25)
    assert playground.session.dense_weights()[-1][1][0] == -0.25
    assert controls["link"].value == "bias -> output"
    with pytest.raises(ValueError, match="link must be a link of this network"):
        playground.set_weight("x3 -> h1.1", 1.0)


def test_the_pickers_follow_the_network(playground):
    controls = playground.controls
    controls["link"].value = "h2.2 -> output"
    controls["neuron"].value = "h2.2"
    controls["layers"].value = (3,)  # h2.2 is gone: back to the output and no link
    assert controls["link"].value == "none" and controls["neuron"].value == "output"
    assert controls["link"].options == ("none", *diagram.link_names(("x1", "x2"), (3,), 1))
    controls["dataset"].value = "spiral"
    controls["classes"].value = 3
    assert controls["neuron"].options[-3:] == ("output.1", "output.2", "output.3")
    assert playground.last_error is None


def test_a_picked_neuron_is_shown_large(playground):
    playground.step(2)
    playground.controls["neuron"].value = "h1.3"
    result = playground.result
    big = playground._boundary_image.get_array()
    side = module.BOUNDARY_BOX[2]
    expected = module._resize(module.shades(result["neurons"][0][..., 2])[::-1], side)
    np.testing.assert_array_equal(big, expected)
    playground.controls["neuron"].value = "x2"
    expected = module._resize(module.shades(result["feature_maps"][..., 1])[::-1], side)
    np.testing.assert_array_equal(playground._boundary_image.get_array(), expected)


def test_keywords_pick_parts_of_the_network_they_make():
    widget = lmwidgets.Playground(layers=(3, 3, 3), neuron="h3.2", link="h3.3 -> output",
                                  weight=0.75)  # fmt: skip
    assert widget.result["neuron"] == "h3.2" and widget.result["link_weight"] == 0.75
    assert widget.session.dense_weights()[3][0][2, 0] == 0.75
    again = lmwidgets.from_state(widget.state)
    assert again.state == widget.state  # the picks are saved; the weight is the model's
    for other in (widget, again):
        other.close()
    with pytest.raises(ValueError, match=r"neuron must be one of .*Received: neuron='h3.2'"):
        lmwidgets.Playground(layers=(3,), neuron="h3.2")
    with pytest.raises(ValueError, match="sets the weight of a link: give link= too"):
        lmwidgets.Playground(weight=1.0)
