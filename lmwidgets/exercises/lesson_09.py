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
from lmwidgets.language import Words, say

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
    title = Words(
        "the MFU implied by Llama 2 13B's published GPU-hours",
        "由 Llama 2 13B 公布的 GPU 时数推算出的 MFU",
    )
    asks_for = Words("a fraction between 0 and 1", "一个 0 到 1 之间的小数")
    tolerance = 0.015
    hints = (
        Words(
            "MFU = the FLOPs the training needed / the FLOPs the GPUs could have done in that "
            "time.",
            "MFU = 训练实际需要的浮点运算次数 / 这段时间里 GPU 按峰值能完成的浮点运算次数。",
        ),
        Words(
            "6 x count_params('llama-2-13b') x 2e12 tokens, divided by "
            "368,640 hours x 3600 s x 312e12 FLOP/s.",
            "6 x count_params('llama-2-13b') x 2e12 个词元，除以 "
            "368,640 小时 x 3600 秒 x 312e12 FLOP/s。",
        ),
    )

    def _expected(self):
        return _mfu("llama-2-13b", LLAMA2_13B_HOURS)

    def _explain(self, expected):
        seven = _mfu("llama-2-7b", LLAMA2_7B_HOURS)
        flops = training_flops(count_params("llama-2-13b"), LLAMA2_TOKENS)
        return say(
            f"{flops:.3g} FLOPs / "
            f"({LLAMA2_13B_HOURS:,} x 3600 s x 312e12 FLOP/s) = {expected:.3f}: close to the "
            f"7B model's {seven:.3f}. The same cluster and software reach about the same share "
            "of the peak.",
            f"{flops:.3g} FLOPs / "
            f"({LLAMA2_13B_HOURS:,} x 3600 秒 x 312e12 FLOP/s) = {expected:.3f}，与 7B 模型的 "
            f"{seven:.3f} 很接近：同样的集群和软件，能用上的峰值算力比例也差不多。",
        )

    def _not_yet(self, value, expected):
        if close(value / 100, expected, self.tolerance):
            return say(
                f"{value:g} looks like a percentage; give a fraction ({value / 100:g}).",
                f"{value:g} 看起来是百分数；请给出小数（{value / 100:g}）。",
            )
        if close(value, _mfu("llama-2-7b", LLAMA2_7B_HOURS), self.tolerance):
            return say(
                f"{value:g} is the 7B model's MFU; use the 13B model and its 368,640 hours.",
                f"{value:g} 是 7B 模型的 MFU；请用 13B 模型和它的 368,640 小时。",
            )
        if close(value, _mfu("llama-2-13b", LLAMA2_13B_HOURS, flops_per_token_param=2), 0.02):
            return say(
                f"{value:g} counts 2 FLOPs per parameter and token (the forward pass); "
                "training takes 6 (forward 2, backward 4).",
                f"{value:g} 按每个参数、每个词元 2 次浮点运算计算（只算了前向传播）；"
                "训练要 6 次（前向 2 次，反向 4 次）。",
            )
        if close(value, _mfu("llama-2-13b", LLAMA2_13B_HOURS, device="H100 SXM"), 0.02):
            return say(
                f"{value:g} uses the H100's peak; Llama 2 was trained on A100s (312e12).",
                f"{value:g} 用的是 H100 的峰值；Llama 2 是在 A100 上训练的（312e12）。",
            )
        if value > 1:
            return say(
                f"{value:g} is more than the whole peak; an MFU is between 0 and 1.",
                f"{value:g} 超过了全部峰值；MFU 在 0 和 1 之间。",
            )
        return super()._not_yet(value, expected)


# ---------------------------------------------------------------------------------------
# Exercise 2: serving Llama 3.1 8B to 8 users with 8,192 tokens each, in the calculator.

SERVE_PRESET, SERVE_BATCH, SERVE_CONTEXT = "llama-3.1-8b", 8, 8192


