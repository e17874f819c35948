"""Lesson 05 · Project: MNIST, bugs and all: the source's bugs, parameters, the dashboard."""

from lmwidgets.core import training
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    result_of,
)
from lmwidgets.language import Words, say

import numpy as np

# The printed program's steps, named by the source's own comments.
STEPS = ("load", "preprocess", "build", "compile", "train", "evaluate")
# Exercise 2: the model counted by hand.
BY_HAND = training.MLPConfig(hidden_layers=3, units=32)
# Exercise 3: small and good.
MAX_PARAMETERS = 30_000
MIN_ACCURACY = 0.90
# Exercise 4: a learning rate this large or larger counts as "1.0", and a run at most this
# accurate as broken (ten digits: chance is 10%).
LARGE_LEARNING_RATE = 0.5
BROKEN_ACCURACY = 0.2


def _layer_sizes(config, input_size=784, n_classes=10):
    return [input_size, *[config.units] * config.hidden_layers, n_classes]


def _trained(answer, exercise):
    """The dashboard's result once a run has finished, else NotYet saying what to do."""
    result = result_of(answer, "TrainingDashboard")
    if getattr(answer, "training", False):
        raise NotYet(say(
            "the dashboard is still training: wait until it has finished, then check.",
            "仪表盘还在训练：等训练结束后再检查。",
        ))  # fmt: skip
    if "trained_config" not in result:
        raise NotYet(say(
            "no model has been trained in this dashboard yet: set its controls, press Train "
            f"(or call `.train(wait=True)`), then run `ex.{exercise}.check(...)` again.",
            "这个仪表盘里还没有训练过模型：先设置好控件，按“训练”按钮（或调用 "
            f"`.train(wait=True)`），然后再运行一次 `ex.{exercise}.check(...)`。",
        ))  # fmt: skip
    return result


def _described(config):
    layers = config["hidden_layers"]
    return say(
        f"{config['optimizer']} at learning rate {config['learning_rate']:g}, "
        f"{layers} hidden layer{'' if layers == 1 else 's'} of {config['units']} units",
        f"优化器 {config['optimizer']}、学习率 {config['learning_rate']:g}，"
        f"{layers} 个隐藏层、每层 {config['units']} 个单元",
    )


class FirstFailingLine(ChoiceExercise):
    title = Words(
        "the first line of the source's program that fails",
        "原文程序中最先出错的那一行",
    )
    choices = STEPS
    hints = (
        Words(
            "Run the program in your head with the real return value of `load_data()`: "
            "`((x_train, y_train), (x_test, y_test))`. What is `train_data` then?",
            "用 `load_data()` 的真实返回值在脑子里把程序运行一遍："
            "`((x_train, y_train), (x_test, y_test))`。这时 `train_data` 是什么？",
        ),
        Words(
            "`train_data` is a tuple of two arrays. Which line does arithmetic on it?",
            "`train_data` 是由两个数组组成的元组。哪一行对它做了算术运算？",
        ),
    )
    why_not = {
        "load": Words(
            "`load_data()` itself works: it returns two (images, labels) pairs, and the "
            "assignment to two names succeeds. The trouble is what those names now hold.",
            "`load_data()` 本身没有问题：它返回两个（图像, 标签）对，赋给两个变量也能成功。"
            "问题出在这两个变量现在装的是什么。",
        ),
        "build": Words(
            "building the model works in Keras 3: `Flatten(input_shape=...)` only warns. "
            "And a line before it already failed.",
            "在 Keras 3 中构建模型没有问题：`Flatten(input_shape=...)` 只会发出警告。"
            "而且在它之前已经有一行出错了。",
        ),
        "compile": Words(
            "compile never looks at the data, and a line before it already failed.",
            "编译时根本不看数据，而且在它之前已经有一行出错了。",
        ),
        "train": Words(
            "`fit(train_data, train_data)` is wrong (images as targets), but the program "
            "never gets that far: an earlier line fails first.",
            "`fit(train_data, train_data)` 确实是错的（把图像当成了目标），但程序根本走不到"
            "那里：更早的一行先出错了。",
        ),
        "evaluate": Words(
            "evaluate repeats fit's bug, but the program stops long before it.",
            "`evaluate` 重复了 `fit` 的错误，但程序早在它之前就停下了。",
        ),
    }

    def _expected(self):
        # What the printed program meets: load_data()'s structure, then its next line.
        images, labels = np.zeros((2, 28, 28), dtype="uint8"), np.zeros(2, dtype="uint8")
        train_data = (images, labels)
        try:
            train_data / 255.0
        except TypeError:
            return "preprocess"
        return "train"  # (not reached: a tuple cannot be divided)

    def _explain(self, expected):
        return say(
            "`train_data` is the pair `(x_train, y_train)`, and `train_data / 255.0` divides a "
            "tuple: a TypeError, at the preprocessing line. Fix it by unpacking "
            "`(x_train, y_train), (x_test, y_test) = ...` and scaling the images only; the next "
            "bug is then `fit(train_data, train_data)`, which must be `fit(x_train, y_train)`.",
            "`train_data` 是 `(x_train, y_train)` 这一对，`train_data / 255.0` 是在对元组做"
            "除法：预处理那一行抛出 TypeError。修正方法是解包 "
            "`(x_train, y_train), (x_test, y_test) = ...`，并且只缩放图像；接下来的错误是 "
            "`fit(train_data, train_data)`，应改为 `fit(x_train, y_train)`。",
        )


