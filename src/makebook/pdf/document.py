"""The PDF writer: one XHTML document of the whole book, laid out by WeasyPrint.

Page design lives in styles/pdf.css. This module only assembles the document
(title pages, table of contents, notes at their call sites) and makes sure
WeasyPrint reads nothing but the book's own files and the installed fonts.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import pydyf
from lxml import etree
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from makebook.cache import file_digest, tree_files, versions
from makebook.editions import BY_NAME, PRINT, SCREEN, Edition
from makebook.errors import ManuscriptError, Problem, error
from makebook.manuscript.config import length_in_inches
from makebook.manuscript.styles import (
    DEFAULT_STYLES,
    OPENS_ANY_CLASS,
    find_font,
    font_dirs,
    stylesheets,
)
from makebook.manuscript.svg import MATHML_NS, clean_svg_file
from makebook.model import (
    Book,
    Hyphenation,
    Metadata,
    Openers,
    Page,
    PdfSettings,
    RenderedBook,
)
from makebook.pdf import figures, math
from makebook.pdf.artifacts import mark_artifacts
from makebook.pdf.index_pages import folios_of, with_index_folios
from makebook.pdf.pagemap import page_starts
from makebook.pdf.weasy import hyphenating, notes_and_headers_tagged
from makebook.render.hyphenation import hyphenator, keep_last_words_whole
from makebook.render.templating import environment, render_fragment
from makebook.xhtml import E, parse_fragments

FRONT_GENERATED = {"halftitle", "titlepage", "copyright", "dedication", "epigraph"}


class BookFetcher(URLFetcher):
    """Serves only local files of the book, its styles and fonts; never the network."""

    def __init__(self, roots: list[Path], styles_dir: Path) -> None:
        super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
        self.roots = [r.resolve() for r in roots]
        self.styles_dir = styles_dir.resolve()
        # A url() in a built-in stylesheet is relative to the built-in design's folder.
        self.style_dirs = list(dict.fromkeys([self.styles_dir, DEFAULT_STYLES.resolve()]))

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"refusing to fetch {url}: a build never uses the network")
        path = Path(unquote(parts.path)).resolve()
        for folder in self.style_dirs:
            if path.is_relative_to(folder) and not path.is_file():
                font = find_font(self.styles_dir, path.relative_to(folder).as_posix())
                # Resolved like the roots: a font folder reached through a symlink (a
                # linked virtual environment) is still one of them.
                path = font.resolve() if font else path
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"refusing to read {path}: outside the book's folder")
        data = path.read_bytes()
        if path.suffix.lower() == ".svg":
            data, _ = clean_svg_file(data)  # as inert in print as in the EPUB
        return URLFetcherResponse(path.as_uri(), data)


def toc_fragment(env: jinja2.Environment, pages: list[Page]) -> str:
    entries = [
        {"id": p.id, "title": p.title, "level": p.toc_level,
         "matter": "part" if p.role == "part" else p.matter}
        for p in pages
        if p.in_toc
    ]  # fmt: skip
    return render_fragment(env, "toc.xhtml.j2", title="Contents", entries=entries)


def place_footnotes(section: etree._Element, page: Page) -> None:
    """Put each note's text where it is called: CSS floats it to the page foot."""
    notes = {n.id: n for n in page.notes}
    for link in section.xpath(".//a[@class='noteref']"):
        note = notes.get(link.get("href", "")[1:])
        if note is None:
            continue
        span = E.span({"class": "footnote", "id": note.id})
        for paragraph in parse_fragments(note.html):
            paragraph.tag = "span"
            paragraph.set("class", "fn-p")
            span.append(paragraph)
        holder = link.getparent() if link.getparent().tag == "sup" else link
        span.tail = holder.tail
        holder.getparent().replace(holder, span)


def number_lists(section: etree._Element) -> None:
    """An ordered list that starts at 3, c or iii (pandoc's startnum) starts there in
    print too: WeasyPrint reads `start` only as a presentational hint, which makebook
    leaves off (it would read HTML widths and alignments as well)."""
    for ordered in section.iter("ol"):
        start = ordered.get("start", "")
        if re.fullmatch(r"-?\d{1,9}", start):
            reset = f"counter-reset: list-item {int(start) - 1}"
            ordered.set("style", "; ".join(filter(None, (ordered.get("style"), reset))))


