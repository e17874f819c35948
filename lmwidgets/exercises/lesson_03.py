"""Lesson 03 · The algorithm, step by step: models, metrics, overfitting, where labels come from."""

import functools

from lmwidgets.core import metrics, training
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    as_choice,
    as_number,
)
from lmwidgets.language import Words, say

# Exercise 3: the class and the recall to reach; answers this far below the best are accepted.
POSITIVE_CLASS, TARGET_RECALL, BAND = 8, 0.95, 0.02
# Exercise 4: the training-set sizes to try, the gap to reach, and the run they are tried on.
SIZES = (20, 40, 80, 120, 160, 200)
GAP = 0.02
RUN = {"l2": 0.0, "dropout": 0.0, "epochs": 300, "seed": 0}


@functools.lru_cache(maxsize=1)
def _parameter_counts():
    """The three models of step 2, built by Keras: name -> number of parameters."""
    import keras

    def model(*layers):
        return keras.Sequential(list(layers))

    models = {
        "MLP": model(
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ),
        "CNN": model(
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ),
        "RNN (LSTM)": model(
            keras.Input(shape=(28, 28)),
            keras.layers.LSTM(64),
            keras.layers.Dense(10, activation="softmax"),
        ),
    }
    return {name: m.count_params() for name, m in models.items()}


class FewestParameters(ChoiceExercise):
    title = Words("the model of step 2 with the fewest parameters", "第 2 步中参数最少的模型")
    choices = ("MLP", "CNN", "RNN (LSTM)")
    hints = (
        Words(
            "The table of step 2 counts each model's parameters (Keras' `count_params()`).",
            "第 2 步的表格列出了每个模型的参数个数（由 Keras 的 `count_params()` 算出）。",
        ),
        Words(
            "Which model uses the same few weights at every position of the image?",
            "哪个模型在图像的每个位置上都使用同样的几个权重？",
        ),
    )

    @property
    def why_not(self):
        counts = _parameter_counts()
        return {
            "MLP": Words(
                f"the MLP has {counts['MLP']:,}: one weight per pixel for each of its 128 "
                "units, 784 × 128 in its first layer alone.",
                f"MLP 有 {counts['MLP']:,} 个参数：它的 128 个单元中，每个单元对每个像素都有"
                "一个权重，仅第一层就有 784 × 128 个。",
            ),
            "RNN (LSTM)": Words(
                f"the LSTM has {counts['RNN (LSTM)']:,}: fewer than the MLP, but its "
                "four gates each connect 28 inputs and 64 units to 64 units.",
                f"LSTM 有 {counts['RNN (LSTM)']:,} 个参数：比 MLP 少，但它的四个门各自把 28 个"
                "输入和 64 个单元连接到 64 个单元。",
            ),
        }

    def _expected(self):
        counts = _parameter_counts()
        return min(counts, key=counts.get)

    def _explain(self, expected):
        counts = _parameter_counts()
        return say(
            f"the {expected} has {counts[expected]:,} parameters against the MLP's "
            f"{counts['MLP']:,}. A 3×3 filter has 9 weights per input channel and is slid over "
            "the whole image: the same weights find a stroke anywhere, so the count does not "
            "grow with the number of pixels.",
            f"{expected} 有 {counts[expected]:,} 个参数，而 MLP 有 {counts['MLP']:,} 个。一个 "
            "3×3 的卷积核对每个输入通道只有 9 个权重，并在整张图像上滑动：同样的权重在任何位置"
            "都能找到一道笔画，所以参数个数不会随像素数增长。",
        )


