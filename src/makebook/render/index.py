"""The back-of-book index: built from the rendered pages, a pure transform.

Its entries are the terms the manuscript marks (manuscript/index_terms.py: spans and
divs with class `index`, which render/chapter.py gives ids and `data-index`), and,
each switchable in book.toml [index], every concept entry (its own pages, in bold),
every cited author and every cited film, at the citation. The appendix is written
once for every edition, in the EPUB Indexes 1.0 vocabulary (epub:type `index`,
`index-group`, `index-entry-list`, `index-entry`, `index-term`, `index-locator`,
`index-locator-range`, `index-xref-preferred`, `index-xref-related`); each locator is
a link to the marked place whose text is the name of its section. Where pages are
known, each writer relabels the locators with the same function,
`relabel_locators`: the PDFs with the printed page (attribute `data-folio`, filled in
by the layout), the EPUB with the print page of its page-list. Locators of one entry
that land on one page are printed once, and consecutive pages collapse into a range.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import jinja2
from lxml import etree

from makebook.manuscript.index_terms import SUBENTRY, index_wanted, mark_term, person_term
from makebook.model import Book, Page, Work, collation_key
from makebook.render.citations import work_anchor
from makebook.render.templating import render_fragment
from makebook.xhtml import EPUB_TYPE, E, parse_fragments

MARK_CLASS = "index"
END_SUFFIX = "-end"  # a range's end marker: the id of its start, and this
RANGE_DASH = "\u2013"
ARTICLES = {
    "en": ("the ", "a ", "an "),
    "fr": ("le ", "la ", "les ", "l'", "l\u2019", "un ", "une "),
    "de": ("der ", "die ", "das ", "ein ", "eine "),
    "es": ("el ", "la ", "los ", "las ", "un ", "una "),
}
ROMAN = re.compile(r"^[ivxlcdm]+$")


@dataclass(frozen=True)
class Locator:
    """One place an entry points to: a mark, a citation or a concept entry's pages."""

    target: str  # the id of the place
    place: str  # the name of its section (chapter title): the locator's text until pages are known
    end: str = ""  # the id where a range ends
    main: bool = False  # the entry's own pages (a concept entry): printed in bold
    front: bool = False  # in the front matter: roman page numbers


@dataclass
class Entry:
    term: str
    key: tuple[str, str]
    anchor: str
    title: bool = False  # a film's title: set in italics
    marked: bool = False  # spelled as a mark of the manuscript (not as a concept's title)
    locators: list[Locator] = field(default_factory=list)
    subentries: dict[str, Entry] = field(default_factory=dict)
    see: list[tuple[str, str]] = field(default_factory=list)  # (term, its entry's anchor)
    see_also: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sorted_subentries(self) -> list[Entry]:
        return sorted(self.subentries.values(), key=lambda e: e.key)


@dataclass(frozen=True)
class Group:
    letter: str
    anchor: str
    entries: tuple[Entry, ...]


def sort_key(term: str, mode: str = "word", language: str = "en") -> tuple[str, str]:
    """Where a heading files: word by word ("New York" before "Newark") or letter by
    letter (after it), up to the first comma ("Bowlby, John" under Bowlby); a leading
    article does not count ("The Still Face" under S); hyphens count as spaces word by
    word and not at all letter by letter."""
    text = collation_key(term.strip())
    for article in ARTICLES.get(language.split("-")[0].lower(), ARTICLES["en"]):
        if text.startswith(article) and len(text) > len(article):
            text = text[len(article) :]
            break
    head, _, rest = text.partition(",")

    def filed(part: str) -> str:
        if mode == "letter":
            return re.sub(r"[\W_]+", "", part)
        return " ".join(re.sub(r"[\W_]+", " ", part).split())

    return filed(head), filed(rest)


def group_letter(key: tuple[str, str]) -> str:
    first = key[0][:1]
    return first.upper() if first.isalpha() else "0\u20139"


def anchor_for(term: str, taken: set[str]) -> str:
    base = "index-" + (re.sub(r"[^a-z0-9]+", "-", collation_key(term)).strip("-") or "term")
    anchor, count = base, 1
    while anchor in taken:
        count += 1
        anchor = f"{base}-{count}"
    taken.add(anchor)
    return anchor


