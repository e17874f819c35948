"""The comparisons the lessons assert, for three seeds on the backend under test.

A lesson shows one seed on one machine; what it asserts must not depend on that seed's
random stream. Each test replays a lesson's steps with seeds 0, 1 and 2 (CI runs this
file on JAX, PyTorch and TensorFlow) and checks the lesson's claim for every one of them.
"""

import lmwidgets
from lmwidgets.core import cnn, training

import keras
import pytest

pytestmark = pytest.mark.backends
SEEDS = (0, 1, 2)


def _trained(playground, epochs=300, **settings):
    for name, value in settings.items():
        playground.controls[name].value = value
    playground.step(epochs)
    return playground.result


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_02_depth_learns_the_spiral_and_two_neurons_cannot(seed):
    playground = lmwidgets.Playground(
        dataset="spiral", layers=(2,), optimizer="adam", learning_rate=0.01, batch_size=30,
        seed=seed,
    )  # fmt: skip
    small = _trained(playground)["test_accuracy"]
    deep = _trained(playground, layers=(8, 8, 8, 8))["test_accuracy"]
    playground.close()
    assert small < 0.75, f"(2,) reached {small:.3f}"
    assert deep > 0.85, f"(8, 8, 8, 8) reached only {deep:.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_02_a_big_network_overfits_the_noisy_circle_and_a_small_one_less(seed):
    playground = lmwidgets.Playground(
        dataset="circle", noise=25, train_ratio=20, optimizer="adam", learning_rate=0.01,
        batch_size=30, seed=seed,
    )  # fmt: skip
    big = _trained(playground, layers=(8, 8, 8, 8, 8, 8))
    big_losses = big["train_loss"], big["test_loss"], min(big["history"]["test_loss"])
    small = _trained(playground, layers=(4,))
    playground.close()
    train, test, best_test = big_losses
    assert test > 2 * train, big_losses
    assert best_test < 0.8 * test, big_losses  # the test loss was lower earlier on
    assert small["test_loss"] < test
    assert small["test_loss"] - small["train_loss"] < test - train


def test_lesson_03_l2_narrows_the_gap_on_average():
    plain = [training.overfitting_run(train_size=20, epochs=300, seed=s) for s in SEEDS]
    with_l2 = [training.overfitting_run(train_size=20, l2=1e-3, epochs=300, seed=s) for s in SEEDS]
    noise = training.NOISE_STD**2
    for run in plain:  # on every draw the network fits its 20 points better than new ones
        assert run["train_loss"][-1] < run["val_loss"][-1] and noise < run["val_loss"][-1]
    mean_plain = sum(r["gap"] for r in plain) / len(SEEDS)
    mean_l2 = sum(r["gap"] for r in with_l2) / len(SEEDS)
    assert mean_l2 < 0.75 * mean_plain, (mean_l2, mean_plain)


@pytest.fixture(scope="module")
def mnist():
    (x_train, y_train), (x_test, y_test) = lmwidgets.datasets.load_mnist()
    return training.scale_images(x_train), y_train, training.scale_images(x_test), y_test


@pytest.mark.parametrize("seed", SEEDS)
def test_lesson_06_the_small_cnn_beats_the_mlp(mnist, seed):
    x_train, y_train, x_test, y_test = mnist
    accuracy = {}
    for name, build in (
        ("cnn", cnn.build_cnn),
        ("mlp", lambda: training.build_mlp(training.MLPConfig(hidden_layers=1, dropout=0.2))),
    ):
        keras.utils.set_random_seed(seed)
        model = build()
        model.fit(x_train, y_train, epochs=3, batch_size=64, verbose=0)
        accuracy[name] = model.evaluate(x_test, y_test, verbose=0)[1]
    assert accuracy["cnn"] > accuracy["mlp"] and accuracy["cnn"] > 0.95, accuracy
