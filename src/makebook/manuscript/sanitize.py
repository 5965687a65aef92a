"""Whatever HTML an author's Markdown holds becomes safe, valid XHTML.

nh3 (the Rust ammonia sanitiser) removes active content and unknown markup;
the repair pass then fixes what a sanitiser leaves valid as HTML but invalid
for EPUB: block elements inside inline ones, list items outside lists,
attribute values the XHTML schema refuses, and characters XML forbids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from lxml import etree
from lxml import html as lxml_html

from makebook.manuscript.svg import MATHML_NS, SVG_NS, clean_math, clean_svg, parse_inline

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "style"},  # style: width and height only
    "td": {"colspan", "rowspan", "style"},  # style: text-align only, for table columns
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "type"},
    "div": {"data-title"},
    "span": {"data-title"},
    "time": {"datetime"},
    "details": {"open"},
}
INLINE = {
    "a", "abbr", "b", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
}  # fmt: skip
BLOCK = {
    "blockquote", "div", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p",
    "pre", "section", "table", "ul", "figcaption", "li", "dt", "dd", "details", "summary",
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
ACTIVE_TAGS = (
    "script", "iframe", "object", "embed", "style", "form", "input", "button", "frame",
    "frameset", "applet", "link", "meta", "base",
)  # fmt: skip
ACTIVE = re.compile(
    rf"<\s*({'|'.join(ACTIVE_TAGS)})\b|\son[a-z]+\s*=|javascript:",
    re.IGNORECASE,
)
# Inline SVG and MathML are kept, after cleaning: EPUB 3 allows both.
FOREIGN = {"svg": SVG_NS, "math": MATHML_NS}
FOREIGN_OPEN = re.compile(r"<(svg|math)\b", re.IGNORECASE)
PLACEHOLDER = "makebook-foreign-"
TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])")
COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
MEDIA = {"video", "audio", "source", "track"}
DROPPED_HINTS = {
    "media": "link to it instead, e.g. [Watch the clip](https://...), beside a still image "
    "![A frame of the clip](images/still.jpg)",
    "canvas": "a canvas needs a script to draw anything; use an image (PNG or SVG)",
    "picture": "write the image itself: ![What it shows](images/picture.jpg)",
    "other": "use Markdown, or plain HTML such as <div>, <span>, <figure> and <table>",
}
# Python-Markdown leaves its placeholder for a backslash-escaped character (STX, the
# code point, ETX) in an e-mail autolink, entity-encoded with the rest of the address.
ESCAPED_CHARACTER = re.compile(r"(?:&#2;|\x02)((?:\d|&#(?:4[89]|5[0-7]);)+)(?:&#3;|\x03)")
# A data attribute's name: XML name characters (the common ranges), no colon, no upper case.
DATA_NAME = re.compile(
    "data-[a-z0-9_.\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u037d\u037f-\u1fff-]+"
)
HOST = re.compile(r"^[^.\s]+(\.[^.\s]+)*\.?$")
# Characters a URL may not hold as they are (pandoc escapes the same ones).
URL_ESCAPE = re.compile(r"[\s<>|\"{}\[\]^`\\]|%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class Removal:
    """Raw HTML the book cannot keep (or keeps only in part), to be reported at the
    line where `tag` is written."""

    tag: str
    message: str
    hint: str
    needle: str = ""  # the text to find the line by, when not the tag


# HTML's event handler attributes (`onclick`, `onmouseover`...), not any name in "on"
# (`{one=1}` is pandoc's data-one).
EVENT_HANDLER = re.compile(
    r"on(?:abort|auxclick|after\w*|animation\w*|before\w*|blur|cancel|change|click|close|"
    r"contextmenu|copy|cut|dblclick|drag\w*|drop|ended|error|focus\w*|hashchange|input|"
    r"invalid|key\w*|load\w*|message|mouse\w*|paste|pause|play\w*|pointer\w*|popstate|"
    r"reset|resize|scroll|search|select\w*|show|storage|submit|toggle|touch\w*|"
    r"transition\w*|unload|wheel)"
)


def valid_attribute(tag: str, name: str, value: str) -> str | None:
    """The value to keep, or None to drop an attribute the XHTML schema would refuse."""
    if name.startswith("data-"):  # XML-compatible, no colon, no upper case (HTML's rule)
        # pandoc's `{onclick=...}` or `{style=...}` on a div or span: a handler or style
        # the author meant, kept out even as inert data (the loader reports it).
        meant = name.removeprefix("data-")
        if EVENT_HANDLER.fullmatch(meant) or meant in ("style", "src", "href", "srcset"):
            return None
        return value if DATA_NAME.fullmatch(name) else None
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
        filter_style_properties={"text-align", "width", "height"},
        generic_attribute_prefixes={"data-"},  # pandoc's `{key=value}` is `data-key`
    )


def parse(html: str, removals: list[Removal] | None = None) -> etree._Element:
    """A `<div>` holding the cleaned, repaired fragment; what could not be kept is added
    to `removals`."""
    report = removals if removals is not None else []
    html = ESCAPED_CHARACTER.sub(escaped_character, html)
    html, foreign = lift_foreign(html)
    report += dropped_elements(html)
    # huge_tree: past libxml2's usual 256 levels the parser drops text without a word;
    # render.flatten_deep_nesting then keeps that text, without the structure.
    parser = lxml_html.HTMLParser(huge_tree=True)
    container = lxml_html.fragment_fromstring(
        clean(html) or "<p></p>", create_parent="div", parser=parser
    )
    repair(container)
    restore_foreign(container, foreign, report)
    encode_urls(container, report)
    for element in container.iter():
        if element.get("style") is not None and not element.get("style").strip():
            del element.attrib["style"]  # every property in it was filtered out
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
        elif element.tag == "summary" and (parent.tag != "details" or parent[0] is not element):
            element.tag = "p"  # a summary is only the first child of <details>
        elif element.tag in BLOCK and parent.tag in PHRASING_ONLY:
            element.drop_tag()
    for element in list(container.iter("ul", "ol", "dl", "details")):
        {"dl": repair_definitions, "details": repair_details}.get(element.tag, repair_list)(element)


def repair_list(element: etree._Element) -> None:
    if (element.text or "").strip() or any(
        c.tag != "li" or (c.tail or "").strip() for c in element if isinstance(c.tag, str)
    ):
        rebuild(element, {"li"}, "li")


def rebuild(holder: etree._Element, allowed: set[str], tag: str) -> None:
    """Keep the order of everything in `holder`, with loose text and children put into
    items of their own."""
    pieces: list = []  # type: ignore[type-arg]
    if (holder.text or "").strip():
        pieces.append(holder.text)
    holder.text = None
    for child in list(holder):
        tail, child.tail = child.tail, None
        holder.remove(child)
        pieces.append(child)
        if (tail or "").strip():
            pieces.append(tail)
    item = None
    for piece in pieces:
        if not isinstance(piece, str) and isinstance(piece.tag, str) and piece.tag in allowed:
            holder.append(piece)
            item = None
            continue
        if item is None:
            item = lxml_html.Element(tag)
            holder.append(item)
        if isinstance(piece, str):
            if len(item):
                item[-1].tail = (item[-1].tail or "") + piece
            else:
                item.text = (item.text or "") + piece
        else:
            item.append(piece)


def repair_definitions(element: etree._Element) -> None:
    """A <dl> holds terms, each followed by its definitions; anything else is mended."""
    if (element.text or "").strip() or any(
        c.tag not in ("dt", "dd") or (c.tail or "").strip() for c in element
    ):
        rebuild(element, {"dt", "dd"}, "dd")
    if not any(child.tag == "dt" for child in element):
        element.tag = "div"  # definitions of nothing: plain blocks
        element.set("class", (element.get("class", "") + " definitions").strip())
        for child in element:
            child.tag = "div"
            child.set("class", (child.get("class", "") + " definition").strip())
        return
    while len(element) and element[0].tag == "dd":  # a definition before any term
        leading = element[0]
        leading.tag = "div"
        leading.set("class", (leading.get("class", "") + " definition").strip())
        element.addprevious(leading)
    if element[-1].tag == "dt":
        element.append(lxml_html.Element("dd"))


def repair_details(element: etree._Element) -> None:
    """<details> opens with its <summary>; readers show "Details" when there is none."""
    if len(element) and element[0].tag == "summary":
        return
    summary = lxml_html.Element("summary")
    summary.text = "Details"
    summary.tail, element.text = element.text, None
    element.insert(0, summary)


def lift_foreign(html: str) -> tuple[str, list[tuple[str, str]]]:
    """Take each inline <svg> and <math> out of the HTML (the sanitiser would drop them)
    and leave a placeholder the cleaned element will take."""
    found: list[tuple[str, str]] = []
    parts: list[str] = []
    position = 0
    while match := FOREIGN_OPEN.search(html, position):
        tag = match.group(1).lower()
        end = closing(html, tag, match.start())
        if end is None:  # never closed: left to the sanitiser, which drops it
            parts.append(html[position : match.end()])
            position = match.end()
            continue
        parts.append(html[position : match.start()])
        parts.append(f'<span class="{PLACEHOLDER}{len(found)}"></span>')
        found.append((tag, html[match.start() : end]))
        position = end
    parts.append(html[position:])
    return "".join(parts), found


def closing(html: str, tag: str, start: int) -> int | None:
    """The end of the element opened at `start`, counting nested elements of its name."""
    depth = 0
    for match in re.finditer(rf"<(/?){tag}\b[^>]*?(/?)>", html[start:], re.IGNORECASE):
        closing_tag, self_closing = match.group(1), match.group(2)
        if not closing_tag and not self_closing:
            depth += 1
        elif closing_tag:
            depth -= 1
        if depth == 0:
            return start + match.end()
    return None


def restore_foreign(
    container: etree._Element, foreign: list[tuple[str, str]], report: list[Removal]
) -> None:
    for placeholder in container.xpath(f".//span[starts-with(@class, '{PLACEHOLDER}')]"):
        tag, source = foreign[int(placeholder.get("class")[len(PLACEHOLDER) :])]
        element = parse_inline(source, FOREIGN[tag])
        if element is None or etree.QName(element).localname != tag:
            report.append(
                Removal(tag, f"<{tag}> removed: it is not well-formed XML",
                        f"write the <{tag}> as XML, as a drawing or equation program exports it")
            )  # fmt: skip
            drop_keeping_tail(placeholder)
            continue
        removed = clean_svg(element) if tag == "svg" else clean_math(element)
        # Scripts and handlers are reported with the rest of the chapter's active content.
        removed = [r for r in removed if r != "<script>" and not r.startswith("the on")]
        if removed:
            report.append(
                Removal(tag, f"inline <{tag}>: removed {', '.join(removed)}",
                        "a book cannot run scripts or load other files; keep the drawing "
                        "self-contained" if tag == "svg" else
                        "EPUB keeps presentation MathML only (mi, mo, mn, mfrac, msup...)")
            )  # fmt: skip
        element.tail = placeholder.tail
        placeholder.getparent().replace(placeholder, element)


def drop_keeping_tail(element: etree._Element) -> None:
    element.text = None
    for child in list(element):
        element.remove(child)
    element.drop_tag()


def dropped_elements(html: str) -> list[Removal]:
    """Each kind of element the sanitiser will remove, once (scripts and other active
    content are reported by the loader)."""
    seen: dict[str, None] = {}
    for match in TAG.finditer(COMMENT.sub("", html)):
        tag = match.group(1).lower()
        if tag not in ALLOWED_TAGS and tag not in ACTIVE_TAGS:
            seen.setdefault(tag)
    return [dropped(tag) for tag in seen]


def dropped(tag: str) -> Removal:
    if tag in MEDIA:
        return Removal(
            tag,
            f"<{tag}> removed: a printed book cannot play it and few EPUB readers do; "
            "the text inside it, if any, is kept",
            DROPPED_HINTS["media"],
        )
    kind = tag if tag in DROPPED_HINTS else "other"
    return Removal(
        tag, f"<{tag}> removed: a book keeps plain document markup only; its text is kept",
        DROPPED_HINTS[kind],
    )  # fmt: skip


def encode_urls(container: etree._Element, report: list[Removal]) -> None:
    """Percent-encode what a URL may not hold (spaces, <, >...), as pandoc does; an
    escape already there is kept. A web address without a valid host is no link."""
    for link in list(container.iter("a")):
        href = link.get("href")
        if not href:
            continue
        if URL_ESCAPE.search(href):
            href = URL_ESCAPE.sub(percent, href)
            link.set("href", href)
        if not valid_host(href):
            report.append(
                Removal("a", f"link to '{href}' removed: it names no valid web address",
                        "write the full address, such as https://example.com/page",
                        needle=link.get("href", "").split("//", 1)[-1][:40])
            )  # fmt: skip
            link.drop_tag()


def escaped_character(match: re.Match[str]) -> str:
    digits = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), match.group(1))
    return f"&#{digits};"


def valid_host(href: str) -> bool:
    """http(s) URLs need a host whose labels are not empty (EPUBCheck checks them)."""
    if not href.lower().startswith(("http://", "https://")):
        return True
    try:
        host = urlsplit(href).hostname or ""
    except ValueError:
        return False
    return bool(HOST.match(host)) or host.startswith("[")


def percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group(0).encode("utf-8"))


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
