"""Property: any Markdown, however broken, renders to well-formed XHTML with nothing active."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from makebook.render.chapter import render_chapter
from xhtmlchecks import active_content, local

FRAGMENTS = [
    "*", "**", "_", "__", "`", "``", "#", "## ", ">", "> ", "-", "- ", "1.", "1. ", "[x](y)",
    "[x](idea.md)", "[x](#y)", "<b>", "</b>", "<i>", "</i>", "&", "&amp;", "&copy;", "&#x1F600;",
    "<", ">", "[^1]", "[^1]: note", ":::", "::: note", "{.x}", "{#x}", "|a|b|", "|---|---|",
    "\n", "\n\n", "    ", "```", "~~~", "[@siegel1999]", "[@siegel1999, p. 3]", "[", "]", "(",
    ")", "!", "---", "* * *", '"', "'", "<br>", "<div>", "</div>", "<p>", "</p>", "\t", "\\",
    "[t]{lang=fr}", "<details>", "<summary>", "<!--", "-->", "*[HTML]: x", ": def", "<td>",
    "<table>", "<tr>", "<li>", "<span id=x>", "<a href='#x'>", "</a>",
    # active content: must never survive
    "<script>", "</script>", "alert(1)", "<iframe src=x>", "<object>", "<embed src=x>",
    " onclick=\"x()\"", "<p onmouseover='x()'>", "[l](javascript:x())", "<a href=\"JaVaScRiPt:x\">",
    "<style>", "</style>", "<form>", "<input>", "<p style=\"color:red\">", "<svg onload=x>",
    "<img src=\"data:image/png;base64,AA\" alt=\"\">", "<a href='data:text/html,x'>", "{: onclick=x }",
    "<base href=x>", "<link rel=stylesheet href=x>", "<meta http-equiv=refresh>",
]  # fmt: skip
# XML-forbidden characters (and `&#` references that make them) are covered by
# test_characters_xml_forbids_are_dropped_or_reported (test_hard_markdown.py).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8
).map(lambda s: XML_ILLEGAL.sub("", s))  # fmt: skip
MARKDOWN = (
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), TEXT), max_size=40)
    .map("".join)
    .map(lambda s: s.replace("&#", "& #"))
)


def test_any_markdown_renders_to_well_formed_inert_xhtml(loaded_small_book):
    book = loaded_small_book
    template = next(c for c in book.chapters if c.path == Path("one.md"))
    paths = {c.path.as_posix(): c.id for c in book.chapters}

    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(MARKDOWN)
    def check(markdown: str) -> None:
        page = render_chapter(book, replace(template, markdown=markdown), paths)
        root = etree.fromstring(page.html)
        assert local(root.tag) == "section" and root.get("id") == template.id
        assert active_content(root, "page") == []
        for note in page.notes:
            note_root = etree.fromstring(f"<div>{note.html}</div>")
            assert active_content(note_root, note.id) == []

    check()
