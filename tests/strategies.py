"""Hypothesis strategies for every control kind, in one place: a new widget is covered by
the property tests through its ``Control`` specs alone, with nothing added here.

``valid(spec)`` draws the values a control accepts, ``invalid(spec)`` values it must
refuse (past its limits, NaN, inf, empty, wrong types). ``widget_data()`` holds the data
arguments of the widgets that show the learner's own data or model.
"""

import math

import lmwidgets
from lmwidgets.core import char_transformer, cnn
from lmwidgets.core import playground_model as network

import hypothesis.strategies as st
import keras
import numpy as np

NUMBERS = ("float", "float_text", "log", "int", "int_text")
NOT_A_NUMBER = (math.nan, math.inf, -math.inf, "1", None, True, [1])
FEATURES = ("", "x1*x2", "sin(x1) + x2^2", "x1 - 2*x2", "tanh(x1*x2)", "abs(x1)", "-x2", "pi")
NOT_FEATURES = ("x3", "__import__('os')", "x1.real", "x1 +", "open('f')", "log(x1, 2)",
                "x1[0]", "lambda: 1", "'a'", "True", "x" * 100, None, 3, ["x1"])  # fmt: skip

PARTS = {
    "neuron": ("output", "x1", "x2", "h1.1", "h1.4", "h2.2"),
    "link": ("none", "x1 -> h1.1", "x2 -> h1.4", "bias -> h2.1", "h2.2 -> output",
             "bias -> output"),
}  # fmt: skip
NOT_PARTS = ("", None, 3, "x" * 201, ["x1"], ("output",))


def valid(spec):
    """A strategy of the values the control ``spec`` accepts."""
    kind = spec.kind
    if kind in ("float", "float_text"):
        return st.floats(spec.low, spec.high)
    if kind == "log":
        return (
            st.floats(math.log10(spec.low), math.log10(spec.high))
            .map(lambda e: 10.0**e)
            .filter(lambda v: spec.low <= v <= spec.high)
        )
    if kind in ("int", "int_text"):
        step = int(spec.step or 1)
        return st.integers(0, (int(spec.high) - int(spec.low)) // step).map(
            lambda k: int(spec.low) + k * step
        )
    if kind in ("choice", "buttons"):
        return st.sampled_from(spec.values)
    if kind in ("toggle", "toggle_button"):
        return st.booleans()
    if kind in ("multi", "toggles"):
        minimum = int(spec.low if spec.low is not None else 1)
        return st.lists(st.sampled_from(spec.values), min_size=minimum, unique=True)
    if kind == "range":
        pair = st.tuples(st.floats(spec.low, spec.high), st.floats(spec.low, spec.high))
        return pair.filter(lambda p: p[0] < p[1])
    if kind == "text":
        return st.text("abcdefgh ", min_size=int(spec.low), max_size=min(int(spec.high), 12))
    if kind == "feature":  # the Playground's own input feature, or none
        return st.sampled_from(FEATURES)
    if kind == "part":  # parts of the default Playground's network (others may not exist)
        return st.sampled_from(PARTS[spec.name])
    if kind == "layers":
        return st.lists(st.integers(1, network.MAX_NEURONS), max_size=network.MAX_LAYERS)
    if kind == "per_layer":
        return st.lists(st.sampled_from(spec.values), max_size=network.MAX_LAYERS)
    raise AssertionError(f"no strategy for kind {kind}: add one here")


def invalid(spec):
    """A strategy of values the control ``spec`` must refuse."""
    kind = spec.kind
    if kind in NUMBERS:
        span = abs(spec.high - spec.low) + 1
        outside = st.one_of(
            st.floats(spec.high + span, 1e300),
            st.floats(-1e300, spec.low - span),
        )
        if kind.startswith("int"):
            outside = st.one_of(outside, st.just(spec.low + 0.5))
        return st.one_of(outside, st.sampled_from(NOT_A_NUMBER))
    if kind in ("choice", "buttons"):
        return st.one_of(
            st.text(max_size=8).filter(lambda t: t not in spec.values),
            st.sampled_from((None, 3.5, -7, ["relu"])).filter(lambda v: v not in spec.values),
        )
    if kind in ("toggle", "toggle_button"):
        return st.sampled_from(("yes", None, 1, 0.0))
    if kind in ("multi", "toggles", "per_layer"):
        unknown = st.lists(st.just("no such option"), min_size=1, max_size=2)
        wrong = st.sampled_from(("relu", None, 3))  # a bare name is not a list
        if kind == "per_layer":
            return st.one_of(unknown, wrong)
        return st.one_of(unknown, wrong, st.just([]) if (spec.low or 1) >= 1 else unknown)
    if kind == "range":
        number = st.floats(spec.low, spec.high)
        return st.one_of(
            number.map(lambda v: (v, v)),  # both handles together
            st.tuples(number, number).filter(lambda p: p[0] > p[1]),
            st.just((math.nan, spec.high)),
            st.just((spec.low - 1, spec.high + 1)),
            st.sampled_from((None, 1.0, (1.0,), "ab")),
        )
    if kind == "text":
        return st.one_of(
            st.text("ab", min_size=int(spec.high) + 1, max_size=int(spec.high) + 4),
            st.sampled_from((None, 3)),
        )
    if kind == "feature":
        return st.one_of(st.sampled_from(NOT_FEATURES), st.text("xyz_.()[]'", min_size=1))
    if kind == "part":
        return st.sampled_from(NOT_PARTS)
    if kind == "layers":
        return st.one_of(
            st.lists(st.integers(1, 4), min_size=network.MAX_LAYERS + 1, max_size=9),
            st.lists(st.sampled_from((0, -1, network.MAX_NEURONS + 1)), min_size=1, max_size=2),
            st.sampled_from(("4,2", None, [math.nan])),
        )
    raise AssertionError(f"no strategy for kind {kind}: add one here")


def widget_data():
    """The data arguments of the widgets that show the learner's own data or model."""
    (images, labels), _ = lmwidgets.datasets.load_mnist("offline")
    keras.utils.set_random_seed(0)
    text = "to be or not to be, that is the question.\n" * 4
    vocab = char_transformer.CharVocab.from_text(text)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    return {
        "FeatureMapExplorer": {
            "model": cnn.build_cnn(),
            "images": images[:8] / 255.0,
            "labels": labels[:8],
        },
        "MetricsExplorer": {"y_true": y, "scores": np.clip(0.3 * y + 0.7 * rng.random(60), 0, 1)},
        "SamplingExplorer": {
            "model": char_transformer.build_char_transformer(
                vocab.size, context=16, embed_dim=16, num_heads=2
            ),
            "vocab": vocab,
        },
        "TrainingDashboard": {"data": ((images[:64], labels[:64]), (images[64:96], labels[64:96]))},
    }


def make(name, data, **settings):
    """The widget class ``name``, built with its data (if it needs any) and ``settings``."""
    return getattr(lmwidgets, name)(**data.get(name, {}), **settings)
