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
    title = "the first year from which dense models stop growing"
    asks_for = "the ModelTimeline widget, plotting parameters, with *fit from* moved"
    hints = (
        "Keep *plot* on parameters and move *fit from* one year at a time: the title shows "
        "the fitted factor per year.",
        "You are looking for the first year whose fit gives a factor below x1.00 (the title "
        "then says 'no doubling').",
    )

    def _check(self, answer, **more):
        result = result_of(answer, "ModelTimeline")
        if result["quantity"] != "parameters":
            raise NotYet(f"set *plot* to parameters (it shows {result['quantity']!r}).")
        since = result["fit_since"]
        factor = result["growth"]["factor_per_year"]
        expected = _first_year_without_growth()
        if since < expected:
            raise NotYet(
                f"fitted from {since}, the dense models still grow x{factor:.2f} per year. "
                "Move *fit from* later."
            )
        if since > expected:
            raise NotYet(
                f"fitted from {since} there is no growth (x{factor:.2f} per year), but an "
                "earlier year already shows none. Find the first one."
            )
        return self._explain(expected)

    def _explain(self, expected):
        params = _dense_growth(expected)["factor_per_year"]
        before = _dense_growth(expected - 1)["factor_per_year"]
        compute = _dense_growth(expected, "training_compute_flops")["factor_per_year"]
        return (
            f"from {expected} on, the dense models' parameters change by x{params:.2f} per year "
            f"(from {expected - 1}: x{before:.2f}). After GPT-3 the largest dense models stopped "
            f"growing; training compute kept growing (x{compute:.1f} per year since {expected}): "
            "the extra compute went into more training tokens, and the parameter records into "
            "mixtures of experts."
        )

    def _solution(self):
        expected = _first_year_without_growth()
        return (
            f"`timeline.controls['quantity'].value = 'parameters'` and "
            f"`timeline.controls['fit_since'].value = {expected}`: {self._explain(expected)}"
        )


def _alexnet_to_gpt3():
    alexnet, gpt3 = _row("AlexNet"), _row("GPT-3")
    years = [alexnet["decimal_year"], gpt3["decimal_year"]]
    values = [alexnet["parameters"], gpt3["parameters"]]
    return years, values, fit_exponential_growth(years, values)


