"""Driving a notebook in JupyterLab and judging what the learner sees."""

import json
import re
import time
from pathlib import Path

# A widget whose state is missing silently shows its text form, e.g. "IntSlider(value=5)".
TEXT_FORM = re.compile(r"^[A-Z]\w*\(.*\)$", re.DOTALL)
ERROR_TEXTS = ("Error displaying widget", "javascript error")

_NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.context) return null;
  const kernel = panel.context.sessionContext.session?.kernel;
  const cells = panel.content.widgets.filter(
    c => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
  return {
    path: panel.context.path,
    status: kernel ? kernel.status : 'none',
    pending: cells.filter(c => c.model.executionCount === null).length,
    error: !!document.querySelector(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'),
  };
}"""

_RENDERED = """() => {
  const outputs = [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')];
  return {
    widgetOutputs: outputs.filter(o => o.querySelector('.jupyter-widgets')).length,
    errorWidgets: document.querySelectorAll('.jupyter-widgets-error-widget').length,
    cellErrors: [...document.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')]
      .map(e => e.innerText.slice(-600)),
    // A widget without its view falls back to its text/plain form (printed text is stdout).
    texts: outputs.filter(o => o.dataset.mimeType === 'text/plain')
      .map(o => o.innerText.trim()),
    notebookText: document.querySelector('.jp-Notebook')?.innerText || '',
  };
}"""


def widget_text_forms(notebook_path):
    """The text/plain forms of the widget outputs stored in a notebook file."""
    cells = json.loads(Path(notebook_path).read_text())["cells"]
    forms = []
    for cell in cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                forms.append("".join(data.get("text/plain", "")))
    return forms


def write_notebook(path, cells):
    """A notebook file of these cells (dicts as nbformat 4 writes them), on a Python kernel."""
    notebook = {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    }
    path.write_text(json.dumps(notebook))
    return path


def open_notebook(browser, lab, relative_path, console_errors):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.goto(f"{lab['url']}/lab/tree/{relative_path}?reset&token={lab['token']}")
    ready = f"""() => {{ const s = ({_NOTEBOOK_STATE})();
        return s && s.path === {json.dumps(relative_path)} && s.status === 'idle'; }}"""
    page.wait_for_function(ready, timeout=90_000)
    return page


def run_all(page, timeout_s=300):
    """Clear outputs, run every cell from the UI, and wait for the kernel to finish."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.monotonic() + timeout_s
    idle_since = None
    while time.monotonic() < deadline:
        state = page.evaluate(_NOTEBOOK_STATE)
        if state["error"]:
            return
        if state["pending"] == 0 and state["status"] == "idle":
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 1.0:  # widgets render just after the reply
                return
        else:
            idle_since = None
        time.sleep(0.25)
    raise TimeoutError(f"the notebook did not finish within {timeout_s} s: {state}")


def problems(page, expected_widget_outputs, text_forms, console_errors, settle_s=15):
    """Everything a learner would see as broken; an empty list when all is well.

    A widget view renders a moment after its output arrives (its text form shows until
    then), so a shortfall counts only if it lasts ``settle_s`` seconds.
    """
    deadline = time.monotonic() + settle_s
    seen = page.evaluate(_RENDERED)
    while seen["widgetOutputs"] < expected_widget_outputs and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        seen = page.evaluate(_RENDERED)
    found = [f"cell error: {text}" for text in seen["cellErrors"]]
    if seen["errorWidgets"]:
        found.append(f"{seen['errorWidgets']} widget(s) failed to display")
    found += [f"page says {text!r}" for text in ERROR_TEXTS if text in seen["notebookText"]]
    if seen["widgetOutputs"] < expected_widget_outputs:
        found.append(
            f"{seen['widgetOutputs']} live widget outputs, expected {expected_widget_outputs}"
        )
    fallbacks = [t for t in seen["texts"] if t in text_forms or TEXT_FORM.match(t)]
    found += [f"widget shown as text: {text[:80]!r}" for text in fallbacks]
    found += [f"console error: {text[:300]}" for text in console_errors if _from_widgets(text)]
    return found


def _from_widgets(message):
    return bool(re.search(r"widget|jupyter-widgets|ipywidgets|lmwidgets", message, re.I))


def image_sources(locator):
    return locator.locator("img").evaluate_all("images => images.map(i => i.src)")


def wait_until_images_change(page, locator, before, timeout_s=2.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if image_sources(locator) != before:
            return True
        page.wait_for_timeout(50)
    return False


def move_slider(page, widget, control):
    handle = widget.locator(f".lmw-control-{control} .noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")


def pick_option(widget, control, index=1):
    select = widget.locator(f".lmw-control-{control} select").first
    values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
    select.select_option(values[index % len(values)])


def click_button(widget, control, index=0):
    widget.locator(f".lmw-control-{control}").locator("button").nth(index).click()


def type_value(page, widget, control, text):
    box = widget.locator(f".lmw-control-{control} input").first
    box.fill(text)
    box.press("Enter")


def deselect_last(widget, control):
    """In a multiple select, keep every selected option but the last one."""
    select = widget.locator(f".lmw-control-{control} select").first
    kept = select.evaluate("s => [...s.selectedOptions].slice(0, -1).map(o => o.value)")
    select.select_option(kept)


def message_text(widget):
    return widget.evaluate(
        "w => [...w.querySelectorAll('.widget-html-content')].map(e => e.innerText).join(' ')"
    )


def wait_for_message(page, widget, needle, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if needle in message_text(widget):
            return True
        page.wait_for_timeout(100)
    return False
