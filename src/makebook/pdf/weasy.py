"""Every use of WeasyPrint beyond its public API, in one module.

The chapter-by-chapter layout and the page map need a few things WeasyPrint does
not publish: the box tree of a laid-out page (where each page starts, which
table overflows), the step where it makes a page's margin boxes (folios are set
there, once the page counts of earlier chapters are known), the styles of a
page type (to turn a page to the other side) and the builder of a page's
bookmark tree (to join chapters into one outline). They are reached only through
the names below; the rest of makebook uses WeasyPrint's public API (HTML, CSS,
Document, FontConfiguration, URLFetcher).

Because none of this is promised by WeasyPrint, `pyproject.toml` pins it to the
release these were written against (TESTED_RELEASE), `missing_internals()` says
plainly what is no longer where makebook expects it, `tests/pdf/test_weasy.py` fails
with that list, and a build stops with it before laying anything out
(`require_tested_weasyprint`) rather than make a wrong book.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pydyf
import pyphen
import weasyprint
import weasyprint.layout
import weasyprint.layout.block
import weasyprint.pdf.tags
import weasyprint.text.line_break
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.formatting_structure import boxes
from weasyprint.layout.page import (
    _standardize_page_based_counters,
    set_page_type_computed_styles,
)
from weasyprint.matrix import Matrix

from makebook.errors import error

TESTED_RELEASE = "70"  # WeasyPrint's major version; pyproject.toml pins the same

# The internals, with the parameters makebook passes them.
EXPECTED_SIGNATURES = {
    "weasyprint.layout.make_margin_boxes": ["context", "page", "state"],
    "weasyprint.layout.page.set_page_type_computed_styles": ["page_type", "html", "style_for"],
    "weasyprint.layout.page._standardize_page_based_counters": ["style", "pseudo_type"],
    "weasyprint.pdf.tags._build_box_tree": [
        "box",
        "parent",
        "pdf",
        "page_number",
        "nums",
        "annotations",
        "tags",
    ],
    "weasyprint.layout.block.iter_line_boxes": [
        "context",
        "box",
        "position_y",
        "bottom_space",
        "skip_stack",
        "containing_block",
        "absolute_boxes",
        "fixed_boxes",
        "first_letter_style",
        "first_line_style",
    ],
    "weasyprint.anchors.make_page_bookmark_tree": [
        "page",
        "skipped_levels",
        "last_by_depth",
        "previous_level",
        "page_number",
        "matrix",
    ],
}
BOX_CLASSES = (
    "Box", "ParentBox", "PageBox", "MarginBox", "FootnoteAreaBox", "LineBox", "TextBox",
    "BlockReplacedBox", "InlineReplacedBox",  # pictures (figures.py)
)  # fmt: skip

__all__ = ["INITIAL_VALUES", "boxes", "page_bookmark_tree", "page_box", "margin_boxes_made_by"]


def missing_internals() -> list[str]:
    """What makebook uses of WeasyPrint's internals and does not find as it expects
    (empty when all is well). Cheap: names and signatures only."""
    found: list[str] = []
    if weasyprint.__version__.split(".")[0] != TESTED_RELEASE:
        found.append(
            f"WeasyPrint {weasyprint.__version__} is installed; makebook was written "
            f"for WeasyPrint {TESTED_RELEASE}.x"
        )
    for dotted, parameters in EXPECTED_SIGNATURES.items():
        function = _resolve(dotted)
        if function is None:
            found.append(f"{dotted} no longer exists")
            continue
        actual = list(inspect.signature(function).parameters)
        if actual != parameters:
            found.append(f"{dotted} takes ({', '.join(actual)}), not ({', '.join(parameters)})")
    found += [f"weasyprint boxes.{name} no longer exists" for name in BOX_CLASSES
              if not hasattr(boxes, name)]  # fmt: skip
    if getattr(weasyprint.text.line_break, "pyphen", None) is not pyphen:
        found.append("weasyprint.text.line_break no longer hyphenates with pyphen")
    return found


def require_tested_weasyprint() -> None:
    """Stop with a plain error, before any layout, when WeasyPrint is not the release
    makebook's layout was written for (pyproject.toml pins it; a forced upgrade gets here)."""
    missing = missing_internals()
    if missing:
        raise error(
            "the installed WeasyPrint is not the one makebook lays PDFs out with: "
            + "; ".join(missing),
            hint="install the release makebook names: "
            f"pip install 'weasyprint=={TESTED_RELEASE}.*'",
        )


def _resolve(dotted: str) -> Any:
    module_name, _, name = dotted.rpartition(".")
    with contextlib.suppress(ImportError):
        module = __import__(module_name, fromlist=[name])
        return getattr(module, name, None)
    return None


def page_box(page: Any) -> Any:
    """The box tree of a laid-out page (weasyprint.Page keeps it private)."""
    return page._page_box


