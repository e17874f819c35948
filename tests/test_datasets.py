"""The data loaders: offline MNIST sample, the full-data path, texts and the model timeline."""

import gzip
import hashlib
import socket
import threading

from lmwidgets import datasets

import numpy as np
import pytest

from tests.language_audit import speaking

# Checksums from shared/data/README.md (the provenance of the shipped files).
MNIST_IMAGES_SHA256 = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
MNIST_LABELS_SHA256 = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _sha256_of_gz(name):
    raw = gzip.decompress(datasets._data_file(name).read_bytes())
    return hashlib.sha256(raw).hexdigest()


def test_shipped_mnist_is_the_real_test_set():
    assert _sha256_of_gz("t10k-images-idx3-ubyte.gz") == MNIST_IMAGES_SHA256
    assert _sha256_of_gz("t10k-labels-idx1-ubyte.gz") == MNIST_LABELS_SHA256
    labels = datasets._read_idx("t10k-labels-idx1-ubyte.gz")
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == CLASS_COUNTS


def test_offline_mnist_looks_like_keras_loader():
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist("offline")
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert x_train.max() == 255 and x_train.min() == 0


def test_offline_split_is_stratified_disjoint_and_complete():
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist("offline")
    expected_test = np.array(CLASS_COUNTS) * 0.2
    assert np.all(np.abs(np.bincount(y_test) - expected_test) < 1)
    assert np.bincount(y_train).tolist() == (np.array(CLASS_COUNTS) - np.bincount(y_test)).tolist()
    all_images = datasets._read_idx("t10k-images-idx3-ubyte.gz").reshape(10000, -1)
    keys = {row.tobytes() for row in all_images}
    train_keys = {row.tobytes() for row in x_train.reshape(8000, -1)}
    test_keys = {row.tobytes() for row in x_test.reshape(2000, -1)}
    assert not train_keys & test_keys
    assert train_keys | test_keys == keys


def test_offline_split_is_the_same_every_time():
    first = datasets.load_mnist("offline")
    first[0][0][:] = 0  # callers get copies: mutating one does not change the next
    datasets._offline_mnist.cache_clear()
    second = datasets.load_mnist("offline")
    third = datasets.load_mnist("offline")
    assert (
        hashlib.sha256(second[1][1].tobytes()).hexdigest()
        == hashlib.sha256(third[1][1].tobytes()).hexdigest()
    )
    assert second[0][0].any()
    # The committed split: the first test labels never change between releases.
    assert second[1][1][:10].tolist() == [1, 9, 5, 6, 4, 2, 4, 5, 1, 5]


def test_auto_with_offline_flag_uses_the_sample_and_says_so(monkeypatch, capsys):
    monkeypatch.setenv("LMWIDGETS_OFFLINE", "1")
    (x_train, _), _ = datasets.load_mnist()
    assert x_train.shape[0] == 8000
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "offline sample" in out


def test_in_chinese_the_loader_says_which_data_in_chinese(monkeypatch, capsys):
    monkeypatch.setenv("LMWIDGETS_OFFLINE", "1")
    with speaking("zh"):
        datasets.load_mnist()
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "离线样本" in out and "已设置 LMWIDGETS_OFFLINE" in out


