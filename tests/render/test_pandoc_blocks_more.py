"""pandoc's block syntax that Python-Markdown read otherwise (issue 17): `~` definitions,
escaped line breaks, a code fence right under a paragraph, a fenced div in a block
quote, pandoc's ids for headings of the same text, and the `#` and `>` lines that
start no heading or quote (space_in_atx_header, blank_before_header,
blank_before_blockquote). Each case is rendered by makebook and by pandoc 3 and
compared as tests/render/vs_pandoc.py compares them; the loader reads the same
headings as the renderer."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from vs_pandoc import makebook_outline, pandoc_outline

from conftest import markup
from makebook.manuscript.blocks import pandoc_block_lines
from makebook.manuscript.chapters import find_headings
from makebook.render.chapter import render_chapter

AS_PANDOC = {
    "tilde definitions": "Term\n~ a\n~ b\n\nOther\n\n~   Long\n    more\n\n    Second.\n",
    "tilde after three spaces": "Term\n   ~ def\n",
    "no term before a tilde": "~ no term\n",
    "escaped line breaks": "A\\\nB\\\nC\n",
    "escaped line break in a quote": "> A\\\n> B\n",
    "escaped line break in a list": "- a\\\n  b\n",
    "fence under a paragraph": "Para\n```\ncode\n```\n",
    "fence under a list item": "- a\n```\nb\n```\n",
    "two fences with no blank line": "x\n\n```\na\n```\n```\nb\n```\n",
    "div in a quote, not closed": "> ::: note\n> Open\n\nAfter\n",
    "divs in nested quotes": "> ::: {.a #x}\n> In\n>\n> > ::: b\n> > deep\n> > :::\n> :::\n",
    "heading in a div in a quote": "> ::: warning\n> # Head\n>\n> Text\n> :::\n",
    "no space after #": "#5 bolt\n\n##hashtag\n\n- #5 x\n",
    "heading under a list item": "- item\n# H\n",
    "heading under a quote": "> a\n# H\n",
    "heading and quote inside a quote": "> para\n> # H\n> > q\n",
    "heading under a definition": "Term\n: def\n# H\n",
    "heading under a heading": "# A\n# B\n",
    "heading under a code block": "```\ncode\n```\n# H\n",
    "heading under a setext heading": "Title\n=====\n# H\n",
    "heading under a rule": "* * *\n# H\n",
    "quote under a heading": "# A\n> q\n",
    "heading under a comment": "A\n\n<!-- c -->\n# H\n",
    "heading under an html block": "<section>\n# H\n</section>\n",
    "quote under a list item": "Para\n- item\n> q\n",
    "lazy quote continued": "> a\nb\n> c\n",
}


@pytest.fixture
def outline(loaded_small_book):  # type: ignore[no-untyped-def]
    template = next(c for c in loaded_small_book.chapters if c.path == Path("one.md"))
    return lambda markdown: makebook_outline(loaded_small_book, template, markdown)


@pytest.mark.parametrize("markdown", AS_PANDOC.values(), ids=AS_PANDOC.keys())
def test_block_reads_as_pandoc_reads_it(outline, markdown):
    assert outline(markdown) == pandoc_outline(markdown)


@pytest.fixture
def rendered_warnings(loaded_small_book):  # type: ignore[no-untyped-def]
    """Markdown -> the messages of the warnings rendering it as one.md gives."""
    template = next(c for c in loaded_small_book.chapters if c.path == Path("one.md"))
    paths = {c.path.as_posix(): c.id for c in loaded_small_book.chapters}
    return lambda markdown: [
        w.message
        for w in render_chapter(
            loaded_small_book, replace(template, markdown=markdown), paths
        ).warnings
    ]


@pytest.fixture
def render(render_body):  # type: ignore[no-untyped-def]
    return lambda markdown: markup(render_body(textwrap.dedent(markdown)))


def test_tilde_definitions_are_a_definition_list(render):
    assert render("Term\n  ~ It will appear\n    verbatim.\n") == (
        '<div class="chapter-body"><dl>\n<dt>Term</dt>\n'
        "<dd>It will appear\nverbatim.</dd>\n</dl></div>"
    )


def test_backslash_at_a_line_end_is_a_line_break(render):
    assert (
        render("First\\\nsecond.\n") == '<div class="chapter-body"><p>First<br/>\nsecond.</p></div>'
    )


def test_a_backslash_elsewhere_stays(render):
    assert (
        render("C:\\5 and a\\ b.\n")  # not `C:\\Users`: pandoc drops \\Users as raw TeX
        == '<div class="chapter-body"><p>C:\\5 and a\u00a0b.</p></div>'
    )


def test_a_code_fence_under_a_paragraph_leaves_no_empty_paragraph(render):
    assert render("Para\n```\ncode\n```\n") == (
        '<div class="chapter-body"><p>Para</p>\n<pre><code>code</code></pre></div>'
    )


def test_a_fence_whose_language_superfences_cannot_read_is_still_code(render):
    # pandoc's manual: pandoc gives the block the class "[[wiki]]", which names no
    # language; makebook leaves the class out and keeps the code.
    assert render("Using\n```[[Wiki]]\n[[URL|title]]\n```\n") == (
        '<div class="chapter-body"><p>Using</p>\n<pre><code>[[URL|title]]</code></pre></div>'
    )


def test_a_fenced_div_in_a_quote_keeps_its_attributes(render):
    assert render("> ::: {#box .aside lang=fr}\n> Dedans.\n> :::\n") == (
        '<div class="chapter-body"><blockquote>\n'
        '<div class="aside" id="one--box" lang="fr" xml:lang="fr">\n<p>Dedans.</p>\n</div>\n'
        "</blockquote></div>"
    )


def test_a_closing_fence_in_a_quote_with_nothing_open_is_text(render):
    assert ":::" in render("> :::\n> x\n")


def test_headings_of_the_same_text_get_pandocs_ids_and_links_find_them(render):
    html = render(
        "# Intro\n\nSee [a](#intro), [b](#intro-1) and [c](#intro-2).\n\n# Intro\n\n# Intro\n"
    )
    assert [part.split('"')[0] for part in html.split('id="')[1:]] == [
        "one--intro",
        "one--intro-1",
        "one--intro-2",
    ]
    assert [part.split('"')[0] for part in html.split('href="')[1:]] == [
        "#one--intro",
        "#one--intro-1",
        "#one--intro-2",
    ]


def test_an_author_id_taken_by_pandocs_numbering_stays_the_authors(render):
    html = render("# Intro\n\n# Intro\n\n# Other {#intro-1}\n\n[x](#intro-1)\n")
    assert 'id="one--intro-1">Intro' in html
    assert 'id="one--intro-1-1">Other' in html
    # pandoc gives both ids "intro-1"; the author's own wins the link, as pandoc's first.
    assert 'href="#one--intro-1"' in html


def test_the_loader_reads_the_headings_the_renderer_renders():
    body = "Para\n## Not one\n\n##5\n\n## One\n> ## Quoted\n\n```\n## code\n```\n## Two\n"
    assert find_headings(body, 1) == [("One", 6), ("Two", 12)]


def test_rewrites_keep_the_line_count_and_leave_code_alone():
    lines = ["Para", "# no", "> no", "", "```", "# code", "> code", "```", "Term", "  ~ def"]
    assert pandoc_block_lines(lines) == [
        "Para",
        "\\# no",
        "\\> no",
        "",
        "```",
        "# code",
        "> code",
        "```",
        "Term",
        "  : def",
    ]


def test_no_warning_for_what_is_now_read(rendered_warnings):
    markdown = "Term\n  ~ def\n\nA\\\nB\n\n> ::: note\n> In.\n> :::\n\nPara\n```\ncode\n```\n"
    assert rendered_warnings(markdown) == []
