"""Work a widget does in the background after its first picture: a first choice answers at once."""

import lmwidgets
from lmwidgets.core import activations


def test_activation_explorer_compiles_the_other_activations_after_its_first_picture():
    from lmwidgets.widgets import activations as activation_widget

    activation_widget._curves.cache_clear()
    explorer = lmwidgets.ActivationExplorer(activations=("relu",), **{"elu.alpha": 0.5})
    assert explorer.image.value, "the first picture does not wait for the other activations"
    explorer.warm_up.join(timeout=120)
    assert not explorer.warm_up.is_alive()
    misses = activation_widget._curves.cache_info().misses
    assert misses == len(activations.names()), "every activation computed once"

    explorer.controls["activations"].value = ("relu", "elu", "gelu")
    assert activation_widget._curves.cache_info().misses == misses, "the choice recomputed"
    elu = explorer.result["elu"]
    assert elu["params"] == {"alpha": 0.5}, "warmed with the learner's own parameter"
    y, _ = activations.evaluate("elu", explorer.result["x"], alpha=0.5)
    assert (elu["y"] == y).all()
    explorer.close()


def test_a_widget_without_warm_up_calls_starts_no_thread():
    explorer = lmwidgets.NeuronExplorer()
    assert explorer.warm_up is None
    explorer.close()


def test_a_first_picture_that_failed_starts_no_warm_up(monkeypatch):
    from lmwidgets.widgets import activations as activation_widget

    calls = []
    monkeypatch.setattr(
        activation_widget.ActivationExplorer, "warm_up_calls", lambda self: calls.append(1) or ()
    )
    monkeypatch.setattr(
        activation_widget.ActivationExplorer,
        "compute",
        lambda self, changed: (_ for _ in ()).throw(ValueError("no picture")),
    )
    explorer = lmwidgets.ActivationExplorer()
    assert explorer.last_error is not None and explorer.warm_up is None
    assert calls == [], "nothing is prepared for a widget that shows an error"
    explorer.close()
