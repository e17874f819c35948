"""core.scaling_law's reference line against hand computation (no training here)."""

from lmwidgets.core import scaling_law

import numpy as np
import pytest


def test_kaplan_line_by_hand():
    # Through the geometric means: N_mid = sqrt(10 * 1000) = 100, L_mid = sqrt(4 * 1) = 2.
    # With alpha = 0.5: L(100) = 2, L(10_000) = 2 * 100 ** -0.5 = 0.2, L(1) = 2 * 10 = 20.
    line = scaling_law.kaplan_line([10, 1000], [4, 1], [1, 100, 10_000], alpha=0.5)
    np.testing.assert_allclose(line, [20.0, 2.0, 0.2], rtol=1e-12)


def test_kaplan_line_has_kaplans_slope_on_log_axes():
    n = np.array([1e4, 3e4, 1e5, 1e6])
    losses = np.array([3.1, 2.9, 2.6, 2.4])
    grid = np.geomspace(n.min(), n.max(), 50)
    line = scaling_law.kaplan_line(n, losses, grid)
    slope = np.polyfit(np.log(grid), np.log(line), 1)[0]
    assert slope == pytest.approx(-scaling_law.KAPLAN_ALPHA_N) == pytest.approx(-0.076)
    # and fitting a power law to it recovers Kaplan et al.'s exponent
    assert scaling_law.fit_power_law(grid, line)["alpha"] == pytest.approx(0.076)
    # It passes through the measured family's centre (geometric means).
    centre = np.exp(np.log(n).mean())
    value = scaling_law.kaplan_line(n, losses, [centre])[0]
    assert value == pytest.approx(np.exp(np.log(losses).mean()))


@pytest.mark.parametrize(
    ("n", "losses", "grid", "message"),
    [
        ([1, 2], [1.0], [1.0], "same length"),
        ([1, 2], [1.0, 0.0], [1.0], "positive"),
        ([1, 2], [1.0, 2.0], [-1.0], "positive"),
        ([], [], [1.0], "at least 1"),
    ],
)
def test_kaplan_line_refuses_what_log_axes_cannot_show(n, losses, grid, message):
    with pytest.raises(ValueError, match=message):
        scaling_law.kaplan_line(n, losses, grid)
