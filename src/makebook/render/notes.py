"""pandoc's inline notes, `^[A note *with* [a link](x) and [brackets]]`, as footnotes.

A preprocessor rewrites each inline note into a reference note: the note becomes
`[^label]` where it stands and `[^label]: its text` is added at the chapter's end, so
the `footnotes` extension and render/chapter.py's extract_notes make it a footnote
like any other, numbered with them in the order they are called.

Read as pandoc reads them: the note runs to the `]` that balances its `[` (brackets
inside it nest, `\\]` is no bracket), it may wrap onto the next lines of its paragraph
but not past a blank line (an inline note holds no paragraphs), and `^[` in code (a
code span, fenced or indented code), in an HTML comment or written `\\^[` is no
note. A note that never closes is left as written.
"""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from makebook.manuscript.syntax import mask_code

LABEL = "makebook-inline-{}"  # a label no author writes; the notes are renumbered anyway
PARAGRAPH_END = re.compile(r"\n[ \t]*\n")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
QUOTE_MARKS = re.compile(r"[ \t]*(?:>[ \t]?)*")


def masked_same_length(text: str) -> str:
    """The text with code (syntax.mask_code) and HTML comments (left out of the book)
    blanked, every line as long as before."""
    masked = mask_code(text).split("\n")
    lines = text.split("\n")
    same_length = "\n".join(
        line if len(line) == len(original) else " " * len(original)
        for line, original in zip(masked, lines, strict=True)
    )
    return COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), same_length)


def note_end(masked: str, start: int) -> int | None:
    """The offset just past the `]` that closes the note whose `[` is at `start`."""
    depth = 0
    index = start
    while index < len(masked):
        char = masked[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == "\n" and PARAGRAPH_END.match(masked, index):
            return None
        index += 1
    return None


def inline_notes(text: str) -> list[tuple[int, int]]:
    """Where each inline note is: (offset of its `^`, offset past its `]`)."""
    masked = masked_same_length(text)
    found: list[tuple[int, int]] = []
    position = 0
    while (start := masked.find("^[", position)) != -1:
        end = None if escaped(masked, start) else note_end(masked, start + 1)
        if end is None:
            position = start + 2
            continue
        found.append((start, end))
        position = end
    return found


def note_text(text: str, start: int, end: int) -> str:
    """The note's text on one line (it is inline content: its line ends are spaces),
    without the `>` marks of the block quote it is written in."""
    line_start = text.rfind("\n", 0, start) + 1
    quotes = QUOTE_MARKS.match(text, line_start).group(0).count(">")  # type: ignore[union-attr]
    lines = text[start + 2 : end - 1].split("\n")
    if quotes:
        marks = re.compile(rf"^[ \t]*(?:>[ \t]?){{0,{quotes}}}")
        lines = lines[:1] + [marks.sub("", line, count=1) for line in lines[1:]]
    return " ".join(" ".join(lines).split())


def escaped(text: str, index: int) -> bool:
    """Whether the character at `index` follows an odd run of backslashes."""
    backslashes = 0
    while index - backslashes > 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def rewrite_inline_notes(text: str) -> str:
    """The text with each inline note a reference, and the notes' definitions at its end."""
    notes = inline_notes(text)
    if not notes:
        return text
    pieces: list[str] = []
    definitions: list[str] = []
    position = 0
    for number, (start, end) in enumerate(notes, 1):
        label = LABEL.format(number)
        pieces += [text[position:start], f"[^{label}]"]
        definitions.append(f"[^{label}]: " + note_text(text, start, end))
        position = end
    pieces.append(text[position:])
    return "".join(pieces) + "\n\n" + "\n\n".join(definitions) + "\n"


class InlineNotePreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return rewrite_inline_notes("\n".join(lines)).split("\n")


class InlineNoteExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # After the code fences are read as pandoc reads them (29.5) and the fenced divs
        # (29), before fenced code is put aside (25): syntax.mask_code finds the code.
        md.preprocessors.register(InlineNotePreprocessor(md), "inline_note", 28)
