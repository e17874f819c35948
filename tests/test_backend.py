"""Backend selection (never overriding the user) and autodiff on every installed backend."""

import json
import os
import subprocess
import sys
import textwrap

from lmwidgets import backend

import numpy as np
import pytest

INSTALLED = [name for name in backend.BACKENDS if backend._installed(name)]


@pytest.fixture
def no_choice(monkeypatch, tmp_path):
    """A user who set no KERAS_BACKEND and has no keras.json."""
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def test_picks_first_installed_backend_when_user_has_not_chosen(no_choice):
    assert backend.select() == INSTALLED[0]
    assert os.environ["KERAS_BACKEND"] == INSTALLED[0]


def test_never_overrides_environment_choice(no_choice, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert backend.select() == "tensorflow"
    assert os.environ["KERAS_BACKEND"] == "tensorflow"


def test_never_overrides_keras_json_choice(no_choice):
    (no_choice / "keras.json").write_text(json.dumps({"backend": "torch"}))
    assert backend.select() == "torch"
    assert "KERAS_BACKEND" not in os.environ


def test_keras_default_tensorflow_entry_is_not_a_choice_without_tensorflow(no_choice, monkeypatch):
    # Keras writes {"backend": "tensorflow"} on its first import, whatever it runs.
    installed = backend._installed
    monkeypatch.setattr(
        backend, "_installed", lambda name: name != "tensorflow" and installed(name)
    )
    (no_choice / "keras.json").write_text(json.dumps({"backend": "tensorflow"}))
    assert backend.select() == "jax"


def test_tensorflow_is_told_to_stay_quiet_only_where_it_is_not_the_backend(monkeypatch):
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # the user's own setting wins
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    backend.select()
    assert "TF_ENABLE_ONEDNN_OPTS" not in os.environ
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    backend.select()
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


@pytest.mark.skipif(not backend._installed("tensorflow"), reason="needs tensorflow installed")
def test_seeding_on_jax_writes_nothing_to_stderr_where_tensorflow_is_installed():
    # keras.utils.set_random_seed imports TensorFlow; its start-up lines would land in a
    # lesson's cell (and nbval compares stderr).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "KERAS_BACKEND"))}
    code = "import lmwidgets, keras; keras.utils.set_random_seed(0); import tensorflow"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "KERAS_BACKEND": "jax"},
    )
    assert out.returncode == 0 and out.stderr == "", out.stderr[-2000:]


def test_selection_writes_nothing(no_choice):
    backend.select()
    assert list(no_choice.iterdir()) == []


def test_no_backend_installed_says_which_pip_command_fixes_it(no_choice, monkeypatch):
    monkeypatch.setattr(backend, "_installed", lambda name: False)
    with pytest.raises(ImportError, match=r'pip install "lmwidgets\[jax\]"'):
        backend.require()


