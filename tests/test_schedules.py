"""Learning-rate schedules: core against the closed forms in Keras' docs, trajectories with a
schedule against Keras' own optimizer given that schedule, and ScheduleExplorer's contracts.

References: each schedule's formula as its Keras docstring writes it, in NumPy (the
restarts of CosineDecayRestarts found by walking the periods one by one, not by Keras'
logarithm); and, for trajectories, the ordinary Keras way: an optimizer constructed with
``learning_rate=<the schedule>``, one eager ``apply_gradients`` per step.
"""

import math

import lmwidgets  # picks the Keras backend before keras is imported
from lmwidgets.core import optimizers, schedules

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

pytestmark = pytest.mark.backends

STEPS = 130


def _exponential(k, initial_learning_rate, decay_steps, decay_rate, staircase):
    p = k / decay_steps
    return initial_learning_rate * decay_rate ** (np.floor(p) if staircase else p)


def _inverse_time(k, initial_learning_rate, decay_steps, decay_rate, staircase):
    p = k / decay_steps
    return initial_learning_rate / (1 + decay_rate * (np.floor(p) if staircase else p))


def _piecewise(k, boundaries, values):
    # values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <= boundaries[i]
    return np.array([values[sum(step > b for b in boundaries)] for step in k])


def _polynomial(k, initial_learning_rate, decay_steps, end_learning_rate, power, cycle):
    if cycle:
        decay = decay_steps * np.maximum(np.ceil(k / decay_steps), 1)
        step = k
    else:
        decay, step = decay_steps, np.minimum(k, decay_steps)
    return (initial_learning_rate - end_learning_rate) * (
        1 - step / decay
    ) ** power + end_learning_rate


def _cosine(k, initial_learning_rate, decay_steps, alpha, warmup_target=None, warmup_steps=0):
    def decayed(step, start):
        step = np.minimum(step, decay_steps)
        return start * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * step / decay_steps)) + alpha)

    if warmup_target is None:
        return decayed(k, initial_learning_rate)
    # The docstring's warmup omits "+ initial_learning_rate"; Keras' code (and Goyal et al.)
    # go linearly from initial_learning_rate to warmup_target.
    warm = initial_learning_rate + (warmup_target - initial_learning_rate) * k / warmup_steps
    return np.where(k < warmup_steps, warm, decayed(k - warmup_steps, warmup_target))


def _cosine_restarts(k, initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha, end=False):
    """``end=True``: a step exactly on a restart ends the period before it (fraction 1)."""
    rates = []
    for step in k:
        start, length, restart = 0.0, float(first_decay_steps), 0
        while step > start + length or (step == start + length and not end):
            start, length, restart = start + length, length * t_mul, restart + 1
        fraction = (step - start) / length
        cosine = 0.5 * m_mul**restart * (1 + math.cos(math.pi * fraction))
        rates.append(initial_learning_rate * ((1 - alpha) * cosine + alpha))
    return np.array(rates)


CLOSED_FORMS = {
    "exponential_decay": _exponential,
    "inverse_time_decay": _inverse_time,
    "piecewise_constant_decay": _piecewise,
    "polynomial_decay": _polynomial,
    "cosine_decay": _cosine,
    "cosine_decay_restarts": _cosine_restarts,
}
CASES = [
    ("exponential_decay", {"decay_steps": 30, "decay_rate": 0.5}),
    ("exponential_decay", {"decay_steps": 30, "decay_rate": 0.5, "staircase": True}),
    ("inverse_time_decay", {"initial_learning_rate": 0.2, "decay_steps": 10, "decay_rate": 0.7}),
    ("inverse_time_decay", {"decay_steps": 10, "decay_rate": 2.0, "staircase": True}),
    ("piecewise_constant_decay", {"boundaries": [20, 50, 51], "values": [1.0, 0.5, 0.2, 0.1]}),
    ("piecewise_constant_decay", {"boundaries": "40", "values": "0.3 0.03"}),
    ("polynomial_decay", {"decay_steps": 100, "end_learning_rate": 0.01, "power": 2.0}),
    ("polynomial_decay", {"decay_steps": 40, "power": 0.5, "cycle": True}),
    ("cosine_decay", {"decay_steps": 100, "alpha": 0.1}),
    (
        "cosine_decay",
        {"initial_learning_rate": 0.0, "decay_steps": 90, "warmup_target": 0.1, "warmup_steps": 25},
    ),
    (
        "cosine_decay",
        {"initial_learning_rate": 0.02, "decay_steps": 50, "warmup_target": 0.1, "warmup_steps": 7},
    ),
    ("cosine_decay_restarts", {"first_decay_steps": 20}),
    ("cosine_decay_restarts", {"first_decay_steps": 25, "t_mul": 1.0, "m_mul": 0.7, "alpha": 0.1}),
    ("cosine_decay_restarts", {"first_decay_steps": 10, "t_mul": 1.5, "m_mul": 0.8}),
]


