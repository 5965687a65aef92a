"""The shared XHTML vocabulary: element builder, namespaces, serialisation."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from lxml import etree
from lxml.builder import ElementMaker

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
EPUB_TYPE = f"{{{EPUB_NS}}}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Fragments carry no namespace; the document that embeds them supplies XHTML's.
E = ElementMaker(nsmap={"epub": EPUB_NS})


def fragment_to_string(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode", method="xml", with_tail=False)


# Elements HTML writes without an end tag; any other element written `<x/>` is read by an
# HTML parser (WeasyPrint's) as an open tag that takes in everything after it.
HTML_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def for_html_parser(tree: etree._Element) -> str:
    """XHTML an HTML parser reads as written: every empty element but the void ones gets
    an end tag (`<div class="write-line"></div>`, not `<div .../>`)."""
    for element in tree.iter():
        if (
            isinstance(element.tag, str)
            and element.text is None
            and not len(element)
            and etree.QName(element).localname not in HTML_VOID
        ):
            element.text = ""
    return etree.tostring(tree, encoding="unicode", method="xml")


def parse_fragments(html: str) -> etree._Element:
    """A run of sibling elements (a footnote's paragraphs), under a <div> to hold them."""
    return etree.fromstring(f"<div>{html}</div>")


def fragments_to_string(holder: etree._Element) -> str:
    """The inverse of parse_fragments."""
    return (holder.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="xml") for child in holder
    )


PageT = TypeVar("PageT")


def rewritten_page(
    page: PageT,
    tree: etree._Element,
    note_trees: Sequence[etree._Element],
    changed: Iterable[Any],
    warnings: Sequence[Any] = (),
) -> PageT:
    """A rendered page (model.Page) with its edited tree written back, each note whose
    `changed` entry is truthy written back from its tree, and `warnings` added."""
    notes = tuple(
        dataclasses.replace(note, html=fragments_to_string(holder)) if edited else note
        for note, holder, edited in zip(page.notes, note_trees, changed, strict=True)  # type: ignore[attr-defined]
    )
    return dataclasses.replace(  # type: ignore[type-var]
        page,
        html=fragment_to_string(tree),
        notes=notes,
        warnings=(*page.warnings, *warnings),  # type: ignore[attr-defined]
    )


def unwrap(element: etree._Element) -> None:
    """Remove an element but keep its text and children where it stood."""
    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    text = element.text or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    children = list(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    last = children[-1] if children else element.getprevious()
    if last is not None and last is not element:
        last.tail = (last.tail or "") + (element.tail or "")
    else:
        parent.text = (parent.text or "") + (element.tail or "")
    parent.remove(element)


NO_TEXT = {"noteref"}  # classes whose text the printed line does not show inline


def text_chunks(section: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
    """(element, 'text' or 'tail', string) in reading order."""

    def visit(element: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
        skip = bool(set((element.get("class") or "").split()) & NO_TEXT)
        if element.text and not skip:
            yield element, "text", element.text
        for child in element:
            if isinstance(child.tag, str):
                yield from visit(child)
            if child.tail:
                yield child, "tail", child.tail

    yield from visit(section)
