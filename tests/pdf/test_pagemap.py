"""Page labels for the EPUB's page-list (pdf/pagemap.py), from the folios a layout prints."""

from __future__ import annotations

import pytest

from makebook.model import PageStart
from makebook.pdf.pagemap import assemble_starts, from_roman, infer_labels, to_roman


@pytest.mark.parametrize(
    ("number", "roman"),
    [(1, "i"), (4, "iv"), (9, "ix"), (14, "xiv"), (40, "xl"), (1994, "mcmxciv")],
)
def test_roman_numerals_both_ways(number, roman):
    assert to_roman(number) == roman
    assert from_roman(roman) == number


def test_unprinted_folios_are_counted_back_from_the_next_printed_one():
    # half-title and title page print no folio; a blank verso before the body, whose
    # folios restart at 1; a chapter opener without a folio.
    folios = ["", "", "iii", "iv", "", "1", "2", "", "4"]
    assert infer_labels(folios) == ["i", "ii", "iii", "iv", "v", "1", "2", "3", "4"]


def test_pages_after_the_last_printed_folio_count_on():
    assert infer_labels(["1", "2", "", ""]) == ["1", "2", "3", "4"]
    assert infer_labels(["i", ""]) == ["i", "ii"]


def test_a_book_without_any_folio_is_numbered_in_roman_from_one():
    assert infer_labels(["", "", ""]) == ["i", "ii", "iii"]


def test_a_page_without_text_belongs_to_the_unit_before_it():
    raws = [("", "halftitle", "The Title"), ("", None, ""), ("1", "one", "It starts")]
    assert assemble_starts(raws) == (
        PageStart("i", "halftitle", "The Title"),
        PageStart("ii", "halftitle", ""),
        PageStart("1", "one", "It starts"),
    )
