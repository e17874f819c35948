"""lmwidgets.core.scale against published figures; each test cites its source."""

import dataclasses

from lmwidgets.core import scale
from lmwidgets.core.scale import (
    HARDWARE,
    PRESETS,
    TransformerConfig,
    chinchilla_loss,
    chinchilla_optimal,
    count_params,
    fit_exponential_growth,
    kv_cache_bytes,
    param_breakdown,
    training_days,
    training_flops,
    training_memory_breakdown,
    training_memory_bytes,
)

import keras
import pytest

GB = 1e9


def test_gpt2_small_has_124_439_808_parameters():
    # Hugging Face 'gpt2' num_parameters() and keras-hub 'gpt2_base_en' (Radford et al. 2019
    # print "117M" in Table 2; the released checkpoint has 124,439,808).
    assert count_params(PRESETS["gpt2-small"].config) == 124_439_808


def test_llama_2_7b_has_6_738_415_616_parameters():
    # Hugging Face 'meta-llama/Llama-2-7b-hf' num_parameters() (Touvron et al. 2023, Table 1: 7B).
    assert count_params("llama-2-7b") == 6_738_415_616


@pytest.mark.parametrize(
    "name, published",
    [
        # Hugging Face / keras-hub released checkpoints (num_parameters()).
        ("gpt2-medium", 354_823_168),
        ("gpt2-large", 774_030_080),
        ("gpt2-xl", 1_557_611_200),
        ("llama-2-13b", 13_015_864_320),
        ("llama-2-70b", 68_976_648_192),
        # meta-llama Llama-3.1 safetensors totals (Llama Team 2024, Table 3: 8B, 405B).
        ("llama-3.1-8b", 8_030_261_248),
        ("llama-3.1-405b", 405_853_388_800),
    ],
)
def test_presets_match_released_checkpoints_exactly(name, published):
    assert count_params(name) == published == PRESETS[name].published_params


def test_gpt3_175b_matches_table_d1_to_its_four_figures():
    # Brown et al. 2020, Table D.1: 174,600M parameters.
    assert count_params("gpt3-175b") == pytest.approx(174_600e6, rel=5e-4)


def test_every_preset_cites_its_source():
    assert {"gpt2-small", "gpt2-xl", "gpt3-175b", "llama-2-70b", "llama-3.1-405b"} <= set(PRESETS)
    for preset in PRESETS.values():
        assert len(preset.source) > 40


def test_gpt2_small_breakdown_by_closed_form():
    # Per block: two LayerNorms (2*768 each), QKV 768x2304+2304, out 768x768+768,
    # MLP 768x3072+3072 and 3072x768+768 (Radford et al. 2019 architecture).
    parts = param_breakdown("gpt2-small")
    assert parts["embeddings"] == 50257 * 768 + 1024 * 768
    assert parts["output_head"] == 0
    assert parts["attention"] == 12 * (768 * 2304 + 2304 + 768 * 768 + 768)
    assert parts["mlp"] == 12 * (768 * 3072 + 3072 + 3072 * 768 + 768)
    assert parts["norms"] == 25 * 2 * 768
    assert parts["total"] == sum(v for k, v in parts.items() if k != "total")


def test_grouped_query_attention_shrinks_keys_and_values():
    mha = PRESETS["llama-2-70b"].config
    mqa = dataclasses.replace(mha, n_kv_heads=1)
    # K and V go from 8192x1024 each to 8192x128 each, in 80 layers.
    saved = param_breakdown(mha)["attention"] - param_breakdown(mqa)["attention"]
    assert saved == 80 * 2 * 8192 * (1024 - 128)


def test_gpt3_training_flops_is_3_14e23():
    # Brown et al. 2020, Table D.1: GPT-3 175B, 300B tokens, 3.14E+23 total train FLOPs.
    assert training_flops(174.6e9, 300e9) == pytest.approx(3.14e23, rel=2e-3)


def test_bert_base_training_flops_from_table_d1():
    # Brown et al. 2020, Table D.1: BERT-Base 109M params, 250B tokens, 1.64E+20 FLOPs.
    assert training_flops(109e6, 250e9) == pytest.approx(1.64e20, rel=5e-3)


