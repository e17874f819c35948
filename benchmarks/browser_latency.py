"""Every control of every widget, in JupyterLab in Chromium: from the learner's key press or
selection to the new picture painted, against a bare ipywidgets echo in the same page.

One notebook shows a bare echo (a slider whose observer swaps a tiny PNG into an Image) and
one widget of each class. For each control, a fresh widget of its class (so every control
starts from the defaults, as a learner meets it; controls hidden until another is chosen
are revealed first) and the change a learner makes: a slider's handle one arrow key, the
next option of a dropdown or of toggle buttons, a checkbox clicked, an option of a
multiple selection toggled, a number typed and Enter, a layer added or removed. Time runs
from the event (key down, pointer down, or the selection's input event, as the page sees
it) to the first frame after the widget's new picture is decoded. The first change of each
control is a warm-up and is left out; so are the echo's first presses.

Before each widget's controls the echo is pressed again, and each control is compared with
the echo measured just before it (the machine's load changes within a run).
Targets: median at most 2x the echo, 95th percentile at most 3x. Controls that retrain a
model (OverfittingExplorer, ScalingLawLab) are timed to their first redraw, without target;
the Playground's play button, which starts training, is not timed.
Run: python benchmarks/browser_latency.py (needs Debian's chromium; about 10 minutes).
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import control_latency  # noqa: E402 (the values a learner types, from each control's spec)

from tests.browser import lab_page, lab_server  # noqa: E402

MEDIAN_TARGET, P95_TARGET = 2.0, 3.0
CHANGES = 8  # after one warm-up change
RETRAIN_CHANGES = 3
RETRAINS = control_latency.RETRAINS
NOT_TIMED = {"play"}  # starts training: no picture of its own to wait for
PICTURE_TIMEOUT_S, RETRAIN_TIMEOUT_S = 5.0, 90.0
# Widgets whose settings (a learning rate, a loss) take effect when the model next trains:
# such a change redraws nothing, and is listed as such rather than as a miss.
APPLIED_WHEN_TRAINED = {"Playground", "TrainingDashboard"}
# Controls shown only once another control allows them (warmup_target: warmup_steps > 0).
PREREQUISITES = {"ScheduleExplorer.warmup_target": {"warmup_steps": 100}}

SETUP = """
import sys
sys.path.insert(0, {root!r})
import io
import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
from tests.strategies import make, widget_data

data = widget_data()
holders = {{}}


def tiny_png(shade):
    buffer = io.BytesIO()
    plt.imsave(buffer, np.full((8, 8), shade), vmin=0, vmax=1, format="png")
    return buffer.getvalue()


pictures = [tiny_png(0.2), tiny_png(0.8)]
echo_slider = ipywidgets.IntSlider(0, 0, 1000)
echo_slider.add_class("lmw-control-echo")
echo_image = ipywidgets.Image(value=pictures[0], format="png")
echo_slider.observe(lambda change: setattr(echo_image, "value", pictures[change.new % 2]), "value")
echo_box = ipywidgets.VBox([echo_slider, echo_image])
echo_box.add_class("lmw-bench-echo")


def held(name):
    holders[name] = ipywidgets.Box([make(name, data)])
    holders[name].add_class(f"lmw-bench-{{name}}")
    return holders[name]


def fresh(name):
    holder = holders[name]
    old = holder.children[0]
    holder.children = [make(name, data)]
    old.close()
    warm_up = getattr(holder.children[0], "warm_up", None)
    if warm_up is not None:  # as a learner reads the first picture before a first change
        warm_up.join(timeout=120)


def _path(node, target):
    if node is target:
        return [node]
    for child in getattr(node, "children", ()):
        found = _path(child, target)
        if found:
            return [node, *found]
    return []


def shown(widget, name):
    control = widget.controls[name]
    path = _path(widget, control)
    hidden = any(getattr(node.layout, "display", None) == "none" for node in path)
    return bool(path) and not hidden and not getattr(control, "disabled", False)


