"""Every public function and class of the core modules that build and train Keras models,
with valid and invalid arguments (issue 18).

``CASES`` maps "module.name" to a ``Case``: ``valid``, a Hypothesis strategy of keyword
arguments the function accepts, and ``check``, a property its result must have (a closed
form, a sum, a bound); ``invalid``, arguments it must refuse with a ValueError or
TypeError that names the argument, says what is allowed and what it received, as Keras
words it. ``EXEMPT`` says why a public name has no case. Models stay tiny and examples
few (each build or compile costs a fraction of a second); functions that start a
subprocess or train for long are tested for refusals only, and their valid runs are
those of their own test files.
"""

import dataclasses
import functools
import inspect
import math
import re
from collections.abc import Callable

from lmwidgets.core import (
    backend_compare,
    char_transformer,
    cnn,
    distribution,
    rl,
    scaling_law,
    training,
)
from lmwidgets.core import playground_data as data
from lmwidgets.core import playground_diagram as diagram
from lmwidgets.core import playground_model as network
from lmwidgets.core import playground_session as session

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings

MODULES = {
    "playground_data": data,
    "playground_model": network,
    "training": training,
    "cnn": cnn,
    "char_transformer": char_transformer,
    "rl": rl,
    "scaling_law": scaling_law,
    "distribution": distribution,
    "backend_compare": backend_compare,
    "playground_session": session,
    "playground_diagram": diagram,
}


@dataclasses.dataclass
class Case:
    """How to call one public function, what it must accept and give, what it must refuse.

    ``call(**kwargs)`` runs it; ``valid`` draws keyword arguments it accepts (None: the
    valid run is exercised elsewhere, ``elsewhere`` says where); ``check(result,
    kwargs)`` asserts the result's property; ``invalid`` lists ``(kwargs, argument)``
    pairs that ``refuse`` (default ``call``) must refuse, naming ``argument``;
    ``examples`` are explicit valid kwargs, run before the generated ones.
    """

    call: Callable
    valid: st.SearchStrategy | None
    check: Callable | None
    invalid: list = dataclasses.field(default_factory=list)
    max_examples: int = 20
    examples: list = dataclasses.field(default_factory=list)
    elsewhere: str = ""
    refuse: Callable | None = None  # what the invalid arguments are given to, if not ``call``


@dataclasses.dataclass(frozen=True)
class Built:
    """An argument built when a test runs (a tiny model), not at import."""

    make: Callable


# --- Strategies, in one place -------------------------------------------------------


def reals(low, high, width=64):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)


SEEDS = st.integers(0, 2**32 - 1)
PROBABILITY = reals(0, 1)
NOT_FINITE = (float("nan"), float("inf"), -float("inf"))


def lazy(make):
    """A strategy of the one value ``make()`` returns, built when the test runs (a tiny
    model: built inside a strategy, Keras' random numbers would upset Hypothesis)."""
    return st.just(Built(make))


def bad(base, argument, *values):
    """``(kwargs, argument)`` pairs: ``base`` with ``argument`` set to each bad value."""
    return [({**base, argument: value}, argument) for value in values]


def not_a_number(base, argument, low_bad=None):
    """NaN, infinities, a text, None, a list, a bool and optionally a value below the range."""
    values = [*NOT_FINITE, "3", None, [1.0], True]
    if low_bad is not None:
        values.append(low_bad)
    return bad(base, argument, *values)


def not_a_count(base, argument, low_bad=0):
    """What a count (a whole number >= 1) must refuse: not finite, a fraction, text, ..."""
    return not_a_number(base, argument, low_bad) + bad(base, argument, 2.5, -1)


def bad_seed(base, argument="seed"):
    return bad(base, argument, -1, 1.5, "0", float("nan"), None)


points_2d = st.integers(4, 20).flatmap(
    lambda n: hnp.arrays("float64", (n, 2), elements=reals(-100, 100, width=32))
)


@st.composite
def own_points(draw):
    """A learner's (x, y): integer labels with 2-6 classes, or real targets."""
    x = draw(points_2d)
    if draw(st.booleans()):
        labels = draw(st.lists(st.integers(-3, 9), min_size=6, max_size=6, unique=True))
        k = draw(st.integers(2, 6))
        y = np.array([labels[i % k] for i in range(len(x))])
        y = y[draw(st.permutations(range(len(x))))]
    else:
        y = draw(hnp.arrays("float64", len(x), elements=reals(-10, 10)))
    return {"x": x, "y": y}


def text_of(alphabet, min_size=1, max_size=12):
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


# --- Tiny models, built once ------------------------------------------------------------

TEXT = "to be, or not to be: that is the question."


@functools.cache
def char_model():
    vocab = char_transformer.CharVocab.from_text(TEXT)
    model = char_transformer.build_char_transformer(vocab.size, context=4, embed_dim=4)
    return vocab, model, char_transformer.attention_model(model)


@functools.cache
def tiny_cnn():
    return cnn.build_cnn(input_shape=(10, 10), n_classes=3, filters=(2, 3))


@functools.cache
def tiny_mlp():
    config = training.MLPConfig(hidden_layers=1, units=3, dropout=0.0, epochs=1, batch_size=2)
    return training.build_mlp(config, input_shape=(2, 2), n_classes=3, seed=0)


@functools.cache
def tiny_policy():
    game = rl.GridGame(size=2, holes=(), max_steps=3)
    return game, rl.build_policy(game, hidden=3, seed=0)


@functools.cache
def tiny_trainer():
    model = network.build_model(2, (3,), "tanh", "classification", 3, seed=0)
    return network.Trainer(model, network.make_optimizer("sgd", 0.1), n_classes=3, batch_size=2)


@functools.cache
def tiny_session():
    played = session.PlaygroundSession(resolution=3)
    played.make_data(n_points=50)
    played.make_network(layers=(2,))
    return played


@functools.cache
def tiny_scaling_model():
    return scaling_law.build_model(3, 5, context=2, embedding_dim=2)


def assert_finite(*values):
    for value in values:
        assert np.all(np.isfinite(np.asarray(value, dtype="float64"))), value


def assert_probabilities(p, axis=-1):
    p = np.asarray(p, dtype="float64")
    assert np.all(p >= 0) and np.all(p <= 1 + 1e-6)
    np.testing.assert_allclose(p.sum(axis=axis), 1, atol=1e-5)


def glorot_count(sizes):
    """Weights plus biases of Dense layers ``sizes[0] -> sizes[1] -> ...``."""
    sizes = [int(size) for size in sizes]
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:], strict=False))


# --- playground_data ------------------------------------------------------------------


@st.composite
def dataset_kwargs(draw):
    dataset = draw(st.sampled_from(data.DATASETS))
    return {
        "dataset": dataset,
        "n_points": draw(st.integers(2, 40)),
        "noise": draw(reals(0, 50) | st.integers(0, 50)),
        "n_classes": draw(st.integers(2, 6)) if dataset in data.MULTI_CLASS else 2,
        "seed": draw(SEEDS),
    }


def check_dataset(result, kw):
    x, y = result
    n = kw["n_points"]
    assert x.shape == (n, 2) and x.dtype == np.float32 and y.shape == (n,)
    assert_finite(x, y)
    if kw["dataset"] in data.CLASSIFICATION:
        assert y.dtype == np.int32 and set(np.unique(y)) <= set(range(kw["n_classes"]))
        if kw["dataset"] in data.MULTI_CLASS:  # the classes take turns: balanced
            counts = np.bincount(y, minlength=kw["n_classes"])
            assert counts.max() - counts.min() <= 1
    else:
        assert y.dtype == np.float32 and np.all(np.abs(y) <= 1.8 + 1e-6)
    again = data.make_dataset(**kw)
    np.testing.assert_array_equal(again[0], x)


def check_own(result, kw):
    x, labels, problem, n_classes, extent = result
    y = np.asarray(kw["y"]).reshape(len(kw["x"]))
    values = np.unique(y)
    assert x.shape == (len(y), 2) and x.dtype == np.float32
    if problem == "classification":
        assert n_classes == len(values) and 2 <= n_classes <= 6
        assert labels.dtype == np.int32
        # Renumbered in sorted order: the order of the labels is the order of y.
        assert np.array_equal(np.sign(labels[:, None] - labels), np.sign(y[:, None] - y))
    else:
        assert problem == "regression" and n_classes == 1
        np.testing.assert_allclose(labels, y.astype("float32"))
    x_min, x_max, y_min, y_max = extent
    assert x_min < x[:, 0].min() <= x[:, 0].max() < x_max
    assert y_min < x[:, 1].min() <= x[:, 1].max() < y_max


def check_split(result, kw):
    x, y = np.asarray(kw["x"]), np.asarray(kw["y"])
    x_train, y_train, x_test, y_test = result
    n_train = min(max(int(len(x) * kw["train_ratio"] / 100), 1), len(x) - 1)
    assert (
        len(x_train) == len(y_train) == n_train and len(x_test) == len(y_test) == len(x) - n_train
    )
    # A partition: every row once (the rows are numbered in x's first column).
    assert sorted(np.concatenate([x_train[:, 0], x_test[:, 0]]).tolist()) == sorted(
        x[:, 0].tolist()
    )
    np.testing.assert_array_equal(y[x_train[:, 0].astype(int)], y_train)


def check_grid(result, kw):
    xs, ys, points = result
    r = kw["resolution"]
    x_min, x_max, y_min, y_max = kw["extent"]
    assert xs.shape == ys.shape == (r,) and points.shape == (r * r, 2)
    np.testing.assert_allclose(
        [xs[0], xs[-1], ys[0], ys[-1]], np.float32([x_min, x_max, y_min, y_max])
    )
    assert np.all(np.diff(xs) > 0) and np.all(np.diff(ys) > 0)
    np.testing.assert_array_equal(points.reshape(r, r, 2)[-1, 0], [xs[0], ys[-1]])


@st.composite
def extents(draw):
    x_min, y_min = draw(reals(-100, 99)), draw(reals(-100, 99))
    return (x_min, x_min + draw(reals(0.5, 50)), y_min, y_min + draw(reals(0.5, 50)))


def check_features(result, kw):
    x = np.asarray(kw["x"], dtype="float64")
    formulas = {
        "x1": x[:, 0], "x2": x[:, 1], "x1^2": x[:, 0] ** 2, "x2^2": x[:, 1] ** 2,
        "x1*x2": x[:, 0] * x[:, 1], "sin(x1)": np.sin(x[:, 0]), "sin(x2)": np.sin(x[:, 1]),
    }  # fmt: skip
    expected = np.stack([formulas[name] for name in kw["features"]], axis=1)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-6)


def check_multi_gaussian(result, kw):
    x = np.asarray(kw["x"], dtype="float64")
    assert result.shape == (len(x),) and np.all(np.abs(result) <= 1)
    # Farther than 2 from every bump centre, nothing.
    bumps = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    far = np.min(np.hypot(*(x[:, None, :] - bumps).transpose(2, 0, 1)), axis=1) >= 2
    assert np.all(result[far] == 0)


POINTS = np.arange(12.0).reshape(6, 2)
DIAGRAM_SHAPE = {"features": ["x1", "x2"], "layers": [4, 2], "n_outputs": 1}
DIAGRAM_SHAPES = st.fixed_dictionaries(
    {
        "features": st.lists(st.sampled_from(data.FEATURES), min_size=1, max_size=7, unique=True),
        "layers": st.lists(st.integers(1, network.MAX_NEURONS), max_size=network.MAX_LAYERS),
        "n_outputs": st.integers(1, 6),
    }
)


def _diagram_sizes(kw):
    return [len(kw["features"]), *kw["layers"], kw["n_outputs"]]


def _diagram_parameters(kw):
    """What Keras counts: a weight per pair of neighbouring neurons, a bias per neuron."""
    sizes = _diagram_sizes(kw)
    return sum(a * b + b for a, b in zip(sizes, sizes[1:], strict=False))


def _link_round_trip(index, kw):
    """The index is the link's place in the weights, counted as link_names orders them."""
    layer, source, target = index
    sizes = _diagram_sizes(kw)
    before = sum(a * b + b for a, b in zip(sizes[:layer], sizes[1 : layer + 1], strict=True))
    n_in, n_out = sizes[layer], sizes[layer + 1]
    place = before + (n_in * n_out + target if source is None else source * n_out + target)
    shape = {key: kw[key] for key in DIAGRAM_SHAPE}
    return diagram.link_names(**shape)[place] == kw["link"]


OWN_FEATURES = ("x1*x2 + sin(x1)", "x1^2 - x2^2", "tanh(x1) / 2", "abs(x2) + pi", "-3", "e*x1")


def _parses(feature):
    try:
        data.parse_feature(feature)
    except ValueError:
        return False
    return True


LABELS = np.array([0, 1, 0, 1, 1, 0])

