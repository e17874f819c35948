"""Lesson 07 · Tools and resources: the backend comparison, the datasets, a parameter count."""

import contextlib
import io
from functools import lru_cache

from lmwidgets import datasets
from lmwidgets.core import training
from lmwidgets.exercises.exercise import (
    ChoiceExercise,
    Exercise,
    NotYet,
    NumberExercise,
    as_number,
    close,
)
from lmwidgets.language import Words, say

# ---------------------------------------------------------------------------------------
# Exercise 1: JAX's first epoch against its later ones, read from compare_backends' table.

TABLE_COLUMNS = ("backend", "first_epoch_s", "epoch_s")


def _rows(table):
    """``{backend: (first_epoch_s, epoch_s)}`` from a compare_backends table, or NotYet."""
    columns = getattr(table, "columns", None)
    if columns is None or not set(TABLE_COLUMNS) <= set(columns):
        raise NotYet(say(
            "pass the table too: `ex.q1.check(my_compile_ratio, table=table)`, where `table` "
            "is what `lmwidgets.compare_backends()` returned. Received: "
            f"table={type(table).__name__}.",
            "请把表格也传进来：`ex.q1.check(my_compile_ratio, table=table)`，其中 `table` "
            "是 `lmwidgets.compare_backends()` 返回的结果。收到的是："
            f"table={type(table).__name__}。",
        ))  # fmt: skip
    rows = {}
    for backend, first, later in zip(
        table["backend"], table["first_epoch_s"], table["epoch_s"], strict=True
    ):
        rows[str(backend)] = (float(first), float(later))
    return rows


class CompileRatio(Exercise):
    title = Words(
        "how much longer JAX's first epoch took than its later ones",
        "JAX 第一个迭代周期的用时是之后各周期的多少倍",
    )
    asks_for = Words(
        "a number, and the table as `table=table`", "一个数，并以 `table=table` 传入表格"
    )
    hints = (
        Words(
            "Find the jax row of `table`; divide its first_epoch_s by its epoch_s.",
            "在 `table` 中找到 jax 那一行；用它的 first_epoch_s 除以它的 epoch_s。",
        ),
        Words(
            "In code: `row = table.set_index('backend').loc['jax']`, then "
            "`row['first_epoch_s'] / row['epoch_s']`. Round to one decimal.",
            "写成代码：`row = table.set_index('backend').loc['jax']`，然后算 "
            "`row['first_epoch_s'] / row['epoch_s']`。保留一位小数。",
        ),
    )

    @staticmethod
    def _close(value, expected):
        # "to one decimal": 0.05 either way, or 1% where the ratio is large
        return close(value, expected, 0.051, absolute=True) or close(value, expected, 0.01)

    def _check(self, answer, table=None, **more):
        if answer is None:
            raise NotYet(say(
                "no answer yet. Expected a number, as "
                "`ex.q1.check(my_compile_ratio, table=table)`; `ex.q1.hint()` gives a hint.",
                "还没有答案。需要一个数，写作 `ex.q1.check(my_compile_ratio, table=table)`；"
                "`ex.q1.hint()` 给出提示。",
            ))  # fmt: skip
        if hasattr(answer, "columns"):
            raise NotYet(say(
                "give the ratio as a number and the table as `table=`: "
                "`ex.q1.check(my_compile_ratio, table=table)`.",
                "请把比值作为一个数给出，把表格作为 `table=` 传入："
                "`ex.q1.check(my_compile_ratio, table=table)`。",
            ))  # fmt: skip
        value = as_number(answer)
        rows = _rows(table)
        if "jax" not in rows:
            raise NotYet(say(
                f"this table has no jax row (backends: {', '.join(rows)}).",
                f"这个表格没有 jax 那一行（后端：{', '.join(rows)}）。",
            ))  # fmt: skip
        first, later = rows["jax"]
        expected = first / later
        if self._close(value, expected):
            return say(
                f"{first:.3f} s / {later:.3f} s = {expected:.1f}: JAX's first epoch traces the "
                "training step and compiles it with XLA; the later epochs reuse the compiled "
                "step, so the compiling is paid once.",
                f"{first:.3f} s / {later:.3f} s = {expected:.1f}：JAX 在第一个迭代周期里追踪"
                "训练步骤，并用 XLA 把它编译好；之后的迭代周期复用编译好的步骤，"
                "所以编译的代价只付一次。",
            )
        if self._close(value, later / first):
            raise NotYet(say(
                f"{value:g} is the ratio upside down: first_epoch_s / epoch_s.",
                f"{value:g} 把比值倒过来了：应该是 first_epoch_s / epoch_s。",
            ))  # fmt: skip
        for backend, (other_first, other_later) in rows.items():
            if backend != "jax" and self._close(value, other_first / other_later):
                raise NotYet(say(
                    f"{value:g} is the {backend} row's ratio; use the jax row.",
                    f"{value:g} 是 {backend} 那一行的比值；请用 jax 那一行。",
                ))  # fmt: skip
        if self._close(value, first) or self._close(value, later):
            raise NotYet(say(
                f"{value:g} is one of the two times; divide the first by the other.",
                f"{value:g} 是两个时间中的一个；请用第一个除以另一个。",
            ))  # fmt: skip
        raise NotYet(say(
            f"{value:g} is not the jax row's first_epoch_s / epoch_s for this table. "
            "Try `ex.q1.hint()`.",
            f"{value:g} 不是这个表格中 jax 那一行的 first_epoch_s / epoch_s。"
            "试试 `ex.q1.hint()`。",
        ))  # fmt: skip

    def _solution(self):
        return say(
            "`row = table.set_index('backend').loc['jax']` and "
            "`row['first_epoch_s'] / row['epoch_s']`, then "
            "`ex.q1.check(round(ratio, 1), table=table)`. The number depends on the machine: "
            "it is your table that decides.",
            "`row = table.set_index('backend').loc['jax']`，再算 "
            "`row['first_epoch_s'] / row['epoch_s']`，然后 "
            "`ex.q1.check(round(ratio, 1), table=table)`。这个数取决于机器："
            "以你自己的表格为准。",
        )


