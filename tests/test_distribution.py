"""The 8-virtual-device demo of keras.distribution: run on JAX, planned elsewhere.

Each run_demo() is a subprocess (8-10 s); the reports are cached per backend for the module.
"""

import functools
import os
import subprocess
import sys
import textwrap

from lmwidgets.backend import BACKENDS, _installed, backend_name
from lmwidgets.core.distribution import RUNS, SUPPORTED_BACKENDS, run_demo

import pytest

UNSUPPORTED = [name for name in BACKENDS if name not in SUPPORTED_BACKENDS]


@functools.cache
def _demo(backend):
    return run_demo(backend)


@pytest.fixture(scope="module")
def demo():
    """The report on JAX, where Keras distributes."""
    pytest.importorskip("jax")
    return _demo("jax")


@pytest.fixture(scope="module")
def unsupported():
    """A report where Keras does not distribute: this kernel's backend if it is one, else
    the first installed of torch, tensorflow."""
    candidates = [backend_name()] + UNSUPPORTED
    for name in candidates:
        if name in UNSUPPORTED and _installed(name):
            return _demo(name)
    pytest.skip("neither torch nor tensorflow is installed")


def test_runs_on_eight_virtual_devices(demo):
    assert demo["backend"] == "jax"
    assert demo["supported"] is True
    assert "reason" not in demo
    assert demo["n_devices"] == 8
    assert demo["mesh_shape"] == [2, 4]


def test_data_parallel_replicates_every_weight(demo):
    for layout in demo["data_parallel"]["layouts"].values():
        assert layout["n_devices"] == 8
        assert layout["shard_shape"] == layout["shape"]


def test_model_parallel_splits_the_hidden_layer_four_ways(demo):
    layouts = demo["model_parallel"]["layouts"]
    assert layouts["hidden/kernel"]["spec"] == [None, "model"]
    assert layouts["hidden/kernel"]["shard_shape"] == [16, 64 // 4]
    assert layouts["hidden/bias"]["shard_shape"] == [64 // 4]
    assert layouts["output/kernel"]["shard_shape"] == [64 // 4, 4]
    assert layouts["output/bias"]["shard_shape"] == [4]


@pytest.mark.parametrize("run", ["data_parallel", "model_parallel"])
def test_distributed_training_matches_one_device(demo, run):
    assert demo[run]["losses"] == pytest.approx(demo["single"]["losses"], rel=1e-5)
    assert demo[run]["max_weight_difference"] < 1e-5
    assert demo["single"]["max_weight_difference"] == 0.0


@pytest.mark.parametrize("run", ["data_parallel", "model_parallel"])
def test_the_plan_without_devices_is_what_jax_did(demo, run):
    # The plan other backends show is computed from Keras' layout objects alone;
    # on JAX it must be exactly the layout of the arrays on the 8 devices.
    assert demo["plan"][run] == demo[run]["layouts"]


def test_unsupported_backend_reports_instead_of_raising(unsupported):
    backend = unsupported["backend"]
    assert unsupported["supported"] is False
    assert unsupported["mesh_shape"] == [2, 4]
    assert "data_parallel" not in unsupported and "model_parallel" not in unsupported
    reason = unsupported["reason"]
    # One sentence, naming what works and what this kernel runs on.
    assert reason.count(". ") == 0 and reason.endswith(".")
    assert "only on JAX" in reason
    assert {"torch": "torch", "tensorflow": "TensorFlow"}[backend] in reason


def test_unsupported_backend_still_trains_on_one_device(unsupported):
    single = unsupported["single"]
    losses = single["losses"]
    assert len(losses) == 3 and losses[-1] < losses[0]
    for layout in single["layouts"].values():
        assert layout["n_devices"] == 1
        assert layout["shard_shape"] == layout["shape"]


def test_unsupported_backend_shows_the_model_parallel_plan(unsupported):
    plan = unsupported["plan"]["model_parallel"]
    assert plan["hidden/kernel"] == {
        "shape": [16, 64],
        "spec": [None, "model"],
        "n_devices": 8,
        "shard_shape": [16, 16],
    }
    assert plan["hidden/bias"]["shard_shape"] == [16]
    assert plan["output/kernel"]["shard_shape"] == [16, 4]
    assert plan["output/bias"] == {"shape": [4], "spec": [None], "n_devices": 8, "shard_shape": [4]}
    for layout in unsupported["plan"]["data_parallel"].values():
        assert layout["n_devices"] == 8 and layout["shard_shape"] == layout["shape"]


def test_unknown_or_missing_backend_is_a_value_error():
    with pytest.raises(ValueError, match="expected one of jax, torch, tensorflow"):
        run_demo("theano")
    missing = [name for name in BACKENDS if not _installed(name)]
    if missing:
        with pytest.raises(ValueError, match="not installed"):
            run_demo(missing[0])


@pytest.mark.backends
def test_the_active_backend_gets_a_report():
    name = backend_name()
    report = _demo(name)
    assert report["backend"] == name
    assert report["supported"] is (name in SUPPORTED_BACKENDS)
    present = [run for run in RUNS if run in report]
    assert present == (list(RUNS) if report["supported"] else ["single"])
    assert report["plan"]["model_parallel"]["hidden/kernel"]["shard_shape"] == [16, 16]


@pytest.mark.backends
def test_supported_means_keras_has_a_distribution_backend():
    # keras.distribution.distribute_tensor calls the backend's distribute_tensor:
    # JAX has one; TensorFlow's prototype does not; torch has no distribution_lib.
    from keras.src.backend import distribution_lib

    has_one = hasattr(distribution_lib, "distribute_tensor")
    assert has_one is (backend_name() in SUPPORTED_BACKENDS)


TF_IGNORES_DISTRIBUTION = textwrap.dedent(
    """
    import tensorflow as tf
    from tensorflow.experimental import dtensor

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 8)
    import keras
    import numpy as np

    devices = keras.distribution.list_devices("cpu")
    assert len(devices) == 8, devices
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((16, 4)), np.ones((16, 8)), batch_size=8, verbose=0)
    sharded = any(dtensor.is_dtensor(v.value) for v in model.weights)
    print(sharded, sorted({v.value.device.split("/")[-1] for v in model.weights}))
    """
)


@pytest.mark.skipif(not _installed("tensorflow"), reason="tensorflow is not installed")
def test_tensorflow_still_trains_a_data_parallel_model_on_one_device():
    # What lesson 08 and REASONS say about TensorFlow. If this fails, Keras now
    # distributes there: add it to SUPPORTED_BACKENDS and update lesson 08.
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-c", TF_IGNORES_DISTRIBUTION], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False ['device:CPU:0']"
