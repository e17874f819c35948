"""Keras' learning-rate schedules, step by step, and what they do to an optimizer.

Every schedule in ``keras.optimizers.schedules`` is offered, found in the installed
Keras rather than copied from a list (the abstract ``LearningRateSchedule`` left out),
under its snake-case name: ``ExponentialDecay`` is ``"exponential_decay"``.
``learning_rates(name, steps, **params)`` calls the Keras schedule itself on every
step ``0 .. steps - 1``, the step counter a Keras optimizer passes it, and
``compare(...)`` runs one optimizer on a test surface twice, at a constant learning
rate and with the schedule (``lmwidgets.core.optimizers.trajectory``).

This is the registry of schedules: ``names()`` lists them, ``get(name, **params)``
builds one, ``parameters(name)`` gives its parameters and their defaults.
"""

import functools
import inspect
import math
import numbers
import re

from lmwidgets.core import optimizers
from lmwidgets.core.choices import check_choice
from lmwidgets.core.params import check_array, check_mapping, refusal, shown

import numpy as np

# The learning rate shown when none is given: the constant run's and the schedules' start.
# With SGD on Himmelblau's surface it bounces around a minimum; a decaying rate settles.
DEFAULT_LEARNING_RATE = 0.03
DEFAULT_SCHEDULE = "cosine_decay"
DEFAULT_STEPS = 200
MAX_STEPS = 1000
# A curated subset of optimizers.names(): the ones a schedule is usually taught with.
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")
DEFAULT_OPTIMIZER = "sgd"
DEFAULT_SURFACE = "himmelblau"
# Keras requires these parameters without a default; these make a readable curve
# over DEFAULT_STEPS steps. warmup_target is None in Keras (no warmup): see keras_parameters.
REQUIRED_DEFAULTS = {
    "initial_learning_rate": DEFAULT_LEARNING_RATE,
    "decay_steps": 100,
    "decay_rate": 0.5,
    "first_decay_steps": 50,
    "boundaries": (60, 120),
    "values": (DEFAULT_LEARNING_RATE, DEFAULT_LEARNING_RATE / 3, DEFAULT_LEARNING_RATE / 10),
    "warmup_target": DEFAULT_LEARNING_RATE,
}
# Parameters counted in optimizer steps (integers), and their smallest values.
STEP_COUNTS = {"decay_steps": 1, "first_decay_steps": 1, "warmup_steps": 0}
# The largest step count or boundary: Keras compares them with an int32 step counter.
MAX_STEP_COUNT = 2**31 - 1
# Parameters that are a fraction of the initial learning rate.
FRACTIONS = {"alpha"}
# Parameters that are learning rates (numbers >= 0).
RATES = {"initial_learning_rate", "end_learning_rate", "warmup_target"}
_ABSTRACT = {"LearningRateSchedule"}


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _keras_classes():
    import keras

    module = keras.optimizers.schedules
    found = {}
    for attribute in dir(module):
        value = getattr(module, attribute)
        if (
            isinstance(value, type)
            and issubclass(value, module.LearningRateSchedule)
            and attribute not in _ABSTRACT
        ):
            found[_snake(attribute)] = value
    return found


def names():
    """Every learning-rate schedule the installed Keras offers, as snake-case names."""
    classes = _keras_classes()
    return sorted(classes, key=lambda name: (name.startswith("cosine"), name))


def keras_class(name):
    """The Keras class behind a schedule name: ``keras_class("cosine_decay")`` is CosineDecay."""
    return _keras_classes()[check_choice("schedule", name, names())]


def parameters(name):
    """The schedule's parameters and their defaults: Keras' own, else ``REQUIRED_DEFAULTS``
    (``warmup_target`` keeps Keras' None: no warmup)."""
    signature = inspect.signature(keras_class(name).__init__)
    found = {}
    for parameter in signature.parameters.values():
        if parameter.name in ("self", "name", "kwargs"):
            continue
        default = parameter.default
        if default is inspect.Parameter.empty:
            default = REQUIRED_DEFAULTS[parameter.name]
        found[parameter.name] = default
    return found


def all_parameters():
    """Every parameter any schedule takes, with a default that is a value (a control's),
    in the order met in names(). ``warmup_target`` is ``REQUIRED_DEFAULTS``' and is used
    only with ``warmup_steps > 0`` (see ``keras_parameters``)."""
    found = {}
    for name in names():
        for parameter, default in parameters(name).items():
            found.setdefault(parameter, REQUIRED_DEFAULTS.get(parameter, default))
    return found


