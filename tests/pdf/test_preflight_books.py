"""The preflights run on every PDF of the books the suite builds once a session (the
demo, its sample, the small book, pandoc's manual, the pandoc constructs book and the
book in an author's colours, with images, tables, notes, math, author CSS colours and a
cover image): each print PDF passes PDF/X-4 with a greyscale interior, each cover PDF/X-4
in CMYK within its service's ink, and each screen PDF passes PDF/UA-1 (issue 18). That
each check can fail is shown in test_preflight.py, test_preflight_ua.py and
test_print_cover.py.

Beyond these, conftest.py preflights every PDF any test builds, as it is written."""

from __future__ import annotations

import pikepdf
import pytest

from makebook.pdf import preflight_ua
from makebook.pdf.preflight import preflight_pdfx4, used_colour
from makebook.pdf.print_colour import grey_of_rgb

PRINT_PDFS = ["demo", "sample", "small", "pandoc-manual", "pandoc-constructs", "colour"]


@pytest.fixture(scope="module")
def print_pdfs(
    demo_build,
    sample_build,
    small_build,
    pandoc_manual_build,
    pandoc_constructs_build,
    author_colours_build,
):  # type: ignore[no-untyped-def]
    return {
        "demo": demo_build["pdf"],
        "sample": sample_build["pdf"],
        "small": small_build["pdf"],
        "pandoc-manual": pandoc_manual_build.outputs["pdf"],
        "pandoc-constructs": pandoc_constructs_build.outputs["pdf"],
        "colour": author_colours_build.outputs["pdf"],
    }


@pytest.mark.parametrize("book", PRINT_PDFS)
def test_every_print_pdf_passes_the_pdfx4_preflight(print_pdfs, book):
    assert [str(f) for f in preflight_pdfx4(print_pdfs[book], grey=True)] == []


COVERS = {"demo": 3.0, "small": 3.0, "colour": 2.4}  # KDP's 300 %, IngramSpark's 240 %


@pytest.fixture(scope="module")
def covers(demo_build, small_build, author_colours_build):  # type: ignore[no-untyped-def]
    return {
        "demo": demo_build["cover"],
        "small": small_build["cover"],
        "colour": author_colours_build.outputs["cover"],
    }


@pytest.mark.parametrize("book", sorted(COVERS))
def test_every_cover_passes_the_pdfx4_preflight_in_cmyk(covers, book):
    assert [str(f) for f in preflight_pdfx4(covers[book], max_ink=COVERS[book])] == []
    with pikepdf.open(covers[book]) as cover:
        assert set(used_colour(cover).used) == {"cmyk"}


SCREEN_PDFS = ["demo", "small", "pandoc-constructs", "colour"]


@pytest.fixture(scope="module")
def screen_pdfs(demo_build, small_build, pandoc_constructs_build, author_colours_build):  # type: ignore[no-untyped-def]
    return {
        "demo": demo_build["screen"],
        "small": small_build["screen"],
        "pandoc-constructs": pandoc_constructs_build.outputs["screen"],
        "colour": author_colours_build.outputs["screen"],
    }


@pytest.mark.parametrize("book", SCREEN_PDFS)
def test_every_screen_pdf_passes_the_pdfua_preflight(screen_pdfs, book):
    assert [str(f) for f in preflight_ua.preflight(screen_pdfs[book])] == []


def test_the_colour_books_print_pdf_is_grey_from_its_authors_colours(author_colours_build):
    """The author's CSS colours and the colour image reach the press as one ink."""
    with pikepdf.open(author_colours_build.outputs["pdf"]) as interior:
        assert set(used_colour(interior).used) <= {"grey", "pattern"}


def test_the_colour_books_gradient_prints_as_the_grey_of_its_colours(author_colours_build):
    """The author's `linear-gradient(to right, #c33, #36c)`: each stop the grey of its
    colour (WeasyPrint labels the stops CMYK; read as CMYK they printed solid black)."""
    with pikepdf.open(author_colours_build.outputs["pdf"]) as interior:
        shadings = [o for o in interior.objects if isinstance(o, pikepdf.Dictionary)
                    and "/ShadingType" in o]  # fmt: skip
        assert shadings
        for shading in shadings:
            stops = shading.Function.Functions[0]
            assert str(shading.ColorSpace) == "/DeviceGray"
            assert [float(stops.C0[0]), float(stops.C1[0])] == [
                grey_of_rgb(0.8, 0.2, 0.2),
                grey_of_rgb(0.2, 0.4, 0.8),
            ]


def test_every_pdf_built_was_preflighted_as_it_was_written(
    preflight_every_built_pdf, demo_build, small_build, author_colours_build
):
    """conftest's hook saw the session's builds: each PDF edition and cover, a few tenths
    of a second each (the measure printed for the run's log)."""
    checked = {path: standard for path, standard, _ in preflight_every_built_pdf}
    for pdf in (demo_build["pdf"], demo_build["cover"], small_build["cover"]):
        assert checked[pdf] == "pdf/x-4"
    assert checked[demo_build["screen"]] == "pdf/ua-1"
    assert checked[author_colours_build.outputs["cover"]] == "pdf/x-4"
    seconds = sum(s for _, _, s in preflight_every_built_pdf)
    print(f"{len(preflight_every_built_pdf)} PDFs preflighted in {seconds:.2f} s")
