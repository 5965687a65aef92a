"""Chapter files: YAML front matter plus a Markdown body."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from makebook.errors import Diagnostics, ManuscriptError, Problem, error
from makebook.manuscript.blocks import pandoc_block_lines
from makebook.manuscript.citations import find_citations
from makebook.manuscript.index_terms import find_index_marks
from makebook.manuscript.syntax import mask_code
from makebook.manuscript.text import (
    FORBIDDEN_CHARACTERS,
    compose_and_load,
    duplicate_keys,
    yaml_problem,
)
from makebook.manuscript.title_block import blank_title_block
from makebook.model import CHAPTER_KINDS, Chapter, Epigraph, ImageRef, Matter

FRONT_MATTER_KEYS = {
    "kind",
    "title",
    "subtitle",
    "tagline",
    "id",
    "related",
    "epigraph",
    "content_note",
    "further_reading",
}
IMAGE = re.compile(  # alt text may hold brackets one deep: a link, a citation `[@key]`
    r"!\[(?P<alt>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?P<src><[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\)"
    r"(?P<attrs>\{[^}\n]*\})?"
)
REFERENCE_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\[(?P<label>[^\]]*)\]")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:\s*(?P<src><[^>]*>|\S+)", re.M)
HTML_IMG = re.compile(r"<img\b(?P<attrs>[^>]*)>", re.IGNORECASE)
HTML_ATTR = re.compile(
    r"""(?P<name>[\w:-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))"""
)
HEADING = re.compile(r"^##\s+(?P<text>.+?)\s*#*\s*$")


def slugify(text: str) -> str:
    """An ASCII id: file names, XML ids and URLs all accept it everywhere."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^\w]+", "-", ascii_text.casefold()).strip("-_")
    slug = re.sub(r"_+", "-", slug)
    if not slug or not slug[0].isalpha():
        slug = "c-" + slug
    return slug


def split_front_matter(text: str, shown: Path) -> tuple[dict[str, Any], str, int]:
    """Returns (front matter, body, 1-based line where the body starts)."""
    if text.startswith("%"):  # pandoc's title block instead (title_block.py)
        return {}, text, 1
    if not text.startswith("---\n"):
        raise error(
            "the chapter has no YAML front matter",
            shown,
            1,
            "start the file with ---, then `kind:` and `title:`, then ---",
        )
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        raise error("the front matter is never closed", shown, 1, "end it with a line of ---")
    yaml_text = "\n".join(lines[1:index])
    try:
        node, data = compose_and_load(yaml_text)
    except yaml.YAMLError as exc:
        problem = yaml_problem(exc, yaml_text, shown, first_line=2)
        message = problem.message.replace("malformed YAML", "malformed YAML front matter", 1)
        raise ManuscriptError(replace(problem, message=message, line=problem.line or 1)) from None
    twice = [
        Problem(
            f"`{key}` is given twice in the front matter (first at line {first + 2})",
            shown,
            line + 2,
            hint="keep one of them: only the last one would count",
        )
        for key, line, first in duplicate_keys(node)
    ]
    if twice:
        raise ManuscriptError(twice)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise error(
            "the front matter must be a mapping of `key: value` lines",
            shown,
            2,
            "write it as `kind: essay` and `title: ...` lines",
        )
    return dict(data), "\n".join(lines[index + 1 :]), index + 2


def front_matter_line(text: str, key: str) -> int:
    """The line of a key in the front matter (never a line of the body that looks like one)."""
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    front = text[: 4 + end.start()] if end else text
    match = re.search(rf"^([\"']?){re.escape(key)}\1[ \t]*:", front, re.MULTILINE)
    return front.count("\n", 0, match.start()) + 1 if match else 2


