"""A real JupyterLab and a real Chromium, shared by every browser test of the session.

Chromium is Debian's (`apt-get install chromium`); Playwright drives it, never downloading a
browser of its own. Without Chromium the tests skip, except under CI=true where that fails.
"""

import os
from pathlib import Path

import pytest

from tests.browser import lab_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"


def _chromium():
    path = lab_server.chromium_path()
    if path:
        return path
    reason = "Chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI the browser tests must run.")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving the repository, stopped at the end."""
    _chromium()  # skip (or fail under CI) before starting anything
    try:
        with lab_server.jupyterlab(ROOT, tmp_path_factory.mktemp("jupyterlab")) as server:
            yield server
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser(lab):
    with lab_server.chromium() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def artifacts():
    folder = ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    return folder
