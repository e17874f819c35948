"""``PlaygroundSession``: one Playground run without a widget, against the core it calls.

References: ``playground_data`` (the points, the split, the features), ``playground_model``
(a Trainer built and trained by hand), and the model's own ``predict`` on the grid.
"""

from lmwidgets.core import playground_data as data
from lmwidgets.core import playground_model as network
from lmwidgets.core import playground_session
from lmwidgets.core.playground_session import DEFAULTS, PlaygroundSession

import numpy as np
import pytest

pytestmark = pytest.mark.backends
GRID = playground_session.GRID_RESOLUTION


def _session(dataset="circle", layers=(3,), **network_settings):
    session = PlaygroundSession()
    session.make_data(dataset=dataset, n_points=120, seed=1)
    session.make_network(layers=layers, **network_settings)
    return session


def test_the_module_imports_no_widgets_and_no_drawing():
    source = open(playground_session.__file__).read()
    for name in ("ipywidgets", "matplotlib", "lmwidgets.widgets"):
        assert name not in source


def test_make_data_is_the_data_module_step_by_step():
    session = PlaygroundSession()
    d = session.make_data(dataset="xor", n_points=200, noise=10, train_ratio=30, seed=4,
                          features=("x1", "x1*x2"))  # fmt: skip
    x, y = data.make_dataset("xor", 200, noise=10, seed=4)
    x_train, y_train, x_test, y_test = data.split(x, y, 30, seed=4)
    np.testing.assert_array_equal(d["points"][0], x_train)
    np.testing.assert_array_equal(d["points"][3], y_test)
    np.testing.assert_array_equal(
        d["features_train"], data.transform_features(x_train, ("x1", "x1*x2"))
    )
    xs, ys, grid = data.grid((-6, 6, -6, 6), GRID)
    np.testing.assert_array_equal(
        d["grid_features"], data.transform_features(grid, ("x1", "x1*x2"))
    )
    assert d["problem"] == "classification" and d["n_classes"] == 2 and len(x_test) == 140
    three = session.make_data(dataset="spiral", classes=3, n_points=90)
    assert three["n_classes"] == 3 and set(np.unique(three["points"][1])) == {0, 1, 2}
    assert session.make_data(dataset="plane", classes=3)["n_classes"] == 1  # values, not classes
    with pytest.raises(ValueError, match="n_points must be from 50 to 2000"):
        session.make_data(n_points=10)
    with pytest.raises(ValueError, match="Valid datasets: circle, xor"):
        session.make_data(dataset="moons")
    with pytest.raises(ValueError, match="at least one feature"):
        session.make_data(features=())


def test_new_features_alone_keep_the_points_and_anything_else_draws_new_ones():
    session = PlaygroundSession()
    first = session.make_data(dataset="xor", n_points=200, seed=4, features=("x1", "x2"))
    more = session.make_data(dataset="xor", n_points=200, seed=4, features=("x1", "x2", "x1^2"))
    assert more["points"] is first["points"]  # the picture of the points can stay too
    np.testing.assert_array_equal(
        more["features_train"], data.transform_features(first["points"][0], ("x1", "x2", "x1^2"))
    )
    for changed in ({"seed": 5}, {"noise": 10}, {"train_ratio": 30}, {"dataset": "circle"}):
        settings = {"dataset": "xor", "n_points": 200, "seed": 4, "noise": DEFAULTS["noise"],
                    "train_ratio": DEFAULTS["train_ratio"], **changed}  # fmt: skip
        again = session.make_data(**settings, features=("x1", "x2"))
        assert again["points"] is not first["points"], changed
        x, y = data.make_dataset(settings["dataset"], 200, settings["noise"], seed=settings["seed"])
        expected = data.split(x, y, settings["train_ratio"], seed=settings["seed"])
        np.testing.assert_array_equal(again["points"][0], expected[0])


def test_own_data_decides_problem_and_classes():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (40, 2))
    session = PlaygroundSession(data=(x, np.where(x[:, 0] > 0, 7, 9)))
    d = session.make_data(dataset="spiral", n_points=1000, classes=5)  # not used: your data
    assert d["problem"] == "classification" and d["n_classes"] == 2
    assert len(d["points"][0]) + len(d["points"][2]) == 40
    with pytest.raises(ValueError, match=r"data must be a pair \(X, y\)"):
        PlaygroundSession(data=x)


