"""The print cover: back, spine and front on one sheet with bleed, as print-on-demand
services take it (`build/<slug>-cover.pdf`, written whenever the print edition is).

The sheet's size comes from the trim ([pdf] trim), the print PDF's final page count, the
paper ([print] paper) and the service ([print] service): width = bleed + trim + spine +
trim + bleed, height = bleed + trim height + bleed, the spine being the page count times
the paper's thickness per page (SERVICES below says whose figures and where they come
from). The ISBN barcode sits in a 2 x 1.2 in white box 0.25 in from the spine and from
the bottom trim (https://publishing.co.uk/guides/kdp-error-barcode-placement/, after
KDP's barcode help page); IngramSpark asks for cover art 0.25 in inside the trim, which
the same box keeps (help.ingramspark.com, "Manufacturing and File Setup Tips").

The sheet is made print-ready by the interior's own machinery (pdf/print_colour.py):
every colour and image converted to the output intent's CMYK through its profile, neutral
greys and the barcode in black ink alone, total ink within the service's limit, no
annotations; `scripts/preflight <cover> --standard pdf/x-4` passes on it.

The sheet is an XHTML template (render/templates/print-cover.xhtml.j2) laid out by
WeasyPrint with styles/cover.css, which a book may override like any stylesheet; the
geometry (panels, barcode box, spine) is makebook's and comes after it. The front is
the author's cover image, scaled to fill the front panel and its bleed, or the
typographic design of the EPUB's generated cover, drawn here as text so it stays sharp.
The barcode is drawn bar by bar from python-barcode's EAN-13 modules, in black ink alone
(device-cmyk 0 0 0 1), since a bar in RGB black would reach the press as four inks.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydyf
from lxml import etree
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

from makebook.editions import COVER
from makebook.errors import Problem
from makebook.manuscript import isbns
from makebook.manuscript.config import BOOK_TOML, length_in_inches, setting_line
from makebook.manuscript.styles import DEFAULT_STYLES, cover_stylesheet, font_dirs
from makebook.model import RenderedBook
from makebook.pdf.document import CMYK_PROFILE, BookFetcher, stable_document_id
from makebook.pdf.print_colour import make_print_ready
from makebook.render.templating import environment

__all__ = ["COVER", "SERVICES", "write_print_cover"]

BLEED = 0.125  # inches beyond the trim on the sheet's outer edges (KDP and IngramSpark)
SPINE_CLEARANCE = 0.0625  # inches of the spine kept clear of text beside each fold
BARCODE_BOX = (2.0, 1.2)  # inches, white, where KDP prints (or finds) the barcode
BARCODE_INSET = 0.25  # inches from the spine fold and from the bottom trim
SAFE = 0.375  # inches inside the trim that the back text keeps clear of
MIN_DPI = 300  # what print services ask of a cover image at its printed size
TEMPLATE = "print-cover.xhtml.j2"  # in render/templates/, or the book's templates/
SERVED = "file:///makebook-cover/"  # the images the sheet shows, made here in memory


@dataclass(frozen=True)
class Service:
    """What a print-on-demand service asks of a paperback cover."""

    title: str
    inches_a_page: dict[str, float]  # by [print] paper
    max_ink: float  # total ink, 1 a full ink
    spine_text_pages: int = 0  # spine text from this many pages...
    spine_text_width: float = 0.0  # ... or on a spine this wide (inches)
    approximate: bool = False  # the spine figures are not the service's own

    def spine_width(self, pages: int, paper: str) -> float:
        return pages * self.inches_a_page[paper]

    def spine_text(self, pages: int, paper: str) -> bool:
        return pages >= self.pages_for_spine_text(paper)

    def pages_for_spine_text(self, paper: str) -> int:
        by_width = math.ceil(self.spine_text_width / self.inches_a_page[paper] - 1e-9)
        return max(self.spine_text_pages, by_width)

    def spine_text_rule(self) -> str:
        if self.spine_text_pages:
            return f"{self.title} prints spine text from {self.spine_text_pages} pages"
        return f"{self.title} sets spine text only on a spine of {self.spine_text_width} in or more"


SERVICES = {
    # KDP's figures, as published on its paperback cover help pages and quoted by every
    # cover calculator (https://kdp.amazon.com/en_US/help/topic/G201953020, e.g.
    # https://siutil.com/kdp-cover-calc/, https://www.kdpeasy.com/faq/covers): no spine text
    # below 79 pages. KDP publishes no total ink limit: 300 %, the CMYK profile's own.
    "kdp": Service(
        "KDP",
        {"white": 0.002252, "cream": 0.0025, "premium-color": 0.002347},
        max_ink=3.0,
        spine_text_pages=79,
    ),
    # IngramSpark publishes its spine widths only through its cover template generator
    # (help.ingramspark.com, "Cover Layout Submitted is not Built to the Correct
    # Specifications"), never a thickness per page. These are approximations, and every
    # IngramSpark cover says so in a warning: 50 lb white at 472 pages an inch, the one
    # figure two independent accounts of the generator's output agree on (200 pages:
    # 10.77 mm, https://answers.preparetopublish.com/p/what-sort-of-paper-should-my-book;
    # "~472 PPI", a reverse-engineered Lightning Source calculator); 50 lb creme at
    # 0.0022894 in a page, from the first source's 200 pages: 11.63 mm alone. Published by
    # Ingram itself: no text on spines under 0.35 in (9 mm), which the 1/16 in binding
    # variance can push off the spine (help.lightningsource.com, "Guide for Acceptable
    # Variations in Production"), and less than 240 % total ink on covers
    # (help.lightningsource.com, "Ink Coverage Exceeds 240% CMYK"). IngramSpark's 70 lb
    # (premium colour) and groundwood papers have no figure two sources agree on: refused.
    "ingramspark": Service(
        "IngramSpark",
        {"white": 1 / 472, "cream": 11.63 / 25.4 / 200},
        max_ink=2.4,
        spine_text_width=0.35,
        approximate=True,
    ),
}


@dataclass(frozen=True)
class CoverGeometry:
    """The sheet in inches: the trim of one panel, the spine, the bleed."""

    trim_width: float
    trim_height: float
    spine: float
    pages: int
    spine_text: bool = True  # whether the spine carries text (its service's rule)
    bleed: float = BLEED

    @property
    def width(self) -> float:
        return 2 * self.bleed + 2 * self.trim_width + self.spine

    @property
    def height(self) -> float:
        return 2 * self.bleed + self.trim_height

    @property
    def front_panel(self) -> tuple[float, float]:
        """The front's printed area, trim and bleed: what its image must fill."""
        return self.trim_width + self.bleed, self.height

    def barcode_box(self) -> tuple[float, float, float, float]:
        """(left, top, width, height) of the barcode box on the sheet, from its top left."""
        width, height = BARCODE_BOX
        left = self.bleed + self.trim_width - BARCODE_INSET - width
        top = self.bleed + self.trim_height - BARCODE_INSET - height
        return left, top, width, height


