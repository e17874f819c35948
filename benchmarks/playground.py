"""How fast the Playground trains while you watch: epochs with a redraw per second.

The issue's target: at least 15 epochs-with-redraw per second for 2 features -> 8 -> 8
-> 1 on 500 points (batch size 10) with JAX on a 2-core CPU. The table breaks one
epoch-with-redraw into its parts, each against the plain Keras way of doing the same
in this run: ``model.fit(epochs=1)`` for an epoch, ``model.predict`` for the heatmaps.
Times are medians of several repetitions after a warm-up.

    python benchmarks/playground.py
"""

import statistics
import time

import lmwidgets

import numpy as np

REPEATS = 7
EPOCHS_PER_REPEAT = 10


def median_ms(action, repeats=REPEATS, per_repeat=EPOCHS_PER_REPEAT):
    """Median over repeats of the mean time of one action, in milliseconds."""
    action()  # warm-up (compiles)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(per_repeat):
            action()
        times.append((time.perf_counter() - start) / per_repeat * 1000)
    return statistics.median(times)


def measure(n_points, train_ratio):
    playground = lmwidgets.Playground(
        n_points=n_points, train_ratio=train_ratio, layers=(8, 8), batch_size=10
    )
    trainer = playground.session.trainer
    grid = playground.session.data["grid_features"]
    n_train = len(trainer.x_train)

    # The plain Keras way: one fit() call per epoch, predict() for the heatmaps.
    model = trainer.model
    x, y = trainer.x_train, trainer.y_train
    fit_ms = median_ms(
        lambda: model.fit(x, y, epochs=1, batch_size=10, verbose=0), repeats=3, per_repeat=3
    )
    predict_ms = median_ms(lambda: trainer._probe.predict(grid, verbose=0), per_repeat=3)

    train_ms = median_ms(trainer.train_epoch)
    evaluate_ms = median_ms(lambda: trainer.evaluate(grid))
    show_ms = median_ms(lambda: playground.render(playground.result))
    diagram_ms = median_ms(lambda: playground._draw_diagram(playground.result))
    draw_ms = median_ms(playground.draw)
    step_ms = median_ms(lambda: playground.step(1))
    playground.close()
    return {
        "n_train": n_train,
        "fit": fit_ms,
        "predict": predict_ms,
        "train": train_ms,
        "evaluate": evaluate_ms,
        "show": show_ms,
        "diagram": diagram_ms,
        "draw": draw_ms,
        "step": step_ms,
    }


def rows():
    from report import Row

    m = measure(500, 50)
    ours = 1000 / m["step"]
    keras_way = 1000 / (m["fit"] + m["predict"])
    return [
        Row(
            "Playground: epochs with redraw per second (500 points, 2-8-8-1)",
            ours,
            "epochs/s",
            keras_way,
            "model.fit(epochs=1) + predict(grid), no drawing",
            ">= 15 epochs/s",
            ours >= 15,
        )
    ]


def main():
    print(f"backend: {lmwidgets.backend_name()}; network 2 -> 8 -> 8 -> 1, batch size 10")
    for n_points, ratio in ((500, 50), (1000, 50)):
        m = measure(n_points, ratio)
        print(f"\n{n_points} points, {m['n_train']} of them for training")
        print(f"{'part of one epoch-with-redraw':<46}{'ms':>8}{'vs Keras way':>15}")
        rows = [
            ("Keras model.fit(epochs=1) (baseline)", m["fit"], 1.0),
            ("train step: jitted minibatch steps", m["train"], m["fit"] / m["train"]),
            ("Keras model.predict(grid) (baseline)", m["predict"], 1.0),
            ("evaluation: train+test+grid, one pass", m["evaluate"], m["predict"] / m["evaluate"]),
            ("drawing: artists updated", m["show"], None),
            ("  of which the network diagram (links, biases)", m["diagram"], None),
            ("drawing: blit + JPEG", m["draw"], None),
            ("whole epoch with redraw (step(1))", m["step"], None),
        ]
        for name, ms, ratio_ in rows:
            ratio_text = f"{ratio_:.1f}x faster" if ratio_ and ratio_ != 1.0 else ""
            print(f"{name:<46}{ms:>8.1f}{ratio_text:>15}")
        per_second = 1000 / m["step"]
        verdict = "meets" if per_second >= 15 else "MISSES"
        print(f"epochs with redraw per second: {per_second:.0f} ({verdict} the target of 15)")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
