"""A tiny character-level Transformer language model, the same kind of model as GPT.

Token embedding + learned positional embedding, one pre-norm Transformer block
(MultiHeadAttention with a causal mask, then a feed-forward layer, each with a
residual connection), and a Dense layer giving logits for the next character at
every position. Sequences have a fixed length ``context`` so each backend compiles
once; a shorter prompt sits at the start and is padded after its end, which the
causal mask keeps invisible to the prompt's own positions.
"""

import collections
import dataclasses
import hashlib
import inspect
import threading
import weakref

from lmwidgets import backend
from lmwidgets.core import sampling
from lmwidgets.core.params import check_array, check_number, refusal, shown

import keras
import numpy as np

PAD_ID = 0


@dataclasses.dataclass(frozen=True)
class CharVocab:
    """The characters of a text, in sorted order; id 0 is reserved for padding."""

    chars: tuple

    @classmethod
    def from_text(cls, text):
        if not isinstance(text, str) or not text:
            raise refusal("text", "a non-empty string (a vocabulary needs a character)", text)
        return cls(tuple(sorted(set(text))))

    @property
    def size(self):
        return len(self.chars) + 1

    def encode(self, text):
        if not isinstance(text, str):
            raise refusal("text", "a string", text)
        _check_characters("text", self.chars, text)
        index = {char: i + 1 for i, char in enumerate(self.chars)}
        return np.array([index[char] for char in text], dtype="int32")

    def decode(self, ids):
        allowed = f"ids of this vocabulary, whole numbers from 0 (padding) to {len(self.chars)}"
        ids = check_array(
            "ids", ids, ndim=None, min_size=0, high=len(self.chars), low=0, integer=True,
            allowed=allowed,
        ).astype(int)  # fmt: skip
        return "".join(self.chars[i - 1] if i > 0 else "" for i in ids.ravel().tolist())


def _check_characters(argument, chars, text):
    unknown = sorted(set(text) - set(chars))
    if unknown:
        raise ValueError(
            f"{argument} must use only the vocabulary's characters. Characters not in the "
            f"vocabulary: {''.join(unknown)!r}. Valid characters: {''.join(chars)!r}. "
            f"Received: {argument}={shown(text)}."
        )


