"""Markdown, pandoc or TeX syntax left in a rendered chapter's text: a warning each.

Whatever the renderer cannot read, Python-Markdown prints as text (`::: note`,
`[@key`, `^[a note]`, `$x^2$`, `\\newpage`, `{.class}`), and a reader would see it.
After a chapter is rendered this reads the text a reader sees (never code, keyboard
or sample text, math, or a link that shows its own address, where syntax is meant to
be seen) and reports each leak at the chapter line that writes it, with what to do,
so `make-book check --strict` stops it before a reader does.

Each leak is found in the rendered text and then looked for in the chapter's source
(code masked, as the loader reads it): the n-th time a leak's text is seen is put at
the n-th place the source writes it.
"""

from __future__ import annotations

import functools
import html.entities
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from makebook.errors import Problem
from makebook.manuscript.structure import COMMENT, structure_problems
from makebook.manuscript.syntax import mask_code
from makebook.model import Book, Chapter, Note
from makebook.xhtml import parse_fragments

# Text a reader is meant to see as it is written: code, and the math other stages set.
VERBATIM = {"code", "pre", "kbd", "samp", "var", "script", "style", "math", "svg"}
VERBATIM_CLASSES = {"url", "math"}  # a link showing its own address; pandoc's math spans
GENERATED_CLASSES = {"noteref", "citation"}  # text makebook wrote, not the author
BLOCKS = {"p", "li", "dt", "dd", "td", "th", "caption", "figcaption", "blockquote", "div",
          "section", "h1", "h2", "h3", "h4", "h5", "h6", "aside", "figure", "table", "tr",
          "ul", "ol", "dl", "header", "footer", "details", "summary", "body"}  # fmt: skip
HOLE = "\ufffc"  # stands where verbatim text was, so no leak is read across it
MAX_REPORTED = 100  # leaks a chapter; each is looked for in the whole source

# Typography the renderer applies, undone to find a leak's text in the source.
TYPOGRAPHY = {
    "\u2018": "['\u2018]", "\u2019": "['\u2019]", "\u201c": '["\u201c]', "\u201d": '["\u201d]',
    "\u2013": "(?:--|\u2013)", "\u2014": "(?:---|\u2014)", "\u2026": r"(?:\.\.\.|\u2026)",
    "\u00a0": r"(?:\s|\\ |&nbsp;|&#160;)",
}  # fmt: skip


@dataclass(frozen=True)
class Leak:
    """A kind of syntax that should never be printed: how to find it in the text, what
    to call it, and what the author should do."""

    name: str
    pattern: re.Pattern[str]
    message: str  # "{0}" is the leaked text
    hint: str
    # Whether a match is a leak; some need the book (a bibliography key, a heading).
    accept: Callable[[re.Match[str], LeakContext], bool] = lambda _m, _c: True


@dataclass(frozen=True)
class LeakContext:
    book: Book
    chapter: Chapter

    @functools.cached_property
    def work_ids(self) -> frozenset[str]:
        return frozenset(work.id for work in self.book.works)


def known_citation(match: re.Match[str], context: LeakContext) -> bool:
    """A bracket whose keys are all in the bibliography (an unknown key is the loader's
    error already)."""
    keys = re.findall(r"-?@([\w](?:[\w:.#$%&+?<>~/-]*[\w])?)", match.group(0))
    return bool(keys) and all(key in context.work_ids for key in keys)


def bibliography_key(match: re.Match[str], context: LeakContext) -> bool:
    return match["key"] in context.work_ids


def unknown_entity(match: re.Match[str], _context: LeakContext) -> bool:
    name = match["entity"]
    return not name.startswith("#") and f"{name};" not in html.entities.html5