def marked_places(book: Book, pages: Sequence[Page]) -> Iterable[tuple[str, Locator, str]]:
    """(term, locator, what) for every mark, citation and concept entry, in reading
    order; `what` is "mark", "concept", "author" or "film"."""
    works = {work_anchor(w.id): w for w in book.works}
    concepts = (
        {c.id for c in book.chapters if c.kind == "concept"} if book.index.concepts else set()
    )
    for page in pages:
        if page.role == "appendix":
            continue
        front = page.matter == "front"
        if page.id in concepts:
            yield (
                page.title,
                Locator(page.id, page.title, page.id + END_SUFFIX, True, front),
                "concept",
            )
        trees = [etree.fromstring(page.html)]
        trees += [part for note in page.notes for part in parse_fragments(note.html)]
        for tree in trees:
            for element in tree.iter():
                if not isinstance(element.tag, str):
                    continue
                term, target = element.get("data-index"), element.get("id")
                marked = MARK_CLASS in (element.get("class") or "").split()
                if term and target and marked and element.tag in ("span", "div"):
                    end = target + END_SUFFIX if element.tag != "span" else ""
                    yield term, Locator(target, page.title, end, False, front), "mark"
                elif element.tag == "a" and element.get("class") == "cite" and target:
                    work = works.get(element.get("href", "")[1:])
                    what = "film" if work and work.is_film else "author"
                    for cited in cited_terms(book, work) if work else ():
                        yield cited, Locator(target, page.title, "", False, front), what


def cited_terms(book: Book, work: Work) -> list[str]:
    if work.is_film:
        return [work.title] if book.index.films else []
    people = work.authors or work.people("editor")
    return [person_term(p) for p in people] if book.index.authors else []


def build_index(book: Book, pages: Sequence[Page]) -> list[Group]:
    """The index's letter groups, each with its entries in filing order."""
    mode, language = book.index.sort, book.meta.language or "en"
    entries: dict[str, Entry] = {}
    taken: set[str] = set()

    def entry(term: str, what: str = "mark") -> Entry:
        """One entry for a heading however its case is written: a concept's title
        ("Emotional Neglect") takes the spelling of the marks ("emotional neglect")."""
        found = entries.get(term.casefold())
        if found is None:
            found = Entry(term, sort_key(term, mode, language), anchor_for(term, taken))
            entries[term.casefold()] = found
        if what == "mark" and not found.marked:
            found.term, found.marked = term, True
        found.title = found.title or what == "film"
        return found

    for term, locator, what in marked_places(book, pages):
        levels = [part for part in term.split(SUBENTRY) if part]
        if not levels:
            continue
        heading = entry(levels[0], what)
        if len(levels) == 1:
            heading.locators.append(locator)
            continue
        sub_term = ", ".join(levels[1:])  # deeper levels are printed as one sub-entry
        sub = heading.subentries.get(sub_term)
        if sub is None:
            sub = heading.subentries[sub_term] = Entry(
                sub_term, sort_key(sub_term, mode, language), anchor_for(term, taken)
            )
        sub.locators.append(locator)
    add_cross_references(book, entries, entry)
    groups: dict[str, list[Entry]] = {}
    for item in sorted(entries.values(), key=lambda e: e.key):
        groups.setdefault(group_letter(item.key), []).append(item)
    return [
        Group(letter, "index-group-" + re.sub(r"\W", "", letter.lower()), tuple(items))
        for letter, items in groups.items()
    ]


def add_cross_references(
    book: Book, entries: dict[str, Entry], entry: Callable[[str], Entry]
) -> None:
    known = dict(entries)  # a 'see' leads only to an entry with locators of its own
    for xref in book.index.xrefs:
        source = entry(xref.term)
        for target in xref.targets:
            found = known.get(target.casefold())
            if found is None:
                continue  # the loader warned: the index has no such term
            (source.see_also if xref.also else source.see).append((found.term, found.anchor))


def index_page(book: Book, env: jinja2.Environment, pages: Sequence[Page]) -> Page | None:
    """The Index appendix, or None when the book has none."""
    if not index_wanted(book):
        return None
    groups = build_index(book, pages)
    if not groups:
        return None
    page_id = "appendix-index"
    html = render_fragment(
        env, "index.xhtml.j2", page_id=page_id, title=book.index.title, groups=groups
    )
    return Page(page_id, book.index.title, "appendix", "back", html, landmark="index")


def with_end_markers(book: Book, page: Page) -> Page:
    """A concept entry's last words carry an empty marker, where its range of pages ends."""
    if not (index_wanted(book) and book.index.concepts):
        return page
    tree = etree.fromstring(page.html)
    body = tree.find(".//div[@class='chapter-body']")
    append_end_marker(body if body is not None else tree, page.id + END_SUFFIX)
    return replace(page, html=etree.tostring(tree, encoding="unicode"))


def append_end_marker(container: etree._Element, marker_id: str) -> None:
    """An empty span at the end of the container's last text, not a block of its own
    (which would take a line in the PDF)."""
    last = container
    while len(last) and isinstance(last[-1].tag, str) and last[-1].tag in BLOCKS:
        last = last[-1]
    last.append(E.span({"id": marker_id, "class": "index-end"}))


