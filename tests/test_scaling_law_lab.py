"""ScalingLawLab through its controls and result, with a tiny family (the default is ~6 models)."""

import lmwidgets
from lmwidgets.core import scaling_law

import numpy as np
import pytest
from matplotlib.figure import Figure

pytestmark = pytest.mark.backends

TINY = {"widths": (8, 32), "steps": 50}


@pytest.fixture(scope="module")
def lab():
    return lmwidgets.ScalingLawLab(**TINY)


def test_contracts(lab):
    assert isinstance(lab.figure, Figure)
    assert set(lab.controls) == {"widths", "steps", "seed"}
    assert lab.message.value == ""
    assert bytes(lab.image.value).startswith(b"\x89PNG")


def test_result_is_the_cores_family_and_fit(lab):
    family = scaling_law.train_family(**TINY)  # cached: the same trained models
    r = lab.result
    np.testing.assert_array_equal(r["widths"], [8, 32])
    np.testing.assert_array_equal(r["val_loss"], family["val_loss"])
    # The slope of the two points on log-log axes, by hand.
    n, loss = r["n_non_embedding"], r["val_loss"]
    alpha = -np.log(loss[1] / loss[0]) / np.log(n[1] / n[0])
    assert r["alpha"] == pytest.approx(alpha)
    assert r["kaplan_alpha"] == 0.076  # Kaplan et al. 2020, Eq. 1.1
    x, y = lab.val_points.get_data()
    np.testing.assert_array_equal(x, n)
    np.testing.assert_array_equal(y, loss)


def test_adding_a_width_extends_the_family(lab):
    lab.controls["widths"].value = (8, 16, 32)
    r = lab.result
    np.testing.assert_array_equal(r["widths"], [8, 16, 32])
    assert np.all(np.diff(r["n_non_embedding"]) > 0)
    assert len(lab.fit_line.get_xdata()) == 50


def test_one_width_is_a_message_not_an_exception(lab):
    before = lab.result
    lab.controls["widths"].value = (16,)  # a learner deselects all but one
    assert "widths must be a list of at least 2 of 8, 16" in lab.message.value
    assert lab.result is before and list(lab.controls["widths"].value) == before["widths"].tolist()
    lab.controls["widths"].value = (8, 32)
    assert lab.message.value == ""


def test_one_width_is_refused_with_what_a_power_law_needs():
    with pytest.raises(ValueError, match=r"widths must be a list of at least 2 of 8, 16.*\(16,\)"):
        lmwidgets.ScalingLawLab(widths=(16,))


def test_bad_width_is_rejected_early():
    with pytest.raises(ValueError, match="widths must be a list of at least 2 of 8, 16"):
        lmwidgets.ScalingLawLab(widths=(8, 7))


def test_kaplan_line_comes_from_core(lab):
    r = lab.result
    grid = r["kaplan_line"]["n"]
    expected = scaling_law.kaplan_line(r["n_non_embedding"], r["val_loss"], grid)
    np.testing.assert_array_equal(r["kaplan_line"]["loss"], expected)
    np.testing.assert_array_equal(lab.kaplan_line.get_ydata(), expected)


def test_a_diverged_member_is_a_message_and_the_last_picture_stays(lab, monkeypatch):
    lab.controls["widths"].value = (8, 16)
    before, picture = lab.result, bytes(lab.image.value)
    trained = scaling_law._train

    def diverging(width, steps, seed, backend):
        total, non_embedding, _, val_loss = trained(width, steps, seed, backend)
        return total, non_embedding, (float("nan") if width == 32 else 1.0), val_loss

    monkeypatch.setattr(scaling_law, "_train", diverging)
    lab.controls["widths"].value = (8, 16, 32)
    assert "width 32 diverged: its loss became nan" in lab.message.value
    assert lab.result is before and bytes(lab.image.value) == picture
    with pytest.raises(FloatingPointError, match="try another seed or fewer steps"):
        scaling_law.train_model(32, **{k: v for k, v in TINY.items() if k != "widths"})
