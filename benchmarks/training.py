"""Training speed on MNIST, per installed Keras backend, measured in one run.

For each backend (a fresh process each, since Keras fixes its backend at import):
- the epoch time of the source document's corrected model (784-128-10 MLP with
  dropout, Adam, batch 32, the Keras default);
- the same MLP's training step by hand in NumPy (batch 32, SGD), the model's FLOPs per
  epoch, and the FLOP/s each achieves, against a large NumPy matmul (a practical peak);
- LiveLossPlot's overhead: the same MLP fitted for two epochs of 60,000 images at
  batch 128 with and without the callback, alternating, median of several
  repetitions after a warm-up; printed as the ratio with / without (the bound:
  at most 1.05), and against Keras' own progress bar (verbose=1). Without the full
  MNIST, the offline sample is repeated to 60,000 images, so an epoch costs what a
  full-MNIST epoch costs.

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


HIDDEN, CLASSES, PIXELS, BATCH = 128, 10, 784, 32


def mlp_flops_per_image():
    """Multiply-adds x 2 of one training step of the 784-128-10 MLP, per image: the forward
    matmuls, the weight gradients (as many again), and the hidden layer's input gradient
    (the input image needs none). Biases, ReLU, softmax and the optimizer's few
    elementwise operations per weight are left out: they are under 1% here."""
    forward = 2 * (PIXELS * HIDDEN + HIDDEN * CLASSES)
    return 2 * forward + 2 * HIDDEN * CLASSES


def numpy_epoch(x, y, learning_rate=0.01, seed=0):
    """One epoch of the same MLP (dropout 0.2, softmax cross-entropy) by hand in NumPy,
    batch 32, plain SGD: the machine's own BLAS, without any framework in the way.
    Returns the trained weights ``(w1, b1, w2, b2)``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    w1 = rng.normal(0, 0.05, (PIXELS, HIDDEN)).astype("float32")
    b1 = np.zeros(HIDDEN, "float32")
    w2 = rng.normal(0, 0.05, (HIDDEN, CLASSES)).astype("float32")
    b2 = np.zeros(CLASSES, "float32")
    x = x.reshape(len(x), PIXELS).astype("float32")
    for start in range(0, len(x), BATCH):
        xb, yb = x[start : start + BATCH], y[start : start + BATCH]
        hidden = np.maximum(xb @ w1 + b1, 0)
        keep = (rng.random(hidden.shape) > 0.2).astype("float32") / 0.8
        dropped = hidden * keep
        logits = dropped @ w2 + b2
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        probabilities[np.arange(len(yb)), yb] -= 1
        d_logits = probabilities / len(yb)
        d_hidden = (d_logits @ w2.T) * keep * (hidden > 0)
        w2 -= learning_rate * (dropped.T @ d_logits)
        b2 -= learning_rate * d_logits.sum(axis=0)
        w1 -= learning_rate * (xb.T @ d_hidden)
        b1 -= learning_rate * d_hidden.sum(axis=0)
    return w1, b1, w2, b2


def matmul_flops_per_second(size=2048, repeats=5):
    """FLOP/s of NumPy's float32 matrix product at a size that keeps BLAS busy: a practical
    peak of this machine, to see how close an epoch comes to it."""
    import numpy as np

    a = np.ones((size, size), "float32")
    a @ a
    best = min(timed(lambda: a @ a) for _ in range(repeats))
    return 2 * size**3 / best


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

    def fit_verbose():
        # Keras' own progress bar, written where a terminal or notebook would show it.
        with contextlib.redirect_stdout(io.StringIO()):
            model.fit(x_big, y_big, epochs=OVERHEAD_EPOCHS, batch_size=128, verbose=1)

    fit_and_draw(lmwidgets.LiveLossPlot(show=False))  # warm-up, both paths
    fit_verbose()

    def fit_with_plot():
        plot = lmwidgets.LiveLossPlot(show=False)
        seconds = timed(lambda: fit([plot]))
        plot.flush()  # the last picture is drawn after the fit, outside the timing
        return seconds

    def fit_with_picture():
        plot = lmwidgets.LiveLossPlot(show=False)
        return timed(lambda: fit_and_draw(plot))

    # Each repetition times the four ways back to back, in an order turned round each time, so
    # that a slow spell of a shared machine falls on all of them; the overhead is the median of
    # the repetitions' own ratios.
    runs = {
        "without": lambda: timed(lambda: fit([])),
        "with_plot": fit_with_plot,
        "with_picture": fit_with_picture,
        "verbose": lambda: timed(fit_verbose),
    }
    times = {name: [] for name in runs}
    for rep in range(reps):
        order = list(runs)[rep % len(runs) :] + list(runs)[: rep % len(runs)]
        for name in order:
            times[name].append(runs[name]())
    without, with_plot = times["without"], times["with_plot"]
    with_picture, verbose = times["with_picture"], times["verbose"]
    return {
        "backend": keras.backend.backend(),
        "train_images": len(x_train),
        "epoch_b32_s": epoch_b32,
        "fit_b128_s": statistics.median(without),
        "fit_b128_plot_s": statistics.median(with_plot),
        "fit_b128_drawn_s": statistics.median(with_picture),
        "fit_b128_verbose_s": statistics.median(verbose),
        "plot_ratio": statistics.median(p / w for p, w in zip(with_plot, without, strict=True)),
        "drawn_ratio": statistics.median(p / w for p, w in zip(with_picture, without, strict=True)),
        "verbose_ratio": statistics.median(p / v for p, v in zip(with_plot, verbose, strict=True)),
    }


