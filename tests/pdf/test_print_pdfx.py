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
from makebook.pdf.print_colour import ColourConverter, cmyk_of_rgb, grey_of_rgb
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


def test_the_demo_print_pdf_passes_the_preflight(demo_build) -> None:  # type: ignore[no-untyped-def]
    assert preflight_pdfx4(demo_build["pdf"], grey=True) == []


def test_an_svg_drawing_blends_in_grey_and_the_grey_book_carries_no_cmyk_profile(
    demo_build,
) -> None:  # type: ignore[no-untyped-def]
    """WeasyPrint gives an SVG's form a transparency group in the CMYK profile's ICC space;
    in a grey interior it blends in DeviceGray, and the 140 KB profile is gone."""
    with pikepdf.open(demo_build["pdf"]) as pdf:
        groups = [
            form.Group.CS
            for page in pdf.pages
            for form in page.Resources.get("/XObject", {}).values()
            if form.get("/Subtype") == pikepdf.Name.Form and "/Group" in form
        ]
        assert groups and all(space == pikepdf.Name.DeviceGray for space in groups)
        profiles = [
            obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and obj.get("/N") == 4
        ]
        assert not profiles


def test_the_pandoc_constructs_print_pdf_passes_the_preflight(pandoc_constructs_build) -> None:  # type: ignore[no-untyped-def]
    """Every construct makebook renders (tables, math, SVG, code, notes) in one book."""
    assert preflight_pdfx4(pandoc_constructs_build.outputs["pdf"], grey=True) == []


@pytest.fixture(scope="module")
def colour_book(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small book with a figure and author colours, with `[print] color = true`."""
    book = make_small_book(tmp_path_factory.mktemp("pdfx-colour") / "book")
    add_picture(book)
    edit(book / "one.md", "> We are", "![A picture in colour](images/pic.png)\n\n> We are")
    toml = book / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[print]\ncolor = true\n", "utf-8")
    return build(book, tmp_path_factory.mktemp("pdfx-colour-out"), ["pdf"]).outputs


def test_a_colour_interior_is_cmyk_under_a_cmyk_intent_with_black_text_one_ink(colour_book) -> None:  # type: ignore[no-untyped-def]
    printed = colour_book["pdf"]
    assert preflight_pdfx4(printed, grey=False) == []
    assert "colour.not-grey" in {f.rule for f in preflight_pdfx4(printed, grey=True)}
    with pikepdf.open(printed) as pdf:
        assert set(used_colour(pdf).used) <= {"grey", "cmyk"}
        assert pdf.Root.OutputIntents[0].DestOutputProfile.read_bytes()[12:20] == b"prtrCMYK"
        settings = [
            [float(v) for v in instruction.operands]
            for page in pdf.pages
            for instruction in pikepdf.parse_content_stream(page)
            if str(instruction.operator) == "k"
        ]
        assert [0.0, 0.0, 0.0, 1.0] in settings  # body text: black ink alone
        assert all(sum(values) <= 3.0 for values in settings)
        images = [
            image
            for page in pdf.pages
            for image in page.obj.Resources.get("/XObject", {}).values()
            if image.get("/Subtype") == "/Image" and image.Width == 64
        ]
        assert images[0].ColorSpace == "/DeviceCMYK"


def test_an_ingramspark_colour_interior_keeps_within_240_percent_ink(tmp_path: Path) -> None:
    """Lightning Source's presses take less than 240 % ink: a near-black author colour,
    310 % through the profile, is brought under it (grey component to black first)."""
    book = make_small_book(tmp_path / "book")
    edit(book / "one.md", "> We are", "*Dark.*\n\n> We are")
    css = book / "styles" / "book.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.chapter-body em { color: #05050f; }\n")
    toml = book / "book.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[print]\ncolor = true\nservice = "ingramspark"\n',
        "utf-8",
    )
    printed = build(book, tmp_path / "out", ["pdf"]).outputs["pdf"]
    assert sum(cmyk_of_rgb(5 / 255, 5 / 255, 15 / 255)) > 2.4  # what the profile asks for
    assert preflight_pdfx4(printed, max_ink=2.4) == []
    with pikepdf.open(printed) as pdf:
        inks = [
            sum(float(v) for v in instruction.operands)
            for page in pdf.pages
            for instruction in pikepdf.parse_content_stream(page)
            if str(instruction.operator) == "k"
        ]
    assert max(inks) == pytest.approx(2.4, abs=0.001)


def test_neutral_colours_are_black_ink_only_and_colours_within_the_ink_limit() -> None:
    assert cmyk_of_rgb(0.0, 0.0, 0.0) == (0.0, 0.0, 0.0, 1.0)
    cyan, magenta, yellow, black = cmyk_of_rgb(0.2, 0.2, 0.2)
    assert (cyan, magenta, yellow) == (0.0, 0.0, 0.0) and 0.7 < black < 1.0
    assert sum(cmyk_of_rgb(0.1, 0.0, 0.0)) <= 3.0
    assert cmyk_of_rgb(0.16, 0.44, 0.86)[0] > 0.5  # a blue keeps its cyan


def gradient_pdf(space: object, c0: list[float], c1: list[float]) -> pikepdf.Pdf:
    """A page filled with an axial gradient from c0 to c1 in `space`, as a pattern."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    function = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=c0, C1=c1, N=1)
    stitched = pikepdf.Dictionary(
        FunctionType=3, Domain=[0, 1], Functions=[function], Bounds=[], Encode=[0, 1]
    )
    shading = pikepdf.Dictionary(
        ShadingType=2, ColorSpace=space, Coords=[0, 0, 100, 0], Function=stitched
    )
    pattern = pdf.make_indirect(pikepdf.Dictionary(PatternType=2, Shading=shading))
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(Pattern=pikepdf.Dictionary(P0=pattern))
    page.Contents = pdf.make_stream(b"/Pattern cs /P0 scn 0 0 100 100 re f")
    return pdf


def shading_stops(pdf: pikepdf.Pdf) -> tuple[str, list[float], list[float]]:
    shading = pdf.pages[0].obj.Resources.Pattern.P0.Shading
    function = shading.Function.Functions[0]
    return (
        str(shading.ColorSpace),
        [float(v) for v in function.C0],
        [float(v) for v in function.C1],
    )


def test_a_gradient_with_rgb_stops_in_a_cmyk_space_is_read_as_rgb() -> None:
    """WeasyPrint 70 labels a CSS gradient's RGB stops with the print edition's CMYK
    output profile: the stops are converted as the RGB they are (once read as CMYK, an
    author's gradient printed solid black)."""
    icc = pikepdf.Array([pikepdf.Name.ICCBased, pikepdf.Dictionary(N=4)])
    red, blue = [0.8, 0.2, 0.2], [0.2, 0.4, 0.8]
    grey = gradient_pdf(icc, red, blue)
    ColourConverter(grey).convert()
    assert shading_stops(grey) == ("/DeviceGray", [grey_of_rgb(*red)], [grey_of_rgb(*blue)])
    assert 0.25 < grey_of_rgb(*red) < 0.75  # a mid grey, not black
    colour = gradient_pdf(icc, red, blue)
    ColourConverter(colour, colour=True).convert()
    assert shading_stops(colour) == (
        "/DeviceCMYK",
        list(cmyk_of_rgb(*red)),
        list(cmyk_of_rgb(*blue)),
    )
    ColourConverter(colour, colour=True).convert()  # converting again changes nothing
    assert shading_stops(colour)[1] == list(cmyk_of_rgb(*red))
