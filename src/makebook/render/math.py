"""TeX math, as pandoc's `tex_math_dollars` reads it, written as MathML.

`$...$` is inline math: the opening `$` has a non-space character to its right,
the closing one a non-space character to its left and no digit after it ("$20
and $30" stays text); `\\$` is a dollar sign. `$$...$$` is display math and may
span the lines of a paragraph (never a blank line). Code is never math.

Each formula becomes MathML as pandoc writes it with `--mathml`: `<math
display="inline|block">` holding a `<semantics>` with the TeX source as its
`application/x-tex` annotation, and the source again as `alttext` (what screen
readers and DAISY Ace ask for). The EPUB keeps that MathML; the PDF writer
typesets it (pdf/math.py). TeX that latex2mathml cannot read is a warning at its
line, and the formula is shown as code, its source as written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from latex2mathml.converter import convert
from lxml import etree
from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from makebook.errors import Problem
from makebook.manuscript.svg import MATHML_NS
from makebook.manuscript.syntax import mask_code
from makebook.model import Chapter

# A `$`, or any backslash escape: matching escapes lets the scan step over `\$`, `\\`.
DOLLAR_OR_ESCAPE = re.compile(r"\\[\s\S]|\$")
BLANK_LINE = re.compile(r"[ \t]*\n")
# Python-Markdown's placeholders for what it has already taken (code spans, raw HTML).
STASHED = ("\x02", "\x03")
TEX = "application/x-tex"
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")  # as Python-Markdown's raw HTML pattern reads one
ENVIRONMENTS = {"aligned": "align*", "gathered": "gather*"}
ALIASES = re.compile(r"\\(begin|end)\{(aligned|gathered)\}")
UNNUMBERED = re.compile(r"\\label\{[^{}]*\}|\\(?:nonumber|notag)(?![A-Za-z])")


@dataclass(frozen=True)
class TexNote:
    """TeX the book cannot use, to be reported at the chapter line that holds `needle`."""

    needle: str
    message: str  # empty for TeX used as it should be, whose line is only claimed
    hint: str
    block: bool = False  # TeX that starts a block: found at a line it starts


@dataclass(frozen=True)
class Macro:
    """A `\\newcommand` of the chapter: pandoc's latex_macros apply it to all math."""

    arguments: int
    body: str


# \newcommand{\name}[2]{body}, \newcommand\name{body}, \renewcommand, \providecommand
DEFINITION = re.compile(
    r"\\(?:newcommand|renewcommand|providecommand)\*?\s*"
    r"(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))\s*(?:\[(\d)\])?\s*\{"
)
MAX_EXPANSIONS = 50  # a macro that calls itself stops here


def macros_of(md: Markdown) -> dict[str, Macro]:
    """The chapter's macros, shared by the math and raw TeX extensions of one parse."""
    return md.__dict__.setdefault("makebook_tex_macros", {})


def read_definition(text: str, start: int) -> tuple[str, Macro, int] | None:
    """(name, macro, end) for a `\\newcommand` at `start`, or None."""
    match = DEFINITION.match(text, start)
    if match is None:
        return None
    end = braced_end(text, match.end() - 1)
    if end is None:
        return None
    name = match.group(1) or match.group(2)
    return name, Macro(int(match.group(3) or 0), text[match.end() : end - 1]), end


def braced_end(text: str, start: int) -> int | None:
    """Past the `{...}` group opening at `start` (braces nest, `\\{` does not count)."""
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        index += 1
        if depth == 0:
            return index
    return None


def expand_macros(source: str, macros: Mapping[str, Macro]) -> str:
    """The TeX with the chapter's macros applied, their arguments in place of #1...#9."""
    if not macros:
        return source
    pattern = re.compile(r"\\(" + "|".join(map(re.escape, macros)) + r")(?![A-Za-z])")
    for _ in range(MAX_EXPANSIONS):
        match = pattern.search(source)
        if match is None:
            break
        macro = macros[match.group(1)]
        after_name = match.end()
        while after_name < len(source) and source[after_name].isspace():
            after_name += 1  # TeX: a command's name ends at the spaces after it
        arguments, end = macro_arguments(source, after_name, macro.arguments)
        source = source[: match.start()] + substituted(macro.body, arguments) + source[end:]
    return source


def macro_arguments(source: str, position: int, count: int) -> tuple[list[str], int]:
    """A macro's arguments after `position`: each a `{group}` or a single character."""
    arguments = []
    for _ in range(count):
        while position < len(source) and source[position].isspace():
            position += 1
        end = braced_end(source, position) if source.startswith("{", position) else None
        if end is None:
            end = min(position + 1, len(source))
            arguments.append(source[position:end])
        else:
            arguments.append(source[position + 1 : end - 1])
        position = end
    return arguments, position


def substituted(body: str, arguments: list[str]) -> str:
    def argument(match: re.Match[str]) -> str:
        number = int(match.group(1))
        return arguments[number - 1] if number <= len(arguments) else match.group(0)

    return re.sub(r"#([1-9])", argument, body)