@pytest.mark.parametrize(
    "n_params, n_tokens, flops",
    # Hoffmann et al. 2022 (arXiv:2203.15556), Table 3 (estimated optimal training FLOPs and
    # tokens per model size).
    [(400e6, 8.0e9, 1.92e19), (1e9, 20.2e9, 1.21e20), (10e9, 205.1e9, 1.23e22)],
)
def test_chinchilla_table_3(n_params, n_tokens, flops):
    assert training_flops(n_params, n_tokens) == pytest.approx(flops, rel=5e-3)
    optimal_params, optimal_tokens = chinchilla_optimal(flops)
    # The table's tokens per parameter run from 20.0 to 20.5: 20 is within 2%.
    assert optimal_params == pytest.approx(n_params, rel=0.02)
    assert optimal_tokens == pytest.approx(n_tokens, rel=0.02)
    assert training_flops(optimal_params, optimal_tokens) == pytest.approx(flops, rel=1e-12)


def test_chinchilla_optimal_scales_as_square_root_of_compute():
    small = chinchilla_optimal(1e20)
    large = chinchilla_optimal(1e22)
    assert large[0] / small[0] == pytest.approx(10.0)
    assert large[1] / large[0] == pytest.approx(20.0)


def test_chinchilla_loss_is_the_papers_fit():
    # Hoffmann et al. 2022, Eq. 10: E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28.
    n, d = 70e9, 1.4e12
    assert chinchilla_loss(n, d) == pytest.approx(1.69 + 406.4 / n**0.34 + 410.7 / d**0.28)
    assert chinchilla_loss(n, d) < chinchilla_loss(n / 4, d) < chinchilla_loss(n / 4, d / 4)
    assert chinchilla_loss(1e20, 1e25) == pytest.approx(1.69, abs=1e-2)


def test_zero_paper_example_7_5b_on_64_devices():
    # Rajbhandari et al. 2020 (ZeRO, arXiv:1910.02054), Figure 1: Psi = 7.5B, N_d = 64:
    # baseline 120 GB; P_os 31.4 GB; P_os+g 16.6 GB; P_os+g+p 1.88 GB.
    assert training_memory_bytes(7.5e9) / GB == pytest.approx(120.0)
    assert training_memory_bytes(7.5e9, 1, 64) / GB == pytest.approx(31.4, abs=0.05)
    assert training_memory_bytes(7.5e9, 2, 64) / GB == pytest.approx(16.6, abs=0.05)
    assert training_memory_bytes(7.5e9, 3, 64) / GB == pytest.approx(1.88, abs=0.005)


def test_memory_breakdown_is_2_2_12_bytes_per_parameter():
    parts = training_memory_breakdown(1e9, zero_stage=2, n_devices=4)
    assert parts == {
        "weights": 2e9,
        "gradients": 0.5e9,
        "optimizer_states": 3e9,
        "total": 5.5e9,
    }


def test_kv_cache_of_opt_13b_is_800_kb_per_token():
    # Kwon et al. 2023 (vLLM/PagedAttention, arXiv:2309.06180), Sec. 3: for OPT-13B
    # "the KV cache of a single token demands 800 KB ... 2 x 5120 x 40 x 2", and a
    # 2048-token request "as much as 1.6 GB".
    opt_13b = TransformerConfig(40, 5120, 40, vocab_size=50272, seq_len=2048)
    assert kv_cache_bytes(opt_13b, batch=1, seq_len=1) == 2 * 5120 * 40 * 2 == 800 * 1024
    # The paper's KB and GB are binary (1 KB = 1024 bytes).
    assert kv_cache_bytes(opt_13b, batch=1, seq_len=2048) / 2**30 == pytest.approx(1.6, abs=0.05)


def test_grouped_query_attention_divides_the_kv_cache():
    # Llama 2 70B uses 8 KV heads for 64 query heads (Touvron et al. 2023, Sec. 2.2).
    gqa = PRESETS["llama-2-70b"].config
    mha = dataclasses.replace(gqa, n_kv_heads=64)
    assert kv_cache_bytes(mha, 4, 4096) == 8 * kv_cache_bytes(gqa, 4, 4096)
    assert kv_cache_bytes(gqa, 1, 1) == 2 * 80 * 8 * 128 * 2


def test_gpt3_on_1024_a100s_takes_34_days():
    # Narayanan et al. 2021 (Megatron-LM, arXiv:2104.04473), Sec. 5.1: GPT-3 175B on 300B
    # tokens, 1024 A100s at 140 TFLOP/s each, 8TP FLOPs (with recomputation): "34 days".
    days = training_days(8 * 175e9 * 300e9, 1024, HARDWARE["A100 80GB"].peak_flops, 140 / 312)
    assert round(days) == 34


