"""Every control of every widget, changed from Python: milliseconds to the new picture.

Each control is changed as a learner changes it (a slider one step, a dropdown to the next
option, a toggle flipped), through ``widget.controls[name].value``: computing the result
and rendering the PNG included. The values come from the control's own declared spec, so a
new control is measured without touching this file. The first change of each control is a
warm-up (a first compilation, a first draw) and is left out; the rest are new values.
A widget that compiles what a later choice needs in a background thread after its first
picture (``widget.warm_up``) is let finish it first, as a learner reads that picture before
a first change; how long that takes is printed beside the widget.

Controls whose change retrains a model (OverfittingExplorer, ScalingLawLab) are listed with
their time and no target: they are meant to cost a training run. Target for every other
control: median under 50 ms. Baseline: drawing a plain two-axes figure of the same size.
Run: python benchmarks/control_latency.py (the full table, every control).
"""

import math
import statistics
import sys
import time
from pathlib import Path

import lmwidgets
from lmwidgets.widgets._base import new_figure, render_png, widget_names

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.strategies import make, widget_data  # noqa: E402 (the widgets' test data)

TARGET_MS = 50.0
CHANGES = 8  # after one warm-up change
RETRAINS = {"OverfittingExplorer", "ScalingLawLab"}
NOT_A_PICTURE = {"play"}  # starts or stops training; timed in the browser benchmark
# Values a text control takes, where its spec cannot say.
TEXTS = {
    "prompt": [
        "to be",
        "to be or",
        "that is",
        "the question",
        "not to",
        "be, that",
        "or not",
        "not the",
        "is it",
    ],
    # The Playground's own input feature: expressions of x1 and x2.
    "own_feature": [
        "x1*x2",
        "sin(x1) + x2",
        "x1^2 - x2^2",
        "tanh(x1*x2)",
        "abs(x1) - 2",
        "cos(x2)",
        "x1 + x2",
        "exp(-x1^2)",
        "sqrt(abs(x2))",
    ],
    # Two boundaries and three rates, as the defaults: a piecewise schedule needs one more.
    "boundaries": [
        "50, 100",
        "60, 130",
        "70, 140",
        "40, 120",
        "80, 150",
        "30, 90",
        "60, 120",
        "55, 110",
        "65, 125",
    ],
    "values": [
        "0.1, 0.05, 0.01",
        "0.2, 0.1, 0.02",
        "0.05, 0.02, 0.005",
        "0.3, 0.1, 0.03",
        "0.1, 0.03, 0.01",
        "0.2, 0.05, 0.01",
        "0.15, 0.05, 0.02",
        "0.1, 0.01, 0.001",
        "0.25, 0.1, 0.05",
    ],
}
# The Playground's diagram: parts of its default network (2 inputs, layers 4 and 2).
PARTS = {
    "neuron": ["x1", "h1.1", "h1.2", "h1.3", "h1.4", "h2.1", "h2.2", "x2", "output"],
    "link": ["x1 -> h1.1", "x2 -> h1.2", "h1.1 -> h2.1", "h1.4 -> h2.2", "h2.1 -> output",
             "bias -> h1.3", "bias -> output", "x1 -> h1.4", "none"],
}  # fmt: skip
# Where a widget ties controls together (a head count must divide the width).
VALUES = {
    "ScaleCalculator.d_model": [4096 + 256 * k for k in range(1, 10)],
    "ScaleCalculator.n_heads": [64, 128, 256, 512] * 2 + [64],
    "ScaleCalculator.n_kv_heads": [16, 8, 4, 2, 1, 32, 16, 8, 4],
}
FLOOR_LABEL = "matplotlib draws a plain 2-axes figure"


def changes(spec, current, count=CHANGES + 1):
    """``count`` values for ``spec`` as a learner would set them one after another."""
    kind = spec.kind
    if kind in ("choice", "buttons"):
        values = list(spec.values)
        if len(values) < 2:
            return None  # one option: nothing to change
        start = values.index(current) if current in values else 0
        return [values[(start + k) % len(values)] for k in range(1, count + 1)]
    if kind in ("toggle", "toggle_button"):
        return [not current if k % 2 == 0 else current for k in range(count)]
    if kind == "multi":
        options = list(spec.values)
        chosen = list(current)
        out = []
        for k in range(count):
            option = options[k % len(options)]
            chosen = [o for o in chosen if o != option] if option in chosen else [*chosen, option]
            if not chosen:
                chosen = [options[(k + 1) % len(options)]]
            out.append(tuple(o for o in options if o in chosen))
        return out
    if kind == "range":
        low, high = current
        step = spec.step or (spec.high - spec.low) / 40
        shifts = [step * k for k in range(1, count + 1)]
        return [(low + s, high) if low + s < high - step else (low, high - s) for s in shifts]
    if kind == "log":
        factor = 10 ** (1 / 12)
        direction = 1 if current * factor**count <= spec.high else -1
        return [current * factor ** (direction * k) for k in range(1, count + 1)]
    if kind in ("float", "int", "float_text", "int_text"):
        integer = kind.startswith("int")
        low = spec.low if spec.low is not None else -math.inf
        high = spec.high if spec.high is not None else math.inf
        step = spec.step or (
            1 if integer else (high - low) / 50 if math.isfinite(high - low) else 0.01
        )
        if not integer and not math.isfinite(high - low):
            step = abs(current) / 20 or 0.01
        values, position, direction = [], current, 1
        for _ in range(count):  # one step at a time, turning back at either end
            if not low <= position + direction * step <= high:
                direction = -direction
            position += direction * step
            values.append(int(round(position)) if integer else round(position, 6))
        return values
    if kind in ("text", "feature"):
        return TEXTS[spec.name][:count]
    if kind == "part":
        return PARTS[spec.name][:count]
    if kind == "toggles":  # the Playground's input features
        options = list(spec.values)
        return [tuple(options[: 2 + k % (len(options) - 1)]) for k in range(count)]
    if kind == "layers":
        return [tuple([4 + k % 4] * (1 + k % 3)) for k in range(count)]
    if kind == "per_layer":
        return None  # follows the layers: measured through them
    raise AssertionError(f"no values for kind {kind!r}: add them here")


