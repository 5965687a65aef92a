"""Book -> RenderedBook: every page of the book, in reading order, as XHTML fragments."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from lxml import etree

from makebook.cache import PRUNE_AFTER_SECONDS, PageCache, render_context
from makebook.errors import Problem
from makebook.manuscript.isbns import copyright_lines, hyphenated
from makebook.model import Book, Chapter, Page, RenderedBook
from makebook.processes import fork_context, worker_pool
from makebook.render.aids import content_notes, inner_xhtml
from makebook.render.appendices import appendix_pages
from makebook.render.chapter import inline_markdown, render_chapter
from makebook.render.cover import book_cover
from makebook.render.crossref import resolve_book_crossrefs
from makebook.render.header_refs import link_across_chapters
from makebook.render.index import index_page, with_end_markers
from makebook.render.templating import environment, render_fragment
from makebook.render.typography import smarten_book
from makebook.xhtml import parse_fragments, rewritten_page, unwrap

BODY_FONTS = "Source Serif Pro and Source Sans Pro"


def front_pages(book: Book, env) -> list[Page]:  # type: ignore[no-untyped-def]
    meta = book.meta
    context = {
        "meta": meta,
        "year": meta.date[:4],
        "isbn_display": hyphenated(meta.isbns.print) if meta.isbns.print else "",
        "isbn_lines": copyright_lines(meta.isbns),
        "fonts": BODY_FONTS,
    }
    pages = [
        Page("halftitle", meta.title, "halftitle", "front",
             render_fragment(env, "halftitle.xhtml.j2", **context), in_toc=False),
        Page("titlepage", "Title Page", "titlepage", "front",
             render_fragment(env, "titlepage.xhtml.j2", **context), in_toc=False,
             landmark="titlepage"),
        Page("copyright", "Copyright", "copyright", "front",
             render_fragment(env, "copyright.xhtml.j2", **context), in_toc=False,
             landmark="copyright-page"),
    ]  # fmt: skip
    if meta.dedication:
        pages.append(
            Page("dedication", "Dedication", "dedication", "front",
                 render_fragment(env, "dedication.xhtml.j2", **context), in_toc=False)
        )  # fmt: skip
    if meta.epigraph:
        pages.append(
            Page("book-epigraph", "Epigraph", "epigraph", "front",
                 render_fragment(env, "epigraph.xhtml.j2", epigraph=meta.epigraph), in_toc=False)
        )  # fmt: skip
    return pages


CONTENT_NOTES_TITLE = "Content Notes"


def content_notes_page(book: Book, env) -> Page | None:  # type: ignore[no-untyped-def]
    """The chapters' content notes on one page of the front matter, when there are any."""
    chapters = content_notes(book.chapters)
    if not chapters:
        return None
    notes = [
        {
            "id": c.id,
            "title": c.title,
            "note": inner_xhtml(inline_markdown(c.content_note, book.quotes)),
        }
        for c in chapters
    ]
    html = render_fragment(
        env,
        "content-notes.xhtml.j2",
        page_id="content-notes",
        title=CONTENT_NOTES_TITLE,
        notes=notes,
    )
    return Page("content-notes", CONTENT_NOTES_TITLE, "content-notes", "front", html)


def body_start(pages: list[Page], page: Page) -> Page:
    """The first page of the body carries the `bodymatter` landmark."""
    if any(p.landmark == "bodymatter" for p in pages):
        return page
    return replace(page, landmark="bodymatter")


def sample_end(book: Book, env) -> Page:  # type: ignore[no-untyped-def]
    title = f"The Full Book: {book.meta.title}"
    html = render_fragment(
        env, "sample-end.xhtml.j2", title=title, message=book.sample.message, url=book.sample.url
    )
    return Page("sample-end", title, "sample-end", "back", html)


def live_links(pages: list[Page], chapters: Sequence[Chapter] = ()) -> list[Page]:
    """Every link leads somewhere: to an id in the book, or to the web. Others are unlinked,
    with a warning at the chapter line that writes the link. Footnotes (kept beside each
    page's text) are read and mended too."""
    written_in = {chapter.id: chapter for chapter in chapters}
    trees = [etree.fromstring(page.html) for page in pages]
    notes = [[parse_fragments(note.html) for note in page.notes] for page in pages]
    every = [*trees, *(tree for trees_of_page in notes for tree in trees_of_page)]
    ids = {e.get("id") for tree in every for e in tree.iter() if isinstance(e.tag, str)}
    ids |= {note.id for page in pages for note in page.notes}
    result = []
    for page, tree, note_trees in zip(pages, trees, notes, strict=True):
        dead = dead_links(tree, ids)
        dead_in_notes = [dead_links(note, ids) for note in note_trees]
        every_dead = [*dead, *(link for links in dead_in_notes for link in links)]
        if not every_dead:
            result.append(page)
            continue
        chapter = written_in.get(page.id)
        warnings = [
            Problem(
                f"link to '{link.get('href', '')}' left out: it leads to nothing in the book",
                chapter.path if chapter else None,
                link_line(chapter, link.get("href", "")) if chapter else None,
                hint="link to a chapter (file.md or file.md#heading), a heading of this "
                "chapter (#its-id) or a web address",
                severity="warning",
            )
            for link in every_dead
            if not is_citation(link)  # Works Cited switched off: the author's choice
        ]
        for link in every_dead:
            unwrap(link)
        result.append(rewritten_page(page, tree, note_trees, dead_in_notes, warnings))
    return result


