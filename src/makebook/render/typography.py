"""Typographic quotes, dashes and ellipses for text that does not pass through Markdown.

Chapter bodies get these from Python-Markdown's smarty extension; titles,
taglines, metadata and bibliography fields get the same treatment here.
"""

from __future__ import annotations

import functools
from dataclasses import fields, replace
from typing import TypeVar

import smartypants

from makebook.model import Book, Chapter, Metadata, Work

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


# Python-Markdown's smarty writes these placeholders; `set_quotes` turns them into the
# book's quotation marks once it knows which are quotes and which are apostrophes.
OPEN_SINGLE, CLOSE_SINGLE, OPEN_DOUBLE, CLOSE_DOUBLE = "\ue001", "\ue002", "\ue003", "\ue004"
SMARTYPANTS_QUOTES = str.maketrans(
    {"\u2018": OPEN_SINGLE, "\u2019": CLOSE_SINGLE, "\u201c": OPEN_DOUBLE, "\u201d": CLOSE_DOUBLE}
)


# British usage opens with single quotes and nests double ones; American the reverse.
def set_quotes(chunks: list[str], style: str) -> list[str]:
    """Replace quote placeholders in a run of text chunks (one paragraph) with real marks.

    With double quotes first, placeholders map straight across. With single quotes
    first, what the author typed as "..." becomes ‘...’ and a quote typed as '...'
    becomes “...”; a closing single mark is a closing quote only while a single
    quote is open and no letter follows, otherwise it stays an apostrophe.
    """
    if style != "single":
        table = str.maketrans(
            {
                OPEN_SINGLE: "\u2018",
                CLOSE_SINGLE: "\u2019",
                OPEN_DOUBLE: "\u201c",
                CLOSE_DOUBLE: "\u201d",
            }
        )
        return [chunk.translate(table) for chunk in chunks]
    if not chunks:
        return []
    joined = "\x00".join(chunks)
    out: list[str] = []
    open_singles = 0
    for index, char in enumerate(joined):
        if char == OPEN_DOUBLE:
            out.append("\u2018")
        elif char == CLOSE_DOUBLE:
            out.append("\u2019")
        elif char == OPEN_SINGLE:
            open_singles += 1
            out.append("\u201c")
        elif char == CLOSE_SINGLE:
            following = joined[index + 1 : index + 2].replace("\x00", "")
            if open_singles and not (following and following.isalnum()):
                open_singles -= 1
                out.append("\u201d")
            else:
                out.append("\u2019")
        else:
            out.append(char)
    return "".join(out).split("\x00")


@functools.lru_cache(maxsize=16384)  # the same titles and fields, build after build
def smarten(text: str, style: str = "double") -> str:
    if not text:
        return text
    # smartypants works on HTML; keep `<` and `&` literal by escaping around it.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    result = smartypants.smartypants(escaped, ATTRS)
    result = result.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return set_quotes([result.translate(SMARTYPANTS_QUOTES)], style)[0]


def smarten_fields(item: T, style: str) -> T:
    names = TEXT_FIELDS[type(item)]
    assert all(name in {f.name for f in fields(item)} for name in names)
    return replace(item, **{name: smarten(getattr(item, name), style) for name in names})


def smarten_book(book: Book) -> Book:
    style = book.quotes
    meta = smarten_fields(book.meta, style)
    if meta.epigraph is not None:
        epigraph = meta.epigraph
        meta = replace(meta, epigraph=replace(epigraph, text=smarten(epigraph.text, style),
                                               source=smarten(epigraph.source, style)))  # fmt: skip
    return replace(
        book,
        meta=meta,
        chapters=tuple(smarten_fields(c, style) for c in book.chapters),
        works=tuple(smarten_fields(w, style) for w in book.works),
    )
