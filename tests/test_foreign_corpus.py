"""Material nobody on the project wrote: pandoc's own manual, written for pandoc.

The manual shows Markdown syntax in every kind of code block (indented, fenced with
three or four backticks, code spans that wrap), so it catches checks that take an
example for the real thing: a citation `[@doe99]` in an indented block, `[^1]:`
defined twice in two examples, a `<script>` inside a four-backtick fence. Its
EPUB is validated with the other books (epub/test_validators.py, EPUBCheck and Ace).
"""

from __future__ import annotations

import pdfplumber
import pytest

from makebook.build import check

PRINT_MARGIN = 0.68 * 72  # pdf.css: the smallest side margin of the print edition
# pdfplumber gives a character's advance box, side bearing included. In a few justified
# lines of the manual WeasyPrint ends that box up to 0.65 pt past the measure (measured
# on 180 pages); the ink is within it. A character cut off would be points, not tenths.
TOLERANCE = 1.0


def test_pandoc_manual_checks_clean(pandoc_manual_book):
    problems = check(pandoc_manual_book)
    assert [p for p in problems if p.severity == "error"] == []
    assert all(p.path is not None and p.line is not None for p in problems), problems


@pytest.mark.slow
def test_pandoc_manual_builds_with_every_warning_at_a_line(pandoc_manual_build):
    assert set(pandoc_manual_build.outputs) == {"epub", "pdf", "cover"}
    assert all(w.path is not None and w.line is not None for w in pandoc_manual_build.warnings), [
        str(w) for w in pandoc_manual_build.warnings if w.line is None
    ]


@pytest.mark.slow
def test_pandoc_manual_pdf_draws_nothing_outside_the_text_block(pandoc_manual_build):
    outside = []
    with pdfplumber.open(pandoc_manual_build.outputs["pdf"]) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            left, _, right, _ = page.trimbox
            outside += [
                (number, char["text"])
                for char in page.chars
                if char["text"].strip()  # a space hanging past a wrapped code line draws nothing
                and (
                    char["x0"] < left + PRINT_MARGIN - TOLERANCE
                    or char["x1"] > right - PRINT_MARGIN + TOLERANCE
                )
            ]
    assert outside == []
