"""SVG and MathML made inert: nothing that runs, nothing that loads, valid in an EPUB.

An SVG file or an inline `<svg>` may hold scripts, event handlers, external
entities and references to other files or the network. EPUB readers refuse
such content (EPUBCheck asks for the `scripted` and `remote-resources`
properties, or fails to parse it at all), and a build must never read outside
the book. Everything that could run or load is removed here, and each removal
is named so the author hears of it.
"""

from __future__ import annotations

import re

from lxml import etree

from makebook.xhtml import E, unwrap

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
XLINK_HREF = f"{{{XLINK_NS}}}href"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

# Elements that run code or embed other documents.
ACTIVE_SVG = {"script", "foreignObject", "handler", "listener", "iframe"}
# An animation may change a harmless href into javascript: while the picture is shown.
ANIMATIONS = {"set", "animate"}
# A data: URL may carry a picture, never another document.
SAFE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp);", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
IMPORT = re.compile(r"@import\b", re.IGNORECASE)

SVG_ELEMENTS = {
    "a", "animate", "animateMotion", "animateTransform", "circle", "clipPath", "defs", "desc",
    "ellipse", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
    "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap", "feDistantLight",
    "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur",
    "feImage", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight",
    "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence", "filter", "font",
    "font-face", "font-face-format", "font-face-name", "font-face-src", "font-face-uri",
    "glyph", "g", "hkern", "image", "line", "linearGradient", "marker", "mask", "metadata",
    "missing-glyph", "mpath", "path", "pattern", "polygon", "polyline", "radialGradient",
    "rect", "set", "stop", "style", "svg", "switch", "symbol", "text", "textPath", "title",
    "tref", "tspan", "use", "view", "vkern",
}  # fmt: skip
# What Markdown makes of `*text*` inside an inline SVG: its text is kept, silently.
MARKDOWN_INLINE = {"em", "strong", "code", "b", "i", "span", "br", "sup", "sub"}

# Presentation MathML (MathML Core), the part EPUB 3 reading systems render.
MATHML_ELEMENTS = {
    "math", "maction", "annotation", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo",
    "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt",
    "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder",
    "munderover", "semantics", "none", "mfenced", "menclose", "mlabeledtr",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "display", "alttext", "mathvariant", "mathsize", "mathcolor", "mathbackground", "dir",
    "displaystyle", "scriptlevel", "fence", "separator", "stretchy", "symmetric", "largeop",
    "movablelimits", "accent", "accentunder", "lspace", "rspace", "minsize", "maxsize",
    "linethickness", "numalign", "denomalign", "bevelled", "width", "height", "depth",
    "voffset", "columnalign", "rowalign", "columnspan", "rowspan", "columnlines",
    "rowlines", "frame", "notation", "open", "close", "separators", "encoding", "id",
    "class", "form", "actiontype", "selection", "align", "columnspacing", "rowspacing",
}  # fmt: skip


def parser() -> etree.XMLParser:
    """No DTD, no entity expansion, no network: an SVG cannot make the build read anything."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
        remove_comments=True,
        huge_tree=False,
    )


def parse_svg(data: bytes) -> etree._Element:
    """The SVG's root element; raises etree.XMLSyntaxError or ValueError when it is none."""
    root = etree.fromstring(data, parser())
    if etree.QName(root).localname != "svg":
        raise ValueError(f"its root element is <{etree.QName(root).localname}>, not <svg>")
    return root


def clean_svg_file(data: bytes) -> tuple[bytes, list[str]]:
    """The SVG file's bytes made inert, and what was removed (empty when nothing was)."""
    root = parse_svg(data)
    removed = []
    doctype = root.getroottree().docinfo.internalDTD
    if doctype is not None and (doctype.entities() or doctype.system_url):
        removed.append("its DOCTYPE (entity declarations or an external DTD)")
    removed += clean_svg(root)
    # Serialising the root alone leaves the DOCTYPE, its entities and any PI behind.
    return etree.tostring(root, xml_declaration=True, encoding="utf-8"), removed


