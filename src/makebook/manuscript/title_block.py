"""pandoc's title block (`pandoc_title_block`): up to three lines starting with `%` at a
document's start, the title, the authors and the date, a field running on over lines
that start with a space. pandoc reads it as metadata and prints none of it.

In makebook a chapter's title is its front matter's `title:`. A chapter may start with
a title block instead of front matter, or with one right under its front matter; its
title is the chapter's title when the front matter gives none. The block is never
printed: the loader blanks its lines (keeping line numbers) and the renderer
(render/pandoc_blocks.py) reads the same block and leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TitleBlock:
    lines: int  # how many lines the block takes, from the text's first line
    title: str  # may be "" (`%` alone: no title)
    authors: tuple[str, ...]
    date: str


def read_title_block(lines: list[str]) -> TitleBlock | None:
    """The title block that the lines start with, or None."""
    fields: list[str] = []
    index = 0
    while index < len(lines) and len(fields) < 3 and lines[index].startswith("%"):
        field = [lines[index][1:].strip()]
        index += 1
        while index < len(lines) and lines[index][:1] in (" ", "\t") and lines[index].strip():
            field.append(lines[index].strip())
            index += 1
        fields.append(" ".join(part for part in field if part))
    if not fields:
        return None
    fields += [""] * (3 - len(fields))
    authors = tuple(a.strip() for a in fields[1].split(";") if a.strip())
    return TitleBlock(index, fields[0], authors, fields[2])


def blank_title_block(text: str) -> tuple[TitleBlock | None, str]:
    """The block the text starts with, and the text with its lines left empty."""
    lines = text.split("\n")
    block = read_title_block(lines)
    if block is None:
        return None, text
    return block, "\n".join([""] * block.lines + lines[block.lines :])
