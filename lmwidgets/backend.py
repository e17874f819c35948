"""Which Keras backend lmwidgets runs on, and derivatives by that backend's autodiff.

Keras reads its backend once, when it is first imported: from ``KERAS_BACKEND``,
else from ``~/.keras/keras.json``, else it falls back to TensorFlow (and then
``import keras`` fails where TensorFlow is not installed). ``select()`` runs when
``lmwidgets`` is imported and, only if the user has made no working choice, sets
``KERAS_BACKEND`` to the first installed of jax, torch, tensorflow. It never writes
a file. Nothing here imports keras until a function needs it.
"""

import importlib.util
import json
import os
from pathlib import Path

BACKENDS = ("jax", "torch", "tensorflow")
INSTALL_HINT = 'pip install "lmwidgets[jax]"   (or lmwidgets[torch], lmwidgets[tensorflow])'


def _installed(name):
    module = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow"}[name]
    return importlib.util.find_spec(module) is not None


def keras_dir():
    """Keras' own folder (config and dataset cache), found as Keras finds it."""
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"])
    home = Path(os.path.expanduser("~"))
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def _keras_json_backend():
    """The backend named in Keras' config file, or None."""
    try:
        return json.loads((keras_dir() / "keras.json").read_text()).get("backend")
    except (OSError, ValueError, AttributeError):
        return None


def user_choice():
    """The backend the user asked for (environment, then keras.json), or None.

    Keras writes ``{"backend": "tensorflow"}`` into a new keras.json on its first
    import, whatever backend it then runs. So a keras.json entry of tensorflow
    counts as a choice only where TensorFlow is installed.
    """
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    configured = _keras_json_backend()
    if configured == "tensorflow" and not _installed("tensorflow"):
        return None
    return configured


def select():
    """Set KERAS_BACKEND where the user has not chosen; return the backend to be used.

    Returns None when no backend is installed (``require()`` then explains).
    Has no effect on a process that has already imported keras.
    """
    chosen = user_choice()
    if chosen:
        return chosen
    for name in BACKENDS:
        if _installed(name):
            os.environ["KERAS_BACKEND"] = name
            return name
    return None


def require():
    """Make sure keras can be imported on a backend that is installed."""
    chosen = select()
    if chosen is None:
        raise ImportError(
            "lmwidgets needs a Keras backend and none of "
            f"{', '.join(BACKENDS)} is installed. Install one: {INSTALL_HINT}"
        )
    if chosen in BACKENDS and not _installed(chosen):
        raise ImportError(
            f"Keras is set to the {chosen!r} backend (KERAS_BACKEND or keras.json), "
            f'which is not installed. Install it: pip install "lmwidgets[{chosen}]", '
            "or choose an installed backend with KERAS_BACKEND and restart the kernel."
        )
    return chosen


def backend_name():
    """The backend Keras runs on in this process: 'jax', 'torch' or 'tensorflow'."""
    require()
    import keras

    return keras.backend.backend()


def value_and_gradient(fn, x):
    """``(fn(x), fn'(x))`` for an elementwise keras-ops function, as numpy arrays.

    The derivative comes from the active backend's own autodiff (jax.grad,
    torch.autograd or tf.GradientTape), never from finite differences.
    """
    import numpy as np

    x = np.asarray(x, dtype="float32")
    name = backend_name()
    if name == "jax":
        import jax

        def total(t):
            y = fn(t)
            return y.sum(), y

        grad, y = jax.grad(total, has_aux=True)(x)
        return np.asarray(y), np.asarray(grad)
    if name == "torch":
        import torch

        t = torch.tensor(x, requires_grad=True)
        y = fn(t)
        (grad,) = torch.autograd.grad(y.sum(), t, allow_unused=True)
        grad = torch.zeros_like(t) if grad is None else grad
        return y.detach().cpu().numpy(), grad.detach().cpu().numpy()
    if name == "tensorflow":
        import tensorflow as tf

        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        grad = tape.gradient(y, t, unconnected_gradients="zero")
        return np.asarray(y), np.asarray(grad)
    raise ValueError(f"No autodiff for backend {name!r}; expected one of {', '.join(BACKENDS)}.")


def gradient(fn, x):
    """fn'(x) for an elementwise keras-ops function, by the backend's autodiff."""
    return value_and_gradient(fn, x)[1]
