"""Speed of lesson 06's explorers and of the design choices behind them, in one run.

Baseline: one forward pass of the character Transformer of lesson 06 on one window
(``model.predict_on_batch``, compiled once), the unit every generated character costs.
Against it:

1. ``core.sampling.next_token_distribution`` with top-k and top-p (numpy): should be
   negligible next to the forward pass.
2. The same forward pass by calling the model eagerly (``model(x)``): why core uses
   ``predict_on_batch`` (one compiled function instead of op-by-op dispatch).
3. SamplingExplorer: one control change (40 generated characters, attention, PNG).
4. FeatureMapExplorer: one control change (feature maps, probabilities, PNG).
5. REINFORCE: one iteration of ``rl.train_policy`` (32 episodes, one padded batch of a
   fixed shape), against the same iteration with the batch left at its natural,
   changing size, which makes JAX recompile the training step on every new shape.

Models are untrained: speed does not depend on the weights. Every figure is the
median of repetitions after a warm-up. Run: python benchmarks/applications.py
"""

import statistics
import time

import lmwidgets
from lmwidgets.core import char_transformer, cnn, rl, sampling

import keras
import numpy as np

REPEATS = 7


def median_seconds(function, repeats=REPEATS, warmup=2):
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def reinforce_iteration_variable_shape(game, policy, rng):
    """One REINFORCE update without padding: the batch has as many rows as moves played."""
    table = rl.policy_table(policy, game)
    episodes = [rl.play_episode(game, table, rng) for _ in range(32)]
    eye = np.eye(game.n_states, dtype="float32")
    states = np.concatenate([eye[[game.state_index(c) for c in e["cells"][:-1]]] for e in episodes])
    actions = np.concatenate([e["actions"] for e in episodes])
    returns = np.concatenate([rl.discounted_returns(e["rewards"], 1.0) for e in episodes])
    weights = ((returns - returns.mean()) / (returns.std() + 1e-8)).astype("float32")
    policy.train_on_batch(states, actions, sample_weight=weights)


def measure():
    """``(rows, forward, fixed, variable)``: (what, seconds) rows, the forward pass (the
    baseline), and one REINFORCE iteration with a fixed and with a changing batch shape."""
    keras.utils.set_random_seed(0)
    text = lmwidgets.datasets.load_text()
    vocab = char_transformer.CharVocab.from_text(text)
    lm = char_transformer.build_char_transformer(vocab.size)
    window = np.zeros((1, char_transformer.context_length(lm)), dtype="int32")
    window[0, :10] = vocab.encode("ROMEO: I w")
    logits = char_transformer.next_token_logits(lm, vocab, "ROMEO: I w")

    forward = median_seconds(lambda: lm.predict_on_batch(window))
    rows = [("forward pass, predict_on_batch (baseline)", forward)]
    rows.append((
        "next_token_distribution, top-k 10 + top-p 0.9",
        median_seconds(lambda: sampling.next_token_distribution(logits, 0.8, 10, 0.9)),
    ))  # fmt: skip
    rows.append(("forward pass, eager model(x)", median_seconds(lambda: lm(window))))

    sampler = lmwidgets.SamplingExplorer(lm, vocab, prompt="ROMEO:", length=40)
    temperatures = iter(np.linspace(0.5, 1.5, 100))
    rows.append((
        "SamplingExplorer change (40 characters)",
        median_seconds(lambda: setattr(sampler.controls["temperature"], "value",
                                       float(next(temperatures)))),
    ))  # fmt: skip

    (x_train, y_train), _ = lmwidgets.datasets.load_mnist("offline")
    cnn_model = cnn.build_cnn()
    explorer = lmwidgets.FeatureMapExplorer(cnn_model, x_train[:100] / 255.0, y_train[:100])
    indices = iter(range(1, 100))
    rows.append((
        "FeatureMapExplorer change",
        median_seconds(lambda: setattr(explorer.controls["image"], "value", next(indices))),
    ))  # fmt: skip

    game = rl.GridGame()
    policy = rl.build_policy(game)
    fixed = median_seconds(lambda: rl.train_policy(game, policy, iterations=1), repeats=5)
    rng = np.random.default_rng(0)
    variable = median_seconds(
        lambda: reinforce_iteration_variable_shape(game, policy, rng), repeats=5
    )
    rows.append(("REINFORCE iteration, fixed batch shape", fixed))
    rows.append(("REINFORCE iteration, changing batch shape", variable))
    return rows, forward, fixed, variable


def rows():
    from report import Row

    measured, forward, fixed, variable = measure()
    seconds = dict(measured)
    label = "one forward pass of the character Transformer"
    return [
        Row(
            "SamplingExplorer: control change (40 characters generated)",
            1e3 * seconds["SamplingExplorer change (40 characters)"],
            "ms",
            1e3 * forward,
            label,
        ),
        Row("FeatureMapExplorer: control change", 1e3 * seconds["FeatureMapExplorer change"], "ms"),
        Row(
            "REINFORCE iteration (32 episodes), one padded batch shape",
            1e3 * fixed,
            "ms",
            1e3 * variable,
            "the batch left at its changing natural size",
        ),
    ]


def main():
    rows, forward, fixed, variable = measure()
    print(f"backend: {lmwidgets.backend_name()}; median of {REPEATS} after a warm-up")
    print(f"{'what':48} {'ms':>9} {'x baseline':>11}")
    for name, value in rows:
        print(f"{name:48} {value * 1e3:9.2f} {value / forward:11.2f}")
    print(f"recompiling on every new shape costs {variable / fixed:.1f}x per REINFORCE iteration")


if __name__ == "__main__":
    main()
