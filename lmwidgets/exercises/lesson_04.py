"""Lesson 04 · The mathematics: activations, losses, optimizers, and gradients through depth."""

import functools

from lmwidgets.core import activations, losses, optimizers
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    as_number,
)
from lmwidgets.language import Words, say

import numpy as np

# Exercise 1: the negative inputs on which a gradient must be exactly zero.
NEGATIVE = np.linspace(-5.0, -0.01, 200)
# Exercise 2: plain SGD on the quadratic surface, from the playground's start.
START, STEPS, CONVERGED = (-2.5, 1.5), 300, 1e-3
# Exercise 3: the outlier strength, and the losses the explorer fits with.
STRENGTH, FIT_LOSSES, CLEAN_SLOPE = 30.0, ("mean_squared_error", "mean_absolute_error", "huber"), 2
# Exercise 4: gradient descent on (w - 3)^2 from w = 0.
TARGET, RATE, CLOSE = 3.0, 0.1, 0.01
# Exercise 5: ten one-unit sigmoid layers, every weight the same.
LAYERS, WEIGHT = 10, 6.0


@functools.lru_cache(maxsize=1)
def _dead_for_negatives():
    return frozenset(
        name for name in activations.names() if np.all(activations.evaluate(name, NEGATIVE)[1] == 0)
    )


class DeadForNegatives(Exercise):
    title = Words(
        "the activations whose gradient is zero for every negative input",
        "对每个负输入梯度都为零的激活函数",
    )
    asks_for = Words(
        'a set of activation names, e.g. {"name", "other_name"}',
        '一组激活函数名，例如 {"name", "other_name"}',
    )
    hints = (
        Words(
            "Select several activations in the explorer: red bands mark where the derivative is "
            "exactly 0. You want the ones red over the whole negative half.",
            "在探索器中选几个激活函数：红色条带标出导数恰好为 0 的区域。"
            "要找的是整个负半轴都是红色的那些。",
        ),
        Words(
            "`explorer.result[name]['dead']` is a boolean array over the x grid; "
            "`activations.names()` lists every activation the explorer offers.",
            "`explorer.result[name]['dead']` 是 x 网格上的布尔数组；"
            "`activations.names()` 列出探索器提供的所有激活函数。",
        ),
    )

    def _check(self, answer, **more):
        given = self._names(answer)
        expected = _dead_for_negatives()
        if not given:
            raise NotYet(say(
                "an empty set: at least one activation has no gradient below 0.",
                "这是空集合：至少有一个激活函数在 0 以下没有梯度。",
            ))  # fmt: skip
        extra = sorted(given - expected)
        if extra:
            name = extra[0]
            dy = activations.evaluate(name, NEGATIVE)[1]
            at = float(NEGATIVE[np.argmax(dy != 0)])
            slope = float(dy[np.argmax(dy != 0)])
            raise NotYet(say(
                f"{name} has gradient {slope:.3g} at x = {at:.2f}: "
                "not zero for every negative input.",
                f"{name} 在 x = {at:.2f} 处的梯度是 {slope:.3g}：并非对每个负输入都为零。",
            ))  # fmt: skip
        missing = len(expected - given)
        if missing:
            raise NotYet(say(
                f"every name you gave qualifies, but {missing} more "
                f"{'does' if missing == 1 else 'do'}. Look through the whole list.",
                f"你给出的名字都符合，但还有 {missing} 个也符合。请把整个列表看一遍。",
            ))  # fmt: skip
        return self._explain(expected)

    @staticmethod
    def _names(answer):
        if isinstance(answer, str):
            answer = {answer}
        if not isinstance(answer, set | frozenset | list | tuple) or not all(
            isinstance(a, str) for a in answer
        ):
            raise NotYet(say(
                f'expected a set of names such as {{"relu"}}. Received: {answer!r}.',
                f'需要一组名字，例如 {{"relu"}}。收到的是：{answer!r}。',
            ))  # fmt: skip
        names = {a.strip().lower() for a in answer}
        unknown = sorted(n for n in names if n not in activations.names()
                         and n not in activations.ALIASES)  # fmt: skip
        if unknown:
            listed = ", ".join(map(repr, unknown))
            raise NotYet(say(
                f"{listed}: not activations the explorer offers.",
                f"{listed}：不是探索器提供的激活函数。",
            ))  # fmt: skip
        return {activations.canonical_name(n) for n in names}

    def _explain(self, expected):
        listed = ", ".join(sorted(expected))
        return say(
            f"{listed}: each is constant (0) for x < 0, so its slope is 0 "
            "there and a unit whose input stays negative stops learning. Others (leaky_relu, "
            "elu, gelu, silu) keep a small slope below 0; the hard_* and sparse_* ones are "
            "flat only beyond some point.",
            f"{listed}：它们在 x < 0 时都是常数（0），所以那里的斜率为 0，"
            "输入一直为负的单元就不再学习。其他激活函数（leaky_relu、elu、gelu、silu）"
            "在 0 以下仍保留一点斜率；hard_* 和 sparse_* 这几个只在某个点之外才是平的。",
        )

    def _solution(self):
        return self._explain(_dead_for_negatives())


