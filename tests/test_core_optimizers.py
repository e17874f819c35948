"""lmwidgets.core.optimizers against independent references.

References: gradient descent on a quadratic in closed form; SGD with momentum,
Nesterov momentum, Adam and Lion written out here from their papers' update rules
(Kingma & Ba 2015, Algorithm 1, in Keras' "epsilon hat" form; Chen et al. 2023,
Lion); and, for every optimizer Keras ships, the same run done the ordinary way
(one eager ``apply_gradients`` call per step with a hand-derived gradient).
The surfaces' heights are checked against their formulas written in numpy.
"""

import functools

import lmwidgets  # picks the Keras backend before keras is imported
from lmwidgets.core import optimizers

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.backends

START = (-1.5, 2.0)


def _rosenbrock_gradient(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def _keras_rosenbrock_path(optimizer, steps=15):
    """The path Keras' own ``apply_gradients`` takes from START on Rosenbrock, step by step."""
    point = keras.Variable(np.array(START, dtype="float32"))
    path = [np.array(START)]
    for _ in range(steps):
        p = keras.ops.convert_to_numpy(point.value).astype("float64")
        gradient = keras.ops.convert_to_tensor(_rosenbrock_gradient(p).astype("float32"))
        optimizer.apply_gradients([(gradient, point)])
        path.append(keras.ops.convert_to_numpy(point.value))
    return path


def _quadratic_gradient(p, condition=10.0):
    return np.array([p[0], condition * p[1]])


def test_gradient_descent_on_a_quadratic_is_geometric():
    run = optimizers.trajectory(
        "sgd", "quadratic", (-2.5, 1.5), 0.05, 40, surface_params={"condition": 20.0}
    )
    k = np.arange(41)
    expected = np.stack([-2.5 * 0.95**k, 1.5 * (1 - 0.05 * 20) ** k], axis=1)
    np.testing.assert_allclose(run["path"], expected, rtol=1e-5, atol=1e-6)
    heights = (expected[:, 0] ** 2 + 20 * expected[:, 1] ** 2) / 2
    np.testing.assert_allclose(run["loss"], heights, rtol=1e-5, atol=1e-6)
    assert run["diverged_at"] is None


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_by_hand(nesterov):
    name = "nesterov" if nesterov else "momentum"
    run = optimizers.trajectory(name, "quadratic", (-2.5, 1.5), 0.02, 30, momentum=0.8)
    p, velocity, path = np.array([-2.5, 1.5]), np.zeros(2), []
    for _ in range(31):
        path.append(p.copy())
        g = _quadratic_gradient(p)
        velocity = 0.8 * velocity - 0.02 * g
        p = p + (0.8 * velocity - 0.02 * g if nesterov else velocity)
    np.testing.assert_allclose(run["path"], path, rtol=1e-4, atol=1e-6)


def test_first_adam_steps_by_hand():
    run = optimizers.trajectory("adam", "rosenbrock", START, 0.01, 10)
    b1, b2, eps = 0.9, 0.999, 1e-7
    p, m, v = np.array(START), np.zeros(2), np.zeros(2)
    path = [p.copy()]
    for t in range(1, 11):
        g = _rosenbrock_gradient(p)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        step_size = 0.01 * np.sqrt(1 - b2**t) / (1 - b1**t)
        p = p - step_size * m / (np.sqrt(v) + eps)
        path.append(p.copy())
    np.testing.assert_allclose(run["path"], path, rtol=1e-5, atol=1e-6)


def test_first_lion_steps_by_hand():
    run = optimizers.trajectory("lion", "rosenbrock", START, 0.01, 10)
    b1, b2 = 0.9, 0.99
    p, m, path = np.array(START), np.zeros(2), [np.array(START)]
    for _ in range(10):
        g = _rosenbrock_gradient(p)
        p = p - 0.01 * np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
        path.append(p.copy())
    np.testing.assert_allclose(run["path"], path, rtol=1e-5, atol=1e-6)


# Keras' schedule-free AdamW keeps ``momentum_old = momentum.value``, which on TensorFlow is the
# variable itself, read after it is updated: Keras' own stateful step (the only one it allows
# on TensorFlow) departs from the paper there. On TensorFlow the test below compares it with
# Keras' eager step instead.
STATELESS_KERAS = lmwidgets.backend_name() != "tensorflow"


@pytest.mark.skipif(not STATELESS_KERAS, reason="Keras has no stateless step on TensorFlow")
def test_first_schedule_free_adamw_steps_by_hand():
    # Defazio et al. 2024, as Keras writes it: the variable holds y, the state keeps z.
    run = optimizers.trajectory("schedulefreeadamw", "rosenbrock", START, 0.001, 15)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.001
    y, z, v = np.array(START), np.array(START), np.zeros(2)
    path = [y.copy()]
    for t in range(1, 16):
        g = _rosenbrock_gradient(y)
        v = v + (g**2 - v) * (1 - b2)
        z_old, z = z, z - lr * g / (np.sqrt(v / (1 - b2**t)) + eps)
        x_old = (y - (1 - b1) * z_old) / b1
        x = (1 - 1 / t) * x_old + z / t
        y = (1 - b1) * z + b1 * x
        path.append(y.copy())
    np.testing.assert_allclose(run["path"], path, rtol=1e-4, atol=1e-5)


# Schedule-free AdamW is checked by hand above instead where Keras has a stateless step: on
# PyTorch, Keras' eager step reads its momentum after updating it in place, so the eager run
# there is not a reference. On TensorFlow it is what Keras computes, and what we compute.
@pytest.mark.parametrize(
    "name", [n for n in optimizers.names() if n != "schedulefreeadamw" or not STATELESS_KERAS]
)
def test_every_optimizer_matches_eager_apply_gradients(name):
    run = optimizers.trajectory(name, "rosenbrock", START, 0.001, 15)
    base, preset = optimizers.PRESETS.get(name, (name, {}))
    cls = {n.lower(): getattr(keras.optimizers, n) for n in dir(keras.optimizers)}[base]
    optimizer = cls(learning_rate=0.001, **preset)
    path = _keras_rosenbrock_path(optimizer)
    np.testing.assert_allclose(run["path"], path, rtol=1e-4, atol=1e-5)
    assert run["path"].shape == (16, 2) and run["loss"].shape == (16,)


def test_learning_rate_and_settings_change_the_run():
    slow = optimizers.trajectory("sgd", "quadratic", (-2.5, 1.5), 0.01, 5)
    fast = optimizers.trajectory("sgd", "quadratic", (-2.5, 1.5), 0.1, 5)
    assert fast["path"][-1, 0] == pytest.approx(-2.5 * 0.9**5, rel=1e-5)
    assert slow["path"][-1, 0] == pytest.approx(-2.5 * 0.99**5, rel=1e-5)
    heavy = optimizers.trajectory("momentum", "quadratic", (-2.5, 1.5), 0.01, 5, momentum=0.5)
    assert not np.allclose(heavy["path"], slow["path"])


def test_divergence_is_reported_not_raised():
    # Along y the step multiplies by (1 - 0.25 * 10) = -1.5; the run stops once |y| passes
    # the box (|y| <= 2) by ESCAPE_WIDTHS box heights.
    run = optimizers.trajectory("sgd", "quadratic", (-2.5, 1.5), 0.25, 100)
    limit = 2.0 + optimizers.ESCAPE_WIDTHS * 4.0
    first_far = next(k for k in range(100) if 1.5 * 1.5**k > limit)
    assert run["diverged_at"] == first_far
    assert len(run["path"]) == len(run["loss"]) == first_far
    assert np.all(np.isfinite(run["loss"]))
    overflow = optimizers.trajectory("sgd", "rosenbrock", START, 0.5, 50)
    assert overflow["diverged_at"] is not None and overflow["diverged_at"] < 50


def test_surfaces_match_their_formulas_and_minima():
    assert optimizers.surfaces()[:6] == [
        "quadratic",
        "rosenbrock",
        "himmelblau",
        "beale",
        "saddle",
        "rastrigin",
    ]
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-2, 2, 20), rng.uniform(-2, 2, 20)
    formulas = {
        "quadratic": (x**2 + 5 * y**2) / 2,
        "rosenbrock": (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        "himmelblau": (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        "beale": (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
        "saddle": x**2 - y**2,
        "rastrigin": 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y),
    }
    for name, expected in formulas.items():
        params = {"condition": 5.0} if name == "quadratic" else {}
        got = optimizers.surface_values(name, x, y, **params)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4, err_msg=name)
        for minimum in optimizers.surface(name).minima:
            assert optimizers.surface_values(name, *minimum, **params) == pytest.approx(0, abs=1e-4)
    X, Y, Z = optimizers.surface_grid("himmelblau", points=30)
    assert X.shape == Y.shape == Z.shape == (30, 30)
    assert (X.min(), X.max(), Y.min(), Y.max()) == optimizers.surface("himmelblau").box


def test_names_cover_what_keras_ships():
    names = optimizers.names()
    expected = ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adadelta", "adam"]
    expected += ["adamw", "adamax", "nadam", "lion"]
    assert names[: len(expected)] == expected
    assert {"ftrl", "lamb", "adafactor"} <= set(names)
    assert "lossscaleoptimizer" not in names
    assert optimizers.hyperparameters("momentum")["momentum"] == 0.9
    assert optimizers.hyperparameters("adam")["beta_1"] == 0.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"optimizer": "adamm"}, "Valid optimizers: sgd, momentum"),
        ({"surface": "everest"}, "Valid surfaces: quadratic, rosenbrock"),
        ({"learning_rate": 0.0}, "learning_rate must be a number > 0"),
        ({"learning_rate": -1.0}, "learning_rate must be a number > 0"),
        ({"steps": 0}, "steps must be an integer >= 1"),
        ({"start": (5.0, 0.0)}, r"domain x in \[-2.0, 2.0\], y in \[-1.0, 3.0\]"),
        ({"beta_1": 0.5}, "Valid settings: momentum, nesterov"),
        ({"surface_params": {"condition": 0.5}}, "condition must be >= 1"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_what_is_valid(kwargs, message):
    arguments = {
        "optimizer": "sgd",
        "surface": "rosenbrock",
        "start": START,
        "learning_rate": 0.01,
        "steps": 5,
    }
    arguments.update(kwargs)
    if "surface_params" in kwargs:
        arguments["surface"] = "quadratic"
        arguments["start"] = (0.0, 0.0)
    with pytest.raises(ValueError, match=message):
        optimizers.trajectory(**arguments)


def test_lion_without_momentum_is_refused_in_our_words():
    # Keras' own message says "must be in the [0, 1] range" and then refuses 0.
    for call in (
        lambda: optimizers.get("lion", beta_1=0.0),
        lambda: optimizers.trajectory("lion", "quadratic", (1.0, 1.0), 0.01, 3, beta_1=0.0),
    ):
        with pytest.raises(ValueError, match=r"beta_1 must be in \(0, 1\].*SignSGD"):
            call()


def test_a_new_step_count_reuses_the_compiled_loop_and_gives_the_same_path():
    run = functools.partial(optimizers.trajectory, "adam", "rosenbrock", (-1.5, 2.0), 0.01)
    long = run(300)
    misses = optimizers._compiled_run.cache_info().misses
    short = run(290)  # the steps slider moved by one notch
    if lmwidgets.backend_name() != "torch":  # torch runs a Python loop: nothing to compile
        assert optimizers._compiled_run.cache_info().misses == misses
    assert len(short["path"]) == 291 and len(short["loss"]) == 291
    np.testing.assert_array_equal(short["path"], long["path"][:291])
    np.testing.assert_array_equal(short["loss"], long["loss"][:291])


@pytest.mark.parametrize("name", ["adam", "nadam", "lion"])
def test_a_new_beta_1_reuses_the_compiled_loop_and_matches_eager_keras(name):
    run = functools.partial(optimizers.trajectory, name, "rosenbrock", START, 0.001, 15)
    run(beta_1=0.8)
    misses = optimizers._compiled_run.cache_info().misses
    moved = run(beta_1=0.7)  # the beta_1 slider moved
    if lmwidgets.backend_name() != "torch":
        assert optimizers._compiled_run.cache_info().misses == misses
    optimizer = optimizers.get(name, learning_rate=0.001, beta_1=0.7)
    path = _keras_rosenbrock_path(optimizer)
    np.testing.assert_allclose(moved["path"], path, rtol=1e-4, atol=1e-5)
    if name != "lion":  # Lion steps by a sign: its first steps do not tell the betas apart
        assert not np.allclose(moved["path"], run(beta_1=0.8)["path"])
