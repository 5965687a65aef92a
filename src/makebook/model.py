"""The in-memory book: plain, typed data with no I/O.

The loader builds these objects from the manuscript; transforms read them and
return new ones; writers only consume them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from makebook.errors import Problem

ChapterKind = Literal["essay", "concept", "note"]
Matter = Literal["front", "body", "back"]

CHAPTER_KINDS: tuple[str, ...] = ("essay", "concept", "note")


def collation_key(text: str) -> str:
    """`text` as a reader looks it up in a list: case and accents aside, so "Élise" files
    under E, before "Insomnia", as in a library (a plain code-point sort puts it after Z)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Person:
    """A named person; `family`/`given` drive sorting, `name` is what readers see."""

    name: str
    family: str = ""
    given: str = ""
    # The leading words of `family` that are a particle (BibTeX's von part, CSL's
    # particles): "van der" of "van der Kolk". Dropping ones print after the given name
    # when inverted ("Kolk, Bessel van der"); neither counts for sorting, as in Chicago.
    particle: str = field(default="", compare=False)
    particle_drops: bool = field(default=False, compare=False)
    suffix: str = field(default="", compare=False)  # "Jr."

    @property
    def bare_family(self) -> str:
        """The family name without its particle: what a name is sorted under."""
        if self.particle and self.family.startswith(self.particle + " "):
            return self.family[len(self.particle) + 1 :]
        return self.family

    @property
    def sort_key(self) -> str:
        if self.family:
            return collation_key(f"{self.bare_family}, {self.given} {self.particle}".strip())
        return collation_key(self.name)


@dataclass(frozen=True)
class Contributor:
    person: Person
    role: str  # author, editor, translator, director, cast


@dataclass(frozen=True)
class Work:
    """One bibliography entry: a book, film, article..."""

    id: str
    type: str  # book, film, article, chapter, webpage, other
    title: str
    source: Path
    line: int
    subtitle: str = ""
    contributors: tuple[Contributor, ...] = ()
    year: str = ""
    publisher: str = ""
    container_title: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""  # as printed: a range with an en dash
    edition: str = ""
    place: str = ""  # where published (BibTeX `address`/`location`, CSL `publisher-place`)
    doi: str = ""  # bare, without the https://doi.org/ prefix
    isbn: str = ""
    url: str = ""
    annotation: str = ""
    suggested: bool = False
    # What the citation styles need beyond the fields above: the source's exact CSL
    # type ("article-journal", "paper-conference", "thesis"...; empty: from `type`) and
    # other CSL variables as (name, value) pairs: issued (an ISO date), collection-title...
    csl_type: str = field(default="", compare=False)
    csl_extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def people(self, role: str) -> tuple[Person, ...]:
        return tuple(c.person for c in self.contributors if c.role == role)

    @property
    def authors(self) -> tuple[Person, ...]:
        return self.people("author")

    @property
    def is_film(self) -> bool:
        return self.type == "film"


@dataclass(frozen=True)
class Citation:
    """One `@key` inside a `[...]` citation, where it stands in the manuscript."""

    key: str
    line: int
    locator: str = ""
    column: int | None = field(default=None, compare=False)  # where, not what: not compared
    prefix: str = ""
    suppress_author: bool = False


@dataclass(frozen=True)
class ImageRef:
    path: str  # as written in the chapter
    alt: str | None
    line: int
    resolved: str = ""  # manuscript-relative, set by the loader once the file is found


@dataclass(frozen=True)
class Epigraph:
    text: str
    source: str = ""


@dataclass(frozen=True)
class IndexMark:
    """A term marked for the index where the chapter discusses it: a bracketed span
    `[text]{.index}` (a point) or a fenced div `::: {.index term="..."}` (a range)."""

    term: str  # "attachment!secure": heading, then sub-entry
    line: int
    is_range: bool = False


@dataclass(frozen=True)
class Chapter:
    """A chapter as the author wrote it, plus what the loader learned from it."""

    id: str
    kind: ChapterKind
    title: str
    path: Path  # relative to the manuscript folder
    markdown: str
    body_line: int  # 1-based line of the first body line in the file
    matter: Matter = "body"
    part: str | None = None  # id of the part it belongs to
    subtitle: str = ""
    tagline: str = ""
    epigraph: Epigraph | None = None
    related: tuple[str, ...] = ()
    content_note: str = ""  # e.g. "discusses childhood neglect": shown before the chapter opens
    further_reading: tuple[str, ...] = ()  # work ids, listed at the chapter's end
    citations: tuple[Citation, ...] = ()
    images: tuple[ImageRef, ...] = ()
    headings: tuple[tuple[str, int], ...] = ()  # (text, line) of `##` headings
    links: tuple[tuple[str, int], ...] = ()  # (target, line) of links to other .md files
    key_lines: tuple[tuple[str, int], ...] = ()  # front-matter key -> its line in the file
    index_marks: tuple[IndexMark, ...] = ()  # in the order written

    def line_of(self, key: str) -> int:
        return dict(self.key_lines).get(key, 2)

    def line_with(self, text: str) -> int | None:
        """The file's first line, in the body, that holds `text` (for a warning found in
        the rendered page, where the Markdown's lines are gone)."""
        for index, line in enumerate(self.markdown.split("\n")):
            if text and text in line:
                return self.body_line + index
        return None