def test_every_keras_schedule_is_offered_and_has_a_reference_here():
    module = keras.optimizers.schedules
    classes = {
        name
        for name in dir(module)
        if isinstance(getattr(module, name), type)
        and issubclass(getattr(module, name), module.LearningRateSchedule)
        and name != "LearningRateSchedule"
    }
    assert len(schedules.names()) == len(classes)
    assert {schedules.keras_class(name).__name__ for name in schedules.names()} == classes
    assert set(CLOSED_FORMS) == set(schedules.names())  # a new Keras schedule needs a reference


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_learning_rates_match_the_closed_form(name, params):
    rates = schedules.learning_rates(name, STEPS, **params)
    arguments = {**schedules.parameters(name), **params}
    for key in ("boundaries", "values"):
        if isinstance(arguments.get(key), str):
            arguments[key] = schedules.parse_numbers(key, arguments[key], key == "boundaries")
    expected = CLOSED_FORMS[name](np.arange(STEPS, dtype="float64"), **arguments)
    assert rates.shape == (STEPS,) and rates.dtype == np.float64
    if name == "cosine_decay_restarts":
        # On a step exactly at a restart (10, 25 for periods of 10 * 1.5**i), Keras' float32
        # logarithm may land just short of it (seen on PyTorch and TensorFlow, for some
        # periods): that step then gets the end of the period before, not the next one's start.
        ends = _cosine_restarts(np.arange(STEPS, dtype="float64"), **arguments, end=True)
        expected = np.where(np.isclose(rates, ends, rtol=2e-5, atol=1e-7), ends, expected)
    np.testing.assert_allclose(rates, expected, rtol=2e-5, atol=1e-7)


def test_the_curated_optimizers_come_from_the_registry():
    assert set(schedules.OPTIMIZERS) <= set(optimizers.names())
    assert schedules.DEFAULT_OPTIMIZER in schedules.OPTIMIZERS
    assert schedules.DEFAULT_SURFACE in optimizers.surfaces()
    assert schedules.DEFAULT_SCHEDULE in schedules.names()


def test_parameters_are_keras_defaults_or_core_ones():
    assert schedules.parameters("cosine_decay") == {
        "initial_learning_rate": schedules.DEFAULT_LEARNING_RATE,
        "decay_steps": schedules.REQUIRED_DEFAULTS["decay_steps"],
        "alpha": 0.0,
        "warmup_target": None,
        "warmup_steps": 0,
    }
    every = schedules.all_parameters()
    assert every["warmup_target"] == schedules.REQUIRED_DEFAULTS["warmup_target"]
    assert every["t_mul"] == 2.0 and every["end_learning_rate"] == 0.0001


def test_get_is_the_keras_schedule():
    schedule = schedules.get("piecewise_constant_decay", boundaries="10, 20", values=[3, 2, 1])
    assert isinstance(schedule, keras.optimizers.schedules.PiecewiseConstantDecay)
    assert schedule.boundaries == [10, 20] and schedule.values == [3.0, 2.0, 1.0]
    np.testing.assert_allclose(schedules.evaluate(schedule, 25)[[10, 11, 20, 21]], [3, 2, 2, 1])


def test_keras_parameters_pick_the_schedules_own_and_warm_up_only_with_warmup_steps():
    settings = {**schedules.all_parameters(), "boundaries": "5, 9", "warmup_target": 0.5}
    assert schedules.keras_parameters("piecewise_constant_decay", settings) == {
        "boundaries": (5, 9),
        "values": schedules.REQUIRED_DEFAULTS["values"],
    }
    cosine = schedules.keras_parameters("cosine_decay", settings)
    assert "warmup_target" not in cosine and cosine["warmup_steps"] == 0
    cosine = schedules.keras_parameters("cosine_decay", {**settings, "warmup_steps": 10})
    assert cosine["warmup_target"] == 0.5
    # Keras itself decays from warmup_target when it is given without warmup steps.
    rates = schedules.learning_rates("cosine_decay", 5, initial_learning_rate=0.1, warmup_target=1)
    assert rates[0] == pytest.approx(1.0)


def test_numbers_as_text_round_trip():
    assert schedules.parse_numbers("values", " 0.1,0.03; 1e-3 ") == (0.1, 0.03, 0.001)
    assert schedules.parse_numbers("boundaries", "60 120", integer=True) == (60, 120)
    assert schedules.format_numbers((60, 120)) == "60, 120"


