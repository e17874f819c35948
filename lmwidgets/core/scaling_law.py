"""A scaling law you can measure: validation loss against model size, on Shakespeare.

Trains a family of small character-level language models that differ only in
width, on the same data for the same number of steps, and fits a power law
L(N) = (N_c / N) ** alpha to their validation losses, as Kaplan et al. 2020
('Scaling Laws for Neural Language Models', arXiv:2001.08361) did with
Transformers of up to 1.5B parameters (their alpha_N = 0.076, Eq. 1.1).

The models are fixed-context MLP language models (Bengio et al. 2003): the last
``context`` characters, each embedded, concatenated, two hidden ReLU layers of
``width`` units, then logits over the characters. N counts the non-embedding
parameters, as Kaplan et al. do.
"""

from functools import lru_cache

from lmwidgets.core.initializers import NumpyGlorotUniform, Zeros
from lmwidgets.core.params import check_array, check_number, check_seed, refusal
from lmwidgets.datasets import load_text

import keras
import numpy as np

KAPLAN_ALPHA_N = 0.076
DEFAULT_WIDTHS = (16, 32, 64, 128, 256, 512)
DEFAULT_STEPS = 400
BATCH_SIZE = 128
CONTEXT = 16
EMBEDDING_DIM = 16
LEARNING_RATE = 3e-3
VALIDATION_FRACTION = 0.1
VALIDATION_WINDOWS = 4096
_VALIDATION_SEED = 1234


@lru_cache(maxsize=1)
def encoded_text(name="tinyshakespeare"):
    """The corpus as an int32 array of character ids, and the characters (sorted)."""
    text = load_text(name)
    chars = "".join(sorted(set(text)))
    lookup = {c: i for i, c in enumerate(chars)}
    return np.array([lookup[c] for c in text], dtype=np.int32), chars


def _windows(ids, start, stop, count, context, rng):
    """``count`` random (context characters, next character) pairs from ids[start:stop]."""
    first = rng.integers(start, stop - context, size=count)
    return ids[first[:, None] + np.arange(context)], ids[first + context]


def build_model(width, vocab_size, context=CONTEXT, embedding_dim=EMBEDDING_DIM, seed=0):
    """The MLP language model of a given hidden width (not compiled).

    Initial weights as Keras' defaults (Glorot uniform kernels, zero biases, embeddings
    uniform in +-0.05), drawn with NumPy from ``seed``.
    """
    width = check_number("width", width, low=1, integer=True)
    vocab_size = check_number("vocab_size", vocab_size, low=1, integer=True)
    context = check_number("context", context, low=1, integer=True)
    embedding_dim = check_number("embedding_dim", embedding_dim, low=1, integer=True)
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))

    def dense(units, **kwargs):
        return keras.layers.Dense(
            units, kernel_initializer=NumpyGlorotUniform(rng), bias_initializer=Zeros(), **kwargs
        )

    return keras.Sequential(
        [
            keras.Input((context,), dtype="int32"),
            keras.layers.Embedding(
                vocab_size,
                embedding_dim,
                embeddings_initializer=NumpyGlorotUniform(rng, limit=0.05),
                name="embedding",
            ),
            keras.layers.Flatten(),
            dense(width, activation="relu"),
            dense(width, activation="relu"),
            dense(vocab_size, name="logits"),
        ],
        name=f"mlp_lm_width_{width}",
    )


def non_embedding_params(model):
    """Parameters outside the embedding table (Kaplan et al.'s N)."""
    if not isinstance(model, keras.Model) or "embedding" not in [x.name for x in model.layers]:
        raise refusal("model", "a Keras model with an 'embedding' layer (from build_model)", model)
    return model.count_params() - model.get_layer("embedding").count_params()


@lru_cache(maxsize=64)
def _train(width, steps, seed, backend):
    ids, chars = encoded_text()
    split = int(len(ids) * (1 - VALIDATION_FRACTION))
    # The same training windows for every width: only the model size differs.
    x_train, y_train = _windows(
        ids, 0, split, steps * BATCH_SIZE, CONTEXT, np.random.default_rng(seed)
    )
    x_val, y_val = _windows(
        ids, split, len(ids), VALIDATION_WINDOWS, CONTEXT, np.random.default_rng(_VALIDATION_SEED)
    )
    keras.utils.set_random_seed(seed)
    model = build_model(width, len(chars), seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=1, verbose=0)
    val_loss = model.evaluate(x_val, y_val, batch_size=1024, verbose=0)
    return (
        model.count_params(),
        non_embedding_params(model),
        float(history.history["loss"][-1]),
        float(val_loss),
    )


