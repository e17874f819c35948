"""Time to first picture: from creating a widget in a fresh kernel to its picture.

Each widget class is created in a fresh Python process that has already imported
lmwidgets and Keras (a lesson's first cell), so the figure is what the learner waits for
once the cell that creates the widget runs: building the controls, the first computation
(with its compilations) and the first PNG. Run twice per widget on JAX: from an empty
compilation cache (a first visit) and again with the programs the first run kept (a kernel
restarted). Baseline: creating a bare ipywidgets Image with a tiny PNG in the same process.
Target: at most 1 s for every widget that does not train when created, from an empty cache.
Run: python benchmarks/first_picture.py
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0
# Created with a training run: their first picture is a trained model's.
TRAINS = {"OverfittingExplorer", "ScalingLawLab"}
PROBE = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
import lmwidgets, keras, ipywidgets
from tests.strategies import make, widget_data
data = widget_data()
start = time.perf_counter()
ipywidgets.Image(value=b"\\x89PNG", format="png")
bare = time.perf_counter() - start
start = time.perf_counter()
widget = make(sys.argv[1], data)
assert widget.image.value, "no picture"
print(json.dumps({"seconds": time.perf_counter() - start, "bare": bare}))
"""


def first_picture(name, cache):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env.update(KERAS_BACKEND="jax", LMWIDGETS_OFFLINE="1", LMWIDGETS_CACHE=str(cache))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, name, str(ROOT)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure():
    sys.path.insert(0, str(ROOT))
    from lmwidgets.widgets._base import widget_names

    results = {}
    for name in widget_names():
        with tempfile.TemporaryDirectory() as cache:
            results[name] = (first_picture(name, cache), first_picture(name, cache))
    return results


def rows():
    from report import Row

    table = []
    for name, (cold, warm) in measure().items():
        if "error" in cold or "error" in warm:
            failed = f"{name}: first picture FAILED"
            table.append(Row(failed, float("nan"), "s", target=f"<= {TARGET_S:g} s", met=False))
            continue
        trains = name in TRAINS
        what = f"{name}: first picture in a fresh kernel" + (", trains" if trains else "")
        target = "" if trains else f"<= {TARGET_S:g} s"
        met = None if trains else cold["seconds"] <= TARGET_S
        table.append(Row(what, cold["seconds"], "s", cold["bare"], "a bare ipywidgets Image",
                         target, met))  # fmt: skip
        again = f"{name}: first picture, kernel restarted (compiled programs kept)"
        table.append(Row(again, warm["seconds"], "s", cold["seconds"], "the first visit"))
    return table


def main():
    print(f"{'widget':<22}{'first visit s':>15}{'restarted s':>13}  target <= {TARGET_S:g} s")
    for name, (cold, warm) in measure().items():
        if "error" in cold or "error" in warm:
            print(f"{name:<22}FAILED: {cold.get('error') or warm.get('error')}")
            continue
        met = "met" if cold["seconds"] <= TARGET_S else "MISSED"
        verdict = "trains" if name in TRAINS else met
        print(f"{name:<22}{cold['seconds']:>15.2f}{warm['seconds']:>13.2f}  {verdict}")


if __name__ == "__main__":
    main()
