"""The Playground's datasets and features, against the rules of tensorflow/playground's dataset.ts.

The references are closed forms: each generator's labelling rule at noise 0, the
Playground's gaussian variance (0.5 at noise 0, 4 at noise 50), the feature formulas.
"""

import re

from lmwidgets.core import playground_data as data

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings


@pytest.mark.parametrize("dataset", data.DATASETS)
def test_every_dataset_has_the_right_shapes_and_range(dataset):
    x, y = data.make_dataset(dataset, n_points=300, noise=20, seed=1)
    assert x.shape == (300, 2) and x.dtype == np.float32
    assert y.shape == (300,)
    if dataset in data.CLASSIFICATION:
        assert y.dtype == np.int32
        assert set(np.unique(y)) == {0, 1}
        assert abs(np.mean(y) - 0.5) < 0.15
    else:
        assert y.dtype == np.float32
        assert np.all(np.abs(y) <= (1 if dataset == "multi_gaussian" else 2.5))
    assert np.all(np.abs(x) <= 10)


def test_same_seed_same_data_new_seed_new_data():
    a = data.make_dataset("spiral", 200, noise=10, seed=3)
    b = data.make_dataset("spiral", 200, noise=10, seed=3)
    c = data.make_dataset("spiral", 200, noise=10, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.allclose(a[0], c[0])


def test_circle_without_noise_is_inside_versus_outside():
    x, y = data.make_dataset("circle", 400, noise=0)
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_array_equal(y, (radius < 2.5).astype(int))
    assert radius[y == 1].max() <= 2.5 and radius[y == 0].min() >= 3.5 - 1e-5


def test_circle_noise_moves_labels_across_the_boundary():
    x, y = data.make_dataset("circle", 2000, noise=50, seed=2)
    radius = np.hypot(x[:, 0], x[:, 1])
    wrong = np.mean(y != (radius < 2.5))
    assert 0.05 < wrong < 0.5


def test_xor_without_noise_is_the_sign_of_x1_times_x2():
    x, y = data.make_dataset("xor", 400, noise=0)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(int))
    assert np.all(np.abs(x) >= 0.3 - 1e-6)


@pytest.mark.parametrize(("noise", "variance"), [(0, 0.5), (50, 4.0)])
def test_gaussian_spread_follows_the_playground_variance(noise, variance):
    x, y = data.make_dataset("gaussian", 4000, noise=noise, seed=5)
    for label, center in ((0, -2.0), (1, 2.0)):
        points = x[y == label]
        np.testing.assert_allclose(points.mean(axis=0), [center, center], atol=0.15)
        np.testing.assert_allclose(points.std(axis=0), np.sqrt(variance), rtol=0.08)


def test_spiral_arms_for_several_classes():
    x, y = data.make_dataset("spiral", 600, noise=0, n_classes=3)
    assert np.bincount(y).tolist() == [200, 200, 200]
    radius = np.hypot(x[:, 0], x[:, 1])
    assert radius.max() <= 5 + 1e-5
    # Each arm starts at the centre and turns 1.75 times: angle t = 1.75 * 2 pi r / 5 + offset.
    for label in range(3):
        arm, r = x[y == label], radius[y == label]
        t = 1.75 * 2 * np.pi * r / 5 + 2 * np.pi * (label - 1) / 3
        np.testing.assert_allclose(arm, np.stack([r * np.sin(t), r * np.cos(t)], 1), atol=1e-4)


def test_gaussian_with_more_classes():
    x, y = data.make_dataset("gaussian", 500, n_classes=5)
    assert set(np.unique(y)) == set(range(5))


def test_plane_without_noise_is_x1_plus_x2_over_10():
    x, y = data.make_dataset("plane", 200, noise=0)
    np.testing.assert_allclose(y, (x[:, 0] + x[:, 1]) / 10, atol=1e-6)


def test_multi_gaussian_peaks_at_its_six_centres():
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    np.testing.assert_allclose(data.multi_gaussian_target(centres), [1, -1, 1, -1, 1, -1])
    # Halfway out (distance 1) the bump is half as high; beyond distance 2 nothing.
    np.testing.assert_allclose(data.multi_gaussian_target([[1, 2.5], [0, 5.5]]), [-0.5, 0.0])
    x, y = data.make_dataset("multi_gaussian", 300, noise=0)
    np.testing.assert_allclose(y, data.multi_gaussian_target(x), atol=1e-6)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"dataset": "moons"}, "circle, xor, gaussian, spiral, plane, multi_gaussian"),
        ({"dataset": "circle", "noise": 80}, r"noise must be in \[0, 50\]"),
        ({"dataset": "xor", "n_classes": 3}, "gaussian, spiral"),
        ({"dataset": "spiral", "n_classes": 9}, r"n_classes must be in \[2, 6\]"),
    ],
)
def test_bad_arguments_say_what_is_valid(arguments, message):
    with pytest.raises(ValueError, match=message):
        data.make_dataset(**arguments)


