"""The TensorFlow Playground's data: six 2-D datasets, the input features, the split.

The generators follow the Playground's own (tensorflow/playground, ``src/dataset.ts``):
points live in the square [-6, 6]^2, ``noise`` is the Playground's 0-50 slider
(a percentage). Class labels are 0 .. n_classes-1 (the Playground's -1 is class 0);
regression targets lie about [-1, 1]. Spiral and gaussian also come with 3 or more classes.
"""

import ast
import functools

from lmwidgets.core.choices import check_choice
from lmwidgets.core.params import check_array, check_number, refusal

import numpy as np

EXTENT = 6.0
CLASSIFICATION = ("circle", "xor", "gaussian", "spiral")
REGRESSION = ("plane", "multi_gaussian")
DATASETS = CLASSIFICATION + REGRESSION
MULTI_CLASS = ("gaussian", "spiral")
MAX_CLASSES = 6
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")

_FEATURE_FUNCTIONS = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


# Your own input features: expressions of x1 and x2 in these words and operators only.
EXPRESSION_FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "exp": np.exp,
    "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
}  # fmt: skip
EXPRESSION_CONSTANTS = {"pi": np.pi, "e": np.e}
_OPERATORS = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
    ast.Pow: np.power,
    ast.USub: np.negative, ast.UAdd: np.positive,
}  # fmt: skip
MAX_EXPRESSION = 80  # characters


def _expression_allowed():
    return (
        f"an expression of x1 and x2 (at most {MAX_EXPRESSION} characters) with numbers, "
        f"{', '.join(EXPRESSION_CONSTANTS)}, + - * / ** ^ and parentheses, and the functions "
        f"{', '.join(EXPRESSION_FUNCTIONS)}; for example 'x1*x2 + sin(x1)'"
    )


def parse_feature(feature):
    """A learner's own input feature, an expression such as ``"x1*x2 + sin(x1)"``, as a
    function of ``(x1, x2)``.

    Parsed with Python's ``ast`` and checked node by node against a whitelist (the names
    x1, x2, ``EXPRESSION_CONSTANTS`` and ``EXPRESSION_FUNCTIONS``; numbers; + - * / ** ^;
    parentheses): nothing is ever ``eval``-ed, so no other name, attribute, call, import
    or subscript can run. Anything else is refused with what is allowed.
    """
    problem = feature_problem(feature)
    if problem:
        raise refusal("feature", problem, feature)
    return _parsed(feature.strip().replace("^", "**"))[1]


def feature_problem(feature):
    """``""`` when ``parse_feature`` takes ``feature``, else what is allowed (and, where it
    helps, which part is not)."""
    if not isinstance(feature, str) or not 0 < len(feature.strip()) <= MAX_EXPRESSION:
        return _expression_allowed()
    # ^ is a power here, as the Playground writes x1^2 (in Python it is xor, and binds
    # more loosely than -, so x1^2 - x2^2 would not be two squares).
    return _parsed(feature.strip().replace("^", "**"))[0]


@functools.lru_cache(maxsize=256)
def _parsed(expression):
    """``(problem, function)``: what is wrong with ``expression`` ("" if nothing), and its
    function of ``(x1, x2)`` (None if something is)."""
    allowed = _expression_allowed()
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return allowed, None
    called = {id(part.func) for part in ast.walk(tree.body) if isinstance(part, ast.Call)}
    for part in ast.walk(tree.body):
        if isinstance(part, ast.Name):
            if part.id in EXPRESSION_FUNCTIONS and id(part) not in called:
                return f"{allowed}; {part.id!r} is a function: write {part.id}(...)", None
            if part.id not in ("x1", "x2", *EXPRESSION_CONSTANTS, *EXPRESSION_FUNCTIONS):
                return f"{allowed}; {part.id!r} is not one of them", None
        elif isinstance(part, ast.Attribute):
            return f"{allowed}; no attributes ('.{part.attr}')", None
        elif isinstance(part, ast.Call):
            if isinstance(part.func, ast.Attribute):
                return f"{allowed}; no attributes ('.{part.func.attr}')", None
            if not isinstance(part.func, ast.Name):
                return allowed, None
            if part.func.id not in EXPRESSION_FUNCTIONS:
                return f"{allowed}; {part.func.id!r} is not one of the functions", None
            if len(part.args) != 1 or part.keywords:
                return f"{allowed}; each function takes one value", None
        elif isinstance(part, ast.Constant):
            if isinstance(part.value, bool) or not isinstance(part.value, int | float):
                return allowed, None
        elif not isinstance(part, (ast.BinOp, ast.UnaryOp, ast.Load, *_OPERATORS)):
            return allowed, None
    return "", functools.partial(_evaluate, tree.body)


def _evaluate(node, x1, x2):
    if isinstance(node, ast.Constant):
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return {"x1": x1, "x2": x2, **EXPRESSION_CONSTANTS}[node.id]
    if isinstance(node, ast.UnaryOp):
        return _OPERATORS[type(node.op)](_evaluate(node.operand, x1, x2))
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, x1, x2), _evaluate(node.right, x1, x2)
        return _OPERATORS[type(node.op)](left, right)
    return EXPRESSION_FUNCTIONS[node.func.id](_evaluate(node.args[0], x1, x2))


