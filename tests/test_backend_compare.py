"""compare_backends: one subprocess per backend, same model and data; checked against
the same measurement made in this process and against the closed-form parameter count."""

import lmwidgets
from lmwidgets.core import backend_compare

import keras
import pytest

TINY = {"epochs": 2, "samples": 128, "batch_size": 64}


@pytest.fixture(scope="module")
def table():
    return lmwidgets.compare_backends(**TINY)  # every installed backend


def test_one_row_per_backend_with_every_column(table):
    assert list(table.columns) == list(backend_compare.COLUMNS)
    # each ran on its own backend
    assert table["backend"].tolist() == backend_compare.installed_backends()
    assert (table["parameters"] == (784 + 1) * 128 + (128 + 1) * 10).all()
    for column in ("import_s", "first_epoch_s", "epoch_s"):
        assert (table[column] > 0).all(), column
    assert table["test_accuracy"].between(0, 1).all()


def test_subprocess_matches_the_same_run_in_this_process(table):
    here = keras.backend.backend()
    row = table.set_index("backend").loc[here]
    assert backend_compare.measure(**TINY)["test_accuracy"] == pytest.approx(
        row["test_accuracy"], abs=1e-3
    )


def test_installed_backends_and_validation():
    # `make test` installs all three: what lesson 07 and the README promise is what runs.
    assert backend_compare.installed_backends() == ["jax", "torch", "tensorflow"]
    with pytest.raises(ValueError, match="expected one of jax, torch, tensorflow"):
        lmwidgets.compare_backends(["theano"])
    with pytest.raises(ValueError, match="epochs"):
        lmwidgets.compare_backends(["jax"], epochs=0)


def test_the_module_refuses_a_backend_other_than_its_process():
    with pytest.raises(SystemExit):
        other = "torch" if keras.backend.backend() == "jax" else "jax"
        backend_compare.main(["--backend", other])
