"""The print cover (pdf/cover.py): one sheet, back + spine + front with bleed, sized from
the print PDF's page count and the paper; spine text from 79 pages; the barcode box
where KDP puts it, with the print ISBN's EAN-13; the author's image over the front."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from PIL import Image

from conftest import copy_book, edit
from makebook.build import build
from makebook.errors import Diagnostics, ManuscriptError
from makebook.manuscript.config import load_config
from makebook.manuscript.loader import load_book
from makebook.pdf import cover as cover_module
from makebook.pdf.cover import barcode_modules, write_print_cover
from makebook.pdf.preflight import main as preflight_main
from makebook.pdf.preflight import preflight_pdfx4, used_colour
from makebook.pdf.print_colour import cmyk_of_rgb, ink_peak
from makebook.render.book import render_book

ISBN = "9781234567897"
BLEED = 0.125
PT = 72


def cover_book(small_book: Path, where: Path, book: str = "", extra: str = "") -> Path:
    """The small book (6 x 9 in) with `book` lines added to [book] and `extra` tables."""
    root = copy_book(small_book, where)
    edit(root / "book.toml", 'rights = "Public domain."', f'rights = "Public domain."\n{book}')
    if extra:
        with (root / "book.toml").open("a", encoding="utf-8") as toml:
            toml.write("\n" + extra + "\n")
    return root


def make_cover(root: Path, pages: int, out: Path) -> list:  # type: ignore[type-arg]
    rendered = render_book(load_book(root, Diagnostics()))
    return write_print_cover(rendered, pages, out)


def boxes(pdf: Path) -> dict[str, list[float]]:
    """The page boxes, in inches."""
    with pikepdf.open(pdf) as document:
        assert len(document.pages) == 1
        page = document.pages[0].obj
        return {
            k: [float(v) / PT for v in page[f"/{k}"]] for k in ("MediaBox", "TrimBox", "BleedBox")
        }


def size(pdf: Path) -> tuple[float, float]:
    media = boxes(pdf)["MediaBox"]
    return media[2] - media[0], media[3] - media[1]


def sheet_words(pdf: Path) -> list[tuple[str, float, float, bool]]:
    """(character, x, top, upright) of every character, in inches from the sheet's top left."""
    with pdfplumber.open(pdf) as document:
        page = document.pages[0]
        left, top = page.bbox[0], page.bbox[1]
        return [
            (c["text"], (c["x0"] - left) / PT, (c["top"] - top) / PT, c["upright"])
            for c in page.chars
        ]


