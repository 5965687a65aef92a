"""The generated reading appendices: suggested reading, films, works cited, concepts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from lxml import etree
from markupsafe import Markup

from makebook.cache import PRUNE_AFTER_SECONDS, modified_before
from makebook.model import Book, Page, Person, Work, collation_key
from makebook.render.citations import key_anchor, work_anchor
from makebook.render.csl import (
    CslFormatter,
    csl_locale,
    formatter_for,
    page_label,
    title_sort_key,
    work_sort_key,
)
from makebook.render.templating import render_fragment
from makebook.xhtml import parse_fragments


@dataclass(frozen=True)
class Entry:
    work: Work
    anchor: str
    citing: tuple[tuple[str, str], ...]  # (chapter title, id of the first citation there)
    with_names: str = ""  # co-authors, credited after the entry in the reading list
    directors: str = ""
    cast: str = ""
    text: Markup = Markup("")  # the entry as the book's citation style prints it (XHTML)

    @property
    def work_anchor(self) -> str:
        return work_anchor(self.work.id)


@dataclass(frozen=True)
class AuthorGroup:
    author: str
    entries: tuple[Entry, ...]


def citing_chapters(pages: Sequence[Page]) -> dict[str, tuple[tuple[str, str], ...]]:
    """For each cited work, the chapters that cite it and where, read from the rendered pages."""
    found: dict[str, list[tuple[str, str]]] = {}
    for page in pages:
        seen: set[str] = set()
        # A page's footnotes are kept beside its text (each writer places them): a work
        # cited only in a note is cited all the same.
        notes = [parse_fragments(note.html) for note in page.notes]
        links = [a for part in (etree.fromstring(page.html), *notes) for a in part.iter("a")]
        for link in (a for a in links if a.get("class") == "cite"):
            anchor = link.get("href", "")[1:]
            if anchor not in seen:
                seen.add(anchor)
                found.setdefault(anchor, []).append((page.title, link.get("id", page.id)))
    return {anchor: tuple(chapters) for anchor, chapters in found.items()}


def join_names(people: Sequence[Person]) -> str:
    names = [p.name for p in people]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def lead_people(work: Work) -> tuple[Person, ...]:
    """Who a work is listed under: its authors, else its editors, else a film's directors."""
    return (
        work.authors or work.people("editor") or (work.people("director") if work.is_film else ())
    )


def entry_anchor(work_id: str) -> str:
    """What a work's entry in Suggested Reading (`reading-...`) or Films (`film-...`) is
    named after."""
    return key_anchor(work_id)


def entry_for(work: Work, citing: dict[str, tuple[tuple[str, str], ...]], text: str = "") -> Entry:
    authors = lead_people(work)
    return Entry(
        text=Markup(text),  # XHTML made by render/csl.py from the style's output
        work=work,
        anchor=entry_anchor(work.id),
        citing=citing.get(work_anchor(work.id), ()),
        with_names=join_names(authors[1:]),
        directors=join_names(work.people("director")),
        cast=join_names(work.people("cast")),
    )


def reading_groups(
    book: Book, citing: dict[str, tuple[tuple[str, str], ...]], formatter: CslFormatter
) -> list[AuthorGroup]:
    """Books grouped under their first author; co-authors credited on the work; each
    entry as the style prints it, less the names the group's heading already gives."""
    settings = book.appendix("reading")
    language = book.meta.language or "en"
    listed = [w for w in book.works if not w.is_film and w.suggested]
    texts = formatter.entries_without_names(w.id for w in listed)
    groups: dict[tuple[str, str], tuple[Person, list[Entry]]] = {}
    for work in listed:
        people = work.authors or work.people("editor")
        lead = people[0] if people else Person(name="Anonymous")
        key = (lead.sort_key, lead.name.casefold())  # Muller and Müller: two people, filed together
        groups.setdefault(key, (lead, []))[1].append(entry_for(work, citing, texts[work.id]))
    ordered = list(groups.values())
    if settings.order == "alphabetical":
        ordered.sort(key=lambda group: group[0].sort_key)
        return [
            AuthorGroup(
                person.name,
                tuple(sorted(entries, key=lambda e: title_sort_key(e.work.title, language))),
            )
            for person, entries in ordered
        ]
    return [AuthorGroup(person.name, tuple(entries)) for person, entries in ordered]


def cited_works(
    book: Book, citing: dict[str, tuple[tuple[str, str], ...]], formatter: CslFormatter
) -> list[Entry]:
    """The works cited, each as the style prints it, in the style's order: by name
    (particles and leading articles aside) for an author-date or notes style, in
    first-cited order for a numbered one."""
    cited = [w for w in book.works if work_anchor(w.id) in citing]
    first_cited = list(citing)
    cited.sort(key=lambda w: first_cited.index(work_anchor(w.id)))
    texts = formatter.entries(w.id for w in cited)
    entries = [entry_for(w, citing, texts[w.id]) for w in cited]
    if formatter.is_numbered:
        return entries
    language = book.meta.language or "en"
    return sorted(entries, key=lambda entry: work_sort_key(entry.work, language))


def appendix_pages(
    book: Book, env: jinja2.Environment, chapters: Sequence[Page], memo: Path | None = None
) -> list[Page]:
    """Every enabled appendix that has entries, in a fixed order; with a `memo` folder,
    entries formatted in an earlier build are reused."""
    citing = citing_chapters(chapters)
    formatter = formatter_for(book)
    formatter.memo = memo
    films = [
        entry_for(w, citing)
        for w in book.works
        if w.is_film and (w.suggested or work_anchor(w.id) in citing)
    ]
    if book.appendix("films").order == "alphabetical":
        films.sort(key=lambda entry: title_sort_key(entry.work.title, book.meta.language or "en"))
    concepts = [c for c in book.chapters if c.kind == "concept"]
    content = {
        "reading": ("reading.xhtml.j2", {"groups": reading_groups(book, citing, formatter)}),
        "films": ("films.xhtml.j2", {"entries": films}),
        "cited": ("cited.xhtml.j2", {"entries": cited_works(book, citing, formatter)}),
        "glossary": (
            "glossary.xhtml.j2",
            {"concepts": sorted(concepts, key=lambda c: collation_key(c.title))},
        ),
    }
    marks = ("\u2018", "\u2019") if book.quotes == "single" else ("\u201c", "\u201d")
    label = page_label(csl_locale(book.meta.language or "en"))
    pages = []
    for settings in book.appendices:
        template, context = content[settings.key]
        if not settings.enabled or not next(iter(context.values())):
            continue
        page_id = f"appendix-{settings.key}"
        html = render_fragment(
            env,
            template,
            page_id=page_id,
            title=settings.title,
            quote_marks=marks,
            page_label=label,
            **context,
        )
        pages.append(
            Page(
                id=page_id,
                title=settings.title,
                role="appendix",
                matter="back",
                html=html,
                landmark="bibliography" if settings.key == "cited" else "",
            )
        )
    if memo is not None:
        forget_unused_entries(memo, formatter.memo_used)
    return pages


def forget_unused_entries(memo: Path, used: set[str]) -> None:
    """Entries of an older bibliography or style, once no build beside this one can
    still need them."""
    older_than = time.time() - PRUNE_AFTER_SECONDS
    for path in memo.glob("*.json") if memo.is_dir() else []:
        if path.name not in used and modified_before(path, older_than):
            path.unlink(missing_ok=True)