def service_of(rendered: RenderedBook) -> Service:
    return SERVICES[rendered.book.printing.service]


def cover_geometry(rendered: RenderedBook, pages: int) -> CoverGeometry:
    book, service = rendered.book, service_of(rendered)
    paper = book.printing.paper
    return CoverGeometry(
        length_in_inches(book.pdf.width),
        length_in_inches(book.pdf.height),
        service.spine_width(pages, paper),
        pages,
        service.spine_text(pages, paper),
    )


def print_isbn(rendered: RenderedBook) -> tuple[str, str]:
    """The print edition's ISBN-13 and its hyphenated form ("", "" without one)."""
    return isbns.print_isbn(rendered.meta) or ("", "")


# EAN-13 at 80 % of its nominal size (ISO/IEC 15420: X = 0.33 mm, bars 22.85 mm high):
# small enough for KDP's box with the ISBN above it, well above the 80 % scanners read.
MODULE = 0.264  # mm
BAR_HEIGHT = 18.28  # mm
GUARD_EXTRA = 1.65  # mm the guard bars reach below the others, over the digits' line
QUIET_LEFT, QUIET_RIGHT = 11, 7  # modules of white either side
GUARDS = {0, 2, 46, 48, 92, 94}  # the modules of the start, centre and end guard bars


@dataclass(frozen=True)
class Bar:
    left: float  # mm from the barcode's left edge, its quiet zone included
    width: float  # mm
    guard: bool


def barcode_modules(isbn: str) -> str:
    """The 95 modules of the ISBN's EAN-13, 1 for a bar (python-barcode encodes it)."""
    import barcode

    return str(barcode.get_barcode_class("isbn13")(isbn).build()[0])


