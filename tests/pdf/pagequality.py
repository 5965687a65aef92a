"""How well a book's pages are made up, read back from its PDF with pdfplumber.

For every page: how many body lines would still fit under its last line (a page that
ends short leaves a hole at the foot), whether its last text is a heading (stranded,
its text on the next page), whether it is blank, and where its last baseline stands,
so facing pages can be compared. A page that ends a section (its last page: the next
one opens a new section or is blank) may end anywhere.

    report = check_pages(pdf, section_ids, margins=edition_margins(styles_folder, True))
    report.short_pages(), report.stranded_headings(), report.needless_blanks(),
    report.uneven_spreads(), report.summary()

Or from the command line: python tests/pdf/pagequality.py BOOK_FOLDER BOOK.pdf [--screen]

Sections are found by their ids: WeasyPrint writes a named destination for every id,
so the page a section's id points at is the page it opens on. The text block is the
page (its trim box) less the @page margins of the style sheet the book was set with;
the body line height is the commonest distance between two baselines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from pypdf import PdfReader

POINTS = {"in": 72.0, "pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "px": 0.75}
PAGE_MARGIN = re.compile(r"@page\s*\{[^}]*?margin:\s*([^;]+);")
HEADING_FONT = "Sans"  # headings are set in Source Sans Pro, running text in a serif
TOLERANCE = 0.5  # points: what two positions may differ by and still be the same


def page_margins(*sheets: Path) -> tuple[float, float]:
    """The top and bottom margin, in points, of the `@page` rule that sets them in the last
    of `sheets` that does (pdf.css, then the edition's print.css or screen.css)."""
    margins = None
    for css in sheets:
        found = PAGE_MARGIN.search(css.read_text(encoding="utf-8")) if css.exists() else None
        if found is not None:
            values = [to_points(value) for value in found[1].split()]
            margins = (values[0], values[2] if len(values) > 2 else values[0])
    if margins is None:
        raise ValueError(f"no @page margin in {', '.join(map(str, sheets))}")
    return margins


def edition_margins(styles: Path, printed: bool) -> tuple[float, float]:
    """The margins of the print or the screen edition set with the styles in `styles`."""
    return page_margins(styles / "pdf.css", styles / ("print.css" if printed else "screen.css"))


def to_points(length: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]*)", length.strip()).groups()  # type: ignore[union-attr]
    return float(number) * POINTS[unit or "pt"]


@dataclass(frozen=True)
class Line:
    text: str
    baseline: float  # from the top of the trim box, in points
    size: float
    heading: bool


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    lines: tuple[Line, ...]  # the text block's lines, top to bottom (no running head, folio)
    graphics: tuple[tuple[float, float], ...]  # (top, bottom) of images and drawings
    opens_section: bool

    @property
    def blank(self) -> bool:
        return not self.lines and not self.graphics

    @property
    def last(self) -> float:
        """Where its content ends: the last baseline, or a drawing's foot below it."""
        ends = [line.baseline for line in self.lines[-1:]] + [b for _, b in self.graphics]
        return max(ends)

    @property
    def starts_with_graphic(self) -> bool:
        if not self.graphics:
            return False
        first_graphic = min(top for top, _ in self.graphics)
        return not self.lines or first_graphic < self.lines[0].baseline - self.lines[0].size


@dataclass(frozen=True)
class PageReport:
    number: int
    blank: bool
    opens_section: bool
    ends_section: bool
    lines_short: int  # whole body lines that would still fit under its content
    last_baseline: float | None
    ends_with_heading: bool
    next_starts_with_graphic: bool


