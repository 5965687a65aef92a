"""`[pdf] openers` in book.toml: on which page each kind of division opens in print."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import STYLES, make_small_book, write
from makebook.errors import Diagnostics, ManuscriptError
from makebook.manuscript.config import load_config
from makebook.manuscript.loader import load_book
from makebook.model import Openers

HEAD = """\
[book]
title = "T"
language = "en"

[[book.authors]]
name = "A. Writer"

[contents]
chapters = ["one.md"]

[pdf]
trim = "5.5x8.5in"
"""


def openers_of(tmp_path: Path, lines: str) -> Openers:
    (tmp_path / "book.toml").write_text(HEAD + textwrap.dedent(lines), encoding="utf-8")
    return load_config(tmp_path).pdf.openers


def problems_of(tmp_path: Path, lines: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ManuscriptError) as caught:
        openers_of(tmp_path, lines)
    return [(p.line, p.message, p.hint) for p in caught.value.problems]


def test_every_division_opens_on_a_recto_unless_the_book_says_otherwise(tmp_path):
    assert openers_of(tmp_path, "") == Openers("right", "right", "right", "right")


def test_one_value_sets_every_kind(tmp_path):
    assert openers_of(tmp_path, 'openers = "any"\n') == Openers("any", "any", "any", "any")
    assert openers_of(tmp_path, 'openers = "Right"\n') == Openers()


def test_a_table_sets_kinds_and_a_default_for_the_others(tmp_path):
    mixed = 'openers = { default = "right", concept = "any", note = "any" }\n'
    assert openers_of(tmp_path, mixed) == Openers("right", "any", "any", "right")
    assert openers_of(tmp_path, 'openers = { default = "any", essay = "right" }\n') == Openers(
        "right", "any", "any", "any"
    )
    table = '[pdf.openers]\nnote = "any"\nappendix = "any"\n'
    assert openers_of(tmp_path, table) == Openers("right", "right", "any", "any")


def test_an_unknown_value_is_an_error_at_its_line(tmp_path):
    ((line, message, hint),) = problems_of(tmp_path, 'openers = "left"\n')
    assert line == 13 and message == '`openers` in [pdf] must be "right" or "any", not "left"'
    assert 'concept = "any"' in hint


def test_a_wrong_kind_or_value_in_the_table_is_an_error_at_its_line(tmp_path):
    table = '[pdf.openers]\ndefault = "any"\nconcept = "verso"\nchapters = "any"\nnote = 1\n'
    assert [(line, message) for line, message, _ in problems_of(tmp_path, table)] == [
        (15, '`concept` in [pdf.openers] must be "right" or "any", not "verso"'),
        (16, "unknown key `chapters` in [pdf.openers]"),
        (17, '`note` in [pdf.openers] must be "right" or "any"'),
    ]


def test_a_value_of_another_type_is_an_error(tmp_path):
    ((line, message, _),) = problems_of(tmp_path, "openers = true\n")
    assert line == 13 and message == '`openers` in [pdf] must be "right" or "any"'


# --- a book's own print.css ---------------------------------------------------------


def openers_warnings(root: Path, openers: str, css: dict[str, str]) -> list[tuple[bool, str]]:
    """The warnings about [pdf] openers, each with whether it is at the setting's line."""
    book = make_small_book(root)
    toml = book / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f"\n[pdf]\n{openers}\n", encoding="utf-8")
    for name, text in css.items():
        write(book / "styles" / name, text)
    diagnostics = Diagnostics()
    load_book(book, diagnostics)
    at = toml.read_text(encoding="utf-8").split("\n").index(openers) + 1
    return [(p.line == at, p.message) for p in diagnostics.warnings if "openers" in p.message]


def test_a_print_css_of_the_books_own_without_the_openers_rule_is_reported(tmp_path):
    """Its --release PDF would open those chapters on a recto, unlike the default build."""
    old = "section.chapter.bodymatter { break-before: right; }\n"
    ((at_line, message),) = openers_warnings(tmp_path / "a", 'openers = "any"', {"print.css": old})
    assert at_line and "styles/print.css has no rule for `section.opens-any`" in message
    assert openers_warnings(tmp_path / "b", 'openers = "right"', {"print.css": old}) == []
    assert openers_warnings(tmp_path / "c", 'openers = "any"', {}) == []  # the built-in design
    design = (STYLES / "print.css").read_text(encoding="utf-8")
    assert openers_warnings(tmp_path / "d", 'openers = "any"', {"print.css": design}) == []
    extra = {"print.css": old, "extra.css": "section.opens-any { break-before: page; }"}
    assert openers_warnings(tmp_path / "e", 'openers = { note = "any" }', extra) == []
