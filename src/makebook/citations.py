"""Pandoc citation syntax: `[@key]`, `[@key, p. 12]`, `[see @a; -@b]`.

The loader uses `find_citations` to check keys with their line numbers; the
Markdown extension uses `parse_citation` and `format_citation` to render them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from .model import Citation, Work

# A bracketed span holding at least one `@key` that is not a link `[..](..)`
# or a reference `[..][..]`/`[..]:`. It may wrap onto the next line, as in pandoc,
# but never across a blank line (a paragraph's end).
IN_BRACKET = r"(?:[^\[\]\n]|\n(?![ \t]*\n))"
BRACKET_SOURCE = rf"(?<![\\!\]])\[({IN_BRACKET}*?@{IN_BRACKET}*)\](?![(\[:])"
ITEM = re.compile(
    r"^\s*(?P<prefix>(?:.*\s)?)(?P<suppress>-)?@(?P<key>[\w](?:[\w:.#$%&+?<>~/-]*[\w])?)"
    r"\s*(?:,\s*(?P<locator>.*?))?\s*$",
    re.DOTALL,
)


def parse_citation(body: str, line: int = 0) -> list[Citation] | None:
    """The citations in a bracket's text, or None when it is not a citation."""
    items = []
    body = " ".join(body.split())  # a citation wrapped onto a second line reads as one
    for part in body.split(";"):
        match = ITEM.match(part)
        if not match:
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


CODE_SPAN = re.compile(r"(`+)((?:(?!\n[ \t]*\n)[^`]|`(?!\1))+?)\1")
FENCE_MARKS = re.compile(r"`{3,}|~{3,}")
LIST_ITEM = re.compile(r"(?:[-*+]|\d+[.)])(?:[ \t]|$)")


def find_citations(markdown: str, first_line: int) -> list[Citation]:
    """Every citation in a chapter body, with its line (and column) in the file."""
    found: list[Citation] = []
    masked = mask_code(markdown)
    for match in re.finditer(BRACKET_SOURCE, masked):
        line = first_line + masked.count("\n", 0, match.start())
        column = match.start() - (masked.rfind("\n", 0, match.start()) + 1) + 1
        found.extend(
            replace(citation, column=column)
            for citation in parse_citation(match.group(1), line) or []
        )
    return found


@functools.lru_cache(maxsize=64)  # the checks of one chapter each ask for its masked text
def mask_code(markdown: str) -> str:
    """Blank out code (fenced, indented and spans), keeping line numbers: `@`, `[^1]` or
    `![x](y)` shown in code is no citation, note or image."""
    out: list[str] = []
    fence: str | None = None
    indented = False  # inside an indented code block
    in_list = False  # a list item's continuation is indented too, and is not code
    after_blank = True
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        if fence is not None:
            # Closed by a run of the same mark at least as long, with nothing after it.
            if stripped.startswith(fence) and not stripped.strip().strip(fence[0]):
                fence = None
            out.append("")
            continue
        if not stripped:
            out.append(line)
            after_blank = True
            continue
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        # Python-Markdown: code is indented four spaces after a blank line, eight in a list.
        code_indent = 8 if in_list else 4
        if indent >= code_indent and (indented or after_blank):
            indented = True
            out.append("")
            after_blank = False
            continue
        indented = False
        if stripped.startswith("```") or stripped.startswith("~~~"):
            fence = FENCE_MARKS.match(stripped).group(0)  # type: ignore[union-attr]
            out.append("")
            after_blank = False
            continue
        if indent < 4:
            if LIST_ITEM.match(stripped):
                in_list = True
            elif after_blank:
                in_list = False  # a paragraph back at the margin ends the list
        after_blank = False
        out.append(line)
    # A code span may wrap onto the next line of its paragraph, never past a blank line.
    return CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), "\n".join(out))


def author_label(work: Work) -> str:
    """`Siegel`, `Siegel and Hartzell`, `Tronick et al.`; a film by its title."""
    if work.is_film or not work.contributors:
        return work.title
    people = work.authors or work.people("editor") or tuple(c.person for c in work.contributors)
    names = [p.family or p.name for p in people]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def format_citation(citation: Citation, work: Work) -> str:
    """The visible text of one citation, in author-date style."""
    if work.is_film:
        text = f"{work.title}, {work.year}" if work.year else work.title
    else:
        text = (
            work.year if citation.suppress_author else f"{author_label(work)} {work.year}".strip()
        )
    if citation.locator:
        text = f"{text}, {citation.locator}"
    if citation.prefix:
        text = f"{citation.prefix} {text}"
    return text
