"""A font that draws Chinese in figures: found among the installed ones, never downloaded.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: Chinese text would be
drawn as empty boxes. ``use_for("zh")`` adds the first CJK font found after the default
sans-serif family, so Latin letters and digits look as in the English edition and
Chinese falls back to the CJK font (matplotlib's per-glyph font fallback). Matplotlib's
font list is cached from the first time it ran, so a font installed later is looked for
among the system's font files too.
"""

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
)
# Parts of the file names those families come in (lower case).
CJK_FILES = ("notosanscjk", "sourcehansans", "wqy-zenhei", "wqy-microhei", "msyh", "pingfang")
INSTALL_HINT = (
    "No Chinese font found, so figure text stays in English. To draw it in Chinese, install "
    "one (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk; macOS and Windows have "
    "PingFang SC and Microsoft YaHei) and restart the kernel."
)

_found = {}  # "font" -> the family found, or None; looked for once per process
_told = []
_default_family = []
_applied = []  # the language the fonts were last set for


def cjk_font():
    """The name of an installed font family that draws Chinese, or None."""
    if "font" not in _found:
        _found["font"] = _look_for_font()
    return _found["font"]


def _look_for_font():
    from matplotlib import font_manager

    def known():
        names = {entry.name for entry in font_manager.fontManager.ttflist}
        return next((family for family in CJK_FAMILIES if family in names), None)

    if known() is None:
        for path in font_manager.findSystemFonts():
            if any(part in path.lower().replace(" ", "") for part in CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError):  # an unreadable file: look on
                    continue
    return known()


def use_for(language):
    """Set matplotlib's fonts for figures in ``language``; say once if Chinese cannot be drawn.
    Does nothing when they are set for ``language`` already (each widget calls it)."""
    if _applied == [language]:
        return
    _applied[:] = [language]
    import matplotlib

    if not _default_family:
        _default_family.extend(matplotlib.rcParams["font.family"])
    if language != "zh":
        matplotlib.rcParams["font.family"] = list(_default_family)
        return
    font = cjk_font()
    if font is None:
        if not _told:
            _told.append(True)
            print(INSTALL_HINT)
        return
    matplotlib.rcParams["font.family"] = [*_default_family, font]