def reveal(name, control):
    widget = holders[name].children[0]
    if shown(widget, control):
        return
    for other, spec in widget.specs.items():
        if other == control or spec.kind not in ("choice", "buttons", "multi", "part"):
            continue
        for option in spec.values or widget.controls[other].options[1:]:
            widget.controls[other].value = (option,) if spec.kind == "multi" else option
            if shown(widget, control):
                return
    raise RuntimeError(f"{{name}}.{{control}} is never shown")
"""

# Every picture or kernel-sent text the widget paints after the learner's event is noted
# with the time of the frame that shows it; the change is complete at the last of them.
TIMING_JS = """() => {
  if (window.lmwTiming) return;
  const t = window.lmwTiming = {start: null, first: null, paints: [], observer: null};
  for (const type of ['keydown', 'pointerdown', 'input', 'change'])
    document.addEventListener(type, e => { if (t.start === null) t.start = e.timeStamp; }, true);
  t.arm = (selector, timeoutMs) => {
    if (t.observer) t.observer.disconnect();
    t.start = null;
    const paints = t.paints = [];
    const root = document.querySelector(selector);
    let noteFirst;
    t.first = new Promise(resolve => {
      noteFirst = resolve;
      setTimeout(() => resolve(false), timeoutMs);
    });
    const painted = shows => requestAnimationFrame(() => setTimeout(() => {
      paints.push({ms: performance.now() - t.start, shows});
      noteFirst(true);
    }, 0));
    t.observer = new MutationObserver(records => {
      if (t.start === null) return;
      const images = new Set(records.map(r => r.target).filter(n => n.tagName === 'IMG'));
      for (const r of records)
        for (const n of r.addedNodes) {
          if (n.tagName === 'IMG') images.add(n);
          else if (n.querySelectorAll) n.querySelectorAll('img').forEach(i => images.add(i));
        }
      // Text the kernel sends (a readout, a table, a message), not a control's own echo.
      const text = records.some(r => {
        const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        return node && node.closest('.widget-html-content')
          && !node.closest('[class*="lmw-control-"]');
      });
      for (const image of images)
        (image.decode ? image.decode().catch(() => null) : Promise.resolve())
          .then(() => painted('picture'));
      if (text) painted('text');
    });
    t.observer.observe(root, {subtree: true, childList: true, characterData: true,
                              attributes: true, attributeFilter: ['src']});
  };
}"""

KERNEL_JS = """async code => {
  const kernel = window.jupyterapp.shell.currentWidget.context.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false});
  let error = null;
  future.onIOPub = message => {
    if (message.header.msg_type === 'error') error = message.content.evalue;
  };
  await future.done;
  return error;
}"""

IDLE_JS = """() => window.jupyterapp.shell.currentWidget.context.sessionContext.session?.kernel
  ?.status === 'idle'"""


def notebook(names):
    import nbformat

    cells = [nbformat.v4.new_code_cell(SETUP.format(root=str(ROOT)))]
    cells.append(nbformat.v4.new_code_cell("echo_box"))
    cells += [nbformat.v4.new_code_cell(f"held({name!r})") for name in names]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernel})


def css(name):
    return f"lmw-control-{name.replace('.', '-')}"


class Page:
    """The benchmark's notebook open in JupyterLab, and the learner's hands on it."""

    def __init__(self, page):
        self.page = page
        page.evaluate(TIMING_JS)

    def kernel(self, code):
        error = self.page.evaluate(KERNEL_JS, code)
        if error:
            raise RuntimeError(f"{code!r} failed in the kernel: {error}")
        self.settle()

    def settle(self, quiet_ms=150, timeout_s=120):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.page.evaluate(IDLE_JS):
                self.page.wait_for_timeout(quiet_ms)  # the widgets' messages arrive just after
                if self.page.evaluate(IDLE_JS):
                    return
            self.page.wait_for_timeout(25)
        raise TimeoutError("the kernel stayed busy")

    def timed(self, selector, act, timeout_s, first=False):
        """{"ms": from the event ``act()`` causes to the new picture or text painted, "shows":
        "picture" or "text"}, or None if the widget showed nothing new. The change is timed
        to the last thing it painted, or with ``first`` to the first (a retraining's first
        redraw)."""
        self.page.evaluate("([s, ms]) => window.lmwTiming.arm(s, ms)", [selector, 1000 * timeout_s])
        act()
        if not self.page.evaluate("() => window.lmwTiming.first"):
            return None
        self.settle(quiet_ms=150)  # the kernel has sent all it will: the last paint is in
        paints = self.page.evaluate("() => window.lmwTiming.paints")
        last = (min if first else max)(paints, key=lambda paint: paint["ms"])
        shows = "picture" if any(p["shows"] == "picture" for p in paints) else "text"
        return {"ms": last["ms"], "shows": shows}


def _slider(page, box, presses, down_first=False):
    """One arrow key per change, back and forth, so the handle never sticks at an end."""
    handle = box.locator(".noUi-handle").first
    order = ("ArrowLeft", "ArrowRight") if down_first else ("ArrowRight", "ArrowLeft")
    keys = [order[index % 2] for index in range(presses)]
    handle.scroll_into_view_if_needed()

    def press(key):
        def act():
            handle.focus()
            page.keyboard.press(key)

        return act

    return [press(key) for key in keys]


def actions(page, name, widget, spec, default, continuous, presses):
    """``presses`` callables, each making one change of the control as a learner would."""
    box = widget.locator(f".{css(spec.name)}").first
    kind = spec.kind
    if kind in ("float", "int", "log", "range"):
        values = control_latency.changes(spec, default, presses)
        down_first = kind != "range" and bool(values) and values[0] < default  # at the top
        return _slider(page, box, presses, down_first)
    if kind in ("choice", "part"):
        select = box.locator("select").first
        options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        start = select.evaluate("s => s.selectedIndex")
        return [
            lambda k=k: select.select_option(options[(start + k) % len(options)])
            for k in range(1, presses + 1)
        ]
    if kind == "buttons":
        buttons = box.locator("button")
        start = buttons.evaluate_all("bs => bs.findIndex(b => b.classList.contains('mod-active'))")
        count = buttons.count()
        return [lambda k=k: buttons.nth((start + k) % count).click() for k in range(1, presses + 1)]
    if kind == "toggle":
        return [lambda: box.locator("input[type=checkbox]").first.click()] * presses
    if kind == "toggles":  # the Playground's features: one more on, then off again
        return [lambda: box.locator("button").nth(2).click()] * presses
    if kind == "layers":  # + layer, - layer, ...
        return [lambda k=k: box.locator("button").nth(k % 2).click() for k in range(presses)]
    if kind == "multi":
        select = box.locator("select").first
        options = select.locator("option").evaluate_all("os => os.map(o => o.value)")

        def toggle(k):
            chosen = select.evaluate("s => [...s.selectedOptions].map(o => o.value)")
            option = options[k % len(options)]
            chosen = [o for o in chosen if o != option] if option in chosen else [*chosen, option]
            select.select_option(chosen or [options[(k + 1) % len(options)]])

        return [lambda k=k: toggle(k) for k in range(presses)]
    if kind in ("float_text", "int_text", "text", "feature"):
        values = control_latency.VALUES.get(f"{name}.{spec.name}")
        values = values or control_latency.changes(spec, default, presses)
        values = [v for v in values if control_latency._allowed(spec, v)][:presses]
        field = box.locator("input").first
        if continuous:  # sent as typed: timed from the typing
            return [lambda v=v: field.fill(str(v)) for v in values]
        # Sent on Enter: typed first, then the Enter is timed.
        return [(lambda v=v: field.fill(str(v)), lambda: field.press("Enter")) for v in values]
    return None


def _measure_control(page, name, spec, default, continuous, presses, timeout_s):
    """Per change, {"ms", "shows": "picture" or "text"}, or None where nothing changed."""
    selector = f".lmw-bench-{name}"
    widget = page.page.locator(f"{selector} .lmwidgets-{name}").first
    acts = actions(page.page, name, widget, spec, default, continuous, presses)
    if acts is None:
        raise AssertionError(f"no way to change a control of kind {spec.kind!r}: add it")
    times = []
    for act in acts:
        if isinstance(act, tuple):
            prepare, act = act
            prepare()
        times.append(page.timed(selector, act, timeout_s, first=name in RETRAINS))
    return times


def _control(hands, name, spec, default, continuous, changes):
    """{"times": [ms or None], "shows": [...]} for one control of a fresh widget, the
    warm-up change left out."""
    retrains = name in RETRAINS
    if not retrains:  # a fresh widget takes a training run: these keep theirs
        hands.kernel(f"fresh({name!r})")
    for control, value in PREREQUISITES.get(f"{name}.{spec.name}", {}).items():
        hands.kernel(f"holders[{name!r}].children[0].controls[{control!r}].value = {value!r}")
    hands.kernel(f"reveal({name!r}, {spec.name!r})")
    presses = 1 + (RETRAIN_CHANGES if retrains else changes)
    timeout = RETRAIN_TIMEOUT_S if retrains else PICTURE_TIMEOUT_S
    changed = _measure_control(hands, name, spec, default, continuous, presses, timeout)[1:]
    return {
        "times": [c and c["ms"] for c in changed],
        "shows": sorted({c["shows"] for c in changed if c}),
    }


def echo(page, presses):
    box = page.page.locator(".lmw-control-echo").first
    acts = _slider(page.page, box, presses)
    changed = [page.timed(".lmw-bench-echo", act, PICTURE_TIMEOUT_S) for act in acts]
    return [c and c["ms"] for c in changed]


def specs_of(names):
    """Each widget class's specs and defaults, from widgets built here as in the kernel."""
    from tests.strategies import make, widget_data

    data = widget_data()
    found = {}
    for name in names:
        widget = make(name, data)
        found[name] = [
            (spec, widget.controls[spec.name].value,
             bool(getattr(widget.controls[spec.name], "continuous_update", False)))
            for spec in widget.specs.values()
        ]  # fmt: skip
        widget.close()
    return found