def measure_backends(backends=BACKENDS, reps=3):
    """One fresh process per installed backend (Keras fixes its backend at import)."""
    rows = []
    for name in backends:
        if importlib.util.find_spec(MODULES[name]) is None:
            continue
        env = dict(os.environ, KERAS_BACKEND=name, TF_CPP_MIN_LOG_LEVEL="2")
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--reps", str(reps)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{name}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return rows


def numpy_baseline(images, reps=3):
    """Seconds per epoch of the NumPy MLP on as many MNIST-sized images, and the peak."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((images, 28, 28), dtype="float32")
    y = rng.integers(0, CLASSES, images)
    numpy_epoch(x[: 10 * BATCH], y[: 10 * BATCH])  # warm-up
    epoch = statistics.median(timed(lambda: numpy_epoch(x, y)) for _ in range(reps))
    return epoch, matmul_flops_per_second()


def rows(reps=7):
    from report import Row

    table = []
    measured = measure_backends(reps=reps)
    if not measured:
        return table
    images = measured[0]["train_images"]
    numpy_s, peak = numpy_baseline(images, reps)
    flops = mlp_flops_per_image() * images
    table.append(
        Row(
            "NumPy MLP by hand: achieved FLOP/s (the machine's limit for this model)",
            flops / numpy_s,
            "FLOP/s",
            peak,
            "NumPy 2048x2048 float32 matmul",
        )
    )
    for row in measured:
        name = row["backend"]
        epoch = row["epoch_b32_s"]
        table.append(
            Row(
                f"MNIST MLP epoch, batch 32, {images:,} images ({name})",
                epoch,
                "s",
                numpy_s,
                "the same MLP by hand in NumPy",
            )
        )
        table.append(
            Row(
                f"  its achieved FLOP/s ({flops / 1e9:.2f} GFLOP per epoch)",
                flops / epoch,
                "FLOP/s",
                flops / numpy_s,
                "NumPy MLP by hand",
            )
        )
        base = row["fit_b128_s"]
        table.append(
            Row(
                f"fit with LiveLossPlot, 2 x 60k images, batch 128 ({name})",
                row["fit_b128_plot_s"],
                "s",
                base,
                "fit without it",
                "ratio <= 1.05",
                row["plot_ratio"] <= 1.05,
                paired_ratio=row["plot_ratio"],
            )
        )
        table.append(
            Row(
                f"fit with LiveLossPlot vs Keras' progress bar ({name})",
                row["fit_b128_plot_s"],
                "s",
                row["fit_b128_verbose_s"],
                "fit with verbose=1",
                paired_ratio=row["verbose_ratio"],
            )
        )
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions per figure")
    parser.add_argument("--backends", nargs="*", default=BACKENDS, choices=BACKENDS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.reps)))
        return
    rows = measure_backends(args.backends, args.reps)
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
            f"{row['plot_ratio']:>7.3f}"
            f"{row['fit_b128_drawn_s']:>12.2f}s{row['drawn_ratio']:>7.3f}"
        )
    print(
        f"median of {args.reps} repetitions after a warm-up. ratio: the median of each"
        " repetition's fit time with the callback / without; '+ last draw' also waits for the"
        " final picture (drawn in a helper thread)."
    )
    for row in rows:
        print(
            f"{row['backend']}: with LiveLossPlot {row['fit_b128_plot_s']:.2f} s, with Keras'"
            f" verbose=1 progress bar {row['fit_b128_verbose_s']:.2f} s"
        )
    if rows:
        images = rows[0]["train_images"]
        numpy_s, peak = numpy_baseline(images, args.reps)
        flops = mlp_flops_per_image() * images
        print(
            f"\nthe MLP's training step: {mlp_flops_per_image():,} FLOP per image,"
            f" {flops / 1e9:.2f} GFLOP per epoch of {images:,} images"
        )
        for name, epoch in [
            ("NumPy by hand (baseline)", numpy_s),
            *((row["backend"], row["epoch_b32_s"]) for row in rows),
        ]:
            print(f"{name:<26}{epoch:>8.2f} s {flops / epoch / 1e9:>8.1f} GFLOP/s")
        print(f"NumPy 2048x2048 float32 matmul (a practical peak): {peak / 1e9:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
