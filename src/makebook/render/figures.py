"""Figures as pandoc makes them (implicit_figures), and pandoc's attributes on images and
headings.

An image alone in a paragraph becomes a `<figure>` whose `<figcaption>` is the image's
alt text, rendered as Markdown (emphasis, code, citations); the image keeps the alt text
as plain text. `![Alt](img.png){#fig:id width=50% .class}`: the id goes on the figure,
widths and heights as pandoc writes them (`style="width:50.0%"`, or `width="300"` for
pixels), classes on the image, any other `key=value` as `data-key`. On headings:
`{-}` is `.unnumbered`, `key=value` is `data-key`.

How: while Python-Markdown parses, every image is wrapped in a `<span class="mb-image">`
holding the `<img>` and a `<span class="mb-caption">` with the alt text's Markdown, which
Python-Markdown renders like any other text. After parsing, `make_figures` turns each
wrapper into a figure or back into a plain image.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lxml import etree
from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
)
from markdown.treeprocessors import Treeprocessor

from makebook.xhtml import E

WRAPPER = "mb-image"
CAPTION = "mb-caption"
OWN_ALT = "data-mb-alt"  # `{alt="..."}`, until make_figures puts it in place
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# What pandoc writes as an HTML attribute as it is; any other `key=value` it writes as
# `data-key` (HTML5 has no attribute of that name).
HTML_ATTRIBUTES = {"id", "class", "lang", "title", "dir", "style", "src"}
DIMENSION = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(px|cm|mm|in|inch|pt|pc|em|%)?$")


def wrap_image(image: ET.Element, alt_source: str) -> ET.Element:
    """The image beside its alt text's Markdown, which becomes a caption if it stands alone."""
    wrapper = ET.Element("span", {"class": WRAPPER})
    wrapper.append(image)
    caption = ET.SubElement(wrapper, "span", {"class": CAPTION})
    caption.text = alt_source
    return wrapper


