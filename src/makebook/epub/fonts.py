"""The fonts the EPUB carries: only the faces its stylesheets give its text, each
subset to the characters that text uses.

The stylesheets declare faces with @font-face; which of them a reading system loads
depends on the font-family, font-weight and font-style each element ends up with.
Those three properties are cascaded here (cssselect2 matches the selectors, the
defaults are the HTML user agent stylesheet's) over every XHTML document of the
EPUB, and each text's characters are counted under the face CSS font matching picks
for it (CSS Fonts 4, 5.2). A face no text is set in is left out with its @font-face
rule; the others are subset with fontTools to those characters (both cases, as
text-transform may change them), keeping OpenType layout features (ligatures,
kerning, small capitals), hinting and the copyright and licence names. Text an
author's stylesheet generates (::before/::after content) is not counted: a character
only it uses is drawn by the reading system's fallback font.

The built-in fonts are under the SIL Open Font License with the Reserved Font Name
"Source". A subset is a Modified Version (OFL 1.1, DEFINITIONS: "deleting ... any of
the components of the Original Version"), and "No Modified Version of the Font
Software may use the Reserved Font Name(s)" (OFL 1.1, condition 3). The OFL FAQ
(1.15) counts an unchanged font inside a document's container, as an EPUB is, as
bundling; a subset is not unchanged. So a subset's names drop the reserved name,
read from the font's copyright notice; the copyright and licence stay as they are
(condition 2 wants them kept). Reading systems find the face by the name the
@font-face rule gives it, which does not change.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cssselect2
import tinycss2
from ebooklib import epub
from fontTools import subset
from fontTools.ttLib import TTFont
from lxml import etree

from makebook.manuscript.styles import FONT_MEDIA_TYPES, find_font

XHTML = "application/xhtml+xml"
STYLE_DIR = "styles"  # as epub/writer.py names it
# The HTML user agent stylesheet's font weights and styles (HTML Living Standard, 15.3).
UA_RULES = """
b, strong, th, h1, h2, h3, h4, h5, h6 { font-weight: bold }
em, i, cite, var, dfn, address { font-style: italic }
"""
WEIGHT_KEYWORDS = {"normal": 400, "bold": 700}
FONT_PROPERTIES = ("font-family", "font-weight", "font-style")
INITIAL = {"font-family": ("serif",), "font-weight": 400, "font-style": "normal"}
RESERVED_NAME = re.compile(r"Reserved Font Names? ['‘\"“]([^'’\"”]+)['’\"”]")
NAME_IDS_WITH_FAMILY = (1, 3, 4, 6, 16, 17, 18, 21, 22)
REPLACEMENT = "Subset"  # what a reserved name becomes in a subset's names
SUBSET_VERSION = "1"  # part of a cached subset's key: change it with subset_font's options


@dataclass(frozen=True)
class Face:
    """One @font-face rule: the family it declares, its weight and style, its file."""

    family: str  # lower case
    weight: int
    style: str
    url: str


@dataclass
class Rule:
    selectors: list[Any]
    declarations: dict[str, tuple[Any, bool]]  # property -> (value, !important)


@dataclass
class FontUse:
    """The faces the stylesheets declare and the characters each is used for."""

    faces: list[Face]
    characters: dict[Face, set[str]] = field(default_factory=dict)


def add_fonts(epub_book: epub.EpubBook, styles_dir: Path, cache: Path | None = None) -> None:
    """Add to the book the faces its documents use, subset; drop the others' @font-face
    rules from its stylesheets. Subsets are kept in `cache`, for the next build."""
    sheets = [item for item in epub_book.get_items() if item.media_type == "text/css"]
    css = "\n".join(item.content.decode("utf-8") for item in sheets)
    use = FontUse(font_faces(css))
    rules = style_rules(css)
    for item in epub_book.get_items():
        if item.media_type == XHTML and item.content:
            count_characters(etree.fromstring(item.content), rules, use)
    kept: dict[str, bytes] = {}
    used: set[str] = set()  # the cache's files this build uses
    for face, characters in use.characters.items():
        path = find_font(styles_dir, face.url)
        if path is not None and characters and face.url not in kept:
            text = "".join(sorted(characters | {" "}))
            kept[face.url] = cached_subset(path, text, cache, used)
    prune_cache(cache, used)
    for item in sheets:
        item.content = without_faces(item.content.decode("utf-8"), set(kept)).encode("utf-8")
    for index, (url, data) in enumerate(sorted(kept.items())):
        media_type = FONT_MEDIA_TYPES[Path(url).suffix.lower()]
        epub_book.add_item(epub.EpubItem(f"font-{index}", f"{STYLE_DIR}/{url}", media_type, data))


def font_faces(css: str) -> list[Face]:
    faces = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or not rule.content:
            continue
        values = declarations(rule.content)
        family = families(values.get("font-family", ([], False))[0])
        src = [u for u in (url_value(t) for t in values.get("src", ([], False))[0]) if u]
        if family and src:
            weight = weight_of(values.get("font-weight", ([], False))[0], 400) or 400
            style = keyword(values.get("font-style", ([], False))[0]) or "normal"
            faces.append(Face(family[0], weight, style, src[0]))
    return faces


def url_value(token: Any) -> str | None:
    if token.type == "url":
        return str(token.value)
    if token.type == "function" and token.lower_name == "url":
        strings = [t.value for t in token.arguments if t.type == "string"]
        return strings[0] if strings else None
    return None


def declarations(content: list[Any]) -> dict[str, tuple[list[Any], bool]]:
    found = {}
    for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            value = [t for t in item.value if t.type not in ("whitespace", "comment")]
            found[item.lower_name] = (value, item.important)
    return found


def style_rules(css: str) -> cssselect2.Matcher:
    """The font properties each selector sets, the user agent's defaults first. Rules
    in @media or @supports count as if they applied: a face kept that a reading
    system never uses costs bytes; one dropped that it uses would change the book."""
    matcher = cssselect2.Matcher()

    def add(rules: list[Any]) -> None:
        for rule in rules:
            if rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports"):
                add(tinycss2.parse_rule_list(rule.content or [], True, True))
            if rule.type != "qualified-rule":
                continue
            values = {k: v for k, v in declarations(rule.content).items() if k in FONT_PROPERTIES}
            if not values:
                continue
            try:
                selectors = cssselect2.compile_selector_list(rule.prelude)
            except cssselect2.SelectorError:
                continue  # a reading system ignores the rule too
            for selector in selectors:
                matcher.add_selector(selector, values)

    add(tinycss2.parse_stylesheet(UA_RULES, skip_comments=True, skip_whitespace=True))
    add(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return matcher


def count_characters(root: etree._Element, rules: cssselect2.Matcher, use: FontUse) -> None:
    """Count each text of the document's body under the face that sets it (an element's
    text under its own style, the text after it under its parent's)."""
    wrapper = cssselect2.ElementWrapper.from_xml_root(root)
    styles: dict[Any, dict[str, Any]] = {}
    shown: set[Any] = set()  # the body and what is in it
    for element in wrapper.iter_subtree():
        node, parent = element.etree_element, element.parent
        parent_style = styles[parent.etree_element] if parent is not None else INITIAL
        style = styles[node] = computed_style(element, rules, parent_style)
        if element.local_name == "body" or (parent is not None and parent.etree_element in shown):
            shown.add(node)
            add_text(use, style, node.text or "")
            if parent is not None and parent.etree_element in shown:
                add_text(use, parent_style, node.tail or "")


