"""benchmarks/browser_latency.py measures what it says: every control of a widget changed
from the page as a learner changes it, each change ending in a new picture painted.

No time is checked here (timings belong to the benchmark's table)."""

import importlib
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_every_control_of_a_widget_draws_a_new_picture_after_each_change(lab):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        latency = importlib.import_module("browser_latency")
        results = latency.measure(["NeuronExplorer"], changes=2)
    finally:
        sys.path.remove(str(BENCHMARKS))
    controls = results["widgets"]["NeuronExplorer"]
    assert set(controls) == {"weight", "bias", "activation", "x_range"}
    for name, entry in controls.items():
        assert "error" not in entry, f"{name}: {entry['error']}"
        assert len(entry["times"]) == 2 and all(t and t > 0 for t in entry["times"]), name
    assert results["echo"] and all(t and t > 0 for t in results["echo"])
    verdicts = {line["verdict"] for line in latency.summaries(results)}
    assert verdicts <= {"met", "MISSED"}, verdicts
