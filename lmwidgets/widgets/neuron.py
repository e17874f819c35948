"""NeuronExplorer: the smallest widget of the course, one neuron with two sliders."""

from lmwidgets.core.neuron import ACTIVATIONS, neuron_output
from lmwidgets.widgets._base import Explorer, new_figure

import ipywidgets as widgets
import numpy as np


class NeuronExplorer(Explorer):
    """Move the weight and bias of one neuron and watch y = activation(w * x + b)."""

    def __init__(self, activation="relu", weight=1.0, bias=0.0, x_range=(-3.0, 3.0)):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"Unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}."
            )
        self.x = np.linspace(*x_range, 201)
        controls = {
            "weight": widgets.FloatSlider(value=weight, min=-3, max=3, step=0.1, description="w"),
            "bias": widgets.FloatSlider(value=bias, min=-3, max=3, step=0.1, description="b"),
            "activation": widgets.Dropdown(
                options=ACTIVATIONS, value=activation, description="activation"
            ),
        }
        figure = new_figure(6, 3)
        self.axes = figure.add_subplot()
        (self.curve,) = self.axes.plot(self.x, self.x, lw=2)
        self.axes.axhline(0, color="0.7", lw=0.8)
        self.axes.axvline(0, color="0.7", lw=0.8)
        self.axes.set_xlabel("input x")
        self.axes.set_ylabel("output y")
        figure.tight_layout()
        super().__init__(controls, figure)

    def update(self):
        weight = self.controls["weight"].value
        bias = self.controls["bias"].value
        activation = self.controls["activation"].value
        y = neuron_output(self.x, weight, bias, activation)
        self.curve.set_ydata(y)
        self.axes.set_ylim(min(-1.0, y.min()) - 0.2, max(1.0, y.max()) + 0.2)
        self.axes.set_title(f"y = {activation}({weight:g} * x + {bias:g})")
        self.result = {
            "x": self.x.copy(),
            "y": y,
            "weight": weight,
            "bias": bias,
            "activation": activation,
        }
