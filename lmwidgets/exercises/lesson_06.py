"""Lesson 06 · Applications: a CNN's mistake, top-p, a screening threshold, precision, rewards."""

from lmwidgets.core import metrics, rl
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    as_number,
    result_of,
)
from lmwidgets.language import Words, say

import numpy as np

# Exercise 2: how many characters top-p must leave.
KEPT = 3
# Exercise 3: a threshold within this of the highest one that keeps recall at 1 counts.
THRESHOLD_TOLERANCE = 1e-3
# Exercise 4: six cases, most likely malignant first (1 = malignant), and two thresholds.
SCORES = (0.9, 0.8, 0.6, 0.4, 0.3, 0.1)
LABELS = (0, 1, 1, 0, 1, 0)
HIGH, LOW = 0.7, 0.25
# Exercise 5: the grid game's rules, by name.
RULES = ("goal", "hole", "step", "timeout")


class WrongDigit(Exercise):
    title = Words("a test digit the CNN gets wrong", "一个被 CNN 认错的测试数字")
    asks_for = Words(
        "the FeatureMapExplorer widget, showing a digit the CNN misreads",
        "FeatureMapExplorer 控件本身，且它正显示一个被 CNN 认错的数字",
    )
    hints = (
        Words(
            "Change the explorer's image number and watch the probability bars: the red bar is the "
            "prediction, and the image's title gives its label.",
            "改变探索器的图像编号，留意概率条：红色的那条是预测，图像的标题给出它的标签。",
        ),
        Words(
            "The CNN is right on about 97% of the digits: expect to try a few dozen images. "
            "Untidy digits (a 4 that looks like a 9, a 7 like a 1) are the usual suspects.",
            "CNN 对约 97% 的数字都判断正确：预计要试几十张图像。"
            "写得潦草的数字（像 9 的 4、像 1 的 7）最可疑。",
        ),
    )

    def _check(self, answer, **more):
        result = result_of(answer, "FeatureMapExplorer")
        index, label, predicted = result["image_index"], result["label"], result["predicted"]
        if label is None:
            raise NotYet(say(
                "this explorer has no labels: build it with the test labels too.",
                "这个探索器没有标签：创建它时请把测试标签也传进去。",
            ))  # fmt: skip
        if predicted == label:
            raise NotYet(say(
                f"image {index} is a {label}, and the CNN reads it as a {label}. Try another.",
                f"第 {index} 张图像是 {label}，CNN 也认成了 {label}。换一张试试。",
            ))  # fmt: skip
        probabilities = result["probabilities"]
        p_predicted, p_label = probabilities[predicted], probabilities[label]
        return say(
            f"image {index} is a {label}, and the CNN says {predicted} (probability "
            f"{p_predicted:.2f}, against {p_label:.2f} for {label}). "
            "Look at the digit: most of the CNN's mistakes are digits a person would hesitate on.",
            f"第 {index} 张图像是 {label}，CNN 却说是 {predicted}（概率 {p_predicted:.2f}，"
            f"而 {label} 的概率是 {p_label:.2f}）。看看这个数字：CNN 的大多数错误，"
            "都是人看了也会犹豫的数字。",
        )

    def _solution(self):
        return say(
            "Step `feature_explorer.controls['image'].value` through 0, 1, 2, ... until "
            "`feature_explorer.result['predicted']` differs from `result['label']`; with about "
            "3% errors, one in the first 200 test digits is all but certain.",
            "让 `feature_explorer.controls['image'].value` 依次取 0、1、2……直到 "
            "`feature_explorer.result['predicted']` 与 `result['label']` 不同；"
            "错误率约 3%，前 200 个测试数字里几乎肯定有一个。",
        )


