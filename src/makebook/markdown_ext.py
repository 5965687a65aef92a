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

from .citations import BRACKET_SOURCE, format_citation, parse_citation
from .model import Work


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


PLAIN_ATTRIBUTES = {"lang", "dir"}
SPAN = r"\[([^\[\]\n]+)\]\{([^{}\n]*)\}"


class BracketedSpanProcessor(InlineProcessor):
    """Pandoc's `[text]{lang=fr .smallcaps}`: a span with attributes, e.g. another language."""

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        if m.group(1).lstrip().startswith(("@", "-@")):
            return None, None, None
        attrs = fence_attributes(FENCE_OPEN.match("::: {" + m.group(2) + "}"))  # type: ignore[arg-type]
        span = ET.Element("span", attrs)
        span.text = m.group(1)
        return span, m.start(0), m.end(0)


class BracketedSpanExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        md.inlinePatterns.register(BracketedSpanProcessor(SPAN, md), "bracketed_span", 177)


FENCE_OPEN = re.compile(r"^(?P<colons>:{3,})\s*(?:\{(?P<attrs>[^}]*)\}|(?P<name>[\w-]+))\s*:*\s*$")
FENCE_CLOSE = re.compile(r"^:{3,}\s*$")
ATTR = re.compile(
    r"""(?P<cls>\.[\w-]+)|(?P<id>#[\w-]+)|(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>\S+))"""
)


def fence_attributes(match: re.Match[str]) -> dict[str, str]:
    if match["name"]:
        return {"class": match["name"]}
    classes, attrs = [], {}
    for part in ATTR.finditer(match["attrs"] or ""):
        if part["cls"]:
            classes.append(part["cls"][1:])
        elif part["id"]:
            attrs["id"] = part["id"][1:]
        else:
            value = next(v for v in (part["dq"], part["sq"], part["bare"]) if v is not None)
            key = part["key"]
            attrs[key if key in PLAIN_ATTRIBUTES else "data-" + key] = value
    if classes:
        attrs["class"] = " ".join(classes)
    return attrs


def fence_roles(lines: list[str]) -> list[str]:
    """What each line is to fenced divs, read as the renderer reads them.

    "open", "close", "stray" (a closing line with no div open), "bad" (starts like a
    fence but is neither an opening nor a closing one) or "" (anything else, code
    included). The loader reports stray and bad lines and unclosed divs from this.
    """
    roles: list[str] = []
    depth = 0
    in_code: str | None = None
    for line in lines:
        stripped = line.strip()
        if in_code:
            in_code = None if stripped.startswith(in_code) else in_code
            roles.append("")
        elif stripped.startswith(("```", "~~~")):
            in_code = stripped[:3]
            roles.append("")
        elif FENCE_OPEN.match(stripped):
            depth += 1
            roles.append("open")
        elif FENCE_CLOSE.match(stripped):
            roles.append("close" if depth else "stray")
            depth -= 1 if depth else 0
        else:
            roles.append("bad" if stripped.startswith(":::") else "")
    return roles


def unclosed_fences(roles: list[str]) -> list[int]:
    """The indexes of the opening lines that no closing line matches."""
    open_at: list[int] = []
    for index, role in enumerate(roles):
        if role == "open":
            open_at.append(index)
        elif role == "close":
            open_at.pop()
    return open_at


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
