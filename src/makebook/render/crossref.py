"""Numbered figures, tables and sections, and references to them, as pandoc-crossref
makes them: `![Caption](a.png){#fig:map}`, a table captioned `: Caption {#tbl:data}`
and a heading `## Methods {#sec:methods}` are numbered through the book; `@fig:map`,
`[@fig:map]`, `[@fig:a; @fig:b; @tbl:data]`, `[-@fig:map]` (the number alone) and
`@Fig:map` (capitalised) print pandoc-crossref's default text ("fig. 1", "figs. 1, 2",
"Fig. 1") and link to what they name, in any chapter.

Two stages, because chapters are rendered (and cached) one at a time:
- in each chapter (`mark_targets`, `mark_references`): the labelled elements are
  marked with their label, and each reference becomes a placeholder `<span>`;
- over the book (`resolve_crossrefs`): targets are numbered in reading order, captions
  get "Figure 1: " / "Table 1: ", placeholders become text and links, and an unknown
  label is a warning at the line that writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from makebook.errors import Problem
from makebook.model import Chapter, Page
from makebook.xhtml import E, parse_fragments, rewritten_page, unwrap

LABEL = "data-crossref"  # on a target: the label the author gave it (fig:map)
REFS = "data-crossref-refs"  # on a placeholder: its references, space-separated
KEY = r"(?:fig|tbl|sec|eq|lst):[\w](?:[\w:.#$%&+?<>~/-]*[\w])?"
# An item of a bracketed reference: `@fig:a` or `-@fig:a` (the number alone).
ITEM = re.compile(rf"^\s*(-?)@({KEY})\s*$", re.IGNORECASE)
BRACKET = re.compile(rf"\[([^\[\]]*@{KEY}[^\[\]]*)\]", re.IGNORECASE)
# A reference in running text; as in pandoc, not inside a word or an e-mail address.
BARE = re.compile(rf"(?<![\w@\]])(-?)@({KEY})", re.IGNORECASE)
NO_REFERENCES_INSIDE = {"a", "code", "pre", "kbd", "samp", "script", "style"}
TARGET_TAGS = {"fig": {"figure"}, "tbl": {"table"}, "sec": {"h2", "h3", "h4", "h5", "h6"}}
# pandoc-crossref's defaults: figureTitle, tableTitle, titleDelim and the prefixes.
TITLES = {"fig": "Figure", "tbl": "Table"}
PREFIXES = {
    "fig": ("fig.", "figs."),
    "tbl": ("tbl.", "tbls."),
    "sec": ("sec.", "secs."),
    "eq": ("eq.", "eqns."),
    "lst": ("lst.", "lsts."),
}
NBSP = "\u00a0"  # between a prefix and its number, so a line never breaks there
RANGE = "\u2013"  # pandoc-crossref's rangeDelim is "-"; a book sets a range with an en dash


def kind_of(label: str) -> str:
    return label.split(":", 1)[0].lower()


# --- in each chapter ----------------------------------------------------------------


def mark_targets(body: etree._Element) -> None:
    """Figures, tables and headings with a `fig:`, `tbl:` or `sec:` id keep that label
    (prefix_ids renames the id itself)."""
    for element in body.iter():
        label = element.get("id") if isinstance(element.tag, str) else None
        if label and element.tag in TARGET_TAGS.get(kind_of(label), ()):
            element.set(LABEL, label)


def mark_references(body: etree._Element) -> None:
    """`[@fig:a; @tbl:b]` and `@fig:a` in the text become placeholders that
    `resolve_crossrefs` fills in."""
    for element, kind in text_slots(body):
        text = getattr(element, kind)
        if not text or "@" not in text:
            continue
        pieces = reference_pieces(text)
        if len(pieces) > 1:
            insert_pieces(element, kind, pieces)


def text_slots(body: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """Every text and tail outside code and links, as (element, "text" or "tail")."""
    for element in list(body.iter()):
        if not isinstance(element.tag, str):
            continue
        if not any(a.tag in NO_REFERENCES_INSIDE for a in (element, *element.iterancestors())):
            yield element, "text"
        parent = element.getparent()
        if (
            element is not body
            and parent is not None
            and not any(a.tag in NO_REFERENCES_INSIDE for a in (parent, *parent.iterancestors()))
        ):
            yield element, "tail"


def reference_pieces(text: str) -> list[str | etree._Element]:
    """The text as strings and placeholders, alternately (string first and last)."""
    pieces: list[str | etree._Element] = []
    position = 0
    for start, end, refs in reference_matches(text):
        pieces.append(text[position:start])
        placeholder = etree.Element("span", {"class": "crossref", REFS: " ".join(refs)})
        placeholder.text = text[start:end]
        pieces.append(placeholder)
        position = end
    pieces.append(text[position:])
    return pieces


def reference_matches(text: str) -> list[tuple[int, int, list[str]]]:
    """(start, end, references) of each bracketed or bare reference, in order; a
    reference is its label with `-` in front when only the number is wanted."""
    found = []
    taken: list[tuple[int, int]] = []
    for match in BRACKET.finditer(text):
        items = [ITEM.match(part) for part in match[1].split(";")]
        if all(items):
            found.append((match.start(), match.end(), [i[1] + i[2] for i in items]))  # type: ignore[index]
            taken.append((match.start(), match.end()))
    for match in BARE.finditer(text):
        if not any(start <= match.start() < end for start, end in taken):
            found.append((match.start(), match.end(), [match[1] + match[2]]))
    return sorted(found)


def insert_pieces(element: etree._Element, kind: str, pieces: list) -> None:  # type: ignore[type-arg]
    """Put strings and elements where the text (or the tail) of `element` was."""
    setattr(element, kind, pieces[0])
    if kind == "text":
        parent, index = element, 0
    else:
        parent, index = element.getparent(), element.getparent().index(element) + 1
    for offset, (new, tail) in enumerate(zip(pieces[1::2], pieces[2::2], strict=True)):
        new.tail = tail
        parent.insert(index + offset, new)


# --- over the book --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    id: str  # the book-unique id to link to
    number: str  # "3", or "2.1" for a section; "" for a section that is unnumbered
    text: str  # a heading's text, printed for an unnumbered section


def resolve_crossrefs(pages: Sequence[Page], chapters: Mapping[str, Chapter]) -> list[Page]:
    """The chapters' pages (in reading order) with targets numbered and references
    filled in; pages with neither come back as they were."""
    trees = [etree.fromstring(page.html) for page in pages]
    targets = number_targets(pages, trees, chapters)
    result = []
    for page, tree in zip(pages, trees, strict=True):
        notes = [parse_fragments(note.html) for note in page.notes]
        in_notes = [holder.xpath(f".//span[@{REFS}]") for holder in notes]
        placeholders = tree.xpath(f".//span[@{REFS}]")
        labelled = tree.xpath(f".//*[@{LABEL}]")
        if not placeholders and not labelled and not any(in_notes):
            result.append(page)
            continue
        for element in labelled:
            caption_number(element, targets)
            del element.attrib[LABEL]
        every = [*placeholders, *(span for spans in in_notes for span in spans)]
        unknown = [label for span in every for label in fill_reference(span, targets)]
        chapter = chapters.get(page.id)
        warnings = [unknown_reference(label, chapter) for label in dict.fromkeys(unknown)]
        result.append(rewritten_page(page, tree, notes, in_notes, warnings))
    return result


def number_targets(
    pages: Sequence[Page], trees: Sequence[etree._Element], chapters: Mapping[str, Chapter]
) -> dict[str, Target]:
    """Every label in the book and what it is numbered; figures and tables through the
    book, sections as chapter.section.subsection (body chapters counted from 1)."""
    targets: dict[str, Target] = {}
    counts = {"fig": 0, "tbl": 0}
    chapter_number = 0
    for page, tree in zip(pages, trees, strict=True):
        chapter = chapters.get(page.id)
        in_body = chapter is not None and chapter.matter == "body"
        chapter_number += in_body
        levels: list[int] = []
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            label = element.get(LABEL)
            if re.fullmatch(r"h[2-6]", element.tag):
                number = section_number(element, levels, chapter_number if in_body else None)
                if label:
                    text = " ".join("".join(element.itertext()).split())
                    targets.setdefault(label, Target(element.get("id", ""), number, text))
            elif label and kind_of(label) in counts:
                counts[kind_of(label)] += 1
                targets.setdefault(
                    label, Target(element.get("id", ""), str(counts[kind_of(label)]), "")
                )
    return targets


def section_number(heading: etree._Element, levels: list[int], chapter: int | None) -> str:
    """Count the heading in `levels` (one counter a level below the chapter) and give its
    number; an unnumbered heading (`{-}`) is not counted and has none."""
    if "unnumbered" in heading.get("class", "").split():
        return ""
    depth = int(heading.tag[1]) - 1  # h2 is the first level under the chapter title
    del levels[depth:]
    levels.extend([0] * (depth - len(levels)))
    levels[depth - 1] += 1
    parts = ([chapter] if chapter is not None else []) + levels
    return ".".join(str(n) for n in parts)


def caption_number(element: etree._Element, targets: Mapping[str, Target]) -> None:
    """ "Figure 3: " before a figure's caption, "Table 2: " before a table's."""
    label = element.get(LABEL, "")
    kind = kind_of(label)
    target = targets.get(label)
    if kind not in TITLES or target is None or target.id != element.get("id"):
        return
    caption = element.find("figcaption" if kind == "fig" else "caption")
    if caption is None:
        caption = E.figcaption() if kind == "fig" else E.caption()
        element.insert(len(element) if kind == "fig" else 0, caption)
    title = E.span({"class": "caption-number"}, f"{TITLES[kind]} {target.number}:")
    title.tail = " " + (caption.text or "")
    caption.text = None
    caption.insert(0, title)
    caption.attrib.pop("aria-hidden", None)  # it says more than the image's alt text now


def fill_reference(span: etree._Element, targets: Mapping[str, Target]) -> list[str]:
    """Replace a placeholder by its text and links; when a label in it is unknown, the
    placeholder is left as the author wrote it and the unknown labels are returned."""
    refs = span.attrib.pop(REFS).split()
    unknown = [r.lstrip("-") for r in refs if resolve_label(r.lstrip("-"), targets) is None]
    if unknown:
        unwrap(span)
        return unknown
    pieces = reference_text(refs, targets)
    parent, index, previous = span.getparent(), span.getparent().index(span), span.getprevious()
    if previous is None:
        parent.text = (parent.text or "") + pieces[0]
    else:
        previous.tail = (previous.tail or "") + pieces[0]
    for offset, (link, tail) in enumerate(zip(pieces[1::2], pieces[2::2], strict=True)):
        link.tail = tail
        parent.insert(index + offset, link)
    pieces[-2].tail += span.tail or ""
    parent.remove(span)
    return []


def resolve_label(label: str, targets: Mapping[str, Target]) -> Target | None:
    """`@Fig:map` names `fig:map`: only the prefix's case says how to print it."""
    kind, _, name = label.partition(":")
    return targets.get(f"{kind.lower()}:{name}")


