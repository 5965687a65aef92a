"""The build cache: nothing is rebuilt when nothing changed, everything that changed is."""

from __future__ import annotations

import zipfile

from conftest import copy_book
from makebook.build import build
from makebook.cache import CACHE_DIR, MANIFEST


def stamps(outputs):
    return {fmt: path.stat().st_mtime_ns for fmt, path in outputs.items()}


def test_a_second_build_with_no_change_writes_nothing(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    first = build(book, tmp_path / "out")
    before = stamps(first.outputs)
    second = build(book, tmp_path / "out")
    assert second.outputs == first.outputs
    assert stamps(second.outputs) == before
    assert second.pages == first.pages


def test_an_edit_rebuilds_and_a_style_change_too(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    first = build(book, out, ["epub"])
    before = first.outputs["epub"].read_bytes()
    chapter = book / "one.md"
    chapter.write_text(chapter.read_text().replace("where it starts", "where it all starts"))
    second = build(book, out, ["epub"])
    assert second.outputs["epub"].read_bytes() != before
    with zipfile.ZipFile(second.outputs["epub"]) as archive:
        assert "where it all starts" in archive.read("EPUB/text/one.xhtml").decode()
    third_before = second.outputs["epub"].read_bytes()
    (book / "styles" / "epub.css").write_text("p { color: black; }\n", encoding="utf-8")
    third = build(book, out, ["epub"])
    assert third.outputs["epub"].read_bytes() != third_before


def test_a_corrupt_cache_or_a_changed_output_is_never_trusted(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    good = build(book, out, ["epub"]).outputs["epub"].read_bytes()
    (out / CACHE_DIR / MANIFEST).write_text("{not json", encoding="utf-8")
    assert build(book, out, ["epub"]).outputs["epub"].read_bytes() == good
    target = out / "a-small-book.epub"
    target.write_bytes(b"damaged")
    assert build(book, out, ["epub"]).outputs["epub"].read_bytes() == good


def test_epub_only_builds_reuse_the_print_page_numbers_when_they_are_current(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    cold = build(book, tmp_path / "cold", ["epub"])
    assert any("no print page numbers" in w.message for w in cold.warnings)
    build(book, tmp_path / "warm", ["epub", "pdf"])
    (tmp_path / "warm" / "a-small-book.epub").unlink()
    warm = build(book, tmp_path / "warm", ["epub"])
    assert not any("no print page numbers" in w.message for w in warm.warnings)
    with zipfile.ZipFile(warm.outputs["epub"]) as archive:
        assert 'epub:type="page-list"' in archive.read("EPUB/nav.xhtml").decode()


def test_a_no_op_build_reports_the_same_warnings_and_honours_strict(small_book, tmp_path):
    import pytest

    from makebook.errors import ManuscriptError

    book = copy_book(small_book, tmp_path / "book")
    (book / "draft.md").write_text("---\ntitle: Draft\n---\nNot in the book.\n")
    out = tmp_path / "out"
    first = build(book, out, ["epub"])
    second = build(book, out, ["epub"])
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings]
    assert any("draft.md" in w.message for w in second.warnings)
    with pytest.raises(ManuscriptError):
        build(book, out, ["epub"], strict=True)


def test_an_epub_built_alone_after_an_edit_keeps_print_page_numbers(small_book, tmp_path):
    """The print edition was laid out before: only the edited chapter is laid out again,
    and the EPUB's page-list is the one a full build of the edited book gives."""
    book = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    pdf = build(book, out, ["epub", "pdf"]).outputs["pdf"].read_bytes()
    chapter = book / "one.md"
    chapter.write_text(chapter.read_text() + "\nOne more paragraph, added later.\n")
    alone = build(book, out, ["epub"])
    assert not any("no print page numbers" in w.message for w in alone.warnings)
    assert (out / "a-small-book.pdf").read_bytes() == pdf  # not asked for: left as it was
    full = build(book, tmp_path / "full", ["epub", "pdf"]).outputs["epub"]
    assert alone.outputs["epub"].read_bytes() == full.read_bytes()


def test_what_killed_builds_left_in_the_cache_is_removed_once_it_is_old(small_book, tmp_path):
    import os
    import time

    book = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    build(book, out, ["pdf"])
    cache = out / CACHE_DIR
    left = [cache / "layout" / ".abc.pdf.999999.part", cache / "pages" / ".def.999999"]
    fresh = cache / "layout" / ".ghi.pdf.999998.part"  # perhaps a build beside this one
    hour_ago = time.time() - 3600
    for path in [*left, fresh]:
        path.write_bytes(b"half")
    for path in left:
        os.utime(path, (hour_ago, hour_ago))
    (book / "one.md").write_text((book / "one.md").read_text() + "\nMore.\n")
    build(book, out, ["pdf"])
    assert not any(path.exists() for path in left)
    assert fresh.exists()