def _converges(rate):
    run = optimizers.trajectory("sgd", "quadratic", START, rate, STEPS)
    return run["diverged_at"] is None and run["loss"][-1] < CONVERGED


@functools.lru_cache(maxsize=1)
def _largest_converging_rate():
    rates = [round(0.01 * k, 2) for k in range(1, 41)]
    return max(rate for rate in rates if _converges(rate))


class SGDLimit(NumberExercise):
    title = Words(
        "the largest learning rate at which SGD converges on the quadratic",
        "SGD 在二次函数曲面上仍能收敛的最大学习率",
    )
    tolerance = 0.005
    absolute = True
    asks_for = Words("a learning rate, two decimals", "一个学习率，保留两位小数")
    hints = (
        Words(
            "Choose sgd alone, the quadratic surface, condition 10, 300 steps. Raise the learning "
            "rate until the message under the figure says it diverged, then come back down.",
            "只选 sgd，曲面选 quadratic，条件数 10，300 步。逐步调大学习率，"
            "直到图下方的消息说它发散了，再往回调。",
        ),
        Words(
            "On this surface a step multiplies the error along y by 1 - 10 × rate. When does that "
            "factor reach -1?",
            "在这个曲面上，每一步把 y 方向的误差乘以 1 - 10 × 学习率。这个因子何时等于 -1？",
        ),
    )

    def _expected(self):
        return _largest_converging_rate()

    def _explain(self, expected):
        return say(
            f"{expected:.2f}. Along y the error is multiplied by 1 - 10 × rate at every step; at "
            "rate 0.2 that factor is -1 (the point bounces between ±y for ever), above it the "
            "bounce grows: divergence. The limit is 2 / condition = 2 / 10.",
            f"{expected:.2f}。每一步都把 y 方向的误差乘以 1 - 10 × 学习率；学习率为 0.2 时"
            "这个因子是 -1（点在 ±y 之间永远来回跳），再大则跳得越来越远：发散。"
            "上限是 2 / 条件数 = 2 / 10。",
        )

    def _not_yet(self, value, expected):
        if value <= 0:
            return say("a learning rate is positive.", "学习率是正数。")
        if abs(value - 0.2) < 1e-9:
            return say(
                "at exactly 0.2 SGD neither converges nor diverges: the y error flips sign "
                "each step and keeps its size. Give the largest rate, two decimals, below it.",
                "恰好为 0.2 时，SGD 既不收敛也不发散：y 方向的误差每步变号，大小不变。"
                "请给出比它小的最大学习率（两位小数）。",
            )
        if _converges(value):
            return say(
                f"SGD converges at {value:g}, but a larger rate still does. Raise it.",
                f"SGD 在 {value:g} 时收敛，但更大的学习率也能收敛。请调大。",
            )
        return say(
            f"at {value:g} SGD does not converge in {STEPS} steps. Lower it.",
            f"学习率为 {value:g} 时，SGD 在 {STEPS} 步内不收敛。请调小。",
        )