class MathError(ValueError):
    """TeX that is not math latex2mathml can read."""


def inline_math(data: str, start: int) -> tuple[str, int] | None:
    """The source and end of `$...$` opening at `start`, or None: pandoc's mathInline."""
    position = start + 1
    if position >= len(data) or data[position].isspace():
        return None
    first = True
    while position < len(data):
        char = data[position]
        if char == "$" and not first:
            end = position + 1
            if end < len(data) and data[end].isdigit():
                return None  # "$20 and $30": prices, not math
            return data[start + 1 : position], end
        first = False
        if char == "\\":
            position = after_escape(data, position)
        elif char.isspace():
            position = after_space(data, position)
            if position is None or data.startswith("$", position):
                return None  # a closing `$` needs a non-space character to its left
        else:
            position += 1
    return None


def after_escape(data: str, position: int) -> int:
    """Past a backslash and the character it escapes; past the whole of `\\text{...}`,
    which may hold `$`."""
    if data.startswith("\\text{", position):
        depth, index = 0, position + len("\\text")
        while index < len(data):
            if data[index] == "\\":
                index += 2
                continue
            depth += {"{": 1, "}": -1}.get(data[index], 0)
            index += 1
            if depth == 0:
                return index
    return min(position + 2, len(data))


def after_space(data: str, position: int) -> int | None:
    """Past a run of spaces and at most one line end; None at a blank line."""
    index = position
    while index < len(data) and data[index] in " \t":
        index += 1
    if index < len(data) and data[index] == "\n":
        index += 1
        if BLANK_LINE.match(data, index) or index >= len(data):
            return None  # math never spans paragraphs
    return index if index > position else position + 1


def display_math(data: str, start: int) -> tuple[str, int] | None:
    """The source and end of `$$...$$` opening at `start`, or None: pandoc's mathDisplay."""
    if not data.startswith("$$", start):
        return None
    close = data.find("$$", start + 3)  # at least one character between
    if close < 0:
        return None
    source = data[start + 2 : close]
    if re.search(r"\n[ \t]*\n", source):
        return None  # math never spans paragraphs
    return source, close + 2


def inside_tag(data: str, position: int) -> bool:
    """Whether `position` falls inside an HTML tag or autolink (`<a title="$x$">`)."""
    opening = data.rfind("<", 0, position)
    tag = HTML_TAG.match(data, opening) if opening >= 0 else None
    return tag is not None and tag.end() > position


def readable(source: str) -> str:
    """The TeX with the environments latex2mathml lacks written as ones it has (same
    columns and alignment): pandoc's favourite `aligned` is amsmath's `align*` inside.
    ziamath's own TeX reader (ziamath.tex) works round latex2mathml the same ways."""
    source = ALIASES.sub(lambda m: m.group(0).replace(m.group(2), ENVIRONMENTS[m.group(2)]), source)
    source = UNNUMBERED.sub("", source)  # pandoc leaves labels and numbering out as well
    source = re.sub(r"\\arg(?![A-Za-z])", r"\\operatorname{arg}", source)
    return source.replace("\\mathrm{", "\\mathrm {")  # latex2mathml drops `normal` without


def inside_link_address(data: str, position: int) -> bool:
    """Whether `position` falls in a link's or image's address or title: `[a](C:\\dir)`."""
    opening = data.rfind("](", 0, position)
    return opening >= 0 and ")" not in data[opening:position]


def inside_image_description(data: str, start: int, end: int) -> bool:
    """Whether `start`..`end` falls in the brackets of `![description](image.png)`."""
    opening = data.rfind("![", 0, start)
    return (
        opening >= 0
        and "]" not in data[opening:start]
        and bool(re.match(r"[^\]]*\]\(", data[end:]))
    )


def tex_to_mathml(source: str, display: bool) -> etree._Element:
    """`<math>` for the TeX `source`, with its source as annotation and alttext."""
    try:
        converted = convert(readable(source), display="block" if display else "inline")
        math = etree.fromstring(converted)
    except etree.XMLSyntaxError as problem:
        raise MathError("an environment makebook cannot typeset") from problem
    except Exception as problem:  # latex2mathml raises many kinds; each means unreadable TeX
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(problem).__name__.removesuffix("Error"))
        raise MathError(words.lower()) from problem
    unknown = [e.text for e in math.iter(f"{{{MATHML_NS}}}mi") if (e.text or "").startswith("\\")]
    if unknown:  # latex2mathml keeps a command it does not know as a variable named `\foo`
        raise MathError(f"unknown command {unknown[0]}")
    content = list(math)
    body = content[0] if len(content) == 1 else etree.Element(f"{{{MATHML_NS}}}mrow")
    if len(content) != 1:
        body.extend(content)
    semantics = etree.SubElement(math, f"{{{MATHML_NS}}}semantics")
    semantics.append(body)
    annotation = etree.SubElement(semantics, f"{{{MATHML_NS}}}annotation", encoding=TEX)
    annotation.text = source
    math.set("alttext", " ".join(source.split()))
    return math


