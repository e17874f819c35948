"""Nothing leaks: memory kept per create/close cycle of every widget, and a long Playground run.

Two measurements, both of Python-level allocations traced by ``tracemalloc`` (NumPy's
arrays, matplotlib's pictures and every Python object count; JAX's compiled code,
built once per kernel, does not, and neither does the allocator's own slack, which makes
the process size a poor measure of one widget):

- every widget class built and closed 30 times after one warm-up cycle (a first build
  fills caches meant to live as long as the kernel); baseline: the same count of cycles
  of a bare ``ipywidgets.VBox`` holding a slider and an image. Target: under 0.1 MB
  kept per cycle.
- a Playground stepping 12,000 epochs, one redraw each, as play does: the memory kept
  per epoch between epoch 1,000 and the end, and the speed of the last 1,000 epochs
  against epochs 1,000-2,000 (target: within 10%, memory under 0.1 KB per epoch).

    python benchmarks/memory.py             # both, printed
    python benchmarks/memory.py --epochs 3000
"""

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

import lmwidgets
from lmwidgets.widgets._base import widget_names

import ipywidgets as widgets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.strategies import widget_data  # noqa: E402 - the data every widget test uses

CYCLES = 30
KEPT_PER_CYCLE_MB = 0.1
LONG_RUN_EPOCHS = 12_000
WINDOW = 1_000
KEPT_PER_EPOCH_KB = 0.1
# Epochs traced before the count starts: the first few hundred fill caches (traitlets, JAX).
WARM_TRACED = 500


def bare_widget():
    return widgets.VBox([widgets.FloatSlider(), widgets.Image(format="png")])


def kept_per_cycle(build, cycles=CYCLES):
    """Bytes still allocated per build-and-close cycle, after one warm-up cycle (whose
    background warm-up is let finish: what it compiles is kept for the kernel, once)."""
    first = build()
    warm_up = getattr(first, "warm_up", None)
    if warm_up is not None:
        warm_up.join(timeout=120)
    first.close()
    gc.collect()
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(cycles):
            build().close()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / cycles


def close_cycles(names=None, cycles=CYCLES):
    """``{widget name: MB kept per cycle}``, and the bare widget's figure."""
    data = widget_data()
    names = names or widget_names()
    kept = {}
    for name in names:
        widget_class = getattr(lmwidgets, name)
        kept[name] = kept_per_cycle(lambda c=widget_class, n=name: c(**data.get(n, {})), cycles)
        kept[name] /= 2**20
    bare = kept_per_cycle(bare_widget, cycles) / 2**20
    return kept, bare


def long_play(epochs=LONG_RUN_EPOCHS, window=WINDOW):
    """A Playground stepping ``epochs`` one at a time with a redraw each, as play does.

    Returns the bytes kept per epoch after the first window and the speed (epochs per
    second) of the second window and of the last one.
    """
    playground = lmwidgets.Playground()
    try:
        speeds = []

        def timed_window():
            start = time.perf_counter()
            for _ in range(window):
                playground.step(1)
            speeds.append(window / (time.perf_counter() - start))

        timed_window()  # warm-up: compilation, caches
        timed_window()  # epochs 1,000-2,000, untraced (tracing slows every allocation)
        tracemalloc.start()
        try:
            for _ in range(WARM_TRACED):  # what each epoch replaces, caches that fill
                playground.step(1)
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(epochs - 3 * window - WARM_TRACED):
                playground.step(1)
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        timed_window()  # the last window, untraced
        traced_epochs = epochs - 3 * window - WARM_TRACED
        assert playground.session.epoch == epochs, playground.session.epoch
        return {
            "kept_per_epoch": kept / traced_epochs,
            "early_speed": speeds[1],
            "late_speed": speeds[2],
            "epochs": playground.session.epoch,
        }
    finally:
        playground.close()


def rows(epochs=LONG_RUN_EPOCHS):
    from report import Row

    kept, bare = close_cycles()
    worst = max(kept, key=kept.get)
    run = long_play(epochs)
    return [
        Row(
            f"memory kept per create/close cycle ({CYCLES} cycles), worst of "
            f"{len(kept)} widget classes: {worst}",
            kept[worst],
            "MB",
            bare,
            "a bare VBox with a slider and an image",
            f"< {KEPT_PER_CYCLE_MB} MB",
            kept[worst] < KEPT_PER_CYCLE_MB,
        ),
        Row(
            f"Playground: memory kept per epoch over {run['epochs']:,} epochs",
            run["kept_per_epoch"] / 1024,
            "KB",
            None,
            "",
            f"< {KEPT_PER_EPOCH_KB} KB",
            run["kept_per_epoch"] / 1024 < KEPT_PER_EPOCH_KB,
        ),
        Row(
            f"Playground: epochs/s, last {WINDOW:,} of {run['epochs']:,}",
            run["late_speed"],
            "epochs/s",
            run["early_speed"],
            "epochs 1,000-2,000 of the same run",
            "ratio >= 0.9",
            run["late_speed"] / run["early_speed"] >= 0.9,
        ),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=LONG_RUN_EPOCHS)
    parser.add_argument("--widgets", nargs="*", help="only these widget classes")
    parser.add_argument("--cycles", type=int, default=CYCLES)
    args = parser.parse_args()
    kept, bare = close_cycles(args.widgets, args.cycles)
    print(f"memory kept per create/close cycle ({args.cycles} cycles), MB:")
    for name, mb in kept.items():
        print(f"  {name:<22}{mb:>10.4f}")
    print(f"  {'(bare VBox)':<22}{bare:>10.4f}")
    if args.epochs:
        run = long_play(args.epochs)
        print(
            f"Playground, {run['epochs']:,} epochs: {run['kept_per_epoch']:.1f} bytes kept per "
            f"epoch; {run['early_speed']:.0f} epochs/s at epochs 1,000-2,000, "
            f"{run['late_speed']:.0f} epochs/s in the last {WINDOW:,}"
        )


if __name__ == "__main__":
    main()
