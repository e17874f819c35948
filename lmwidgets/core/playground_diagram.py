"""The Playground's network diagram as data: the names of its parts, and how a weight is drawn.

A network of ``features`` (the input column), hidden ``layers`` and ``n_outputs`` output units
has *neurons* named as the diagram labels them (``"x1"``, ``"h1.3"`` for layer 1's third
neuron, ``"output"``, or ``"output.2"`` with several output units) and *links*, one per weight
(``"x1 -> h1.3"``) and one per bias (``"bias -> h1.3"``). ``link_index`` says where a link's
weight is in the model's weights: ``(layer, source, target)`` with ``layer`` counting the Dense
layers from 0 (the last is the output) and ``source`` None for a bias.

Links are drawn as the TensorFlow Playground draws them (its ``playground.ts``): width
growing linearly with ``|w|`` from 1 pixel at 0 to 10 pixels at 5 and more, colour by sign
on its orange-grey-blue scale from -1 to 1.

    link_names(("x1", "x2"), (4, 2), 1)[:2]   # ['x1 -> h1.1', 'x1 -> h1.2']
    link_index(("x1", "x2"), (4, 2), 1, "h2.1 -> output")   # (2, 0, 0)
"""

from lmwidgets.core import playground_model as network
from lmwidgets.core.params import check_array, check_number, refusal

import numpy as np

ARROW = " -> "
BIAS = "bias"
OUTPUT = "output"
# The TensorFlow Playground's linkWidthScale: |w| in [0, 5] to [1, 10] pixels, clamped.
LINK_WEIGHTS = (0.0, 5.0)
LINK_PIXELS = (1.0, 10.0)


def link_widths(weights):
    """Each weight's link width in pixels: 1 at 0, 10 at |w| >= 5, linear between."""
    weights = np.abs(check_array("weights", weights, ndim=None, min_size=0))
    (w0, w1), (p0, p1) = LINK_WEIGHTS, LINK_PIXELS
    return p0 + (p1 - p0) * np.clip((weights - w0) / (w1 - w0), 0, 1)


def _columns(features, layers, n_outputs):
    """The names of each column's neurons: the inputs, each hidden layer, the output."""
    allowed = "a list of at least one input feature name"
    if isinstance(features, str) or not isinstance(features, list | tuple) or not features:
        raise refusal("features", allowed, features)
    if not all(isinstance(feature, str) and feature for feature in features):
        raise refusal("features", allowed, features)
    layers = network.check_layers(layers)
    n_outputs = check_number("n_outputs", n_outputs, low=1, integer=True)
    hidden = [
        tuple(f"h{layer}.{neuron}" for neuron in range(1, size + 1))
        for layer, size in enumerate(layers, start=1)
    ]
    outputs = (
        (OUTPUT,)
        if n_outputs == 1
        else tuple(f"{OUTPUT}.{unit}" for unit in range(1, n_outputs + 1))
    )
    return [features, *hidden, outputs]


def neuron_names(features, layers, n_outputs):
    """Every neuron of the diagram, column by column: inputs, hidden, output."""
    return [name for column in _columns(features, layers, n_outputs) for name in column]


def link_names(features, layers, n_outputs):
    """Every weight's link (``"x1 -> h1.1"``), then every bias (``"bias -> h1.1"``), layer by
    layer, in the order of the model's weights."""
    columns = _columns(features, layers, n_outputs)
    names = []
    for sources, targets in zip(columns, columns[1:], strict=False):
        names += [f"{source}{ARROW}{target}" for source in sources for target in targets]
        names += [f"{BIAS}{ARROW}{target}" for target in targets]
    return names


def link_index(features, layers, n_outputs, link):
    """``(layer, source, target)`` of ``link`` in the model's Dense weights (``source`` None
    for a bias), or a refusal naming the links this network has."""
    columns = _columns(features, layers, n_outputs)
    source, _, target = str(link).partition(ARROW)
    for layer, (sources, targets) in enumerate(zip(columns, columns[1:], strict=False)):
        if target in targets and (source == BIAS or source in sources):
            row = None if source == BIAS else sources.index(source)
            return layer, row, targets.index(target)
    names = link_names(features, layers, n_outputs)
    allowed = f"a link of this network, e.g. {names[0]!r} ({len(names)} in all)"
    raise refusal("link", allowed, link)


def neuron_index(features, layers, n_outputs, neuron):
    """``(column, row)`` of ``neuron`` in the diagram (column 0: the inputs), or a refusal."""
    for column, names in enumerate(_columns(features, layers, n_outputs)):
        if neuron in names:
            return column, names.index(neuron)
    names = neuron_names(features, layers, n_outputs)
    raise refusal("neuron", f"one of {', '.join(names)}", neuron)
