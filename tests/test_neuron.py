"""One neuron: the Keras Dense layer against the closed form, and the widget contracts."""

import lmwidgets
from lmwidgets.core.neuron import ACTIVATIONS, neuron_output

import numpy as np
import pytest
from matplotlib.figure import Figure

pytestmark = pytest.mark.backends

X = np.linspace(-3, 3, 13)
CLOSED_FORMS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
}


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_neuron_output_matches_closed_form(activation):
    y = neuron_output(X, weight=-1.5, bias=0.7, activation=activation)
    np.testing.assert_allclose(y, CLOSED_FORMS[activation](-1.5 * X + 0.7), rtol=1e-5, atol=1e-6)


def test_unknown_activation_names_the_valid_ones():
    with pytest.raises(ValueError, match="linear, relu, sigmoid, tanh"):
        neuron_output(X, 1.0, 0.0, "swish")


def test_widget_contracts():
    neuron = lmwidgets.NeuronExplorer()
    assert isinstance(neuron.figure, Figure)
    assert set(neuron.controls) == {"weight", "bias", "activation", "x_range"}
    neuron.controls["weight"].value = 2.0
    neuron.controls["bias"].value = -1.0
    neuron.controls["activation"].value = "tanh"
    expected = np.tanh(2.0 * neuron.result["x"] - 1.0)
    np.testing.assert_allclose(neuron.result["y"], expected, rtol=1e-5, atol=1e-6)
    (line,) = neuron.axes.get_lines()[:1]
    np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-5, atol=1e-6)
    assert bytes(neuron.image.value).startswith(b"\x89PNG")
    assert "tanh" in neuron.axes.get_title()


def test_widget_shows_errors_instead_of_raising(monkeypatch):
    neuron = lmwidgets.NeuronExplorer()
    before = neuron.result
    import lmwidgets.widgets.neuron as module

    def broken(*args, **kwargs):
        raise ValueError("weights became nan")

    monkeypatch.setattr(module, "neuron_output", broken)
    neuron.controls["weight"].value = 2.5  # must not raise
    assert "weights became nan" in neuron.message.value
    assert neuron.result is before  # the last good numbers stay
    monkeypatch.undo()
    neuron.controls["weight"].value = 1.5
    assert neuron.message.value == "" and neuron.result["weight"] == 1.5


def test_bad_constructor_argument_is_rejected_early():
    refused = "activation must be one of 'linear'.*Received: activation='swish'"
    with pytest.raises(ValueError, match=refused):
        lmwidgets.NeuronExplorer(activation="swish")
