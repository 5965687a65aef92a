"""Python-Markdown extensions for the syntax authors know from pandoc.

- `CitationExtension` (render/citations.py): `[@key, p. 12]` and `@key`, in the book's
  citation style.
- `FencedDivExtension`: `::: note` ... `:::` becomes a `<div class="note">`
  whose content is Markdown (handed to `md_in_html`).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from makebook.manuscript.syntax import FENCE_OPEN, fence_attributes, fence_roles, unclosed_fences
from makebook.render.citations import CitationExtension, work_anchor  # noqa: F401  (re-exported)

SPAN = r"\[([^\[\]\n]+)\]\{([^{}\n]*)\}"
SPAN_TAGS = {"u": "underline", "mark": "mark"}  # element: the class pandoc writes as it


class BracketedSpanProcessor(InlineProcessor):
    """Pandoc's `[text]{lang=fr .smallcaps}`: a span with attributes, e.g. another language."""

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        if m.group(1).lstrip().startswith(("@", "-@")):
            return None, None, None
        attrs = fence_attributes(FENCE_OPEN.match("::: {" + m.group(2) + "}"))  # type: ignore[arg-type]
        classes = attrs.pop("class", "").split()
        # pandoc 3: `.underline` is <u>, `.mark` is <mark>, inside a span for what else
        # the brackets name (`[x]{.underline lang=fr}`: <span lang="fr"><u>x</u></span>).
        tags = [tag for tag in ("mark", "u") if SPAN_TAGS[tag] in classes]  # as pandoc nests
        classes = [c for c in classes if c not in SPAN_TAGS.values()]
        if classes:
            attrs["class"] = " ".join(classes)
        outer = inner = ET.Element("span", attrs) if attrs or not tags else None
        for tag in tags:
            element = ET.Element(tag)
            if inner is not None:
                inner.append(element)
            outer = element if outer is None else outer
            inner = element
        inner.text = m.group(1)  # type: ignore[union-attr]
        return outer, m.start(0), m.end(0)


class BracketedSpanExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        md.inlinePatterns.register(BracketedSpanProcessor(SPAN, md), "bracketed_span", 177)


class FencedDivPreprocessor(Preprocessor):
    """Turns pandoc fenced divs into `<div markdown="1">` blocks that md_in_html parses."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        roles = fence_roles(lines)
        for line, role in zip(lines, roles, strict=True):
            if role == "open":
                attrs = fence_attributes(FENCE_OPEN.match(line.strip()))  # type: ignore[arg-type]
                rendered = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
                out.extend(["", f'<div {rendered} markdown="1">', ""])
            elif role == "close":
                out.extend(["", "</div>", ""])
            elif role == "stray":
                out.append("")  # the loader warned: a closing line with nothing to close
            else:
                out.append(line)
        # The loader refuses an unclosed div; the renderer still closes it at the chapter's end.
        out.extend(["", "</div>", ""] * len(unclosed_fences(roles)))
        return out


class FencedDivExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Before html_block (20) so the generated <div>s are seen as raw HTML blocks.
        md.preprocessors.register(FencedDivPreprocessor(md), "fenced_div", 29)
