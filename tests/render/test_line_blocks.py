"""pandoc's line blocks: verse and addresses keep their lines and their indents.

The examples are pandoc's (MANUAL.txt, "Line blocks") and makebook's own; each is
checked against the HTML pandoc 3.9 wrote for it (kept here), and against pandoc
itself when it is installed. makebook puts each line in a `<span class="line">`
(render/blocks.py says why); the comparison takes the spans away.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from conftest import markup
from makebook.render.chapter import render_chapter
from pandocshape import pandoc_fragment, shape

NBSP = "\u00a0"

CASES = {
    "limerick": (
        """\
        | The limerick packs laughs anatomical
        | In space that is quite economical.
        |    But the good ones I've seen
        |    So seldom are clean
        | And the clean ones so seldom are comical
        """,
        '<div class="line-block">The limerick packs laughs anatomical<br></br>'
        "In space that is quite economical.<br></br>"
        f"{NBSP * 3}But the good ones I’ve seen<br></br>{NBSP * 3}So seldom are clean<br></br>"
        "And the clean ones so seldom are comical</div>",
    ),
    "address": (
        "| 200 Main St.\n| Berkeley, CA 94718\n",
        '<div class="line-block">200 Main St.<br></br>Berkeley, CA 94718</div>',
    ),
    "continuation-line": (
        """\
        | The Right Honorable Most Venerable and Righteous Samuel L.
          Constable, Jr.
        | 200 Main St.
        | Berkeley, CA 94718
        """,
        '<div class="line-block">The Right Honorable Most Venerable and Righteous Samuel L. '
        "Constable, Jr.<br></br>200 Main St.<br></br>Berkeley, CA 94718</div>",
    ),
    "inline-markdown-not-across-lines": (
        '| "quoted\n| across" *a\n| b* [link](http://x.org) `co | de`  \n| *whole* line\\\n',
        '<div class="line-block">“quoted<br></br>across” *a<br></br>b* '
        '<a href="http://x.org">link</a> <code>co | de</code><br></br>'
        "<em>whole</em> line\\</div>",
    ),
    "empty-line": ("| one\n|\n| two\n", '<div class="line-block">one<br></br><br></br>two</div>'),
    "pipe-table-has-a-separator-line": (
        "| x | y |\n|---|---|\n| 1 | 2 |\n",
        "<table><thead><tr><th>x</th><th>y</th></tr></thead>"
        "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>",
    ),
    "pipes-without-separator-are-lines": (
        "| x | y |\n| 1 | 2 |\n",
        '<div class="line-block">x | y |<br></br>1 | 2 |</div>',
    ),
    "paragraph-line-ends-the-block": (
        "| a\n| b\nc\n",
        '<div class="line-block">a<br></br>b</div><p>c</p>',
    ),
    "indented-is-no-line-block": ("Text.\n\n | a\n", "<p>Text.</p><p>| a</p>"),
    "no-space-is-no-line-block": ("|a\n", "<p>|a</p>"),
    "in-a-quote": (
        "> | a\n>   b\n> |   c\n",
        f'<blockquote><div class="line-block">a b<br></br>{NBSP * 2}c</div></blockquote>',
    ),
    "in-a-list-item": (
        "* | in list\n  | second\n",
        '<ul><li><div class="line-block">in list<br></br>second</div></li></ul>',
    ),
}


def source(case: str) -> str:
    return textwrap.dedent(CASES[case][0])


def without_line_spans(body: etree._Element) -> etree._Element:
    for span in body.xpath(".//span[@class='line']"):
        unwrap(span)
    return body


def unwrap(element: etree._Element) -> None:
    """The element's content in its place (lxml.html's drop_tag, for XHTML)."""
    parent = element.getparent()
    index = parent.index(element)
    children = list(element)
    add_text(parent, index, element.text)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    add_text(parent, index + len(children), element.tail)
    parent.remove(element)


def add_text(parent: etree._Element, index: int, text: str | None) -> None:
    """Text at position `index` among the parent's children (before the child there)."""
    if index == 0:
        parent.text = (parent.text or "") + (text or "")
    else:
        parent[index - 1].tail = (parent[index - 1].tail or "") + (text or "")


@pytest.mark.parametrize("case", sorted(CASES))
def test_line_blocks_as_pandoc_wrote_them(render_body, case):
    assert shape(without_line_spans(render_body(source(case)))) == CASES[case][1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_line_blocks_as_pandoc_writes_them(render_body, case):
    theirs = shape(pandoc_fragment(source(case)))
    assert shape(without_line_spans(render_body(source(case)))) == theirs


def test_each_line_is_a_span_and_an_empty_line_a_break(render_body):
    block = render_body("|   indented *verse*\n|\n| next\n").find("div")
    assert markup(block) == (
        f'<div class="line-block"><span class="line">{NBSP * 2}indented <em>verse</em></span>'
        '<br/>\n<br/>\n<span class="line">next</span></div>'
    )


def test_quotes_across_lines_follow_the_books_style(loaded_small_book):
    book = replace(loaded_small_book, quotes="single")
    chapter = next(c for c in book.chapters if c.path == Path("one.md"))
    paths = {c.path.as_posix(): c.id for c in book.chapters}
    page = render_chapter(book, replace(chapter, markdown='| "It\'s\n| late," she said\n'), paths)
    text = "".join(etree.fromstring(page.html).find(".//div[@class='line-block']").itertext())
    assert text == "\u2018It\u2019s\nlate,\u2019 she said"
