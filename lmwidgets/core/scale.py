"""How big a language model is, and what training and serving it costs.

Pure Python and numpy: parameters counted exactly from a Transformer's configuration,
training compute (6ND), compute-optimal sizes (Chinchilla), memory for training
(mixed-precision Adam, ZeRO) and for inference (weights + KV cache), and days
on a given number of accelerators.

Units: FLOPs are floating-point operations (a multiply-add counts 2); bytes are
bytes, and wherever a figure is shown in GB, GB = 1e9 bytes.
"""

from dataclasses import dataclass
from math import isfinite, sqrt
from numbers import Integral, Real

from lmwidgets.core.choices import check_choice
from lmwidgets.core.params import check_array, check_finite_result, check_mapping, check_number

import numpy as np

NORMS = ("layernorm", "rmsnorm")


def _check_positive_int(name, value):
    """``value`` as a Python int (np.int32 sizes would overflow in the products)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def _check_positive(name, value):
    """``value`` as a Python float (np.float32 would overflow past 3.4e38)."""
    if isinstance(value, bool) or not isinstance(value, Real) or not isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
    return float(value)


_FLAGS = ("gated_mlp", "tied_embeddings", "learned_positions", "biases")


@dataclass(frozen=True)
class TransformerConfig:
    """A decoder-only Transformer, described by the numbers that fix its size.

    - ``d_ff``: hidden width of the MLP; ``None`` means ``4 * d_model``.
    - ``n_kv_heads``: key/value heads (grouped-query attention); ``None`` means
      ``n_heads`` (ordinary multi-head attention).
    - ``gated_mlp``: SwiGLU-style MLP with three matrices (gate, up, down) instead of two.
    - ``tied_embeddings``: the output layer reuses the token embedding matrix.
    - ``learned_positions``: a learned position table of ``seq_len`` rows (GPT-2, GPT-3);
      ``False`` for rotary positions (Llama), which have no parameters.
    - ``biases``: dense layers have biases (GPT-2) or not (Llama).
    - ``norm``: ``"layernorm"`` (scale and bias) or ``"rmsnorm"`` (scale only).
    """

    n_layers: int
    d_model: int
    n_heads: int
    vocab_size: int
    seq_len: int
    d_ff: int | None = None
    n_kv_heads: int | None = None
    gated_mlp: bool = False
    tied_embeddings: bool = True
    learned_positions: bool = True
    biases: bool = True
    norm: str = "layernorm"

    def __post_init__(self):
        if self.d_ff is None:
            object.__setattr__(self, "d_ff", 4 * self.d_model)
        if self.n_kv_heads is None:
            object.__setattr__(self, "n_kv_heads", self.n_heads)
        # Python ints: sizes given as np.int32 would overflow in the products (7B > 2**31).
        for name in ("n_layers", "d_model", "n_heads", "vocab_size", "seq_len", "d_ff"):
            object.__setattr__(self, name, _check_positive_int(name, getattr(self, name)))
        object.__setattr__(self, "n_kv_heads", _check_positive_int("n_kv_heads", self.n_kv_heads))
        for name in _FLAGS:
            value = getattr(self, name)
            if not isinstance(value, bool | np.bool_):
                raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
            object.__setattr__(self, name, bool(value))
        if self.d_model % self.n_heads:
            raise ValueError(
                f"`n_heads` must divide `d_model` (each head gets d_model / n_heads "
                f"dimensions). Received: d_model={self.d_model}, n_heads={self.n_heads}"
            )
        if self.n_heads % self.n_kv_heads:
            raise ValueError(
                f"`n_kv_heads` must divide `n_heads` (each key/value head serves a group "
                f"of query heads). Received: n_heads={self.n_heads}, "
                f"n_kv_heads={self.n_kv_heads}"
            )
        check_choice("norm", self.norm, NORMS)

    @property
    def head_dim(self):
        return self.d_model // self.n_heads


@dataclass(frozen=True)
class Preset:
    """A published model's configuration, its published parameter count and the source."""

    config: TransformerConfig
    published_params: int
    source: str
    training_tokens: float | None = None  # as published, where it is


def _gpt2(n_layers, d_model, n_heads):
    return TransformerConfig(n_layers, d_model, n_heads, vocab_size=50257, seq_len=1024)


