"""`[pdf] openers`: chapters that may open on a verso in print, without a blank verso.

Which divisions may (pdf/document.py), and the printed book read back: the same pages
laid out chapter by chapter and whole (`--release`), fewer blank pages, an opener on a
verso without a running head, folios and page labels that agree, an even page count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import DEMO, copy_book
from makebook.build import build
from makebook.model import Openers, Page
from makebook.pdf.document import opens_on_any_page
from makebook.pdf.pagelabels import page_labels
from pdfshape import shape

# --- which divisions may open on a verso -------------------------------------------

KINDS = {"essay-1": "essay", "note-1": "note", "concept-1": "concept", "about": "note"}


def page(page_id: str, role: str, matter: str = "body") -> Page:
    return Page(page_id, page_id, role, matter, f'<section id="{page_id}"/>')


PREFACE = page("preface", "front", "front")
PART = page("part-1", "part")
ESSAY, NOTE, CONCEPT = page("essay-1", "chapter"), page("note-1", "chapter"), page("concept-1", "chapter")  # fmt: skip
READING = page("appendix-reading", "appendix", "back")
ABOUT = page("about", "back", "back")


def any_page(openers: Openers, division: Page, before: Page | None) -> bool:
    return opens_on_any_page(openers, KINDS, division, before)


def test_by_default_every_division_opens_on_a_recto():
    for division in (NOTE, CONCEPT, READING, ABOUT):
        assert not any_page(Openers(), division, ESSAY)


def test_each_kind_follows_its_own_setting():
    openers = Openers(essay="right", concept="any", note="any", appendix="right")
    assert [any_page(openers, d, ESSAY) for d in (ESSAY, NOTE, CONCEPT, READING, ABOUT)] == [
        False,
        True,
        True,
        False,
        True,  # a back-matter chapter is a chapter of its kind
    ]


def test_parts_the_body_and_a_parts_first_chapter_open_on_a_recto_whatever_the_setting():
    every = Openers("any", "any", "any", "any")
    assert not any_page(every, PART, ESSAY)  # a part's page
    assert not any_page(every, NOTE, PART)  # its back stays blank
    assert not any_page(every, NOTE, PREFACE)  # the body's first page
    assert not any_page(every, PREFACE, None)  # the front matter keeps its rectos
    assert not any_page(every, page("sample-end", "sample-end", "back"), READING)
    assert any_page(every, NOTE, ESSAY) and any_page(every, READING, CONCEPT)


# --- the printed book --------------------------------------------------------------

MIXED = 'openers = { default = "right", concept = "any", note = "any" }'


@dataclass(frozen=True)
class Printed:
    index: int  # 1-based physical page
    head: str  # the running head: words above the text block
    folio: str  # words below it
    title: str  # words set large: a part's or a chapter's title
    blank: bool


def printed(pdf: Path) -> tuple[Printed, ...]:
    pages = []
    with pdfplumber.open(pdf) as document:
        for number, each in enumerate(document.pages, 1):
            words = each.extract_words(extra_attrs=["size"])
            head = [w["text"] for w in words if w["top"] < 0.75 * 72]
            foot = [w["text"] for w in words if w["top"] > each.height - 0.75 * 72]
            title = [w["text"] for w in words if w["size"] >= 16]
            pages.append(
                Printed(number, " ".join(head), " ".join(foot), " ".join(title), not words)
            )
    return tuple(pages)


def with_openers(book: Path, where: Path, line: str) -> Path:
    return set_openers(copy_book(book, where), line)


def set_openers(copy: Path, line: str) -> Path:
    """The book's [pdf] openers set by `line`, in place of the one it had."""
    toml = copy / "book.toml"
    text = re.sub(r"(?m)^openers = .*\n", "", toml.read_text(encoding="utf-8"))
    if "\n[pdf]\n" in text:
        text = text.replace("\n[pdf]\n", f"\n[pdf]\n{line}\n", 1)
    else:
        text += f"\n[pdf]\n{line}\n"
    toml.write_text(text, encoding="utf-8")
    return copy


def print_pdfs(book: Path, out: Path, epub: bool = False) -> tuple[Path, Path]:
    """The print edition laid out chapter by chapter, and whole (`--release`); with `epub`,
    the two EPUBs (their page-lists come from those layouts) are the same file."""
    formats = ["epub", "pdf"] if epub else ["pdf"]
    fast = build(book, out / "fast", formats).outputs
    release = build(book, out / "release", formats, release=True).outputs
    if epub:
        assert fast["epub"].read_bytes() == release["epub"].read_bytes()
    return fast["pdf"], release["pdf"]


