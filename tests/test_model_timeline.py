"""ModelTimeline through its controls and result, against the shipped, sourced CSV."""

import lmwidgets
from lmwidgets.core import scale
from lmwidgets.datasets import model_timeline

import numpy as np
import pytest
from matplotlib.figure import Figure

from tests.pictures import assert_redraws_match_a_full_draw


@pytest.fixture
def timeline():
    return lmwidgets.ModelTimeline()


def _decimal_year(table):
    return table["date"].dt.year + (table["date"].dt.month - 1) / 12


def test_contracts(timeline):
    assert isinstance(timeline.figure, Figure)
    assert set(timeline.controls) == {"quantity", "fit_since", "model"}
    assert timeline.message.value == ""
    assert bytes(timeline.image.value).startswith(b"\x89PNG")


def test_parameters_come_from_the_csv(timeline):
    table = model_timeline()
    r = timeline.result
    assert r["models"] == list(table["model"])
    gpt3 = r["values"][r["models"].index("GPT-3")]
    assert gpt3 == 174.6e9  # Brown et al. 2020, Table D.1
    assert r["values"][r["models"].index("LeNet-5")] == 60_000  # LeCun et al. 1998


def test_growth_fit_matches_numpy_on_dense_models_since_2017(timeline):
    table = model_timeline()
    dense = table[(table["year"] >= 2017) & table["active_params"].isna()]
    params = dense["params_exact"].fillna(dense["params_nominal"])
    slope, _ = np.polyfit(_decimal_year(dense), np.log10(params), 1)
    growth = timeline.result["growth"]
    assert growth["slope"] == pytest.approx(slope)
    assert growth["doubling_months"] == pytest.approx(12 * np.log10(2) / slope)
    assert "Mixtral 8x7B" not in timeline.result["fitted_models"]
    x, y = timeline.fit_line.get_data()
    assert x[0] == 2017


def test_compute_plots_only_rows_with_known_compute(timeline):
    timeline.controls["quantity"].value = "training compute"
    table = model_timeline()
    known = table[table["training_compute_flops"].notna()]
    r = timeline.result
    assert r["models"] == list(known["model"])
    np.testing.assert_array_equal(r["values"], known["training_compute_flops"])
    plotted = np.vstack([timeline.points.get_offsets(), timeline.excluded_points.get_offsets()])
    assert sorted(plotted[:, 1]) == sorted(known["training_compute_flops"])
    assert "training FLOPs" in timeline.axes.get_ylabel()


def test_selected_model_details_cite_the_source(timeline):
    timeline.controls["model"].value = "Llama 2 70B"
    selected = timeline.result["selected"]
    assert selected["params_exact"] == 68_976_648_192
    assert "2307.09288" in selected["source"]
    assert "1,720,320" in timeline.details.value
    assert timeline.selected_point.get_ydata()[0] == 68_976_648_192


def test_every_fit_since_position_fits_both_quantities(timeline):
    # The slider once reached years with a single model of known compute: an error at its top.
    spec = timeline.specs["fit_since"]
    for quantity in ("parameters", "training compute"):
        timeline.controls["quantity"].value = quantity
        for year in range(int(spec.low), int(spec.high) + 1):
            timeline.controls["fit_since"].value = year
            assert timeline.last_error is None, (quantity, year, timeline.message.value)
            assert len(timeline.result["fitted_models"]) >= 2
    assert spec.high == 2022  # compute is known for one model after 2022 in the shipped table


def test_bad_constructor_arguments():
    with pytest.raises(
        ValueError, match="quantity must be one of .parameters., .training compute."
    ):
        lmwidgets.ModelTimeline(quantity="cost")
    with pytest.raises(ValueError, match="GPT-3"):
        lmwidgets.ModelTimeline(model="GPT-7")


def test_a_model_without_the_quantity_is_not_marked(timeline):
    timeline.controls["quantity"].value = "training compute"
    timeline.controls["model"].value = "LeNet-5"  # no published training compute
    assert timeline.result["selected"]["model"] == "LeNet-5"
    assert len(timeline.selected_point.get_xdata()) == 0
    assert timeline.message.value == ""


def test_keywords_in_any_order_and_state_round_trip():
    first = lmwidgets.ModelTimeline(
        model="Llama 2 70B", fit_since=2019, quantity="training compute"
    )
    second = lmwidgets.ModelTimeline(
        quantity="training compute", fit_since=2019, model="Llama 2 70B"
    )
    assert first.state == second.state
    again = lmwidgets.from_state(first.state)
    assert again.result["growth"] == first.result["growth"]
    np.testing.assert_array_equal(
        first.result["fit_line"]["values"],
        scale.exponential_growth(first.result["fit_line"]["years"], first.result["growth"]),
    )


def test_a_shrinking_trend_says_there_is_no_doubling_time():
    # The dense models of the table since 2020 are smaller than GPT-3.
    timeline = lmwidgets.ModelTimeline(fit_since=2020)
    assert timeline.result["growth"]["factor_per_year"] < 1
    assert timeline.result["growth"]["doubling_months"] == float("inf")
    assert "no doubling time" in timeline.message.value
    assert "no doubling: shrinking" in timeline.axes.get_title()
    timeline.controls["fit_since"].value = 2017
    assert timeline.message.value == "" and "doubling every" in timeline.axes.get_title()


def test_redraws_over_a_cached_background_match_a_full_draw(timeline):
    """fit_since and model are drawn over a cached picture of the axes and labels."""
    changes = [
        ("fit_since", 2012),  # same axes: drawn over the cached picture
        ("model", "Llama 2 70B"),
        ("quantity", "training compute"),  # other labels and axes: a new picture
        ("fit_since", 2019),
        ("model", "GPT-3"),
        ("quantity", "parameters"),  # back to a picture drawn before
        ("fit_since", 2015),
    ]
    assert_redraws_match_a_full_draw(timeline, changes, notes=True)