@pytest.fixture(scope="module")
def isbn_book(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cover_book(
        small_book,
        tmp_path_factory.mktemp("isbn") / "book",
        f'isbn = "{ISBN}"\ndescription = "A blurb for the back of the small book."',
    )


# --- the sheet's size --------------------------------------------------------------


# Each service's thickness of a page, in inches, as pdf/cover.py's sources give it
# (IngramSpark's an approximation: README, "What to upload where").
A_PAGE = {
    ("kdp", "white"): 0.002252,
    ("kdp", "cream"): 0.0025,
    ("kdp", "premium-color"): 0.002347,
    ("ingramspark", "white"): 1 / 472,  # 472 pages an inch
    ("ingramspark", "cream"): 11.63 / 25.4 / 200,  # 200 pages: 11.63 mm
}


def print_table(service: str, paper: str) -> str:
    return f'[print]\nservice = "{service}"\npaper = "{paper}"'


@pytest.mark.parametrize(("service", "paper"), sorted(A_PAGE))
@pytest.mark.parametrize("pages", [120, 300])
def test_the_sheet_is_two_trims_a_spine_and_the_bleed(small_book, tmp_path, service, paper, pages):
    root = cover_book(small_book, tmp_path / "book", extra=print_table(service, paper))
    out = tmp_path / "cover.pdf"
    make_cover(root, pages, out)
    spine = pages * A_PAGE[service, paper]
    width, height = size(out)
    assert width == pytest.approx(2 * 6 + spine + 2 * BLEED, abs=0.001)
    assert height == pytest.approx(BLEED + 9 + BLEED, abs=0.001)
    trim = boxes(out)["TrimBox"]
    assert trim[2] - trim[0] == pytest.approx(12 + spine, abs=0.001)
    assert trim[3] - trim[1] == pytest.approx(9, abs=0.001)
    assert boxes(out)["BleedBox"] == boxes(out)["MediaBox"]


@pytest.mark.parametrize(
    ("pages", "paper", "spine"),
    [(300, "white", 0.6756), (120, "cream", 0.3), (200, "premium-color", 0.4694)],
)
def test_kdps_spines_are_its_published_figures(pages, paper, spine):
    """KDP's own worked figures, independent of the table above."""
    assert cover_module.SERVICES["kdp"].spine_width(pages, paper) == pytest.approx(spine, abs=1e-4)


def test_ingramsparks_spines_are_the_figures_its_generator_gave_for_200_pages():
    """The one published reading of IngramSpark's cover template generator makebook's
    approximation rests on: 200 pages, 10.77 mm on white, 11.63 mm on creme."""
    ingram = cover_module.SERVICES["ingramspark"]
    assert ingram.spine_width(200, "white") * 25.4 == pytest.approx(10.77, abs=0.01)
    assert ingram.spine_width(200, "cream") * 25.4 == pytest.approx(11.63, abs=0.01)


def test_the_trim_comes_from_book_toml(small_book, tmp_path):
    root = cover_book(small_book, tmp_path / "book", extra='[pdf]\ntrim = "5.5x8.5in"')
    out = tmp_path / "cover.pdf"
    make_cover(root, 100, out)
    assert size(out) == pytest.approx((0.25 + 11 + 0.2252, 8.75), abs=0.001)


# --- the spine ---------------------------------------------------------------------


def spine_characters(pdf: Path, pages: int, a_page: float = 0.002252) -> str:
    spine = pages * a_page
    return "".join(c for c, x, _, _ in sheet_words(pdf) if BLEED + 6 <= x <= BLEED + 6 + spine)


def blank_spine_warnings(warnings: list) -> list:  # type: ignore[type-arg]
    return [w for w in warnings if "spine" in w.message and "left blank" in w.message]


# KDP: spine text from 79 pages. IngramSpark: on spines of 0.35 in or more, 166 pages of
# white (472 an inch), 153 of creme.
SPINE_TEXT_CASES = [
    ("kdp", "white", 78, False), ("kdp", "white", 79, True), ("kdp", "cream", 78, False),
    ("kdp", "white", 400, True), ("ingramspark", "white", 165, False),
    ("ingramspark", "white", 166, True), ("ingramspark", "cream", 152, False),
    ("ingramspark", "cream", 153, True),
]  # fmt: skip


@pytest.mark.parametrize(("service", "paper", "pages", "shown"), SPINE_TEXT_CASES)
def test_spine_text_only_above_the_services_threshold(
    small_book, tmp_path, service, paper, pages, shown
):
    root = cover_book(small_book, tmp_path / "book", extra=print_table(service, paper))
    out = tmp_path / "cover.pdf"
    warnings = make_cover(root, pages, out)
    text = spine_characters(out, pages, A_PAGE[service, paper]).replace(" ", "")
    assert ("ASmallBook" in text) is shown, text
    if shown:
        assert "AdaExample" in text
    # A blank spine is said, in the build's warnings, with what it would take.
    blank = blank_spine_warnings(warnings)
    assert len(blank) == (0 if shown else 1)
    if not shown:
        [warning] = blank
        assert warning.severity == "warning" and str(warning.path) == "book.toml"
        text_lines = (root / "book.toml").read_text().split("\n")
        assert text_lines[warning.line - 1] == f'service = "{service}"'
        assert f"{pages} pages" in warning.message
        needed = {"kdp": 79, "ingramspark": 166 if paper == "white" else 153}[service]
        assert f"spine text needs {needed} pages" in warning.hint


def test_a_blank_spine_without_a_print_table_is_a_warning_about_the_book(small_book, tmp_path):
    [warning] = blank_spine_warnings(make_cover(small_book, 40, tmp_path / "cover.pdf"))
    assert str(warning.path) == "book.toml" and warning.line == 2  # the title's
    assert "KDP prints spine text from 79 pages" in warning.message


def test_spine_text_keeps_clear_of_the_folds(small_book, tmp_path):
    out = tmp_path / "cover.pdf"
    make_cover(small_book, 200, out)
    spine = 200 * 0.002252
    with pdfplumber.open(out) as document:
        page = document.pages[0]
        chars = [c for c in page.chars if not c["upright"]]
        left = min(c["x0"] for c in chars) - page.bbox[0]
        right = max(c["x1"] for c in chars) - page.bbox[0]
    assert chars
    assert left / PT >= BLEED + 6 + 0.0625 - 0.001
    assert right / PT <= BLEED + 6 + spine - 0.0625 + 0.001


# --- the back: blurb and barcode ---------------------------------------------------


PAPER = (0.0, 0.0, 0.0, 0.0)  # CMYK: no ink, the paper's white


def white_boxes(pdf: Path) -> list[tuple[float, float, float, float]]:
    """(left, top, width, height) in inches from the sheet's top left of white rectangles
    (no ink at all: white is paper on the print-ready sheet)."""
    with pdfplumber.open(pdf) as document:
        page = document.pages[0]
        return [
            ((r["x0"] - page.bbox[0]) / PT, (r["top"] - page.bbox[1]) / PT,
             r["width"] / PT, r["height"] / PT)
            for r in page.rects
            if tuple(r.get("non_stroking_color") or ()) == PAPER
        ]  # fmt: skip


def test_the_barcode_box_is_2_by_1_2_in_a_quarter_inch_from_spine_and_bottom(isbn_book, tmp_path):
    out = tmp_path / "cover.pdf"
    make_cover(isbn_book, 200, out)
    box = [b for b in white_boxes(out) if b[2] == pytest.approx(2, abs=0.01)]
    assert len(box) == 1, white_boxes(out)
    left, top, width, height = box[0]
    assert (width, height) == pytest.approx((2, 1.2), abs=0.001)
    assert left + width == pytest.approx(BLEED + 6 - 0.25, abs=0.001)  # 0.25 in from the spine
    assert top + height == pytest.approx(BLEED + 9 - 0.25, abs=0.001)  # from the bottom trim


def test_the_back_has_the_description(isbn_book, tmp_path):
    out = tmp_path / "cover.pdf"
    make_cover(isbn_book, 200, out)
    back = "".join(c for c, x, _, _ in sheet_words(out) if x < BLEED + 6)
    assert "Ablurbforthebackofthesmallbook." in back.replace(" ", "")


def test_a_description_too_long_for_the_back_is_a_warning_at_its_line(small_book, tmp_path):
    long = "A sentence of the blurb that goes on. " * 120
    root = cover_book(small_book, tmp_path / "book", f'description = "{long}"')
    warnings = make_cover(root, 200, tmp_path / "cover.pdf")
    assert [(w.message.split(":")[0], str(w.path), w.line) for w in warnings] == [
        ("the description is longer than the back cover holds", "book.toml", 8)
    ]


def test_a_title_too_long_for_the_spine_is_a_warning(small_book, tmp_path):
    root = copy_book(small_book, tmp_path / "book")
    edit(root / "book.toml", 'title = "A Small Book"', f'title = "A Small Book{" and more" * 30}"')
    warnings = make_cover(root, 200, tmp_path / "cover.pdf")
    assert [(w.message, w.line) for w in warnings] == [
        ("the spine text is longer than the spine: its end is cut off", 2)
    ]
    assert make_cover(small_book, 200, tmp_path / "short.pdf") == []  # the short title fits


def render_png(pdf: Path, folder: Path, dpi: int) -> Path:
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(folder / "sheet")],
        check=True,
    )
    return folder / "sheet.png"


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_the_barcode_scans_as_the_print_isbn(isbn_book, tmp_path):
    """Rendered at 300 dpi and read back by zbar, as a till would."""
    out = tmp_path / "cover.pdf"
    make_cover(isbn_book, 200, out)
    png = render_png(out, tmp_path, 300)
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    assert read.stdout.split() == [ISBN]


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_the_pdf_isbn_is_the_one_on_the_barcode(small_book, tmp_path):
    print_isbn = "9780306406157"
    root = cover_book(
        small_book, tmp_path / "book", f'isbn = "{ISBN}"', f'[pdf]\nisbn = "{print_isbn}"'
    )
    out = tmp_path / "cover.pdf"
    make_cover(root, 120, out)
    png = render_png(out, tmp_path, 300)
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    assert read.stdout.split() == [print_isbn]


