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
from lmwidgets.language import Words, say

import numpy as np

GB = 1e9
# Llama 3.1 405B's training compute (Llama Team 2024, Sec. 3.3.1: 3.8e25 FLOPs).
LLAMA_31_FLOPS = 3.8e25


class ComputeOptimalSize(NumberExercise):
    title = Words(
        "the Chinchilla-optimal size for Llama 3.1 405B's budget",
        "按 Llama 3.1 405B 的算力预算，Chinchilla 意义下最优的模型规模",
    )
    asks_for = Words("a number of parameters (such as 1e11)", "一个参数量（例如 1e11）")
    tolerance = 0.03
    hints = (
        Words(
            "Compute-optimal: D = 20 N tokens, and C = 6 N D. Put the first into the second.",
            "计算最优：词元数 D = 20 N，而 C = 6 N D。把前一个式子代入后一个。",
        ),
        Words(
            "C = 6 x N x 20 N = 120 N^2, so N = sqrt(C / 120). `chinchilla_optimal(3.8e25)` "
            "gives (N, D).",
            "C = 6 x N x 20 N = 120 N^2，所以 N = sqrt(C / 120)。"
            "`chinchilla_optimal(3.8e25)` 给出 (N, D)。",
        ),
    )

    def _expected(self):
        return chinchilla_optimal(LLAMA_31_FLOPS)[0]

    def _explain(self, expected):
        tokens = chinchilla_optimal(LLAMA_31_FLOPS)[1]
        return say(
            f"N = sqrt(3.8e25 / 120) = {expected / 1e9:.0f}B parameters on {tokens / 1e12:.1f}T "
            "tokens. Meta chose 405B parameters on 15.6T tokens (38 per parameter): with the "
            "same compute, a smaller model trained on more tokens, cheaper at every use.",
            f"N = sqrt(3.8e25 / 120) = {expected / 1e9:.0f}B 个参数，训练 {tokens / 1e12:.1f}T "
            "个词元。Meta 选的是 405B 个参数、15.6T 个词元（每个参数 38 个词元）：同样的算力，"
            "换来一个用更多词元训练的更小模型，每次使用都更便宜。",
        )

    def _not_yet(self, value, expected):
        tokens = chinchilla_optimal(LLAMA_31_FLOPS)[1]
        if close(value, 405e9, 0.01):
            return say(
                f"{value:.3g} is the size Meta chose; the question asks for Chinchilla's.",
                f"{value:.3g} 是 Meta 实际选的规模；题目问的是 Chinchilla 意义下的最优规模。",
            )
        if close(value, tokens, 0.03):
            return say(
                f"{value:.3g} is the number of tokens D = 20 N; give N.",
                f"{value:.3g} 是词元数 D = 20 N；请给出 N。",
            )
        if close(value, sqrt(LLAMA_31_FLOPS / 6), 0.03):
            return say(
                f"{value:.3g} forgets D = 20 N: C = 6 N D = 120 N^2.",
                f"{value:.3g} 忘了 D = 20 N：C = 6 N D = 120 N^2。",
            )
        if close(value, expected / 1e9, 0.03):
            return say(
                f"{value:g} looks like billions; give the number of parameters ({value:g}e9).",
                f"{value:g} 看起来是以十亿为单位；请给出参数的个数（{value:g}e9）。",
            )
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
    title = Words(
        "the lowest ZeRO stage at which Llama 2 7B trains on 8 V100s",
        "Llama 2 7B 能在 8 块 V100 上训练的最低 ZeRO 阶段",
    )
    asks_for = Words(
        "the ScaleCalculator widget (llama-2-7b, V100 32GB, 8 devices, the stage chosen), "
        "or the stage, 0 to 3",
        "ScaleCalculator 控件（llama-2-7b、V100 32GB、8 台设备，并选好阶段），或者阶段编号 0 到 3",
    )
    hints = (
        Words(
            "In the calculator choose the model llama-2-7b, the device V100 32GB and 8 devices. "
            "The bars show each ZeRO stage's memory per device against the dashed line.",
            "在计算器中选择模型 llama-2-7b、设备 V100 32GB 和 8 台设备。"
            "柱形显示每个 ZeRO 阶段下每台设备所需的内存，可与虚线（设备的显存）比较。",
        ),
        Words(
            "`calculator.result['training_memory_by_stage']` holds each stage's bytes per "
            "device; find the lowest stage at or under 32 GB.",
            "`calculator.result['training_memory_by_stage']` 存有每个阶段下每台设备的字节数；"
            "找出不超过 32 GB 的最低阶段。",
        ),
    )

    def _check(self, answer, **more):
        if type(answer).__name__ == "ScaleCalculator":
            result = answer.result
            asked = {"preset": FIT_PRESET, "hardware": FIT_HARDWARE, "n_devices": FIT_DEVICES}
            for key, value in asked.items():
                if result[key] != value:
                    raise NotYet(say(
                        f"set {key} to {value!r} (it is {result[key]!r}).",
                        f"请把 `{key}` 设为 {value!r}（现在是 {result[key]!r}）。",
                    ))  # fmt: skip
            if not result["matches_preset"]:
                raise NotYet(say(
                    "the model's shape was changed; choose llama-2-7b again.",
                    "模型的形状被改过了；请重新选择 llama-2-7b。",
                ))  # fmt: skip
            stage = result["zero_stage"]
        else:
            value = as_number(answer)
            if value not in ZERO_STAGES:
                raise NotYet(say(
                    f"a ZeRO stage is 0, 1, 2 or 3. Received: {answer!r}.",
                    f"ZeRO 阶段只能是 0、1、2 或 3。收到的是：{answer!r}。",
                ))  # fmt: skip
            stage = int(value)
        totals = _stage_totals()
        expected = _lowest_stage()
        memory = HARDWARE[FIT_HARDWARE].memory_bytes / GB
        if stage < expected:
            raise NotYet(say(
                f"at stage {stage} each V100 needs {totals[stage] / GB:.1f} GB, more than its "
                f"{memory:.0f} GB.",
                f"在阶段 {stage}，每块 V100 需要 {totals[stage] / GB:.1f} GB，"
                f"超过了它的 {memory:.0f} GB。",
            ))  # fmt: skip
        if stage > expected:
            raise NotYet(say(
                f"stage {stage} fits ({totals[stage] / GB:.1f} GB), but a lower stage does too, "
                "with less communication.",
                f"阶段 {stage} 放得下（{totals[stage] / GB:.1f} GB），但更低的阶段也放得下，"
                "而且通信更少。",
            ))  # fmt: skip
        return self._explain(expected)

    def _explain(self, expected):
        totals = _stage_totals()
        return say(
            f"stage {expected}: {totals[expected] / GB:.1f} GB per V100 (stage {expected - 1}: "
            f"{totals[expected - 1] / GB:.1f} GB, too much for 32 GB). Each stage shards one "
            "more part over the 8 devices; a higher stage also fits but communicates more "
            "(stage 3 gathers the weights for every layer, at every step).",
            f"阶段 {expected}：每块 V100 需要 {totals[expected] / GB:.1f} GB"
            f"（阶段 {expected - 1}：{totals[expected - 1] / GB:.1f} GB，超出了 32 GB）。"
            "每升高一个阶段，就多把一部分状态分片到 8 台设备上；更高的阶段也放得下，"
            "但通信更多（阶段 3 在每一步都要为每一层收集权重）。",
        )

    def _solution(self):
        expected = _lowest_stage()
        call = (
            f"`ScaleCalculator(preset='{FIT_PRESET}', hardware='{FIT_HARDWARE}', "
            f"n_devices={FIT_DEVICES}, zero_stage={expected})`"
        )
        return say(f"{call}: {self._explain(expected)}", f"{call}：{self._explain(expected)}")


