"""pandoc's lists on Python-Markdown: fancy_lists, startnum and example_lists.

Replaces the `sane_lists` processors. Markers are read by manuscript/lists.py (the
loader's checks read the same); the lists are written as pandoc 3 writes them:

- `<ol type="1|a|A|i|I">`, with `start` when the list starts elsewhere than one
  (`9)`, `c.`, `(iv)`); a `#.` list has no type, as pandoc writes its default style;
- a new list each time the marker's style or delimiter changes, even on the next
  line (`(2) Two` then `1. Four` are two lists), and between bullets and numbers;
- example items `(@)` or `(@label)` numbered on through the chapter, each list of
  them `<ol class="example" type="1" start="N">`; `@label` in the text prints the
  number of the example it labels, before or after it (`(@label)` prints `(N)`);
  inside a citation's brackets (`[@label]`) or unknown, it is left as written.
- `#.` or `#)` opens a list, not a heading (pandoc wants a space after `#`);
- a list marker indented as far as an item's text (`1. a` then `   - b`, or `- a`
  then `  - b`) opens a list inside the item (Python-Markdown wants four spaces),
  and a paragraph after a blank line indented that far (`   More of one.`) is more
  of the item; an item marker
  less indented than that text (`    more b` then `- c`) is the list's next item;
- a list is loose, every item's text a paragraph, when a blank line separates two
  of its items or the paragraphs of one (Python-Markdown: the items after it).

What differs from pandoc: code in an item is indented eight spaces (Python-Markdown),
in pandoc four past the column of the item's text; a blank line inside a nested list
makes the list around it loose too.
pymdownx.fancylists (pymdown-extensions 13.1) was tried first: it reads no `(2)` or
`(ii)`, no `(@)`, and lets `#.` become a heading, so it is not used.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor, OListProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from makebook.manuscript.lists import (
    BULLETS,
    DEFAULT,
    EXAMPLE,
    HTML_TYPE,
    Marker,
    list_marker,
    ordered_marker,
)

KIND = "data-makebook-list"  # the marker kind a list was opened with; removed when done
COLUMN = "data-makebook-column"  # where an item's text starts; removed when done
EXAMPLE_REFERENCE = r"(?<![\w@-])@([\w-]+)"


@dataclass
class Examples:
    """The chapter's numbered examples: the next number, and each label's."""

    next: int = 1
    labels: dict[str, int] = field(default_factory=dict)

    def number(self, label: str) -> int:
        if label and label in self.labels:
            return self.labels[label]  # a repeated label repeats its example's number
        number = self.next
        self.next += 1
        if label:
            self.labels[label] = number
        return number


def kind_key(marker: Marker) -> str:
    return f"{marker.style} {marker.delimiter}"


def indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class PandocOListProcessor(OListProcessor):
    """Ordered lists with pandoc's markers (render/lists.py's docstring)."""

    TAG = "ol"

    def __init__(self, parser: BlockParser, examples: Examples) -> None:
        super().__init__(parser)
        self.examples = examples

    def marker(self, line: str, within: Marker | None = None) -> Marker | None:
        """This processor's marker opening a line at the list's own level (up to three
        spaces in)."""
        indent = indentation(line)
        if indent >= self.tab_length:
            return None
        return ordered_marker(line[indent:], within.style if within else None)

    def any_marker(self, line: str, first: Marker) -> Marker | None:
        """An item of any kind at the list's level, read in this list's style first."""
        indent = indentation(line)
        if indent >= self.tab_length:
            return None
        return self.marker(line, first) or list_marker(line[indent:])

    def test(self, parent: ET.Element, block: str) -> bool:
        return self.marker(block.split("\n", 1)[0]) is not None

    def run(self, parent: ET.Element, blocks: list[str]) -> None:
        sibling = self.lastChild(parent)
        first = self.first_marker(blocks[0].split("\n", 1)[0], sibling)
        items, rest = self.group_items(blocks.pop(0).split("\n"), first)
        if rest:
            blocks.insert(0, rest)
        if self.continues(sibling, first):
            lst = sibling
            loosen(lst)
            li = ET.SubElement(lst, "li", {COLUMN: str(items[0][2])})
            self.parser.state.set("looselist")
            self.parser.parseBlocks(li, [items.pop(0)[0]])
            self.parser.state.reset()
        elif parent.tag in ("ol", "ul"):
            lst = parent  # Python-Markdown: a list opening in an empty item of another
        else:
            lst = ET.SubElement(parent, self.TAG, self.attributes(first, items[0][1]))
        self.parser.state.set("list")
        for text, _, column in items:
            if text.startswith(" " * self.tab_length):
                self.parser.parseBlocks(lst[-1], [text])
            else:
                self.parser.parseBlocks(ET.SubElement(lst, "li", {COLUMN: str(column)}), [text])
        self.parser.state.reset()

    def continues(self, sibling: ET.Element | None, first: Marker) -> bool:
        """Whether the block's items go on with the list just above (after a blank line)."""
        return sibling is not None and sibling.tag == "ol" and sibling.get(KIND) == kind_key(first)

    def first_marker(self, line: str, sibling: ET.Element | None) -> Marker:
        """The block's first marker, read in the style of the list it may continue
        (`c.` after a blank line under `ii.` is roman one hundred)."""
        fresh = self.marker(line)
        assert fresh is not None  # test() said so
        if sibling is None or sibling.tag != "ol" or not sibling.get(KIND):
            return fresh
        style, delimiter = sibling.get(KIND, "").split()
        continued = ordered_marker(line.lstrip(), style)
        if continued is not None and continued.kind == (style, delimiter):
            return continued
        return fresh

    def attributes(self, first: Marker, number: int) -> dict[str, str]:
        attributes = {KIND: kind_key(first)}
        if number != 1:
            attributes["start"] = str(number)
        if first.style == EXAMPLE:
            attributes["class"] = "example"
        if first.style != DEFAULT:
            attributes["type"] = HTML_TYPE[first.style]
        return attributes

    def group_items(self, lines: list[str], first: Marker) -> tuple[list[list], str]:
        """The block's items of this list, each [text, number, column of its text]; an
        item's indented
        content (a nested list, a paragraph) as a text of its own that starts
        `tab_length` spaces in; and the lines from the first item of another kind at
        this level on, which open the next list.

        A marker indented as far as the item's text (`1. a` then `   - b`) opens a
        list inside the item, as in pandoc: it is moved to Python-Markdown's four
        spaces, with the lines under it."""
        tab = self.tab_length
        items: list[list] = []
        column = 0  # where the current item's text starts
        index = 0
        while index < len(lines):
            line = lines[index]
            indent = indentation(line)
            marker = self.any_marker(line, first)
            if marker is not None and items and indent >= column:
                block, index = nested_run(lines, index, tab)
                add_indented(items, block, tab)
                continue
            if marker is not None and marker.kind != first.kind:
                return items, "\n".join(lines[index:])
            if marker is not None:
                number = self.examples.number(marker.label) if marker.style == EXAMPLE else 0
                column = min(indent + marker.width, tab)
                items.append([line[indent + marker.width :], number or marker.number, column])
            elif indent >= tab and list_marker(line[indent:]) is not None:
                add_indented(items, line, tab)  # a list inside the item, four spaces in
            else:
                items[-1][0] += "\n" + line
            index += 1
        return items, ""


