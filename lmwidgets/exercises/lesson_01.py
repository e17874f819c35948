"""Lesson 01 · Background: how models grew, and what they cost, read from the shipped data."""

from functools import lru_cache

from lmwidgets.core.scale import (
    HARDWARE,
    count_params,
    fit_exponential_growth,
    training_days,
    training_flops,
)
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    close,
    result_of,
)
from lmwidgets.language import Words, say

import numpy as np


@lru_cache(maxsize=1)
def _timeline():
    """The shipped timeline with the columns the lesson and ModelTimeline use."""
    from lmwidgets.datasets import model_timeline

    table = model_timeline()
    table["decimal_year"] = table["date"].dt.year + (table["date"].dt.month - 1) / 12
    table["parameters"] = table["params_exact"].fillna(table["params_nominal"])
    return table


def _row(model):
    table = _timeline()
    return table[table["model"] == model].iloc[0]


def _dense_growth(since, column="parameters"):
    """The fit ModelTimeline draws: dense models with a known value, from ``since`` on."""
    table = _timeline()
    known = table[table[column].notna() & table["active_params"].isna()]
    fitted = known[known["year"] >= since]
    return fit_exponential_growth(fitted["decimal_year"], fitted[column])


def _fit_years():
    """The years ModelTimeline's *fit from* slider offers."""
    from lmwidgets.widgets.timeline import ModelTimeline

    (control,) = (c for c in ModelTimeline.CONTROLS if c.name == "fit_since")
    return range(control.low, control.high + 1)


@lru_cache(maxsize=1)
def _first_year_without_growth():
    return next(y for y in _fit_years() if _dense_growth(y)["factor_per_year"] < 1)


class GrowthStops(Exercise):
    title = Words(
        "the first year from which dense models stop growing",
        "稠密模型从哪一年起不再增长",
    )
    asks_for = Words(
        "the ModelTimeline widget, plotting parameters, with *fit from* moved",
        "绘制参数量、且拟合起始年份（`fit_since`）已调整好的 ModelTimeline 控件",
    )
    hints = (
        Words(
            "Keep *plot* on parameters and move *fit from* one year at a time: the title shows "
            "the fitted factor per year.",
            "让图上保持显示参数量（`quantity` 为 `'parameters'`），把拟合起始年份（`fit_since`）"
            "每次移动一年：标题会显示拟合出的每年增长倍数。",
        ),
        Words(
            "You are looking for the first year whose fit gives a factor below x1.00 (the title "
            "then says 'no doubling').",
            "要找的是拟合出的倍数第一次低于 x1.00 的年份（这时标题会说没有翻倍时间）。",
        ),
    )

    def _check(self, answer, **more):
        result = result_of(answer, "ModelTimeline")
        if result["quantity"] != "parameters":
            raise NotYet(say(
                f"set *plot* to parameters (it shows {result['quantity']!r}).",
                f"请让图上显示参数量（`quantity` 设为 `'parameters'`；现在是 "
                f"{result['quantity']!r}）。",
            ))  # fmt: skip
        since = result["fit_since"]
        factor = result["growth"]["factor_per_year"]
        expected = _first_year_without_growth()
        if since < expected:
            raise NotYet(say(
                f"fitted from {since}, the dense models still grow x{factor:.2f} per year. "
                "Move *fit from* later.",
                f"从 {since} 年起拟合，稠密模型仍然每年增长 x{factor:.2f}。"
                "请把拟合起始年份（`fit_since`）往后移。",
            ))  # fmt: skip
        if since > expected:
            raise NotYet(say(
                f"fitted from {since} there is no growth (x{factor:.2f} per year), but an "
                "earlier year already shows none. Find the first one.",
                f"从 {since} 年起拟合确实没有增长（每年 x{factor:.2f}），但更早的某一年"
                "就已经不再增长了。请找出第一个这样的年份。",
            ))  # fmt: skip
        return self._explain(expected)

    def _explain(self, expected):
        params = _dense_growth(expected)["factor_per_year"]
        before = _dense_growth(expected - 1)["factor_per_year"]
        compute = _dense_growth(expected, "training_compute_flops")["factor_per_year"]
        return say(
            f"from {expected} on, the dense models' parameters change by x{params:.2f} per year "
            f"(from {expected - 1}: x{before:.2f}). After GPT-3 the largest dense models stopped "
            f"growing; training compute kept growing (x{compute:.1f} per year since {expected}): "
            "the extra compute went into more training tokens, and the parameter records into "
            "mixtures of experts.",
            f"从 {expected} 年起，稠密模型的参数量每年变化 x{params:.2f}（从 {expected - 1} 年起"
            f"则是 x{before:.2f}）。GPT-3 之后，最大的稠密模型不再变大；训练算力却仍在增长"
            f"（自 {expected} 年起每年 x{compute:.1f}）：多出来的算力用在了更多的训练词元上，"
            "而参数量的纪录则由混合专家模型来刷新。",
        )

    def _solution(self):
        expected = _first_year_without_growth()
        explanation = self._explain(expected)
        return say(
            f"`timeline.controls['quantity'].value = 'parameters'` and "
            f"`timeline.controls['fit_since'].value = {expected}`: {explanation}",
            f"`timeline.controls['quantity'].value = 'parameters'`，"
            f"`timeline.controls['fit_since'].value = {expected}`：{explanation}",
        )


