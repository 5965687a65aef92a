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
- `#.` or `#)` opens a list, not a heading (pandoc wants a space after `#`).

What differs from pandoc: content of an item is indented four spaces (Python-Markdown),
where pandoc takes the column after the marker; a marker of another kind indented
under an item starts a list after it rather than inside it unless indented four spaces.
pymdownx.fancylists (pymdown-extensions 13.1) was tried first: it reads no `(2)` or
`(ii)`, no `(@)`, and lets `#.` become a heading, so it is not used.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import OListProcessor, UListProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from makebook.manuscript.lists import (
    DEFAULT,
    EXAMPLE,
    HTML_TYPE,
    Marker,
    list_marker,
    ordered_marker,
)

KIND = "data-makebook-list"  # the marker kind a list was opened with; removed when done
INDENT = re.compile(r"^ *")
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


class PandocOListProcessor(OListProcessor):
    """Ordered lists with pandoc's markers (render/lists.py's docstring)."""

    SIBLING_TAGS = ["ol"]
    LAZY_OL = False

    def __init__(self, parser: BlockParser, examples: Examples) -> None:
        super().__init__(parser)
        self.examples = examples

    def marker(self, line: str, within: Marker | None = None) -> Marker | None:
        """The marker opening a line at the list's own level (up to three spaces in)."""
        indent = len(INDENT.match(line).group(0))  # type: ignore[union-attr]
        if indent >= self.tab_length:
            return None
        return ordered_marker(line[indent:], within.style if within else None)

    def test(self, parent: ET.Element, block: str) -> bool:
        return self.marker(block.split("\n", 1)[0]) is not None

    def run(self, parent: ET.Element, blocks: list[str]) -> None:
        sibling = self.lastChild(parent)
        first = self.first_marker(blocks[0].split("\n", 1)[0], sibling)
        items, rest = self.split_items(blocks.pop(0), first)
        if rest:
            blocks.insert(0, rest)
        if sibling is not None and sibling.tag == "ol" and sibling.get(KIND) == kind_key(first):
            lst = sibling
            self.loosen(lst)
            li = ET.SubElement(lst, "li")
            self.parser.state.set("looselist")
            self.parser.parseBlocks(li, [items.pop(0)[0]])
            self.parser.state.reset()
        elif parent.tag in ("ol", "ul"):
            lst = parent  # Python-Markdown: a list opening in an empty item of another
        else:
            lst = ET.SubElement(parent, "ol", self.attributes(first, items[0][1]))
        self.parser.state.set("list")
        for text, _ in items:
            if text.startswith(" " * self.tab_length):
                self.parser.parseBlocks(lst[-1], [text])
            else:
                self.parser.parseBlocks(ET.SubElement(lst, "li"), [text])
        self.parser.state.reset()

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

    def loosen(self, lst: ET.Element) -> None:
        """A list continued after a blank line is loose: its last item's text is a
        paragraph (as Python-Markdown's own list processor does)."""
        if lst[-1].text:
            paragraph = ET.Element("p")
            paragraph.text, lst[-1].text = lst[-1].text, ""
            lst[-1].insert(0, paragraph)
        last = self.lastChild(lst[-1])
        if last is not None and last.tail:
            paragraph = ET.SubElement(lst[-1], "p")
            paragraph.text, last.tail = last.tail.lstrip(), ""

    def split_items(self, block: str, first: Marker) -> tuple[list[tuple[str, int]], str]:
        """The block's items of this list (each with its number), and the lines from the
        first item of another kind on, which open the next list."""
        items: list[tuple[str, int]] = []
        lines = block.split("\n")
        for index, line in enumerate(lines):
            marker = self.item_marker(line, first)
            if marker is not None and marker.kind != first.kind:
                return items, "\n".join(lines[index:])
            if marker is not None:
                number = self.examples.number(marker.label) if marker.style == EXAMPLE else 0
                text = line.lstrip()[marker.width :]
                items.append((text, number or marker.number))
            elif self.INDENT_RE.match(line) or nested_item(line, self.tab_length):
                if items[-1][0].startswith(" " * self.tab_length):
                    items[-1] = (f"{items[-1][0]}\n{line}", items[-1][1])
                else:
                    items.append((line, 0))
            else:
                items[-1] = (f"{items[-1][0]}\n{line}", items[-1][1])
        return items, ""

    def item_marker(self, line: str, first: Marker) -> Marker | None:
        """An item at this list's level, of any kind (a bullet too)."""
        indent = len(INDENT.match(line).group(0))  # type: ignore[union-attr]
        if indent >= self.tab_length:
            return None
        return self.marker(line, first) or list_marker(line[indent:])


def nested_item(line: str, tab_length: int) -> bool:
    """A list item indented one level (4 to 7 spaces): a list inside the item above."""
    indent = len(INDENT.match(line).group(0))  # type: ignore[union-attr]
    return tab_length <= indent < 2 * tab_length and list_marker(line[indent:]) is not None


class DefaultMarkerProcessor(PandocOListProcessor):
    """`#.` lists, read before Python-Markdown's headings would take `#. one` for one."""

    def test(self, parent: ET.Element, block: str) -> bool:
        first = self.marker(block.split("\n", 1)[0])
        return first is not None and first.style == DEFAULT


class PandocUListProcessor(UListProcessor):
    """Bullet lists that end where an ordered item begins (pandoc starts a new list)."""

    SIBLING_TAGS = ["ul"]

    def __init__(self, parser: BlockParser) -> None:
        super().__init__(parser)
        self.CHILD_RE = re.compile(rf"^[ ]{{0,{self.tab_length - 1}}}(([*+-]))[ ]+(.*)")

    def run(self, parent: ET.Element, blocks: list[str]) -> None:
        lines = blocks[0].split("\n")
        for index, line in enumerate(lines[1:], 1):
            indent = len(INDENT.match(line).group(0))  # type: ignore[union-attr]
            if indent < self.tab_length and ordered_marker(line[indent:]) is not None:
                blocks[0:1] = ["\n".join(lines[:index]), "\n".join(lines[index:])]
                break
        super().run(parent, blocks)


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


class ListCleanupTreeprocessor(Treeprocessor):
    """Takes the marker kinds off the lists once the blocks are parsed."""

    def run(self, root: ET.Element) -> None:
        for lst in root.iter("ol"):
            lst.attrib.pop(KIND, None)


class PandocListExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        examples = Examples()
        md.parser.blockprocessors.register(PandocOListProcessor(md.parser, examples), "olist", 40)
        md.parser.blockprocessors.register(PandocUListProcessor(md.parser), "ulist", 30)
        # Above hashheader (70), below tables (75) and indented code (80).
        md.parser.blockprocessors.register(
            DefaultMarkerProcessor(md.parser, examples), "olist_default", 71
        )
        # After the citations (175), before links and emphasis: `@label` never a link.
        md.inlinePatterns.register(
            ExampleReferenceProcessor(EXAMPLE_REFERENCE, md, examples), "example_reference", 174
        )
        md.treeprocessors.register(ListCleanupTreeprocessor(md), "list_cleanup", 5)