DATA_CASES = {
    "playground_data.problem_of": Case(
        call=data.problem_of,
        valid=st.fixed_dictionaries({"dataset": st.sampled_from(data.DATASETS)}),
        check=lambda r, kw: (
            r == ("classification" if kw["dataset"] in data.CLASSIFICATION else "regression")
        ),
        invalid=bad({}, "dataset", "moons", None, 3, ["circle"]),
    ),
    "playground_data.make_dataset": Case(
        call=data.make_dataset,
        valid=dataset_kwargs(),
        check=check_dataset,
        examples=[{"dataset": "spiral", "n_points": 3, "noise": 50, "n_classes": 6, "seed": 0}],
        invalid=[
            *bad({"dataset": "circle"}, "dataset", "moons", None),
            # None is the Playground's own number for the dataset: not among these.
            *[
                c
                for c in not_a_count({"dataset": "circle"}, "n_points", 1)
                if c[0]["n_points"] is not None
            ],  # fmt: skip
            *not_a_number({"dataset": "circle"}, "noise", -1),
            *bad({"dataset": "circle"}, "noise", 51, "5"),
            *bad({"dataset": "spiral"}, "n_classes", 1, 7, 2.5, "3", float("nan")),
            *bad({"dataset": "xor"}, "n_classes", 3),
            *bad_seed({"dataset": "circle"}),
        ],
    ),
    "playground_data.multi_gaussian_target": Case(
        call=data.multi_gaussian_target,
        valid=st.fixed_dictionaries(
            {
                "x": st.integers(0, 10).flatmap(
                    lambda n: hnp.arrays("float64", (n, 2), elements=reals(-8, 8))
                )
            }
        ),
        check=check_multi_gaussian,
        examples=[{"x": np.array([[0, 2.5], [1, 2.5], [9, 9]])}],
        invalid=bad(
            {}, "x", np.zeros((3, 3)), np.zeros(2), [[np.nan, 0]], [[np.inf, 0]], "ab", None
        ),
    ),
    "playground_data.transform_features": Case(
        call=data.transform_features,
        valid=st.fixed_dictionaries(
            {
                "x": points_2d,
                "features": st.lists(st.sampled_from(data.FEATURES), min_size=1, max_size=7),
            }
        ),
        check=check_features,
        invalid=[
            *bad(
                {"features": ["x1"]},
                "x",
                np.zeros((3, 3)),
                np.zeros(4),
                [[np.nan, 1]],
                [["a", "b"]],
                None,
            ),
            *bad({"x": POINTS}, "features", [], "x1", ["x3"], [None], 5),
        ],
    ),
    "playground_data.parse_feature": Case(
        call=data.parse_feature,
        valid=st.fixed_dictionaries({"feature": st.sampled_from(OWN_FEATURES)}),
        check=lambda f, kw: np.all(np.isfinite(f(np.array([0.5, 2.0]), np.array([1.5, -1.0])))),
        invalid=bad({}, "feature", "x3", "__import__('os')", "x1.real", "", "x1 +", None, 3),
    ),
    "playground_data.feature_problem": Case(
        call=data.feature_problem,
        valid=st.fixed_dictionaries(
            {"feature": st.one_of(st.sampled_from(OWN_FEATURES), st.text(max_size=20))}
        ),
        # "" exactly when parse_feature takes it; else what is allowed.
        check=lambda r, kw: (
            (r == "") == _parses(kw["feature"])
            and (r == "" or r.startswith("an expression of x1 and x2"))
        ),
    ),
    "playground_diagram.link_widths": Case(
        call=diagram.link_widths,
        valid=st.fixed_dictionaries(
            {"weights": hnp.arrays("float64", st.integers(0, 20), elements=reals(-1e6, 1e6))}
        ),
        # The TensorFlow Playground's scale: 1 pixel at 0, 10 from |w| = 5, linear between.
        check=lambda r, kw: np.allclose(r, 1 + 9 * np.minimum(np.abs(kw["weights"]) / 5, 1)),
        invalid=bad({}, "weights", [np.nan], [np.inf], "abc", None, [[1.0], [1.0, 2.0]]),
    ),
    **{
        f"playground_diagram.{name}": Case(
            call=getattr(diagram, name),
            valid=DIAGRAM_SHAPES,
            check=check,
            invalid=[
                *bad(DIAGRAM_SHAPE, "features", [], "x1", [None], [""], 5, None),
                *bad(DIAGRAM_SHAPE, "layers", [0], [9], [1] * 7, "4,2", None),
                *not_a_count(DIAGRAM_SHAPE, "n_outputs"),
            ],
        )
        for name, check in (
            ("neuron_names", lambda r, kw: len(r) == len(set(r)) == sum(_diagram_sizes(kw))),
            ("link_names", lambda r, kw: len(r) == len(set(r)) == _diagram_parameters(kw)),
        )
    },
    "playground_diagram.link_index": Case(
        call=diagram.link_index,
        valid=DIAGRAM_SHAPES.flatmap(
            lambda kw: st.sampled_from(diagram.link_names(**kw)).map(lambda n: {**kw, "link": n})
        ),
        check=lambda r, kw: _link_round_trip(r, kw),
        invalid=bad({**DIAGRAM_SHAPE, "link": ""}, "link", "x3 -> h1.1", "h1.1", "", None, 5,
                    "bias -> x1", "x1 -> output"),  # fmt: skip
    ),
    "playground_diagram.neuron_index": Case(
        call=diagram.neuron_index,
        valid=DIAGRAM_SHAPES.flatmap(
            lambda kw: st.sampled_from(diagram.neuron_names(**kw)).map(
                lambda n: {**kw, "neuron": n}
            )
        ),
        check=lambda r, kw: r[1] < _diagram_sizes(kw)[r[0]],
        invalid=bad({**DIAGRAM_SHAPE, "neuron": ""}, "neuron", "h9.1", "bias", None, 5, ""),
    ),
    "playground_data.split": Case(
        call=data.split,
        valid=st.integers(2, 30).flatmap(
            lambda n: st.fixed_dictionaries(
                {
                    "x": st.just(np.stack([np.arange(n), np.zeros(n)], axis=1)),
                    "y": hnp.arrays("int64", n, elements=st.integers(0, 5)),
                    "train_ratio": reals(0.01, 99.99),
                    "seed": SEEDS,
                }
            )
        ),
        check=check_split,
        invalid=[
            *not_a_number({"x": POINTS, "y": LABELS}, "train_ratio", 0),
            *bad({"x": POINTS, "y": LABELS}, "train_ratio", 100, -5),
            *bad({"y": LABELS}, "x", POINTS[:1], np.float64(3.0), None),
            *bad({"x": POINTS}, "y", LABELS[:5], LABELS[:1], 3, None),
            *bad_seed({"x": POINTS, "y": LABELS}),
        ],
    ),
    "playground_data.grid": Case(
        call=data.grid,
        valid=st.fixed_dictionaries({"extent": extents(), "resolution": st.integers(2, 30)}),
        check=check_grid,
        invalid=[
            *bad(
                {},
                "extent",
                (1, 0, 0, 1),
                (0, 1, 0),
                (0, np.inf, 0, 1),
                (np.nan, 1, 0, 1),
                "abcd",
                5,
                None,
            ),
            *not_a_count({}, "resolution", 1),
        ],
    ),
    "playground_data.own_data": Case(
        call=data.own_data,
        valid=own_points(),
        check=check_own,
        examples=[{"x": POINTS, "y": LABELS[:, None]}],
        invalid=[
            *bad(
                {"y": LABELS},
                "x",
                np.zeros((6, 3)),
                POINTS[:, :1],
                POINTS * np.nan,
                POINTS * 1e300,
                None,
                "ab",
            ),
            *bad({"x": POINTS[:3], "y": LABELS[:3]}, "x", POINTS[:3]),
            *bad(
                {"x": POINTS},
                "y",
                LABELS[:5],
                LABELS * np.nan,
                LABELS + np.inf,
                list("abcabc"),
                None,
            ),
        ],
    ),
}


# --- playground_model -------------------------------------------------------------------

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


@st.composite
def problems(draw):
    problem = draw(st.sampled_from(network.PROBLEMS))
    n_classes = draw(st.integers(2, 5)) if problem == "classification" else draw(st.integers(1, 3))
    return problem, n_classes


@st.composite
def model_kwargs(draw):
    problem, n_classes = draw(problems())
    layers = draw(st.lists(st.integers(1, 3), max_size=2).map(tuple))
    return {
        "n_inputs": draw(st.integers(1, 3)),
        "layers": layers,
        "activations": draw(
            st.sampled_from(ACTIVATIONS)
            | st.lists(st.sampled_from(ACTIVATIONS), min_size=len(layers), max_size=len(layers))
        ),
        "problem": problem,
        "n_classes": n_classes,
        "regularization": draw(st.sampled_from(network.REGULARIZATIONS)),
        "regularization_rate": draw(st.sampled_from(network.REGULARIZATION_RATES)),
        "dropout": draw(st.sampled_from([0.0, 0.5])),
        "seed": draw(SEEDS),
    }


def with_defaults(function, kw):
    """``kw`` with the defaults of ``function``'s other parameters."""
    parameters = inspect.signature(function).parameters.values()
    defaults = {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}
    return {**defaults, **kw}