def test_no_isbn_leaves_the_box_white_and_empty(small_book, tmp_path):
    out = tmp_path / "cover.pdf"
    make_cover(small_book, 200, out)
    assert [b for b in white_boxes(out) if b[2] == pytest.approx(2, abs=0.01)]
    with pikepdf.open(out) as document:
        text = b"".join(
            pikepdf.unparse_content_stream(pikepdf.parse_content_stream(document.pages[0]))
            for _ in [0]
        )
    assert ISBN.encode() not in text


# EAN-13 (ISO/IEC 15420): the first digit picks the parity of the left six; L, G and R codes.
L_CODES = ["0001101", "0011001", "0010011", "0111101", "0100011",
           "0110001", "0101111", "0111011", "0110111", "0001011"]  # fmt: skip
G_CODES = ["".join("1" if b == "0" else "0" for b in code[::-1]) for code in L_CODES]
R_CODES = ["".join("1" if b == "0" else "0" for b in code) for code in L_CODES]
PARITY = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
          "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]  # fmt: skip


def ean13_modules(digits: str) -> str:
    left = "".join(
        (L_CODES if kind == "L" else G_CODES)[int(d)]
        for kind, d in zip(PARITY[int(digits[0])], digits[1:7], strict=True)
    )
    right = "".join(R_CODES[int(d)] for d in digits[7:])
    return "101" + left + "01010" + right + "101"


