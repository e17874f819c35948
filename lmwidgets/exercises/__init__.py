"""The course's exercises, checked by the package: ``ex = lmwidgets.exercises.lesson(2)``.

Each exercise is ``ex.q1``, ``ex.q2``, ...: ``ex.q1.check(answer)`` says whether the
answer is right (or what is still wrong), ``ex.q1.hint()`` gives a hint and
``ex.q1.solution()`` the worked answer. ``ex.progress()`` lists what is solved in this
kernel. The answers are computed here, from ``lmwidgets.core``, never written in a lesson.
"""

import importlib

from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    Feedback,
    NotYet,
    NumberExercise,
)
from lmwidgets.language import say, text

LESSONS = range(10)
# (lesson, exercise number) pairs solved in this kernel, shared by every lesson() call.
_SOLVED = set()

__all__ = [
    "ChoiceExercise",
    "Exercise",
    "Feedback",
    "Lesson",
    "NotYet",
    "NumberExercise",
    "lesson",
]


class Progress:
    """Which exercises of a lesson are solved, as a table in Jupyter and as text."""

    def __init__(self, number, rows):
        self.number = number
        self.rows = rows  # (name, title, solved)

    @property
    def solved(self):
        return sum(done for _, _, done in self.rows)

    def __repr__(self):
        lines = [self._heading()]
        lines += [
            f"  {'✓' if done else '·'} {name}: {text(title)}" for name, title, done in self.rows
        ]
        return "\n".join(lines)

    def _repr_markdown_(self):
        head = f"**{self._heading()}**\n\n"
        table = say("| exercise | | solved |", "| 练习 | | 已完成 |") + "\n| --- | --- | --- |\n"
        table += "".join(
            f"| `{name}` | {text(title)} | {'✓' if done else ''} |\n"
            for name, title, done in self.rows
        )
        return head + table

    def _heading(self):
        return say(
            f"Lesson {self.number:02d}: {self.solved} of {len(self.rows)} solved",
            f"第 {self.number:02d} 课：已完成 {self.solved} / {len(self.rows)}",
        )


class Lesson:
    """The exercises of one lesson, as attributes ``q1``, ``q2``, ..."""

    def __init__(self, number, exercise_classes):
        self.number = number
        self.exercises = [
            cls(number, index, _SOLVED) for index, cls in enumerate(exercise_classes, start=1)
        ]
        for exercise in self.exercises:
            setattr(self, exercise.name, exercise)

    def progress(self):
        return Progress(self.number, [(e.name, e.title, e.solved) for e in self.exercises])

    def __repr__(self):
        names = ", ".join(e.name for e in self.exercises)
        return f"<exercises of lesson {self.number:02d}: {names}>"


def lesson(number):
    """The exercises of lesson ``number`` (0 to 9)."""
    if isinstance(number, bool) or not isinstance(number, int) or number not in LESSONS:
        raise ValueError(f"lesson must be a lesson number, 0 to 9. Received: lesson={number!r}.")
    module = importlib.import_module(f"lmwidgets.exercises.lesson_{number:02d}")
    return Lesson(number, module.EXERCISES)
