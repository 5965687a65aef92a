"""Joining laid-out divisions ahead of time (pdfjoin.py).

After an edit, the divisions still in the cache are copied into the joined file
by a background process while the edited ones are laid out. Whatever was copied
ahead, and in whatever order, the joined book must be the one a join from
nothing makes; a build that fails must not leave that process behind.
"""

from __future__ import annotations

import io
import multiprocessing
from pathlib import Path

import pikepdf
import pytest

from conftest import copy_book
from makebook.build import build
from makebook.manuscript.loader import load_book
from makebook.pdf.chapterwise.join import BackgroundJoin, Joiner, join_edition
from makebook.pdf.chapterwise.layout import EditionResult, lay_out_editions
from makebook.render.book import render_book


def contents(path: Path) -> bytes:
    """The file's objects in a canonical form: numbered by qpdf from the catalog down,
    without what depends on the order objects were copied in: the notes on where each
    came from, the byte offsets (the notes have different lengths) and the file
    identifier (a digest of the bytes)."""
    out = io.BytesIO()
    with pikepdf.open(path) as pdf:
        pdf.save(out, qdf=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    text = out.getvalue().split(b"\nxref\n")[0]  # the objects; the offsets follow
    lines = text.split(b"\n")
    return b"\n".join(
        line for line in lines if not line.startswith((b"%% Original object ID", b"  /ID ["))
    )


def laid_out_again(book: Path, out: Path, written: tuple[str, ...]) -> EditionResult:
    rendered = render_book(load_book(book), cache=out / ".makebook-cache" / "pages")
    name = "a-small-book"
    return lay_out_editions(rendered, ["print"], out / ".makebook-cache", name, written=written)[
        "print"
    ]


@pytest.fixture()
def laid_book(small_book: Path, tmp_path: Path) -> tuple[Path, Path]:
    book = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    build(book, out, ["pdf"])
    return book, out


def test_the_joined_book_is_the_same_whatever_was_copied_ahead(laid_book, tmp_path):
    book, out = laid_book
    result = laid_out_again(book, out, written=())
    assert result.join is None  # not asked to write: nothing started
    plan = result.plan()
    paths = [piece.pdf for piece in plan.pieces]
    assert len(paths) >= 5

    join_edition(plan, tmp_path / "from-nothing.pdf")
    with Joiner() as joiner:
        for path in reversed(paths):  # out of order, and one piece twice
            joiner.prepare(path)
        joiner.prepare(paths[0])
        assert plan.blank is not None
        joiner.prepare(plan.blank)  # copied, never used
        joiner.join(plan, tmp_path / "ahead.pdf")
    BackgroundJoin(paths[1:]).start_join(plan, tmp_path / "background.pdf")()

    reference = contents(tmp_path / "from-nothing.pdf")
    assert contents(tmp_path / "ahead.pdf") == reference
    assert contents(tmp_path / "background.pdf") == reference
    with pikepdf.open(tmp_path / "from-nothing.pdf") as pdf:
        assert len(pdf.pages) == plan.blank_after + sum(
            len(pikepdf.open(p).pages) + piece.blank_before
            for p, piece in zip(paths, plan.pieces, strict=True)
        )


def test_an_edit_starts_joining_the_unchanged_divisions_while_it_lays_out(laid_book, tmp_path):
    book, out = laid_book
    chapter = book / "two.md"
    chapter.write_text(chapter.read_text() + "\nOne more sentence for the note.\n")
    result = laid_out_again(book, out, written=("print",))
    assert result.join is not None
    assert len(result.join.ready) == len(result.laid) - 1  # all but the edited chapter
    result.start_writing(tmp_path / "joined.pdf")()
    join_edition(result.plan(), tmp_path / "reference.pdf")
    assert contents(tmp_path / "joined.pdf") == contents(tmp_path / "reference.pdf")


def test_a_failed_layout_stops_the_join_it_started(laid_book, monkeypatch):
    import makebook.pdf.chapterwise.layout
    from makebook.errors import error

    book, out = laid_book
    chapter = book / "two.md"
    chapter.write_text(chapter.read_text() + "\nA sentence the layout will fail on.\n")

    def render(*_args: object, **_kwargs: object) -> None:
        raise error("the note cannot be laid out")

    monkeypatch.setattr(makebook.pdf.chapterwise.layout, "render_html", render)
    started: list[BackgroundJoin] = []
    real = BackgroundJoin.__init__

    def remember(self: BackgroundJoin, ready: list[Path]) -> None:
        real(self, ready)
        started.append(self)

    monkeypatch.setattr(BackgroundJoin, "__init__", remember)
    with pytest.raises(Exception, match="the note cannot be laid out"):
        build(book, out, ["pdf"])
    assert len(started) == 1 and started[0].ready, "a join was started for the cached pieces"
    assert multiprocessing.active_children() == []
    assert not list(out.glob("*.pdf.*part")), "nothing half-written"


def test_on_one_core_an_edit_is_joined_at_the_end_to_the_same_book(laid_book, monkeypatch):
    import os

    book, out = laid_book
    chapter = book / "two.md"
    chapter.write_text(chapter.read_text() + "\nA sentence written on a one-core machine.\n")
    clean = build(book, out.parent / "clean", ["pdf"]).outputs["pdf"]
    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # no worker processes, no fork
    edited = build(book, out, ["pdf"]).outputs["pdf"]
    assert multiprocessing.active_children() == []
    assert contents(edited) == contents(clean)


def test_two_builds_of_the_same_manuscript_are_the_same_file(small_book, tmp_path):
    """Reproducible: WeasyPrint's random PDF/X document ID is replaced by one made from
    the book's identifier."""
    import uuid

    from makebook.manuscript.config import load_config

    first = build(small_book, tmp_path / "first", ["pdf"]).outputs["pdf"]
    second = build(small_book, tmp_path / "second", ["pdf"]).outputs["pdf"]
    assert first.read_bytes() == second.read_bytes()
    identifier = load_config(small_book).meta.identifier
    with pikepdf.open(first) as pdf:
        xmp = pdf.Root.Metadata.read_bytes()
    assert f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, identifier)}".encode() in xmp


def test_a_book_without_a_date_takes_source_date_epoch_in_its_pdfs(
    small_book, tmp_path, monkeypatch
):
    book = copy_book(small_book, tmp_path / "book")
    toml = book / "book.toml"
    toml.write_text(toml.read_text().replace('date = "2025-03-01"\n', ""))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    first = build(book, tmp_path / "first", ["pdf"]).outputs["pdf"]
    second = build(book, tmp_path / "second", ["pdf"]).outputs["pdf"]
    assert first.read_bytes() == second.read_bytes()
    with pikepdf.open(first) as pdf:
        assert str(pdf.trailer.Info.CreationDate).startswith("D:20231114")
        assert b"<xmp:ModifyDate>2023-11-14" in pdf.Root.Metadata.read_bytes()