def measure(names=None, changes=CHANGES):
    """{"echo": [ms], "widgets": {name: {control: {"times": [...], "echo": [...]}}}}."""
    from lmwidgets.widgets._base import widget_names

    names = list(names or widget_names())
    specs = specs_of(names)
    import nbformat

    results = {"echo": [], "widgets": {}}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        nbformat.write(notebook(names), folder / "latency.ipynb")
        with lab_server.jupyterlab(folder, folder / "state") as lab, lab_server.chromium() as b:
            page = lab_page.open_notebook(b, lab, "latency.ipynb", [])
            lab_page.run_all(page, timeout_s=600)
            for name in names:
                page.wait_for_selector(f".lmw-bench-{name} .lmwidgets-{name} img", timeout=60_000)
            hands = Page(page)
            hands.settle()
            echo(hands, 3)  # warm-up presses, left out
            for name in names:
                print(f"{name} ...", file=sys.stderr, flush=True)
                block = echo(hands, changes)
                results["echo"] += block
                results["widgets"][name] = {}
                for spec, default, continuous in specs[name]:
                    if spec.name in NOT_TIMED or control_latency.changes(spec, default) is None:
                        continue  # starts training; one option only; follows the layers
                    try:
                        times = _control(hands, name, spec, default, continuous, changes)
                    except Exception as error:  # noqa: BLE001 - reported as the control's row
                        times = {"error": f"{type(error).__name__}: {error}"[:300]}
                    results["widgets"][name][spec.name] = {**times, "echo": block}
    return results


