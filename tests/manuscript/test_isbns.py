"""One ISBN per edition in book.toml: checked, converted, hyphenated, never shared."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from makebook.errors import Diagnostics, ManuscriptError
from makebook.manuscript.config import load_config
from makebook.manuscript.isbns import (
    check_isbns,
    copyright_lines,
    edition_identifier,
    hyphenated,
    normalized,
    print_isbn,
)
from makebook.model import Isbns

PAPERBACK, EBOOK, PDF = "9781234567897", "9781234567880", "9781234567903"

REST = """
[[book.authors]]
name = "A. Writer"

[contents]
chapters = ["one.md"]
"""


def config_of(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "book.toml").write_text(textwrap.dedent(text).lstrip("\n") + REST, "utf-8")
    return load_config(tmp_path)


def problems_of(tmp_path: Path, text: str) -> list:  # type: ignore[type-arg]
    with pytest.raises(ManuscriptError) as exc:
        config_of(tmp_path, text)
    return exc.value.problems


def warnings_of(tmp_path: Path, text: str) -> list:  # type: ignore[type-arg]
    config = config_of(tmp_path, text)
    diagnostics = Diagnostics()
    check_isbns(config.meta, Path("book.toml"), (tmp_path / "book.toml").read_text(), diagnostics)
    return diagnostics.warnings


# --- numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "isbn"),
    [
        ("9781234567897", "9781234567897"),
        ("978-1-234-56789-7", "9781234567897"),
        ("978 1 234 56789 7", "9781234567897"),
        ("0-306-40615-2", "9780306406157"),  # an ISBN-10 becomes its ISBN-13
        ("080442957X", "9780804429573"),  # check digit X
        ("080442957x", "9780804429573"),
    ],
)
def test_isbns_are_read_as_isbn13(written: str, isbn: str) -> None:
    assert normalized(written) == isbn


@pytest.mark.parametrize(
    "written", ["9781234567890", "0306406153", "9771234567898", "978123456789", "ISBN"]
)
def test_a_wrong_check_digit_or_length_is_no_isbn(written: str) -> None:
    assert normalized(written) is None


@pytest.mark.parametrize(
    ("isbn", "shown"),
    [
        # The agency's ranges, as isbnlib has them: the group and publisher lengths vary.
        ("9781234567897", "978-1-234-56789-7"),
        ("9780306406157", "978-0-306-40615-7"),
        ("9791032305690", "979-10-323-0569-0"),
        ("9780804429573", "978-0-8044-2957-3"),
    ],
)
def test_isbns_are_hyphenated_by_the_agencys_ranges(isbn: str, shown: str) -> None:
    assert hyphenated(isbn) == shown


def test_an_isbn_in_no_allotted_range_is_shown_unhyphenated() -> None:
    assert hyphenated("9790000000001") == "9790000000001"


# --- book.toml ------------------------------------------------------------------------


def test_each_edition_has_its_own_isbn(tmp_path: Path) -> None:
    meta = config_of(
        tmp_path,
        f"""
        [book]
        title = "X"
        [epub]
        isbn = "{EBOOK}"
        [pdf]
        isbn = "978-1-234-56789-7"
        screen_isbn = "{PDF}"
        """,
    ).meta
    assert meta.isbns == Isbns(epub=EBOOK, print=PAPERBACK, screen=PDF)
    assert meta.identifier == f"urn:isbn:{EBOOK}"  # the EPUB's dc:identifier
    assert print_isbn(meta) == (PAPERBACK, "978-1-234-56789-7")
    assert edition_identifier(meta, "print") == f"urn:isbn:{PAPERBACK}"
    assert edition_identifier(meta, "screen") == f"urn:isbn:{PDF}"


def test_an_explicit_identifier_stays_the_epubs(tmp_path: Path) -> None:
    meta = config_of(
        tmp_path, f'[book]\ntitle = "X"\nidentifier = "urn:uuid:abc"\n[epub]\nisbn = "{EBOOK}"\n'
    ).meta
    assert meta.identifier == "urn:uuid:abc" and meta.isbns.epub == EBOOK


def test_the_older_single_isbn_is_the_paperbacks_and_the_epubs_with_a_warning(
    tmp_path: Path,
) -> None:
    text = f'[book]\ntitle = "X"\nisbn = "{PAPERBACK}"\n'
    meta = config_of(tmp_path, text).meta
    assert meta.isbns == Isbns(epub=PAPERBACK, print=PAPERBACK, shared=True)
    assert meta.identifier == f"urn:isbn:{PAPERBACK}"
    (warning,) = warnings_of(tmp_path, text)
    assert "used for both the print edition and the EPUB" in warning.message
    assert warning.line == 3 and "[epub]" in warning.hint


def test_the_single_isbn_beside_a_paperback_one_is_the_epubs(tmp_path: Path) -> None:
    text = f'[book]\ntitle = "X"\nisbn = "{EBOOK}"\n[pdf]\nisbn = "{PAPERBACK}"\n'
    assert config_of(tmp_path, text).meta.isbns == Isbns(epub=EBOOK, print=PAPERBACK)
    assert warnings_of(tmp_path, text) == []


def test_an_isbn10_is_converted(tmp_path: Path) -> None:
    meta = config_of(tmp_path, '[book]\ntitle = "X"\n[pdf]\nisbn = "0-306-40615-2"\n').meta
    assert meta.isbns.print == "9780306406157"


def test_an_invalid_isbn_is_an_error_at_its_line(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, '[book]\ntitle = "X"\n[epub]\nisbn = "9781234567890"\n')
    assert problem.message == "`isbn` in [epub]: 9781234567890 is not a valid ISBN-13"
    assert problem.line == 4 and problem.path == Path("book.toml")
    assert "check digit" in problem.hint


def test_an_invalid_isbn10_names_its_kind(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, '[book]\ntitle = "X"\n[pdf]\nscreen_isbn = "0306406153"\n')
    assert problem.message == "`screen_isbn` in [pdf]: 0306406153 is not a valid ISBN-10"
    assert problem.line == 4


def test_one_isbn_for_two_editions_is_an_error_at_the_second(tmp_path: Path) -> None:
    (problem,) = problems_of(
        tmp_path,
        f'[book]\ntitle = "X"\n[epub]\nisbn = "{PAPERBACK}"\n[pdf]\nisbn = "978-1-234-56789-7"\n',
    )
    assert problem.line == 4  # the EPUB's, listed after the paperback's
    assert "978-1-234-56789-7" in problem.message and "`isbn` in [pdf]" in problem.message
    assert "two formats" in problem.message


def test_the_single_isbn_repeated_for_the_epub_is_an_error(tmp_path: Path) -> None:
    (problem,) = problems_of(
        tmp_path, f'[book]\ntitle = "X"\nisbn = "{PAPERBACK}"\n[epub]\nisbn = "{PAPERBACK}"\n'
    )
    assert problem.line == 5 and "`isbn` in [book]" in problem.message


def test_an_isbn_in_no_allotted_range_is_a_warning(tmp_path: Path) -> None:
    (warning,) = warnings_of(tmp_path, '[book]\ntitle = "X"\n[pdf]\nisbn = "9790000000001"\n')
    assert "no range" in warning.message and warning.line == 4


def test_an_unknown_key_in_epub_is_reported(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, '[book]\ntitle = "X"\n[epub]\nisnb = "x"\n')
    assert "isnb" in problem.message and problem.line == 4


# --- the copyright page ---------------------------------------------------------------


def test_the_copyright_page_lists_every_isbn_with_its_format() -> None:
    assert copyright_lines(Isbns(epub=EBOOK, print=PAPERBACK, screen=PDF)) == [
        "ISBN 978-1-234-56789-7 (paperback)",
        "ISBN 978-1-234-56788-0 (EPUB)",
        "ISBN 978-1-234-56790-3 (PDF)",
    ]


def test_one_shared_isbn_is_listed_once_without_a_format() -> None:
    isbns = Isbns(epub=PAPERBACK, print=PAPERBACK, shared=True)
    assert copyright_lines(isbns) == ["ISBN 978-1-234-56789-7"]