class FigureImageProcessor(ImageInlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        text, _, handled = self.getText(data, m.end(0))
        image, start, end = super().handleMatch(m, data)
        if image is None or not handled:
            return image, start, end
        return wrap_image(image, text), start, end


class FigureReferenceProcessor(ImageReferenceInlineProcessor):
    def makeTag(self, href: str, title: str, text: str) -> ET.Element:  # noqa: N802
        return wrap_image(super().makeTag(href, title, text), text)


class FigureShortReferenceProcessor(ShortImageReferenceInlineProcessor):
    def makeTag(self, href: str, title: str, text: str) -> ET.Element:  # noqa: N802
        return wrap_image(super().makeTag(href, title, text), text)


def dimension(value: str) -> tuple[str, str] | None:
    """pandoc's HTML for a width or height: ("attribute", "300") for pixels,
    ("style", "50.0%") or ("style", "2.5cm") otherwise, None when it is no length."""
    match = DIMENSION.match(value)
    if not match:
        return None
    number, unit = float(match[1]), match[2] or "px"
    if unit == "px":
        return ("attribute", str(int(number))) if int(number) > 0 else None
    if unit == "%":
        return "style", f"{number!r}%"  # pandoc shows a percentage as a Double: 50.0%
    return "style", f"{number:g}{'in' if unit == 'inch' else unit}"


def image_attributes(wrapper: ET.Element) -> None:
    """The `{...}` after an image (attr_list put them on the wrapper) as pandoc writes them:
    the id stays on the wrapper (for the figure), the rest go on the image."""
    image = wrapper[0]
    styles = [image.get("style", "")] if image.get("style") else []
    for name, value in list(wrapper.attrib.items()):
        if name == "id":
            continue
        del wrapper.attrib[name]
        if name == "class":
            classes = [c for c in (value or "").split() if c != WRAPPER]
            if classes:
                image.set("class", " ".join(classes))
        elif name in ("width", "height"):
            written = dimension(value or "")
            if written and written[0] == "attribute":
                image.set(name, written[1])
            elif written:
                styles.append(f"{name}:{written[1]}")
        elif name == "alt" and value is not None:
            image.set(OWN_ALT, value)  # pandoc 3: alt text of its own, the caption apart
        elif value is not None and name != "-":
            image.set(name if name in HTML_ATTRIBUTES else data_name(name), value)
    wrapper.set("class", WRAPPER)
    if styles:
        image.set("style", ";".join(styles))


def data_name(name: str) -> str:
    """pandoc's `data-` name for a non-HTML attribute; XHTML wants it lower case."""
    name = name.lower()
    return name if name.startswith("data-") else f"data-{name}"


def heading_attributes(heading: ET.Element) -> None:
    """`{-}` is pandoc's `.unnumbered`; a `key=value` is `data-key`, as pandoc writes it."""
    for name, value in list(heading.attrib.items()):
        if name in HTML_ATTRIBUTES or name.startswith("data-"):
            continue
        del heading.attrib[name]
        if name == "-" and value is None:
            classes = heading.get("class", "").split()
            heading.set("class", " ".join([*classes, "unnumbered"]))
        elif value is not None:
            heading.set(data_name(name), value)


class PandocAttributes(Treeprocessor):
    """After attr_list: pandoc's meaning for the attributes on images and headings."""

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag == "span" and element.get("class", "").split()[:1] == [WRAPPER]:
                image_attributes(element)
            elif element.tag in HEADINGS:
                heading_attributes(element)


class FigureExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # The same names and priorities as Python-Markdown's own image patterns, so these
        # replace them.
        md.inlinePatterns.register(FigureImageProcessor(IMAGE_LINK_RE, md), "image_link", 150)
        md.inlinePatterns.register(
            FigureReferenceProcessor(IMAGE_REFERENCE_RE, md), "image_reference", 140
        )
        md.inlinePatterns.register(
            FigureShortReferenceProcessor(IMAGE_REFERENCE_RE, md), "short_image_ref", 125
        )
        md.treeprocessors.register(PandocAttributes(md), "pandoc_attributes", 7)  # attr_list: 8


def make_figures(body: etree._Element) -> None:
    """Each image alone in a paragraph with alt text becomes a figure captioned by it
    (pandoc's implicit_figures); every image keeps its alt text as plain text."""
    for wrapper in body.xpath(f".//span[@class='{WRAPPER}']"):
        image = wrapper.find("img")
        caption = wrapper.find(f"span[@class='{CAPTION}']")
        if image is None or caption is None:  # not ours: raw HTML of that class
            continue
        alt = " ".join("".join(caption.itertext()).split())
        own_alt = image.attrib.pop(OWN_ALT, None)
        image.set("alt", alt if own_alt is None else own_alt)
        parent = wrapper.getparent()
        if alt and alone_in_paragraph(wrapper):
            figure = E.figure({"class": "image"})
            if wrapper.get("id"):
                figure.set("id", wrapper.get("id"))
            caption.tag = "figcaption"
            del caption.attrib["class"]
            if own_alt is None:  # as pandoc: the image's alt text says it already
                caption.set("aria-hidden", "true")
            caption.tail = None
            image.tail = None
            figure.extend([image, caption])
            figure.tail = parent.tail
            parent.getparent().replace(parent, figure)
            continue
        if wrapper.get("id"):
            image.set("id", wrapper.get("id"))
        wrapper.remove(caption)
        image.tail = wrapper.tail
        wrapper.addprevious(image)
        parent.remove(wrapper)


def alone_in_paragraph(wrapper: etree._Element) -> bool:
    parent = wrapper.getparent()
    return (
        parent is not None
        and parent.tag == "p"
        and parent.getparent() is not None
        and len(parent) == 1
        and not (parent.text or "").strip()
        and not (wrapper.tail or "").strip()
    )