class CountByHand(NumberExercise):
    title = Words("parameters of 784-32-32-32-10, by hand", "手算 784-32-32-32-10 网络的参数量")
    asks_for = Words("a whole number of parameters", "参数的个数（一个整数）")
    tolerance = 0.5
    absolute = True
    hints = (
        Words(
            "A Dense layer with n inputs and m units has n × m weights and m biases: "
            "(n + 1) × m parameters. Dropout has none.",
            "一个有 n 个输入、m 个单元的 Dense 层有 n × m 个权重和 m 个偏置，"
            "共 (n + 1) × m 个参数。Dropout 没有参数。",
        ),
        Words(
            "Four Dense layers: 784 → 32, 32 → 32, 32 → 32 and 32 → 10. Add their (n + 1) × m.",
            "四个 Dense 层：784 → 32、32 → 32、32 → 32 和 32 → 10。把它们的 (n + 1) × m 加起来。",
        ),
    )

    def _expected(self):
        return training.mlp_parameter_count(BY_HAND)

    def _explain(self, expected):
        sizes = _layer_sizes(BY_HAND)
        terms = " + ".join(f"({n} + 1) × {m}" for n, m in zip(sizes, sizes[1:], strict=False))
        return say(
            f"{terms} = {expected:,}. A dashboard set to 3 layers of 32 units shows the same.",
            f"{terms} = {expected:,}。把仪表盘设为 3 层、每层 32 个单元，显示的也是这个数。",
        )

    def _not_yet(self, value, expected):
        sizes = _layer_sizes(BY_HAND)
        pairs = list(zip(sizes, sizes[1:], strict=False))
        no_biases = sum(n * m for n, m in pairs)
        one_hidden_less = training.mlp_parameter_count(
            training.MLPConfig(hidden_layers=BY_HAND.hidden_layers - 1, units=BY_HAND.units)
        )
        one_hidden_more = training.mlp_parameter_count(
            training.MLPConfig(hidden_layers=BY_HAND.hidden_layers + 1, units=BY_HAND.units)
        )
        lesson_models = {
            training.mlp_parameter_count(training.MLPConfig()): Words(
                "the corrected model (784-128-10)", "修正后的模型（784-128-10）"
            ),
            training.mlp_parameter_count(training.MLPConfig(hidden_layers=2, units=64)): Words(
                "the lesson's dashboard (two hidden layers of 64 units)",
                "本课仪表盘里的模型（两个隐藏层，每层 64 个单元）",
            ),
        }
        if value == no_biases:
            return say(
                f"{value:,.0f} counts the weights only: every unit also has a bias.",
                f"{value:,.0f} 只数了权重：每个单元还有一个偏置。",
            )
        if value in (one_hidden_less, one_hidden_more):
            fewer = value < expected
            return say(
                f"{value:,.0f} has one hidden layer too {'few' if fewer else 'many'}: "
                "three hidden layers means four Dense layers, two of them 32 → 32.",
                f"{value:,.0f} {'少' if fewer else '多'}算了一个隐藏层：三个隐藏层意味着"
                "四个 Dense 层，其中两个是 32 → 32。",
            )
        if value in lesson_models:
            model = lesson_models[value]
            return say(
                f"{value:,.0f} is the count of {model.en}, not of this model.",
                f"{value:,.0f} 是{model.zh}的参数量，不是这个模型的。",
            )
        return say(
            f"{value:,.0f} is not it. Add (n + 1) × m over the four Dense layers.",
            f"{value:,.0f} 不对。把四个 Dense 层的 (n + 1) × m 加起来。",
        )