class ServingMemory(Exercise):
    title = Words(
        "the memory to serve Llama 3.1 8B to 8 users, read from the ScaleCalculator",
        "用 ScaleCalculator 读出为 8 个用户部署 Llama 3.1 8B 所需的显存",
    )
    asks_for = Words(
        "the ScaleCalculator widget, set to the model, context and batch",
        "设好模型、上下文长度和批量的 ScaleCalculator 控件",
    )
    hints = (
        Words(
            "Choose the model llama-3.1-8b, set the context (seq_len) to 8192 and the batch to "
            "8. Pass the calculator itself.",
            "选择模型 `llama-3.1-8b`，把上下文长度（`seq_len`）设为 8192、批量设为 8，"
            "然后传入计算器本身。",
        ),
        Words(
            "In code: `calculator.controls['preset'].value = 'llama-3.1-8b'`, then "
            "`calculator.controls['seq_len'].value = 8192` and "
            "`calculator.controls['batch'].value = 8`.",
            "用代码：`calculator.controls['preset'].value = 'llama-3.1-8b'`，然后 "
            "`calculator.controls['seq_len'].value = 8192` 和 "
            "`calculator.controls['batch'].value = 8`。",
        ),
    )

    def _check(self, answer, **more):
        result = result_of(answer, "ScaleCalculator")
        if result["preset"] != SERVE_PRESET:
            raise NotYet(say(
                f"the calculator shows {result['preset']}; choose {SERVE_PRESET}.",
                f"计算器显示的是 `{result['preset']}`；请选择 `{SERVE_PRESET}`。",
            ))  # fmt: skip
        config = result["config"]
        preset = dataclasses.asdict(PRESETS[SERVE_PRESET].config)
        changed = [k for k in preset if k != "seq_len" and config[k] != preset[k]]
        if changed:
            raise NotYet(say(
                f"the model's shape was changed ({', '.join(changed)}); reselect the preset.",
                f"模型的结构被改动了（{', '.join(f'`{k}`' for k in changed)}）；请重新选择预设。",
            ))  # fmt: skip
        if config["seq_len"] != SERVE_CONTEXT:
            at_maximum = config["seq_len"] == preset["seq_len"]
            maximum = " (the model's maximum)" if at_maximum else ""
            maximum_zh = "（模型的最大值）" if at_maximum else ""
            raise NotYet(say(
                f"the context is {config['seq_len']:,} tokens{maximum}; each user has "
                f"{SERVE_CONTEXT:,}: set seq_len.",
                f"上下文长度是 {config['seq_len']:,} 个词元{maximum_zh}；"
                f"每个用户有 {SERVE_CONTEXT:,} 个：请设置 `seq_len`。",
            ))  # fmt: skip
        if result["batch"] != SERVE_BATCH:
            raise NotYet(say(
                f"the batch is {result['batch']}: there are {SERVE_BATCH} users.",
                f"批量是 {result['batch']}：而用户有 {SERVE_BATCH} 个。",
            ))  # fmt: skip
        return self._explain(result["inference_memory"])

    @staticmethod
    def _explain(memory):
        return say(
            f"{memory['weights'] / GB:.1f} GB of bf16 weights + {memory['kv_cache'] / GB:.1f} GB "
            f"of KV cache = {memory['total'] / GB:.1f} GB: it fits on one 80 GB GPU. The KV "
            "cache grows with users x context; grouped-query attention (8 key-value heads for "
            "32 query heads) keeps it 4 times smaller than it would be.",
            f"{memory['weights'] / GB:.1f} GB 的 bf16 权重 + {memory['kv_cache'] / GB:.1f} GB "
            f"的 KV 缓存 = {memory['total'] / GB:.1f} GB：一块 80 GB 的 GPU 放得下。KV 缓存随"
            "“用户数 x 上下文长度”增长；分组查询注意力（32 个查询头共用 8 个键值头）"
            "让它只有不用时的四分之一。",
        )

    def _solution(self):
        from lmwidgets.core.scale import inference_memory

        config = dataclasses.replace(PRESETS[SERVE_PRESET].config, seq_len=SERVE_CONTEXT)
        memory = inference_memory(config, batch=SERVE_BATCH)
        return say(
            "`calculator.controls['preset'].value = 'llama-3.1-8b'`, "
            "`calculator.controls['seq_len'].value = 8192`, "
            "`calculator.controls['batch'].value = 8`, then `ex.q2.check(calculator)`. ",
            "`calculator.controls['preset'].value = 'llama-3.1-8b'`，"
            "`calculator.controls['seq_len'].value = 8192`，"
            "`calculator.controls['batch'].value = 8`，然后 `ex.q2.check(calculator)`。",
        ) + self._explain(memory)


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
    title = Words(
        "parameters of Conv2D(64, 3x3) on 32 channels, by hand",
        "手算 32 个通道上 Conv2D(64, 3x3) 的参数个数",
    )
    tolerance = 0.5
    absolute = True
    hints = (
        Words(
            "Each of the 64 filters spans 3 x 3 pixels of every one of the 32 input channels.",
            "64 个卷积核中的每一个，都覆盖全部 32 个输入通道上各 3 x 3 个像素。",
        ),
        Words(
            "k x k x C_in x C_out weights, plus one bias per output channel (C_out).",
            "k x k x C_in x C_out 个权重，再加上每个输出通道一个偏置（C_out 个）。",
        ),
    )

    def _expected(self):
        return _conv_parameters()

    def _explain(self, expected):
        return say(
            f"{KERNEL} x {KERNEL} x {C_IN} x {C_OUT} + {C_OUT} = {expected:,.0f} (Keras' "
            "`count_params()` agrees), whatever the image size: the same filters slide over "
            "every position.",
            f"{KERNEL} x {KERNEL} x {C_IN} x {C_OUT} + {C_OUT} = {expected:,.0f}（Keras 的 "
            "`count_params()` 给出同样的数），与图像大小无关：同一组卷积核在每个位置上滑过。",
        )

    def _not_yet(self, value, expected):
        weights = KERNEL * KERNEL * C_IN * C_OUT
        if value == KERNEL * KERNEL * C_OUT + C_OUT:
            return say(
                f"{value:,.0f} leaves out the input channels: each filter is "
                f"{KERNEL} x {KERNEL} x {C_IN}.",
                f"{value:,.0f} 漏掉了输入通道：每个卷积核的大小是 {KERNEL} x {KERNEL} x {C_IN}。",
            )
        if value == weights:
            return say(
                f"{value:,.0f} counts the weights; add one bias per output channel.",
                f"{value:,.0f} 只数了权重；还要为每个输出通道加一个偏置。",
            )
        if value == weights + C_IN:
            return say(
                f"{value:,.0f}: there is one bias per output channel ({C_OUT}), not per input.",
                f"{value:,.0f}：偏置是每个输出通道一个（{C_OUT} 个），而不是每个输入通道一个。",
            )
        if value == KERNEL * KERNEL * C_IN + C_IN:
            return say(
                f"{value:,.0f} is one layer of 32 filters on 1 channel; this one has 64 on 32.",
                f"{value:,.0f} 是 1 个通道上 32 个卷积核的层；这一层是 32 个通道上 64 个。",
            )
        return super()._not_yet(value, expected)


