"""Lesson 09 · Frequently asked questions: compute, serving memory, convolutions, hardware."""

import dataclasses
from functools import lru_cache

from lmwidgets.core.scale import HARDWARE, PRESETS, count_params, training_flops
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    close,
    result_of,
)

GB = 1e9

# ---------------------------------------------------------------------------------------
# Exercise 1: the MFU Llama 2 13B's published GPU-hours imply.

LLAMA2_13B_HOURS = 368_640  # A100-80GB GPU-hours, Touvron et al. 2023, Table 2
LLAMA2_7B_HOURS = 184_320
LLAMA2_TOKENS = 2e12


def _mfu(preset, hours, device="A100 80GB", flops_per_token_param=6):
    flops = training_flops(count_params(preset), LLAMA2_TOKENS) * flops_per_token_param / 6
    return flops / (hours * 3600 * HARDWARE[device].peak_flops)


class ImpliedMFU(NumberExercise):
    title = "the MFU implied by Llama 2 13B's published GPU-hours"
    asks_for = "a fraction between 0 and 1"
    tolerance = 0.015
    hints = (
        "MFU = the FLOPs the training needed / the FLOPs the GPUs could have done in that time.",
        "6 x count_params('llama-2-13b') x 2e12 tokens, divided by "
        "368,640 hours x 3600 s x 312e12 FLOP/s.",
    )

    def _expected(self):
        return _mfu("llama-2-13b", LLAMA2_13B_HOURS)

    def _explain(self, expected):
        seven = _mfu("llama-2-7b", LLAMA2_7B_HOURS)
        return (
            f"{training_flops(count_params('llama-2-13b'), LLAMA2_TOKENS):.3g} FLOPs / "
            f"({LLAMA2_13B_HOURS:,} x 3600 s x 312e12 FLOP/s) = {expected:.3f}: close to the "
            f"7B model's {seven:.3f}. The same cluster and software reach about the same share "
            "of the peak."
        )

    def _not_yet(self, value, expected):
        if close(value / 100, expected, self.tolerance):
            return f"{value:g} looks like a percentage; give a fraction ({value / 100:g})."
        if close(value, _mfu("llama-2-7b", LLAMA2_7B_HOURS), self.tolerance):
            return f"{value:g} is the 7B model's MFU; use the 13B model and its 368,640 hours."
        if close(value, _mfu("llama-2-13b", LLAMA2_13B_HOURS, flops_per_token_param=2), 0.02):
            return (
                f"{value:g} counts 2 FLOPs per parameter and token (the forward pass); "
                "training takes 6 (forward 2, backward 4)."
            )
        if close(value, _mfu("llama-2-13b", LLAMA2_13B_HOURS, device="H100 SXM"), 0.02):
            return f"{value:g} uses the H100's peak; Llama 2 was trained on A100s (312e12)."
        if value > 1:
            return f"{value:g} is more than the whole peak; an MFU is between 0 and 1."
        return super()._not_yet(value, expected)


# ---------------------------------------------------------------------------------------
# Exercise 2: serving Llama 3.1 8B to 8 users with 8,192 tokens each, in the calculator.

SERVE_PRESET, SERVE_BATCH, SERVE_CONTEXT = "llama-3.1-8b", 8, 8192