class ThreeCharacters(Exercise):
    title = Words(
        f"a top-p that keeps exactly {KEPT} characters", f"恰好保留 {KEPT} 个字符的 top-p"
    )
    asks_for = Words(
        "the SamplingExplorer widget, with temperature 1, top-k off and your top-p",
        "SamplingExplorer 控件本身：温度为 1，关闭 top-k，并设好你的 top-p",
    )
    hints = (
        Words(
            "top-p keeps the most likely characters until their probabilities add up to p. "
            "Read the three tallest grey bars.",
            "top-p 按概率从高到低保留字符，直到它们的概率之和达到 p。读一读最高的三根灰色条。",
        ),
        Words(
            "With the two most likely characters summing to s2 and the three to s3, any p above "
            "s2 and at most s3 keeps exactly three.",
            "设概率最高的两个字符之和为 s2，最高的三个之和为 s3，"
            "那么任何大于 s2 且不超过 s3 的 p 都恰好保留三个。",
        ),
    )

    def _check(self, answer, **more):
        result = result_of(answer, "SamplingExplorer")
        if result["temperature"] != 1.0:
            raise NotYet(say(
                f"set the temperature back to 1 (it is {result['temperature']:g}): here only "
                "top-p should cut.",
                f"请把温度调回 1（现在是 {result['temperature']:g}）：这里只应由 top-p 来截断。",
            ))  # fmt: skip
        if result["top_k"] is not None:
            raise NotYet(say(
                f"turn top-k off (0; it is {result['top_k']}): let top-p do the cutting.",
                f"请关闭 top-k（设为 0；现在是 {result['top_k']}）：让 top-p 来截断。",
            ))  # fmt: skip
        if result["top_p"] is None:
            raise NotYet(say(
                f"top-p is off (1.0), so all {result['kept']} characters can be drawn: lower it.",
                f"top-p 是关闭的（1.0），所以全部 {result['kept']} 个字符都可能被抽到：请调低它。",
            ))  # fmt: skip
        if result["kept"] != KEPT:
            more_or_less = "lower" if result["kept"] > KEPT else "raise"
            raise NotYet(say(
                f"top-p {result['top_p']:.3f} leaves {result['kept']} character"
                f"{'' if result['kept'] == 1 else 's'}: {more_or_less} it.",
                f"top-p 为 {result['top_p']:.3f} 时留下 {result['kept']} 个字符：请"
                f"{'调低' if result['kept'] > KEPT else '调高'}它。",
            ))  # fmt: skip
        ranked = np.sort(np.asarray(result["raw_probabilities"]))[::-1]
        s2, s3 = float(ranked[:2].sum()), float(ranked[:3].sum())
        return say(
            f"After {result['prompt'][-12:]!r} the three most likely characters have "
            f"{ranked[0]:.2f}, {ranked[1]:.2f} and {ranked[2]:.2f}: any top-p above {s2:.3f} "
            f"and up to {s3:.3f} keeps exactly these three. The range depends on the prompt: "
            "top-p keeps few characters where the model is sure, many where it is not.",
            f"在 {result['prompt'][-12:]!r} 之后，最可能的三个字符的概率是 "
            f"{ranked[0]:.2f}、{ranked[1]:.2f} 和 {ranked[2]:.2f}：任何大于 {s2:.3f} "
            f"且不超过 {s3:.3f} 的 top-p 都恰好保留这三个。这个区间取决于提示词："
            "模型有把握时 top-p 只保留少数字符，没把握时保留很多。",
        )

    def _solution(self):
        return say(
            "With `sampler.controls['temperature'].value = 1.0` and `top_k` 0, add the three "
            "largest of `sampler.result['raw_probabilities']` (s3) and the two largest (s2), "
            "then set `sampler.controls['top_p'].value` to a value between them, e.g. "
            "(s2 + s3) / 2.",
            "在 `sampler.controls['temperature'].value = 1.0`、`top_k` 为 0 的情况下，"
            "把 `sampler.result['raw_probabilities']` 中最大的三个相加（s3），"
            "再把最大的两个相加（s2），然后把 `sampler.controls['top_p'].value` "
            "设为两者之间的某个值，例如 (s2 + s3) / 2。",
        )