def _alexnet_to_gpt3():
    alexnet, gpt3 = _row("AlexNet"), _row("GPT-3")
    years = [alexnet["decimal_year"], gpt3["decimal_year"]]
    values = [alexnet["parameters"], gpt3["parameters"]]
    return years, values, fit_exponential_growth(years, values)


class DoublingByHand(NumberExercise):
    title = Words(
        "AlexNet to GPT-3: months per doubling, by hand",
        "从 AlexNet 到 GPT-3：手算参数量每翻一倍需要几个月",
    )
    asks_for = Words("a number of months", "一个月数")
    tolerance = 0.03
    hints = (
        Words(
            "Growth factor: GPT-3's parameters / AlexNet's (the parameters column of the "
            "table). Time: December 2012 to May 2020, in years (7 years and 5 months).",
            "增长倍数：GPT-3 的参数量 / AlexNet 的参数量（表中的 `parameters` 列）。"
            "时间：2012 年 12 月到 2020 年 5 月，换算成年（7 年零 5 个月）。",
        ),
        Words(
            "Doublings = log2(growth factor). Months per doubling = months elapsed / doublings.",
            "翻倍次数 = log2(增长倍数)。每翻一倍的月数 = 经过的月数 / 翻倍次数。",
        ),
    )

    def _expected(self):
        return _alexnet_to_gpt3()[2]["doubling_months"]

    def _explain(self, expected):
        years, values, growth = _alexnet_to_gpt3()
        ratio = values[1] / values[0]
        months = 12 * (years[1] - years[0])
        return say(
            f"GPT-3 has {ratio:,.0f} times AlexNet's parameters, log2({ratio:,.0f}) = "
            f"{np.log2(ratio):.2f} doublings in {months:.0f} months: one every {expected:.1f} "
            f"months (x{growth['factor_per_year']:.2f} per year).",
            f"GPT-3 的参数量是 AlexNet 的 {ratio:,.0f} 倍，log2({ratio:,.0f}) = "
            f"{np.log2(ratio):.2f} 次翻倍，用了 {months:.0f} 个月：每 {expected:.1f} 个月翻一倍"
            f"（每年 x{growth['factor_per_year']:.2f}）。",
        )

    def _not_yet(self, value, expected):
        years, values, growth = _alexnet_to_gpt3()
        ratio = values[1] / values[0]
        whole_years = int(years[1]) - int(years[0])
        if close(value, growth["factor_per_year"], 0.03):
            return say(
                f"{value:g} is the growth factor per year; give the months per doubling.",
                f"{value:g} 是每年的增长倍数；请给出每翻一倍的月数。",
            )
        if close(value, expected / 12, 0.03):
            return say(
                f"{value:g} is in years; give months.",
                f"{value:g} 的单位是年；请给出月数。",
            )
        if close(value, ratio, 0.03):
            return say(
                f"{value:g} is how many times larger GPT-3 is; turn it into doublings (log2).",
                f"{value:g} 是 GPT-3 比 AlexNet 大的倍数；请把它换算成翻倍次数（log2）。",
            )
        if close(value, 12 * whole_years / np.log2(ratio), 0.02):
            return say(
                f"{value:g} counts {whole_years} whole years; December 2012 to May 2020 is 7 "
                "years and 5 months.",
                f"{value:g} 是按 {whole_years} 个整年算的；2012 年 12 月到 2020 年 5 月是 "
                "7 年零 5 个月。",
            )
        return super()._not_yet(value, expected)


# AlexNet as torchvision builds it (single-GPU): (name, kind, inputs, outputs, kernel size).
# A convolution has kernel * kernel * inputs * outputs weights; a dense layer inputs * outputs;
# each has one bias per output. tests/test_exercises_01.py checks that the sum is the
# timeline's params_exact for AlexNet.
ALEXNET_LAYERS = (
    ("conv1", "conv", 3, 64, 11),
    ("conv2", "conv", 64, 192, 5),
    ("conv3", "conv", 192, 384, 3),
    ("conv4", "conv", 384, 256, 3),
    ("conv5", "conv", 256, 256, 3),
    ("fc6", "dense", 6 * 6 * 256, 4096, 1),
    ("fc7", "dense", 4096, 4096, 1),
    ("fc8", "dense", 4096, 1000, 1),
)