@functools.lru_cache(maxsize=1)
def _outlier_slopes():
    x, y = losses.outlier_data(STRENGTH)
    return {name: float(losses.robust_fit(x, y, name)["slope"]) for name in FIT_LOSSES}


class WorstUnderOutlier(Exercise):
    title = Words(
        "the loss pulled furthest by an outlier of strength 30, and its slope",
        "被强度为 30 的离群点拉偏最多的损失函数，及其斜率",
    )
    asks_for = Words(
        'a (loss name, slope) pair, e.g. ("huber", 2.0)',
        '一个（损失函数名, 斜率）对，例如 ("huber", 2.0)',
    )
    hints = (
        Words(
            "In the loss explorer choose the outliers view and set the outlier strength to 30.",
            "在损失函数探索器中选择 outliers 视图，把离群点强度设为 30。",
        ),
        Words(
            "`loss_explorer.result['outliers']` holds each loss's fitted slope; the clean data "
            "follow slope 2. Which is furthest from 2?",
            "`loss_explorer.result['outliers']` 里有每个损失函数拟合出的斜率；"
            "干净数据的斜率是 2。哪个离 2 最远？",
        ),
    )

    def _check(self, answer, **more):
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            raise NotYet(say(
                f"expected a (name, slope) pair. Received: {answer!r}.",
                f"需要一个（名字, 斜率）对。收到的是：{answer!r}。",
            ))  # fmt: skip
        name, slope = answer
        slope = as_number(slope)
        slopes = _outlier_slopes()
        worst = self._worst(slopes)
        if not isinstance(name, str) or name.strip().lower() not in slopes:
            listed = ", ".join(FIT_LOSSES)
            raise NotYet(say(
                f"the name is one of {listed}. Received: {name!r}.",
                f"名字应是以下之一：{listed}。收到的是：{name!r}。",
            ))  # fmt: skip
        if name.strip().lower() != worst:
            fitted = slopes[name.strip().lower()]
            raise NotYet(say(
                f"{name} fits slope {fitted:.2f}, close to 2: it limits "
                "the outlier's pull. Which loss does not?",
                f"{name} 拟合出的斜率是 {fitted:.2f}，接近 2：它限制了离群点的拉力。"
                "哪个损失函数没有限制？",
            ))  # fmt: skip
        if abs(slope - slopes[worst]) > 0.06:
            if abs(slope - 3.3) < 0.06:
                raise NotYet(say(
                    "3.3 was the slope at strength 20, in the lesson; set it to 30.",
                    "3.3 是课文中强度为 20 时的斜率；请把强度设为 30。",
                ))  # fmt: skip
            raise NotYet(say(
                f"the right loss; its slope at strength 30 is not {slope:g}.",
                f"损失函数选对了；但它在强度 30 时的斜率不是 {slope:g}。",
            ))  # fmt: skip
        return self._explain(worst)

    @staticmethod
    def _worst(slopes):
        return max(slopes, key=lambda n: abs(slopes[n] - CLEAN_SLOPE))

    def _explain(self, worst):
        slopes = _outlier_slopes()
        listed = ", ".join(f"{n} {s:.2f}" for n, s in slopes.items())
        return say(
            f"{worst}, slope {slopes[worst]:.1f} ({listed}). The squared error's slope grows "
            "with the error, so one far point pulls the line as hard as many near ones; MAE and "
            "Huber cap each point's pull.",
            f"{worst}，斜率 {slopes[worst]:.1f}（{listed}）。平方误差的斜率随误差增大，"
            "所以一个远处的点对直线的拉力抵得上许多近处的点；MAE 和 Huber 给每个点的拉力设了上限。",
        )

    def _solution(self):
        slopes = _outlier_slopes()
        worst = self._worst(slopes)
        return f'`("{worst}", {slopes[worst]:.1f})`' + say(": ", "：") + self._explain(worst)


