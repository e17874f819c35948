"""Real Keras optimizers walking on 2-D test surfaces.

``trajectory`` runs one of the ``keras.optimizers`` classes through Keras'
stateless API (``optimizer.build``, then ``stateless_apply`` once per step, made the
stateful way on TensorFlow) inside ``lmwidgets.backend.compiled_loop``: on JAX and
TensorFlow the whole run is one compiled loop, so a learner can move a slider and see
several optimizers redraw at once. The
compiled run is cached per optimizer settings, surface and step count; the start
point and the learning rates (one per step: a constant, a list, or a Keras schedule)
are inputs of the compiled run, not part of it.

This is the registry of optimizers: ``names()`` lists them (every Keras optimizer
plus the SGD presets), ``get(name, **settings)`` builds one. Other modules offer
curated subsets of ``names()``.
"""

import functools
import inspect
import math
import threading
from dataclasses import dataclass
from numbers import Real

from lmwidgets import backend
from lmwidgets.core.choices import check_choice
from lmwidgets.core.params import (
    check_array,
    check_finite_result,
    check_mapping,
    check_number,
    merge_params,
    refusal,
    shown,
)

import numpy as np

# How far outside its plotted box (in box widths) a point may go before the run counts
# as diverged: far enough that a wide swing that comes back is not cut short.
ESCAPE_WIDTHS = 10.0
_MARKER = np.array([0.123456, -0.654321], dtype="float32")


@dataclass(frozen=True)
class Surface:
    name: str
    box: tuple  # (x_min, x_max, y_min, y_max): the plotted region and the allowed starts
    start: tuple  # a default start that makes an instructive run
    minima: tuple  # known global minima (x, y); the saddle has none
    params: dict  # tunable parameters and their defaults
    formula: str


SURFACES = {
    s.name: s
    for s in (
        Surface(
            "quadratic",
            (-3.0, 3.0, -2.0, 2.0),
            (-2.5, 1.5),
            ((0.0, 0.0),),
            {"condition": 10.0},
            "f = (x² + condition·y²) / 2",
        ),
        Surface(
            "rosenbrock",
            (-2.0, 2.0, -1.0, 3.0),
            (-1.5, 2.0),
            ((1.0, 1.0),),
            {},
            "f = (1 - x)² + 100 (y - x²)²",
        ),
        Surface(
            "himmelblau",
            (-5.0, 5.0, -5.0, 5.0),
            (0.0, -4.0),
            ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
            {},
            "f = (x² + y - 11)² + (x + y² - 7)²",
        ),
        Surface(
            "beale",
            (-4.5, 4.5, -4.5, 4.5),
            (1.0, 1.5),
            ((3.0, 0.5),),
            {},
            "f = (1.5 - x + xy)² + (2.25 - x + xy²)² + (2.625 - x + xy³)²",
        ),
        Surface(
            "saddle",
            (-2.0, 2.0, -2.0, 2.0),
            (-1.8, 0.01),
            (),
            {},
            "f = x² - y²",
        ),
        Surface(
            "rastrigin",
            (-5.12, 5.12, -5.12, 5.12),
            (3.3, 2.6),
            ((0.0, 0.0),),
            {},
            "f = 20 + x² - 10 cos 2πx + y² - 10 cos 2πy",
        ),
    )
}