def barcode_bars(isbn: str) -> list[Bar]:
    """The bars to draw: each run of black modules, in millimetres."""
    modules, bars, start = barcode_modules(isbn), [], None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module == "0" and start is not None:
            left = (QUIET_LEFT + start) * MODULE
            bars.append(Bar(left, (index - start) * MODULE, start in GUARDS))
            start = None
    return bars


def barcode_css() -> str:
    """The barcode's size, and its colour: black ink alone (100 % K), never a rich black
    that four plates would have to register to the bars' edges. Not a design choice:
    set after cover.css."""
    width = (QUIET_LEFT + 95 + QUIET_RIGHT) * MODULE
    black = "device-cmyk(0 0 0 1)"
    return f"""
.barcode-box .isbn {{ color: {black}; }}
.barcode {{ position: relative; width: {width:.3f}mm; height: {BAR_HEIGHT + 4:.2f}mm;
  margin: 0.03in auto 0; color: {black}; }}
.barcode .bar {{ position: absolute; top: 0; height: {BAR_HEIGHT}mm; background: {black}; }}
.barcode .bar.guard {{ height: {BAR_HEIGHT + GUARD_EXTRA}mm; }}
.barcode .digits {{ position: absolute; top: {BAR_HEIGHT + 0.2:.2f}mm; font-size: 8pt;
  line-height: 1; text-align: center; letter-spacing: 0.06em; }}
.barcode .first {{ left: 0; width: {(QUIET_LEFT - 1) * MODULE:.3f}mm; text-align: right; }}
.barcode .left {{ left: {(QUIET_LEFT + 3) * MODULE:.3f}mm; width: {42 * MODULE:.3f}mm; }}
.barcode .right {{ left: {(QUIET_LEFT + 50) * MODULE:.3f}mm; width: {42 * MODULE:.3f}mm; }}
"""


def front_image(rendered: RenderedBook, geometry: CoverGeometry) -> tuple[bytes, list[Problem]]:
    """The author's cover, opaque (any transparency flattened onto white, so the sheet
    has none), and a warning when it prints below MIN_DPI on the front panel."""
    from PIL import Image

    assert rendered.cover is not None
    data = rendered.cover.data
    with Image.open(io.BytesIO(data)) as image:
        size = image.size
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
            buffer = io.BytesIO()
            flat.save(buffer, format="PNG")
            data = buffer.getvalue()
    width, height = geometry.front_panel
    dpi = min(size[0] / width, size[1] / height)  # scaled to cover the panel
    if dpi >= MIN_DPI:
        return data, []
    cover = rendered.meta.cover
    needed = (round(width * MIN_DPI), round(height * MIN_DPI))
    return data, [
        Problem(
            f"cover '{cover}' is {size[0]} x {size[1]} px: on the print cover's front "
            f"({width:.3f} x {height:.3f} in with bleed) that is {dpi:.0f} dpi, below the "
            f"{MIN_DPI} dpi print services ask for",
            Path(BOOK_TOML),
            cover_line(rendered),
            hint=f"export it at {needed[0]} x {needed[1]} px or more",
            severity="warning",
        )
    ]


def cover_line(rendered: RenderedBook) -> int | None:
    return setting_line(toml_text(rendered), "cover")


