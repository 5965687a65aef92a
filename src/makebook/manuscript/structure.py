"""Markdown whose structure is broken: reported with its line, never printed as text.

Python-Markdown turns whatever it cannot read into literal text (`x[^nope]`,
`[@key, p. 12`, `‹!– TODO`) or guesses (an unclosed fenced div takes the rest of the
chapter). The loader runs these checks on every chapter, so `make-book check`
names each problem's file and line before anything is rendered.

Nesting is capped too: libxml2 refuses XML nested more than 256 elements deep and
WeasyPrint's layout recurses once per level (a list nested 100 deep overflows
Python's stack). No book needs more than a few levels, so 20 is far from both.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import replace

from makebook.errors import Problem
from makebook.manuscript.lists import is_list_item
from makebook.manuscript.sanitize import ALLOWED_TAGS
from makebook.manuscript.syntax import (
    FENCE_OPEN,
    fence_attributes,
    fence_roles,
    mask_code,
    unclosed_fences,
)
from makebook.manuscript.tables import table_lines
from makebook.model import Chapter

MAX_NESTING = 20  # block quotes, list levels and fenced divs inside each other

FOOTNOTE_DEFINITION = re.compile(r"^[ \t>]*\[\^(?P<label>[^\]\n]+)\]:", re.MULTILINE)
FOOTNOTE_REFERENCE = re.compile(r"(?<![!\\])\[\^(?P<label>[^\]\n]+)\]")
BRACKET_OPEN = re.compile(r"(?<!\\)\[")
BRACKET_END = re.compile(r"[\[\]]|\n[ \t]*(?:\n|\Z)")  # a bracket, or the paragraph's end
CITATION_START = re.compile(r"(?:^|[\s;])-?@\w")
CITATION_KEY = re.compile(r"-?@[\w][\w:.#$%&+?<>~/-]*[\w]|-?@\w")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
LEADING_MARKERS = re.compile(r"[ \t>]*")
HTML_TAG = re.compile(r"<(?P<close>/?)(?P<name>[A-Za-z][\w-]*)(?=[\s/>])[^>]*?(?P<empty>/?)>")
# Raw HTML elements that nest: void ones and those whose end tag may be left out do not
# count (an unclosed <li> or <p> is closed by the next one).
UNNESTED = {"br", "hr", "img", "wbr", "col", "p", "li", "dt", "dd", "tr", "td", "th", "thead",
            "tbody", "tfoot", "colgroup", "caption"}  # fmt: skip
NESTING_TAGS = ALLOWED_TAGS - UNNESTED
LIST_MARKER = re.compile(r"(?:[-*+]|\d+[.)])(?:[ \t]|$)")


def structure_problems(chapter: Chapter) -> list[Problem]:
    """Every broken structure in a chapter's body, each at the line that shows it."""
    text = chapter.markdown
    lines = text.split("\n")
    roles = fence_roles(lines)
    # Code shows syntax rather than using it, and a closed comment is left out of the book.
    masked = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), mask_code(text))
    first = chapter.body_line
    found = [
        *fence_problems(lines, roles, first),
        *prompt_problems(lines, roles, first),
        *nesting_problems(masked.split("\n"), roles, first),
        *footnote_problems(masked, first),
        *unclosed_citations(masked, first),
        *unclosed_comments(mask_code(text), first),
    ]
    found.sort(key=lambda p: (p.line or 0, p.column or 0))
    return [replace(p, path=chapter.path) for p in found]