@dataclass(frozen=True)
class Part:
    id: str
    title: str
    chapter_ids: tuple[str, ...]


@dataclass(frozen=True)
class AppendixSettings:
    key: str  # reading, films, cited, glossary
    title: str
    enabled: bool = True
    order: str = "as-listed"  # reading only: as-listed | alphabetical


Opening = Literal["right", "any"]  # on a recto, or on the next page
# What [pdf] openers sets, one value a kind: the chapter kinds and the appendices.
OPENER_KINDS: tuple[str, ...] = (*CHAPTER_KINDS, "appendix")


@dataclass(frozen=True)
class Openers:
    """[pdf] openers: where each kind of division opens in the print edition: "right", on
    a recto (a blank verso before it when needed), or "any", on the next page.

    Parts, the first page of the body and the division after a part's page always open
    on a recto, and the front matter keeps its own order (pdf/document.py).
    """

    essay: Opening = "right"
    concept: Opening = "right"
    note: Opening = "right"
    appendix: Opening = "right"

    def on_any_page(self, kind: str) -> bool:
        """Whether a division of `kind` (a chapter kind, or "appendix") may open on a verso."""
        return kind in OPENER_KINDS and getattr(self, kind) == "any"


@dataclass(frozen=True)
class IndexCrossRef:
    """A 'see' or 'see also' reference of the index, declared in book.toml [index]."""

    term: str
    targets: tuple[str, ...]
    line: int | None
    also: bool  # see also (the term has locators of its own) rather than see


@dataclass(frozen=True)
class IndexSettings:
    """[index]: the back-of-book index (render/index.py builds it)."""

    enabled: bool | None = None  # None: when the manuscript marks a term
    title: str = "Index"
    sort: str = "word"  # word (word by word) | letter (letter by letter)
    concepts: bool = True  # every concept entry, its own pages in bold
    authors: bool = True  # every cited author
    films: bool = True  # every cited film
    xrefs: tuple[IndexCrossRef, ...] = ()
    warn_single: bool = False  # warn about terms marked once, in a long book


@dataclass(frozen=True)
class PdfSettings:
    width: str = "6in"
    height: str = "9in"
    isbn: str = ""  # the print edition's ISBN: the EPUB's page numbers come from it
    inside: str = "0.75in"  # inside margin, widened to what print-on-demand needs
    bleed: str = ""  # e.g. "0.125in" for artwork running off the page edge
    marks: bool = False  # crop marks (leave off for print-on-demand uploads)
    screen_size: str = "trim"  # the screen edition's page: trim, letter or a4
    drop_caps: bool = False
    prompt_lines: int = 4  # write-in lines under each reflection prompt (print edition only)
    figure_shrink: float = 1.0  # a figure may be drawn this much smaller to fit under the text
    color: bool = False  # [print] color: a colour interior in CMYK (default: greyscale)
    openers: Openers = field(default_factory=Openers)  # which divisions open on a recto


@dataclass(frozen=True)
class Hyphenation:
    """[typography]: how the PDFs break words at the end of a line (render/hyphenation.py).

    The EPUB leaves hyphenation to the reading system, which knows its reader's settings.
    """

    exceptions: tuple[str, ...] = ()  # hyphenate = ["at-tune-ment"]: a word's only breaks
    never: tuple[str, ...] = ()  # never_hyphenate = ["Hogarth"]: words never broken
    # hyphenate_capitalised: break words that start with a capital; None: by the text's
    # language (German capitalises its nouns: yes; English, where capitals mark names: no)
    capitalised: bool | None = None


@dataclass(frozen=True)
class PrintSettings:
    """[print]: what the print-on-demand service needs to know for the cover (pdf/cover.py)."""

    paper: str = "white"  # white, cream or premium-color: the spine's thickness per page
    service: str = "kdp"  # whose published paper thickness and barcode rules apply


@dataclass(frozen=True)
class Accessibility:
    """What the author declares beyond what makebook can tell from the book itself."""

    summary: str = ""  # replaces the generated accessibilitySummary
    hazards: tuple[str, ...] = ("none",)
    conforms_to: str = ""  # e.g. "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
    certified_by: str = ""
    exemption: str = ""  # European Accessibility Act exemption, e.g. "eaa-microenterprise"