def check_build_model(model, kw):
    kw = with_defaults(network.build_model, kw)
    outputs = network.output_size(kw["problem"], kw["n_classes"])
    sizes = [kw["n_inputs"], *kw["layers"], outputs]
    assert model.count_params() == glorot_count(sizes)
    assert [layer.name for layer in model.layers if layer.name.startswith("hidden_")] == [
        f"hidden_{i}" for i in range(1, len(kw["layers"]) + 1)
    ]
    x = np.random.default_rng(0).normal(size=(4, kw["n_inputs"])).astype("float32")
    y = keras.ops.convert_to_numpy(model(x))
    assert y.shape == (4, outputs)
    assert_finite(y)
    if kw["problem"] == "classification":
        if outputs == 1:
            assert np.all((y >= 0) & (y <= 1))
        else:
            assert_probabilities(y)
    # Built from the seed alone: the same seed, the same weights.
    twin = network.build_model(**kw)
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def check_initialized(result, kw):
    model = kw["model"]
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel = np.asarray(layer.kernel)
            limit = math.sqrt(6 / sum(kernel.shape))
            assert np.all(np.abs(kernel) <= limit) and not np.any(np.asarray(layer.bias))
    first = [w.copy() for w in model.get_weights()]
    network.initialize_weights(model, kw["seed"])
    for a, b in zip(first, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@st.composite
def loss_value_kwargs(draw):
    loss = draw(st.sampled_from(network.LOSSES))
    n = draw(st.integers(1, 6))
    k = draw(st.sampled_from([1, 3])) if loss == "cross_entropy" else draw(st.integers(1, 3))
    if loss == "cross_entropy" and k == 1:
        y_true = draw(hnp.arrays("float64", (n, 1), elements=st.sampled_from([0.0, 1.0])))
        # Away from 0 and 1, where the 1e-7 clip rounds differently in float32 and float64.
        y_pred = draw(hnp.arrays("float64", (n, 1), elements=reals(1e-3, 1 - 1e-3)))
    elif loss == "cross_entropy":
        y_true = np.eye(k)[draw(hnp.arrays("int64", n, elements=st.integers(0, k - 1)))]
        y_pred = draw(hnp.arrays("float64", (n, k), elements=reals(0.01, 1)))
        y_pred /= y_pred.sum(axis=1, keepdims=True)
    else:
        y_true = draw(hnp.arrays("float64", (n, k), elements=reals(-10, 10)))
        y_pred = draw(hnp.arrays("float64", (n, k), elements=reals(-10, 10)))
    return {"loss": loss, "y_true": y_true, "y_pred": y_pred}


def check_loss_value(result, kw):
    y_true, y_pred = kw["y_true"], kw["y_pred"]
    assert math.isfinite(result) and result >= 0
    if kw["loss"] == "mse":
        assert result == pytest.approx(np.mean((y_true - y_pred) ** 2))
    elif kw["loss"] == "mae":
        assert result == pytest.approx(np.mean(np.abs(y_true - y_pred)))
    elif kw["loss"] == "half_squared_error":  # nn.ts' Errors.SQUARE, averaged over points
        assert result == pytest.approx(np.mean(0.5 * (y_pred - y_true) ** 2))
    else:
        # Keras' own cross-entropy, its 1e-7 clipping included.
        make = (
            keras.losses.BinaryCrossentropy
            if y_true.shape[1] == 1
            else keras.losses.CategoricalCrossentropy
        )
        expected = float(make()(y_true.astype("float32"), y_pred.astype("float32")))
        assert result == pytest.approx(expected, rel=1e-3, abs=1e-4)


@st.composite
def class_outputs(draw):
    n, k = draw(st.integers(1, 6)), draw(st.sampled_from([1, 2, 4]))
    return {"output": draw(hnp.arrays("float64", (n, k), elements=PROBABILITY))}


def check_predicted(result, kw):
    output = kw["output"]
    assert result.dtype == np.int32 and result.shape == output.shape[:1]
    if output.shape[1] == 1:
        np.testing.assert_array_equal(result, output[:, 0] >= 0.5)
    else:
        assert np.all(output[np.arange(len(output)), result] == output.max(axis=1))


@st.composite
def targets(draw):
    problem, n_classes = draw(problems())
    n = draw(st.integers(0, 6))
    if problem == "regression":
        y = draw(hnp.arrays("float64", n, elements=reals(-5, 5)))
    else:
        y = draw(hnp.arrays("int64", n, elements=st.integers(0, n_classes - 1)))
    return {"y": y, "problem": problem, "n_classes": n_classes}


def check_targets(result, kw):
    y, n = np.asarray(kw["y"]), len(kw["y"])
    assert result.dtype == np.float32
    if kw["problem"] == "regression" or kw["n_classes"] == 2:
        assert result.shape == (n, 1)
        np.testing.assert_allclose(result[:, 0], y.astype("float32"))
    else:
        assert result.shape == (n, kw["n_classes"])
        np.testing.assert_array_equal(result.sum(axis=1), 1)
        np.testing.assert_array_equal(result.argmax(axis=1), y)


@st.composite
def trainer_kwargs(draw):
    problem, n_classes = draw(
        st.sampled_from([("classification", 2), ("classification", 3), ("regression", 1)])
    )
    losses = network.LOSSES if problem == "classification" else ("mse", "mae")
    return {
        "problem": problem,
        "n_classes": n_classes,
        "loss": draw(st.sampled_from(losses)),
        "optimizer": draw(st.sampled_from(network.OPTIMIZERS)),
        "learning_rate": draw(st.sampled_from([0.001, 0.1])),
        "batch_size": draw(st.integers(1, 8)),
        "seed": draw(st.integers(0, 3)),
    }


def train_once(problem, n_classes, loss, optimizer, learning_rate, batch_size, seed):
    """A fresh Trainer on 8 points: the report before, the epoch's loss, the report after."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(12, 2)).astype("float32")
    y = np.arange(12) % n_classes if problem == "classification" else x[:, 0] * 0.3
    model = network.build_model(2, (3,), "tanh", problem, n_classes, seed=seed)
    trainer = network.Trainer(
        model, network.make_optimizer(optimizer, learning_rate), loss, problem, n_classes,
        batch_size, seed,
    )  # fmt: skip
    trainer.set_data(x[:8], y[:8], x[8:], y[8:])
    before = trainer.evaluate(x[:5])
    epoch_loss = trainer.train_epoch()
    after = trainer.evaluate(x[:5])
    trainer.reset(seed)
    again = trainer.evaluate(x[:5])
    return trainer, before, epoch_loss, after, again


def check_trainer(result, kw):
    trainer, before, epoch_loss, after, again = result
    assert math.isfinite(epoch_loss) and epoch_loss >= 0
    assert trainer.epoch == 0 and trainer.learning_rate == pytest.approx(kw["learning_rate"])
    units = network.output_size(kw["problem"], kw["n_classes"])
    for report in (before, after):
        assert_finite(report["train_loss"], report["test_loss"])
        assert report["train_loss"] >= 0 and report["test_loss"] >= 0
        assert [out.shape for out in report["grid_outputs"]] == [(5, 3), (5, units)]
        if kw["problem"] == "classification":
            assert 0 <= report["train_accuracy"] <= 1 and 0 <= report["test_accuracy"] <= 1
            matrix = report["confusion_matrix"]
            assert matrix.shape == (kw["n_classes"],) * 2 and matrix.sum() == 4
    # reset(seed) is the network as built with that seed.
    assert again["train_loss"] == pytest.approx(before["train_loss"], rel=1e-5)


def trainer_set_data(**kw):
    trainer = tiny_trainer()
    trainer.set_data(**kw)
    return trainer.evaluate()


def check_set_data(report, kw):
    assert_finite(report["train_loss"])
    assert report["confusion_matrix"].sum() == len(kw["y_test"])


def trainer_method(name, **kw):
    """A method of the tiny trainer, or a setter: ``name="learning_rate", learning_rate=...``."""
    trainer = tiny_trainer()
    if name in ("learning_rate", "batch_size"):
        setattr(trainer, name, kw[name])
        return getattr(trainer, name)
    return getattr(trainer, name)(**kw)


def check_trainer_method(result, kw):
    name = kw["name"]
    if name in ("learning_rate", "batch_size"):
        assert result == kw[name]
    elif name == "reset":
        assert result is None and tiny_trainer().epoch == 0
    elif name == "predict":
        assert result.shape == (3, 3)
        assert_probabilities(result)
    elif name == "layer_outputs":
        assert [np.asarray(out).shape for out in result] == [(1, 3), (1, 3)]
    else:
        assert [out.shape for out in result["grid_outputs"]] == [(2, 3), (2, 3)]


def new_trainer(**kw):
    """A Trainer of the tiny trainer's model (refused before anything is compiled)."""
    kw = {
        "model": tiny_trainer().model,
        "optimizer": network.make_optimizer("sgd", 0.1),
        "n_classes": 3,
        **kw,
    }
    return network.Trainer(**kw)


X3 = np.zeros((4, 2))
Y3 = np.array([0, 1, 2, 0])

MODEL_CASES = {
    "playground_model.output_size": Case(
        call=network.output_size,
        valid=problems().map(lambda p: {"problem": p[0], "n_classes": p[1]}),
        check=lambda r, kw: (
            r
            == (kw["n_classes"] if kw["problem"] == "classification" and kw["n_classes"] > 2 else 1)
        ),
        invalid=[
            *bad({"n_classes": 2}, "problem", "ranking", None),
            *not_a_count({"problem": "classification"}, "n_classes", 1),
            *bad({"problem": "regression"}, "n_classes", 0, "1"),
        ],
    ),
    "playground_model.build_model": Case(
        call=network.build_model,
        valid=model_kwargs(),
        check=check_build_model,
        max_examples=2,
        examples=[
            {"n_inputs": 2, "layers": (), "problem": "classification", "n_classes": 3},
            {"n_inputs": 1, "layers": (2,), "dropout": 0.5, "seed": np.int32(2**31 - 1)},
        ],
        invalid=[
            *not_a_count({}, "n_inputs"),
            *bad({"n_inputs": 2}, "layers", (2.5,), (0,), (9,), (1,) * 7, "12", 3, None),
            *bad({"n_inputs": 2}, "activations", ("tanh",), "tanhh", ("tanh", 5)),
            *bad({"n_inputs": 2}, "problem", "ranking"),
            *bad({"n_inputs": 2}, "n_classes", 1, "3", float("nan"), 2.5),
            *bad({"n_inputs": 2}, "regularization", "l3"),
            *not_a_number({"n_inputs": 2, "regularization": "l2"}, "regularization_rate", -0.1),
            *not_a_number({"n_inputs": 2}, "dropout", -0.1),
            *bad({"n_inputs": 2}, "dropout", 1.0),
            *bad_seed({"n_inputs": 2}),
        ],
    ),
    "playground_model.make_optimizer": Case(
        call=network.make_optimizer,
        valid=st.fixed_dictionaries(
            {
                "name": st.sampled_from(network.OPTIMIZERS),
                "learning_rate": st.sampled_from(network.LEARNING_RATES),
            }
        ),
        check=lambda r, kw: (
            isinstance(r, keras.optimizers.Optimizer)
            and float(np.asarray(r.learning_rate)) == pytest.approx(kw["learning_rate"])
        ),
        max_examples=8,
        invalid=[
            ({"name": "adamm"}, "optimizer"),
            ({"name": None}, "optimizer"),
            *not_a_number({}, "learning_rate", 0),
            *bad({}, "learning_rate", -0.1),
        ],
    ),
    "playground_model.make_loss": Case(
        call=network.make_loss,
        valid=problems().flatmap(
            lambda p: st.fixed_dictionaries(
                {
                    "loss": st.sampled_from(
                        network.LOSSES
                        if p[0] == "classification"
                        else ("mse", "mae", "half_squared_error")
                    ),
                    "problem": st.just(p[0]),
                    "n_classes": st.just(p[1]),
                }
            )
        ),
        check=lambda r, kw: (
            isinstance(r, keras.losses.Loss)
            and (
                type(r).__name__
                == {
                    "mse": "MeanSquaredError",
                    "mae": "MeanAbsoluteError",
                    "half_squared_error": "HalfSquaredError",
                }.get(
                    kw["loss"],
                    "BinaryCrossentropy"
                    if network.output_size(kw["problem"], kw["n_classes"]) == 1
                    else "CategoricalCrossentropy",
                )
            )
        ),
        invalid=[
            *bad({}, "loss", "hinge", None),
            *bad({"problem": "regression"}, "loss", "cross_entropy"),
            *bad({}, "problem", "ranking"),
            *bad({}, "n_classes", 1, "2", float("nan")),
        ],
    ),
    "playground_model.encode_targets": Case(
        call=network.encode_targets,
        valid=targets(),
        check=check_targets,
        invalid=[
            *bad(
                {"problem": "classification", "n_classes": 3},
                "y",
                [0, 3],
                [-1, 0],
                [0.5, 1],
                [np.nan],
                "ab",
                None,
            ),
            *bad({"problem": "classification", "n_classes": 2}, "y", [0, 2], [np.nan]),
            *bad(
                {"problem": "regression", "n_classes": 1},
                "y",
                [np.nan, 0],
                [np.inf],
                [1e300],
                ["a"],
            ),
            *bad({"y": [0, 1], "n_classes": 3}, "problem", "ranking", None),
            *bad({"y": [0, 1], "problem": "classification"}, "n_classes", 1, 2.5, "3", None),
        ],
    ),
    "playground_model.check_layers": Case(
        call=network.check_layers,
        valid=st.fixed_dictionaries({"layers": st.lists(st.integers(1, 8), max_size=6)}),
        check=lambda r, kw: r == tuple(kw["layers"]) and all(type(u) is int for u in r),
        examples=[{"layers": np.array([2, 3])}, {"layers": (2.0, np.int32(3))}],
        invalid=bad({}, "layers", (2.5,), (0,), (9,), (1,) * 7, "12", 3, None, (np.nan,), (True,)),
    ),
    "playground_model.activation_names": Case(
        call=network.activation_names,
        valid=st.just({}),
        check=lambda r, kw: (
            r[:4] == list(network.FAMILIAR_ACTIVATIONS)
            and len(set(r)) == len(r)
            and all(isinstance(name, str) for name in r)
        ),
        max_examples=1,
    ),
    "playground_model.Trainer": Case(
        call=train_once,
        valid=trainer_kwargs(),
        check=check_trainer,
        max_examples=1,
        refuse=new_trainer,
        examples=[
            {
                "problem": "classification",
                "n_classes": 3,
                "loss": "cross_entropy",
                "optimizer": "adam",
                "learning_rate": 0.01,
                "batch_size": 3,
                "seed": 1,
            },
        ],  # fmt: skip
        invalid=[
            *bad({}, "model", "a model", None),
            *bad({}, "optimizer", "sgd", None),
            *bad({}, "loss", "hinge"),
            *bad({}, "problem", "ranking"),
            *bad({}, "n_classes", 2, 4, "3"),
            *not_a_count({}, "batch_size"),
            *bad_seed({}),
        ],
    ),
    "playground_model.Trainer.set_data": Case(
        call=trainer_set_data,
        valid=st.integers(1, 6).flatmap(
            lambda n: st.fixed_dictionaries(
                {
                    "x_train": hnp.arrays("float64", (n, 2), elements=reals(-3, 3)),
                    "y_train": hnp.arrays("int64", n, elements=st.integers(0, 2)),
                    "x_test": hnp.arrays("float64", (n, 2), elements=reals(-3, 3)),
                    "y_test": hnp.arrays("int64", n, elements=st.integers(0, 2)),
                }
            )
        ),
        check=check_set_data,
        max_examples=5,
        invalid=[
            *bad(
                {"y_train": Y3, "x_test": X3, "y_test": Y3},
                "x_train",
                np.zeros((4, 3)),
                np.zeros((6, 1)),
                X3 * np.nan,
                "ab",
                None,
            ),
            *bad(
                {"x_train": X3, "x_test": X3, "y_test": Y3},
                "y_train",
                Y3[:3],
                Y3 + 1,
                [0.5, 0, 0, 0],
                None,
            ),
            *bad(
                {"x_train": X3, "y_train": Y3, "y_test": Y3},
                "x_test",
                np.zeros((2, 4)),
                X3 + np.inf,
            ),
            *bad({"x_train": X3, "y_train": Y3, "x_test": X3}, "y_test", Y3[:1], -Y3),
        ],
    ),
    "playground_model.Trainer.methods": Case(
        call=trainer_method,
        valid=st.sampled_from(
            [
                {"name": "learning_rate", "learning_rate": 0.5},
                {"name": "batch_size", "batch_size": 3},
                {"name": "reset", "seed": 2},
                {"name": "predict", "x": np.ones((3, 2))},
                {"name": "layer_outputs", "x": np.ones((1, 2))},
                {"name": "evaluate", "grid_features": np.ones((2, 2))},
            ]
        ),
        check=check_trainer_method,
        max_examples=8,
        invalid=[
            *not_a_number({"name": "learning_rate"}, "learning_rate", 0),
            *not_a_count({"name": "batch_size"}, "batch_size"),
            *bad_seed({"name": "reset"}),
            *bad({"name": "predict"}, "x", np.ones((3, 3)), np.ones(2), [[np.nan, 0]], "ab"),
            *bad({"name": "layer_outputs"}, "x", np.ones((2, 5)), None),
            *bad({"name": "evaluate"}, "grid_features", np.ones((2, 1)), [[np.inf, 0]]),
        ],
    ),
    "playground_model.initialize_weights": Case(
        call=network.initialize_weights,
        valid=st.fixed_dictionaries({"model": lazy(lambda: tiny_trainer().model), "seed": SEEDS}),
        check=check_initialized,
        max_examples=3,
        invalid=[
            *bad_seed({"model": Built(lambda: tiny_trainer().model)}),
            *bad({"seed": 0}, "model", "a model", None),
        ],
    ),
    "playground_model.half_squared_error": Case(
        call=lambda **kw: keras.ops.convert_to_numpy(network.half_squared_error(**kw)),
        valid=st.integers(1, 5).flatmap(
            lambda n: st.fixed_dictionaries(
                {
                    "y_true": hnp.arrays("float32", (n, 1), elements=reals(-5, 5, 32)),
                    "y_pred": hnp.arrays("float32", (n, 1), elements=reals(-5, 5, 32)),
                }
            )
        ),
        # nn.ts: Errors.SQUARE.error = 0.5 * (output - target)^2, one value per point
        check=lambda r, kw: np.allclose(
            r, 0.5 * (kw["y_pred"] - kw["y_true"])[:, 0] ** 2, rtol=1e-5, atol=1e-6
        ),  # fmt: skip
    ),
    "playground_model.loss_value": Case(
        call=network.loss_value,
        valid=loss_value_kwargs(),
        check=check_loss_value,
        max_examples=10,
        invalid=[
            *bad({"y_true": [[0.0]], "y_pred": [[0.5]]}, "loss", "hinge", None),
            *bad(
                {"loss": "mse", "y_pred": [[0.5], [0.2]]},
                "y_true",
                [[0.0]],
                [[np.nan], [0]],
                "ab",
                None,
            ),
            *bad(
                {"loss": "mse", "y_true": [[0.5], [0.2]]},
                "y_pred",
                [[0.0]],
                [[1.0, 2.0], [1.0, 2.0]],
                [[np.inf], [0]],
            ),
            *bad(
                {"loss": "cross_entropy", "y_true": [[1.0, 0.0]]},
                "y_pred",
                [[0.0, 0.0]],
                [[-0.5, 1.5]],
            ),
        ],
    ),
    "playground_model.predicted_classes": Case(
        call=network.predicted_classes,
        valid=class_outputs(),
        check=check_predicted,
        invalid=bad({}, "output", 0.5, [[np.nan]], [[np.nan, 0.2]], "ab", None),
    ),
}


# --- training ---------------------------------------------------------------------------


@st.composite
def mlp_configs(draw, small=False):
    return training.MLPConfig(
        # small: the tiny MLP's sizes (a new shape costs seconds of JAX compiling).
        hidden_layers=1 if small else draw(st.integers(0, 8)),
        units=3 if small else draw(st.integers(1, 512)),
        activation=draw(st.sampled_from(training.ACTIVATIONS)),
        dropout=draw(st.sampled_from([0.0, 0.5])),
        l2=draw(st.sampled_from([0.0, 0.01])),
        optimizer=draw(st.sampled_from(training.OPTIMIZERS)),
        learning_rate=draw(st.sampled_from([1e-4, 0.01])),
        loss=draw(st.sampled_from(training.LOSSES)),
        batch_size=draw(st.integers(1, 64)),
        epochs=draw(st.integers(1, 10)),
    )


CONFIG_FIELDS = {field.name: field.default for field in dataclasses.fields(training.MLPConfig)}


def check_config(config, kw):
    assert dataclasses.asdict(config) == {**CONFIG_FIELDS, **kw}
    assert training.mlp_parameter_count(config) > 0


def check_build_mlp(model, kw):
    size = int(np.prod(kw["input_shape"]))
    assert model.count_params() == training.mlp_parameter_count(kw["config"], size, kw["n_classes"])
    x = np.random.default_rng(0).uniform(size=(3, *kw["input_shape"])).astype("float32")
    assert_probabilities(keras.ops.convert_to_numpy(model(x)))


def check_evaluation(result, kw):
    y = np.asarray(kw["y_test"])
    assert_probabilities(result["probabilities"])
    assert np.array_equal(result["predictions"], result["probabilities"].argmax(axis=1))
    assert result["test_accuracy"] == pytest.approx(np.mean(result["predictions"] == y))
    assert result["confusion_matrix"].sum() == len(y)
    assert np.trace(result["confusion_matrix"]) == len(y) - len(result["misclassified"])
    rows = result["recall_matrix"].sum(axis=1)
    assert np.all(np.isclose(rows, 1) | (rows == 0))


def stop_switch(batches):
    switch = training.StopSwitch()
    switch.set_model(tiny_mlp())
    tiny_mlp().stop_training = False
    for batch in range(batches):
        switch.on_train_batch_begin(batch)
    switch.request()
    switch.request()  # a second request changes nothing
    switch.on_train_batch_begin(batches)
    return switch


def check_stop_switch(switch, kw):
    assert switch.requested and switch.batches_at_request == kw["batches"]
    assert switch.batches_started == kw["batches"] + 1 and switch.model.stop_training
    switch.model.stop_training = False


def divergence_guard(losses):
    """The guard over epochs whose weights are the epoch number, with these losses."""
    model = tiny_mlp()
    guard = training.DivergenceGuard()
    guard.set_model(model)
    initial = model.get_weights()
    guard.on_train_begin()
    weights = []
    for epoch, loss in enumerate(losses):
        model.set_weights([np.full_like(w, epoch + 1) for w in initial])
        weights.append(model.get_weights())
        guard.on_epoch_end(epoch, {"loss": loss})
        if model.stop_training:
            break
    kept = model.get_weights()
    model.set_weights(initial)
    model.stop_training = False
    return guard, initial, weights, kept


def check_divergence_guard(result, kw):
    guard, initial, weights, kept = result
    bad_epochs = [i for i, loss in enumerate(kw["losses"]) if not math.isfinite(loss)]
    if not bad_epochs:
        assert guard.diverged is None
        return
    first = bad_epochs[0]
    assert guard.diverged["epoch"] == first + 1
    assert not math.isfinite(guard.diverged["loss"])
    expected = weights[first - 1] if first else initial
    for a, b in zip(kept, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def background_fit(epochs):
    x = np.random.default_rng(0).uniform(size=(4, 2, 2)).astype("float32")
    run = training.BackgroundFit(
        tiny_mlp(), x=x, y=np.array([0, 1, 2, 0]), epochs=epochs, batch_size=2, verbose=0
    )
    run.start()
    assert run.wait(60)
    return run


def check_background_fit(run, kw):
    assert run.error is None and not run.running and not run.stopped and run.diverged is None
    losses = run.history["loss"]
    assert len(losses) == kw["epochs"]
    assert_finite(losses)


def check_noisy_sine(result, kw):
    x, y = result
    n = kw["n"]
    assert x.shape == y.shape == (n, 1) and x.dtype == y.dtype == np.float32
    assert np.all(np.abs(x) <= 1)
    # The noise has standard deviation 0.3: nothing lands 3 away from the curve.
    assert np.all(np.abs(y - training.clean_sine(x)) < 3)


def overfitting(**kw):
    return training.overfitting_run(**kw)


def check_overfitting(result, kw):
    n_points = len(result["epochs"])
    assert n_points == len(result["train_loss"]) == len(result["val_loss"]) <= kw["points"]
    assert result["epochs"][-1] == kw["epochs"] and result["diverged"] is None
    assert_finite(result["train_loss"], result["val_loss"], result["prediction"])
    assert np.all(result["train_loss"] >= 0) and np.all(result["val_loss"] >= 0)
    assert result["gap"] == pytest.approx(result["val_loss"][-1] - result["train_loss"][-1])
    assert result["best_epoch"] in result["epochs"]
    assert len(result["x_train"]) == kw["train_size"] and len(result["x_val"]) == kw["val_size"]


def check_regression_mlp(model, kw):
    sizes = [1, *[kw["units"]] * kw["hidden_layers"], 1]
    assert model.count_params() == glorot_count(sizes)
    assert_finite(keras.ops.convert_to_numpy(model(np.linspace(-1, 1, 5)[:, None])))


def check_advice(text, kw):
    assert f"epoch {kw['diverged']['epoch']}" in text and text.endswith("are kept.")
    settings_ = {k: v for k, v in kw.items() if k != "diverged"}
    for name in settings_ or ["the learning rate"]:
        assert name in text


def divergence_advice(diverged, **settings_):
    return training.divergence_advice(diverged, **settings_)


MLP = Built(tiny_mlp)
SMALL_CONFIG = training.MLPConfig(hidden_layers=1, units=2, dropout=0.0)
IMAGES = np.zeros((2, 2, 2))

TRAINING_CASES = {
    "training.MLPConfig": Case(
        call=training.MLPConfig,
        valid=mlp_configs().map(dataclasses.asdict),
        check=check_config,
        invalid=[
            *not_a_number({}, "hidden_layers", -1),
            *bad({}, "hidden_layers", 9, 1.5),
            *not_a_count({}, "units"),
            *not_a_count({}, "batch_size"),
            *not_a_count({}, "epochs"),
            *not_a_number({}, "dropout", -0.1),
            *bad({}, "dropout", 1.0),
            *not_a_number({}, "l2", -1),
            *not_a_number({}, "learning_rate", 0),
            *bad({}, "activation", "swish", None),
            *bad({}, "optimizer", "lbfgs"),
            *bad({}, "loss", "hinge"),
        ],
    ),
    "training.mlp_parameter_count": Case(
        call=training.mlp_parameter_count,
        valid=st.fixed_dictionaries(
            {
                "config": mlp_configs(),
                "input_size": st.integers(1, 10**6),
                "n_classes": st.integers(1, 1000),
            }
        ),
        check=lambda r, kw: (
            type(r) is int
            and r
            == glorot_count(
                [
                    kw["input_size"],
                    *[kw["config"].units] * kw["config"].hidden_layers,
                    kw["n_classes"],
                ]
            )
        ),
        examples=[
            {
                "config": training.MLPConfig(units=70_000),
                "input_size": np.int32(70_000),
                "n_classes": np.int32(10),
            }
        ],
        invalid=[
            *bad({}, "config", {"units": 3}, None, "config"),
            *not_a_count({"config": SMALL_CONFIG}, "input_size"),
            *not_a_count({"config": SMALL_CONFIG}, "n_classes"),
        ],
    ),
    "training.build_mlp": Case(
        call=training.build_mlp,
        valid=st.fixed_dictionaries(
            {
                "config": mlp_configs(small=True),
                "input_shape": st.just((2, 2)),
                "n_classes": st.just(3),
                "seed": SEEDS | st.none(),
            }
        ),
        check=check_build_mlp,
        max_examples=1,
        invalid=[
            *bad({}, "config", {"units": 3}, None),
            *bad({"config": SMALL_CONFIG}, "input_shape", (0, 2), (-1,), (2.5,), "28", (), None),
            *not_a_count({"config": SMALL_CONFIG}, "n_classes", 1),
            *bad({"config": SMALL_CONFIG}, "seed", -1, 1.5, "0", float("nan")),
        ],
    ),
    "training.encode_labels": Case(
        call=training.encode_labels,
        valid=st.integers(1, 10).flatmap(
            lambda k: st.fixed_dictionaries(
                {
                    "labels": hnp.arrays(
                        "int64", st.integers(0, 8), elements=st.integers(0, k - 1)
                    ),
                    "loss": st.sampled_from(training.LOSSES),
                    "n_classes": st.just(k),
                }
            )
        ),
        check=lambda r, kw: (
            np.array_equal(r, kw["labels"])
            if kw["loss"] == "sparse_categorical_crossentropy"
            else r.shape == (len(kw["labels"]), kw["n_classes"])
            and np.array_equal(r.argmax(axis=1), kw["labels"])
            and np.all(r.sum(axis=1) == 1)
        ),  # fmt: skip
        invalid=[
            *bad({"labels": [0, 1]}, "loss", "hinge", None),
            *bad(
                {"loss": "categorical_crossentropy", "n_classes": 3},
                "labels",
                [0, 3],
                [-1],
                [0.5],
                [np.nan],
                "ab",
                None,
            ),
            *bad(
                {"loss": "sparse_categorical_crossentropy", "n_classes": 3}, "labels", [0, 3], [-1]
            ),
            *not_a_count({"labels": [0], "loss": "categorical_crossentropy"}, "n_classes"),
        ],
    ),
    "training.scale_images": Case(
        call=training.scale_images,
        valid=st.fixed_dictionaries(
            {"images": hnp.arrays("uint8", hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))}
        ),
        check=lambda r, kw: (
            r.dtype == np.float32
            and np.all((r >= 0) & (r <= 1))
            and np.allclose(r * 255, kw["images"])
        ),
        invalid=bad(
            {}, "images", [], np.zeros((0, 2, 2)), [[np.nan]], [[256.0]], [[-1]], "ab", None
        ),
    ),
    "training.evaluate_classifier": Case(
        call=training.evaluate_classifier,
        valid=st.integers(1, 6).flatmap(
            lambda n: st.fixed_dictionaries(
                {
                    "model": lazy(tiny_mlp),
                    "x_test": hnp.arrays("float32", (n, 2, 2), elements=reals(0, 1, width=32)),
                    "y_test": hnp.arrays("int64", n, elements=st.integers(0, 2)),
                    "n_classes": st.just(3),
                }
            )
        ),
        check=check_evaluation,
        max_examples=3,
        invalid=[
            *bad({"x_test": IMAGES, "y_test": [0, 1], "n_classes": 3}, "model", "a model", None),
            *bad(
                {"model": MLP, "y_test": [0, 1], "n_classes": 3},
                "x_test",
                np.zeros((2, 3)),
                IMAGES * np.nan,
                "ab",
                None,
            ),
            *bad(
                {"model": MLP, "x_test": IMAGES, "n_classes": 3},
                "y_test",
                [0],
                [0, 3],
                [-1, 0],
                [0.5, 1],
                None,
            ),
            *bad(
                {"model": MLP, "x_test": IMAGES, "y_test": [0, 1]},
                "n_classes",
                2,
                0,
                "3",
                float("nan"),
            ),
        ],
    ),
    "training.StopSwitch": Case(
        call=stop_switch,
        valid=st.fixed_dictionaries({"batches": st.integers(0, 20)}),
        check=check_stop_switch,
        max_examples=5,
    ),
    "training.DivergenceGuard": Case(
        call=divergence_guard,
        valid=st.fixed_dictionaries(
            {
                "losses": st.lists(
                    st.sampled_from([0.5, 2.0, float("nan"), float("inf")]), min_size=1, max_size=4
                )
            }
        ),
        check=check_divergence_guard,
        max_examples=6,
    ),
    "training.BackgroundFit": Case(
        call=background_fit,
        valid=st.just({"epochs": 2}),
        check=check_background_fit,
        max_examples=1,
        refuse=training.BackgroundFit,
        invalid=[*bad({}, "model", "a model", None), *bad({"model": MLP}, "on_done", 5, "done")],
    ),
    "training.divergence_advice": Case(
        call=divergence_advice,
        valid=st.fixed_dictionaries(
            {
                "diverged": st.fixed_dictionaries(
                    {"epoch": st.integers(1, 1000), "loss": st.sampled_from(NOT_FINITE)}
                )
            },
            optional={"learning_rate": reals(1e-6, 10), "regularization_rate": reals(0, 10)},
        ),
        check=check_advice,
        invalid=[
            *bad(
                {},
                "diverged",
                None,
                {"epoch": 3},
                {"loss": np.nan},
                "epoch 3",
                {"epoch": "3", "loss": np.nan},
            ),
            *bad({"diverged": {"epoch": 1, "loss": np.nan}}, "learning_rate", "fast", None, [0.1]),
        ],
    ),
    "training.noisy_sine": Case(
        call=training.noisy_sine,
        valid=st.fixed_dictionaries({"n": st.integers(1, 50), "seed": SEEDS}),
        check=check_noisy_sine,
        invalid=[*not_a_count({}, "n"), *bad_seed({"n": 3})],
    ),
    "training.clean_sine": Case(
        call=training.clean_sine,
        valid=st.fixed_dictionaries(
            {
                "x": hnp.arrays(
                    "float64",
                    hnp.array_shapes(min_dims=0, max_dims=2, min_side=0),
                    elements=reals(-1e3, 1e3),
                )
            }
        ),
        check=lambda r, kw: (
            r.shape == np.shape(kw["x"])
            and np.allclose(r, np.sin(3 * kw["x"]))
            and np.all(np.abs(r) <= 1)
        ),
        invalid=bad({}, "x", [np.nan], [[0.0, np.inf]], "ab", ["a"], None),
    ),
    "training.regression_mlp": Case(
        call=training.regression_mlp,
        valid=st.fixed_dictionaries(
            {
                "dropout": st.sampled_from([0.0, 0.3]),
                "l2": st.sampled_from([0.0, 1e-3]),
                "units": st.integers(1, 3),
                "hidden_layers": st.integers(0, 2),
                "learning_rate": st.sampled_from([1e-3, 0.1]),
                "seed": SEEDS,
            }
        ),
        check=check_regression_mlp,
        max_examples=4,
        invalid=[
            *not_a_number({}, "dropout", -0.1),
            *bad({}, "dropout", 1.0),
            *not_a_number({}, "l2", -1),
            *not_a_count({}, "units"),
            *not_a_number({}, "hidden_layers", -1),
            *bad({}, "hidden_layers", 1.5),
            *not_a_number({}, "learning_rate", 0),
            *bad_seed({}),
        ],
    ),
    "training.overfitting_run": Case(
        call=overfitting,
        valid=st.just(
            {"train_size": 3, "epochs": 3, "val_size": 4, "points": 2, "dropout": 0.1, "l2": 1e-3}
        ),
        check=check_overfitting,
        max_examples=1,
        invalid=[
            *not_a_count({}, "train_size", 1),
            *not_a_count({}, "epochs"),
            *not_a_count({}, "val_size"),
            *not_a_count({}, "points"),
            *not_a_number({}, "dropout", -0.1),
            *not_a_number({}, "l2", -1),
            *bad_seed({}),
        ],
    ),
}


# --- cnn --------------------------------------------------------------------------------


def cnn_parameter_count(input_shape, n_classes, filters):
    (height, width), channels, count = input_shape, 1, 0
    for f in filters:
        count += (9 * channels + 1) * f
        height, width, channels = (height - 2) // 2, (width - 2) // 2, f
    return count + (height * width * channels + 1) * n_classes


def check_build_cnn(model, kw):
    assert model.count_params() == cnn_parameter_count(
        kw["input_shape"], kw["n_classes"], kw["filters"]
    )
    assert cnn.conv_layer_names(model) == [f"conv_{i}" for i in range(1, len(kw["filters"]) + 1)]


def check_feature_maps(maps, kw):
    size = {"conv_1": (8, 8, 2), "conv_2": (2, 2, 3)}[kw["layer_name"]]
    assert maps.shape == (len(kw["images"]), *size) and np.all(maps >= 0)
    assert_finite(maps)


def check_explained(result, kw):
    assert_probabilities(result["probabilities"])
    assert result["predicted"] == int(np.argmax(result["probabilities"]))
    np.testing.assert_allclose(result["mean_filters"], result["filters"].mean(axis=2))
    maps = cnn.feature_maps(kw["model"], kw["image"][None], kw["layer_name"])[0]
    np.testing.assert_allclose(result["feature_maps"], maps, rtol=1e-5, atol=1e-6)


IMAGE = np.zeros((10, 10), dtype="float32")
CNN_IMAGES = st.fixed_dictionaries(
    {
        "model": lazy(tiny_cnn),
        "images": hnp.arrays("float32", (2, 10, 10), elements=reals(0, 1, width=32)),
        "layer_name": st.sampled_from(["conv_1", "conv_2"]),
    }
)


def cnn_model_invalid(call_kwargs):
    """The model and layer name refusals every function of cnn shares."""
    call_kwargs = {"model": Built(tiny_cnn), **call_kwargs}
    return [
        ({**call_kwargs, "layer_name": "conv_9"}, "layer_name"),
        ({**call_kwargs, "layer_name": None}, "layer_name"),
        ({**call_kwargs, "model": "a model"}, "model"),
    ]


CNN_CASES = {
    "cnn.build_cnn": Case(
        call=cnn.build_cnn,
        valid=st.fixed_dictionaries(
            {
                "n_classes": st.integers(2, 3),
                "learning_rate": st.sampled_from([1e-3, 0.1]),
            }
        ).flatmap(
            lambda kw: st.sampled_from(
                [
                    {**kw, "input_shape": (6, 5), "filters": (1,)},
                    {**kw, "input_shape": (10, 12), "filters": (2, 1)},
                ]
            )
        ),
        check=check_build_cnn,
        max_examples=2,
        invalid=[
            *bad({}, "filters", (), (0,), (1.5,), ("8",), (np.nan,), 8, None),
            *bad({"filters": (1, 1)}, "input_shape", (5, 5), (28,), (0, 0), (10.5, 10), "28", None),
            *not_a_count({}, "n_classes", 1),
            *not_a_number({}, "learning_rate", 0),
        ],
    ),
    "cnn.conv_layer_names": Case(
        call=cnn.conv_layer_names,
        valid=st.fixed_dictionaries({"model": lazy(tiny_cnn)}),
        check=lambda r, kw: r == ["conv_1", "conv_2"],
        max_examples=1,
        invalid=bad({}, "model", "a model", None),
    ),
    "cnn.conv_filters": Case(
        call=cnn.conv_filters,
        valid=st.fixed_dictionaries(
            {"model": lazy(tiny_cnn), "layer_name": st.sampled_from(["conv_1", "conv_2"])}
        ),
        check=lambda r, kw: (
            r.shape == {"conv_1": (3, 3, 1, 2), "conv_2": (3, 3, 2, 3)}[kw["layer_name"]]
            and np.all(np.isfinite(r))
        ),
        max_examples=2,
        invalid=cnn_model_invalid({"layer_name": "conv_1"}),
    ),
    "cnn.feature_map_model": Case(
        call=cnn.feature_map_model,
        valid=st.fixed_dictionaries(
            {"model": lazy(tiny_cnn), "layer_name": st.sampled_from(["conv_1", "conv_2"])}
        ),
        check=lambda r, kw: (
            tuple(r.output.shape[1:])
            == {"conv_1": (8, 8, 2), "conv_2": (2, 2, 3)}[kw["layer_name"]]
        ),
        max_examples=2,
        invalid=cnn_model_invalid({"layer_name": "conv_1"}),
    ),
    "cnn.feature_maps": Case(
        call=cnn.feature_maps,
        valid=CNN_IMAGES,
        check=check_feature_maps,
        max_examples=2,
        invalid=[
            *cnn_model_invalid({"images": IMAGE[None], "layer_name": "conv_1"}),
            *bad(
                {"model": Built(tiny_cnn), "layer_name": "conv_1"},
                "images",
                IMAGE,
                np.zeros((1, 9, 10)),
                IMAGE[None] * np.nan,
                "ab",
                None,
            ),
        ],
    ),
    "cnn.explain_image": Case(
        call=cnn.explain_image,
        valid=CNN_IMAGES.map(
            lambda kw: {
                "model": kw["model"],
                "image": kw["images"][0],
                "layer_name": kw["layer_name"],
            }
        ),
        check=check_explained,
        max_examples=2,
        invalid=[
            *cnn_model_invalid({"image": IMAGE, "layer_name": "conv_1"}),
            *bad(
                {"model": Built(tiny_cnn), "layer_name": "conv_1"},
                "image",
                IMAGE[None],
                np.zeros((9, 10)),
                IMAGE * np.nan,
                "ab",
                None,
            ),
        ],
    ),
}


# --- char_transformer -------------------------------------------------------------------


def char_call(function):
    """``function`` with ``model``/``vocab``/``attention`` filled in from the tiny model
    unless given (a given value is used as is, to test its refusal)."""

    def call(**kw):
        vocab, model, attention = char_model()
        filled = {"model": model, "vocab": vocab, "attention": attention}
        names = inspect.signature(function).parameters
        return function(**{name: value for name, value in filled.items() if name in names} | kw)

    return call


def vocab_round_trip(text, encode=None, decode=None):
    vocab = char_transformer.CharVocab.from_text(text)
    if encode is not None:
        return vocab, vocab.encode(encode)
    if decode is not None:
        return vocab, vocab.decode(decode)
    return vocab, vocab.encode(text)


def check_vocab(result, kw):
    vocab, ids = result
    text = kw["text"]
    assert vocab.size == len(set(text)) + 1 and list(vocab.chars) == sorted(set(text))
    assert ids.dtype == np.int32 and np.all((ids >= 1) & (ids < vocab.size))
    assert vocab.decode(ids) == text and vocab.decode([0, *ids, 0]) == text


def char_parameter_count(vocab_size, context, embed_dim, num_heads):
    e, v = embed_dim, vocab_size
    attention = 4 * (e * e + e)  # query, key, value and output projections, heads together
    feed_forward = (e * 4 * e + 4 * e) + (4 * e * e + e)
    return v * e + context * e + 3 * 2 * e + attention + feed_forward + (e * v + v)


def check_char_model(model, kw):
    assert model.count_params() == char_parameter_count(
        **{k: v for k, v in kw.items() if k != "learning_rate"}
    )
    assert tuple(model.output.shape[1:]) == (kw["context"], kw["vocab_size"])
    assert char_transformer.context_length(model) == kw["context"]


def check_attention(scores):
    scores = np.asarray(scores, dtype="float64")
    assert_probabilities(scores)
    # Causal: no position attends to a later one.
    assert np.all(np.triu(scores, k=1) == 0)


def check_windows(result, kw):
    x, y = result
    ids, context = np.asarray(kw["ids"]), kw["context"]
    assert x.shape == y.shape == (kw["count"], context)
    assert np.array_equal(x[:, 1:], y[:, :-1])
    starts = [s for s in range(len(ids) - context)]
    for row_x, row_y in zip(x, y, strict=True):
        assert any(
            np.array_equal(ids[s : s + context], row_x)
            and np.array_equal(ids[s + 1 : s + context + 1], row_y)
            for s in starts
        )


def check_choice(result, kw):
    vocab = char_model()[0]
    for key in ("raw_probabilities", "probabilities"):
        assert_probabilities(result[key])
        assert result[key][char_transformer.PAD_ID] == 0
    assert result["candidates"] == vocab.size - 1
    assert 1 <= result["kept"] <= result["candidates"]
    if kw.get("top_k") is not None:
        assert result["kept"] <= kw["top_k"]
    assert 0 <= result["entropy_after"] <= math.log(result["kept"]) + 1e-9
    assert 0 <= result["entropy_before"] <= math.log(result["candidates"]) + 1e-9


def check_generated(result, kw):
    vocab = char_model()[0]
    assert (
        isinstance(result, str) and len(result) == kw["length"] and set(result) <= set(vocab.chars)
    )
    assert char_call(char_transformer.generate)(**kw) == result  # the seed fixes it


def check_logits(result, kw):
    vocab = char_model()[0]
    assert result.shape == (vocab.size,) and result.dtype == np.float64
    assert_finite(result)
    # Only the last ``context`` characters count.
    tail = char_call(char_transformer.next_token_logits)(text=kw["text"][-4:])
    np.testing.assert_allclose(result, tail, rtol=1e-5, atol=1e-5)


PROMPTS = text_of(TEXT, 1, 8)
TEMPERATURES = reals(0.05, 5)
IDS = char_transformer.CharVocab.from_text(TEXT).encode(TEXT)
VOCAB_SIZE = char_transformer.CharVocab.from_text(TEXT).size
OTHER_VOCAB = char_transformer.CharVocab.from_text("abc")
NOT_A_PROMPT = ["", "XYZ", None, 5]

CHAR_CASES = {
    "char_transformer.CharVocab": Case(
        call=vocab_round_trip,
        valid=st.fixed_dictionaries({"text": st.text(min_size=1, max_size=30)}),
        check=check_vocab,
        invalid=[
            *bad({}, "text", "", None, 5, ["a", "b"]),
            ({"text": "abc", "encode": "abz"}, "text"),
            ({"text": "abc", "encode": 5}, "text"),
            ({"text": "abc", "decode": [4]}, "ids"),
            ({"text": "abc", "decode": [-1]}, "ids"),
            ({"text": "abc", "decode": [1.5]}, "ids"),
            ({"text": "abc", "decode": "ab"}, "ids"),
        ],
    ),
    "char_transformer.build_char_transformer": Case(
        call=char_transformer.build_char_transformer,
        # The tiny model's sizes: a new shape costs seconds of JAX compiling at build.
        valid=st.fixed_dictionaries(
            {
                "vocab_size": st.just(VOCAB_SIZE),
                "context": st.just(4),
                "embed_dim": st.just(4),
                "num_heads": st.just(2),
                "learning_rate": st.sampled_from([0.01, 0.001]),
            }
        ),
        check=check_char_model,
        max_examples=1,
        invalid=[
            *not_a_count({}, "vocab_size"),
            *not_a_count({"vocab_size": 5}, "context"),
            *not_a_count({"vocab_size": 5}, "num_heads"),
            *bad({"vocab_size": 5, "num_heads": 2}, "embed_dim", 3, 1, 0, 2.5, "4", float("nan")),
            *not_a_number({"vocab_size": 5}, "learning_rate", 0),
        ],
    ),
    "char_transformer.context_length": Case(
        call=char_call(char_transformer.context_length),
        valid=st.just({}),
        check=lambda r, kw: r == 4 and type(r) is int,
        max_examples=1,
        invalid=bad({}, "model", "a model", None),
    ),
    "char_transformer.attention_model": Case(
        call=char_call(char_transformer.attention_model),
        valid=st.just({}),
        check=lambda r, kw: tuple(r.output.shape[1:]) == (2, 4, 4),
        max_examples=1,
        invalid=bad({}, "model", "a model", Built(tiny_cnn)),
    ),
    "char_transformer.training_windows": Case(
        call=char_transformer.training_windows,
        valid=st.integers(2, 20).flatmap(
            lambda n: st.fixed_dictionaries(
                {
                    "ids": hnp.arrays("int32", n, elements=st.integers(0, 50)),
                    "context": st.integers(1, n - 1),
                    "count": st.integers(1, 6),
                    "seed": SEEDS,
                }
            )
        ),
        check=check_windows,
        invalid=[
            *bad(
                {"context": 4, "count": 2},
                "ids",
                IDS[:4],
                IDS * 0.5,
                -IDS,
                IDS[None],
                "abcdefg",
                None,
            ),
            *not_a_count({"ids": IDS, "count": 2}, "context"),
            *not_a_count({"ids": IDS, "context": 4}, "count"),
            *bad_seed({"ids": IDS, "context": 4, "count": 2}),
        ],
    ),
    "char_transformer.train_char_lm": Case(
        call=char_call(char_transformer.train_char_lm),
        valid=st.fixed_dictionaries(
            {
                "ids": st.just(IDS),
                "steps": st.just(2),
                "batch_size": st.just(3),
                "epochs": st.just(2),
            }
        ),
        check=lambda r, kw: len(r) == kw["epochs"] and np.all(np.isfinite(r)) and min(r) > 0,
        max_examples=1,
        invalid=[
            *bad({"steps": 1, "batch_size": 2}, "ids", IDS[:3], IDS + 100, -IDS, None),
            *not_a_count({"ids": IDS, "batch_size": 2}, "steps"),
            *not_a_count({"ids": IDS, "steps": 1}, "batch_size"),
            *not_a_count({"ids": IDS, "steps": 1, "batch_size": 2}, "epochs"),
            *bad_seed({"ids": IDS, "steps": 1, "batch_size": 2}),
        ],
    ),
    "char_transformer.next_token_logits": Case(
        call=char_call(char_transformer.next_token_logits),
        valid=st.fixed_dictionaries({"text": PROMPTS}),
        check=check_logits,
        max_examples=5,
        invalid=[
            *bad({}, "text", *NOT_A_PROMPT),
            *bad({"text": "to"}, "vocab", OTHER_VOCAB, "abc", None),
        ],
    ),
    "char_transformer.prompt_attention": Case(
        call=char_call(char_transformer.prompt_attention),
        valid=st.fixed_dictionaries({"text": PROMPTS}),
        check=lambda r, kw: (
            check_attention(r) is None and r.shape == (2, *(min(len(kw["text"]), 4),) * 2)
        ),
        max_examples=5,
        invalid=[
            *bad({}, "text", *NOT_A_PROMPT),
            *bad({"text": "to"}, "attention", "a model", None),
            *bad({"text": "to"}, "vocab", OTHER_VOCAB),
        ],
    ),
    "char_transformer.default_prompt": Case(
        call=lambda vocab_text: char_transformer.default_prompt(
            vocab_text
            if not isinstance(vocab_text, str)
            else char_transformer.CharVocab.from_text(vocab_text)
        ),
        valid=st.fixed_dictionaries(
            {"vocab_text": st.text(min_size=1, max_size=10) | st.just("ROMEO:xyz")}
        ),
        check=lambda r, kw: (
            set(r) <= set(kw["vocab_text"])
            and len(r) >= 1
            and (
                r == char_transformer.DEFAULT_PROMPT
                if set("ROMEO:") <= set(kw["vocab_text"])
                else len(r) == 1 and (r.isalpha() or not any(c.isalpha() for c in kw["vocab_text"]))
            )
        ),
        invalid=[({"vocab_text": None}, "vocab"), ({"vocab_text": 5}, "vocab")],
    ),
    "char_transformer.next_character_choice": Case(
        call=char_call(char_transformer.next_character_choice),
        valid=st.fixed_dictionaries(
            {
                "text": PROMPTS,
                "temperature": TEMPERATURES | st.just(0.0),
                "top_k": st.none() | st.integers(1, 20),
                "top_p": st.none() | reals(0.01, 1),
            }
        ),
        check=check_choice,
        max_examples=8,
        invalid=[
            *bad({}, "text", *NOT_A_PROMPT),
            *bad({"text": "to"}, "temperature", -1, float("nan"), "1", None),
            *bad({"text": "to"}, "top_k", 0, 1.5, "3"),
            *bad({"text": "to"}, "top_p", 0, 1.5, float("nan"), "0.5"),
        ],
    ),
    "char_transformer.generate": Case(
        call=char_call(char_transformer.generate),
        valid=st.fixed_dictionaries(
            {
                "prompt": PROMPTS,
                "length": st.integers(0, 3),
                "temperature": TEMPERATURES,
                "seed": SEEDS,
            }
        ),
        check=check_generated,
        max_examples=3,
        invalid=[
            *bad({"length": 2}, "prompt", *NOT_A_PROMPT),
            *bad({"length": 0}, "prompt", "", None),
            *not_a_number({"prompt": "to"}, "length", -1),
            *bad({"prompt": "to"}, "length", 2.5),
            *bad({"prompt": "to", "length": 1}, "temperature", -1),
            *bad_seed({"prompt": "to", "length": 1}),
        ],
    ),
}


# --- rl ---------------------------------------------------------------------------------


@st.composite
def games(draw, max_size=5):
    size = draw(st.integers(2, max_size))
    cells = [(r, c) for r in range(size) for c in range(size)][1:-1]
    holes = draw(st.lists(st.sampled_from(cells), max_size=3, unique=True)) if cells else []
    return {
        "size": size,
        "holes": tuple(holes),
        "max_steps": draw(st.integers(1, 30)),
        "step_reward": draw(reals(-1, 0)),
        "timeout_reward": draw(reals(-2, 0)),
    }


def check_game(game, kw):
    size = kw["size"]
    assert (
        game.n_states == size * size and game.start == (0, 0) and game.goal == (size - 1, size - 1)
    )
    picture = game.render(path=[(0, 1)]).split("\n")
    assert len(picture) == size and all(len(row) == size for row in picture)
    text = "".join(picture)
    holes = {tuple(hole) for hole in kw["holes"]}
    assert text.count("S") == text.count("G") == 1 and text.count("O") == len(holes)
    assert sorted(game.state_index((r, c)) for r in range(size) for c in range(size)) == list(
        range(size * size)
    )


@st.composite
def game_steps(draw):
    kw = draw(games())
    size = kw["size"]
    cell = (draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1)))
    return {
        "game": kw,
        "cell": cell,
        "action": draw(st.integers(0, 3) | st.sampled_from([np.int64(2)])),
    }


