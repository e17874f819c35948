"""Data for the lessons, usable offline.

The package ships the real MNIST test set (10,000 digits), the tiny Shakespeare
corpus and a sourced timeline of notable models; see ``lmwidgets/data/README.md``
for provenance and licenses.
"""

import gzip
import os
import socket
import threading
from functools import lru_cache
from importlib import resources

from lmwidgets.backend import keras_dir
from lmwidgets.language import say

import numpy as np

MNIST_SOURCES = ("auto", "full", "offline")
TEXTS = {"tinyshakespeare": "tinyshakespeare.txt"}
OFFLINE_TEST_FRACTION = 0.2
OFFLINE_SEED = 20261128

# Where keras.datasets.mnist.load_data() downloads from (it verifies a sha256).
_MNIST_HOST = ("storage.googleapis.com", 443)
_REACH_TIMEOUT_S = 3.0


def _data_file(name):
    return resources.files("lmwidgets") / "data" / name


def _read_idx(name):
    """Parse a gzip-compressed IDX file (the format MNIST is distributed in)."""
    raw = gzip.decompress(_data_file(name).read_bytes())
    magic = int.from_bytes(raw[:4], "big")
    n_dims = magic & 0xFF
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(shape)


def _stratified_split(labels, test_fraction, seed):
    """Train and test indices with each class split in the same proportion.

    Per-class test counts are rounded by largest remainder so that the test set
    has exactly round(test_fraction * n) items.
    """
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * test_fraction
    n_test = np.floor(exact).astype(int)
    short = int(round(test_fraction * len(labels))) - n_test.sum()
    n_test[np.argsort(-(exact - n_test), kind="stable")[:short]] += 1
    train, test = [], []
    for cls, k in zip(classes, n_test, strict=True):
        members = rng.permutation(np.flatnonzero(labels == cls))
        test.append(members[:k])
        train.append(members[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


@lru_cache(maxsize=1)
def _offline_mnist():
    images = _read_idx("t10k-images-idx3-ubyte.gz")
    labels = _read_idx("t10k-labels-idx1-ubyte.gz")
    train, test = _stratified_split(labels, OFFLINE_TEST_FRACTION, OFFLINE_SEED)
    return (images[train], labels[train]), (images[test], labels[test])


def _keras_mnist_cache():
    return keras_dir() / "datasets" / "mnist.npz"


def _reachable(address, timeout):
    """True if a TCP connection opens within ``timeout`` seconds (DNS included)."""
    outcome = []

    def attempt():
        try:
            with socket.create_connection(address, timeout=timeout):
                outcome.append(True)
        except OSError:
            outcome.append(False)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(outcome and outcome[0])


def _copy(data):
    (x_train, y_train), (x_test, y_test) = data
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


class MnistUnavailableError(RuntimeError):
    """The full MNIST could not be loaded; the message says what failed and how to fix it."""


# (images shape, labels shape) of keras.datasets.mnist.load_data()'s train and test parts.
_FULL_MNIST_SHAPES = (((60000, 28, 28), (60000,)), ((10000, 28, 28), (10000,)))


def _load_full_mnist():
    """keras.datasets.mnist.load_data(), checked; ``MnistUnavailableError`` on any failure."""
    import keras

    cache = _keras_mnist_cache()
    try:
        data = keras.datasets.mnist.load_data()
        problem = _mnist_problem(data)
    except Exception as error:  # Keras raises a bare Exception when the download fails
        problem = f"{type(error).__name__}: {error}"
    if problem is None:
        return data
    if cache.exists():
        fix = (
            f"The cached copy {cache} is damaged or incomplete: delete it "
            f"({'rm -r' if cache.is_dir() else 'rm'} '{cache}') and load again, online, "
            "to download it afresh (Keras checks its sha256)"
        )
    else:
        fix = "Connect to the internet and load again (Keras downloads and checks it)"
    raise MnistUnavailableError(
        f"The full MNIST could not be loaded ({problem}). {fix}, or use the shipped "
        "sample: load_mnist('offline')."
    )


def _mnist_problem(data):
    """What is wrong with ``data`` as full MNIST, or None."""
    try:
        parts = [(np.asarray(x), np.asarray(y)) for x, y in data]
    except (TypeError, ValueError):
        return "not two (images, labels) pairs"
    if len(parts) != 2:
        return "not two (images, labels) pairs"
    for (x, y), shapes in zip(parts, _FULL_MNIST_SHAPES, strict=True):
        if (x.shape, y.shape) != shapes or x.dtype != np.uint8 or not np.isin(y, range(10)).all():
            return (
                f"got images {x.shape} {x.dtype} and labels {y.shape}, expected "
                f"{shapes[0]} uint8 and {shapes[1]} digits 0-9"
            )
    return None


def load_mnist(source="auto"):
    """MNIST as ``((x_train, y_train), (x_test, y_test))``, like keras' own loader.

    Images are uint8 arrays of shape (n, 28, 28), labels uint8 of shape (n,).

    - ``"full"``: keras.datasets.mnist.load_data() (60,000 + 10,000 digits, from its
      cache or downloaded and checked against its sha256). Where that fails, or gives
      anything but MNIST's shapes and labels, ``MnistUnavailableError`` says what failed
      and how to fix it (which cached file to delete).
    - ``"offline"``: the shipped sample, the 10,000 real MNIST test digits split
      8,000 train / 2,000 test, stratified by class, the same split every time.
    - ``"auto"``: full when it is cached or its server answers within a few
      seconds and it loads, otherwise offline. ``LMWIDGETS_OFFLINE=1`` forces offline.
      Prints one line saying which data is in use, and why.
    """
    if source not in MNIST_SOURCES:
        raise ValueError(
            f"Unknown MNIST source {source!r}; expected one of {', '.join(MNIST_SOURCES)}."
        )
    if source == "full":
        return _load_full_mnist()
    if source == "offline":
        return _copy(_offline_mnist())
    if os.environ.get("LMWIDGETS_OFFLINE", "") not in ("", "0"):
        why = say("LMWIDGETS_OFFLINE is set", "已设置 LMWIDGETS_OFFLINE")
    elif _keras_mnist_cache().exists() or _reachable(_MNIST_HOST, _REACH_TIMEOUT_S):
        if _keras_mnist_cache().exists():
            found = say("found in the Keras cache", "来自 Keras 缓存")
        else:
            found = say("downloaded", "已下载")
        try:
            data = _load_full_mnist()
        except MnistUnavailableError as error:
            why = say(f"the full dataset failed to load: {error}", f"完整数据集加载失败：{error}")
        else:
            print(
                say(
                    f"MNIST: full dataset, 60,000 train / 10,000 test digits ({found}).",
                    f"MNIST：完整数据集，训练 60,000 / 测试 10,000 个数字（{found}）。",
                )
            )
            return data
    else:
        why = say("no network", "没有网络")
    print(
        say(
            f"MNIST: offline sample, 8,000 train / 2,000 test digits ({why}; "
            "real MNIST test images, see lmwidgets/data/README.md).",
            f"MNIST：离线样本，训练 8,000 / 测试 2,000 个数字（{why}；"
            "均为真实的 MNIST 测试图像，见 lmwidgets/data/README.md）。",
        )
    )
    return _copy(_offline_mnist())


def load_text(name="tinyshakespeare"):
    """A text corpus shipped with the package, as one str."""
    if name not in TEXTS:
        raise ValueError(f"Unknown text {name!r}; expected one of {', '.join(TEXTS)}.")
    return _data_file(TEXTS[name]).read_text(encoding="utf-8")


def model_timeline():
    """Notable models with parameters, date, compute where known, and each row's source.

    A pandas DataFrame sorted by date; ``date`` is a pandas Timestamp (month precision).
    """
    import pandas as pd

    with resources.as_file(_data_file("model_timeline.csv")) as path:
        table = pd.read_csv(path)
    table["date"] = pd.to_datetime(table["date"], format="%Y-%m")
    return table.sort_values("date", kind="stable").reset_index(drop=True)