def _llama(n_layers, d_model, n_heads, n_kv_heads, d_ff, vocab_size, seq_len):
    return TransformerConfig(
        n_layers,
        d_model,
        n_heads,
        vocab_size,
        seq_len,
        d_ff=d_ff,
        n_kv_heads=n_kv_heads,
        gated_mlp=True,
        tied_embeddings=False,
        learned_positions=False,
        biases=False,
        norm="rmsnorm",
    )


_GPT2_SOURCE = (
    "Radford et al. 2019, 'Language Models are Unsupervised Multitask Learners', Table 2 "
    "(layers, d_model); exact count of the released checkpoint (Hugging Face '{hf}' "
    "num_parameters(), keras-hub '{kh}')"
)
_LLAMA2_SOURCE = (
    "Touvron et al. 2023, 'Llama 2' (arXiv:2307.09288), Table 1 and the released config "
    "(Hugging Face 'meta-llama/{hf}' config.json); exact count = num_parameters(); "
    "2.0T training tokens (Table 1)"
)
_LLAMA31_SOURCE = (
    "Llama Team 2024, 'The Llama 3 Herd of Models' (arXiv:2407.21783), Table 3; "
    "Hugging Face 'meta-llama/{hf}' config.json; exact count = safetensors total; "
    "about 15T training tokens (15.6T for 405B, Sec. 3)"
)

PRESETS = {
    "gpt2-small": Preset(
        _gpt2(12, 768, 12), 124_439_808, _GPT2_SOURCE.format(hf="gpt2", kh="gpt2_base_en")
    ),
    "gpt2-medium": Preset(
        _gpt2(24, 1024, 16),
        354_823_168,
        _GPT2_SOURCE.format(hf="gpt2-medium", kh="gpt2_medium_en"),
    ),
    "gpt2-large": Preset(
        _gpt2(36, 1280, 20),
        774_030_080,
        _GPT2_SOURCE.format(hf="gpt2-large", kh="gpt2_large_en"),
    ),
    "gpt2-xl": Preset(
        _gpt2(48, 1600, 25),
        1_557_611_200,
        _GPT2_SOURCE.format(hf="gpt2-xl", kh="gpt2_extra_large_en"),
    ),
    "gpt3-175b": Preset(
        TransformerConfig(96, 12288, 96, vocab_size=50257, seq_len=2048),
        174_600_000_000,
        "Brown et al. 2020, 'Language Models are Few-Shot Learners' (arXiv:2005.14165), "
        "Table 2.1 (96 layers, d_model 12288, 96 heads, context 2048) and Table D.1 "
        "(174,600M parameters, published to 4 significant figures; 300B training tokens)",
        training_tokens=300e9,
    ),
    "llama-2-7b": Preset(
        _llama(32, 4096, 32, 32, 11008, 32000, 4096),
        6_738_415_616,
        _LLAMA2_SOURCE.format(hf="Llama-2-7b-hf"),
        training_tokens=2e12,
    ),
    "llama-2-13b": Preset(
        _llama(40, 5120, 40, 40, 13824, 32000, 4096),
        13_015_864_320,
        _LLAMA2_SOURCE.format(hf="Llama-2-13b-hf"),
        training_tokens=2e12,
    ),
    "llama-2-70b": Preset(
        _llama(80, 8192, 64, 8, 28672, 32000, 4096),
        68_976_648_192,
        _LLAMA2_SOURCE.format(hf="Llama-2-70b-hf"),
        training_tokens=2e12,
    ),
    "llama-3.1-8b": Preset(
        _llama(32, 4096, 32, 8, 14336, 128256, 131072),
        8_030_261_248,
        _LLAMA31_SOURCE.format(hf="Llama-3.1-8B"),
        training_tokens=15e12,
    ),
    "llama-3.1-405b": Preset(
        _llama(126, 16384, 128, 8, 53248, 128256, 131072),
        405_853_388_800,
        _LLAMA31_SOURCE.format(hf="Llama-3.1-405B"),
        training_tokens=15.6e12,
    ),
}


def get_config(config):
    """A TransformerConfig, given one or the name of a preset."""
    if isinstance(config, TransformerConfig):
        return config
    if isinstance(config, str) and config in PRESETS:
        return PRESETS[config].config
    raise ValueError(
        f"config must be a TransformerConfig or a preset name, one of {', '.join(PRESETS)}. "
        f"Received: config={config!r}"
    )