def game_step(game, cell, action):
    return rl.GridGame(**game).step(cell, action)


def check_step(result, kw):
    game = rl.GridGame(**kw["game"])
    (row, col), reward, done = result
    assert 0 <= row < game.size and 0 <= col < game.size
    assert abs(row - kw["cell"][0]) + abs(col - kw["cell"][1]) <= 1
    if (row, col) == game.goal:
        assert (reward, done) == (1.0, True)
    elif (row, col) in game.holes:
        assert (reward, done) == (-1.0, True)
    else:
        assert (reward, done) == (game.step_reward, False)


@st.composite
def episodes(draw):
    kw = draw(games(max_size=3))
    game = rl.GridGame(**kw)
    table = draw(hnp.arrays("float64", (game.n_states, 4), elements=reals(0.01, 1)))
    return {
        "game": game,
        "table": table,
        "rng": np.random.default_rng(draw(SEEDS)),
        "greedy": draw(st.booleans()),
    }


def check_episode(result, kw):
    game, cells, actions, rewards = (
        kw["game"],
        result["cells"],
        result["actions"],
        result["rewards"],
    )
    assert cells[0] == game.start and len(cells) == len(actions) + 1 == len(rewards) + 1
    assert 1 <= len(actions) <= game.max_steps
    for (a, b), action in zip(zip(cells, cells[1:], strict=False), actions, strict=True):
        assert game.step(a, action)[0] == b
    ended = cells[-1] == game.goal or cells[-1] in game.holes
    assert ended or len(actions) == game.max_steps
    if kw["greedy"]:
        assert all(
            action == np.argmax(kw["table"][game.state_index(c)])
            for c, action in zip(cells, actions, strict=False)
        )