class DoublingByHand(NumberExercise):
    title = "AlexNet to GPT-3: months per doubling, by hand"
    asks_for = "a number of months"
    tolerance = 0.03
    hints = (
        "Growth factor: GPT-3's parameters / AlexNet's (the parameters column of the table). "
        "Time: December 2012 to May 2020, in years (7 years and 5 months).",
        "Doublings = log2(growth factor). Months per doubling = months elapsed / doublings.",
    )

    def _expected(self):
        return _alexnet_to_gpt3()[2]["doubling_months"]

    def _explain(self, expected):
        years, values, growth = _alexnet_to_gpt3()
        ratio = values[1] / values[0]
        months = 12 * (years[1] - years[0])
        return (
            f"GPT-3 has {ratio:,.0f} times AlexNet's parameters, log2({ratio:,.0f}) = "
            f"{np.log2(ratio):.2f} doublings in {months:.0f} months: one every {expected:.1f} "
            f"months (x{growth['factor_per_year']:.2f} per year)."
        )

    def _not_yet(self, value, expected):
        years, values, growth = _alexnet_to_gpt3()
        ratio = values[1] / values[0]
        whole_years = int(years[1]) - int(years[0])
        if close(value, growth["factor_per_year"], 0.03):
            return f"{value:g} is the growth factor per year; give the months per doubling."
        if close(value, expected / 12, 0.03):
            return f"{value:g} is in years; give months."
        if close(value, ratio, 0.03):
            return f"{value:g} is how many times larger GPT-3 is; turn it into doublings (log2)."
        if close(value, 12 * whole_years / np.log2(ratio), 0.02):
            return (
                f"{value:g} counts {whole_years} whole years; December 2012 to May 2020 is 7 "
                "years and 5 months."
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
    title = "the share of AlexNet's parameters in its fully connected layers"
    asks_for = "a fraction between 0 and 1"
    tolerance = 0.005
    absolute = True
    hints = (
        "A dense layer has inputs x outputs weights plus one bias per output: fc6 has "
        "9216 x 4096 + 4096.",
        "Add fc6, fc7 and fc8, and divide by AlexNet's total (the layers' counts summed, or "
        "params_exact in the table).",
    )

    def _expected(self):
        dense, total = _dense_share()
        return dense / total

    def _explain(self, expected):
        counts = alexnet_params()
        dense, total = _dense_share()
        return (
            f"fc6 + fc7 + fc8 = {counts['fc6']:,} + {counts['fc7']:,} + {counts['fc8']:,} = "
            f"{dense:,} of {total:,} parameters: {expected:.1%}. The five convolutions, which do "
            f"most of the arithmetic, hold only {total - dense:,}. fc6 alone, which sees the "
            f"6 x 6 x 256 feature maps, holds {counts['fc6'] / total:.0%}."
        )

    def _not_yet(self, value, expected):
        counts = alexnet_params()
        dense, total = _dense_share()
        if value > 1 and close(value, 100 * expected, 0.005):
            return f"give a fraction: {value / 100:.3f} rather than {value:g} percent."
        if value > 1 and close(value, dense, 0.001):
            return f"{value:,.0f} is the count; divide it by AlexNet's total."
        if close(value, counts["fc6"] / total, 0.01, absolute=True):
            return f"{value:g} is fc6 alone; add fc7 and fc8."
        if close(value, 1 - expected, 0.005, absolute=True):
            return f"{value:g} is the convolutions' share; the question asks for the dense layers'."
        return super()._not_yet(value, expected)


ERAS = ("1998-2011", "2012-2018", "2019-2021", "2022-2025")


class WhenMillions(ChoiceExercise):
    title = "which years 'millions to hundreds of millions of parameters' describes"
    choices = ERAS
    hints = (
        "For each year, take the largest model so far (the parameters column, running "
        "maximum). Where is it between 1 million and 1 billion?",
    )
    why_not = {
        "1998-2011": "the largest model then was LeNet-5, 60,000 parameters: tens of thousands.",
        "2019-2021": "GPT-2 XL (2019) has 1.5 billion parameters, GPT-3 (2020) 175 billion.",
        "2022-2025": "the largest models now have hundreds of billions to a trillion.",
    }

    def _expected(self):
        table = _timeline()
        largest = table.groupby("year")["parameters"].max().cummax()
        years = largest[(largest >= 1e6) & (largest < 1e9)].index
        span = f"{years.min()}-{years.max()}"
        (era,) = (era for era in self.choices if era == span)
        return era

    def _explain(self, expected):
        return (
            f"{expected}: from AlexNet ({_row('AlexNet')['parameters']:,.0f} parameters, 2012) "
            f"to BERT-Large ({_row('BERT-Large')['parameters']:,.0f}, 2018). The source "
            "describes the models before GPT-2; since GPT-3, 'large' means tens of billions "
            "and more."
        )


def _gpt3_days(mfu=0.4, n_devices=1024):
    flops = training_flops(count_params("gpt3-175b"), 300e9)
    return training_days(flops, n_devices, HARDWARE["A100 80GB"].peak_flops, mfu)


class GPT3Days(NumberExercise):
    title = "GPT-3's training time on 1024 A100s"
    asks_for = "a number of days"
    tolerance = 0.02
    hints = (
        "In the calculator choose the preset gpt3-175b (its tokens become 300B) and keep "
        "1024 A100 80GB at MFU 0.4; read `calculator.result['days']`.",
        "By hand: 6 x N x D FLOPs, divided by 1024 x 312e12 FLOP/s x 0.4, then by 86,400 s.",
    )

    def _check(self, answer, **more):
        if type(answer).__name__ == "ScaleCalculator":
            raise NotYet("give the number of days (`calculator.result['days']`), not the widget.")
        return super()._check(answer, **more)

    def _expected(self):
        return _gpt3_days()

    def _explain(self, expected):
        flops = training_flops(count_params("gpt3-175b"), 300e9)
        return (
            f"{flops:.3g} FLOPs / (1024 x 312e12 FLOP/s x 0.4) = {expected:.1f} days. "
            "NVIDIA's Megatron-LM team estimated 34 days for GPT-3 at 140 TFLOP/s per A100 "
            "(Narayanan et al. 2021): 45% of the peak, the same order."
        )

    def _not_yet(self, value, expected):
        llama = training_flops(count_params("llama-2-7b"), 2e12)
        if close(value, training_days(llama, 1024, HARDWARE["A100 80GB"].peak_flops, 0.4), 0.03):
            return f"{value:g} days is Llama 2 7B, the calculator's default; choose gpt3-175b."
        if close(value, _gpt3_days(mfu=1.0), 0.03):
            return f"{value:g} days is at 100% of the peak; the question says 40% MFU."
        if close(value, expected / 365, 0.03) or close(value, expected * 24, 0.03):
            return f"{value:g}: give the time in days."
        return super()._not_yet(value, expected)


EXERCISES = [GrowthStops, DoublingByHand, AlexNetDenseShare, WhenMillions, GPT3Days]
