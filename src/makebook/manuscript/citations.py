"""Pandoc citation syntax: `[@key]`, `[@key, p. 12]`, `[see @a; -@b]`.

The loader uses `find_citations` to check keys with their line numbers; the
Markdown extension (render/citations.py) uses `parse_citation` and the patterns here,
and formats each citation in the book's CSL style (render/csl.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import replace

from makebook.manuscript.syntax import mask_code
from makebook.model import Citation

# A bracketed span holding at least one `@key` that is not a link `[..](..)`
# or a reference `[..][..]`/`[..]:`. It may wrap onto the next line, as in pandoc,
# but never across a blank line (a paragraph's end).
IN_BRACKET = r"(?:[^\[\]\n]|\n(?![ \t]*\n))"
BRACKET_SOURCE = rf"(?<![\\!\]])\[({IN_BRACKET}*?@{IN_BRACKET}*)\](?![(\[:])"
KEY = r"[\w](?:[\w:.#$%&+?<>~/-]*[\w])?"
# pandoc's author-in-text citation, `@key` or `@key [p. 30]`: an `@` that no word
# character, `@`, `.` or backslash precedes (an e-mail address is never one). Only a key
# of the bibliography makes it a citation; any other stays text.
BARE_SOURCE = rf"(?<![\w@.\\\[-])@(?P<key>{KEY})(?:[ ]?\[(?P<locator>[^\[\]\n@]*)\](?![(\[:]))?"
ITEM = re.compile(
    r"^\s*(?P<prefix>(?:.*\s)?)(?P<suppress>-)?@(?P<key>[\w](?:[\w:.#$%&+?<>~/-]*[\w])?)"
    r"\s*(?:,\s*(?P<locator>.*?))?\s*$",
    re.DOTALL,
)


# pandoc-crossref's label prefixes: `@fig:x`, `[@tbl:y]` are cross-references
# (render/crossref.py), never bibliography keys.
CROSSREF_KEY = re.compile(r"^(?:fig|tbl|sec|eq|lst):", re.IGNORECASE)


def is_crossref_key(key: str) -> bool:
    return bool(CROSSREF_KEY.match(key))


def parse_citation(body: str, line: int = 0) -> list[Citation] | None:
    """The citations in a bracket's text, or None when it is not a citation."""
    items = []
    body = " ".join(body.split())  # a citation wrapped onto a second line reads as one
    for part in body.split(";"):
        match = ITEM.match(part)
        if not match or is_crossref_key(match["key"]):
            return None
        items.append(
            Citation(
                key=match["key"],
                line=line,
                locator=(match["locator"] or "").strip(),
                prefix=match["prefix"].strip(),
                suppress_author=bool(match["suppress"]),
            )
        )
    return items or None


def find_citations(markdown: str, first_line: int, known: Collection[str] = ()) -> list[Citation]:
    """Every citation in a chapter body, with its line (and column) in the file; an
    author-in-text `@key` only when `key` is `known` (a bibliography's id)."""
    found: list[Citation] = []
    masked = mask_code(markdown)
    spans = []
    for match in re.finditer(BRACKET_SOURCE, masked):
        line, column = _place(masked, match.start(), first_line)
        citations = parse_citation(match.group(1), line) or []
        if citations:
            spans.append(match.span())
        found.extend(replace(citation, column=column) for citation in citations)
    for match in re.finditer(BARE_SOURCE, masked) if known else ():
        inside = any(start <= match.start() < end for start, end in spans)
        if inside or match["key"] not in known:
            continue
        line, column = _place(masked, match.start(), first_line)
        found.append(Citation(match["key"], line, (match["locator"] or "").strip(), column))
    return sorted(found, key=lambda c: (c.line, c.column or 0))


def _place(text: str, offset: int, first_line: int) -> tuple[int, int]:
    line = first_line + text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