def check_returns(result, kw):
    r, gamma = np.asarray(kw["rewards"], dtype="float64"), kw["gamma"]
    expected = [sum(gamma**k * r[t + k] for k in range(len(r) - t)) for t in range(len(r))]
    np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-9)


def reward_bound(game):
    return 1 + game.max_steps * abs(game.step_reward) + abs(game.timeout_reward)


def policy_call(function):
    def call(**kw):
        game, policy = tiny_policy()
        names = inspect.signature(function).parameters
        filled = {
            name: value for name, value in (("game", game), ("policy", policy)) if name in names
        }
        return function(**{**filled, **kw})

    return call


def check_policy(policy, kw):
    game = kw["game"]
    assert policy.count_params() == glorot_count([game.n_states, kw["hidden"], 4])
    assert_probabilities(rl.policy_table(policy, game))


GAME = rl.GridGame(size=2, holes=(), max_steps=3)
TABLE = np.full((4, 4), 0.25)

RL_CASES = {
    "rl.GridGame": Case(
        call=rl.GridGame,
        valid=games(),
        check=check_game,
        examples=[{"size": 2, "holes": [[0, 1]]}],
        invalid=[
            *not_a_count({"holes": ()}, "size", 1),
            *bad({}, "holes", [(0, 0)], [(3, 3)], [(4, 0)], [(1,)], [(1.5, 2)], "ab", [None], 5),
            *not_a_count({}, "max_steps"),
            *not_a_number({}, "step_reward"),
            *not_a_number({}, "timeout_reward"),
        ],
    ),
    "rl.GridGame.step": Case(
        call=game_step,
        valid=game_steps(),
        check=check_step,
        invalid=[
            *bad({"game": {}, "cell": (0, 0)}, "action", 4, -1, 1.5, "1", None),
            *bad({"game": {}, "action": 0}, "cell", (4, 0), (-1, 0), (0,), (0.5, 0), "ab", None),
        ],
    ),
    "rl.GridGame.render": Case(
        call=lambda path: GAME.render(path),
        valid=st.fixed_dictionaries(
            {"path": st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), max_size=4)}
        ),
        check=lambda r, kw: r.count("*") == len({tuple(c) for c in kw["path"]} - {(0, 0), (1, 1)}),
        examples=[{"path": [[0, 1]]}],
        invalid=bad({}, "path", 5, [(0, 5)], [(0,)], "ab", None),
    ),
    "rl.GridGame.state_index": Case(
        call=lambda cell: GAME.state_index(cell),
        valid=st.fixed_dictionaries({"cell": st.tuples(st.integers(0, 1), st.integers(0, 1))}),
        check=lambda r, kw: r == 2 * kw["cell"][0] + kw["cell"][1],
        invalid=bad({}, "cell", (2, 0), (0, -1), (0,), (0.5, 0), None),
    ),
    "rl.build_policy": Case(
        call=rl.build_policy,
        valid=st.fixed_dictionaries(
            {
                "game": st.sampled_from([GAME, rl.GridGame(size=3, holes=((1, 1),))]),
                "hidden": st.integers(1, 4),
                "learning_rate": st.sampled_from([0.01, 0.05]),
                "seed": SEEDS,
            }
        ),
        check=check_policy,
        max_examples=2,
        invalid=[
            *bad({}, "game", "a game", None),
            *not_a_count({"game": GAME}, "hidden"),
            *not_a_number({"game": GAME}, "learning_rate", 0),
            *bad_seed({"game": GAME}),
        ],
    ),
    "rl.policy_table": Case(
        call=policy_call(rl.policy_table),
        valid=st.just({}),
        check=lambda r, kw: r.shape == (4, 4) and assert_probabilities(r) is None,
        max_examples=1,
        invalid=[
            *bad({}, "game", "a game", rl.GridGame(size=3, holes=())),
            *bad({}, "policy", "a policy", None),
        ],
    ),
    "rl.play_episode": Case(
        call=rl.play_episode,
        valid=episodes(),
        check=check_episode,
        invalid=[
            *bad(
                {"game": GAME, "rng": np.random.default_rng(0)},
                "table",
                TABLE[:3],
                TABLE[:, :3],
                -TABLE,
                TABLE * 0,
                TABLE * np.nan,
                "ab",
                None,
            ),
            *bad({"game": GAME, "table": TABLE}, "rng", 0, None),
            *bad({"table": TABLE, "rng": np.random.default_rng(0)}, "game", "a game", None),
        ],
    ),
    "rl.discounted_returns": Case(
        call=rl.discounted_returns,
        valid=st.fixed_dictionaries(
            {"rewards": st.lists(reals(-5, 5), max_size=10), "gamma": PROBABILITY}
        ),
        check=check_returns,
        invalid=[
            *not_a_number({"rewards": [1.0]}, "gamma", -0.1),
            *bad({"rewards": [1.0]}, "gamma", 1.5),
            *bad({"gamma": 0.9}, "rewards", [np.nan], [[1.0]], "abc", None),
        ],
    ),
    "rl.mean_reward": Case(
        call=policy_call(rl.mean_reward),
        valid=st.fixed_dictionaries({"episodes": st.integers(1, 20), "seed": SEEDS}),
        check=lambda r, kw: math.isfinite(r) and abs(r) <= reward_bound(tiny_policy()[0]),
        max_examples=3,
        invalid=[*not_a_count({}, "episodes"), *bad_seed({}), *bad({}, "game", "a game")],
    ),
    "rl.train_policy": Case(
        call=policy_call(rl.train_policy),
        valid=st.fixed_dictionaries(
            {
                "iterations": st.integers(1, 2),
                "episodes_per_iteration": st.just(2),
                "gamma": reals(0.5, 1),
                "seed": SEEDS,
            }
        ),
        check=lambda r, kw: (
            len(r) == kw["iterations"] and all(abs(v) <= reward_bound(tiny_policy()[0]) for v in r)
        ),
        max_examples=2,
        invalid=[
            *not_a_count({}, "iterations"),
            *not_a_count({}, "episodes_per_iteration"),
            *not_a_number({}, "gamma", 0),
            *bad({}, "gamma", 1.5),
            *bad_seed({}),
            *bad({}, "game", "a game", rl.GridGame(size=3, holes=())),
        ],
    ),
}