@functools.lru_cache(maxsize=1)
def _steps_to_target():
    """Keras' SGD on (w - 3)^2 from 0: the first step after which |w - 3| < 0.01."""
    import keras

    w, sgd = keras.Variable(0.0), keras.optimizers.SGD(learning_rate=RATE)
    steps = 0
    while abs(float(keras.ops.convert_to_numpy(w)) - TARGET) >= CLOSE:
        sgd.apply_gradients([(2 * (w - TARGET), w)])
        steps += 1
    return steps


class StepsByHand(NumberExercise):
    title = Words(
        "steps of gradient descent to get within 0.01, by hand",
        "手算：梯度下降要走多少步才能进入 0.01 以内",
    )
    tolerance = 1e-9
    absolute = True
    asks_for = Words("a whole number of steps", "一个整数步数")
    hints = (
        Words(
            "The gradient of (w - 3)^2 is 2(w - 3), so a step gives w - 3 ← (w - 3)(1 - 2 × 0.1).",
            "(w - 3)^2 的梯度是 2(w - 3)，所以每一步给出 w - 3 ← (w - 3)(1 - 2 × 0.1)。",
        ),
        Words(
            "After n steps the gap is 3 × 0.8^n. Solve 3 × 0.8^n < 0.01 for the smallest whole n.",
            "n 步之后差距是 3 × 0.8^n。解 3 × 0.8^n < 0.01，求最小的整数 n。",
        ),
    )

    def _expected(self):
        return float(_steps_to_target())

    def _explain(self, expected):
        n = int(expected)
        before, after = 3 * 0.8 ** (n - 1), 3 * 0.8**n
        return say(
            f"{n}: the gap 3 × 0.8^n is {before:.4f} after {n - 1} steps and "
            f"{after:.4f} after {n} (n > ln(300) / ln(1.25) = 25.6). Keras' SGD takes the "
            "same steps.",
            f"{n}：差距 3 × 0.8^n 在 {n - 1} 步后是 {before:.4f}，{n} 步后是 {after:.4f}"
            "（n > ln(300) / ln(1.25) = 25.6）。Keras 的 SGD 走的步数相同。",
        )

    def _not_yet(self, value, expected):
        if value != int(value) or value < 0:
            return say(
                f"a number of steps is a whole number. Received: {value:g}.",
                f"步数是一个整数。收到的是：{value:g}。",
            )
        gap = 3 * 0.8**value
        if value < expected:
            return say(
                f"after {value:g} steps the gap is {gap:.4f}: not yet below 0.01.",
                f"{value:g} 步后差距是 {gap:.4f}：还没有低于 0.01。",
            )
        return say(
            f"after {value:g} steps the gap is below 0.01, but it was already a step earlier.",
            f"{value:g} 步后差距低于 0.01，但早一步时就已经低于 0.01 了。",
        )


def _sigmoid_slope_at_most():
    """The sigmoid's largest slope (at z = 0), by Keras' autodiff."""
    return float(activations.evaluate("sigmoid", np.array([0.0]))[1][0])


