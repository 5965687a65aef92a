"""`book.toml`: metadata, reading order, appendices and PDF trim."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest

from makebook.errors import ManuscriptError
from makebook.manuscript.config import load_config, valid_isbn13
from makebook.model import Person

AUTHORS_AND_CONTENTS = """
[[book.authors]]
name = "A. Writer"

[contents]
chapters = ["one.md"]
"""


def config_from(tmp_path: Path, text: str):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "book.toml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return load_config(tmp_path)


def book_with(tmp_path: Path, book_lines: str, rest: str = AUTHORS_AND_CONTENTS):
    """A book.toml whose [book] table holds `book_lines`, then authors and contents."""
    return config_from(tmp_path, "[book]\n" + textwrap.dedent(book_lines).strip() + "\n" + rest)


def config_error(tmp_path: Path, text: str):
    with pytest.raises(ManuscriptError) as exc:
        config_from(tmp_path, text)
    assert len(exc.value.problems) == 1, exc.value.problems
    return exc.value.problems[0]


def test_minimal_book_toml(tmp_path):
    config = book_with(tmp_path, 'title = "The Quiet Room"')
    meta = config.meta
    assert meta.title == "The Quiet Room"
    assert meta.language == "en"
    assert meta.authors == (Person(name="A. Writer", family="Writer", given="A."),)
    assert meta.identifier.startswith("urn:uuid:")
    assert config.order.front == () and config.order.back == ()
    assert config.order.parts == (("", ("one.md",)),)
    assert config.bibliography == ()
    assert config.pdf.width == "6in" and config.pdf.height == "9in"
    assert [(a.key, a.title, a.enabled, a.order) for a in config.appendices] == [
        ("reading", "Suggested Reading", True, "as-listed"),
        ("films", "Suggested Films", True, "as-listed"),
        ("cited", "Works Cited", True, "as-listed"),
        ("glossary", "Concepts", True, "as-listed"),
    ]


def test_full_book_toml(tmp_path):
    config = config_from(
        tmp_path,
        """
        [book]
        title = "The Quiet Room"
        subtitle = "Essays on Being Seen"
        language = "en-GB"
        identifier = "urn:uuid:6a1c1b9e-1f7e-4f7a-9a57-3f1b0d6f4c11"
        publisher = "Example Press"
        date = 2026-11-01
        rights = "All rights reserved."
        description = "One paragraph."
        subjects = ["Psychology", "Relationships"]
        cover = "images/cover.jpg"
        dedication = "For you"
        edition = "First edition"

        [[book.authors]]
        name = "A. Writer"
        sort = "Writer, A."

        [[book.authors]]
        name = "Second Person"

        [bibliography]
        files = ["bibliography/books.yaml", "bibliography/films.json"]

        [contents]
        front = ["front/preface.md"]
        back = ["back/about.md"]

        [[contents.parts]]
        title = "Part One: Beginnings"
        chapters = ["chapters/one.md", "chapters/two.md"]

        [[contents.parts]]
        chapters = ["concepts/attunement.md"]
        """,
    )
    meta = config.meta
    assert meta.subtitle == "Essays on Being Seen"
    assert meta.language == "en-GB"
    assert meta.identifier == "urn:uuid:6a1c1b9e-1f7e-4f7a-9a57-3f1b0d6f4c11"
    assert meta.date == "2026-11-01"
    assert meta.subjects == ("Psychology", "Relationships")
    assert (meta.cover, meta.dedication, meta.edition) == (
        "images/cover.jpg",
        "For you",
        "First edition",
    )
    assert meta.authors == (
        Person(name="A. Writer", family="Writer", given="A."),
        Person(name="Second Person", family="Person", given="Second"),
    )
    assert meta.author_line == "A. Writer and Second Person"
    assert config.bibliography == ("bibliography/books.yaml", "bibliography/films.json")
    assert config.order.front == ("front/preface.md",)
    assert config.order.back == ("back/about.md",)
    assert config.order.parts == (
        ("Part One: Beginnings", ("chapters/one.md", "chapters/two.md")),
        ("Part 2", ("concepts/attunement.md",)),
    )


def test_no_book_toml(tmp_path):
    with pytest.raises(ManuscriptError) as exc:
        load_config(tmp_path)
    assert "no book.toml" in exc.value.problems[0].message


def test_missing_title_names_book_toml_and_a_line(tmp_path):
    problem = config_error(
        tmp_path,
        """
        # my book

        [book]
        language = "en"

        [[book.authors]]
        name = "A"

        [contents]
        chapters = ["one.md"]
        """,
    )
    assert problem.path == Path("book.toml")
    assert problem.line == 3
    assert "`title`" in problem.message
    assert "title" in problem.hint
    assert str(problem).startswith("book.toml:3: error:")


def test_empty_title_is_an_error(tmp_path):
    problem = config_error(tmp_path, '[book]\ntitle = "  "\n' + AUTHORS_AND_CONTENTS)
    assert problem.path == Path("book.toml")
    assert "title" in problem.message


def test_malformed_toml_has_line_and_column(tmp_path):
    problem = config_error(tmp_path, '[book]\ntitle = "X"\nlanguage = \n')
    assert problem.path == Path("book.toml")
    assert problem.message.startswith("malformed TOML")
    assert "(at line" not in problem.message
    assert (problem.line, problem.column) == (3, 12)


def test_malformed_toml_unclosed_string(tmp_path):
    problem = config_error(tmp_path, '[book]\n\ntitle = "The Quiet Room\n')
    assert problem.line == 3
    assert problem.column is not None


def test_parts_and_chapters_are_exclusive(tmp_path):
    problem = config_error(
        tmp_path,
        """
        [book]
        title = "X"
        [[book.authors]]
        name = "A"

        [contents]
        chapters = ["one.md"]

        [[contents.parts]]
        title = "Part One"
        chapters = ["two.md"]
        """,
    )
    assert "both `chapters` and `parts`" in problem.message
    assert problem.path == Path("book.toml")
    assert problem.line == 7


def test_a_book_needs_chapters(tmp_path):
    problem = config_error(
        tmp_path, '[book]\ntitle = "X"\n[[book.authors]]\nname = "A"\n\n[contents]\n'
    )
    assert "no chapters" in problem.message
    assert problem.line == 6


def test_front_matter_alone_is_enough(tmp_path):
    config = book_with(
        tmp_path, 'title = "X"', '[[book.authors]]\nname = "A"\n[contents]\nfront = ["a.md"]\n'
    )
    assert config.order.front == ("a.md",)


def test_a_book_needs_an_author(tmp_path):
    problem = config_error(tmp_path, '[book]\ntitle = "X"\n[contents]\nchapters = ["a.md"]\n')
    assert "at least one author" in problem.message
    assert problem.line == 1


def test_author_without_name(tmp_path):
    problem = config_error(
        tmp_path,
        '[book]\ntitle = "X"\n\n[[book.authors]]\nsort = "A, B"\n[contents]\nchapters = ["a.md"]\n',
    )
    assert "`name`" in problem.message
    assert problem.line == 4


def test_author_as_plain_string(tmp_path):
    config = book_with(
        tmp_path, 'title = "X"\nauthor = "Plato"', '[contents]\nchapters = ["a.md"]\n'
    )
    assert config.meta.authors == (Person(name="Plato", family="Plato", given=""),)


@pytest.mark.parametrize("isbn", ["9781234567897", "978-1-234-56789-7", "978 1 234 56789 7"])
def test_valid_isbn_becomes_the_identifier(tmp_path, isbn):
    config = book_with(tmp_path, f'title = "X"\nisbn = "{isbn}"')
    assert config.meta.isbn == "9781234567897"
    assert config.meta.identifier == "urn:isbn:9781234567897"


def test_invalid_isbn_check_digit(tmp_path):
    problem = config_error(
        tmp_path, '[book]\ntitle = "X"\nisbn = "9781234567890"\n' + AUTHORS_AND_CONTENTS
    )
    assert "9781234567890 is not a valid ISBN-13" in problem.message
    assert problem.path == Path("book.toml")
    assert problem.line == 3
    assert "check digit" in problem.hint


def test_error_line_of_a_key_after_a_blank_line(tmp_path):
    problem = config_error(
        tmp_path, '[book]\ntitle = "X"\n\n\nisbn = "9781234567890"\n' + AUTHORS_AND_CONTENTS
    )
    assert problem.line == 5


def test_valid_isbn13_function():
    assert valid_isbn13("9781234567897")
    assert valid_isbn13("9780306406157")
    assert not valid_isbn13("9781234567890")
    assert not valid_isbn13("1234567897")  # ISBN-10 is not accepted
    assert not valid_isbn13("9771234567898")  # not a 978/979 prefix
    assert not valid_isbn13("978123456789X")


def test_explicit_identifier_wins_over_isbn(tmp_path):
    config = book_with(tmp_path, 'title = "X"\nisbn = "9781234567897"\nidentifier = "urn:uuid:abc"')
    assert config.meta.identifier == "urn:uuid:abc"
    assert config.meta.isbn == "9781234567897"


def test_uuid_identifier_is_stable_and_depends_on_title(tmp_path):
    first = book_with(tmp_path / "a", 'title = "The Quiet Room"').meta.identifier
    again = book_with(tmp_path / "b", 'title = "The Quiet Room"\npublisher = "P"').meta.identifier
    other = book_with(tmp_path / "c", 'title = "Another Book"').meta.identifier
    assert first == again
    assert first != other
    assert first.startswith("urn:uuid:")
    assert uuid.UUID(first.removeprefix("urn:uuid:")).version == 5


@pytest.mark.parametrize(
    ("trim", "size"),
    [
        ("6x9in", ("6in", "9in")),
        ("5x8in", ("5in", "8in")),
        ("5.5x8.5in", ("5.5in", "8.5in")),
        ("A5", ("148mm", "210mm")),
        ("a5", ("148mm", "210mm")),
        ("Royal", ("156mm", "234mm")),
        ("6 x 9 in", ("6in", "9in")),
        ("5in 8in", ("5in", "8in")),
        ("148mm 210mm", ("148mm", "210mm")),
        ("15.6cm 23.4cm", ("15.6cm", "23.4cm")),
    ],
)
def test_trim_sizes(tmp_path, trim, size):
    config = book_with(
        tmp_path, 'title = "X"', AUTHORS_AND_CONTENTS + f'\n[pdf]\ntrim = "{trim}"\n'
    )
    assert (config.pdf.width, config.pdf.height) == size


@pytest.mark.parametrize("trim", ["7x11in", "6in", "6in 9in 3in", "6 9", "big"])
def test_unknown_trim_is_an_error(tmp_path, trim):
    text = '[book]\ntitle = "X"\n' + AUTHORS_AND_CONTENTS + f'\n[pdf]\ntrim = "{trim}"\n'
    problem = config_error(tmp_path, text)
    assert f"unknown trim size '{trim}'" in problem.message
    assert problem.line == text.split("\n").index(f'trim = "{trim}"') + 1
    assert "6x9in" in problem.hint


def test_appendix_settings(tmp_path):
    config = book_with(
        tmp_path,
        'title = "X"',
        AUTHORS_AND_CONTENTS
        + textwrap.dedent(
            """
            [appendices.reading]
            title = "Further Reading"
            order = "alphabetical"
            [appendices.films]
            enabled = false
            [appendices.glossary]
            title = "Glossary"
            enabled = true
            """
        ),
    )
    settings = {a.key: a for a in config.appendices}
    assert (settings["reading"].title, settings["reading"].order) == (
        "Further Reading",
        "alphabetical",
    )
    assert settings["reading"].enabled is True
    assert settings["films"].enabled is False
    assert settings["films"].title == "Suggested Films"
    assert settings["cited"].title == "Works Cited"
    assert settings["glossary"].title == "Glossary"
    assert [a.key for a in config.appendices] == ["reading", "films", "cited", "glossary"]


def test_appendix_bad_order(tmp_path):
    text = (
        '[book]\ntitle = "X"\n' + AUTHORS_AND_CONTENTS + '[appendices.reading]\norder = "random"\n'
    )
    problem = config_error(tmp_path, text)
    assert "as-listed" in problem.message and "alphabetical" in problem.message
    assert problem.line == text.split("\n").index('order = "random"') + 1


def test_appendix_enabled_must_be_bool(tmp_path):
    text = '[book]\ntitle = "X"\n' + AUTHORS_AND_CONTENTS + '[appendices.films]\nenabled = "no"\n'
    problem = config_error(tmp_path, text)
    assert problem.message == "`enabled` in [appendices.films] must be true or false"
    assert problem.line == text.split("\n").index('enabled = "no"') + 1


def test_appendix_must_be_a_table(tmp_path):
    text = '[book]\ntitle = "X"\n' + AUTHORS_AND_CONTENTS + "[appendices]\nfilms = false\n"
    problem = config_error(tmp_path, text)
    assert "[appendices.films] must be a table" in problem.message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("subjects = 3", "`subjects` in [book] must be a list of strings"),
        ('subjects = ["a", 2]', "`subjects` in [book] must be a list of strings"),
        ("subtitle = true", "`subtitle` in [book] must be a string"),
        ('publisher = ["P"]', "`publisher` in [book] must be a string"),
        ("rights = { a = 1 }", "`rights` in [book] must be a string"),
    ],
)
def test_wrong_types_are_errors(tmp_path, line, message):
    text = '[book]\ntitle = "X"\n' + line + "\n" + AUTHORS_AND_CONTENTS
    problem = config_error(tmp_path, text)
    assert problem.message.startswith(message)
    assert problem.path == Path("book.toml")
    assert problem.line == 3


@pytest.mark.parametrize(
    ("line", "example"),
    [
        ('hyphenate = ["at-tune ment", 3]', '["at-tune-ment"]'),
        ("never_hyphenate = 3", '["Hogarth"]'),
    ],
)
def test_a_word_list_of_the_wrong_type_shows_words_not_files(tmp_path, line, example):
    text = '[book]\ntitle = "X"\n' + AUTHORS_AND_CONTENTS + "[typography]\n" + line + "\n"
    problem = config_error(tmp_path, text)
    assert problem.message.endswith(f"must be a list of strings, like {example}")
    assert problem.line == text.split("\n").index(line) + 1


def test_wrong_type_in_bibliography_files(tmp_path):
    text = '[book]\ntitle = "X"\n' + AUTHORS_AND_CONTENTS + "\n[bibliography]\nfiles = [1, 2]\n"
    problem = config_error(tmp_path, text)
    assert "`files` in [bibliography]" in problem.message
    assert problem.line == text.split("\n").index("files = [1, 2]") + 1


def test_book_must_be_a_table(tmp_path):
    problem = config_error(tmp_path, 'book = "X"\n[contents]\nchapters = ["a.md"]\n')
    assert "[book] must be a table" in problem.message


def test_single_string_lists_are_accepted(tmp_path):
    config = book_with(
        tmp_path,
        'title = "X"\nsubjects = "Psychology"',
        '[[book.authors]]\nname = "A"\n'
        '[bibliography]\nfiles = "refs.yaml"\n'
        '[contents]\nchapters = "one.md"\n',
    )
    assert config.meta.subjects == ("Psychology",)
    assert config.bibliography == ("refs.yaml",)
    assert config.order.parts == (("", ("one.md",)),)


def test_numbers_are_not_text(tmp_path):
    """`title = 1984` is a number in TOML: the author is told to quote it (issue 15)."""
    with pytest.raises(ManuscriptError) as exc:
        book_with(tmp_path, "title = 1984\nedition = 2")
    assert [(p.line, p.hint) for p in exc.value.problems] == [
        (2, 'write it in quotes: title = "1984"'),
        (3, 'write it in quotes: edition = "2"'),
    ]


def test_book_toml_with_bom_and_crlf(tmp_path):
    text = (
        '\ufeff[book]\ntitle = "X"\n[[book.authors]]\nname = "A"\n[contents]\nchapters = ["a.md"]\n'
    )
    text = text.replace("\n", "\r\n")
    (tmp_path / "book.toml").write_bytes(text.encode())
    assert load_config(tmp_path).meta.title == "X"