# Ready-made settings of SGD shown under their own names, so they can run side by side.
PRESETS = {
    "momentum": ("sgd", {"momentum": 0.9}),
    "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
}
# Wrappers around other optimizers, not optimizers of their own.
_WRAPPERS = {"Optimizer", "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap"}
_FAMILIAR = ("sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw", "adamax", "nadam", "lion")
# Settings that are the decay of a running average. Adam and its kin divide by
# 1 - beta ** step, so a beta of 1 gives nan on the first step.
_FRACTIONS = {"momentum", "rho", "ema_momentum"}
_BETAS = {"beta_1", "beta_2", "adam_beta_1", "adam_beta_2"}
# Settings that are not numbers or flags.
_NOT_NUMBERS = {"name", "exclude_layers"}
MAX_STEPS = 100_000
FLOAT32_MAX = float(np.finfo("float32").max)
MAX_GRID_POINTS = 1000
# Settings given to the compiled run as inputs rather than written into it, so that one
# compiled program serves every value a slider takes (a new program costs ~60 ms). These
# Keras classes use beta_1 only inside ops (casts, products, ``1 - beta_1``), as Keras
# accepts "a constant float tensor" for it. (SGD's momentum is not one: Keras branches on
# ``momentum != 0`` in Python.)
_TRACED = {"beta_1": {"Adam", "AdamW", "Adamax", "Lamb", "Lion", "Nadam", "ScheduleFreeAdamW"}}
_STAND_IN = 0.5  # the traced settings' value in the cache key and the program's build


def surfaces():
    """Names of the 2-D test surfaces."""
    return list(SURFACES)


def surface(name):
    """The ``Surface`` record (box, default start, minima, parameters, formula)."""
    return SURFACES[check_choice("surface", name, SURFACES)]


def _keras_classes():
    import keras

    found = {}
    for attribute in dir(keras.optimizers):
        value = getattr(keras.optimizers, attribute)
        if (
            isinstance(value, type)
            and issubclass(value, keras.optimizers.Optimizer)
            and attribute not in _WRAPPERS
        ):
            found[attribute.lower()] = value
    return found


def names():
    """Every optimizer Keras ships (lower-case class names), plus the SGD presets."""
    classes = _keras_classes()
    familiar = [name for name in _FAMILIAR if name in classes]
    rest = sorted(set(classes) - set(familiar))
    return familiar[:1] + list(PRESETS) + familiar[1:] + rest


def _resolve(name, kwargs):
    """(Keras class, keyword arguments) for an optimizer name and the caller's settings."""
    classes = _keras_classes()
    check_choice("optimizer", name, names())
    base, preset = PRESETS.get(name, (name, {}))
    cls = classes[base]
    valid = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs")]
    unknown = set(kwargs) - set(valid) - {"learning_rate"}
    if unknown:
        raise ValueError(
            f"{name} has no setting {', '.join(sorted(unknown))}. Valid settings: "
            f"{', '.join(p for p in valid if p != 'learning_rate')}."
        )
    beta_1 = kwargs.get("beta_1")
    if cls.__name__ == "Lion" and isinstance(beta_1, Real) and not 0 < beta_1 <= 1:
        # Keras' own message says "must be in the [0, 1] range", then refuses 0.
        raise ValueError(
            f"For lion, beta_1 must be in (0, 1] (at 0 Lion's step would be the sign of "
            f"the current gradient alone, i.e. SignSGD). Received: beta_1={beta_1}."
        )
    defaults = inspect.signature(cls.__init__).parameters
    for key, value in kwargs.items():
        if key in _NOT_NUMBERS or key == "learning_rate":
            continue
        default = defaults[key].default
        if isinstance(default, bool):
            if not isinstance(value, bool | np.bool_):
                raise refusal(key, "True or False", value)
        elif key in _FRACTIONS:
            check_number(key, value, low=0, high=1)
        elif key in _BETAS:
            check_number(key, value, low=0, high=1, high_open=cls.__name__ != "Lion")
        else:
            counted = key.endswith(("steps", "frequency"))
            check_number(key, value, integer=counted, none=default is None)
    return cls, {**preset, **kwargs}