def problem_of(dataset):
    """'classification' or 'regression': what the dataset asks the network to do."""
    check_choice("dataset", dataset, DATASETS)
    return "classification" if dataset in CLASSIFICATION else "regression"


# How many points the TensorFlow Playground generates (``NUM_SAMPLES_*`` in playground.ts).
DEFAULT_POINTS = {"classification": 500, "regression": 1200}


def make_dataset(dataset, n_points=None, noise=0, n_classes=2, seed=0):
    """``(X, y)``: ``n_points`` 2-D points (float32) and their labels or targets.

    ``n_points``: the TensorFlow Playground's number when None (500 to classify, 1,200 for
    the regression datasets). ``noise`` is 0-50 as on the Playground's slider. Classification
    labels are int class indices; regression targets are float32, in [-1, 1] but for the plane's
    corners (x1 + x2) / 10 reaches 1.2, more with noise, as in the Playground.
    """
    check_choice("dataset", dataset, DATASETS)
    if n_points is None:
        n_points = DEFAULT_POINTS[problem_of(dataset)]
    n_points = check_number("n_points", n_points, low=2, integer=True)
    check_number("noise", noise, 0, 50, allowed="in [0, 50] (percent)")
    if dataset in MULTI_CLASS:
        n_classes = check_number(
            "n_classes", n_classes, 2, MAX_CLASSES, integer=True,
            allowed=f"in [2, {MAX_CLASSES}] for {dataset!r}",
        )  # fmt: skip
    elif n_classes != 2 and dataset in CLASSIFICATION:
        raise refusal(
            "n_classes", f"2: {dataset!r} has 2 classes, more are offered by "
            f"{', '.join(MULTI_CLASS)}", n_classes,
        )  # fmt: skip
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    generate = _GENERATORS[dataset]
    x, y = generate(rng, n_points, noise / 100.0, n_classes)
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y, dtype="int32" if dataset in CLASSIFICATION else "float32")
    return x, y


def _circle(rng, n, noise, n_classes):
    radius = 5.0
    inner = n // 2
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, n - inner)]
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    # As in the Playground, noise moves where the label is read, not the point itself.
    noisy = x + rng.uniform(-radius, radius, (n, 2)) * noise
    y = (np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5).astype(int)
    return x, y


def _xor(rng, n, noise, n_classes):
    x = rng.uniform(-5, 5, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)
    noisy = x + rng.uniform(-5, 5, (n, 2)) * noise
    y = (noisy[:, 0] * noisy[:, 1] >= 0).astype(int)
    return x, y


def _gaussian(rng, n, noise, n_classes):
    variance = 0.5 + 3.5 * noise / 0.5
    if n_classes == 2:
        centers = np.array([[-2.0, -2.0], [2.0, 2.0]])
    else:
        angles = 2 * np.pi * np.arange(n_classes) / n_classes + np.pi / 4
        centers = 3.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    y = np.arange(n) % n_classes
    x = centers[y] + rng.normal(0, np.sqrt(variance), (n, 2))
    return x, y


def _spiral(rng, n, noise, n_classes):
    y = np.arange(n) % n_classes
    per_arm = np.bincount(y, minlength=n_classes)
    # Position along each arm, 0 .. 1, in the order the points of that arm come.
    position = np.zeros(n)
    for label in range(n_classes):
        position[y == label] = np.arange(per_arm[label]) / per_arm[label]
    r = position * 5
    # Class 1 is the Playground's positive arm, the one that starts at angle 0; with two
    # classes, class 0 is its negative arm, half a turn on.
    t = 1.75 * position * 2 * np.pi + 2 * np.pi * (y - 1) / n_classes
    x = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    x += rng.uniform(-1, 1, (n, 2)) * noise
    return x, y


def _plane(rng, n, noise, n_classes):
    x = rng.uniform(-EXTENT, EXTENT, (n, 2))
    noisy = x + rng.uniform(-EXTENT, EXTENT, (n, 2)) * noise
    return x, (noisy[:, 0] + noisy[:, 1]) / 10


_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def multi_gaussian_target(x):
    """The multi_gaussian dataset's noise-free target at points ``x`` (n, 2)."""
    x = _check_points(x, "float64")
    distance = np.hypot(x[:, None, 0] - _BUMPS[:, 0], x[:, None, 1] - _BUMPS[:, 1])
    heights = _BUMPS[:, 2] * np.clip(1 - distance / 2, 0, 1)
    # The Playground keeps, at each point, the bump of largest magnitude.
    strongest = np.argmax(np.abs(heights), axis=1)
    return heights[np.arange(len(x)), strongest]


def _multi_gaussian(rng, n, noise, n_classes):
    x = rng.uniform(-EXTENT, EXTENT, (n, 2))
    noisy = x + rng.uniform(-EXTENT, EXTENT, (n, 2)) * noise
    return x, multi_gaussian_target(noisy)