def add_drop_cap(section: etree._Element) -> None:
    """The first letter of an essay's opening paragraph, with any opening quote, as a drop cap,
    and the words after it as a lead-in (`span.lead-in`, small capitals in pdf.css).

    A floated span, not ::first-letter, which WeasyPrint sets over the first line.
    """
    if "kind-essay" not in (section.get("class") or ""):
        return
    paragraph = section.find("./div[@class='chapter-body']/p")
    text = paragraph.text if paragraph is not None else None
    match = re.match(r"^(\s*[\u2018\u201c\"'(]?\w)", text or "")
    if paragraph is None or match is None:
        return
    letter = E.span({"class": "dropcap"}, match.group(1).strip())
    rest = text[match.end() :]  # type: ignore[index]
    # The rest of the first word and the word after it lead in, in small capitals.
    words = re.match(r"\S*(?:\s+\S+)?", rest)
    lead = words.group(0) if words else ""
    paragraph.text = None
    paragraph.insert(0, letter)
    if lead.strip():
        lead_in = E.span({"class": "lead-in"}, lead)
        lead_in.tail = rest[len(lead) :]
        letter.addnext(lead_in)
    else:
        letter.tail = rest
    paragraph.set("class", (paragraph.get("class", "") + " has-dropcap").strip())


@dataclass(frozen=True)
class Division:
    """A section of the PDF document: a page of the book, or the printed contents."""

    id: str
    matter: str
    element: etree._Element
    any_page: bool = False  # in print it may open on a verso ([pdf] openers = "any")


def opens_on_any_page(
    openers: Openers, kinds: dict[str, str], page: Page, before: Page | None
) -> bool:
    """Whether a division may open on a verso in print, by [pdf] openers.

    Only chapters and appendices may: a part's page, the body's first page and the
    division after a part's page open on a recto whatever the setting (a part's page
    stands alone, its back blank), and the front matter keeps its order of rectos.
    """
    if page.matter == "front" or page.role == "part" or before is None or before.role == "part":
        return False
    if before.matter == "front":  # the body's first page
        return False
    kind = "appendix" if page.role == "appendix" else kinds.get(page.id, "")
    return openers.on_any_page(kind)


def book_divisions(rendered: RenderedBook, env: jinja2.Environment) -> list[Division]:
    """Every section of the PDF in reading order, with the printed contents in its place."""
    pages = list(rendered.pages)
    divisions: list[Division] = []
    toc_done = started_body = False
    openers, kinds = rendered.book.pdf.openers, {c.id: c.kind for c in rendered.book.chapters}
    for index, page in enumerate(pages):
        if not toc_done and page.role not in FRONT_GENERATED:
            divisions.append(Division("toc", "front", etree.fromstring(toc_fragment(env, pages))))
            toc_done = True
        section = etree.fromstring(page.html)
        if page.matter == "front" and page.role not in FRONT_GENERATED:
            section.set("class", section.get("class", "") + " frontmatter")
        if page.matter == "body" and not started_body:
            section.set("class", section.get("class", "") + " body-start")
            started_body = True
        place_footnotes(section, page)
        keep_last_words_whole(section)
        number_lists(section)
        for formula in list(section.iter(f"{{{MATHML_NS}}}math")):
            formula.getparent().replace(formula, math.typeset(formula))
        for empty in section.xpath(
            ".//div[not(node())] | .//span[not(node())] | .//a[not(node())]"
        ):
            empty.text = ""  # `<div/>` read as HTML opens a div that takes what follows
        if rendered.book.pdf.drop_caps and page.role == "chapter":
            add_drop_cap(section)
        any_page = opens_on_any_page(openers, kinds, page, pages[index - 1] if index else None)
        if any_page:  # print.css: `break-before: page` instead of `right`
            section.set("class", section.get("class", "") + " " + OPENS_ANY_CLASS)
        divisions.append(Division(page.id, page.matter, section, any_page))
    mark_links_to_front_matter(divisions)
    return divisions


TO_FRONT_CLASS = "to-front"  # print.css: a page reference to it prints a roman folio


