"""How long `import lmwidgets` takes in a fresh interpreter, against `import keras`.

Each figure is the median of several fresh processes after one warm-up (which fills the
file-system cache). Run: python benchmarks/import_time.py
"""

import statistics
import subprocess
import sys

REPEATS = 7
TARGET_S = 0.3


def import_seconds(statement):
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    run = lambda: float(  # noqa: E731
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    run()
    return statistics.median(run() for _ in range(REPEATS))


def measure():
    return import_seconds("import lmwidgets"), import_seconds("import lmwidgets, keras")


def rows():
    from report import Row

    ours, keras = measure()
    return [
        Row(
            "import lmwidgets",
            ours,
            "s",
            keras,
            "import lmwidgets, keras",
            f"< {TARGET_S} s",
            ours < TARGET_S,
        )
    ]


def main():
    ours, keras = measure()
    print(f"{'measured':<34}{'seconds':>10}")
    print(f"{'import lmwidgets':<34}{ours:>10.3f}")
    print(f"{'import lmwidgets, keras (baseline)':<34}{keras:>10.3f}")
    print(
        f"ratio lmwidgets / keras import: {ours / keras:.3f}; "
        f"target: under {TARGET_S} s -> {'met' if ours < TARGET_S else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
