"""Bad book.toml files (issue 15): every problem at once, each at its own key's line,
unknown keys and tables with "did you mean", text that must be text."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from makebook.cli import app
from makebook.config import load_config
from makebook.errors import ManuscriptError, Problem

runner = CliRunner()

GOOD = """
[book]
title = "X"
isbn = "9781234567897"

[[book.authors]]
name = "A. Writer"

[contents]
chapters = ["one.md"]
"""


def problems_in(tmp_path: Path, text: str) -> list[Problem]:
    (tmp_path / "book.toml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    with pytest.raises(ManuscriptError) as exc:
        load_config(tmp_path)
    return exc.value.problems


def line_of(text: str, needle: str, after: str = "") -> int:
    """The 1-based line of `needle`, the first one after the line `after`."""
    lines = textwrap.dedent(text).lstrip("\n").split("\n")
    start = lines.index(after) if after else 0
    return lines.index(needle, start) + 1


def test_a_misspelt_key_in_an_appendix_table_is_an_error_with_did_you_mean(tmp_path):
    text = GOOD + "\n[appendices.films]\nenable = false\n"
    [problem] = problems_in(tmp_path, text)
    assert problem.message == "unknown key `enable` in [appendices.films]"
    assert problem.hint == "did you mean `enabled`?"
    assert problem.line == line_of(text, "enable = false")


def test_a_misspelt_key_in_book_is_an_error_with_did_you_mean(tmp_path):
    text = GOOD.replace('isbn = "9781234567897"', 'publsher = "Fixture Press"')
    [problem] = problems_in(tmp_path, text)
    assert (problem.message, problem.hint) == (
        "unknown key `publsher` in [book]",
        "did you mean `publisher`?",
    )
    assert problem.line == line_of(text, 'publsher = "Fixture Press"')


def test_unknown_tables_are_errors_at_their_header(tmp_path):
    text = GOOD + '\n[appendices.film]\ntitle = "Films"\n\n[typograph]\nquotes = "single"\n'
    problems = problems_in(tmp_path, text)
    assert [(p.message, p.hint, p.line) for p in problems] == [
        (
            "unknown table [appendices.film]",
            "did you mean [appendices.films]?",
            line_of(text, "[appendices.film]"),
        ),
        ("unknown table [typograph]", "did you mean [typography]?", line_of(text, "[typograph]")),
    ]


def test_a_key_outside_its_table_is_told_where_it_belongs(tmp_path):
    text = 'publisher = "P"\n' + GOOD
    [problem] = problems_in(tmp_path, text)
    assert (problem.message, problem.line) == ("unknown key `publisher`", 1)
    assert problem.hint == "`publisher` belongs in [book]: move it below the line [book]"


def test_unknown_key_in_an_author_and_in_a_part(tmp_path):
    text = GOOD.replace('name = "A. Writer"', 'name = "A. Writer"\nsrot = "Writer, A."').replace(
        '[contents]\nchapters = ["one.md"]',
        '[contents]\n[[contents.parts]]\ntitle = "One"\nchapters = ["one.md"]\n'
        '[[contents.parts]]\ntitel = "Two"\nchapters = ["two.md"]',
    )
    problems = problems_in(tmp_path, text)
    assert [(p.message, p.hint, p.line) for p in problems] == [
        (
            "unknown key `srot` in [book.authors #1]",
            "did you mean `sort`?",
            line_of(text, 'srot = "Writer, A."'),
        ),
        (
            "unknown key `titel` in [contents.parts #2]",
            "did you mean `title`?",
            line_of(text, 'titel = "Two"'),
        ),
    ]


def test_every_problem_is_reported_at_once_each_at_its_own_line(tmp_path):
    text = """
    [book]
    title = "X"
    isbn = "9781234567897"
    language = "english please"

    [[book.authors]]
    name = "A. Writer"

    [contents]
    chapters = ["one.md"]

    [appendices.films]
    title = "Films"
    order = "as-listed"

    [appendices.reading]
    order = "random"

    [pdf]
    isbn = "9781234567890"
    bleed = "3"
    screen_size = "tabloid"

    [sample]
    count = 0
    """
    problems = problems_in(tmp_path, text)
    assert [(p.line, p.message.split(" ")[0]) for p in problems] == [
        (line_of(text, 'language = "english please"'), "`language`"),
        (line_of(text, 'order = "random"'), "`order`"),
        (line_of(text, 'isbn = "9781234567890"'), "`isbn`"),
        (line_of(text, 'bleed = "3"'), "`bleed`"),
        (line_of(text, 'screen_size = "tabloid"'), "`screen_size`"),
        (line_of(text, "count = 0"), "`count`"),
    ]
    assert problems[1].message == (
        '`order` in [appendices.reading] must be "as-listed" or "alphabetical"'
    )
    assert problems[2].message == "`isbn` in [pdf]: 9781234567890 is not a valid ISBN-13"


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("title = 5", 'write it in quotes: title = "5"'),
        ("title = 1984.5", 'write it in quotes: title = "1984.5"'),
        ("title = true", 'write it in quotes: title = "..."'),
        ("title = 2026-01-01", 'write it in quotes: title = "..."'),
    ],
)
def test_a_title_that_is_not_text_is_an_error_at_its_line(tmp_path, line, hint):
    text = GOOD.replace('title = "X"', line)
    [problem] = problems_in(tmp_path, text)
    assert problem.message == "`title` in [book] must be a string (text in quotes)"
    assert (problem.hint, problem.line) == (hint, line_of(text, line))


@pytest.mark.parametrize("key", ["subtitle", "publisher", "rights", "description", "edition"])
def test_every_text_field_must_be_text(tmp_path, key):
    text = GOOD.replace('title = "X"', f'title = "X"\n{key} = 2')
    [problem] = problems_in(tmp_path, text)
    assert problem.message == f"`{key}` in [book] must be a string (text in quotes)"
    assert problem.line == line_of(text, f"{key} = 2")


def test_a_toml_date_is_still_a_date(tmp_path):
    text = GOOD.replace('title = "X"', 'title = "X"\ndate = 2026-11-01')
    (tmp_path / "book.toml").write_text(text)
    assert load_config(tmp_path).meta.date == "2026-11-01"


def test_key_lines_know_tables_arrays_of_tables_and_multiline_strings():
    from makebook.config import key_lines

    text = textwrap.dedent(
        '''
        [book]
        description = """
        order = "not a key"
        """
        [[book.authors]]
        name = "A"
        [[book.authors]]
        name = "B"
        [appendices.films]
        order = "as-listed"
        [appendices.reading]
        "order" = "alphabetical"
        [pdf]
        isbn.x = 1
        '''
    ).lstrip("\n")
    lines = key_lines(text)
    assert lines[("book", "description")] == 2
    assert ("book", "order") not in lines
    assert lines[("book", "authors", 0, "name")] == 6
    assert lines[("book", "authors", 1, "name")] == 8
    assert lines[("appendices",)] == 9
    assert lines[("appendices", "films", "order")] == 10
    assert lines[("appendices", "reading", "order")] == 12
    assert lines[("pdf", "isbn", "x")] == 14


def test_the_demo_and_the_new_book_template_have_no_unknown_keys(tmp_path):
    root = Path(__file__).resolve().parent.parent
    assert load_config(root / "manuscript").meta.title
    template = (root / "src" / "makebook" / "skeleton" / "book.toml").read_text()
    (tmp_path / "book.toml").write_text(
        template.format(title="T", author="A", date="2026-01-01", year=2026)
    )
    assert load_config(tmp_path).meta.title == "T"


def test_make_book_check_lists_every_book_toml_problem(small_book, tmp_path):
    book = tmp_path / "book"
    shutil.copytree(small_book, book)
    toml = book / "book.toml"
    text = toml.read_text().replace('publisher = "Fixture Press"', 'publsher = "Fixture Press"')
    toml.write_text(text + "\n[appendices.films]\nenable = false\n")
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    publisher_line = line_of(text, 'publsher = "Fixture Press"')
    assert first == f"book.toml:{publisher_line}: error: unknown key `publsher` in [book]"
    assert "unknown key `enable` in [appendices.films]" in result.output
    assert result.output.count(": error: ") == 2
