"""pandoc's title block (`% Title`, `% Authors`, `% Date`) at a chapter's start: its
title is the chapter's when the front matter gives none (a chapter may start with the
block instead of front matter); otherwise it is left out with a warning. Never printed,
as pandoc prints none of it (issue 17)."""

from __future__ import annotations

from pathlib import Path

from conftest import chapter_text, copy_book, set_chapters
from makebook.build import check
from makebook.errors import Diagnostics
from makebook.manuscript.chapters import parse_chapter
from makebook.manuscript.loader import load_book
from makebook.manuscript.title_block import TitleBlock, read_title_block
from makebook.render.chapter import render_chapter

SHOWN = Path("pandoc.md")


def test_a_title_block_gives_title_authors_and_date():
    lines = ["% My Title", "  runs on", "% Ann Example; Bob Example", "% 2020", "", "Text."]
    assert read_title_block(lines) == TitleBlock(
        4, "My Title runs on", ("Ann Example", "Bob Example"), "2020"
    )
    assert read_title_block(["%", "% Ann", "", "x"]) == TitleBlock(2, "", ("Ann",), "")
    assert read_title_block(["Text", "% no block"]) is None


def test_a_chapter_may_start_with_a_title_block_instead_of_front_matter():
    diagnostics = Diagnostics()
    chapter = parse_chapter("% From pandoc\n% Ann\n\nText.\n", SHOWN, "body", None, diagnostics)
    assert (chapter.title, chapter.kind, chapter.id) == ("From pandoc", "essay", "pandoc")
    assert chapter.markdown == "\n\n\nText.\n"  # the block's lines blanked, lines kept
    assert chapter.body_line == 1
    assert diagnostics.problems == []


def test_the_front_matters_title_wins_and_the_block_is_reported():
    diagnostics = Diagnostics()
    text = chapter_text("Mine", "% Theirs\n\nText.\n")
    chapter = parse_chapter(text, SHOWN, "body", None, diagnostics)
    assert chapter.title == "Mine"
    assert "Theirs" not in chapter.markdown
    assert [(p.line, p.severity, p.message) for p in diagnostics.problems] == [
        (5, "warning", "the `%` title block is left out: the front matter's `title:` is the "
         "chapter's"),
    ]  # fmt: skip


def test_front_matter_without_a_title_takes_the_blocks():
    text = "---\nkind: essay\n---\n% The Block's Title\n\nText.\n"
    assert parse_chapter(text, SHOWN, "body", None, Diagnostics()).title == "The Block's Title"


def test_a_book_with_a_pandoc_chapter_checks_clean_and_prints_no_block(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "pandoc.md").write_text("% Written for Pandoc\n% Ann\n\nIts *text*.\n", "utf-8")
    set_chapters(book, ["one.md", "two.md", "idea.md", "pandoc.md"])
    assert [str(p) for p in check(book)] == []
    loaded = load_book(book)
    chapter = next(c for c in loaded.chapters if c.path == SHOWN)
    page = render_chapter(loaded, chapter, {c.path.as_posix(): c.id for c in loaded.chapters})
    assert page.title == "Written for Pandoc"
    assert "%" not in page.html and "Ann" not in page.html
    assert "Its <em>text</em>." in page.html