def test_chosen_backend_not_installed_is_explained(no_choice, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setattr(backend, "_installed", lambda name: name == "jax")
    with pytest.raises(ImportError, match=r"lmwidgets\[torch\]"):
        backend.require()


def test_import_lmwidgets_imports_no_heavy_module():
    code = "import sys, lmwidgets; print(sorted(m for m in ('keras', 'matplotlib', "
    code += "'ipywidgets', 'jax', 'torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_public_name_is_an_attribute_error():
    import lmwidgets

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lmwidgets.nope  # noqa: B018


GRADIENT_CHECK = textwrap.dedent(
    """
    import numpy as np
    import lmwidgets
    from lmwidgets.backend import backend_name, gradient, value_and_gradient
    import keras

    assert backend_name() == {name!r}, backend_name()
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    sig = 1 / (1 + np.exp(-x))
    closed_forms = {{
        keras.activations.relu: (x > 0).astype(float),
        keras.activations.tanh: 1 - np.tanh(x) ** 2,
        keras.activations.sigmoid: sig * (1 - sig),
        keras.activations.linear: np.ones_like(x),
        (lambda t: keras.ops.square(t) * 3.0): 6 * x,
    }}
    for fn, expected in closed_forms.items():
        np.testing.assert_allclose(gradient(fn, x), expected, rtol=1e-5, atol=1e-6)
    y, dy = value_and_gradient(keras.activations.softplus, x)
    np.testing.assert_allclose(y, np.log1p(np.exp(x)), rtol=1e-5)
    np.testing.assert_allclose(dy, sig, rtol=1e-5)
    print("ok")
    """
)


@pytest.mark.parametrize("name", INSTALLED)
def test_gradient_is_the_backends_autodiff(name):
    env = {**os.environ, "KERAS_BACKEND": name, "TF_CPP_MIN_LOG_LEVEL": "2"}
    code = GRADIENT_CHECK.format(name=name)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")


def test_ci_installs_all_three_backends():
    # CI's proof of the other backends is only as good as what it installs.
    if os.environ.get("CI") == "true":
        assert set(INSTALLED) == {"jax", "torch", "tensorflow"}


def test_every_public_name_resolves():
    import lmwidgets

    for name in lmwidgets.__all__:
        assert getattr(lmwidgets, name) is not None, name


def _scaled_tanh(t, scale=1.0, flip=False):
    import keras

    y = keras.ops.tanh(scale * t)
    return -y if flip else y


def _branches_on_scale(t, scale=1.0):
    import keras

    return keras.ops.relu(t) if scale > 0 else keras.ops.zeros_like(t)


@pytest.mark.backends
def test_compiled_value_and_gradient_matches_the_closed_form():
    import numpy as np

    x = np.linspace(-2, 2, 9, dtype="float32")
    for scale, flip in ((0.5, False), (2.0, True)):
        y, dy = backend.compiled_value_and_gradient(_scaled_tanh, x, scale=scale, flip=flip)
        sign = -1 if flip else 1
        np.testing.assert_allclose(y, sign * np.tanh(scale * x), atol=1e-6)
        np.testing.assert_allclose(dy, sign * scale / np.cosh(scale * x) ** 2, atol=1e-6)
    # Python branching on a float parameter cannot be compiled: it still answers, uncompiled.
    y, dy = backend.compiled_value_and_gradient(_branches_on_scale, x, scale=1.0)
    np.testing.assert_array_equal(dy, (x > 0).astype("float32"))


@pytest.mark.skipif(backend.backend_name() != "jax", reason="compilation is JAX's")
def test_a_new_float_parameter_value_reuses_the_compiled_code():
    import numpy as np

    x = np.linspace(-2, 2, 9, dtype="float32")
    backend.compiled_value_and_gradient(_scaled_tanh, x, scale=0.5)
    compiled = backend._jax_value_and_grad(_scaled_tanh, ())
    traced = compiled._cache_size()
    for scale in (0.7, 1.3, 3.0):
        backend.compiled_value_and_gradient(_scaled_tanh, x, scale=scale)
    assert compiled._cache_size() == traced


SAME_START = textwrap.dedent(
    """
    import json
    import lmwidgets
    from lmwidgets.core import playground_model, training

    playground = playground_model.build_model(2, (8, 4), seed=3).get_weights()
    regression = training.regression_mlp(units=8, seed=3).get_weights()
    print(json.dumps([w.tolist() for w in playground + regression]))
    """
)


def test_a_seed_gives_the_same_starting_network_on_every_backend():
    # Lessons assert what training from these weights shows; a claim cannot then hold on
    # one backend's random stream only.
    starts = {}
    for name in INSTALLED:
        env = {**os.environ, "KERAS_BACKEND": name, "TF_CPP_MIN_LOG_LEVEL": "2"}
        out = subprocess.run(
            [sys.executable, "-c", SAME_START], capture_output=True, text=True, env=env
        )
        assert out.returncode == 0, out.stderr[-2000:]
        starts[name] = json.loads(out.stdout.strip().splitlines()[-1])
    reference = starts[INSTALLED[0]]
    for name, weights in starts.items():
        assert weights == reference, name
    # Glorot-uniform kernels (limit sqrt(6 / (fan_in + fan_out))), zero biases.
    kernel, bias = np.array(reference[0]), np.array(reference[1])
    assert kernel.shape == (2, 8) and np.abs(kernel).max() <= np.sqrt(6 / 10)
    assert np.abs(kernel).max() > 0.5 * np.sqrt(6 / 10) and not bias.any()


def _jax_process(code, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "LMWIDGETS_JAX"))}
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**base, "KERAS_BACKEND": "jax", **env},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


COMPILE_ONE_PROGRAM = """
    import lmwidgets, keras, jax, numpy as np
    print(jax.config.jax_compilation_cache_dir)
    print(np.asarray(jax.jit(lambda x: keras.ops.tanh(x) * 3)(np.arange(4.0))).tolist())
"""


def test_a_second_kernel_finds_jax_programs_the_first_one_compiled(tmp_path):
    folder = tmp_path / "cache" / "jax"
    assert not folder.exists(), "selecting a backend writes nothing"
    first = _jax_process(COMPILE_ONE_PROGRAM, LMWIDGETS_CACHE=str(tmp_path / "cache"))
    assert first.splitlines()[0] == str(folder)
    kept = sorted(path.name for path in folder.iterdir())
    assert kept, "the compiled program was kept"
    second = _jax_process(COMPILE_ONE_PROGRAM, LMWIDGETS_CACHE=str(tmp_path / "cache"))
    assert second == first, "the same numbers from the kept program"
    assert sorted(path.name for path in folder.iterdir()) == kept, "found, not compiled again"


def test_the_users_jax_cache_setting_wins_and_the_cache_can_be_turned_off(tmp_path):
    mine = str(tmp_path / "mine")
    code = "import lmwidgets, jax; print(jax.config.jax_compilation_cache_dir)"
    assert _jax_process(code, JAX_COMPILATION_CACHE_DIR=mine) == mine
    assert _jax_process(code, LMWIDGETS_JAX_CACHE="0", LMWIDGETS_CACHE=mine) == "None"
    assert not (tmp_path / "mine").exists()