def mark_links_to_front_matter(divisions: list[Division]) -> None:
    """A link to a page of the front matter has the class `to-front`: its folio is roman
    ("see page xi"), which only the target knows, and CSS reads classes, not targets."""
    front = {
        id_
        for division in divisions
        if division.matter == "front"
        for id_ in division.element.xpath(".//@id | @id")
    }
    for division in divisions:
        for link in division.element.iter("a"):
            href = link.get("href", "")
            if href.startswith("#") and href[1:] in front:
                link.set("class", f"{link.get('class', '')} {TO_FRONT_CLASS}".strip())


def html_document(meta: Metadata, edition: str, sections: Iterable[etree._Element]) -> str:
    return serialized(html_tree(meta, edition, sections))


def serialized(document: etree._Element) -> str:
    return etree.tostring(document, encoding="unicode", method="xml")


def html_tree(meta: Metadata, edition: str, sections: Iterable[etree._Element]) -> etree._Element:
    body = E.body({"data-title": meta.title, "class": f"edition-{edition}"}, *sections)
    head = E.head(
        E.meta({"charset": "utf-8"}),
        E.title(meta.title),
        *(E.meta({"name": "author", "content": p.name}) for p in meta.authors),
        E.meta({"name": "description", "content": meta.description}),
        E.meta({"name": "keywords", "content": ", ".join(meta.subjects)}),
        E.meta({"name": "generator", "content": "makebook"}),
        *(
            [
                E.meta({"name": n, "content": meta.date})
                for n in ("dcterms.created", "dcterms.modified")
            ]
            if meta.date
            else []
        ),
    )
    return E.html({"lang": meta.language}, head, body)


def book_document(rendered: RenderedBook, env: jinja2.Environment, edition: Edition) -> str:
    divisions = book_divisions(rendered, env)
    return html_document(rendered.meta, edition.name, (d.element for d in divisions))


CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")

# Minimum inside margins of print-on-demand services (KDP's table) by page count.
GUTTERS = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (10**9, 0.875))


def required_gutter(pages: int) -> float:
    return next(inches for limit, inches in GUTTERS if pages <= limit)


def page_css(settings: PdfSettings, edition: Edition, inside: str) -> str:
    """Page geometry from book.toml; everything else is the author's stylesheets."""
    if edition.name == SCREEN.name:
        size = SCREEN_SIZES.get(settings.screen_size, f"{settings.width} {settings.height}")
        return f"@page {{ size: {size}; }}"
    rules = [
        f"@page {{ size: {settings.width} {settings.height};"
        + (f" bleed: {settings.bleed};" if settings.bleed else "")
        + (" marks: crop cross;" if settings.marks else "")
        + " }",
        # Mirrored margins: the inside margin, by the spine, grows with the page count.
        f"@page :left {{ margin-right: {inside}; }}",
        f"@page :right {{ margin-left: {inside}; }}",
    ]
    if edition.pdf_variant == "pdf/x-4":
        rules.append(
            f"@color-profile device-cmyk {{ src: url({CMYK_PROFILE.as_uri()});"
            " components: cyan, magenta, yellow, black; }"
        )
    return "\n".join(rules)


SCREEN_SIZES = {"letter": "letter", "a4": "A4"}
# A third line in a row ending in a hyphen is one too many (a ladder down the margin).
HYPHENATED_LINES_IN_A_ROW = 2


def lay_out(rendered: RenderedBook, edition_name: str = PRINT.name) -> Document:
    """Lay the whole book out; the print layout also gives the EPUB its page numbers.

    The gutter a print book needs depends on its page count, which is known only
    after layout: it is chosen from an estimate first, and the book is laid out a
    second time only when the real count lands in another band.
    """
    edition = BY_NAME[edition_name]
    if edition.name != PRINT.name:
        return _render_numbered(rendered, edition, rendered.book.pdf.inside)
    design = length_in_inches(rendered.book.pdf.inside)
    inside = max(design, required_gutter(estimated_pages(rendered.book)))
    document = _render_numbered(rendered, edition, f"{inside}in")
    needed = max(design, required_gutter(len(document.pages)))
    if needed != inside:
        document = _render_numbered(rendered, edition, f"{needed}in")
    return document


INDEX_ROUNDS = 3