_GENERATORS = {
    "circle": _circle,
    "xor": _xor,
    "gaussian": _gaussian,
    "spiral": _spiral,
    "plane": _plane,
    "multi_gaussian": _multi_gaussian,
}


def transform_features(x, features):
    """The chosen input features of 2-D points ``x``: an (n, len(features)) float32 array.

    Each feature is one of ``FEATURES`` or your own expression of x1 and x2
    (``parse_feature``), e.g. ``("x1", "x2", "x1*x2 + sin(x1)")``.
    """
    x = _check_points(x, "float64")
    allowed = f"at least one feature of: {', '.join(FEATURES)}, or an expression of x1 and x2"
    if isinstance(features, str) or not np.iterable(features):
        raise refusal("features", allowed, features)
    features = tuple(features)
    if not features:
        raise refusal("features", allowed, features)
    functions = []
    for name in features:
        if name in _FEATURE_FUNCTIONS:
            functions.append(_FEATURE_FUNCTIONS[name])
            continue
        problem = feature_problem(name)
        if problem:
            allowed = f"features, each one of {', '.join(FEATURES)}, or {problem}"
            raise refusal("features", allowed, features)
        functions.append(parse_feature(name))
    x1, x2 = x[:, 0], x[:, 1]
    with np.errstate(all="ignore"):
        columns = [np.broadcast_to(f(x1, x2), x1.shape) for f in functions]
        result = np.stack(columns, axis=1).astype("float32")
    for name, column in zip(features, result.T, strict=True):
        if not np.all(np.isfinite(column)):
            raise refusal(
                "features", f"features with a finite value at every point; {name!r} is not "
                "(a log or sqrt of a negative number, a division by zero, or too large)",
                features,
            )  # fmt: skip
    return result


def split(x, y, train_ratio=50, seed=0):
    """``(x_train, y_train, x_test, y_test)``, shuffled; ``train_ratio`` percent to train."""
    check_number("train_ratio", train_ratio, 0, 100, low_open=True, high_open=True)
    if np.ndim(x) == 0 or len(x) < 2:
        raise refusal("x", "an array of at least 2 points", x)
    if np.ndim(y) == 0 or len(y) != len(x):
        raise refusal("y", f"an array of one label per point ({len(x)})", y)
    order = np.random.default_rng(check_number("seed", seed, low=0, integer=True)).permutation(
        len(x)
    )
    n_train = min(max(int(len(x) * train_ratio / 100), 1), len(x) - 1)
    train, test = order[:n_train], order[n_train:]
    return x[train], y[train], x[test], y[test]


def grid(extent=(-EXTENT, EXTENT, -EXTENT, EXTENT), resolution=40):
    """``(xs, ys, points)``: the grid heatmaps are drawn on; ``points`` is (resolution^2, 2).

    Row i of a heatmap is ``ys[i]``, column j is ``xs[j]`` (origin at the bottom left).
    """
    allowed = "(x_min, x_max, y_min, y_max), finite, with x_min < x_max and y_min < y_max"
    try:
        x_min, x_max, y_min, y_max = check_array("extent", extent, allowed=allowed)
    except ValueError:  # also four values, not one
        raise refusal("extent", allowed, extent) from None
    if not (x_min < x_max and y_min < y_max):
        raise refusal("extent", allowed, extent)
    resolution = check_number("resolution", resolution, low=2, integer=True)
    xs = np.linspace(x_min, x_max, resolution, dtype="float32")
    ys = np.linspace(y_min, y_max, resolution, dtype="float32")
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([xx.ravel(), yy.ravel()], axis=1)


def own_data(x, y):
    """Check a learner's ``(X, y)`` and return ``(X, y, problem, n_classes, extent)``.

    ``X`` must be (n, 2). Integer-valued ``y`` with at most 6 distinct values is
    classification (labels renumbered 0..k-1 in sorted order); other ``y`` is regression.
    """
    x = _check_points(x)
    if len(x) < 4:
        raise refusal("x", "an (n, 2) array of at least 4 points", x)
    allowed = f"one label or target per point: shape ({len(x)},), finite numbers"
    check_array("y", y, ndim=None, dtype="float32", allowed=allowed)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != len(x):
        raise refusal("y", allowed, y)
    values = np.unique(y)
    integral = np.issubdtype(y.dtype, np.integer) or np.all(values == np.round(values))
    if integral and 2 <= len(values) <= MAX_CLASSES:
        labels = np.searchsorted(values, y).astype("int32")
        problem, n_classes = "classification", len(values)
    else:
        labels, problem, n_classes = y.astype("float32"), "regression", 1
    low, high = x.min(axis=0), x.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-3)
    extent = (low[0] - margin[0], high[0] + margin[0], low[1] - margin[1], high[1] + margin[1])
    return x, labels, problem, n_classes, tuple(float(v) for v in extent)


def _check_points(x, dtype="float32"):
    """``x`` as an (n, 2) array of ``dtype``, finite there, else a refusal naming ``x``."""
    allowed = "an (n, 2) array of finite numbers"
    x = check_array("x", x, ndim=2, min_size=0, dtype=dtype, allowed=allowed)
    if x.shape[1] != 2:
        raise refusal("x", allowed, x)
    return x