@dataclass(frozen=True)
class BookReport:
    pages: tuple[PageReport, ...]
    line_height: float
    printed: bool  # a print book: sections open on a recto, pages face each other

    def short_pages(self, most: int = 2) -> list[int]:
        """Pages inside a section that end more than `most` lines short, but for those
        whose next page opens with a figure that did not fit."""
        return [
            p.number
            for p in self.pages
            if not p.blank
            and not p.ends_section
            and p.lines_short > most
            and not p.next_starts_with_graphic
        ]

    def stranded_headings(self) -> list[int]:
        """Pages whose last text is a heading whose section goes on overleaf."""
        return [p.number for p in self.pages if p.ends_with_heading and not p.ends_section]

    def needless_blanks(self) -> list[int]:
        """Blank pages no rule asks for: in print, a blank is the verso before a section
        opening on a recto, or the last page, making the count even; a screen PDF needs none."""
        count = len(self.pages)
        needed = set()
        if self.printed:
            for p in self.pages:
                if p.number % 2 == 0 and p.number < count and self.pages[p.number].opens_section:
                    needed.add(p.number)
            if count % 2 == 0:
                needed.add(count)
        return [p.number for p in self.pages if p.blank and p.number not in needed]

    def uneven_spreads(self, lines: float = 1.0) -> list[tuple[int, int]]:
        """Facing pages inside sections (neither blank nor a section's last) whose last
        baselines are more than `lines` body lines apart. Only a print book has them."""
        uneven: list[tuple[int, int]] = []
        if not self.printed:
            return uneven
        for verso, recto in zip(self.pages[1::2], self.pages[2::2], strict=False):
            if any(p.blank or p.ends_section for p in (verso, recto)):
                continue
            assert verso.last_baseline is not None and recto.last_baseline is not None
            apart = abs(verso.last_baseline - recto.last_baseline)
            if apart > lines * self.line_height + TOLERANCE:
                uneven.append((verso.number, recto.number))
        return uneven

    def summary(self) -> dict[str, object]:
        shortness = Counter(p.lines_short for p in self.pages if not p.blank and not p.ends_section)
        return {
            "pages": len(self.pages),
            "line_height": round(self.line_height, 2),
            "lines_short_inside_sections": dict(sorted(shortness.items())),
            "short_pages": self.short_pages(),
            "stranded_headings": self.stranded_headings(),
            "needless_blanks": self.needless_blanks(),
            "uneven_spreads": self.uneven_spreads(),
        }


