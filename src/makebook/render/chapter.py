"""Markdown chapters into XHTML fragments: the one place Markdown is parsed.

Each chapter becomes a `<section>` whose ids are unique across the book and
whose footnotes are lifted out as `Note`s, so each writer can place them as
its medium needs (pop-up notes in the EPUB, page-foot notes in the PDF).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from urllib.parse import unquote

import markdown
from lxml import etree

from makebook.errors import Problem
from makebook.manuscript import csl_styles, sanitize
from makebook.manuscript.chapters import slugify
from makebook.manuscript.csl_styles import DEFAULT_STYLE
from makebook.manuscript.svg import SVG_NS
from makebook.manuscript.syntax import mask_code
from makebook.model import Book, Chapter, Note, Page, Work
from makebook.render import code
from makebook.render.aids import content_note, further_reading, shape_prompts
from makebook.render.blocks import LineBlockExtension
from makebook.render.crossref import mark_references, mark_targets
from makebook.render.csl import CslFormatter, formatter_for
from makebook.render.figures import FigureExtension, make_figures
from makebook.render.header_refs import (
    CodeLabelReferenceExtension,
    heading_ids,
    link_headings,
)
from makebook.render.index import mark_index_terms
from makebook.render.leaks import front_matter_leak_warnings, leak_warnings
from makebook.render.lists import PandocListExtension
from makebook.render.markdown_ext import (
    BracketedSpanExtension,
    CitationExtension,
    FencedDivExtension,
)
from makebook.render.math import MathExtension, TexNote, tex_warnings, text_with_tex
from makebook.render.notes import InlineNoteExtension
from makebook.render.pandoc_blocks import PandocBlocksExtension
from makebook.render.pandoc_html import PandocHtmlExtension, raw_block_warnings
from makebook.render.rawtex import RawTexExtension
from makebook.render.tables import PandocTableExtension
from makebook.render.typography import (
    CLOSE_DOUBLE,
    CLOSE_SINGLE,
    OPEN_DOUBLE,
    OPEN_SINGLE,
    set_quotes,
    smarten,
)
from makebook.xhtml import EPUB_TYPE, XML_LANG, E, fragment_to_string, text_chunks

SMARTY_SUBSTITUTIONS = {
    "left-single-quote": OPEN_SINGLE,
    "right-single-quote": CLOSE_SINGLE,
    "left-double-quote": OPEN_DOUBLE,
    "right-double-quote": CLOSE_DOUBLE,
    "left-angle-quote": "\u00ab",
    "right-angle-quote": "\u00bb",
    "ellipsis": "\u2026",
    "ndash": "\u2013",
    "mdash": "\u2014",
}

FOOTNOTE_IDS = ("fn:", "fnref:")  # Python-Markdown's, with a colon no slug holds
GENERATED_ID = re.compile(r"^(fn|fnref|cite)-\d+(-\d+)?$")  # after "<chapter id>-"
QUOTE_BLOCKS = {"p", "li", "dt", "dd", "td", "th", "h2", "h3", "h4", "h5", "h6", "figcaption"}
QUOTE_BLOCKS.add("caption")  # a table's (render/tables.py)
QUOTE_MARKS = (OPEN_SINGLE, CLOSE_SINGLE, OPEN_DOUBLE, CLOSE_DOUBLE)
DASHES = ("\u2014", "\u2013", "\u2015")
AUTHORS_NOTE = re.compile(r"note$", re.IGNORECASE)
# The loader caps Markdown nesting (structure.MAX_NESTING levels take fewer than half of
# this); only raw HTML gets deeper. libxml2 refuses XML deeper than 256 elements and
# WeasyPrint's layout overflows Python's stack well before that.
MAX_ELEMENT_DEPTH = 60
TEXTLESS = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup"}


def markdown_to_html(
    chapter: Chapter,
    works: Mapping[str, Work],
    tex_notes: list[TexNote] | None = None,
    formatter: CslFormatter | None = None,
) -> str:
    """The chapter's HTML; TeX it cannot use is added to `tex_notes`."""
    tex_notes = [] if tex_notes is None else tex_notes
    code_extensions, code_configs = code.extensions()
    if formatter is None:
        formatter = CslFormatter(works.values(), csl_styles.packaged_style_path(DEFAULT_STYLE))
    md = markdown.Markdown(
        extensions=[
            FencedDivExtension(),
            PandocBlocksExtension(),
            PandocHtmlExtension(),
            "md_in_html",
            "footnotes",
            "attr_list",
            "tables",
            PandocTableExtension(),
            "def_list",
            "abbr",
            PandocListExtension(),
            LineBlockExtension(),
            InlineNoteExtension(),
            "smarty",
            CitationExtension(works, f"{chapter.id}-", formatter),
            BracketedSpanExtension(),
            FigureExtension(),
            CodeLabelReferenceExtension(),
            MathExtension(tex_notes),
            RawTexExtension(tex_notes),
            *code_extensions,
        ],
        extension_configs={
            **code_configs,
            "smarty": {"smart_angled_quotes": False, "substitutions": SMARTY_SUBSTITUTIONS},
            "footnotes": {"BACKLINK_TEXT": "", "SUPERSCRIPT_TEXT": "{}"},
        },
        output_format="html",
    )
    return md.convert(chapter.markdown)


