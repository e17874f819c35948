"""The char-level Transformer: vocabulary, causal attention checked against a numpy
re-computation from the layer's own weights, training and greedy generation."""

import math

import lmwidgets  # noqa: F401  (picks the backend before keras)
from lmwidgets.core import char_transformer as ct

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.backends

PATTERN = "abcd" * 200


@pytest.fixture(scope="module")
def trained():
    vocab = ct.CharVocab.from_text(PATTERN)
    keras.utils.set_random_seed(0)
    model = ct.build_char_transformer(vocab.size, context=8, embed_dim=16, num_heads=2)
    losses = ct.train_char_lm(model, vocab.encode(PATTERN), steps=60, batch_size=16, epochs=2)
    return model, vocab, losses


def test_vocab_round_trip_and_unknown_characters():
    vocab = ct.CharVocab.from_text("hello world")
    assert vocab.chars == (" ", "d", "e", "h", "l", "o", "r", "w") and vocab.size == 9
    assert vocab.encode("hold").tolist() == [4, 6, 5, 2]
    assert vocab.decode(vocab.encode("low roll")) == "low roll"
    with pytest.raises(ValueError, match="Characters not in the vocabulary: 'xz'"):
        vocab.encode("zoo x")
    with pytest.raises(ValueError, match="empty"):
        ct.CharVocab.from_text("")


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="multiple of num_heads"):
        ct.build_char_transformer(10, embed_dim=10, num_heads=4)
    with pytest.raises(ValueError, match="context"):
        ct.build_char_transformer(10, context=0)


def test_training_windows_are_shifted_by_one():
    ids = np.arange(100)
    x, y = ct.training_windows(ids, context=5, count=7, seed=1)
    assert x.shape == y.shape == (7, 5)
    np.testing.assert_array_equal(y, x + 1)
    np.testing.assert_array_equal(x[:, 1:], x[:, :-1] + 1)


def test_training_learns_the_pattern_and_greedy_continues_it(trained):
    model, vocab, losses = trained
    assert losses[0] < math.log(vocab.size) + 0.5  # starts near uniform guessing
    assert losses[-1] < 0.3 * losses[0]
    assert ct.generate(model, vocab, "abcda", length=7, temperature=0) == "bcdabcd"


def test_logits_are_causal(trained):
    model, vocab, _ = trained
    batch = np.array([vocab.encode("abcdabcd"), vocab.encode("abcdddda")])
    logits = np.asarray(model.predict_on_batch(batch))
    # the first four positions see the same characters, so the same logits
    np.testing.assert_allclose(logits[0, :4], logits[1, :4], atol=1e-5)
    assert not np.allclose(logits[0, 6], logits[1, 6], atol=1e-3)
    # a short prompt: padding after it changes nothing
    np.testing.assert_allclose(
        ct.next_token_logits(model, vocab, "abc"), logits[0, 2], rtol=1e-5, atol=1e-5
    )


def _layer_norm(x, layer):
    gamma, beta = (np.asarray(w) for w in layer.weights)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + layer.epsilon) * gamma + beta


