"""lmwidgets.core.losses against independent references.

Values: ``keras.losses`` called directly. Derivatives: closed forms (MSE 2e,
MAE sign e, Huber clip(e, -delta, delta), log-cosh tanh e, cross-entropy
-1/p and 1/(1-p), hinge -y) and central finite differences of the Keras loss
computed here. Line fits: least squares (numpy.polyfit) for MSE, the best line
through two data points for MAE (an L1 line fit passes through two points,
Barrodale & Roberts 1973), and Newton's method / iteratively reweighted least
squares written out here for log-cosh and Huber.
"""

import itertools

import lmwidgets  # (picks the Keras backend before keras is imported)
from lmwidgets.core import losses

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.backends

ERRORS = np.array([-3.1, -1.7, -0.6, -0.2, 0.15, 0.45, 0.9, 2.3], dtype="float32")
P = np.array([0.03, 0.2, 0.41, 0.5, 0.66, 0.87, 0.98], dtype="float32")
STEP = 1e-3


def _keras_loss(name, y_true, y_pred, **params):
    function = getattr(keras.losses, name)
    y_true = keras.ops.convert_to_tensor(np.asarray(y_true, "float32")[:, None])
    y_pred = keras.ops.convert_to_tensor(np.asarray(y_pred, "float32")[:, None])
    return keras.ops.convert_to_numpy(function(y_true, y_pred, **params)).astype("float64")


@pytest.mark.parametrize(
    ("name", "params", "slope"),
    [
        ("mean_squared_error", {}, lambda e: 2 * e),
        ("mean_absolute_error", {}, np.sign),
        ("huber", {"delta": 0.5}, lambda e: np.clip(e, -0.5, 0.5)),
        ("huber", {}, lambda e: np.clip(e, -1.0, 1.0)),
        ("log_cosh", {}, np.tanh),
    ],
)
def test_regression_curves_are_keras_with_closed_form_slopes(name, params, slope):
    loss, dloss = losses.regression_curve(name, ERRORS, **params)
    zeros = np.zeros_like(ERRORS)
    np.testing.assert_allclose(loss, _keras_loss(name, zeros, ERRORS, **params), rtol=1e-6)
    np.testing.assert_allclose(dloss, slope(ERRORS.astype("float64")), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("label", [0, 1])
@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("binary_crossentropy", {}),
        ("binary_crossentropy", {"label_smoothing": 0.2}),
        ("binary_focal_crossentropy", {}),
        ("binary_focal_crossentropy", {"gamma": 0.5, "label_smoothing": 0.1}),
        ("hinge", {}),
        ("squared_hinge", {}),
    ],
)
def test_classification_curves_are_keras_with_finite_difference_slopes(name, params, label):
    loss, dloss = losses.classification_curve(name, P, label, **params)
    labels = np.full_like(P, label)
    np.testing.assert_allclose(loss, _keras_loss(name, labels, P, **params), rtol=1e-6)
    ahead = _keras_loss(name, labels, P.astype("float64") + STEP, **params)
    behind = _keras_loss(name, labels, P.astype("float64") - STEP, **params)
    np.testing.assert_allclose(dloss, (ahead - behind) / (2 * STEP), rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("name", list(losses.CLASSIFICATION))
def test_both_labels_at_once_equal_one_label_at_a_time(name):
    both = losses.classification_curves(name, P)
    for label in (0, 1):
        single = losses.classification_curve(name, P, label)
        np.testing.assert_allclose(both[label], single, rtol=1e-6, atol=1e-7)


def test_cross_entropy_slopes_in_closed_form():
    p = P.astype("float64")
    np.testing.assert_allclose(
        losses.classification_curve("binary_crossentropy", P, 1)[1], -1 / p, rtol=1e-4
    )
    np.testing.assert_allclose(
        losses.classification_curve("binary_crossentropy", P, 0)[1], 1 / (1 - p), rtol=1e-4
    )
    # Keras turns labels 0/1 into -1/+1 for hinge: loss = max(0, 1 - y p), slope -y.
    np.testing.assert_allclose(losses.classification_curve("hinge", P, 0), [1 + p, np.ones(7)])


def test_focal_loss_with_gamma_zero_is_cross_entropy():
    focal = losses.classification_curve("binary_focal_crossentropy", P, 1, gamma=0.0)[0]
    # Keras' focal loss weights the positive class by alpha only with class balancing.
    plain = losses.classification_curve("binary_crossentropy", P, 1)[0]
    np.testing.assert_allclose(focal, plain, rtol=1e-5)


def _data(seed, outlier):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 3.0, 25)
    y = 2.0 * x + 1.0 + 0.3 * rng.normal(size=25)
    y[np.argmax(x)] += outlier
    return x, y