def assert_sound_print_pages(pdf: Path) -> None:
    """Even in number; every blank page a verso; odd folios on rectos, as the page labels
    a viewer shows them."""
    pages = printed(pdf)
    assert len(pages) % 2 == 0
    assert all(p.index % 2 == 0 for p in pages if p.blank), "a blank recto"
    with pikepdf.open(pdf) as document:
        labels = page_labels(document)
    for each, label in zip(pages, labels, strict=True):
        if each.folio.isdigit():
            assert each.folio == label, f"page {each.index} prints {each.folio}, labelled {label}"
            assert int(each.folio) % 2 == each.index % 2, f"folio {each.folio} on the wrong side"


def first_body(pages: tuple[Printed, ...]) -> Printed:
    return next(p for p in pages if p.folio.isdigit())


def opener(pages: tuple[Printed, ...], title: str) -> Printed:
    """The first page that sets `title` large (after an essay's drop cap, if it has one)."""
    return next(p for p in pages if title in p.title)


@pytest.mark.parametrize("line", ['openers = "any"', 'openers = { note = "any" }'])
def test_the_small_book_is_the_same_laid_out_either_way(small_book, tmp_path, line):
    """The small book (an essay, a note, a concept, then the appendices) has no parts:
    its note opens on the essay's last page's verso when it may."""
    book = with_openers(small_book, tmp_path / "book", line)
    fast, release = print_pdfs(book, tmp_path)
    assert shape(fast) == shape(release)
    assert_sound_print_pages(fast)
    pages = printed(fast)
    note = opener(pages, "A Short Note")
    assert note.index % 2 == 0, "the note does not open on the essay's verso"
    assert note.head == "" and note.folio.isdigit()
    assert not pages[note.index - 2].blank  # no blank page before it


def test_the_demo_with_notes_and_concepts_on_any_page(demo_build, tmp_path):
    """The demo's notes and concepts may open on a verso (its book.toml says so): fewer
    blank pages than with every chapter on a recto, the same book either way, and every
    blank page comes before a part, an essay or an appendix (or a part's own back, or
    the even end)."""
    book = with_openers(DEMO, tmp_path / "demo", MIXED)
    fast, release = print_pdfs(book, tmp_path, epub=True)
    assert shape(fast) == shape(release)
    assert shape(fast) == shape(demo_build["pdf"])  # the demo's own setting
    assert_sound_print_pages(fast)
    rectos = with_openers(DEMO, tmp_path / "rectos", 'openers = "right"')
    every_recto = build(rectos, tmp_path / "rectos-out", ["pdf"]).outputs["pdf"]
    before, after = printed(every_recto), printed(fast)
    assert sum(p.blank for p in after) <= sum(p.blank for p in before) - 4
    assert len(after) < len(before)
    versos = []
    for title in ("The Kitchen Table", "What My Mother Could Not Say", "Co-regulation"):
        page = opener(after, title)
        assert page.head == "", f"{title} opens under a running head"
        assert not after[page.index - 2].blank, f"a blank page before {title}"
        versos += [page.index % 2 == 0]
    assert any(versos), "no note or concept landed on a verso: the test proves nothing"
    # A part's page keeps its blank back, and its first chapter opens on a recto.
    # (A part's page sets its name large, its label "Part One" small above it.)
    parts = (("Learning to Listen", "What the Face Says"), ("Small Lexicon", "Attunement"))
    for part, first in parts:
        assert opener(after, part).index % 2 == 1 and opener(after, first).index % 2 == 1
        assert after[opener(after, part).index].blank
    # Every blank page: the back of a part's page, before a recto that must be one, or last.
    body = first_body(after).index
    for blank in (p for p in after if p.blank and body < p.index < len(after)):
        following = after[blank.index]
        assert following.title, f"the blank page {blank.index} comes before no opener"
        assert not any(t in following.title for t in ("Kitchen", "My Mother", "Co-reg"))


def test_a_changed_setting_builds_the_same_book_as_a_clean_build(small_book, tmp_path):
    """What was laid out for the last build is not reused where a division moved side."""
    book, out = copy_book(small_book, tmp_path / "book"), tmp_path / "out"
    pages_before = shape(build(book, out, ["pdf"]).outputs["pdf"]).pages
    set_openers(book, 'openers = "any"')
    again = build(book, out, ["pdf"]).outputs["pdf"]
    assert shape(again) == shape(build(book, tmp_path / "clean", ["pdf"]).outputs["pdf"])
    assert shape(again).pages < pages_before


def test_the_screen_edition_is_the_same_whatever_the_setting(small_book, tmp_path):
    """The screen PDF has no blank pages: every division starts on the next page anyway."""
    book = with_openers(small_book, tmp_path / "book", 'openers = "right"')
    right = build(book, tmp_path / "right", ["screen"]).outputs["screen"]
    set_openers(book, 'openers = "any"')
    assert shape(build(book, tmp_path / "any", ["screen"]).outputs["screen"]) == shape(right)