class PositionalEmbedding(keras.layers.Layer):
    """Adds a learned vector per position (as GPT-2 does) to the token embeddings."""

    def __init__(self, context, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.context, self.embed_dim = context, embed_dim

    def build(self, input_shape):
        self.positions = self.add_weight(
            shape=(self.context, self.embed_dim), initializer="random_normal", name="positions"
        )

    def call(self, x):
        return x + self.positions[None, : keras.ops.shape(x)[1]]

    def get_config(self):
        return {**super().get_config(), "context": self.context, "embed_dim": self.embed_dim}


def _forward(layer, tokens, return_attention=False):
    """The model's computation from ``layer`` (a name -> layer dict) on ``tokens``."""
    x = layer["position_embedding"](layer["token_embedding"](tokens))
    h = layer["attention_norm"](x)
    attended, scores = layer["attention"](h, h, use_causal_mask=True, return_attention_scores=True)
    if return_attention:
        return scores
    x = layer["attention_residual"]([x, attended])
    f = layer["feed_forward_out"](layer["feed_forward_in"](layer["feed_forward_norm"](x)))
    x = layer["feed_forward_residual"]([x, f])
    return layer["logits"](layer["final_norm"](x))


def build_char_transformer(vocab_size, context=32, embed_dim=32, num_heads=2, learning_rate=3e-3):
    """A compiled Keras model: ``(batch, context)`` ids -> ``(batch, context, vocab)`` logits."""
    vocab_size = check_number("vocab_size", vocab_size, low=1, integer=True)
    context = check_number("context", context, low=1, integer=True)
    num_heads = check_number("num_heads", num_heads, low=1, integer=True)
    allowed = f"a multiple of num_heads ({num_heads})"
    try:
        embed_dim = check_number("embed_dim", embed_dim, low=1, integer=True)
    except ValueError:
        raise refusal("embed_dim", allowed, embed_dim) from None
    check_number("learning_rate", learning_rate, low=0, low_open=True)
    if embed_dim < num_heads or embed_dim % num_heads:
        raise ValueError(
            f"embed_dim must be a multiple of num_heads. Received embed_dim={embed_dim}, "
            f"num_heads={num_heads}."
        )
    layers = keras.layers
    layer = {
        "token_embedding": layers.Embedding(vocab_size, embed_dim, name="token_embedding"),
        "position_embedding": PositionalEmbedding(context, embed_dim, name="position_embedding"),
        "attention_norm": layers.LayerNormalization(name="attention_norm"),
        "attention": layers.MultiHeadAttention(num_heads, embed_dim // num_heads, name="attention"),
        "attention_residual": layers.Add(name="attention_residual"),
        "feed_forward_norm": layers.LayerNormalization(name="feed_forward_norm"),
        "feed_forward_in": layers.Dense(4 * embed_dim, activation="gelu", name="feed_forward_in"),
        "feed_forward_out": layers.Dense(embed_dim, name="feed_forward_out"),
        "feed_forward_residual": layers.Add(name="feed_forward_residual"),
        "final_norm": layers.LayerNormalization(name="final_norm"),
        "logits": layers.Dense(vocab_size, name="logits"),
    }
    tokens = keras.Input(shape=(context,), dtype="int32", name="tokens")
    model = keras.Model(tokens, _forward(layer, tokens), name="char_transformer")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


_ATTENTION_LAYERS = ("token_embedding", "position_embedding", "attention_norm", "attention")


def _check_model(
    argument,
    model,
    layers=(*_ATTENTION_LAYERS, "logits"),
    allowed="a model from build_char_transformer",
):
    """``model`` if it is a Keras model with these layers, else a refusal naming ``argument``."""
    if not isinstance(model, keras.Model) or not set(layers) <= {x.name for x in model.layers}:
        raise refusal(argument, allowed, model)
    return model


def context_length(model):
    _check_model("model", model)
    return int(model.input.shape[1])


def attention_model(model):
    """A model sharing ``model``'s weights that returns the attention weights.

    Output shape ``(batch, heads, context, context)``: row i is how position i
    spreads its attention over positions 0..i. Built once per model and then returned
    again: each build calls the model's layers on a new input, which adds to their graph
    for as long as they live, and compiles its own prediction.
    """
    _check_model("model", model)
    with _LOCK:
        built = _ATTENTION_MODELS.get(model)
        if built is None:
            layer = {item.name: item for item in model.layers}
            tokens = keras.Input(shape=(context_length(model),), dtype="int32", name="tokens")
            built = keras.Model(tokens, _forward(layer, tokens, return_attention=True))
            _ATTENTION_MODELS[model] = built
        return built


def training_windows(ids, context, count, seed=0):
    """``count`` random windows of ``ids``: inputs and the same shifted by one character."""
    context = check_number("context", context, low=1, integer=True)
    count = check_number("count", count, low=1, integer=True)
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    allowed = f"a 1-D array of character ids (whole numbers >= 0), longer than context={context}"
    ids = check_array(
        "ids", ids, dtype="int32", low=0, high=2**31 - 1, integer=True, allowed=allowed
    )
    if len(ids) <= context:
        raise refusal("ids", allowed, ids)
    starts = rng.integers(0, len(ids) - context, count)
    offsets = starts[:, None] + np.arange(context)[None, :]
    return ids[offsets], ids[offsets + 1]


def train_char_lm(model, ids, steps=600, batch_size=32, epochs=3, seed=0):
    """Fit on ``steps`` batches of random windows, split into ``epochs``; the loss per epoch."""
    _check_model("model", model)
    steps = check_number("steps", steps, low=1, integer=True)
    batch_size = check_number("batch_size", batch_size, low=1, integer=True)
    epochs = check_number("epochs", epochs, low=1, integer=True)
    high = _vocab_size(model) - 1
    allowed = f"a 1-D array of the model's character ids, whole numbers from 0 to {high}"
    ids = check_array("ids", ids, dtype="int32", low=0, high=high, integer=True, allowed=allowed)
    x, y = training_windows(ids, context_length(model), steps * batch_size, seed)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return history.history["loss"]


def _vocab_size(model):
    return model.get_layer("token_embedding").input_dim


def _check_text(argument, model, vocab, text):
    """A non-empty ``text`` of ``vocab``'s characters, ``vocab`` the model's vocabulary."""
    if not isinstance(vocab, CharVocab) or vocab.size != _vocab_size(model):
        allowed = f"the CharVocab the model was built for ({_vocab_size(model)} ids)"
        raise refusal("vocab", allowed, vocab)
    if not isinstance(text, str) or not text:
        raise refusal(argument, "a non-empty string (type at least one character)", text)
    _check_characters(argument, vocab.chars, text)


def _window(model, vocab, text):
    """The last ``context`` characters of ``text`` as a padded batch, and their count."""
    _check_text("text", model, vocab, text)
    context = int(model.input.shape[1])
    ids = vocab.encode(text)[-context:]
    batch = np.full((1, context), PAD_ID, dtype="int32")
    batch[0, : len(ids)] = ids
    return batch, len(ids)


# model -> (fingerprint of its weights, its compiled prediction for one padded window).
_PREDICTORS = weakref.WeakKeyDictionary()
# model -> its attention_model (which holds the model's layers, not the model).
_ATTENTION_MODELS = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()


def _fingerprint(model):
    """A digest of ``model``'s weights: what a compiled prediction was made for."""
    digest = hashlib.blake2b(digest_size=16)
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight.value)).tobytes())
    return digest.digest()