def get(name, **settings):
    """A new Keras optimizer by its registry name, configured: ``get("adam", learning_rate=0.01)``.

    ``settings`` go to the Keras class's constructor, over the preset's values
    (``get("momentum")`` is ``keras.optimizers.SGD(momentum=0.9)``). Unknown names or
    settings raise ValueError listing the valid ones; a numeric ``learning_rate`` must
    be a finite number > 0 (a Keras schedule is passed on as it is).
    """
    import keras

    cls, kwargs = _resolve(name, settings)
    learning_rate = kwargs.get("learning_rate", 0.001)
    schedule = callable(learning_rate) or isinstance(
        learning_rate, keras.optimizers.schedules.LearningRateSchedule
    )
    if not schedule and (
        isinstance(learning_rate, bool)
        or not isinstance(learning_rate, Real)
        or not (math.isfinite(learning_rate) and learning_rate > 0)
    ):
        raise ValueError(
            "learning_rate must be a finite number > 0 or a Keras LearningRateSchedule. "
            f"Received: learning_rate={learning_rate!r}."
        )
    return cls(**kwargs)


def hyperparameters(name):
    """The optimizer's constructor settings and their Keras defaults (preset values applied)."""
    cls, preset = _resolve(name, {})
    signature = inspect.signature(cls.__init__)
    defaults = {
        p.name: p.default
        for p in signature.parameters.values()
        if p.name not in ("self", "kwargs", "learning_rate")
        and p.default is not inspect.Parameter.empty
    }
    return {**defaults, **preset}