def line_and_column(text: str, offset: int, first: int) -> tuple[int, int]:
    """The file's line (the body starts at `first`) and 1-based column of an offset."""
    line = first + text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def fence_problems(lines: list[str], roles: list[str], first: int) -> Iterator[Problem]:
    for index in unclosed_fences(roles):
        yield Problem(
            f"the fenced div `{lines[index].strip()}` is never closed",
            line=first + index,
            hint="end it with a line of `:::` where the box ends; "
            "otherwise the rest of the chapter would go into it",
        )
    for index, role in enumerate(roles):
        if role == "stray":
            yield Problem(
                "this `:::` line closes no fenced div, so it is left out",
                line=first + index,
                hint="delete it, or open the div above it with a line such as `::: note`",
                severity="warning",
            )
        elif role == "indented":
            yield Problem(
                f"`{lines[index].strip()}` is indented inside a list item or definition, "
                "where makebook does not read fenced divs yet: the line is printed as text",
                line=first + index,
                hint="move the div (its ::: lines and content) out of the list or definition, "
                "to the left margin",
                severity="warning",
            )
        elif role == "bad":
            yield Problem(
                f"`{lines[index].strip()}` is not a fenced div opening",
                line=first + index,
                hint='write `::: name` (one word) or `::: {.name title="..."}`, '
                "and close the div with `:::`",
            )


MAX_PROMPT_LINES = 20  # as [pdf] prompt_lines (config.py)
# What a prompts block reads (render/aids.py), as fence_attributes names them.
PROMPT_ATTRIBUTES = {"class", "id", "lang", "dir", "data-title", "data-lines"}


def prompt_problems(lines: list[str], roles: list[str], first: int) -> Iterator[Problem]:
    """A `::: prompts` block's `lines=` is a whole number, and the block holds questions."""
    stack: list[int] = []
    for index, role in enumerate(roles):
        if role == "open":
            stack.append(index)
        elif role == "close" and stack:
            opening = stack.pop()
            attrs = fence_attributes(FENCE_OPEN.match(lines[opening].strip()))  # type: ignore[arg-type]
            if "prompts" not in attrs.get("class", "").split():
                continue
            for name in sorted(set(attrs) - PROMPT_ATTRIBUTES):
                shown = name.removeprefix("data-")
                close = difflib.get_close_matches(shown, ["lines", "title"], n=1)
                yield Problem(
                    f"a prompts block has no attribute `{shown}`, so it is left out",
                    line=first + opening,
                    hint=f"did you mean `{close[0]}=`?"
                    if close
                    else 'a prompts block takes title="..." and lines=N',
                    severity="warning",
                )
            count = attrs.get("data-lines")
            if count is not None and not (count.isdigit() and int(count) <= MAX_PROMPT_LINES):
                yield Problem(
                    f"`lines={count}` of a prompts block must be a whole number "
                    f"from 0 to {MAX_PROMPT_LINES}",
                    line=first + opening,
                    hint="write the write-in lines each question gets in print, "
                    "e.g. ::: {.prompts lines=3}",
                )
            if not any(line.strip() for line in lines[opening + 1 : index]):
                yield Problem(
                    "this prompts block holds no questions, so nothing is printed for it",
                    line=first + opening,
                    hint="write the questions inside it as a list (1. ...) or paragraphs",
                    severity="warning",
                )


def nesting_depth(line: str, divs: int) -> int:
    """How many blocks a line sits in: open divs, `>` marks and list levels (4 spaces each)."""
    markers = LEADING_MARKERS.match(line).group(0)  # type: ignore[union-attr]
    quotes = markers.count(">")
    # The one space after a `>` belongs to the mark, not to a list's indentation.
    spaces = len(re.sub(r"> ?", "", markers).expandtabs(4))
    is_item = bool(LIST_MARKER.match(line, len(markers))) or is_list_item(line[len(markers) :])
    return divs + quotes + spaces // 4 + is_item


def html_depths(line: str, depth: int) -> tuple[int, int]:
    """The deepest raw HTML nesting on a line, and the nesting after it."""
    deepest = depth
    for tag in HTML_TAG.finditer(line):
        if tag["name"].lower() not in NESTING_TAGS or tag["empty"]:
            continue
        depth = max(depth - 1, 0) if tag["close"] else depth + 1
        deepest = max(deepest, depth)
    return deepest, depth


