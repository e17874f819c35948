"""Lesson 07's exercises: right answers pass, trivial and typical wrong ones do not."""

import pandas as pd

from tests.exercise_cases import exercise_test, right, wrong

# A table as compare_backends() returns it (only the columns the check reads matter).
TABLE = pd.DataFrame(
    {
        "backend": ["jax", "torch", "tensorflow"],
        "import_s": [3.2, 5.5, 5.4],
        "first_epoch_s": [1.389, 0.149, 0.624],
        "epoch_s": [0.019, 0.146, 0.138],
        "test_accuracy": [0.861, 0.861, 0.854],
        "parameters": [101770, 101770, 101770],
    }
)
JAX_RATIO = 1.389 / 0.019  # 73.1
OFFLINE = {"mnist", "tinyshakespeare", "breast_cancer"}
EVERY = {"imagenet", "mnist", "imdb", "cifar10", "tinyshakespeare", "breast_cancer"}

CASES = {
    1: [
        right(round(JAX_RATIO, 1), table=TABLE),
        right(JAX_RATIO, table=TABLE),
        right(73.0, table=TABLE),
        wrong(round(JAX_RATIO, 1), why="no table"),
        wrong(None, table=TABLE, why="no answer, as the lesson leaves it"),
        wrong(0.019 / 1.389, table=TABLE, why="upside down"),
        wrong(0.149 / 0.146, table=TABLE, why="the torch row"),
        wrong(0.624 / 0.138, table=TABLE, why="the tensorflow row"),
        wrong(1.389, table=TABLE, why="the first epoch's time"),
        wrong(1.0, table=TABLE, why="no compiling at all"),
        wrong(TABLE, why="the table as the answer"),
        wrong(73.1, table=TABLE[TABLE["backend"] != "jax"], why="no jax row"),
        wrong(73.1, table={"backend": "jax"}, why="not a table"),
    ],
    2: [
        right(OFFLINE),
        right(sorted(OFFLINE)),
        right("MNIST, Tiny Shakespeare, breast cancer"),
        wrong({"mnist"}, why="the example in the comment"),
        wrong(EVERY, why="every dataset"),
        wrong(set(), why="none"),
        wrong(OFFLINE | {"imdb"}, why="imdb is downloaded"),
        wrong({"mnist", "tinyshakespeare"}, why="one missing"),
        wrong({"mnist", "imagenet", "breast_cancer"}, why="imagenet"),
        wrong({"mnist", "fashion_mnist"}, why="not in the list"),
        wrong(3, why="a number"),
    ],
    3: [
        right(203_530),
        right(203530.0),
        wrong(101_770, why="the 128-unit model"),
        wrong(784 * 256 + 256 * 10, why="no biases"),
        wrong(785 * 256 + 256 * 10, why="no output biases"),
        wrong(785 * 256, why="first layer only"),
        wrong(0, why="zero"),
    ],
    4: [
        right("jax"),
        right(" JAX "),
        wrong("torch", why="the variable set afterwards"),
        wrong("error", why="no error"),
        wrong("tensorflow", why="not offered"),
    ],
}

test_exercise = exercise_test(7, CASES)