BRACKET_TEXT = r"[^\[\]\n\ufffc]+"
LEAKS = [
    Leak(
        "fenced div",
        re.compile(r"(?<!:):{3,}(?!:)"),
        "`{0}` is printed as text: this fenced div was not read",
        "put each ::: line at the left margin with a blank line before it; a div opens "
        "with `::: name` or `::: {.name}` and closes with `:::`",
    ),
    Leak(
        "citation",
        re.compile(rf"\[(?:{BRACKET_TEXT})?-?@\w[^\[\]\n\ufffc]*\]?"),
        "the citation `{0}` is printed as text",
        "write it inside one paragraph as [@key], [@key, p. 12] or [see @a; @b], "
        "with no space between @ and the key",
        known_citation,
    ),
    Leak(
        "in-text citation",
        re.compile(r"(?<![\w@.\[])-?@(?P<key>\w(?:[\w:.#$%&+?<>~/-]*\w)?)"),
        "`{0}` is printed as text: it names a work in the bibliography but is not read "
        "as a citation",
        "write [@key] for (Author Year), or [-@key] for the year alone",
        bibliography_key,
    ),
    Leak(
        "inline note",
        re.compile(r"\^\["),
        "the inline note `^[` is printed as text",
        "write the note as a footnote: [^1] where it belongs, and `[^1]: the note` on a "
        "line of its own",
    ),
    Leak(
        "code fence",
        re.compile(r"`{3,}|~{3,}"),
        "the code fence `{0}` is printed as text",
        "put the fence on a line of its own at the left margin, after a blank line, and "
        "close the block with the same fence",
    ),
    Leak(
        "strikeout",
        re.compile(r"(?<!~)~~(?!~)"),
        "`~~` is printed as text: the strikeout was not read",
        "strike text out with ~~text~~ inside one paragraph, no space after the opening "
        "~~ nor before the closing one; write \\~ for a tilde",
    ),
    Leak(
        "TeX command",
        re.compile(r"(?<!\\)\\[A-Za-z]+\b"),
        "the TeX command `{0}` is printed as text",
        "the book is not typeset with TeX: leave the command out (a page break is a "
        "style's job), or write \\\\ for a backslash",
    ),
    Leak(
        "escaped line break",
        re.compile(r"\\(?=\n)"),
        "a backslash at the end of a line is printed as text",
        "pandoc reads it as a line break: end the line with two spaces instead, or "
        "write the lines as a line block (| at the start of each)",
    ),
    Leak(
        "attributes",
        re.compile(r"\{[ \t]*(?:[.#][\w-]|[\w-]+=|=\w|-[ \t]*\})[^{}\n]*\}"),
        "the attributes `{0}` are printed as text",
        "attributes go right after what they belong to, with no space before the {: a "
        "heading's text, a code fence, a ::: line, a [bracketed span], an image or a link",
    ),
    Leak(
        "math",
        re.compile(r"(?<![\\$])\$\$.+?\$\$|(?<![\\$\w])\$(?=[^\s$])[^$\n]*?[^\s\\$]\$(?![\d$])"),
        "the TeX math `{0}` is printed as text",
        "check the $ signs pair up, with no space after the opening one or before the "
        "closing one; write \\$ for a dollar sign",
    ),
    Leak(
        "reference link",
        re.compile(rf"\[(?P<label>{BRACKET_TEXT})\]\[{BRACKET_TEXT[:-1]}*\]"),
        "the reference link `{0}` is printed as text: nothing defines its reference",
        "define it on a line of its own (`[name]: https://...`), or give a heading of "
        "this chapter's exact text",
    ),
    Leak(
        "link",
        re.compile(r"!?\[[^\[\]\n\ufffc]*\]\(|\]\("),
        "the link or image `{0}` is printed as text",
        "write [text](address) or ![alt](path) with no space between ] and (; an "
        "address with spaces or parentheses goes in <...>",
    ),
    Leak(
        "strong emphasis",
        re.compile(r"\*\*+|(?<![\w_])__(?=\w)|(?<=\w)__(?![\w_])"),
        "`{0}` is printed as text: the emphasis was not closed",
        "close it in the same paragraph (**bold**, with no space inside the marks); "
        "write \\* for an asterisk",
    ),
    Leak(
        "HTML comment",
        re.compile(r"<!--|-->"),
        "`{0}` is printed as text",
        "an HTML comment is <!-- ... --> and is left out of the book; close it",
    ),
    Leak(
        "HTML entity",
        re.compile(r"&(?P<entity>#?\w+);"),
        "`{0}` is printed as text: it is no HTML entity",
        "write the character itself, or an entity HTML knows (&nbsp; &mdash; &#233;)",
        unknown_entity,
    ),
    Leak(
        "example list",
        re.compile(r"\(@[\w-]*\)"),
        "the example-list marker `{0}` is printed as text",
        "start the item at the left margin, `(@) text` or `(@label) text`, after a blank line",
    ),
    Leak(
        "line block",
        re.compile(r"(?m)^[ \t]*\|[ \t][^|\n]*(?:\n[ \t]*\|[^|\n]*)*$"),
        "a line block `| ...` is printed as text",
        "start each line of the block with `| ` at the left margin, after a blank line",
    ),
    Leak(
        "table",
        re.compile(r"(?m)^[ \t]*(?:\|.*\||\+[-=:+]{3,}\+?)[ \t]*(?:\n[ \t]*[|+].*)*$"),
        "a table row `{0}` is printed as text",
        "a table needs a blank line before it, a header row and a separator row under "
        "it (|---|---|), every row on one line",
    ),
    Leak(
        "tilde definition",
        re.compile(r"(?m)^[ \t]{0,3}~[ \t]+\S"),
        "a definition starting with `~` is printed as text",
        "makebook reads definitions that start with `:`: write `: ` in place of `~ `",
    ),
    Leak(
        "definition",
        re.compile(r"(?m)^[ \t]{0,3}:[ \t]+\S"),
        "a definition line `: ...` is printed as text",
        "a definition follows its term's line (and at most one blank line), "
        "starting `: ` at the left margin",
    ),
    Leak(
        "title block",
        re.compile(r"\A%[ \t]+\S.*"),
        "a pandoc title block `{0}` is printed as text",
        "a chapter's title, author and date go in its front matter (title: ...) and book.toml",
    ),
    Leak(
        "heading",
        re.compile(r"(?m)^#{1,6}[ \t]+\S.*"),
        "a heading `{0}` is printed as text",
        "a heading is a line starting with 1 to 6 # and a space, after a blank line",
    ),
]