class HiddenUnits(NumberExercise):
    title = Words(
        "the MLP's parameters with 64 hidden units, by hand",
        "手算隐藏层为 64 个单元时 MLP 的参数个数",
    )
    tolerance = 0.5
    absolute = True
    asks_for = Words("a whole number of parameters", "参数的个数（一个整数）")
    hints = (
        Words(
            "A Dense layer with n inputs and m units has n × m weights and m biases: (n + 1) × m.",
            "一个有 n 个输入、m 个单元的 Dense 层有 n × m 个权重和 m 个偏置：(n + 1) × m。",
        ),
        Words(
            "Two Dense layers: 784 inputs to 64 units, then 64 inputs to 10 units. Add both.",
            "两个 Dense 层：784 个输入到 64 个单元，再从 64 个输入到 10 个单元。把两者相加。",
        ),
    )

    def _expected(self):
        config = training.MLPConfig(hidden_layers=1, units=64, dropout=0.0)
        return float(training.mlp_parameter_count(config))

    def _explain(self, expected):
        return say(
            f"(784 + 1) × 64 + (64 + 1) × 10 = 50,240 + 650 = {expected:,.0f}. Halving the hidden "
            "layer halves the first layer's count, which is almost all of it.",
            f"(784 + 1) × 64 + (64 + 1) × 10 = 50,240 + 650 = {expected:,.0f}。隐藏层减半，"
            "第一层的参数个数也减半，而第一层几乎就是全部参数。",
        )

    def _not_yet(self, value, expected):
        known = {
            101770: Words(
                "101,770 is the MLP with 128 units, as in the table; this one has 64.",
                "101,770 是表格中 128 个单元的 MLP；这里的隐藏层只有 64 个单元。",
            ),
            784 * 64 + 64 * 10: Words(
                "that leaves out the biases: each unit has one, (n + 1) × m.",
                "这样漏掉了偏置：每个单元都有一个，应为 (n + 1) × m。",
            ),
            (784 + 1) * 64: Words(
                "that is the hidden layer only; add the output layer, 64 → 10.",
                "这只是隐藏层；还要加上输出层，64 → 10。",
            ),
            101770 / 2: Words(
                "halving 101,770 is close but not exact: the output layer's 64 + 1 "
                "inputs per class do not halve that way. Count both layers.",
                "把 101,770 减半很接近，但不精确：输出层每个类别有 64 + 1 个输入，"
                "不是这样减半的。把两层都数一遍。",
            ),
        }
        for number, message in known.items():
            if abs(value - number) < 1:
                return str(message)
        return super()._not_yet(value, expected)


def _class_scores(explorer):
    """The binary labels and scores of POSITIVE_CLASS in a MetricsExplorer over class scores."""
    if explorer is None:
        raise NotYet(say(
            "pass the explorer of step 4 too: `ex.q3.check(my_threshold, explorer=explorer)`.",
            "还要传入第 4 步的探索器：`ex.q3.check(my_threshold, explorer=explorer)`。",
        ))  # fmt: skip
    if type(explorer).__name__ != "MetricsExplorer":
        received = type(explorer).__name__
        raise NotYet(say(
            f"explorer= must be the MetricsExplorer of step 4. Received: {received}.",
            f"`explorer=` 必须是第 4 步的 MetricsExplorer。收到的是：{received}。",
        ))  # fmt: skip
    if not explorer.multiclass:
        raise NotYet(say(
            "this explorer has binary scores; pass the one of step 4 (ten classes).",
            "这个探索器的分数是二分类的；请传入第 4 步的那个（十个类别）。",
        ))  # fmt: skip
    return metrics.one_vs_rest(explorer._y_true, explorer._scores, POSITIVE_CLASS)


def highest_threshold(labels, scores, recall=TARGET_RECALL):
    """The highest threshold whose recall is at least ``recall``: any lower one finds as many."""
    _, recalls, thresholds = metrics.precision_recall_curve(labels, scores)
    return float(thresholds[recalls >= recall].max())


