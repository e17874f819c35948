"""Lesson 06's exercises: right answers pass, trivial and typical wrong ones do not.

The widgets get small untrained models (the checks read what a widget shows, whatever the
model's quality): the CNN's labels are set from its own predictions, so that a digit is
"misread" or "read right" by construction.
"""

import functools

import lmwidgets
from lmwidgets.core import char_transformer, cnn

import keras
import numpy as np

from tests.exercise_cases import exercise_test, right, wrong

IMAGES = 12


@functools.lru_cache(maxsize=1)
def digits():
    (_, _), (x_test, _) = lmwidgets.datasets.load_mnist()
    keras.utils.set_random_seed(0)
    model = cnn.build_cnn()
    images = x_test[:IMAGES] / 255.0
    predicted = np.argmax(model.predict(images, verbose=0), axis=1)
    return model, images, predicted


def feature_explorer(misread, image=0):
    def build():
        model, images, predicted = digits()
        labels = (predicted + 1) % 10 if misread else predicted
        explorer = lmwidgets.FeatureMapExplorer(model, images, labels)
        explorer.controls["image"].value = image
        return explorer

    return build


@functools.lru_cache(maxsize=1)
def language_model():
    vocab = char_transformer.CharVocab.from_text("to be or not to be, that is the question")
    keras.utils.set_random_seed(0)
    model = char_transformer.build_char_transformer(vocab.size, context=8, embed_dim=8)
    return model, vocab


def sampler(top_p=None, **controls):
    """A SamplingExplorer; ``top_p`` "three" puts it between the top-2 and top-3 masses."""

    def build():
        model, vocab = language_model()
        explorer = lmwidgets.SamplingExplorer(model, vocab, prompt="to be", length=4)
        for name, value in controls.items():
            explorer.controls[name].value = value
        if top_p is not None:
            ranked = np.sort(explorer.result["raw_probabilities"])[::-1]
            s2, s3 = ranked[:2].sum(), ranked[:3].sum()
            chosen = {"three": (s2 + s3) / 2, "two": (ranked[0] + s2) / 2}.get(top_p, top_p)
            explorer.controls["top_p"].value = float(chosen)
        return explorer

    return build


# Malignant (1) cases scored 0.9, 0.7 and 0.45: the highest threshold with recall 1 is 0.45.
LABELS = np.array([1, 0, 1, 0, 1, 0])
SCORES = np.array([0.9, 0.2, 0.45, 0.5, 0.7, 0.1])
DATA = {"labels": LABELS, "scores": SCORES}

CASES = {
    1: [
        right(build=feature_explorer(misread=True)),
        right(build=feature_explorer(misread=True, image=5)),
        wrong(build=feature_explorer(misread=False), why="read right"),
        wrong(build=feature_explorer(misread=False, image=7), why="another read right"),
        wrong(3, why="an index, not the widget"),
    ],
    2: [
        right(build=sampler(top_p="three", top_k=0, temperature=1.0)),
        wrong(build=sampler(), why="top-p off"),
        wrong(build=sampler(top_k=3), why="top-k does the cutting"),
        wrong(build=sampler(top_p="three", temperature=0.0), why="greedy"),
        wrong(build=sampler(top_p="three", temperature=1.5), why="another temperature"),
        wrong(build=sampler(top_p="two"), why="keeps two"),
        wrong(build=sampler(top_p=0.999), why="keeps almost all"),
    ],
    3: [
        right(0.45, **DATA),
        right(0.4495, **DATA),
        wrong(0.0, why="threshold 0: recall 1.0, everyone to biopsy", **DATA),
        wrong(0.3, why="recall 1.0 but not the highest", **DATA),
        wrong(0.5, why="misses the 0.45 cancer", **DATA),
        wrong(0.46, why="just above the lowest cancer", **DATA),
        wrong(1.5, why="not a threshold", **DATA),
        wrong(0.45, why="no labels or scores"),
        wrong(None, why="no threshold yet", **DATA),
        wrong(0.45, labels=np.zeros(6, dtype=int), scores=SCORES, why="no malignant case"),
    ],
    4: [
        right(0.6),
        right(3 / 5),
        wrong(0.5, why="the precision at 0.7"),
        wrong(1.0, why="the recall at 0.25"),
        wrong(0.4, why="false alarms / flagged"),
        wrong(3, why="a count"),
        wrong("0.6", why="a string"),
    ],
    5: [
        right("step"),
        right(" Step"),
        wrong("goal", why="both paths get it"),
        wrong("hole", why="neither path pays it"),
        wrong("timeout", why="both end before it"),
        wrong("discount", why="not offered"),
    ],
}

test_exercise = exercise_test(6, CASES)