def alexnet_params():
    """Parameters per layer of AlexNet, from the layer shapes."""
    return {
        name: kernel * kernel * inputs * outputs + outputs
        for name, _, inputs, outputs, kernel in ALEXNET_LAYERS
    }


def _dense_share():
    counts = alexnet_params()
    dense = sum(counts[name] for name, kind, *_ in ALEXNET_LAYERS if kind == "dense")
    return dense, sum(counts.values())


class AlexNetDenseShare(NumberExercise):
    title = Words(
        "the share of AlexNet's parameters in its fully connected layers",
        "AlexNet 的参数中全连接层所占的比例",
    )
    asks_for = Words("a fraction between 0 and 1", "一个 0 到 1 之间的小数")
    tolerance = 0.005
    absolute = True
    hints = (
        Words(
            "A dense layer has inputs x outputs weights plus one bias per output: fc6 has "
            "9216 x 4096 + 4096.",
            "全连接层有“输入数 x 输出数”个权重，外加每个输出一个偏置：fc6 有 "
            "9216 x 4096 + 4096 个。",
        ),
        Words(
            "Add fc6, fc7 and fc8, and divide by AlexNet's total (the layers' counts summed, or "
            "params_exact in the table).",
            "把 fc6、fc7 和 fc8 加起来，再除以 AlexNet 的参数总数（各层参数之和，"
            "或表中的 `params_exact`）。",
        ),
    )

    def _expected(self):
        dense, total = _dense_share()
        return dense / total

    def _explain(self, expected):
        counts = alexnet_params()
        dense, total = _dense_share()
        return say(
            f"fc6 + fc7 + fc8 = {counts['fc6']:,} + {counts['fc7']:,} + {counts['fc8']:,} = "
            f"{dense:,} of {total:,} parameters: {expected:.1%}. The five convolutions, which do "
            f"most of the arithmetic, hold only {total - dense:,}. fc6 alone, which sees the "
            f"6 x 6 x 256 feature maps, holds {counts['fc6'] / total:.0%}.",
            f"fc6 + fc7 + fc8 = {counts['fc6']:,} + {counts['fc7']:,} + {counts['fc8']:,} = "
            f"{dense:,}，占全部 {total:,} 个参数的 {expected:.1%}。承担了大部分运算的五个卷积层"
            f"只有 {total - dense:,} 个参数。仅 fc6 一层（它接收 6 x 6 x 256 的特征图）"
            f"就占了 {counts['fc6'] / total:.0%}。",
        )

    def _not_yet(self, value, expected):
        counts = alexnet_params()
        dense, total = _dense_share()
        if value > 1 and close(value, 100 * expected, 0.005):
            return say(
                f"give a fraction: {value / 100:.3f} rather than {value:g} percent.",
                f"请给出小数：{value / 100:.3f}，而不是百分之 {value:g}。",
            )
        if value > 1 and close(value, dense, 0.001):
            return say(
                f"{value:,.0f} is the count; divide it by AlexNet's total.",
                f"{value:,.0f} 是参数个数；请再除以 AlexNet 的参数总数。",
            )
        if close(value, counts["fc6"] / total, 0.01, absolute=True):
            return say(
                f"{value:g} is fc6 alone; add fc7 and fc8.",
                f"{value:g} 只是 fc6 一层；还要加上 fc7 和 fc8。",
            )
        if close(value, 1 - expected, 0.005, absolute=True):
            return say(
                f"{value:g} is the convolutions' share; the question asks for the dense layers'.",
                f"{value:g} 是卷积层所占的比例；题目问的是全连接层的。",
            )
        return super()._not_yet(value, expected)


ERAS = ("1998-2011", "2012-2018", "2019-2021", "2022-2025")


