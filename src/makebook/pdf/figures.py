"""Deferred figures: a figure that does not fit under the text leaves no hole.

WeasyPrint 70 has no page floats (`float: top` is not in its CSS), so a figure too tall
for what is left of a page moves whole to the next one and leaves the rest of the page
empty. After a layout, such a figure is found in the page boxes: it opens its page, and
the page before ends more than HOLE_LINES lines short. It is then moved, in the document,
past the paragraphs after it that fill the hole, and the document is laid out again:
the text runs on to the foot of the page and the figure follows on the next page, as
close to where it was as the text allows. An author who lets figures shrink
([pdf] figure_shrink = 0.8: to 80% of their height at the least) gets a figure that
fits at that size drawn smaller in the hole instead.

The decision reads only the pages of the figure's own division, so a chapter laid out
on its own (chapterwise/) and in the whole book (--release) defers the same figures
to the same places.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

from makebook.xhtml import for_html_parser

if TYPE_CHECKING:
    from weasyprint import Document

HOLE_LINES = 2  # a page may end this many lines short before a figure that did not fit
FLOWING = {"p"}  # what a figure may be moved past: running text, not headings or sections
ROUNDS = 3  # layouts after the first at most: each moves every figure that left a hole


@dataclass(frozen=True)
class Deferral:
    """Move the `figure`-th image figure of the document (in document order) past the
    next `past` elements after it; or, with `height`, keep it in place and draw its
    picture `width` by `height` CSS pixels, so that it fits in the hole."""

    figure: int
    past: int = 0
    height: float = 0.0
    width: float = 0.0


def is_image_figure(element: Any) -> bool:
    return (
        element is not None
        and element.tag.rpartition("}")[2] == "figure"
        and ("image" in (element.get("class") or "").split())
    )


def deferrals(document: Document, shrink: float = 1.0) -> list[Deferral]:
    """Every image figure that opens a page after a hole, with how far to move it, or
    how small to draw it to fit the hole when the author lets figures shrink to
    `shrink` of their size ([pdf] figure_shrink)."""
    from makebook.pdf.weasy import page_box

    pages = [page_box(page) for page in document.pages]
    html = root_element(pages[0]) if pages else None
    if html is None:
        return []
    order = {id(e): index for index, e in enumerate(e for e in html.iter() if is_image_figure(e))}
    if not order:
        return []
    parents = {id(child): parent for parent in html.iter() for child in parent}
    found: list[Deferral] = []
    for number in range(1, len(pages)):
        previous, page = pages[number - 1], pages[number]
        figure = opening_figure(page)
        if figure is None or id(figure.element) not in order:
            continue
        hole, line = free_space(previous)
        if line == 0 or hole <= HOLE_LINES * line + 1:
            continue
        siblings = list(parents[id(figure.element)])
        place = siblings.index(figure.element)
        if place == 0 or not holds(previous, siblings[place - 1]):
            continue  # nothing of the text before it on that page: a break put it there
        index = order[id(figure.element)]
        height = shrunk_to_fit(figure, hole, shrink)
        past = siblings_to_fill(page, siblings[place + 1 :], hole)
        if height:
            found.append(Deferral(index, height=height, width=scaled_width(figure, height)))
        elif past:
            found.append(Deferral(index, past))
    return found


def shrunk_to_fit(figure: Any, hole: float, shrink: float) -> float:
    """The height (CSS px) its picture must have for the figure to fit in `hole`, if
    that is no less than `shrink` of its height now; 0 if it is."""
    picture = next((b for b in boxes_in(figure) if type(b).__name__.endswith("ReplacedBox")), None)
    if picture is None or shrink >= 1 or "height:" in (picture.element.get("style") or ""):
        return 0.0  # drawn smaller once already: it moves on instead
    # At the top of its page the figure lost its space above (margin-break): it has
    # it again under the text.
    space_above = figure.style["margin_top"].value if figure.style["margin_top"].unit == "px" else 0
    needed = figure.margin_height() + space_above - hole + 1  # 1px: rounding in the layout
    height = picture.height - needed
    return round(height, 2) if height >= picture.height * shrink else 0.0


def scaled_width(figure: Any, height: float) -> float:
    picture = next(b for b in boxes_in(figure) if type(b).__name__.endswith("ReplacedBox"))
    return round(picture.width * height / picture.height, 2)


def boxes_in(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()) or ():
        yield child
        yield from boxes_in(child)


def root_element(page: Any) -> Any | None:
    return next((c.element for c in page.children if c.element_tag == "html"), None)


def opening_figure(page: Any) -> Any | None:
    """The image figure whose box is the first thing in the page's text block, if one is."""
    top = page.content_box_y()
    for box in flow_boxes(page):
        if is_image_figure(box.element) and box.element_tag == "figure":
            return box if box.border_box_y() <= top + 1 else None
        if not box.children or type(box).__name__ == "LineBox":
            return None  # text (or anything else) comes first
    return None