def reference_text(refs: list[str], targets: Mapping[str, Target]) -> list:  # type: ignore[type-arg]
    """pandoc-crossref's text for a list of references, as strings and links alternately:
    consecutive references of one kind share a prefix ("figs. 1, 2", "figs. 2–4")."""
    pieces: list = [""]  # type: ignore[type-arg]
    groups: list[list[str]] = []
    for ref in refs:
        same = groups and kind_of(groups[-1][0].lstrip("-")) == kind_of(ref.lstrip("-"))
        if same and ref.startswith("-") == groups[-1][0].startswith("-"):
            groups[-1].append(ref)
        else:
            groups.append([ref])
    for index, group in enumerate(groups):
        if index:
            pieces[-1] += ", "
        group_pieces(group, targets, pieces)
    return pieces


def group_pieces(group: list[str], targets: Mapping[str, Target], pieces: list) -> None:  # type: ignore[type-arg]
    first = group[0].lstrip("-")
    kind = kind_of(first)
    found = [resolve_label(ref.lstrip("-"), targets) for ref in group]
    ordered = sorted(
        (t for t in found if t is not None),
        key=lambda t: [int(n) for n in t.number.split(".") if n.isdigit()],
    )
    prefix = "" if group[0].startswith("-") else PREFIXES[kind][len(ordered) > 1]
    if prefix and first[0].isupper():
        prefix = prefix[0].upper() + prefix[1:]
    runs = number_runs(ordered)
    for index, run in enumerate(runs):
        if index:
            pieces[-1] += ", "
        for position, target in enumerate(run):
            if position:
                pieces[-1] += RANGE
            words = target.number
            if prefix and not index and not position:
                words = f"{prefix}{NBSP}{words}"
            if not target.number:  # an unnumbered section ({-}) is named instead
                words = target.text
            # A plain element: E's would declare the epub namespace inside a footnote.
            link = etree.Element("a", {"href": f"#{target.id}", "class": "crossref"})
            link.text = words
            pieces.append(link)
            pieces.append("")


