"""Formatted bibliography entries are remembered between builds (citeproc-py takes about
12 ms an entry): an edit to a chapter does not format the appendices again, and what is
remembered is exactly what formatting gives."""

from __future__ import annotations

import zipfile

import pytest

from conftest import copy_book
from makebook.build import build
from makebook.render.csl import CslFormatter


def appendix_files(epub) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(epub) as archive:
        return {n: archive.read(n) for n in archive.namelist() if "appendix" in n}


def test_an_edit_reuses_the_formatted_entries(small_book, tmp_path, monkeypatch):
    book = copy_book(small_book, tmp_path / "book")
    first = build(book, tmp_path / "out", ["epub"])
    before = appendix_files(first.outputs["epub"])
    assert any(b"Works Cited" in data for data in before.values())
    chapter = book / "one.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")

    def refuse(self, keys):  # type: ignore[no-untyped-def]
        raise AssertionError("formatted again")

    with monkeypatch.context() as patch:
        patch.setattr(CslFormatter, "_entries", refuse)
        patch.setattr(CslFormatter, "_nameless", refuse)
        second = build(book, tmp_path / "out", ["epub"])
    assert appendix_files(second.outputs["epub"]) == before


def test_a_changed_work_is_formatted_again(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    build(book, tmp_path / "out", ["epub"])
    bibliography = next(p for p in book.iterdir() if p.suffix in (".yaml", ".json", ".bib"))
    text = bibliography.read_text(encoding="utf-8")
    assert "Guilford" in text
    bibliography.write_text(text.replace("Guilford", "Guildford"), encoding="utf-8")
    again = build(book, tmp_path / "out", ["epub"])
    cited = b"".join(appendix_files(again.outputs["epub"]).values())
    assert b"Guildford" in cited
    fresh = build(book, tmp_path / "fresh", ["epub"])
    assert appendix_files(again.outputs["epub"]) == appendix_files(fresh.outputs["epub"])


@pytest.mark.parametrize("memo", [True, False])
def test_the_memo_gives_what_formatting_gives(small_book, tmp_path, memo):
    from makebook.manuscript.loader import load_book
    from makebook.render.csl import formatter_for

    loaded = load_book(small_book)
    formatter = formatter_for(loaded)
    expected = formatter.entries()
    formatter.memo = tmp_path / "entries" if memo else None
    assert formatter.entries() == expected
    assert formatter.entries() == expected  # read back from the memo
