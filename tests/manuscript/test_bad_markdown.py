"""Broken Markdown structure is an error or a warning at its line, never text in the book.

Each case is a chapter body written into the small book's `one.md`, whose front
matter takes lines 1-4, so the body starts on line 5. Errors stop `make-book check`
and `make-book build` with the chapter's file and line; a warning builds, and the
EPUB then holds none of the broken syntax.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from conftest import make_small_book
from makebook.cli import app
from makebook.manuscript.loader import load_book
from makebook.manuscript.structure import MAX_NESTING
from makebook.render.chapter import MAX_ELEMENT_DEPTH, render_chapter

runner = CliRunner()


def chapter(body: str) -> str:
    return f'---\nkind: essay\ntitle: "Case"\n---\n{body}'


def nested_lists(levels: int) -> str:
    return "".join("    " * level + "- item\n" for level in range(levels))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_small_book(tmp_path_factory.mktemp("template") / "book")


def book_with(template: Path, where: Path, body: str) -> Path:
    book = where / "book"
    shutil.copytree(template, book)
    (book / "one.md").write_text(chapter(body), encoding="utf-8")
    return book


def make_book(args: list[str]):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def one_line(output: str) -> str:
    return " ".join(output.split())


# (body, where, designed message): `where` is line or line:column in one.md.
ERRORS = {
    "unclosed-div": (
        "Before.\n\n::: note\nA note never closed.\n\nThe rest of the chapter.\n",
        "7",
        "the fenced div `::: note` is never closed",
    ),
    "div-opening-that-is-none": (
        "::: my note\nText.\n:::\n",
        "5",
        "`::: my note` is not a fenced div opening",
    ),
    "footnote-without-text": (
        "Text x[^nope] here.\n",
        "5:7",
        "footnote [^nope] has no text: no line starts with [^nope]:",
    ),
    "footnote-defined-twice": (
        "One[^a] two.\n\n[^a]: First.\n[^a]: Second.\n",
        "8",
        "footnote [^a] is defined twice (first on line 7)",
    ),
    "unclosed-citation": (
        "Intro.\n\nAs said [@siegel1999, p. 12 and so on.\n",
        "7:9",
        "the citation `[@siegel1999, p. 12 and so on.` has no closing bracket",
    ),
    "unclosed-comment": (
        "Text.\n\n<!-- TODO fix this\n\nMore text.\n",
        "7:1",
        "this HTML comment `<!--` is never closed",
    ),
    "1000-block-quotes": (
        "Intro.\n\n" + ">" * 1000 + " deep\n",
        "7",
        f"block quotes, lists, divs and HTML elements are nested 1000 levels deep from here; "
        f"a book allows at most {MAX_NESTING}",
    ),
    "300-nested-html-divs": (
        "<div>" * 300 + "deep text" + "</div>" * 300 + "\n",
        "5",
        "block quotes, lists, divs and HTML elements are nested 300 levels deep from here; "
        f"a book allows at most {MAX_NESTING}",
    ),
    "200-nested-lists": (
        nested_lists(200),
        str(5 + MAX_NESTING),  # the first item deeper than the limit
        f"block quotes, lists, divs and HTML elements are nested 200 levels deep from here; "
        f"a book allows at most {MAX_NESTING}",
    ),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_check_reports_broken_structure_at_its_line(template, tmp_path, name):
    body, where, message = ERRORS[name]
    book = book_with(template, tmp_path, body)
    result = make_book(["check", "-m", str(book)])
    assert result.exit_code == 1, result.output
    assert f"one.md:{where}: error: {message}" in one_line(result.output)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_build_stops_at_broken_structure_and_writes_nothing(template, tmp_path, name):
    body, where, message = ERRORS[name]
    book = book_with(template, tmp_path, body)
    out = tmp_path / "out"
    result = make_book(["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 1, result.output
    assert f"one.md:{where}: error: {message}" in one_line(result.output)
    assert not list(out.glob("*.epub"))


def test_each_problem_has_a_hint(template, tmp_path):
    book = book_with(template, tmp_path, ERRORS["footnote-without-text"][0])
    output = make_book(["check", "-m", str(book)]).output
    assert "hint: add the note as a line of its own, `[^nope]: The note's text.`" in output


@pytest.mark.slow
@pytest.mark.parametrize("levels", [100, 6])
def test_nested_lists_in_a_pdf_build(template, tmp_path, levels):
    """100 levels overflowed WeasyPrint's recursion; 6 is an ordinary list and builds."""
    book = book_with(template, tmp_path, nested_lists(levels))
    out = tmp_path / "out"
    result = make_book(["build", "-m", str(book), "-o", str(out), "-f", "pdf"])
    if levels > MAX_NESTING:
        assert result.exit_code == 1, result.output
        assert (
            f"one.md:{5 + MAX_NESTING}: error: block quotes, lists, divs and HTML elements are nested "
            f"{levels} levels deep" in one_line(result.output)
        )
        assert not list(out.glob("*.pdf"))
    else:
        assert result.exit_code == 0, result.output
        assert (out / "a-small-book.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
def test_the_deepest_nesting_allowed_builds_both_editions(template, tmp_path):
    """The limit is far from what breaks: quotes, divs and lists, 20 levels in all."""
    quotes = "> " * 6
    body = (
        "::: note\n::: note\n"
        + "".join(quotes + "    " * level + "- item\n" for level in range(MAX_NESTING - 8))
        + ":::\n:::\n"
    )
    book = book_with(template, tmp_path, body)
    check = make_book(["check", "-m", str(book)])
    assert check.exit_code == 0, check.output
    out = tmp_path / "out"
    result = make_book(["build", "-m", str(book), "-o", str(out), "-f", "epub", "-f", "pdf"])
    assert result.exit_code == 0, result.output
    assert (out / "a-small-book.pdf").read_bytes().startswith(b"%PDF-")


def epub_chapter_text(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read("EPUB/text/one.xhtml").decode()


def test_check_warns_of_a_stray_closing_line(template, tmp_path):
    book = book_with(template, tmp_path, "Before.\n\n:::\n\nAfter.\n")
    result = make_book(["check", "-m", str(book)])
    assert result.exit_code == 0, result.output
    assert "one.md:7: warning: this `:::` line closes no fenced div, so it is left out" in one_line(
        result.output
    )


def test_check_warns_of_a_footnote_nothing_refers_to(template, tmp_path):
    body = "Text with no marker.\n\n[^lost]: A note nobody points to.\n"
    book = book_with(template, tmp_path, body)
    result = make_book(["check", "-m", str(book)])
    assert result.exit_code == 0, result.output
    assert (
        "one.md:7: warning: footnote [^lost] is never referred to, so its text is left out"
        in one_line(result.output)
    )


@pytest.mark.slow
def test_a_stray_closing_line_is_left_out_of_the_book(template, tmp_path):
    book = book_with(template, tmp_path, "Before.\n\n:::\n\nAfter.\n")
    out = tmp_path / "out"
    result = make_book(["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 0, result.output
    assert "one.md:7: warning: this `:::` line closes no fenced div" in one_line(result.output)
    text = epub_chapter_text(out / "a-small-book.epub")
    assert "After." in text and ":::" not in text


def test_html_nested_past_the_loader_check_is_flattened_with_a_warning(template):
    """The renderer's backstop: whatever still nests too deep keeps its text, not its depth."""
    loaded = load_book(template)
    one = next(c for c in loaded.chapters if c.path == Path("one.md"))
    deep = "<div>" * 1000 + "deep text" + "</div>" * 1000 + "\n"
    page = render_chapter(loaded, replace(one, markdown=deep), {})
    assert [str(w) for w in page.warnings] == [
        f"one.md: warning: HTML elements are nested more than {MAX_ELEMENT_DEPTH} deep; "
        "below that depth only their text is kept\n"
        "  hint: nest the raw HTML (<div>, <blockquote>, ...) in this chapter less deeply"
    ]
    tree = etree.fromstring(page.html)
    assert "deep text" in "".join(tree.itertext())
    assert max(len(list(e.iterancestors())) for e in tree.iter()) < MAX_ELEMENT_DEPTH + 10


CODE_ONLY = """\
Code shows syntax: `:::`, `x[^nope]`, `[@siegel1999, p. 12` and `<!--` are not used here.

```
::: note
x[^nope] [@siegel1999, p. 12
<!-- open
:::
```

A closed <!-- comment with [^hidden] and [@siegel1999 --> is left out.

A note in a quote[^q] and one in a list:

> [^q]: Defined inside the quote.

- item[^l]

    [^l]: Defined inside the list.
"""


def test_syntax_in_code_and_comments_is_not_flagged(template, tmp_path):
    book = book_with(template, tmp_path, CODE_ONLY)
    result = make_book(["check", "-m", str(book)])
    assert result.exit_code == 0, result.output
    assert not re.search(r"one\.md:\d+", result.output), result.output


def test_a_citation_may_wrap_onto_the_next_line(template, tmp_path):
    book = book_with(template, tmp_path, "As said [@siegel1999,\np. 12] before.\n")
    loaded = load_book(book)
    one = next(c for c in loaded.chapters if c.path == Path("one.md"))
    assert [(c.key, c.locator, c.line) for c in one.citations] == [("siegel1999", "p. 12", 5)]
    page = render_chapter(loaded, one, {c.path.as_posix(): c.id for c in loaded.chapters})
    assert "[@" not in page.html and "Siegel 1999, 12" in page.html  # Chicago, as pandoc


def test_a_div_inside_a_definition_is_a_warning_not_silent_text(template, tmp_path):
    # pandoc's manual writes divs inside definitions; makebook prints those lines as text,
    # and says so instead of staying silent.
    body = "Term\n\n:   A definition.\n\n    ::: {#formats}\n    - one\n    :::\n\nAfter.\n"
    book = book_with(template, tmp_path, body)
    result = make_book(["check", "-m", str(book)])
    assert result.exit_code == 0, result.output
    text = one_line(result.output)
    assert (
        "one.md:9: warning: `::: {#formats}` is indented inside a list item or definition" in text
    )
    assert "one.md:11: warning: `:::` is indented inside a list item or definition" in text