BLOCKS = {"div", "section", "p", "blockquote", "ul", "ol", "li", "dl", "dd", "aside", "figure"}


def mark_index_terms(body: etree._Element, chapter_id: str) -> None:
    """Marked spans and divs get the term they mark (`data-index`) and an id for the
    index's links; a div, a marker where its range ends."""
    count = 0
    for element in list(body.iter("span", "div")):
        if MARK_CLASS not in (element.get("class") or "").split():
            continue
        text = "" if element.tag == "div" else "".join(element.itertext())
        term = mark_term(text, {k: v for k, v in element.attrib.items() if k == "data-term"})
        element.attrib.pop("data-term", None)
        if not term:
            continue  # the loader warned
        element.set("data-index", term)
        count += 1
        if not element.get("id"):
            element.set("id", f"{chapter_id}-ix-{count}")
        if element.tag == "div":
            append_end_marker(element, element.get("id") + END_SUFFIX)


# --- page numbers, once a writer knows them ----------------------------------------


def label_value(label: str) -> tuple[int, int | str]:
    """How labels compare: arabic numbers, roman ones (front matter), other text."""
    if label.isdigit():
        return 1, int(label)
    if ROMAN.match(label):
        return 0, roman_value(label)
    return 2, label


ROMAN_DIGITS = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def roman_value(text: str) -> int:
    values = [ROMAN_DIGITS[c] for c in text]
    return sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0], strict=True))


def merged(items: Sequence[tuple[str, str, bool]]) -> list[tuple[int, int, bool]]:
    """Locators (start label, end label, main) in reading order, merged: one page
    printed once, consecutive pages as a range, a page inside the entry's own (bold)
    pages left out. Returns (index of the item giving the start, of the item giving the
    end, main) for each locator to print."""
    values = [(label_value(s), label_value(e or s), main) for s, e, main in items]
    # Pages in page order (a note's mark may come before the text's); section names in
    # reading order.
    order = sorted(
        range(len(items)),
        key=lambda i: ((2, i) if values[i][0][0] == 2 else values[i][0], not values[i][2]),
    )
    out: list[list] = []  # [start index, end index, main, start value, end value]
    for index in order:
        start, end, main = values[index]
        for run in out:
            if run[2] and not main and run[3] <= start and end <= run[4]:
                break  # inside the entry's own pages
        else:
            last = out[-1] if out else None
            if last and last[2] == main and adjoins(last[4], start):
                if end > last[4]:
                    last[1], last[4] = index, end
                continue
            out.append([index, index, main, start, end])
    return [(run[0], run[1], run[2]) for run in out]


def adjoins(before: tuple[int, int | str], after: tuple[int, int | str]) -> bool:
    """Whether a locator at `after` continues a run ending at `before`."""
    if before[0] != after[0]:
        return False
    if before[0] == 2:
        return before == after
    return after[1] <= before[1] + 1  # type: ignore[operator]


def relabel_locators(
    root: etree._Element, label_of: Callable[[etree._Element], str], attribute: str = ""
) -> None:
    """Every locator list of the index under `root`, merged by its labels: each locator's
    label is `label_of(link)`, written as the link's text, or into `attribute` (the PDFs'
    `data-folio`, printed by the stylesheets) with the text left out."""
    holders = [s for s in root.iter("span") if s.get("class") == "index-locators"]
    for holder in holders:
        pairs = []  # (the link a locator starts at, the link it ends at)
        for item in holder:
            found = [item] if item.tag == "a" else list(item.iter("a"))
            if found:
                pairs.append((found[0], found[-1]))
        items = [
            (label_of(s), label_of(e) if e is not s else "", "index-main" in (s.get("class") or ""))
            for s, e in pairs
        ]
        for child in list(holder):
            holder.remove(child)
        holder.text = None
        for number, (first, last, _) in enumerate(merged(items)):
            start = labelled(copy.deepcopy(pairs[first][0]), items[first][0], attribute)
            end_label = items[last][1] or items[last][0]
            if number:
                holder[-1].tail = ", "
            if end_label == items[first][0]:
                holder.append(start)
                continue
            end = labelled(copy.deepcopy(pairs[last][1]), end_label, attribute)
            start.tail = RANGE_DASH
            holder.append(
                E.span({"class": "index-range", EPUB_TYPE: "index-locator-range"}, start, end)
            )


def labelled(link: etree._Element, label: str, attribute: str) -> etree._Element:
    link.tail = None
    for child in list(link):
        link.remove(child)
    if attribute:
        link.text = ""  # `<a/>`, read as HTML, would open a link around what follows
        link.set(attribute, label)
    else:
        link.text = label
    return link