def test_features_are_the_playground_formulas():
    x = np.array([[1.0, -2.0], [0.5, 3.0]], dtype="float32")
    features = data.transform_features(x, data.FEATURES)
    x1, x2 = x[:, 0], x[:, 1]
    expected = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(features, expected, rtol=1e-6)
    np.testing.assert_allclose(data.transform_features(x, ["sin(x2)", "x1"]), expected[:, [6, 0]])


def test_features_must_be_known_and_not_empty():
    with pytest.raises(ValueError, match="x1, x2, x1\\^2"):
        data.transform_features(np.zeros((3, 2)), ["x3"])
    with pytest.raises(ValueError, match="at least one feature"):
        data.transform_features(np.zeros((3, 2)), [])


def test_split_is_a_shuffled_partition():
    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10)
    x_train, y_train, x_test, y_test = data.split(x, y, train_ratio=30, seed=0)
    assert len(y_train) == 3 and len(y_test) == 7
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    np.testing.assert_array_equal(x_train[:, 0], 2 * y_train)
    with pytest.raises(ValueError, match="train_ratio"):
        data.split(x, y, train_ratio=100)


def test_grid_rows_are_y_and_columns_are_x():
    xs, ys, points = data.grid((-1, 1, 0, 4), resolution=3)
    np.testing.assert_allclose(xs, [-1, 0, 1])
    np.testing.assert_allclose(ys, [0, 2, 4])
    np.testing.assert_allclose(points.reshape(3, 3, 2)[2, 0], [-1, 4])


def test_own_data_integer_labels_are_classes_in_sorted_order():
    x = np.array([[0, 0], [1, 0], [0, 1], [2, 2], [3, 3]], dtype=float)
    _, labels, problem, n_classes, extent = data.own_data(x, [7, 3, 7, 5, 3])
    assert problem == "classification" and n_classes == 3
    np.testing.assert_array_equal(labels, [2, 0, 2, 1, 0])
    assert extent[0] < 0 < 3 < extent[1]


def test_own_data_real_targets_are_regression():
    x = np.random.default_rng(0).normal(size=(20, 2))
    _, y, problem, n_classes, _ = data.own_data(x, x[:, 0] * 0.3)
    assert problem == "regression" and n_classes == 1 and y.dtype == np.float32


def test_own_data_must_be_two_dimensional_points():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        data.own_data(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="one label or target per point"):
        data.own_data(np.zeros((5, 2)), np.zeros(4))


# -- against the TensorFlow Playground's own formulas (src/dataset.ts, ported line by line) --


def _tf_spiral(num_samples):
    """classifySpiralData at noise 0: ``[(x, y, label)]``, label +1 or -1."""
    points, n = [], num_samples // 2
    for delta_t, label in ((0, 1), (np.pi, -1)):
        for i in range(n):
            r = i / n * 5
            t = 1.75 * i / n * 2 * np.pi + delta_t
            points.append((r * np.sin(t), r * np.cos(t), label))
    return np.array(points)


def _tf_label_circle(x, y):
    return np.where(np.hypot(x, y) < 5 * 0.5, 1, -1)


def _tf_label_xor(x, y):
    return np.where(x * y >= 0, 1, -1)


def _tf_label_plane(x, y):
    return (x + y) / 10  # labelScale: domain [-10, 10] -> range [-1, 1], not clamped


def _tf_label_multi_gaussian(x, y):
    gaussians = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1),
                 (4, -2.5, -1)]  # fmt: skip
    labels = []
    for px, py in zip(x, y, strict=True):
        label = 0.0
        for cx, cy, sign in gaussians:
            # labelScale: domain [0, 2] -> range [1, 0], clamped
            new = sign * min(max(1 - np.hypot(px - cx, py - cy) / 2, 0), 1)
            if abs(new) > abs(label):
                label = new
        labels.append(label)
    return np.array(labels)


def test_the_numbers_of_points_are_the_tensorflow_playgrounds():
    # NUM_SAMPLES_CLASSIFY = 500, NUM_SAMPLES_REGRESS = 1200 (playground.ts)
    for dataset in data.DATASETS:
        x, _ = data.make_dataset(dataset)
        assert len(x) == {"classification": 500, "regression": 1200}[data.problem_of(dataset)]


def test_the_spiral_is_the_tensorflow_playgrounds_with_its_positive_arm_as_class_1():
    x, y = data.make_dataset("spiral", 500, noise=0)
    reference = _tf_spiral(500)
    for ours, theirs in ((1, 1), (0, -1)):  # the Playground's -1 is class 0
        arm = x[y == ours]
        expected = reference[reference[:, 2] == theirs][:, :2]
        np.testing.assert_allclose(arm, expected, atol=1e-5)