def param_breakdown(config):
    """Parameters by part: embeddings, output head, attention, MLP, norms, and total.

    ``embeddings`` is the token table plus the learned position table (if any);
    ``output_head`` is 0 when the output layer is tied to the token table.
    """
    cfg = get_config(config)
    d, bias = cfg.d_model, int(cfg.biases)
    kv_width = cfg.n_kv_heads * cfg.head_dim
    # Q and the output projection are d x d; K and V are d x kv_width each.
    attention = d * d + 2 * d * kv_width + d * d + bias * (d + 2 * kv_width + d)
    n_mlp_in = 2 if cfg.gated_mlp else 1
    mlp = n_mlp_in * (d * cfg.d_ff + bias * cfg.d_ff) + cfg.d_ff * d + bias * d
    norm_size = 2 * d if cfg.norm == "layernorm" else d
    # Two norms per block (before attention and before the MLP), one after the last block.
    norms = (2 * cfg.n_layers + 1) * norm_size
    embeddings = cfg.vocab_size * d + (cfg.seq_len * d if cfg.learned_positions else 0)
    output_head = 0 if cfg.tied_embeddings else cfg.vocab_size * d
    parts = {
        "embeddings": embeddings,
        "output_head": output_head,
        "attention": cfg.n_layers * attention,
        "mlp": cfg.n_layers * mlp,
        "norms": norms,
    }
    parts["total"] = sum(parts.values())
    return parts


def count_params(config):
    """The exact number of parameters of a Transformer with this configuration."""
    return param_breakdown(config)["total"]


def training_flops(n_params, n_tokens):
    """Training compute C = 6 N D, in FLOPs.

    Per token, the forward pass does about 2 FLOPs per parameter (one multiply-add)
    and the backward pass about twice that (Kaplan et al. 2020, Sec. 2.1). It leaves
    out attention over the context (2 * n_layers * seq_len * d_model per token
    forward, small while seq_len << 12 d_model), activation recomputation (which adds
    a second forward pass: 8ND), and anything outside the model (data loading,
    communication, failed runs).
    """
    flops = 6.0 * _check_positive("n_params", n_params) * _check_positive("n_tokens", n_tokens)
    return check_finite_result("training compute", flops, n_params=n_params, n_tokens=n_tokens)


# Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models'
# (arXiv:2203.15556): about 20 training tokens per parameter (Table 3) ...
CHINCHILLA_TOKENS_PER_PARAM = 20.0
# ... and the parametric loss fit L(N, D) = E + A / N^alpha + B / D^beta (Sec. 3.3, Eq. 10).
CHINCHILLA_FIT = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def chinchilla_optimal(flops, tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM):
    """Compute-optimal (n_params, n_tokens) for a budget of ``flops``.

    Solves C = 6 N D with D = tokens_per_param * N (Hoffmann et al. 2022, Table 3:
    about 20 tokens per parameter).
    """
    budget = _check_positive("flops", flops)
    ratio = _check_positive("tokens_per_param", tokens_per_param)
    n_params = sqrt(budget / (6.0 * ratio))
    sizes = (n_params, ratio * n_params)
    return check_finite_result("model size", sizes, flops=flops, tokens_per_param=tokens_per_param)


def chinchilla_tokens(n_params, tokens_per_param=CHINCHILLA_TOKENS_PER_PARAM):
    """Compute-optimal training tokens for a model of ``n_params``: D = 20 N (Hoffmann et al.)."""
    tokens = _check_positive("tokens_per_param", tokens_per_param) * _check_positive(
        "n_params", n_params
    )
    return check_finite_result(
        "token count", tokens, n_params=n_params, tokens_per_param=tokens_per_param
    )


def preset_training_tokens(preset):
    """Tokens a preset was trained on: the published count, else ``chinchilla_tokens`` of
    its published parameter count (GPT-2's tokens were not published)."""
    record = PRESETS[check_choice("preset", preset, PRESETS)]
    if record.training_tokens:
        return float(record.training_tokens)
    return chinchilla_tokens(record.published_params)


def tokens_per_param(n_tokens, n_params):
    """Training tokens per parameter, D / N (Chinchilla-optimal: about 20)."""
    ratio = _check_positive("n_tokens", n_tokens) / _check_positive("n_params", n_params)
    return check_finite_result("ratio", ratio, n_tokens=n_tokens, n_params=n_params)