def source_needle(source: str, delimiter: str) -> str:
    """Text to find the formula's line by: its opening, or its first line of TeX."""
    if "\n" not in source:
        return f"{delimiter}{source}{delimiter}"
    first = source.split("\n", 1)[0]
    if first.strip():
        return delimiter + first
    return next((line.strip() for line in source.split("\n") if line.strip()), delimiter)


def shown_as_code(source: str, delimiter: str, display: bool) -> str:
    """What the reader sees of math that could not be read: its source, as code."""
    kind = "display" if display else "inline"
    text = html.escape(f"{delimiter}{source}{delimiter}")
    return f'<span class="math {kind}"><code>{text}</code></span>'


def text_with_tex(element: etree._Element) -> str:
    """The element's text with each formula as its TeX, punctuation dropped (`x^2`: x2),
    as pandoc makes a heading's id: not the MathML's text and its annotation's both."""
    pieces = [element.text or ""]
    for child in element:
        if child.tag == f"{{{MATHML_NS}}}math":
            annotation = child.find(f".//{{{MATHML_NS}}}annotation")
            source = annotation.text if annotation is not None else child.get("alttext", "")
            pieces.append(re.sub(r"[^\w\s]", "", source or ""))
        elif isinstance(child.tag, str):
            pieces.append(text_with_tex(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


class MathProcessor(InlineProcessor):
    """`$...$` and `$$...$$` into MathML, stashed as raw HTML for the sanitiser to check."""

    def __init__(self, md: Markdown, notes: list[TexNote]) -> None:
        super().__init__(DOLLAR_OR_ESCAPE.pattern, md)
        self.notes = notes

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        start = m.start(0)
        if m.group(0) != "$" or inside_tag(data, start) or inside_link_address(data, start):
            return None, None, None  # an escape (`\$` is a dollar sign), a tag, an address
        found, display = display_math(data, start), True
        if found is None:
            found, display = inline_math(data, start), False
        if found is None or any(mark in found[0] for mark in STASHED):
            return None, None, None
        source, end = found
        if inside_image_description(data, start, end):
            return source, start, end  # an alt text is text: the TeX, as pandoc writes it
        markup = formula_markup(source, display, self.notes, macros_of(self.md))
        return self.md.htmlStash.store(markup), start, end


def formula_markup(
    source: str,
    display: bool,
    notes: list[TexNote],
    macros: Mapping[str, Macro],
    delimited: bool = True,
) -> str:
    """The formula's HTML: its MathML, or its source as code (and a note) when the TeX
    cannot be read. `delimited`: written between dollars, not as a `\\begin{equation}`."""
    delimiter = "$$" if display else "$"
    try:
        math = tex_to_mathml(expand_macros(source, macros), display)
    except MathError as problem:
        shown = " ".join(source.split())
        notes.append(
            TexNote(
                source_needle(source, delimiter) if delimited else shown.split(" ", 1)[0],
                f"math {delimiter}{shown}{delimiter} could not be read as TeX ({problem}); "
                "it is shown as code",
                "check the formula's braces, ^ and _ and command names; "
                "a dollar sign that is not math is written \\$",
            )
        )
        return shown_as_code(source, delimiter, display)
    # In a span of pandoc's classes (it writes them round math it cannot convert), which
    # also keeps display math in its paragraph: Python-Markdown lifts a lone <math> out.
    kind = "display" if display else "inline"
    return f'<span class="math {kind}">{etree.tostring(math, encoding="unicode")}</span>'


class MathExtension(Extension):
    def __init__(self, notes: list[TexNote]) -> None:
        super().__init__()
        self.notes = notes

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # After code spans (backtick, 190), so code is never math; before backslash
        # escapes (180), so TeX's `\{` or `\,` reach the formula as written.
        md.inlinePatterns.register(MathProcessor(md, self.notes), "tex_math", 187)
        if "$" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("$")  # pandoc: `\$` is a literal dollar sign


def tex_warnings(chapter: Chapter, notes: Iterable[TexNote]) -> list[Problem]:
    """Each note at the chapter line that holds its text, outside code. A text found twice
    is reported at its successive lines, blocks' first (the renderer reads them first)."""
    lines = mask_code(chapter.markdown).split("\n")
    claimed: set[tuple[str, int]] = set()
    problems = []
    for note in sorted(notes, key=lambda n: not n.block):
        found = [
            n
            for n, text in enumerate(lines, 1)
            if note.needle in text
            and (note.needle, n) not in claimed
            and (not note.block or text.strip().startswith(note.needle))
        ]
        line = found[0] if found else None
        if line:
            claimed.add((note.needle, line))
        if note.message:
            problems.append(
                Problem(
                    note.message,
                    chapter.path,
                    chapter.body_line + line - 1 if line else None,
                    hint=note.hint,
                    severity="warning",
                )
            )
    return sorted(problems, key=lambda p: p.line or 0)
