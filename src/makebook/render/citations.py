"""Citations in a chapter, formatted in the book's CSL style (render/csl.py).

- `[@a, p. 3; see @b]`, `[-@a]`: a cluster, printed as the style prints it;
- `@a` and `@a [p. 3]` (author in text): only for a key of the bibliography, so that an
  e-mail address or a handle stays text;
- author-date styles print inline, each work a link to its Works Cited entry; a note
  style (Chicago notes) puts the citation in a footnote, after any punctuation that
  follows it, as pandoc does; inside an author's own footnote it stays inline there.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from makebook.manuscript.citations import BARE_SOURCE, BRACKET_SOURCE, parse_citation
from makebook.model import Citation, Work
from makebook.render.csl import CslFormatter, Rendered

NOTE_MARK = "data-csl-note"  # on a citation waiting to become a footnote
PUNCTUATION = re.compile(r"^[.,;:!?]+")


def key_anchor(key: str) -> str:
    """A bibliography key as an id's ASCII name, one name a key: a key with other
    characters (`пункт3`, `smith.2001`) gets its digest too, or `пункт3` and `точка3`
    (or `smith.2001` and `smith-2001`) would share an id and a link find the wrong entry."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    if name == key:
        return name
    return f"{name}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"


def work_anchor(key: str) -> str:
    """The book-unique id of a work's entry in the works-cited appendix."""
    return "work-" + key_anchor(key)


def xhtml_children(parent: ET.Element, xhtml: str) -> None:
    """Append an XHTML fragment (text and inline elements) to `parent`, atomically:
    no later inline pattern rewrites a formatted citation."""
    holder = ET.fromstring(f"<span>{xhtml}</span>")
    for element in holder.iter():
        if element.text:
            element.text = AtomicString(element.text)
        if element.tail:
            element.tail = AtomicString(element.tail)
    last = parent[-1] if len(parent) else None
    if holder.text:
        if last is None:
            parent.text = AtomicString((parent.text or "") + holder.text)
        else:
            last.tail = AtomicString((last.tail or "") + holder.text)
    parent.extend(list(holder))


def cluster_element(rendered: Rendered, id_for: Callable[[], str], capitalize: bool) -> ET.Element:
    """`<span class="citation">`: the style's opening and closing around each work's text,
    each a link `<a class="cite">` to its entry in Works Cited."""
    span = ET.Element("span", {"class": "citation"})
    prefix = rendered.prefix
    if rendered.author:
        author = ET.SubElement(span, "a", {"href": "#" + work_anchor(rendered.items[0][0]),
                                           "id": id_for(), "class": "cite"})  # fmt: skip
        xhtml_children(author, rendered.author)
        author.tail = AtomicString(" ")
        prefix = prefix or "("
    xhtml_children(span, escape(prefix))
    for index, (key, text) in enumerate(rendered.items):
        attributes = {"href": "#" + work_anchor(key)}
        if not (rendered.author and index == 0):
            attributes["id"] = id_for()
        attributes["class"] = "cite"
        link = ET.SubElement(span, "a", attributes)
        if capitalize and index == 0 and not rendered.author:
            text = capitalize_first(text)
        xhtml_children(link, text)
        if index < len(rendered.items) - 1:
            xhtml_children(span, escape(rendered.join_before(index + 1)))
    suffix = rendered.suffix or (")" if rendered.author and not rendered.prefix else "")
    xhtml_children(span, escape(suffix))
    return span


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def capitalize_first(xhtml: str) -> str:
    """A note begins with a capital, as pandoc writes it ("See Siegel...")."""
    return re.sub(r"^((?:<[^>]+>)*)(\w)", lambda m: m.group(1) + m.group(2).upper(), xhtml)


class CitationProcessor(InlineProcessor):
    def __init__(
        self, pattern: str, md: Markdown, extension: CitationExtension, bare: bool = False
    ) -> None:
        super().__init__(pattern, md)
        self.extension = extension
        self.bare = bare

    def handleMatch(self, m: re.Match[str], data: str):  # type: ignore[override]  # noqa: N802
        works = self.extension.works
        if self.bare:
            if m.group("key") not in works:
                return None, None, None  # an e-mail address, a handle: text
            citations = [Citation(m.group("key"), 0, locator=m.group("locator") or "")]
        else:
            citations = parse_citation(m.group(1)) or []
            # The loader has already reported unknown keys; anything else is plain text.
            if not citations or any(c.key not in works for c in citations):
                return None, None, None
        formatter = self.extension.formatter
        rendered = formatter.cite(citations, author_in_text=self.bare)
        note = formatter.is_note_style
        span = cluster_element(rendered if not note else inline_note(rendered),
                               self.extension.next_id, capitalize=note)  # fmt: skip
        if note:
            span.set(NOTE_MARK, rendered.author)
        return span, m.start(0), m.end(0)


