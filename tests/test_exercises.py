"""Every exercise of every lesson, through the public API ``lmwidgets.exercises``.

A check never raises, whatever it is given; hints and solutions are computed without
error; progress counts what was solved; every exercise has right and wrong answers in its
lesson's test file (``tests/test_exercises_NN.py``).
"""

import importlib

import lmwidgets.exercises
from lmwidgets.exercises import Feedback

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from tests.language_audit import speaking, untranslated

LESSONS = [n for n in range(10) if importlib.util.find_spec(f"lmwidgets.exercises.lesson_{n:02d}")]
EXERCISES = [(n, e.number) for n in LESSONS for e in lmwidgets.exercises.lesson(n).exercises]


def exercise(lesson, number):
    return getattr(lmwidgets.exercises.lesson(lesson), f"q{number}")


def test_every_lesson_has_exercises_and_each_chapter_at_least_four():
    assert LESSONS == list(range(10))
    for n in LESSONS:
        count = len(lmwidgets.exercises.lesson(n).exercises)
        assert count >= (2 if n == 0 else 4), f"lesson {n:02d} has {count} exercises"


@pytest.mark.parametrize(("lesson", "number"), EXERCISES)
def test_every_exercise_has_right_and_wrong_answers_in_its_lessons_tests(lesson, number):
    cases = importlib.import_module(f"tests.test_exercises_{lesson:02d}").CASES
    listed = cases.get(number, [])
    assert any(c.correct for c in listed), f"lesson {lesson:02d} q{number}: no right answer tested"
    assert any(not c.correct for c in listed), (
        f"lesson {lesson:02d} q{number}: no wrong answer tested"
    )
    assert set(cases) == {e.number for e in lmwidgets.exercises.lesson(lesson).exercises}


@pytest.mark.parametrize(("lesson", "number"), EXERCISES)
def test_no_answer_is_not_yet_and_hint_and_solution_speak(lesson, number):
    q = exercise(lesson, number)
    solved = q.solved  # other tests in this process may have solved it
    missing = q.check()
    assert isinstance(missing, Feedback) and not missing.correct
    assert f"ex.q{number}.check(" in missing.text
    assert q.title and q.hints, "every exercise has a title and at least one hint"
    for feedback in (q.hint(), q.solution()):
        assert isinstance(feedback, Feedback) and len(feedback.text) > 10
        assert "nan" not in feedback.text.lower().split()
    assert q.solved == solved, "asking for the solution does not count as solving"


@pytest.mark.parametrize(("lesson", "number"), EXERCISES)
def test_in_chinese_every_title_hint_solution_and_message_is_chinese(lesson, number):
    with speaking("zh"):
        q = exercise(lesson, number)
        texts = [str(q.title), q.check().text, q.solution().text]
        texts += [q.hint().text for _ in q.hints]
        texts += [str(text) for text in getattr(q, "why_not", {}).values()]
        progress = repr(lmwidgets.exercises.lesson(lesson).progress())
    found = [(text, untranslated(str(text))) for text in texts if untranslated(str(text))]
    assert not found, "\n".join(f"{why}: {text}" for text, why in found)
    assert "第" in progress and "Lesson" not in progress


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.floats(), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.builds(object),
    st.builds(np.full, st.integers(0, 3), st.floats()),
)


@pytest.mark.parametrize(("lesson", "number"), EXERCISES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=ANYTHING, keyword=st.sampled_from([None, "answer", "threshold", "x"]))
def test_a_check_never_raises_whatever_it_is_given(lesson, number, answer, keyword):
    q = exercise(lesson, number)
    feedback = q.check(**{keyword: answer}) if keyword else q.check(answer)
    assert isinstance(feedback, Feedback)
    assert feedback.text.strip()
    assert "Traceback" not in feedback.text


def test_progress_counts_what_this_kernel_solved():
    ex = lmwidgets.exercises.lesson(0)
    assert not ex.q2.check("relu").correct
    assert not ex.q2.solution().correct
    before = {name for name, _, done in ex.progress().rows if done}
    assert ex.q2.check("sigmoid").correct
    again = lmwidgets.exercises.lesson(0).progress()  # a new handle, the same kernel
    assert {name for name, _, done in again.rows if done} == before | {"q2"}
    assert again.solved == len(before | {"q2"})
    assert "q2" in repr(again) and "q2" in again._repr_markdown_()


def test_feedback_shows_as_coloured_markdown_and_plain_text():
    feedback = lmwidgets.exercises.lesson(0).q2.check("tanh")
    assert repr(feedback).startswith("Not yet: ")
    assert "Not yet:" in feedback._repr_markdown_() and "color:" in feedback._repr_markdown_()


def test_hints_come_one_after_the_other_then_the_last_again():
    q = lmwidgets.exercises.lesson(0).q1
    texts = [q.hint().text for _ in range(len(q.hints) + 1)]
    assert texts[: len(q.hints)] == [str(hint) for hint in q.hints]
    assert texts[-1] == str(q.hints[-1])


@pytest.mark.parametrize("number", [10, -1, "2", 2.0, True, None])
def test_lesson_refuses_what_is_not_a_lesson_number_and_says_why(number):
    with pytest.raises(
        ValueError, match=r"lesson must be a lesson number, 0 to 9\. Received: lesson="
    ):
        lmwidgets.exercises.lesson(number)
