"""Reflection prompts, content notes and further reading as XHTML (render/aids.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from makebook.render.book import content_notes_page
from makebook.render.chapter import render_chapter
from makebook.render.templating import environment
from makebook.xhtml import EPUB_TYPE

PROMPTS_LIST = """Before.

::: prompts
1. What did the face say?
2. And *yours*?
:::
"""


def prompts_of(body) -> list:  # type: ignore[no-untyped-def]
    return body.xpath(".//section[@class='prompts']")


def test_a_prompts_list_is_numbered_under_its_heading_with_hidden_lines(render_body):
    (section,) = prompts_of(render_body(PROMPTS_LIST))
    heading = section.find("h2")
    assert heading.text == "Questions to sit with"
    assert section.get("aria-labelledby") == heading.get("id") == "one-prompts"
    (ordered,) = section.findall("ol")
    assert ordered.get("class") == "prompt-list"
    items = ordered.findall("li")
    assert ["".join(li.itertext()).strip() for li in items] == [
        "What did the face say?",
        "And yours?",
    ]
    for item in items:
        assert item.get("class") == "prompt"
        (lines,) = item.findall("div")
        # Hidden in every reading system and the screen PDF: only print.css shows them.
        assert lines.get("hidden") == "hidden" and lines.get("aria-hidden") == "true"
        assert [line.get("class") for line in lines] == ["write-line"] * 4  # [pdf] default
        assert all(len(line) == 0 and not (line.text or "").strip() for line in lines)


def test_paragraphs_become_the_questions_and_attributes_set_title_and_lines(render_body):
    body = render_body(
        '::: {.prompts title="Before you go on" lines=2}\n'
        "Who noticed you?\n\nWho did you notice?\n:::\n\n"
        "::: {.prompts lines=0}\n- A bulleted question?\n:::\n"
    )
    first, second = prompts_of(body)
    assert first.find("h2").text == "Before you go on"
    assert first.find("h2").get("id") == "one-prompts-1"
    assert second.find("h2").get("id") == "one-prompts-2"
    items = first.findall("ol/li")
    assert [li.findtext("p") for li in items] == ["Who noticed you?", "Who did you notice?"]
    assert [len(li.find("div[@class='write-in']")) for li in items] == [2, 2]
    # A bulleted list is numbered all the same; lines=0 leaves the rules out.
    (item,) = second.findall("ol/li")
    assert item.find("div") is None
    for section in (first, second):
        assert not any(k.startswith("data-") for e in section.iter() for k in e.attrib)


def test_book_setting_gives_the_default_number_of_lines(loaded_small_book):
    book = replace(loaded_small_book, pdf=replace(loaded_small_book.pdf, prompt_lines=6))
    one = next(c for c in book.chapters if c.path == Path("one.md"))
    page = render_chapter(book, replace(one, markdown=PROMPTS_LIST), {})
    lines = etree.fromstring(page.html).xpath(".//div[@class='write-in']")
    assert [len(group) for group in lines] == [6, 6]


def test_content_note_stands_before_the_title_as_a_notice(loaded_small_book):
    book = loaded_small_book
    one = next(c for c in book.chapters if c.path == Path("one.md"))
    noted = replace(one, content_note="discusses *childhood* neglect, 'briefly'")
    section = etree.fromstring(render_chapter(book, noted, {}).html)
    note = section[0]
    assert note.get("class") == "content-note"
    assert note.get("role") == "doc-notice" and note.get(EPUB_TYPE) == "notice"
    assert (
        "".join(note.itertext()) == "Content note: discusses childhood neglect, \u2018briefly\u2019"
    )
    assert note.find("p/em").text == "childhood"  # inline Markdown, the book's quotes
    assert section[1].get("class") == "chapter-head"
    plain = etree.fromstring(render_chapter(book, one, {}).html)
    assert not plain.xpath(".//*[@class='content-note']")


def test_syntax_a_content_note_prints_as_text_is_a_warning_at_its_line(loaded_small_book):
    book = loaded_small_book
    one = next(c for c in book.chapters if c.path == Path("one.md"))
    lines = (*one.key_lines, ("content_note", 5))
    leaky = replace(one, content_note="grief [@siegel1999] [@nokey] {.x}", key_lines=lines)
    warnings = render_chapter(book, leaky, {}).warnings
    found = [(w.path, w.line, w.message) for w in warnings if w.line == 5]
    assert found == [
        (Path("one.md"), 5, "the citation `[@siegel1999]` is printed as text"),
        (Path("one.md"), 5, "the citation `[@nokey]` is printed as text"),  # no key checked
        (Path("one.md"), 5, "the attributes `{.x}` are printed as text"),
    ]
    assert all("content_note" in w.hint for w in warnings if w.line == 5)
    plain = replace(one, content_note="discusses *childhood* neglect", key_lines=lines)
    assert not [w for w in render_chapter(book, plain, {}).warnings if w.line == 5]


def test_content_notes_page_lists_the_chapters_with_notes(loaded_small_book):
    book = loaded_small_book
    env = environment(book.styles_dir.parent / "templates")
    assert content_notes_page(book, env) is None  # no notes, no page
    chapters = tuple(
        replace(c, content_note="talks about *grief*") if c.path == Path("two.md") else c
        for c in book.chapters
    )
    page = content_notes_page(replace(book, chapters=chapters), env)
    assert (page.id, page.matter, page.in_toc) == ("content-notes", "front", True)
    tree = etree.fromstring(page.html)
    (item,) = tree.xpath(".//ul[@class='content-notes-list']/li")
    link = item.find("a")
    assert link.get("href") == "#two"
    assert "xref" in link.get("class").split()  # print gives its page
    assert "".join(item.itertext()) == "A Short Note: talks about grief"
    assert item.find("em").text == "grief"


def test_further_reading_links_each_work_to_its_appendix_entry(loaded_small_book):
    book = loaded_small_book
    one = next(c for c in book.chapters if c.path == Path("one.md"))
    page = render_chapter(book, replace(one, further_reading=("siegel2003", "room2015")), {})
    section = etree.fromstring(page.html)
    (reading,) = section.xpath(".//section[@class='further-reading']")
    assert reading.getparent() is section  # after the chapter's body
    assert reading.find("h2").text == "Further Reading"
    book_item, film_item = reading.findall("ul/li")
    assert book_item.find("a").get("href") == "#reading-siegel2003"
    assert book_item.find("a").get("class") == "xref"
    assert book_item.findtext("a/cite") == "Parenting from the Inside Out"  # short title
    assert book_item.text.startswith("Daniel J. Siegel")
    assert film_item.find("a").get("href") == "#film-room2015"
    off = replace(
        book,
        appendices=tuple(
            replace(a, enabled=False) if a.key == "reading" else a for a in book.appendices
        ),
    )
    unlinked = etree.fromstring(
        render_chapter(off, replace(one, further_reading=("siegel2003",)), {}).html
    )
    (item,) = unlinked.xpath(".//section[@class='further-reading']/ul/li")
    assert item.find("a") is None and item.findtext("cite") == "Parenting from the Inside Out"


def test_a_prompts_block_converts_with_pandoc_unchanged(render_body):
    """pandoc reads the same block as a div with the class around the same questions."""
    pytest.importorskip("pypandoc")
    from vs_pandoc import pandoc_html

    markdown = '::: {.prompts title="Before you go on" lines=3}\n1. Who?\n2. *Why*?\n:::\n'
    theirs = etree.fromstring(f"<body>{pandoc_html(markdown)}</body>")
    (div,) = theirs.findall("div")
    assert (div.get("class"), div.get("data-lines")) == ("prompts", "3")
    ours = prompts_of(render_body(markdown))[0]
    assert [" ".join("".join(li.itertext()).split()) for li in div.iter("li")] == [
        " ".join("".join(li.itertext()).split()) for li in ours.iter("li")
    ]


def test_a_prompts_block_keeps_its_id_language_and_other_classes(render_body):
    body = render_body("::: {.prompts .wide #questions lang=fr}\n1. Pourquoi ?\n:::\n")
    (section,) = body.xpath(".//section[contains(@class, 'prompts')]")
    assert section.get("class") == "prompts wide"
    assert section.get("lang") == "fr"
    assert section.get("id", "").endswith("questions")