def inline_note(rendered: Rendered) -> Rendered:
    """A note style's citation without the author-in-text part (that stays in the text)."""
    return Rendered(
        rendered.prefix, rendered.items, rendered.delimiter, rendered.suffix, joins=rendered.joins
    )


class CitationNotes(Treeprocessor):
    """A note style's citations become footnotes, numbered with the author's own."""

    def __init__(self, md: Markdown, extension: CitationExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: ET.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        in_notes = {
            element
            for container in root.iter("div")
            if "footnote" in (container.get("class") or "").split()
            for element in container.iter()
        }
        waiting = [e for e in root.iter("span") if e.get(NOTE_MARK) is not None]
        for number, span in enumerate(waiting, 1):
            author = span.attrib.pop(NOTE_MARK)
            if span in in_notes:
                # A citation in a footnote stays in it, inline; its closing period gives
                # way to the sentence's own punctuation, as in pandoc.
                if PUNCTUATION.match(span.tail or ""):
                    drop_final_period(span)
                continue
            self.make_note(root, parents, span, author, number)

    def make_note(
        self,
        root: ET.Element,
        parents: Mapping[ET.Element, ET.Element],
        span: ET.Element,
        author: str,
        number: int,
    ) -> None:
        parent = parents[span]
        index = list(parent).index(span)
        previous = parent[index - 1] if index else None
        before = (previous.tail if previous is not None else parent.text) or ""
        tail = span.tail or ""
        # pandoc puts the note after the punctuation that follows the citation, and
        # drops the space before it; an author named in the text stays there.
        punctuation = PUNCTUATION.match(tail)
        moved = punctuation.group(0) if punctuation else ""
        key = f"fn:csl-{number}"
        sup = ET.Element("sup", {"id": f"fnref:csl-{number}"})
        ET.SubElement(sup, "a", {"class": "footnote-ref", "href": f"#{key}"}).text = str(number)
        sup.tail = AtomicString(tail[len(moved) :])
        parent.remove(span)
        span.tail = None
        inserted = [sup]
        if author:
            named = ET.Element("span", {"class": "citation"})
            xhtml_children(named, author)
            named.tail = AtomicString(moved)
            inserted.insert(0, named)
            before_text = before
        else:
            before_text = before.rstrip() + moved
        if previous is not None:
            previous.tail = AtomicString(before_text)
        else:
            parent.text = AtomicString(before_text)
        for offset, element in enumerate(inserted):
            parent.insert(index + offset, element)
        item = ET.Element("li", {"id": key})
        ET.SubElement(item, "p").append(span)
        self.notes_list(root).append(item)

    def notes_list(self, root: ET.Element) -> ET.Element:
        for container in root.iter("div"):
            if "footnote" in (container.get("class") or "").split():
                found = container.find("ol")
                if found is not None:
                    return found
        container = ET.SubElement(root, "div", {"class": "footnote"})
        return ET.SubElement(container, "ol")


def drop_final_period(span: ET.Element) -> None:
    last = span[-1] if len(span) else None
    if last is not None and (last.tail or "").endswith("."):
        last.tail = AtomicString(last.tail[:-1])
    elif last is None and (span.text or "").endswith("."):
        span.text = AtomicString(span.text[:-1])


class CitationExtension(Extension):
    def __init__(self, works: Mapping[str, Work], id_prefix: str, formatter: CslFormatter) -> None:
        super().__init__()
        self.works = works
        self.id_prefix = id_prefix
        self.formatter = formatter
        self.count = 0

    def next_id(self) -> str:
        self.count += 1
        return f"{self.id_prefix}cite-{self.count}"

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802
        # Ahead of `reference` (170) so `[@key]` is never taken for a link reference.
        md.inlinePatterns.register(CitationProcessor(BRACKET_SOURCE, md, self), "citation", 175)
        md.inlinePatterns.register(
            CitationProcessor(BARE_SOURCE, md, self, bare=True), "citation_in_text", 174
        )
        # After the inline patterns (20) and the footnotes' own reordering (19, 15).
        md.treeprocessors.register(CitationNotes(md, self), "citation_notes", 14)