# Exercise 3: Llama 2 13B, ZeRO stage 1 over 8 devices.
BY_HAND_PRESET, BY_HAND_STAGE, BY_HAND_DEVICES = "llama-2-13b", 1, 8


def _by_hand(stage=BY_HAND_STAGE):
    return training_memory_breakdown(count_params(BY_HAND_PRESET), stage, BY_HAND_DEVICES)


class ZeroMemoryByHand(NumberExercise):
    title = Words(
        "GB per device for Llama 2 13B with ZeRO stage 1 on 8 GPUs, by hand",
        "手算：Llama 2 13B 在 8 块 GPU 上用 ZeRO 阶段 1 训练，每台设备需要多少 GB",
    )
    asks_for = Words("a number of GB (1 GB = 1e9 bytes)", "一个以 GB 为单位的数（1 GB = 1e9 字节）")
    tolerance = 0.02
    hints = (
        Words(
            "16 bytes per parameter: weights 2, gradients 2, optimizer states 12 (fp32 master "
            "weights, momentum, variance). Llama 2 13B has 13,015,864,320 parameters.",
            "每个参数 16 字节：权重 2 字节、梯度 2 字节、优化器状态 12 字节（fp32 主权重、"
            "动量、方差）。Llama 2 13B 有 13,015,864,320 个参数。",
        ),
        Words(
            "Stage 1 shards only the optimizer states: 2 + 2 + 12 / 8 bytes per parameter on "
            "each device.",
            "阶段 1 只对优化器状态分片：每台设备上，每个参数占 2 + 2 + 12 / 8 字节。",
        ),
    )

    def _expected(self):
        return _by_hand()["total"] / GB

    def _explain(self, expected):
        parts = _by_hand()
        n = count_params(BY_HAND_PRESET)
        return say(
            f"(2 + 2 + 12 / 8) bytes x {n:,} = {parts['weights'] / GB:.1f} (weights) + "
            f"{parts['gradients'] / GB:.1f} (gradients) + {parts['optimizer_states'] / GB:.1f} "
            f"(optimizer states) = {expected:.1f} GB per device, against "
            f"{_by_hand(0)['total'] / GB:.0f} GB unsharded. Activations come on top.",
            f"(2 + 2 + 12 / 8) 字节 x {n:,} = {parts['weights'] / GB:.1f}（权重）+ "
            f"{parts['gradients'] / GB:.1f}（梯度）+ {parts['optimizer_states'] / GB:.1f}"
            f"（优化器状态）= 每台设备 {expected:.1f} GB，不分片时是 "
            f"{_by_hand(0)['total'] / GB:.0f} GB。激活值还要另算。",
        )

    def _not_yet(self, value, expected):
        n = count_params(BY_HAND_PRESET)
        if close(value, _by_hand(0)["total"] / GB, 0.02):
            return say(
                f"{value:g} GB is stage 0, nothing sharded; stage 1 shards the optimizer states.",
                f"{value:g} GB 是阶段 0，什么都没有分片；阶段 1 会对优化器状态分片。",
            )
        if close(value, _by_hand(3)["total"] / GB, 0.02):
            return say(
                f"{value:g} GB is stage 3, everything sharded; stage 1 shards the optimizer "
                "states.",
                f"{value:g} GB 是阶段 3，全部都分片了；阶段 1 只对优化器状态分片。",
            )
        if close(value, _by_hand(2)["total"] / GB, 0.02):
            return say(
                f"{value:g} GB also shards the gradients (stage 2); stage 1 does not.",
                f"{value:g} GB 把梯度也分片了（阶段 2）；阶段 1 不对梯度分片。",
            )
        if close(value, 4 * n / GB, 0.02):
            return say(
                f"{value:g} GB is the weights and gradients; add each device's share of the "
                "optimizer states.",
                f"{value:g} GB 只是权重和梯度；还要加上每台设备分到的那一份优化器状态。",
            )
        if close(value, expected * GB, 0.02) or close(value, expected * 2**30 / GB, 0.02):
            return say(
                f"{value:.4g}: give GB, 1 GB = 1e9 bytes.",
                f"{value:.4g}：请以 GB 为单位作答，1 GB = 1e9 字节。",
            )
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
    title = Words(
        "on how many devices each piece of the hidden kernel is stored",
        "隐藏层 kernel 的每一块存放在几台设备上",
    )
    asks_for = Words("a number of devices", "一个设备数")
    tolerance = 0
    absolute = True
    hints = (
        Words(
            "Read the model_parallel rows of the layout table: the hidden kernel is 16 x 64, "
            "each device holds a 16 x 16 piece, and 8 devices hold pieces. How many distinct "
            "pieces are there?",
            "看布局表中 model_parallel 的几行：隐藏层的 kernel 是 16 x 64，每台设备存放其中"
            " 16 x 16 的一块，共有 8 台设备存放分块。互不相同的块一共有几块？",
        ),
        Words(
            "8 devices share the distinct pieces equally. Which mesh axis does the spec name, "
            "and which one does it leave out?",
            "8 台设备平均分担这些互不相同的块。spec 里写了哪个网格轴，又漏掉了哪个？",
        ),
    )

    def _expected(self):
        return _copies()[0]

    def _explain(self, expected):
        pieces = _copies()[1]
        return say(
            f"{pieces} distinct pieces (16 x 16) on 8 devices: each is stored on {expected:g} "
            "devices, one in each row of the 'batch' axis. The spec (None, 'model') does not "
            "name 'batch', so along it the weights are replicated: plain data parallelism. "
            "ZeRO-3 / FSDP would store each piece once, sharding the weights over 'batch' too.",
            f"{pieces} 块互不相同的块（16 x 16）放在 8 台设备上：每块存放在 {expected:g} 台设备上，"
            "'batch' 轴的每一行各一份。spec (None, 'model') 没有写 'batch'，所以沿这个轴"
            "权重是复制的：这就是普通的数据并行。ZeRO-3 / FSDP 则让每块只存一份，"
            "把权重也沿 'batch' 分片。",
        )

    def _not_yet(self, value, expected):
        pieces = _copies()[1]
        if value == 8:
            return say(
                "8 is how many devices hold some piece (the devices column). How many distinct "
                "pieces are there, and on how many devices is each one?",
                "8 是存放了分块的设备数（即“设备数”那一列）。互不相同的块一共有几块？"
                "每块又存放在几台设备上？",
            )
        if value == pieces:
            return say(
                f"{pieces} is the number of distinct pieces (64 columns / 16); now the copies.",
                f"{pieces} 是互不相同的块数（64 列 / 16）；现在来数副本数。",
            )
        if value == 1:
            return say(
                "1 copy would mean the weights are also sharded along 'batch', as in ZeRO-3. "
                "Does the spec name 'batch'?",
                "只有 1 份副本，意味着权重也沿 'batch' 分片，就像 ZeRO-3 那样。"
                "spec 里写了 'batch' 吗？",
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
    title = Words(
        "the piece of the hidden kernel each device holds on a (1, 8) mesh",
        "在 (1, 8) 网格上，每台设备存放隐藏层 kernel 的哪一块",
    )
    asks_for = Words("a shape such as (rows, columns)", "一个形状，例如 (行数, 列数)")
    hints = (
        Words(
            "The layout (None, 'model') leaves the rows whole and splits the columns over the "
            "'model' axis.",
            "布局 (None, 'model') 不切分行，而把列沿 'model' 轴切分。",
        ),
        Words(
            "On a (1, 8) mesh the 'model' axis has 8 devices.",
            "在 (1, 8) 网格上，'model' 轴有 8 台设备。",
        ),
    )

    def _check(self, answer, **more):
        if isinstance(answer, str | bytes) or not hasattr(answer, "__len__"):
            raise NotYet(say(
                f"give a shape such as (16, 64). Received: {answer!r}.",
                f"请给出一个形状，例如 (16, 64)。收到的是：{answer!r}。",
            ))  # fmt: skip
        shape = tuple(as_number(dim) for dim in answer)
        expected = _piece(MESH_1x8)
        full = DEMO_SHAPES["hidden/kernel"]
        if shape == expected:
            return self._explain(expected)
        if shape == full:
            raise NotYet(say(
                f"{full} is the whole kernel; with (None, 'model') it is split.",
                f"{full} 是整个 kernel；用 (None, 'model') 时它会被切分。",
            ))  # fmt: skip
        if shape == _piece((2, 4)):
            raise NotYet(say(
                f"{shape} is the (2, 4) mesh of the demo; now 'model' has 8 devices.",
                f"{shape} 是演示中 (2, 4) 网格的情形；现在 'model' 轴有 8 台设备。",
            ))  # fmt: skip
        if shape == expected[::-1] or shape == (full[0] // 8, full[1]):
            raise NotYet(say(
                f"{shape} splits the rows; (None, 'model') splits the columns.",
                f"{shape} 切分的是行；(None, 'model') 切分的是列。",
            ))  # fmt: skip
        raise NotYet(say(
            f"{shape} is not it. Try `ex.{self.name}.hint()`.",
            f"不是 {shape}。试试 `ex.{self.name}.hint()`。",
        ))  # fmt: skip

    def _explain(self, expected):
        rows, columns = DEMO_SHAPES["hidden/kernel"]
        return say(
            f"({rows}, {columns} / 8) = {expected}: the 8 devices each hold 8 of the 64 "
            "columns (8 hidden units), each piece on one device; on the (2, 4) mesh each held "
            "a 16 x 16 piece, each piece on two devices.",
            f"({rows}, {columns} / 8) = {expected}：8 台设备各存放 64 列中的 8 列（8 个隐藏单元），"
            "每块只在一台设备上；而在 (2, 4) 网格上，每台设备存放 16 x 16 的一块，"
            "每块在两台设备上。",
        )

    def _solution(self):
        return self._explain(_piece(MESH_1x8))


EXERCISES = [ComputeOptimalSize, LowestZeroStage, ZeroMemoryByHand, CopiesPerPiece, PieceOnA1x8Mesh]