# --- scaling_law ------------------------------------------------------------------------


def scaling_count(width, vocab_size, context, embedding_dim):
    return vocab_size * embedding_dim + glorot_count(
        [context * embedding_dim, width, width, vocab_size]
    )


def check_scaling_model(model, kw):
    kw = {"context": scaling_law.CONTEXT, "embedding_dim": scaling_law.EMBEDDING_DIM, **kw}
    kw.pop("seed", None)
    assert model.count_params() == scaling_count(**kw)
    embedding = kw["vocab_size"] * kw["embedding_dim"]
    assert scaling_law.non_embedding_params(model) == model.count_params() - embedding


def check_trained(result, kw):
    vocab = len(scaling_law.encoded_text()[1])
    assert result["width"] == kw["width"]
    assert result["n_params"] == scaling_count(
        kw["width"], vocab, scaling_law.CONTEXT, scaling_law.EMBEDDING_DIM
    )
    assert result["n_non_embedding"] == result["n_params"] - vocab * scaling_law.EMBEDDING_DIM
    for loss in (result["train_loss"], result["val_loss"]):
        assert 0 < loss < 2 * math.log(vocab)


def check_family(result, kw):
    widths = sorted({int(w) for w in kw["widths"]})
    assert result["width"].tolist() == widths
    assert np.all(np.diff(result["n_params"]) > 0) and np.all(np.isfinite(result["val_loss"]))


