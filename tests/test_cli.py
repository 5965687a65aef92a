"""`make-book` as an author runs it."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from makebook.cli import app

runner = CliRunner()


def copy_book(small_book: Path, tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(small_book, book)
    return book


def test_build_writes_both_editions(small_book, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a-small-book.epub", "a-small-book.pdf"]


def test_build_one_format(small_book, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["a-small-book.epub"]


def test_unknown_format_is_refused(small_book, tmp_path):
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(tmp_path), "-f", "mobi"])
    assert result.exit_code == 2
    assert "unknown format mobi" in result.output


def test_unknown_citation_fails_with_file_and_line_and_keeps_the_old_book(small_book, tmp_path):
    book = copy_book(small_book, tmp_path)
    out = tmp_path / "out"
    assert runner.invoke(app, ["build", "-m", str(book), "-o", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    chapter = book / "two.md"
    chapter.write_text(chapter.read_text() + "\nAnd one more [@nobody2020, p. 3].\n")
    result = runner.invoke(app, ["build", "-m", str(book), "-o", str(out)])
    assert result.exit_code == 1
    assert "two.md:8: error: unknown citation key '@nobody2020'" in result.output
    assert "hint:" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_check_reports_problems_and_writes_nothing(small_book, tmp_path):
    book = copy_book(small_book, tmp_path)
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 0, result.output
    assert "ready to build" in result.output
    assert not (book / "build").exists() and not (tmp_path / "build").exists()

    (book / "idea.md").write_text(
        "---\nkind: concept\ntitle: The Idea\nid: the-idea\n---\nNo sections at all.\n"
    )
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 0
    assert "idea.md:6: warning: concept entry has no '## Definition' section" in result.output


def test_errors_are_all_reported_at_once(small_book, tmp_path):
    book = copy_book(small_book, tmp_path)
    (book / "one.md").write_text("---\nkind: essay\ntitle: One\n---\n[@missing1]\n")
    (book / "two.md").write_text("---\nkind: note\ntitle: Two\n---\n\n[@missing2]\n")
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 1
    assert "one.md:5: error: unknown citation key '@missing1'" in result.output
    assert "two.md:6: error: unknown citation key '@missing2'" in result.output