def page_bookmark_tree(
    page: Any, skipped: list[int], last_by_depth: list[Any], previous: int, number: int
) -> int:
    """Add a page's bookmarks to the outline being built, as WeasyPrint does when it
    writes a whole document."""
    return make_page_bookmark_tree(page, skipped, last_by_depth, previous, number, Matrix())


@contextlib.contextmanager
def margin_boxes_made_by(
    make: Callable[[Callable[..., Any]], Callable[..., Any]],
) -> Iterator[Callable[..., Any]]:
    """For the layout done inside the block, WeasyPrint makes each page's margin boxes
    with `make(original)` instead of its own function. Yields the replacement."""
    original = weasyprint.layout.make_margin_boxes
    replacement = make(original)
    weasyprint.layout.make_margin_boxes = replacement
    try:
        yield replacement
    finally:
        weasyprint.layout.make_margin_boxes = original


def restyle_page_type(page_type: Any, root_element: Any, before: Any, context: Any) -> Any:
    """The style of a page laid out as `page_type` instead of the type whose style was
    `before`, computed as WeasyPrint's make_page computes it."""
    set_page_type_computed_styles(
        page_type, _Root(root_element, before.base_url), context.style_for
    )
    style = context.style_for(page_type)
    style["overflow"] = before["overflow"]  # what make_page did to the side laid out
    _standardize_page_based_counters(style, None)
    return style


class _Root:
    """What set_page_type_computed_styles reads of WeasyPrint's HTML object."""

    def __init__(self, etree_element: Any, base_url: str | None) -> None:
        self.etree_element = etree_element
        self.base_url = base_url


@contextlib.contextmanager
def notes_and_headers_tagged() -> Iterator[None]:
    """For the PDFs written inside the block, WeasyPrint's structure tree says more than
    it does by itself (PDF/UA-1, ISO 14289-1 7.5 and 7.9): a footnote is a Note element
    with an ID, inside the section of the page it is on (WeasyPrint hangs the footnote
    area under Document as NonStruct), a table's header cell says whether it heads a
    column or a row (/Scope in its Table attributes), and every link annotation is
    owned by a Link element and described by the link's words."""
    tags = weasyprint.pdf.tags
    original = tags._build_box_tree

    def build(box: Any, parent: Any, pdf: Any, page_number: int, *rest: Any) -> Iterator[Any]:
        elements = list(original(box, parent, pdf, page_number, *rest))
        if isinstance(box, boxes.FootnoteAreaBox):
            for element in elements:
                _tag_notes(element, box, pdf)
        elif isinstance(box, boxes.PageBox):
            elements = _notes_in_sections(elements, pdf)
        if getattr(box, "link_annotation", None) and box.element is not None:
            _describe_link(box.link_annotation, box.element)
        for element in elements:
            if element.get("S") != "/Link" and _holds_link(element, pdf):
                # An anonymous block inside <a> (a footnote's text, say) gets the link's
                # annotation but is tagged NonStruct: a Link annotation belongs to a
                # Link element (ISO 14289-1 7.18.5).
                element["S"] = "/Link"
            if element.get("S") == "/TH" and box.element is not None:
                scope = "/Row" if box.element.get("scope") == "row" else "/Column"
                element["A"]["Scope"] = scope
        yield from elements

    tags._build_box_tree = build
    try:
        yield
    finally:
        tags._build_box_tree = original


def _element(pdf: Any, reference: Any) -> Any:
    return pdf.objects[int(bytes(reference).split()[0])]


def _describe_link(annotation: Any, element: Any) -> None:
    """A link's alternate description (its annotation's /Contents, ISO 14289-1 7.18.5)
    is what it says, not the id or address WeasyPrint puts there; a web address is
    added to words that are not the address itself."""
    words = " ".join(" ".join(element.itertext()).split())
    if not words:
        return
    target = annotation.get("A", {}).get("URI")
    address = getattr(target, "string", "") if target is not None else ""
    external = address and not address.startswith("makebook:") and address not in words
    annotation["Contents"] = pydyf.String(f"{words} ({address})" if external else words)


def _holds_link(element: Any, pdf: Any) -> bool:
    for kid in element.get("K", ()):
        if isinstance(kid, int):
            continue  # a marked-content id
        obj = _element(pdf, kid)
        if obj.get("Type") == "/OBJR" and _element(pdf, obj["Obj"]).get("Subtype") == "/Link":
            return True
    return False


def _tag_notes(area: Any, box: Any, pdf: Any) -> None:
    """The footnote area's children become Notes, named by their footnotes' ids."""
    area["MakebookNotes"] = True  # found by _notes_in_sections, removed there
    notes = [child for child in box.children if child.element is not None]
    kids = [_element(pdf, reference) for reference in area["K"]]
    for number, kid in enumerate(kids):
        kid["S"] = "/Note"
        identifier = notes[number].element.get("id") if len(notes) == len(kids) else None
        kid["ID"] = pydyf.String(identifier or f"note-{id(kid)}")


