"""Reflection prompts, content notes and further reading: read, checked with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_book, edit, write
from makebook.errors import Diagnostics, ManuscriptError
from makebook.manuscript.chapters import parse_chapter
from makebook.manuscript.loader import load_book

SHOWN = Path("chapters/essay.md")


def chapter(text: str):  # type: ignore[no-untyped-def]
    return parse_chapter(text, SHOWN, "body", None, Diagnostics())


@pytest.fixture
def book(small_book: Path, tmp_path: Path) -> Path:
    return copy_book(small_book, tmp_path / "book")


def problems(root: Path) -> list:  # type: ignore[type-arg]
    diagnostics = Diagnostics()
    try:
        load_book(root, diagnostics)
    except ManuscriptError as exc:
        return list(exc.problems)
    return list(diagnostics.problems)


def with_front_matter(book: Path, lines: str) -> Path:
    """one.md with `lines` added to its front matter, from line 5."""
    path = book / "one.md"
    edit(path, "subtitle: Where it starts\n", "subtitle: Where it starts\n" + lines)
    return path


def test_content_note_and_further_reading_are_read():
    read = chapter(
        "---\ntitle: T\ncontent_note: discusses childhood neglect\n"
        "further_reading: [bowlby1988, '@gerhardt2004', bowlby1988]\n---\nBody.\n"
    )
    assert read.content_note == "discusses childhood neglect"
    assert read.further_reading == ("bowlby1988", "gerhardt2004")  # `@` as in citations
    assert chapter("---\ntitle: T\nfurther_reading: bowlby1988\n---\n").further_reading == (
        "bowlby1988",
    )
    assert chapter("---\ntitle: T\n---\n").content_note == ""
    wrapped = chapter("---\ntitle: T\ncontent_note: >\n  Discusses grief\n  and loss.\n---\n")
    assert wrapped.content_note == "Discusses grief and loss."  # one paragraph, wrapped


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("further_reading: {a: 1}", "`further_reading` must be a list of bibliography keys"),
        ("further_reading: [a, [b]]", "`further_reading` must be a list of bibliography keys"),
        ("content_note: [a, b]", "`content_note` must be text"),
        # A block with a blank line: only its first paragraph would be printed.
        (
            "content_note: |\n  Discusses grief.\n\n  And a hospital stay.",
            "`content_note` holds more than one paragraph; only one is printed",
        ),
    ],
)
def test_wrong_types_are_errors_at_their_line(line, message):
    with pytest.raises(ManuscriptError) as exc:
        chapter(f"---\ntitle: T\nkind: essay\n{line}\n---\nBody.\n")
    (problem,) = exc.value.problems
    assert problem.message == message
    assert (problem.path, problem.line) == (SHOWN, 4)


def test_misspelt_key_is_a_warning_with_the_key_it_means():
    diagnostics = Diagnostics()
    parse_chapter("---\ntitle: T\ncontent_notes: x\n---\n", SHOWN, "body", None, diagnostics)
    (problem,) = diagnostics.problems
    assert problem.message == "unknown front-matter key 'content_notes'"
    assert problem.line == 3
    assert "content_note" in problem.hint


def test_further_reading_key_missing_from_the_bibliography_is_an_error(book):
    with_front_matter(book, "further_reading: [siegel2003, siegle1999]\n")
    (problem,) = problems(book)
    assert problem.severity == "error"
    assert problem.message == "further reading 'siegle1999' is not in the bibliography"
    assert (problem.path, problem.line) == (Path("one.md"), 5)
    assert "siegel1999" in problem.hint


def test_further_reading_puts_a_work_in_suggested_reading(book):
    refs = book / "refs.yaml"
    refs.write_text(
        refs.read_text(encoding="utf-8")
        + "  - id: bowlby1988\n    type: book\n    title: A Secure Base\n"
        "    author: [{family: Bowlby, given: John}]\n    issued: 1988\n",
        encoding="utf-8",
    )
    assert any("'bowlby1988' is never cited" in p.message for p in problems(book))
    with_front_matter(book, "further_reading: [bowlby1988]\n")
    assert problems(book) == []
    loaded = load_book(book)
    assert loaded.work("bowlby1988").suggested
    assert loaded.chapter("one").further_reading == ("bowlby1988",)


def test_further_reading_into_a_switched_off_appendix_is_a_warning(book):
    with open(book / "book.toml", "a", encoding="utf-8") as toml:
        toml.write("\n[appendices.films]\nenabled = false\n")
    with_front_matter(book, "further_reading: [siegel1999, room2015]\n")
    (problem,) = problems(book)
    assert problem.severity == "warning"
    assert "'room2015' is listed without a link" in problem.message
    assert "[appendices.films]" in problem.message
    assert (problem.path, problem.line) == (Path("one.md"), 5)


@pytest.mark.parametrize("value", ["many", "-1", "21", "2.5"])
def test_prompts_lines_must_be_a_small_whole_number(book, value):
    path = book / "one.md"
    write(
        path, path.read_text(encoding="utf-8") + f"\n::: {{.prompts lines={value}}}\n1. Why?\n:::\n"
    )
    opening = path.read_text(encoding="utf-8").split("\n").index(f"::: {{.prompts lines={value}}}")
    (problem,) = problems(book)
    assert problem.severity == "error"
    assert f"`lines={value}` of a prompts block" in problem.message
    assert (problem.path, problem.line) == (Path("one.md"), opening + 1)


def test_an_empty_prompts_block_is_a_warning(book):
    path = book / "one.md"
    write(path, path.read_text(encoding="utf-8") + "\n::: prompts\n\n:::\n")
    (problem,) = problems(book)
    assert problem.severity == "warning"
    assert "holds no questions" in problem.message


@pytest.mark.parametrize(
    ("setting", "expected"), [("", 4), ("prompt_lines = 0", 0), ("prompt_lines = 7", 7)]
)
def test_prompt_lines_setting(book, setting, expected):
    with open(book / "book.toml", "a", encoding="utf-8") as toml:
        toml.write(f"\n[pdf]\n{setting}\n")
    assert load_book(book).pdf.prompt_lines == expected


@pytest.mark.parametrize("value", ['"4"', "-2", "30", "true", "2.5"])
def test_prompt_lines_setting_must_be_a_whole_number(book, value):
    with open(book / "book.toml", "a", encoding="utf-8") as toml:
        toml.write(f"\n[pdf]\nprompt_lines = {value}\n")
    (problem,) = problems(book)
    assert "`prompt_lines` in [pdf] must be a whole number from 0 to 20" in problem.message
    assert problem.path == Path("book.toml")
    text = (book / "book.toml").read_text(encoding="utf-8").split("\n")
    assert text[problem.line - 1].startswith("prompt_lines")


def test_content_notes_is_a_page_name_no_chapter_may_take(book):
    with_front_matter(book, "id: content-notes\n")
    (problem,) = problems(book)
    assert "chapter id 'content-notes' is the name of a page makebook makes" in problem.message


def test_a_misspelt_prompts_attribute_is_a_warning(book):
    path = book / "one.md"
    write(path, path.read_text(encoding="utf-8") + "\n::: {.prompts line=3}\n1. Why?\n:::\n")
    (problem,) = problems(book)
    assert problem.severity == "warning"
    assert problem.message == "a prompts block has no attribute `line`, so it is left out"
    assert problem.hint == "did you mean `lines=`?"
    text = path.read_text(encoding="utf-8").split("\n")
    assert text[problem.line - 1] == "::: {.prompts line=3}"
