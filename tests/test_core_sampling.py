"""next_token_distribution against closed forms and a plain-loop reference of top-k / top-p."""

import math

from lmwidgets.core.sampling import (
    MASKED_LOGIT,
    entropy,
    mask_tokens,
    next_token_distribution,
    sample,
)

import numpy as np
import pytest

PROBS = np.array([0.05, 0.4, 0.1, 0.25, 0.2])  # known distribution; logits = log(PROBS)
LOGITS = np.log(PROBS)


def _nucleus_by_loop(p, top_p):
    """Walk tokens from most to least likely; stop once the kept mass reaches top_p."""
    kept, mass = [], 0.0
    for index in sorted(range(len(p)), key=lambda i: -p[i]):
        kept.append(index)
        mass += p[index]
        if mass >= top_p - 1e-12:
            break
    return sorted(kept)


def test_temperature_one_recovers_softmax_and_sums_to_one():
    result = next_token_distribution(LOGITS)
    np.testing.assert_allclose(result, PROBS, rtol=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(20):
        logits = rng.normal(0, 3, 50)
        for t in (0.1, 0.7, 1.0, 2.5):
            assert next_token_distribution(logits, temperature=t).sum() == pytest.approx(1)


def test_temperature_is_a_power_of_the_probabilities():
    # softmax(log p / T) is p ** (1/T), renormalized
    for t in (0.5, 2.0):
        expected = PROBS ** (1 / t) / (PROBS ** (1 / t)).sum()
        np.testing.assert_allclose(next_token_distribution(LOGITS, temperature=t), expected)


def test_entropy_grows_with_temperature_towards_uniform():
    logits = np.random.default_rng(1).normal(0, 2, 30)
    temperatures = [0.05, 0.2, 0.5, 1, 2, 5, 50]
    entropies = [entropy(next_token_distribution(logits, temperature=t)) for t in temperatures]
    assert all(a < b for a, b in zip(entropies, entropies[1:], strict=False))
    assert entropies[-1] < math.log(30) and entropies[-1] > 0.99 * math.log(30)
    assert entropy(PROBS) == pytest.approx(-sum(p * math.log(p) for p in PROBS))


def test_temperature_zero_is_greedy():
    result = next_token_distribution(LOGITS, temperature=0)
    assert result.tolist() == [0, 1, 0, 0, 0]
    # ties go to the first most likely token
    assert next_token_distribution([1.0, 3.0, 3.0], temperature=0).tolist() == [0, 1, 0]


@pytest.mark.parametrize("k", [1, 2, 3, 5, 9])
def test_top_k_keeps_exactly_the_k_most_likely(k):
    result = next_token_distribution(LOGITS, top_k=k)
    most_likely = sorted(np.argsort(-PROBS)[:k].tolist())
    assert np.flatnonzero(result).tolist() == most_likely
    kept = PROBS[most_likely]
    np.testing.assert_allclose(result[most_likely], kept / kept.sum())


@pytest.mark.parametrize("p", [0.1, 0.4, 0.5, 0.65, 0.75, 0.9, 0.95, 0.999, 1.0])
def test_top_p_keeps_the_smallest_set_reaching_p(p):
    result = next_token_distribution(LOGITS, top_p=p)
    expected = _nucleus_by_loop(PROBS, p)
    assert np.flatnonzero(result).tolist() == expected
    np.testing.assert_allclose(result[expected], PROBS[expected] / PROBS[expected].sum())


def test_hand_worked_nucleus():
    # sorted: 0.4, 0.25, 0.2, 0.1, 0.05. p=0.65 is reached exactly by the first two.
    assert np.flatnonzero(next_token_distribution(LOGITS, top_p=0.65)).tolist() == [1, 3]
    assert np.flatnonzero(next_token_distribution(LOGITS, top_p=0.66)).tolist() == [1, 3, 4]


def test_top_k_then_top_p_on_the_renormalized_rest():
    # top_k=2 leaves 0.4/0.65 and 0.25/0.65 = 0.615, 0.385; p=0.6 is reached by the first
    result = next_token_distribution(LOGITS, top_k=2, top_p=0.6)
    assert result.tolist() == [0, 1, 0, 0, 0]


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"temperature": -0.1}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"top_k": 0}, "top_k"),
        ({"top_k": 2.5}, "top_k"),
        ({"top_p": 0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, word):
    with pytest.raises(ValueError, match=word):
        next_token_distribution(LOGITS, **kwargs)


def test_bad_logits():
    with pytest.raises(ValueError, match="1-D"):
        next_token_distribution(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="finite"):
        next_token_distribution([0.0, float("inf")])


def test_sample_follows_the_distribution():
    rng = np.random.default_rng(0)
    draws = [sample(PROBS, rng) for _ in range(20000)]
    frequencies = np.bincount(draws, minlength=5) / len(draws)
    np.testing.assert_allclose(frequencies, PROBS, atol=0.015)
    assert sample(next_token_distribution(LOGITS, temperature=0), rng) == 1


@pytest.mark.parametrize(
    "settings",
    [{"temperature": 1e-320}, {"temperature": 1e-300}, {"top_p": 1e-13}, {"top_p": 1e-300}],
)
def test_extreme_settings_tend_to_greedy_never_nan(settings):
    logits = np.array([1.0, 3.0, 2.0, -2.0])
    p = next_token_distribution(logits, **settings)
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(p, [0.0, 1.0, 0.0, 0.0])


def test_a_temperature_near_zero_splits_a_tie_at_the_top_evenly():
    p = next_token_distribution(np.array([3.0, 1.0, 3.0]), temperature=1e-320)
    np.testing.assert_allclose(p, [0.5, 0.0, 0.5])


def test_masked_tokens_get_probability_zero_and_the_rest_a_softmax_by_hand():
    logits = [1.0, 2.0, 3.0, 0.5]
    masked = mask_tokens(logits, [0])
    assert masked[0] == MASKED_LOGIT and masked[1:].tolist() == [2.0, 3.0, 0.5]
    assert logits[0] == 1.0  # a copy: the caller's logits are untouched
    weights = [math.exp(2.0), math.exp(3.0), math.exp(0.5)]
    expected = [0.0] + [w / sum(weights) for w in weights]
    np.testing.assert_allclose(next_token_distribution(masked), expected, rtol=1e-12)
    for settings in ({"temperature": 0.01}, {"temperature": 5.0}, {"top_k": 3}, {"top_p": 0.99}):
        assert next_token_distribution(masked, **settings)[0] == 0.0


def test_a_masked_favourite_is_never_the_greedy_choice():
    masked = mask_tokens([9.0, 1.0, 2.0], [0])
    assert next_token_distribution(masked, temperature=0).tolist() == [0.0, 0.0, 1.0]
    rng = np.random.default_rng(0)
    assert 0 not in {sample(next_token_distribution(masked), rng) for _ in range(200)}


@pytest.mark.parametrize(
    ("logits", "ids", "message"),
    [
        ([1.0, 2.0], [2], r"0\.\.1"),
        ([1.0, 2.0], [-1], r"0\.\.1"),
        ([1.0, 2.0], [0.5], "integers"),
        ([1.0, 2.0], [0, 1], "Every token is masked"),
        ([[1.0, 2.0]], [0], "1-D"),
    ],
)
def test_mask_tokens_refuses_bad_ids(logits, ids, message):
    with pytest.raises(ValueError, match=message):
        mask_tokens(logits, ids)