def number_runs(targets: list[Target]) -> list[list[Target]]:
    """Consecutive numbers of three or more as a range (first and last), as
    pandoc-crossref writes them; two consecutive numbers stay a list."""
    runs: list[list[Target]] = []
    for target in targets:
        if runs and is_next(runs[-1][-1], target):
            runs[-1].append(target)
        else:
            runs.append([target])
    result: list[list[Target]] = []
    for run in runs:
        if len(run) >= 3:
            result.append([run[0], run[-1]])
        else:
            result.extend([t] for t in run)
    return result


def is_next(before: Target, after: Target) -> bool:
    a, b = before.number.split("."), after.number.split(".")
    return (
        len(a) == len(b)
        and a[:-1] == b[:-1]
        and a[-1].isdigit()
        and b[-1].isdigit()
        and int(b[-1]) == int(a[-1]) + 1
    )


def unknown_reference(label: str, chapter: Chapter | None) -> Problem:
    return Problem(
        f"cross-reference '@{label}' names no figure, table or section of the book; "
        "it is printed as written",
        chapter.path if chapter else None,
        chapter.line_with(f"@{label}") if chapter else None,
        hint=f"give a figure, table caption or heading the id {{#{label}}}, or fix the label",
        severity="warning",
    )


def resolve_book_crossrefs(
    chapters: Sequence[Chapter], pages: Mapping[str, Page]
) -> dict[str, Page]:
    """The chapters' pages by id, numbered in reading order (front matter, body, back
    matter) and with their references filled in."""
    order = {"front": 0, "body": 1, "back": 2}
    reading = sorted(chapters, key=lambda c: order.get(c.matter, 1))
    resolved = resolve_crossrefs([pages[c.id] for c in reading], {c.id: c for c in chapters})
    by_id = {page.id: page for page in resolved}
    return {chapter.id: by_id[chapter.id] for chapter in chapters}
