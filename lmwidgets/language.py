"""The language the course's widgets and exercises speak: English (the default) or Chinese.

``set_language("zh")`` (or ``LMWIDGETS_LANG=zh`` in the environment) switches every
label, message, figure title and exercise feedback made from then on: a widget made
before keeps its labels, and what it writes anew (a status line, a title it redraws)
follows the language set now. The lessons set it once, in their first cell.

Each text is written once, in both languages, where it is used: ``Words("learning rate",
"学习率")`` beside a control's spec, ``say(en, zh)`` in code that builds a message.
Figure text speaks Chinese only where a font can draw it (``lmwidgets.fonts``); otherwise
it stays English and ``set_language`` says once how to install a font, so a figure never
shows empty boxes.
"""

import dataclasses
import os

LANGUAGES = {"en": "English", "zh": "中文"}
ENVIRONMENT_VARIABLE = "LMWIDGETS_LANG"

_chosen = None


def _checked(language, where):
    if language not in LANGUAGES:
        allowed = ", ".join(f"{code!r} ({name})" for code, name in LANGUAGES.items())
        raise ValueError(f"{where} must be one of {allowed}. Received: {language!r}.")
    return language


def language():
    """The language now: the one set last, else ``LMWIDGETS_LANG``, else English."""
    if _chosen is not None:
        return _chosen
    from_environment = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return _checked(from_environment, ENVIRONMENT_VARIABLE) if from_environment else "en"


def set_language(language):
    """Speak ``"en"`` (English) or ``"zh"`` (中文) in the widgets and exercises made from now on."""
    global _chosen
    _chosen = _checked(language, "language")
    from lmwidgets import fonts

    fonts.use_for(_chosen)


def say(en, zh):
    """The text in the language now."""
    return zh if language() == "zh" else en


def say_in_figure(en, zh):
    """Figure text: Chinese only where an installed font draws it."""
    if language() == "zh":
        from lmwidgets import fonts

        if fonts.cjk_font() is not None:
            return zh
    return en


@dataclasses.dataclass(frozen=True)
class Words:
    """One text in both languages; ``str()`` gives it in the language now."""

    en: str
    zh: str

    def __str__(self):
        return say(self.en, self.zh)

    def __format__(self, spec):
        return format(str(self), spec)

    def in_figure(self):
        return say_in_figure(self.en, self.zh)


def text(value):
    """A label as shown: ``Words`` in the language now, anything else as it is."""
    return str(value) if isinstance(value, Words) else value
