"""pandoc's line blocks (verse, addresses) on Python-Markdown.

A line block is a run of lines that begin with `|` and a space (or are `|` alone, an
empty line), at the left margin; a line that begins with a space continues the line
above (pandoc joins the two with a space). Each line keeps its break and its leading
spaces, as no-break spaces; its text is inline Markdown, which cannot cross a line's
end. Written as pandoc 3 writes it, each line in a span of its own:

    <div class="line-block"><span class="line">The limerick packs laughs anatomical</span><br/>
    <span class="line">&#160;&#160;&#160;But the good ones I've seen</span></div>

The spans are makebook's: a verse line too long for the page wraps with a hanging
indent (book.css), which CSS cannot give lines that only `<br/>` separates
(`text-indent: each-line` is read by neither WeasyPrint nor most reading systems).

A pipe table's rows begin with `|` too: a block whose second line is a table's
separator line is left to the `tables` extension, as pandoc decides by that line;
`| a | b |` lines without one are a line block, in pandoc too.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension

LINE = re.compile(r"\|(?: (?P<text>.*)|[ \t]*)$")  # `| text`, or `|` alone: an empty line
CONTINUATION = re.compile(r" +\S")
LEADING_SPACES = re.compile(r"^ +")
# A pipe table's separator line (`|---|:--:|`, or orgtbl's `|---+---|`) under the first.
TABLE_SEPARATOR = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:[|+][ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


def line_block_lines(lines: list[str], in_item: bool = False) -> tuple[list[str], int]:
    """The lines of the line block that opens `lines` (continuations joined, leading
    spaces made no-break, trailing spaces dropped), and how many source lines it takes.

    `in_item`: the block is a list item's, whose next lines keep the indentation that
    pandoc takes off (`* | one` then `  | two`): an indented `| ` opens a line there."""
    found: list[str] = []
    taken = 0
    for line in lines:
        opening = LINE.match(line.lstrip(" ") if in_item and found else line)
        if opening:
            text = (opening["text"] or "").rstrip()
            found.append(LEADING_SPACES.sub(lambda m: "\u00a0" * len(m.group(0)), text))
        elif found and CONTINUATION.match(line):
            found[-1] = f"{found[-1]} {line.strip()}"
        else:
            break
        taken += 1
    return found, taken


class LineBlockProcessor(BlockProcessor):
    def test(self, parent: ET.Element, block: str) -> bool:
        lines = block.split("\n", 2)
        is_table = len(lines) > 1 and bool(TABLE_SEPARATOR.match(lines[1]))
        return bool(LINE.match(lines[0])) and not is_table

    def run(self, parent: ET.Element, blocks: list[str]) -> None:
        lines = blocks.pop(0).split("\n")
        found, taken = line_block_lines(lines, in_item=parent.tag == "li")
        if taken < len(lines):  # a line that is neither: pandoc ends the block there
            blocks.insert(0, "\n".join(lines[taken:]))
        div = ET.SubElement(parent, "div", {"class": "line-block"})
        for index, text in enumerate(found):
            if index:
                ET.SubElement(div, "br")  # Python-Markdown writes a line end after it
            if text:  # an empty line is the break alone (no empty element: HTML parsers
                # read `<span/>` as an opening tag)
                ET.SubElement(div, "span", {"class": "line"}).text = text


class LineBlockExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Below indented code (80), above pipe tables (75, 76), which would take `|`
        # alone on the second line for a table's separator: what is a table is decided
        # here, by the second line, as pandoc decides it.
        md.parser.blockprocessors.register(LineBlockProcessor(md.parser), "line_block", 77)
