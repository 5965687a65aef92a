"""pandoc's implicit_header_references: `[Heading]`, `[Heading][]` and `[text][Heading]`
link to the heading of that text when no reference link of that name is defined
(Python-Markdown leaves those as text, brackets and all).

The heading may be in the same chapter (render/chapter.py links those) or in another
one (render/book.py, once every chapter is rendered); its name may hold code or
emphasis (``[The `foo` option]``), which the brackets then enclose as elements.
Case and runs of spaces do not matter, as in pandoc.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from lxml import etree
from markdown import Markdown, util
from markdown.extensions import Extension
from markdown.inlinepatterns import (
    REFERENCE_RE,
    ReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)

from makebook.model import Page
from makebook.xhtml import fragment_to_string

NO_LINKS_INSIDE = {"a", "code", "pre", "kbd", "samp", "script", "style"}
HEADINGS = ("h2", "h3", "h4", "h5", "h6")
# What a bracketed name may enclose besides text: inline markup that holds no link.
ENCLOSABLE = {"code", "em", "strong", "i", "b", "span", "sub", "sup", "del", "s", "u", "mark"}


def code_source(md: Markdown, label: str) -> str:
    """A label as written: Python-Markdown has already swapped its code spans for
    placeholders, so `[`iconv`]` would never find its definition `[`iconv`]: https://...`."""
    stash = md.treeprocessors["inline"].stashed_nodes  # type: ignore[attr-defined]

    def written(match: re.Match[str]) -> str:
        node = stash.get(match[1])
        return (
            match[0]
            if isinstance(node, str) or node is None or node.tag != "code"
            else (f"`{node.text}`")
        )

    return util.INLINE_PLACEHOLDER_RE.sub(written, label).lower()


class CodeLabelReference(ReferenceInlineProcessor):
    """`[text][`label`]` finds the reference `[`label`]: url`, as in pandoc."""

    def evalId(self, data: str, index: int, text: str):  # type: ignore[override]  # noqa: N802
        label, end, handled = super().evalId(data, index, text)
        return (code_source(self.md, label) if label else label), end, handled


class CodeLabelShortReference(ShortReferenceInlineProcessor):
    """`[`label`]` finds the reference `[`label`]: url`, as in pandoc."""

    def evalId(self, data: str, index: int, text: str):  # type: ignore[override]  # noqa: N802
        label, end, handled = super().evalId(data, index, text)
        return code_source(self.md, label), end, handled


class CodeLabelReferenceExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Python-Markdown's own names and priorities, so these replace its processors.
        md.inlinePatterns.register(CodeLabelReference(REFERENCE_RE, md), "reference", 170)
        md.inlinePatterns.register(
            CodeLabelShortReference(REFERENCE_RE, md), "short_reference", 130
        )


def header_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def inner_markup(element: etree._Element) -> str:
    """The element's content with its inline markup as tags: pandoc matches a name to a
    heading as written, so `[*Options*]` is not the heading `Options`."""
    return (element.text or "") + "".join(
        tagged(child) + (child.tail or "") for child in element if isinstance(child.tag, str)
    )


def tagged(element: etree._Element) -> str:
    return f"<{element.tag}>{inner_markup(element)}</{element.tag}>"


def heading_ids(body: etree._Element) -> dict[str, str]:
    """The id of each heading by its text (the first heading of a text wins, as in pandoc)."""
    headings: dict[str, str] = {}
    for heading in body.iter(*HEADINGS):
        if heading.get("id"):
            headings.setdefault(header_key(inner_markup(heading)), heading.get("id"))
    return headings


def link_headings(body: etree._Element, headings: Mapping[str, str]) -> int:
    """Bracketed heading names in the text become links to the headings; how many."""
    if not headings:
        return 0
    linked = 0
    for element in list(body.iter()):
        if isinstance(element.tag, str) and not any(
            a.tag in NO_LINKS_INSIDE for a in (element, *element.iterancestors())
        ):
            linked += link_in_element(element, headings)
    return linked


def link_in_element(element: etree._Element, headings: Mapping[str, str]) -> int:
    """Link the bracketed names in the element's own text and its children's tails."""
    linked, slot = 0, -1  # -1: the element's text; n: the tail of its child n
    while slot < len(element):
        found = next(bracket_in_slot(element, slot, headings), None)
        if found is None:
            slot += 1
            continue
        slot = make_link(element, found)
        linked += 1
    return linked


def slot_text(element: etree._Element, slot: int) -> str:
    return (element.text if slot < 0 else element[slot].tail) or ""


def set_slot(element: etree._Element, slot: int, text: str) -> None:
    if slot < 0:
        element.text = text
    else:
        element[slot].tail = text


@dataclass(frozen=True)
class Bracket:
    """Where a bracketed heading name is: `[label]` or `[label][name]`, each part possibly
    running through inline elements (slot n is the tail of the element's child n)."""

    slot: int  # where `[` is
    start: int
    label_slot: int  # where the label's `]` is
    label_end: int
    end_slot: int  # where the whole reference ends (the last `]`)
    end: int  # just after it
    target: str


def bracket_in_slot(
    element: etree._Element, slot: int, headings: Mapping[str, str]
) -> Iterator[Bracket]:
    """Each bracketed name that starts in this slot and names a heading."""
    text = slot_text(element, slot)
    for start in (i for i, c in enumerate(text) if c == "["):
        closing = bracket_end(element, slot, start)
        if closing is None:
            continue
        label_slot, label_end = closing
        label = name_between(element, slot, start + 1, label_slot, label_end)
        end_slot, end, name = label_slot, label_end + 1, label
        if slot_text(element, label_slot)[label_end + 1 : label_end + 2] == "[":
            second = bracket_end(element, label_slot, label_end + 1)
            if second is not None:  # `[text][Heading]`, or `[Heading][]`
                end_slot, end = second[0], second[1] + 1
                written = name_between(element, label_slot, label_end + 2, *second)
                name = written if written.strip() else label
        target = headings.get(header_key(name))
        if target is not None and not label.lstrip().startswith(("@", "-@", "^")):
            yield Bracket(slot, start, label_slot, label_end, end_slot, end, target)


def bracket_end(element: etree._Element, slot: int, start: int) -> tuple[int, int] | None:
    """Where the `]` closing the `[` at `start` is: in this slot, or in the tail of a
    later child when only enclosable inline markup stands between."""
    text, position = slot_text(element, slot), start + 1
    while True:
        rest = text[position:]
        close, reopen = rest.find("]"), rest.find("[")
        if close >= 0 and (reopen < 0 or close < reopen):
            return slot, position + close
        if reopen >= 0 or "\n\n" in rest:
            return None
        slot += 1
        if slot >= len(element):
            return None
        child = element[slot]
        inside = "".join(child.itertext())
        if child.tag not in ENCLOSABLE or child.find(".//a") is not None or "[" in inside:
            return None
        text, position = slot_text(element, slot), 0


def name_between(element: etree._Element, slot: int, start: int, end_slot: int, end: int) -> str:
    if slot == end_slot:
        return slot_text(element, slot)[start:end]
    parts = [slot_text(element, slot)[start:]]
    for index in range(slot + 1, end_slot + 1):
        parts.append(tagged(element[index]))
        parts.append(slot_text(element, index)[: end if index == end_slot else None])
    return "".join(parts)


def make_link(element: etree._Element, found: Bracket) -> int:
    """Put the link in; the slot where scanning goes on (the link's tail) is returned."""
    first, last = slot_text(element, found.slot), slot_text(element, found.end_slot)
    label_last = slot_text(element, found.label_slot)
    link = etree.Element("a", href=f"#{found.target}")
    if found.slot == found.label_slot:
        link.text = first[found.start + 1 : found.label_end]
    else:
        link.text = first[found.start + 1 :]
        for _ in range(found.slot + 1, found.label_slot + 1):
            link.append(element[found.slot + 1])  # moves it out of the element
        link[-1].tail = label_last[: found.label_end]
    for _ in range(found.label_slot + 1, found.end_slot + 1):  # the `[name]` part's markup
        element.remove(element[found.slot + 1])
    link.tail = last[found.end :]
    set_slot(element, found.slot, first[: found.start])
    element.insert(found.slot + 1, link)
    return found.slot + 1


def link_across_chapters(pages: Sequence[Page]) -> list[Page]:
    """The chapters' pages with bracketed names of headings in any chapter linked (each
    chapter already linked its own); the first heading of a name in the book wins."""
    trees = [etree.fromstring(page.html) for page in pages]
    headings: dict[str, str] = {}
    for tree in trees:
        for key, target in heading_ids(tree).items():
            headings.setdefault(key, target)
    result = []
    for page, tree in zip(pages, trees, strict=True):
        body = tree.find(".//div[@class='chapter-body']")
        if body is not None and link_headings(body, headings):
            page = replace(page, html=fragment_to_string(tree))
        result.append(page)
    return result