def parse_fragment(html: str, removals: list[sanitize.Removal] | None = None) -> etree._Element:
    return sanitize.parse(html, removals)


def removal_warnings(chapter: Chapter, removals: list[sanitize.Removal]) -> list[Problem]:
    """Raw HTML that was removed, each at the first line of the chapter that writes it."""
    lines = mask_code(chapter.markdown).split("\n")
    problems = []
    for removal in removals:
        pattern = re.compile(
            re.escape(removal.needle) if removal.needle else rf"<{re.escape(removal.tag)}\b",
            re.IGNORECASE,
        )
        found = next((n for n, text in enumerate(lines, 1) if pattern.search(text)), None)
        line = chapter.body_line + found - 1 if found else None
        problems.append(
            Problem(removal.message, chapter.path, line, hint=removal.hint, severity="warning")
        )
    return problems


def render_chapter(book: Book, chapter: Chapter, paths: Mapping[str, str]) -> Page:
    works = {w.id: w for w in book.works}
    removals: list[sanitize.Removal] = []
    tex_notes: list[TexNote] = []
    formatter = formatter_for(book)
    # Every work the book cites, in reading order: a numeric style numbers them so.
    formatter.register(c.key for each in book.chapters for c in each.citations)
    body = parse_fragment(markdown_to_html(chapter, works, tex_notes, formatter), removals)
    flattened = flatten_deep_nesting(body, chapter)
    code.shape_code_blocks(body)
    apply_quotes(body, book.quotes)
    make_figures(body)
    mark_references(body)  # footnotes too: they are lifted out last
    shift_headings(body)
    mark_targets(body)
    prefix_ids(body, chapter.id)
    link_header_references(body)
    resolve_links(body, chapter, paths)
    mark_urls(body)
    mark_index_terms(body, chapter.id)
    warnings = flattened + removal_warnings(chapter, removals) + resolve_images(body, chapter)
    warnings += tex_warnings(chapter, tex_notes)
    warnings += raw_block_warnings(chapter.markdown, chapter.path, chapter.body_line)
    mark_attributions(body)
    shape_prompts(body, chapter.id, book.pdf.prompt_lines, book.quotes)  # before data-title goes
    mark_notes_and_breaks(body)
    mark_languages(body)
    # Last: the notes' links, images and ids are mended with the text's, above.
    notes = extract_notes(body, chapter.id)
    if chapter.kind == "concept":
        wrap_concept_sections(body, chapter.id)
    warnings += leak_warnings(book, chapter, body, notes)  # last: the text a reader sees
    if chapter.content_note:
        note = inline_markdown(chapter.content_note, book.quotes)
        warnings += front_matter_leak_warnings(book, chapter, "content_note", note)
    section = chapter_section(book, chapter, body)
    return Page(
        id=chapter.id,
        title=chapter.title,
        role="chapter" if chapter.matter == "body" else chapter.matter,
        matter=chapter.matter,
        html=fragment_to_string(section),
        notes=tuple(notes),
        toc_level=2 if chapter.part else 1,
        landmark="",
        warnings=tuple(warnings),
    )