def _predictor(model, fingerprint=None):
    """``batch -> model(batch)[0]`` as numpy, the same numbers as ``predict_on_batch``.

    Compiled once for the model's current weights (``backend.compiled_loop``: on JAX one
    ``jax.jit`` program with the weights in it), so a call costs a fraction of
    ``predict_on_batch``'s bookkeeping; new weights (more training) compile a new one.
    """
    fingerprint = fingerprint or _fingerprint(model)
    with _LOCK:
        cached = _PREDICTORS.get(model)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        # A weak reference: a prediction that held its model would keep the model, its
        # _PREDICTORS entry and the compiled program alive for the whole kernel.
        model_ref = weakref.ref(model)
        run = backend.compiled_loop(
            lambda batch: (batch, (model_ref()(batch, training=False),)), 1
        )

        def predict(batch):
            return run(batch)[1][0][0, 0]  # the one step, the one window

        _PREDICTORS[model] = (fingerprint, predict)
        return predict


def next_token_logits(model, vocab, text):
    """The model's logits for the character after ``text`` (vocabulary order, pad first)."""
    _check_model("model", model)
    batch, length = _window(model, vocab, text)
    return np.asarray(_predictor(model)(batch))[length - 1].astype("float64")


def prompt_attention(attention, vocab, text):
    """Attention weights over the prompt's last ``context`` characters: (heads, n, n)."""
    _check_model("attention", attention, _ATTENTION_LAYERS, "a model from attention_model")
    if len(attention.outputs[0].shape) != 4:
        raise refusal("attention", "a model from attention_model", attention)
    batch, length = _window(attention, vocab, text)
    return np.asarray(_predictor(attention)(batch))[:, :length, :length]


DEFAULT_PROMPT = "ROMEO:"  # the shipped text is Shakespeare's


def default_prompt(vocab):
    """``DEFAULT_PROMPT`` where the vocabulary can spell it, else its first letter (or,
    with no letter, its first character): a prompt that works with any vocabulary."""
    if not isinstance(vocab, CharVocab):
        raise refusal("vocab", "a CharVocab", vocab)
    if set(DEFAULT_PROMPT) <= set(vocab.chars):
        return DEFAULT_PROMPT
    return next((char for char in vocab.chars if char.isalpha()), vocab.chars[0])