def parse_numbers(argument, text, integer=False):
    """``"60, 120"`` as ``(60, 120)``: numbers separated by commas (or spaces).

    ``integer=True`` asks for whole numbers. Anything else raises ValueError with
    what was received and an example.
    """
    example = "60, 120" if integer else "0.1, 0.03, 0.01"
    kind = "whole numbers" if integer else "numbers"
    parts = [part for part in re.split(r"[,\s;]+", str(text).strip()) if part]
    try:
        numbers_ = tuple(float(part) for part in parts)
    except ValueError:
        numbers_ = ()
    if not numbers_ or not all(math.isfinite(n) for n in numbers_):
        numbers_ = None
    elif integer and not all(n.is_integer() for n in numbers_):
        numbers_ = None
    if numbers_ is None:
        raise ValueError(
            f"{argument} must be {kind} separated by commas, e.g. '{example}'. "
            f"Received: {argument}={text!r}."
        )
    return tuple(int(n) for n in numbers_) if integer else numbers_


def format_numbers(values):
    """``(60, 120)`` as ``"60, 120"``: the text form ``parse_numbers`` reads back."""
    values = check_array("values", values, min_size=0)
    return ", ".join(f"{value:g}" for value in values)


def _check(name, params):
    """The parameters, checked, with a message naming the bad one and the valid ones."""
    valid = parameters(name)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(
            f"{name} has no parameter {', '.join(unknown)}. Valid parameters: {', '.join(valid)}."
        )
    checked = {**valid, **params}
    for key, value in checked.items():
        if key in ("boundaries", "values"):
            checked[key] = _check_list(key, value)
        elif key == "warmup_target" and value is None:
            continue
        elif isinstance(valid[key], bool):
            if not isinstance(value, bool | np.bool_):
                raise ValueError(f"{key} must be True or False. Received: {key}={value!r}.")
            checked[key] = bool(value)
        elif isinstance(value, bool) or not (
            isinstance(value, numbers.Real) and math.isfinite(value)
        ):
            raise ValueError(f"{key} must be a finite number. Received: {key}={value!r}.")
        elif key in STEP_COUNTS and not (
            float(value).is_integer() and STEP_COUNTS[key] <= value <= MAX_STEP_COUNT
        ):
            raise ValueError(
                f"{key} must be a whole number of steps >= {STEP_COUNTS[key]} (at most "
                f"{MAX_STEP_COUNT}). Received: {key}={value!r}."
            )
        elif key in STEP_COUNTS:
            checked[key] = int(value)
        elif key in RATES and value < 0:
            raise ValueError(f"{key} must be a learning rate >= 0. Received: {key}={value!r}.")
        elif key == "t_mul" and value <= 0:
            raise ValueError(f"t_mul must be > 0. Received: t_mul={value!r}.")
        elif key in FRACTIONS and not 0 <= value <= 1:
            raise ValueError(
                f"{key} must be in [0, 1] (a fraction of initial_learning_rate). "
                f"Received: {key}={value!r}."
            )
        else:
            checked[key] = float(value)
    if "boundaries" in checked:
        boundaries, values = checked["boundaries"], checked["values"]
        if list(boundaries) != sorted(set(boundaries)):
            raise ValueError(
                f"boundaries must be strictly increasing. Received: boundaries={boundaries}."
            )
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                f"values must have one more number than boundaries ({len(boundaries)} "
                f"boundaries: {len(boundaries) + 1} values). Received: values={values}."
            )
    return checked


def _check_list(key, value):
    """``boundaries`` (whole numbers) or ``values`` as a tuple, from a list or its text."""
    integer = key == "boundaries"
    if isinstance(value, str):
        value = list(parse_numbers(key, value, integer=integer))
    kind = f"whole numbers up to {MAX_STEP_COUNT}" if integer else "numbers"
    if not (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
        and all(math.isfinite(v) and (not integer or float(v).is_integer()) for v in value)
        and (not integer or max(value) <= MAX_STEP_COUNT)
    ):
        raise ValueError(f"{key} must be a list of {kind}. Received: {key}={value!r}.")
    return tuple(int(v) if integer else float(v) for v in value)


def get(name, **params):
    """A new Keras schedule by its registry name: ``get("cosine_decay", decay_steps=180)``.

    Parameters Keras requires and that are not given take ``REQUIRED_DEFAULTS``;
    ``boundaries`` and ``values`` may be lists or their text (``"60, 120"``). Unknown
    names or parameters, and values Keras would not compute with, raise ValueError
    naming what is valid.
    """
    checked = _check(name, params)
    for key in ("boundaries", "values"):
        if key in checked:
            checked[key] = list(checked[key])
    return keras_class(name)(**checked)


