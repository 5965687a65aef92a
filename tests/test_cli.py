"""`make-book` as an author runs it."""

from __future__ import annotations

from typer.testing import CliRunner

from conftest import copy_book
from makebook.cli import app

runner = CliRunner()


def test_build_writes_every_edition(small_book, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "a-small-book-cover.pdf",
        "a-small-book-screen.pdf",
        "a-small-book.epub",
        "a-small-book.pdf",
    ]


def test_build_one_format(small_book, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir() if p.is_file()] == ["a-small-book.epub"]


def test_unknown_format_is_refused(small_book, tmp_path):
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(tmp_path), "-f", "mobi"])
    assert result.exit_code == 2
    assert "unknown format mobi" in result.output


def test_unknown_citation_fails_with_file_and_line_and_keeps_the_old_book(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    assert runner.invoke(app, ["build", "-m", str(book), "-o", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    chapter = book / "two.md"
    chapter.write_text(chapter.read_text() + "\nAnd one more [@nobody2020, p. 3].\n")
    result = runner.invoke(app, ["build", "-m", str(book), "-o", str(out)])
    assert result.exit_code == 1
    assert "two.md:12:14: error: unknown citation key '@nobody2020'" in result.output
    assert "hint:" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_check_reports_problems_and_writes_nothing(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 0, result.output
    assert "ready to build" in result.output
    assert not (book / "build").exists() and not (tmp_path / "build").exists()

    (book / "idea.md").write_text(
        "---\nkind: concept\ntitle: The Idea\nid: the-idea\n---\nNo sections at all.\n"
    )
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 0
    # At `kind: concept` (line 2), the line that asks for the sections (issue 15).
    assert "idea.md:2: warning: concept entry has no '## Definition' section" in result.output


def test_errors_are_all_reported_at_once(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "one.md").write_text("---\nkind: essay\ntitle: One\n---\n[@missing1]\n")
    (book / "two.md").write_text("---\nkind: note\ntitle: Two\n---\n\n[@missing2]\n")
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 1
    assert "one.md:5:1: error: unknown citation key '@missing1'" in result.output
    assert "two.md:6:1: error: unknown citation key '@missing2'" in result.output


def test_check_finds_everything_at_once_with_carets_and_json(small_book, tmp_path):
    import json

    book = copy_book(small_book, tmp_path / "book")
    (book / "draft.md").write_text("---\ntitle: Draft\n---\nNot in the book.\n")
    (book / "two.md").write_text(
        "---\nkind: note\ntitle: Two\nsubtitel: typo\n---\nSee [gone](gone.md) and [@siegel1999].\n"
    )
    (book / "idea.md").write_text(
        (book / "idea.md").read_text().replace("id: the-idea", "id: the-idea\nrelated: [the-idea]")
    )
    refs = book / "refs.yaml"
    refs.write_text(
        refs.read_text().replace("    suggested: true\n  - id: room2015", "  - id: room2015")
    )
    result = runner.invoke(app, ["check", "-m", str(book)])
    out = result.output
    assert result.exit_code == 1
    assert "two.md:6: error: link to 'gone.md', which is not a chapter of this book" in out
    assert "    6 | See [gone](gone.md)" in out
    assert "two.md:4: warning: unknown front-matter key 'subtitel'" in out
    assert "did you mean 'subtitle'?" in out
    assert (
        "book.toml: warning: 'draft.md' is in the manuscript folder but in no reading order" in out
    )

    result = runner.invoke(app, ["check", "-m", str(book), "--format", "json"])
    report = json.loads(result.stdout)
    assert report["ok"] is False
    kinds = {(p["severity"], p["message"].split(" ")[0]) for p in report["problems"]}
    assert ("error", "link") in kinds and ("warning", "unknown") in kinds


def test_check_strict_turns_warnings_into_errors(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "draft.md").write_text("---\ntitle: Draft\n---\nNot in the book.\n")
    assert runner.invoke(app, ["check", "-m", str(book)]).exit_code == 0
    assert runner.invoke(app, ["check", "-m", str(book), "--strict"]).exit_code == 1


def test_related_concepts_that_are_not_reciprocal_and_unused_works_warn(small_book, tmp_path):
    from makebook.errors import Diagnostics
    from makebook.manuscript.loader import load_book

    book = copy_book(small_book, tmp_path / "book")
    (book / "other.md").write_text(
        "---\nkind: concept\ntitle: Other\nrelated: [the-idea]\n---\n## Definition\n\nX.\n"
    )
    toml = book / "book.toml"
    toml.write_text(toml.read_text().replace('"idea.md"]', '"idea.md", "other.md"]'))
    refs = book / "refs.yaml"
    refs.write_text(refs.read_text() + "  - id: unused\n    type: book\n    title: Never Cited\n")
    diagnostics = Diagnostics()
    load_book(book, diagnostics)
    messages = [str(p) for p in diagnostics.warnings]
    assert any(
        m.startswith("idea.md:") and "'other' lists 'the-idea' as related" in m for m in messages
    ), messages
    assert any(m.startswith("refs.yaml:") and "'unused' is never cited" in m for m in messages)


def test_quiet_and_verbose(small_book, tmp_path):
    quiet = runner.invoke(app, ["-q", "build", "-m", str(small_book), "-o", str(tmp_path / "q")])
    assert quiet.exit_code == 0 and quiet.output == ""
    loud = runner.invoke(
        app, ["-v", "build", "-m", str(small_book), "-o", str(tmp_path / "v"), "-f", "epub"]
    )
    assert "Reading the manuscript" in loud.output and "Writing the EPUB" in loud.output
    assert "✓ epub" in loud.output


def test_build_strict_refuses_active_content_before_writing(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    chapter = book / "two.md"
    chapter.write_text(chapter.read_text() + '\n<script>alert("hi")</script>\n')
    out = tmp_path / "out"
    relaxed = runner.invoke(app, ["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    assert relaxed.exit_code == 0 and "warning: '<script' was removed" in relaxed.output
    strict_out = tmp_path / "strict"
    strict = runner.invoke(app, ["build", "--strict", "-m", str(book), "-o", str(strict_out)])
    assert strict.exit_code == 1 and "error: '<script' was removed" in strict.output
    assert not strict_out.exists() or not [p for p in strict_out.iterdir() if p.is_file()]


def test_release_flag_before_or_after_the_command(small_book, tmp_path):
    """A release build lays the PDF out whole: no chapter-by-chapter layout cache."""
    runs = {
        "default": ["build", "-f", "pdf"],
        "after": ["build", "--release", "-f", "pdf"],
        "before": ["--release", "build", "-f", "pdf"],
    }
    for name, argv in runs.items():
        out = tmp_path / name
        result = runner.invoke(app, [*argv, "-m", str(small_book), "-o", str(out)])
        assert result.exit_code == 0, result.output
        chapter_by_chapter = (out / ".makebook-cache" / "layout").is_dir()
        assert chapter_by_chapter == (name == "default"), name