def mark_urls(body: etree._Element) -> None:
    """A link that shows its own address gets class `url`, so the stylesheets can break it
    without inserting hyphens a reader would type (book.css)."""
    for link in body.iter("a"):
        href = link.get("href", "")
        text = "".join(link.itertext()).strip()
        if text and len(link) == 0 and text in (href, href.removeprefix("mailto:"), unquote(href)):
            link.set("class", " ".join(filter(None, (link.get("class"), "url"))))


def flatten_deep_nesting(body: etree._Element, chapter: Chapter) -> list[Problem]:
    """Below MAX_ELEMENT_DEPTH an element keeps its text but not the elements inside it."""
    flattened = 0
    stack = [(body, 0)]
    while stack:
        element, depth = stack.pop()
        if depth >= MAX_ELEMENT_DEPTH and element.tag not in TEXTLESS and len(element):
            text = "".join(element.itertext())
            for child in list(element):
                element.remove(child)
            element.text = text
            flattened += 1
            continue
        stack.extend((child, depth + 1) for child in element if isinstance(child.tag, str))
    if not flattened:
        return []
    return [
        Problem(
            f"HTML elements are nested more than {MAX_ELEMENT_DEPTH} deep; "
            "below that depth only their text is kept",
            chapter.path,
            hint="nest the raw HTML (<div>, <blockquote>, ...) in this chapter less deeply",
            severity="warning",
        )
    ]


def apply_quotes(body: etree._Element, style: str) -> None:
    """Quotation marks in the book's style, decided one block at a time."""
    blocks = [body] if (body.text or "").strip() else []
    blocks += [
        child
        for child in body.iter()
        if child.tag in QUOTE_BLOCKS or (child.tag == "div" and child.get("class") == "line-block")
    ]  # a line block's quotes may open on one line and close on the next (render/blocks.py)
    for block in blocks:
        chunks = list(text_chunks(block))
        texts = set_quotes([text for _, _, text in chunks], style)
        for (element, kind, _), text in zip(chunks, texts, strict=True):
            setattr(element, kind, text)
    for element in body.iter():  # anything outside a block (rare) maps straight across
        for kind in ("text", "tail"):
            value = getattr(element, kind)
            if value and any(q in value for q in QUOTE_MARKS):
                setattr(element, kind, set_quotes([value], "double")[0])


def extract_notes(body: etree._Element, chapter_id: str) -> list[Note]:
    """Lift Python-Markdown's footnote list out; turn its references into noterefs.

    Notes are numbered in the order they are first called; a note called twice
    gets a second reference id; a note never called is left out.
    """
    items: dict[str, etree._Element] = {}
    for container in body.xpath(".//div[contains(concat(' ', @class, ' '), ' footnote ')]"):
        for item in container.xpath("./ol/li"):
            for backref in item.xpath(".//a[contains(@class, 'footnote-backref')]"):
                holder = backref.getparent()
                backref.drop_tree()
                # After a note's last block that is no paragraph (code, a list), the
                # back-link had a paragraph of its own: it would print as an empty line.
                if holder.tag == "p" and len(holder) == 0 and not (holder.text or "").strip():
                    holder.drop_tree()
            items[item.get("id", "")] = item
        container.drop_tree()
    numbers: dict[str, int] = {}
    calls: dict[str, int] = {}
    for ref in body.xpath(".//a[contains(@class, 'footnote-ref')]"):
        key = ref.get("href", "").lstrip("#")
        if key not in items:
            ref.drop_tag()
            continue
        number = numbers.setdefault(key, len(numbers) + 1)
        calls[key] = calls.get(key, 0) + 1
        suffix = "" if calls[key] == 1 else f"-{calls[key]}"
        anchor = E.a(
            str(number),
            {
                "href": f"#{chapter_id}-fn-{number}",
                "id": f"{chapter_id}-fnref-{number}{suffix}",
                "class": "noteref",
                EPUB_TYPE: "noteref",
                "role": "doc-noteref",
            },
        )
        holder = ref.getparent() if ref.getparent().tag == "sup" else ref
        new_sup = E.sup(anchor)
        new_sup.tail = holder.tail
        holder.getparent().replace(holder, new_sup)
    return [
        Note(
            f"{chapter_id}-fn-{number}",
            f"{chapter_id}-fnref-{number}",
            number,
            "".join(fragment_to_string(child) for child in items[key]),
        )
        for key, number in numbers.items()
    ]