class ScreeningThreshold(Exercise):
    title = Words(
        "the highest threshold that still catches every malignant case",
        "仍能抓住每一个恶性病例的最高阈值",
    )
    asks_for = Words(
        "a threshold, with labels=y_te, scores=scores",
        "一个阈值，并附上 labels=y_te, scores=scores",
    )
    hints = (
        Words(
            "Recall is 1.0 as long as every malignant case scores at or above the threshold. "
            "Which malignant case scores lowest?",
            "只要每个恶性病例的得分都不低于阈值，召回率就是 1.0。哪个恶性病例得分最低？",
        ),
        Words(
            "`scores[y_te == 1]` are the malignant cases' scores: the answer is the lowest of "
            "them.",
            "`scores[y_te == 1]` 是恶性病例的得分：答案就是其中最低的那个。",
        ),
    )

    def _check(self, answer, labels=None, scores=None, **more):
        if answer is None:
            raise NotYet(say(
                "no answer yet: give your threshold, as "
                f"`ex.{self.name}.check(my_threshold, labels=y_te, scores=scores)`.",
                "还没有答案：请给出你的阈值，写作 "
                f"`ex.{self.name}.check(my_threshold, labels=y_te, scores=scores)`。",
            ))  # fmt: skip
        if labels is None or scores is None:
            raise NotYet(say(
                "pass the test labels and scores too: `check(t, labels=y_te, scores=scores)`.",
                "请把测试标签和得分也传进来：`check(t, labels=y_te, scores=scores)`。",
            ))  # fmt: skip
        threshold = as_number(answer)
        if not 0 <= threshold <= 1:
            raise NotYet(say(
                f"a threshold is between 0 and 1. Received: {threshold:g}.",
                f"阈值在 0 和 1 之间。收到的是：{threshold:g}。",
            ))  # fmt: skip
        counts = metrics.threshold_metrics(labels, scores, threshold)
        highest = self._highest(labels, scores)
        if counts["recall"] < 1.0:
            raise NotYet(say(
                f"at {threshold:g} the classifier misses {counts['fn']} malignant "
                f"case{'' if counts['fn'] == 1 else 's'} (recall {counts['recall']:.3f}): "
                "lower it.",
                f"阈值为 {threshold:g} 时，分类器漏掉了 {counts['fn']} 个恶性病例"
                f"（召回率 {counts['recall']:.3f}）：请调低。",
            ))  # fmt: skip
        if threshold < highest - THRESHOLD_TOLERANCE:
            raise NotYet(say(
                f"recall is 1.0 at {threshold:g}, but it stays 1.0 at higher thresholds too, "
                f"which flag fewer benign cases (here {counts['fp']} of them): raise it as far "
                "as recall allows (to 3 decimals).",
                f"阈值为 {threshold:g} 时召回率是 1.0，但更高的阈值下它仍是 1.0，"
                f"而且标记的良性病例更少（这里标记了 {counts['fp']} 个）："
                "在召回率允许的范围内尽量调高（精确到 3 位小数）。",
            ))  # fmt: skip
        at_best = metrics.threshold_metrics(labels, scores, highest)
        return say(
            f"The lowest-scored malignant case scores {highest:.4f}: at that threshold recall is "
            f"1.0 with {at_best['fp']} benign case{'' if at_best['fp'] == 1 else 's'} flagged "
            f"(precision {at_best['precision']:.3f}); any higher and that cancer is missed. A "
            f"threshold set this tightly on {len(labels)} test cases will miss some cancers in "
            "new patients: a screening threshold is chosen lower, on separate validation data.",
            f"得分最低的恶性病例得分为 {highest:.4f}：以它为阈值时召回率是 1.0，"
            f"有 {at_best['fp']} 个良性病例被标记（精确率 {at_best['precision']:.3f}）；"
            "阈值再高一点，这例癌症就会被漏掉。在 "
            f"{len(labels)} 个测试病例上卡得这么紧的阈值，面对新病人时会漏掉一些癌症："
            "筛查用的阈值要定得更低，并且要在单独的验证数据上选定。",
        )

    @staticmethod
    def _highest(labels, scores):
        positives = np.asarray(scores, dtype="float64")[np.asarray(labels) == 1]
        if positives.size == 0:
            raise NotYet(say(
                "these labels have no malignant case (1): pass `labels=y_te`.",
                "这些标签里没有恶性病例（1）：请传入 `labels=y_te`。",
            ))  # fmt: skip
        return float(positives.min())

    def _solution(self):
        return say(
            "`float(scores[y_te == 1].min())`: the score of the malignant case the classifier "
            "ranks lowest. At that threshold every cancer is caught; above it, that one is "
            "missed. Check it: `metrics.threshold_metrics(y_te, scores, t)['recall']`.",
            "`float(scores[y_te == 1].min())`：分类器打分最低的那个恶性病例的得分。"
            "以它为阈值，每一例癌症都能抓住；高于它，这一例就会漏掉。"
            "验证一下：`metrics.threshold_metrics(y_te, scores, t)['recall']`。",
        )


def _precision(threshold):
    return metrics.threshold_metrics(np.array(LABELS), np.array(SCORES), threshold)