def _surface_function(name, params):
    import keras

    ops = keras.ops
    if name == "quadratic":
        condition = params["condition"]
        return lambda x, y: (x**2 + condition * y**2) / 2
    if name == "rosenbrock":
        return lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2
    if name == "himmelblau":
        return lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
    if name == "beale":
        return lambda x, y: (
            (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
        )
    if name == "saddle":
        return lambda x, y: x**2 - y**2
    return lambda x, y: (
        20 + x**2 - 10 * ops.cos(2 * math.pi * x) + y**2 - 10 * ops.cos(2 * math.pi * y)
    )


def _checked_surface_params(name, given):
    merged = merge_params(name, surface(name).params, check_mapping("surface_params", given))
    for key, value in merged.items():
        if isinstance(value, bool) or not (isinstance(value, Real) and 1 <= value < math.inf):
            raise ValueError(f"{key} must be >= 1 (a finite number). Received: {key}={value!r}.")
    return {key: float(value) for key, value in merged.items()}


def surface_values(name, x, y, **params):
    """The surface's height at points ``(x, y)`` (arrays of one shape), computed by keras.ops."""
    import keras

    function = _surface_function(name, _checked_surface_params(name, params))
    x = check_array("x", x, ndim=None, min_size=0, dtype="float32")
    y = check_array("y", y, ndim=None, min_size=0, dtype="float32")
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise refusal("y", f"an array of x's shape {x.shape}", y) from None
    z = keras.ops.convert_to_numpy(function(keras.ops.array(x), keras.ops.array(y)))
    return check_finite_result(f"{name} height in float32", z, x=x, y=y)


def surface_grid(name, points=80, **params):
    """``(X, Y, Z)`` over the surface's box, for a contour plot."""
    x_min, x_max, y_min, y_max = surface(name).box
    points = check_number("points", points, low=2, high=MAX_GRID_POINTS, integer=True)
    X, Y = np.meshgrid(np.linspace(x_min, x_max, points), np.linspace(y_min, y_max, points))
    return X, Y, surface_values(name, X, Y, **params)


def _split_settings(cls, kwargs):
    """``(settings written into the program, traced settings)``: the traced ones (see
    ``_TRACED``) are replaced by a stand-in."""
    fixed, traced = dict(kwargs), {}
    for key, users in _TRACED.items():
        value = kwargs.get(key)
        if cls.__name__ in users and isinstance(value, Real) and not isinstance(value, bool):
            traced[key] = float(value)
            fixed[key] = _STAND_IN
    return fixed, traced


@functools.lru_cache(maxsize=64)
def _compiled_run(name, frozen_kwargs, surface_name, frozen_params, steps, traced=()):
    """(run, initial optimizer state, start slots, lock) for these settings. The run's carry
    is (position, optimizer state, learning rate of each step, values of the ``traced``
    settings): before step k the optimizer's learning rate becomes rates[k], k being its own
    step counter, as a Keras schedule is called with it, and the traced settings become the
    optimizer's attributes while the program is traced (hold ``lock`` around a run)."""
    import keras

    cls, kwargs = _resolve(name, dict(frozen_kwargs))
    optimizer = cls(learning_rate=0.1, **kwargs)
    function = _surface_function(surface_name, dict(frozen_params))
    # Some optimizers (schedule-free AdamW) start part of their state as a copy of the
    # variable. Built at a marker point, those slots are found and get each run's start.
    point = keras.Variable(_MARKER)
    optimizer.build([point])
    state = [keras.ops.copy(v.value) for v in optimizer.variables]
    slots = [v.path.split("/")[-1] for v in optimizer.variables]
    lr_index, step_index = slots.index("learning_rate"), slots.index("iteration")
    start_slots = tuple(
        index
        for index, value in enumerate(state)
        if tuple(value.shape) == (2,) and np.array_equal(keras.ops.convert_to_numpy(value), _MARKER)
    )
    value_and_grad = backend.value_and_grad_function(lambda v: function(v[0], v[1]))

    def step(carry):
        position, optimizer_state, rates, settings = carry
        for key, value in zip(traced, settings, strict=True):
            setattr(optimizer, key, value)
        optimizer_state = list(optimizer_state)
        optimizer_state[lr_index] = keras.ops.take(rates, optimizer_state[step_index])
        loss, grad = value_and_grad(position)
        # Copies, because some backends' optimizers update the values they are given in place.
        (position_next,), optimizer_state = backend.stateless_apply(
            optimizer,
            [point],
            [keras.ops.copy(v) for v in optimizer_state],
            [grad],
            [keras.ops.copy(position)],
        )
        return (position_next, optimizer_state, rates, settings), (position, loss)

    return backend.compiled_loop(step, steps), state, start_slots, threading.Lock()


def _check_run_arguments(surface_name, start, steps):
    box = surface(surface_name).box
    if not (isinstance(steps, int | np.integer) and 1 <= steps <= MAX_STEPS) or isinstance(
        steps, bool
    ):
        raise ValueError(
            f"steps must be an integer >= 1 (at most {MAX_STEPS}). Received: steps={steps!r}."
        )
    x_min, x_max, y_min, y_max = box
    allowed = (
        f"a point (x, y) in {surface_name}'s domain x in [{x_min}, {x_max}], "
        f"y in [{y_min}, {y_max}]"
    )
    start = check_array("start", start, dtype="float32", allowed=allowed)
    if start.shape != (2,) or not (x_min <= start[0] <= x_max and y_min <= start[1] <= y_max):
        raise refusal("start", allowed, tuple(start.tolist()))
    return start


def _per_step_rates(learning_rate, steps):
    """The learning rate of each step: one number for every step, one rate per step, or a
    Keras ``LearningRateSchedule`` called on each step as a Keras optimizer calls it."""
    import keras

    if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        from lmwidgets.core import schedules

        learning_rate = schedules.evaluate(learning_rate, steps)
    try:
        one_number = np.ndim(learning_rate) == 0
    except ValueError:  # a ragged list
        one_number = False
    if one_number:
        if isinstance(learning_rate, bool) or not (
            isinstance(learning_rate, Real) and 0 < learning_rate <= FLOAT32_MAX
        ):
            raise ValueError(
                f"learning_rate must be a number > 0 (at most {FLOAT32_MAX:.4g}, float32's "
                f"largest). Received: learning_rate={shown(learning_rate)}."
            )
        return np.full(steps, float(learning_rate))
    try:
        rates = check_array("learning_rate", learning_rate, min_size=0, dtype="float32", low=0)
    except ValueError:
        rates = None
    if rates is None or rates.shape != (steps,):
        raise ValueError(
            f"learning_rate, one per step, must be {steps} finite numbers >= 0. "
            f"Received: learning_rate={shown(learning_rate)}."
        )
    return rates.astype("float64")


def _first_escape(path, loss, box):
    """The first step whose loss is not finite or whose point is far outside the box."""
    x_min, x_max, y_min, y_max = box
    margin_x = ESCAPE_WIDTHS * (x_max - x_min)
    margin_y = ESCAPE_WIDTHS * (y_max - y_min)
    with np.errstate(invalid="ignore"):
        bad = (
            ~np.isfinite(loss)
            | ~np.all(np.isfinite(path), axis=1)
            | (path[:, 0] < x_min - margin_x)
            | (path[:, 0] > x_max + margin_x)
            | (path[:, 1] < y_min - margin_y)
            | (path[:, 1] > y_max + margin_y)
        )
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else None


def compiled_length(steps):
    """How many steps the compiled loop of a ``steps``-step run takes: on JAX and
    TensorFlow the next power of two (at least 64), so that moving a steps slider reuses
    a loop compiled once per power instead of compiling one per value (about 200 ms
    each); the run is cut to ``steps``. PyTorch's loop is plain Python: exactly ``steps``."""
    steps = check_number("steps", steps, low=1, integer=True)
    if backend.backend_name() == "torch":
        return steps
    return max(64, 1 << (steps - 1).bit_length())


def trajectory(optimizer, surface, start, learning_rate, steps, surface_params=None, **kwargs):
    """Run the Keras optimizer ``optimizer`` for ``steps`` steps on a 2-D surface.

    ``learning_rate`` is a number > 0, or the rate of each step (``steps`` numbers >= 0),
    or a Keras ``LearningRateSchedule``, as a Keras optimizer takes it. Returns
    ``{"path": (steps + 1, 2) array, "loss": (steps + 1,) array,
    "diverged_at": int or None}``. ``path[k]`` is the point after ``k`` steps and
    ``loss[k]`` the surface's height there. When step ``k`` produces a non-finite
    loss or a point far outside the plotted box, the run stops there:
    ``diverged_at`` is ``k`` and ``path`` / ``loss`` hold the ``k`` points before it.
    ``kwargs`` go to the optimizer's constructor (e.g. ``momentum=0.9``);
    ``surface_params`` to the surface (e.g. ``{"condition": 50}``).
    """
    import keras

    surface_name = surface
    cls, _ = _resolve(optimizer, kwargs)
    fixed, traced = _split_settings(cls, kwargs)
    params = _checked_surface_params(surface_name, surface_params or {})
    start = _check_run_arguments(surface_name, start, steps)
    steps = int(steps)
    length = compiled_length(steps)
    rates = _per_step_rates(learning_rate, steps)
    rates = np.concatenate([rates, np.full(length - steps, rates[-1], dtype=rates.dtype)])
    run, state, start_slots, lock = _compiled_run(
        optimizer,
        tuple(sorted(fixed.items())),
        surface_name,
        tuple(sorted(params.items())),
        length,
        tuple(traced),
    )
    state = list(state)
    start = keras.ops.convert_to_tensor(start)
    for index in start_slots:
        state[index] = start
    rates = keras.ops.convert_to_tensor(rates, dtype=keras.config.floatx())
    settings = tuple(
        keras.ops.convert_to_tensor(v, dtype=keras.config.floatx()) for v in traced.values()
    )
    with lock:  # a program traced in two threads at once would mix their settings
        (last, *_), (path, loss) = run((start, state, rates, settings))
    function = _surface_function(surface_name, params)
    last = keras.ops.convert_to_numpy(last)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's last point
        last_loss = keras.ops.convert_to_numpy(function(last[0], last[1]))
    # The loop ran `length` steps: keep the points after 0..steps of them.
    path = np.concatenate([path, last[None]])[: steps + 1].astype("float64")
    loss = np.append(loss, last_loss)[: steps + 1].astype("float64")
    diverged_at = _first_escape(path, loss, SURFACES[surface_name].box)
    if diverged_at is not None:
        path, loss = path[:diverged_at], loss[:diverged_at]
    return {"path": path, "loss": loss, "diverged_at": diverged_at}
