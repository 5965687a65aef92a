"""The reader's aids of a book about the inner life: reflection prompts, content notes and
further reading.

- `::: prompts` becomes a numbered list of questions under a heading. Each question
  carries write-in lines for the print edition: empty rules that are `hidden` in the
  markup, so a reading system (even one that ignores the book's CSS) and the screen PDF
  never show them; only `print.css` displays them.
- `content_note:` (front matter) becomes a quiet notice before the chapter's title, with
  DPUB-ARIA's `doc-notice` role, and a line on the generated Content Notes page.
- `further_reading:` (front matter) becomes a short list at the chapter's end, each work
  linked to its entry in Suggested Reading (or Suggested Films), with the page of that
  entry in print (the `xref` links print.css numbers).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from lxml import etree
from markupsafe import Markup

from makebook.model import Book, Chapter
from makebook.render.appendices import entry_anchor, join_names, lead_people
from makebook.render.typography import smarten
from makebook.xhtml import EPUB_TYPE, E

PROMPTS_TITLE = "Questions to sit with"
FURTHER_READING_TITLE = "Further Reading"
CONTENT_NOTE_LABEL = "Content note"


def shape_prompts(body: etree._Element, chapter_id: str, default_lines: int, quotes: str) -> None:
    """Every `::: prompts` div of a chapter as a titled, numbered list of questions.

    The questions are the items of the div's list; with no list, each paragraph is one.
    `title="..."` names the block and `lines=N` sets its write-in lines (the loader has
    checked both)."""
    divs = body.xpath(".//div[contains(concat(' ', normalize-space(@class), ' '), ' prompts ')]")
    for number, div in enumerate(divs, start=1):
        title = div.attrib.pop("data-title", "") or PROMPTS_TITLE
        lines = int(div.attrib.pop("data-lines", "") or default_lines)
        heading_id = f"{chapter_id}-prompts-{number}" if len(divs) > 1 else f"{chapter_id}-prompts"
        section = E.section(
            {"class": "prompts", "aria-labelledby": heading_id},
            E.h2({"class": "prompts-title", "id": heading_id}, smarten(title, quotes)),
        )
        for key, value in div.attrib.items():  # its id, lang, other classes: the block's own
            if key == "class":
                value = " ".join(["prompts", *(c for c in value.split() if c != "prompts")])
            section.set(key, value)
        question_list = prompt_list(div)
        for item in question_list:
            item.set("class", (item.get("class", "") + " prompt").strip())
            if lines:
                item.append(write_in_lines(lines))
        for child in list(div):
            section.append(child)
        section.tail = div.tail
        div.getparent().replace(div, section)


def prompt_list(div: etree._Element) -> list[etree._Element]:
    """The list items that are the div's questions: its own list's, or its paragraphs
    gathered into a numbered list."""
    lists = [child for child in div if child.tag in ("ol", "ul")]
    if lists:
        for found in lists:
            found.tag = "ol"  # numbered in every edition, as a reader refers to them
            found.set("class", (found.get("class", "") + " prompt-list").strip())
        return [item for found in lists for item in found if item.tag == "li"]
    paragraphs = [child for child in div if child.tag == "p"]
    if not paragraphs:
        return []
    ordered = E.ol({"class": "prompt-list"})
    paragraphs[0].addprevious(ordered)
    for paragraph in paragraphs:
        item = E.li()
        ordered.append(item)
        item.append(paragraph)  # moves it, tail and all
    return list(ordered)


def write_in_lines(count: int) -> etree._Element:
    """Ruled lines to write on, for the print edition only: `hidden` keeps them out of
    every reading system (whether or not it reads the book's CSS) and the screen PDF;
    print.css shows them. Each rule is an empty block that print.css gives a height and a
    bottom border."""
    lines = E.div({"class": "write-in", "hidden": "hidden", "aria-hidden": "true"})
    for _ in range(count):
        lines.append(E.div({"class": "write-line"}))
    return lines


def content_note(chapter: Chapter, text: etree._Element) -> etree._Element:
    """The chapter's content note, set before its title; `text` is the note as inline
    Markdown renders it (a holder of one paragraph)."""
    paragraph = E.p(E.span({"class": "content-note-label"}, CONTENT_NOTE_LABEL + ": "))
    words = text[0] if len(text) else E.p()
    paragraph[-1].tail = words.text
    for child in words:
        paragraph.append(child)
    return E.div(
        {
            "class": "content-note",
            "id": f"{chapter.id}-content-note",
            "role": "doc-notice",
            EPUB_TYPE: "notice",
            "aria-label": CONTENT_NOTE_LABEL,
        },
        paragraph,
    )


def inner_xhtml(holder: etree._Element) -> Markup:
    """A rendered paragraph's content as XHTML, for a template."""
    paragraph = holder[0] if len(holder) else E.p()
    return Markup(
        html.escape(paragraph.text or "", quote=False)
        + "".join(etree.tostring(child, encoding="unicode") for child in paragraph)
    )


def further_reading(book: Book, chapter: Chapter) -> etree._Element | None:
    """The works the chapter recommends, each linked to its entry in the appendix that
    lists it (the loader marked them suggested; an appendix switched off was warned of)."""
    if not chapter.further_reading:
        return None
    items = [reading_item(book, key) for key in chapter.further_reading]
    heading_id = f"{chapter.id}-further-reading"
    return E.section(
        {"class": "further-reading", "aria-labelledby": heading_id},
        E.h2({"id": heading_id}, FURTHER_READING_TITLE),
        E.ul(*items),
    )


def reading_item(book: Book, key: str) -> etree._Element:
    work = book.work(key)
    appendix = "films" if work.is_film else "reading"
    # The short title, as a list of a few works reads best: the subtitle is in the appendix.
    title = E.cite({"class": "work-title"}, work.title.partition(": ")[0])
    if book.appendix(appendix).enabled:
        prefix = "film-" if work.is_film else "reading-"
        shown = E.a({"href": f"#{prefix}{entry_anchor(work.id)}", "class": "xref"}, title)
    else:
        shown = title
    names = join_names(lead_people(work))
    return E.li(f"{names}, ", shown) if names else E.li(shown)


def content_notes(chapters: Sequence[Chapter]) -> list[Chapter]:
    """The chapters with a content note, in reading order: the Content Notes page's lines."""
    return [chapter for chapter in chapters if chapter.content_note]