def test_attention_weights_match_a_numpy_recomputation(trained):
    model, vocab, _ = trained
    prompt = "dabcda"
    weights = ct.prompt_attention(ct.attention_model(model), vocab, prompt)
    assert weights.shape == (2, 6, 6)
    # by hand: embeddings + positions, layer norm, query/key projections, causal softmax
    ids = vocab.encode(prompt)
    x = np.asarray(model.get_layer("token_embedding").embeddings)[ids]
    x = x + np.asarray(model.get_layer("position_embedding").positions)[: len(ids)]
    h = _layer_norm(x, model.get_layer("attention_norm"))
    attention = model.get_layer("attention")
    wq, bq = (np.asarray(w) for w in attention.query_dense.weights)
    wk, bk = (np.asarray(w) for w in attention.key_dense.weights)
    q = np.einsum("td,dhk->htk", h, wq) + bq[:, None, :]
    k = np.einsum("td,dhk->htk", h, wk) + bk[:, None, :]
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
    scores = np.where(np.tril(np.ones((6, 6), bool)), scores, -np.inf)
    expected = np.exp(scores - scores.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(weights, expected, atol=1e-5)
    assert np.all(np.triu(weights, 1) == 0)


def test_generation_validates_and_never_emits_padding(trained):
    model, vocab, _ = trained
    text = ct.generate(model, vocab, "ab", length=20, temperature=2.0, seed=3)
    assert len(text) == 20 and set(text) <= set("abcd")
    with pytest.raises(ValueError, match="temperature"):
        ct.generate(model, vocab, "ab", length=2, temperature=-1)
    with pytest.raises(ValueError, match="empty"):
        ct.next_token_logits(model, vocab, "")


def test_compiled_predictions_equal_predict_on_batch_and_follow_new_weights():
    vocab = ct.CharVocab.from_text(PATTERN)
    keras.utils.set_random_seed(1)
    model = ct.build_char_transformer(vocab.size, context=8, embed_dim=16, num_heads=2)
    attention = ct.attention_model(model)
    for _ in range(2):  # before and after training: new weights, new compiled predictions
        for text in ("a", "abcdab", "dcbadcbadcba"):
            batch, length = ct._window(model, vocab, text)
            expected = np.asarray(model.predict_on_batch(batch))[0, length - 1]
            assert np.array_equal(ct.next_token_logits(model, vocab, text), expected)
            scores = np.asarray(attention.predict_on_batch(batch))[0, :, :length, :length]
            assert np.array_equal(ct.prompt_attention(attention, vocab, text), scores)
        ct.train_char_lm(model, vocab.encode(PATTERN), steps=5, batch_size=8, epochs=1)



def test_one_attention_model_per_model_and_neither_outlives_the_learners_model():
    import gc
    import weakref

    vocab = ct.CharVocab.from_text(PATTERN)
    model = ct.build_char_transformer(vocab.size, context=8, embed_dim=16, num_heads=2)
    attention = ct.attention_model(model)
    # A second explorer on the same model gets the same attention model: its layers are
    # called on a new input once, and its prediction compiled once.
    assert ct.attention_model(model) is attention
    nodes = [len(layer._inbound_nodes) for layer in model.layers]
    ct.attention_model(model)
    assert [len(layer._inbound_nodes) for layer in model.layers] == nodes
    ct.next_token_logits(model, vocab, "abc")
    ct.prompt_attention(attention, vocab, "abc")
    # The compiled predictions hold no reference to their models: the model dropped, its
    # cache entries go too (they once held it, and with it every attention model built).
    dropped = weakref.ref(model)
    del model, attention
    gc.collect()
    assert dropped() is None
    assert dropped not in [weakref.ref(m) for m in ct._ATTENTION_MODELS.keys()]


def _generate_step_by_step(model, vocab, prompt, length, seed, **settings):
    """``generate`` as it is defined: one prediction and one draw per character."""
    from lmwidgets.core import sampling

    rng, text = np.random.default_rng(seed), prompt
    for _ in range(length):
        logits = sampling.mask_tokens(ct.next_token_logits(model, vocab, text), [ct.PAD_ID])
        probabilities = sampling.next_token_distribution(logits, **settings)
        text += vocab.decode([sampling.sample(probabilities, rng)])
    return text[len(prompt) :]


@pytest.mark.parametrize("settings", [{}, {"temperature": 1.5, "top_k": 3}, {"top_p": 0.8}])
def test_a_continuation_cut_or_carried_on_is_the_one_drawn_afresh(trained, settings):
    model, vocab, _ = trained
    for length in (12, 4, 20, 0, 13):  # longer, shorter, longer than any before
        expected = _generate_step_by_step(model, vocab, "ab", length, seed=3, **settings)
        assert ct.generate(model, vocab, "ab", length, seed=3, **settings) == expected