def _notes_in_sections(elements: list[Any], pdf: Any) -> list[Any]:
    """A page's footnote areas dissolved: their Notes go into the page's last section."""
    areas = [e for e in elements if e.pop("MakebookNotes", False)]
    kept = [e for e in elements if not any(e is area for area in areas)]
    sections = [e for e in kept if e.get("S") in ("/Sect", "/Art")] or kept
    if not areas or not sections:
        for area in areas:
            area["S"] = "/Sect"  # a page of footnotes alone: they are a section of their own
        return elements
    section = sections[-1]
    for area in areas:
        for reference in area["K"]:
            _element(pdf, reference)["P"] = section.reference
            section["K"].append(reference)
        area["K"] = pydyf.Array()
    return kept


# --- hyphenation ---------------------------------------------------------------------
# WeasyPrint hyphenates in weasyprint.text.line_break, which asks its module global
# `pyphen` for the text's patterns (`language_fallback(lang)`, then `Pyphen(lang=...,
# left=..., right=...)`) and calls `iterate(word)` on what it gets. Inside
# `hyphenating`, that global is `_Hyphenation`, which answers with makebook's rules.
# Lines come from weasyprint.layout.block's `iter_line_boxes`, one paragraph at a time:
# counting there how many of a paragraph's lines in a row end in a hyphen, the word
# that would make one too many is not broken (CSS's hyphenate-limit-lines, which
# WeasyPrint 70 does not implement).


class _LineRun:
    """The lines in a row ending in a hyphen, in the paragraph being set."""

    def __init__(self) -> None:
        self.hyphenated = 0


_RUNS: list[_LineRun] = []  # one a paragraph being set; footnotes are set inside lines


class _Hyphenation:
    """Stands in for the pyphen module in WeasyPrint's line breaking."""

    def __init__(self, make: Callable[[str, int, int], Any], lines_in_a_row: int) -> None:
        self.make, self.lines_in_a_row = make, lines_in_a_row

    def language_fallback(self, language: str) -> str | None:
        # The tag itself: it comes back as Pyphen's `lang`, and keys WeasyPrint's cache.
        return language if self.make(language, 2, 2) is not None else None

    def Pyphen(self, lang: str, left: int = 2, right: int = 2) -> _LimitedHyphenator:  # noqa: N802
        return _LimitedHyphenator(self.make(lang, left, right), self.lines_in_a_row)


class _LimitedHyphenator:
    def __init__(self, hyphenator: Any, lines_in_a_row: int) -> None:
        self.hyphenator, self.lines_in_a_row = hyphenator, lines_in_a_row

    def iterate(self, word: str) -> Iterator[tuple[str, str]]:
        if _RUNS and _RUNS[-1].hyphenated >= self.lines_in_a_row:
            return iter(())
        return self.hyphenator.iterate(word)


def _ends_in_hyphen(line: Any) -> bool:
    """A laid-out line whose last text ends in its hyphenate-character (or a hyphen)."""
    last = _last_text(line)
    return last is not None and last.text.rstrip(" ").endswith(
        (last.style["hyphenate_character"], "-")
    )


def _last_text(box: Any) -> Any:
    """The last text box with text in a box, leaving out floats (a footnote's text)."""
    for child in reversed(getattr(box, "children", ())):
        if child.is_floated():
            continue
        if isinstance(child, boxes.TextBox):
            if child.text.strip(" "):
                return child
        elif (found := _last_text(child)) is not None:
            return found
    return None


def _counted_lines(iter_line_boxes: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(iter_line_boxes)
    def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        lines, run = iter_line_boxes(*args, **kwargs), _LineRun()
        while True:
            _RUNS.append(run)
            try:
                item = next(lines)
            except StopIteration:
                return
            finally:
                _RUNS.pop()
            run.hyphenated = run.hyphenated + 1 if _ends_in_hyphen(item[0]) else 0
            yield item

    return counted


@contextlib.contextmanager
def hyphenating(make: Callable[[str, int, int], Any], lines_in_a_row: int) -> Iterator[None]:
    """For the layout done inside the block, WeasyPrint breaks words where
    `make(language, left, right)` says (an object with pyphen's `iterate(word)`, or None
    for a language not hyphenated), and sets at most `lines_in_a_row` lines in a row of
    one paragraph ending in a hyphen."""
    line_break, block = weasyprint.text.line_break, weasyprint.layout.block
    saved = line_break.pyphen, block.iter_line_boxes
    line_break.pyphen = _Hyphenation(make, lines_in_a_row)
    block.iter_line_boxes = _counted_lines(block.iter_line_boxes)
    try:
        yield
    finally:
        line_break.pyphen, block.iter_line_boxes = saved
