"""The EPUB 3 writer: packages the rendered pages with ebooklib.

Content documents are written as finished XHTML (ebooklib's own HTML
re-parsing would drop epub:type semantics), and the package is written with
fixed timestamps so the same manuscript gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2
from ebooklib import epub
from lxml import etree

from makebook.epub.fonts import add_fonts
from makebook.epub.images import PackedImage, epub_image
from makebook.epub.pagelist import Break, marker_id, place_breaks, plan_breaks
from makebook.files import inside
from makebook.manuscript.styles import stylesheets
from makebook.manuscript.svg import MATHML_NS, SVG_NS
from makebook.model import Page, PageStart, RenderedBook
from makebook.render.index import relabel_locators
from makebook.render.templating import environment, render_fragment
from makebook.xhtml import EPUB_NS, EPUB_TYPE, XML_LANG, E, parse_fragments

TEXT_DIR = "text"
STYLE_DIR = "styles"
MEDIA_DIR = "media"
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._/-]")  # EPUBCheck warns of spaces and more in names
NOT_IN_EPUB = {"halftitle"}  # a print convention; the EPUB opens on the cover and title page

LANDMARK_TITLES = {
    "cover": "Cover",
    "titlepage": "Title Page",
    "toc": "Table of Contents",
    "bodymatter": "Start of Content",
    "bibliography": "Bibliography",
}


@dataclass
class TocNode:
    title: str
    href: str
    children: list[TocNode] = field(default_factory=list)


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry one timestamp, for reproducible EPUBs."""

    def __init__(self, path: str, stamp: dt.datetime) -> None:
        super().__init__(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
        self.stamp = stamp.timetuple()[:6]

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[no-untyped-def, override]
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.stamp)
            info.compress_type = (
                compress_type if compress_type is not None else zipfile.ZIP_DEFLATED
            )
            info.external_attr = 0o644 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


class _Writer(epub.EpubWriter):
    """ebooklib's writer with `xml:lang` on the package and fixed zip timestamps."""

    def __init__(self, name: str, book: epub.EpubBook, language: str, stamp: dt.datetime) -> None:
        super().__init__(
            name, book, {"mtime": stamp, "epub2_guide": False, "raise_exceptions": True}
        )
        self.language = language
        self.stamp = stamp

    def _write_opf_file(self, root: etree._Element) -> None:
        root.set(XML_LANG, self.language)
        super()._write_opf_file(root)

    def write(self) -> None:
        self.out = _FixedTimeZip(self.file_name, self.stamp)
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()
        self.out.close()


def file_name(page: Page) -> str:
    return f"{TEXT_DIR}/{page.id}.xhtml"


def build_time(date: str) -> dt.datetime:
    """dcterms:modified and zip times come from the book's date, never the clock."""
    try:
        return dt.datetime.fromisoformat(date[:10]).replace(tzinfo=dt.UTC)
    except ValueError:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def write_epub(
    rendered: RenderedBook,
    out: Path,
    page_starts: Sequence[PageStart] = (),
    source_date: dt.datetime | None = None,
    font_cache: Path | None = None,
) -> None:
    book = rendered.book
    meta = rendered.meta
    env = environment(book.styles_dir.parent / "templates")
    stamp = source_date or build_time(meta.date)
    pages = [p for p in rendered.pages if p.role not in NOT_IN_EPUB]
    files = {p.id: file_name(p) for p in pages}
    sections = {p.id: etree.fromstring(p.html) for p in pages}  # each page parsed once
    notes = {p.id: notes_section(p) for p in pages if p.notes}  # and its notes
    id_files = {
        element_id: files[page.id]
        for page in pages
        for element_id in [page.id, *ids_in(sections[page.id], notes.get(page.id))]
    }

    breaks = plan_breaks(page_starts, [p.id for p in pages])
    page_list = [
        {"title": label, "href": f"{files[page_id]}#{marker_id(label)}"}
        for page_id, items in breaks.items()
        for item in items
        for label in item.labels
    ]

    epub_book = epub.EpubBook()
    set_metadata(epub_book, rendered, stamp, bool(page_list))
    css_hrefs = add_styles(epub_book, book.styles_dir)
    packed = packed_images(book.root, [*sections.values(), *notes.values()])
    images: set[str] = set()  # the images the pages show, filled in as they are made
    # Print page markers: the index reads them to label its locators, and its own are
    # placed after that, when its text reads as the print edition's does.
    for page in sorted(pages, key=lambda p: p.landmark == "index"):
        if page.landmark == "index":
            label_index(pages, sections, notes, bool(page_list))
        place_breaks(sections[page.id], breaks[page.id])
    documents = []
    for page in pages:
        body = page_element(
            sections[page.id], notes.get(page.id), page, id_files, images, (),
            {src: image.name for src, image in packed.items()},
        )  # fmt: skip
        document = render_document(env, meta.language, page.title, body, css_hrefs)
        documents.append(add_document(epub_book, page, files[page.id], body, document))
    for path in sorted(images):
        add_image(epub_book, path, packed[path])
    cover_page = add_cover(epub_book, env, rendered, css_hrefs)
    nav = add_navigation(epub_book, nav_document(env, rendered, pages, files, css_hrefs, page_list),
                         toc_tree(pages, files))  # fmt: skip
    front_generated = [d for d, p in zip(documents, pages, strict=True) if p.in_toc is False]
    rest = [d for d, p in zip(documents, pages, strict=True) if p.in_toc is not False]
    epub_book.spine = [*([cover_page] if cover_page else []), *front_generated, nav, *rest]
    add_fonts(epub_book, book.styles_dir, font_cache)
    _Writer(str(out), epub_book, meta.language, stamp).write()


