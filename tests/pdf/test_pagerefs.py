"""Which cross-references print their target's page (pagerefs.py), read from the
stylesheets: the screen edition's links print none, so they cost no second layout."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from conftest import STYLES
from makebook.manuscript.styles import stylesheets
from makebook.pdf.pagerefs import FolioRules
from makebook.xhtml import E


def document(edition: str) -> tuple[etree._Element, list[etree._Element]]:
    """A book document as layout.py makes it, with a cross-reference and a plain link."""
    xref = E.a({"href": "#later", "class": "xref"}, "the later chapter")
    plain = E.a({"href": "#later"}, "a plain link")
    section = E.section({"class": "chapter bodymatter", "id": "one"}, E.p(xref, " and ", plain))
    body = E.body({"class": f"edition-{edition}"}, section)
    return E.html(E.head(), body), [xref, plain]


def rules(tmp_path: Path, css: str) -> FolioRules:
    sheet = tmp_path / "extra.css"
    sheet.write_text(css, encoding="utf-8")
    return FolioRules.read([sheet])


def test_the_print_edition_prints_the_page_of_a_cross_reference_and_the_screen_edition_not():
    html, links = document("print")
    assert FolioRules.read(stylesheets(STYLES, "print")).printing(html, links) == {0}
    html, links = document("screen")
    assert FolioRules.read(stylesheets(STYLES, "screen")).printing(html, links) == set()
    assert "data-folio" not in links[0].attrib  # matching leaves the links as they were


def test_rules_are_matched_in_their_context_and_inside_media_blocks(tmp_path):
    css = "@media print { .edition-screen a.xref::after { content: target-counter(attr(href), page) } }"
    found = rules(tmp_path, css)
    assert found.printing(*document("screen")) == {0}
    assert found.printing(*document("print")) == set()
    counters = rules(tmp_path, "a::before { content: '[' attr(data-folio) '] ' }")
    assert counters.printing(*document("screen")) == {0, 1}
    assert (
        rules(tmp_path, "a::after { content: attr(href) }").printing(*document("screen")) == set()
    )


def test_stylesheets_that_cannot_be_read_closely_number_every_cross_reference(tmp_path):
    assert rules(tmp_path, '@import "more.css";').printing(*document("screen")) == {0, 1}
    unknown = rules(tmp_path, "a:unknown-state::after { content: attr(data-folio) }")
    assert unknown.printing(*document("screen")) == {0, 1}