def add_text(use: FontUse, style: dict[str, Any], text: str) -> None:
    if not text.strip():
        return
    face = matching_face(use.faces, style)
    if face is not None:
        characters = use.characters.setdefault(face, set())
        # Both cases: text-transform (capitals in a heading) may show either.
        characters.update(text, text.upper(), text.lower())


def computed_style(
    element: Any, rules: cssselect2.Matcher, parent: dict[str, Any]
) -> dict[str, Any]:
    """The element's font-family, font-weight and font-style: inherited, then the matching
    rules in cascade order (important last, then specificity, then source order)."""
    style = dict(parent)
    matches = [m for m in rules.match(element) if m[2] is None]  # not pseudo-elements
    ordered = sorted(
        ((important, specificity, order, name, value)
         for specificity, order, _pseudo, values in matches
         for name, (value, important) in values.items()),
        key=lambda entry: (entry[0], entry[1], entry[2]),
    )  # fmt: skip
    for _important, _specificity, _order, name, value in ordered:
        if name == "font-family":
            style[name] = tuple(families(value)) or parent[name]
        elif name == "font-weight":
            style[name] = weight_of(value, parent[name]) or parent[name]
        elif name == "font-style":
            style[name] = keyword(value) or parent[name]
    return style


def families(value: list[Any]) -> list[str]:
    names, current = [], []
    for token in value:
        if token.type == "literal" and token.value == ",":
            names.append(" ".join(current))
            current = []
        elif token.type in ("string", "ident"):
            current.append(token.value)
    names.append(" ".join(current))
    return [name.lower() for name in names if name]


def keyword(value: list[Any]) -> str | None:
    idents = [t.lower_value for t in value if t.type == "ident"]
    return idents[0] if idents and idents[0] != "inherit" else None