def shift_headings(body: etree._Element) -> None:
    """The chapter title is the only h1; an author's `#` headings move down a level."""
    if body.xpath(".//h1"):
        for heading in body.xpath(".//h1|.//h2|.//h3|.//h4|.//h5"):
            heading.tag = f"h{int(heading.tag[1]) + 1}"


def prefix_ids(body: etree._Element, chapter_id: str) -> None:
    """Make every id book-unique and keep in-chapter links pointing at them."""
    taken: set[str] = set()
    renamed: dict[str, str] = {}
    copies: dict[str, list[str]] = {}  # every new id by its old one, slugified, in order
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        old = element.get("id")
        if old is None and re.fullmatch(r"h[2-6]", element.tag):
            old = slugify(text_with_tex(element))
        own = old is not None and old.startswith(f"{chapter_id}-")
        if old is None or (own and GENERATED_ID.match(old[len(chapter_id) + 1 :])):
            continue
        if old.startswith(FOOTNOTE_IDS):  # extract_notes gives notes their ids
            continue
        # A double hyphen, which slugify never makes, keeps an author's id apart from
        # the ids makebook gives notes and citations.
        new = base = f"{chapter_id}--{slugify(old)}"
        count = 0
        while new in taken:  # pandoc's auto_identifiers: the second "intro" is "intro-1"
            count += 1
            new = f"{base}-{count}"
        taken.add(new)
        renamed.setdefault(old, new)
        copies.setdefault(slugify(old), []).append(new)
        if count:  # a link written for pandoc (#intro-1) finds the heading pandoc named so
            renamed.setdefault(f"{old}-{count}", new)
        element.set("id", new)
    for link in body.xpath(".//a[starts-with(@href, '#')]"):
        target = link.get("href")[1:]
        found = renamed.get(target) or pandoc_identifier(target, copies)
        if found:
            link.set("href", "#" + found)
    retarget_drawings(body, renamed)


def pandoc_identifier(target: str, copies: Mapping[str, list[str]]) -> str | None:
    """A link written for pandoc's auto_identifiers (`#extension-raw_html`, and
    `#reader-options-1` for the second heading of that text) finds the heading."""
    numbered = re.fullmatch(r"(.+)-(\d+)", target)
    if numbered and int(numbered[2]) < len(copies.get(slugify(numbered[1]), [])):
        return copies[slugify(numbered[1])][int(numbered[2])]
    return (copies.get(slugify(target)) or [None])[0]


def link_header_references(body: etree._Element) -> None:
    """Bracketed heading text becomes a link to the chapter's heading, as pandoc makes it
    (render/header_refs.py; headings of other chapters are linked by render/book.py)."""
    link_headings(body, heading_ids(body))


