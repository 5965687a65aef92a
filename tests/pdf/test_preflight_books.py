"""The preflights run on every PDF of the books the suite builds once a session (the
demo, its sample, the small book, pandoc's manual and the pandoc constructs book, with
images, tables, notes, math and author CSS colours): each print PDF passes PDF/X-4 with a
greyscale interior, and each screen PDF passes PDF/UA-1 (issue 18). That each check can
fail is shown in test_preflight.py and test_preflight_ua.py."""

from __future__ import annotations

import pytest

from makebook.pdf import preflight_ua
from makebook.pdf.preflight import preflight_pdfx4

PRINT_PDFS = ["demo", "sample", "small", "pandoc-manual", "pandoc-constructs"]


@pytest.fixture(scope="module")
def print_pdfs(demo_build, sample_build, small_build, pandoc_manual_build, pandoc_constructs_build):  # type: ignore[no-untyped-def]
    return {
        "demo": demo_build["pdf"],
        "sample": sample_build["pdf"],
        "small": small_build["pdf"],
        "pandoc-manual": pandoc_manual_build.outputs["pdf"],
        "pandoc-constructs": pandoc_constructs_build.outputs["pdf"],
    }


@pytest.mark.parametrize("book", PRINT_PDFS)
def test_every_print_pdf_passes_the_pdfx4_preflight(print_pdfs, book):
    assert [str(f) for f in preflight_pdfx4(print_pdfs[book], grey=True)] == []


SCREEN_PDFS = ["demo", "small", "pandoc-constructs"]


@pytest.fixture(scope="module")
def screen_pdfs(demo_build, small_build, pandoc_constructs_build):  # type: ignore[no-untyped-def]
    return {
        "demo": demo_build["screen"],
        "small": small_build["screen"],
        "pandoc-constructs": pandoc_constructs_build.outputs["screen"],
    }


@pytest.mark.parametrize("book", SCREEN_PDFS)
def test_every_screen_pdf_passes_the_pdfua_preflight(screen_pdfs, book):
    assert [str(f) for f in preflight_ua.preflight(screen_pdfs[book])] == []