def _l1_line(x, y):
    best = None
    for i, j in itertools.combinations(range(len(x)), 2):
        slope = (y[j] - y[i]) / (x[j] - x[i])
        intercept = y[i] - slope * x[i]
        cost = np.abs(slope * x + intercept - y).sum()
        if best is None or cost < best[0]:
            best = (cost, slope, intercept)
    return best[1:]


def _weighted_line(x, y, weights_of_residual, iterations=200):
    """Iteratively reweighted least squares: the fixed point solves sum w(r) r [x, 1] = 0."""
    line = np.polyfit(x, y, 1)
    for _ in range(iterations):
        w = weights_of_residual(np.polyval(line, x) - y)
        line = np.polyfit(x, y, 1, w=np.sqrt(w))
    return line


@pytest.mark.parametrize("seed", [0, 1])
def test_robust_fit_matches_reference_fits(seed):
    x, y = _data(seed, outlier=15.0 * (seed + 1))
    fits = {name: losses.robust_fit(x, y, name) for name in losses.REGRESSION}
    references = {
        "mean_squared_error": np.polyfit(x, y, 1),
        "mean_absolute_error": _l1_line(x, y),
        "log_cosh": _weighted_line(x, y, lambda r: np.tanh(r) / np.where(r == 0, 1, r)),
        "huber": _weighted_line(x, y, lambda r: np.minimum(1.0, 1.0 / np.maximum(abs(r), 1e-12))),
    }
    for name, (slope, intercept) in references.items():
        assert fits[name]["slope"] == pytest.approx(slope, abs=2e-3), name
        assert fits[name]["intercept"] == pytest.approx(intercept, abs=2e-3), name

    # The outlier drags least squares, not the robust losses.
    def drag(name):
        return abs(fits[name]["slope"] - 2.0)

    assert drag("mean_squared_error") > 3 * max(drag("mean_absolute_error"), drag("huber"))
    slope, intercept = fits["huber"]["slope"], fits["huber"]["intercept"]
    mean_huber = _keras_loss("huber", y, slope * x + intercept).mean()
    assert fits["huber"]["loss"] == pytest.approx(mean_huber, rel=1e-5)


def test_robust_fit_delta_is_in_units_of_y():
    x, y = _data(0, outlier=15.0)
    fit = losses.robust_fit(x, y, "huber", delta=0.4)
    reference = _weighted_line(x, y, lambda r: np.minimum(1.0, 0.4 / np.maximum(abs(r), 1e-12)))
    assert [fit["slope"], fit["intercept"]] == pytest.approx(list(reference), abs=2e-3)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: losses.regression_curve("l2", ERRORS),
            "Valid regression losses: mean_squared_error",
        ),
        (lambda: losses.regression_curve("huber", ERRORS, delta=0), "delta must be > 0"),
        (lambda: losses.regression_curve("huber", ERRORS, gamma=1), "Valid parameters: delta"),
        (lambda: losses.regression_curve("log_cosh", [np.nan]), "finite"),
        (lambda: losses.classification_curve("hinge", P, 2), "label must be 0 or 1"),
        (lambda: losses.classification_curve("hinge", [1.5], 1), r"\[0, 1\]"),
        (
            lambda: losses.classification_curve("dice", P, 1),
            "Valid classification losses: binary_crossentropy",
        ),
        (
            lambda: losses.classification_curve("binary_crossentropy", P, 1, label_smoothing=2),
            "label_smoothing must be in",
        ),
        (
            lambda: losses.classification_curve("binary_focal_crossentropy", P, 1, gamma=-1),
            "gamma must be >= 0",
        ),
        (lambda: losses.robust_fit([1.0, 2.0], [1.0], "huber"), "same length"),
        (lambda: losses.robust_fit([1.0, 2.0], [1.0, 2.0], "l1"), "Valid regression losses"),
    ],
)
def test_bad_arguments_raise_value_errors_naming_what_is_valid(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.skipif(lmwidgets.backend_name() != "jax", reason="counts JAX compilations")
def test_a_curve_compiles_once_per_loss_and_a_new_delta_reuses_it(caplog):
    """Op-by-op autodiff compiled some 30 small programs for a first picture (about 1 s)."""
    import jax

    errors = np.linspace(-3, 3, 57, dtype="float32")
    with jax.log_compiles(), caplog.at_level("WARNING"):
        first = losses.regression_curve("huber", errors, delta=0.4)
    compiled = [r for r in caplog.records if "Compiling" in r.getMessage()]
    assert len(compiled) <= 2, [r.getMessage()[:80] for r in compiled]
    caplog.clear()
    with jax.log_compiles(), caplog.at_level("WARNING"):
        second = losses.regression_curve("huber", errors, delta=0.9)
    assert not [r for r in caplog.records if "Compiling" in r.getMessage()]
    assert not np.allclose(first[0], second[0])
