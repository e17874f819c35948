"""Lesson 01's exercises: right answers pass, trivial and typical wrong ones do not."""

import lmwidgets
from lmwidgets.datasets import model_timeline
from lmwidgets.exercises import lesson_01

import pytest

from tests.exercise_cases import exercise_test, right, wrong


def timeline(**settings):
    return lambda: lmwidgets.ModelTimeline(**settings)


def calculator(**settings):
    return lambda: lmwidgets.ScaleCalculator(**settings)


CASES = {
    1: [
        right(build=timeline(quantity="parameters", fit_since=2020)),
        wrong(build=timeline(), why="the default, fit from 2017"),
        wrong(build=timeline(fit_since=2019), why="still growing x2 per year"),
        wrong(build=timeline(fit_since=2022), why="the slider's maximum"),
        wrong(build=timeline(quantity="training compute", fit_since=2020), why="compute"),
        wrong(2020, why="a year, not the widget"),
    ],
    2: [
        right(7.75),
        right(7.7),
        wrong(2.92, why="factor per year"),
        wrong(0.65, why="years"),
        wrong(2864, why="the ratio"),
        wrong(8.35, why="8 whole years"),
        wrong(12, why="a year"),
    ],
    3: [
        right(0.96),
        right(58_631_144 / 61_100_840),
        wrong(96, why="a percentage"),
        wrong(58_631_144, why="the count"),
        wrong(0.62, why="fc6 alone"),
        wrong(0.04, why="the convolutions"),
        wrong(1, why="everything"),
    ],
    4: [
        right("2012-2018"),
        wrong("1998-2011", why="LeNet era"),
        wrong("2019-2021", why="billions"),
        wrong("2022-2025", why="hundreds of billions"),
        wrong("2012", why="not offered"),
    ],
    5: [
        right(28.4),
        wrong(7.3, why="Llama 2 7B, the default"),
        wrong(11.4, why="100% MFU"),
        wrong(0.078, why="years"),
        wrong(build=calculator(preset="gpt3-175b"), why="the widget, not the days"),
    ],
}

test_exercise = exercise_test(1, CASES)


def test_alexnets_layers_add_up_to_the_timelines_exact_count():
    table = model_timeline()
    exact = table.loc[table["model"] == "AlexNet", "params_exact"].item()
    assert sum(lesson_01.alexnet_params().values()) == exact == 61_100_840


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_the_solution_is_the_answer_the_check_takes(number):
    text = getattr(lmwidgets.exercises.lesson(1), f"q{number}").solution().text
    assert text
