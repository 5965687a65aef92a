"""The preflights run on every PDF of the books the suite builds once a session (the
demo, its sample, the small book, pandoc's manual and the pandoc constructs book, with
images, tables, notes, math and author CSS colours): each print PDF passes PDF/X-4 with a
greyscale interior (issue 18). That each check can fail is shown in test_preflight.py."""

from __future__ import annotations

import pytest

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
