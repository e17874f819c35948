"""``preset="tensorflow_playground"``: the same settings train as in the TensorFlow Playground.

The reference is the TensorFlow Playground's own update (tensorflow/playground, ``src/nn.ts``:
``forwardProp``, ``backProp``, ``updateWeights``), ported below loop for loop into NumPy in
float64, point by point as it runs, and compared with one step of the Playground's trainer on
the same weights and the same batch.
"""

import lmwidgets
from lmwidgets.core import playground_model as network

import numpy as np
import pytest

pytestmark = pytest.mark.backends
PRESET = "tensorflow_playground"


def nn_ts_update(weights, biases, points, targets, learning_rate, rate, output, l1=False):
    """One ``oneStep`` batch of nn.ts: per point forwardProp and backProp (accumulating the
    derivatives), then updateWeights with L2 (its ``der(w) = w``, read before the update), or
    with ``l1`` L1 (``der(w) = sign(w)``; a weight its L1 step carries across 0 becomes 0 and
    dead, skipped by every later update: here, a weight at 0)."""
    weights = [np.array(w, dtype=float) for w in weights]
    biases = [np.array(b, dtype=float) for b in biases]
    acc_w = [np.zeros_like(w) for w in weights]
    acc_b = [np.zeros_like(b) for b in biases]
    last = len(weights) - 1
    for x, target in zip(points, targets, strict=True):
        outputs, totals = [np.array(x, dtype=float)], []
        for index, (w, b) in enumerate(zip(weights, biases, strict=True)):
            total = b + outputs[-1] @ w  # node.totalInput = bias + sum of weight * input
            totals.append(total)
            linear = index == last and output == "linear"
            outputs.append(total if linear else np.tanh(total))
        output_der = outputs[-1] - target  # Errors.SQUARE.der(output, target)
        for index in range(last, -1, -1):
            linear = index == last and output == "linear"
            input_der = output_der * (1.0 if linear else 1 - np.tanh(totals[index]) ** 2)
            acc_b[index] += input_der  # node.accInputDer
            acc_w[index] += np.outer(outputs[index], input_der)  # link.accErrorDer
            output_der = weights[index] @ input_der  # the source node's outputDer
    n = len(points)
    for index in range(len(weights)):
        biases[index] -= learning_rate * acc_b[index] / n
        old = weights[index].copy()
        regul_der = np.sign(old) if l1 else old  # RegularizationFunction.*.der(weight), before
        stepped = old - (learning_rate / n) * acc_w[index]
        new = stepped - (learning_rate * rate) * regul_der
        if l1:
            new[stepped * new < 0] = 0.0  # crossed 0: set to 0, the link is dead
            new[old == 0] = 0.0  # a dead link: `continue`, never updated again
        weights[index] = new
    return weights, biases


def nn_ts_epochs(weights, biases, points, targets, learning_rate, rate, batch_size, epochs,
                 l1=False):  # fmt: skip
    """playground.ts ``oneStep``, ``epochs`` times: the points in their order, an update when
    ``(i + 1) % batchSize === 0`` for the point's index i in this epoch; the derivatives of
    the points after the last update stay accumulated into the next epoch's first batch."""
    pending = []
    for _ in range(epochs):
        for i, (point, target) in enumerate(zip(points, targets, strict=True)):
            pending.append((point, target))
            if (i + 1) % batch_size == 0:
                xs, ts = zip(*pending, strict=True)
                weights, biases = nn_ts_update(weights, biases, xs, ts, learning_rate, rate,
                                               "tanh", l1)  # fmt: skip
                pending = []
    return weights, biases


def trained_with_the_preset(points, labels, regularization, rate, learning_rate, seed, epochs):
    """A (4, 2) tanh network with the preset trained ``epochs`` epochs in batches of 10:
    ``(trainer, weights before, weights after)``."""
    model = network.build_model(2, (4, 2), "tanh", "classification", regularization=regularization,
                                regularization_rate=rate, seed=seed, preset=PRESET)  # fmt: skip
    trainer = network.Trainer(model, network.make_optimizer("sgd", learning_rate),
                              "half_squared_error", batch_size=10, seed=0,
                              preset=PRESET)  # fmt: skip
    trainer.set_data(points, labels, points[:3], labels[:3])
    before = model.get_weights()
    for _ in range(epochs):
        trainer.train_epoch()
    return trainer, before, model.get_weights()