class SmallAndGood(Exercise):
    title = Words(
        f"under {MAX_PARAMETERS:,} parameters, at least {MIN_ACCURACY:.0%} test accuracy",
        f"参数少于 {MAX_PARAMETERS:,} 个，测试准确率至少 {MIN_ACCURACY:.0%}",
    )
    asks_for = Words(
        "the TrainingDashboard, after training a model in it",
        "在其中训练过模型的 TrainingDashboard",
    )
    hints = (
        Words(
            "Parameters grow with the first layer: 785 × units. Fewer units (or fewer layers) "
            "shrink the model fastest.",
            "参数量主要随第一层增长：785 × 单元数。减少单元数（或层数）最能让模型变小。",
        ),
        Words(
            "One hidden layer of 32 units has (784 + 1) × 32 + (32 + 1) × 10 parameters. Train "
            "it for 5 epochs and look at the test accuracy.",
            "一个 32 单元的隐藏层共有 (784 + 1) × 32 + (32 + 1) × 10 个参数。训练 5 轮，"
            "看看测试准确率。",
        ),
    )

    def _check(self, answer, **more):
        result = _trained(answer, self.name)
        config = training.MLPConfig(**result["trained_config"])
        count = training.mlp_parameter_count(config)
        accuracy = result["test_accuracy"]
        if result["diverged"]:
            raise NotYet(say(
                "the last run diverged: lower the learning rate and train again.",
                "上一次训练发散了：调低学习率，再训练一次。",
            ))  # fmt: skip
        if count >= MAX_PARAMETERS:
            described = _described(result["trained_config"])
            raise NotYet(say(
                f"the last model trained ({described}) has "
                f"{count:,} parameters; it must have fewer than {MAX_PARAMETERS:,}.",
                f"最近训练的模型（{described}）有 {count:,} 个参数；必须少于 "
                f"{MAX_PARAMETERS:,} 个。",
            ))  # fmt: skip
        if accuracy < MIN_ACCURACY:
            raise NotYet(say(
                f"{count:,} parameters is small enough, but its test accuracy is {accuracy:.1%}, "
                f"below {MIN_ACCURACY:.0%}: train longer, or a little wider.",
                f"{count:,} 个参数已经够小了，但测试准确率只有 {accuracy:.1%}，低于 "
                f"{MIN_ACCURACY:.0%}：多训练几轮，或者把网络稍微加宽一点。",
            ))  # fmt: skip
        return say(
            f"{count:,} parameters and {accuracy:.1%} test accuracy. Most of an MLP's "
            "parameters sit in its first layer (785 per unit): a narrow first layer is cheap, "
            "and on digits it costs only a point or two of accuracy.",
            f"{count:,} 个参数，测试准确率 {accuracy:.1%}。MLP 的参数大多在第一层（每个单元 "
            "785 个）：窄的第一层很省参数，在手写数字上只损失一两个百分点的准确率。",
        )

    def _solution(self):
        count = training.mlp_parameter_count(training.MLPConfig(hidden_layers=1, units=32))
        return say(
            f"Set hidden_layers = 1 and units = 32 ({count:,} parameters), keep the rest, press "
            "Train: after 5 epochs it reaches about 92% on the offline sample.",
            f"设 `hidden_layers = 1`、`units = 32`（{count:,} 个参数），其余不变，按“训练”按钮："
            "在离线样本上训练 5 轮后，测试准确率约为 92%。",
        )