def latencies(build):
    """``{control: [ms per change]}`` for every control of the widget ``build()`` makes, each
    control on a new widget at its defaults (warm-up change excluded)."""
    measured = {}
    widget = build()
    names = [name for name in widget.specs if name not in NOT_A_PICTURE]
    for name in names:
        widget = widget if widget is not None else build()
        warm_up_seconds(widget)
        spec, control = widget.specs[name], widget.controls[name]
        values = VALUES.get(f"{type(widget).__name__}.{name}") or changes(spec, control.value)
        if values is not None:
            measured[name] = _times(widget, name, [v for v in values if _allowed(spec, v)])
        widget.close()
        widget = None
    return measured


def warm_up_seconds(widget):
    """Seconds until the widget's background warm-up ends (0 when it has none)."""
    thread = getattr(widget, "warm_up", None)
    if thread is None:
        return 0.0
    start = time.perf_counter()
    thread.join(timeout=120)
    return time.perf_counter() - start


def _times(widget, name, values):
    times = []
    for index, value in enumerate(values):
        start = time.perf_counter()
        widget.controls[name].value = value
        elapsed = time.perf_counter() - start
        if widget.last_error is not None:
            raise RuntimeError(f"{type(widget).__name__}.{name}={value!r}: {widget.last_error}")
        if index:
            times.append(1000 * elapsed)
    return times


def _allowed(spec, value):
    try:
        spec.check(value)
    except ValueError:
        return False
    return True


def plain_render_ms():
    figure = new_figure(8.0, 3.0)
    for axes in figure.subplots(1, 2):
        axes.plot(np.linspace(-5, 5, 401), np.tanh(np.linspace(-5, 5, 401)))
    render_png(figure)
    times = []
    for _ in range(15):
        start = time.perf_counter()
        render_png(figure)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def measure():
    data = widget_data()
    results, warm_ups = {}, {}
    for name in widget_names():
        widget = make(name, data)  # the first of its class in this process: a full warm-up
        warm_ups[name] = warm_up_seconds(widget)
        widget.close()
        results[name] = latencies(lambda name=name: make(name, data))
    return {"floor": plain_render_ms(), "widgets": results, "warm_ups": warm_ups}


def rows():
    from report import Row

    m = measure()
    table = []
    for name, controls in m["widgets"].items():
        timed = {c: statistics.median(t) for c, t in controls.items() if t}
        slowest = max(timed, key=timed.get)
        if name in RETRAINS:
            table.append(Row(f"{name}: slowest control ({slowest}), retrains", timed[slowest],
                             "ms", m["floor"], FLOOR_LABEL))  # fmt: skip
            continue
        table.append(Row(f"{name}: slowest of its {len(timed)} controls ({slowest})",
                         timed[slowest], "ms", m["floor"], FLOOR_LABEL, f"< {TARGET_MS:.0f} ms",
                         timed[slowest] < TARGET_MS))  # fmt: skip
    return table


def main():
    m = measure()
    print(f"backend: {lmwidgets.backend_name()}; floor ({FLOOR_LABEL}): {m['floor']:.1f} ms")
    print(f"{'widget.control':<58}{'median ms':>10}{'max ms':>9}  target < {TARGET_MS:.0f} ms")
    missed = []
    for name, controls in m["widgets"].items():
        if m["warm_ups"][name]:
            seconds = m["warm_ups"][name]
            print(f"{name}: background warm-up after its first picture, {seconds:.2f} s"
                  " (let finish before its controls are timed)")  # fmt: skip
        for control, times in controls.items():
            if not times:
                continue
            median = statistics.median(times)
            note = "retrains" if name in RETRAINS else ("MISSED" if median >= TARGET_MS else "")
            if note == "MISSED":
                missed.append(f"{name}.{control}")
            print(f"{name + '.' + control:<58}{median:>10.1f}{max(times):>9.1f}  {note}")
    print(f"missed: {', '.join(missed) if missed else 'none'}")


if __name__ == "__main__":
    main()