def test_auto_without_network_or_cache_falls_back(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("LMWIDGETS_OFFLINE", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(datasets, "_reachable", lambda address, timeout: False)
    (x_train, _), _ = datasets.load_mnist("auto")
    assert x_train.shape[0] == 8000
    assert "no network" in capsys.readouterr().out


def _fake_full_mnist():
    """Data shaped like keras.datasets.mnist.load_data()'s (zeros, labels 0-9)."""
    labels = np.arange(70000, dtype=np.uint8) % 10
    images = np.zeros((70000, 28, 28), np.uint8)
    return (images[:60000], labels[:60000]), (images[60000:], labels[60000:])


@pytest.fixture
def cached_full(monkeypatch, tmp_path):
    """A learner online or with a cache: LMWIDGETS_OFFLINE unset, Keras' home in tmp_path."""
    monkeypatch.delenv("LMWIDGETS_OFFLINE", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    cache = tmp_path / "datasets" / "mnist.npz"
    cache.write_bytes(b"not a zip file")
    return cache


def test_auto_uses_full_mnist_when_cached(monkeypatch, cached_full, capsys):
    import keras

    full = _fake_full_mnist()
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: full)
    assert datasets.load_mnist("auto") is full
    assert "full dataset" in capsys.readouterr().out


def _url_fetch_failure():
    # What keras.utils.get_file raises when a cached file fails its sha256 and the
    # download fails (no network).
    raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3]")


@pytest.mark.parametrize("failure", ["download", "directory", "wrong data"])
def test_auto_falls_back_to_the_sample_when_the_cache_is_broken(
    monkeypatch, cached_full, capsys, failure
):
    import keras

    if failure == "directory":
        cached_full.unlink()
        cached_full.mkdir()
        loader = lambda: np.load(cached_full)  # noqa: E731  (IsADirectoryError, as Keras')
    elif failure == "wrong data":
        loader = lambda: ((np.zeros((5, 28, 28)), np.zeros(5)), (None, None))  # noqa: E731
    else:
        loader = _url_fetch_failure
    monkeypatch.setattr(keras.datasets.mnist, "load_data", loader)
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist("auto")
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    said = capsys.readouterr().out
    assert said.count("\n") == 1 and "offline sample" in said
    assert "full dataset failed to load" in said and str(cached_full) in said


def test_full_says_what_failed_and_which_file_to_delete(monkeypatch, cached_full):
    import keras

    monkeypatch.setattr(keras.datasets.mnist, "load_data", _url_fetch_failure)
    with pytest.raises(datasets.MnistUnavailableError) as raised:
        datasets.load_mnist("full")
    message = str(raised.value)
    assert "URL fetch failure" in message and f"rm '{cached_full}'" in message
    assert "load_mnist('offline')" in message


def test_full_without_cache_or_network_says_to_connect(monkeypatch, tmp_path):
    import keras

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", _url_fetch_failure)
    with pytest.raises(datasets.MnistUnavailableError, match="Connect to the internet"):
        datasets.load_mnist("full")


def test_full_source_is_keras_own_loader(monkeypatch):
    import keras

    full = _fake_full_mnist()
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: full)
    assert datasets.load_mnist("full") is full


def test_reachability_check_fails_fast_on_a_closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert datasets._reachable(("127.0.0.1", port), 2.0) is False


def test_reachability_check_never_waits_past_its_timeout(monkeypatch):
    never = threading.Event()

    def hanging_connect(address, timeout=None):
        never.wait()  # a dead network: no answer until the test ends
        raise OSError("no answer")

    monkeypatch.setattr(socket, "create_connection", hanging_connect)
    try:
        assert datasets._reachable(("example.invalid", 443), 0.2) is False
    finally:
        never.set()


def test_unknown_source_names_the_valid_ones():
    with pytest.raises(ValueError, match="auto, full, offline"):
        datasets.load_mnist("mnist-full")


def test_tiny_shakespeare_is_shipped_whole():
    text = datasets.load_text("tinyshakespeare")
    assert len(text.encode("utf-8")) == 1_115_394
    assert text.startswith("First Citizen:")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert digest == "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


def test_unknown_text_names_the_valid_ones():
    with pytest.raises(ValueError, match="tinyshakespeare"):
        datasets.load_text("war-and-peace")


def test_model_timeline_is_sorted_and_sourced():
    table = datasets.model_timeline()
    assert len(table) >= 20
    assert table["date"].is_monotonic_increasing
    assert table["source"].notna().all() and (table["source"].str.len() > 10).all()
    gpt3 = table.set_index("model").loc["GPT-3"]
    assert gpt3["params_nominal"] == 175e9 and gpt3["training_compute_flops"] == 3.14e23
