"""Speed of lesson 04's explorers, measured in one run.

1. OptimizerPlayground's computation: 6 optimizers x 300 steps on Rosenbrock with
   ``lmwidgets.core.optimizers.trajectory`` (Keras' stateless optimizer API inside
   ``lmwidgets.backend.compiled_loop``: one compiled scan per run on JAX), after a first
   call that compiles, against the same runs done the ordinary way: one eager
   ``optimizer.apply_gradients`` call per step. Targets: under 0.3 s, at least 10x faster.
2. Widget latency: setting a control of ActivationExplorer / LossExplorer from Python,
   recomputation and PNG rendering included, each change a new value (no cache hit),
   against rendering a plain two-axes figure of the same size (the floor).
   Target: median under 50 ms.

Every figure is a median of repetitions after a warm-up. Run: python benchmarks/math_explorers.py
"""

import statistics
import time

import lmwidgets
from lmwidgets import backend
from lmwidgets.core import optimizers
from lmwidgets.widgets._base import new_figure, render_png

import keras
import numpy as np

RACE = ("sgd", "momentum", "rmsprop", "adam", "adagrad", "nadam")
SURFACE, START, LEARNING_RATE, STEPS = "rosenbrock", (-1.5, 2.0), 1e-3, 300
REPEATS = 5
# The eager baseline takes tens of milliseconds a step: it runs the first EAGER_STEPS steps of
# each optimizer and is scaled to 300 (each eager step costs the same, there is no compilation).
EAGER_STEPS = 30
EAGER_REPEATS = 3
RACE_TARGET_S, SPEEDUP_TARGET, LATENCY_TARGET_MS = 0.3, 10.0, 50.0


def seconds(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def compiled_race():
    for name in RACE:
        optimizers.trajectory(name, SURFACE, START, LEARNING_RATE, STEPS)


def eager_race(steps=EAGER_STEPS):
    function = optimizers._surface_function(SURFACE, {})
    value_and_grad = backend.value_and_grad_function(lambda v: function(v[0], v[1]))
    for name in RACE:
        base, preset = optimizers.PRESETS.get(name, (name, {}))
        optimizer = keras.optimizers.get(
            {"class_name": base, "config": {"learning_rate": LEARNING_RATE, **preset}}
        )
        point = keras.Variable(np.array(START, dtype="float32"))
        for _ in range(steps):
            _, gradient = value_and_grad(point.value)
            optimizer.apply_gradients([(gradient, point)])


def latency_ms(widget, control, values):
    widget.controls[control].value = values[0]  # warm-up: first compile, first draw
    times = [seconds(lambda v=v: setattr(widget.controls[control], "value", v)) for v in values[1:]]
    assert widget.message.value == "", widget.message.value
    return 1000 * statistics.median(times)


def plain_render_ms():
    figure = new_figure(8.0, 3.0)
    for axes in figure.subplots(1, 2):
        axes.plot(np.linspace(-5, 5, 401), np.tanh(np.linspace(-5, 5, 401)))
    render_png(figure)
    return 1000 * statistics.median(seconds(lambda: render_png(figure)) for _ in range(15))


def main():
    print(f"backend: {backend.backend_name()}")
    first = seconds(compiled_race)
    compiled = statistics.median(seconds(compiled_race) for _ in range(REPEATS))
    eager_race(steps=2)  # warm-up
    eager_part = statistics.median(seconds(eager_race) for _ in range(EAGER_REPEATS))
    eager = eager_part * STEPS / EAGER_STEPS
    print(f"\n{'6 optimizers x 300 steps':<46}{'seconds':>10}")
    print(f"{'trajectory(), first call (compiles)':<46}{first:>10.3f}")
    print(f"{'trajectory(), after the first call':<46}{compiled:>10.4f}")
    print(f"{'eager apply_gradients per step (baseline)':<46}{eager:>10.3f}")
    print(f"  (measured: the first {EAGER_STEPS} steps of each optimizer, {eager_part:.3f} s)")
    speedup = eager / compiled
    print(
        f"speed-up over eager: {speedup:.0f}x; targets: under {RACE_TARGET_S} s -> "
        f"{'met' if compiled < RACE_TARGET_S else 'MISSED'}, at least {SPEEDUP_TARGET:.0f}x -> "
        f"{'met' if speedup >= SPEEDUP_TARGET else 'MISSED'}"
    )

    floor = plain_render_ms()
    activation = lmwidgets.ActivationExplorer(activations=("relu", "gelu", "leaky_relu"))
    loss = lmwidgets.LossExplorer()
    slopes = [round(0.01 * k, 2) for k in range(1, 16)]
    ranges = [(-5.0 + 0.5 * k, 5.0) for k in range(8)] + [(-5.0, 5.0 - 0.5 * k) for k in range(8)]
    rows = [
        (
            "ActivationExplorer: leaky_relu slope",
            latency_ms(activation, "leaky_relu.negative_slope", slopes),
        ),
        ("ActivationExplorer: x range", latency_ms(activation, "x_range", ranges)),
        (
            "LossExplorer: huber delta",
            latency_ms(loss, "delta", [0.2 + 0.1 * k for k in range(15)]),
        ),
    ]  # noqa: E501  fmt: skip
    loss.controls["view"].value = "classification"
    rows.append(
        ("LossExplorer: focal gamma", latency_ms(loss, "gamma", [0.25 * k for k in range(15)]))
    )
    loss.controls["view"].value = "outliers"
    rows.append(
        (
            "LossExplorer: outlier strength",
            latency_ms(loss, "outlier", [2.0 * k for k in range(15)]),
        )
    )
    print(f"\n{'control change, render included':<46}{'ms':>10}{'x floor':>10}")
    print(f"{'plain 2-axes figure render (floor)':<46}{floor:>10.1f}{1.0:>10.2f}")
    for label, value in rows:
        verdict = "met" if value < LATENCY_TARGET_MS else "MISSED"
        target = f"target {LATENCY_TARGET_MS:.0f} ms: {verdict}"
        print(f"{label:<46}{value:>10.1f}{value / floor:>10.2f}   {target}")


if __name__ == "__main__":
    main()