def flow_boxes(page: Any) -> Iterator[Any]:
    """The page's boxes in the main flow (not its margin boxes or footnotes), depth first."""
    root = next((c for c in page.children if c.element_tag == "html"), None)
    if root is not None:
        yield from descendants(root)


def descendants(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()) or ():
        if type(child).__name__ in ("TextBox", "FootnoteAreaBox"):
            continue
        yield child
        if type(child).__name__ != "LineBox":
            yield from descendants(child)


def free_space(page: Any) -> tuple[float, float]:
    """How much of the page's text block is left empty under its last line, and the
    height of that line (both in CSS pixels)."""
    bottom = page.content_box_y() + page.height
    for area in page.children:
        if type(area).__name__ == "FootnoteAreaBox" and area.children:
            bottom = area.position_y  # the top of its margin box: the notes' rule and space
    lowest, line = page.content_box_y(), 0.0
    for box in flow_boxes(page):
        if type(box).__name__ in ("LineBox", "BlockReplacedBox"):
            end = box.position_y + box.margin_height()
            if end >= lowest:
                lowest, line = end, box.margin_height()
    return bottom - lowest, line


def holds(page: Any, element: Any) -> bool:
    """Whether the page holds (part of) `element`: the text before the figure."""
    return any(box.element is element for box in flow_boxes(page))


def siblings_to_fill(page: Any, following: list[Any], hole: float) -> int:
    """How many of the elements after the figure (paragraphs only) it takes to fill
    `hole`: their heights as laid out after the figure on its page."""
    wanted = {id(e) for e in following}
    heights: dict[int, float] = {}
    for box in flow_boxes(page):
        key = id(box.element)
        if key in wanted and key not in heights and type(box).__name__ != "LineBox":
            heights[key] = box.margin_height()
    past, filled = 0, 0.0
    for sibling in following:
        if sibling.tag.rpartition("}")[2] not in FLOWING:
            break
        past += 1
        filled += heights.get(id(sibling), hole)  # on a later page: longer than the hole
        if filled >= hole:
            break
    return past


def deferred(html: str, moves: list[Deferral]) -> str:
    """The document with each figure moved past the elements after it."""
    tree = etree.fromstring(html)
    figures = [e for e in tree.iter() if is_image_figure(e)]
    for move in moves:
        figure = figures[move.figure]
        if move.height:
            for picture in figure.iter("{*}img", "img"):
                style = (picture.get("style") or "").rstrip("; ")
                picture.set(
                    "style", f"{style}; width: {move.width}px; height: {move.height}px".lstrip("; ")
                )
            continue
        after = figure
        for _ in range(move.past):
            following = after.getnext()
            if following is None:
                break
            after = following
        if after is not figure:
            # The figure's tail (the space between two blocks) stays where it was.
            tail, figure.tail = figure.tail, None
            before = figure.getprevious()
            if before is not None:
                before.tail = (before.tail or "") + (tail or "")
            after.addnext(figure)
            figure.tail = "\n"
    return for_html_parser(tree)  # `<div/>` would swallow what follows (prompts' lines)