BLACK_INK = (0.0, 0.0, 0.0, 1.0)  # CMYK: black ink alone
MODULE = 0.264 / 25.4  # inches


def drawn_bars(pdf: Path) -> list[tuple[float, float]]:
    """(left, width) in inches of the barcode's bars as drawn in the PDF."""
    with pdfplumber.open(pdf) as document:
        page = document.pages[0]
        return sorted(
            ((r["x0"] - page.bbox[0]) / PT, r["width"] / PT)
            for r in page.rects
            if tuple(r.get("non_stroking_color") or ()) == BLACK_INK
        )


def as_modules(bars: list[tuple[float, float]]) -> str:
    start = bars[0][0]
    modules = ["0"] * 95
    for left, width in bars:
        first = round((left - start) / MODULE)
        for index in range(first, first + round(width / MODULE)):
            modules[index] = "1"
    return "".join(modules)


@pytest.mark.parametrize("isbn", [ISBN, "9780306406157", "9791032000014"])
def test_the_encoder_gives_the_isbns_ean13(isbn):
    """python-barcode's modules, against the encoding table."""
    assert barcode_modules(isbn) == ean13_modules(isbn)


def test_the_bars_drawn_are_the_isbns_ean13_in_black_ink_alone(isbn_book, tmp_path):
    """Read back from the PDF: every bar 100 % K (no rich black to register), in the
    quiet zones' clear space inside the white box."""
    out = tmp_path / "cover.pdf"
    make_cover(isbn_book, 200, out)
    bars = drawn_bars(out)
    assert as_modules(bars) == ean13_modules(ISBN)
    [(box_left, _, box_width, _)] = [b for b in white_boxes(out) if b[2] == pytest.approx(2)]
    assert bars[0][0] - box_left >= 11 * MODULE  # quiet zone before the first bar
    assert box_left + box_width - sum(bars[-1]) >= 7 * MODULE  # and after the last


# --- the front -----------------------------------------------------------------------


def with_cover_image(small_book: Path, where: Path, image: Image.Image) -> Path:
    root = cover_book(small_book, where, 'cover = "cover.png"')
    image.save(root / "cover.png")
    return root


RED = (200, 30, 30)


def reddish(pixel: tuple[int, int, int]) -> bool:
    """RED as printed: converted to CMYK, then rendered back by poppler (not exactly RED)."""
    red, green, blue = pixel
    return red > 150 and green < 90 and blue < 90


