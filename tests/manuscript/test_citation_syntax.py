"""pandoc's citation syntax found by the loader, with lines (manuscript/citations.py), and
the `[bibliography] style` key of book.toml (manuscript/config.py, csl_styles.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import copy_book, edit, write
from makebook.errors import ManuscriptError
from makebook.manuscript.citations import find_citations
from makebook.manuscript.config import load_config
from makebook.manuscript.loader import load_book

KNOWN = {"siegel1999", "siegel2003", "doe:2007"}


def found(markdown: str, known=KNOWN):  # type: ignore[no-untyped-def]
    return [
        (c.key, c.locator, c.prefix, c.suppress_author, c.line, c.column)
        for c in find_citations(textwrap.dedent(markdown), 10, known)
    ]


def test_every_pandoc_form_with_its_line_and_column():
    assert found(
        """\
        A [@siegel1999] and [@siegel2003, p. 30].
        B [-@siegel1999] and [see @siegel1999; @doe:2007, ch. 3].
        C @siegel2003 says, and @siegel1999 [p. 30] too.
        """
    ) == [
        ("siegel1999", "", "", False, 10, 3),
        ("siegel2003", "p. 30", "", False, 10, 21),
        ("siegel1999", "", "", True, 11, 3),
        ("siegel1999", "", "see", False, 11, 22),
        ("doe:2007", "ch. 3", "", False, 11, 22),
        ("siegel2003", "", "", False, 12, 3),
        ("siegel1999", "p. 30", "", False, 12, 25),
    ]


def test_a_bare_at_is_a_citation_only_for_a_known_key():
    assert found("Mail ada@siegel1999.org, or @nobody, or \\@siegel1999.\n") == []
    assert found("@siegel1999.\n") == [("siegel1999", "", "", False, 10, 1)]
    assert found("@siegel1999 [p. 30]\n", known=set()) == []


def test_a_bracketed_unknown_key_is_still_found_for_the_error():
    assert found("[@nobody, p. 3]\n") == [("nobody", "p. 3", "", False, 10, 1)]


def test_citations_in_code_are_text():
    assert found("`@siegel1999` and\n\n    [@siegel2003]\n") == []


def test_the_loader_counts_an_author_in_text_citation_as_citing(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    two = book / "two.md"
    two.write_text(two.read_text(encoding="utf-8") + "\nAs @siegel1999 shows.\n", "utf-8")
    loaded = load_book(book)
    assert any(c.key == "siegel1999" for ch in loaded.chapters for c in ch.citations)


# --- [bibliography] style ----------------------------------------------------------

TOML = """
[book]
title = "X"

[[book.authors]]
name = "A. Writer"

[contents]
chapters = ["one.md"]

[bibliography]
files = ["refs.bib"]
style = "{style}"
"""


def config_with(tmp_path: Path, style: str):  # type: ignore[no-untyped-def]
    write(tmp_path / "book.toml", TOML.format(style=style))
    return load_config(tmp_path)


@pytest.mark.parametrize(
    "style", ["chicago-author-date", "apa", "chicago-note-bibliography", "ieee", "styles/my.csl"]
)
def test_a_style_by_name_or_a_csl_file(tmp_path, style):
    assert config_with(tmp_path, style).citation_style == style


def test_the_default_style_is_pandocs(tmp_path):
    write(tmp_path / "book.toml", TOML.replace('style = "{style}"\n', ""))
    assert load_config(tmp_path).citation_style == "chicago-author-date"


def test_an_unknown_style_is_an_error_at_its_line_with_a_hint(tmp_path):
    with pytest.raises(ManuscriptError) as exc:
        config_with(tmp_path, "chicago-autor-date")
    [problem] = exc.value.problems
    assert problem.message == "unknown citation style 'chicago-autor-date'"
    assert (str(problem.path), problem.line) == ("book.toml", 12)
    assert problem.hint.startswith("did you mean 'chicago-author-date'")
    assert "path of a .csl file" in problem.hint


def test_a_csl_file_missing_or_outside_the_book_is_an_error(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    edit(book / "book.toml", 'files = ["refs.yaml"]', 'files = ["refs.yaml"]\nstyle = "my.csl"')
    with pytest.raises(ManuscriptError) as exc:
        load_book(book)
    [problem] = [p for p in exc.value.problems if "style" in p.message]
    assert problem.message == "no citation style file 'my.csl'"
    assert problem.line == 15
    edit(book / "book.toml", 'style = "my.csl"', 'style = "../my.csl"')
    with pytest.raises(ManuscriptError) as exc:
        load_book(book)
    assert any("outside the book" in p.message for p in exc.value.problems)


def test_a_csl_file_in_the_book_is_used(small_book, tmp_path):
    from makebook.manuscript.csl_styles import packaged_style_path

    book = copy_book(small_book, tmp_path / "book")
    (book / "house.csl").write_bytes(packaged_style_path("apa").read_bytes())
    edit(book / "book.toml", 'files = ["refs.yaml"]', 'files = ["refs.yaml"]\nstyle = "house.csl"')
    assert load_book(book).citation_style == "house.csl"