# ---------------------------------------------------------------------------------------
# Exercise 4: in-context learning is not instruction tuning.


class InContextLearning(ChoiceExercise):
    title = Words(
        "the name of learning a task from examples in the prompt",
        "从提示中的示例学会一项任务，这叫什么",
    )
    choices = ("in-context learning", "instruction tuning", "fine-tuning", "rlhf")
    hints = (
        Words("Did anything change the model's weights?", "有什么改变了模型的权重吗？"),
        Words(
            "Brown et al. (2020) named it in the GPT-3 paper, where it got better with every "
            "increase in model size.",
            "Brown 等人（2020）在 GPT-3 的论文中给它起了名字；模型每变大一次，它就变得更好。",
        ),
    )
    why_not = {
        "instruction tuning": Words(
            "instruction tuning trains the weights on many (instruction, answer) pairs (FLAN); "
            "here nothing is trained, and there is no instruction, only examples.",
            "指令微调（`instruction tuning`）用大量“指令—回答”对训练权重（FLAN）；"
            "这里什么都没有训练，而且没有指令，只有示例。",
        ),
        "fine-tuning": Words(
            "fine-tuning changes the weights with gradient steps; here the weights stay as "
            "they are.",
            "微调（`fine-tuning`）用梯度步改变权重；这里权重保持不变。",
        ),
        "rlhf": Words(
            "RLHF trains the weights on human preferences (InstructGPT); nothing is trained here.",
            "RLHF 根据人类偏好训练权重（InstructGPT）；这里什么都没有训练。",
        ),
    }

    def _expected(self):
        # The definition of Brown et al. (2020): no gradient update, examples in the prompt.
        return "in-context learning"

    def _explain(self, expected):
        return say(
            "In-context learning: the task is learned from the examples in the prompt, with no "
            "weight update, and GPT-3 showed it improving with model size. Following a plain "
            "instruction ('Translate to French: cheese') reliably is another ability, taught by "
            "instruction tuning (FLAN) and RLHF (InstructGPT).",
            "上下文学习（`in-context learning`）：任务是从提示中的示例学会的，权重没有任何更新；"
            "GPT-3 表明，模型越大，这种能力越强。可靠地遵循一条简单指令"
            "（“翻译成法语：奶酪”）是另一种能力，靠指令微调（FLAN）和 RLHF（InstructGPT）教会。",
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
    title = Words(
        "the operation that keeps a GPU's arithmetic units busy",
        "能让 GPU 的运算单元忙起来的运算",
    )
    choices = tuple(OPERATIONS)
    hints = (
        Words(
            "For each, count the FLOPs and the bytes read from and written to memory; divide.",
            "对每种运算，数出浮点运算次数，以及从内存读取和写回的字节数；两者相除。",
        ),
        Words(
            "An A100 does 312e12 FLOP/s but moves only about 2e12 bytes/s: an operation doing "
            "fewer than about 150 FLOPs per byte waits for memory.",
            "A100 每秒能做 312e12 次浮点运算，却只能搬运约 2e12 字节："
            "每字节少于约 150 次浮点运算的运算，都在等内存。",
        ),
    )
    why_not = {
        "matvec": Words(
            "a matrix times one vector uses each weight once: 2 FLOPs per 2-byte weight, "
            "about 1 FLOP per byte. It waits for memory (this is why generating one token at a "
            "time is memory-bound).",
            "矩阵乘一个向量时，每个权重只用一次：每个 2 字节的权重 2 次浮点运算，"
            "约每字节 1 次。它在等内存（这就是一次生成一个词元受限于内存带宽的原因）。",
        ),
        "relu": Words(
            "ReLU does 1 operation per element for 4 bytes moved (read and write): it waits "
            "for memory.",
            "ReLU 对每个元素做 1 次运算，却要搬运 4 个字节（读和写）：它在等内存。",
        ),
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
        return say(
            f"FLOPs per byte moved: {per_op}. An A100 needs about {ridge:.0f} to be busy "
            f"(312e12 FLOP/s / 2.0e12 B/s). A {N} x {N} matrix product reads each number once "
            f"and uses it {N} times, so it is limited by arithmetic, which GPUs and TPUs have "
            "thousands of units for.",
            f"每搬运一个字节的浮点运算次数：{per_op}。A100 要达到约 {ridge:.0f} 才能忙起来"
            f"（312e12 FLOP/s / 2.0e12 B/s）。{N} x {N} 的矩阵乘积每个数只读一次、却用 {N} 次，"
            "所以它受限于运算，而 GPU 和 TPU 恰好有成千上万个运算单元。",
        )


EXERCISES = [ImpliedMFU, ServingMemory, ConvParameters, InContextLearning, ArithmeticIntensity]
