"""Chapters are rendered by worker processes when there are enough of them (transform.py):
the same pages, in book order, as rendering them one after another."""

from __future__ import annotations

import pytest

import makebook.render.book
from conftest import DEMO
from makebook.manuscript.loader import load_book
from makebook.render.book import render_book


def test_chapters_rendered_by_workers_equal_chapters_rendered_here(monkeypatch):
    book = load_book(DEMO)
    assert len(book.chapters) >= makebook.render.book.PARALLEL_FROM
    pools = []
    real_pool = makebook.render.book.worker_pool

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        pools.append(args)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(makebook.render.book, "worker_pool", counted)
    in_workers = render_book(book)
    if makebook.render.book.fork_context() is None:
        pytest.skip("one core, or no fork: chapters are always rendered in this process")
    assert len(pools) == 1
    monkeypatch.setattr(makebook.render.book, "PARALLEL_FROM", 10_000)
    here = render_book(book)
    assert len(pools) == 1  # the second rendering used no workers
    assert [p.id for p in in_workers.pages] == [p.id for p in here.pages]
    assert in_workers.pages == here.pages


def test_an_error_in_a_worker_reaches_the_build(monkeypatch):
    """A chapter that fails to render fails the build with its own error."""
    book = load_book(DEMO)
    real = makebook.render.book.render_chapter
    broken = book.chapters[3].id

    def render(book, chapter, paths):  # type: ignore[no-untyped-def]
        if chapter.id == broken:
            raise ValueError(f"cannot render {chapter.id}")
        return real(book, chapter, paths)

    monkeypatch.setattr(makebook.render.book, "render_chapter", render)
    with pytest.raises(ValueError, match=f"cannot render {broken}"):
        render_book(book)
