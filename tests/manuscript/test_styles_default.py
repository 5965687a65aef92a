"""A book without styles/ takes the built-in design; a book's styles/ overrides it file by
file, and any other stylesheet there is added after it, in every edition."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import STYLES, run_epubcheck
from makebook.build import build
from makebook.cache import book_inputs
from makebook.cli import app
from makebook.epub.fonts import without_faces
from makebook.manuscript.styles import DEFAULT_STYLES, stylesheets

runner = CliRunner()


def unstyled_book(small_book: Path, folder: Path) -> Path:
    shutil.copytree(small_book, folder, ignore=shutil.ignore_patterns("styles"))
    return folder


def epub_files(epub: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(epub) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def design_as_shipped(files: dict[str, bytes]) -> bytes:
    """The built-in book.css as the EPUB carries it: the @font-face rules of faces its
    text does not use are left out with their files (epub/fonts.py)."""
    fonts = {name[len("EPUB/styles/") :] for name in files if name.startswith("EPUB/styles/fonts/")}
    return without_faces((STYLES / "book.css").read_text(encoding="utf-8"), fonts).encode()


def test_the_built_in_design_is_the_projects_styles_folder():
    assert DEFAULT_STYLES.resolve() == STYLES.resolve()  # one source, no copy to keep in step


def test_a_book_without_styles_builds_with_the_built_in_design(small_book, tmp_path):
    book = unstyled_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 0, result.output
    files = epub_files(out / "a-small-book.epub")
    assert files["EPUB/styles/book.css"] == design_as_shipped(files)
    assert files["EPUB/styles/epub.css"] == (STYLES / "epub.css").read_bytes()
    assert "EPUB/styles/fonts/SourceSerifPro-Regular.ttf" in files  # its fonts resolve


def test_a_books_stylesheet_overrides_only_its_own_file(small_book, tmp_path):
    book = unstyled_book(small_book, tmp_path / "book")
    (book / "styles").mkdir()
    (book / "styles" / "epub.css").write_text("p { text-indent: 2em; }\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 0, result.output
    files = epub_files(out / "a-small-book.epub")
    assert files["EPUB/styles/epub.css"] == b"p { text-indent: 2em; }\n"
    assert files["EPUB/styles/book.css"] == design_as_shipped(files)
    assert [p.parent for p in stylesheets(book / "styles", "print")] == [DEFAULT_STYLES] * 3


def test_any_other_stylesheet_is_added_after_the_design_in_every_edition(tmp_path):
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "pdf.css").write_text("@page { margin: 1in; }\n", encoding="utf-8")
    (styles / "extra.css").write_text("h1 { color: teal; }\n", encoding="utf-8")
    names = {edition: stylesheets(styles, edition) for edition in ("epub", "print", "screen")}
    assert names["epub"] == [
        DEFAULT_STYLES / "book.css",
        DEFAULT_STYLES / "epub.css",
        styles / "extra.css",
    ]
    assert names["print"] == [
        DEFAULT_STYLES / "book.css", styles / "pdf.css", DEFAULT_STYLES / "print.css", styles / "extra.css",
    ]  # fmt: skip
    assert names["screen"][-1] == styles / "extra.css"


def test_an_extra_stylesheet_reaches_the_epub_and_is_an_input(small_book, tmp_path):
    book = unstyled_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    assert (
        runner.invoke(app, ["build", "-m", str(book), "-o", str(out), "-f", "epub"]).exit_code == 0
    )
    (book / "styles").mkdir()
    (book / "styles" / "extra.css").write_text("h1 { color: teal; }\n", encoding="utf-8")
    result = runner.invoke(app, ["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 0, result.output
    files = epub_files(out / "a-small-book.epub")
    assert files["EPUB/styles/extra.css"] == b"h1 { color: teal; }\n"
    chapter = files["EPUB/text/one.xhtml"].decode("utf-8")
    assert chapter.index("epub.css") < chapter.index("extra.css")  # after the design


def test_the_built_in_stylesheets_are_inputs_of_a_book_without_styles(
    small_book, tmp_path, monkeypatch
):
    design = tmp_path / "package" / "default_styles"
    shutil.copytree(STYLES, design)
    for module in ("makebook.manuscript.styles", "makebook.manuscript.loader", "makebook.cache"):
        monkeypatch.setattr(f"{module}.DEFAULT_STYLES", design)
    book = unstyled_book(small_book, tmp_path / "book")
    before = book_inputs(book, tmp_path / "out", {})
    (design / "pdf.css").write_text("@page { margin: 1in; }\n", encoding="utf-8")
    assert book_inputs(book, tmp_path / "out", {}) != before


@pytest.mark.slow
def test_an_unstyled_book_with_an_extra_stylesheet_gives_a_valid_epub_and_designed_pdf(
    small_book, tmp_path
):
    from pypdf import PdfReader

    book = unstyled_book(small_book, tmp_path / "book")
    (book / "styles").mkdir()
    (book / "styles" / "extra.css").write_text("h1 { color: teal; }\n", encoding="utf-8")
    outputs = build(book, tmp_path / "out").outputs
    report = run_epubcheck(outputs["epub"], tmp_path / "epubcheck.json")
    assert report["checker"]["nError"] == 0 and report["checker"]["nFatal"] == 0, report["messages"]
    fonts = set()
    for page in PdfReader(outputs["pdf"]).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert any("Source-Serif-Pro" in name for name in fonts), fonts
