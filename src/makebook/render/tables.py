"""pandoc's tables on Python-Markdown: simple, multiline and grid tables, and captions.

- `PandocTableProcessor` builds a `<table>` from each simple, multiline or grid
  table (read by manuscript/tables.py, which the loader's checks share). Column
  alignment is written as pandoc writes it, `style="text-align: ..."` on each cell
  (the sanitiser keeps that property only). A grid table's cells are Markdown
  blocks: paragraphs, lists, block quotes, code, even other tables; a cell of one
  paragraph is written without its `<p>`, as pandoc does. Fenced code in a cell is
  read by whichever `fenced_code_block` preprocessor the chapter's Markdown has.
- `TableCaptionProcessor` makes a paragraph `Table: ...` or `: ...` directly
  before or after any table (pipe tables included) its `<caption>`, with the
  pandoc attributes `{#id .class}` at its end put on the table. Anywhere else the
  paragraph is left to the other processors (`: ...` after a term is a definition).
- `split_caption` separates a caption written on the line right under a pipe or
  grid table, which would otherwise be read as one more row.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from makebook.manuscript.syntax import FENCE_OPEN, fence_attributes
from makebook.manuscript.tables import (
    CAPTION,
    DASH_RUNS,
    GRID_BORDER,
    GRID_LINE,
    MAX_ROW_LINES,
    ORGTBL_RULE,
    Cell,
    Table,
    is_caption,
    read_table,
)

PENDING = "data-makebook-caption"  # a caption waiting for the table after it


class PandocTableProcessor(BlockProcessor):
    """Simple, multiline and grid tables. A multiline table's rows are separated by
    blank lines, so it may take several of the parser's blocks."""

    def test(self, parent: ET.Element, block: str) -> bool:
        lines = block.split("\n", 2)
        return bool(
            DASH_RUNS.match(lines[0])
            or GRID_BORDER.match(lines[0])
            or (len(lines) > 1 and DASH_RUNS.match(lines[1]))
        )

    def run(self, parent: ET.Element, blocks: list[str]) -> bool | None:
        found = table_at(blocks)
        if found is None:
            return False
        table, rest, taken = found
        blocks[:taken] = rest
        build_table(parent, table, self.parser)
        return None


def table_at(blocks: list[str]) -> tuple[Table, list[str], int] | None:
    """The table that opens `blocks[0]`, the blocks left after it and how many of
    `blocks` it was read from."""
    lines: list[str] = []
    taken = 0
    for block in blocks:  # a multiline table ends with dashes at the end of a block
        lines += ([""] if lines else []) + block.split("\n")
        taken += 1
        if DASH_RUNS.match(lines[-1]) or len(lines) > MAX_ROW_LINES:
            break
    table = read_table(lines, 0)
    if table is None:
        return None
    rest = "\n".join(lines[table.lines :]).lstrip("\n")
    return table, rest.split("\n\n") if rest else [], taken


def build_table(parent: ET.Element, table: Table, parser: BlockParser) -> ET.Element:
    element = ET.SubElement(parent, "table")
    for section, rows, tag in (
        ("thead", table.head, "th"),
        ("tbody", table.body, "td"),
        ("tfoot", table.foot, "td"),
    ):
        if not rows:
            continue
        holder = ET.SubElement(element, section)
        for row in rows:
            tr = ET.SubElement(holder, "tr")
            for cell in row:
                fill_cell(ET.SubElement(tr, tag), cell, parser)
    return element


def fill_cell(element: ET.Element, cell: Cell, parser: BlockParser) -> None:
    if cell.align:
        element.set("style", f"text-align: {cell.align};")
    if cell.colspan > 1:
        element.set("colspan", str(cell.colspan))
    if cell.rowspan > 1:
        element.set("rowspan", str(cell.rowspan))
    if not cell.blocks:
        element.text = cell.text
        return
    source = cell.text
    fences = parser.md.preprocessors
    if "fenced_code_block" in fences:  # the whole chapter's fences were read before the cells
        source = "\n".join(fences["fenced_code_block"].run(source.split("\n")))
    parser.parseChunk(element, source)
    if len(element) == 1 and element[0].tag == "p" and not (element.text or "").strip():
        paragraph = element[0]  # pandoc writes a lone paragraph as plain text
        element.text = paragraph.text
        element.extend(list(paragraph))
        element.remove(paragraph)


