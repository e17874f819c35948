"""Live training curves for any ``model.fit``: a Keras callback that draws as it learns.

One panel per metric (loss first), train and validation lines, the best epoch
marked, and a progress bar with epoch, batch and time left. The figure is redrawn
in place (one image widget, no growing output), at most about every second and
within a small time budget, and always after the last epoch. Rendering happens in
a helper thread, so the training loop only appends numbers and never waits for a
picture; ``flush()`` waits for the picture.
"""

import html
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from lmwidgets.core import training
from lmwidgets.language import Words, say, say_in_figure
from lmwidgets.widgets._base import new_figure, render_png

import ipywidgets as widgets
import keras
import numpy as np
from matplotlib.ticker import MaxNLocator

VALIDATION_PREFIX = "val_"
EXPECTED_PANELS = ("loss", "accuracy")
# A panel's title: the metric's Keras name, in words where it is a familiar one.
METRIC_WORDS = {"loss": Words("loss", "损失"), "accuracy": Words("accuracy", "准确率")}


class _PlotBox(widgets.VBox):
    def __repr__(self):
        # Shown where the widget cannot be (a static view); stable for nbval.
        return "LiveLossPlot" + say(
            "(run this cell in Jupyter to see the live curves)",
            "（在 Jupyter 中运行这个单元格即可看到实时曲线）",
        )