class AdamAtOne(Exercise):
    title = Words("a learning rate of 1.0 with Adam", "用 Adam、学习率 1.0 训练")
    asks_for = Words(
        "the TrainingDashboard, after training with Adam at learning rate 1.0",
        "用 Adam、学习率 1.0 训练过之后的 TrainingDashboard",
    )
    hints = (
        Words(
            "Set optimizer to adam and learning_rate to 1.0 (the default is 0.001), then Train.",
            "把 `optimizer` 设为 `adam`、`learning_rate` 设为 1.0（默认值是 0.001），"
            "然后按“训练”按钮。",
        ),
        Words(
            "Compare with sgd at 1.0: look at the loss curve and the confusion matrix.",
            "和学习率 1.0 的 `sgd` 比较一下：看看损失曲线和混淆矩阵。",
        ),
    )

    def _check(self, answer, **more):
        result = _trained(answer, self.name)
        config = result["trained_config"]
        accuracy = result["test_accuracy"]
        rate = config["learning_rate"]
        if config["optimizer"] == "sgd" and rate >= LARGE_LEARNING_RATE:
            raise NotYet(say(
                f"that run was SGD at learning rate {rate:g} (test accuracy "
                f"{accuracy:.1%}). SGD's step is the learning rate times the gradient, and the "
                "gradients are small. Now train Adam at the same rate.",
                f"这次训练用的是 SGD、学习率 {rate:g}（测试准确率 {accuracy:.1%}）。SGD 的"
                "步长是学习率乘以梯度，而这里的梯度很小。现在用 Adam 以同样的学习率训练。",
            ))  # fmt: skip
        if config["optimizer"] != "adam" or rate < LARGE_LEARNING_RATE:
            described = _described(config)
            raise NotYet(say(
                f"the last run was {described}: train with optimizer adam and "
                "learning rate 1.0.",
                f"上一次训练是{described}：请用优化器 `adam`、学习率 1.0 训练。",
            ))  # fmt: skip
        if not result["diverged"] and accuracy > BROKEN_ACCURACY:
            raise NotYet(say(
                f"this run still reached {accuracy:.1%}: train it again for the default 5 "
                "epochs, and watch the loss.",
                f"这次训练仍然达到了 {accuracy:.1%}：用默认的 5 轮再训练一次，并留意损失。",
            ))  # fmt: skip
        return say(
            f"Test accuracy {accuracy:.1%}: chance, for ten digits. Adam divides each gradient "
            "by its own running size, so every weight moves by about the learning rate at every "
            "step, however small its gradient: with 1.0, every weight jumps by about 1. The "
            "ReLU units die, the softmax puts everything on one digit, and the loss sits near "
            "-ln(1e-7) ≈ 16 on the other 90% of images (Keras clips probabilities at 1e-7). "
            "SGD's step is the learning rate times the gradient, so 1.0 is large but workable.",
            f"测试准确率 {accuracy:.1%}：对十个数字来说，这就是随机猜测的水平。Adam 会把每个"
            "梯度除以它自己的滑动平均大小，所以无论梯度多小，每个权重每一步都移动大约一个学习"
            "率：学习率为 1.0 时，每个权重每步都跳动约 1。ReLU 单元全部“死亡”，softmax 把所有"
            "概率都压在同一个数字上，其余 90% 的图像上损失停在 -ln(1e-7) ≈ 16 附近（Keras 把"
            "概率截断在 1e-7）。SGD 的步长是学习率乘以梯度，所以 1.0 虽然大，但仍然可用。",
        )

    def _solution(self):
        return say(
            "`practice.controls['optimizer'].value = 'adam'`, "
            "`practice.controls['learning_rate'].value = 1.0`, then Train: the test accuracy "
            "stays near 10% (one digit predicted for every image) and the loss flat near 14. "
            "A learning rate of 0 is refused before training: it would change nothing.",
            "`practice.controls['optimizer'].value = 'adam'`、"
            "`practice.controls['learning_rate'].value = 1.0`，然后按“训练”按钮：测试准确率停在 "
            "10% 左右（每张图像都被预测成同一个数字），损失平平地停在 14 附近。学习率为 0 会在"
            "训练前就被拒绝：它什么也不会改变。",
        )


