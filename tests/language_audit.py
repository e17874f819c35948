"""What counts as English left in the Chinese edition: shared by the widget and exercise tests.

Chinese text may name code (`relu`, ``'adam'``), symbols (x1, w, b) and the names of
models, libraries and functions (ReLU, Adam, MNIST, Keras); what it may not show is an
English phrase. A text is flagged when, outside code spans, quoted strings and URLs, it has
three English words in a row, or when it has no Chinese at all and an English word that is
not such a name.
"""

import contextlib
import re

import lmwidgets.fonts
import lmwidgets.language

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_CODE = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|https?://\S+|<[^>]+>|\$[^$]*\$")
_PHRASE = re.compile(r"\b[A-Za-z]{2,}(?:[ \-][A-Za-z]{2,}){2,}\b")
_WORD = re.compile(r"[A-Za-z]{3,}")
# Names kept as they are in Chinese texts (动手学深度学习 keeps them too).
NAMES = {
    word.lower()
    for word in """
    ReLU relu tanh sigmoid softmax softplus softsign gelu elu selu silu swish mish leaky
    linear hard exponential log_softmax
    Adam AdamW adamw SGD sgd RMSprop rmsprop Adagrad adagrad Adadelta Adamax Nadam Lion
    Lamb Muon momentum nesterov Ftrl
    MSE MAE Huber huber hinge focal crossentropy BCE CCE KL
    Keras JAX PyTorch torch TensorFlow tensorflow NumPy numpy Jupyter JupyterLab Python
    MNIST CIFAR ImageNet GPT BERT LLaMA Llama Transformer CNN RNN LSTM GRU MLP GAN VAE RLHF
    Chinchilla Kaplan Hoffmann AlexNet ResNet LeNet Shakespeare PaLM Gemini Claude
    FLOPs FLOP GPU GPUs TPU CPU GiB MiB KiB TFLOPs PFLOPs RAM HBM
    top temperature dtype float float32 float16 bfloat16 int8 fp8
    ROC AUC Playground
    """.split()
}


def stripped(text):
    return _CODE.sub(" ", text)


def english_phrases(text):
    """The English phrases (three or more words in a row) a Chinese text still has."""
    return _PHRASE.findall(stripped(text))


def untranslated(text, also_allowed=()):
    """Why ``text`` reads as English in the Chinese edition, or None."""
    allowed = NAMES | {str(name).lower() for name in also_allowed}
    phrases = [
        phrase for phrase in english_phrases(text)
        if not all(word.lower() in allowed for word in re.findall(r"[A-Za-z]+", phrase))
    ]  # fmt: skip
    if phrases:
        return f"English phrase {phrases[0]!r}"
    plain = stripped(text)
    if not CJK.search(plain):
        words = [w for w in _WORD.findall(plain) if w.lower() not in allowed]
        if words:
            return f"English word {words[0]!r}"
    return None


@contextlib.contextmanager
def speaking(language):
    """The course in ``language`` inside the block, as it was after."""
    before = lmwidgets.language._chosen
    lmwidgets.language.set_language(language)
    try:
        yield
    finally:
        lmwidgets.language._chosen = before
        lmwidgets.fonts.use_for(lmwidgets.language.language())