class ServingMemory(Exercise):
    title = "the memory to serve Llama 3.1 8B to 8 users, read from the ScaleCalculator"
    asks_for = "the ScaleCalculator widget, set to the model, context and batch"
    hints = (
        "Choose the model llama-3.1-8b, set the context (seq_len) to 8192 and the batch to 8. "
        "Pass the calculator itself.",
        "In code: `calculator.controls['preset'].value = 'llama-3.1-8b'`, then "
        "`calculator.controls['seq_len'].value = 8192` and "
        "`calculator.controls['batch'].value = 8`.",
    )

    def _check(self, answer, **more):
        result = result_of(answer, "ScaleCalculator")
        if result["preset"] != SERVE_PRESET:
            raise NotYet(f"the calculator shows {result['preset']}; choose {SERVE_PRESET}.")
        config = result["config"]
        preset = dataclasses.asdict(PRESETS[SERVE_PRESET].config)
        changed = [k for k in preset if k != "seq_len" and config[k] != preset[k]]
        if changed:
            raise NotYet(
                f"the model's shape was changed ({', '.join(changed)}); reselect the preset."
            )
        if config["seq_len"] != SERVE_CONTEXT:
            maximum = " (the model's maximum)" if config["seq_len"] == preset["seq_len"] else ""
            raise NotYet(
                f"the context is {config['seq_len']:,} tokens{maximum}; each user has "
                f"{SERVE_CONTEXT:,}: set seq_len."
            )
        if result["batch"] != SERVE_BATCH:
            raise NotYet(f"the batch is {result['batch']}: there are {SERVE_BATCH} users.")
        return self._explain(result["inference_memory"])

    @staticmethod
    def _explain(memory):
        return (
            f"{memory['weights'] / GB:.1f} GB of bf16 weights + {memory['kv_cache'] / GB:.1f} GB "
            f"of KV cache = {memory['total'] / GB:.1f} GB: it fits on one 80 GB GPU. The KV "
            "cache grows with users x context; grouped-query attention (8 key-value heads for "
            "32 query heads) keeps it 4 times smaller than it would be."
        )

    def _solution(self):
        from lmwidgets.core.scale import inference_memory

        config = dataclasses.replace(PRESETS[SERVE_PRESET].config, seq_len=SERVE_CONTEXT)
        memory = inference_memory(config, batch=SERVE_BATCH)
        return (
            "`calculator.controls['preset'].value = 'llama-3.1-8b'`, "
            "`calculator.controls['seq_len'].value = 8192`, "
            "`calculator.controls['batch'].value = 8`, then `ex.q2.check(calculator)`. "
            + self._explain(memory)
        )


# ---------------------------------------------------------------------------------------
# Exercise 3: a convolution's parameters: k x k x C_in x C_out + C_out.

KERNEL, C_IN, C_OUT = 3, 32, 64


@lru_cache(maxsize=1)
def _conv_parameters():
    import keras

    layer = keras.layers.Conv2D(C_OUT, kernel_size=KERNEL)
    layer.build((None, 14, 14, C_IN))
    return int(layer.count_params())


class ConvParameters(NumberExercise):
    title = "parameters of Conv2D(64, 3x3) on 32 channels, by hand"
    tolerance = 0.5
    absolute = True
    hints = (
        "Each of the 64 filters spans 3 x 3 pixels of every one of the 32 input channels.",
        "k x k x C_in x C_out weights, plus one bias per output channel (C_out).",
    )

    def _expected(self):
        return _conv_parameters()

    def _explain(self, expected):
        return (
            f"{KERNEL} x {KERNEL} x {C_IN} x {C_OUT} + {C_OUT} = {expected:,.0f} (Keras' "
            "`count_params()` agrees), whatever the image size: the same filters slide over "
            "every position."
        )

    def _not_yet(self, value, expected):
        weights = KERNEL * KERNEL * C_IN * C_OUT
        if value == KERNEL * KERNEL * C_OUT + C_OUT:
            return (
                f"{value:,.0f} leaves out the input channels: each filter is "
                f"{KERNEL} x {KERNEL} x {C_IN}."
            )
        if value == weights:
            return f"{value:,.0f} counts the weights; add one bias per output channel."
        if value == weights + C_IN:
            return f"{value:,.0f}: there is one bias per output channel ({C_OUT}), not per input."
        if value == KERNEL * KERNEL * C_IN + C_IN:
            return f"{value:,.0f} is one layer of 32 filters on 1 channel; this one has 64 on 32."
        return super()._not_yet(value, expected)


