"""Every widget speaks Chinese after ``set_language("zh")``, and English by default.

The audit lists every text a widget shows (control and option labels, buttons, labels,
messages and status lines, the figure's titles, axis labels, legends and annotations) and
fails on each one still in English (``tests/language_audit.py`` says what counts). The
figure is drawn with the Chinese font: a "Glyph ... missing" warning fails the test.
"""

import html
import re
import warnings

import lmwidgets
import lmwidgets.fonts
import lmwidgets.language
from lmwidgets.widgets._base import _descendants, render_png, widget_names

import ipywidgets
import matplotlib.text
import pytest

from tests.language_audit import CJK, speaking, untranslated
from tests.strategies import make, widget_data

TAG = re.compile(r"<[^>]+>")
HAS_CJK_FONT = lmwidgets.fonts.cjk_font() is not None


@pytest.fixture(scope="module")
def data():
    return widget_data()


def shown_texts(widget):
    """(where, text) for every text the widget shows."""
    found = []
    for child in _descendants(widget):
        where = type(child).__name__
        description = getattr(child, "description", "")
        if isinstance(description, str) and description.strip():
            found.append((f"{where} description", description))
        if "lmw-generated" in getattr(child, "_dom_classes", ()):  # a model's text: no language
            continue
        if isinstance(child, ipywidgets.HTML | ipywidgets.Label) and child.value.strip():
            found.append((where, html.unescape(TAG.sub(" ", child.value))))
        if hasattr(child, "_options_labels"):
            values = [str(value) for value in getattr(child, "_options_values", ())]
            for label in child._options_labels:
                if label not in values:  # a label that is its value is a name in code
                    found.append((f"{where} option", label))
    for text in widget.figure.findobj(matplotlib.text.Text):
        if text.get_visible() and text.get_text().strip():
            found.append(("figure", text.get_text()))
    return found


def names_in_code(widget):
    """Option values (and the words in them: sin(x1), Megatron-Turing NLG 530B) and the
    widget's own name: code and proper names, shown as they are in both languages."""
    names = {type(widget).__name__}
    for spec in widget.specs.values():
        for value in spec.values:
            names.add(str(value))
            names.update(re.findall(r"[A-Za-z]+", str(value)))
    return names


@pytest.mark.parametrize("name", sorted(widget_names()))
def test_every_text_a_widget_shows_is_chinese(name, data):
    with speaking("zh"), warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph \d+ .* missing")
        widget = make(name, data)
        try:
            render_png(widget.figure)
            texts = shown_texts(widget)
            allowed = names_in_code(widget)
        finally:
            widget.close()
    if not HAS_CJK_FONT:  # figure text stays English then, by design
        texts = [(where, text) for where, text in texts if where != "figure"]
    english = [(where, text, untranslated(text, allowed)) for where, text in texts]
    english = [row for row in english if row[2]]
    assert not english, f"{len(english)} English texts in {name}:\n" + "\n".join(
        f"  {where}: {text!r} ({why})" for where, text, why in english
    )


@pytest.mark.parametrize("name", sorted(widget_names()))
def test_english_stays_the_default_with_no_chinese_shown(name, data):
    assert lmwidgets.language.language() == "en"
    widget = make(name, data)
    try:
        chinese = [(where, text) for where, text in shown_texts(widget) if CJK.search(text)]
    finally:
        widget.close()
    assert not chinese, chinese


def test_without_a_chinese_font_figures_stay_english_and_say_how_to_install_one(
    monkeypatch, capsys
):
    monkeypatch.setitem(lmwidgets.fonts._found, "font", None)
    monkeypatch.setattr(lmwidgets.fonts, "_told", [])
    monkeypatch.setattr(lmwidgets.fonts, "_applied", [])
    with speaking("zh"):
        assert lmwidgets.language.say_in_figure("loss", "损失") == "loss"
        assert lmwidgets.language.say("loss", "损失") == "损失"
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1 and "fonts-noto-cjk" in printed


@pytest.mark.skipif(not HAS_CJK_FONT, reason="no CJK font installed (CI installs one)")
def test_with_a_chinese_font_figure_text_is_chinese():
    with speaking("zh"):
        assert lmwidgets.language.say_in_figure("loss", "损失") == "损失"


def test_the_language_comes_from_the_environment_and_a_bad_one_is_refused(monkeypatch):
    monkeypatch.setattr(lmwidgets.language, "_chosen", None)
    monkeypatch.setenv("LMWIDGETS_LANG", "zh")
    assert lmwidgets.language.language() == "zh"
    assert str(lmwidgets.language.Words("loss", "损失")) == "损失"
    monkeypatch.setenv("LMWIDGETS_LANG", "fr")
    with pytest.raises(ValueError, match="LMWIDGETS_LANG must be one of 'en'.*Received: 'fr'"):
        lmwidgets.language.language()
    with pytest.raises(ValueError, match="language must be one of .*Received: 'cn'"):
        lmwidgets.set_language("cn")


def test_the_advice_after_a_blow_up_speaks_the_language_set():
    from lmwidgets.core import training

    with speaking("zh"):
        advice = training.divergence_advice({"epoch": 3, "loss": float("nan")}, learning_rate=2.0)
    assert untranslated(advice) is None and "第 3 轮" in advice and "learning_rate = 2" in advice
    english = training.divergence_advice({"epoch": 3, "loss": float("nan")}, learning_rate=2.0)
    assert english.startswith("Training stopped at epoch 3")
