"""The Chinese edition (lessons/zh/) is the English edition's code with Chinese prose.

Every code cell of a Chinese lesson parses to the same syntax tree as the English one's,
with string literals blanked and comments dropped (the parser drops them), and keeps its
tags, so the two editions cannot drift apart. Each Chinese lesson is a chapter in Chinese
(the same closing sections, folded answers, links to the glossary), and the glossary has
at least 60 terms in both languages.
"""

import ast
import json
import re

from lmwidgets.course import LESSONS as COURSE
from lmwidgets.course import LESSONS_DIR

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tests.language_audit import CJK

ZH_DIR = LESSONS_DIR / "zh"
GLOSSARY = ZH_DIR / "glossary.md"
ZH_CLOSING = ["小结", "练习", "自测"]


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def code_cells(path):
    return [c for c in cells(path) if c["cell_type"] == "code"]


def markdown(path):
    return [source(c) for c in cells(path) if c["cell_type"] == "markdown"]


class _BlankStrings(ast.NodeTransformer):
    def visit_Constant(self, node):  # noqa: N802 (ast's visitor naming)
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node):  # noqa: N802
        return ast.Constant("")

    def visit_Call(self, node):  # noqa: N802
        """A magic (``%timeit f(1)``) is a call with its line as a string: compare the line
        as code where it parses."""
        magic = isinstance(node.func, ast.Attribute) and node.func.attr.startswith("run_")
        if magic and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
            try:
                line = ast.dump(self.visit(ast.parse(node.args[1].value)))
            except SyntaxError:
                line = node.args[1].value
            return ast.Call(node.func, [node.args[0], ast.Constant(line)], node.keywords)
        return self.generic_visit(node)


def code_shape(text):
    """The syntax tree of a cell (IPython magics turned into Python), strings blanked."""
    python = TransformerManager().transform_cell(text)
    return ast.dump(_BlankStrings().visit(ast.parse(python)))


def chinese_characters(path):
    return sum(len(CJK.findall(text)) for text in markdown(path))


@pytest.mark.parametrize("lesson", COURSE, ids=lambda lesson: lesson.filename)
def test_every_lesson_has_a_chinese_edition_with_the_same_code(lesson):
    english, chinese = LESSONS_DIR / lesson.filename, ZH_DIR / lesson.filename
    assert chinese.exists(), f"{chinese} is missing"
    ours, theirs = code_cells(english), code_cells(chinese)
    assert len(ours) == len(theirs), f"{len(ours)} code cells in English, {len(theirs)} in Chinese"
    for index, (en, zh) in enumerate(zip(ours, theirs, strict=True)):
        assert code_shape(source(en)) == code_shape(source(zh)), (
            f"code cell {index} differs beyond strings and comments:\n"
            f"--- English\n{source(en)}\n--- Chinese\n{source(zh)}"
        )
        assert en["metadata"].get("tags", []) == zh["metadata"].get("tags", []), index


def test_the_blanking_ignores_strings_and_comments_but_not_code():
    assert code_shape('print("loss")  # English') == code_shape("print('损失')  # 中文")
    assert code_shape('f"{x:.2f} s"') == code_shape('f"{x:.3f} 秒"')
    assert code_shape("print(x)") != code_shape("print(y)")
    assert code_shape("%timeit f(1)") != code_shape("%timeit f(2)")


@pytest.mark.parametrize("lesson", COURSE, ids=lambda lesson: lesson.filename)
def test_a_chinese_lesson_speaks_chinese_and_sets_the_language(lesson):
    path = ZH_DIR / lesson.filename
    first = source(cells(path)[0]).splitlines()[0]
    assert first == f"# {lesson.number:02d} · {lesson.title_zh}"
    assert chinese_characters(path) >= 1500, f"{chinese_characters(path)} Chinese characters"
    setup = source(code_cells(path)[0])
    assert 'lmwidgets.set_language("zh")' in setup
    english_setup = source(code_cells(LESSONS_DIR / lesson.filename)[0])
    assert 'lmwidgets.set_language("en")' in english_setup
    assert any("glossary.md" in text for text in markdown(path)), "no link to the glossary"


@pytest.mark.parametrize("lesson", COURSE[1:], ids=lambda lesson: lesson.filename)
def test_a_chinese_chapter_closes_in_order_with_folded_answers(lesson):
    texts = markdown(ZH_DIR / lesson.filename)
    headings = [
        line.strip("# ").strip() for text in texts for line in text.splitlines()
        if line.startswith("## ")
    ]  # fmt: skip
    assert [h for h in headings if h in ZH_CLOSING] == ZH_CLOSING
    english = "\n".join(markdown(LESSONS_DIR / lesson.filename))
    chinese = "\n".join(texts)
    assert chinese.count("<details>") == english.count("<details>")


def glossary_rows():
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells_ = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells_) >= 2 and not set(cells_[0]) <= set("-: "):
            rows.append(cells_)
    return rows[1:]  # the header


def test_the_glossary_has_at_least_60_terms_in_both_languages():
    rows = glossary_rows()
    assert len(rows) >= 60, f"{len(rows)} terms"
    for chinese, english, *_ in rows:
        assert CJK.search(chinese), chinese
        assert re.search(r"[A-Za-z]", english), english
    assert len({row[0] for row in rows}) == len(rows), "a term is listed twice"


def test_the_two_welcome_lessons_link_each_other_and_the_chinese_one_every_chinese_lesson():
    english = "\n".join(markdown(LESSONS_DIR / "00_welcome.ipynb"))
    assert "](zh/00_welcome.ipynb)" in english
    chinese = "\n".join(markdown(ZH_DIR / "00_welcome.ipynb"))
    for lesson in COURSE:
        assert f"]({lesson.filename})" in chinese, lesson.filename
