"""Nothing drawn outside the text block: tables too wide for the page, found after layout.

The stylesheets make long words, URLs and code lines break and set tables small with
breakable words (book.css, pdf.css), so nearly everything fits. A table with too many
columns still cannot: WeasyPrint then draws it past the margin, or off the page. Such
a table is found in the laid-out boxes and reported at its line in the chapter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from makebook.errors import Problem
from makebook.manuscript.syntax import mask_code
from makebook.model import Book

if TYPE_CHECKING:
    from weasyprint import Document

PX_PER_INCH = 96  # WeasyPrint's layout unit is the CSS pixel
TOLERANCE_PX = 1.0  # rounding in the table layout, not an overflow anyone can see

# The delimiter row under a Markdown table's header: | --- | :-: |
DELIMITER_ROW = re.compile(r"^ {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$")
HTML_TABLE = re.compile(r"<table\b", re.IGNORECASE)


@dataclass(frozen=True)
class Overflow:
    """A table of a division wider than the text block, by its place among the division's
    tables (in document order) and how far it reaches past the text block, in inches."""

    division: str
    table: int
    inches: float


def table_overflows(document: Document) -> list[Overflow]:
    """Every table of a laid-out document that reaches outside its page's content box."""
    from makebook.pdf.weasy import page_box

    found: dict[tuple[str, int], float] = {}
    order: dict[int, tuple[str, int]] = {}  # id() of a table element -> (division, index)
    for page in document.pages:
        box = page_box(page)
        left, right = box.content_box_x(), box.content_box_x() + box.width
        if not order:
            order = table_order(box)
        for table in boxes_of_type(box, "TableBox"):
            where = order.get(id(table.element))
            if where is None:
                continue
            x = table.border_box_x()
            excess = max(x + table.border_width() - right, left - x)
            if excess > TOLERANCE_PX:
                found[where] = max(found.get(where, 0.0), excess / PX_PER_INCH)
    return [Overflow(d, i, round(inches, 2)) for (d, i), inches in found.items()]


def table_order(page_box: Any) -> dict[int, tuple[str, int]]:
    """(division id, index among its tables) of every table element in the document:
    the divisions are the sections (and the contents' nav) directly in <body>."""
    html = next((c.element for c in page_box.children if c.element_tag == "html"), None)
    body = html.find("body") if html is not None else None
    result: dict[int, tuple[str, int]] = {}
    for division in body if body is not None else ():
        for index, table in enumerate(division.iter("table")):
            result[id(table)] = (division.get("id") or "", index)
    return result


def boxes_of_type(box: Any, name: str) -> Iterator[Any]:
    if type(box).__name__ == name:
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from boxes_of_type(child, name)


def table_lines(markdown: str) -> list[int]:
    """The 1-based line (in the Markdown body) where each table starts, in order: a
    Markdown table's header row, or a raw HTML <table>. Code is not looked at."""
    lines = mask_code(markdown).split("\n")
    starts = []
    for number, line in enumerate(lines, 1):
        if HTML_TABLE.search(line):
            starts.append(number)
        elif number > 1 and DELIMITER_ROW.match(line) and "|" in lines[number - 2]:
            starts.append(number - 1)
    return starts


def overflow_warnings(book: Book, found: Iterable[tuple[str, Overflow]]) -> list[Problem]:
    """One warning per table too wide in any edition, at the table's line."""
    editions: dict[tuple[str, int], list[tuple[str, float]]] = {}
    for edition, overflow in found:
        editions.setdefault((overflow.division, overflow.table), []).append(
            (edition, overflow.inches)
        )
    chapters = {c.id: c for c in book.chapters}
    problems = []
    for (division, index), where in editions.items():
        chapter = chapters.get(division)
        line = None
        if chapter is not None:
            starts = table_lines(chapter.markdown)
            line = chapter.body_line + starts[index] - 1 if index < len(starts) else None
        names = " and ".join(f"{e} PDF" for e, _ in where)
        widest = max(inches for _, inches in where)
        which = f"table {index + 1}" + ("" if chapter else f" of '{division}'")
        problems.append(
            Problem(
                f"{which} is {widest:.2f}in wider than the text block in the {names}, even "
                "in small type with its words broken, so it is drawn past the margin",
                chapter.path if chapter else None,
                line,
                hint="give it fewer columns (split it in two, or turn it into a list)",
                severity="warning",
            )
        )
    return problems