def is_citation(link: etree._Element) -> bool:
    """A citation's link to its work in Works Cited, which makebook wrote, not the author."""
    return "cite" in (link.get("class") or "").split()


def dead_links(tree: etree._Element, ids: set[str | None]) -> list[etree._Element]:
    return [
        link
        for link in tree.iter("a")
        if not (href := link.get("href", "")).startswith(("http://", "https://", "mailto:"))
        and not (href.startswith("#") and href[1:] in ids)
    ]


PARALLEL_FROM = 6  # chapters to render before worker processes are worth starting


def rendered_chapters(book: Book, paths: dict[str, str], indexes: list[int]) -> Iterator[Page]:
    """The chapters at `indexes`, rendered in order: by worker processes (one a core)
    when there are enough of them; Python-Markdown holds one core at a time."""
    context = fork_context() if len(indexes) >= PARALLEL_FROM else None
    if context is None:
        yield from (render_chapter(book, book.chapters[i], paths) for i in indexes)
        return
    with worker_pool(context, hold_book, (book, paths)) as pool:
        yield from pool.map(render_in_worker, indexes, chunksize=2)


WORKER_BOOK: list[tuple[Book, dict[str, str]]] = []  # in a worker: the book it was forked with


def hold_book(book: Book, paths: dict[str, str]) -> None:
    WORKER_BOOK.append((book, paths))


def render_in_worker(index: int) -> Page:
    book, paths = WORKER_BOOK[0]
    return render_chapter(book, book.chapters[index], paths)


def link_line(chapter: Chapter, href: str) -> int | None:
    """Where the chapter writes a link: `(href` in the Markdown, or a reference's `: href`."""
    return (
        chapter.line_with(f"({href}") or chapter.line_with(f": {href}") or chapter.line_with(href)
    )


PART_LABEL = re.compile(r"(?P<label>\S+(?:\s+\S+){0,2}?)\s*:\s+(?P<name>\S.*)", re.DOTALL)


def part_label_and_name(title: str) -> tuple[str, str]:
    """A part's title as its page sets it: the label ("Part Two", "Deuxième partie") and the
    name ("A Small Lexicon of Being Seen") on lines of their own; ("", title) without a
    short label before a colon."""
    match = PART_LABEL.fullmatch(title.strip())
    if match is None:
        return "", title
    return match["label"], match["name"].strip()


def render_book(
    book: Book, progress: Callable[..., None] = lambda *_: None, cache: Path | None = None
) -> RenderedBook:
    """Every page of the book; with a cache folder, chapters rendered before are reused."""
    book = smarten_book(book)
    env = environment(book.styles_dir.parent / "templates")
    paths = {c.path.as_posix(): c.id for c in book.chapters}
    store = PageCache(cache, render_context(book)) if cache is not None else None
    chapters: dict[str, Page] = {}
    todo: list[tuple[int, str]] = []  # index in the book, cache key
    for index, chapter in enumerate(book.chapters):
        key = store.key(chapter) if store else ""
        page = store.get(key) if store else None
        if page is None:
            todo.append((index, key))
        else:
            chapters[chapter.id] = page
    for done, ((index, key), page) in enumerate(
        zip(todo, rendered_chapters(book, paths, [i for i, _ in todo]), strict=True)
    ):
        progress(f"Rendering {page.title}", done, len(todo))
        if store:
            store.put(key, page)
        chapters[book.chapters[index].id] = page
    chapters = {chapter.id: chapters[chapter.id] for chapter in book.chapters}  # book order
    chapters = resolve_book_crossrefs(book.chapters, chapters)  # numbers across chapters
    chapters = dict(zip(chapters, link_across_chapters(list(chapters.values())), strict=True))
    chapters = {
        key: with_end_markers(book, page) if book.chapter(key).kind == "concept" else page
        for key, page in chapters.items()
    }
    if store:
        store.prune(time.time() - PRUNE_AFTER_SECONDS)
    parts = {p.id: p for p in book.parts}

    pages = front_pages(book, env)
    notes_page = content_notes_page(book, env)
    if notes_page is not None:  # after the contents, before the preface
        pages.append(notes_page)
    pages.extend(chapters[c.id] for c in book.chapters if c.matter == "front")
    body = [c for c in book.chapters if c.matter == "body"]
    opened: set[str] = set()
    for chapter in body:
        if chapter.part and chapter.part not in opened:
            opened.add(chapter.part)
            part = parts[chapter.part]
            label, part_name = part_label_and_name(part.title)
            html = render_fragment(
                env, "part.xhtml.j2", part=part, label=label, part_name=part_name
            )
            pages.append(body_start(pages, Page(part.id, part.title, "part", "body", html)))
        pages.append(body_start(pages, chapters[chapter.id]))
    memo = cache / "entries" if cache is not None else None  # formatted bibliography entries
    pages.extend(appendix_pages(book, env, list(chapters.values()), memo))
    index = index_page(
        book, env, [*pages, *(chapters[c.id] for c in book.chapters if c.matter == "back")]
    )
    if index is not None:
        pages.append(index)
    pages.extend(chapters[c.id] for c in book.chapters if c.matter == "back")
    if book.is_sample:
        pages.append(sample_end(book, env))
    cover = book_cover(book, cache)
    return RenderedBook(book=book, pages=tuple(live_links(pages, book.chapters)), cover=cover)
