"""A tiny character-level Transformer language model, the same kind of model as GPT.

Token embedding + learned positional embedding, one pre-norm Transformer block
(MultiHeadAttention with a causal mask, then a feed-forward layer, each with a
residual connection), and a Dense layer giving logits for the next character at
every position. Sequences have a fixed length ``context`` so each backend compiles
once; a shorter prompt sits at the start and is padded after its end, which the
causal mask keeps invisible to the prompt's own positions.
"""

import dataclasses
import inspect

from lmwidgets.core import sampling

import keras
import numpy as np

PAD_ID = 0


@dataclasses.dataclass(frozen=True)
class CharVocab:
    """The characters of a text, in sorted order; id 0 is reserved for padding."""

    chars: tuple

    @classmethod
    def from_text(cls, text):
        if not text:
            raise ValueError("The text is empty; a vocabulary needs at least one character.")
        return cls(tuple(sorted(set(text))))

    @property
    def size(self):
        return len(self.chars) + 1

    def encode(self, text):
        index = {char: i + 1 for i, char in enumerate(self.chars)}
        unknown = sorted({char for char in text if char not in index})
        if unknown:
            raise ValueError(
                f"Characters not in the vocabulary: {''.join(unknown)!r}. "
                f"Valid characters: {''.join(self.chars)!r}."
            )
        return np.array([index[char] for char in text], dtype="int32")

    def decode(self, ids):
        return "".join(self.chars[i - 1] if i > 0 else "" for i in np.asarray(ids).tolist())


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
    for name, value in (("vocab_size", vocab_size), ("context", context), ("num_heads", num_heads)):
        if value < 1:
            raise ValueError(f"{name} must be a positive integer. Received {name}={value}.")
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


def context_length(model):
    return int(model.input.shape[1])


def attention_model(model):
    """A model sharing ``model``'s weights that returns the attention weights.

    Output shape ``(batch, heads, context, context)``: row i is how position i
    spreads its attention over positions 0..i.
    """
    layer = {item.name: item for item in model.layers}
    tokens = keras.Input(shape=(context_length(model),), dtype="int32", name="tokens")
    return keras.Model(tokens, _forward(layer, tokens, return_attention=True))


def training_windows(ids, context, count, seed=0):
    """``count`` random windows of ``ids``: inputs and the same shifted by one character."""
    ids = np.asarray(ids, dtype="int32")
    if len(ids) <= context:
        raise ValueError(f"The text must be longer than context={context} characters.")
    starts = np.random.default_rng(seed).integers(0, len(ids) - context, count)
    offsets = starts[:, None] + np.arange(context)[None, :]
    return ids[offsets], ids[offsets + 1]


def train_char_lm(model, ids, steps=600, batch_size=32, epochs=3, seed=0):
    """Fit on ``steps`` batches of random windows, split into ``epochs``; the loss per epoch."""
    x, y = training_windows(ids, context_length(model), steps * batch_size, seed)
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return history.history["loss"]


def _window(model, vocab, text):
    """The last ``context`` characters of ``text`` as a padded batch, and their count."""
    if not text:
        raise ValueError("The prompt is empty; type at least one character.")
    ids = vocab.encode(text)[-context_length(model) :]
    batch = np.full((1, context_length(model)), PAD_ID, dtype="int32")
    batch[0, : len(ids)] = ids
    return batch, len(ids)


def next_token_logits(model, vocab, text):
    """The model's logits for the character after ``text`` (vocabulary order, pad first)."""
    batch, length = _window(model, vocab, text)
    return np.asarray(model.predict_on_batch(batch))[0, length - 1].astype("float64")


def prompt_attention(attention, vocab, text):
    """Attention weights over the prompt's last ``context`` characters: (heads, n, n)."""
    batch, length = _window(attention, vocab, text)
    return np.asarray(attention.predict_on_batch(batch))[0, :, :length, :length]


DEFAULT_PROMPT = "ROMEO:"  # the shipped text is Shakespeare's


def default_prompt(vocab):
    """``DEFAULT_PROMPT`` where the vocabulary can spell it, else its first letter (or,
    with no letter, its first character): a prompt that works with any vocabulary."""
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
    if length < 0:
        raise ValueError(f"length must be 0 or positive. Received length={length}.")
    rng = np.random.default_rng(seed)
    text = prompt
    for _ in range(length):
        logits = sampling.mask_tokens(next_token_logits(model, vocab, text), [PAD_ID])
        probabilities = sampling.next_token_distribution(logits, temperature, top_k, top_p)
        text += vocab.decode([sampling.sample(probabilities, rng)])
    return text[len(prompt) :]


# What generation runs with unless told otherwise (what the sampling widget starts at).
GENERATE_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(generate).parameters.items()
    if parameter.default is not inspect.Parameter.empty
}