def leak_warnings(
    book: Book, chapter: Chapter, body: etree._Element, notes: Iterable[Note]
) -> list[Problem]:
    """Every leak in a rendered chapter body and its notes, at the lines that write them."""
    context = LeakContext(book, chapter)
    texts = [*block_texts(body)]
    for note in notes:
        texts.extend(block_texts(parse_fragments(note.html)))
    found = [(text, leak, match) for text in texts for leak, match in find_leaks(text, context)]
    if not found:
        return []
    sources = searched_sources(chapter.markdown)
    # A line the loader reports (an indented :::, an unclosed citation) is not reported twice.
    explained = {p.line for p in structure_problems(chapter)}
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for text, leak, match in found[:MAX_REPORTED]:
        line = locate(sources, text, match, seen, chapter.body_line)
        if line is not None and line in explained:
            continue
        if line is None and written_escaped(chapter.markdown, match.group(0)):
            continue  # `\~ \^`: the author escaped it to print it
        problems.append(
            Problem(
                leak.message.format(shown(match.group(0))),
                chapter.path,
                line,
                hint=leak.hint,
                severity="warning",
            )
        )
    if len(found) > MAX_REPORTED:
        text, _, match = found[MAX_REPORTED]
        problems.append(
            Problem(
                f"{len(found) - MAX_REPORTED} more places, from here on, print Markdown, "
                "pandoc or TeX syntax as text",
                chapter.path,
                locate(sources, text, match, seen, chapter.body_line),
                hint="mend the ones above and check again to see the rest",
                severity="warning",
            )
        )
    return unique(problems)


def front_matter_leak_warnings(
    book: Book, chapter: Chapter, key: str, rendered: etree._Element
) -> list[Problem]:
    """Every leak in a front-matter text the chapter prints (its content note), at the
    key's line: the body's source search cannot place it."""
    context = LeakContext(book, chapter)
    return unique(
        [
            Problem(
                leak.message.format(shown(match.group(0))),
                chapter.path,
                chapter.line_of(key),
                hint=f"`{key}:` is read as text with *emphasis* and quotes only: "
                "citations, divs and attributes are not read there; write it in words",
                severity="warning",
            )
            for text in block_texts(rendered)
            for leak, match in find_leaks(text, context, any_citation=True)
        ]
    )


# What every leak starts with (or a line starts with): a block without any is skipped.
TRIGGER = re.compile(r"(?m)[:\[\]@^`~\\{$*_&<>!(]|^[ \t]*[|+%#]")


def find_leaks(
    text: str, context: LeakContext, *, any_citation: bool = False
) -> Iterator[tuple[Leak, re.Match[str]]]:
    """Each leak in a block's text once: where two kinds overlap, the first listed wins.
    `any_citation`: a bracketed citation is a leak whatever its keys (in front matter,
    where the loader checks no key)."""
    if not TRIGGER.search(text):
        return
    taken: list[tuple[int, int]] = []
    found = []
    for leak in LEAKS:
        for match in leak.pattern.finditer(text):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            if (any_citation and leak.name == "citation") or leak.accept(match, context):
                taken.append(span)
                found.append((span, leak, match))
    for _, leak, match in sorted(found, key=lambda item: item[0]):
        yield leak, match