def label_index(
    pages: Sequence[Page],
    sections: dict[str, etree._Element],
    notes: dict[str, etree._Element],
    paged: bool,
) -> None:
    """The index's locators read as the print pages of the page-list when the EPUB has
    one (the last page marker before the marked place), otherwise as section names;
    either way one page or section is printed once for an entry, and pages in a row as
    a range."""
    index = next((sections[p.id] for p in pages if p.landmark == "index"), None)
    if index is None:
        return
    where: dict[str, str] = {}
    current = ""
    for page in pages:
        trees = [sections[page.id], *([notes[page.id]] if page.id in notes else [])]
        for tree in trees:
            for element in tree.iter():
                if not isinstance(element.tag, str):
                    continue
                if element.get(EPUB_TYPE) == "pagebreak":
                    current = element.get("aria-label", current)
                elif element.get("id"):
                    where[element.get("id")] = current
        # A page opens a printed page of its own: the last of the markers it starts with
        # (blank pages before it come first) is where it begins.
        first = next(sections[page.id].iterfind(f".//*[@{{{EPUB_NS}}}type='pagebreak']"), None)
        while first is not None:
            where[page.id] = first.get("aria-label", where[page.id])
            after = first.getnext()
            if (first.tail or "").strip() or after is None or after.get(EPUB_TYPE) != "pagebreak":
                break
            first = after

    def label_of(link: etree._Element) -> str:
        target = link.get("href", "")[1:]
        if paged and where.get(target):
            return where[target]
        return "".join(link.itertext()).strip()

    relabel_locators(index, label_of)


def add_document(
    epub_book: epub.EpubBook, page: Page, file_name: str, body: etree._Element, document: bytes
) -> epub.EpubItem:
    """One page of the book as an XHTML document of the EPUB."""
    item = epub.EpubItem(
        uid=page.id, file_name=file_name, media_type="application/xhtml+xml", content=document
    )
    item.properties = content_properties(body)
    epub_book.add_item(item)
    return item


def add_navigation(
    epub_book: epub.EpubBook, nav_content: bytes, toc: list[TocNode]
) -> epub.EpubItem:
    """The navigation document (toc, landmarks, page-list) and the EPUB 2 NCX."""
    nav = epub.EpubItem(uid="nav", file_name="nav.xhtml", media_type="application/xhtml+xml")
    nav.properties = ["nav"]
    nav.content = nav_content
    epub_book.add_item(nav)
    epub_book.toc = [epub.Link(n.href, n.title, f"toc-{i}") for i, n in enumerate(toc)]
    epub_book.add_item(epub.EpubNcx())
    return nav


def ids_in(root: etree._Element, notes: etree._Element | None) -> list[str]:
    """Every id the page's document will hold: its text's, its notes' and theirs (a
    citation in a note is linked to from Works Cited)."""
    trees = [root] if notes is None else [root, notes]
    return [e.get("id") for t in trees for e in t.iter() if isinstance(e.tag, str) and e.get("id")]


