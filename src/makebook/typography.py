"""Typographic quotes, dashes and ellipses for text that does not pass through Markdown.

Chapter bodies get these from Python-Markdown's smarty extension; titles,
taglines, metadata and bibliography fields get the same treatment here.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TypeVar

import smartypants

from .model import Book, Chapter, Metadata, Work

# Quotes, backticks, `--` en / `---` em dashes (as the smarty extension does), ellipses.
ATTRS = (
    smartypants.Attr.q
    | smartypants.Attr.b
    | smartypants.Attr.D
    | smartypants.Attr.e
    | smartypants.Attr.u
)

T = TypeVar("T", Chapter, Metadata, Work)

TEXT_FIELDS = {
    Chapter: ("title", "subtitle", "tagline"),
    Metadata: ("title", "subtitle", "rights", "description", "dedication", "publisher", "edition"),
    Work: ("title", "subtitle", "annotation", "publisher", "container_title"),
}


def smarten(text: str) -> str:
    if not text:
        return text
    # smartypants works on HTML; keep `<` and `&` literal by escaping around it.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    result = smartypants.smartypants(escaped, ATTRS)
    return result.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def smarten_fields(item: T) -> T:
    names = TEXT_FIELDS[type(item)]
    assert all(name in {f.name for f in fields(item)} for name in names)
    return replace(item, **{name: smarten(getattr(item, name)) for name in names})


def smarten_book(book: Book) -> Book:
    return replace(
        book,
        meta=smarten_fields(book.meta),
        chapters=tuple(smarten_fields(c) for c in book.chapters),
        works=tuple(smarten_fields(w) for w in book.works),
    )