def nested_run(lines: list[str], start: int, tab: int) -> tuple[str, int]:
    """The lines of a list nested at `lines[start]`'s indentation (less than `tab`),
    moved right to `tab` spaces; and the index of the first line after them."""
    indent = indentation(lines[start])
    shift = " " * (tab - indent)
    moved = [shift + lines[start]]
    index = start + 1
    while index < len(lines):
        line = lines[index]
        deeper = indentation(line) >= indent
        if not deeper and list_marker(line.lstrip(" ")) is not None:
            break  # an item of the list around it
        moved.append(shift + line if deeper else line)  # a lazy line stays as it is
        index += 1
    return "\n".join(moved), index


def add_indented(items: list[list], text: str, tab: int) -> None:
    """Indented content goes with the indented content before it, or starts its own."""
    if items[-1][0].startswith(" " * tab):
        items[-1][0] += "\n" + text
    else:
        items.append([text, 0, 0])


def loosen(lst: ET.Element) -> None:
    """A list whose items a blank line separates is loose: every item's text is a
    paragraph, as pandoc makes it (Python-Markdown: the items after the blank line)."""
    for item in lst:
        if item.text:
            paragraph = ET.Element("p")
            paragraph.text, item.text = item.text, ""
            item.insert(0, paragraph)
    last = lst[-1][-1] if len(lst) and len(lst[-1]) else None
    if last is not None and last.tail:
        paragraph = ET.SubElement(lst[-1], "p")
        paragraph.text, last.tail = last.tail.lstrip(), ""


class DefaultMarkerProcessor(PandocOListProcessor):
    """`#.` lists, read before Python-Markdown's headings would take `#. one` for one."""

    def test(self, parent: ET.Element, block: str) -> bool:
        first = self.marker(block.split("\n", 1)[0])
        return first is not None and first.style == DEFAULT