def _render_numbered(rendered: RenderedBook, edition: Edition, inside: str) -> Document:
    """The book laid out with its index's page numbers: a book with an index is laid
    out once to learn where its marked places land, and again with the numbers merged
    into ranges (index_pages.py), until they no longer move."""
    document = _render(rendered, edition, inside)
    if not any(page.landmark == "index" for page in rendered.pages):
        return document
    folios: dict[str, str] | None = None
    for _ in range(INDEX_ROUNDS):
        labels = [start.label for start in page_starts(rendered, document)]
        found = folios_of(labels, [page.anchors for page in document.pages])
        if found == folios:
            break
        folios = found
        document = _render(rendered, edition, inside, folios)
    return document


def estimated_pages(book: Book) -> int:
    from makebook.manuscript.stats import book_stats

    return round(sum(s.pages for s in book_stats(book)) * 1.15) + 12  # front and back matter


def _render(
    rendered: RenderedBook, edition: Edition, inside: str, folios: dict[str, str] | None = None
) -> Document:
    book = rendered.book
    env = environment(book.styles_dir.parent / "templates")
    context = LayoutContext(book.root, book.styles_dir, book.pdf, edition.name, book.hyphenation)
    assets = styles_digest(book, edition.name)
    html = book_document(rendered, env, edition)
    if folios is not None:
        html = with_index_folios(html, folios)
    return render_html(context, html, inside, assets)


@dataclass(frozen=True)
class LayoutContext:
    """What WeasyPrint needs besides the document: small enough to send to a worker."""

    root: Path
    styles_dir: Path
    settings: PdfSettings
    edition: str
    hyphenation: Hyphenation = Hyphenation()


@dataclass
class Styles:
    """An edition's parsed stylesheets, with the fonts and colour profiles they declare."""

    fetcher: BookFetcher
    fonts: FontConfiguration
    profiles: dict[str, object]  # filled by @color-profile rules, read by the PDF/X writer
    sheets: list[CSS]

    def extra(self, css: str) -> list[CSS]:
        common = {"url_fetcher": self.fetcher, "font_config": self.fonts}
        return [CSS(string=css, color_profiles=self.profiles, **common)] if css else []