def next_character_choice(model, vocab, text, temperature=1.0, top_k=None, top_p=None):
    """How the next character after ``text`` is drawn, before and after the sampling settings.

    ``raw_probabilities``: the model's softmax (temperature 1, nothing cut);
    ``probabilities``: after ``temperature``, ``top_k`` and ``top_p``
    (``core.sampling.next_token_distribution``); padding gets 0 in both. ``kept``: how
    many characters can still be drawn, of ``candidates`` (the vocabulary without
    padding); ``entropy_before`` / ``entropy_after`` in nats.
    """
    logits = sampling.mask_tokens(next_token_logits(model, vocab, text), [PAD_ID])
    raw = sampling.next_token_distribution(logits)
    after = sampling.next_token_distribution(logits, temperature, top_k, top_p)
    return {
        "raw_probabilities": raw,
        "probabilities": after,
        "kept": int(np.count_nonzero(after)),
        "candidates": vocab.size - 1,
        "entropy_before": sampling.entropy(raw),
        "entropy_after": sampling.entropy(after),
    }


def generate(model, vocab, prompt, length=80, temperature=1.0, top_k=None, top_p=None, seed=0):
    """Continue ``prompt`` by ``length`` characters drawn from ``next_token_distribution``.

    Padding is never sampled. Returns the continuation only.
    """
    length = check_number("length", length, low=0, integer=True)
    seed = check_number("seed", seed, low=0, integer=True)
    _check_model("model", model)
    _check_text("prompt", model, vocab, prompt)
    sampling.next_token_distribution(np.zeros(2), temperature, top_k, top_p)  # checks them
    fingerprint = _fingerprint(model)
    key = (fingerprint, vocab, prompt, temperature, top_k, top_p, seed)
    with _LOCK:
        # A longer continuation with the same settings starts with the shorter one (the
        # same draws in the same order), so one drawn before is cut or carried on.
        drawn = _CONTINUATIONS.pop(key, None) or _Continuation(
            _predictor(model, fingerprint), context_length(model), vocab, prompt, seed,
            (temperature, top_k, top_p),
        )  # fmt: skip
        _CONTINUATIONS[key] = drawn
        while len(_CONTINUATIONS) > CONTINUATIONS_KEPT:
            _CONTINUATIONS.popitem(last=False)
        return drawn.first(length)


# Continuations kept to be cut or carried on (a widget going back and forth between settings).
CONTINUATIONS_KEPT = 16
_CONTINUATIONS = collections.OrderedDict()


class _Continuation:
    """The characters ``generate`` draws after a prompt, drawn as far as asked so far."""

    def __init__(self, predict, context, vocab, prompt, seed, settings):
        self.predict, self.vocab, self.settings = predict, vocab, settings
        self.rng = np.random.default_rng(seed)
        self.ids = [int(i) for i in vocab.encode(prompt)]
        self.start = len(self.ids)
        self.batch = np.full((1, context), PAD_ID, dtype="int32")

    def first(self, length):
        context = self.batch.shape[1]
        while len(self.ids) < self.start + length:
            # The last ``context`` ids, padded after their end (as ``_window`` does).
            window = self.ids[-context:]
            self.batch[0, : len(window)] = window
            logits = np.asarray(self.predict(self.batch))[len(window) - 1].astype("float64")
            logits[PAD_ID] = sampling.MASKED_LOGIT  # sampling.mask_tokens(logits, [PAD_ID])
            probabilities = sampling._distribution(logits, *self.settings)  # checked before
            # sampling.sample, without checking its own output again
            p = probabilities / probabilities.sum()
            self.ids.append(int(self.rng.choice(p.size, p=p)))
        return self.vocab.decode(self.ids[self.start : self.start + length])


# What generation runs with unless told otherwise (what the sampling widget starts at).
GENERATE_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(generate).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}
