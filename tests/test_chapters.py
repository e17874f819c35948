"""Every lesson reads as a chapter, and the test harness stays out of the learner's view.

Lessons 01-09: what you will learn, the sections, a Summary, Exercises checked by
``lmwidgets.exercises`` (every exercise of the lesson, at least four), and Check your
understanding (8-12 questions, each answer folded in a <details> block). Cells that exist
only for nbval assert; they are few, tagged ``lesson-check`` and collapsed.
"""

import ast
import json
import re

import lmwidgets.exercises
from lmwidgets.course import LESSONS as COURSE
from lmwidgets.course import LESSONS_DIR

import pytest

LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.ipynb"))
CHAPTERS = [p for p in LESSONS if not p.name.startswith("00")]
HARNESS_WORDS = re.compile(
    r"nbval|what must hold|lesson check|the check does not|checks? (that|whether) the lesson",
    re.IGNORECASE,
)
MAX_CHECK_CELLS = 3


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def markdown(path):
    return [source(c) for c in cells(path) if c["cell_type"] == "markdown"]


def is_check_cell(cell):
    return "lesson-check" in cell.get("metadata", {}).get("tags", [])


def number(path):
    return int(path.name[:2])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_chapter_opens_with_what_you_will_learn_and_closes_in_order(path):
    texts = markdown(path)
    assert re.search(r"what you will learn", texts[0], re.IGNORECASE), (
        "the first cell says what you will learn"
    )
    headings = [
        line.strip("# ").strip()
        for text in texts
        for line in text.splitlines()
        if line.startswith("## ")
    ]
    closing = ["Summary", "Exercises", "Check your understanding"]
    found = [h for h in headings if h in closing]
    assert found == closing, f"closing sections found: {found}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_check_your_understanding_has_8_to_12_questions_with_folded_answers(path):
    text = "\n".join(markdown(path))
    part = text.split("## Check your understanding", 1)[1]
    folded = re.findall(r"<details>\s*<summary>.+?</summary>.+?</details>", part, re.DOTALL)
    assert 8 <= len(folded) <= 12, f"{len(folded)} questions with folded answers"
    assert part.count("<details>") == len(folded)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_exercises_are_checked_by_the_package_every_one_of_them(path):
    code = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")
    assert f"lmwidgets.exercises.lesson({number(path)})" in code
    used = {int(n) for n in re.findall(r"\bex\.q(\d+)\.check\(", code)}
    offered = {e.number for e in lmwidgets.exercises.lesson(number(path)).exercises}
    assert used == offered, (
        f"checked in the lesson: {sorted(used)}; in the package: {sorted(offered)}"
    )


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_asserts_live_only_in_few_collapsed_lesson_check_cells(path):
    checks = []
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(source(cell))
        asserts = any(isinstance(node, ast.Assert) for node in ast.walk(tree))
        if is_check_cell(cell):
            checks.append(index)
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, (
                f"cell {index} is not collapsed"
            )
            assert not cell.get("outputs"), f"check cell {index} shows output"
        else:
            assert not asserts, f"cell {index} asserts in the learner's view:\n{source(cell)}"
    assert len(checks) <= MAX_CHECK_CELLS, f"{len(checks)} lesson-check cells"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_no_learner_facing_text_talks_about_the_test_harness(path):
    for index, cell in enumerate(cells(path)):
        if is_check_cell(cell):
            continue
        text = source(cell)
        if cell["cell_type"] == "code":
            text = "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)
        found = HARNESS_WORDS.search(text)
        assert not found, f"cell {index} mentions {found.group(0)!r}"


@pytest.mark.parametrize(
    "path", [p for p in LESSONS if number(p) in (1, 2, 3, 4, 5, 6, 7, 9)], ids=lambda p: p.stem
)
def test_chapters_link_the_matching_chapter_of_dive_into_deep_learning(path):
    assert re.search(r"https://(zh\.)?d2l\.ai/", "\n".join(markdown(path)))


@pytest.mark.parametrize("lesson", COURSE, ids=lambda lesson: lesson.filename)
def test_every_lesson_opens_with_the_same_title_form(lesson):
    first = source(cells(LESSONS_DIR / lesson.filename)[0]).splitlines()[0]
    assert first == f"# {lesson.number:02d} · {lesson.title} ({lesson.title_zh})"