@st.composite
def power_laws(draw):
    alpha, n_c = draw(reals(0.01, 2)), draw(reals(10, 1e9))
    n = np.unique(draw(st.lists(reals(1e3, 1e8), min_size=2, max_size=8)))
    if len(n) < 2 or n.max() / n.min() < 1.5:
        n = np.array([1e3, 1e5])
    return {
        "n_params": n,
        "losses": scaling_law.power_law(n, alpha, n_c),
        "_alpha": alpha,
        "_n_c": n_c,
    }


def fit_power_law(n_params, losses, _alpha, _n_c):
    return scaling_law.fit_power_law(n_params, losses)


def check_fit(result, kw):
    assert result["alpha"] == pytest.approx(kw["_alpha"], rel=1e-5)
    assert result["n_c"] == pytest.approx(kw["_n_c"], rel=1e-3)


def check_power_law(result, kw):
    n = np.asarray(kw["n_params"], dtype="float64")
    assert np.all(np.isfinite(result)) and np.all(result > 0)
    np.testing.assert_allclose(result, (kw["n_c"] / n) ** kw["alpha"])
    np.testing.assert_allclose(scaling_law.power_law(kw["n_c"], kw["alpha"], kw["n_c"]), 1.0)


def check_kaplan(result, kw):
    n, losses, grid = (np.asarray(kw[k], dtype="float64") for k in ("n_params", "losses", "grid"))
    centre_n, centre_loss = np.exp(np.log(n).mean()), np.exp(np.log(losses).mean())
    np.testing.assert_allclose(result, centre_loss * (grid / centre_n) ** -kw["alpha"], rtol=1e-9)
    assert np.all(result > 0)


POSITIVE = reals(1e-3, 1e6)

SCALING_CASES = {
    "scaling_law.build_model": Case(
        call=scaling_law.build_model,
        valid=st.fixed_dictionaries(
            {"width": st.integers(1, 8), "vocab_size": st.integers(1, 10)},
            optional={
                "context": st.integers(1, 4),
                "embedding_dim": st.integers(1, 4),
                "seed": SEEDS,
            },
        ),
        check=check_scaling_model,
        max_examples=4,
        invalid=[
            *not_a_count({"vocab_size": 5}, "width"),
            *not_a_count({"width": 3}, "vocab_size"),
            *not_a_count({"width": 3, "vocab_size": 5}, "context"),
            *not_a_count({"width": 3, "vocab_size": 5}, "embedding_dim"),
            *bad_seed({"width": 3, "vocab_size": 5}),
        ],
    ),
    "scaling_law.non_embedding_params": Case(
        call=scaling_law.non_embedding_params,
        valid=st.fixed_dictionaries({"model": lazy(tiny_scaling_model)}),
        check=lambda r, kw: r == glorot_count([2 * 2, 3, 3, 5]),
        max_examples=1,
        invalid=bad({}, "model", "a model", None),
    ),
    "scaling_law.train_model": Case(
        call=scaling_law.train_model,
        valid=st.just({"width": 2, "steps": 1, "seed": 0}),
        check=check_trained,
        max_examples=1,
        invalid=[
            *not_a_count({}, "width"),
            *not_a_count({"width": 2}, "steps"),
            *bad_seed({"width": 2, "steps": 1}),
        ],
    ),
    "scaling_law.train_family": Case(
        call=scaling_law.train_family,
        valid=st.just({"widths": (3, 2, 2.0), "steps": 1, "seed": 0}),
        check=check_family,
        max_examples=1,
        invalid=[
            *bad(
                {"steps": 1},
                "widths",
                (2,),
                (2, 2),
                (2, 0),
                (2, 2.5),
                (2, "a"),
                (2, np.nan),
                5,
                "23",
                None,
            ),
            *not_a_count({"widths": (2, 3)}, "steps"),
            *bad_seed({"widths": (2, 3), "steps": 1}),
        ],
    ),
    "scaling_law.fit_power_law": Case(
        call=fit_power_law,
        valid=power_laws(),
        check=check_fit,
        invalid=[
            *bad(
                {"losses": [2.0, 1.0], "_alpha": 0, "_n_c": 0},
                "n_params",
                [1.0],
                [1.0, 2.0, 3.0],
                [0, 10],
                [np.nan, 10],
                [10, 10],
                "ab",
                None,
            ),
            *bad(
                {"n_params": [10, 100], "_alpha": 0, "_n_c": 0},
                "losses",
                [1.0],
                [0, 1],
                [np.inf, 1],
                [2.0, 2.0],
                None,
            ),
        ],
    ),
    "scaling_law.power_law": Case(
        call=scaling_law.power_law,
        valid=st.fixed_dictionaries(
            {
                "n_params": hnp.arrays("float64", st.integers(0, 5), elements=POSITIVE) | POSITIVE,
                "alpha": reals(0, 2),
                "n_c": POSITIVE,
            }
        ),
        check=check_power_law,
        invalid=[
            *bad({"alpha": 0.1, "n_c": 10.0}, "n_params", [-1.0], [0.0], [np.nan], "ab", None),
            *not_a_number({"n_params": [10.0], "n_c": 10.0}, "alpha"),
            *not_a_number({"n_params": [10.0], "alpha": 0.1}, "n_c", 0),
        ],
    ),
    "scaling_law.kaplan_line": Case(
        call=scaling_law.kaplan_line,
        valid=st.integers(1, 6).flatmap(
            lambda n: st.fixed_dictionaries(
                {
                    "n_params": hnp.arrays("float64", n, elements=POSITIVE),
                    "losses": hnp.arrays("float64", n, elements=reals(0.1, 10)),
                    "grid": hnp.arrays("float64", st.integers(0, 5), elements=POSITIVE),
                    "alpha": reals(0, 1),
                }
            )
        ),
        check=check_kaplan,
        invalid=[
            *bad(
                {"losses": [1.0, 2.0], "grid": [1.0]},
                "n_params",
                [1.0],
                [0, 1],
                [np.nan, 1],
                "ab",
                None,
            ),
            *bad(
                {"n_params": [1.0, 2.0], "grid": [1.0]}, "losses", [1.0], [-1, 1], [np.inf, 1], None
            ),
            *bad(
                {"n_params": [1.0, 2.0], "losses": [1.0, 2.0]}, "grid", [0.0], [np.nan], "ab", None
            ),
            *not_a_number({"n_params": [1.0, 2.0], "losses": [1.0, 2.0], "grid": [1.0]}, "alpha"),
        ],
    ),
}


# --- distribution and backend_compare: subprocesses, refusals only ------------------------

BAD_TIMEOUTS = (0, -1, *NOT_FINITE, "60", [60], True)  # None: no time limit, allowed
RUN_ELSEWHERE = "a subprocess that trains for seconds: run by tests/{}"