class WhenMillions(ChoiceExercise):
    title = Words(
        "which years 'millions to hundreds of millions of parameters' describes",
        "“数百万甚至数亿个参数”说的是哪些年份",
    )
    choices = ERAS
    hints = (
        Words(
            "For each year, take the largest model so far (the parameters column, running "
            "maximum). Where is it between 1 million and 1 billion?",
            "对每一年，取截至当年最大的模型（`parameters` 列的累计最大值）。"
            "它在哪些年份介于一百万和十亿之间？",
        ),
    )
    why_not = {
        "1998-2011": Words(
            "the largest model then was LeNet-5, 60,000 parameters: tens of thousands.",
            "那时最大的模型是 LeNet-5，只有 60,000 个参数：几万个而已。",
        ),
        "2019-2021": Words(
            "GPT-2 XL (2019) has 1.5 billion parameters, GPT-3 (2020) 175 billion.",
            "GPT-2 XL（2019）有 15 亿个参数，GPT-3（2020）有 1750 亿个。",
        ),
        "2022-2025": Words(
            "the largest models now have hundreds of billions to a trillion.",
            "如今最大的模型有数千亿到上万亿个参数。",
        ),
    }

    def _expected(self):
        table = _timeline()
        largest = table.groupby("year")["parameters"].max().cummax()
        years = largest[(largest >= 1e6) & (largest < 1e9)].index
        span = f"{years.min()}-{years.max()}"
        (era,) = (era for era in self.choices if era == span)
        return era

    def _explain(self, expected):
        alexnet, bert = _row("AlexNet")["parameters"], _row("BERT-Large")["parameters"]
        return say(
            f"{expected}: from AlexNet ({alexnet:,.0f} parameters, 2012) "
            f"to BERT-Large ({bert:,.0f}, 2018). The source "
            "describes the models before GPT-2; since GPT-3, 'large' means tens of billions "
            "and more.",
            f"{expected}：从 AlexNet（{alexnet:,.0f} 个参数，2012 年）到 BERT-Large"
            f"（{bert:,.0f} 个，2018 年）。原文描述的是 GPT-2 之前的模型；自 GPT-3 以来，"
            "“大”指的是数百亿乃至更多的参数。",
        )


def _gpt3_days(mfu=0.4, n_devices=1024):
    flops = training_flops(count_params("gpt3-175b"), 300e9)
    return training_days(flops, n_devices, HARDWARE["A100 80GB"].peak_flops, mfu)


class GPT3Days(NumberExercise):
    title = Words("GPT-3's training time on 1024 A100s", "GPT-3 在 1024 块 A100 上的训练时间")
    asks_for = Words("a number of days", "一个天数")
    tolerance = 0.02
    hints = (
        Words(
            "In the calculator choose the preset gpt3-175b (its tokens become 300B) and keep "
            "1024 A100 80GB at MFU 0.4; read `calculator.result['days']`.",
            "在计算器中选择预设 `gpt3-175b`（词元数随之变为 300B），保持 1024 块 A100 80GB、"
            "MFU 0.4；读取 `calculator.result['days']`。",
        ),
        Words(
            "By hand: 6 x N x D FLOPs, divided by 1024 x 312e12 FLOP/s x 0.4, then by 86,400 s.",
            "手算：6 x N x D 次浮点运算，除以 1024 x 312e12 FLOP/s x 0.4，再除以 86,400 秒。",
        ),
    )

    def _check(self, answer, **more):
        if type(answer).__name__ == "ScaleCalculator":
            raise NotYet(say(
                "give the number of days (`calculator.result['days']`), not the widget.",
                "请给出天数（`calculator.result['days']`），而不是控件本身。",
            ))  # fmt: skip
        return super()._check(answer, **more)

    def _expected(self):
        return _gpt3_days()

    def _explain(self, expected):
        flops = training_flops(count_params("gpt3-175b"), 300e9)
        return say(
            f"{flops:.3g} FLOPs / (1024 x 312e12 FLOP/s x 0.4) = {expected:.1f} days. "
            "NVIDIA's Megatron-LM team estimated 34 days for GPT-3 at 140 TFLOP/s per A100 "
            "(Narayanan et al. 2021): 45% of the peak, the same order.",
            f"{flops:.3g} FLOPs / (1024 x 312e12 FLOP/s x 0.4) = {expected:.1f} 天。"
            "NVIDIA 的 Megatron-LM 团队按每块 A100 140 TFLOP/s 估计，训练 GPT-3 需要 34 天"
            "（Narayanan 等人，2021）：相当于峰值的 45%，是同一个数量级。",
        )

    def _not_yet(self, value, expected):
        llama = training_flops(count_params("llama-2-7b"), 2e12)
        if close(value, training_days(llama, 1024, HARDWARE["A100 80GB"].peak_flops, 0.4), 0.03):
            return say(
                f"{value:g} days is Llama 2 7B, the calculator's default; choose gpt3-175b.",
                f"{value:g} 天是 Llama 2 7B（计算器的默认模型）的；请选择 `gpt3-175b`。",
            )
        if close(value, _gpt3_days(mfu=1.0), 0.03):
            return say(
                f"{value:g} days is at 100% of the peak; the question says 40% MFU.",
                f"{value:g} 天是按峰值的 100% 算的；题目说的是 40% 的 MFU。",
            )
        if close(value, expected / 365, 0.03) or close(value, expected * 24, 0.03):
            return say(
                f"{value:g}: give the time in days.",
                f"{value:g}：请以天为单位给出时间。",
            )
        return super()._not_yet(value, expected)


EXERCISES = [GrowthStops, DoublingByHand, AlexNetDenseShare, WhenMillions, GPT3Days]