# ---------------------------------------------------------------------------------------
# Exercise 2: which datasets load with no network.

DATASETS = ("imagenet", "mnist", "imdb", "cifar10", "tinyshakespeare", "breast_cancer")
ALIASES = {
    "tiny_shakespeare": "tinyshakespeare",
    "cifar_10": "cifar10",
    "breastcancer": "breast_cancer",
    "wisconsin_breast_cancer": "breast_cancer",
}
NEEDS_NETWORK = {
    "imagenet": Words(
        "ImageNet (about 150 GB) needs registering and a download; nothing loads it here",
        "ImageNet（约 150 GB）需要注册并下载；这里没有任何代码能加载它",
    ),
    "imdb": Words(
        "IMDb reviews are downloaded by `keras.datasets.imdb.load_data()`",
        "IMDb 影评由 `keras.datasets.imdb.load_data()` 下载",
    ),
    "cifar10": Words(
        "CIFAR-10 is downloaded by `keras.datasets.cifar10.load_data()`",
        "CIFAR-10 由 `keras.datasets.cifar10.load_data()` 下载",
    ),
}


def _load_breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer()


# What the course can load from files installed with it (no network).
OFFLINE_LOADERS = {
    "mnist": lambda: datasets.load_mnist("offline"),
    "tinyshakespeare": lambda: datasets.load_text("tinyshakespeare"),
    "breast_cancer": _load_breast_cancer,
}


@lru_cache(maxsize=1)
def offline_datasets():
    """The datasets whose loader runs from installed files (tried, quietly)."""
    loaded = set()
    for name, load in OFFLINE_LOADERS.items():
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                load()
        except Exception:  # a missing file or package: not available offline
            continue
        loaded.add(name)
    return frozenset(loaded)