def train_model(width, steps=DEFAULT_STEPS, seed=0):
    """Train one model; returns its sizes and losses (nats per character).

    ``train_loss`` is the mean over the run (as Keras reports it for the one
    epoch), ``val_loss`` the loss on held-out text (the last 10%) after training.

    Results are cached per (width, steps, seed, backend): retraining a family
    that shares members only trains the new ones. A NaN or infinite loss raises
    FloatingPointError, saying so, never a result.
    """
    width = check_number("width", width, low=1, integer=True)
    steps = check_number("steps", steps, low=1, integer=True)
    seed = check_seed(seed)
    total, non_embedding, train_loss, val_loss = _train(width, steps, seed, keras.backend.backend())
    if not (np.isfinite(train_loss) and np.isfinite(val_loss)):
        raise FloatingPointError(
            f"The model of width {width} diverged: its loss became "
            f"{train_loss if not np.isfinite(train_loss) else val_loss} in {steps} steps at "
            f"seed {seed}. A step too large for this model is the usual cause (Adam's "
            f"learning rate is {LEARNING_RATE:g}): try another seed or fewer steps."
        )
    return {
        "width": width,
        "n_params": total,
        "n_non_embedding": non_embedding,
        "train_loss": train_loss,
        "val_loss": val_loss,
    }


def train_family(widths=DEFAULT_WIDTHS, steps=DEFAULT_STEPS, seed=0):
    """Train one model per width; returns numpy arrays, one entry per width (sorted)."""
    allowed = "at least 2 different widths, whole numbers >= 1 (a scaling law needs 2 sizes)"
    if isinstance(widths, str) or not np.iterable(widths):
        raise refusal("widths", allowed, widths)
    try:
        distinct = sorted({check_number("widths", w, low=1, integer=True) for w in widths})
    except ValueError:
        raise refusal("widths", allowed, widths) from None
    if len(distinct) < 2:
        raise refusal("widths", allowed, widths)
    check_number("steps", steps, low=1, integer=True)
    check_seed(seed)
    widths = distinct
    runs = [train_model(w, steps, seed) for w in widths]
    return {key: np.array([run[key] for run in runs]) for key in runs[0]}


def fit_power_law(n_params, losses):
    """Least-squares fit of log L = alpha log N_c - alpha log N.

    Returns ``{"alpha": ..., "n_c": ...}`` so that L(N) = (n_c / N) ** alpha.
    """
    n_params = _positive("n_params", n_params, min_size=2)
    if len(np.unique(n_params)) < 2:
        raise refusal("n_params", "at least 2 different sizes (a line needs 2 points)", n_params)
    losses = _positive("losses", losses, min_size=2)
    if losses.shape != n_params.shape:
        raise refusal(
            "losses", f"one loss per size: the same length as n_params ({len(n_params)})", losses
        )
    slope, intercept = np.polyfit(np.log(n_params), np.log(losses), 1)
    alpha = -slope
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        n_c = np.exp(intercept / alpha)
    if not np.isfinite(n_c) or n_c == 0:
        allowed = "losses that rise or fall with n_params (a flat line is no power law)"
        raise refusal("losses", allowed, losses)
    return {"alpha": float(alpha), "n_c": float(n_c)}


def _positive(argument, values, min_size=1, ndim=1):
    """``values`` as a float array of positive, finite numbers, else a refusal."""
    shape = "an array" if ndim is None else "a 1-D array"
    count = f"at least {min_size} " if min_size else ""
    allowed = f"{shape} of {count}positive, finite numbers (log axes)"
    values = check_array(argument, values, ndim=ndim, min_size=min_size, allowed=allowed)
    if np.any(values <= 0):
        raise refusal(argument, allowed, values)
    return values


def power_law(n_params, alpha, n_c):
    """L(N) = (n_c / N) ** alpha."""
    _positive("n_params", n_params, min_size=0, ndim=None)
    alpha = check_number("alpha", alpha)
    n_c = check_number("n_c", n_c, low=0, low_open=True)
    with np.errstate(over="ignore"):
        loss = (n_c / np.asarray(n_params, dtype=float)) ** alpha
    if not np.all(np.isfinite(loss)):
        raise refusal("alpha", "a number that keeps (n_c / N) ** alpha finite", alpha)
    return loss


def kaplan_line(n_params, losses, grid, alpha=KAPLAN_ALPHA_N):
    """Kaplan et al.'s slope drawn through measured points: the loss it gives on ``grid``.

    The line L(N) = L_mid * (N / N_mid) ** -alpha, a straight line of slope -alpha on
    log-log axes through the geometric means N_mid of ``n_params`` and L_mid of
    ``losses``: the measured family's centre, so the slopes can be compared by eye.
    """
    n_params = _positive("n_params", n_params)
    losses = _positive("losses", losses)
    if losses.shape != n_params.shape:
        raise refusal("losses", f"the same length as n_params ({len(n_params)})", losses)
    grid = _positive("grid", grid, min_size=0, ndim=None)
    alpha = check_number("alpha", alpha)
    middle_n = np.exp(np.log(n_params).mean())
    middle_loss = np.exp(np.log(losses).mean())
    return middle_loss * (grid / middle_n) ** -alpha