def geometry_css(geometry: CoverGeometry) -> str:
    """Where everything is on the sheet: after cover.css, so a design cannot move it.
    The page is the trimmed sheet; WeasyPrint adds the bleed around it (and sets the
    TrimBox and BleedBox), so the panels start at -bleed."""
    g, b = geometry, geometry.bleed
    left, top, width, height = g.barcode_box()
    text_width = g.trim_height - 2 * SAFE
    text_height = max(g.spine - 2 * SPINE_CLEARANCE, 0.0)
    # The spine's type: as large as the spine allows, at most 10 pt.
    size = min(10.0, text_height * 72 * 0.62)
    return f"""
@page {{ size: {2 * g.trim_width + g.spine:.4f}in {g.trim_height:.4f}in;
  bleed: {b}in; margin: 0; }}
html, body {{ margin: 0; padding: 0; }}
.panel {{ position: absolute; top: -{b}in; height: {g.height:.4f}in; overflow: hidden;
  margin: 0; padding: 0; }}
.back {{ left: -{b}in; width: {g.trim_width + b:.4f}in; }}
.spine {{ left: {g.trim_width:.4f}in; width: {g.spine:.4f}in; }}
.front {{ left: {g.trim_width + g.spine:.4f}in; width: {g.trim_width + b:.4f}in; }}
.back .trim {{ position: absolute; left: {b}in; top: {b}in;
  width: {g.trim_width:.4f}in; height: {g.trim_height:.4f}in; margin: 0; }}
.front .trim {{ position: absolute; left: 0; top: {b}in;
  width: {g.trim_width:.4f}in; height: {g.trim_height:.4f}in; margin: 0; }}
.back-text {{ position: absolute; left: {SAFE}in; top: {SAFE}in;
  width: {g.trim_width - 2 * SAFE:.4f}in;
  height: {g.trim_height - 2 * SAFE - BARCODE_BOX[1] - BARCODE_INSET:.4f}in;
  overflow: hidden; }}
.barcode-box {{ position: absolute; left: {left:.4f}in; top: {top:.4f}in;
  width: {width}in; height: {height}in; background: white; margin: 0; padding: 0;
  border: none; box-sizing: border-box; }}
.front-image {{ position: absolute; left: 0; top: 0; width: 100%; height: 100%;
  object-fit: cover; margin: 0; }}
.spine-text {{ position: absolute; width: {text_width:.4f}in; height: {text_height:.4f}in;
  left: {(g.spine - text_width) / 2:.4f}in; top: {b + (g.trim_height - text_height) / 2:.4f}in;
  line-height: {text_height:.4f}in; font-size: {size:.2f}pt; white-space: nowrap;
  overflow: hidden; transform: rotate(90deg); transform-origin: 50% 50%; }}
"""


# The print edition's output intent (pdf/document.py page_css), for the PDF/X-4 variant.
CMYK_RULE = (
    "@color-profile device-cmyk {{ src: url({}); components: cyan, magenta, yellow, black; }}"
)


def cover_html(rendered: RenderedBook, geometry: CoverGeometry, image: bool) -> str:
    meta, (isbn, shown_isbn) = rendered.meta, print_isbn(rendered)
    env = environment(rendered.book.styles_dir.parent / "templates")
    # As written, not re-serialised: WeasyPrint reads HTML, where an empty <div/> (as lxml
    # writes it) would open a div holding every bar after it.
    html = env.get_template(TEMPLATE).render(
        meta=meta,
        author=meta.author_line,
        description=meta.description,
        isbn=shown_isbn,
        bars=barcode_bars(isbn) if isbn else [],
        digits=(isbn[0], isbn[1:7], isbn[7:]) if isbn else (),
        image=SERVED + "front" if image else "",
        spine_text=geometry.spine_text,
    )
    try:
        etree.fromstring(html.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"template {TEMPLATE} produced malformed XHTML: {exc}") from exc
    return html


def write_print_cover(rendered: RenderedBook, pages: int, out: Path) -> list[Problem]:
    """Lay the cover out for a print edition of `pages` pages and write it to `out`;
    returns its warnings."""
    book = rendered.book
    geometry = cover_geometry(rendered, pages)
    served: dict[str, bytes] = {}
    warnings: list[Problem] = []
    if book.meta.cover and rendered.cover is not None:
        served["front"], warnings = front_image(rendered, geometry)
    warnings += spine_warnings(rendered, geometry)
    html = cover_html(rendered, geometry, "front" in served)
    roots = [book.root, book.styles_dir, DEFAULT_STYLES, *font_dirs(book.styles_dir)]
    fetcher = ServingFetcher([*roots, CMYK_PROFILE], book.styles_dir, served)
    fonts = FontConfiguration()
    profiles: dict[str, object] = {}
    common = {"url_fetcher": fetcher, "font_config": fonts, "color_profiles": profiles}
    sheets = [
        CSS(string=CMYK_RULE.format(CMYK_PROFILE.as_uri()), **common),
        CSS(filename=str(cover_stylesheet(book.styles_dir)), **common),
        CSS(string=geometry_css(geometry) + barcode_css(), **common),
    ]
    document = HTML(string=html, base_url=str(book.root) + "/", url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=fonts, color_profiles=profiles, pdf_variant="pdf/x-4"
    )
    warnings += cut_off(document, rendered)
    identifier = rendered.meta.identifier + "#cover"
    document.write_pdf(
        str(out),
        pdf_variant="pdf/x-4",
        uncompressed_pdf=False,
        pdf_identifier=identifier.encode("utf-8"),
        finisher=functools.partial(_finish, identifier=identifier),
    )
    # WeasyPrint writes CSS colours and images in RGB: the press gets CMYK, as the colour
    # interior does, within the service's ink.
    make_print_ready(out, colour=True, max_ink=service_of(rendered).max_ink)
    return warnings


