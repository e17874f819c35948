"""Every lesson executed top to bottom on every installed backend: run time and peak memory.

Each lesson runs in a fresh kernel (nbclient, as nbval and `make lessons` run them), started
by a fresh helper process that reads the kernel's peak resident memory from
``getrusage(RUSAGE_CHILDREN)`` once the kernel has exited: the exact peak, not a sample.
Baseline: a notebook of one cell that imports lmwidgets and Keras and runs one Keras op,
the cost every lesson pays before its first line of its own.

Each backend (JAX, PyTorch, TensorFlow, those installed) runs every lesson in its own
kernels, started with ``KERAS_BACKEND`` set, against its own baseline. A lesson that fails on a
backend is reported as failed, not measured. Targets: each lesson under 90 s and 2 GB on every
backend (a Binder session has 1-2 GB); the whole course under 10 minutes on 2 CPU cores.
On JAX the course then runs a second time in fresh kernels, with the programs its first run
compiled kept by JAX's persistent compilation cache (a temporary folder here, the user's cache
folder in a lesson); target: the second run at least 1.5x faster than the first. Each JAX
kernel also counts its XLA compile seconds, so the table shows how much of the first run any
cache of compiled programs could save.
Run: python benchmarks/lessons.py [backend ...] (a lesson x backend table; all installed
backends when none is named).
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
SECOND_RUN_SPEED_UP = 1.5
# On JAX the kernel also counts the seconds JAX spends compiling (XLA) and its compilation
# cache's hits and misses: a cell before the lesson's first (after lmwidgets has pointed JAX
# at its cache, as the lesson's own first line does) and one after its last.
COUNT_COMPILES = """
import lmwidgets.backend
lmwidgets.backend.select()
import collections, jax.monitoring
_lmw_compiles = collections.Counter()
jax.monitoring.register_event_duration_secs_listener(
    lambda event, seconds, **_: _lmw_compiles.update({event: seconds}))
jax.monitoring.register_event_listener(lambda event, **_: _lmw_compiles.update({event: 1}))
"""
REPORT_COMPILES = """
print("COMPILES", json.dumps({
    "compile_seconds": _lmw_compiles["/jax/core/compile/backend_compile_duration"],
    "cache_hits": _lmw_compiles["/jax/compilation_cache/cache_hits"],
    "cache_misses": _lmw_compiles["/jax/compilation_cache/cache_misses"]}))
"""
HELPER = """
import json, os, re, resource, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
path, lessons, count_compiles, report_compiles = sys.argv[1:5]
notebook = nbformat.read(path, as_version=4)
counting = os.environ["KERAS_BACKEND"] == "jax"
if counting:
    notebook.cells.insert(0, nbformat.v4.new_code_cell(count_compiles))
    notebook.cells.append(nbformat.v4.new_code_cell("import json" + report_compiles))
start = time.perf_counter()
try:
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": lessons}}).execute()
except CellExecutionError as error:
    # The line that failed and why, not the last line of a coloured traceback.
    plain = re.sub(r"\\x1b\\[[0-9;]*m", "", str(error))
    line = next((row.strip() for row in plain.splitlines() if row.startswith("---->")), "")
    print(json.dumps({"error": f"{error.ename}: {error.evalue} at {line}".strip()}))
    sys.exit(0)
