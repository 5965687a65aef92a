"""Raw TeX, as pandoc's `raw_tex` extension reads it.

A block of only `\\newpage`, `\\pagebreak` or `\\clearpage` breaks the page in the PDFs
(`<div class="page-break">`, styled in pdf.css; an empty div in the EPUB). Any other
TeX pandoc would pass to LaTeX, a command with its arguments (`\\cite{x}`,
`\\vspace{1cm}`) or an environment (`\\begin{tabular}...\\end{tabular}`), is left out
of the book as pandoc leaves it out of HTML, with a warning at its line; a math
environment (`\\begin{equation}`, `align`...) is display math, as pandoc reads it.
Code is never touched, nor math (render/math.py takes it first), nor Markdown's
backslash escapes (`\\*`, `\\$`, `\\\\`).
"""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from makebook.manuscript.syntax import indentation, line_kinds
from makebook.render.math import (
    STASHED,
    TexNote,
    formula_markup,
    inside_link_address,
    inside_tag,
    macros_of,
    read_definition,
)

PAGE_BREAKS = {"\\newpage", "\\pagebreak", "\\clearpage"}
PAGE_BREAK_HTML = '<div class="page-break"></div>'
# Environments pandoc reads as display math, not raw TeX (its tex_math handling).
MATH_ENVIRONMENTS = {
    f"{name}{star}"
    for name in ("equation", "align", "gather", "multline", "eqnarray", "alignat", "flalign")
    for star in ("", "*")
} | {"aligned", "split", "gathered", "alignedat"}
COMMAND = re.compile(r"\\([A-Za-z]+)\*?")
BEGIN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
# What to write instead, for the commands authors use most.
INSTEAD = {
    "emph": "write *text* for emphasis",
    "textit": "write *text* for italics",
    "textbf": "write **text** for bold",
    "underline": "write [text]{.underline}",
    "textsc": "write [text]{.smallcaps}",
    "cite": "write a citation as [@key]",
    "citep": "write a citation as [@key]",
    "citet": "write a citation as @key",
    "footnote": "write a note as ^[text] or [^1]",
    "section": "write a heading as ## Heading",
    "subsection": "write a heading as ### Heading",
    "url": "write a link as <https://...>",
    "href": "write a link as [text](https://...)",
    "ref": "link to a heading as [Heading] or [text](#id)",
    "label": "give a heading an id as ## Heading {#id}",
    "includegraphics": "write an image as ![caption](file.png)",
    "displaymath": "write display math between $$ and $$",
    "math": "write inline math between $ and $",
    "tabular": "write a pipe, simple or grid table",
    "quote": "write a quotation as lines starting with >",
    "itemize": "write a list as lines starting with -",
    "enumerate": "write a numbered list as lines starting with 1.",
    "center": "center text with a stylesheet rule instead",
    "index": 'mark the words for the index as [words]{.index term="term"}',
}
GENERIC_HINT = (
    "makebook does not typeset with LaTeX: write it in Markdown, or remove it "
    "(\\newpage alone in a paragraph breaks the page; write \\\\ for a backslash)"
)


def arguments_end(text: str, position: int) -> int:
    """Past a command's arguments starting at `position`, as pandoc takes them: any
    `[optional]` ones right after its name, then `{required}` ones, spaces allowed."""
    for opener, spaced in (("[", False), ("{", True)):
        while True:
            start = position
            while spaced and start < len(text) and text[start] in " \t":
                start += 1
            end = group_end(text, start) if text.startswith(opener, start) else None
            if end is None:
                break
            position = end
    return position


def group_end(text: str, start: int) -> int | None:
    """Past the bracketed or braced group opening at `start` (braces nest), or None."""
    closer = "]" if text[start] == "[" else "}"
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "\n" and text.startswith("\n", index + 1):
            return None  # never past a blank line
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == closer and depth == 0:
            return index + 1
        index += 1
    return None


def environment_end(text: str, start: int, name: str) -> int | None:
    """Past the `\\end{name}` closing the environment begun at `start` (same-named ones
    nest), or None when it is never closed."""
    begin, end = f"\\begin{{{name}}}", f"\\end{{{name}}}"
    depth = 0
    for match in re.finditer(re.escape(begin) + "|" + re.escape(end), text[start:]):
        depth += 1 if match.group(0) == begin else -1
        if depth == 0:
            return start + match.end()
    return None


def raw_tex_end(text: str, start: int) -> int | None:
    """Past the raw TeX (command or environment) at `start`, or None if there is none."""
    definition = read_definition(text, start)
    if definition:
        return definition[2]
    begin = BEGIN.match(text, start)
    if begin:
        closed = environment_end(text, start, begin.group(1))
        if closed is not None:
            return closed
    command = COMMAND.match(text, start)
    return arguments_end(text, command.end()) if command else None


def tex_note(source: str, block: bool = False) -> TexNote:
    first = source.strip().split("\n", 1)[0]
    begin = BEGIN.match(source)
    name = begin.group(1).rstrip("*") if begin else COMMAND.match(source).group(1)  # type: ignore[union-attr]
    shown = first if len(first) <= 60 else first[:57] + "..."
    return TexNote(
        first,
        f"raw TeX {shown} was left out of the book, as pandoc leaves it out of HTML",
        INSTEAD.get(name, GENERIC_HINT),
        block,
    )


