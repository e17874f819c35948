"""Lesson 08 · Trends and challenges: compute-optimal sizes, training memory, parallelism."""

from functools import lru_cache
from math import sqrt

from lmwidgets.core.scale import (
    HARDWARE,
    ZERO_STAGES,
    chinchilla_optimal,
    count_params,
    training_memory_breakdown,
    training_memory_bytes,
)
from lmwidgets.exercises.exercise import (
    Exercise,
    NotYet,
    NumberExercise,
    as_number,
    close,
)

import numpy as np

GB = 1e9
# Llama 3.1 405B's training compute (Llama Team 2024, Sec. 3.3.1: 3.8e25 FLOPs).
LLAMA_31_FLOPS = 3.8e25


class ComputeOptimalSize(NumberExercise):
    title = "the Chinchilla-optimal size for Llama 3.1 405B's budget"
    asks_for = "a number of parameters (such as 1e11)"
    tolerance = 0.03
    hints = (
        "Compute-optimal: D = 20 N tokens, and C = 6 N D. Put the first into the second.",
        "C = 6 x N x 20 N = 120 N^2, so N = sqrt(C / 120). `chinchilla_optimal(3.8e25)` "
        "gives (N, D).",
    )

    def _expected(self):
        return chinchilla_optimal(LLAMA_31_FLOPS)[0]

    def _explain(self, expected):
        tokens = chinchilla_optimal(LLAMA_31_FLOPS)[1]
        return (
            f"N = sqrt(3.8e25 / 120) = {expected / 1e9:.0f}B parameters on {tokens / 1e12:.1f}T "
            "tokens. Meta chose 405B parameters on 15.6T tokens (38 per parameter): with the "
            "same compute, a smaller model trained on more tokens, cheaper at every use."
        )

    def _not_yet(self, value, expected):
        tokens = chinchilla_optimal(LLAMA_31_FLOPS)[1]
        if close(value, 405e9, 0.01):
            return f"{value:.3g} is the size Meta chose; the question asks for Chinchilla's."
        if close(value, tokens, 0.03):
            return f"{value:.3g} is the number of tokens D = 20 N; give N."
        if close(value, sqrt(LLAMA_31_FLOPS / 6), 0.03):
            return f"{value:.3g} forgets D = 20 N: C = 6 N D = 120 N^2."
        if close(value, expected / 1e9, 0.03):
            return f"{value:g} looks like billions; give the number of parameters ({value:g}e9)."
        return super()._not_yet(value, expected)


# Exercise 2: Llama 2 7B fine-tuned with Adam on 8 V100 32GB.
FIT_PRESET, FIT_HARDWARE, FIT_DEVICES = "llama-2-7b", "V100 32GB", 8


def _stage_totals():
    n_params = count_params(FIT_PRESET)
    return {s: training_memory_bytes(n_params, s, FIT_DEVICES) for s in ZERO_STAGES}


def _lowest_stage():
    memory = HARDWARE[FIT_HARDWARE].memory_bytes
    return min(s for s, total in _stage_totals().items() if total <= memory)


class LowestZeroStage(Exercise):
    title = "the lowest ZeRO stage at which Llama 2 7B trains on 8 V100s"
    asks_for = (
        "the ScaleCalculator widget (llama-2-7b, V100 32GB, 8 devices, the stage chosen), "
        "or the stage, 0 to 3"
    )
    hints = (
        "In the calculator choose the model llama-2-7b, the device V100 32GB and 8 devices. "
        "The bars show each ZeRO stage's memory per device against the dashed line.",
        "`calculator.result['training_memory_by_stage']` holds each stage's bytes per device; "
        "find the lowest stage at or under 32 GB.",
    )

    def _check(self, answer, **more):
        if type(answer).__name__ == "ScaleCalculator":
            result = answer.result
            asked = {"preset": FIT_PRESET, "hardware": FIT_HARDWARE, "n_devices": FIT_DEVICES}
            for key, value in asked.items():
                if result[key] != value:
                    raise NotYet(f"set {key} to {value!r} (it is {result[key]!r}).")
            if not result["matches_preset"]:
                raise NotYet("the model's shape was changed; choose llama-2-7b again.")
            stage = result["zero_stage"]
        else:
            value = as_number(answer)
            if value not in ZERO_STAGES:
                raise NotYet(f"a ZeRO stage is 0, 1, 2 or 3. Received: {answer!r}.")
            stage = int(value)
        totals = _stage_totals()
        expected = _lowest_stage()
        memory = HARDWARE[FIT_HARDWARE].memory_bytes / GB
        if stage < expected:
            raise NotYet(
                f"at stage {stage} each V100 needs {totals[stage] / GB:.1f} GB, more than its "
                f"{memory:.0f} GB."
            )
        if stage > expected:
            raise NotYet(
                f"stage {stage} fits ({totals[stage] / GB:.1f} GB), but a lower stage does too, "
                "with less communication."
            )
        return self._explain(expected)

    def _explain(self, expected):
        totals = _stage_totals()
        return (
            f"stage {expected}: {totals[expected] / GB:.1f} GB per V100 (stage {expected - 1}: "
            f"{totals[expected - 1] / GB:.1f} GB, too much for 32 GB). Each stage shards one "
            "more part over the 8 devices; a higher stage also fits but communicates more "
            "(stage 3 gathers the weights for every layer, at every step)."
        )

    def _solution(self):
        expected = _lowest_stage()
        return (
            f"`ScaleCalculator(preset='{FIT_PRESET}', hardware='{FIT_HARDWARE}', "
            f"n_devices={FIT_DEVICES}, zero_stage={expected})`: {self._explain(expected)}"
        )


