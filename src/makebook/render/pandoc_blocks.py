"""pandoc's block syntax that Python-Markdown reads otherwise, as a Python-Markdown
extension (issue 17):

- the rewrites of manuscript/blocks.py (headings and block quotes that need a blank
  line or a space, `~` definitions), which the loader's checks read too;
- a backtick code fence at the margin right under a paragraph's line opens a code
  block, as in pandoc 3 (a tilde fence there does too in makebook: pandoc prints it
  as text, which no author means);
- a backslash at the end of a line is a line break (`escaped_line_breaks`);
- a fenced div (`:::`) inside a block quote is a div inside the quote;
- a `%` title block at the chapter's start is not printed (manuscript/title_block.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from makebook.manuscript.blocks import QUOTE_MARKS, pandoc_block_lines
from makebook.manuscript.syntax import (
    CODE_FENCE,
    FENCE_CLOSE,
    FENCE_OPEN,
    fence_attributes,
    fence_end,
    line_kinds,
)
from makebook.manuscript.title_block import read_title_block

FENCE_AT_MARGIN = re.compile(r"^(?:`{3,}|~{3,})")
UNREADABLE_LANGUAGE = re.compile(r"[ \t]*[^\s{}]*[^\w\s{}#.+-]")  # for superfences
# A div's fence line inside a quote becomes a paragraph of this marker alone, which
# the tree processor turns back into the div; private-use characters no author writes.
DIV_MARK = "\ue000div{}\ue001"
DIV_MARK_PARAGRAPH = re.compile("^\ue000div(\\d+|end)\ue001$")
DIV_CLOSE = -1


class PandocBlocksPreprocessor(Preprocessor):
    def __init__(self, md: Markdown, divs: list[dict[str, str]]) -> None:
        super().__init__(md)
        self.divs = divs

    def run(self, lines: list[str]) -> list[str]:
        block = read_title_block(lines)  # the loader has blanked it; a chapter given whole not
        if block:
            lines = [""] * block.lines + lines[block.lines :]
        lines = pandoc_block_lines(lines)
        lines = self.mark_quoted_divs(lines)
        return blank_before_fences(lines)

    def mark_quoted_divs(self, lines: list[str]) -> list[str]:
        """`> ::: note` ... `> :::`: the fence lines become marker paragraphs in the quote."""
        out: list[str] = []
        kinds = line_kinds(lines)
        open_divs = 0
        for line, kind in zip(lines, kinds, strict=True):
            marks = QUOTE_MARKS.match(line).group(0)  # type: ignore[union-attr]
            fence = line[len(marks) :].strip()
            if kind != "text" or ">" not in marks:
                out.append(line)
                continue
            if opening := FENCE_OPEN.match(fence):
                self.divs.append(fence_attributes(opening))
                mark = DIV_MARK.format(len(self.divs) - 1)
                open_divs += 1
            elif FENCE_CLOSE.match(fence) and open_divs:
                mark = DIV_MARK.format("end")
                open_divs -= 1
            else:
                out.append(line)
                continue
            bare = marks.rstrip()
            out.extend([bare, marks + mark, bare])
        return out


def blank_before_fences(lines: list[str]) -> list[str]:
    """A blank line between a paragraph's line (or a code block) and the code fence
    right under it; a
    language superfences cannot read (pandoc's manual: ```` ```[[Wiki]] ````) is left
    out, so the fence still opens a code block."""
    kinds = line_kinds(lines)
    out: list[str] = []
    index = 0
    while index < len(lines):
        end = fence_end(lines, index) if kinds[index] == "fence" else None
        if end is None:
            out.append(lines[index])
            index += 1
            continue
        line = lines[index]
        # Under a paragraph's line or another code block's closing fence.
        if index and lines[index - 1].strip() and FENCE_AT_MARGIN.match(line):
            out.append("")
        opening = CODE_FENCE.match(line.strip())
        if opening and UNREADABLE_LANGUAGE.match(line.strip()[len(opening["fence"]) :]):
            line = line[: len(line) - len(line.lstrip())] + opening["fence"]
        out.append(line)
        out.extend(lines[index + 1 : end + 1])
        index = end + 1
    return out


class QuotedDivTreeprocessor(Treeprocessor):
    """The marker paragraphs' siblings between an opening and its closing become a div."""

    def __init__(self, md: Markdown, divs: list[dict[str, str]]) -> None:
        super().__init__(md)
        self.divs = divs

    def run(self, root: ET.Element) -> None:
        for parent in list(root.iter()):
            while self.wrap_first(parent):
                pass

    def wrap_first(self, parent: ET.Element) -> bool:
        """Wraps the innermost div among parent's children; False when none is left."""
        children = list(parent)
        opened: int | None = None
        for position, child in enumerate(children):
            number = marker(child)
            if number is None:
                continue
            if number != DIV_CLOSE:
                opened = position
            elif opened is not None:
                self.wrap(parent, children, opened, position)
                return True
            else:
                parent.remove(child)  # a closing line with nothing open in this quote
                return True
        if opened is not None:  # never closed in this quote: the div ends with it
            self.wrap(parent, children, opened, len(children))
            return True
        return False

    def wrap(self, parent: ET.Element, children: list[ET.Element], start: int, end: int) -> None:
        div = ET.Element("div", self.divs[marker(children[start])])  # type: ignore[index]
        div.text = "\n"
        index = list(parent).index(children[start])
        for child in children[start + 1 : end]:
            parent.remove(child)
            div.append(child)
        parent.remove(children[start])
        if end < len(children):
            parent.remove(children[end])
        div.tail = "\n"
        parent.insert(index, div)


def marker(element: ET.Element) -> int | None:
    if element.tag != "p" or len(element):
        return None
    found = DIV_MARK_PARAGRAPH.match((element.text or "").strip())
    if not found:
        return None
    return DIV_CLOSE if found[1] == "end" else int(found[1])


class EscapedLineBreakProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        return ET.Element("br"), m.start(0), m.end(0)


class PandocBlocksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        divs: list[dict[str, str]] = []
        # Before the code fences' preprocessor (29.5) and fenced divs (29), which read
        # the rewritten lines, and superfences (25).
        md.preprocessors.register(PandocBlocksPreprocessor(md, divs), "pandoc_blocks", 29.7)
        # After the inline patterns (20), which leave the marker paragraphs' text alone.
        md.treeprocessors.register(QuotedDivTreeprocessor(md, divs), "quoted_divs", 19)
        # Ahead of `escape` (180): the backslash and the line's end.
        md.inlinePatterns.register(
            EscapedLineBreakProcessor(r"\\\n", md), "escaped_line_break", 186
        )