def _names(answer):
    if isinstance(answer, str):
        items = answer.replace(";", ",").split(",")
    elif isinstance(answer, set | frozenset | list | tuple):
        items = list(answer)
    else:
        raise NotYet(say(
            f"expected a set of dataset names. Received: {type(answer).__name__}.",
            f"需要一组数据集名称。收到的是：{type(answer).__name__}。",
        ))  # fmt: skip
    names = set()
    for item in items:
        if not isinstance(item, str):
            raise NotYet(say(
                f"expected dataset names as text. Received: {item!r}.",
                f"数据集名称应当是文本。收到的是：{item!r}。",
            ))  # fmt: skip
        key = item.strip().lower().replace(" ", "_").replace("-", "_")
        if not key:
            continue
        key = ALIASES.get(key, key)
        if key not in DATASETS:
            raise NotYet(say(
                f"{item!r} is not one of the names: {', '.join(DATASETS)}.",
                f"{item!r} 不在这些名称之中：{', '.join(DATASETS)}。",
            ))  # fmt: skip
        names.add(key)
    return names


class OfflineDatasets(Exercise):
    title = Words("the datasets this course loads with no network", "本课程不联网就能加载的数据集")
    asks_for = Words("a set of names, such as {'mnist'}", "一组名称，例如 {'mnist'}")
    hints = (
        Words(
            "The last column of the datasets table says, for each, whether it ships with the "
            "course (or with a package it installs) or must be downloaded.",
            "数据集表格的最后一列说明了每个数据集是随课程（或随课程安装的某个包）一起提供，"
            "还是必须下载。",
        ),
        Words(
            "Three ship: the digits of lesson 05, the text of lesson 06's character model and "
            "lesson 06's medical data.",
            "有三个是随附的：第 05 课的手写数字、第 06 课字符模型用的文本，"
            "以及第 06 课的医学数据。",
        ),
    )

    def _check(self, answer, **more):
        names = _names(answer)
        expected = offline_datasets()
        if names == set(DATASETS):
            raise NotYet(say(
                "that is every dataset in the list; some of them need a download.",
                "这是列表中的全部数据集；其中有些需要下载。",
            ))  # fmt: skip
        extra = sorted(names - expected)
        if extra:
            reasons = [
                str(NEEDS_NETWORK.get(name, say(f"{name} needs a download", f"{name} 需要下载")))
                for name in extra
            ]
            raise NotYet(say("; ".join(reasons) + ".", "；".join(reasons) + "。"))
        missing = expected - names
        if missing:
            raise NotYet(say(
                f"{len(names)} of {len(expected)}: {len(missing)} more load offline. Look at the "
                "last column of the datasets table.",
                f"{len(expected)} 个中答对了 {len(names)} 个：还有 {len(missing)} 个可以离线加载。"
                "请看数据集表格的最后一列。",
            ))  # fmt: skip
        return self._explain(expected)

    @staticmethod
    def _explain(expected):
        return say(
            f"{len(expected)} of the 6 load offline: the 10,000 real MNIST test digits and Tiny "
            "Shakespeare ship inside lmwidgets, the breast-cancer data inside scikit-learn. "
            "ImageNet, IMDb and CIFAR-10 must be downloaded.",
            f"6 个中有 {len(expected)} 个可以离线加载：MNIST 的 10,000 张真实测试数字和 Tiny "
            "Shakespeare 随 lmwidgets 一起提供，乳腺癌数据随 scikit-learn 一起提供。"
            "ImageNet、IMDb 和 CIFAR-10 必须下载。",
        )

    def _solution(self):
        expected = offline_datasets()
        names = ", ".join(repr(name) for name in sorted(expected))
        return say(f"`{{{names}}}`. ", f"`{{{names}}}`。") + self._explain(expected)


# ---------------------------------------------------------------------------------------
# Exercise 3: the MLP's parameters with 256 hidden units, by hand.

UNITS = 256


@lru_cache(maxsize=1)
def _mlp_parameters(units):
    config = training.MLPConfig(units=units, dropout=0.0)
    return int(training.build_mlp(config).count_params())