# Exercise 3: Llama 2 13B, ZeRO stage 1 over 8 devices.
BY_HAND_PRESET, BY_HAND_STAGE, BY_HAND_DEVICES = "llama-2-13b", 1, 8


def _by_hand(stage=BY_HAND_STAGE):
    return training_memory_breakdown(count_params(BY_HAND_PRESET), stage, BY_HAND_DEVICES)


class ZeroMemoryByHand(NumberExercise):
    title = "GB per device for Llama 2 13B with ZeRO stage 1 on 8 GPUs, by hand"
    asks_for = "a number of GB (1 GB = 1e9 bytes)"
    tolerance = 0.02
    hints = (
        "16 bytes per parameter: weights 2, gradients 2, optimizer states 12 (fp32 master "
        "weights, momentum, variance). Llama 2 13B has 13,015,864,320 parameters.",
        "Stage 1 shards only the optimizer states: 2 + 2 + 12 / 8 bytes per parameter on "
        "each device.",
    )

    def _expected(self):
        return _by_hand()["total"] / GB

    def _explain(self, expected):
        parts = _by_hand()
        n = count_params(BY_HAND_PRESET)
        return (
            f"(2 + 2 + 12 / 8) bytes x {n:,} = {parts['weights'] / GB:.1f} (weights) + "
            f"{parts['gradients'] / GB:.1f} (gradients) + {parts['optimizer_states'] / GB:.1f} "
            f"(optimizer states) = {expected:.1f} GB per device, against "
            f"{_by_hand(0)['total'] / GB:.0f} GB unsharded. Activations come on top."
        )

    def _not_yet(self, value, expected):
        n = count_params(BY_HAND_PRESET)
        if close(value, _by_hand(0)["total"] / GB, 0.02):
            return f"{value:g} GB is stage 0, nothing sharded; stage 1 shards the optimizer states."
        if close(value, _by_hand(3)["total"] / GB, 0.02):
            return (
                f"{value:g} GB is stage 3, everything sharded; stage 1 shards the optimizer states."
            )
        if close(value, _by_hand(2)["total"] / GB, 0.02):
            return f"{value:g} GB also shards the gradients (stage 2); stage 1 does not."
        if close(value, 4 * n / GB, 0.02):
            return (
                f"{value:g} GB is the weights and gradients; add each device's share of the "
                "optimizer states."
            )
        if close(value, expected * GB, 0.02) or close(value, expected * 2**30 / GB, 0.02):
            return f"{value:.4g}: give GB, 1 GB = 1e9 bytes."
        return super()._not_yet(value, expected)


# The demo's MLP (lmwidgets.core.distribution): 16 inputs, 64 hidden units, 4 outputs.
DEMO_SHAPES = {
    "hidden/kernel": (16, 64),
    "hidden/bias": (64,),
    "output/kernel": (64, 4),
    "output/bias": (4,),
}


@lru_cache(maxsize=1)
def _demo_layout():
    """The mesh axis names and each weight's spec in the demo's LayoutMap, read from Keras."""
    from lmwidgets.core import distribution

    devices = [f"cpu:{i}" for i in range(distribution.N_DEVICES)]
    layout_map = distribution._layout_map(devices)
    specs = {}
    for name, shape in DEMO_SHAPES.items():
        layout = layout_map[f"sequential/{name}"]
        specs[name] = tuple(layout.axes) if layout is not None else (None,) * len(shape)
    return tuple(layout_map.device_mesh.axis_names), specs


