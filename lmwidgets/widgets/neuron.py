"""NeuronExplorer: the smallest widget of the course, one neuron with two sliders."""

from lmwidgets.core.neuron import ACTIVATIONS, neuron_output
from lmwidgets.language import Words, say_in_figure
from lmwidgets.widgets._base import Explorer, new_figure
from lmwidgets.widgets._controls import Control

import numpy as np


class NeuronExplorer(Explorer):
    """Move the weight and bias of one neuron and watch y = activation(w * x + b)."""

    CONTROLS = (
        Control("weight", "float", 1.0, low=-3, high=3, step=0.1, label="w"),
        Control("bias", "float", 0.0, low=-3, high=3, step=0.1, label="b"),
        Control(
            "activation", "choice", "relu", options=ACTIVATIONS,
            label=Words("activation", "激活函数"),
        ),
        Control(
            "x_range", "range", (-3.0, 3.0), low=-10, high=10, step=0.5,
            label=Words("x range", "x 范围"), row=1,
        ),
    )  # fmt: skip

    def build_figure(self):
        figure = new_figure(6, 3)
        self.axes = figure.add_subplot()
        (self.curve,) = self.axes.plot([], [], lw=2)
        self.axes.axhline(0, color="0.7", lw=0.8)
        self.axes.axvline(0, color="0.7", lw=0.8)
        self.axes.set_xlabel(say_in_figure("input x", "输入 x"))
        self.axes.set_ylabel(say_in_figure("output y", "输出 y"))
        figure.tight_layout()
        return figure

    def compute(self, changed):
        s = self.settings
        x = np.linspace(*s["x_range"], 201)
        y = neuron_output(x, s["weight"], s["bias"], s["activation"])
        return {"x": x, "y": y, **{k: s[k] for k in ("weight", "bias", "activation")}}

    def render(self, result):
        x, y = result["x"], result["y"]
        self.curve.set_data(x, y)
        self.axes.set_xlim(x[0], x[-1])
        self.axes.set_ylim(min(-1.0, y.min()) - 0.2, max(1.0, y.max()) + 0.2)
        self.axes.set_title(
            f"y = {result['activation']}({result['weight']:g} * x + {result['bias']:g})"
        )
