"""Markdown syntax that the checks and the renderer both read: what is code, and
pandoc's fenced divs. The loader finds problems with it (at their lines); the
renderer (render/markdown_ext.py) builds the page from the same reading.
"""

from __future__ import annotations

import functools
import re

from makebook.manuscript.lists import is_list_item
from makebook.manuscript.tables import table_lines

PLAIN_ATTRIBUTES = {"lang", "dir"}  # attributes a div or span keeps as they are; others: data-
CODE_SPAN = re.compile(r"(`+)((?:(?!\n[ \t]*\n)[^`]|`(?!\1))+?)\1")
# An opening code fence: backticks (that its info string may not hold) or tildes, then
# a language word or {attributes}.
CODE_FENCE = re.compile(r"(?P<fence>`{3,}(?!.*`)|~{3,})[ \t]*(?:\{[^{}]*\}|[^\s{}]+)?[ \t]*$")
# A list item, or a definition (`:` or `~`): what is indented under it is its content, not code.
# pandoc's other markers (`a.`, `(ii)`, `#.`, `(@)`...) are read by lists.is_list_item.
LIST_ITEM = re.compile(r"(?:[-*+:~]|\d+[.)])(?:[ \t]|$)")


FENCE_OPEN = re.compile(r"^(?P<colons>:{3,})\s*(?:\{(?P<attrs>[^}]*)\}|(?P<name>[\w-]+))\s*:*\s*$")
FENCE_CLOSE = re.compile(r"^:{3,}\s*$")
ATTR = re.compile(
    r"""(?P<cls>\.[\w-]+)|(?P<id>#[\w:.-]+)|(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>\S+))"""
)


def fence_attributes(match: re.Match[str]) -> dict[str, str]:
    if match["name"]:
        return {"class": match["name"]}
    classes, attrs = [], {}
    for part in ATTR.finditer(match["attrs"] or ""):
        if part["cls"]:
            classes.append(part["cls"][1:])
        elif part["id"]:
            attrs["id"] = part["id"][1:]
        else:
            value = next(v for v in (part["dq"], part["sq"], part["bare"]) if v is not None)
            key = part["key"]
            attrs[key if key in PLAIN_ATTRIBUTES else "data-" + key] = value
    if classes:
        attrs["class"] = " ".join(classes)
    return attrs


def fence_roles(lines: list[str]) -> list[str]:
    """What each line is to fenced divs, read as the renderer reads them.

    "open", "close", "stray" (a closing line with no div open), "bad" (starts like a
    fence but is neither an opening nor a closing one), "indented" (a fence line inside
    a list item or definition, which the renderer does not read as a div yet: it prints
    as text) or "" (anything else, code included). The loader reports stray, bad and
    indented lines and unclosed divs from this.
    """
    roles: list[str] = []
    depth = 0
    for line, kind in zip(lines, line_kinds(lines), strict=True):
        stripped = line.strip()
        if kind != "text":
            roles.append("")
        elif indentation(line) >= 4 and (FENCE_OPEN.match(stripped) or FENCE_CLOSE.match(stripped)):
            # Four spaces in and not code: the content of a list item or definition, where
            # the renderer does not read divs (it reads them at the left margin).
            roles.append("indented")
        elif FENCE_OPEN.match(stripped):
            depth += 1
            roles.append("open")
        elif FENCE_CLOSE.match(stripped):
            roles.append("close" if depth else "stray")
            depth -= 1 if depth else 0
        else:
            roles.append("bad" if stripped.startswith(":::") else "")
    return roles


def indentation(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def unclosed_fences(roles: list[str]) -> list[int]:
    """The indexes of the opening lines that no closing line matches."""
    open_at: list[int] = []
    for index, role in enumerate(roles):
        if role == "open":
            open_at.append(index)
        elif role == "close":
            open_at.pop()
    return open_at


def fence_end(lines: list[str], start: int) -> int | None:
    """The index of the line that closes the code fence opened at `start`, or None when
    `start` opens no fence. As pandoc reads it: three or more backticks or tildes, then
    at most a language word or `{attributes}`; closed by a run of the same mark at
    least as long with nothing after it. A fence never closed is no code at all."""
    opening = CODE_FENCE.match(lines[start].strip())
    if not opening:
        return None
    mark = opening["fence"]
    closing = re.compile(rf"{re.escape(mark[0])}{{{len(mark)},}}[ \t]*")
    for index in range(start + 1, len(lines)):
        if closing.fullmatch(lines[index].strip()):
            return index
    return None


# The loader and a dozen renderer steps ask about the same chapter's lines: the kinds of
# the last few texts asked about are kept (reading a 10 MB chapter's once takes ~0.1 s).
KINDS_KEPT = 8
_kinds_memo: dict[str, tuple[str, ...]] = {}


def line_kinds(lines: list[str]) -> list[str]:
    """Each line as code or not: "fence" (a fenced code block, its fence lines included),
    "indented" (an indented code block) or "text"."""
    text = "\n".join(lines)
    known = _kinds_memo.get(text)
    if known is None or len(known) != len(lines):
        known = tuple(read_line_kinds(lines))
        if len(_kinds_memo) >= KINDS_KEPT:
            del _kinds_memo[next(iter(_kinds_memo))]
        _kinds_memo[text] = known
    return list(known)


def read_line_kinds(lines: list[str]) -> list[str]:
    kinds: list[str] = []
    indented = False  # inside an indented code block
    in_list = False  # a list item's continuation is indented too, and is not code
    after_blank = True
    tables = table_lines(lines)  # a multiline table's indented rows are no code
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        if not stripped:
            kinds.append("text")
            after_blank = True
            index += 1
            continue
        if index in tables:
            indented = after_blank = False
            kinds.append("text")
            index += 1
            continue
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        # Python-Markdown: code is indented four spaces after a blank line, eight in a list.
        code_indent = 8 if in_list else 4
        if indent >= code_indent and (indented or after_blank):
            indented = True
            kinds.append("indented")
            after_blank = False
            index += 1
            continue
        indented = False
        end = fence_end(lines, index)
        if end is not None:
            kinds.extend(["fence"] * (end - index + 1))
            after_blank = False
            index = end + 1
            continue
        if indent < 4:
            if LIST_ITEM.match(stripped) or is_list_item(stripped):
                in_list = True
            elif after_blank:
                in_list = False  # a paragraph back at the margin ends the list
        after_blank = False
        kinds.append("text")
        index += 1
    return kinds


@functools.lru_cache(maxsize=64)  # the checks of one chapter each ask for its masked text
def mask_code(markdown: str) -> str:
    """Blank out code (fenced, indented and spans), keeping line numbers: `@`, `[^1]` or
    `![x](y)` shown in code is no citation, note or image."""
    lines = markdown.split("\n")
    out = [
        line if kind == "text" else "" for line, kind in zip(lines, line_kinds(lines), strict=True)
    ]
    # A code span may wrap onto the next line of its paragraph, never past a blank line.
    return CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), "\n".join(out))