def _format_seconds(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _best_epoch(history):
    monitored = history.get("val_loss") or history.get("loss")
    if not monitored or not np.all(np.isfinite(monitored)):
        return None
    return int(np.argmin(monitored)) + 1


def _metric_names(history):
    names = [n for n in history if not n.startswith(VALIDATION_PREFIX)]
    names += [n[len(VALIDATION_PREFIX) :] for n in history if n.startswith(VALIDATION_PREFIX)]
    return sorted(dict.fromkeys(names), key=lambda n: n != "loss")


class LiveLossPlot(keras.callbacks.Callback):
    """Pass it to ``model.fit(..., callbacks=[LiveLossPlot()])`` to watch training.

    - ``history``: metric name -> list of per-epoch values, like Keras' History; it
      is appended at every epoch end, so it survives an interrupted fit, and it
      accumulates over several fits (``reset()`` empties it).
    - ``figure``: the matplotlib Figure; ``widget``: what is displayed.
    - ``best_epoch``: 1-based epoch with the lowest validation loss (train loss
      when there is no validation data), or None before the first epoch.
    - ``diverged``: None, or ``{"epoch", "loss"}`` when an epoch's loss was NaN or
      infinite: it then stops ``fit``, puts back the weights of the last finite epoch and
      says so in the widget (``core.training.DivergenceGuard``).

    ``show=True`` displays the widget when training starts, unless it is displayed
    already (e.g. it was the last expression of a cell) or embedded in another
    widget (then pass ``show=False``). ``min_interval`` (seconds) and
    ``max_overhead`` (fraction of training time spent drawing) throttle redraws.
    """

    # What one redraw cost last time, in any instance: the throttle's first estimate.
    typical_render_seconds = 0.05

    def __init__(self, show=True, min_interval=1.0, max_overhead=0.03, width=8.0, height=2.6):
        super().__init__()
        if min_interval < 0 or not 0 < max_overhead <= 1:
            raise ValueError(
                "min_interval must be >= 0 and max_overhead in (0, 1]. "
                f"Received min_interval={min_interval}, max_overhead={max_overhead}."
            )
        self.show = show
        self.min_interval = min_interval
        self.max_overhead = max_overhead
        self.history = {}
        self.batches_seen = 0
        self._guard = training.DivergenceGuard()
        self.figure = new_figure(width, height, dpi=72)
        # The figure's words, chosen once: panels made during a fit speak the same language.
        self._words = (
            say_in_figure("train", "训练集"),
            say_in_figure("validation", "验证集"),
            say_in_figure("best epoch", "最佳轮次"),
            say_in_figure("epoch", "迭代周期"),
        )
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, description=say("epoch 0", "第 0 轮")
        )
        self.status = widgets.HTML(value=say("waiting for model.fit", "等待 model.fit"))
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto"))
        self.widget = _PlotBox(children=[widgets.HBox([self.progress, self.status]), self.image])
        self._displayed = False
        self._panels = {}
        self._figure_lock = threading.Lock()
        self._renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="livelossplot")
        self._queued = None
        self._render_seconds = LiveLossPlot.typical_render_seconds
        self._last_draw = 0.0
        self._last_progress = 0.0
        self._epoch_started = 0.0
        self._epoch = 0
        # Most models report loss and accuracy: lay those panels out now, outside fit.
        self._build_panels(list(EXPECTED_PANELS))
        self.draw()

    # --- display -------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        self._displayed = True
        return self.widget._repr_mimebundle_(**kwargs)

    def reset(self):
        """Forget the recorded history (the next fit starts new curves)."""
        self.flush()
        self.history = {}
        self.draw()

    # --- Keras hooks ---------------------------------------------------------------
    @property
    def diverged(self):
        return self._guard.diverged

    def on_train_begin(self, logs=None):
        self._guard.set_model(self.model)
        self._guard.on_train_begin(logs)
        if self.show and not self._displayed:
            self._display_once()
        self._last_draw = time.monotonic()
        self.status.value = say("training", "训练中")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_started = time.monotonic()
        steps = self.params.get("steps") or 0
        self.progress.max = max(steps, 1)
        self.progress.value = 0
        shown = f"{epoch + 1}/{self.params.get('epochs', '?')}"
        self.progress.description = say(f"epoch {shown}", f"第 {shown} 轮")

    def on_train_batch_begin(self, batch, logs=None):
        # Only a counter and a clock here: no device sync, Keras keeps dispatching
        # batch-end callbacks asynchronously.
        self.batches_seen += 1
        now = time.monotonic()
        if now - self._last_progress >= 0.2:
            self._last_progress = now
            self._show_progress(batch, now)

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        self._guard.on_epoch_end(epoch, logs)
        now = time.monotonic()
        due = max(self.min_interval, self._render_seconds / self.max_overhead)
        if now - self._last_draw >= due:
            self._last_draw = now
            self._request_draw()

    def on_train_end(self, logs=None):
        self._request_draw()
        self.progress.value = self.progress.max
        epochs = len(self.history.get("loss", []))
        if self.diverged:
            advice = html.escape(training.divergence_advice(self.diverged))
            self.status.value = f'<span style="color:#b00020">{advice}</span>'
            return
        early = getattr(self.model, "stop_training", False)
        stopped = say(" (stopped early)", "（提前停止）") if early else ""
        best = say(f", best epoch {self.best_epoch}", f"，最佳轮次 {self.best_epoch}")
        best = best if self.best_epoch else ""
        self.status.value = say(
            f"done: {epochs} epoch{'' if epochs == 1 else 's'}{best}{stopped}",
            f"完成：{epochs} 轮{best}{stopped}",
        )

    # --- drawing -------------------------------------------------------------------
    @property
    def best_epoch(self):
        return _best_epoch(self.history)

    def metric_names(self):
        """Names of the panels: loss first, then each metric (without the val_ prefix)."""
        return _metric_names(self.history)

    def _build_panels(self, names):
        self.figure.clear()
        self._panels = {}
        if not names:
            return
        axes = self.figure.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names, strict=True):
            train, validation, best, epoch = self._words
            train_line = ax.plot([], [], "o-", color="#1f77b4", ms=3, label=train)[0]
            val_line = ax.plot([], [], "o-", color="#ff7f0e", ms=3, label=validation)[0]
            best_line = ax.axvline(np.nan, color="#2ca02c", ls="--", lw=1, label=best)
            title = METRIC_WORDS[name].in_figure() if name in METRIC_WORDS else name
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(epoch, fontsize=9)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            self._panels[name] = (ax, train_line, val_line, best_line)
        axes[0].legend(fontsize=8, loc="best")
        # A fixed layout: tight_layout would cost more than the drawing itself.
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.18, top=0.88, wspace=0.25)

    def _request_draw(self):
        # One queued render is enough: it reads the history when it starts.
        queued = self._queued
        if queued is None or queued.running() or queued.done():
            self._queued = self._renderer.submit(self.draw)

    def flush(self, timeout=None):
        """Wait until the figure shows everything recorded so far."""
        queued = self._queued
        if queued is not None:
            queued.result(timeout)

    def draw(self):
        """Update every panel from ``history`` and render the figure once."""
        with self._figure_lock:
            started = time.monotonic()
            history = {name: list(values) for name, values in self.history.items()}
            names = _metric_names(history)
            if names and names != list(self._panels):
                self._build_panels(names)
            best = _best_epoch(history)
            for name, (ax, train_line, val_line, best_line) in self._panels.items():
                for line, key in ((train_line, name), (val_line, VALIDATION_PREFIX + name)):
                    values = history.get(key, [])
                    line.set_data(np.arange(1, len(values) + 1), values)
                best_line.set_xdata([best or np.nan] * 2)
                ax.relim()
                ax.autoscale_view()
            self.image.value = render_png(self.figure)
            self._render_seconds = time.monotonic() - started
            if self._panels:
                LiveLossPlot.typical_render_seconds = self._render_seconds

    def _show_progress(self, batch, now):
        self.progress.value = batch
        steps = self.params.get("steps")
        if not steps or batch == 0:
            self.status.value = say(f"batch {batch}", f"批量 {batch}")
            return
        per_batch = (now - self._epoch_started) / batch
        epochs_left = self.params.get("epochs", self._epoch + 1) - self._epoch - 1
        left = per_batch * ((steps - batch) + epochs_left * steps)
        left = _format_seconds(left)
        self.status.value = say(
            f"batch {batch}/{steps} · about {left} left", f"批量 {batch}/{steps} · 约剩 {left}"
        )

    def _display_once(self):
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is not None:
            display(self)
