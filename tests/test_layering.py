"""The layering rule as a test: widgets -> core -> keras, and no copied code in widgets.

``lmwidgets/core`` computes and never draws; ``lmwidgets/widgets`` draws and hands
the computing to core (only ``LiveLossPlot``, a Keras callback, imports keras).
"""

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lmwidgets"
DRAWING = {"ipywidgets", "matplotlib", "traitlets", "IPython", "PIL"}
# A Keras callback has to subclass keras.callbacks.Callback.
KERAS_ALLOWED_IN_WIDGETS = {"live_loss_plot.py"}
SAME_LINES = 6


def imported_packages(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_core_does_not_draw(path):
    assert not imported_packages(path) & DRAWING, f"{path.name} imports a drawing library"


@pytest.mark.parametrize("path", sorted((PACKAGE / "widgets").glob("*.py")), ids=lambda p: p.name)
def test_widgets_leave_keras_to_core(path):
    if path.name in KERAS_ALLOWED_IN_WIDGETS:
        return
    assert "keras" not in imported_packages(path), f"{path.name} imports keras: move that to core"


def shapes(path):
    """(line number, shape) of each line of code: names, strings and numbers replaced by
    their kind, so that two lines alike but for what they name have the same shape.
    Blank lines, comments, imports, literal data (tables of texts in two languages,
    ``Words(en, zh)``, among them) and control declarations are left out."""
    kinds = {tokenize.NAME: "n", tokenize.STRING: "s", tokenize.NUMBER: "0"}
    keywords = set(__import__("keyword").kwlist)
    lines = {}
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT):
            continue
        if token.type in (tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        text = token.string
        if token.type in kinds and text not in keywords and text != "Words":
            text = kinds[token.type]
        lines.setdefault(token.start[0], []).append(text)
    source = path.read_text().splitlines()
    kept = []
    for number, parts in sorted(lines.items()):
        stripped = source[number - 1].strip()
        if stripped.startswith(("import ", "from ", "Control(", "Action(", '"""', ")", "]", "}")):
            continue
        if len(parts) <= 2 or "n" not in parts:  # punctuation, `else:`, literal data
            continue
        kept.append((number, " ".join(parts)))
    return kept


def repeated_runs(paths, size=SAME_LINES):
    """Every pair of places where ``size`` consecutive lines have the same shapes."""
    seen, pairs = {}, []
    for path in paths:
        kept = shapes(path)
        for start in range(len(kept) - size + 1):
            window = kept[start : start + size]
            key = tuple(shape for _, shape in window)
            place = (path.name, window[0][0], window[-1][0])
            if key in seen:
                other = seen[key]
                overlapping = other[0] == place[0] and other[2] >= place[1]
                if not overlapping:
                    pairs.append((other, place))
            else:
                seen[key] = place
    return pairs


def test_no_two_places_in_widgets_repeat_six_lines():
    pairs = repeated_runs(sorted((PACKAGE / "widgets").glob("*.py")))
    described = [f"{a[0]}:{a[1]}-{a[2]} ~ {b[0]}:{b[1]}-{b[2]}" for a, b in pairs]
    assert not described, "same code or same shape in six lines or more:\n" + "\n".join(described)


def test_the_detector_finds_a_copy_with_other_names(tmp_path):
    body = "\n".join(f"    total_{i} = compute(values[{i}], 'a{i}') + {i}" for i in range(6))
    (tmp_path / "a.py").write_text(f"def f(values):\n{body}\n")
    (tmp_path / "b.py").write_text(f"def g(items):\n{body.replace('total', 'sum')}\n")
    assert repeated_runs(sorted(tmp_path.glob("*.py")))