class StopEarly(Exercise):
    title = Words(
        "stop when the validation loss starts to rise",
        "在验证损失开始上升时停止训练",
    )
    asks_for = Words(
        "the TrainingDashboard, after pressing Stop during a run",
        "在训练过程中按过“停止”按钮的 TrainingDashboard",
    )
    hints = (
        Words(
            "Set epochs to 20 and press Train; watch the validation loss (orange). The green "
            "dashed line marks its best epoch so far: press Stop once the loss has risen after "
            "it.",
            "把 `epochs` 设为 20 并按“训练”按钮；观察验证损失（橙色）。绿色虚线标出目前为止最好的"
            "一轮：等损失在它之后回升了，就按“停止”按钮。",
        ),
        Words(
            "On the offline sample an epoch takes a fraction of a second. If the run ends before "
            "you can press Stop, set batch to 16 (slower epochs) or dropout to 0 (an earlier "
            "rise).",
            "在离线样本上，一轮只要不到一秒。如果来不及按“停止”按钮，训练就结束了，可以把 `batch` "
            "设为 16（每轮更慢），或把 `dropout` 设为 0（损失更早回升）。",
        ),
    )

    def _check(self, answer, **more):
        result = _trained(answer, self.name)
        epochs = result["epochs_completed"]
        planned = result["trained_config"]["epochs"]
        if not result["stopped"]:
            raise NotYet(say(
                f"the last run trained all {planned} epochs it was given: press Stop while "
                "it trains (set epochs to 20 first).",
                f"上一次训练跑完了给定的全部 {planned} 轮：请在训练进行中按“停止”按钮"
                "（先把 `epochs` 设为 20）。",
            ))  # fmt: skip
        validation = result["history"].get("val_loss", [])
        if len(validation) < 2:
            raise NotYet(say(
                f"you stopped after {epochs} epoch{'' if epochs == 1 else 's'}: too soon to "
                "see the validation loss go up. Train again and wait for the rise.",
                f"你只训练了 {epochs} 轮就停下了：太早了，还看不到验证损失上升。"
                "再训练一次，等它回升。",
            ))  # fmt: skip
        best = int(np.argmin(validation))
        if best == len(validation) - 1:
            raise NotYet(say(
                f"you stopped after epoch {epochs}, and the validation loss was still at its "
                "lowest: wait until it has gone up from its minimum, then press Stop.",
                f"你在第 {epochs} 轮之后停下，而验证损失仍处在最低点：等它从最低点回升之后，"
                "再按“停止”按钮。",
            ))  # fmt: skip
        return say(
            f"The validation loss was lowest at epoch {best + 1} ({validation[best]:.3f}) and "
            f"{validation[-1]:.3f} when you stopped at epoch {epochs}: from there on the model "
            "learns the training images' details more than digits. `practice.model` keeps the "
            "last weights, not the best ones; Keras' "
            "`keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)` stops for "
            "you and puts the best weights back.",
            f"验证损失在第 {best + 1} 轮最低（{validation[best]:.3f}），你在第 {epochs} 轮停下"
            f"时是 {validation[-1]:.3f}：从那以后，模型学到的更多是训练图像的细节，而不是数字"
            "本身。`practice.model` 保留的是最后的权重，而不是最好的权重；Keras 的 "
            "`keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)` 会替你"
            "停止训练，并恢复最好的权重。",
        )

    def _solution(self):
        return say(
            "`practice.controls['epochs'].value = 20`, press Train, and press Stop once the "
            "orange validation loss has turned up (on the offline sample, after about 5 to 10 "
            "epochs). `practice.result['history']['val_loss']` then shows its minimum before "
            "the last epoch.",
            "`practice.controls['epochs'].value = 20`，按“训练”按钮，等橙色的验证损失掉头向上后"
            "按“停止”按钮（在离线样本上大约在第 5 到 10 轮之后）。这时 "
            "`practice.result['history']['val_loss']` 的最小值出现在最后一轮之前。",
        )


EXERCISES = [FirstFailingLine, CountByHand, SmallAndGood, AdamAtOne, StopEarly]
