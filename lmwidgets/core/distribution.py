"""Training on several devices with Keras' own distribution API, on 8 virtual CPUs.

``run_demo()`` trains one small MLP (same seed, same data) three ways and returns
what it measured:

1. on one device (no distribution);
2. with ``keras.distribution.DataParallel``: every weight replicated on 8 devices,
   each batch split 8 ways;
3. with ``keras.distribution.ModelParallel``: a 2 x 4 device mesh ("batch" x
   "model") and a ``LayoutMap`` that splits the hidden layer's weights over the 4
   "model" devices.

All three compute the same mathematics, so their losses and final weights agree up
to float rounding.

Which backends. Keras 3.15 distributes only on JAX. Its TensorFlow
``distribution_lib`` is a prototype marked "DO NOT USE": it turns a mesh and a
layout into DTensor objects, but nothing in the TensorFlow backend uses them, so
under ``DataParallel`` or ``ModelParallel`` ``model.fit`` trains on one device,
every weight a plain variable on ``CPU:0``, without a warning (measured with 8
logical CPUs, ``tf.config.set_logical_device_configuration``), and
``keras.distribution.distribute_tensor`` raises ``AttributeError``. torch has no
``distribution_lib`` at all. On those backends the report says so in one sentence
(``"reason"``) and holds what can still be shown: the one-device run, and the
layout each weight *would* get (``"plan"``), computed from Keras' layout objects
without any device.

The demo runs in a fresh Python process on the chosen backend: JAX fixes its
device count when it is first imported, from
``XLA_FLAGS=--xla_force_host_platform_device_count=8``, and a notebook kernel that
has imported jax cannot change it. Run it as ``python -m lmwidgets.core.distribution
[--backend jax|torch|tensorflow]``; it prints the report as one JSON line.
"""

import argparse
import json
import os
import subprocess
import sys

from lmwidgets.backend import BACKENDS, _installed
from lmwidgets.core.params import check_number, refusal

N_DEVICES = 8
MESH_SHAPE = (2, 4)
AXIS_NAMES = ("batch", "model")
RUNS = ("single", "data_parallel", "model_parallel")
# Where Keras' distribution API actually spreads a model over devices (measured, Keras 3.15).
SUPPORTED_BACKENDS = ("jax",)
REASONS = {
    "torch": (
        "Keras 3.15's distribution API spreads a model over several devices only on JAX, "
        "and this demo runs on torch, for which Keras has no distribution support."
    ),
    "tensorflow": (
        "Keras 3.15's distribution API spreads a model over several devices only on JAX, "
        "and this demo runs on TensorFlow, where it is an unfinished prototype that "
        "leaves every weight on one device."
    ),
}
_FLAG = f"--xla_force_host_platform_device_count={N_DEVICES}"


