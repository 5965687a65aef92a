"""The PDF writer: one XHTML document of the whole book, laid out by WeasyPrint.

Page design lives in styles/pdf.css. This module only assembles the document
(title pages, table of contents, notes at their call sites) and makes sure
WeasyPrint reads nothing but the book's own files and the installed fonts.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
from lxml import etree
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.formatting_structure import boxes
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .assets import find_font, font_dirs, stylesheets
from .model import Page, PageStart, RenderedBook
from .templating import environment, render_fragment
from .xhtml import E

FRONT_GENERATED = {"halftitle", "titlepage", "copyright", "dedication"}


class BookFetcher(URLFetcher):
    """Serves only local files of the book, its styles and fonts; never the network."""

    def __init__(self, roots: list[Path], styles_dir: Path) -> None:
        super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
        self.roots = [r.resolve() for r in roots]
        self.styles_dir = styles_dir.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise ValueError(f"refusing to fetch {url}: a build never uses the network")
        path = Path(unquote(parts.path)).resolve()
        if path.is_relative_to(self.styles_dir) and not path.is_file():
            font = find_font(self.styles_dir, path.relative_to(self.styles_dir).as_posix())
            if font is not None:
                path = font
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"refusing to read {path}: outside the book's folder")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())


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
        for paragraph in etree.fromstring(f"<div>{note.html}</div>"):
            paragraph.tag = "span"
            paragraph.set("class", "fn-p")
            span.append(paragraph)
        holder = link.getparent() if link.getparent().tag == "sup" else link
        span.tail = holder.tail
        holder.getparent().replace(holder, span)


def book_document(rendered: RenderedBook, env: jinja2.Environment) -> str:
    meta = rendered.meta
    pages = list(rendered.pages)
    body = E.body({"data-title": meta.title})
    toc_done = started_body = False
    for page in pages:
        if not toc_done and page.role not in FRONT_GENERATED:
            body.append(etree.fromstring(toc_fragment(env, pages)))
            toc_done = True
        section = etree.fromstring(page.html)
        if page.matter == "front" and page.role not in FRONT_GENERATED:
            section.set("class", section.get("class", "") + " frontmatter")
        if page.matter == "body" and not started_body:
            section.set("class", section.get("class", "") + " body-start")
            started_body = True
        place_footnotes(section, page)
        body.append(section)
    head = E.head(
        E.meta({"charset": "utf-8"}),
        E.title(meta.title),
        *(E.meta({"name": "author", "content": p.name}) for p in meta.authors),
        E.meta({"name": "description", "content": meta.description}),
        E.meta({"name": "keywords", "content": ", ".join(meta.subjects)}),
        E.meta({"name": "generator", "content": "makebook"}),
        *([E.meta({"name": "dcterms.created", "content": meta.date})] if meta.date else []),
    )
    html = E.html({"lang": meta.language}, head, body)
    return etree.tostring(html, encoding="unicode", method="xml")


def lay_out(rendered: RenderedBook) -> Document:
    """Lay the whole book out once; the PDF is written from it and the EPUB's page-list read."""
    book = rendered.book
    env = environment(book.styles_dir.parent / "templates")
    fetcher = BookFetcher(
        [book.root, book.styles_dir, *font_dirs(book.styles_dir)], book.styles_dir
    )
    fonts = FontConfiguration()
    page_size = CSS(
        string=f"@page {{ size: {book.pdf.width} {book.pdf.height}; }}", font_config=fonts
    )
    sheets = [page_size] + [
        CSS(filename=str(s), url_fetcher=fetcher, font_config=fonts)
        for s in stylesheets(book.styles_dir, "pdf")
    ]
    html = HTML(
        string=book_document(rendered, env), base_url=str(book.root) + "/", url_fetcher=fetcher
    )
    return html.render(stylesheets=sheets, font_config=fonts)


def write_pdf(rendered: RenderedBook, document: Document, out: Path) -> None:
    document.write_pdf(
        str(out),
        uncompressed_pdf=False,
        pdf_identifier=rendered.meta.identifier.encode("utf-8"),
    )


# --- where each printed page begins ------------------------------------------------

FOLIO = re.compile(r"^(\d+|[ivxlcdm]+)$")


def page_starts(rendered: RenderedBook, document: Document) -> tuple[PageStart, ...]:
    """For every page: its folio and the first words set on it, for the EPUB's page-list."""
    page_ids = {p.id for p in rendered.pages} | {"toc"}
    labels = infer_labels([folio_of(page._page_box) for page in document.pages])
    starts: list[PageStart] = []
    current: str | None = None
    for label, page in zip(labels, document.pages, strict=True):
        first_id, snippet = first_line(page._page_box, page_ids)
        current = first_id or current
        starts.append(PageStart(label, current, snippet))
    return tuple(starts)


def folio_of(page_box: boxes.PageBox) -> str:
    for child in page_box.children:
        if isinstance(child, boxes.MarginBox) and child.at_keyword.startswith("@bottom"):
            text = "".join(d.text for d in child.descendants() if isinstance(d, boxes.TextBox))
            if FOLIO.match(text.strip()):
                return text.strip()
    return ""


def infer_labels(folios: list[str]) -> list[str]:
    """Pages without a printed folio (blank versos, openers) take the number they would carry:
    counted back from the next printed folio, so a restart at 1 is respected."""
    labels = list(folios)
    for index, folio in enumerate(folios):
        if folio:
            continue
        ahead = next(((i, f) for i, f in enumerate(folios[index:], index) if f), None)
        if ahead is not None:
            distance = ahead[0] - index
            value = int(ahead[1]) if ahead[1].isdigit() else from_roman(ahead[1])
            if value - distance >= 1:
                number = value - distance
                labels[index] = str(number) if ahead[1].isdigit() else to_roman(number)
                continue
        previous = labels[index - 1] if index else ""
        if previous.isdigit():
            labels[index] = str(int(previous) + 1)
        else:
            labels[index] = to_roman(from_roman(previous) + 1 if previous else 1)
    return labels


def first_line(page_box: boxes.PageBox, page_ids: set[str]) -> tuple[str | None, str]:
    """The id of the reading unit the page starts in, and the text of its first line."""
    section: str | None = None
    for child in page_box.children:
        if isinstance(child, boxes.MarginBox | boxes.FootnoteAreaBox):
            continue
        for box, owner in walk(child, None, page_ids):
            section = section or owner
            if isinstance(box, boxes.LineBox):
                text = "".join(
                    d.text
                    for d in box.descendants()
                    if isinstance(d, boxes.TextBox) and "::" not in (d.element_tag or "")
                )
                if text.strip():
                    return owner, text.strip()
    return section, ""


def walk(box: boxes.Box, owner: str | None, page_ids: set[str]):  # type: ignore[no-untyped-def]
    element = getattr(box, "element", None)
    if element is not None and box.element_tag in ("section", "nav"):
        element_id = element.get("id")
        if element_id in page_ids:
            owner = element_id
    yield box, owner
    if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
        for child in box.children:
            yield from walk(child, owner, page_ids)


ROMANS = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]  # fmt: skip


def to_roman(number: int) -> str:
    out = ""
    for value, letters in ROMANS:
        while number >= value:
            out += letters
            number -= value
    return out


def from_roman(text: str) -> int:
    values = {letters: value for value, letters in ROMANS if len(letters) == 1}
    total = 0
    for char, following in zip(text, [*text[1:], ""], strict=True):
        value = values[char]
        total += -value if following and values[following] > value else value
    return total
