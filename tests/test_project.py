"""The project's promises to a new user: README, lesson list, Binder recipe, CI wiring."""

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

from lmwidgets.course import LESSONS, LESSONS_DIR

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BINDER_LINK = "urlpath=lab/tree/lessons/00_welcome.ipynb"


def test_readme_gives_two_commands_and_ci_runs_the_test_one():
    assert "make lab" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_readme_has_binder_badge_opening_the_welcome_lesson():
    assert re.search(
        r"\[!\[[^]]*Binder[^]]*\]\([^)]+\)\]\(https://mybinder.org/v2/gh/[^)]*"
        + re.escape(BINDER_LINK)
        + r"\)",
        README,
    )


def test_readme_lists_every_lesson_with_its_chinese_title():
    for lesson in LESSONS:
        row = next(
            (line for line in README.splitlines() if line.startswith(f"| {lesson.number:02d} ")),
            None,
        )
        assert row is not None, f"README has no row for lesson {lesson.number:02d}"
        assert lesson.title_zh in row
        if (LESSONS_DIR / lesson.filename).exists():
            assert f"(lessons/{lesson.filename})" in row


def test_every_lesson_file_is_in_the_course_list():
    known = {lesson.filename for lesson in LESSONS}
    assert {path.name for path in LESSONS_DIR.glob("*.ipynb")} <= known


def test_welcome_lesson_links_every_lesson_that_exists():
    cells = json.loads((LESSONS_DIR / "00_welcome.ipynb").read_text())["cells"]
    text = "\n".join("".join(cell["source"]) for cell in cells)
    for lesson in LESSONS:
        assert lesson.title_zh in text
        if (LESSONS_DIR / lesson.filename).exists():
            assert f"]({lesson.filename})" in text, lesson.filename


# Both editions: the English lessons and the Chinese ones.
EDITIONS = [*LESSONS_DIR.glob("*.ipynb"), *(LESSONS_DIR / "zh").glob("*.ipynb")]


def test_lessons_are_committed_with_outputs():
    for path in EDITIONS:
        cells = json.loads(path.read_text())["cells"]
        code = [cell for cell in cells if cell["cell_type"] == "code" and cell["source"]]
        assert all(cell["execution_count"] is not None for cell in code), path.name


# An output whose only form is text like this is what a learner sees in JupyterLab
# instead of the picture or the widget: a bare Figure, an object, a widget without its view.
TEXT_ONLY = re.compile(
    r"^<.*(object|Figure size).*>$|run this cell in Jupyter|在 Jupyter 中运行这个单元格", re.DOTALL
)


def test_every_figure_and_widget_in_a_lesson_has_a_picture_not_only_its_text():
    shown_as_text = []
    for path in sorted(EDITIONS):
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                text = "".join(data.get("text/plain", ""))
                if set(data) == {"text/plain"} and TEXT_ONLY.search(text.strip()):
                    where = path.relative_to(LESSONS_DIR)
                    shown_as_text.append(f"{where} cell {index}: {text.strip()[:60]}")
    assert not shown_as_text, "shown only as text (use lmwidgets.show(figure)):\n" + "\n".join(
        shown_as_text
    )


def test_show_makes_a_png_of_a_figure_and_refuses_anything_else():
    import lmwidgets

    import pytest
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3, 2))
    figure.subplots().plot([0, 1], [1, 0])
    picture = lmwidgets.show(figure)
    assert picture.data.startswith(b"\x89PNG") and "image/png" in picture._repr_mimebundle_()[0]
    with pytest.raises(TypeError, match="show takes a matplotlib Figure. Received: .* str"):
        lmwidgets.show("figure.png")


# Binder -------------------------------------------------------------------------------


def _binder_pins():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    entries = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return entries, dict(line.split("==") for line in entries if "==" in line)


def test_binder_pins_exact_versions_installs_the_package_and_no_cuda_framework():
    entries, pins = _binder_pins()
    assert "." in entries, "binder/requirements.txt must install the course itself"
    assert all("==" in entry for entry in entries if entry != ".")
    assert {"keras", "jax", "ipywidgets", "jupyterlab_widgets", "jupyterlab"} <= set(pins)
    assert not {"torch", "tensorflow", "tensorflow-cpu"} & set(pins)
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_binder_start_sets_jax_and_hands_over():
    start = (ROOT / "binder" / "start").read_text()
    assert "export KERAS_BACKEND=jax" in start
    assert start.rstrip().splitlines()[-1] == 'exec "$@"'


def test_tested_environment_is_the_pinned_one():
    # The Makefile installs with the Binder pins as constraints: what the tests pass on
    # is what Binder runs.
    _, pins = _binder_pins()
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, name


def test_ipywidgets_lab_extension_is_installed():
    extension = (
        Path(sys.prefix)
        / "share"
        / "jupyter"
        / "labextensions"
        / "@jupyter-widgets"
        / "jupyterlab-manager"
        / "package.json"
    )
    assert extension.exists()


def test_binder_recipe_renders():
    repo2docker = Path(sys.executable).with_name("repo2docker")  # from the [test] extra
    out = subprocess.run(
        [str(repo2docker), "--no-build", "--debug", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dockerfile = out.stdout + out.stderr
    assert out.returncode == 0, dockerfile[-2000:]
    assert "python=3.11" in dockerfile
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    # The whole repository is copied before that install, so "." resolves to the course.
    assert dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/") < dockerfile.index(
        'pip install --no-cache-dir -r "binder/requirements.txt"'
    )
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile
    assert "fonts-noto-cjk" in dockerfile  # binder/apt.txt: figures draw Chinese


README_ZH = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")


def test_the_chinese_front_door_is_linked_from_the_top_of_the_readme():
    first_lines = "\n".join(README.splitlines()[:5])
    assert "(README.zh-CN.md)" in first_lines


def test_the_chinese_readme_gives_the_commands_badge_and_every_chinese_lesson():
    assert "make lab-zh" in README_ZH and "make test" in README_ZH
    assert re.search(
        r"\]\(https://mybinder.org/v2/gh/[^)]*urlpath=lab/tree/lessons/zh/00_welcome.ipynb\)",
        README_ZH,
    )
    for lesson in LESSONS:
        rows = README_ZH.splitlines()
        row = next(line for line in rows if line.startswith(f"| {lesson.number:02d} "))
        assert f"[{lesson.title_zh}](lessons/zh/{lesson.filename})" in row
        assert (LESSONS_DIR / "zh" / lesson.filename).exists()


def test_make_lab_zh_opens_the_chinese_welcome_lesson_and_make_lessons_runs_both_editions():
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\nlab-zh:", 1)[1].split("\n\n", 1)[0]
    assert "jupyter lab" in target and target.rstrip().endswith("lessons/zh/00_welcome.ipynb")
    assert re.search(r"^LESSON \?= lessons/\*\.ipynb lessons/zh/\*\.ipynb$", makefile, re.M)


def test_ci_and_binder_install_a_font_that_draws_chinese():
    assert "fonts-noto-cjk" in (ROOT / ".ci" / "run").read_text()
    assert "fonts-noto-cjk" in (ROOT / "binder" / "apt.txt").read_text().split()

