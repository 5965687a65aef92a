"""Raw HTML as pandoc's Markdown reads it (issue 17): Markdown inside raw HTML block
elements (markdown_in_html_blocks), raw blocks and spans for HTML (```{=html},
`x`{=html}) kept and sanitised, and for other formats left out with a warning at
their line (raw_attribute). Compared with pandoc 3 as tests/render/vs_pandoc.py
compares."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from vs_pandoc import makebook_outline, pandoc_outline

from conftest import copy_book, markup
from makebook.build import check
from makebook.render.chapter import render_chapter

BODY_LINE = 6  # the small book's one.md: where its body starts

AS_PANDOC = {
    "a table's cells": "<table>\n<tr>\n<td>*one*</td>\n<td>[a link](https://x.org)</td>\n</tr>\n</table>\n",
    "a div on one line": "<div>*x*</div>\n",
    "blocks in a div": "<div>\n*x*\n\n- a\n- b\n</div>\n",
    "a paragraph in a div": '<div class="a">\n<p>*x* in p</p>\n</div>\n',
    "a heading in a section": "<section>\n# H\n</section>\n",
    "indented code in a div": "<div>\n    code\n</div>\n",
    "a list's items": "<ul>\n<li>*a*</li>\n<li>**b**</li>\n</ul>\n",
    "pre keeps its text": "<pre>\n*x*\n</pre>\n",
    "a raw html block and span": "```{=html}\n<b>raw</b>\n```\n\n`<i>x</i>`{=html} and `\\LaTeX`{=latex}\n",
    "a raw latex block": "Before.\n\n```{=latex}\n\\begin{center}\n```\n\nAfter.\n",
}


@pytest.fixture
def outline(loaded_small_book):  # type: ignore[no-untyped-def]
    template = next(c for c in loaded_small_book.chapters if c.path == Path("one.md"))
    return lambda markdown: makebook_outline(loaded_small_book, template, markdown)


@pytest.mark.parametrize("markdown", AS_PANDOC.values(), ids=AS_PANDOC.keys())
def test_html_reads_as_pandoc_reads_it(outline, markdown):
    assert outline(markdown) == pandoc_outline(markdown)


@pytest.fixture
def page(loaded_small_book):  # type: ignore[no-untyped-def]
    template = next(c for c in loaded_small_book.chapters if c.path == Path("one.md"))
    assert template.body_line == BODY_LINE
    paths = {c.path.as_posix(): c.id for c in loaded_small_book.chapters}
    return lambda markdown: render_chapter(
        loaded_small_book, replace(template, markdown=textwrap.dedent(markdown)), paths
    )


@pytest.fixture
def render(render_body):  # type: ignore[no-untyped-def]
    return lambda markdown: markup(render_body(textwrap.dedent(markdown)))


def test_markdown_in_a_div_is_read(render):
    assert render('<div class="box">\n*x* and [y](https://y.org)\n</div>\n') == (
        '<div class="chapter-body"><div class="box">\n<p><em>x</em> and '
        '<a href="https://y.org">y</a></p>\n</div></div>'
    )


def test_markdown_0_keeps_an_elements_content_as_written(render):
    assert render('<div markdown="0">*x*</div>\n') == (
        '<div class="chapter-body"><div>*x*</div></div>'
    )


def test_a_tag_inside_a_line_of_text_is_inline_html(render):
    assert render("Text <span>*x*</span> here.\n") == (
        '<div class="chapter-body"><p>Text <span><em>x</em></span> here.</p></div>'
    )


def test_a_raw_html_block_is_sanitised_like_any_raw_html(page):
    result = page('```{=html}\n<div class="x"><script>alert(1)</script>ok</div>\n```\n')
    assert '<div class="x">ok</div>' in result.html
    assert "script" not in result.html


def test_the_loader_reports_active_content_in_raw_html_blocks_and_spans(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    text = (book / "one.md").read_text(encoding="utf-8")
    raw = '\n```{=html}\n<script>alert(1)</script>\n```\n\n`<iframe src="x">`{=html}\n'
    (book / "one.md").write_text(text + raw, encoding="utf-8")
    first = text.count("\n") + 1  # the blank line before the block
    removed = [(p.line, p.message.split("'")[1]) for p in check(book) if "removed" in p.message]
    assert removed == [(first + 2, "<script"), (first + 5, "<iframe")]


def test_raw_tex_blocks_and_spans_are_left_out_with_a_warning_at_their_lines(page):
    result = page("Text `\\LaTeX`{=latex} here.\n\n```{=latex}\n\\begin{center}\n```\n\nEnd.\n")
    assert "LaTeX" not in result.html and "center" not in result.html
    assert [(w.line, w.message) for w in result.warnings] == [
        (BODY_LINE, "raw {=latex} is left out of the book (pandoc leaves it out of HTML too)"),
        (BODY_LINE + 2, "raw {=latex} is left out of the book (pandoc leaves it out of HTML too)"),
    ]


def test_raw_attributes_shown_in_code_stay_code(render):
    assert render("Use `` `x`{=html} `` to write.\n") == (
        '<div class="chapter-body"><p>Use <code>`x`{=html}</code> to write.</p></div>'
    )


def test_html_nested_deeper_than_the_loader_allows_stays_raw(page):
    deep = "<div>" * 30 + "*x*" + "</div>" * 30 + "\n"
    assert "*x*" in page(deep).html