def retarget_drawings(body: etree._Element, renamed: Mapping[str, str]) -> None:
    """An inline SVG refers to its own gradients and symbols by id (`url(#g)`, `#g`):
    those references follow the ids' new names."""
    if not renamed:
        return
    reference = re.compile(r"(url\(\s*['\"]?#|^#)([^)'\"\s]+)")
    for drawing in body.iter(f"{{{SVG_NS}}}svg"):
        for element in drawing.iter():
            for name, value in element.attrib.items():
                if "#" in value:
                    element.set(name, reference.sub(
                        lambda m: m.group(1) + renamed.get(m.group(2), m.group(2)), value
                    ))  # fmt: skip


def resolve_links(body: etree._Element, chapter: Chapter, paths: Mapping[str, str]) -> None:
    """`[text](other.md#part)` becomes a link to that chapter's book-unique id."""
    base = posixpath.dirname(chapter.path.as_posix())
    for link in body.xpath(".//a[@href]"):
        href = link.get("href")
        path, _, fragment = href.partition("#")
        if not path.endswith(".md") or "://" in path:
            continue
        target = posixpath.normpath(posixpath.join(base, path))
        target_id = paths.get(target) or paths.get(posixpath.normpath(path))
        if target_id is None:
            link.drop_tag()  # the loader warned; a dead link must not reach the reader
            continue
        link.set("href", f"#{target_id}--{slugify(fragment)}" if fragment else f"#{target_id}")
        link.set("class", (link.get("class", "") + " xref").strip())


def resolve_images(body: etree._Element, chapter: Chapter) -> list[Problem]:
    """Image paths become manuscript-relative (render/figures.py made the figures).

    Only images the loader found and checked are kept: anything else could name a
    file outside the book or on the network.
    """
    resolved = {i.path: i.resolved for i in chapter.images if i.resolved}
    dropped = []
    for image in body.xpath(".//img"):
        src = image.get("src", "")
        if src not in resolved:
            dropped.append(
                Problem(f"image '{src}' was left out: it could not be checked", chapter.path,
                        chapter.line_with(f"]({src}") or chapter.line_with(src),
                        hint="write images as ![alt text](path/inside/the/book.png)",
                        severity="warning")
            )  # fmt: skip
            figure = image.getparent()
            if figure.tag == "figure" and "image" in figure.get("class", "").split():
                figure.drop_tree()  # its caption describes the image that is not there
            else:
                image.drop_tree()
            continue
        image.set("src", resolved[src])
        if image.get("alt") is None:
            image.set("alt", "")
    return dropped


def mark_attributions(body: etree._Element) -> None:
    """A quote ending in '— Name' becomes a figure with the attribution as its caption."""
    for quote in body.xpath(".//blockquote"):
        paragraphs = quote.xpath("./p")
        if len(paragraphs) < 2 or paragraphs[-1] is not quote[-1]:
            continue
        last = paragraphs[-1]
        text = (last.text or "").lstrip()
        if not text.startswith(DASHES):
            continue
        last.text = text.lstrip("".join(DASHES)).lstrip()
        figure = E.figure({"class": "quote"})
        quote.getparent().replace(quote, figure)
        figure.append(quote)
        quote.remove(last)
        caption = E.figcaption({"class": "attribution"}, "\u2014\u00a0")
        caption.text += last.text or ""
        for child in last:
            caption.append(child)
        figure.append(caption)
        figure.tail, quote.tail = quote.tail, None


def mark_notes_and_breaks(body: etree._Element) -> None:
    for div in body.xpath(".//div[contains(concat(' ', @class, ' '), ' note ')]"):
        div.set("role", "note")
        title = div.attrib.pop("data-title", "")
        if title:
            heading = E.p({"class": "note-title"}, smarten(title))
            heading.tail = div.text
            div.text = None
            div.insert(0, heading)
    for div in body.xpath(".//div[@data-title]"):
        del div.attrib["data-title"]
    for rule in body.xpath(".//hr"):
        rule.set("class", (rule.get("class", "") + " scene-break").strip())
        rule.set("aria-label", "Scene break")


def mark_languages(body: etree._Element) -> None:
    """A passage in another language gets both lang (HTML readers) and xml:lang (XHTML ones)."""
    for element in body.iter():
        if isinstance(element.tag, str) and element.get("lang"):
            element.set(XML_LANG, element.get("lang"))