def styles_digest(book: Book, edition: str) -> str:
    """What every division of an edition reads besides its HTML: the edition's stylesheets,
    the other files in styles/ (fonts, artwork), the [pdf] settings and the libraries.

    A stylesheet the edition does not use (epub.css, the other PDF edition's) is left out,
    so editing it lays nothing out again.
    """
    digest = hashlib.sha256(json.dumps([versions(), edition], sort_keys=True).encode())
    digest.update(json.dumps(vars(book.pdf), sort_keys=True, default=str).encode())
    digest.update(json.dumps(vars(book.hyphenation), sort_keys=True).encode())
    for sheet in stylesheets(book.styles_dir, edition):
        digest.update(sheet.name.encode() + file_digest(sheet).encode())
    for folder in dict.fromkeys([book.styles_dir, DEFAULT_STYLES]):
        for path in tree_files(folder, None):
            if path.suffix == ".css" and path.parent == folder:
                continue  # a stylesheet counts when the edition uses it (above)
            digest.update(str(path.relative_to(folder)).encode() + file_digest(path).encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def edition_styles(context: LayoutContext, inside: str, assets: str) -> Styles:
    """Parsed once per process and reused for every division laid out with the same styles.

    `assets` (a digest of the stylesheets and fonts) is part of the key, so an edited
    stylesheet is parsed again.
    """
    edition = BY_NAME[context.edition]
    extra = [CMYK_PROFILE] if edition.pdf_variant == "pdf/x-4" else []
    roots = [context.root, context.styles_dir, DEFAULT_STYLES, *font_dirs(context.styles_dir)]
    roots += extra
    fetcher = BookFetcher(roots, context.styles_dir)
    fonts = FontConfiguration()
    profiles: dict[str, object] = {}
    common = {"url_fetcher": fetcher, "font_config": fonts, "color_profiles": profiles}
    sheets = [CSS(string=page_css(context.settings, edition, inside), **common)]
    sheets += [
        CSS(filename=str(s), **common) for s in stylesheets(context.styles_dir, edition.name)
    ]
    return Styles(fetcher, fonts, profiles, sheets)


def render_html(
    context: LayoutContext, html: str, inside: str, assets: str, extra_css: str = ""
) -> Document:
    """Lay out one XHTML document with the edition's stylesheets, reading only the book.

    A figure that did not fit under the text and left a hole is moved past the text
    after it, and the document laid out again (figures.py)."""
    edition = BY_NAME[context.edition]
    limit = page_limit(html)
    try:
        styles = edition_styles(context, inside, assets)
        words = functools.partial(hyphenator, context.hyphenation)
        for round_ in range(figures.ROUNDS + 1):
            document = HTML(
                string=html, base_url=str(context.root) + "/", url_fetcher=styles.fetcher
            )
            with pages_at_most(limit), hyphenating(words, HYPHENATED_LINES_IN_A_ROW):
                laid = document.render(
                    stylesheets=styles.sheets + styles.extra(extra_css),
                    font_config=styles.fonts,
                    color_profiles=styles.profiles,
                    pdf_variant=edition.pdf_variant,
                    pdf_tags=True,
                )
            shrink = context.settings.figure_shrink
            moves = figures.deferrals(laid, shrink) if round_ < figures.ROUNDS else []
            if not moves:
                return laid
            html = figures.deferred(html, moves)
        raise AssertionError("unreachable: the last round moves nothing")
    except PageLimitReached:
        raise TooManyPages(edition.name, division_ids(html), limit) from None
    except FatalURLFetchingError as exc:
        raise error(
            f"the {edition.name} PDF needs a file makebook may not read: {exc}",
            hint="keep every image, stylesheet and font inside the book's folder",
        ) from None


# A page holds a few hundred characters even in the smallest text block makebook
# accepts (geometry.py); a document that needs far more pages than its text is a page
# design that cannot hold it (an element taller than every page, say), which would
# otherwise keep WeasyPrint laying out pages for minutes.
CHARACTERS_A_PAGE_AT_LEAST = 60
PAGES_A_BLOCK = 3  # a heading, image, table or section may start a page of its own
SPARE_PAGES = 40
PAGE_STARTERS = re.compile(r"<(section|nav|img|table|figure|hr|h[1-6])\b")


def page_limit(html: str) -> int:
    """The most pages a document's text could need, with room to spare."""
    characters = len(re.sub(r"<[^>]*>", "", html))
    blocks = len(PAGE_STARTERS.findall(html))
    return SPARE_PAGES + characters // CHARACTERS_A_PAGE_AT_LEAST + PAGES_A_BLOCK * blocks


def division_ids(html: str) -> list[str]:
    return re.findall(r'<(?:section|nav)\b[^>]*?\bid="([^"]+)"', html)


class PageLimitReached(Exception):
    """Raised inside WeasyPrint's layout loop, to stop it."""


class TooManyPages(Exception):
    """A document that needed far more pages than its text: laid out no further."""

    def __init__(self, edition: str, divisions: list[str], limit: int) -> None:
        super().__init__(edition, divisions, limit)
        self.edition, self.divisions, self.limit = edition, divisions, limit

    def __str__(self) -> str:
        return f"the {self.edition} PDF of {', '.join(self.divisions)} ran past {self.limit} pages"

    def as_error(self, book: Book) -> ManuscriptError:
        """The error for the author, naming the chapter whose pages ran away."""
        chapters = {c.id: c for c in book.chapters}
        named = [chapters[d] for d in self.divisions if d in chapters]
        chapter = named[0] if len(named) == 1 else None
        what = f"'{chapter.title}'" if chapter else "the book"
        return ManuscriptError(
            Problem(
                f"the {self.edition} PDF of {what} ran past {self.limit} pages, far more than "
                "its text needs, so its layout was stopped: the page design cannot hold it",
                chapter.path if chapter else None,
                chapter.body_line if chapter else None,
                hint="look in styles/ for margins, font sizes or fixed heights too large for the "
                "page, and in the chapter for an element taller than a page",
            )
        )


PAGE_MESSAGE = "Step 5 - Creating layout - Page %d"  # weasyprint/layout/page.py


class _PageCounter(logging.Filter):
    """Reads WeasyPrint's progress log, which names each page it lays out."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        page = record.args[0] if record.msg == PAGE_MESSAGE and record.args else 0
        if int(page) > self.limit:  # type: ignore[call-overload]
            raise PageLimitReached()
        return False  # counted, never shown


@contextlib.contextmanager
def pages_at_most(limit: int) -> Iterator[None]:
    """Stop WeasyPrint's layout once a document passes `limit` pages."""
    logger = logging.getLogger("weasyprint.progress")
    counter, level = _PageCounter(limit), logger.level
    logger.addFilter(counter)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeFilter(counter)
        logger.setLevel(level)


def write_pdf(rendered: RenderedBook, document: Document, out: Path, edition_name: str) -> None:
    """A whole book: WeasyPrint's PDF, then its page labels and even count (pagelabels.py)."""
    from makebook.manuscript.isbns import edition_identifier
    from makebook.pdf.pagelabels import finish_whole_book

    identifier = edition_identifier(rendered.meta, edition_name)
    write_document(document, out, edition_name, identifier)
    finish_whole_book(rendered, document, out, edition_name)


def write_document(document: Document, out: Path, edition_name: str, identifier: str) -> None:
    """Every PDF makebook writes (whole books and single chapters) goes through here."""
    edition = BY_NAME[edition_name]
    accessible = edition.pdf_variant == "pdf/ua-1"
    with notes_and_headers_tagged() if accessible else contextlib.nullcontext():
        document.write_pdf(
            str(out),
            pdf_variant=edition.pdf_variant,
            pdf_tags=True,
            uncompressed_pdf=False,
            pdf_identifier=identifier.encode("utf-8"),
            finisher=functools.partial(finish, identifier=identifier),
        )
    if accessible:
        mark_artifacts(out)  # running heads and folios: WeasyPrint leaves them orphaned


NBSP_ENTRY = re.compile(rb"^(<[0-9a-f]+> )<00a0>$")
LINK_SCHEME = "makebook:"  # a link to another division of a book laid out chapter by chapter


XMP_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-fA-F-]+")