class FindTheEights(Exercise):
    title = Words(
        "the highest threshold that still finds 95% of the 8s",
        "仍能找出 95% 的 8 的最高阈值",
    )
    asks_for = Words(
        "a threshold between 0 and 1, with the explorer of step 4 as explorer=explorer",
        "一个 0 到 1 之间的阈值，并以 `explorer=explorer` 传入第 4 步的探索器",
    )
    hints = (
        Words(
            "Type thresholds into the explorer's box and watch recall: lowering the threshold "
            "never lowers recall. Find where recall first reaches 0.95 coming down from 0.5.",
            "在探索器的输入框里输入阈值，观察召回率：降低阈值永远不会降低召回率。从 0.5 "
            "往下降，找到召回率第一次达到 0.95 的地方。",
        ),
        Words(
            "Threshold 0 calls every digit an 8: recall 1.0, but that is not the highest. Look "
            "between 0.1 and 0.5, to two decimals, and read precision there too.",
            "阈值为 0 时，每个数字都被判为 8：召回率为 1.0，但这不是最高的阈值。在 0.1 和 "
            "0.5 之间找，精确到两位小数，并顺便读一下那里的精确率。",
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._explorer = None  # the last explorer given, so that solution() can use its data

    def _check(self, answer, explorer=None, **more):
        if type(answer).__name__ == "MetricsExplorer":
            explorer, answer = answer, answer.result["threshold"]
        if answer is None:
            raise NotYet(say(
                "no answer yet. Expected a threshold between 0 and 1, as "
                "`ex.q3.check(my_threshold, explorer=explorer)`; `ex.q3.hint()` gives a hint.",
                "还没有答案。需要一个 0 到 1 之间的阈值，写作 "
                "`ex.q3.check(my_threshold, explorer=explorer)`；`ex.q3.hint()` 给出提示。",
            ))  # fmt: skip
        threshold = as_number(answer)
        labels, scores = _class_scores(explorer)
        self._explorer = explorer
        if not 0 <= threshold <= 1:
            raise NotYet(say(
                f"a threshold lies between 0 and 1. Received: {threshold:g}.",
                f"阈值在 0 和 1 之间。收到的是：{threshold:g}。",
            ))  # fmt: skip
        best = highest_threshold(labels, scores)
        at = metrics.threshold_metrics(labels, scores, threshold)
        if at["recall"] < TARGET_RECALL:
            raise NotYet(say(
                f"at threshold {threshold:g} recall is {at['recall']:.3f}, below "
                f"{TARGET_RECALL}: too many 8s are missed. Lower the threshold.",
                f"阈值为 {threshold:g} 时，召回率是 {at['recall']:.3f}，低于 {TARGET_RECALL}："
                "漏掉的 8 太多了。请降低阈值。",
            ))  # fmt: skip
        if threshold == 0:
            raise NotYet(say(
                "threshold 0 calls every digit an 8: recall 1.0 is guaranteed, and precision "
                f"drops to {at['precision']:.3f}. Find the highest threshold that keeps recall "
                f"at {TARGET_RECALL} or more.",
                "阈值为 0 时，每个数字都被判为 8：召回率必然是 1.0，而精确率降到 "
                f"{at['precision']:.3f}。请找出能让召回率保持在 {TARGET_RECALL} 或以上的"
                "最高阈值。",
            ))  # fmt: skip
        if threshold < best - min(BAND, best / 2):
            raise NotYet(say(
                f"recall is {at['recall']:.3f} at {threshold:g}, but a higher threshold still "
                f"reaches {TARGET_RECALL} and calls fewer non-8s '8'. Raise it.",
                f"阈值为 {threshold:g} 时召回率是 {at['recall']:.3f}，但更高的阈值同样能达到 "
                f"{TARGET_RECALL}，而且被误判为“8”的非 8 数字更少。请提高阈值。",
            ))  # fmt: skip
        return self._explain(labels, scores, threshold)

    def _explain(self, labels, scores, threshold):
        at = metrics.threshold_metrics(labels, scores, threshold)
        usual = metrics.threshold_metrics(labels, scores, metrics.DEFAULT_THRESHOLD)
        best = highest_threshold(labels, scores)
        return say(
            f"the highest threshold with recall ≥ {TARGET_RECALL} is "
            f"{best:.4f}. At {threshold:g} recall is "
            f"{at['recall']:.3f} and precision {at['precision']:.3f}; at 0.5 they were "
            f"{usual['recall']:.3f} and {usual['precision']:.3f}. To miss fewer 8s the model "
            f"must say '8' for less certain digits, and some of those are not 8s: "
            f"{at['fp']} false positives instead of {usual['fp']}.",
            f"召回率 ≥ {TARGET_RECALL} 的最高阈值是 {best:.4f}。阈值为 {threshold:g} 时，"
            f"召回率为 {at['recall']:.3f}，精确率为 {at['precision']:.3f}；阈值为 0.5 时，"
            f"两者分别是 {usual['recall']:.3f} 和 {usual['precision']:.3f}。要少漏掉一些 8，"
            "模型就得对把握更小的数字也说“8”，而其中有些并不是 8：假阳性从 "
            f"{usual['fp']} 个增加到 {at['fp']} 个。",
        )

    def _solution(self):
        method = say(
            "recall(t) never falls as t falls, so the answer is the score of the last 8 you "
            "need: `_, recall, t = metrics.precision_recall_curve(*metrics.one_vs_rest(y_test, "
            "probabilities, 8))`, then `t[recall >= 0.95].max()`.",
            "阈值 t 降低时，召回率 recall(t) 永远不会下降，所以答案就是你需要找到的最后一个 8 "
            "的分数：`_, recall, t = metrics.precision_recall_curve(*metrics.one_vs_rest("
            "y_test, probabilities, 8))`，然后取 `t[recall >= 0.95].max()`。",
        )
        if self._explorer is None:
            return method + say(
                " (Check once with `explorer=explorer` to see the number here.)",
                "（用 `explorer=explorer` 检查一次，这里就会显示具体的数。）",
            )
        labels, scores = _class_scores(self._explorer)
        return (
            method
            + say(" For your explorer: ", "对你的探索器来说：")
            + self._explain(labels, scores, highest_threshold(labels, scores))
        )


@functools.lru_cache(maxsize=len(SIZES) + 4)
def _gap(train_size):
    """The final validation-minus-training loss of one overfitting run (the explorer's)."""
    return float(training.overfitting_run(train_size=train_size, **RUN)["gap"])


class EnoughData(Exercise):
    title = Words(
        "the fewest training points, of six, that bring the gap below 0.02",
        "六个规模中，能让差距降到 0.02 以下的最少训练点数",
    )
    asks_for = Words(
        "one of " + ", ".join(map(str, SIZES)) + " (or the OverfittingExplorer set to it)",
        "以下之一：" + "、".join(map(str, SIZES)) + "（或设为该值的 OverfittingExplorer）",
    )
    hints = (
        Words(
            "Leave L2 at 0, dropout at 0, epochs at 300 and seed 0. Set the training points to "
            "20, then 40, and so on; the title of the loss panel shows the gap.",
            "保持 L2 为 0、dropout 为 0、迭代周期数为 300、随机种子为 0。把训练点数依次设为 "
            "20、40……；损失图的标题会显示差距。",
        ),
        Words(
            "The gap does not fall smoothly with one draw of data: check every size in order and "
            "stop at the first one below 0.02.",
            "只抽一次数据时，差距并不是平稳下降的：按顺序检查每个规模，在第一个低于 0.02 的"
            "地方停下。",
        ),
    )

    def _check(self, answer, **more):
        if type(answer).__name__ == "OverfittingExplorer":
            answer = self._size_of(answer)
        size = as_choice(answer, SIZES)
        expected = self._expected()
        if size < expected:
            raise NotYet(say(
                f"with {size:g} points the gap is {_gap(int(size)):.3f}, still above {GAP}.",
                f"{size:g} 个点时差距是 {_gap(int(size)):.3f}，仍然高于 {GAP}。",
            ))  # fmt: skip
        if size > expected:
            raise NotYet(say(
                f"with {size:g} points the gap is {_gap(int(size)):.3f}, but fewer points "
                "already bring it below 0.02. Try the smaller sizes.",
                f"{size:g} 个点时差距是 {_gap(int(size)):.3f}，但更少的点就已经能让它降到 "
                "0.02 以下。试试更小的规模。",
            ))  # fmt: skip
        return self._explain(expected)

    @staticmethod
    def _size_of(explorer):
        result = explorer.result
        wrong = {k: result.get(k) for k, v in RUN.items() if result.get(k) != v}
        if wrong:
            settings = ", ".join(f"{k} = {v}" for k, v in RUN.items())
            raise NotYet(say(
                f"set the explorer back to {settings}. It has {wrong}.",
                f"请把探索器改回 {settings}。它现在是 {wrong}。",
            ))  # fmt: skip
        return result["train_size"]

    def _expected(self):
        for size in SIZES:
            if _gap(size) < GAP:
                return size
        return SIZES[-1]

    def _explain(self, expected):
        gaps = ", ".join(f"{s}: {_gap(s):.3f}" for s in SIZES if s <= expected)
        return say(
            f"{expected} points (gaps {gaps}). With few points the network fits their noise; "
            "with more, noise at one point is outvoted by its neighbours and the training loss "
            "rises towards the noise variance while the validation loss falls to it. One draw "
            "is noisy, so the gap does not shrink at every step.",
            f"{expected} 个点（各规模的差距：{gaps}）。点少时，网络会去拟合它们的噪声；点多时，"
            "一个点上的噪声会被周围的点“投票否决”，训练损失向噪声方差上升，验证损失则向它"
            "下降。只抽一次数据本身就带有噪声，所以差距并不是每一步都缩小。",
        )

    def _solution(self):
        return self._explain(self._expected())


class TuneOn(ChoiceExercise):
    title = Words("the data on which to choose the L2 strength", "用来选择 L2 强度的数据")
    choices = ("train", "validation", "test")
    hints = (
        Words(
            "Which of the three sets has the model never been fitted to, and is still allowed "
            "to influence your choices?",
            "三个数据集中，哪一个模型从未在上面拟合过，同时又允许影响你的选择？",
        ),
    )
    why_not = {
        "train": Words(
            "the training loss always prefers the weakest penalty: it rewards memorizing "
            "the training points, which is exactly what L2 is meant to stop.",
            "训练损失总是偏爱最弱的惩罚：它奖励死记训练点，而这恰恰是 L2 要阻止的。",
        ),
        "test": Words(
            "every setting kept because it scored best on the test set fits the model to "
            "those test examples; the test score then overestimates how it does on new data. "
            "That is the correction to step 5.",
            "每一个因为在测试集上得分最高而被保留的设置，都会让模型去适应那些测试样本；"
            "这样测试分数就会高估模型在新数据上的表现。这正是对第 5 步的更正。",
        ),
    }

    def _expected(self):
        return "validation"

    def _explain(self, expected):
        return say(
            "compare the settings on the validation set (or by cross-validation), keep the best, "
            "and score the final model on the test set once. The test score then estimates "
            "performance on new data, because nothing was chosen with it.",
            "在验证集上（或用交叉验证）比较各个设置，保留最好的那个，最后只在测试集上给最终"
            "模型打一次分。因为没有任何选择是借助测试集做出的，测试分数才能估计模型在新数据"
            "上的表现。",
        )


class Unlabelled(ChoiceExercise):
    title = Words("learning from ten million unlabelled sentences", "从一千万个无标签句子中学习")
    choices = ("a", "b", "c")
    hints = (
        Words(
            "Reread the correction at the top of the lesson, and the cell after it.",
            "重读本课开头的更正，以及紧随其后的那个单元格。",
        ),
    )
    why_not = {
        "a": Words(
            "labels by hand for ten million sentences are not needed: the text already "
            "contains targets. Deep learning is not only supervised learning.",
            "不需要给一千万个句子手工加标签：文本本身就包含了目标。深度学习不只是监督学习。",
        ),
        "c": Words(
            "clustering finds groups, but it does not teach a model to predict language; "
            "and the text itself offers a target at every position.",
            "聚类能找出分组，却不能教会模型预测语言；何况文本本身在每个位置上都提供了一个目标。",
        ),
    }

    def _expected(self):
        return "b"

    def _explain(self, expected):
        return say(
            "self-supervision: every position of a text gives an example whose label is the "
            "next token, cut from the data itself. That is how language models are pre-trained; "
            "step 1 (preprocessing) now makes (context, next token) pairs, and the rest of the "
            "steps stay.",
            "自监督：文本的每个位置都给出一个样本，它的标签就是下一个词元，直接从数据本身截取。"
            "语言模型就是这样预训练的；第 1 步（预处理）改为生成（上下文, 下一个词元）对，"
            "其余各步不变。",
        )


EXERCISES = [FewestParameters, HiddenUnits, FindTheEights, EnoughData, TuneOn, Unlabelled]
