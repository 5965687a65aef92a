"""pandoc's inline notes `^[...]`: footnotes like `[^1]` notes, numbered with them.

The first example is pandoc's (MANUAL.txt, "Extension: inline_notes"). The notes'
text and the order of the calls are checked against what pandoc 3.9 wrote (kept
here), and against pandoc itself when it is installed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from makebook.manuscript.structure import structure_problems
from makebook.model import Chapter
from makebook.render.chapter import render_chapter
from makebook.render.notes import inline_notes, rewrite_inline_notes
from makebook.xhtml import parse_fragments
from pandocshape import pandoc_fragment, shape

MIXED = """\
Here is an inline note.^[Inline notes are easier to write, since
you don't have to pick an identifier and move down to type the
note.] And a reference note.[^1] Then ^[one with *markdown*, [a link](http://x.org),
nested [brackets [deep]] and `code ]` and \\] escaped] end.

Not a note: `^[code]` and \\^[escaped] and ^[unclosed

paragraph.

    ^[indented code]

```
^[fenced]
```

> Quoted^[In a quote.] and listed:
>
> - item^[In a list item.]

Last^[final note.]

[^1]: The reference note.
"""
NOTES = [
    "<p>Inline notes are easier to write, since you don’t have to pick an identifier and "
    "move down to type the note.</p>",
    "<p>The reference note.</p>",
    '<p>one with <em>markdown</em>, <a href="http://x.org">a link</a>, nested [brackets '
    "[deep]] and <code>code ]</code> and ] escaped</p>",
    "<p>In a quote.</p>",
    "<p>In a list item.</p>",
    "<p>final note.</p>",
]
CALLS = ["1", "2", "3", "4", "5", "6"]
LEFT_AS_TEXT = [
    "<p>Not a note: <code>^[code]</code> and ^[escaped] and ^[unclosed</p>",
    "<p>paragraph.</p>",
]


@pytest.fixture
def render_page(loaded_small_book):  # type: ignore[no-untyped-def]
    book = loaded_small_book
    template = next(c for c in book.chapters if c.path == Path("one.md"))
    paths = {c.path.as_posix(): c.id for c in book.chapters}
    return lambda markdown: render_chapter(book, replace(template, markdown=markdown), paths)


def note_texts(notes: list[str]) -> list[str]:
    return [shape(parse_fragments(html)).replace("\u00a0", "").strip() for html in notes]


def test_inline_notes_are_footnotes_numbered_with_the_others(render_page):
    page = render_page(MIXED)
    body = etree.fromstring(page.html)
    assert note_texts([n.html for n in page.notes]) == NOTES
    assert [n.number for n in page.notes] == [1, 2, 3, 4, 5, 6]
    calls = body.xpath(".//a[@class='noteref']")
    assert [a.text for a in calls] == CALLS
    assert [a.get("href") for a in calls][:2] == ["#one-fn-1", "#one-fn-2"]
    paragraphs = body.xpath(".//div[@class='chapter-body']/p")
    assert [shape(etree.fromstring(etree.tostring(p))) for p in paragraphs[1:3]] == [
        re.sub("^<p>|</p>$", "", p) for p in LEFT_AS_TEXT
    ]
    assert "^[" not in "".join(n.html for n in page.notes)


def test_same_notes_and_calls_as_pandoc():
    theirs = pandoc_fragment(MIXED)
    notes = theirs.xpath(".//section[@id='footnotes']/ol/li")
    for backlink in theirs.xpath(".//a[@class='footnote-back']"):
        backlink.getparent().remove(backlink)
    assert [shape(li) for li in notes] == NOTES
    assert [a.text_content() for a in theirs.xpath(".//a[@class='footnote-ref']")] == CALLS
    assert [shape(p) for p in theirs.xpath("./p")][1:3] == [
        re.sub("^<p>|</p>$", "", p) for p in LEFT_AS_TEXT
    ]


def test_where_the_notes_are_and_what_they_become():
    text = "A^[x [y] z] b\\^[no] `^[no]` c^[two\nlines]\n\nd^[open\n\nnever closed]\n"
    assert [text[s:e] for s, e in inline_notes(text)] == ["^[x [y] z]", "^[two\nlines]"]
    assert rewrite_inline_notes(text) == (
        "A[^makebook-inline-1] b\\^[no] `^[no]` c[^makebook-inline-2]\n\n"
        "d^[open\n\nnever closed]\n"
        "\n\n[^makebook-inline-1]: x [y] z\n\n[^makebook-inline-2]: two lines\n"
    )
    assert rewrite_inline_notes("No notes [here].\n") == "No notes [here].\n"
    commented = "Text <!-- not yet^[a note\nleft out] --> and^[kept].\n"
    assert rewrite_inline_notes(commented) == (
        "Text <!-- not yet^[a note\nleft out] --> and[^makebook-inline-1].\n"
        "\n\n[^makebook-inline-1]: kept\n"
    )


def test_a_note_wrapped_in_a_block_quote_loses_the_quotes_marks():
    text = "> > Quoted^[a note\n> > that wraps > twice\n> > in the quote] end.\n"
    assert rewrite_inline_notes(text).endswith(
        "[^makebook-inline-1]: a note that wraps > twice in the quote\n"
    )


def test_the_loaders_checks_take_inline_notes_for_no_broken_structure():
    markdown = "Text.^[A note with [brackets] and [@siegel1999].]\n\nMore.^[Two\nlines.]\n"
    chapter = Chapter(
        id="c", path=Path("c.md"), kind="essay", title="C", markdown=markdown, body_line=5
    )
    assert structure_problems(chapter) == []


def test_links_in_notes_lead_where_the_texts_do(render_page):
    page = render_page(
        "Text.^[See [below](#later), [Later], [the idea](idea.md) and <https://pandoc.org>.]"
        "[^r]\n\n## Later\n\n[^r]: And [two](two.md#nothing-here).\n"
    )
    heading = etree.fromstring(page.html).find(".//h2").get("id")
    assert heading == "one--later"
    first, second = (parse_fragments(note.html) for note in page.notes)
    assert [a.get("href") for a in first.iter("a")] == [
        f"#{heading}", f"#{heading}", "#the-idea", "https://pandoc.org",
    ]  # fmt: skip
    assert first.find(".//a[@href='https://pandoc.org']").get("class") == "url"
    assert [a.get("href") for a in second.iter("a")] == ["#two--nothing-here"]
