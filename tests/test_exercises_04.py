"""Lesson 04's exercises: right answers pass, trivial and typical wrong ones do not."""

from tests.exercise_cases import exercise_test, right, wrong

CASES = {
    1: [
        right({"relu", "relu6", "threshold"}),
        right(["Relu", "relu6", "threshold"]),
        wrong({"relu"}, why="only the famous one"),
        wrong({"relu", "relu6"}, why="one missing"),
        wrong({"relu", "relu6", "threshold", "hard_sigmoid"}, why="flat only below -3"),
        wrong({"relu", "relu6", "threshold", "leaky_relu"}, why="a small slope below 0"),
        wrong(set(), why="empty"),
        wrong({"relu", "softmax"}, why="not offered"),
        wrong("relu", why="one name"),
    ],
    2: [
        right(0.19),
        right(0.192),
        wrong(0.2, why="the edge itself: it oscillates"),
        wrong(0.1, why="converges, but not the largest"),
        wrong(0.25, why="diverges"),
        wrong(1.0, why="the slider's end"),
        wrong(0.002, why="the playground's default"),
        wrong(-0.19, why="negative"),
    ],
    3: [
        right(("mean_squared_error", 4.0)),
        right(["Mean_Squared_Error", 3.98]),
        wrong(("mean_squared_error", 3.3), why="the lesson's strength 20"),
        wrong(("huber", 1.98), why="Huber resists the outlier"),
        wrong(("mean_absolute_error", 1.95), why="MAE resists the outlier"),
        wrong(("mean_squared_error", 2.0), why="the clean slope"),
        wrong("mean_squared_error", why="no slope"),
        wrong(("mse", 4.0), why="not a listed name"),
    ],
    4: [
        right(26),
        right(26.0),
        wrong(25, why="one short: 0.0113"),
        wrong(27, why="one too many"),
        wrong(25.6, why="not a whole number"),
        wrong(0, why="nothing done"),
        wrong(300, why="the ratio, not the steps"),
    ],
    5: [
        right(57.67),
        right(1.5**10),
        wrong(0.25**10, why="without the weights"),
        wrong(6**10, why="without the slope"),
        wrong(1.5, why="one layer"),
        wrong(15, why="added, not multiplied"),
        wrong(0, why="vanished"),
    ],
    6: [
        right("b"),
        right(" B "),
        wrong("a", why="learning rate"),
        wrong("c", why="more epochs"),
        wrong("d", why="another loss"),
        wrong("relu", why="not a letter"),
    ],
}

test_exercise = exercise_test(4, CASES)
