"""`[pdf] openers` in book.toml: on which page each kind of division opens in print."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from makebook.errors import ManuscriptError
from makebook.manuscript.config import load_config
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
