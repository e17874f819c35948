"""One exercise: ``check(answer)`` says whether it is right, ``hint()`` and ``solution()`` help.

In the manner of Kaggle Learn's learntools: a lesson shows the question and one call, and
the answer lives here, computed from ``lmwidgets.core`` (or Keras) when it is asked for.
A check never raises: a wrong, missing or malformed answer gets a "Not yet" message that
says what was received and what is expected. Every text is written in English and Chinese
(``Words``, ``say``: ``lmwidgets.language``) and given in the language set now.
"""

import math
import numbers

from lmwidgets.language import Words, say

import numpy as np

COLOURS = {"correct": "#2e7d32", "not yet": "#c62828", "hint": "#1565c0", "solution": "#6a1b9a"}
LABELS = {
    "correct": Words("Correct", "正确"),
    "not yet": Words("Not yet", "还不对"),
    "hint": Words("Hint", "提示"),
    "solution": Words("Solution", "答案"),
}


class Feedback:
    """What a check, a hint or a solution says: plain text, and coloured Markdown in Jupyter."""

    def __init__(self, kind, text):
        self.kind = kind
        self.text = str(text)

    @property
    def correct(self):
        return self.kind == "correct"

    def __repr__(self):
        return f"{LABELS[self.kind]}: {self.text}"

    def _repr_markdown_(self):
        label = f'<span style="color:{COLOURS[self.kind]}"><b>{LABELS[self.kind]}:</b></span>'
        return f"{label} {self.text}"


class NotYet(Exception):  # noqa: N818 (a message for the learner, not an error)
    """Raised inside a check to say what is still wrong; check() turns it into feedback."""


class Exercise:
    """Base of every exercise. A subclass sets ``hints`` and defines ``_check`` and ``_solution``.

    ``_check(answer, **more)`` returns the explanation shown when the answer is right, and
    raises ``NotYet(message)`` otherwise. ``_solution()`` returns the worked answer.
    """

    title = ""
    hints = ()
    # What to pass, shown when check() is called without an answer.
    asks_for = Words("your answer", "你的答案")

    def __init__(self, lesson, number, solved):
        self.lesson = lesson
        self.number = number
        self._solved = solved  # the kernel's set of solved (lesson, number) pairs
        self._hints_given = 0

    @property
    def name(self):
        return f"q{self.number}"

    def check(self, answer=None, **more):
        """Feedback on ``answer``; never raises."""
        if answer is None and not more:
            return Feedback(
                "not yet",
                say(
                    f"no answer yet. Expected {self.asks_for}, as "
                    f"`ex.{self.name}.check(your_answer)`; `ex.{self.name}.hint()` gives a hint.",
                    f"还没有答案。需要{self.asks_for}，写作 `ex.{self.name}.check(你的答案)`；"
                    f"`ex.{self.name}.hint()` 给出提示。",
                ),
            )
        try:
            explanation = self._check(answer, **more)
        except NotYet as not_yet:
            return Feedback("not yet", str(not_yet))
        except Exception as error:  # a malformed answer: say so, never a traceback
            return Feedback(
                "not yet",
                say(
                    f"this answer could not be checked ({type(error).__name__}: {error}). "
                    f"Expected {self.asks_for}.",
                    f"无法检查这个答案（{type(error).__name__}: {error}）。需要{self.asks_for}。",
                ),
            )
        self._solved.add((self.lesson, self.number))
        return Feedback("correct", explanation)

    def hint(self):
        """The next hint (the last one again once all were given)."""
        if not self.hints:
            return Feedback(
                "hint", say("no hint for this one: reread the section above it.",
                            "这一题没有提示：请重读它上面的一节。"),
            )  # fmt: skip
        given = self.hints[min(self._hints_given, len(self.hints) - 1)]
        self._hints_given += 1
        return Feedback("hint", given)

    def solution(self):
        """The worked answer, computed when asked for."""
        return Feedback("solution", self._solution())

    @property
    def solved(self):
        return (self.lesson, self.number) in self._solved

    def _check(self, answer, **more):
        raise NotImplementedError

    def _solution(self):
        raise NotImplementedError