def summary(name, control, entry):
    """One control's figures: median, p95, their ratios to the echo, and the verdict."""
    echo_ms = statistics.median([t for t in entry["echo"] if t is not None])
    if "error" in entry:
        return {"control": f"{name}.{control}", "echo": echo_ms, "verdict": "FAILED",
                "why": entry["error"]}  # fmt: skip
    times = entry["times"]
    if times and all(t is None for t in times) and name in APPLIED_WHEN_TRAINED:
        return {
            "control": f"{name}.{control}",
            "echo": echo_ms,
            "verdict": "when trained",
            "why": "nothing to redraw: the setting takes effect when the model next trains",
        }
    if not times or any(t is None for t in times):
        missing = sum(t is None for t in times)
        return {"control": f"{name}.{control}", "echo": echo_ms, "verdict": "NO PICTURE",
                "why": f"{missing} of {len(times)} changes drew no new picture"}  # fmt: skip
    median, p95 = statistics.median(times), float(np.percentile(times, 95))
    retrains = name in RETRAINS
    met = median <= MEDIAN_TARGET * echo_ms and p95 <= P95_TARGET * echo_ms
    return {
        "control": f"{name}.{control}",
        "median": median,
        "p95": p95,
        "echo": echo_ms,
        "median_ratio": median / echo_ms,
        "p95_ratio": p95 / echo_ms,
        "verdict": "retrains" if retrains else ("met" if met else "MISSED"),
        "shows": "/".join(entry.get("shows", ())),
    }


