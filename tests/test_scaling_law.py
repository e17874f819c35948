"""lmwidgets.core.scaling_law: a tiny family trained with Keras, and the power-law fit."""

import lmwidgets  # noqa: F401  (picks the Keras backend before keras is imported)
from lmwidgets.core import scaling_law
from lmwidgets.datasets import load_text

import numpy as np
import pytest

pytestmark = pytest.mark.backends

TINY = {"widths": (8, 32), "steps": 150}


def test_fit_power_law_recovers_known_exponent():
    n = np.array([1e3, 1e4, 1e5, 1e6])
    losses = (8.8e13 / n) ** 0.076  # Kaplan et al. 2020, Eq. 1.1: N_c = 8.8e13, alpha_N = 0.076
    fit = scaling_law.fit_power_law(n, losses)
    assert fit["alpha"] == pytest.approx(0.076)
    assert fit["n_c"] == pytest.approx(8.8e13, rel=1e-6)
    assert scaling_law.power_law(n, **fit) == pytest.approx(losses)


def test_fit_power_law_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        scaling_law.fit_power_law([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="positive"):
        scaling_law.fit_power_law([10, 100], [1.0, -1.0])


def test_parameter_counts_by_hand():
    vocab = len(scaling_law.encoded_text()[1])
    model = scaling_law.build_model(32, vocab)
    c, e = scaling_law.CONTEXT, scaling_law.EMBEDDING_DIM
    by_hand = (c * e * 32 + 32) + (32 * 32 + 32) + (32 * vocab + vocab)
    assert scaling_law.non_embedding_params(model) == by_hand
    assert model.count_params() == by_hand + vocab * e


def test_tiny_family_learns_and_larger_is_better():
    family = scaling_law.train_family(**TINY)
    text = load_text()
    _, counts = np.unique(list(text[:200_000]), return_counts=True)
    p = counts / counts.sum()
    unigram_entropy = float(-(p * np.log(p)).sum())  # nats per character, no context at all
    assert list(family["width"]) == [8, 32]
    assert np.all(family["val_loss"] < unigram_entropy)
    assert family["val_loss"][1] < family["val_loss"][0]
    assert np.all(np.diff(family["n_non_embedding"]) > 0)
    fit = scaling_law.fit_power_law(family["n_non_embedding"], family["val_loss"])
    assert fit["alpha"] > 0


def test_train_family_needs_two_widths():
    with pytest.raises(ValueError, match="at least 2"):
        scaling_law.train_family(widths=(16, 16), steps=10)
    with pytest.raises(ValueError, match="steps"):
        scaling_law.train_model(16, steps=0)