class SigmoidChainBound(NumberExercise):
    title = Words(
        "the bound on the gradient through ten sigmoid layers with weights 6",
        "穿过权重均为 6 的十个 sigmoid 层时梯度的上界",
    )
    tolerance = 0.01
    asks_for = Words("a number", "一个数")
    hints = (
        Words(
            "One unit per layer: y = σ(w·σ(w·σ(...))). The chain rule gives dy/dx as a product "
            "of one factor per layer. What is each factor?",
            "每层一个单元：y = σ(w·σ(w·σ(...)))。链式法则把 dy/dx 写成每层一个因子的乘积。"
            "每个因子是什么？",
        ),
        Words(
            "Each factor is w × σ'(z), and σ'(z) is at most 0.25. Multiply ten of them.",
            "每个因子是 w × σ'(z)，而 σ'(z) 最大为 0.25。把十个这样的因子乘起来。",
        ),
    )

    def _expected(self):
        return (WEIGHT * _sigmoid_slope_at_most()) ** LAYERS

    def _explain(self, expected):
        return say(
            f"(6 × 0.25)^10 = 1.5^10 ≈ {expected:.1f}. Each layer contributes its weight and the "
            "sigmoid's slope; with weights above 4 the bound exceeds 1 and grows with depth, so "
            "the gradient can explode (when every z stays near 0), not only vanish.",
            f"(6 × 0.25)^10 = 1.5^10 ≈ {expected:.1f}。每一层贡献它的权重和 sigmoid 的斜率；"
            "权重大于 4 时上界超过 1 并随深度增长，所以梯度不仅会消失，"
            "也可能爆炸（当每个 z 都停在 0 附近时）。",
        )

    def _not_yet(self, value, expected):
        slope = _sigmoid_slope_at_most()
        known = {
            slope**LAYERS: say(
                "0.25^10 leaves out the weights: each layer multiplies by its "
                "weight as well as by σ'(z).",
                "0.25^10 漏掉了权重：每一层除了乘以 σ'(z)，还要乘以它的权重。",
            ),
            WEIGHT**LAYERS: say(
                "6^10 leaves out the sigmoid's slope, at most 0.25 per layer.",
                "6^10 漏掉了 sigmoid 的斜率，它每层最多 0.25。",
            ),
            WEIGHT * slope: say("that is one layer; there are ten.", "这只是一层；一共有十层。"),
            WEIGHT * slope * LAYERS: say(
                "the chain rule multiplies the factors; it does not add them.",
                "链式法则把各因子相乘，而不是相加。",
            ),
        }
        for number, message in known.items():
            if abs(value - number) <= 0.01 * abs(number):
                return message
        return super()._not_yet(value, expected)


class FixVanishing(ChoiceExercise):
    title = Words("what attacks the cause of a vanishing gradient", "什么能从根源上解决梯度消失")
    choices = ("a", "b", "c", "d")
    hints = (
        Words(
            "The gradient reaching the first layer is a product of one factor per layer. Which "
            "change makes those factors close to 1?",
            "到达第一层的梯度是每层一个因子的乘积。哪个改动能让这些因子接近 1？",
        ),
    )
    why_not = {
        "a": Words(
            "a larger learning rate scales every layer's step alike: the first layers' "
            "gradients stay as many times smaller than the last ones', and the last layers may "
            "now diverge.",
            "更大的学习率把每一层的步长同样放大：前几层的梯度仍比最后几层小同样多倍，"
            "而最后几层现在可能发散。",
        ),
        "c": Words(
            "more epochs give more tiny steps; the factors of 0.25 per layer stay.",
            "更多的迭代周期只是多走一些微小的步子；每层 0.25 的因子依旧存在。",
        ),
        "d": Words(
            "the loss only sets the gradient at the output; every layer still multiplies it "
            "by its weight and σ'(z) on the way back.",
            "损失函数只决定输出处的梯度；反向传回时每一层仍要把它乘以自己的权重和 σ'(z)。",
        ),
    }

    def _expected(self):
        return "b"

    def _explain(self, expected):
        return say(
            "ReLU's slope is 1 for every positive input, against the sigmoid's 0.25 at best, so "
            "a path of active units passes the gradient on unshrunk; with a matching "
            "initialization (He) each layer's weights keep it near 1 on average.",
            "ReLU 对每个正输入的斜率都是 1，而 sigmoid 最多只有 0.25，"
            "所以一条由处于激活状态（输入为正）的单元组成的路径会把梯度原样传下去；"
            "配上相应的初始化（He 初始化），每层的权重平均能让因子保持在 1 附近。",
        )


EXERCISES = [
    DeadForNegatives,
    SGDLimit,
    WorstUnderOutlier,
    StepsByHand,
    SigmoidChainBound,
    FixVanishing,
]
