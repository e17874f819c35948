"""Lesson 09's exercises: right answers pass, trivial and typical wrong ones do not."""

import lmwidgets
from lmwidgets.core.scale import HARDWARE, count_params, training_flops

from tests.exercise_cases import exercise_test, right, wrong

A100 = HARDWARE["A100 80GB"].peak_flops
FLOPS_13B = training_flops(count_params("llama-2-13b"), 2e12)
MFU_13B = FLOPS_13B / (368_640 * 3600 * A100)  # 0.377
MFU_7B = training_flops(count_params("llama-2-7b"), 2e12) / (184_320 * 3600 * A100)


def calculator(**settings):
    defaults = {"preset": "llama-2-7b", "hardware": "A100 80GB", "n_devices": 1024, "mfu": 0.39}
    return lambda: lmwidgets.ScaleCalculator(**{**defaults, **settings})


SERVE = {"preset": "llama-3.1-8b", "seq_len": 8192, "batch": 8}

CASES = {
    1: [
        right(MFU_13B),
        right(0.38),
        right(round(MFU_13B, 3)),
        wrong(100 * MFU_13B, why="a percentage"),
        wrong(MFU_7B, why="the 7B model's"),
        wrong(MFU_13B / 3, why="2ND"),
        wrong(FLOPS_13B / (368_640 * 3600 * HARDWARE["H100 SXM"].peak_flops), why="H100 peak"),
        wrong(1.0, why="the whole peak"),
        wrong(0.4, why="the calculator's default MFU"),
        wrong("0.38", why="a string"),
    ],
    2: [
        right(build=calculator(**SERVE)),
        wrong(build=calculator(), why="the lesson's calculator as it is"),
        wrong(build=calculator(preset="llama-3.1-8b"), why="preset only"),
        wrong(build=calculator(preset="llama-3.1-8b", batch=8), why="full context"),
        wrong(build=calculator(preset="llama-3.1-8b", seq_len=8192), why="batch 1"),
        wrong(build=calculator(**{**SERVE, "preset": "llama-2-7b"}), why="another model"),
        wrong(build=calculator(**SERVE, n_layers=16), why="a changed shape"),
        wrong(24.7, why="a number, not the widget"),
    ],
    3: [
        right(18_496),
        right(18496.0),
        wrong(3 * 3 * 64 + 64, why="no input channels"),
        wrong(3 * 3 * 32 * 64, why="no biases"),
        wrong(3 * 3 * 32 * 64 + 32, why="biases per input channel"),
        wrong(3 * 3 * 32 + 32, why="the source's formula"),
        wrong(0, why="zero"),
    ],
    4: [
        right("in-context learning"),
        right("In-Context Learning"),
        wrong("instruction tuning", why="the confusion corrected in the lesson"),
        wrong("fine-tuning", why="weights change"),
        wrong("RLHF", why="weights change"),
        wrong("prompting", why="not offered"),
    ],
    5: [
        right("matmul"),
        wrong("matvec", why="memory-bound, batch 1"),
        wrong("relu", why="memory-bound"),
        wrong("convolution", why="not offered"),
    ],
}

test_exercise = exercise_test(9, CASES)
