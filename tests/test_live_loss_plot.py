"""LiveLossPlot as a Keras callback, on whichever backend runs the tests."""

import lmwidgets

import keras
import numpy as np
import pytest

pytestmark = pytest.mark.backends


def _tiny_problem(n=96, seed=0, metrics=("accuracy",)):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=list(metrics),
    )
    return model, x, y


def test_history_and_curves_match_keras_history():
    model, x, y = _tiny_problem()
    plot = lmwidgets.LiveLossPlot(show=False)
    history = model.fit(
        x, y, epochs=3, batch_size=16, validation_split=0.25, callbacks=[plot], verbose=0
    )
    assert set(plot.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for name, values in history.history.items():
        assert plot.history[name] == pytest.approx(values)
    assert plot.metric_names() == ["loss", "accuracy"]
    plot.flush()  # rendering happens in a helper thread
    # one panel per metric, train and validation lines holding the history
    loss_axes = plot.figure.axes[0]
    train_line, val_line = loss_axes.lines[:2]
    assert list(train_line.get_xdata()) == [1, 2, 3]
    assert list(train_line.get_ydata()) == pytest.approx(plot.history["loss"])
    assert list(val_line.get_ydata()) == pytest.approx(plot.history["val_loss"])
    assert plot.best_epoch == int(np.argmin(history.history["val_loss"])) + 1
    assert plot.batches_seen == 3 * 5  # 72 training samples in batches of 16
    assert plot.progress.value == plot.progress.max
    assert plot.status.value.startswith("done: 3 epochs")
    assert plot.image.value[:4] == b"\x89PNG"


def test_the_last_epoch_is_drawn_even_when_redraws_are_throttled():
    model, x, y = _tiny_problem()
    plot = lmwidgets.LiveLossPlot(show=False, min_interval=3600)
    model.fit(x, y, epochs=4, batch_size=32, callbacks=[plot], verbose=0)
    plot.flush()
    assert len(plot.figure.axes[0].lines[0].get_xdata()) == 4


def test_history_is_kept_when_training_is_interrupted():
    model, x, y = _tiny_problem()
    plot = lmwidgets.LiveLossPlot(show=False)

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=5, batch_size=32, callbacks=[plot, Interrupt()], verbose=0)
    assert len(plot.history["loss"]) == 2
    plot.draw()
    assert len(plot.figure.axes[0].lines[0].get_xdata()) == 2


def test_history_accumulates_over_fits_until_reset():
    model, x, y = _tiny_problem()
    plot = lmwidgets.LiveLossPlot(show=False)
    model.fit(x, y, epochs=1, batch_size=32, callbacks=[plot], verbose=0)
    model.fit(x, y, epochs=2, batch_size=32, callbacks=[plot], verbose=0)
    assert len(plot.history["loss"]) == 3
    plot.reset()
    assert plot.history == {}
    assert all(len(line.get_xdata()) == 0 for ax in plot.figure.axes for line in ax.lines[:2])


def test_display_has_a_stable_text_form():
    plot = lmwidgets.LiveLossPlot(show=False)
    bundle = plot._repr_mimebundle_()
    assert bundle["text/plain"].startswith("LiveLossPlot(")
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_bad_throttle_arguments_are_rejected():
    with pytest.raises(ValueError, match="max_overhead"):
        lmwidgets.LiveLossPlot(max_overhead=0)


def test_panels_follow_the_compiled_metrics():
    model, x, y = _tiny_problem(metrics=())
    plot = lmwidgets.LiveLossPlot(show=False)
    model.fit(x, y, epochs=1, batch_size=32, callbacks=[plot], verbose=0)
    plot.flush()
    assert [ax.get_title() for ax in plot.figure.axes] == ["loss"]


def test_a_nan_loss_stops_fit_keeps_the_last_finite_weights_and_says_so():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = 1e3 * x.sum(axis=1, keepdims=True)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")

    class Weights(keras.callbacks.Callback):  # listed first: sees each epoch's own weights
        def on_train_begin(self, logs=None):
            self.after_epoch = []

        def on_epoch_end(self, epoch, logs=None):
            self.after_epoch.append(self.model.get_weights())

    weights, plot = Weights(), lmwidgets.LiveLossPlot(show=False)
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[weights, plot])
    diverged_at = plot.diverged["epoch"]
    assert len(history.history["loss"]) == diverged_at < 10  # it stopped fit
    assert not np.isfinite(plot.diverged["loss"])
    assert np.isfinite(history.history["loss"][diverged_at - 2])
    for kept, good in zip(model.get_weights(), weights.after_epoch[diverged_at - 2], strict=True):
        np.testing.assert_array_equal(kept, good)
    assert f"Training stopped at epoch {diverged_at}" in plot.status.value