class PandocUListProcessor(PandocOListProcessor):
    """Bullet lists, read as the ordered ones: they end where an ordered item begins at
    their level (pandoc starts a new list), and nest what is indented as far as an
    item's text."""

    TAG = "ul"

    def marker(self, line: str, within: Marker | None = None) -> Marker | None:
        indent = indentation(line)
        found = list_marker(line[indent:]) if indent < self.tab_length else None
        return found if found is not None and found.style == BULLETS else None

    def any_marker(self, line: str, first: Marker) -> Marker | None:
        indent = indentation(line)
        return list_marker(line[indent:]) if indent < self.tab_length else None

    def continues(self, sibling: ET.Element | None, first: Marker) -> bool:
        return sibling is not None and sibling.tag == "ul"

    def first_marker(self, line: str, sibling: ET.Element | None) -> Marker:
        found = self.marker(line)
        assert found is not None  # test() said so
        return found

    def attributes(self, first: Marker, number: int) -> dict[str, str]:
        return {}


class ExampleReferenceProcessor(InlineProcessor):
    """`@label` of a numbered example prints its number (outside a citation's brackets)."""

    def __init__(self, pattern: str, md: Markdown, examples: Examples) -> None:
        super().__init__(pattern, md)
        self.examples = examples

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        number = self.examples.labels.get(m.group(1))
        if number is None or data.rfind("[", 0, m.start()) > data.rfind("]", 0, m.start()):
            return None, None, None
        return str(number), m.start(0), m.end(0)


class ItemContinuationProcessor(BlockProcessor):
    """An indented block after a blank line under a list, read as pandoc reads it:

    - indented as far as the last item's text but less than four spaces (`1. One`
      then `   More of one.`), it is more of that item: moved to Python-Markdown's
      four spaces, for its list processors;
    - a line in it that opens an item less indented than that text (`    more b`
      then `- c`) is the list's next item, not a lazy line of the block above it."""

    def column(self, parent: ET.Element) -> int:
        """Where the text of the last item of the list just above starts (0: no list)."""
        last = self.lastChild(parent)
        if last is None or last.tag not in ("ol", "ul") or not len(last):
            return 0
        return int(last[-1].get(COLUMN, "0"))

    def test(self, parent: ET.Element, block: str) -> bool:
        column = self.column(parent)
        indent = indentation(block)
        if not column or not indent:
            return False
        lines = block.split("\n")
        return column <= indent < self.tab_length or next_item(lines, column) is not None

    def run(self, parent: ET.Element, blocks: list[str]) -> bool:
        column = self.column(parent)
        lines = blocks[0].split("\n")
        split = next_item(lines, column)
        if split is not None:
            blocks[0:1] = ["\n".join(lines[:split]), "\n".join(lines[split:])]
            lines = lines[:split]
        if column <= indentation(lines[0]) < self.tab_length:
            shift = " " * (self.tab_length - column)
            blocks[0] = "\n".join(shift + line for line in lines)
        return False  # now Python-Markdown's indented list content (ListIndentProcessor)


def next_item(lines: list[str], column: int) -> int | None:
    """The index of the first line after the first that opens a list item indented
    less than `column`."""
    for index, line in enumerate(lines[1:], 1):
        if indentation(line) < column and list_marker(line.lstrip(" ")) is not None:
            return index
    return None


class LooseListTreeprocessor(Treeprocessor):
    """A list one of whose items holds paragraphs apart (`- b`, a blank line, then
    `    more b`) is loose, as pandoc reads it: every item's text is a paragraph.
    Before the inline patterns, while an item's text is still its Markdown."""

    def run(self, root: ET.Element) -> None:
        for lst in root.iter():
            if lst.tag in ("ol", "ul") and any(len(item.findall("p")) > 1 for item in lst):
                loosen(lst)


class ListCleanupTreeprocessor(Treeprocessor):
    """Takes the marker kinds and text columns off the lists once the blocks are parsed."""

    def run(self, root: ET.Element) -> None:
        for lst in root.iter("ol"):
            lst.attrib.pop(KIND, None)
        for item in root.iter("li"):
            item.attrib.pop(COLUMN, None)


class PandocListExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        examples = Examples()
        md.parser.blockprocessors.register(PandocOListProcessor(md.parser, examples), "olist", 40)
        md.parser.blockprocessors.register(PandocUListProcessor(md.parser, examples), "ulist", 30)
        # Above Python-Markdown's list content (90) and indented code (80).
        md.parser.blockprocessors.register(
            ItemContinuationProcessor(md.parser), "item_continuation", 91
        )
        # Above hashheader (70), below tables (75) and indented code (80).
        md.parser.blockprocessors.register(
            DefaultMarkerProcessor(md.parser, examples), "olist_default", 71
        )
        # After the citations (175), before links and emphasis: `@label` never a link.
        md.inlinePatterns.register(
            ExampleReferenceProcessor(EXAMPLE_REFERENCE, md, examples), "example_reference", 174
        )
        md.treeprocessors.register(LooseListTreeprocessor(md), "loose_lists", 21)  # inline: 20
        md.treeprocessors.register(ListCleanupTreeprocessor(md), "list_cleanup", 5)