@pytest.mark.parametrize(
    "name,params,message",
    [
        ("cosine_decay", {"colour": 1}, "cosine_decay has no parameter colour. Valid parameters: "),
        ("exponential_decay", {"decay_steps": 0}, "decay_steps must be a whole number of steps"),
        ("cosine_decay", {"warmup_steps": 2.5}, r"warmup_steps must be .*Received: warmup_steps"),
        ("polynomial_decay", {"initial_learning_rate": -0.1}, "initial_learning_rate must be a"),
        ("exponential_decay", {"decay_rate": math.nan}, "decay_rate must be a finite number"),
        ("exponential_decay", {"staircase": "yes"}, "staircase must be True or False"),
        ("piecewise_constant_decay", {"boundaries": "ten"}, r"boundaries must be whole numbers .*"),
        ("piecewise_constant_decay", {"boundaries": "1.5, 3"}, "boundaries must be whole numbers"),
        ("piecewise_constant_decay", {"values": "0.1, 0.2"}, "values must have one more number"),
        ("piecewise_constant_decay", {"boundaries": [9, 3]}, "boundaries must be strictly incr"),
        ("cosine_decay_restarts", {"t_mul": 0.0}, "t_mul must be > 0"),
        ("polynomial_decay", {"power": -1.0, "decay_steps": 5}, "gave the learning rate inf at"),
        ("cosine_decay_restart", {}, "Invalid schedule: received 'cosine_decay_restart'. Valid"),
    ],
)
def test_a_bad_parameter_is_a_clear_message(name, params, message):
    with pytest.raises(ValueError, match=message):
        schedules.learning_rates(name, 20, **params)


def test_steps_are_checked():
    for steps in (0, 2.5, "10"):
        with pytest.raises(ValueError, match="steps must be a whole number"):
            schedules.learning_rates("cosine_decay", steps)


START = (-1.5, 2.0)


def _rosenbrock_gradient(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_trajectory_with_a_schedule_is_keras_optimizer_with_that_schedule(name):
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, 10, alpha=0.1, warmup_target=0.002, warmup_steps=5
    )
    run = optimizers.trajectory(name, "rosenbrock", START, schedule, 15)
    rates = schedules.evaluate(schedule, 15)
    same = optimizers.trajectory(name, "rosenbrock", START, rates, 15)
    np.testing.assert_array_equal(run["path"], same["path"])
    optimizer = optimizers.get(name, learning_rate=schedule)
    point = keras.Variable(np.array(START, dtype="float32"))
    path = [np.array(START)]
    for _ in range(15):
        p = keras.ops.convert_to_numpy(point.value).astype("float64")
        gradient = keras.ops.convert_to_tensor(_rosenbrock_gradient(p).astype("float32"))
        optimizer.apply_gradients([(gradient, point)])
        path.append(keras.ops.convert_to_numpy(point.value))
    np.testing.assert_allclose(run["path"], path, rtol=1e-4, atol=1e-6)
    assert not np.allclose(
        run["path"], optimizers.trajectory(name, "rosenbrock", START, 2e-3, 15)["path"]
    )


def test_trajectory_refuses_rates_of_the_wrong_length():
    with pytest.raises(ValueError, match="learning_rate, one per step, must be 10 finite numbers"):
        optimizers.trajectory("sgd", "quadratic", (1.0, 1.0), np.full(9, 0.1), 10)
    with pytest.raises(ValueError, match="must be 3 finite numbers >= 0"):
        optimizers.trajectory("sgd", "quadratic", (1.0, 1.0), [0.1, -0.1, 0.1], 3)


def test_compare_runs_the_optimizer_at_a_constant_rate_and_with_the_schedule():
    result = schedules.compare("exponential_decay", 40, "sgd", "quadratic", 0.05, decay_steps=10)
    assert set(result) == {"schedule", "steps", "learning_rates", "constant", "scheduled"}
    rates = schedules.learning_rates("exponential_decay", 40, decay_steps=10)
    np.testing.assert_array_equal(result["learning_rates"], rates)
    start = optimizers.surface("quadratic").start
    scheduled = optimizers.trajectory("sgd", "quadratic", start, rates, 40)
    np.testing.assert_array_equal(result["scheduled"]["path"], scheduled["path"])
    for run in ("constant", "scheduled"):
        assert result[run]["final_loss"] == result[run]["loss"][-1]
    diverged = schedules.compare("cosine_decay", 30, "sgd", "quadratic", 0.5)  # 0.5 * 10 > 2
    assert diverged["constant"]["diverged_at"] is not None
    assert diverged["constant"]["final_loss"] == math.inf
    with pytest.raises(ValueError, match="Invalid optimizer: received 'lion'. Valid optimizers"):
        schedules.compare("cosine_decay", optimizer="lion")