def check_pages(
    pdf: Path,
    section_ids: Iterable[str],
    margins: tuple[float, float],
    printed: bool = True,
) -> BookReport:
    """The make-up of every page of `pdf`; `section_ids` are the ids of the sections
    (chapters, title pages...), `margins` the @page top and bottom margins, `printed`
    whether it is a print book (sections open on a recto, pages face each other)."""
    openings = section_pages(pdf, set(section_ids))
    pages = read_pages(pdf, margins, openings)
    body = body_size(pages)
    line_height = body_line_height(pages, body)
    _, bottom = margins
    block_bottom = page_height(pdf) - bottom
    # A page full of body text ends this far above the block's foot (less than a line):
    # the least any page ending in a line of body text does.
    full = min(
        (block_bottom - p.last for p in pages if p.lines and p.lines[-1].size == body),
        default=0.0,
    )
    reports = []
    for index, page in enumerate(pages):
        following = pages[index + 1] if index + 1 < len(pages) else None
        ends = following is None or following.blank or following.opens_section
        blank = page.blank
        reports.append(
            PageReport(
                number=page.number,
                blank=blank,
                opens_section=page.opens_section,
                ends_section=ends,
                lines_short=0
                if blank
                else max(0, int((block_bottom - page.last - full + TOLERANCE) // line_height)),
                last_baseline=None if blank else page.last,
                ends_with_heading=bool(page.lines) and page.lines[-1].heading,
                next_starts_with_graphic=following is not None and following.starts_with_graphic,
            )
        )
    return BookReport(tuple(reports), line_height, printed)


def section_pages(pdf: Path, ids: set[str]) -> set[int]:
    """The (1-based) pages the sections open on."""
    reader = PdfReader(pdf)
    return {
        reader.get_destination_page_number(destination) + 1
        for name, destination in reader.named_destinations.items()
        if name in ids
    }


def page_height(pdf: Path) -> float:
    with pdfplumber.open(pdf) as document:
        left, bottom, right, top = trim_box(document.pages[0])
        return top - bottom


def trim_box(page) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    box = page.page_obj.attrs.get("TrimBox") or page.page_obj.attrs["MediaBox"]
    return tuple(float(v) for v in box)  # type: ignore[return-value]


def read_pages(pdf: Path, margins: tuple[float, float], openings: set[int]) -> list[Page]:
    top_margin, bottom_margin = margins
    pages = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, start=1):
            _, trim_bottom, _, trim_top = trim_box(page)
            media_top = float(page.page_obj.attrs["MediaBox"][3])
            offset = media_top - trim_top  # the bleed above the trim box
            block = (top_margin, (trim_top - trim_bottom) - bottom_margin)
            lines = tuple(
                line
                for line in (read_line(raw, page.height, offset) for raw in text_lines(page))
                if block[0] - TOLERANCE <= line.baseline <= block[1] + TOLERANCE
            )
            drawn = [*page.images, *(o for o in page.curves if is_graphic(o))]
            graphics = tuple(
                (o["top"] - offset, o["bottom"] - offset)
                for o in drawn
                if block[0] - TOLERANCE <= o["top"] - offset <= block[1] + TOLERANCE
            )
            pages.append(Page(number, lines, graphics, number in openings))
    return pages


def text_lines(page) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return page.extract_text_lines(return_chars=True, strip=True)


def read_line(raw: dict, height: float, offset: float) -> Line:  # type: ignore[type-arg]
    chars = [c for c in raw["chars"] if c["text"].strip()] or raw["chars"]
    # The line's baseline is its commonest (a superscript note mark stands higher).
    baseline = Counter(round(height - c["matrix"][5], 1) for c in chars).most_common(1)[0][0]
    size = Counter(round(c["size"], 1) for c in chars).most_common(1)[0][0]
    heading = all(HEADING_FONT in c["fontname"] for c in chars)
    return Line(raw["text"], baseline - offset, size, heading)


def is_graphic(shape: dict) -> bool:  # type: ignore[type-arg]
    """A drawing (a figure, a box), not a rule: rules are under two points thick."""
    return shape["height"] >= 2 and shape["width"] >= 2


def body_size(pages: list[Page]) -> float:
    """The body text's font size: the commonest of the lines'."""
    return Counter(line.size for page in pages for line in page.lines).most_common(1)[0][0]


def body_line_height(pages: list[Page], body: float) -> float:
    """The commonest distance between two baselines of body text."""
    steps = Counter(
        round(b.baseline - a.baseline, 1)
        for page in pages
        for a, b in zip(page.lines, page.lines[1:], strict=False)
        if a.size == b.size == body and b.baseline > a.baseline
    )
    return steps.most_common(1)[0][0]


def main(argv: list[str]) -> int:
    """`python tests/pdf/pagequality.py BOOK_FOLDER BOOK.pdf [--screen]`: the summary, as
    JSON, with the margins of the book's own styles (its styles/pdf.css), or the built-in."""
    import json

    from makebook.manuscript.loader import load_book
    from makebook.render.book import render_book

    if len(argv) not in (2, 3) or argv[2:] not in ([], ["--screen"]):
        print(main.__doc__)
        return 2
    book, pdf = Path(argv[0]), Path(argv[1])
    ids = {page.id for page in render_book(load_book(book)).pages} | {"toc"}
    printed = argv[2:] != ["--screen"]
    own = book / "styles"
    styles = own if (own / "pdf.css").exists() else Path(__file__).parents[2] / "styles"
    report = check_pages(pdf, ids, edition_margins(styles, printed), printed)
    print(json.dumps(report.summary()))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