def chinchilla_loss(n_params, n_tokens):
    """Hoffmann et al.'s fitted loss (nats per token on MassiveText) for N params, D tokens.

    For plots and comparisons: the rounded published constants do not reproduce the
    paper's compute-optimal sizes exactly; use ``chinchilla_optimal`` for those.
    """
    n, d = _check_positive("n_params", n_params), _check_positive("n_tokens", n_tokens)
    fit = CHINCHILLA_FIT
    loss = fit["E"] + fit["A"] / n ** fit["alpha"] + fit["B"] / d ** fit["beta"]
    return check_finite_result("loss", loss, n_params=n_params, n_tokens=n_tokens)


# Mixed-precision Adam (Rajbhandari et al. 2020, 'ZeRO', Sec. 3.1): fp16 weights (2 bytes)
# and gradients (2), plus an fp32 master copy, momentum and variance (4 + 4 + 4).
BYTES_PER_PARAM = {"weights": 2, "gradients": 2, "optimizer_states": 12}
ZERO_STAGES = (0, 1, 2, 3)
# Which of the three each ZeRO stage partitions across the devices.
_SHARDED = {
    0: (),
    1: ("optimizer_states",),
    2: ("optimizer_states", "gradients"),
    3: ("optimizer_states", "gradients", "weights"),
}


def training_memory_breakdown(n_params, zero_stage=0, n_devices=1):
    """Bytes per device of the model states in mixed-precision Adam training.

    A dict with ``weights``, ``gradients``, ``optimizer_states`` and ``total``:
    16 bytes per parameter in all, of which ZeRO stage 1 shards the optimizer states
    over ``n_devices`` (4P + 12P/N), stage 2 also the gradients (2P + 14P/N) and
    stage 3 also the weights (16P/N). Activations and buffers are not included.
    """
    size_n = _check_positive("n_params", n_params)
    devices = _check_positive_int("n_devices", n_devices)
    check_choice("zero_stage", zero_stage, ZERO_STAGES)
    parts = {}
    for part, size in BYTES_PER_PARAM.items():
        share = devices if part in _SHARDED[zero_stage] else 1
        parts[part] = size * size_n / share
    parts["total"] = sum(parts.values())
    return check_finite_result("memory", parts, n_params=n_params, n_devices=n_devices)


def training_memory_bytes(n_params, zero_stage=0, n_devices=1):
    """Total bytes per device of weights, gradients and Adam states (see the breakdown)."""
    return training_memory_breakdown(n_params, zero_stage, n_devices)["total"]


def kv_cache_bytes(config, batch, seq_len, bytes_per_value=2):
    """Bytes of the key/value cache for ``batch`` sequences of ``seq_len`` tokens.

    Each layer keeps one key and one value vector per token and key/value head:
    2 * n_layers * n_kv_heads * head_dim * seq_len * batch values. Grouped-query
    attention (n_kv_heads < n_heads) shrinks it by n_heads / n_kv_heads.
    """
    cfg = get_config(config)
    batch, seq_len = _check_positive_int("batch", batch), _check_positive_int("seq_len", seq_len)
    size = _bytes_per_value(bytes_per_value)
    values = 2 * cfg.n_layers * cfg.n_kv_heads * cfg.head_dim * seq_len * batch
    return check_finite_result(
        "cache size", values * size, seq_len=seq_len, bytes_per_value=bytes_per_value
    )


def _bytes_per_value(value):
    """A positive number of bytes, as a Python int when whole (exact byte counts)."""
    size = _check_positive("bytes_per_value", value)
    return int(size) if isinstance(value, Integral) else size


# Serving in bf16: two bytes per weight and per cached key or value.
INFERENCE_BYTES_PER_VALUE = 2


def inference_memory(config, batch=1, seq_len=None, bytes_per_value=INFERENCE_BYTES_PER_VALUE):
    """Bytes to serve the model: ``{"weights", "kv_cache", "total"}``.

    ``weights`` is ``count_params(config) * bytes_per_value``; ``kv_cache`` is
    ``kv_cache_bytes(config, batch, seq_len, bytes_per_value)`` with ``seq_len``
    defaulting to the configuration's context length. Activations and the serving
    framework's buffers are not included.
    """
    cfg = get_config(config)
    seq_len = cfg.seq_len if seq_len is None else seq_len
    kv_cache = kv_cache_bytes(cfg, batch, seq_len, bytes_per_value)
    weights = count_params(cfg) * _bytes_per_value(bytes_per_value)
    check_finite_result("weight size", weights, bytes_per_value=bytes_per_value)
    return {"weights": weights, "kv_cache": kv_cache, "total": weights + kv_cache}


@dataclass(frozen=True)
class Hardware:
    """An accelerator: dense BF16/FP16 tensor peak in FLOP/s and memory in bytes."""

    peak_flops: float
    memory_bytes: float
    source: str