# ---------------------------------------------------------------------------------------
# Exercise 4: in-context learning is not instruction tuning.


class InContextLearning(ChoiceExercise):
    title = "the name of learning a task from examples in the prompt"
    choices = ("in-context learning", "instruction tuning", "fine-tuning", "rlhf")
    hints = (
        "Did anything change the model's weights?",
        "Brown et al. (2020) named it in the GPT-3 paper, where it got better with every "
        "increase in model size.",
    )
    why_not = {
        "instruction tuning": "instruction tuning trains the weights on many (instruction, "
        "answer) pairs (FLAN); here nothing is trained, and there is no instruction, only "
        "examples.",
        "fine-tuning": "fine-tuning changes the weights with gradient steps; here the weights "
        "stay as they are.",
        "rlhf": "RLHF trains the weights on human preferences (InstructGPT); nothing is trained "
        "here.",
    }

    def _expected(self):
        # The definition of Brown et al. (2020): no gradient update, examples in the prompt.
        return "in-context learning"

    def _explain(self, expected):
        return (
            "In-context learning: the task is learned from the examples in the prompt, with no "
            "weight update, and GPT-3 showed it improving with model size. Following a plain "
            "instruction ('Translate to French: cheese') reliably is another ability, taught by "
            "instruction tuning (FLAN) and RLHF (InstructGPT)."
        )


# ---------------------------------------------------------------------------------------
# Exercise 5: arithmetic intensity: which operation keeps a GPU's arithmetic units busy.

N = 4096
BYTES = 2  # bf16
# FLOPs and bytes read and written, for N x N matrices in bf16
OPERATIONS = {
    "matmul": (2 * N**3, 3 * N * N * BYTES),  # (N x N) @ (N x N): read A, B, write C
    "matvec": (2 * N * N, (N * N + 2 * N) * BYTES),  # (N x N) @ vector: read A, x, write y
    "relu": (N * N, 2 * N * N * BYTES),  # read and write every element
}
# NVIDIA A100 80GB (SXM) datasheet: 2,039 GB/s HBM2e bandwidth
A100_BANDWIDTH = 2.039e12


def intensity(name):
    flops, moved = OPERATIONS[name]
    return flops / moved


class ArithmeticIntensity(ChoiceExercise):
    title = "the operation that keeps a GPU's arithmetic units busy"
    choices = tuple(OPERATIONS)
    hints = (
        "For each, count the FLOPs and the bytes read from and written to memory; divide.",
        "An A100 does 312e12 FLOP/s but moves only about 2e12 bytes/s: an operation doing "
        "fewer than about 150 FLOPs per byte waits for memory.",
    )
    why_not = {
        "matvec": "a matrix times one vector uses each weight once: 2 FLOPs per 2-byte weight, "
        "about 1 FLOP per byte. It waits for memory (this is why generating one token at a "
        "time is memory-bound).",
        "relu": "ReLU does 1 operation per element for 4 bytes moved (read and write): it waits "
        "for memory.",
    }

    def _expected(self):
        return max(self.choices, key=intensity)

    def _explain(self, expected):
        ridge = HARDWARE["A100 80GB"].peak_flops / A100_BANDWIDTH
        per_op = ", ".join(
            f"{name} {intensity(name):,.0f}"
            if intensity(name) >= 10
            else f"{name} {intensity(name):.2f}"
            for name in self.choices
        )
        return (
            f"FLOPs per byte moved: {per_op}. An A100 needs about {ridge:.0f} to be busy "
            f"(312e12 FLOP/s / 2.0e12 B/s). A {N} x {N} matrix product reads each number once "
            f"and uses it {N} times, so it is limited by arithmetic, which GPUs and TPUs have "
            "thousands of units for."
        )


EXERCISES = [ImpliedMFU, ServingMemory, ConvParameters, InContextLearning, ArithmeticIntensity]