@pytest.mark.parametrize(
    "dataset, label",
    [("circle", _tf_label_circle), ("xor", _tf_label_xor), ("plane", _tf_label_plane),
     ("multi_gaussian", _tf_label_multi_gaussian)],
)  # fmt: skip
def test_without_noise_every_label_is_the_tensorflow_playgrounds_formula(dataset, label):
    x, y = data.make_dataset(dataset, noise=0, seed=1)
    expected = label(x[:, 0].astype(float), x[:, 1].astype(float))
    if data.problem_of(dataset) == "classification":
        np.testing.assert_array_equal(y, (expected + 1) // 2)  # -1 -> class 0, 1 -> class 1
    else:
        np.testing.assert_allclose(y, expected, atol=1e-6)


def test_the_circle_and_xor_points_lie_where_the_tensorflow_playground_draws_them():
    x, y = data.make_dataset("circle", noise=0)
    radius = np.hypot(x[:, 0], x[:, 1])
    inner = radius[y == 1]
    outer = radius[y == 0]
    assert inner.max() <= 2.5 + 1e-5 and outer.min() >= 3.5 - 1e-5 and outer.max() <= 5 + 1e-5
    x, _ = data.make_dataset("xor", noise=0)
    assert np.abs(x).min() >= 0.3 - 1e-6 and np.abs(x).max() <= 5.3 + 1e-6  # the padding


# -- your own input features: expressions of x1 and x2 ------------------------------------


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("x1*x2 + sin(x1)", lambda x1, x2: x1 * x2 + np.sin(x1)),
        ("x1^2 - x2**2", lambda x1, x2: x1**2 - x2**2),
        ("-x2 / 2 + 1", lambda x1, x2: -x2 / 2 + 1),
        ("tanh(x1) * exp(-abs(x2))", lambda x1, x2: np.tanh(x1) * np.exp(-np.abs(x2))),
        ("sqrt(x1*x1 + x2*x2) - pi", lambda x1, x2: np.hypot(x1, x2) - np.pi),
        ("3", lambda x1, x2: np.full_like(x1, 3.0)),
    ],
)
def test_an_expression_feature_is_the_numpy_formula(expression, expected):
    x = data.make_dataset("xor", 50, seed=2)[0]
    features = data.transform_features(x, ("x1", expression))
    np.testing.assert_array_equal(features[:, 0], x[:, 0])
    reference = expected(x[:, 0].astype(float), x[:, 1].astype(float)).astype("float32")
    np.testing.assert_allclose(features[:, 1], reference, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "expression, named",
    [
        ("__import__('os')", "'__import__' is not one of the functions"),
        ("__import__('os').system('ls')", "no attributes ('.system')"),
        ("cos", "'cos' is a function: write cos(...)"),
        ("x1(2)", "'x1' is not one of the functions"),
        ("x3 + 1", "'x3' is not one of them"),
        ("np.sin(x1)", "no attributes ('.sin')"),
        ("x1.real", "no attributes ('.real')"),
        ("log(x1, 2)", "each function takes one value"),
        ("x1[0]", "an expression of x1 and x2"),
        ("(lambda: 1)()", "an expression of x1 and x2"),
        ("x1 if x2 else 0", "an expression of x1 and x2"),
        ("'x1'", "an expression of x1 and x2"),
        ("x1 +", "an expression of x1 and x2"),
        ("x1" + " + x1" * 30, "at most 80 characters"),
        ("", "an expression of x1 and x2"),
    ],
)
def test_anything_but_the_whitelist_is_refused_with_what_is_allowed(expression, named):
    with pytest.raises(ValueError, match=re.escape(named)) as refused:
        data.parse_feature(expression)
    assert "Received: feature=" in str(refused.value)
    assert "sin, cos, tan, tanh, exp, log, sqrt, abs" in str(refused.value)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_feature_or_a_refusal_and_runs_nothing_else(text):
    try:
        feature = data.parse_feature(text)
    except ValueError as error:
        assert "must be" in str(error)
        return
    x = np.array([[0.5, -1.5], [2.0, 3.0]])
    with np.errstate(all="ignore"):
        np.asarray(feature(x[:, 0], x[:, 1]), dtype=float)


def test_a_feature_without_a_finite_value_everywhere_is_refused_by_name():
    x = data.make_dataset("xor", 50, seed=2)[0]
    with pytest.raises(ValueError, match=r"'log\(x1\)' is not"):
        data.transform_features(x, ("x2", "log(x1)"))
    with pytest.raises(ValueError, match=r"'x1/0' is not"):
        data.transform_features(x, ("x1/0",))
