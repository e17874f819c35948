"""Lesson 08's exercises: right answers pass, trivial and typical wrong ones do not."""

import lmwidgets

from tests.exercise_cases import exercise_test, right, wrong


def calculator(**settings):
    return lambda: lmwidgets.ScaleCalculator(**settings)


V100S = {"preset": "llama-2-7b", "hardware": "V100 32GB", "n_devices": 8}

CASES = {
    1: [
        right(5.63e11),
        right(563e9),
        wrong(405e9, why="what Meta chose"),
        wrong(1.13e13, why="the tokens"),
        wrong(2.5e12, why="sqrt(C / 6), no D = 20 N"),
        wrong(563, why="billions"),
        wrong(3.8e25, why="the budget"),
    ],
    2: [
        right(build=calculator(**V100S, zero_stage=2)),
        right(2),
        wrong(build=calculator(), why="the default calculator"),
        wrong(build=calculator(**V100S), why="stage 0, the default"),
        wrong(build=calculator(**V100S, zero_stage=1), why="does not fit"),
        wrong(build=calculator(**V100S, zero_stage=3), why="fits, not the lowest"),
        wrong(build=calculator(**{**V100S, "n_devices": 4}, zero_stage=3), why="4 devices"),
        wrong(build=calculator(**V100S, zero_stage=2, n_layers=16), why="shape changed"),
        wrong(3, why="not the lowest"),
        wrong(1, why="too small"),
        wrong(5, why="no such stage"),
    ],
    3: [
        right(71.6),
        right(71.59),
        wrong(208.3, why="stage 0"),
        wrong(26.0, why="stage 3"),
        wrong(37.4, why="stage 2"),
        wrong(52.1, why="weights and gradients only"),
        wrong(71.6e9, why="bytes"),
        wrong(0, why="zero"),
    ],
    4: [
        right(2),
        right(2.0),
        wrong(8, why="the devices column"),
        wrong(4, why="the number of pieces"),
        wrong(1, why="ZeRO-3's single copy"),
        wrong("2", why="a string"),
    ],
    5: [
        right((16, 8)),
        right([16, 8]),
        wrong((16, 64), why="the whole kernel"),
        wrong((16, 16), why="the (2, 4) mesh"),
        wrong((2, 64), why="rows split"),
        wrong((8, 16), why="transposed"),
        wrong("(16, 8)", why="a string"),
        wrong(8, why="one number"),
    ],
}

test_exercise = exercise_test(8, CASES)
