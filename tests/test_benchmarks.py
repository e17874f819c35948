"""The performance report: its rows, its table, and the one command that prints it.

Figures are not checked here (timings belong to the benchmarks); what is checked is that
the command runs, that each row carries its baseline and target, and that the README's
table is the one the command writes.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def report():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("report")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_row_ratio_and_tables(report):
    rows = [
        report.Row("fast thing", 20.0, "ms", 40.0, "plain way", "< 50 ms", True),
        report.Row("slow | thing", 3.0, "s", None, "", "< 1 s", False),
        report.Row("peak", 2.5e10, "FLOP/s", 1e11, "matmul"),
    ]
    assert rows[0].ratio == pytest.approx(0.5)
    assert rows[1].ratio is None
    text = report.text_table(rows)
    assert "20.0 ms" in text and "40.0 ms (plain way)" in text and "0.5" in text
    assert "MISSED" in text and "met" in text
    assert "25.0 G FLOP/s" in text
    markdown = report.markdown_table(rows).splitlines()
    assert markdown[0].startswith("| measured | ours | baseline")
    assert all(line.count("|") == markdown[0].count("|") for line in markdown)


def test_every_benchmark_has_rows_and_the_runner_knows_it():
    runner = (BENCHMARKS / "run").read_text()
    modules = {path.stem for path in BENCHMARKS.glob("*.py")} - {"report"}
    for name in modules:
        assert f'"{name}"' in runner, f"benchmarks/run does not run {name}"
        assert "\ndef rows(" in (BENCHMARKS / f"{name}.py").read_text(), name


def test_one_command_prints_the_table():
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run"), "import_time"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=300,
    )
    assert "Measured on" in done.stdout
    assert "import lmwidgets" in done.stdout and "< 0.3 s" in done.stdout
    bad = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run"), "no_such_benchmark"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "valid: import_time" in bad.stderr


def test_readme_shows_the_table_the_command_writes(report):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- performance-table:start -->")[1]
    section = section.split("<!-- performance-table:end -->")[0]
    assert "Measured on" in section and "`python benchmarks/run`" in section
    header = report.markdown_table([]).splitlines()[0]
    assert header in section
    for target in ("< 50 ms", "ratio <= 0.1", "ratio <= 1.05", ">= 15 epochs/s", "< 0.3 s"):
        assert target in section, target
    for target in ("< 90 s", "< 2,048 MB", "< 10 min", "< 0.1 MB", "< 0.1 KB"):
        assert target in section, target


@pytest.fixture(scope="module")
def training_benchmark(report):
    return importlib.import_module("training")


def test_numpy_baseline_is_the_same_mlp_and_learns(training_benchmark):
    """The NumPy baseline must do the work it is compared with: a real training step."""
    import lmwidgets

    import keras
    import numpy as np

    model = training_benchmark.corrected_model(keras)
    kernels = [w.shape for w in model.weights if len(w.shape) == 2]
    assert kernels == [(784, 128), (128, 10)]
    multiply_adds = sum(rows * columns for rows, columns in kernels)
    # forward + weight gradients (2 x forward) + the hidden layer's input gradient
    assert training_benchmark.mlp_flops_per_image() == 2 * 2 * multiply_adds + 2 * 128 * 10

    (x, y), (x_test, y_test) = lmwidgets.datasets.load_mnist("offline")
    w1, b1, w2, b2 = training_benchmark.numpy_epoch(x / 255.0, y, learning_rate=0.1)
    hidden = np.maximum(x_test.reshape(len(x_test), -1) / 255.0 @ w1 + b1, 0)
    accuracy = ((hidden @ w2 + b2).argmax(axis=1) == y_test).mean()
    assert accuracy > 0.85


def test_lessons_benchmark_runs_a_notebook_on_every_installed_backend(report, tmp_path):
    import nbformat

    lessons = importlib.import_module("lessons")
    cells = [nbformat.v4.new_code_cell("import lmwidgets\nprint(lmwidgets.backend_name())")]
    good = tmp_path / "good.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), good)
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")]), bad)
    for backend in lessons.installed_backends():
        figures = lessons.run(good, backend, tmp_path / backend)
        assert figures["seconds"] > 0 and figures["peak_bytes"] > 0, backend
    error = lessons.run(bad, "jax", tmp_path / "bad")["error"]
    assert error.startswith("ZeroDivisionError: division by zero at ----> 1 1 / 0"), error


def test_lessons_benchmark_gives_each_kernel_its_own_backends_environment(monkeypatch, tmp_path):
    lessons = importlib.import_module("lessons")
    # What lmwidgets sets in this process with JAX chosen: a TensorFlow kernel must not get
    # them (TensorFlow without oneDNN trains lesson 02's networks to other numbers).
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    env = lessons.kernel_environment("tensorflow", tmp_path / "cache")
    assert not {"TF_ENABLE_ONEDNN_OPTS", "JAX_COMPILATION_CACHE_DIR"} & set(env)
    assert not any(name.startswith("JAX_PERSISTENT_CACHE") for name in env)
    assert env["KERAS_BACKEND"] == "tensorflow"
    assert env["LMWIDGETS_CACHE"] == str(tmp_path / "cache")


def test_lessons_benchmark_runs_the_course_again_with_the_first_runs_programs(report, tmp_path):
    import nbformat

    lessons = importlib.import_module("lessons")
    code = "import lmwidgets, keras\nkeras.ops.tanh(keras.ops.arange(3.0)) * 2"
    notebook = tmp_path / "compiles.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), notebook)
    first = lessons.run(notebook, "jax", tmp_path / "cache")
    kept = sorted((tmp_path / "cache" / "jax").iterdir())
    assert kept, "the first run's compiled programs are kept in the cache folder it was given"
    second = lessons.run(notebook, "jax", tmp_path / "cache")
    assert sorted((tmp_path / "cache" / "jax").iterdir()) == kept
    # The kernel counted JAX's compilations: compiled in the first run, read back in the second.
    assert first["cache_misses"] > 0 and first["compile_seconds"] > 0, first
    assert second["cache_hits"] > 0 and second["cache_misses"] == 0, second
    assert second["compile_seconds"] < first["compile_seconds"]
    rows = lessons.second_run_rows("jax", {"compiles": first}, {"compiles": second})
    course = next(row for row in rows if row.target == ">= 1.5x faster")
    assert course.baseline == first["seconds"] and course.met is not None
    compiled = next(row for row in rows if "XLA compilation" in row.measured)
    assert compiled.ours == second["compile_seconds"]
    assert compiled.baseline == first["compile_seconds"]
    bound = next(row for row in rows if "the most a cache can save" in row.measured)
    assert bound.ours == first["seconds"] - first["compile_seconds"]
    base = {"seconds": 1.0}
    lessons_time = lessons.second_run_rows(
        "jax", {"a": {"seconds": 5.0}}, {"a": {"seconds": 3.0}}, base
    )[-1]
    assert (lessons_time.ours, lessons_time.baseline) == (2.0, 4.0), "each beyond the import's 1 s"


def test_control_latency_changes_every_control_of_every_widget_with_allowed_values(report):
    from lmwidgets.widgets._base import widget_names

    from tests.strategies import make, widget_data

    latency = importlib.import_module("control_latency")
    data = widget_data()
    for name in widget_names():
        widget = make(name, data)
        specs = list(widget.specs.values())
        widget.close()
        for spec in specs:
            values = latency.VALUES.get(f"{name}.{spec.name}") or latency.changes(
                spec, spec.check(spec.default)
            )
            if values is None:  # per-layer activations follow the layers; a one-option choice
                assert spec.kind == "per_layer" or len(spec.values) == 1, f"{name}.{spec.name}"
                continue
            allowed = [v for v in values if latency._allowed(spec, v)]
            assert len(allowed) > 2, f"{name}.{spec.name}: {values}"
            assert len({repr(v) for v in allowed}) > 1, f"{name}.{spec.name} never changes"


def test_first_picture_times_a_widget_in_a_fresh_process_from_an_empty_cache(report, tmp_path):
    first_picture = importlib.import_module("first_picture")
    cold = first_picture.first_picture("NeuronExplorer", tmp_path)
    assert set(cold) == {"seconds", "bare"} and cold["seconds"] > 0 and cold["bare"] > 0
    assert any((tmp_path / "jax").iterdir()), "the fresh process kept its programs there"
    broken = first_picture.first_picture("NoSuchWidget", tmp_path)
    assert "NoSuchWidget" in broken["error"]