def test_a_trained_run_is_a_trainer_trained_by_hand():
    session = _session(optimizer="adam", learning_rate=0.1, batch_size=5)
    assert session.epoch == 0 and session.history["epoch"] == [0]
    assert session.step(4) == 4
    d = session.data
    model = network.build_model(2, (3,), "tanh", seed=1)
    trainer = network.Trainer(model, network.make_optimizer("adam", 0.1), batch_size=5, seed=1)
    trainer.set_data(d["features_train"], d["points"][1], d["features_test"], d["points"][3])
    losses = [trainer.evaluate()["test_loss"]]
    for _ in range(4):
        trainer.train_epoch()
        losses.append(trainer.evaluate()["test_loss"])
    np.testing.assert_allclose(session.history["test_loss"], losses, rtol=1e-5)
    assert session.history["epoch"] == [0, 1, 2, 3, 4]
    for ours, theirs in zip(session.model.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_step_evaluates_the_grid_once_at_the_end(monkeypatch):
    session = _session()
    grids = []
    evaluate = session.trainer.evaluate
    monkeypatch.setattr(
        session.trainer,
        "evaluate",
        lambda grid=None: grids.append(grid is not None) or evaluate(grid),
    )
    session.step(5)
    assert grids == [False, False, False, False, True]
    assert len(session.history["epoch"]) == 6


def test_snapshot_is_what_the_model_computes():
    session = _session(dataset="spiral", layers=(4, 2))
    session.step(3)
    result = session.snapshot()
    grid = np.stack(np.meshgrid(result["grid_x"], result["grid_y"]), -1).reshape(-1, 2)
    predicted = session.model.predict(grid, verbose=0).reshape(GRID, GRID)
    np.testing.assert_allclose(result["boundary"], predicted, rtol=1e-4, atol=1e-5)
    assert [n.shape for n in result["neurons"]] == [(GRID, GRID, 4), (GRID, GRID, 2)]
    assert result["feature_maps"].shape == (GRID, GRID, 2)
    assert result["n_parameters"] == session.model.count_params() == (3 * 4) + (5 * 2) + 3
    matrix = result["confusion_matrix"]
    np.testing.assert_allclose(result["confusion_fractions"].sum(axis=1), 1)
    assert matrix.sum() == 60 and result["epoch"] == 3 and not result["diverged"]
    result["history"]["epoch"].append(99)  # a copy: the session keeps its own
    assert session.history["epoch"] == [0, 1, 2, 3]


def test_going_back_to_a_network_compiles_nothing():
    session = _session(layers=(2,))
    first = session.trainer
    session.make_network(layers=(3,))
    session.make_network(layers=(2,))
    assert session.trainer is first and session.epoch == 0
    session.kept = 2
    session.make_network(layers=(4,))
    session.make_network(layers=(5,))  # three networks seen since (2,): (2,) is dropped
    session.make_network(layers=(2,))
    assert session.trainer is not first


def test_reset_and_a_new_seed_start_from_fresh_weights():
    session = _session()
    start = session.snapshot()["test_loss"]
    session.step(3)
    session.reset()
    assert session.epoch == 0 and session.history["epoch"] == [0]
    assert session.snapshot()["test_loss"] == pytest.approx(start, rel=1e-6)
    session.make_data(n_points=120, seed=2)
    session.make_network(layers=(3,))
    fresh = network.build_model(2, (3,), seed=2).get_weights()
    for now, then in zip(session.model.get_weights(), fresh, strict=True):
        np.testing.assert_array_equal(now, then)


def test_tune_changes_a_step_without_starting_again():
    session = _session()
    session.step(2)
    session.tune(learning_rate=0.3, batch_size=7)
    assert session.trainer.learning_rate == pytest.approx(0.3) and session.trainer.batch_size == 7
    assert session.epoch == 2


def test_divergence_stops_keeps_the_weights_and_advises():
    session = PlaygroundSession()
    session.make_data(dataset="plane", n_points=100)
    session.make_network(layers=(4,), activations="linear", learning_rate=10.0,
                         regularization="l2", regularization_rate=0.1)  # fmt: skip
    before = session.model.get_weights()
    assert session.step(5) == 0
    assert session.diverged["epoch"] == 1 and not np.isfinite(session.diverged["loss"])
    assert "regularization_rate" in session.advice and "learning_rate = 10" in session.advice
    assert session.snapshot()["diverged"] and session.epoch == 0
    for now, then in zip(session.model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(now, then)
    session.forget_divergence()
    assert session.diverged is None and session.advice == ""


def test_defaults_and_losses_per_problem():
    assert DEFAULTS["dataset"] in data.DATASETS and DEFAULTS["layers"] == (4, 2)
    for problem, dataset in playground_session.DEFAULT_DATASET.items():
        assert data.problem_of(dataset) == problem
        assert playground_session.DEFAULT_LOSS[problem] in playground_session.LOSSES_FOR[problem]
    assert "cross_entropy" not in playground_session.LOSSES_FOR["regression"]
    session = PlaygroundSession()
    session.make_data(dataset="plane", n_points=60)
    session.make_network(layers=(2,))
    assert session.network["loss"] == "mse"
    with pytest.raises(ValueError, match="Valid regression losses: mse, mae"):
        session.make_network(layers=(2,), loss="cross_entropy")


def test_nothing_to_train_says_what_to_call_first():
    session = PlaygroundSession()
    with pytest.raises(ValueError, match="call make_data first"):
        session.make_network()
    with pytest.raises(ValueError, match="call make_data, then make_network"):
        session.step()
    session = _session()
    for n in (0, 1.5, True):
        with pytest.raises(ValueError, match="n must be a whole number >= 1"):
            session.step(n)


def test_a_long_run_keeps_a_bounded_history_with_its_first_and_last_epoch(monkeypatch):
    monkeypatch.setattr(playground_session, "HISTORY_POINTS", 8)
    session = _session()
    session.step(30)
    epochs = session.history["epoch"]
    assert len(epochs) <= 8 and epochs[0] == 0 and epochs[-1] == 30
    assert epochs == sorted(epochs)
    assert len(session.history["test_loss"]) == len(epochs)
    assert session.snapshot()["history"] == session.history


def test_a_new_weight_penalty_goes_on_training_from_the_same_weights():
    session = _session(optimizer="adam", learning_rate=0.01)
    session.step(3)
    weights = [w.copy() for w in session.model.get_weights()]
    history = dict(session.history)
    session.make_network(layers=(3,), optimizer="adam", learning_rate=0.01, regularization="l2",
                         regularization_rate=0.1, keep_training=True)  # fmt: skip
    assert session.epoch == 3 and session.history["epoch"] == history["epoch"]
    assert session.model.losses, "the new network has the penalty"
    for before, now in zip(weights, session.model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, now)
    assert int(session.trainer.optimizer.iterations.numpy()) > 0, "Adam's moments went along"
    session.step(2)
    assert session.epoch == 5 and session.history["epoch"][-1] == 5
    # Against the same run continued without the penalty: the penalty shrinks the kernels.
    plain = _session(optimizer="adam", learning_rate=0.01)
    plain.step(5)
    shrunk = np.abs(session.model.get_weights()[0]).sum()
    assert shrunk < np.abs(plain.model.get_weights()[0]).sum()
    with pytest.raises(ValueError, match="only with a new weight penalty"):
        session.make_network(layers=(5,), optimizer="adam", keep_training=True)


def test_keep_network_refuses_data_the_network_cannot_take():
    session = _session()
    session.make_data(dataset="circle", n_points=120, seed=1, features=("x1", "x2", "x1^2"))
    with pytest.raises(ValueError, match=r"call make_network instead"):
        session.keep_network()


def test_a_schedule_sets_each_epochs_rate_as_the_keras_schedule_counted_in_epochs():
    import keras

    cosine = keras.optimizers.schedules.CosineDecay(0.03, 10)
    rates = playground_session.epoch_learning_rates("cosine_decay", 0.03, 10, 12)
    np.testing.assert_allclose(rates, [float(cosine(k)) for k in range(12)], rtol=1e-5, atol=1e-9)
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, 5, 0.5)
    np.testing.assert_allclose(
        playground_session.epoch_learning_rates("exponential_decay", 0.1, 5, 3),
        [float(decay(k)) for k in range(3)], rtol=1e-6,
    )  # fmt: skip
    assert (playground_session.epoch_learning_rates("constant", 0.3, 5, 4) == 0.3).all()

    scheduled = _session(optimizer="sgd", learning_rate=0.03)
    scheduled.tune(schedule="cosine_decay", decay_epochs=10)
    scheduled.step(4)
    by_hand = _session(optimizer="sgd", learning_rate=0.03)
    for epoch in range(4):  # the same trainer, its rate set by hand before each epoch
        by_hand.trainer.learning_rate = float(cosine(epoch))
        by_hand.trainer.train_epoch()
    for ours, theirs in zip(scheduled.model.get_weights(), by_hand.model.get_weights(),
                            strict=True):  # fmt: skip
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert scheduled.snapshot()["learning_rate_now"] == pytest.approx(float(cosine(4)))
    scheduled.tune(schedule="constant")
    assert scheduled.trainer.learning_rate == pytest.approx(0.03), "back to the chosen rate"
    with pytest.raises(ValueError, match="Valid schedules: constant, exponential_decay"):
        scheduled.tune(schedule="piecewise_constant_decay")
    with pytest.raises(ValueError, match="decay_epochs"):
        scheduled.tune(schedule="cosine_decay", decay_epochs=0)
