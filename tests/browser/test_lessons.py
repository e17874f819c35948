"""Every lesson, run from JupyterLab's UI in Chromium: no error, every widget live and alive."""

import json
from pathlib import Path

import pytest

from tests.browser.lab_page import (
    image_sources,
    move_slider,
    open_notebook,
    pick_option,
    problems,
    run_all,
    wait_until_images_change,
    widget_text_forms,
)

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))

# For each widget class, one interaction through the UI that must change what is drawn:
# ("slider", control) presses ArrowRight on it; ("select", control) picks another option.
INTERACTIONS = {
    "NeuronExplorer": ("slider", "weight"),
}


def _widget_classes(page):
    return page.evaluate(
        """() => [...new Set([...document.querySelectorAll('[class*="lmwidgets-"]')]
             .flatMap(e => [...e.classList]).filter(c => c.startsWith('lmwidgets-'))
             .map(c => c.slice('lmwidgets-'.length)))]"""
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_lesson_runs_and_every_widget_lives(browser, lab, artifacts, lesson):
    console_errors = []
    page = open_notebook(browser, lab, f"lessons/{lesson.name}", console_errors)
    try:
        run_all(page)
        text_forms = widget_text_forms(lesson)
        found = problems(page, len(text_forms), text_forms, console_errors)
        page.screenshot(path=str(artifacts / f"{lesson.stem}.png"))
        assert not found, "\n".join(found)

        untested = []
        for name in _widget_classes(page):
            widget = page.locator(f".lmwidgets-{name}").first
            widget.scroll_into_view_if_needed()
            widget.screenshot(path=str(artifacts / f"{lesson.stem}-{name}.png"))
            kind, control = INTERACTIONS.get(name, (None, None))
            if kind is None:
                untested.append(name)
                continue
            before = image_sources(widget)
            if kind == "slider":
                move_slider(page, widget, control)
            else:
                pick_option(widget, control)
            assert wait_until_images_change(page, widget, before), (
                f"{name}: the figure did not change within 2 s of touching {control!r}"
            )
        assert not untested, f"no UI interaction defined for {untested}"
    finally:
        page.close()


def test_detector_catches_broken_widgets(browser, lab, artifacts):
    """The checks above must fail on the two ways a widget breaks for learners."""
    broken = artifacts / "broken_widgets.ipynb"
    missing_state = {
        "output_type": "display_data",
        "metadata": {},
        "data": {
            "text/plain": "IntSlider(value=5)",
            "application/vnd.jupyter.widget-view+json": {
                "version_major": 2,
                "version_minor": 0,
                "model_id": "0" * 32,
            },
        },
    }
    missing_module = (
        "import ipywidgets, traitlets\n"
        "class Broken(ipywidgets.DOMWidget):\n"
        "    _view_module = traitlets.Unicode('lmwidgets-no-such-module').tag(sync=True)\n"
        "    _view_name = traitlets.Unicode('NoSuchView').tag(sync=True)\n"
        "Broken()"
    )
    cells = [
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "source": "",
            "outputs": [missing_state],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "source": missing_module,
            "outputs": [],
        },
    ]
    notebook = {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    }
    broken.write_text(json.dumps(notebook))
    console_errors = []
    relative = broken.relative_to(lab["root"]).as_posix()
    page = open_notebook(browser, lab, relative, console_errors)
    try:
        stored = problems(page, 1, ["IntSlider(value=5)"], console_errors)
        assert any("shown as text" in p for p in stored), stored
        assert any("live widget outputs" in p for p in stored), stored
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_timeout(3000)
        after_run = problems(page, 2, [], console_errors)
        assert any("failed to display" in p or "page says" in p for p in after_run), after_run
    finally:
        page.close()
