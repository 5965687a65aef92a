"""Whatever HTML an author's Markdown holds becomes safe, valid XHTML.

nh3 (the Rust ammonia sanitiser) removes active content and unknown markup;
the repair pass then fixes what a sanitiser leaves valid as HTML but invalid
for EPUB: block elements inside inline ones, list items outside lists,
attribute values the XHTML schema refuses, and characters XML forbids.
"""

from __future__ import annotations

import re

import nh3
from lxml import etree
from lxml import html as lxml_html

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "section", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},  # style: text-align only, for table columns
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "type"},
    "div": {"data-title"},
    "span": {"data-title"},
    "time": {"datetime"},
}
INLINE = {
    "a", "abbr", "b", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
}  # fmt: skip
BLOCK = {
    "blockquote", "div", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p",
    "pre", "section", "table", "ul", "figcaption", "li", "dt", "dd",
}  # fmt: skip
# XML 1.0 allows tab, newline and carriage return below U+0020, and not U+FFFE/U+FFFF.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
VALID_VALUES = {
    "scope": {"row", "col", "rowgroup", "colgroup"},
    "dir": {"ltr", "rtl", "auto"},
    "type": {"1", "a", "A", "i", "I"},
}
PHRASING_ONLY = {"p", "h1", "h2", "h3", "h4", "h5", "h6", *INLINE}
ACTIVE = re.compile(
    r"<\s*(script|iframe|object|embed|style|form|input|button|frame|frameset|applet|link|meta|base)\b"
    r"|\son[a-z]+\s*=|javascript:",
    re.IGNORECASE,
)


def valid_attribute(tag: str, name: str, value: str) -> str | None:
    """The value to keep, or None to drop an attribute the XHTML schema would refuse."""
    if name in ("colspan", "rowspan", "width", "height"):
        return value if value.isdigit() and int(value) > 0 else None
    if name == "start":
        return value if re.fullmatch(r"-?\d+", value) else None
    if name in VALID_VALUES:
        return value if value in VALID_VALUES[name] else None
    if name == "lang":
        return value if LANGUAGE.match(value) else None
    if name == "datetime":
        return value if re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?([T ][\d:.]+Z?)?", value) else None
    if name == "id":
        return value if value and not any(c.isspace() for c in value) else None
    return value


def clean(html: str) -> str:
    """Only plain document markup survives: no scripts, handlers, styles or embeds."""
    return nh3.clean(
        FORBIDDEN.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=valid_attribute,
        filter_style_properties={"text-align"},
    )


def parse(html: str) -> etree._Element:
    """A `<div>` holding the cleaned, repaired fragment."""
    # huge_tree: past libxml2's usual 256 levels the parser drops text without a word;
    # render.flatten_deep_nesting then keeps that text, without the structure.
    parser = lxml_html.HTMLParser(huge_tree=True)
    container = lxml_html.fragment_fromstring(
        clean(html) or "<p></p>", create_parent="div", parser=parser
    )
    repair(container)
    for element in container.iter():
        for kind in ("text", "tail"):
            value = getattr(element, kind)
            if value and FORBIDDEN.search(value):  # entities such as &#x1; decode to these
                setattr(element, kind, FORBIDDEN.sub("", value))
    return container


def repair(container: etree._Element) -> None:
    """Make sanitised HTML valid XHTML content for EPUB."""
    for element in list(container.iter()):
        if not isinstance(element.tag, str) or element is container:
            continue
        parent = element.getparent()
        if parent is None:
            continue
        if element.tag in INLINE and any(d.tag in BLOCK for d in element.iterdescendants()):
            element.drop_tag()  # an inline element may not hold a paragraph or a list
        elif element.tag == "li" and parent.tag not in ("ul", "ol"):
            wrap(element, "ul")
        elif element.tag in ("dt", "dd") and parent.tag != "dl":
            wrap(element, "dl")
        elif element.tag == "figcaption" and parent.tag != "figure":
            element.tag = "p"
        elif element.tag in BLOCK and parent.tag in PHRASING_ONLY:
            element.drop_tag()


def wrap(element: etree._Element, tag: str) -> None:
    holder = lxml_html.Element(tag)
    element.addprevious(holder)
    holder.append(element)


def active_content_lines(markdown: str) -> list[tuple[int, str]]:
    """Lines where raw HTML would run code or load something; it is removed, and said so."""
    return [
        (number, match.group(0).strip())
        for number, line in enumerate(markdown.split("\n"), 1)
        for match in [ACTIVE.search(line)]
        if match
    ]