class WiderMLP(NumberExercise):
    title = Words("parameters of a 784-256-10 MLP, by hand", "手算 784-256-10 MLP 的参数量")
    tolerance = 0.5
    absolute = True
    hints = (
        Words(
            "A Dense layer from n inputs to m units has n x m weights and m biases.",
            "一个从 n 个输入到 m 个单元的 Dense 层有 n x m 个权重和 m 个偏置。",
        ),
        Words(
            "Two Dense layers: 784 -> 256, then 256 -> 10. Add both counts.",
            "两个 Dense 层：784 -> 256，然后 256 -> 10。把两层的参数量相加。",
        ),
    )

    def _expected(self):
        return _mlp_parameters(UNITS)

    def _explain(self, expected):
        return say(
            f"(784 + 1) x {UNITS} + ({UNITS} + 1) x 10 = {expected:,.0f} (Keras' "
            "`count_params()` agrees): twice the hidden units, about twice the parameters, "
            "since the first layer holds almost all of them.",
            f"(784 + 1) x {UNITS} + ({UNITS} + 1) x 10 = {expected:,.0f}（与 Keras 的 "
            "`count_params()` 一致）：隐藏单元翻倍，参数量也大约翻倍，"
            "因为几乎所有参数都在第一层。",
        )

    def _not_yet(self, value, expected):
        if value == _mlp_parameters(128):
            return say(
                f"{value:,.0f} is the 128-unit model of the table; this one has {UNITS}.",
                f"{value:,.0f} 是表格中 128 个单元的模型；这一题是 {UNITS} 个。",
            )
        if value == 784 * UNITS + UNITS * 10:
            return say(
                f"{value:,.0f} counts the weights only: every unit also has a bias.",
                f"{value:,.0f} 只数了权重：每个单元还有一个偏置。",
            )
        if value == 785 * UNITS + UNITS * 10:
            return say(
                f"{value:,.0f} leaves out the 10 biases of the output layer.",
                f"{value:,.0f} 漏掉了输出层的 10 个偏置。",
            )
        if value in (785 * UNITS, 784 * UNITS):
            return say(
                f"{value:,.0f} is the first layer only; add the output layer (256 -> 10).",
                f"{value:,.0f} 只是第一层；还要加上输出层（256 -> 10）。",
            )
        return super()._not_yet(value, expected)


# ---------------------------------------------------------------------------------------
# Exercise 4: the backend is fixed at keras' first import.


class BackendAfterReimport(ChoiceExercise):
    title = Words(
        "the backend after changing KERAS_BACKEND in a running kernel",
        "在运行中的内核里修改 KERAS_BACKEND 之后所用的后端",
    )
    choices = ("jax", "torch", "error")
    hints = (
        Words(
            "When does Keras read `KERAS_BACKEND`? Reread the first lines of section 1.",
            "Keras 在什么时候读取 `KERAS_BACKEND`？重读第 1 节开头的几行。",
        ),
        Words(
            "A second `import keras` in the same process finds the module already loaded "
            "(`sys.modules`) and does not run Keras' start-up again.",
            "在同一个进程里再次 `import keras`，会发现模块已经加载（`sys.modules`），"
            "不会再执行一遍 Keras 的启动过程。",
        ),
    )
    why_not = {
        "torch": Words(
            "the variable is read once, when keras is first imported; the second import "
            "returns the module already loaded, still on JAX.",
            "这个变量只在第一次导入 keras 时读取一次；第二次导入返回的是已经加载的模块，"
            "仍然在 JAX 上。",
        ),
        "error": Words(
            "Python raises nothing: importing a module already loaded simply returns it.",
            "Python 不会报错：导入一个已经加载的模块，只是把它返回而已。",
        ),
    }

    def _expected(self):
        # Keras fixes its backend at the first import of the process.
        return "jax"

    def _explain(self, expected):
        return say(
            "It trains on jax: Keras read KERAS_BACKEND at its first import, and "
            "`import keras` again returns the module already loaded. To switch: set the "
            "variable, then restart the kernel (or start a new process, as "
            "`compare_backends()` does for each row).",
            "它在 jax 上训练：Keras 在第一次导入时就读取了 KERAS_BACKEND，再次 "
            "`import keras` 返回的是已经加载的模块。要切换后端：先设置这个变量，再重启内核"
            "（或者启动一个新进程，就像 `compare_backends()` 为每一行所做的那样）。",
        )


EXERCISES = [CompileRatio, OfflineDatasets, WiderMLP, BackendAfterReimport]