@dataclass(frozen=True)
class SampleSettings:
    """A free sample: the first chapters and a closing page saying where the book is sold."""

    chapters: tuple[str, ...] = ()  # chapter paths; empty = the first `count` body chapters
    count: int = 2
    message: str = (
        "You have been reading a sample. The full book is available wherever books are sold."
    )
    url: str = ""


@dataclass(frozen=True)
class Isbns:
    """Each edition's ISBN-13, "" for none (manuscript/isbns.py reads and checks them)."""

    epub: str = ""
    print: str = ""  # the paperback: its cover's barcode, the EPUB's pageBreakSource
    screen: str = ""
    shared: bool = False  # the older single [book] isbn, used by the EPUB and print alike


@dataclass(frozen=True)
class Metadata:
    title: str
    language: str
    identifier: str
    authors: tuple[Person, ...]
    subtitle: str = ""
    isbn: str = ""
    publisher: str = ""
    date: str = ""
    rights: str = ""
    description: str = ""
    subjects: tuple[str, ...] = ()
    cover: str = ""
    dedication: str = ""
    epigraph: Epigraph | None = None  # the book's own epigraph, on a page after the dedication
    edition: str = ""
    accessibility: Accessibility = field(default_factory=Accessibility)
    isbns: Isbns = field(default_factory=Isbns)

    @property
    def author_line(self) -> str:
        names = [p.name for p in self.authors]
        if len(names) <= 2:
            return " and ".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Book:
    """Everything the loader read: settings, chapters in reading order, works."""

    root: Path  # the manuscript folder
    styles_dir: Path
    meta: Metadata
    chapters: tuple[Chapter, ...]
    parts: tuple[Part, ...]
    works: tuple[Work, ...]
    appendices: tuple[AppendixSettings, ...]
    pdf: PdfSettings = field(default_factory=PdfSettings)
    printing: PrintSettings = field(default_factory=PrintSettings)  # [print]
    quotes: str = "double"  # which quotation marks open: "double" (US) or "single" (UK)
    hyphenation: Hyphenation = field(default_factory=Hyphenation)  # [typography], PDFs only
    sample: SampleSettings = field(default_factory=SampleSettings)
    citation_style: str = "chicago-author-date"  # [bibliography] style: a name or a .csl path
    is_sample: bool = False  # set by sample.make_sample: adds the closing page
    index: IndexSettings = field(default_factory=IndexSettings)

    def chapter(self, chapter_id: str) -> Chapter:
        for chapter in self.chapters:
            if chapter.id == chapter_id:
                return chapter
        raise KeyError(chapter_id)

    def work(self, work_id: str) -> Work:
        for work in self.works:
            if work.id == work_id:
                return work
        raise KeyError(work_id)

    def appendix(self, key: str) -> AppendixSettings:
        for settings in self.appendices:
            if settings.key == key:
                return settings
        raise KeyError(key)


# --- what the transform stage produces -------------------------------------


@dataclass(frozen=True)
class Note:
    """A footnote: `id` is book-unique; `html` is an XHTML fragment (its paragraphs)."""

    id: str
    ref_id: str
    number: int
    html: str


@dataclass(frozen=True)
class Page:
    """One reading unit: a generated page, a part opener, a chapter or an appendix.

    `html` is a well-formed XHTML fragment: a single `<section>` whose `id`
    equals `id`. Links inside point at book-unique ids as `#id`; each writer
    resolves them for its own layout.
    """

    id: str
    title: str
    role: str  # cover, titlepage, copyright, dedication, toc, part, chapter, appendix...
    matter: Matter
    html: str
    notes: tuple[Note, ...] = ()
    in_toc: bool = True
    toc_level: int = 1
    landmark: str = ""  # epub:type for the landmarks nav, if any
    warnings: tuple[Problem, ...] = ()  # found while rendering: reported with the build


@dataclass(frozen=True)
class PageStart:
    """Where a printed page begins: its folio, the reading unit and the first words on it.

    Read from the PDF layout; the EPUB writer turns these into page-list markers.
    `snippet` is empty for a page with no text of its own (a blank verso).
    """

    label: str
    page_id: str | None
    snippet: str


@dataclass(frozen=True)
class Cover:
    data: bytes
    media_type: str
    file_name: str
    alt: str


@dataclass(frozen=True)
class RenderedBook:
    """The book after all transforms: pages in reading order, ready for writers."""

    book: Book
    pages: tuple[Page, ...]
    cover: Cover | None = None
    warnings: tuple[str, ...] = ()

    @property
    def meta(self) -> Metadata:
        return self.book.meta