def _copies(name="hidden/kernel"):
    """On how many devices of the demo's mesh each piece of ``name`` is stored."""
    from lmwidgets.core.distribution import MESH_SHAPE

    axes, specs = _demo_layout()
    sizes = dict(zip(axes, MESH_SHAPE, strict=True))
    pieces = 1
    for axis in specs[name]:
        if axis is not None:
            pieces *= sizes[axis]
    return int(np.prod(MESH_SHAPE)) // pieces, pieces


class CopiesPerPiece(NumberExercise):
    title = "on how many devices each piece of the hidden kernel is stored"
    asks_for = "a number of devices"
    tolerance = 0
    absolute = True
    hints = (
        "Read the model_parallel rows of the layout table: the hidden kernel is 16 x 64, each "
        "device holds a 16 x 16 piece, and 8 devices hold pieces. How many distinct pieces "
        "are there?",
        "8 devices share the distinct pieces equally. Which mesh axis does the spec name, and "
        "which one does it leave out?",
    )

    def _expected(self):
        return _copies()[0]

    def _explain(self, expected):
        pieces = _copies()[1]
        return (
            f"{pieces} distinct pieces (16 x 16) on 8 devices: each is stored on {expected:g} "
            "devices, one in each row of the 'batch' axis. The spec (None, 'model') does not "
            "name 'batch', so along it the weights are replicated: plain data parallelism. "
            "ZeRO-3 / FSDP would store each piece once, sharding the weights over 'batch' too."
        )

    def _not_yet(self, value, expected):
        pieces = _copies()[1]
        if value == 8:
            return (
                "8 is how many devices hold some piece (the devices column). How many distinct "
                "pieces are there, and on how many devices is each one?"
            )
        if value == pieces:
            return f"{pieces} is the number of distinct pieces (64 columns / 16); now the copies."
        if value == 1:
            return (
                "1 copy would mean the weights are also sharded along 'batch', as in ZeRO-3. "
                "Does the spec name 'batch'?"
            )
        return super()._not_yet(value, expected)


MESH_1x8 = (1, 8)


def _piece(mesh_shape, name="hidden/kernel"):
    axes, specs = _demo_layout()
    sizes = dict(zip(axes, mesh_shape, strict=True))
    shape = DEMO_SHAPES[name]
    return tuple(
        dim if axis is None else dim // sizes[axis]
        for dim, axis in zip(shape, specs[name], strict=True)
    )


class PieceOnA1x8Mesh(Exercise):
    title = "the piece of the hidden kernel each device holds on a (1, 8) mesh"
    asks_for = "a shape such as (rows, columns)"
    hints = (
        "The layout (None, 'model') leaves the rows whole and splits the columns over the "
        "'model' axis.",
        "On a (1, 8) mesh the 'model' axis has 8 devices.",
    )

    def _check(self, answer, **more):
        if isinstance(answer, str | bytes) or not hasattr(answer, "__len__"):
            raise NotYet(f"give a shape such as (16, 64). Received: {answer!r}.")
        shape = tuple(as_number(dim) for dim in answer)
        expected = _piece(MESH_1x8)
        full = DEMO_SHAPES["hidden/kernel"]
        if shape == expected:
            return self._explain(expected)
        if shape == full:
            raise NotYet(f"{full} is the whole kernel; with (None, 'model') it is split.")
        if shape == _piece((2, 4)):
            raise NotYet(f"{shape} is the (2, 4) mesh of the demo; now 'model' has 8 devices.")
        if shape == expected[::-1] or shape == (full[0] // 8, full[1]):
            raise NotYet(f"{shape} splits the rows; (None, 'model') splits the columns.")
        raise NotYet(f"{shape} is not it. Try `ex.{self.name}.hint()`.")

    def _explain(self, expected):
        rows, columns = DEMO_SHAPES["hidden/kernel"]
        return (
            f"({rows}, {columns} / 8) = {expected}: the 8 devices each hold 8 of the 64 "
            "columns (8 hidden units), each piece on one device; on the (2, 4) mesh each held "
            "a 16 x 16 piece, each piece on two devices."
        )

    def _solution(self):
        return self._explain(_piece(MESH_1x8))


EXERCISES = [ComputeOptimalSize, LowestZeroStage, ZeroMemoryByHand, CopiesPerPiece, PieceOnA1x8Mesh]