def parse_chapter(
    text: str,
    shown: Path,
    matter: Matter,
    part: str | None,
    diagnostics: Diagnostics | None = None,
) -> Chapter:
    data, body, body_line = split_front_matter(text, shown)
    if diagnostics is not None:
        warn_unknown_keys(data, text, shown, diagnostics)
    block, body = blank_title_block(body)
    if block and block.title and not data.get("title"):
        data["title"] = block.title
    elif block and block.title and diagnostics is not None:
        diagnostics.warn(
            "the `%` title block is left out: the front matter's `title:` is the chapter's",
            shown,
            body_line,
            hint="delete the % lines, or the front matter's title to use theirs",
        )

    def fail(key: str, message: str, hint: str = "") -> ManuscriptError:
        return error(message, shown, front_matter_line(text, key), hint)

    def string(key: str, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise fail(key, f"`{key}` must be text", f"write `{key}: some text`")
        if FORBIDDEN_CHARACTERS.search(value):
            raise fail(key, f"`{key}` holds a control character", "delete the invisible character")
        return value.strip()

    kind = string("kind", "essay")
    if kind not in CHAPTER_KINDS:
        raise fail("kind", f"unknown kind '{kind}'", f"use one of: {', '.join(CHAPTER_KINDS)}")
    title = string("title")
    if not title:
        raise fail("title", "the chapter has no title", "add `title: ...` to the front matter")
    chapter_id = string("id") or slugify(shown.stem)
    if not re.fullmatch(r"[A-Za-z][\w-]*", chapter_id):
        raise fail("id", f"`id` '{chapter_id}' is not usable", "use letters, digits and hyphens")
    return Chapter(
        id=chapter_id,
        kind=kind,  # type: ignore[arg-type]
        title=title,
        path=shown,
        markdown=body,
        body_line=body_line,
        matter=matter,
        part=part,
        subtitle=string("subtitle"),
        tagline=string("tagline"),
        epigraph=parse_epigraph(data.get("epigraph"), fail),
        related=parse_related(data.get("related"), fail),
        content_note=parse_content_note(string("content_note"), fail),
        further_reading=parse_further_reading(data.get("further_reading"), fail),
        citations=tuple(find_citations(body, body_line)),
        images=tuple(find_images(body, body_line)),
        headings=tuple(find_headings(body, body_line)),
        links=tuple(find_links(body, body_line)),
        index_marks=tuple(find_index_marks(body, body_line)),
        key_lines=tuple((str(k), front_matter_line(text, str(k))) for k in data),
    )


def warn_unknown_keys(
    data: dict[str, Any], text: str, shown: Path, diagnostics: Diagnostics
) -> None:
    """A misspelt key would be ignored: say so, with the key it most likely means."""
    for key in sorted(set(map(str, data)) - FRONT_MATTER_KEYS):
        close = difflib.get_close_matches(key, sorted(FRONT_MATTER_KEYS), n=1)
        diagnostics.warn(
            f"unknown front-matter key '{key}'",
            shown,
            front_matter_line(text, key),
            f"did you mean '{close[0]}'?"
            if close
            else f"known keys: {', '.join(sorted(FRONT_MATTER_KEYS))}",
        )


def parse_related(value: Any, fail: Any) -> tuple[str, ...]:
    """`related: [attunement, repair]` (or one id alone) as concept ids."""
    related = value or []
    if isinstance(related, str):
        related = [related]
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        raise fail(
            "related", "`related` must be a list of concept ids", "related: [attunement, repair]"
        )
    return tuple(related)


def parse_content_note(note: str, fail: Any) -> str:
    """`content_note:` is one paragraph, set on one line before the title: a YAML block
    with a blank line in it would print only its first paragraph."""
    if re.search(r"\n[ \t]*\n", note):
        raise fail(
            "content_note",
            "`content_note` holds more than one paragraph; only one is printed",
            "write the content note as one paragraph, without a blank line in it",
        )
    return note


def parse_further_reading(value: Any, fail: Any) -> tuple[str, ...]:
    """`further_reading: [bowlby1988, gerhardt2004]` (or one key alone) as bibliography keys;
    a leading `@`, as in a citation, is allowed."""
    keys = value or []
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list) or not all(isinstance(k, str) and k.strip() for k in keys):
        raise fail(
            "further_reading",
            "`further_reading` must be a list of bibliography keys",
            "further_reading: [bowlby1988, gerhardt2004]",
        )
    found = tuple(dict.fromkeys(k.strip().removeprefix("@") for k in keys))
    return found


def parse_epigraph(value: Any, fail: Any) -> Epigraph | None:
    if value is None:
        return None
    texts = (
        [value]
        if isinstance(value, str)
        else list(value.values())
        if isinstance(value, Mapping)
        else []
    )
    if any(
        isinstance(t, str) and (IMAGE.search(t) or HTML_IMG.search(t) or "![" in t) for t in texts
    ):
        raise fail(
            "epigraph", "an epigraph holds text only, not images", "move the image into the chapter"
        )
    if isinstance(value, str):
        return Epigraph(text=value.strip())
    if isinstance(value, Mapping) and isinstance(value.get("text"), str):
        source = value.get("source")
        return Epigraph(text=value["text"].strip(), source=str(source).strip() if source else "")
    raise fail("epigraph", "`epigraph` must be text, or have `text:` and `source:`")


def find_images(body: str, first_line: int) -> list[ImageRef]:
    masked = mask_code(body)
    found = []
    for match in IMAGE.finditer(masked):
        line = first_line + masked.count("\n", 0, match.start())
        alt: str | None = match["alt"].strip()
        attrs = match["attrs"] or ""
        own_alt = re.search(
            r"\balt=(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s}]+))", attrs
        )
        if own_alt:  # pandoc 3's `{alt="..."}`: the image's alt text, apart from its caption
            alt = next(v for v in own_alt.groups() if v is not None).strip()
        if not alt and ".decorative" not in attrs:
            alt = None
        found.append(ImageRef(match["src"].strip("<>"), alt, line))
    definitions = {
        m["label"].casefold(): m["src"].strip("<>") for m in REFERENCE_DEFINITION.finditer(masked)
    }
    for match in REFERENCE_IMAGE.finditer(masked):
        line = first_line + masked.count("\n", 0, match.start())
        label = (match["label"] or match["alt"]).casefold()
        alt = match["alt"].strip() or None
        found.append(ImageRef(definitions.get(label, ""), alt, line))
    for match in HTML_IMG.finditer(masked):
        line = first_line + masked.count("\n", 0, match.start())
        attrs = {
            a["name"].lower(): a["dq"]
            if a["dq"] is not None
            else (a["sq"] if a["sq"] is not None else a["bare"])
            for a in HTML_ATTR.finditer(match["attrs"])
        }
        found.append(ImageRef(attrs.get("src", ""), attrs.get("alt"), line))
    return found


MD_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\((?P<href><[^>]*>|[^)\s]+)")


def find_links(body: str, first_line: int) -> list[tuple[str, int]]:
    """Links to other chapter files, which must be in the book."""
    masked = mask_code(body)
    found = []
    for match in MD_LINK.finditer(masked):
        href = match["href"].strip("<>")
        path = href.partition("#")[0]
        if path.endswith(".md") and "://" not in path:
            found.append((href, first_line + masked.count("\n", 0, match.start())))
    return found


def find_headings(body: str, first_line: int) -> list[tuple[str, int]]:
    return [
        (match["text"], first_line + number)
        # As the renderer reads them: `##5` or a `##` line right under a paragraph is none.
        for number, line in enumerate(mask_code(pandoc_markdown(body)).split("\n"))
        if (match := HEADING.match(line))
    ]


def pandoc_markdown(body: str) -> str:
    return "\n".join(pandoc_block_lines(body.split("\n")))
