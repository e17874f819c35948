"""Training on several devices with Keras' own distribution API, on 8 virtual CPUs.

JAX fixes its device count when it is first imported, from
``XLA_FLAGS=--xla_force_host_platform_device_count=8``; a notebook kernel that
has already imported jax cannot change it. So ``run_demo()`` runs this module
in a fresh Python process with that flag set and returns what it measured:

1. a small MLP trained on one device (no distribution);
2. the same model, seed and data with ``keras.distribution.DataParallel``:
   every weight replicated on 8 devices, each batch split 8 ways;
3. the same with ``keras.distribution.ModelParallel``: a 2 x 4 device mesh
   ("batch" x "model") and a ``LayoutMap`` that splits the hidden layer's
   weights over the 4 "model" devices.

All three compute the same mathematics, so their losses and final weights
agree up to float rounding. Run it as ``python -m lmwidgets.core.distribution``.
"""

import json
import os
import subprocess
import sys

N_DEVICES = 8
MESH_SHAPE = (2, 4)
_FLAG = f"--xla_force_host_platform_device_count={N_DEVICES}"


def run_demo(timeout=120):
    """Run the demo in a subprocess (JAX backend, 8 CPU devices) and return its results."""
    env = dict(os.environ)
    env["KERAS_BACKEND"] = "jax"
    env["JAX_PLATFORMS"] = "cpu"
    env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {_FLAG}".strip()
    completed = subprocess.run(
        [sys.executable, "-m", "lmwidgets.core.distribution"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"The distribution demo failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _data():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 16)).astype("float32")
    true_w = rng.normal(size=(16, 4)).astype("float32")
    y = np.tanh(x @ true_w).astype("float32")
    return x, y


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
    layouts = {}
    for variable in model.weights:
        value = variable.value
        shard = value.addressable_shards[0].data
        # "sequential_2/hidden/kernel" -> "hidden/kernel": the same name in every run.
        layouts[variable.path.split("/", 1)[1]] = {
            "shape": list(value.shape),
            "spec": [None if axis is None else str(axis) for axis in value.sharding.spec]
            if hasattr(value.sharding, "spec")
            else [],
            "n_devices": len(value.sharding.device_set),
            "shard_shape": list(shard.shape),
        }
    weights = [w.tolist() for w in model.get_weights()]
    keras.distribution.set_distribution(None)
    return {"losses": history.history["loss"], "layouts": layouts, "weights": weights}


def _main():
    import lmwidgets  # noqa: F401  (backend already chosen by the environment)

    import keras
    import numpy as np

    if keras.backend.backend() != "jax":
        raise SystemExit("The distribution demo needs KERAS_BACKEND=jax.")
    devices = keras.distribution.list_devices("cpu")
    mesh = keras.distribution.DeviceMesh(MESH_SHAPE, ["batch", "model"], devices)
    layout_map = keras.distribution.LayoutMap(mesh)
    # Keys are regular expressions matched against the whole variable path
    # ("sequential/hidden/kernel"), hence the leading ".*".
    layout_map[".*hidden/kernel"] = (None, "model")  # columns split over the 4 model devices
    layout_map[".*hidden/bias"] = ("model",)
    layout_map[".*output/kernel"] = ("model", None)  # rows split to match
    runs = {
        "single": _train(None),
        "data_parallel": _train(keras.distribution.DataParallel(devices=devices)),
        "model_parallel": _train(
            keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
        ),
    }
    reference = [np.array(w) for w in runs["single"]["weights"]]
    report = {"n_devices": len(devices), "mesh_shape": list(MESH_SHAPE)}
    for name, run in runs.items():
        difference = max(
            float(np.max(np.abs(np.array(w) - r)))
            for w, r in zip(run.pop("weights"), reference, strict=True)
        )
        run["max_weight_difference"] = difference
        report[name] = run
    print(json.dumps(report))


if __name__ == "__main__":
    # Nothing has imported jax yet (lmwidgets' imports do not): the flag still takes effect.
    if _FLAG.split("=")[0] not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FLAG}".strip()
    _main()
