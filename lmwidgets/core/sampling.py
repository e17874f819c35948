"""How a language model turns its scores for the next token into a choice.

Temperature divides the logits before the softmax (0 means greedy: all
probability on the most likely token); top-k keeps the k most likely tokens;
top-p (nucleus sampling, Holtzman et al. 2020) keeps the smallest set of most
likely tokens whose probability reaches p. Filters apply in that order, each
renormalizing what is left, as Hugging Face's generate does.
"""

import math
from numbers import Real

from lmwidgets.core.params import check_array, refusal

import numpy as np

# The logit given to a token that must never be drawn (e.g. padding): finite, so the
# logits stay valid input for ``next_token_distribution``, and so far below any real
# logit that its probability is exactly 0 in float64.
MASKED_LOGIT = -1e9
# How far from 1 a distribution's sum may be (rounding of a float64 softmax).
SUM_TOLERANCE = 1e-6


def _real(value):
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _check(temperature, top_k, top_p):
    if not (_real(temperature) and temperature >= 0):
        raise ValueError(
            f"temperature must be 0 (greedy) or positive. Received temperature={temperature!r}."
        )
    if top_k is not None and not (_real(top_k) and float(top_k).is_integer() and top_k >= 1):
        raise ValueError(f"top_k must be None (off) or an integer >= 1. Received top_k={top_k!r}.")
    if top_p is not None and not (_real(top_p) and 0 < top_p <= 1):
        raise ValueError(f"top_p must be None (off) or in (0, 1]. Received top_p={top_p!r}.")


def softmax(logits):
    """Probabilities from logits, in float64 (shifted by the max, so no overflow)."""
    return _softmax(check_array("logits", logits, ndim=None))


def _softmax(logits):
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def entropy(probabilities):
    """Shannon entropy in nats of a distribution (probabilities in [0, 1] that sum to 1);
    tokens of probability 0 contribute nothing."""
    p = check_array("probabilities", probabilities, ndim=None, low=0, high=1)
    if abs(p.sum() - 1) > SUM_TOLERANCE:
        raise refusal("probabilities", "probabilities that sum to 1", probabilities)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def next_token_distribution(logits, temperature=1.0, top_k=None, top_p=None):
    """The probabilities a sampler draws the next token from, one per vocabulary entry.

    ``logits`` is a 1-D array of the model's scores. ``temperature`` >= 0 (0: greedy,
    the first most likely token gets probability 1); ``top_k`` None or >= 1;
    ``top_p`` None or in (0, 1]. Returns a float64 array that sums to 1.
    """
    logits = check_array("logits", logits)
    _check(temperature, top_k, top_p)
    return _distribution(logits, temperature, top_k, top_p)


def _distribution(logits, temperature, top_k, top_p):
    """``next_token_distribution`` of float64 ``logits`` and settings already checked
    (what a loop drawing many tokens with the same settings calls)."""
    if temperature == 0:
        greedy = np.zeros_like(logits)
        greedy[np.argmax(logits)] = 1.0
        return greedy
    # Shifted before dividing: the largest logit stays 0 however small the temperature,
    # so a temperature near 0 tends to greedy instead of overflowing to inf - inf.
    with np.errstate(over="ignore"):
        probabilities = _softmax((logits - logits.max()) / temperature)
    # Most likely first; ties keep vocabulary order, so the result is deterministic.
    order = np.argsort(-probabilities, kind="stable")
    keep = np.ones(logits.size, dtype=bool)
    if top_k is not None and top_k < logits.size:
        keep[order[int(top_k) :]] = False
        probabilities = np.where(keep, probabilities, 0.0)
        probabilities /= probabilities.sum()
    if top_p is not None and top_p < 1:
        sorted_p = probabilities[order]
        mass_before = np.cumsum(sorted_p) - sorted_p
        # A token stays while the tokens above it have not yet reached p
        # (a tiny tolerance so that 0.5 + 0.3 "reaches" 0.8 despite rounding).
        keep[order[mass_before >= top_p - 1e-12]] = False
        keep[order[0]] = True  # however small p, the most likely token stays
        probabilities = np.where(keep, probabilities, 0.0)
        probabilities /= probabilities.sum()
    return probabilities


def mask_tokens(logits, token_ids):
    """A float64 copy of ``logits`` with the tokens ``token_ids`` set to ``MASKED_LOGIT``.

    Those tokens then get probability 0 from ``next_token_distribution`` at every
    temperature, top-k and top-p, as padding must (``mask_tokens(logits, [PAD_ID])``).
    At least one token must stay unmasked.
    """
    logits = check_array("logits", logits)
    allowed = f"integers in 0..{logits.size - 1}"
    try:
        ids = np.asarray(token_ids).ravel()
    except ValueError:  # a ragged list
        raise refusal("token_ids", allowed, token_ids) from None
    if ids.size and (
        not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0 or ids.max() >= logits.size
    ):
        raise refusal("token_ids", allowed, token_ids)
    ids = ids.astype("int64")  # [] reads as floats
    if np.unique(ids).size == logits.size:
        raise ValueError(
            "Every token is masked: token_ids must leave at least one of the "
            f"{logits.size} tokens possible. Received: token_ids={token_ids!r}."
        )
    logits[ids] = MASKED_LOGIT
    return logits


def sample(probabilities, rng):
    """One token index drawn from ``probabilities`` (weights >= 0, normalized here) with a
    numpy Generator."""
    p = check_array("probabilities", probabilities, low=0)
    if not p.sum() > 0:
        raise refusal("probabilities", "weights >= 0 with a positive sum", probabilities)
    if not isinstance(rng, np.random.Generator):
        raise refusal("rng", "a numpy Generator (numpy.random.default_rng(seed))", rng)
    return int(rng.choice(p.size, p=p / p.sum()))