def evaluate(schedule, steps):
    """``schedule(k)`` for every step ``k = 0 .. steps - 1``, as a float64 array.

    ``schedule`` is any Keras ``LearningRateSchedule`` (or a function of the step that
    Keras ops can map). The steps are int32 tensors, as a Keras optimizer's step counter
    is an integer. The schedule is vectorized over the steps where it can be
    (``keras.ops.vectorized_map``), else mapped one step at a time (``keras.ops.map``):
    schedules that branch on the step (warmup) cannot be vectorized on every backend.
    The steps are padded to ``optimizers.compiled_length(steps)`` and the rates cut, so
    that a new number of steps reuses the programs compiled for that padded length.
    """
    import keras

    steps = _check_steps(steps)
    if not callable(schedule):
        raise refusal(
            "schedule", "a Keras LearningRateSchedule or a function of the step", schedule
        )
    counter = keras.ops.arange(optimizers.compiled_length(steps), dtype="int32")
    try:
        rates = keras.ops.vectorized_map(schedule, counter)
    except (RuntimeError, ValueError, TypeError, NotImplementedError):
        rates = keras.ops.map(schedule, counter)
    return np.asarray(keras.ops.convert_to_numpy(rates), dtype="float64").reshape(-1)[:steps]


def _check_steps(steps):
    if isinstance(steps, bool) or not (
        isinstance(steps, numbers.Integral) and 1 <= steps <= 100 * MAX_STEPS
    ):
        raise ValueError(
            f"steps must be a whole number from 1 to {100 * MAX_STEPS}. Received: steps={steps!r}."
        )
    return int(steps)


def _frozen(params):
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


@functools.lru_cache(maxsize=64)
def _cached_rates(name, frozen, steps):
    schedule = get(name, **{k: list(v) if isinstance(v, tuple) else v for k, v in frozen})
    rates = evaluate(schedule, steps)
    bad = np.flatnonzero(~np.isfinite(rates) | (rates < 0))
    if bad.size:
        raise ValueError(
            f"{name} gave the learning rate {rates[bad[0]]} at step {bad[0]}, not a rate to "
            "train with: its parameters must give finite rates >= 0. "
            f"Received: {', '.join(f'{k}={shown(v)}' for k, v in frozen)}."
        )
    rates.flags.writeable = False
    return rates


def learning_rates(name, steps, **params):
    """The learning rate of every step ``0 .. steps - 1`` under a Keras schedule.

    ``learning_rates("exponential_decay", 200, decay_steps=50, decay_rate=0.5)``
    calls ``keras.optimizers.schedules.ExponentialDecay(...)`` on each step: what a
    Keras optimizer given that schedule uses at its step ``k``. Returns a float64
    array of length ``steps``; a bad name or parameter raises ValueError, and so does
    a schedule that gives a negative or non-finite rate.
    """
    steps = _check_steps(steps)
    checked = _check(name, params)
    return _cached_rates(name, _frozen(checked), steps).copy()


def keras_parameters(name, settings):
    """The Keras keyword arguments of schedule ``name`` out of ``settings``, a dict that may
    hold every schedule's parameters (a widget's controls, named as Keras names them).

    Text forms of ``boundaries`` / ``values`` are parsed. ``warmup_target`` is passed
    only with ``warmup_steps > 0``: Keras' CosineDecay with a ``warmup_target`` decays
    from it even without warmup steps, while ``None`` (no warmup) decays from
    ``initial_learning_rate``.
    """
    check_mapping("settings", settings)
    chosen = {key: settings[key] for key in parameters(name) if key in settings}
    if "warmup_target" in chosen and not chosen.get("warmup_steps", 0):
        del chosen["warmup_target"]
    for key in ("boundaries", "values"):
        if key in chosen:
            chosen[key] = _check_list(key, chosen[key])
    return chosen


def _summary(run):
    """A trajectory with its final loss: the last loss, or inf when the run diverged."""
    final = math.inf if run["diverged_at"] is not None else float(run["loss"][-1])
    return {**run, "final_loss": final}


def compare(
    name,
    steps=DEFAULT_STEPS,
    optimizer=DEFAULT_OPTIMIZER,
    surface=DEFAULT_SURFACE,
    learning_rate=DEFAULT_LEARNING_RATE,
    start=None,
    **params,
):
    """One optimizer on a surface, at a constant ``learning_rate`` and with schedule ``name``.

    Returns ``{"schedule", "steps", "learning_rates", "constant", "scheduled"}``;
    each run is ``optimizers.trajectory``'s dict (``path``, ``loss``, ``diverged_at``)
    plus ``final_loss`` (the loss after the last step; inf if the run diverged).
    ``start`` defaults to the surface's own start; ``params`` go to the schedule.
    """
    check_choice("optimizer", optimizer, OPTIMIZERS)
    rates = learning_rates(name, steps, **params)
    start = optimizers.surface(surface).start if start is None else start
    constant = optimizers.trajectory(optimizer, surface, start, learning_rate, steps)
    scheduled = optimizers.trajectory(optimizer, surface, start, rates, steps)
    return {
        "schedule": name,
        "steps": int(steps),
        "learning_rates": rates,
        "constant": _summary(constant),
        "scheduled": _summary(scheduled),
    }
