"""How long ScalingLawLab's default family takes, against training one small model.

Run: python benchmarks/scale.py

Baseline: one model of the family (width 16, the default steps), trained from scratch.
Each figure is the median of several runs after a warm-up, with the model cache cleared
before each run; the family is the widget's default (six widths).
"""

import statistics
import time

import lmwidgets  # noqa: F401  (picks the Keras backend before keras is imported)
from lmwidgets.core import scaling_law

import keras


def seconds(task, repeats):
    times = []
    for _ in range(repeats):
        scaling_law._train.cache_clear()
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


TARGET_S = 60


def measure():
    scaling_law.train_model(16)  # warm-up: imports, data, first compilation
    one = seconds(lambda: scaling_law.train_model(16), repeats=3)
    family = seconds(lambda: scaling_law.train_family(), repeats=3)
    scaling_law.train_family()
    start = time.perf_counter()
    scaling_law.train_family()
    cached = time.perf_counter() - start
    return one, family, cached


def rows():
    from report import Row

    one, family, _ = measure()
    return [
        Row(
            f"ScalingLawLab: default family ({len(scaling_law.DEFAULT_WIDTHS)} widths) trained",
            family,
            "s",
            one,
            "one model of the family, width 16",
            f"< {TARGET_S} s",
            family < TARGET_S,
        )
    ]


def main():
    one, family, cached = measure()

    widths = ", ".join(map(str, scaling_law.DEFAULT_WIDTHS))
    print(
        f"backend {keras.backend.backend()}; baseline = one model, width 16, "
        f"{scaling_law.DEFAULT_STEPS} steps: {one:.2f} s"
    )
    print(f"{'case':<44} {'ratio':>8}")
    print(f"{'one model (baseline)':<44} {1.0:>8.2f}")
    print(f"{'default family (' + widths + ')':<44} {family / one:>8.2f}")
    print(f"{'default family again (cached)':<44} {cached / one:>8.4f}")
    print(f"default family: {family:.1f} s (target: under {TARGET_S} s on 2 CPU cores)")


if __name__ == "__main__":
    main()