def run_demo(backend=None, timeout=120):
    """Run the demo in a fresh process on ``backend`` (default: this process's); return its report.

    Every report has ``"backend"``, ``"supported"``, ``"mesh_shape"``, ``"single"`` (the
    one-device run: ``"losses"`` per epoch, ``"layouts"``) and ``"plan"`` (for
    ``"data_parallel"`` and ``"model_parallel"``: the layout Keras gives each weight,
    computed without devices). Each layout is ``{"shape", "spec", "n_devices",
    "shard_shape"}``: ``spec`` names the mesh axis that splits each dimension (None: not
    split), ``shard_shape`` is the piece one device holds.

    Where Keras distributes on ``backend`` (JAX), ``"supported"`` is True and the report
    also has ``"n_devices"``, ``"data_parallel"`` and ``"model_parallel"`` (losses and
    layouts as measured on the devices), each run with ``"max_weight_difference"`` from
    the one-device run. Elsewhere ``"supported"`` is False and ``"reason"`` says why in
    one sentence; nothing is raised.
    """
    if backend is None:
        from lmwidgets.backend import backend_name

        backend = backend_name()
    if backend not in BACKENDS:
        raise refusal("backend", f"a Keras backend; expected one of {', '.join(BACKENDS)}", backend)
    if not _installed(backend):
        installed = ", ".join(name for name in BACKENDS if _installed(name)) or "none"
        allowed = f"installed; {backend!r} is not installed here, installed: {installed}"
        raise refusal("backend", allowed, backend)
    timeout = check_number("timeout", timeout, low=0, low_open=True, none=True)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if backend == "jax":
        env["JAX_PLATFORMS"] = "cpu"
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {_FLAG}".strip()
    completed = subprocess.run(
        [sys.executable, "-m", "lmwidgets.core.distribution", "--backend", backend],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"The distribution demo failed on {backend}:\n{completed.stderr[-2000:]}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _data():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 16)).astype("float32")
    true_w = rng.normal(size=(16, 4)).astype("float32")
    y = np.tanh(x @ true_w).astype("float32")
    return x, y


def _layout_map(devices):
    import keras

    mesh = keras.distribution.DeviceMesh(MESH_SHAPE, list(AXIS_NAMES), devices)
    layout_map = keras.distribution.LayoutMap(mesh)
    # Keys are regular expressions matched against the whole variable path
    # ("sequential/hidden/kernel"), hence the leading ".*".
    layout_map[".*hidden/kernel"] = (None, "model")  # columns split over the 4 model devices
    layout_map[".*hidden/bias"] = ("model",)
    layout_map[".*output/kernel"] = ("model", None)  # rows split to match
    return layout_map


def _distributions(devices):
    import keras

    return {
        "data_parallel": keras.distribution.DataParallel(devices=devices),
        "model_parallel": keras.distribution.ModelParallel(
            layout_map=_layout_map(devices), batch_dim_name="batch"
        ),
    }


def _name(variable):
    # "sequential_2/hidden/kernel" -> "hidden/kernel": the same name in every run.
    return variable.path.split("/", 1)[1]


def _train(distribution):
    import keras

    keras.distribution.set_distribution(distribution)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((16,)),
            keras.layers.Dense(64, activation="relu", name="hidden"),
            keras.layers.Dense(4, name="output"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    x, y = _data()
    history = model.fit(x, y, batch_size=64, epochs=3, shuffle=False, verbose=0)
    keras.distribution.set_distribution(None)
    return model, history.history["loss"]


def _measured_layouts(model):
    """How each weight is actually stored, read from the backend's tensors."""
    import keras

    layouts = {}
    for variable in model.weights:
        shape = list(variable.shape)
        if keras.backend.backend() == "jax":
            # A JAX array carries its sharding: the mesh axes of its dimensions
            # (only a NamedSharding has a spec), its devices, the piece on each.
            sharding = variable.value.sharding
            spec = getattr(sharding, "spec", ())
            layout = {
                "spec": [None if axis is None else str(axis) for axis in spec],
                "n_devices": len(sharding.device_set),
                "shard_shape": list(sharding.shard_shape(tuple(shape))),
            }
        else:
            # torch and TensorFlow tensors without distribution: whole, on one device.
            layout = {"spec": [], "n_devices": 1, "shard_shape": shape}
        layouts[_name(variable)] = {"shape": shape, **layout}
    return layouts


def _planned_layouts(model, distribution):
    """The layout ``distribution`` gives each weight of ``model``, computed without devices.

    ``distribution.get_variable_layout`` is the lookup Keras itself makes when it creates
    a variable under a distribution (a ``LayoutMap`` match, else replicated); it returns a
    ``TensorLayout`` whose ``axes`` name the mesh axis splitting each dimension. A
    dimension split over a mesh axis of size n leaves 1/n of it on each device, and every
    device of the mesh holds one piece.
    """
    mesh = distribution.device_mesh
    sizes = dict(zip(mesh.axis_names, mesh.shape, strict=True))
    plan = {}
    for variable in model.weights:
        axes = distribution.get_variable_layout(variable).axes
        plan[_name(variable)] = {
            "shape": list(variable.shape),
            "spec": [None if axis is None else str(axis) for axis in axes],
            "n_devices": int(mesh.devices.size),
            "shard_shape": [
                dim if axis is None else dim // sizes[axis]
                for dim, axis in zip(variable.shape, axes, strict=True)
            ],
        }
    return plan


def _report():
    import keras
    import numpy as np

    backend = keras.backend.backend()
    supported = backend in SUPPORTED_BACKENDS
    if supported:
        devices = keras.distribution.list_devices("cpu")
    else:
        # keras.distribution.list_devices needs a distribution backend; the plan only
        # needs 8 names to lay out on a mesh.
        devices = [f"cpu:{i}" for i in range(N_DEVICES)]
    distributions = _distributions(devices)
    single, single_losses = _train(None)
    report = {"backend": backend, "supported": supported, "mesh_shape": list(MESH_SHAPE)}
    if not supported:
        report["reason"] = REASONS[backend]
    else:
        report["n_devices"] = len(devices)
    report["single"] = {
        "losses": single_losses,
        "layouts": _measured_layouts(single),
        "max_weight_difference": 0.0,
    }
    report["plan"] = {
        run: _planned_layouts(single, distribution) for run, distribution in distributions.items()
    }
    if supported:
        reference = single.get_weights()
        for run, distribution in distributions.items():
            model, losses = _train(distribution)
            difference = max(
                float(np.max(np.abs(np.asarray(w) - r)))
                for w, r in zip(model.get_weights(), reference, strict=True)
            )
            report[run] = {
                "losses": losses,
                "layouts": _measured_layouts(model),
                "max_weight_difference": difference,
            }
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backend", choices=BACKENDS, help="default: KERAS_BACKEND, else the first installed"
    )
    args = parser.parse_args(argv)
    # Nothing has imported keras or jax yet (lmwidgets' imports do not): both settings
    # still take effect.
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    if _FLAG.split("=")[0] not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FLAG}".strip()
    from lmwidgets.backend import require

    require()
    print(json.dumps(_report()))


if __name__ == "__main__":
    main()