def unique(problems: list[Problem]) -> list[Problem]:
    """One warning a line and message: a line that leaks the same thing twice says it once."""
    seen: set[tuple[int | None, str]] = set()
    kept = []
    for problem in problems:
        key = (problem.line, problem.message)
        if key not in seen:
            seen.add(key)
            kept.append(problem)
    return kept


def block_texts(root: etree._Element) -> list[str]:
    """The text of each block (paragraph, item, cell...) as a reader sees it, in order;
    verbatim text (code, math, a link showing its address) is a HOLE."""
    blocks: list[str] = []

    def walk(element: etree._Element, into: list[str]) -> None:
        if element.text:
            into.append(element.text)
        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif is_verbatim(child):
                into.append(HOLE)
            elif child.tag in BLOCKS:
                own: list[str] = []
                walk(child, own)
                blocks.append("".join(own))
                into.append("\n")
            elif child.tag == "br":
                into.append("\n")
            else:
                walk(child, into)
            if child.tail:
                into.append(child.tail)

    top: list[str] = []
    walk(root, top)
    blocks.insert(0, "".join(top))
    return [text for text in blocks if text.strip()]


def is_verbatim(element: etree._Element) -> bool:
    tag = etree.QName(element).localname
    classes = set((element.get("class") or "").split())
    return tag in VERBATIM or bool(classes & (VERBATIM_CLASSES | GENERATED_CLASSES))


def source_pattern(text: str) -> str:
    """A regular expression for what the author typed to get `text` (typography undone,
    any run of spaces or line breaks for a space)."""
    parts = []
    for char in text:
        if char.isspace() and char != "\u00a0":
            if parts and parts[-1] == r"\s+":
                continue
            parts.append(r"\s+")
        else:
            parts.append(TYPOGRAPHY.get(char, re.escape(char)))
    return "".join(parts)


def written_escaped(markdown: str, leaked: str) -> bool:
    """Whether the source writes the text only with its punctuation escaped (`\\~`),
    which prints it as the author meant."""
    escaped = "".join(
        rf"\\{re.escape(char)}" if not char.isalnum() and not char.isspace() else re.escape(char)
        for char in leaked.strip()
    )
    pattern = re.sub(r"(?:\\ )+", r"\\s+", escaped)
    return re.search(pattern, markdown) is not None


def shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "\u2026"


# Characters of the block's text before and after a leak, to find it by.
CONTEXTS = ((24, 24), (8, 8), (0, 12), (12, 0), (0, 0))


def locate(
    sources: list[str], text: str, match: re.Match[str], seen: dict[str, int], first: int
) -> int | None:
    """The file line that writes a leak: found with as much of the text around it as the
    source writes the same way (the same syntax is often used rightly elsewhere), the
    n-th time for the n-th time that text is seen."""
    for source in sources:
        for ahead, behind in CONTEXTS:
            before = text[max(0, match.start() - ahead) : match.start()].rpartition(HOLE)[2]
            after = text[match.end() : match.end() + behind].partition(HOLE)[0]
            needle = (
                source_pattern(before.lstrip())
                + rf"\s*({source_pattern(match.group(0).strip())})\s*"
                + source_pattern(after.rstrip())
            )
            found = [m.start(1) for m in re.finditer(needle, source)]
            if found:
                seen[needle] = seen.get(needle, -1) + 1
                offset = found[min(seen[needle], len(found) - 1)]
                return first + source.count("\n", 0, offset)
    return None


INLINE_MARKS = re.compile(r"(?<=\])\([^()\s]*\)|[*_]+(?=\w)|(?<=[\w.,;:!?)])[*_]+")


def searched_sources(markdown: str) -> list[str]:
    """Where to look for a leak, best first: the chapter with code masked (where syntax is
    meant to be seen), the same without emphasis marks and link addresses (the rendered
    text has neither), and the chapter as written (for a leak that Python-Markdown and
    the loader read differently). Only characters within lines are removed, so line
    numbers hold."""
    masked = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), mask_code(markdown))
    return [masked, INLINE_MARKS.sub("", masked), markdown]