seconds = time.perf_counter() - start
# ru_maxrss is in KiB on Linux: the largest of the exited children, here the kernel.
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
figures = {"seconds": seconds, "peak_bytes": peak}
if counting:
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    figures.update(json.loads(printed.split("COMPILES", 1)[1]))
print(json.dumps(figures))
"""


def run(path, backend, cache):
    """``{"seconds", "peak_bytes"}`` of one notebook run in a fresh kernel on ``backend``
    (on JAX also ``compile_seconds``, ``cache_hits``, ``cache_misses``), or ``{"error": ...}``
    when a cell failed. ``cache`` is the kernel's lmwidgets cache folder (where JAX keeps
    compiled programs)."""
    done = subprocess.run(
        [sys.executable, "-c", HELPER, str(path), str(ROOT / "lessons"), COUNT_COMPILES,
         REPORT_COMPILES],  # fmt: skip
        env=kernel_environment(backend, cache),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def kernel_environment(backend, cache):
    """The environment of a lesson's kernel on ``backend``: this process's, less what
    lmwidgets set in it for another backend (its JAX cache folder; with JAX or PyTorch chosen,
    TensorFlow's oneDNN kernels turned off, which on TensorFlow itself changes its numbers and
    once made lesson 02's deep network miss its accuracy in a full benchmark run)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_PERSISTENT_CACHE")}
    for name in ("JAX_COMPILATION_CACHE_DIR", "TF_ENABLE_ONEDNN_OPTS"):
        env.pop(name, None)
    env.update(KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2", LMWIDGETS_CACHE=str(cache))
    env.setdefault("LMWIDGETS_OFFLINE", "1")
    return env


def baseline(backend):
    cell = nbformat.v4.new_code_cell("import lmwidgets\nimport keras\nkeras.ops.ones(1)")
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "baseline.ipynb"
        nbformat.write(notebook, path)
        run(path, backend, Path(folder) / "warm-up")  # warm-up: the file-system cache
        figures = run(path, backend, Path(folder) / "cache")
    if "error" in figures:
        raise RuntimeError(f"Keras does not start on {backend}: {figures['error']}")
    return figures


def installed_backends():
    from lmwidgets.core.backend_compare import installed_backends

    return installed_backends()


def measure(backends=None):
    """``{backend: (baseline, {lesson: figures}, {lesson: second run's figures})}``.

    The course runs once in fresh kernels from an empty cache folder, lesson after lesson as
    a learner would; on JAX it runs a second time, again in fresh kernels, with the programs
    the first run compiled kept in that folder (JAX's persistent compilation cache).
    """
    results = {}
    for backend in backends or installed_backends():
        base = baseline(backend)
        lessons = sorted((ROOT / "lessons").glob("*.ipynb"))
        with tempfile.TemporaryDirectory() as cache:
            first = {path.stem: run(path, backend, cache) for path in lessons}
            second = (
                {path.stem: run(path, backend, cache) for path in lessons}
                if backend == "jax"
                else {}
            )
        results[backend] = (base, first, second)
    return results


def rows():
    from report import Row

    table = []
    for backend, (base, lessons, second) in measure().items():
        label = f"a notebook that imports lmwidgets and keras ({backend})"
        for name, figures in lessons.items():
            if "error" in figures:
                why = figures["error"][:120]  # the table says why, not only that it failed
                table.append(Row(f"lesson {name} ({backend}): FAILED: {why}", float("nan"),
                                 "s", target=f"< {LESSON_TARGET_S} s", met=False))  # fmt: skip
                continue
            seconds, memory = figures["seconds"], figures["peak_bytes"] / 2**20
            table.append(Row(f"lesson {name} ({backend}): run time", seconds, "s",
                             base["seconds"], label, f"< {LESSON_TARGET_S} s",
                             seconds < LESSON_TARGET_S))  # fmt: skip
            table.append(Row(f"lesson {name} ({backend}): kernel peak memory", memory, "MB",
                             base["peak_bytes"] / 2**20, label, f"< {MEMORY_TARGET_MB:,} MB",
                             memory < MEMORY_TARGET_MB))  # fmt: skip
        timed = {name: f for name, f in lessons.items() if "error" not in f}
        total = sum(f["seconds"] for f in timed.values())
        table.append(Row(f"whole course ({backend}), every lesson executed in turn", total, "s",
                         base["seconds"] * len(lessons), f"{len(lessons)} x the import notebook",
                         f"< {COURSE_TARGET_S // 60} min",
                         total < COURSE_TARGET_S and len(timed) == len(lessons)))  # fmt: skip
        table.extend(second_run_rows(backend, lessons, second, base))
        if timed:
            slowest = max(timed, key=lambda name: timed[name]["seconds"])
            seconds = timed[slowest]["seconds"]
            table.append(Row(f"slowest lesson ({backend}, {slowest})", seconds, "s",
                             base["seconds"], label, f"< {LESSON_TARGET_S} s",
                             seconds < LESSON_TARGET_S))  # fmt: skip
    return table


def second_run_rows(backend, first, second, base=None):
    """Each lesson's second run against its first, and the whole course's; with the import
    notebook's figures ``base``, also the lessons' own time beyond it."""
    from report import Row

    both = [n for n in second if "error" not in second[n] and "error" not in first.get(n, {})]
    table = []
    for name in both:
        table.append(Row(f"lesson {name} ({backend}): second run, compiled programs kept",
                         second[name]["seconds"], "s", first[name]["seconds"],
                         "its first run, in a fresh kernel too"))  # fmt: skip
    if second:
        before = sum(first[n]["seconds"] for n in both)
        after = sum(second[n]["seconds"] for n in both)
        met = len(both) == len(second) and before >= SECOND_RUN_SPEED_UP * after
        table.append(Row(f"whole course ({backend}), second run in fresh kernels", after, "s",
                         before, "the first run, from an empty cache",
                         f">= {SECOND_RUN_SPEED_UP}x faster", met))  # fmt: skip
    if second and all("compile_seconds" in first[n] for n in both):
        compiled_before = sum(first[n]["compile_seconds"] for n in both)
        compiled_after = sum(second[n]["compile_seconds"] for n in both)
        hits = sum(second[n]["cache_hits"] for n in both)
        asked = hits + sum(second[n]["cache_misses"] for n in both)
        table.append(Row(f"  its XLA compilation, {hits:,} of {asked:,} programs from the cache",
                         compiled_after, "s", compiled_before, "the first run's"))  # fmt: skip
        table.append(Row("  the first run less all its compilation (the most a cache can save)",
                         before - compiled_before, "s", before, "the first run"))  # fmt: skip
    if second and base is not None:
        own_before, own_after = own_seconds(base, first, both), own_seconds(base, second, both)
        label = f"  its lessons' time beyond the import notebook's {base['seconds']:.1f} s"
        table.append(Row(label,
                         own_after, "s", own_before, "the first run's"))  # fmt: skip
    return table


def own_seconds(base, runs, names):
    """Seconds the lessons ``names`` took beyond starting a kernel and importing Keras (the
    import notebook), which no cache of compiled programs can shorten."""
    return sum(max(runs[n]["seconds"] - base["seconds"], 0.0) for n in names)


def main():
    results = measure(sys.argv[1:] or None)
    backends = list(results)
    print("lesson x backend: seconds / kernel peak MB (targets: < 90 s, < 2,048 MB)")
    print(f"{'notebook':<22}" + "".join(f"{b:>20}" for b in backends))
    names = ["import only (baseline)", *results[backends[0]][1]]
    for name in names:
        cells = []
        for backend in backends:
            base, lessons, _ = results[backend]
            figures = base if name == "import only (baseline)" else lessons[name]
            if "error" in figures:
                cells.append(f"{'FAILED':>20}")
            else:
                megabytes = figures["peak_bytes"] / 2**20
                cells.append(f"{figures['seconds']:>11.1f} s{megabytes:>5.0f} MB")
        second = results[backends[0]][2].get(name, {}) if backends[0] == "jax" else {}
        if "seconds" in second:
            cells.append(f"   second run {second['seconds']:>5.1f} s")
        print(f"{name:<22}" + "".join(cells))
    for backend in backends:
        lessons = results[backend][1]
        failed = [name for name, figures in lessons.items() if "error" in figures]
        total = sum(figures.get("seconds", 0) for figures in lessons.values())
        print(f"{backend}: whole course {total:.0f} s (target under {COURSE_TARGET_S} s)"
              + (f"; FAILED: {', '.join(failed)}" if failed else ""))  # fmt: skip
        for name in failed:
            print(f"  {name}: {lessons[name]['error']}")
        second = results[backend][2]
        if second:
            again = sum(figures.get("seconds", 0) for figures in second.values())
            print(f"{backend}: second run in fresh kernels, compiled programs kept: {again:.0f} s,"
                  f" {total / again:.2f}x faster (target {SECOND_RUN_SPEED_UP}x)")  # fmt: skip
            base, names = results[backend][0], list(second)
            own_first = own_seconds(base, lessons, names)
            own_again = own_seconds(base, second, names)
            if all("compile_seconds" in lessons[n] for n in names):
                compiled = [sum(run[n]["compile_seconds"] for n in names)
                            for run in (lessons, second)]  # fmt: skip
                print(f"{backend}: XLA compilation {compiled[0]:.0f} s -> {compiled[1]:.0f} s; "
                      f"without any, the first run would take {total - compiled[0]:.0f} s, "
                      f"{total / (total - compiled[0]):.2f}x faster")  # fmt: skip
            print(f"{backend}: the lessons' own time, beyond the import notebook's"
                  f" {base['seconds']:.1f} s each: {own_first:.0f} s -> {own_again:.0f} s,"
                  f" {own_first / own_again:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
