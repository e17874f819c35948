"""Every lesson, run from JupyterLab's UI in Chromium: no error, every widget live and alive."""

from pathlib import Path

import pytest

from tests.browser.lab_page import (
    click_button,
    deselect_last,
    image_sources,
    message_text,
    move_slider,
    open_notebook,
    pick_option,
    problems,
    run_all,
    type_value,
    wait_for_message,
    wait_until_images_change,
    widget_text_forms,
    write_notebook,
)

ROOT = Path(__file__).resolve().parents[2]
# Both editions: lessons/ and the Chinese one, lessons/zh/.
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb")) + sorted((ROOT / "lessons/zh").glob("*.ipynb"))

# For each widget class, one interaction through the UI that must change what is drawn
# within 2 s: (kind, control, argument). Widgets whose every control retrains a model get
# the time that training takes.
INTERACTIONS = {
    "NeuronExplorer": ("slider", "weight", None),
    "ActivationExplorer": ("slider", "x_range", None),
    "LossExplorer": ("click", "view", 1),
    "OptimizerPlayground": ("select", "surface", None),
    "Playground": ("select", "dataset", None),
    "ScaleCalculator": ("select", "preset", None),
    "ModelTimeline": ("slider", "fit_since", None),
    "ScalingLawLab": ("deselect_last", "widths", None),  # the fit, from cached models
    "MetricsExplorer": ("text", "threshold", "0.3"),
    "SamplingExplorer": ("text", "temperature", "0.5"),
    "FeatureMapExplorer": ("select", "layer", None),
    "OverfittingExplorer": ("slider", "dropout", None),
    "TrainingDashboard": ("train_then_stop", None, None),
    "ScheduleExplorer": ("select", "schedule", None),
}
RETRAINS_S = {"OverfittingExplorer": 30}
UI_RESPONSE_S = 2.0


def _touch(page, widget, kind, control, argument):
    if kind == "slider":
        move_slider(page, widget, control)
    elif kind == "select":
        pick_option(widget, control)
    elif kind == "click":
        click_button(widget, control, argument)
    elif kind == "text":
        type_value(page, widget, control, argument)
    elif kind == "deselect_last":
        deselect_last(widget, control)
    else:
        raise ValueError(f"unknown interaction {kind!r}")


# What the TrainingDashboard says while training and after Stop, in each edition.
TRAINING_SAYS = {"en": ("Training", "stopped by you after"), "zh": ("正在训练", "你在")}


def _train_then_stop(page, widget, language):
    """Train from the UI, press Stop while it runs: training ends and says what it kept."""
    training, stopped = TRAINING_SAYS[language]
    epochs = widget.locator(".lmw-control-epochs .noUi-handle").first
    epochs.focus()
    page.keyboard.press("End")  # the most epochs, so that Stop comes while training
    most = epochs.get_attribute("aria-valuemax")
    for _ in range(50):  # the kernel has the new value once the handle shows it
        if epochs.get_attribute("aria-valuenow") == most:
            break
        page.wait_for_timeout(100)
    assert epochs.get_attribute("aria-valuenow") == most, "the epochs slider did not go to its end"
    widget.locator(".lmw-button-train").click()
    assert wait_for_message(page, widget, training, 10), message_text(widget)
    # At once: on a quiet machine 20 epochs of the 8,000 digits take about 2 s.
    stop = widget.locator(".lmw-button-stop")
    assert stop.is_enabled(), f"training ended before Stop: {message_text(widget)}"
    stop.click(timeout=5000)
    assert wait_for_message(page, widget, stopped, 20), message_text(widget)


def _widget_classes(page):
    return page.evaluate(
        """() => [...new Set([...document.querySelectorAll('[class*="lmwidgets-"]')]
             .flatMap(e => [...e.classList]).filter(c => c.startsWith('lmwidgets-'))
             .map(c => c.slice('lmwidgets-'.length)))]"""
    )


def _name(lesson):
    """``04_math`` or ``zh-04_math``: the test's id and its screenshots' names."""
    return f"{lesson.parent.name}-{lesson.stem}" if lesson.parent.name == "zh" else lesson.stem


@pytest.mark.parametrize("lesson", LESSONS, ids=_name)
def test_lesson_runs_and_every_widget_lives(browser, lab, artifacts, lesson):
    console_errors = []
    path = lesson.relative_to(ROOT).as_posix()
    page = open_notebook(browser, lab, path, console_errors)
    try:
        run_all(page)
        text_forms = widget_text_forms(lesson)
        found = problems(page, len(text_forms), text_forms, console_errors)
        page.screenshot(path=str(artifacts / f"{_name(lesson)}.png"))
        assert not found, "\n".join(found)

        untested = []
        for name in _widget_classes(page):
            widget = page.locator(f".lmwidgets-{name}").first
            widget.scroll_into_view_if_needed()
            widget.screenshot(path=str(artifacts / f"{_name(lesson)}-{name}.png"))
            kind, control, argument = INTERACTIONS.get(name, (None, None, None))
            if kind is None:
                untested.append(name)
            elif kind == "train_then_stop":
                _train_then_stop(page, widget, "zh" if lesson.parent.name == "zh" else "en")
            else:
                before = image_sources(widget)
                _touch(page, widget, kind, control, argument)
                limit = RETRAINS_S.get(name, UI_RESPONSE_S)
                assert wait_until_images_change(page, widget, before, limit), (
                    f"{name}: the figure did not change within {limit} s of touching {control!r}"
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
    write_notebook(broken, cells)
    console_errors = []
    relative = broken.relative_to(lab["root"]).as_posix()
    page = open_notebook(browser, lab, relative, console_errors)
    try:
        stored = problems(page, 1, ["IntSlider(value=5)"], console_errors, settle_s=3)
        assert any("shown as text" in p for p in stored), stored
        assert any("live widget outputs" in p for p in stored), stored
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_timeout(3000)
        after_run = problems(page, 2, [], console_errors, settle_s=3)
        assert any("failed to display" in p or "page says" in p for p in after_run), after_run
    finally:
        page.close()