class PrecisionByHand(NumberExercise):
    title = Words(f"precision at threshold {LOW}, by hand", f"手算：阈值为 {LOW} 时的精确率")
    asks_for = Words("a number between 0 and 1", "一个 0 到 1 之间的数")
    tolerance = 0.005
    absolute = True
    hints = (
        Words(
            f"Cases scored at or above {LOW} are predicted malignant. Count them, and how many "
            "of those are really malignant.",
            f"得分不低于 {LOW} 的病例被预测为恶性。数一数有几个，其中又有几个真的是恶性。",
        ),
        Words(
            "Precision = TP / (TP + FP): of the cases flagged, the share that is malignant.",
            "精确率 = TP / (TP + FP)：被标记的病例中真正是恶性的比例。",
        ),
    )

    def _expected(self):
        return _precision(LOW)["precision"]

    def _explain(self, expected):
        high, low = _precision(HIGH), _precision(LOW)
        return say(
            f"At {LOW}, {low['tp'] + low['fp']} cases are flagged, {low['tp']} of them "
            "malignant: precision "
            f"{low['tp']}/{low['tp'] + low['fp']} = {expected:.2f}. At {HIGH} it was "
            f"{high['tp']}/{high['tp'] + high['fp']} = {high['precision']:.2f}: lowering the "
            f"threshold raised precision here (and recall from {high['recall']:.2f} to "
            f"{low['recall']:.2f}). Recall never falls as the threshold falls; precision can "
            "go either way.",
            f"阈值为 {LOW} 时，有 {low['tp'] + low['fp']} 个病例被标记，其中 {low['tp']} 个是恶性："
            f"精确率 {low['tp']}/{low['tp'] + low['fp']} = {expected:.2f}。阈值为 {HIGH} 时是 "
            f"{high['tp']}/{high['tp'] + high['fp']} = {high['precision']:.2f}：在这里，"
            f"降低阈值提高了精确率（召回率也从 {high['recall']:.2f} 升到 {low['recall']:.2f}）。"
            "阈值降低时召回率从不下降；精确率则可升可降。",
        )

    def _not_yet(self, value, expected):
        high, low = _precision(HIGH), _precision(LOW)
        if close_to(value, high["precision"]):
            return say(
                f"{value:g} is the precision at {HIGH}; the question is about {LOW}.",
                f"{value:g} 是阈值为 {HIGH} 时的精确率；题目问的是 {LOW}。",
            )
        if close_to(value, low["recall"]):
            return say(
                f"{value:g} is the recall at {LOW} (TP / all malignant); precision is TP / "
                "flagged.",
                f"{value:g} 是阈值为 {LOW} 时的召回率（TP / 全部恶性）；精确率是 TP / 被标记数。",
            )
        if close_to(value, 1 - expected):
            return say(
                f"{value:g} is FP / flagged, the share of false alarms: precision is TP / flagged.",
                f"{value:g} 是 FP / 被标记数，即误报的比例：精确率是 TP / 被标记数。",
            )
        return say(
            f"{value:g} is not it. Try `ex.{self.name}.hint()`.",
            f"不是 {value:g}。试试 `ex.{self.name}.hint()`。",
        )


def close_to(value, target):
    return abs(value - target) <= PrecisionByHand.tolerance


# A 6-move path (the shortest) and the same path after two moves into the wall.
SHORTEST = (2, 2, 1, 2, 1, 1)  # down, down, right, down, right, right
WITH_DETOUR = (0, 3, *SHORTEST)  # up and left from the start stay in place


def _total(game, actions):
    cell, total = game.start, 0.0
    for action in actions:
        cell, reward, done = game.step(cell, action)
        total += reward
        if done:
            break
    return total


class ShortestPathRule(ChoiceExercise):
    title = Words("the rule that makes the agent take a shortest path", "让智能体走最短路径的规则")
    choices = RULES
    hints = (
        Words(
            "Compare the total reward of the 6-move path with that of an 8-move path that also "
            "reaches the goal. Which rule makes them differ?",
            "比较 6 步路径和同样到达终点的 8 步路径的总奖励。是哪条规则让两者不同？",
        ),
    )
    why_not = {
        "goal": Words(
            "both paths reach the goal and get the same +1: the goal alone does not say "
            "how to get there.",
            "两条路径都到达终点，都得到同样的 +1：只有终点奖励，并不能说明该怎么走过去。",
        ),
        "hole": Words(
            "a path that avoids the holes, long or short, never pays the -1.",
            "避开冰洞的路径，不论长短，都不会被扣 -1。",
        ),
        "timeout": Words(
            "the 20-move limit punishes wandering forever, but a 6-move and an 8-move "
            "path both end well before it.",
            "20 步的上限惩罚的是无休止地乱走，但 6 步和 8 步的路径都远在上限之前就结束了。",
        ),
    }

    def _expected(self):
        # Without a cost per move, a detour earns as much as the shortest path.
        free = rl.GridGame(step_reward=0.0)
        if _total(free, SHORTEST) == _total(free, WITH_DETOUR):
            return "step"
        return "goal"  # (not reached with the game's rules)

    def _explain(self, expected):
        game = rl.GridGame()
        short, detour = _total(game, SHORTEST), _total(game, WITH_DETOUR)
        cost = -game.step_reward
        return say(
            f"Every move costs {cost:g}: the 6-move path earns 1 - 5 × "
            f"{cost:g} = {short:.2f}, an 8-move one {detour:.2f}. REINFORCE "
            "makes the moves of better-than-average episodes more likely, so the shorter path "
            "wins. Without that cost every path to the goal would be worth the same +1.",
            f"每走一步扣 {cost:g}：6 步路径得到 1 - 5 × {cost:g} = {short:.2f}，"
            f"8 步路径只得到 {detour:.2f}。REINFORCE 让好于平均的回合中的动作变得更可能，"
            "所以更短的路径胜出。没有这项代价，每条到达终点的路径都同样值 +1。",
        )


EXERCISES = [WrongDigit, ThreeCharacters, ScreeningThreshold, PrecisionByHand, ShortestPathRule]