def wrap_concept_sections(body: etree._Element, chapter_id: str) -> None:
    """Group each `##` heading with what follows it, so sections can be styled."""
    current: etree._Element | None = None
    for child in list(body):
        if child.tag == "h2":
            name = child.text_content().strip()
            slug = "authors-note" if AUTHORS_NOTE.search(name) else slugify(name)
            current = E.section({"class": f"concept-section {slug}"})
            child.addprevious(current)
        if current is not None:
            current.append(child)


def chapter_section(book: Book, chapter: Chapter, body: etree._Element) -> etree._Element:
    epub_type, role = {
        "front": ("preface", "doc-preface"),
        "back": ("backmatter", ""),
    }.get(chapter.matter, ("chapter", "doc-chapter"))
    if chapter.matter == "back":
        epub_type = ""
    in_part = " in-part" if chapter.part else ""
    attrs = {
        "id": chapter.id,
        "class": f"chapter kind-{chapter.kind} {chapter.matter}matter{in_part}",
    }
    if epub_type:
        attrs[EPUB_TYPE] = epub_type
    if role:
        attrs["role"] = role
    section = E.section(attrs)
    if chapter.content_note:
        notice = content_note(chapter, inline_markdown(chapter.content_note, book.quotes))
        section.append(notice)
    header = E.header({"class": "chapter-head"})
    header.append(E.h1({"class": "chapter-title"}, chapter.title))
    line = chapter.tagline if chapter.kind == "concept" else chapter.subtitle
    if line:
        header.append(E.p({"class": "tagline" if chapter.kind == "concept" else "subtitle"}, line))
    if chapter.epigraph:
        header.append(epigraph_element(chapter, book.quotes))
    section.append(header)
    body_div = E.div({"class": "chapter-body"})
    body_div.text = body.text
    for child in body:
        body_div.append(child)
    section.append(body_div)
    reading = further_reading(book, chapter)
    if reading is not None:
        section.append(reading)
    if chapter.kind == "concept" and chapter.related:
        section.append(related_concepts(book, chapter))
    return section


def inline_markdown(text: str, style: str) -> etree._Element:
    """A short Markdown text from front matter (an epigraph), typeset like the body."""
    html = markdown.markdown(
        text,
        extensions=["smarty"],
        extension_configs={"smarty": {"substitutions": SMARTY_SUBSTITUTIONS}},
    )
    fragment = parse_fragment(html)
    for image in fragment.xpath(".//img"):  # front matter holds text, never files
        image.drop_tree()
    apply_quotes(fragment, style)
    return fragment


def epigraph_element(chapter: Chapter, style: str) -> etree._Element:
    assert chapter.epigraph is not None
    text = inline_markdown(chapter.epigraph.text, style)
    quote = E.blockquote()
    for child in text:
        quote.append(child)
    figure = E.figure({"class": "epigraph", EPUB_TYPE: "epigraph", "role": "doc-epigraph"}, quote)
    if chapter.epigraph.source:
        source = inline_markdown(chapter.epigraph.source, style)
        caption = E.figcaption({"class": "attribution"}, "\u2014\u00a0")
        paragraph = source[0] if len(source) else None
        if paragraph is not None:
            caption.text += paragraph.text or ""
            for child in paragraph:
                caption.append(child)
        figure.append(caption)
    return figure


def related_concepts(book: Book, chapter: Chapter) -> etree._Element:
    items = []
    for related in chapter.related:
        other = book.chapter(related)
        item = E.li(E.a({"href": f"#{other.id}", "class": "xref"}, other.title))
        if other.tagline:
            item[-1].tail = "\u00a0\u2013 " + other.tagline
        items.append(item)
    return E.section(
        {"class": "related-concepts"},
        E.h2({"id": f"{chapter.id}-related-concepts"}, "Related Concepts"),
        E.ul(*items),
    )
