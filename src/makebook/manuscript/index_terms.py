"""Index marks in the manuscript, read and checked where they are written.

A term is marked where the text discusses it, in pandoc's own syntax, so a manuscript
with index marks still converts with pandoc (which keeps the spans and divs, and their
text):

- `[secure base]{.index}`: the span's text is the term;
- `[Bowlby]{.index term="Bowlby, John"}`: the term is given;
- `term="attachment!secure"`: a sub-entry ("secure", under "attachment");
- `::: {.index term="repair"}` ... `:::`: a range, from the div's first page to its last.

'See' and 'see also' references are declared once, in book.toml ([index.see],
[index.see_also]). render/index.py builds the index from the rendered pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from makebook.errors import Problem
from makebook.manuscript.config import BOOK_TOML
from makebook.manuscript.syntax import FENCE_OPEN, fence_attributes, fence_roles, mask_code
from makebook.model import Book, IndexMark, Person

SPAN = re.compile(r"\[([^\[\]\n]+)\]\{([^{}\n]*)\}")  # as render/markdown_ext.py reads spans
SUBENTRY = "!"  # makeindex's and pandoc-index's level separator
INLINE_MARKUP = re.compile(r"[*_`]")
LONG_BOOK_WORDS = 30_000  # from here a term marked once may be worth a second look


def is_index(attrs: dict[str, str]) -> bool:
    return "index" in attrs.get("class", "").split()


def mark_term(text: str, attrs: dict[str, str]) -> str:
    """The term a span or div marks: its `term`, else the span's text without emphasis."""
    term = attrs.get("data-term")
    if term is None:
        term = INLINE_MARKUP.sub("", text)
    return SUBENTRY.join(" ".join(part.split()) for part in term.split(SUBENTRY))


def find_index_marks(body: str, body_line: int) -> Iterator[IndexMark]:
    """Every index span and div of a chapter body, in the order written (code aside)."""
    masked = mask_code(body)
    lines = masked.split("\n")
    for number, (line, role) in enumerate(zip(lines, fence_roles(lines), strict=True)):
        if role == "open":
            attrs = fence_attributes(FENCE_OPEN.match(line.strip()))  # type: ignore[arg-type]
            if is_index(attrs):
                yield IndexMark(mark_term("", attrs), body_line + number, is_range=True)
            continue
        for match in SPAN.finditer(line):
            if match[1].lstrip().startswith(("@", "-@")):
                continue  # a citation with a locator in braces, not a span
            attrs = fence_attributes(FENCE_OPEN.match("::: {" + match[2] + "}"))  # type: ignore[arg-type]
            if is_index(attrs):
                yield IndexMark(mark_term(match[1], attrs), body_line + number)


def person_term(person: Person) -> str:
    """How an author is indexed: family name first, the particle after the given name
    ("Kolk, Bessel van der"), as in the reading list."""
    if not person.family:
        return person.name
    given = " ".join(p for p in (person.given, person.particle) if p)
    family = person.bare_family if person.particle else person.family
    return f"{family}, {given}" if given else family


def automatic_terms(book: Book) -> set[str]:
    """The headings the index makes by itself: concepts, cited authors, films."""
    settings = book.index
    terms: set[str] = set()
    cited = {c.key for chapter in book.chapters for c in chapter.citations}
    if settings.concepts:
        terms |= {c.title for c in book.chapters if c.kind == "concept"}
    for work in book.works:
        if work.id not in cited:
            continue
        if work.is_film and settings.films:
            terms.add(work.title)
        elif not work.is_film and settings.authors:
            terms |= {person_term(p) for p in work.authors or work.people("editor")}
    return terms


def variant_key(term: str) -> str:
    """What two spellings of one term share: 'Co-regulation' and 'coregulation'."""
    return re.sub(r"[\W_]+", "", term.casefold())


def index_wanted(book: Book) -> bool:
    marked = any(chapter.index_marks for chapter in book.chapters)
    return book.index.enabled if book.index.enabled is not None else marked


def index_problems(book: Book) -> list[Problem]:
    """Marks with no term, 'see' targets the index does not have, and headings that differ
    only in case or spelling; with [index] warn_single, terms marked once in a long book."""
    if not index_wanted(book):
        return []
    problems = list(empty_marks(book))
    marked: dict[str, list[tuple[Path, int]]] = {}
    for chapter in book.chapters:
        for mark in chapter.index_marks:
            if mark.term and not any(not part for part in mark.term.split(SUBENTRY)):
                marked.setdefault(mark.term, []).append((chapter.path, mark.line))
    headings = {term.split(SUBENTRY)[0] for term in marked}
    folded = {heading.casefold() for heading in headings}
    # A concept's title and a mark that differ only in case are one entry (render/index.py).
    headings |= {t for t in automatic_terms(book) if t.casefold() not in folded}
    problems += missing_xref_targets(book, headings | set(marked))
    problems += spelling_variants(marked, headings)
    if book.index.warn_single and book_words(book) >= LONG_BOOK_WORDS:
        problems += [
            Problem(
                f"'{term}' is marked for the index only once in a long book",
                where[0][0],
                where[0][1],
                hint="mark the other places that discuss it, or leave it if once is right",
                severity="warning",
            )
            for term, where in marked.items()
            if len(where) == 1
        ]
    return problems


def empty_marks(book: Book) -> Iterable[Problem]:
    for chapter in book.chapters:
        for mark in chapter.index_marks:
            parts = mark.term.split(SUBENTRY)
            if not mark.term.strip() or any(not part for part in parts):
                what = "range" if mark.is_range else "span"
                yield Problem(
                    f"an index {what} with no term"
                    + (f" at one of its levels ('{mark.term}')" if mark.term.strip() else ""),
                    chapter.path,
                    mark.line,
                    hint='write ::: {.index term="the term"}'
                    if mark.is_range
                    else 'write [the words]{.index} or [words]{.index term="heading!sub-entry"}',
                    severity="warning",
                )


def missing_xref_targets(book: Book, terms: set[str]) -> Iterable[Problem]:
    folded = {t.casefold() for t in terms}
    for xref in book.index.xrefs:
        for target in xref.targets:
            if target.casefold() not in folded:
                key = "see_also" if xref.also else "see"
                yield Problem(
                    f"[index.{key}] sends '{xref.term}' to '{target}', "
                    "which the index does not have",
                    Path(BOOK_TOML),
                    xref.line,
                    hint="mark that term in the text, or correct the name",
                    severity="warning",
                )


def spelling_variants(
    marked: dict[str, list[tuple[Path, int]]], headings: set[str]
) -> list[Problem]:
    """Headings that differ only in case, hyphens or spaces, reported where the second
    one is first marked."""
    first_of: dict[str, str] = {}
    problems = []
    for term in sorted(headings, key=lambda t: (variant_key(t), t)):
        key = variant_key(term)
        other = first_of.setdefault(key, term)
        if other == term:
            continue
        where = marked.get(term) or next(
            (places for t, places in marked.items() if t.split(SUBENTRY)[0] == term), []
        )
        problems.append(
            Problem(
                f"the index has both '{other}' and '{term}': one term spelled two ways?",
                where[0][0] if where else None,
                where[0][1] if where else None,
                hint=f'use one spelling, or term="{other}" on this mark',
                severity="warning",
            )
        )
    return problems


def book_words(book: Book) -> int:
    return sum(len(chapter.markdown.split()) for chapter in book.chapters)