def nesting_problems(lines: list[str], roles: list[str], first: int) -> Iterator[Problem]:
    """One report, at the first line nested deeper than a book allows, with the deepest level.

    Raw HTML elements count as levels too: nested in Markdown or in each other.
    """
    divs = html = 0
    depths = []
    tables = table_lines(lines)  # a table's rows are indented to line up its columns
    for index, (line, role) in enumerate(zip(lines, roles, strict=True)):
        divs += (role == "open") - (role == "close")
        deepest, html = html_depths(line, html)
        depths.append((divs if index in tables else nesting_depth(line, divs)) + deepest)
    too_deep = next((i for i, depth in enumerate(depths) if depth > MAX_NESTING), None)
    if too_deep is not None:
        yield Problem(
            f"block quotes, lists, divs and HTML elements are nested {max(depths)} levels "
            f"deep from here; a book allows at most {MAX_NESTING}",
            line=first + too_deep,
            hint="flatten the structure (fewer `>` marks, less indentation, fewer divs or "
            "HTML elements inside each other): neither readers nor the page layout can follow it",
        )


def footnote_problems(masked: str, first: int) -> Iterator[Problem]:
    defined: dict[str, int] = {}
    definition_at: set[int] = set()
    for match in FOOTNOTE_DEFINITION.finditer(masked):
        label = match["label"]
        line, _ = line_and_column(masked, match.start(), first)
        definition_at.add(match.start("label") - 2)
        if label in defined:
            yield Problem(
                f"footnote [^{label}] is defined twice (first on line {defined[label]})",
                line=line,
                hint="give each note its own label, e.g. [^" + label + "-2], "
                "or delete one definition: only one of the two texts could be printed",
            )
        else:
            defined[label] = line
    referenced: set[str] = set()
    for match in FOOTNOTE_REFERENCE.finditer(masked):
        label = match["label"]
        if match.start() in definition_at or not label.strip():
            continue
        referenced.add(label)
        if label in defined:
            continue
        line, column = line_and_column(masked, match.start(), first)
        yield Problem(
            f"footnote [^{label}] has no text: no line starts with [^{label}]:",
            line=line,
            column=column,
            hint=f"add the note as a line of its own, `[^{label}]: The note's text.`, "
            f"or write \\[^{label}] to print the brackets",
        )
    # Python-Markdown leaves a note nobody points to out of the book without a word.
    for label, line in defined.items():
        if label not in referenced:
            yield Problem(
                f"footnote [^{label}] is never referred to, so its text is left out",
                line=line,
                hint=f"put [^{label}] in the text where the note belongs, or delete the note",
                severity="warning",
            )


def unclosed_citations(masked: str, first: int) -> Iterator[Problem]:
    """`[@key, p. 12` with no `]` before the paragraph ends (or another `[` opens)."""
    for match in BRACKET_OPEN.finditer(masked):
        end = BRACKET_END.search(masked, match.end())
        if end is not None and end.group(0) == "]":
            continue
        stop = end.start() if end is not None else len(masked)
        inside = masked[match.end() : stop]
        if not CITATION_START.search(inside):
            continue
        line, column = line_and_column(masked, match.start(), first)
        shown = " ".join(inside.split())
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        key = CITATION_KEY.search(inside)
        yield Problem(
            f"the citation `[{shown}` has no closing bracket",
            line=line,
            column=column,
            hint=f"close it with `]` where the citation ends, e.g. [{key[0] if key else '@key'}]",
        )


def unclosed_comments(masked: str, first: int) -> Iterator[Problem]:
    """An HTML comment `<!--` with no `-->` after it (only the first: it hides the rest)."""
    position = 0
    while (start := masked.find("<!--", position)) != -1:
        end = masked.find("-->", start + 4)
        if end == -1:
            line, column = line_and_column(masked, start, first)
            yield Problem(
                "this HTML comment `<!--` is never closed",
                line=line,
                column=column,
                hint="end it with `-->`; everything between the two is left out of the book",
            )
            return
        position = end + 3
