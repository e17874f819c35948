"""The whole Playground in JupyterLab at 1,280 pixels: nothing cut, the status on one line, and
picking a neuron or a weight in the diagram answers within the browser tests' bound."""

from tests.browser.lab_page import (
    image_sources,
    open_notebook,
    problems,
    run_all,
    wait_until_images_change,
    write_notebook,
)
from tests.browser.test_lessons import UI_RESPONSE_S

# Labels, buttons and texts a learner reads, and whether each shows all of its text.
_CUT = """root => [...root.querySelectorAll(
    '.widget-label, .widget-label-basic, button, .widget-html-content, .widget-inline-hbox label')]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText || e.getAttribute('title') || e.className)"""


SOURCE = "import lmwidgets\n\nplayground = lmwidgets.Playground().step(150)\nplayground"


def _notebook(folder):
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "source": SOURCE,
            "outputs": []}  # fmt: skip
    return write_notebook(folder / "playground_page.ipynb", [cell])


def _pick(widget, control, value):
    widget.locator(f".lmw-control-{control} select").first.select_option(value)


def test_the_whole_playground_fits_and_its_diagram_answers(browser, lab, artifacts):
    console_errors = []
    relative = _notebook(artifacts).relative_to(lab["root"]).as_posix()
    page = open_notebook(browser, lab, relative, console_errors)
    try:
        run_all(page)
        found = problems(page, 1, [], console_errors)
        assert not found, "\n".join(found)
        widget = page.locator(".lmwidgets-Playground").first
        widget.scroll_into_view_if_needed()
        assert widget.evaluate(_CUT) == [], "text cut short"
        overflow = widget.evaluate("w => w.scrollWidth - w.clientWidth")
        assert overflow <= 1, f"the Playground is {overflow} px wider than the notebook"
        status = widget.locator(".lmw-playground-status").first
        line = status.evaluate("s => parseFloat(getComputedStyle(s).lineHeight) || 20")
        assert status.bounding_box()["height"] < 1.7 * line, "the status wraps"
        widget.screenshot(path=str(artifacts / "playground.png"))

        before = image_sources(widget)
        _pick(widget, "neuron", "h1.2")
        assert wait_until_images_change(page, widget, before, UI_RESPONSE_S), "neuron pick"
        before = image_sources(widget)
        _pick(widget, "link", "x1 -> h1.2")
        assert wait_until_images_change(page, widget, before, UI_RESPONSE_S), "link pick"
        page.wait_for_function(
            "() => document.querySelector('.lmw-playground-status').innerText.includes('x1 ->')",
            timeout=UI_RESPONSE_S * 1000,
        )
        weight = widget.locator(".lmw-control-weight input").first
        assert weight.is_enabled() and weight.input_value() not in ("", "0")
        before = image_sources(widget)
        weight.fill("4")
        weight.press("Enter")
        assert wait_until_images_change(page, widget, before, UI_RESPONSE_S), "weight typed"
        page.wait_for_function(
            "() => document.querySelector('.lmw-playground-status').innerText.includes(': 4')",
            timeout=UI_RESPONSE_S * 1000,
        )
    finally:
        page.close()