def spine_warnings(rendered: RenderedBook, geometry: CoverGeometry) -> list[Problem]:
    """A spine too thin for text, and an IngramSpark spine's approximation, said."""
    service, paper = service_of(rendered), rendered.book.printing.paper
    text = toml_text(rendered)
    # Where the service is chosen, or else the title the spine would carry.
    line = (
        setting_line(text, "service") or setting_line(text, "paper") or setting_line(text, "title")
    )
    warnings = []
    if not geometry.spine_text:
        needed = service.pages_for_spine_text(paper)
        warnings.append(
            Problem(
                f"the print edition has {geometry.pages} pages: the print cover's spine "
                f"({geometry.spine:.3f} in) is left blank ({service.spine_text_rule()})",
                Path(BOOK_TOML),
                line,
                hint=f"nothing to do for a blank spine; spine text needs {needed} pages or "
                f"more{f' on {paper} paper' if service.spine_text_width else ''}",
                severity="warning",
            )
        )
    if service.approximate:
        warnings.append(
            Problem(
                f"the {service.title} cover's spine is {geometry.spine:.3f} in for "
                f"{geometry.pages} pages on {paper} paper, makebook's approximation: "
                f"{service.title} publishes its spine widths only through its cover "
                "template generator",
                Path(BOOK_TOML),
                line,
                hint=f"get the template for {geometry.pages} pages from {service.title}'s "
                "cover template generator and check its spine width before uploading "
                "(README, 'What to upload where')",
                severity="warning",
            )
        )
    return warnings


PX_PER_INCH = 96  # WeasyPrint's layout unit
CUT_TOLERANCE_PX = 1.0
# The boxes whose text is cut where it does not fit (overflow: hidden), and what to say.
CUT_OFF = {
    "back-text": ("description", "the description is longer than the back cover holds: "
                  "its end is cut off",
                  "shorten `description`, or set smaller type for .blurb in styles/cover.css"),
    "spine-text": ("title", "the spine text is longer than the spine: its end is cut off",
                   "shorten the title, or set smaller type for .spine-text in styles/cover.css"),
}  # fmt: skip


def cut_off(document: Any, rendered: RenderedBook) -> list[Problem]:
    """A warning for each text box of the sheet whose content runs past it."""
    from makebook.pdf.weasy import page_box

    problems = []
    for box in descendants(page_box(document.pages[0])):
        name = next((c for c in box_classes(box) if c in CUT_OFF), None)
        if name is None or not overflows(box):
            continue
        key, message, hint = CUT_OFF[name]
        line = setting_line(toml_text(rendered), key)
        problems.append(Problem(message, Path(BOOK_TOML), line, hint=hint, severity="warning"))
    return problems


def box_classes(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


def descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from descendants(child)


def overflows(box: Any) -> bool:
    """Whether anything inside `box` reaches past its content box (before any transform)."""
    left, top = box.content_box_x(), box.content_box_y()
    right, bottom = left + box.width, top + box.height
    for inner in descendants(box):
        if inner is box or not hasattr(inner, "margin_width"):
            continue
        x, y = inner.border_box_x(), inner.border_box_y()
        if (
            x + inner.border_width() > right + CUT_TOLERANCE_PX
            or y + inner.border_height() > bottom + CUT_TOLERANCE_PX
        ):
            return True
    return False


def toml_text(rendered: RenderedBook) -> str:
    try:
        return (rendered.book.root / BOOK_TOML).read_text(encoding="utf-8")
    except OSError:
        return ""


def _finish(_document: object, pdf: pydyf.PDF, identifier: str) -> None:
    stable_document_id(pdf, identifier)


def page_count(pdf: Path) -> int:
    """The pages of a finished PDF (the print edition's, whatever was added after layout)."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


class ServingFetcher(BookFetcher):
    """The book's fetcher (its files only, never the network), which also serves the
    images made for the sheet in memory."""

    def __init__(self, roots: list[Path], styles_dir: Path, served: dict[str, bytes]) -> None:
        super().__init__(roots, styles_dir)
        self.served = served

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        name = url[len(SERVED) :] if url.startswith(SERVED) else None
        if name in self.served:
            return URLFetcherResponse(url, self.served[name])  # type: ignore[index]
        return super().fetch(url, headers)
