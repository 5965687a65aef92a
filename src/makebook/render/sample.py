"""The sample edition: the first chapters of the book and a page saying where to buy it."""

from __future__ import annotations

import uuid
from dataclasses import replace

from makebook.errors import error
from makebook.model import Book, Isbns


def make_sample(book: Book) -> Book:
    """A smaller Book; everything downstream (appendices, page-list) follows from it."""
    settings = book.sample
    body = [c for c in book.chapters if c.matter == "body"]
    if settings.chapters:
        by_path = {c.path.as_posix(): c for c in book.chapters}
        missing = [p for p in settings.chapters if p not in by_path]
        if missing:
            raise error(
                f"[sample] names '{missing[0]}', which is not in the reading order",
                hint="list chapter paths exactly as they are in [contents]",
            )
        chosen = {by_path[p].id for p in settings.chapters}
    else:
        chosen = {c.id for c in body[: settings.count]}
    chapters = tuple(c for c in book.chapters if c.matter == "front" or c.id in chosen)
    parts = tuple(
        replace(p, chapter_ids=tuple(i for i in p.chapter_ids if i in chosen))
        for p in book.parts
        if any(i in chosen for i in p.chapter_ids)
    )
    concepts = {c.id for c in chapters if c.kind == "concept"}
    chapters = tuple(
        replace(c, related=tuple(r for r in c.related if r in concepts)) for c in chapters
    )
    identifier = (
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'makebook-sample:' + book.meta.identifier)}"
    )
    meta = replace(book.meta, identifier=identifier, isbn="", isbns=Isbns())
    return replace(book, chapters=chapters, parts=parts, meta=meta, is_sample=True)
