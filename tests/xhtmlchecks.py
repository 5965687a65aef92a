"""What EPUBCheck would say about an EPUB's documents, in part and fast: well-formed XML,
unique ids, live links, elements where they may stand, valid attribute values, and no
active content (scripts, handlers, embeds, styles, script and data URLs)."""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from conftest import epub_files


def local(name: str) -> str:
    return etree.QName(name).localname.lower()


def xhtml_trees(files: dict[str, bytes]) -> dict[str, etree._Element]:
    """Every XML document of the EPUB parsed as XML: raises on the first that is not."""
    return {
        name: etree.fromstring(data)
        for name, data in files.items()
        if name.endswith((".xhtml", ".opf", ".ncx", ".xml"))
    }


def document_with(files: dict[str, bytes], text: str) -> str:
    found = [n for n, d in files.items() if n.endswith(".xhtml") and text.encode() in d]
    assert found, f"no content document contains {text!r}"
    return found[0]


# --- structural checks: a small, fast part of what EPUBCheck checks ---------------

PHRASING = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q",
    "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
}  # fmt: skip
FLOW_ONLY = {
    "address", "article", "aside", "blockquote", "details", "div", "dl", "dd", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "summary", "table", "ul",
}  # fmt: skip
PARENTS = {
    "li": {"ul", "ol", "menu"},
    "dd": {"dl", "div"},
    "dt": {"dl", "div"},
    "figcaption": {"figure"},
    "summary": {"details"},
    "caption": {"table"},
    "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr"},
    "th": {"tr"},
}
LANG_TAG = re.compile(r"^$|^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
DATETIME = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$"
    r"|^\d{2}:\d{2}(:\d{2})?$|^P[\dDTHMS.]+$"
)
ATTRIBUTE_RULES = {
    "colspan": lambda v: v.isdigit() and int(v) >= 1,
    "rowspan": lambda v: v.isdigit(),
    "scope": lambda v: v in {"row", "col", "rowgroup", "colgroup"},
    "dir": lambda v: v in {"ltr", "rtl", "auto"},
    "lang": lambda v: bool(LANG_TAG.match(v)),
    "width": lambda v: v.isdigit(),
    "height": lambda v: v.isdigit(),
}
ELEMENT_ATTRIBUTE_RULES = {
    ("ol", "start"): lambda v: bool(re.fullmatch(r"-?\d+", v)),
    ("ol", "type"): lambda v: v in {"1", "a", "A", "i", "I"},
    ("time", "datetime"): lambda v: bool(DATETIME.match(v)),
}


def structure_problems(files: dict[str, bytes], names: list[str] | None = None) -> list[str]:
    """Duplicate ids, dangling links, misplaced elements and invalid attribute values."""
    trees = {n: etree.fromstring(d) for n, d in files.items() if n.endswith(".xhtml")}
    ids = {n: {e.get("id") for e in t.iter() if e.get("id")} for n, t in trees.items()}
    problems = []
    for name in names or sorted(trees):
        tree = trees[name]
        seen: set[str] = set()
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            tag = local(element.tag)
            where = f"{name}: <{tag}>"
            element_id = element.get("id")
            if element_id in seen:
                problems.append(f"{where} duplicate id {element_id!r}")
            if element_id:
                seen.add(element_id)
            parent = element.getparent()
            if tag in PARENTS and parent is not None and local(parent.tag) not in PARENTS[tag]:
                problems.append(f"{where} inside <{local(parent.tag)}>")
            if tag == "details" and (len(element) == 0 or local(element[0].tag) != "summary"):
                problems.append(f"{where} without a <summary> first")
            if tag in PHRASING:
                for inner in element.iterdescendants():
                    if isinstance(inner.tag, str) and local(inner.tag) in FLOW_ONLY:
                        problems.append(f"{where} contains <{local(inner.tag)}>")
                        break
            for attribute, value in element.attrib.items():
                key = local(attribute)
                if key == "align":
                    problems.append(f"{where} has the obsolete align attribute")
                rule = ATTRIBUTE_RULES.get(key) or ELEMENT_ATTRIBUTE_RULES.get((tag, key))
                if rule and not rule(value):
                    problems.append(f"{where} {key}={value!r}")
            href = element.get("href") if tag == "a" else None
            if href and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href):
                path, _, fragment = href.partition("#")
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name), path))
                target = target if path else name
                if target not in files:
                    problems.append(f"{where} links to missing {href!r}")
                elif fragment and fragment not in ids.get(target, set()):
                    problems.append(f"{where} links to undefined fragment {href!r}")
    return problems


def package_problems(epub: Path) -> list[str]:
    """Duplicate zip entries, manifest ids or spine entries; manifest items that are missing."""
    with zipfile.ZipFile(epub) as archive:
        names = archive.namelist()
    problems = [] if len(names) == len(set(names)) else ["duplicate zip entries"]
    files = epub_files(epub)
    container = etree.fromstring(files["META-INF/container.xml"])
    opf_path = container.find(".//{*}rootfile").get("full-path")
    package = etree.fromstring(files[opf_path])
    items = package.findall(".//{*}manifest/{*}item")
    item_ids = [i.get("id") for i in items]
    if len(item_ids) != len(set(item_ids)):
        problems.append(
            f"duplicate manifest ids {sorted({i for i in item_ids if item_ids.count(i) > 1})}"
        )
    for item in items:
        href = posixpath.normpath(posixpath.join(posixpath.dirname(opf_path), item.get("href")))
        if href not in files:
            problems.append(f"manifest item {item.get('href')!r} is not in the EPUB")
    spine = [i.get("idref") for i in package.findall(".//{*}spine/{*}itemref")]
    if len(spine) != len(set(spine)):
        problems.append("an item is twice in the spine")
    return problems


# Inline <svg> and <math> are kept once cleaned (EPUB 3 allows both): the checks below
# still look inside them for scripts, handlers and script URLs.
FORBIDDEN_ELEMENTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "param", "style",
    "form", "input", "button", "select", "textarea", "base", "link", "meta", "foreignobject",
    "video", "audio", "canvas", "source", "track", "noscript", "template",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "background", "srcset"}


def sizes_only(tag: str, style: str) -> bool:
    """An image's width and height (pandoc's `{width=50%}`) are the one style kept."""
    names = {p.partition(":")[0].strip() for p in style.split(";") if p.strip()}
    return tag == "img" and bool(names) and names <= {"width", "height"}


def active_content(root: etree._Element, where: str) -> list[str]:
    """Scripts, handlers, embeds, styles and script/data URLs in a document's body."""
    body = root.find("{*}body") if local(root.tag) == "html" else root
    assert body is not None, where
    problems = []
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        tag = local(element.tag)
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"{where}: <{tag}>")
        for attribute, value in element.attrib.items():
            key = local(attribute)
            if key.startswith("on"):
                problems.append(f"{where}: <{tag} {key}>")
            if key == "style" and tag not in ("td", "th") and not sizes_only(tag, value):
                problems.append(f"{where}: <{tag} style>")
            squeezed = re.sub(r"[\s\x00-\x1f]+", "", value).lower()
            if key in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "vbscript:", "data:")):
                problems.append(f"{where}: <{tag} {key}={value!r}>")
    return problems