def clean_svg(root: etree._Element) -> list[str]:
    """Remove in place what runs or loads; return what was removed, described for an author."""
    removed: list[str] = []
    for element in list(root.iter()):
        if element.getparent() is None and element is not root:
            continue  # inside an element already removed
        if isinstance(element, etree._Entity):
            removed.append(f"the entity reference {element.text}")
            drop(element)
            continue
        if not isinstance(element.tag, str):
            drop(element)  # comments and processing instructions
            continue
        qname = etree.QName(element)
        name = qname.localname
        retargets = name in ANIMATIONS and "href" in element.get("attributeName", "")
        if name in ACTIVE_SVG or retargets or (name == "use" and not internal(href_of(element))):
            removed.append(f"<{name}>")
            drop(element)
            continue
        if qname.namespace == SVG_NS and name not in SVG_ELEMENTS:
            if name not in MARKDOWN_INLINE:
                removed.append(f"<{name}> (not an SVG element; its text is kept)")
            unwrap(element)
            continue
        removed += clean_attributes(element, name)
        if name == "style" and (IMPORT.search(element.text or "") or external_url(element.text)):
            removed.append("a <style> that loads other files")
            drop(element)
    removed += dangling_references(root)
    return list(dict.fromkeys(removed))


def dangling_references(root: etree._Element) -> list[str]:
    """References to ids the drawing does not hold (EPUBCheck refuses them) are removed."""
    ids = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    removed = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute, value in list(element.attrib.items()):
            targets = [t.strip()[1:] for _, t in CSS_URL.findall(value) if internal(t.strip())]
            if etree.QName(attribute).localname == "href" and internal(value.strip()):
                targets.append(value.strip()[1:])
            missing = [t for t in targets if t not in ids]
            if missing:
                removed.append(f"the reference to #{missing[0]}, which names nothing in it")
                del element.attrib[attribute]
    return removed


def clean_attributes(element: etree._Element, name: str) -> list[str]:
    removed = []
    for attribute, value in list(element.attrib.items()):
        local = etree.QName(attribute).localname
        if local.lower().startswith("on"):
            removed.append(f"the {local} handler")
        elif attribute == XML_BASE:
            removed.append("xml:base")
        elif local == "href" and not allowed_href(name, value):
            removed.append(f"the reference to {shorten(value)}")
        elif external_url(value):
            removed.append(f"the reference to {shorten(value)} in {local}")
        else:
            continue
        del element.attrib[attribute]
    if name == "image" and not (element.get("href") or element.get(XLINK_HREF)):
        drop(element)  # an image of nothing would only confuse readers
    return removed


def href_of(element: etree._Element) -> str:
    return element.get("href") or element.get(XLINK_HREF) or ""


def internal(href: str) -> bool:
    return href.startswith("#")


def allowed_href(element_name: str, value: str) -> bool:
    value = value.strip()
    if internal(value):
        return True
    if element_name == "a":  # a link the reader may follow, never a resource that loads
        return value.lower().startswith(("https://", "http://", "mailto:"))
    return element_name == "image" and bool(SAFE_DATA.match(value))


def external_url(value: str | None) -> bool:
    """A CSS url() that names anything but a fragment of this document."""
    return any(not internal(target.strip()) for _, target in CSS_URL.findall(value or ""))


def shorten(value: str) -> str:
    value = value.strip()
    return value if len(value) <= 60 else value[:57] + "..."


def drop(element: etree._Element) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def declared(source: str, namespace: str) -> str:
    """The element's source with the namespaces it uses declared on its opening tag, as an
    HTML parser would assume: inline SVG and MathML are often written without xmlns."""
    opening = re.match(r"<[A-Za-z]+\b[^>]*>", source)
    if opening is None:
        return source
    tag = opening.group(0)
    extra = ""
    if "xmlns=" not in tag:
        extra += f' xmlns="{namespace}"'
    if "xlink:" in source and "xmlns:xlink" not in tag:
        extra += f' xmlns:xlink="{XLINK_NS}"'
    name_end = re.match(r"<[A-Za-z]+", tag).end()  # type: ignore[union-attr]
    return source[:name_end] + extra + source[name_end:]


def in_namespace(root: etree._Element, namespace: str) -> etree._Element:
    """A copy of the tree whose un-namespaced elements are put in `namespace`, as an HTML
    parser would: inline SVG and MathML in HTML are often written without xmlns."""
    for element in root.iter():
        if isinstance(element.tag, str) and not element.tag.startswith("{"):
            element.tag = f"{{{namespace}}}{element.tag}"
    etree.cleanup_namespaces(root)
    return root


def parse_inline(source: str, namespace: str) -> etree._Element | None:
    """An inline <svg> or <math> from a chapter's HTML, or None when it is not even
    recoverable XML."""
    for recover in (False, True):
        xml_parser = parser()
        if recover:
            xml_parser = etree.XMLParser(
                recover=True, resolve_entities=False, no_network=True, load_dtd=False,
                remove_pis=True, remove_comments=True,
            )  # fmt: skip
        try:
            root = etree.fromstring(declared(source, namespace).encode("utf-8"), xml_parser)
        except etree.XMLSyntaxError:
            continue
        if root is not None:
            return in_namespace(root, namespace)
    return None


