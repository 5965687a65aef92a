"""Reading the author's text files: UTF-8 only, no characters XML forbids, and YAML
whose mistakes are said plainly at their line. Used for chapters, book.toml and
bibliographies alike.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from makebook.errors import ManuscriptError, Problem, error


def read_text(path: Path, shown: Path) -> str:
    """UTF-8 text (a BOM and CRLF line ends are accepted); anything else is an error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error("file not found", shown, hint="check the path in book.toml") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"not valid UTF-8 (byte offset {exc.start})",
            shown,
            line,
            "save the file as UTF-8",
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = FORBIDDEN_CHARACTERS.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise ManuscriptError(
            Problem(
                f"control character U+{ord(bad.group()):04X} is not allowed in a book",
                shown,
                line,
                column,
                "delete it: it is invisible in most editors, and often comes from a PDF",
            )
        )
    return text


# XML 1.0, and so EPUB, allows no C0 controls but tab, newline and carriage return.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# libyaml's loader, when PyYAML has it, reads a large bibliography many times faster.
FastSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose_and_load(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data, from one parse."""
    try:
        return _compose_and_load(text, FastSafeLoader)
    except yaml.YAMLError:
        # The pure-Python parser points at the offending line; libyaml often at the end.
        return _compose_and_load(text, yaml.SafeLoader)


def yaml_problem(exc: yaml.YAMLError, text: str, shown: Path, first_line: int = 1) -> Problem:
    """A YAML error said plainly, with the hint that fits its kind, at the line that shows it.

    `first_line` is the file line of the YAML text's first line (2 in front matter)."""
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    mark = getattr(exc, "problem_mark", None)
    start = getattr(exc, "context_mark", None) or mark  # where the broken value begins
    line = (
        text.split("\n")[mark.line]
        if mark is not None and mark.line < len(text.split("\n"))
        else ""
    )
    plain, hint = problem, "put a value holding : # [ ] { } @ * & ` or quotes in quotes"
    if "quoted scalar" in context and "end of stream" in problem:
        # The end of the file shows nothing: point where the quote opens.
        mark, plain = start, "a quote that is never closed"
        hint = 'close the quote at the end of the value: title: "Like This"'
    elif "'\\t'" in problem:
        plain, hint = "a tab character", "YAML indents with spaces, never tabs: use spaces"
    elif problem == "mapping values are not allowed here" and mark is not None:
        if ":" in line[: mark.column]:  # a second colon on the line: the value holds one
            plain = "a colon inside a value without quotes"
            hint = 'put the value in quotes: title: "Part One: Beginnings"'
        else:
            plain = "a key indented more than the one above it"
            hint = "start each key at the same place as the others (or indent it under a key)"
    elif "but found '<block mapping start>'" in problem or "did not find expected key" in problem:
        plain = "keys that are not lined up"
        hint = "indent the keys of one mapping by the same number of spaces"
    elif "but found '<scalar>'" in problem:
        plain = "text after a closing quote"
        hint = "quote the whole value with the other kind of quote: title: 'He said \"yes\"'"
    elif "but found '-'" in problem:
        plain = "a list item where a key was expected"
        hint = "put list items under their key, indented: `related:`, then `  - attunement`"
    elif "flow sequence" in context or "flow mapping" in context:
        mark, plain = start, "a [ or { that is never closed"
        hint = "a value that starts with [ or { is a list in YAML: close it, or quote the text: "
        hint += 'title: "[Draft] Title"'
    elif "alias" in context or "anchor" in context:
        mark, plain = start, "a value that starts with * or &"
        hint = 'put it in quotes: title: "*Really* Listening"'
    elif "cannot start any token" in problem:
        character = re.search(r"character '(.+?)'", problem)
        plain = f"a value that starts with {character.group(1) if character else 'this character'}"
        hint = 'put it in quotes: title: "@home"'
    elif "block scalar" in context:
        mark, plain = start, "a value that starts with > or |"
        hint = 'put it in quotes: title: "> Quoted"'
    elif "could not find expected ':'" in problem:
        mark, plain = start, "a line that is not `key: value`"
        hint = "write `key: value` with a space after the colon; indent a value that goes on"
    number = mark.line + first_line if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return Problem(f"malformed YAML: {plain}", shown, number, column, hint)


def duplicate_keys(node: yaml.Node | None) -> list[tuple[str, int, int]]:
    """Keys given twice in a mapping (PyYAML keeps the last silently): (key, line, first line),
    lines counted from 0."""
    if not isinstance(node, yaml.MappingNode):
        return []
    seen: dict[str, int] = {}
    found = []
    for key_node, _ in node.value:
        key, line = str(key_node.value), key_node.start_mark.line
        if key in seen:
            found.append((key, line, seen[key]))
        seen.setdefault(key, line)
    return found


def _compose_and_load(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()