def tex_pieces(line: str) -> list[str] | None:
    """The TeX commands a line holds, or None when it holds anything else or math (a
    paragraph of only TeX is a raw block to pandoc)."""
    pieces: list[str] = []
    text = line.strip()
    position = 0
    while position < len(text):
        end = raw_tex_end(text, position)
        begin = BEGIN.match(text, position)
        if end is None or (begin and begin.group(1) in MATH_ENVIRONMENTS):
            return None  # not TeX, or math (which the paragraph's reading makes MathML)
        pieces.append(text[position:end])
        position = end
        while position < len(text) and text[position] in " \t":
            position += 1
    return pieces or None


class RawTexBlockPreprocessor(Preprocessor):
    """Blocks of raw TeX: a page break, an environment, a line of commands."""

    def __init__(self, md: Markdown, notes: list[TexNote]) -> None:
        super().__init__(md)
        self.notes = notes

    def run(self, lines: list[str]) -> list[str]:
        kinds = line_kinds(lines)
        out: list[str] = []
        index, block_start = 0, True
        while index < len(lines):
            line, stripped = lines[index], lines[index].strip()
            if kinds[index] == "text" and block_start and stripped and indentation(line) < 4:
                taken = self.block(lines, index)
                if taken:
                    out.extend(taken[1])
                    index = taken[0]
                    continue
            block_start = not stripped
            out.append(line)
            index += 1
        return out

    def block(self, lines: list[str], index: int) -> tuple[int, list[str]] | None:
        """(the next line's index, the lines in its place) for raw TeX starting a block."""
        stripped = lines[index].strip()
        if stripped in PAGE_BREAKS:
            self.notes.append(TexNote(stripped, "", "", block=True))  # its line, unreported
            return index + 1, ["", self.md.htmlStash.store(PAGE_BREAK_HTML), ""]
        begin = BEGIN.match(stripped)
        if begin:
            rest = "\n".join(lines[index:])
            start = len(lines[index]) - len(lines[index].lstrip())
            end = environment_end(rest, start, begin.group(1))
            if end is not None:
                used = rest[:end].count("\n")
                after = rest[end:].split("\n", 1)[0]
                replaced = ["", after] if after.strip() else [""]
                if begin.group(1) in MATH_ENVIRONMENTS:
                    math = formula_markup(
                        rest[start:end], True, self.notes, macros_of(self.md), delimited=False
                    )
                    replaced = ["", self.md.htmlStash.store(math), *replaced]
                else:
                    self.notes.append(tex_note(rest[start:end], block=True))
                return index + used + 1, replaced
        end = index
        while end < len(lines) and lines[end].strip():
            end += 1  # the paragraph's lines
        readings = [tex_pieces(line) for line in lines[index:end]]
        if any(pieces is None for pieces in readings):
            return None
        for pieces in readings:
            for number, piece in enumerate(pieces or []):
                self.take(piece, starts_line=number == 0)
        return end, [""]

    def take(self, piece: str, starts_line: bool) -> None:
        """A macro definition is kept for the math (pandoc's latex_macros); any other TeX
        is reported."""
        definition = read_definition(piece, 0)
        if definition:
            macros_of(self.md)[definition[0]] = definition[1]
        else:
            self.notes.append(tex_note(piece, block=starts_line))


class RawTexInlineProcessor(InlineProcessor):
    """TeX commands and environments within a paragraph, left out."""

    def __init__(self, md: Markdown, notes: list[TexNote]) -> None:
        super().__init__(r"\\(?=[A-Za-z])", md)
        self.notes = notes

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        start = m.start(0)
        end = raw_tex_end(data, start)
        if end is None or any(mark in data[start:end] for mark in STASHED):
            return None, None, None
        if inside_tag(data, start) or inside_link_address(data, start):
            return None, None, None
        begin = BEGIN.match(data, start)
        if begin and begin.group(1) in MATH_ENVIRONMENTS:
            macros = macros_of(self.md)
            math = formula_markup(data[start:end], True, self.notes, macros, delimited=False)
            return self.md.htmlStash.store(math), start, end
        definition = read_definition(data, start)
        if definition:
            macros_of(self.md)[definition[0]] = definition[1]
        else:
            self.notes.append(tex_note(data[start:end]))
        if end == COMMAND.match(data, start).end() or start == 0 or data[start - 1].isspace():  # type: ignore[union-attr]
            # TeX: a command's name ends at the spaces after it; and no double space is
            # left where a command stood between words.
            while end < len(data) and data[end] in " \t":
                end += 1
        return "", start, end


class RawTexExtension(Extension):
    def __init__(self, notes: list[TexNote]) -> None:
        super().__init__()
        self.notes = notes

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # After fenced code is stashed (25) and fenced divs are opened (29), before raw
        # HTML blocks are (20), which then take the page break's <div>.
        md.preprocessors.register(RawTexBlockPreprocessor(md, self.notes), "raw_tex_block", 22)
        # After escapes (180), which make `\\` and `\*` text; before bracketed spans (177),
        # which would take a command's `[option]{argument}` for a span with attributes.
        md.inlinePatterns.register(RawTexInlineProcessor(md, self.notes), "raw_tex", 178)