SUBPROCESS_CASES = {
    "distribution.run_demo": Case(
        call=distribution.run_demo,
        valid=None,
        check=None,
        elsewhere=RUN_ELSEWHERE.format("test_distribution.py"),
        invalid=[
            *bad({}, "backend", "theano", 5, ["jax"]),
            *bad({"backend": "jax"}, "timeout", *BAD_TIMEOUTS),
        ],
    ),
    "backend_compare.installed_backends": Case(
        call=backend_compare.installed_backends,
        valid=st.just({}),
        check=lambda r, kw: (
            keras.backend.backend() in r
            and r == [b for b in ("jax", "torch", "tensorflow") if b in r]
        ),
        max_examples=1,
    ),
    "backend_compare.measure": Case(
        call=backend_compare.measure,
        valid=None,
        check=None,
        elsewhere=RUN_ELSEWHERE.format("test_backend_compare.py (in this process too)"),
        invalid=[
            *not_a_count({}, "epochs"),
            *not_a_count({}, "samples"),
            *not_a_count({}, "batch_size"),
            *bad_seed({}),
        ],
    ),
    "backend_compare.run_in_subprocess": Case(
        call=backend_compare.run_in_subprocess,
        valid=None,
        check=None,
        elsewhere=RUN_ELSEWHERE.format("test_backend_compare.py"),
        invalid=[
            *bad({}, "backend", "theano", None, 5),
            *not_a_count({"backend": "jax"}, "epochs"),
            *not_a_count({"backend": "jax"}, "samples"),
            *not_a_count({"backend": "jax"}, "batch_size"),
            *bad_seed({"backend": "jax"}),
            *bad({"backend": "jax"}, "timeout", *BAD_TIMEOUTS),
        ],
    ),
    "backend_compare.compare_backends": Case(
        call=backend_compare.compare_backends,
        valid=None,
        check=None,
        elsewhere=RUN_ELSEWHERE.format("test_backend_compare.py"),
        invalid=[
            *bad({}, "backends", ["theano"], "jax", 5, [None]),
            *not_a_count({"backends": ["jax"]}, "epochs"),
            *not_a_count({"backends": ["jax"]}, "samples"),
            *not_a_count({"backends": ["jax"]}, "batch_size"),
            *bad_seed({"backends": ["jax"]}),
            *bad({"backends": ["jax"]}, "timeout", *BAD_TIMEOUTS),
        ],
    ),
}


# --- playground_session -----------------------------------------------------------------


@st.composite
def session_kwargs(draw):
    dataset = draw(st.sampled_from(data.DATASETS))
    classes = draw(st.integers(2, 3)) if dataset in data.MULTI_CLASS else 2
    layers = draw(st.sampled_from([(2,), (1, 2)]))
    problem = data.problem_of(dataset)
    return {
        "resolution": draw(st.integers(2, 4)),
        "data": {
            "dataset": dataset,
            "n_points": draw(st.integers(50, 60)),
            "noise": draw(st.integers(0, 50)),
            "classes": classes,
            "train_ratio": draw(st.integers(10, 90)),
            "seed": draw(st.integers(0, 3)),
            "features": tuple(
                draw(st.lists(st.sampled_from(data.FEATURES), min_size=1, max_size=3, unique=True))
            ),
        },
        "network": {
            "layers": layers,
            "activations": draw(st.sampled_from(ACTIVATIONS)),
            "optimizer": draw(st.sampled_from(network.OPTIMIZERS)),
            "loss": draw(st.sampled_from(session.LOSSES_FOR[problem])),
            "learning_rate": 0.01,
            "batch_size": draw(st.integers(1, 20)),
        },
    }


def play(resolution, data, network):
    played = session.PlaygroundSession(resolution=resolution)
    played.make_data(**data)
    played.make_network(**network)
    assert played.step(1) == 1
    return played.snapshot()


def check_snapshot(snap, kw):
    size, d = kw["resolution"], kw["data"]
    problem = data.problem_of(d["dataset"])
    assert snap["epoch"] == 1 and snap["history"]["epoch"] == [0, 1] and not snap["diverged"]
    assert_finite(snap["train_loss"], snap["test_loss"], snap["output_grid"])
    assert snap["boundary"].shape == (size, size)
    assert snap["feature_maps"].shape == (size, size, len(d["features"]))
    units = network.output_size(problem, d["classes"] if problem == "classification" else 1)
    assert snap["n_parameters"] == glorot_count(
        [len(d["features"]), *kw["network"]["layers"], units]
    )
    if problem == "classification":
        assert 0 <= snap["test_accuracy"] <= 1
        rows = snap["confusion_fractions"].sum(axis=1)
        assert np.all(np.isclose(rows, 1) | (rows == 0))
        assert snap["confusion_matrix"].sum() == len(snap["points"][3])


def session_method(method, **kw):
    """``method`` of a fresh session (with data and a network made, unless it makes them)."""
    if method == "__init__":
        return session.PlaygroundSession(**kw)
    played = session.PlaygroundSession(resolution=3)
    if method == "make_data":
        return played.make_data(**kw)
    if method == "make_network":
        played.make_data(n_points=50)
        return played.make_network(**kw)
    played = tiny_session()
    return getattr(played, method)(**kw)


OWN = (POINTS, LABELS)

SESSION_CASES = {
    "playground_session.check_own_data": Case(
        call=lambda data: session.check_own_data(data),
        valid=own_points().map(lambda kw: {"data": (kw["x"], kw["y"])}),
        check=lambda r, kw: check_own(r, {"x": kw["data"][0], "y": kw["data"][1]}),
        invalid=[
            *bad({}, "data", None, 5, (POINTS,), (POINTS, LABELS, LABELS), "xy"),
            ({"data": (np.zeros((6, 3)), LABELS)}, "x"),
            ({"data": (POINTS, LABELS[:2])}, "y"),
        ],
    ),
    "playground_session.epoch_learning_rates": Case(
        call=session.epoch_learning_rates,
        valid=st.fixed_dictionaries(
            {
                "schedule": st.sampled_from(session.SCHEDULES),
                "learning_rate": reals(1e-5, 10),
                "decay_epochs": st.integers(1, 500),
                "epochs": st.integers(1, 300),
            }
        ),
        # Finite rates >= 0, one per epoch, starting at the chosen learning rate.
        check=lambda r, kw: (
            len(r) == kw["epochs"]
            and np.all(np.isfinite(r) & (r >= 0))
            and r[0] == pytest.approx(kw["learning_rate"], rel=1e-5)
        ),
        max_examples=10,
        invalid=[
            *bad(
                {"learning_rate": 0.1, "decay_epochs": 5, "epochs": 3},
                "schedule",
                "piecewise_constant_decay",
                "warmup",
                None,
            ),  # fmt: skip
            *bad(
                {"schedule": "cosine_decay", "decay_epochs": 5, "epochs": 3},
                "learning_rate",
                0,
                -1,
                float("nan"),
                "0.1",
            ),  # fmt: skip
            *bad(
                {"schedule": "cosine_decay", "learning_rate": 0.1, "epochs": 3},
                "decay_epochs",
                0,
                2.5,
                None,
            ),  # fmt: skip
            *bad(
                {"schedule": "constant", "learning_rate": 0.1, "decay_epochs": 5},
                "epochs",
                0,
                -3,
                1.5,
            ),  # fmt: skip
        ],
    ),
    "playground_session.row_fractions": Case(
        call=session.row_fractions,
        valid=st.integers(1, 5).flatmap(
            lambda k: st.fixed_dictionaries(
                {"matrix": hnp.arrays("int64", (k, k), elements=st.integers(0, 100))}
            )
        ),
        check=lambda r, kw: (
            np.all((r >= 0) & (r <= 1))
            and np.all(np.isclose(r.sum(axis=1), 1) | (kw["matrix"].sum(axis=1) == 0))
            and np.allclose(
                r * np.maximum(kw["matrix"].sum(axis=1, keepdims=True), 1), kw["matrix"]
            )
        ),
        invalid=bad({}, "matrix", [1, 2], [[-1, 2]], [[np.nan, 1]], [["a"]], None, 5),
    ),
    "playground_session.PlaygroundSession": Case(
        call=play,
        valid=session_kwargs(),
        check=check_snapshot,
        max_examples=2,
        refuse=session_method,
        invalid=[
            *bad({"method": "__init__"}, "data", (POINTS,), 5),
            *not_a_count({"method": "__init__"}, "resolution", 1),
            *not_a_count({"method": "__init__"}, "kept"),
            *bad({"method": "make_data"}, "dataset", "moons"),
            # None is the TensorFlow Playground's own number: not among these.
            *[
                c
                for c in not_a_number({"method": "make_data"}, "n_points", 10)
                if c[0]["n_points"] is not None
            ],  # fmt: skip
            *bad({"method": "make_data"}, "n_points", 5000, 60.5),
            *bad({"method": "make_data", "n_points": 50}, "noise", -1, "5"),
            *bad(
                {"method": "make_data", "n_points": 50, "dataset": "spiral"}, "classes", 1, 9, "3"
            ),
            *bad({"method": "make_data", "n_points": 50}, "train_ratio", 0, 100, "50"),
            *bad_seed({"method": "make_data", "n_points": 50}),
            *bad({"method": "make_data", "n_points": 50}, "features", [], ["x3"], "x1"),
            *bad({"method": "make_network"}, "layers", (9,), "12"),
            *bad({"method": "make_network"}, "activations", "tanhh", ("tanh", "relu", "relu")),
            *bad({"method": "make_network"}, "optimizer", "lbfgs"),
            *bad({"method": "make_network"}, "loss", "hinge"),
            *bad({"method": "make_network"}, "regularization", "l3"),
            *bad({"method": "make_network"}, "regularization_rate", -1, float("nan")),
            *bad({"method": "make_network"}, "dropout", 1.0, float("nan")),
            *bad({"method": "make_network"}, "learning_rate", 0, float("inf"), "0.1"),
            *bad({"method": "make_network"}, "batch_size", 0, 2.5, "10"),
            *bad({"method": "tune"}, "learning_rate", 0, float("nan"), "0.1"),
            *bad({"method": "tune"}, "batch_size", 0, 2.5, "10"),
            *bad({"method": "step"}, "n", 0, 1.5, "2", None, True),
        ],
    ),
}


# --- The table, and what is exempt ------------------------------------------------------

CASES = {
    **DATA_CASES,
    **MODEL_CASES,
    **TRAINING_CASES,
    **CNN_CASES,
    **CHAR_CASES,
    **RL_CASES,
    **SCALING_CASES,
    **SUBPROCESS_CASES,
    **SESSION_CASES,
}

EXEMPT = {
    "playground_model.TrainingDiverged": "an exception type, raised by Trainer.train_epoch",
    "char_transformer.PositionalEmbedding": "a Keras layer, run inside build_char_transformer",
    "distribution.main": "the CLI run_demo starts in a subprocess (argparse refuses its arguments)",
    "backend_compare.main": "the CLI run_in_subprocess starts (argparse refuses its arguments)",
}


def resolve(kwargs):
    """``kwargs`` with every ``Built`` value built (tiny models are built on first use)."""
    return {
        key: value.make() if isinstance(value, Built) else value for key, value in kwargs.items()
    }


VALID = [name for name, case in CASES.items() if case.valid is not None]
INVALID = [name for name, case in CASES.items() if case.invalid]


@pytest.mark.parametrize("name", VALID)
def test_valid_arguments_give_finite_meaningful_numbers(name):
    case = CASES[name]

    @settings(
        max_examples=case.max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case.valid)
    def run(kwargs):
        kwargs = resolve(kwargs)
        result = case.call(**kwargs)
        verdict = case.check(result, kwargs)  # None (it asserts) or a truth value
        assert verdict is None or bool(verdict), f"{name} gave {result!r:.300}"

    for kwargs in reversed(case.examples):
        run = example(kwargs)(run)
    run()


def message_problems(message, argument):
    """What a refusal's message lacks of Keras' words: the argument, what it received,
    what is allowed."""
    problems = []
    if not re.search(rf"(?<![\w`]){re.escape(argument)}(?![\w`])", message.replace("`", "")):
        problems.append(f"does not name {argument!r}")
    if not re.search(r"\b[Rr]eceived\b", message):
        problems.append("does not say what it received")
    if not re.search(r"\b(must|Valid|expected|allowed|only)\b", message):
        problems.append("does not say what is allowed")
    return problems


@pytest.mark.parametrize("name", INVALID)
def test_invalid_arguments_are_refused_in_keras_words(name):
    case = CASES[name]
    failures = []
    for kwargs, argument in case.invalid:
        kwargs = resolve(kwargs)
        try:
            result = (case.refuse or case.call)(**kwargs)
        except (ValueError, TypeError) as error:
            problems = message_problems(str(error), argument)
            if problems:
                failures.append(f"{argument}: {', '.join(problems)}: {error}")
        except Exception as error:  # noqa: BLE001 - every other error is a failure to report
            failures.append(f"{argument}: {type(error).__name__}: {error}")
        else:
            failures.append(f"{argument}={kwargs.get(argument)!r} accepted, gave {result!r:.100}")
    assert not failures, "\n".join(failures)


def public_names():
    names = set()
    for short, module in MODULES.items():
        for name, value in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(value) or inspect.isclass(value)):
                continue
            if value.__module__ == module.__name__:
                names.add(f"{short}.{name}")
    return names


def test_every_public_function_and_class_has_a_case():
    names = public_names()
    assert not names - CASES.keys() - EXEMPT.keys(), "public names without a case"
    assert not EXEMPT.keys() - names and not EXEMPT.keys() & CASES.keys()
    assert all(EXEMPT.values())
    for name, case in CASES.items():
        assert case.valid is not None or case.elsewhere, f"{name}: no valid run, nor where it is"
        assert name.split(".")[0] in MODULES
