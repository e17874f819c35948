"""Every lesson executed top to bottom: its run time and its kernel's peak memory.

Each lesson runs in a fresh kernel (nbclient, as nbval and `make lessons` run them), started
by a fresh helper process that reads the kernel's peak resident memory from
``getrusage(RUSAGE_CHILDREN)`` once the kernel has exited: the exact peak, not a sample.
Baseline: a notebook of one cell that imports lmwidgets and Keras and runs one Keras op,
the cost every lesson pays before its first line of its own.

Targets: each lesson under 90 s and 2 GB (a Binder session has 1-2 GB); the whole course
under 10 minutes on 2 CPU cores. Run: python benchmarks/lessons.py
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LESSON_TARGET_S, COURSE_TARGET_S, MEMORY_TARGET_MB = 90, 600, 2048
HELPER = """
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
start = time.perf_counter()
NotebookClient(notebook, timeout=900, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
seconds = time.perf_counter() - start
# ru_maxrss is in KiB on Linux: the largest of the exited children, here the kernel.
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak}))
"""


def run(path):
    """``{"seconds", "peak_bytes"}`` of one notebook run in a fresh kernel."""
    env = dict(os.environ, KERAS_BACKEND=os.environ.get("KERAS_BACKEND", "jax"))
    env.setdefault("LMWIDGETS_OFFLINE", "1")
    done = subprocess.run(
        [sys.executable, "-c", HELPER, str(path), str(ROOT / "lessons")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline():
    cell = nbformat.v4.new_code_cell("import lmwidgets\nimport keras\nkeras.ops.ones(1)")
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "baseline.ipynb"
        nbformat.write(notebook, path)
        run(path)  # warm-up: the file-system cache
        return run(path)


def measure():
    base = baseline()
    lessons = {path.stem: run(path) for path in sorted((ROOT / "lessons").glob("*.ipynb"))}
    return base, lessons


def rows():
    from report import Row

    base, lessons = measure()
    label = "a notebook that imports lmwidgets and keras"
    table = []
    for name, figures in lessons.items():
        table.append(
            Row(
                f"lesson {name}: run time",
                figures["seconds"],
                "s",
                base["seconds"],
                label,
                f"< {LESSON_TARGET_S} s",
                figures["seconds"] < LESSON_TARGET_S,
            )
        )
        memory = figures["peak_bytes"] / 2**20
        table.append(
            Row(
                f"lesson {name}: kernel peak memory",
                memory,
                "MB",
                base["peak_bytes"] / 2**20,
                label,
                f"< {MEMORY_TARGET_MB:,} MB",
                memory < MEMORY_TARGET_MB,
            )
        )
    total = sum(figures["seconds"] for figures in lessons.values())
    slowest = max(lessons, key=lambda name: lessons[name]["seconds"])
    table.append(
        Row(
            "whole course, every lesson executed in turn",
            total,
            "s",
            base["seconds"] * len(lessons),
            f"{len(lessons)} x the import notebook",
            f"< {COURSE_TARGET_S // 60} min",
            total < COURSE_TARGET_S,
        )
    )
    table.append(
        Row(
            f"slowest lesson ({slowest})",
            lessons[slowest]["seconds"],
            "s",
            base["seconds"],
            label,
            f"< {LESSON_TARGET_S} s",
            lessons[slowest]["seconds"] < LESSON_TARGET_S,
        )
    )
    return table


def main():
    base, lessons = measure()
    print(f"{'notebook':<22}{'seconds':>9}{'peak MB':>9}")
    for name, figures in {"import only (baseline)": base, **lessons}.items():
        print(f"{name:<22}{figures['seconds']:>9.1f}{figures['peak_bytes'] / 2**20:>9.0f}")
    total = sum(figures["seconds"] for figures in lessons.values())
    print(f"whole course: {total:.0f} s (target under {COURSE_TARGET_S} s)")


if __name__ == "__main__":
    main()