HARDWARE = {
    "A100 80GB": Hardware(
        312e12,
        80e9,
        "NVIDIA A100 Tensor Core GPU datasheet: BF16 tensor 312 TFLOPS dense "
        "(624 with sparsity), 80 GB HBM2e",
    ),
    "H100 SXM": Hardware(
        989e12,
        80e9,
        "NVIDIA H100 Tensor Core GPU datasheet: BF16 tensor 1,979 TFLOPS with sparsity, "
        "989 dense; 80 GB HBM3",
    ),
    "TPU v4": Hardware(
        275e12,
        32 * 2**30,
        "Google Cloud TPU v4 documentation: 275 TFLOPS peak BF16 per chip, 32 GiB HBM2",
    ),
    "V100 32GB": Hardware(
        125e12,
        32e9,
        "NVIDIA V100 datasheet: 125 TFLOPS FP16 tensor (SXM2), 32 GB HBM2",
    ),
}


def training_days(flops, n_devices, peak_flops_per_device, mfu):
    """Wall-clock days to do ``flops`` on ``n_devices`` at a model-FLOPs utilization ``mfu``.

    MFU is the fraction of the peak that does model arithmetic; large runs reach
    about 0.3-0.5 (Chowdhery et al. 2022, PaLM, Table 3: 46.2%).
    """
    work = _check_positive("flops", flops)
    devices = _check_positive_int("n_devices", n_devices)
    peak = _check_positive("peak_flops_per_device", peak_flops_per_device)
    if isinstance(mfu, bool) or not isinstance(mfu, Real) or not 0 < mfu <= 1:
        raise ValueError(
            f"`mfu` (model FLOPs utilization) must be in (0, 1]. Received: mfu={mfu!r}"
        )
    days = work / (devices * peak * float(mfu)) / 86400.0
    return check_finite_result(
        "duration", days, flops=flops, peak_flops_per_device=peak_flops_per_device, mfu=mfu
    )


def device_hours(days, n_devices):
    """Accelerator-hours of a run: wall-clock days * 24 * devices (how papers report cost)."""
    hours = _check_positive("days", days) * 24 * _check_positive_int("n_devices", n_devices)
    return check_finite_result("device-hours", hours, days=days, n_devices=n_devices)


def fit_exponential_growth(years, values):
    """Least-squares fit of log10(value) = slope * year + intercept.

    Returns the slope and intercept, the growth factor per year (10 ** slope) and
    the doubling time in months. ``years`` may be fractional (2020.5 = July 2020).
    """
    years = check_array("years", years, min_size=2)
    values = check_array("values", values, low=0)
    if values.shape != years.shape:
        raise ValueError(
            f"values must hold one value per year ({years.size}). Received: {values.size} values."
        )
    if np.ptp(years) == 0:
        raise ValueError(
            "years must hold at least 2 points at different dates. "
            f"Received: years={years.tolist()[:8]}."
        )
    if np.any(values == 0):
        raise ValueError(f"values must be > 0 to fit on a log axis. Received: values={values}.")
    # Centred years: 2020.0 and 2020.5 differ in the 4th digit, not in the 16th.
    center = years.mean()
    slope, at_center = np.polyfit(years - center, np.log10(values), 1)
    intercept = at_center - slope * center
    doubling_months = 12 * np.log10(2) / slope if slope > 0 else float("inf")
    growth = {"slope": float(slope), "intercept": float(intercept)}
    with np.errstate(over="ignore"):
        growth["factor_per_year"] = float(np.power(10.0, slope))
    check_finite_result("growth", growth, years=years, values=values)
    return {**growth, "doubling_months": float(doubling_months)}


def exponential_growth(years, growth):
    """The fitted values 10 ** (slope * year + intercept) at ``years``, for a ``growth``
    returned by ``fit_exponential_growth``."""
    check_mapping("growth", growth)
    try:
        slope, intercept = (check_number(key, growth[key]) for key in ("slope", "intercept"))
    except (KeyError, ValueError):
        raise ValueError(
            "growth must be a dict with the finite numbers slope and intercept, as "
            f"fit_exponential_growth returns it. Received: growth={growth!r}."
        ) from None
    years = check_array("years", years, ndim=None, min_size=0)
    with np.errstate(over="ignore"):
        values = np.power(10.0, slope * years + intercept)
    return check_finite_result("value", values, years=years, growth=growth)
