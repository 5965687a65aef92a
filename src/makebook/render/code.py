"""Code blocks and task lists as pandoc writes them, on pymdown-extensions.

- Fenced code (backticks or tildes, three or more) is read as pandoc reads it
  (manuscript/syntax.py: the same reading masks code for the loader's checks), then
  handed to pymdownx.superfences, which highlights it with Pygments in CSS classes
  (book.css sets them in weights and greys, to print without colour).
- After sanitising, each block takes pandoc's shape:
  `<div class="sourceCode"><pre class="sourceCode python"><code class="sourceCode
  python language-python">`, and code in no language (indented, or a fence without
  one) is a plain `<pre><code>`.
- A task list item's box is a character, as in pandoc's own document model (☐, and
  ☑ that the book's fonts draw): a book has no use for a form control, which EPUB
  readers would show as a control that does nothing.
"""

from __future__ import annotations

import re
import string
import xml.etree.ElementTree as ET
from typing import Any

from lxml import etree
from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER

from makebook.manuscript.syntax import CODE_FENCE, fence_end, line_kinds

UNCHECKED = "\u2610"  # ☐ BALLOT BOX
CHECKED = "\u2611"  # ☑ BALLOT BOX WITH CHECK (Source Serif has it; not ☒)
STASHED = re.compile(
    re.escape(HTML_PLACEHOLDER[0]) + r"wzxhzdk:(\d+)" + re.escape(HTML_PLACEHOLDER[-1])
)
PLAIN_LANGUAGES = {"", "text"}  # what superfences names code in no language


def extensions() -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """The Markdown extensions for pandoc's code blocks and inline marks, and their
    configuration."""
    return (
        [
            CodeFenceExtension(),
            "pymdownx.superfences",
            "pymdownx.highlight",
            "pymdownx.tilde",
            "pymdownx.caret",
            "pymdownx.tasklist",
            TaskBoxExtension(),
            PandocEscapeExtension(),
        ],
        {
            "pymdownx.highlight": {
                "use_pygments": True,
                "guess_lang": False,  # pandoc highlights only the language it is told
                "pygments_lang_class": True,
                "stripnl": False,
            },
            # pandoc: ~~strike~~, ~sub~ and ^sup^ (no spaces inside, unless escaped);
            # ^^insert^^ is no pandoc syntax.
            "pymdownx.tilde": {"delete": True, "subscript": True, "smart_delete": False},
            "pymdownx.caret": {"insert": False, "superscript": True},
            "pymdownx.tasklist": {"custom_checkbox": False, "clickable_checkbox": False},
        },
    )


class CodeFencePreprocessor(Preprocessor):
    """A fence closes, for pandoc, with a run of its mark at least as long as the
    opening one; superfences wants the very same run: the closing line is rewritten to
    it. Lines that are no fence to pandoc are left alone."""

    def run(self, lines: list[str]) -> list[str]:
        out = list(lines)
        kinds = line_kinds(lines)
        index = 0
        while index < len(lines):
            end = fence_end(lines, index) if kinds[index] == "fence" else None
            if end is None:
                index += 1
                continue
            mark = CODE_FENCE.match(lines[index].strip())["fence"]  # type: ignore[index]
            indent = lines[end][: len(lines[end]) - len(lines[end].lstrip())]
            out[end] = indent + mark
            index = end + 1
        return out


class CodeFenceExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Before the fenced divs (29), which leave code alone, and superfences (25).
        md.preprocessors.register(CodeFencePreprocessor(md), "pandoc_code_fence", 29.5)


class NoBreakSpaceProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        return "\u00a0", m.start(0), m.end(0)


class PandocEscapeExtension(Extension):
    """pandoc's escapes that Python-Markdown lacks: `\\ ` is a no-break space
    (`P~a\\ cat~`), and every ASCII punctuation mark may be escaped (a backslash
    before a letter stays, as in pandoc: `C:\\Users`)."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        md.ESCAPED_CHARS = sorted(set(md.ESCAPED_CHARS) | set(string.punctuation))
        # Ahead of `escape` (180).
        md.inlinePatterns.register(NoBreakSpaceProcessor(r"\\ ", md), "pandoc_nbsp", 185)


class TaskBoxTreeprocessor(Treeprocessor):
    """pymdownx.tasklist stashes an <input> as raw HTML at the start of each task item;
    the stash takes a ☐ or ☑ character instead (the sanitiser would drop the input)."""

    def run(self, root: ET.Element) -> None:
        blocks = self.md.htmlStash.rawHtmlBlocks
        for item in root.iter("li"):
            if "task-list-item" not in item.get("class", "").split():
                continue
            holder = item if item.text else next(iter(item), item)
            found = STASHED.match(holder.text or "")
            if not found or 'type="checkbox"' not in str(blocks[int(found[1])]):
                continue
            checked = "checked" in str(blocks[int(found[1])])
            blocks[int(found[1])] = (
                f'<span class="task-box{" checked" if checked else ""}">'
                f"{CHECKED if checked else UNCHECKED}</span> "
            )


class TaskBoxExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        md.treeprocessors.register(TaskBoxTreeprocessor(md), "task_box", 24)  # after tasklist


def shape_code_blocks(body: etree._Element) -> None:
    """Highlighted blocks as pandoc's HTML writes them (see the module's docstring)."""
    for holder in body.xpath(".//div[contains(concat(' ', @class, ' '), ' highlight ')]"):
        pre = holder.find("pre")
        code = pre.find("code") if pre is not None else None
        if code is None:
            continue
        classes = [c for c in holder.get("class", "").split() if c != "highlight"]
        language = next((c[9:] for c in classes if c.startswith("language-")), "")
        others = [c for c in classes if not c.startswith("language-")]
        for empty in pre.findall("span"):  # Pygments' empty span before <code>
            if not len(empty) and not empty.text:
                pre.remove(empty)
        pre.text = None
        strip_final_newline(code)  # pandoc ends the code with its last character
        for name in [*pre.attrib, *code.attrib]:
            pre.attrib.pop(name, None)
            code.attrib.pop(name, None)
        if language in PLAIN_LANGUAGES:
            if others:
                pre.set("class", " ".join(others))
            if holder.get("id"):
                pre.set("id", holder.get("id"))
            pre.tail = holder.tail
            holder.getparent().replace(holder, pre)
            continue
        holder.set("class", "sourceCode")
        pre.set("class", " ".join(["sourceCode", language, *others]))
        code.set("class", f"sourceCode {language} language-{language}")


def strip_final_newline(code: etree._Element) -> None:
    last = code
    while len(last) and not (last[-1].tail or ""):
        last = last[-1]
    if len(last) and last[-1].tail:
        last[-1].tail = last[-1].tail.removesuffix("\n")
    elif last.text:
        last.text = last.text.removesuffix("\n")