def finish(document: Document, pdf: pydyf.PDF, identifier: str) -> None:
    """WeasyPrint's `finisher` hook: runs on its objects before they are written."""
    plain_spaces(document, pdf)
    links_between_divisions(pdf)
    stable_document_id(pdf, identifier)


def stable_document_id(pdf: pydyf.PDF, identifier: str) -> None:
    """The PDF/X metadata's document ID comes from the book's identifier.

    WeasyPrint makes up a random xmpMM:DocumentID each time it writes; XMP means it
    to name the document across its versions, and a random one made two builds of
    the same manuscript differ (and a joined PDF carry its front matter's).
    """
    reference = pdf.catalog.get("Metadata")  # b"12 0 R"
    if reference is None:
        return
    metadata = pdf.objects[int(reference.split()[0])]
    document_id = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, identifier)}".encode()
    metadata.stream = [XMP_DOCUMENT_ID.sub(document_id, chunk) for chunk in metadata.stream]


def links_between_divisions(pdf: pydyf.PDF) -> None:
    """A link to another division, laid out as a document of its own, becomes the link
    WeasyPrint makes inside one document: to a named destination, which the joined
    book has (chapterwise/join.py)."""
    for obj in pdf.objects:
        action = obj.get("A") if isinstance(obj, pydyf.Dictionary) else None
        uri = getattr(action.get("URI"), "string", "") if isinstance(action, dict) else ""
        if isinstance(uri, str) and uri.startswith(LINK_SCHEME):
            target = uri[len(LINK_SCHEME) :]
            del obj["A"]
            if getattr(obj.get("Contents"), "string", uri) == uri:  # not described by its words
                obj["Contents"] = pydyf.String(target)
            obj["Dest"] = pydyf.String(target)


def plain_spaces(_document: Document, pdf: pydyf.PDF) -> None:
    """Copied text has ordinary spaces, whichever space a font's subset met first.

    A font draws the space and the no-break space with one glyph, and WeasyPrint
    maps that glyph to whichever of the two it set first; a chapter opening with
    "\u2014\u00a0Winnicott" would otherwise copy and search with no-break spaces.
    Runs on WeasyPrint's objects before they are written (its `finisher` hook).
    """
    for obj in pdf.objects:
        lines = getattr(obj, "stream", None)
        if isinstance(obj, pydyf.Stream) and lines and b"begincmap" in lines:
            obj.stream = [NBSP_ENTRY.sub(rb"\1<0020>", line) for line in lines]