# The widget


def test_widget_contracts():
    explorer = lmwidgets.ScheduleExplorer()
    assert isinstance(explorer.figure, Figure) and explorer.last_error is None
    assert set(explorer.controls) == {spec.name for spec in explorer.CONTROLS}
    assert set(explorer.controls) >= {"schedule", "steps", "optimizer", "surface", "learning_rate"}
    assert set(explorer.controls) - set(explorer.specs) == set()
    for name in schedules.names():  # every parameter of every schedule is a control
        assert set(schedules.parameters(name)) <= set(explorer.controls)
    result = explorer.result
    assert set(result) >= {"steps", "learning_rates", "constant", "scheduled"}
    for run in ("constant", "scheduled"):
        assert set(result[run]) >= {"path", "loss", "final_loss", "diverged_at"}
    explorer.controls["schedule"].value = "exponential_decay"
    explorer.controls["decay_rate"].value = 0.25
    expected = schedules.learning_rates("exponential_decay", 200, decay_rate=0.25)
    np.testing.assert_allclose(explorer.result["learning_rates"], expected)
    assert explorer.result["parameters"]["decay_rate"] == 0.25
    np.testing.assert_allclose(explorer.scheduled_rate.get_ydata(), expected)
    path = explorer.result["scheduled"]["path"]
    np.testing.assert_allclose(explorer.paths["scheduled"].get_xdata(), path[:, 0])
    assert "exponential_decay" in explorer.rate_axes.get_title()
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    explorer.close()


def test_only_the_chosen_schedules_parameters_are_shown():
    explorer = lmwidgets.ScheduleExplorer(schedule="piecewise_constant_decay", hide=("values",))

    def shown():
        return {n for n, c in explorer.controls.items() if c.layout.display != "none"}

    assert shown() == {"schedule", "steps", "learning_rate", "optimizer", "surface", "boundaries"}
    explorer.controls["schedule"].value = "cosine_decay"
    assert shown() >= {"initial_learning_rate", "decay_steps", "alpha", "warmup_steps"}
    assert "boundaries" not in shown()
    assert explorer.controls["warmup_target"].disabled  # Keras warms up over warmup_steps > 0
    explorer.controls["warmup_steps"].value = 10
    assert not explorer.controls["warmup_target"].disabled
    explorer.controls["schedule"].value = "piecewise_constant_decay"
    assert "values" not in shown()  # the teacher's hide still wins
    explorer.close()


def test_a_bad_parameter_in_the_widget_is_a_message_and_keeps_the_picture():
    explorer = lmwidgets.ScheduleExplorer(schedule="piecewise_constant_decay")
    picture, result = explorer.image.value, explorer.result
    explorer.controls["values"].value = "0.1, 0.01"
    assert "values must have one more number than boundaries" in explorer.message.value
    assert explorer.result is result and explorer.image.value == picture
    explorer.controls["values"].value = "0.1, 0.01, 0.001"
    assert explorer.last_error is None
    assert explorer.result["learning_rates"][-1] == pytest.approx(0.001)
    bad = lmwidgets.ScheduleExplorer(schedule="piecewise_constant_decay", boundaries="a, b")
    assert "boundaries must be whole numbers separated by commas" in bad.message.value
    assert isinstance(bad.last_error, ValueError) and bad.result == {}
    with pytest.raises(ValueError, match=r"decay_steps must be an integer from 1 to 1000"):
        lmwidgets.ScheduleExplorer(decay_steps=0)
    explorer.close()


def test_warmup_keeps_the_run_that_a_constant_rate_throws_away():
    # Lesson 04's setting: momentum on Beale's surface at 0.01 leaves the surface within a
    # few steps; the same peak reached by a linear warmup, then cosine decay, converges.
    explorer = lmwidgets.ScheduleExplorer(
        schedule="cosine_decay", steps=200, optimizer="momentum", surface="beale",
        learning_rate=0.01, initial_learning_rate=0.0, warmup_target=0.01, warmup_steps=20,
        decay_steps=180,
    )  # fmt: skip
    result = explorer.result
    assert result["constant"]["diverged_at"] is not None
    assert result["scheduled"]["diverged_at"] is None
    assert result["scheduled"]["final_loss"] < 1e-3
    assert result["learning_rates"].max() == pytest.approx(0.01)
    assert "constant run diverged" in explorer.message.value
    explorer.close()