def weight_of(value: list[Any], parent: int) -> int | None:
    """A font-weight as a number; bolder and lighter as CSS Fonts 4 (2.2) computes them."""
    for token in value:
        if token.type == "number" and token.is_integer:
            return int(token.int_value)
        if token.type == "ident":
            if token.lower_value in WEIGHT_KEYWORDS:
                return WEIGHT_KEYWORDS[token.lower_value]
            if token.lower_value == "bolder":
                return 400 if parent < 350 else 700 if parent < 550 else 900
            if token.lower_value == "lighter":
                return 100 if parent < 550 else 400 if parent < 750 else 700
    return None


def matching_face(faces: list[Face], style: dict[str, Any]) -> Face | None:
    """The face CSS font matching picks (CSS Fonts 4, 5.2): the first family in the list
    that has faces, then the style, then the nearest weight."""
    for family in style["font-family"]:
        candidates = [face for face in faces if face.family == family]
        if candidates:
            return nearest(candidates, style["font-style"], style["font-weight"])
    return None


def nearest(faces: list[Face], style: str, weight: int) -> Face:
    order = (
        ["italic", "oblique", "normal"] if style != "normal" else ["normal", "oblique", "italic"]
    )
    for wanted in order:
        same_style = [face for face in faces if face.style == wanted]
        if same_style:
            break
    weights = sorted({face.weight for face in same_style})

    def preference(candidate: int) -> tuple[int, int]:
        if candidate == weight:
            return (0, 0)
        if 400 <= weight <= 500:
            if weight < candidate <= 500:
                return (1, candidate)
            if candidate < weight:
                return (2, -candidate)
            return (3, candidate)
        if weight < 400:
            return (1, -candidate) if candidate < weight else (2, candidate)
        return (1, candidate) if candidate > weight else (2, -candidate)

    chosen = min(weights, key=preference)
    return next(face for face in same_style if face.weight == chosen)


def cached_subset(path: Path, text: str, cache: Path | None, used: set[str]) -> bytes:
    """The subset, from the cache when an earlier build made the same one: subsetting
    reads the font's layout tables, most of a second per face, on every edit otherwise."""
    if cache is None:
        return subset_font(path, text)
    digest = hashlib.sha256(SUBSET_VERSION.encode())
    digest.update(path.read_bytes())
    digest.update(text.encode("utf-8"))
    kept = cache / f"{digest.hexdigest()}{path.suffix}"
    used.add(kept.name)
    with contextlib.suppress(OSError):
        return kept.read_bytes()
    data = subset_font(path, text)
    with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
        cache.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(kept)
    return data


def prune_cache(cache: Path | None, used: set[str]) -> None:
    """Forget the subsets this build did not use (the text changed since)."""
    if cache is None or not cache.is_dir():
        return
    for entry in cache.iterdir():
        if entry.name not in used:
            with contextlib.suppress(OSError):
                entry.unlink()


def subset_font(path: Path, text: str) -> bytes:
    """The font cut down to the glyphs `text` needs (and those its features reach)."""
    options = subset.Options()
    options.layout_features = ["*"]  # ligatures, kerning, small capitals as the full font
    options.name_IDs = ["*"]  # copyright, licence, trademark: every name kept
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.glyph_names = True
    try:
        font = TTFont(path, recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        rename_reserved(font)
        out = io.BytesIO()
        font.save(out)
    except Exception:  # noqa: BLE001 - any font fontTools cannot cut (a WOFF2 without
        # brotli installed, a damaged table) goes in whole, as it did before subsetting.
        return path.read_bytes()
    return out.getvalue()


def rename_reserved(font: TTFont) -> None:
    """Take the Reserved Font Names, as the copyright notice declares them, out of the
    subset's family, full and PostScript names (the OFL's condition 3)."""
    copyright_notice = font["name"].getDebugName(0) or ""
    reserved = RESERVED_NAME.findall(copyright_notice)
    if not reserved:
        return
    for record in font["name"].names:
        if record.nameID not in NAME_IDS_WITH_FAMILY:
            continue
        text = record.toUnicode()
        for name in reserved:
            text = text.replace(name, REPLACEMENT)
        record.string = text


def without_faces(css: str, kept: set[str]) -> str:
    """The stylesheet without the @font-face rules of faces the book leaves out, the
    rest as written."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=False)
    out = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "font-face" and rule.content:
            src = declarations(rule.content).get("src", ([], False))[0]
            urls = {u for u in (url_value(t) for t in src) if u}
            if urls and not urls & kept:
                continue
        out.append(rule)
    return tinycss2.serialize(out)