def set_metadata(
    epub_book: epub.EpubBook, rendered: RenderedBook, stamp: dt.datetime, paged: bool
) -> None:
    meta = rendered.meta
    epub_book.set_identifier(meta.identifier)
    if meta.isbns.epub and meta.identifier != f"urn:isbn:{meta.isbns.epub}":
        # book.toml names another identifier: the EPUB's ISBN is a second one.
        epub_book.add_metadata("DC", "identifier", f"urn:isbn:{meta.isbns.epub}", {"id": "isbn"})
    epub_book.set_title(meta.title)
    epub_book.set_language(meta.language)
    if meta.subtitle:
        epub_book.add_metadata("DC", "title", meta.subtitle, {"id": "subtitle"})
        epub_book.add_metadata(
            None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"}
        )
    for index, person in enumerate(meta.authors, 1):
        uid = f"creator{index}"
        epub_book.add_metadata("DC", "creator", person.name, {"id": uid})
        file_as = f"{person.family}, {person.given}".strip(", ") if person.family else person.name
        epub_book.add_metadata(None, "meta", file_as, {"refines": f"#{uid}", "property": "file-as"})
        epub_book.add_metadata(
            None,
            "meta",
            "aut",
            {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"},
        )
    for name, value in (
        ("publisher", meta.publisher),
        ("rights", meta.rights),
        ("description", meta.description),
        ("date", meta.date or stamp.date().isoformat()),
    ):
        if value:
            epub_book.add_metadata("DC", name, value)
    for subject in meta.subjects:
        epub_book.add_metadata("DC", "subject", subject)
    for prop, value in accessibility_metadata(rendered, paged):
        epub_book.add_metadata(None, "meta", value, {"property": prop})
    if paged:
        # The page numbers are the print edition's: its ISBN names it.
        source = meta.isbns.print
        value = f"urn:isbn:{source}" if source else meta.identifier
        epub_book.add_metadata(None, "meta", value, {"property": "pageBreakSource"})


def accessibility_metadata(rendered: RenderedBook, paged: bool) -> list[tuple[str, str]]:
    """Only what is true of this book: features are read from its pages."""
    declared = rendered.meta.accessibility
    has_images = any("<img" in p.html for p in rendered.pages)
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if has_images:
        features.append("alternativeText")
    if paged:
        features += ["pageNavigation", "printPageNumbers"]
    modes = ["textual", *(["visual"] if has_images else [])]
    summary = declared.summary or (
        "This publication has a table of contents, headings that mark its structure, "
        "linked notes and citations"
        + (", text alternatives for every image" if has_images else "")
        + (", and the page numbers of the print edition" if paged else "")
        + ". "
        + (
            "It has no known accessibility hazards."
            if declared.hazards == ("none",)
            else f"Hazards: {', '.join(declared.hazards)}."
        )
    )
    entries = [
        *(("schema:accessMode", m) for m in modes),
        ("schema:accessModeSufficient", "textual"),
        *(("schema:accessibilityFeature", f) for f in features),
        *(("schema:accessibilityHazard", h) for h in declared.hazards),
        ("schema:accessibilitySummary", summary),
    ]
    if declared.conforms_to:
        entries += [
            ("dcterms:conformsTo", declared.conforms_to),
            ("a11y:certifiedBy", declared.certified_by),
        ]
    if declared.exemption:
        entries.append(("a11y:exemption", declared.exemption))
    return entries


def add_styles(epub_book: epub.EpubBook, styles_dir: Path) -> list[str]:
    hrefs = []
    for sheet in stylesheets(styles_dir, "epub"):
        css = sheet.read_text(encoding="utf-8")
        name = f"{STYLE_DIR}/{sheet.name}"
        epub_book.add_item(
            epub.EpubItem(uid=f"css-{sheet.stem}", file_name=name, media_type="text/css",
                          content=css.encode("utf-8"))
        )  # fmt: skip
        hrefs.append(posixpath.relpath(name, TEXT_DIR))
    # The fonts are added once the documents are made: only those their text uses
    # (epub/fonts.py).
    return hrefs


def add_cover(
    epub_book: epub.EpubBook, env: jinja2.Environment, rendered: RenderedBook, css: list[str]
) -> epub.EpubItem | None:
    cover = rendered.cover
    if cover is None:
        return None
    image = epub.EpubItem(
        "cover-image", f"{MEDIA_DIR}/{cover.file_name}", cover.media_type, cover.data
    )
    image.properties = ["cover-image"]
    epub_book.add_item(image)
    src = posixpath.relpath(image.file_name, TEXT_DIR)
    fragment = render_fragment(env, "cover.xhtml.j2", src=src, alt=cover.alt)
    body = etree.fromstring(fragment)
    content = render_document(env, rendered.meta.language, "Cover", body, css, "cover")
    page = epub.EpubItem("cover", f"{TEXT_DIR}/cover.xhtml", "application/xhtml+xml", content)
    epub_book.add_item(page)
    return page


def packed_images(root: Path, trees: Iterable[etree._Element]) -> dict[str, PackedImage]:
    """Every image the pages show, as the EPUB carries it (SVG cleaned, bitmaps in the
    format their names say and no larger than stores accept), under a file name that
    is a valid, space-free URL path and unique in the book."""
    sources = sorted({img.get("src", "") for tree in trees for img in tree.iter("img")} - {""})
    packed: dict[str, PackedImage] = {}
    taken: set[str] = set()
    for src in sources:
        source = inside(root, src, Path(src))  # only files of the book go into it
        image = epub_image(source, src)
        name = UNSAFE_NAME.sub("_", image.name)
        while name.lower() in taken:
            stem, dot, suffix = name.rpartition(".")
            name = f"{stem}_{dot}{suffix}" if dot else name + "_"
        taken.add(name.lower())
        packed[src] = replace(image, name=name)
    return packed


def add_image(epub_book: epub.EpubBook, src: str, image: PackedImage) -> None:
    uid = "img-" + re.sub(r"[^A-Za-z0-9]", "-", image.name)
    epub_book.add_item(
        epub.EpubItem(uid, f"{MEDIA_DIR}/{image.name}", image.media_type, image.data)
    )


def content_properties(body: etree._Element) -> list[str]:
    """The manifest properties EPUB asks of a content document: inline SVG and MathML."""
    found = []
    if next(body.iter(f"{{{SVG_NS}}}svg"), None) is not None:
        found.append("svg")
    if next(body.iter(f"{{{MATHML_NS}}}math"), None) is not None:
        found.append("mathml")
    return found


def page_element(
    section: etree._Element,
    notes: etree._Element | None,
    page: Page,
    id_files: dict[str, str],
    images: set[str],
    breaks: Sequence[Break] = (),
    image_names: dict[str, str] | None = None,
) -> etree._Element:
    """The page's section with print page markers, links resolved across files, and notes."""
    place_breaks(section, breaks)
    if notes is not None:
        section.append(notes)
    here = id_files.get(page.id, "")
    for link in section.iter("a"):
        href = link.get("href", "")
        if href.startswith("#"):
            target = id_files.get(href[1:])
            if target and target != here:
                link.set("href", posixpath.relpath(target, TEXT_DIR) + href)
    for image in section.iter("img"):
        src = image.get("src", "")
        images.add(src)
        name = (image_names or {}).get(src, src)
        image.set("src", posixpath.relpath(f"{MEDIA_DIR}/{name}", TEXT_DIR))
    return section


def notes_section(page: Page) -> etree._Element:
    """Footnotes as asides: Apple Books and Kobo open them as pop-ups."""
    container = E.section({"class": "chapter-notes", "aria-label": "Notes"})
    for note in page.notes:
        aside = E.aside({"id": note.id, EPUB_TYPE: "footnote", "role": "doc-footnote"})
        for child in parse_fragments(note.html):
            aside.append(child)
        back = E.a(
            {"href": f"#{note.ref_id}", "role": "doc-backlink", "class": "backlink"},
            f"{note.number}.",
        )
        first = aside[0] if len(aside) and aside[0].tag == "p" else None
        if first is None:
            first = E.p()
            aside.insert(0, first)
        back.tail = "\u00a0" + (first.text or "")
        first.text = None
        first.insert(0, back)
        container.append(aside)
    return container


def render_document(
    env: jinja2.Environment,
    lang: str,
    title: str,
    body: etree._Element,
    css: list[str],
    body_class: str = "",
) -> bytes:
    text = env.get_template("document.xhtml.j2").render(
        lang=lang, title=title, body=etree.tostring(body, encoding="unicode"), stylesheets=css,
        body_class=body_class,
    )  # fmt: skip
    # Parsing proves the document is well-formed before it goes into the book.
    tree = etree.fromstring(text.encode("utf-8"))
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def toc_tree(pages: Iterable[Page], files: dict[str, str]) -> list[TocNode]:
    nodes: list[TocNode] = []
    for page in pages:
        if not page.in_toc:
            continue
        node = TocNode(page.title, files[page.id])
        if page.toc_level == 2 and nodes:
            nodes[-1].children.append(node)
        else:
            nodes.append(node)
    return nodes


def nav_document(
    env: jinja2.Environment,
    rendered: RenderedBook,
    pages: list[Page],
    files: dict[str, str],
    css: list[str],
    page_list: list[dict[str, str]],
) -> bytes:
    def rel(node: TocNode) -> dict[str, object]:
        return {"title": node.title, "href": node.href, "children": [rel(c) for c in node.children]}

    landmarks = [{"type": "toc", "href": "nav.xhtml#toc", "title": LANDMARK_TITLES["toc"]}]
    if rendered.cover is not None:
        landmarks.insert(0, {"type": "cover", "href": f"{TEXT_DIR}/cover.xhtml", "title": "Cover"})
    for page in pages:
        if page.landmark:
            title = LANDMARK_TITLES.get(page.landmark, page.title)
            landmarks.append({"type": page.landmark, "href": files[page.id], "title": title})
    fragment = render_fragment(
        env, "nav.xhtml.j2", title="Contents", toc=[rel(n) for n in toc_tree(pages, files)],
        landmarks=landmarks, page_list=page_list,
    )  # fmt: skip
    return render_document(
        env, rendered.meta.language, "Contents", etree.fromstring(fragment),
        [posixpath.relpath(posixpath.join(TEXT_DIR, h), ".") for h in css],
    )  # fmt: skip
