"""Where pandoc starts a block and Python-Markdown would start another: the lines,
rewritten so that Python-Markdown reads them as pandoc 3 does. The renderer
(render/pandoc_blocks.py) parses the rewritten lines and the loader's checks
(chapters.find_headings) read the same lines, so both agree on what is a heading.

Each rewrite keeps the line count, so line numbers stay the author's:

- pandoc's `space_in_atx_header`: `#5 bolt` and `#hashtag` are no headings; their
  `#` is escaped.
- `blank_before_header` and `blank_before_blockquote`: a `#` or `>` line right under a
  line of a paragraph (or list item, or definition) continues that paragraph, as
  pandoc reads it; its mark is escaped. After a heading, a rule, a table, a code
  block or a fenced div line, a heading or a quote may start without a blank line.
- `definition_lists` with `~`: a definition may start with `~` as with `:` (up to
  three spaces before it); it is rewritten to the `:` Python-Markdown reads.
"""

from __future__ import annotations

import re

from makebook.manuscript.syntax import FENCE_CLOSE, FENCE_OPEN, line_kinds
from makebook.manuscript.tables import table_lines

QUOTE_MARKS = re.compile(r"^(?:[ ]{0,3}>[ ]?)*")  # the `>` marks that open a line, if any
LIST_MARK = re.compile(r"^[ ]{0,3}(?:[-*+]|\d+[.)])[ \t]+")
# `#5`: no heading for pandoc; `#.` and `#)` before a space are list markers (fancy_lists).
HASHES_WITHOUT_SPACE = re.compile(r"^(?!#[.)](?:[ \t]|$))#{1,6}(?=[^#\s])")
ATX_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")
TILDE_DEFINITION = re.compile(r"^(?P<indent>[ ]{0,3})~(?P<space>[ \t]+)(?=\S)")
# Lines after which a block may start without a blank line: they end a block themselves.
SETEXT_UNDERLINE = re.compile(r"^[ ]{0,3}(?:=+|-+)[ \t]*$")
RULE = re.compile(r"^[ ]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
# `<section>`, `</div>`, `<!-- a comment -->`
HTML_TAG_LINE = re.compile(r"^[ ]{0,3}(?:</?[A-Za-z][^<>]*>|<!--.*-->)[ \t]*$")
PIPE_ROW = re.compile(r"^[ ]{0,3}\|")


def pandoc_block_lines(lines: list[str]) -> list[str]:
    """The chapter's lines, rewritten as the module's docstring says."""
    kinds = line_kinds(lines)
    tables = table_lines(lines)
    out = list(lines)
    run_depth: int | None = None  # the quote depth of the paragraph the line continues
    for index, line in enumerate(lines):
        if kinds[index] != "text" or index in tables or not line.strip():
            run_depth = None
            continue
        marks = QUOTE_MARKS.match(line).group(0)  # type: ignore[union-attr]
        depth = marks.count(">")
        content = line[len(marks) :]
        if not content.strip():  # `>` alone: a blank line inside the quote
            run_depth = None
            continue
        content = rewrite_content(content, run_depth is not None)
        out[index] = marks + content
        if run_depth is not None and depth > run_depth:
            out[index] = escape_quote_mark(out[index], run_depth)
        if ends_a_block(content, index, lines):
            run_depth = None
        elif run_depth is None:
            run_depth = depth
    return rewrite_tilde_definitions(out, kinds)


def rewrite_content(content: str, continues_paragraph: bool) -> str:
    """A line's text after its `>` marks: a `#` that starts no heading is escaped."""
    indent = len(content) - len(content.lstrip(" "))
    text = content[indent:]
    if continues_paragraph and ATX_HEADING.match(text):
        return content[:indent] + "\\" + text
    item = LIST_MARK.match(content)
    start = item.end() if item else indent  # `- #5`: the item's text is no heading either
    if HASHES_WITHOUT_SPACE.match(content[start:]):
        return content[:start] + "\\" + content[start:]
    return content


def escape_quote_mark(line: str, keep: int) -> str:
    """Escapes the `>` after the first `keep` ones: it opens no block quote."""
    position = -1
    for _ in range(keep + 1):
        position = line.index(">", position + 1)
    return line[:position] + "\\" + line[position:]


def ends_a_block(content: str, index: int, lines: list[str]) -> bool:
    """Whether the line is a block of its own, after which a heading or quote may start."""
    text = content.strip()
    return bool(
        ATX_HEADING.match(text)
        or SETEXT_UNDERLINE.match(content)
        and index > 0
        and lines[index - 1].strip()
        or RULE.match(content)
        or FENCE_OPEN.match(text)
        or FENCE_CLOSE.match(text)
        or HTML_TAG_LINE.match(content)
        or PIPE_ROW.match(content)
    )


def rewrite_tilde_definitions(lines: list[str], kinds: list[str]) -> list[str]:
    """`~` definition markers as `:`, where a term (or a definition) comes before them."""
    out = list(lines)
    for index, line in enumerate(lines):
        match = TILDE_DEFINITION.match(line)
        if not match or kinds[index] != "text" or not has_term_before(lines, index):
            continue
        space = match["space"] if "\t" not in match["space"] else "   "
        out[index] = match["indent"] + ":" + space[:3] + line[match.end() :]
    return out


def has_term_before(lines: list[str], index: int) -> bool:
    """A definition follows its term directly or after one blank line."""
    if index >= 1 and lines[index - 1].strip():
        return True
    return index >= 2 and not lines[index - 1].strip() and bool(lines[index - 2].strip())