def test_epochs_follow_the_tensorflow_playgrounds_batches():
    """25 points in batches of 10: each epoch updates after points 10 and 20 of its own count,
    and the 5 left over join the next epoch's first batch (15 points), as in oneStep."""
    rng = np.random.default_rng(11)
    points = rng.uniform(-6, 6, (25, 2)).astype("float32")
    labels = (points[:, 0] ** 2 + points[:, 1] ** 2 < 9).astype(int)
    trainer, before, after = trained_with_the_preset(points, labels, "l2", 0.003, 0.1, 5, 3)
    weights, biases = nn_ts_epochs(before[0::2], before[1::2], points, 2.0 * labels - 1, 0.1,
                                   0.003, batch_size=10, epochs=3)  # fmt: skip
    theirs_all = [w for pair in zip(weights, biases, strict=True) for w in pair]
    for ours, theirs in zip(after, theirs_all, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    assert len(trainer._carried[0]) == 5, "the last 5 points wait for the next epoch"
    trainer.reset(5)
    assert trainer._carried is None


def test_l1_kills_links_as_the_tensorflow_playground_does():
    """With L1, a weight its L1 step carries across 0 becomes 0 and stays there (a dead link,
    nn.ts updateWeights); Keras' L1 alone would move it on to the other side."""
    rng = np.random.default_rng(4)
    points = rng.uniform(-6, 6, (30, 2)).astype("float32")
    labels = (points[:, 0] * points[:, 1] >= 0).astype(int)
    _, before, after = trained_with_the_preset(points, labels, "l1", 0.1, 0.3, 2, 5)
    weights, biases = nn_ts_epochs(before[0::2], before[1::2], points, 2.0 * labels - 1, 0.3,
                                   0.1, batch_size=10, epochs=5, l1=True)  # fmt: skip
    dead = sum(int((w == 0).sum()) for w in weights)
    assert dead >= 3, f"the case kills links ({dead})"
    for ours, theirs in zip(after[0::2], weights, strict=True):
        np.testing.assert_array_equal(ours == 0, theirs == 0)  # the same links dead
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    for ours, theirs in zip(after[1::2], biases, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "problem, layers, learning_rate, rate",
    [("classification", (4, 2), 0.03, 0.0), ("classification", (3,), 0.3, 0.03),
     ("regression", (5, 3), 0.01, 0.01)],
)  # fmt: skip
def test_one_update_is_the_tensorflow_playgrounds(problem, layers, learning_rate, rate):
    rng = np.random.default_rng(7)
    points = rng.uniform(-6, 6, (10, 2)).astype("float32")
    if problem == "classification":
        labels = (points[:, 0] * points[:, 1] >= 0).astype(int)
        targets = 2.0 * labels - 1  # the Playground's labels -1 and 1
    else:
        labels = targets = ((points[:, 0] + points[:, 1]) / 10).astype("float32")
    model = network.build_model(2, layers, "tanh", problem, regularization="l2",
                                regularization_rate=rate, seed=3, preset=PRESET)  # fmt: skip
    trainer = network.Trainer(model, network.make_optimizer("sgd", learning_rate),
                              "half_squared_error", problem, batch_size=10, seed=0,
                              preset=PRESET)  # fmt: skip
    trainer.set_data(points, labels, points[:2], labels[:2])
    before = model.get_weights()
    trainer.train_epoch()  # one batch: the ten points (their order does not change a mean)
    output = "linear" if problem == "regression" else "tanh"
    weights, biases = nn_ts_update(before[0::2], before[1::2], points, targets,
                                   learning_rate, rate, output)  # fmt: skip
    after = model.get_weights()
    for ours, theirs in zip(after[0::2], weights, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6)
    for ours, theirs in zip(after[1::2], biases, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=2e-6)
    moved = max(np.abs(a - b).max() for a, b in zip(after, before, strict=True))
    assert moved > 1e-4, "the update moved the weights"


def test_the_preset_starts_as_the_tensorflow_playground():
    model = network.build_model(2, (4, 2), "tanh", seed=1, preset=PRESET)
    kernels, biases = model.get_weights()[0::2], model.get_weights()[1::2]
    assert all(np.abs(k).max() <= 0.5 for k in kernels)
    assert np.concatenate([k.ravel() for k in kernels]).std() > 0.2, "uniform in [-0.5, 0.5]"
    assert all((b == np.float32(0.1)).all() for b in biases)
    assert model.layers[-1].activation.__name__ == "tanh"
    y = network.encode_targets(np.array([0, 1, 1]), "classification", 2, PRESET)
    assert y.ravel().tolist() == [-1.0, 1.0, 1.0]
    assert network.predicted_classes(np.array([[-0.2], [0.0], [0.7]]), threshold=0).tolist() == [
        0, 1, 1,
    ]  # fmt: skip
    assert network.loss_value("half_squared_error", y, np.zeros((3, 1))) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="the TensorFlow Playground has two"):
        network.build_model(2, (3,), n_classes=3, preset=PRESET)
    with pytest.raises(ValueError, match="tanh output is in \\[-1, 1\\]"):
        network.Trainer(model, network.make_optimizer(), "cross_entropy", preset=PRESET)


def test_the_playground_with_the_preset_trains_the_tensorflow_playgrounds_network():
    playground = lmwidgets.Playground(preset=PRESET, regularization="l2",
                                      regularization_rate=0.003)  # fmt: skip
    s = playground.settings
    assert (s["loss"], s["optimizer"], s["dropout"]) == ("half_squared_error", "sgd", 0.0)
    expected = network.build_model(2, (4, 2), "tanh", regularization="l2",
                                   regularization_rate=0.003, seed=0, preset=PRESET)  # fmt: skip
    for ours, theirs in zip(playground.model.get_weights(), expected.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    playground.step(30)
    result = playground.result
    assert result["preset"] == PRESET and -1 <= result["boundary"].min() <= 1
    assert result["test_accuracy"] > 0.6, "the circle is learned with the Playground's rules"
    playground.controls["preset"].value = "keras"
    assert playground.model.layers[-1].activation.__name__ == "sigmoid"
    assert playground.settings["loss"] == "cross_entropy", "and Keras' loss again"
    playground.close()
