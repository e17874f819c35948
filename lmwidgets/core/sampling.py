"""How a language model turns its scores for the next token into a choice.

Temperature divides the logits before the softmax (0 means greedy: all
probability on the most likely token); top-k keeps the k most likely tokens;
top-p (nucleus sampling, Holtzman et al. 2020) keeps the smallest set of most
likely tokens whose probability reaches p. Filters apply in that order, each
renormalizing what is left, as Hugging Face's generate does.
"""

import numpy as np

# The logit given to a token that must never be drawn (e.g. padding): finite, so the
# logits stay valid input for ``next_token_distribution``, and so far below any real
# logit that its probability is exactly 0 in float64.
MASKED_LOGIT = -1e9


def _check(temperature, top_k, top_p):
    if not (np.isfinite(temperature) and temperature >= 0):
        raise ValueError(
            f"temperature must be 0 (greedy) or positive. Received temperature={temperature}."
        )
    if top_k is not None and (int(top_k) != top_k or top_k < 1):
        raise ValueError(f"top_k must be None (off) or an integer >= 1. Received top_k={top_k}.")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be None (off) or in (0, 1]. Received top_p={top_p}.")


def softmax(logits):
    """Probabilities from logits, in float64 (shifted by the max, so no overflow)."""
    logits = np.asarray(logits, dtype="float64")
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def entropy(probabilities):
    """Shannon entropy in nats; tokens of probability 0 contribute nothing."""
    p = np.asarray(probabilities, dtype="float64")
    p = p[p > 0]
    return float(-(p * np.log(p)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def next_token_distribution(logits, temperature=1.0, top_k=None, top_p=None):
    """The probabilities a sampler draws the next token from, one per vocabulary entry.

    ``logits`` is a 1-D array of the model's scores. ``temperature`` >= 0 (0: greedy,
    the first most likely token gets probability 1); ``top_k`` None or >= 1;
    ``top_p`` None or in (0, 1]. Returns a float64 array that sums to 1.
    """
    logits = np.asarray(logits, dtype="float64")
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array. Received shape {logits.shape}.")
    if not np.all(np.isfinite(logits)):
        raise ValueError("logits must be finite numbers (no nan or inf).")
    _check(temperature, top_k, top_p)
    if temperature == 0:
        greedy = np.zeros_like(logits)
        greedy[np.argmax(logits)] = 1.0
        return greedy
    # Shifted before dividing: the largest logit stays 0 however small the temperature,
    # so a temperature near 0 tends to greedy instead of overflowing to inf - inf.
    with np.errstate(over="ignore"):
        probabilities = softmax((logits - logits.max()) / temperature)
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
    logits = np.array(logits, dtype="float64")
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array. Received shape {logits.shape}.")
    ids = np.asarray(token_ids).ravel()
    if ids.size and (
        not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0 or ids.max() >= logits.size
    ):
        raise ValueError(
            f"token_ids must be integers in 0..{logits.size - 1}. Received token_ids={token_ids!r}."
        )
    logits[ids] = MASKED_LOGIT
    if np.unique(ids).size == logits.size:
        raise ValueError("Every token is masked; at least one must stay possible.")
    return logits


def sample(probabilities, rng):
    """One token index drawn from ``probabilities`` with a numpy Generator."""
    p = np.asarray(probabilities, dtype="float64")
    return int(rng.choice(p.size, p=p / p.sum()))
