"""The PDF writer: one XHTML document of the whole book, laid out by WeasyPrint.

Page design lives in styles/pdf.css. This module only assembles the document
(title pages, table of contents, notes at their call sites) and makes sure
WeasyPrint reads nothing but the book's own files and the installed fonts.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
from lxml import etree
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .assets import find_font, font_dirs, stylesheets
from .model import Page, RenderedBook
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


def write_pdf(rendered: RenderedBook, out: Path) -> None:
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
    document = HTML(
        string=book_document(rendered, env), base_url=str(book.root) + "/", url_fetcher=fetcher
    )
    document.write_pdf(
        str(out),
        stylesheets=sheets,
        font_config=fonts,
        uncompressed_pdf=False,
        pdf_identifier=rendered.meta.identifier.encode("utf-8"),
    )
