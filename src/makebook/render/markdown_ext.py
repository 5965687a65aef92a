"""Python-Markdown extensions for the syntax authors know from pandoc.

- `CitationExtension`: `[@key, p. 12]` becomes a linked author-date citation.
- `FencedDivExtension`: `::: note` ... `:::` becomes a `<div class="note">`
  whose content is Markdown (handed to `md_in_html`).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from makebook.manuscript.citations import BRACKET_SOURCE, format_citation, parse_citation
from makebook.manuscript.syntax import FENCE_OPEN, fence_attributes, fence_roles, unclosed_fences
from makebook.model import Work


def work_anchor(key: str) -> str:
    """The book-unique id of a work's entry in the works-cited appendix."""
    return "work-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


class CitationProcessor(InlineProcessor):
    def __init__(
        self, pattern: str, md: Markdown, works: Mapping[str, Work], id_for: Callable[[], str]
    ):
        super().__init__(pattern, md)
        self.works = works
        self.id_for = id_for

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        citations = parse_citation(m.group(1))
        if not citations or any(c.key not in self.works for c in citations):
            # The loader has already reported unknown keys; anything else is plain text.
            return None, None, None
        span = ET.Element("span", {"class": "citation"})
        span.text = "("
        for index, citation in enumerate(citations):
            link = ET.SubElement(
                span,
                "a",
                {"href": "#" + work_anchor(citation.key), "id": self.id_for(), "class": "cite"},
            )
            link.text = format_citation(citation, self.works[citation.key])
            link.tail = "; " if index < len(citations) - 1 else ")"
        return span, m.start(0), m.end(0)


class CitationExtension(Extension):
    def __init__(self, works: Mapping[str, Work], id_prefix: str) -> None:
        super().__init__()
        self.works = works
        self.id_prefix = id_prefix
        self.count = 0

    def next_id(self) -> str:
        self.count += 1
        return f"{self.id_prefix}cite-{self.count}"

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Ahead of `reference` (170) so `[@key]` is never taken for a link reference.
        md.inlinePatterns.register(
            CitationProcessor(BRACKET_SOURCE, md, self.works, self.next_id), "citation", 175
        )


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
