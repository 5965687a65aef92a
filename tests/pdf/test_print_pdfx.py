"""The print edition passes the PDF/X-4 preflight as a greyscale interior, in both layouts
(chapter by chapter and `--release`); the screen edition keeps its links and colours."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from conftest import add_picture, edit, make_small_book
from makebook.build import build
from makebook.pdf.preflight import preflight_pdfx4, used_colour
from makebook.pdf.print_colour import grey_of_rgb
from pdfshape import structure_tags

AUTHOR_CSS = (
    "\n.chapter-body em { color: #c0392b; }\nblockquote { border-left: 3pt solid #2a6fdb; }\n"
)
PICTURE_RGB = (200, 120, 40)  # conftest.add_picture's colour


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """The small book with a figure, a link and author CSS colours, built both ways."""
    book = make_small_book(tmp_path_factory.mktemp("pdfx") / "book")
    add_picture(book)
    edit(book / "one.md", "> We are", "![A picture in colour](images/pic.png)\n\n> We are")
    (book / "styles" / "book.css").write_text(
        (book / "styles" / "book.css").read_text(encoding="utf-8") + AUTHOR_CSS, encoding="utf-8"
    )
    out = tmp_path_factory.mktemp("pdfx-out")
    return {
        "chapterwise": build(book, out / "chapterwise", ["pdf", "screen"]).outputs,
        "release": build(book, out / "release", ["pdf", "screen"], release=True).outputs,
    }


LAYOUTS = ["chapterwise", "release"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_print_pdf_passes_the_preflight_as_a_grey_interior(books, layout: str) -> None:  # type: ignore[no-untyped-def]
    assert preflight_pdfx4(books[layout]["pdf"], grey=True) == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_print_pdf_uses_only_device_gray(books, layout: str) -> None:  # type: ignore[no-untyped-def]
    with pikepdf.open(books[layout]["pdf"]) as pdf:
        assert set(used_colour(pdf).used) == {"grey"}
        images = [
            image
            for page in pdf.pages
            for image in page.obj.Resources.get("/XObject", {}).values()
            if image.get("/Subtype") == "/Image" and image.Width == 64
        ]
        assert images, "the figure is in the print PDF"
        picture = pikepdf.PdfImage(images[0]).as_pil_image()
        assert picture.mode == "L"
        expected = round(grey_of_rgb(*(c / 255 for c in PICTURE_RGB)) * 255)
        assert abs(picture.getpixel((10, 10)) - expected) <= 1


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_print_pdf_has_no_annotations_and_a_whole_structure_tree(books, layout: str) -> None:  # type: ignore[no-untyped-def]
    with pikepdf.open(books[layout]["pdf"]) as pdf:
        assert [n for n, p in enumerate(pdf.pages, 1) if "/Annots" in p.obj] == []
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "Custom"
        assert intent.DestOutputProfile.read_bytes()[12:20] == b"prtrGRAY"
    tags = structure_tags(books[layout]["pdf"])  # asserts the tree hangs together
    assert tags["/Link"] > 0  # the links' text keeps its element; only the annotation goes


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_screen_pdf_keeps_its_links_and_colours(books, layout: str) -> None:  # type: ignore[no-untyped-def]
    screen = books[layout]["screen"]
    with pikepdf.open(screen) as pdf:
        links = [a for p in pdf.pages for a in p.obj.get("/Annots", []) if a.Subtype == "/Link"]
        assert len(links) > 5
        assert "rgb" in used_colour(pdf).used
    findings = {f.rule for f in preflight_pdfx4(screen, grey=True)}
    assert {"annotation.in-bleed", "colour.not-grey"} <= findings


def figure_page(pdf_path: Path) -> int:
    with pikepdf.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            for instruction in pikepdf.parse_content_stream(page):
                if str(instruction.operator) == "Do":
                    return number
    raise AssertionError("no page draws the figure")


def rendered(pdf_path: Path, page: int, where: Path) -> Image.Image:
    prefix = where / f"{pdf_path.stem}-{page}"
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page),
         str(pdf_path), str(prefix)],
        check=True,
    )  # fmt: skip
    return Image.open(f"{prefix}.png").convert("RGB")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_figure_page_prints_grey_with_black_text(books, layout: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    printed = books[layout]["pdf"]
    page = rendered(printed, figure_page(printed), tmp_path)
    colours = page.getcolors(maxcolors=1 << 16) or []
    assert all(max(c) - min(c) <= 2 for _, c in colours), "a coloured pixel in print"
    assert min(min(c) for _, c in colours) == 0, "body text is not 100 % black"
    screen = books[layout]["screen"]
    on_screen = rendered(screen, figure_page(screen), tmp_path)
    assert any(max(c) - min(c) > 40 for _, c in on_screen.getcolors(maxcolors=1 << 16) or [])
