"""SamplingExplorer through its controls and result; numbers checked against
core.sampling on the model's own logits and against the attention model."""

import lmwidgets
from lmwidgets.core import char_transformer as ct
from lmwidgets.core.sampling import next_token_distribution

import keras
import numpy as np
import pytest

from tests.pictures import assert_redraws_match_a_full_draw

pytestmark = pytest.mark.backends

TEXT = "to be or not to be, that is the question.\n" * 20


@pytest.fixture(scope="module")
def lm():
    vocab = ct.CharVocab.from_text(TEXT)
    keras.utils.set_random_seed(0)
    # untrained: the widget's numbers are checked against core on the same model
    model = ct.build_char_transformer(vocab.size, context=16, embed_dim=16, num_heads=2)
    return model, vocab


@pytest.fixture(scope="module")
def shared_explorer(lm):
    return lmwidgets.SamplingExplorer(*lm, prompt="to be", length=12)


@pytest.fixture
def explorer(shared_explorer):
    """One widget for the module (compiled once), its controls back at their defaults."""
    defaults = {"prompt": "to be", "temperature": 1.0, "top_k": 0, "top_p": 1.0, "head": 0,
                "seed": 0}  # fmt: skip
    for name, value in defaults.items():
        shared_explorer.controls[name].value = value
    return shared_explorer


def _model_logits(lm, prompt):
    model, vocab = lm
    logits = ct.next_token_logits(model, vocab, prompt)
    logits[ct.PAD_ID] = -1e9
    return logits


def test_controls_drive_the_distribution(lm, explorer):
    raw = next_token_distribution(_model_logits(lm, "to be"))
    np.testing.assert_allclose(explorer.result["raw_probabilities"], raw, rtol=1e-6)
    np.testing.assert_allclose(explorer.result["probabilities"], raw, rtol=1e-6)
    assert explorer.result["raw_probabilities"][ct.PAD_ID] == 0
    explorer.controls["top_k"].value = 3
    assert explorer.result["kept"] == 3
    np.testing.assert_allclose(
        explorer.result["probabilities"],
        next_token_distribution(_model_logits(lm, "to be"), top_k=3),
        rtol=1e-6,
    )
    explorer.controls["top_k"].value = 0
    explorer.controls["top_p"].value = 0.5
    assert explorer.result["kept"] == np.count_nonzero(
        next_token_distribution(_model_logits(lm, "to be"), top_p=0.5)
    )
    explorer.controls["top_p"].value = 1.0
    explorer.controls["temperature"].value = 3.0
    assert explorer.result["entropy_after"] > explorer.result["entropy_before"]
    explorer.controls["temperature"].value = 0
    assert explorer.result["kept"] == 1 and explorer.result["entropy_after"] == 0
    # the after-bars show the filtered distribution
    heights = [bar.get_height() for bar in explorer._after_bars.patches]
    assert sorted(heights, reverse=True)[:2] == [1.0, 0.0]


def test_greedy_continuation_is_reproducible_and_seed_matters_when_sampling(lm, explorer):
    model, vocab = lm
    explorer.controls["temperature"].value = 0
    greedy = ct.generate(model, vocab, "to be", 12, temperature=0)
    assert explorer.result["continuation"] == greedy
    assert greedy in explorer.continuation.value
    explorer.controls["temperature"].value = 1.5
    first = explorer.result["continuation"]
    explorer.controls["seed"].value = 1
    assert len(explorer.result["continuation"]) == 12
    assert explorer.result["continuation"] == ct.generate(model, vocab, "to be", 12,
                                                          temperature=1.5, seed=1)  # fmt: skip
    assert first == ct.generate(model, vocab, "to be", 12, temperature=1.5, seed=0)