class TableCaptionProcessor(BlockProcessor):
    def test(self, parent: ET.Element, block: str) -> bool:
        return is_caption(block)

    def run(self, parent: ET.Element, blocks: list[str]) -> bool | None:
        before = self.lastChild(parent)
        after = (
            len(blocks) > 1
            and not is_caption(blocks[1])
            and (
                table_at(blocks[1:]) is not None
                or (
                    "table" in self.parser.blockprocessors
                    and self.parser.blockprocessors["table"].test(parent, blocks[1])
                )
            )
        )
        if before is not None and before.tag == "table" and before.find("caption") is None:
            source = blocks.pop(0)
            before.insert(0, caption(before, source))
        elif after:
            source = blocks.pop(0)
            pending = ET.SubElement(parent, "caption", {PENDING: source})
            pending.append(caption(pending, source))
        else:
            return False
        return None


def caption(table: ET.Element, source: str) -> ET.Element:
    """The `<caption>` a caption paragraph makes; its `{#id .class}` go on the table."""
    text = CAPTION.sub("", source, count=1).strip()
    if text.endswith("}") and "{" in text:
        head, _, attributes = text[:-1].rpartition("{")
        match = FENCE_OPEN.match("::: {" + attributes + "}")
        if match:
            text = head.rstrip()
            found = fence_attributes(match)
            for name in ("id", "class"):
                if name in found:
                    table.set(name, found[name])
    element = ET.Element("caption")
    element.text = " ".join(text.split("\n"))
    return element


class CaptionSplitProcessor(BlockProcessor):
    """`| a | b |` ... then `: caption` on the very next line: two blocks."""

    def test(self, parent: ET.Element, block: str) -> bool:
        return self.split_at(block.split("\n")) is not None

    @staticmethod
    def split_at(lines: list[str]) -> int | None:
        for index in range(2, len(lines)):
            previous = lines[index - 1].strip()
            if is_caption(lines[index]) and (
                GRID_LINE.match(previous) or previous.startswith("|") or previous.endswith("|")
            ):
                return index
        return None

    def run(self, parent: ET.Element, blocks: list[str]) -> bool | None:
        lines = blocks[0].split("\n")
        at = self.split_at(lines)
        if at is None:
            return False
        blocks[0:1] = ["\n".join(lines[:at]), "\n".join(lines[at:])]
        return False  # let the table processors take the first part now


class OrgtblRuleProcessor(BlockProcessor):
    """A pipe table whose header rule is Emacs orgtbl's `|-----+-----|`: the `+` read
    as `|`, as pandoc does, before Python-Markdown's `tables` looks at it."""

    def test(self, parent: ET.Element, block: str) -> bool:
        lines = block.split("\n", 2)
        return len(lines) > 2 and "|" in lines[0] and bool(ORGTBL_RULE.match(lines[1]))

    def run(self, parent: ET.Element, blocks: list[str]) -> bool | None:
        lines = blocks[0].split("\n")
        lines[1] = lines[1].replace("+", "|")
        blocks[0] = "\n".join(lines)
        return False


class PendingCaptionTreeprocessor(Treeprocessor):
    """A caption before a table goes into it; one whose table did not come back
    (it was no table after all) is a paragraph again."""

    def run(self, root: ET.Element) -> None:
        for holder in list(root.iter()):
            for index, child in reversed(list(enumerate(holder))):
                if child.tag != "caption" or PENDING not in child.attrib:
                    continue
                following = holder[index + 1] if index + 1 < len(holder) else None
                holder.remove(child)
                if (
                    following is not None
                    and following.tag == "table"
                    and following.find("caption") is None
                ):
                    for name, value in child.attrib.items():
                        if name != PENDING and name not in following.attrib:
                            following.set(name, value)
                    following.insert(0, child[0])
                    continue
                paragraph = ET.Element("p")
                paragraph.text = child.get(PENDING)
                paragraph.tail = child.tail
                holder.insert(index, paragraph)


class PandocTableExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        blocks = md.parser.blockprocessors
        # Above indented code (80), definitions (85), setext headings and rules: a
        # multiline table's rows are indented and its borders are lines of dashes.
        blocks.register(PandocTableProcessor(md.parser), "pandoc_table", 86)
        blocks.register(CaptionSplitProcessor(md.parser), "table_caption_split", 87)
        blocks.register(OrgtblRuleProcessor(md.parser), "orgtbl_rule", 76)
        # Above definition lists (25), which would take `: caption` for a definition.
        blocks.register(TableCaptionProcessor(md.parser), "table_caption", 26)
        md.treeprocessors.register(PendingCaptionTreeprocessor(md), "table_caption", 25)
