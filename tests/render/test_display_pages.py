"""Display pages and the author's own voice: sign-offs, notes, part pages, as styled."""

from __future__ import annotations

import re

import tinycss2

from conftest import DEMO, STYLES, markup


def declarations(css: str, selector: str) -> dict[str, str]:
    """The declarations of the rules whose selector list names exactly `selector`."""
    found: dict[str, str] = {}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
        if selector in selectors:
            for item in tinycss2.parse_declaration_list(rule.content, True, True):
                if item.type == "declaration":
                    found[item.lower_name] = tinycss2.serialize(item.value).strip()
    return found


def test_a_signature_div_is_a_sign_off_set_apart(render_body):
    body = render_body("I hope it helps.\n\n::: signature\nM. E., Harwich, *spring* 2026\n:::\n")
    assert markup(body.find("div")).replace("\n", "") == (
        '<div class="signature"><p>M. E., Harwich, <em>spring</em> 2026</p></div>'
    )
    book = (STYLES / "book.css").read_text(encoding="utf-8")
    assert declarations(book, ".signature")["text-align"] == "right"
    assert declarations(book, ".signature p")["text-indent"] == "0"
    assert "::: signature" in (DEMO / "front" / "preface.md").read_text(encoding="utf-8")


def test_notes_are_roman_and_titles_inside_italic_stand_upright():
    book = (STYLES / "book.css").read_text(encoding="utf-8")
    assert not re.search(r"\.kind-note[^{]*\{[^}]*font-style:\s*italic", book)
    for inside in (".tagline em", ".concept-section.authors-note p em", ".signature cite"):
        assert declarations(book, inside)["font-style"] == "normal", inside
    pdf = (STYLES / "pdf.css").read_text(encoding="utf-8")
    # A note's second paragraph is indented, its first (after the title) is not.
    assert declarations(pdf, ".note p + p")["text-indent"] == "1.2em"
    assert declarations(pdf, ".note .note-title + p")["text-indent"] == "0"


def test_credits_are_no_larger_than_annotations():
    book = (STYLES / "book.css").read_text(encoding="utf-8")
    credits = float(declarations(book, ".appendix .credits")["font-size"].removesuffix("em"))
    notes = float(declarations(book, ".appendix .annotation")["font-size"].removesuffix("em"))
    assert credits <= notes


def test_every_generated_appendix_opens_with_the_chapter_head():
    templates = DEMO.parent / "src" / "makebook" / "render" / "templates"
    for name in ("reading", "films", "cited", "glossary"):
        source = (templates / f"{name}.xhtml.j2").read_text(encoding="utf-8")
        assert '<header class="chapter-head"><h1 class="chapter-title"' in source, name
