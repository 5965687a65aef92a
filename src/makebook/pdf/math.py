"""Math typeset for the PDFs: each MathML formula drawn as an SVG with ziamath.

WeasyPrint lays out no MathML, so the PDF document swaps each `<math>` of the
rendered pages (the EPUB keeps them) for an `<svg>` that ziamath draws in its own
STIX Two Math font, every glyph an outline path, so it prints without a font to
embed. The drawing is sized in `em`, so it takes the size of the text around it:
inline math sits on the text's baseline (its depth below the baseline becomes a
negative vertical-align), display math is a centred block. The TeX source (the
`alttext`) is the drawing's `<title>` and aria-label, which WeasyPrint writes as
the tagged PDF figure's alternate text.
"""

from __future__ import annotations

import copy
import logging
import warnings
from xml.etree import ElementTree

from lxml import etree

from makebook.manuscript.svg import MATHML_NS, SVG_NS, math_for_print

# The size ziamath draws at, in SVG units per em; the drawing is then scaled in em.
DRAWN_SIZE = 20.0
MAX_FENCE_DEPTH = 8  # half a second at most; deeper formulas print as text
LOG = logging.getLogger(__name__)


def formula_source(math: etree._Element) -> str:
    """What the formula says in TeX (its alttext or annotation), or else its text."""
    annotation = math.find(f".//{{{MATHML_NS}}}annotation")
    source = math.get("alttext") or (annotation.text if annotation is not None else "")
    return " ".join((source or "".join(math.itertext())).split())


def presentation(math: etree._Element) -> str:
    """The formula's MathML for ziamath: no annotation, whose TeX it would print."""
    drawn = copy.deepcopy(math)
    drawn.tail = None
    for semantics in drawn.findall(f".//{{{MATHML_NS}}}semantics"):
        shown = next((c for c in semantics if isinstance(c.tag, str)), None)
        parent = semantics.getparent()
        if parent is None:
            continue
        if shown is None or etree.QName(shown).localname == "annotation":
            parent.remove(semantics)
        else:
            shown.tail = semantics.tail
            parent.replace(semantics, shown)
    for annotation in drawn.findall(f".//{{{MATHML_NS}}}annotation"):
        annotation.getparent().remove(annotation)  # type: ignore[union-attr]
    flatten_rows(drawn)
    return etree.tostring(drawn, encoding="unicode")


def flatten_rows(math: etree._Element) -> None:
    """An `<mrow>` of one element is that element (MathML draws them alike); latex2mathml
    writes one for every pair of braces, and ziamath's time doubles with each level."""
    for row in list(math.iter(f"{{{MATHML_NS}}}mrow")):
        children = [c for c in row if isinstance(c.tag, str)]
        parent = row.getparent()
        if parent is None or len(children) != 1 or row.text and row.text.strip() or row.attrib:
            continue
        child = children[0]
        child.tail = row.tail
        parent.replace(row, child)


def fence_depth(element: etree._Element) -> int:
    """How deeply `\\left(...\\right)` fences nest: ziamath's time doubles with each."""
    children = [c for c in element if isinstance(c.tag, str)]
    fenced = any(c.get("stretchy") == "true" and c.get("fence") == "true" for c in children)
    return int(fenced) + max((fence_depth(c) for c in children), default=0)


def drawing(math: etree._Element) -> etree._Element:
    """The formula as an SVG element in em, on the text's baseline."""
    with warnings.catch_warnings():  # ziamath 0.13 finds its font with pkg_resources
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath  # here: it loads its font, which a book without math never needs

    display = math.get("display") == "block"
    previous = ziamath.config.svg2
    ziamath.config.svg2 = False  # plain paths: no <symbol> ids shared between drawings
    try:
        drawn = presentation(math)
        if fence_depth(etree.fromstring(drawn)) > MAX_FENCE_DEPTH:
            raise ValueError("fences nested too deeply to draw in good time")
        formula = ziamath.Math(drawn, size=DRAWN_SIZE, margin=0)
        svg = etree.fromstring(ElementTree.tostring(formula.svgxml(), encoding="unicode"))
        depth = -formula.getyofst()  # how far the formula reaches below its baseline
    finally:
        ziamath.config.svg2 = previous
    width, height = float(svg.get("width", "0")), float(svg.get("height", "0"))
    for name in ("width", "height"):
        del svg.attrib[name]
    size = f"width: {em(width)}; height: {em(height)}"
    if display:
        svg.set("class", "math-display")
        svg.set("style", size)
    else:
        svg.set("class", "math-inline")
        svg.set("style", f"{size}; vertical-align: {em(-depth)}")
    source = formula_source(math)
    svg.set("role", "img")
    svg.set("aria-label", source)
    title = etree.Element(f"{{{SVG_NS}}}title")
    title.text = source
    svg.insert(0, title)
    for path in svg.iter(f"{{{SVG_NS}}}path", f"{{{SVG_NS}}}rect"):
        if path.get("fill") in (None, "black", "#000", "#000000"):
            path.set("fill", "currentColor")  # as the text around it, in both editions
    return svg


def em(units: float) -> str:
    return f"{units / DRAWN_SIZE:.4f}em"


def typeset(math: etree._Element) -> etree._Element:
    """The element to print for a `<math>`: its drawing, or, should ziamath fail on it,
    the formula written out as text (x², a/b)."""
    try:
        svg = drawing(math)
    except Exception:  # ziamath fails in many ways on MathML it does not know
        LOG.warning("math %r could not be drawn; printed as text", formula_source(math))
        return math_for_print(math)
    svg.tail = math.tail
    return svg
