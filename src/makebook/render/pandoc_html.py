"""Raw HTML as pandoc's Markdown reads it (issue 17), on Python-Markdown's md_in_html:

- `markdown_in_html_blocks`: what is inside a raw HTML block element (`<div>`,
  `<table>`, `<td>`, `<details>` ...) is Markdown, as in pandoc: each such opening tag
  on a line that starts with a tag is marked `markdown="1"`, which md_in_html reads
  (and removes). An author's own `markdown="0"` keeps its content raw.
- `raw_attribute`: a ```` ```{=html} ```` block and `` `<i>x</i>`{=html} `` are raw HTML
  (sanitised as any other); for another format (```` ```{=latex} ````) they are left
  out, as pandoc leaves them out of HTML, with a warning at the line (raw_block_warnings).
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from makebook.errors import Problem
from makebook.manuscript.raw_blocks import RAW_INLINE, is_html, raw_blocks
from makebook.manuscript.structure import MAX_NESTING, UNNESTED
from makebook.manuscript.syntax import line_kinds

# Block elements whose content pandoc reads as Markdown (pre, script, style, textarea,
# math and svg keep theirs as written; void elements have none). Not <figure>: its
# <img> line would become a paragraph of its own; a raw figure stays as written.
MARKDOWN_BLOCK_TAGS = (
    "address|article|aside|blockquote|caption|center|dd|details|dialog|div|dl|dt|"
    "fieldset|figcaption|footer|form|h[1-6]|header|hgroup|li|main|nav|ol|p|"
    "section|summary|table|tbody|td|tfoot|th|thead|tr|ul"
)
TAG = re.compile(
    rf"<(?P<end>/?)(?P<tag>{MARKDOWN_BLOCK_TAGS})(?P<attrs>(?:\s[^<>]*?)?)(?P<close>/?)>",
    re.IGNORECASE,
)
STARTS_WITH_TAG = re.compile(rf"^\s*<(?:{MARKDOWN_BLOCK_TAGS})[\s/>]", re.IGNORECASE)
HAS_MARKDOWN_ATTRIBUTE = re.compile(r"\smarkdown\s*=", re.IGNORECASE)


class MarkdownInHtml:
    """Marks the block elements opened on each line that starts with a tag."""

    def mark(self, line: str) -> str:
        """The line, its elements marked if it starts with a tag (elsewhere on a line
        of text, a tag is inline HTML to Python-Markdown and pandoc alike)."""
        if not STARTS_WITH_TAG.match(line):
            return line
        return TAG.sub(lambda match: self.marked(match, line), line)

    def marked(self, match: re.Match[str], line: str) -> str:
        if match["end"] or match["close"] or HAS_MARKDOWN_ATTRIBUTE.search(match["attrs"]):
            return match.group(0)
        # Content on the tag's own line is inline (a plain text, no paragraph), as pandoc
        # reads `<div>*x*</div>`; content on lines of its own is blocks.
        closed = re.search(rf"</{match['tag']}\s*>", line[match.end() :], re.IGNORECASE)
        return f'<{match["tag"]}{match["attrs"]} markdown="{"span" if closed else "1"}">'


def nests_too_deep(lines: list[str], kinds: list[str]) -> bool:
    """Whether block elements nest deeper than the loader allows: md_in_html would build
    them recursively, out of Python's stack, so such a chapter's raw HTML stays raw (the
    renderer then flattens it, with a warning)."""
    depth = 0
    for line, kind in zip(lines, kinds, strict=True):
        for match in TAG.finditer(line) if kind == "text" else ():
            if not match["close"] and match["tag"].lower() not in UNNESTED:
                depth += -1 if match["end"] else 1
            if depth > MAX_NESTING:
                return True
    return False


def raw_block_warnings(markdown: str, path: Path, first_line: int) -> list[Problem]:
    """A warning at each raw block or `code`{=format} for another format than HTML,
    which is left out."""
    lines = markdown.split("\n")
    found = [(start, name) for start, _, name in raw_blocks(lines)]
    kinds = line_kinds(lines)
    found += [
        (index, match["format"])
        for index, line in enumerate(lines)
        if kinds[index] == "text"
        for match in re.finditer(RAW_INLINE, line)
        if match["format"]
    ]
    return [
        Problem(
            f"raw {{={name}}} is left out of the book (pandoc leaves it out of HTML too)",
            path,
            first_line + index,
            hint="write it in Markdown, or as raw HTML ({=html}) if the book needs it",
            severity="warning",
        )
        for index, name in sorted(found)
        if not is_html(name)
    ]


class PandocHtmlPreprocessor(Preprocessor):
    def __init__(self, md: Markdown, raw: set[str]) -> None:
        super().__init__(md)
        self.raw = raw  # the placeholders of raw blocks, for RawBlockPostprocessor

    def run(self, lines: list[str]) -> list[str]:
        kinds = line_kinds(lines)
        html = None if nests_too_deep(lines, kinds) else MarkdownInHtml()
        blocks = {start: (end, format_name) for start, end, format_name in raw_blocks(lines)}
        out: list[str] = []
        index = 0
        while index < len(lines):
            if index in blocks:
                end, format_name = blocks[index]
                out.extend(self.raw_block(format_name, lines[index + 1 : end]))
                index = end + 1
                continue
            line = lines[index]
            if html and kinds[index] == "text":
                line = html.mark(line)
            out.append(line)
            index += 1
        return out

    def raw_block(self, format_name: str, body: list[str]) -> list[str]:
        """The block as raw HTML (the sanitiser sees it), or nothing (raw_block_warnings)."""
        if not is_html(format_name):
            return [""] * (len(body) + 2)
        placeholder = self.md.htmlStash.store("\n".join(body))
        self.raw.add(placeholder)
        return ["", placeholder, ""]


class RawBlockPostprocessor(Postprocessor):
    """A raw block stands alone, as pandoc writes it, not in the paragraph Python-Markdown
    wraps around HTML that starts with an inline element (`<b>raw</b>`)."""

    def __init__(self, md: Markdown, raw: set[str]) -> None:
        super().__init__(md)
        self.raw = raw

    def run(self, text: str) -> str:
        for placeholder in self.raw:
            text = text.replace(f"<p>{placeholder}</p>", placeholder)
        return text


class RawInlineProcessor(InlineProcessor):
    """`` `<i>x</i>`{=html} `` is raw HTML; for another format it is left out."""

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        if m["format"] is None:  # a code span: `backtick` reads it
            return None, None, None
        if not is_html(m["format"]):
            return "", m.start(0), m.end(0)
        return self.md.htmlStash.store(m["code"].strip()), m.start(0), m.end(0)


class PandocHtmlExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        raw: set[str] = set()
        # Ahead of `backtick` (190), which would read the code span.
        md.inlinePatterns.register(RawInlineProcessor(RAW_INLINE, md), "raw_inline", 191)
        # Before `raw_html` (30), which puts the raw HTML in the placeholders' place.
        md.postprocessors.register(RawBlockPostprocessor(md, raw), "raw_block", 31)
        # After the fenced divs (29), whose <div markdown="1"> it leaves alone, before
        # superfences (25), which would take a ```{=html} block for code, and html_block (20).
        md.preprocessors.register(PandocHtmlPreprocessor(md, raw), "pandoc_html", 28)
