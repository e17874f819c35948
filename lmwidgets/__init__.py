"""lmwidgets: deep learning for the age of large models, as lessons you can touch.

Public names are imported lazily, so ``import lmwidgets`` is fast and imports
neither keras nor matplotlib nor ipywidgets. Importing it picks a Keras backend
where the user has not (see ``lmwidgets.backend``).
"""

import importlib

from lmwidgets import backend as _backend

__version__ = "0.1.0"

_backend.select()

# public name -> module that defines it
_LAZY = {
    "backend_name": "lmwidgets.backend",
    "datasets": "lmwidgets.datasets",
    "core": "lmwidgets.core",
    "widgets": "lmwidgets.widgets",
    "course": "lmwidgets.course",
    "exercises": "lmwidgets.exercises",
    "ActivationExplorer": "lmwidgets.widgets.activations",
    "LossExplorer": "lmwidgets.widgets.losses",
    "OptimizerPlayground": "lmwidgets.widgets.optimizers",
    "LiveLossPlot": "lmwidgets.widgets.live_loss_plot",
    "TrainingDashboard": "lmwidgets.widgets.training_dashboard",
    "MetricsExplorer": "lmwidgets.widgets.metrics",
    "OverfittingExplorer": "lmwidgets.widgets.overfitting",
    "NeuronExplorer": "lmwidgets.widgets.neuron",
    "ScaleCalculator": "lmwidgets.widgets.scale",
    "ModelTimeline": "lmwidgets.widgets.timeline",
    "ScalingLawLab": "lmwidgets.widgets.scaling_law",
    "Playground": "lmwidgets.widgets.playground",
    "FeatureMapExplorer": "lmwidgets.widgets.feature_maps",
    "SamplingExplorer": "lmwidgets.widgets.sampling",
    "ScheduleExplorer": "lmwidgets.widgets.schedules",
    "compare_backends": "lmwidgets.core.backend_compare",
    "from_state": "lmwidgets.widgets._base",
    "show": "lmwidgets.widgets.show",
    "set_language": "lmwidgets.language",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'lmwidgets' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if module.__name__ == f"lmwidgets.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