def test_hardware_table_peaks():
    # Vendor datasheets (dense BF16/FP16 tensor FLOP/s).
    assert HARDWARE["A100 80GB"].peak_flops == 312e12
    assert HARDWARE["H100 SXM"].peak_flops == 989e12
    assert HARDWARE["TPU v4"].peak_flops == 275e12
    assert HARDWARE["V100 32GB"].peak_flops == 125e12
    assert all(hw.memory_bytes > 16e9 and hw.source for hw in HARDWARE.values())


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: TransformerConfig(12, 768, 10, 50257, 1024), "n_heads` must divide"),
        (lambda: TransformerConfig(-1, 768, 12, 50257, 1024), "n_layers"),
        (lambda: TransformerConfig(12, 768, 12, 50257, 1024, n_kv_heads=5), "n_kv_heads"),
        (
            lambda: TransformerConfig(12, 768, 12, 50257, 1024, norm="batchnorm"),
            "Valid norms: layernorm, rmsnorm",
        ),
        (lambda: count_params("gpt-5"), "llama-2-7b"),
        (lambda: training_flops(-1, 10), "n_params"),
        (lambda: training_flops(1e9, float("nan")), "n_tokens"),
        (lambda: chinchilla_optimal(0), "flops"),
        (lambda: training_memory_bytes(1e9, zero_stage=4), "Valid zero_stages: 0, 1, 2, 3"),
        (lambda: training_memory_bytes(1e9, n_devices=0), "n_devices"),
        (lambda: kv_cache_bytes("llama-2-7b", 0, 10), "batch"),
        (lambda: training_days(1e20, 8, 312e12, 0), r"\(0, 1\]"),
        (lambda: training_days(1e20, 8, 312e12, 1.5), r"\(0, 1\]"),
    ],
)
def test_bad_input_raises_with_the_reason(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_growth_fit_recovers_a_doubling_time():
    years = [2000, 2001.5, 2004, 2010]
    values = [3 * 2 ** ((y - 2000) / 2) for y in years]  # doubles every 2 years
    fit = fit_exponential_growth(years, values)
    assert fit["doubling_months"] == pytest.approx(24.0)
    assert fit["factor_per_year"] == pytest.approx(2**0.5)
    with pytest.raises(ValueError, match="different dates"):
        fit_exponential_growth([2020, 2020], [1, 2])


def test_published_training_tokens_of_presets():
    # Brown et al. 2020 Table D.1 (300B); Touvron et al. 2023 Table 1 (2.0T).
    assert PRESETS["gpt3-175b"].training_tokens == 300e9
    assert PRESETS["llama-2-7b"].training_tokens == 2e12


def test_module_is_pure_python():
    assert "keras" not in vars(scale)


class _LearnedPositions(keras.layers.Layer):
    def __init__(self, seq_len, d_model, **kwargs):
        super().__init__(**kwargs)
        self.table = self.add_weight(shape=(seq_len, d_model))

    def call(self, x):
        return x + self.table[: keras.ops.shape(x)[1]]


def _keras_gpt2_like(cfg):
    tokens = keras.Input((cfg.seq_len,), dtype="int32")
    x = keras.layers.Embedding(cfg.vocab_size, cfg.d_model)(tokens)
    x = _LearnedPositions(cfg.seq_len, cfg.d_model)(x)
    for _ in range(cfg.n_layers):
        h = keras.layers.LayerNormalization()(x)
        x = x + keras.layers.MultiHeadAttention(cfg.n_heads, cfg.head_dim)(h, h)
        h = keras.layers.LayerNormalization()(x)
        h = keras.layers.Dense(cfg.d_ff, activation="gelu")(h)
        x = x + keras.layers.Dense(cfg.d_model)(h)
    x = keras.layers.LayerNormalization()(x)
    return keras.Model(tokens, keras.layers.Dense(cfg.vocab_size, use_bias=False)(x))


def _keras_llama_like(cfg):
    tokens = keras.Input((cfg.seq_len,), dtype="int32")
    x = keras.layers.Embedding(cfg.vocab_size, cfg.d_model)(tokens)
    for _ in range(cfg.n_layers):
        h = keras.layers.RMSNormalization()(x)
        attention = keras.layers.GroupQueryAttention(
            cfg.head_dim, cfg.n_heads, cfg.n_kv_heads, use_bias=False
        )
        x = x + attention(h, h)
        h = keras.layers.RMSNormalization()(x)
        gate = keras.layers.Dense(cfg.d_ff, activation="silu", use_bias=False)(h)
        up = keras.layers.Dense(cfg.d_ff, use_bias=False)(h)
        x = x + keras.layers.Dense(cfg.d_model, use_bias=False)(gate * up)
    x = keras.layers.RMSNormalization()(x)
    return keras.Model(tokens, keras.layers.Dense(cfg.vocab_size, use_bias=False)(x))


def test_count_matches_a_keras_gpt2_style_model():
    cfg = TransformerConfig(2, 32, 4, vocab_size=100, seq_len=16, tied_embeddings=False)
    assert count_params(cfg) == _keras_gpt2_like(cfg).count_params()


def test_count_matches_a_keras_llama_style_model_with_gqa():
    cfg = TransformerConfig(
        2,
        32,
        4,
        vocab_size=100,
        seq_len=16,
        d_ff=48,
        n_kv_heads=2,
        gated_mlp=True,
        tied_embeddings=False,
        learned_positions=False,
        biases=False,
        norm="rmsnorm",
    )
    assert count_params(cfg) == _keras_llama_like(cfg).count_params()


def test_sizes_given_as_numpy_int32_do_not_overflow():
    import numpy as np

    config = PRESETS["llama-2-7b"].config
    names = ("n_layers", "d_model", "n_heads", "vocab_size", "seq_len", "d_ff", "n_kv_heads")
    sizes = {name: np.int32(getattr(config, name)) for name in names}
    as_int32 = dataclasses.replace(config, **sizes)
    assert count_params(as_int32) == count_params(config) > 2**31


def test_chinchilla_tokens_are_20_per_parameter():
    # Hoffmann et al. 2022: Chinchilla, 70B parameters, was trained on 1.4T tokens.
    assert scale.CHINCHILLA_TOKENS_PER_PARAM == 20.0
    assert scale.chinchilla_tokens(70e9) == pytest.approx(1.4e12)
    assert scale.chinchilla_tokens(1e9, tokens_per_param=10) == pytest.approx(1e10)
    # The same rule as chinchilla_optimal: D = 20 N at the optimum.
    n_params, n_tokens = chinchilla_optimal(1e23)
    assert scale.chinchilla_tokens(n_params) == pytest.approx(n_tokens)
    with pytest.raises(ValueError, match="n_params"):
        scale.chinchilla_tokens(0)


def test_preset_training_tokens_published_else_chinchilla():
    assert scale.preset_training_tokens("gpt3-175b") == 300e9  # Brown et al. 2020, Table D.1
    assert scale.preset_training_tokens("llama-2-7b") == 2e12  # Touvron et al. 2023, Table 1
    # GPT-2 published no token count: 20 per published parameter.
    assert scale.preset_training_tokens("gpt2-small") == 20 * 124_439_808
    with pytest.raises(ValueError, match="Valid presets: gpt2-small, gpt2-medium"):
        scale.preset_training_tokens("gpt-5")


def test_inference_memory_is_bf16_weights_plus_kv_cache_by_hand():
    # GPT-2 small in bf16: 124,439,808 parameters * 2 bytes; KV cache for one sequence of
    # 1024 tokens: 2 (K and V) * 12 layers * 768 (12 heads * 64) * 1024 tokens * 2 bytes.
    memory = scale.inference_memory("gpt2-small")
    assert memory == {
        "weights": 248_879_616,
        "kv_cache": 37_748_736,
        "total": 248_879_616 + 37_748_736,
    }
    assert scale.INFERENCE_BYTES_PER_VALUE == 2
    # Llama 2 70B, grouped-query attention (8 KV heads of 128): 2 * 80 * 1024 * 2 bytes =
    # 320 KiB per token; 8 sequences of 4096 tokens are 10 GiB.
    llama = scale.inference_memory("llama-2-70b", batch=8, seq_len=4096)
    assert llama["kv_cache"] == 8 * 4096 * 320 * 1024 == 10 * 2**30
    assert llama["weights"] == 2 * 68_976_648_192
    # fp32 doubles everything.
    fp32 = scale.inference_memory("gpt2-small", bytes_per_value=4)
    assert fp32["total"] == 2 * memory["total"]
    with pytest.raises(ValueError, match="batch"):
        scale.inference_memory("gpt2-small", batch=0)


def test_tokens_per_param_and_device_hours_by_hand():
    # Llama 2 7B: 2T tokens for 6.74B parameters, about 297 per parameter.
    assert scale.tokens_per_param(2e12, 6_738_415_616) == pytest.approx(296.80, abs=0.01)
    # 7.5 days on 1024 devices: 184,320 device-hours (Touvron et al. 2023, Table 2).
    assert scale.device_hours(7.5, 1024) == 184_320
    with pytest.raises(ValueError, match="n_params"):
        scale.tokens_per_param(1e9, 0)
    with pytest.raises(ValueError, match="n_devices"):
        scale.device_hours(1.0, 0)


def test_exponential_growth_draws_the_fitted_line():
    years = [2000, 2001.5, 2004, 2010]
    values = [3 * 2 ** ((y - 2000) / 2) for y in years]
    fit = fit_exponential_growth(years, values)
    assert scale.exponential_growth(years, fit) == pytest.approx(values)
