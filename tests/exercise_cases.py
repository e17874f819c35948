"""Right and wrong answers for the exercises of one lesson, as one parametrized test.

A lesson's test file lists, for every exercise, answers that must pass and the trivial and
typical wrong answers that must not::

    CASES = {1: [right("sigmoid"), wrong("relu", "unbounded")], ...}
    test_exercise = exercise_test(0, CASES)

An answer that must be built (a widget, a trained model) is given as ``build=``, a function
called when the test runs. ``tests/test_exercises.py`` checks that every exercise has both.
Each answer is checked in English and in Chinese: the same verdict, and Chinese feedback.
"""

from dataclasses import dataclass, field

import lmwidgets.exercises

import pytest

from tests.language_audit import speaking, untranslated


@dataclass
class Case:
    correct: bool
    answer: object = None
    more: dict = field(default_factory=dict)
    why: str = ""
    build: object = None

    def given(self):
        return self.build() if self.build is not None else self.answer


def right(answer=None, build=None, **more):
    return Case(True, answer, more, "right", build)


def wrong(answer=None, why="", build=None, **more):
    return Case(False, answer, more, why or "wrong", build)


def exercise_test(lesson_number, cases):
    params = [
        pytest.param(
            number, case, id=f"q{number}-{'right' if case.correct else 'wrong'}-{i}-{case.why}"
        )
        for number, listed in sorted(cases.items())
        for i, case in enumerate(listed)
    ]

    @pytest.mark.parametrize(("number", "case"), params)
    def test_exercise(number, case):
        exercise = getattr(lmwidgets.exercises.lesson(lesson_number), f"q{number}")
        answer = case.given()
        try:
            feedback = exercise.check(answer, **case.more)
            with speaking("zh"):
                chinese = exercise.check(answer, **case.more)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        assert feedback.correct == case.correct, f"{case.why}: {feedback!r}"
        assert feedback.text.strip()
        assert chinese.correct == feedback.correct
        assert untranslated(chinese.text) is None, (
            f"{untranslated(chinese.text)} in the Chinese feedback: {chinese.text}"
        )

    return test_exercise
