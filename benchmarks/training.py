"""Training speed on MNIST, per installed Keras backend, measured in one run.

For each backend (a fresh process each, since Keras fixes its backend at import):
- the epoch time of the source document's corrected model (784-128-10 MLP with
  dropout, Adam, batch 32, the Keras default);
- LiveLossPlot's overhead: the same MLP fitted for two epochs of 60,000 images at
  batch 128 with and without the callback, alternating, median of several
  repetitions after a warm-up; printed as the ratio with / without (the bound:
  at most 1.05). Without the full MNIST, the offline sample is repeated to
  60,000 images, so an epoch costs what a full-MNIST epoch costs.

Usage: python benchmarks/training.py [--reps N]
Uses the full MNIST when it is available, else the offline sample
(LMWIDGETS_OFFLINE=1 forces the sample).
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

BACKENDS = ("jax", "torch", "tensorflow")
MODULES = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}
OVERHEAD_EPOCHS = 2
OVERHEAD_IMAGES = 60_000


def corrected_model(keras):
    """The source document's model, written for Keras 3."""
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(reps):
    """Run in the child process: numbers for the backend in KERAS_BACKEND."""
    import contextlib
    import io

    import lmwidgets

    import keras
    import numpy as np

    with contextlib.redirect_stdout(io.StringIO()):
        (x_train, y_train), _ = lmwidgets.datasets.load_mnist()
    x_train = x_train / 255.0
    keras.utils.set_random_seed(0)

    model = corrected_model(keras)
    model.fit(x_train, y_train, epochs=1, verbose=0)  # warm-up: compiles the train step
    epoch_b32 = statistics.median(
        timed(lambda: model.fit(x_train, y_train, epochs=1, verbose=0)) for _ in range(reps)
    )

    model = corrected_model(keras)
    repeat = -(-OVERHEAD_IMAGES // len(x_train))
    x_big = np.concatenate([x_train] * repeat)[:OVERHEAD_IMAGES]
    y_big = np.concatenate([y_train] * repeat)[:OVERHEAD_IMAGES]

    def fit(callbacks):
        model.fit(
            x_big, y_big, epochs=OVERHEAD_EPOCHS, batch_size=128, callbacks=callbacks, verbose=0
        )

    def fit_and_draw(plot):
        fit([plot])
        plot.flush()  # until the last epoch is on the picture

    fit_and_draw(lmwidgets.LiveLossPlot(show=False))  # warm-up, both paths
    without, with_plot, with_picture = [], [], []
    for _ in range(reps):
        without.append(timed(lambda: fit([])))
        plot = lmwidgets.LiveLossPlot(show=False)
        with_plot.append(timed(lambda: fit([plot])))  # noqa: B023 - called at once
        plot.flush()
        plot = lmwidgets.LiveLossPlot(show=False)
        with_picture.append(timed(lambda: fit_and_draw(plot)))  # noqa: B023
    return {
        "backend": keras.backend.backend(),
        "train_images": len(x_train),
        "epoch_b32_s": epoch_b32,
        "fit_b128_s": statistics.median(without),
        "fit_b128_plot_s": statistics.median(with_plot),
        "fit_b128_drawn_s": statistics.median(with_picture),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions per figure")
    parser.add_argument("--backends", nargs="*", default=BACKENDS, choices=BACKENDS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.reps)))
        return
    rows = []
    for name in args.backends:
        if importlib.util.find_spec(MODULES[name]) is None:
            continue
        env = dict(os.environ, KERAS_BACKEND=name, TF_CPP_MIN_LOG_LEVEL="2")
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--reps", str(args.reps)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{name}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    header = (
        f"{'backend':<11}{'MNIST train':>12}{'epoch, batch 32':>17}"
        f"{f'{OVERHEAD_EPOCHS}x60k b128':>16}{'+ LiveLossPlot':>16}{'ratio':>7}"
        f"{'+ last draw':>13}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        base = row["fit_b128_s"]
        print(
            f"{row['backend']:<11}{row['train_images']:>12,}{row['epoch_b32_s']:>16.2f}s"
            f"{base:>15.2f}s{row['fit_b128_plot_s']:>15.2f}s"
            f"{row['fit_b128_plot_s'] / base:>7.3f}"
            f"{row['fit_b128_drawn_s']:>12.2f}s{row['fit_b128_drawn_s'] / base:>7.3f}"
        )
    print(
        f"median of {args.reps} repetitions after a warm-up. ratio: fit time with the callback"
        " / without; '+ last draw' also waits for the final picture (drawn in a helper thread)."
    )


if __name__ == "__main__":
    main()