class ChoiceExercise(Exercise):
    """The answer is one of ``choices``; ``_expected()`` computes which (from core)."""

    choices = ()
    # choice -> why it is not the answer (for the typical wrong ones)
    why_not = {}

    @property
    def asks_for(self):
        choices = ", ".join(repr(c) for c in self.choices)
        return say(f"one of {choices}", f"以下之一：{choices}")

    def _check(self, answer, **more):
        choice = as_choice(answer, self.choices)
        expected = self._expected()
        if choice != expected:
            raise NotYet(
                self.why_not.get(choice)
                or say(
                    f"{choice!r} is not it. Try `ex.{self.name}.hint()`.",
                    f"不是 {choice!r}。试试 `ex.{self.name}.hint()`。",
                )
            )
        return self._explain(expected)

    def _solution(self):
        expected = self._expected()
        return f"{expected!r}. {self._explain(expected)}"

    def _expected(self):
        raise NotImplementedError

    def _explain(self, expected):
        raise NotImplementedError


class NumberExercise(Exercise):
    """The answer is a number, within ``tolerance`` (relative, or absolute if ``absolute``)."""

    tolerance = 0.01
    absolute = False
    asks_for = Words("a number", "一个数")

    def _check(self, answer, **more):
        value = as_number(answer)
        expected = self._expected()
        if not close(value, expected, self.tolerance, self.absolute):
            raise NotYet(self._not_yet(value, expected))
        return self._explain(expected)

    def _solution(self):
        return self._explain(self._expected())

    def _not_yet(self, value, expected):
        if value > expected:
            return say(
                f"{value:g} is too large. Try `ex.{self.name}.hint()`.",
                f"{value:g} 太大了。试试 `ex.{self.name}.hint()`。",
            )
        return say(
            f"{value:g} is too small. Try `ex.{self.name}.hint()`.",
            f"{value:g} 太小了。试试 `ex.{self.name}.hint()`。",
        )

    def _expected(self):
        raise NotImplementedError

    def _explain(self, expected):
        raise NotImplementedError


def as_choice(answer, choices):
    """``answer`` as one of ``choices`` (strings compared without case or outer spaces)."""
    if isinstance(answer, str):
        key = answer.strip().lower()
        for choice in choices:
            if isinstance(choice, str) and choice.lower() == key:
                return choice
    elif answer in choices:
        return answer
    allowed = ", ".join(repr(c) for c in choices)
    raise NotYet(
        say(f"expected one of {allowed}. Received: {answer!r}.",
            f"需要以下之一：{allowed}。收到的是：{answer!r}。")
    )  # fmt: skip


def as_number(answer):
    """``answer`` as a finite float, or NotYet saying what was received."""
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real | np.ndarray | np.generic):
        raise NotYet(say(f"expected a number. Received: {answer!r}.",
                         f"需要一个数。收到的是：{answer!r}。"))  # fmt: skip
    array = np.asarray(answer)
    if array.size != 1:
        raise NotYet(say(f"expected one number. Received an array of shape {array.shape}.",
                         f"需要一个数。收到的是形状为 {array.shape} 的数组。"))  # fmt: skip
    value = float(array.reshape(()))
    if not math.isfinite(value):
        raise NotYet(say(f"expected a finite number. Received: {value!r}.",
                         f"需要一个有限的数。收到的是：{value!r}。"))  # fmt: skip
    return value


def close(value, expected, tolerance, absolute=False):
    scale = 1.0 if absolute else max(abs(expected), 1e-12)
    return abs(value - expected) <= tolerance * scale


def result_of(answer, widget_class):
    """The ``result`` of ``answer``, which must be a ``widget_class`` widget."""
    if type(answer).__name__ != widget_class:
        raise NotYet(say(
            f"pass the {widget_class} widget itself. Received: {type(answer).__name__}.",
            f"请传入 {widget_class} 控件本身。收到的是：{type(answer).__name__}。",
        ))  # fmt: skip
    return answer.result
