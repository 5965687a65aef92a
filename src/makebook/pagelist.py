"""Print page numbers in the EPUB: a pagebreak marker where each PDF page begins.

The PDF layout tells, for every printed page, the reading unit it starts in and
the words of its first line (`PageStart`). Here those words are found again in
the EPUB's text and a marker is placed at the start of the word, so a reader on
any device can go to "page 57" of the printed book.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lxml import etree

from .model import PageStart
from .xhtml import EPUB_TYPE, E

HOIST_INTO = {"section", "div", "header", "blockquote", "figure", "aside", "body", "nav"}
NO_TEXT = {"noteref"}  # classes whose text the printed line does not show inline


@dataclass
class Break:
    labels: list[str]  # pages that begin here: blank pages before it, then its own
    snippet: str


def marker_id(label: str) -> str:
    return f"page-{label}"


def plan_breaks(starts: Sequence[PageStart], epub_pages: Sequence[str]) -> dict[str, list[Break]]:
    """Assign every printed page to an EPUB document; pages without text of their own
    (blank versos, the half-title, the printed contents) go with the next page that has."""
    present = set(epub_pages)
    plan: dict[str, list[Break]] = {page: [] for page in epub_pages}
    pending: list[str] = []
    for start in starts:
        pending.append(start.label)
        if start.snippet and start.page_id in present:
            plan[start.page_id].append(Break(pending, start.snippet))
            pending = []
    if pending and epub_pages:
        plan[epub_pages[-1]].append(Break(pending, ""))
    return plan


def text_chunks(section: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
    """(element, 'text' or 'tail', string) in reading order."""

    def visit(element: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
        skip = bool(set((element.get("class") or "").split()) & NO_TEXT)
        if element.text and not skip:
            yield element, "text", element.text
        for child in element:
            if isinstance(child.tag, str):
                yield from visit(child)
            if child.tail:
                yield child, "tail", child.tail

    yield from visit(section)


def normalise(text: str, offset: int, out: list[str], index: list[int]) -> None:
    for position, char in enumerate(text):
        if char.isspace() or char == "\u00ad":
            continue
        for lowered in char.lower():
            out.append(lowered)
            index.append(offset + position)


def place_breaks(section: etree._Element, breaks: Sequence[Break]) -> int:
    """Insert the markers into `section`; returns how many snippets were not found."""
    chunks = list(text_chunks(section))
    full, starts, norm, norm_index = "", [], [], []  # type: ignore[var-annotated]
    for _, _, text in chunks:
        starts.append(len(full))
        normalise(text, len(full), norm, norm_index)
        full += text
    haystack = "".join(norm)
    positions: list[tuple[int, list[str]]] = []
    cursor, missed = 0, 0
    for item in breaks:
        needle_chars: list[str] = []
        normalise(trim_hyphenated(item.snippet), 0, needle_chars, [])
        needle = "".join(needle_chars)
        found = haystack.find(needle, norm_index.index(cursor) if cursor in norm_index else 0)
        found = found if needle else -1
        if found < 0:
            missed += bool(item.snippet)
            position = cursor if item.snippet else len(full)
        else:
            position = word_start(full, norm_index[found], cursor)
        cursor = max(cursor, position)
        positions.append((position, item.labels))
    for position, labels in reversed(positions):
        previous = insert_marker(section, chunks, starts, full, position, new_marker(labels[0]))
        for label in labels[1:]:
            marker = new_marker(label)
            marker.tail, previous.tail = previous.tail, None
            previous.addnext(marker)
            previous = marker
    return missed


def new_marker(label: str) -> etree._Element:
    return E.span(
        {
            "id": marker_id(label),
            EPUB_TYPE: "pagebreak",
            "role": "doc-pagebreak",
            "aria-label": label,
        }
    )


def trim_hyphenated(snippet: str) -> str:
    """A first line ending in a hyphen may end in a word broken by hyphenation: drop it."""
    if snippet.endswith("-") and " " in snippet:
        return snippet.rsplit(" ", 1)[0]
    return snippet


def word_start(full: str, position: int, floor: int) -> int:
    """A page that begins inside a hyphenated word gets its marker before the whole word."""
    while position > floor and not full[position - 1].isspace() and full[position - 1] not in "—–":
        position -= 1
    return position


def insert_marker(
    section: etree._Element,
    chunks: list[tuple[etree._Element, str, str]],
    starts: list[int],
    full: str,
    position: int,
    marker: etree._Element,
) -> etree._Element:
    if not chunks or position >= len(full):
        section.append(marker)
        return marker
    # The chunk holding the position; at a boundary, the one that ends there, so a
    # marker before a link or emphasis stays outside it.
    chosen = 0
    for number, start in enumerate(starts):
        if start < position or (start == position and number == 0):
            chosen = number
    element, kind, _ = chunks[chosen]
    offset = position - starts[chosen]
    current = element.text if kind == "text" else element.tail
    current = current or ""
    if offset >= len(current) and chosen + 1 < len(chunks) and starts[chosen + 1] == position:
        element, kind, _ = chunks[chosen + 1]
        offset = 0
        current = (element.text if kind == "text" else element.tail) or ""
    if kind == "text" and offset == 0 and element is not section:
        hoist_before(section, element, marker)
        return marker
    marker.tail = current[offset:]
    if kind == "text":
        element.text = current[:offset]
        element.insert(0, marker)
    else:
        element.tail = current[:offset]
        element.addnext(marker)
    return marker


def hoist_before(section: etree._Element, element: etree._Element, marker: etree._Element) -> None:
    """A page that starts with a heading or paragraph gets its marker just before it,
    as high up as a span may stand (never directly inside a list or table)."""
    chain = [element]
    while chain[-1].getparent() is not None and chain[-1].getparent() is not section:
        parent = chain[-1].getparent()
        if chain[-1].getprevious() is not None or (parent.text or "").strip():
            break
        chain.append(parent)
    for candidate in reversed(chain):
        parent = candidate.getparent()
        if parent is not None and parent.tag in HOIST_INTO:
            candidate.addprevious(marker)
            return
    marker.tail = element.text
    element.text = None
    element.insert(0, marker)
