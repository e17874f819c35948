"""Which Keras backend lmwidgets runs on, and derivatives by that backend's autodiff.

Keras reads its backend once, when it is first imported: from ``KERAS_BACKEND``,
else from ``~/.keras/keras.json``, else it falls back to TensorFlow (and then
``import keras`` fails where TensorFlow is not installed). ``select()`` runs when
``lmwidgets`` is imported and, only if the user has made no working choice, sets
``KERAS_BACKEND`` to the first installed of jax, torch, tensorflow. It never writes
a file. Nothing here imports keras until a function needs it.
"""

import functools
import importlib.util
import json
import numbers
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
    if not chosen:
        chosen = next((name for name in BACKENDS if _installed(name)), None)
        if chosen:
            os.environ["KERAS_BACKEND"] = chosen
    if chosen and chosen != "tensorflow":
        _quiet_tensorflow()
    if chosen == "jax":
        _keep_compiled_programs()
    return chosen


def cache_dir():
    """lmwidgets' folder under the user's cache directory (``LMWIDGETS_CACHE`` overrides it)."""
    if os.environ.get("LMWIDGETS_CACHE"):
        return Path(os.environ["LMWIDGETS_CACHE"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "lmwidgets"
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "lmwidgets" / "Cache"
    return Path(os.path.expanduser("~")) / ".cache" / "lmwidgets"


def _keep_compiled_programs():
    """Keep JAX's compiled programs between kernels (JAX's persistent compilation cache), so
    that a lesson run again after a kernel restart does not compile its widgets again.

    Most of the course's programs compile in well under JAX's default threshold of one
    second, so every one is kept. A compiled program computes exactly what a new compilation
    would. The user's own ``JAX_COMPILATION_CACHE_DIR`` wins; ``LMWIDGETS_JAX_CACHE=0``
    turns the cache off; an unwritable cache folder leaves it off. JAX creates the folder
    when it first keeps a program; selecting a backend writes nothing.
    """
    if (
        os.environ.get("LMWIDGETS_JAX_CACHE", "1") == "0"
        or "JAX_COMPILATION_CACHE_DIR" in os.environ
    ):
        return
    folder = cache_dir() / "jax"
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not os.access(existing, os.W_OK):
        return
    os.environ["JAX_COMPILATION_CACHE_DIR"] = str(folder)
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")


def _quiet_tensorflow():
    """Keep TensorFlow from writing to stderr where it is installed but not the backend.

    ``keras.utils.set_random_seed`` imports TensorFlow, when installed, whatever the backend,
    and TensorFlow then writes start-up lines to stderr (its oneDNN notice through absl, which
    ``TF_CPP_MIN_LOG_LEVEL`` does not silence), into the learner's cell. TensorFlow computes
    nothing there, so its oneDNN kernels are not needed. The user's own settings win.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


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


# (function, its fixed arguments, its float parameters' names) that cannot be compiled.
_UNCOMPILABLE = set()


def compiled_value_and_gradient(fn, x, **params):
    """``(fn(x, **params), d/dx)`` as numpy arrays, like ``value_and_gradient``, but on JAX
    compiled once per function and array shape: a widget re-evaluating the same function on
    new points or with a new parameter value runs compiled code (tens of times faster than
    op-by-op autodiff).

    Float parameters are inputs of the compiled code, so a new value does not recompile;
    other parameters (booleans, strings) are fixed in it. ``fn`` must be the same object
    from call to call (e.g. a Keras function, not a new lambda). Where ``fn`` branches in
    Python on a float parameter, which compiled code cannot, it runs uncompiled, as it does
    on the other backends.
    """
    import numpy as np

    x = np.asarray(x, dtype="float32")
    floats = {
        k: v for k, v in params.items() if isinstance(v, numbers.Real) and not isinstance(v, bool)
    }
    fixed = tuple(sorted((k, v) for k, v in params.items() if k not in floats))
    key = (fn, fixed, tuple(sorted(floats)))
    if backend_name() != "jax" or key in _UNCOMPILABLE:
        return value_and_gradient(lambda t: fn(t, **params), x)
    import jax

    inputs = {k: np.float32(v) for k, v in floats.items()}
    try:
        grad, y = _jax_value_and_grad(fn, fixed)(x, inputs)
    except jax.errors.ConcretizationTypeError:
        _UNCOMPILABLE.add(key)
        return value_and_gradient(lambda t: fn(t, **params), x)
    return np.asarray(y), np.asarray(grad)


@functools.lru_cache(maxsize=128)
def _jax_value_and_grad(fn, fixed):
    import jax

    def total(t, floats):
        y = fn(t, **dict(fixed), **floats)
        return y.sum(), y

    return jax.jit(jax.grad(total, has_aux=True))


def gradient(fn, x):
    """fn'(x) for an elementwise keras-ops function, by the backend's autodiff."""
    return value_and_gradient(fn, x)[1]


def value_and_grad_function(fn):
    """``t -> (fn(t), fn'(t))`` for a scalar keras-ops function of one tensor.

    Unlike ``value_and_gradient`` it takes and returns backend tensors, so it can
    run inside ``compiled_loop`` (traced by jax.jit on JAX).
    """
    name = backend_name()
    if name == "jax":
        import jax

        return jax.value_and_grad(fn)
    if name == "torch":
        import torch

        def torch_value_and_grad(t):
            with torch.enable_grad():
                t = t.detach().requires_grad_(True)
                value = fn(t)
                (grad,) = torch.autograd.grad(value, t)
            return value.detach(), grad

        return torch_value_and_grad
    if name == "tensorflow":
        import tensorflow as tf

        def tf_value_and_grad(t):
            with tf.GradientTape() as tape:
                tape.watch(t)
                value = fn(t)
            return value, tape.gradient(value, t, unconnected_gradients="zero")

        return tf_value_and_grad
    raise ValueError(f"No autodiff for backend {name!r}; expected one of {', '.join(BACKENDS)}.")


def stateless_apply(optimizer, variables, optimizer_values, grads, values):
    """``(new values, new optimizer values)``: one step of a built Keras optimizer, as
    ``optimizer.stateless_apply(optimizer_values, grads, values)`` computes it.

    ``variables`` are the Keras variables the optimizer was built with. Keras refuses
    ``stateless_apply`` on TensorFlow (for tf.distribute's sake), so there the same
    step is made the stateful way, which Keras supports: the values are assigned to
    the variables, ``optimizer.apply`` updates them, and the new values are read back.
    Inside ``compiled_loop`` on TensorFlow that is all one compiled graph.
    """
    import keras

    if backend_name() != "tensorflow":
        return optimizer.stateless_apply(optimizer_values, grads, values)
    for variable, value in zip(
        (*variables, *optimizer.variables), (*values, *optimizer_values), strict=True
    ):
        variable.assign(value)
    optimizer.apply(grads, variables)
    return (
        [keras.ops.copy(v.value) for v in variables],
        [keras.ops.copy(v.value) for v in optimizer.variables],
    )


def compiled_loop(step, length):
    """``run(carry) -> (carry, outputs)``: ``carry, output = step(carry)``, ``length`` times.

    ``output`` is a tuple of tensors; ``outputs`` stacks each along a new first axis,
    as numpy arrays. On JAX the whole loop is one ``jax.jit``-compiled ``lax.scan``,
    on TensorFlow one ``tf.function`` holding a ``tf.while_loop``: compiled on the first
    call, then reused for carries of the same shapes and dtypes (keep ``run`` to reuse
    it). On PyTorch it is a plain Python loop.
    """
    import numpy as np

    if length < 1:
        raise ValueError(f"length must be >= 1. Received: length={length}.")
    if backend_name() == "tensorflow":
        return _tf_loop(step, length)
    if backend_name() == "jax":
        import jax

        @jax.jit
        def scanned(carry):
            return jax.lax.scan(lambda c, _: step(c), carry, None, length=length)

        def run_jax(carry):
            carry, outputs = scanned(carry)
            return carry, tuple(np.asarray(output) for output in outputs)

        return run_jax

    import keras

    def run_loop(carry):
        collected = []
        for _ in range(length):
            carry, output = step(carry)
            collected.append([keras.ops.convert_to_numpy(value) for value in output])
        return carry, tuple(np.stack(column) for column in zip(*collected, strict=True))

    return run_loop


def _tf_loop(step, length):
    import numpy as np
    import tensorflow as tf

    @tf.function(autograph=False, reduce_retracing=True)
    def looped(carry):
        # The first step runs before the loop: its outputs give the stacks' dtypes.
        carry, first = step(carry)
        stacks = tuple(tf.TensorArray(value.dtype, size=length).write(0, value) for value in first)

        def body(index, carry, stacks):
            carry, output = step(carry)
            return (
                index + 1,
                carry,
                tuple(
                    stack.write(index, value) for stack, value in zip(stacks, output, strict=True)
                ),
            )

        _, carry, stacks = tf.while_loop(
            lambda index, *_: index < length, body, (tf.constant(1), carry, stacks)
        )
        return carry, tuple(stack.stack() for stack in stacks)

    def run_tf(carry):
        carry, outputs = looped(carry)
        return carry, tuple(np.asarray(output) for output in outputs)

    return run_tf


def train_epoch_function(model, optimizer, loss_fn, forward=None, after_step=None):
    """``epoch(x_batches, y_batches) -> (mean_loss, finite)``: train ``model`` in place.

    Trains on minibatches ``x_batches[i], y_batches[i]`` with ``optimizer`` (built) and
    ``loss_fn(y_true, y_pred)`` plus the model's own losses (weight penalties), as
    ``train_on_batch`` would, without its per-call overhead: on JAX each step is jitted
    (``jax_train_epoch``), on TensorFlow the whole epoch is one ``tf.function``, on PyTorch
    a plain loop of forward, ``torch.autograd.grad`` and ``optimizer.apply``. ``forward(x)``
    computes the predictions in training mode on TensorFlow and PyTorch (default:
    ``model(x, training=True)``). ``after_step(before, after, learning_rate)``, if given,
    returns the trainable values to keep after each update from those before and after it
    (backend tensors; ``keras.ops`` only). Where a loss or weight turns NaN or infinite,
    ``finite`` is False and the model and optimizer keep the state they had before the epoch.
    """
    import keras
    import numpy as np

    name = backend_name()
    if name == "jax":
        return jax_train_epoch(model, optimizer, loss_fn, after_step)
    forward = forward or (lambda x: model(x, training=True))

    def loss_of(x, y):
        return loss_fn(y, forward(x)) + sum(model.losses)

    run = (_tf_epoch if name == "tensorflow" else _torch_epoch)(
        model, optimizer, loss_of, after_step
    )
    state = (*model.trainable_variables, *model.non_trainable_variables, *optimizer.variables)

    def epoch(x_batches, y_batches):
        saved = [keras.ops.convert_to_numpy(v.value).copy() for v in state]
        loss = float(run(np.asarray(x_batches, "float32"), np.asarray(y_batches, "float32")))
        finite = bool(np.isfinite(loss)) and all(
            np.all(np.isfinite(keras.ops.convert_to_numpy(v.value)))
            for v in model.trainable_variables
        )
        if not finite:
            for variable, value in zip(state, saved, strict=True):
                variable.assign(value)
        return loss, finite

    return epoch


def _after_step(trainable, before, optimizer, after_step):
    """Assign ``after_step``'s values (see ``train_epoch_function``) to the trainable ones."""
    kept = after_step(before, [v.value for v in trainable], optimizer.learning_rate)
    for variable, value in zip(trainable, kept, strict=True):
        variable.assign(value)


def _torch_epoch(model, optimizer, loss_of, after_step=None):
    import torch

    trainable = model.trainable_variables

    def run(x_batches, y_batches):
        total = torch.zeros(())
        for x, y in zip(torch.from_numpy(x_batches), torch.from_numpy(y_batches), strict=True):
            with torch.enable_grad():
                loss = loss_of(x, y)
            grads = torch.autograd.grad(loss, [v.value for v in trainable])
            before = [v.value.detach().clone() for v in trainable] if after_step else None
            optimizer.apply(grads, trainable)
            if after_step:
                with torch.no_grad():
                    _after_step(trainable, before, optimizer, after_step)
            total += loss.detach()
        return total / max(len(x_batches), 1)

    return run


def _tf_epoch(model, optimizer, loss_of, after_step=None):
    import tensorflow as tf

    trainable = model.trainable_variables

    @tf.function(reduce_retracing=True)
    def run(x_batches, y_batches):
        total = tf.constant(0.0)
        n_batches = tf.shape(x_batches)[0]
        for index in tf.range(n_batches):
            with tf.GradientTape() as tape:
                loss = loss_of(x_batches[index], y_batches[index])
            grads = tape.gradient(loss, [v.value for v in trainable])
            before = [tf.identity(v.value) for v in trainable] if after_step else None
            optimizer.apply(grads, trainable)
            if after_step:
                _after_step(trainable, before, optimizer, after_step)
            total += loss
        return total / tf.cast(tf.maximum(n_batches, 1), total.dtype)

    return run


def jax_train_epoch(model, optimizer, loss_fn, after_step=None):
    """JAX only: ``epoch(x_batches, y_batches) -> (mean_loss, finite)``, trained in place.

    Trains ``model`` on minibatches ``x_batches[i], y_batches[i]`` with ``optimizer``
    (built) and ``loss_fn(y_true, y_pred)`` plus the model's own losses (weight
    penalties). Each minibatch is one call of a ``jax.jit``-compiled step made of
    Keras' ``stateless_call`` and ``optimizer.stateless_apply``: a fraction of what a
    ``fit`` or ``train_on_batch`` call costs in Python. The step is compiled once per
    minibatch shape. Where a loss or weight turns NaN or infinite, ``finite`` is False
    and the model keeps the weights it had before the epoch. ``after_step``: as in
    ``train_epoch_function``.
    """
    import jax
    import jax.numpy as jnp
    import numpy as np

    def loss_and_state(trainable, non_trainable, x, y):
        y_pred, non_trainable, losses = model.stateless_call(
            trainable, non_trainable, x, training=True, return_losses=True
        )
        return loss_fn(y, y_pred) + sum(losses), non_trainable

    value_and_grad = jax.value_and_grad(loss_and_state, has_aux=True)
    rate_index = next(
        (i for i, v in enumerate(optimizer.variables) if v.path.endswith("/learning_rate")), None
    )
    if after_step is not None and rate_index is None:
        raise ValueError("after_step needs an optimizer whose learning rate is a variable.")

    @jax.jit
    def step(state, x, y):
        trainable, non_trainable, optimizer_state, loss_sum = state
        (loss, non_trainable), grads = value_and_grad(trainable, non_trainable, x, y)
        before = trainable
        trainable, optimizer_state = optimizer.stateless_apply(optimizer_state, grads, trainable)
        if after_step is not None:
            trainable = after_step(before, trainable, optimizer_state[rate_index])
        return trainable, non_trainable, optimizer_state, loss_sum + loss

    @jax.jit
    def all_finite(state):
        return jnp.all(jnp.stack([jnp.all(jnp.isfinite(w)) for w in state[0]]))

    variables = (model.trainable_variables, model.non_trainable_variables, optimizer.variables)

    def epoch(x_batches, y_batches):
        state = (*([v.value for v in group] for group in variables), jnp.zeros(()))
        for x, y in zip(x_batches, y_batches, strict=True):
            state = step(state, x, y)
        loss = float(state[-1]) / max(len(x_batches), 1)
        finite = bool(all_finite(state)) and bool(np.isfinite(loss))
        if finite:
            for group, values in zip(variables, state, strict=False):
                for variable, value in zip(group, values, strict=True):
                    variable.assign(value)
        return loss, finite

    return epoch


def tensor(array):
    """A NumPy array as a tensor of the backend, compiling nothing.

    On JAX, ``jnp.array`` of a NumPy array (what Keras does with an initial value) runs a
    compiled copy, compiled anew for every shape it meets: about 10 ms per new layer shape.
    """
    if backend_name() == "jax":
        import jax

        return jax.device_put(array)
    import keras

    return keras.ops.convert_to_tensor(array)


def jax_forward(model):
    """JAX only: ``forward(x) -> list of numpy outputs`` of ``model`` in inference, jitted."""
    import jax
    import numpy as np

    @jax.jit
    def call(trainable, non_trainable, x):
        return model.stateless_call(trainable, non_trainable, x, training=False)[0]

    def forward(x):
        outputs = call(
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            x,
        )
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return [np.asarray(out) for out in outputs]

    return forward