def summaries(results):
    return [
        summary(name, control, entry)
        for name, controls in results["widgets"].items()
        for control, entry in controls.items()
    ]


def rows():
    from report import Row

    if lab_server.chromium_path() is None:
        return [Row("browser latency: not measured, Chromium is not installed (apt-get install "
                    "chromium)", float("nan"), "ms", target="measured", met=False)]  # fmt: skip
    lines = summaries(measure())
    table = []
    for name in dict.fromkeys(line["control"].split(".")[0] for line in lines):
        own = [line for line in lines if line["control"].split(".")[0] == name]
        timed = [line for line in own if "median" in line]
        broken = [line for line in own if line["verdict"] in ("NO PICTURE", "FAILED")]
        if broken or not timed:
            control = broken[0]["control"] if broken else name
            table.append(Row(f"{name} in the browser: {control} drew no picture",
                             float("nan"), "ms", target="a new picture", met=False))  # fmt: skip
            continue
        worst = max(timed, key=lambda line: line["median_ratio"])
        retrains = name in RETRAINS
        met = sum(line["verdict"] == "met" for line in timed)
        what = (f"{name} in the browser, slowest of {len(timed)} controls "
                f"({worst['control'].split('.', 1)[1]})"
                + (", retrains, to the first redraw" if retrains else f", {met} met"))  # fmt: skip
        table.append(Row(what, worst["median"], "ms", worst["echo"], "a bare ipywidgets echo",
                         "" if retrains else f"median <= {MEDIAN_TARGET:g}x, p95 <= "
                         f"{P95_TARGET:g}x the echo", None if retrains else
                         met == len(timed)))  # fmt: skip
    return table


def print_table(results):
    lines = summaries(results)
    echo_ms = statistics.median([t for t in results["echo"] if t is not None])
    print(f"bare ipywidgets echo: median {echo_ms:.0f} ms over {len(results['echo'])} presses")
    print(f"{'control':<44}{'median':>8}{'p95':>8}{'echo':>7}{'x echo':>8}{'p95 x':>7}  verdict")
    for line in lines:
        if "median" not in line:
            print(f"{line['control']:<44}{'':>38}  {line['verdict']}: {line['why']}")
            continue
        print(f"{line['control']:<44}{line['median']:>8.0f}{line['p95']:>8.0f}"
              f"{line['echo']:>7.0f}{line['median_ratio']:>8.1f}{line['p95_ratio']:>7.1f}"
              f"  {line['verdict']}")  # fmt: skip
    missed = [
        line["control"] for line in lines if line["verdict"] in ("MISSED", "NO PICTURE", "FAILED")
    ]
    print(f"missed: {', '.join(missed) if missed else 'none'}")


def main():
    names = [a for a in sys.argv[1:] if not a.startswith("--changes=")] or None
    changes = [int(a.split("=")[1]) for a in sys.argv[1:] if a.startswith("--changes=")]
    results = measure(names, *changes)
    out = ROOT / "artifacts" / "browser_latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print_table(results)


if __name__ == "__main__":
    main()
