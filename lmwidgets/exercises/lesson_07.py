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

# ---------------------------------------------------------------------------------------
# Exercise 1: JAX's first epoch against its later ones, read from compare_backends' table.

TABLE_COLUMNS = ("backend", "first_epoch_s", "epoch_s")


def _rows(table):
    """``{backend: (first_epoch_s, epoch_s)}`` from a compare_backends table, or NotYet."""
    columns = getattr(table, "columns", None)
    if columns is None or not set(TABLE_COLUMNS) <= set(columns):
        raise NotYet(
            "pass the table too: `ex.q1.check(my_compile_ratio, table=table)`, where `table` "
            "is what `lmwidgets.compare_backends()` returned. Received: "
            f"table={type(table).__name__}."
        )
    rows = {}
    for backend, first, later in zip(
        table["backend"], table["first_epoch_s"], table["epoch_s"], strict=True
    ):
        rows[str(backend)] = (float(first), float(later))
    return rows


class CompileRatio(Exercise):
    title = "how much longer JAX's first epoch took than its later ones"
    asks_for = "a number, and the table as `table=table`"
    hints = (
        "Find the jax row of `table`; divide its first_epoch_s by its epoch_s.",
        "In code: `row = table.set_index('backend').loc['jax']`, then "
        "`row['first_epoch_s'] / row['epoch_s']`. Round to one decimal.",
    )

    @staticmethod
    def _close(value, expected):
        # "to one decimal": 0.05 either way, or 1% where the ratio is large
        return close(value, expected, 0.051, absolute=True) or close(value, expected, 0.01)

    def _check(self, answer, table=None, **more):
        if answer is None:
            raise NotYet(
                "no answer yet. Expected a number, as "
                "`ex.q1.check(my_compile_ratio, table=table)`; `ex.q1.hint()` gives a hint."
            )
        if hasattr(answer, "columns"):
            raise NotYet(
                "give the ratio as a number and the table as `table=`: "
                "`ex.q1.check(my_compile_ratio, table=table)`."
            )
        value = as_number(answer)
        rows = _rows(table)
        if "jax" not in rows:
            raise NotYet(f"this table has no jax row (backends: {', '.join(rows)}).")
        first, later = rows["jax"]
        expected = first / later
        if self._close(value, expected):
            return (
                f"{first:.3f} s / {later:.3f} s = {expected:.1f}: JAX's first epoch traces the "
                "training step and compiles it with XLA; the later epochs reuse the compiled "
                "step, so the compiling is paid once."
            )
        if self._close(value, later / first):
            raise NotYet(f"{value:g} is the ratio upside down: first_epoch_s / epoch_s.")
        for backend, (other_first, other_later) in rows.items():
            if backend != "jax" and self._close(value, other_first / other_later):
                raise NotYet(f"{value:g} is the {backend} row's ratio; use the jax row.")
        if self._close(value, first) or self._close(value, later):
            raise NotYet(f"{value:g} is one of the two times; divide the first by the other.")
        raise NotYet(
            f"{value:g} is not the jax row's first_epoch_s / epoch_s for this table. "
            "Try `ex.q1.hint()`."
        )

    def _solution(self):
        return (
            "`row = table.set_index('backend').loc['jax']` and "
            "`row['first_epoch_s'] / row['epoch_s']`, then "
            "`ex.q1.check(round(ratio, 1), table=table)`. The number depends on the machine: "
            "it is your table that decides."
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
    "imagenet": "ImageNet (about 150 GB) needs registering and a download; nothing loads it here",
    "imdb": "IMDb reviews are downloaded by `keras.datasets.imdb.load_data()`",
    "cifar10": "CIFAR-10 is downloaded by `keras.datasets.cifar10.load_data()`",
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
        raise NotYet(f"expected a set of dataset names. Received: {type(answer).__name__}.")
    names = set()
    for item in items:
        if not isinstance(item, str):
            raise NotYet(f"expected dataset names as text. Received: {item!r}.")
        key = item.strip().lower().replace(" ", "_").replace("-", "_")
        if not key:
            continue
        key = ALIASES.get(key, key)
        if key not in DATASETS:
            raise NotYet(f"{item!r} is not one of the names: {', '.join(DATASETS)}.")
        names.add(key)
    return names


class OfflineDatasets(Exercise):
    title = "the datasets this course loads with no network"
    asks_for = "a set of names, such as {'mnist'}"
    hints = (
        "The last column of the datasets table says, for each, whether it ships with the "
        "course (or with a package it installs) or must be downloaded.",
        "Three ship: the digits of lesson 05, the text of lesson 06's character model and "
        "lesson 06's medical data.",
    )

    def _check(self, answer, **more):
        names = _names(answer)
        expected = offline_datasets()
        if names == set(DATASETS):
            raise NotYet("that is every dataset in the list; some of them need a download.")
        extra = sorted(names - expected)
        if extra:
            raise NotYet(
                "; ".join(NEEDS_NETWORK.get(name, f"{name} needs a download") for name in extra)
                + "."
            )
        missing = expected - names
        if missing:
            raise NotYet(
                f"{len(names)} of {len(expected)}: {len(missing)} more load offline. Look at the "
                "last column of the datasets table."
            )
        return self._explain(expected)

    @staticmethod
    def _explain(expected):
        return (
            f"{len(expected)} of the 6 load offline: the 10,000 real MNIST test digits and Tiny "
            "Shakespeare ship inside lmwidgets, the breast-cancer data inside scikit-learn. "
            "ImageNet, IMDb and CIFAR-10 must be downloaded."
        )

    def _solution(self):
        expected = offline_datasets()
        names = ", ".join(repr(name) for name in sorted(expected))
        return f"`{{{names}}}`. " + self._explain(expected)


# ---------------------------------------------------------------------------------------
# Exercise 3: the MLP's parameters with 256 hidden units, by hand.

UNITS = 256


@lru_cache(maxsize=1)
def _mlp_parameters(units):
    config = training.MLPConfig(units=units, dropout=0.0)
    return int(training.build_mlp(config).count_params())


class WiderMLP(NumberExercise):
    title = "parameters of a 784-256-10 MLP, by hand"
    tolerance = 0.5
    absolute = True
    hints = (
        "A Dense layer from n inputs to m units has n x m weights and m biases.",
        "Two Dense layers: 784 -> 256, then 256 -> 10. Add both counts.",
    )

    def _expected(self):
        return _mlp_parameters(UNITS)

    def _explain(self, expected):
        return (
            f"(784 + 1) x {UNITS} + ({UNITS} + 1) x 10 = {expected:,.0f} (Keras' "
            "`count_params()` agrees): twice the hidden units, about twice the parameters, "
            "since the first layer holds almost all of them."
        )

    def _not_yet(self, value, expected):
        if value == _mlp_parameters(128):
            return f"{value:,.0f} is the 128-unit model of the table; this one has {UNITS}."
        if value == 784 * UNITS + UNITS * 10:
            return f"{value:,.0f} counts the weights only: every unit also has a bias."
        if value == 785 * UNITS + UNITS * 10:
            return f"{value:,.0f} leaves out the 10 biases of the output layer."
        if value in (785 * UNITS, 784 * UNITS):
            return f"{value:,.0f} is the first layer only; add the output layer (256 -> 10)."
        return super()._not_yet(value, expected)


# ---------------------------------------------------------------------------------------
# Exercise 4: the backend is fixed at keras' first import.


class BackendAfterReimport(ChoiceExercise):
    title = "the backend after changing KERAS_BACKEND in a running kernel"
    choices = ("jax", "torch", "error")
    hints = (
        "When does Keras read `KERAS_BACKEND`? Reread the first lines of section 1.",
        "A second `import keras` in the same process finds the module already loaded "
        "(`sys.modules`) and does not run Keras' start-up again.",
    )
    why_not = {
        "torch": "the variable is read once, when keras is first imported; the second import "
        "returns the module already loaded, still on JAX.",
        "error": "Python raises nothing: importing a module already loaded simply returns it.",
    }

    def _expected(self):
        # Keras fixes its backend at the first import of the process.
        return "jax"

    def _explain(self, expected):
        return (
            "It trains on jax: Keras read KERAS_BACKEND at its first import, and "
            "`import keras` again returns the module already loaded. To switch: set the "
            "variable, then restart the kernel (or start a new process, as "
            "`compare_backends()` does for each row)."
        )


EXERCISES = [CompileRatio, OfflineDatasets, WiderMLP, BackendAfterReimport]