def test_the_authors_image_fills_the_front_panel_and_its_bleed(small_book, tmp_path):
    # 6.125 x 9.25 in at 300 dpi is 1838 x 2775 px: this one is taller, so it is cropped.
    root = with_cover_image(small_book, tmp_path / "book", Image.new("RGB", (1900, 3000), RED))
    out = tmp_path / "cover.pdf"
    assert make_cover(root, 200, out) == []
    png = Image.open(render_png(out, tmp_path, 40)).convert("RGB")
    spine = 200 * 0.002252
    front_left = round((BLEED + 6 + spine) * 40)  # pixels at 40 dpi
    width, height = png.size
    # The corners of the sheet (2 px in: the bleed is 5) and of the fold, and the middle.
    inside = [(front_left + 2, 2), (width - 3, 2), (width - 3, height - 3),
              (front_left + 2, height - 3), ((front_left + width) // 2, height // 2)]  # fmt: skip
    assert all(reddish(png.getpixel(p)) for p in inside), [png.getpixel(p) for p in inside]
    assert not reddish(png.getpixel((front_left - 3, height // 2)))  # the spine is not
    assert not reddish(png.getpixel((2, 2)))  # nor the back


def test_a_small_cover_image_is_a_warning_with_its_dpi(small_book, tmp_path):
    root = with_cover_image(small_book, tmp_path / "book", Image.new("RGB", (1600, 2560), RED))
    warnings = make_cover(root, 200, tmp_path / "cover.pdf")
    assert len(warnings) == 1
    assert warnings[0].severity == "warning" and str(warnings[0].path) == "book.toml"
    assert "261 dpi" in warnings[0].message  # 1600 px over 6.125 in
    assert warnings[0].line == 8  # the cover = line


def test_a_transparent_cover_image_is_flattened(small_book, tmp_path):
    image = Image.new("RGBA", (1900, 2800), (*RED, 128))
    root = with_cover_image(small_book, tmp_path / "book", image)
    out = tmp_path / "cover.pdf"
    make_cover(root, 200, out)
    with pikepdf.open(out) as document:
        images = [o for o in document.objects if isinstance(o, pikepdf.Stream)
                  and o.get("/Subtype") == "/Image"]  # fmt: skip
        states = [o for o in document.objects if isinstance(o, pikepdf.Dictionary)
                  and o.get("/Type") == "/ExtGState"]  # fmt: skip
    assert images and not [i for i in images if "/SMask" in i]
    assert not [s for s in states if float(s.get("/ca", 1)) < 1 or float(s.get("/CA", 1)) < 1]


def test_without_an_image_the_front_is_the_typographic_cover(small_book, tmp_path):
    out = tmp_path / "cover.pdf"
    make_cover(small_book, 200, out)
    front = "".join(c for c, x, _, _ in sheet_words(out) if x > BLEED + 6 + 0.5)
    assert "ASmallBook" in front.replace(" ", "") and "ADAEXAMPLE" in front.replace(" ", "")


def test_a_books_cover_css_replaces_the_design(small_book, tmp_path):
    root = copy_book(small_book, tmp_path / "book")
    (root / "styles" / "cover.css").write_text(".panel { background: rgb(0, 128, 0); }")
    out = tmp_path / "cover.pdf"
    make_cover(root, 200, out)
    png = Image.open(render_png(out, tmp_path, 20)).convert("RGB")
    red, green, blue = png.getpixel((3, 3))
    assert green > red + 60 and green > blue + 60, (red, green, blue)
    # ... in the CMYK the print-ready sheet gives that green (print_colour's conversion)
    assert fill_colours(out) >= {cmyk_of_rgb(0, 128 / 255, 0)}
    # ... and the geometry stays makebook's: the sheet is as wide as ever
    assert size(out)[0] == pytest.approx(0.25 + 12 + 0.4504, abs=0.001)


def fill_colours(pdf: Path) -> set[tuple[float, ...]]:
    """The CMYK fill colours (`k`) the sheet's content sets."""
    with pikepdf.open(pdf) as document:
        return {
            tuple(round(float(v), 4) for v in instruction.operands)
            for instruction in pikepdf.parse_content_stream(document.pages[0])
            if str(instruction.operator) == "k"
        }


# --- book.toml ---------------------------------------------------------------------


def test_ingramspark_premium_colour_paper_is_refused_at_its_line(small_book, tmp_path):
    """No figure for IngramSpark's 70 lb paper that two sources agree on: no guessed spine."""
    root = cover_book(
        small_book, tmp_path / "book", extra=print_table("ingramspark", "premium-color")
    )
    with pytest.raises(ManuscriptError) as caught:
        load_config(root)
    [problem] = caught.value.problems
    text = (root / "book.toml").read_text().split("\n")
    assert text[problem.line - 1] == 'paper = "premium-color"'
    assert "IngramSpark" in problem.message and 'paper = "white" or "cream"' in problem.hint


def test_an_unknown_service_is_an_error_at_its_line(small_book, tmp_path):
    root = cover_book(small_book, tmp_path / "book", extra='[print]\nservice = "lulu"')
    with pytest.raises(ManuscriptError) as caught:
        load_config(root)
    [problem] = caught.value.problems
    assert "lulu" in problem.message and '"ingramspark"' in problem.hint
    assert (root / "book.toml").read_text().split("\n")[problem.line - 1] == 'service = "lulu"'


def test_an_ingramspark_cover_says_its_spine_is_an_approximation(small_book, tmp_path):
    root = cover_book(small_book, tmp_path / "book", extra=print_table("ingramspark", "cream"))
    warnings = [
        w for w in make_cover(root, 200, tmp_path / "cover.pdf") if "approximation" in w.message
    ]
    assert [(w.severity, str(w.path)) for w in warnings] == [("warning", "book.toml")]
    assert "0.458 in for 200 pages on cream paper" in warnings[0].message
    assert "cover template generator" in warnings[0].hint
    kdp = cover_book(small_book, tmp_path / "kdp", extra=print_table("kdp", "cream"))
    assert not [
        w for w in make_cover(kdp, 200, tmp_path / "kdp.pdf") if "approximation" in w.message
    ]


def test_an_unknown_paper_is_an_error_at_its_line(small_book, tmp_path):
    root = cover_book(small_book, tmp_path / "book", extra='[print]\npaper = "glossy"')
    with pytest.raises(ManuscriptError) as caught:
        load_config(root)
    [problem] = caught.value.problems
    assert "glossy" in problem.message and "cream" in problem.hint
    assert (root / "book.toml").read_text().split("\n")[problem.line - 1] == 'paper = "glossy"'


# --- in the build ------------------------------------------------------------------


@pytest.mark.slow
def test_the_build_writes_the_cover_beside_the_print_pdf_for_its_page_count(small_book, tmp_path):
    out = tmp_path / "out"
    result = build(small_book, out, ["pdf"])
    assert result.outputs == {
        "pdf": out / "a-small-book.pdf",
        "cover": out / "a-small-book-cover.pdf",
    }
    with pikepdf.open(result.outputs["pdf"]) as interior:
        pages = len(interior.pages)
    assert size(result.outputs["cover"])[0] == pytest.approx(
        0.25 + 12 + pages * 0.002252, abs=0.001
    )
    assert not list(out.glob(".*.part"))
    # The small book is too thin for spine text: said in the build's warnings.
    [blank] = blank_spine_warnings(result.warnings)
    assert f"has {pages} pages" in blank.message and str(blank.path) == "book.toml"
    again = build(small_book, out, ["pdf"])  # nothing changed: both reused
    assert again.outputs == result.outputs
    result.outputs["cover"].unlink()  # a cover deleted is made again
    third = build(small_book, out, ["pdf"])
    assert third.outputs["cover"].is_file()


@pytest.mark.slow
def test_a_release_build_makes_the_cover_from_its_own_page_count(small_book, tmp_path):
    """`--release` lays the book out whole: the cover follows that file, not a cache."""
    root = copy_book(small_book, tmp_path / "book")
    long_text = "\n\n".join(["A paragraph of the essay, long enough to fill lines. " * 8] * 380)
    (root / "one.md").write_text(f"---\nkind: essay\ntitle: Long\n---\n{long_text}\n")
    result = build(root, tmp_path / "out", ["pdf"], release=True)
    with pikepdf.open(result.outputs["pdf"]) as interior:
        pages = len(interior.pages)
    assert pages >= 79
    assert size(result.outputs["cover"])[0] == pytest.approx(
        0.25 + 12 + pages * 0.002252, abs=0.001
    )
    assert "A Small Book" in spine_characters(result.outputs["cover"], pages)


@pytest.mark.slow
def test_a_sample_has_no_cover(sample_build):
    assert "cover" not in sample_build
    assert not list(sample_build["pdf"].parent.glob("*-cover.pdf"))


@pytest.mark.slow
def test_an_epub_only_build_makes_no_cover(small_book, tmp_path):
    out = tmp_path / "out"
    result = build(small_book, out, ["epub"])
    assert set(result.outputs) == {"epub"}
    assert not (out / "a-small-book-cover.pdf").exists()


@pytest.mark.slow
def test_a_failed_cover_leaves_the_previous_files(small_book, tmp_path, monkeypatch):
    """The cover is written with the editions: all replaced, or none."""
    root = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    first = build(root, out, ["pdf"])
    before = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    edit(root / "one.md", "where it starts", "where it begins")

    def broken(rendered, pages, target, progress=None):  # type: ignore[no-untyped-def]
        target.write_bytes(b"half a cover")
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(cover_module, "write_print_cover", broken)
    with pytest.raises(ManuscriptError):
        build(root, out, ["pdf"])
    assert {p.name: p.read_bytes() for p in out.glob("*.pdf")} == before
    assert not list(out.glob(".*.part"))
    assert set(first.outputs) == {"pdf", "cover"}


# --- PDF/X-4: the sheet as the press takes it ------------------------------------------


def dark_cover_book(small_book: Path, where: Path, service: str) -> Path:
    """A book whose cover has an image and a design with a near-black panel: the most ink
    an RGB colour asks for once in CMYK."""
    root = with_cover_image(small_book, where, Image.new("RGB", (1900, 2800), (10, 12, 30)))
    edit(root / "book.toml", 'cover = "cover.png"', f'cover = "cover.png"\nisbn = "{ISBN}"')
    with (root / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n" + print_table(service, "white") + "\n")
    (root / "styles" / "cover.css").write_text(
        ".panel { background: rgb(5, 5, 20); } body { color: rgb(250, 240, 200); }"
    )
    return root


@pytest.mark.parametrize(("service", "ink"), [("kdp", 3.0), ("ingramspark", 2.4)])
def test_the_cover_passes_the_pdfx4_preflight_in_cmyk_within_its_ink(
    small_book, tmp_path, service, ink
):
    root = dark_cover_book(small_book, tmp_path / "book", service)
    out = tmp_path / "cover.pdf"
    make_cover(root, 200, out)
    assert [str(f) for f in preflight_pdfx4(out, max_ink=ink)] == []
    assert preflight_main([str(out), "--standard", "pdf/x-4", "--max-ink", str(ink * 100)]) == 0
    with pikepdf.open(out) as document:
        assert set(used_colour(document).used) == {"cmyk"}  # no RGB, no grey: four inks
        images = [o for o in document.objects if isinstance(o, pikepdf.Stream)
                  and o.get("/Subtype") == "/Image"]  # fmt: skip
        assert [str(i.ColorSpace) for i in images] == ["/DeviceCMYK"]
        peak = ink_peak(pikepdf.PdfImage(images[0]).as_pil_image())
        [intent] = document.Root.OutputIntents
        assert intent.DestOutputProfile.read_bytes()[16:20] == b"CMYK"
        assert "/Annots" not in document.pages[0].obj
    assert peak <= ink * 255
    assert max(sum(c) for c in fill_colours(out)) <= ink + 1e-6
    if service == "ingramspark":  # the dark panel needs more than 240 % through the profile
        assert max(sum(c) for c in fill_colours(out)) == pytest.approx(2.4, abs=0.001)


def test_the_preflight_fails_on_a_cover_left_in_rgb(small_book, tmp_path, monkeypatch):
    """The check can fail: the same sheet, not made print-ready, is refused for its RGB."""
    monkeypatch.setattr(cover_module, "make_print_ready", lambda *args, **kwargs: None)
    root = dark_cover_book(small_book, tmp_path / "book", "kdp")
    out = tmp_path / "cover.pdf"
    make_cover(root, 200, out)
    findings = [str(f) for f in preflight_pdfx4(out)]
    assert (
        "colour.device-space: page 1: DeviceRGB on 1 pages, but the output intent is cmyk"
        in findings
    )


def test_a_kdp_cover_is_over_ingramsparks_ink(small_book, tmp_path):
    """The ink check can fail on a real sheet: KDP's 300 % is not IngramSpark's 240 %."""
    root = dark_cover_book(small_book, tmp_path / "book", "kdp")
    out = tmp_path / "cover.pdf"
    make_cover(root, 200, out)
    assert [f.rule for f in preflight_pdfx4(out, max_ink=2.4)] == ["colour.total-ink"]


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
@pytest.mark.parametrize("paper", ["white", "cream"])
def test_an_ingramspark_barcode_scans_as_the_print_isbn_in_black_ink_alone(
    small_book, tmp_path, paper
):
    root = cover_book(
        small_book, tmp_path / "book", f'isbn = "{ISBN}"', print_table("ingramspark", paper)
    )
    out = tmp_path / "cover.pdf"
    make_cover(root, 250, out)
    assert as_modules(drawn_bars(out)) == ean13_modules(ISBN)
    png = render_png(out, tmp_path, 300)
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    assert read.stdout.split() == [ISBN]
