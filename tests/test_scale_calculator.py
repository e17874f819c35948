"""ScaleCalculator through its controls and result, checked against core.scale and papers."""

import dataclasses

import lmwidgets
from lmwidgets.core import scale

import pytest
from matplotlib.axis import Axis
from matplotlib.figure import Figure

from tests.pictures import assert_redraws_match_a_full_draw

GB = 1e9


@pytest.fixture
def calculator():
    return lmwidgets.ScaleCalculator()


def test_contracts_and_default_preset(calculator):
    assert isinstance(calculator.figure, Figure)
    assert {"preset", "d_model", "tokens", "hardware", "n_devices", "mfu", "zero_stage"} <= set(
        calculator.controls
    )
    r = calculator.result
    assert r["preset"] == "llama-2-7b" and r["matches_preset"]
    assert r["params"] == 6_738_415_616  # Hugging Face Llama-2-7b-hf num_parameters()
    assert r["tokens"] == 2e12  # Touvron et al. 2023, Table 1
    assert r["breakdown"]["total"] == r["params"]
    assert bytes(calculator.image.value).startswith(b"\x89PNG")


def test_llama_2_7b_gpu_hours_near_published(calculator):
    # Touvron et al. 2023, Table 2: Llama 2 7B took 184,320 A100-80GB GPU-hours for 2T
    # tokens; 6ND at 40% MFU on 312 TFLOP/s lands within 3% of it.
    calculator.controls["mfu"].value = 0.4
    hours = calculator.result["device_hours"]
    assert hours == pytest.approx(184_320, rel=0.03)
    expected_days = scale.training_days(6 * 6_738_415_616 * 2e12, 1024, 312e12, 0.4)
    assert calculator.result["days"] == pytest.approx(expected_days)


def test_changing_preset_loads_its_shape(calculator):
    calculator.controls["preset"].value = "gpt2-small"
    r = calculator.result
    assert r["params"] == 124_439_808
    assert calculator.controls["d_model"].value == 768
    assert r["tokens"] == pytest.approx(20 * 124_439_808)  # no published count: compute-optimal
    assert calculator.message.value == ""
    calculator.controls["preset"].value = "gpt3-175b"
    # Brown et al. 2020, Table D.1: 3.14e23 FLOPs for 300B tokens.
    assert calculator.result["training_flops"] == pytest.approx(3.14e23, rel=3e-3)


def test_editing_the_shape_recounts(calculator):
    calculator.controls["n_layers"].value = 16
    r = calculator.result
    assert not r["matches_preset"]
    per_layer = (6_738_415_616 - 2 * 32000 * 4096 - 4096) // 32
    assert r["params"] == 6_738_415_616 - 16 * per_layer


def test_zero_stage_memory_bars(calculator):
    # Rajbhandari et al. 2020, Figure 1 example: 7.5B params, 64 devices -> 31.4/16.6/1.88 GB.
    calculator.controls["n_devices"].value = 64
    calculator.controls["zero_stage"].value = 3
    r = calculator.result
    assert r["training_memory"]["total"] == pytest.approx(16 * r["params"] / 64)
    assert r["fits_training"]
    assert r["training_memory_by_stage"][0] == pytest.approx(16 * r["params"])
    stacked_top = [
        bar.get_y() + bar.get_height() for bar in calculator.train_bars["optimizer_states"]
    ]
    assert stacked_top == pytest.approx([r["training_memory_by_stage"][s] / GB for s in range(4)])
    calculator.controls["zero_stage"].value = 0
    assert not calculator.result["fits_training"]  # 108 GB > 80 GB


def test_kv_cache_grows_with_batch(calculator):
    one = calculator.result["inference_memory"]["kv_cache"]
    calculator.controls["batch"].value = 8
    assert calculator.result["inference_memory"]["kv_cache"] == 8 * one
    assert one == scale.kv_cache_bytes("llama-2-7b", 1, 4096)  # 2 GiB at 4096 tokens in bf16
    kv_bar = calculator.infer_bars["kv_cache"][0]
    assert kv_bar.get_height() == pytest.approx(8 * one / GB)


def test_bad_shape_shows_message_and_keeps_working(calculator):
    before = calculator.result
    calculator.controls["n_heads"].value = 7  # does not divide 4096
    assert "must divide" in calculator.message.value
    assert calculator.result is before
    calculator.controls["n_heads"].value = 32
    assert calculator.message.value == ""
    assert calculator.result["params"] == 6_738_415_616


def test_bad_constructor_argument_names_the_choices():
    with pytest.raises(ValueError, match="llama-2-7b"):
        lmwidgets.ScaleCalculator(preset="gpt-5")
    with pytest.raises(ValueError, match="H100 SXM"):
        lmwidgets.ScaleCalculator(hardware="abacus")


