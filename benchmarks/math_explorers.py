"""Speed of lesson 04's explorers, measured in one run.

1. OptimizerPlayground's computation: 6 optimizers x 300 steps on Rosenbrock with
   ``lmwidgets.core.optimizers.trajectory`` (Keras' stateless optimizer API inside
   ``lmwidgets.backend.compiled_loop``: one compiled scan per run on JAX), after a first
   call that compiles, against the same runs done the ordinary way: one eager
   ``optimizer.apply_gradients`` call per step. Targets: under 0.3 s, at least 10x faster.
2. Widget latency: setting a control of ActivationExplorer / LossExplorer from Python,
   recomputation and PNG rendering included, each change a new value (no cache hit),
   against drawing a plain two-axes figure of the same size with matplotlib (the floor).
   The explorers redraw only their curves over a cached picture of the axes (blitting);
   a change of the x range re-lays out the axes, so it pays for a whole draw.
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
FLOOR_LABEL = "matplotlib draws a plain 2-axes figure"


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
    """Milliseconds of each change of one control, after a first change as warm-up."""
    widget.controls[control].value = values[0]  # warm-up: first compile, first draw
    times = [seconds(lambda v=v: setattr(widget.controls[control], "value", v)) for v in values[1:]]
    assert widget.message.value == "", widget.message.value
    return [1000 * t for t in times]


def plain_render_ms():
    figure = new_figure(8.0, 3.0)
    for axes in figure.subplots(1, 2):
        axes.plot(np.linspace(-5, 5, 401), np.tanh(np.linspace(-5, 5, 401)))
    render_png(figure)
    return 1000 * statistics.median(seconds(lambda: render_png(figure)) for _ in range(15))


def measure():
    first = seconds(compiled_race)
    compiled = statistics.median(seconds(compiled_race) for _ in range(REPEATS))
    eager_race(steps=2)  # warm-up
    eager_part = statistics.median(seconds(eager_race) for _ in range(EAGER_REPEATS))

    floor = plain_render_ms()
    activation = lmwidgets.ActivationExplorer(activations=("relu", "gelu", "leaky_relu"))
    loss = lmwidgets.LossExplorer()
    slopes = [round(0.01 * k, 2) for k in range(1, 16)]
    ranges = [(-5.0 + 0.5 * k, 5.0) for k in range(8)] + [(-5.0, 5.0 - 0.5 * k) for k in range(8)]
    latencies = {
        "ActivationExplorer: leaky_relu slope": latency_ms(
            activation, "leaky_relu.negative_slope", slopes
        ),
        "ActivationExplorer: x range (new axes each time)": latency_ms(
            activation, "x_range", ranges
        ),
        "LossExplorer: huber delta": latency_ms(loss, "delta", [0.2 + 0.1 * k for k in range(15)]),
    }
    loss.controls["view"].value = "classification"
    latencies["LossExplorer: focal gamma"] = latency_ms(
        loss, "gamma", [0.25 * k for k in range(15)]
    )
    loss.controls["view"].value = "outliers"
    latencies["LossExplorer: outlier strength"] = latency_ms(
        loss, "outlier", [2.0 * k for k in range(15)]
    )
    return {
        "first": first,
        "compiled": compiled,
        "eager_part": eager_part,
        "eager": eager_part * STEPS / EAGER_STEPS,
        "floor": floor,
        "latencies": latencies,
    }


def rows():
    from report import Row

    m = measure()
    floor = m["floor"]
    table = [
        Row(
            f"OptimizerPlayground: {len(RACE)} optimizers x {STEPS} steps",
            m["compiled"],
            "s",
            m["eager"],
            "one eager apply_gradients per step",
            f"< {RACE_TARGET_S} s, ratio <= {1 / SPEEDUP_TARGET:g}",
            m["compiled"] < RACE_TARGET_S and m["eager"] / m["compiled"] >= SPEEDUP_TARGET,
        )
    ]
    for label, times in m["latencies"].items():
        value = statistics.median(times)
        target = f"< {LATENCY_TARGET_MS:.0f} ms"
        table.append(Row(label, value, "ms", floor, FLOOR_LABEL, target, value < LATENCY_TARGET_MS))
    overall = statistics.median(t for times in m["latencies"].values() for t in times)
    table.append(
        Row(
            "explorer control change, median of all the changes above",
            overall,
            "ms",
            floor,
            FLOOR_LABEL,
            f"< {LATENCY_TARGET_MS:.0f} ms",
            overall < LATENCY_TARGET_MS,
        )
    )
    return table


def main():
    print(f"backend: {backend.backend_name()}")
    m = measure()
    compiled, eager = m["compiled"], m["eager"]
    print(f"\n{'6 optimizers x 300 steps':<46}{'seconds':>10}")
    print(f"{'trajectory(), first call (compiles)':<46}{m['first']:>10.3f}")
    print(f"{'trajectory(), after the first call':<46}{compiled:>10.4f}")
    print(f"{'eager apply_gradients per step (baseline)':<46}{eager:>10.3f}")
    print(f"  (measured: the first {EAGER_STEPS} steps of each optimizer, {m['eager_part']:.3f} s)")
    speedup = eager / compiled
    print(
        f"speed-up over eager: {speedup:.0f}x; targets: under {RACE_TARGET_S} s -> "
        f"{'met' if compiled < RACE_TARGET_S else 'MISSED'}, at least {SPEEDUP_TARGET:.0f}x -> "
        f"{'met' if speedup >= SPEEDUP_TARGET else 'MISSED'}"
    )
    floor = m["floor"]
    print(f"\n{'control change, render included':<50}{'ms':>8}{'x floor':>10}")
    print(f"{'plain 2-axes figure render (floor)':<50}{floor:>8.1f}{1.0:>10.2f}")
    for label, times in m["latencies"].items():
        value = statistics.median(times)
        print(f"{label:<50}{value:>8.1f}{value / floor:>10.2f}")
    overall = statistics.median(t for times in m["latencies"].values() for t in times)
    verdict = "met" if overall < LATENCY_TARGET_MS else "MISSED"
    print(f"median of every change: {overall:.1f} ms; target {LATENCY_TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
