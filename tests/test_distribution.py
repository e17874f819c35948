"""The 8-virtual-device demo of keras.distribution, run in a subprocess under JAX."""

from lmwidgets.core.distribution import run_demo

import pytest

pytest.importorskip("jax")


@pytest.fixture(scope="module")
def demo():
    return run_demo()


def test_runs_on_eight_virtual_devices(demo):
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