def test_a_size_given_with_a_preset_wins_whatever_the_keyword_order():
    first = lmwidgets.ScaleCalculator(d_model=1536, preset="gpt2-small", tokens=1e10)
    second = lmwidgets.ScaleCalculator(tokens=1e10, preset="gpt2-small", d_model=1536)
    assert first.state == second.state
    r = first.result
    assert r["config"]["d_model"] == 1536 and r["config"]["n_layers"] == 12  # the rest: preset's
    assert r["tokens"] == 1e10 and not r["matches_preset"]
    shape = dataclasses.replace(scale.PRESETS["gpt2-small"].config, d_model=1536)
    assert r["params"] == scale.count_params(shape)
    assert second.result["params"] == r["params"]


def test_a_preset_fills_its_shape_in_one_refresh(calculator, monkeypatch):
    seen = []
    compute = type(calculator).compute
    monkeypatch.setattr(
        type(calculator),
        "compute",
        lambda self, changed: seen.append(changed) or compute(self, changed),
    )
    calculator.controls["preset"].value = "gpt3-175b"
    assert len(seen) == 1 and {"preset", "n_layers", "n_kv_heads", "tokens"} <= seen[0]
    assert calculator.result["params"] == scale.count_params("gpt3-175b")
    assert calculator.result["matches_preset"]
    assert calculator.result["tokens"] == 300e9


def test_numbers_shown_come_from_core(calculator):
    r = calculator.result
    assert r["chinchilla_tokens"] == scale.chinchilla_tokens(r["params"])
    assert r["tokens_per_param"] == scale.tokens_per_param(r["tokens"], r["params"])
    assert r["device_hours"] == scale.device_hours(r["days"], r["n_devices"])
    assert r["inference_memory"] == scale.inference_memory("llama-2-7b", 1)


def test_redraws_over_a_cached_background_match_a_full_draw(calculator):
    """Titles at a given height, bars and lines over a cached picture of the axes."""
    changes = [
        ("preset", "gpt2-small"),  # small models: the device memory sets the GB axes
        ("preset", "gpt2-medium"),
        ("preset", "llama-3.1-405b"),  # every axes changes
        ("n_layers", 120),
        ("hardware", "H100 SXM"),
        ("preset", "gpt2-small"),  # back to a picture drawn before
        ("batch", 64),
    ]
    assert_redraws_match_a_full_draw(calculator, changes)


def test_a_new_model_draws_only_the_numbers_along_its_axes(calculator, monkeypatch):
    """Every axes' limits change with the model: its names, stages and frames stay cached,
    and only the three numbered axes are drawn over them (not the whole figure)."""
    canvas = calculator.figure.canvas
    full_draws = []
    draw = canvas.draw
    monkeypatch.setattr(canvas, "draw", lambda: (full_draws.append(1), draw()))
    for preset in ("gpt2-small", "llama-3.1-405b", "gpt2-xl"):
        calculator.controls["preset"].value = preset
        assert calculator.last_error is None
    assert full_draws == []


def test_models_that_share_an_axis_reuse_its_numbers(calculator, monkeypatch):
    """gpt2-small and gpt2-medium share both GB axes (the device's 80 GB line sets them):
    going from one to the other draws only the parameter axis; the others' pixels are
    copied back (the redraw test above checks they equal a full draw)."""
    calculator.controls["preset"].value = "gpt2-small"
    drawn = []
    draw_artist = calculator.figure.draw_artist
    monkeypatch.setattr(
        calculator.figure, "draw_artist", lambda artist: (drawn.append(artist), draw_artist(artist))
    )
    calculator.controls["preset"].value = "gpt2-medium"
    assert calculator.ax_train.get_ylim() == (0, 100) and calculator.ax_infer.get_ylim() == (0, 100)
    assert [artist for artist in drawn if isinstance(artist, Axis)] == [calculator.ax_params.xaxis]

def test_the_parameter_axis_writes_counts_as_the_summary_does(calculator):
    """2B along the axis, not 2 with a separate 1e9; a few numbers on each axis."""
    calculator.controls["preset"].value = "llama-3.1-405b"
    figure = calculator.figure
    figure.canvas.draw()
    labels = [t.get_text() for t in calculator.ax_params.get_xticklabels() if t.get_text()]
    assert labels[0] == "0" and all(label.endswith("B") for label in labels[1:]), labels
    assert calculator.ax_params.xaxis.get_offset_text().get_text() == ""
    assert "406B" in calculator.summary.value
    for axes in (calculator.ax_params, calculator.ax_train, calculator.ax_infer):
        numbered = axes.xaxis if axes is calculator.ax_params else axes.yaxis
        shown = [t for t in numbered.get_ticklabels() if t.get_text()]
        assert 3 <= len(shown) <= 6, [t.get_text() for t in shown]
