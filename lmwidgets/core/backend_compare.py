"""The same Keras model and data trained on each installed backend, one process each.

Keras fixes its backend when it is first imported, so each backend runs in a fresh
Python process started with ``KERAS_BACKEND`` set: ``python -m
lmwidgets.core.backend_compare --backend torch`` measures one and prints a JSON
line; ``compare_backends()`` runs them all and gathers a table. The model is the
784-128-10 MLP of lesson 05 on the offline MNIST sample.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from lmwidgets.backend import BACKENDS, _installed
from lmwidgets.core.params import check_number, check_seed, refusal

COLUMNS = ("backend", "import_s", "first_epoch_s", "epoch_s", "test_accuracy", "parameters")


def installed_backends():
    """The backends of ``BACKENDS`` installed here, in that order."""
    return [name for name in BACKENDS if _installed(name)]


def measure(epochs=2, samples=2000, batch_size=64, seed=0):
    """Train in this process, on its backend: a dict of the row's figures.

    ``first_epoch_s`` includes tracing and compiling; ``epoch_s`` is the median of
    the later epochs (the first one's time when ``epochs`` is 1).
    """
    _check(epochs, samples, batch_size, seed)
    started = time.perf_counter()
    import keras

    import_s = time.perf_counter() - started
    from lmwidgets import datasets
    from lmwidgets.core import training

    import numpy as np

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.began = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            durations.append(time.perf_counter() - self.began)

    durations = []
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist("offline")
    x_train, x_test = training.scale_images(x_train[:samples]), training.scale_images(x_test)
    keras.utils.set_random_seed(seed)
    config = training.MLPConfig(dropout=0.0, batch_size=batch_size, epochs=epochs)
    model = training.build_mlp(config)
    model.fit(x_train, y_train[:samples], batch_size=batch_size, epochs=epochs, verbose=0,
              shuffle=True, callbacks=[EpochTimer()])  # fmt: skip
    accuracy = training.evaluate_classifier(model, x_test, y_test)["test_accuracy"]
    return {
        "backend": keras.backend.backend(),
        "import_s": import_s,
        "first_epoch_s": durations[0],
        "epoch_s": float(np.median(durations[1:] or durations)),
        "test_accuracy": accuracy,
        "parameters": int(model.count_params()),
    }


def _check_backends(argument, value, names):
    """Each of ``names`` a Keras backend installed here, else a refusal of ``value``."""
    for name in names:
        if name not in BACKENDS:
            raise refusal(
                argument, f"a Keras backend; expected one of {', '.join(BACKENDS)}", value
            )
        if not _installed(name):
            installed = ", ".join(installed_backends()) or "none"
            allowed = f"installed; {name!r} is not installed here, installed: {installed}"
            raise refusal(argument, allowed, value)


def _check(epochs, samples, batch_size, seed, timeout=None):
    """The numbers of a run, refused in Keras' words before any process starts."""
    for name, value in (("epochs", epochs), ("samples", samples), ("batch_size", batch_size)):
        check_number(name, value, low=1, integer=True)
    check_seed(seed)
    check_number("timeout", timeout, low=0, low_open=True, none=True)


def run_in_subprocess(backend, epochs=2, samples=2000, batch_size=64, seed=0, timeout=600):
    """``measure`` in a fresh Python process with ``KERAS_BACKEND=backend``."""
    _check_backends("backend", backend, [backend])
    _check(epochs, samples, batch_size, seed, timeout)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [sys.executable, "-m", "lmwidgets.core.backend_compare", "--backend", backend,
               "--epochs", str(epochs), "--samples", str(samples),
               "--batch-size", str(batch_size), "--seed", str(seed), "--json"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"The {backend} run failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare_backends(backends=None, epochs=2, samples=2000, batch_size=64, seed=0, timeout=600):
    """One row per backend (default: every installed one), as a pandas DataFrame.

    Columns: backend, import_s (``import keras``), first_epoch_s (with compiling),
    epoch_s (median of the later epochs), test_accuracy (on the 2,000 held-out
    digits), parameters. Same model, data, seed and batch size in every row.
    """
    import pandas as pd

    if isinstance(backends, str) or not (backends is None or hasattr(backends, "__iter__")):
        raise refusal("backends", f"None or a list of backends of {', '.join(BACKENDS)}", backends)
    backends = installed_backends() if backends is None else list(backends)
    _check_backends("backends", backends, backends)
    _check(epochs, samples, batch_size, seed, timeout)
    rows = [
        run_in_subprocess(name, epochs, samples, batch_size, seed, timeout) for name in backends
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, help="measure this one only (this process)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the row as one JSON line")
    args = parser.parse_args(argv)
    if args.backend:
        if os.environ.get("KERAS_BACKEND") != args.backend:
            parser.error(
                f"run with KERAS_BACKEND={args.backend} (the backend is fixed per process)"
            )
        row = measure(args.epochs, args.samples, args.batch_size, args.seed)
        print(json.dumps(row) if args.json else row)
        return
    table = compare_backends(None, args.epochs, args.samples, args.batch_size, args.seed)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
