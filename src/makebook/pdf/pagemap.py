"""Where each printed page begins, read from the PDF layout (for the EPUB's page-list)."""

from __future__ import annotations

import re

from weasyprint import Document

from makebook.model import PageStart, RenderedBook
from makebook.pdf.weasy import boxes, page_box

FOLIO = re.compile(r"^(\d+|[ivxlcdm]+)$")


def page_starts(rendered: RenderedBook, document: Document) -> tuple[PageStart, ...]:
    """For every page: its folio and the first words set on it, for the EPUB's page-list."""
    return assemble_starts(raw_starts(layout_page_ids(rendered), document))


def layout_page_ids(rendered: RenderedBook) -> frozenset[str]:
    return frozenset(p.id for p in rendered.pages) | {"toc"}


RawStart = tuple[str, str | None, str]  # printed folio (or ""), reading unit id, first line


def raw_starts(page_ids: frozenset[str], document: Document) -> list[RawStart]:
    """What each laid-out page shows: its printed folio and its first line."""
    return [
        (folio_of(page_box(page)), *first_line(page_box(page), page_ids)) for page in document.pages
    ]


def assemble_starts(raws: list[RawStart]) -> tuple[PageStart, ...]:
    """Page starts of a whole book from its pages in order (a blank page is ("", None, ""))."""
    labels = infer_labels([folio for folio, _, _ in raws])
    starts: list[PageStart] = []
    current: str | None = None
    for label, (_, first_id, snippet) in zip(labels, raws, strict=True):
        current = first_id or current
        starts.append(PageStart(label, current, snippet))
    return tuple(starts)


def folio_of(page_box: boxes.PageBox) -> str:
    for child in page_box.children:
        if isinstance(child, boxes.MarginBox) and child.at_keyword.startswith("@bottom"):
            text = "".join(d.text for d in child.descendants() if isinstance(d, boxes.TextBox))
            if FOLIO.match(text.strip()):
                return text.strip()
    return ""


def infer_labels(folios: list[str]) -> list[str]:
    """Pages without a printed folio (blank versos, openers) take the number they would carry:
    counted back from the next printed folio, so a restart at 1 is respected."""
    labels = list(folios)
    for index, folio in enumerate(folios):
        if folio:
            continue
        ahead = next(((i, f) for i, f in enumerate(folios[index:], index) if f), None)
        if ahead is not None:
            distance = ahead[0] - index
            value = int(ahead[1]) if ahead[1].isdigit() else from_roman(ahead[1])
            if value - distance >= 1:
                number = value - distance
                labels[index] = str(number) if ahead[1].isdigit() else to_roman(number)
                continue
        previous = labels[index - 1] if index else ""
        if previous.isdigit():
            labels[index] = str(int(previous) + 1)
        else:
            labels[index] = to_roman(from_roman(previous) + 1 if previous else 1)
    return labels


def first_line(page_box: boxes.PageBox, page_ids: set[str]) -> tuple[str | None, str]:
    """The id of the reading unit the page starts in, and the text of its first line."""
    section: str | None = None
    for child in page_box.children:
        if isinstance(child, boxes.MarginBox | boxes.FootnoteAreaBox):
            continue
        for box, owner in walk(child, None, page_ids):
            section = section or owner
            if isinstance(box, boxes.LineBox):
                text = "".join(
                    d.text
                    for d in box.descendants()
                    if isinstance(d, boxes.TextBox) and "::" not in (d.element_tag or "")
                )
                if text.strip():
                    return owner, text.strip()
    return section, ""


def walk(box: boxes.Box, owner: str | None, page_ids: set[str]):  # type: ignore[no-untyped-def]
    element = getattr(box, "element", None)
    if element is not None and box.element_tag in ("section", "nav"):
        element_id = element.get("id")
        if element_id in page_ids:
            owner = element_id
    yield box, owner
    if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
        for child in box.children:
            yield from walk(child, owner, page_ids)


ROMANS = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]  # fmt: skip


def to_roman(number: int) -> str:
    out = ""
    for value, letters in ROMANS:
        while number >= value:
            out += letters
            number -= value
    return out


def from_roman(text: str) -> int:
    values = {letters: value for value, letters in ROMANS if len(letters) == 1}
    total = 0
    for char, following in zip(text, [*text[1:], ""], strict=True):
        value = values[char]
        total += -value if following and values[following] > value else value
    return total
