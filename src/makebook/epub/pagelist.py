"""Print page numbers in the EPUB: a pagebreak marker where each PDF page begins.

The PDF layout tells, for every printed page, the reading unit it starts in and
the words of its first line (`PageStart`). Here those words are found again in
the EPUB's text and a marker is placed at the start of the word, so a reader on
any device can go to "page 57" of the printed book.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from makebook.model import PageStart
from makebook.xhtml import EPUB_TYPE, E, text_chunks

HOIST_INTO = {"section", "div", "header", "blockquote", "figure", "aside", "body", "nav"}


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


SKIPPED = re.compile(r"[\s\u00ad]+")  # what a printed line and the EPUB text may differ in


def lowered(text: str) -> str:
    """Lower case, one character for one: the few that lower to two are kept as they are."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


@dataclass
class Folded:
    """Text without spaces and soft hyphens, lower-cased, that knows where each letter was."""

    text: str
    kept_before: list[int]  # for each skipped run: how many letters come before it
    skipped_through: list[int]  # for each skipped run: characters skipped up to its end

    @classmethod
    def of(cls, full: str) -> Folded:
        kept_before, skipped_through, skipped = [], [], 0
        for run in SKIPPED.finditer(full):
            kept_before.append(run.start() - skipped)
            skipped += run.end() - run.start()
            skipped_through.append(skipped)
        return cls(lowered(SKIPPED.sub("", full)), kept_before, skipped_through)

    def original(self, letter: int) -> int:
        """Where the letter at this position of the folded text stands in the full text."""
        runs = bisect.bisect_right(self.kept_before, letter)
        return letter + (self.skipped_through[runs - 1] if runs else 0)

    def folded(self, position: int) -> int:
        """How many letters of the full text come before this position."""
        low, high = 0, len(self.text)
        while low < high:  # the first letter at or after the position
            middle = (low + high) // 2
            if self.original(middle) < position:
                low = middle + 1
            else:
                high = middle
        return low


def place_breaks(section: etree._Element, breaks: Sequence[Break]) -> int:
    """Insert the markers into `section`; returns how many snippets were not found."""
    chunks = list(text_chunks(section))
    starts, length = [], 0
    for _, _, text in chunks:
        starts.append(length)
        length += len(text)
    full = "".join(text for _, _, text in chunks)
    folded = Folded.of(full)
    positions: list[tuple[int, list[str]]] = []
    cursor, missed = 0, 0
    for item in breaks:
        needle = lowered(SKIPPED.sub("", trim_hyphenated(item.snippet)))
        found = folded.text.find(needle, folded.folded(cursor)) if needle else -1
        if found < 0:
            missed += bool(item.snippet)
            position = cursor if item.snippet else len(full)
        else:
            position = word_start(full, folded.original(found), cursor)
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
