"""`make-book init`, `new` and `stats`."""

from __future__ import annotations

from typer.testing import CliRunner

from makebook.cli import app
from makebook.errors import Diagnostics
from makebook.manuscript.loader import load_book

runner = CliRunner()


def test_init_makes_a_book_that_builds_at_once(tmp_path):
    folder = tmp_path / "my-book"
    result = runner.invoke(
        app, ["init", str(folder), "--title", 'A "Fine" Book', "--author", "Jo Writer"]
    )
    assert result.exit_code == 0, result.output
    for name in ("book.toml", "styles/extra.css", "chapters/first-essay.md"):
        assert (folder / name).is_file(), name
    # The design is not copied: the book keeps following makebook's when it is updated.
    assert not (folder / "styles" / "book.css").exists()
    diagnostics = Diagnostics()
    book = load_book(folder, diagnostics)
    assert book.meta.title == 'A "Fine" Book' and book.meta.authors[0].name == "Jo Writer"
    assert {c.kind for c in book.chapters} == {"essay", "concept", "note"}
    assert diagnostics.problems == []
    built = runner.invoke(
        app, ["build", "-m", str(folder), "-o", str(folder / "build"), "-f", "epub"]
    )
    assert built.exit_code == 0, built.output
    again = runner.invoke(app, ["init", str(folder)])
    assert again.exit_code == 1 and "already holds a book" in again.output


def test_new_adds_a_chapter_and_keeps_book_toml_comments(tmp_path):
    folder = tmp_path / "b"
    runner.invoke(app, ["init", str(folder)])
    before = (folder / "book.toml").read_text()
    result = runner.invoke(app, ["new", "concept", "Co-regulation", "-m", str(folder)])
    assert result.exit_code == 0, result.output
    after = (folder / "book.toml").read_text()
    assert '"concepts/co-regulation.md"' in after
    kept = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert kept and all(line in after for line in kept)
    text = (folder / "concepts" / "co-regulation.md").read_text()
    for section in (
        "## Definition",
        "## Origins & Context",
        "## How It Shows Up",
        "## Author's Note",
    ):
        assert section in text
    diagnostics = Diagnostics()
    book = load_book(folder, diagnostics)
    assert book.chapters[-1].id == "co-regulation" and book.chapters[-1].kind == "concept"
    assert not [p for p in diagnostics.problems if "co-regulation" in str(p.path)]
    duplicate = runner.invoke(app, ["new", "concept", "Co-regulation", "-m", str(folder)])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    wrong = runner.invoke(app, ["new", "poem", "Ode", "-m", str(folder)])
    assert wrong.exit_code == 1 and "use essay, concept or note" in wrong.output


def test_stats_counts_words_reading_time_and_pages(small_book):
    result = runner.invoke(app, ["stats", "-m", str(small_book)])
    assert result.exit_code == 0, result.output
    assert "The First Essay" in result.output and "Total" in result.output
    from makebook.manuscript.stats import count_words

    assert count_words("Two words [@siegel1999, p. 3].[^1] ![alt](x.png) [link](y.md)") == 3