def test_attention_of_the_chosen_head(lm, explorer):
    model, vocab = lm
    every_head = ct.prompt_attention(ct.attention_model(model), vocab, "to be")
    np.testing.assert_allclose(explorer.result["attention"], every_head[0], atol=1e-6)
    explorer.controls["head"].value = 1
    np.testing.assert_allclose(explorer.result["attention"], every_head[1], atol=1e-6)
    np.testing.assert_allclose(explorer.result["attention"].sum(axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(explorer._attention_art.get_array(), every_head[1], atol=1e-6)
    explorer.controls["prompt"].value = "that is"
    assert explorer.result["attention"].shape == (7, 7)


@pytest.mark.parametrize(
    "control, value, words",
    [
        ("top_p", 0.0, "top_p must be None (off) or in (0, 1]"),
        ("prompt", "", "prompt must be a text of 1 to 1000 characters"),
        ("prompt", "xyz", "not in the vocabulary"),
    ],
)
def test_bad_input_shows_a_message_and_the_widget_keeps_working(explorer, control, value, words):
    before = explorer.result
    explorer.controls[control].value = value
    assert words in explorer.message.value
    assert explorer.result is before
    explorer.controls["temperature"].value = 0.5
    explorer.controls["top_k"].value = 0
    explorer.controls["top_p"].value = 1.0
    explorer.controls["prompt"].value = "not"
    assert explorer.message.value == "" and explorer.result["prompt"] == "not"


def test_out_of_range_settings_are_refused_or_clamped(lm, explorer):
    with pytest.raises(ValueError, match=r"temperature must be a number from 0 to 10\. Received"):
        lmwidgets.SamplingExplorer(*lm, temperature=-1.0)
    with pytest.raises(ValueError, match="top_k must be an integer from 0 to 1000"):
        lmwidgets.SamplingExplorer(*lm, top_k=-2)
    with pytest.raises(ValueError, match="head must be one of 0, 1. Received: head=2"):
        lmwidgets.SamplingExplorer(*lm, head=2)
    explorer.controls["temperature"].value = -1.0  # the box clamps it, as for a learner
    assert explorer.result["temperature"] == 0 and explorer.result["kept"] == 1


def test_defaults_are_cores_and_length_is_a_control(lm):
    explorer = lmwidgets.SamplingExplorer(*lm, prompt="to be", length=5)
    defaults = ct.GENERATE_DEFAULTS
    assert explorer.result["temperature"] == defaults["temperature"]
    assert explorer.result["top_k"] is defaults["top_k"] is None
    assert explorer.result["top_p"] is defaults["top_p"] is None
    assert len(explorer.result["continuation"]) == 5
    explorer.controls["length"].value = 9
    assert len(explorer.result["continuation"]) == 9
    assert explorer.result["candidates"] == lm[1].size - 1


def test_the_default_prompt_fits_the_vocabulary(lm):
    model, vocab = lm
    assert ct.default_prompt(vocab) == "a"  # no capitals here: its first letter
    assert ct.default_prompt(ct.CharVocab.from_text("ROMEO: hi")) == ct.DEFAULT_PROMPT
    explorer = lmwidgets.SamplingExplorer(model, vocab, length=3)
    assert explorer.result["prompt"] == "a" and explorer.last_error is None


def test_redraws_over_a_cached_background_match_a_full_draw(lm):
    explorer = lmwidgets.SamplingExplorer(*lm, prompt="to be", length=12)
    changes = [
        ("temperature", 0.5),  # bars and title over the cached picture
        ("top_k", 3),
        ("head", 1),  # the picture and its title
        ("prompt", "to be or not to be, that"),  # new tick labels, a wider window
        ("top_p", 0.6),
        ("prompt", "to"),  # a smaller window: other limits
        ("prompt", "to be"),  # back to a cached picture
        ("prompt", "\nq,"),  # same window size, wider tick labels ("\\n")
        ("temperature", 0.0),
        ("seed", 4),
        ("length", 30),
        ("head", 0),  # titles said before: their pictures pasted again
        ("temperature", 0.5),
    ]
    assert_redraws_match_a_full_draw(explorer, changes, notes=True)
    explorer.close()
