"""The editions makebook writes (editions.py), each said once."""

from __future__ import annotations

import pytest

from conftest import STYLES
from makebook.editions import (
    BY_FORMAT,
    BY_NAME,
    EDITIONS,
    EPUB,
    FORMATS,
    PDF_EDITIONS,
    PRINT,
    SCREEN,
)
from makebook.pdf.chapterwise.placement import place


def test_the_format_an_author_types_names_an_edition():
    assert FORMATS == ("epub", "pdf", "screen")
    assert (BY_FORMAT["pdf"], BY_FORMAT["screen"], BY_FORMAT["epub"]) == (PRINT, SCREEN, EPUB)
    assert (BY_NAME["print"], BY_NAME["screen"], BY_NAME["epub"]) == (PRINT, SCREEN, EPUB)


def test_each_edition_has_its_file_suffix_and_pdf_standard():
    assert [(e.name, e.suffix, e.pdf_variant) for e in EDITIONS] == [
        ("epub", ".epub", None),
        ("print", ".pdf", "pdf/x-4"),
        ("screen", "-screen.pdf", "pdf/ua-1"),
    ]
    assert [e.is_pdf for e in EDITIONS] == [False, True, True]
    assert PDF_EDITIONS == (PRINT, SCREEN)


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda e: e.name)
def test_every_stylesheet_of_an_edition_is_in_the_default_design(edition):
    assert edition.stylesheets[0] == "book.css"  # the common design comes first
    assert [name for name in edition.stylesheets if not (STYLES / name).is_file()] == []


@pytest.mark.parametrize("edition", PDF_EDITIONS, ids=lambda e: e.name)
def test_only_an_edition_that_opens_on_rectos_gets_blank_pages(edition):
    blanks = [p.blank_before for p in place(edition.name, [False, True], [True, True], [1, 1])]
    assert blanks == [False, edition.opens_on_recto]
    assert (PRINT.opens_on_recto, SCREEN.opens_on_recto, EPUB.opens_on_recto) == (
        True,
        False,
        False,
    )