def clean_math(root: etree._Element) -> list[str]:
    """Keep presentation MathML only; drop anything else with its content."""
    removed: list[str] = []
    for element in list(root.iter()):
        if element.getparent() is None and element is not root:
            continue
        if not isinstance(element.tag, str) or isinstance(element, etree._Entity):
            drop(element)
            continue
        qname = etree.QName(element)
        if qname.namespace != MATHML_NS or qname.localname not in MATHML_ELEMENTS:
            removed.append(f"<{qname.localname}>")
            drop(element)
            continue
        for attribute in list(element.attrib):
            local = etree.QName(attribute).localname
            if etree.QName(attribute).namespace or local not in MATHML_ATTRIBUTES:
                if local.startswith("on") or "href" in local or local == "src":
                    removed.append(f"the {local} attribute")
                del element.attrib[attribute]
    return list(dict.fromkeys(removed))


def math_for_print(math: etree._Element) -> etree._Element:
    """WeasyPrint draws no MathML: a formula becomes text with superscripts, subscripts
    and fractions written out (x², a/b, √x), readable if not typeset."""
    span = E.span({"class": "math"})
    append_math(span, math)
    span.tail = math.tail
    return span


def append_math(holder: etree._Element, element: etree._Element) -> None:
    """Write `element`'s formula into `holder`, as text and <sup>/<sub>/<i>."""
    name = etree.QName(element).localname if isinstance(element.tag, str) else ""
    children = [c for c in element if isinstance(c.tag, str)]
    if name in ("mi",) and len((element.text or "").strip()) == 1:
        holder.append(E.i(element.text.strip()))
    elif name in ("mi", "mn", "mo", "mtext", "ms"):
        value = (element.text or "").strip()
        spaced = name == "mo" and value in "=+−-×<>≤≥±÷→" and value
        math_text(holder, f" {value} " if spaced else value)
    elif name == "annotation":
        return
    elif name == "mfrac" and len(children) == 2:
        grouped(holder, children[0])
        math_text(holder, "/")
        grouped(holder, children[1])
    elif name in ("msqrt", "mroot") and children:
        append_root(holder, name, children)
    elif name in ("msup", "msub", "msubsup", "munder", "mover", "munderover") and children:
        append_scripts(holder, name, children)
    elif name in ("mtr", "mtable"):
        for index, child in enumerate(children):
            if index and name == "mtr":
                math_text(holder, "   ")
            elif index:
                holder.append(E.br())
            append_math(holder, child)
    elif name == "semantics" and children:
        append_math(holder, children[0])
    else:
        for child in children:
            append_math(holder, child)


def math_text(holder: etree._Element, value: str) -> None:
    """Text at the end of `holder`, after its last child if it has one."""
    if len(holder):
        holder[-1].tail = (holder[-1].tail or "") + value
    else:
        holder.text = (holder.text or "") + value


def grouped(holder: etree._Element, child: etree._Element) -> None:
    """A fraction's or root's part, in brackets unless it is one symbol or number."""
    simple = len(child) == 0 or etree.QName(child).localname in ("mi", "mn")
    if not simple and len(child) == 1:
        simple = len(child[0]) == 0
    if not simple:
        math_text(holder, "(")
    append_math(holder, child)
    if not simple:
        math_text(holder, ")")


def append_root(holder: etree._Element, name: str, children: list[etree._Element]) -> None:
    """√x, √(a + b), and an index over the root for an mroot."""
    if name == "mroot" and len(children) == 2:
        script = E.sup()
        append_math(script, children[1])
        holder.append(script)
    math_text(holder, "√")
    if name == "mroot" or len(children) == 1:
        grouped(holder, children[0])
    else:
        math_text(holder, "(")
        for child in children:
            append_math(holder, child)
        math_text(holder, ")")


def append_scripts(holder: etree._Element, name: str, children: list[etree._Element]) -> None:
    """A base with its superscript and/or subscript (over and under marks likewise)."""
    append_math(holder, children[0])
    marks = {"msup": ["sup"], "mover": ["sup"], "msub": ["sub"], "munder": ["sub"]}
    for tag, child in zip(marks.get(name, ["sub", "sup"]), children[1:], strict=False):
        script = E(tag)
        append_math(script, child)
        holder.append(script)
