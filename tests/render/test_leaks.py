"""Syntax a reader would see printed is a warning at its line (issue 17, item 2):
render/leaks.py reads each rendered chapter's text, never its code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from conftest import DEMO, copy_book, invoke, make_small_book
from makebook.build import check
from makebook.manuscript.syntax import mask_code
from makebook.render.chapter import render_chapter
from makebook.render.leaks import block_texts
from makebook.xhtml import parse_fragments

BODY_LINE = 6  # the small book's one.md: front matter on lines 1-5


@pytest.fixture
def rendered(loaded_small_book):  # type: ignore[no-untyped-def]
    """Markdown -> (the (line, message) of each warning rendering it gives, as one.md;
    the text a reader sees, code left out)."""
    book = loaded_small_book
    template = next(c for c in book.chapters if c.path == Path("one.md"))
    assert template.body_line == BODY_LINE
    paths = {c.path.as_posix(): c.id for c in book.chapters}

    def found(markdown: str) -> tuple[list[tuple[int | None, str]], str]:
        page = render_chapter(book, replace(template, markdown=markdown), paths)
        texts = block_texts(etree.fromstring(page.html))
        for note in page.notes:
            texts += block_texts(parse_fragments(note.html))
        return [(w.line, w.message) for w in page.warnings], "\n".join(texts)

    return found


@pytest.fixture
def leaks(rendered):  # type: ignore[no-untyped-def]
    """Markdown -> the (line, message) of each warning rendering it gives, as one.md."""
    return lambda markdown: rendered(markdown)[0]


# The last column: syntax that another part of issue 17 renders (math, raw TeX, inline
# notes, line blocks, example lists, in-text citations, a fence right under a paragraph).
# While the reader sees it, it is a leak; once it is rendered, it is neither seen nor
# reported, and the case still holds.


@pytest.mark.parametrize(
    ("markdown", "line", "message", "syntax"),
    [
        # what makebook's Markdown cannot read and prints, each at the line that writes it
        ("Text.\n\n- item\n\n    ::: note\n    x\n", 5, None, ""),  # the loader's warning
        ("Odd {.class} here.\n", 1, "the attributes `{.class}` are printed as text", ""),
        ("Odd {#id} here.\n", 1, "the attributes `{#id}` are printed as text", ""),
        ("A [link][nowhere] here.\n", 1, "the reference link `[link][nowhere]` is printed", ""),
        ("A [link] (http://x.org) here.\n", 1, None, ""),  # pandoc prints this as text too
        ("A **bold start.\n", 1, "`**` is printed as text: the emphasis was not closed", ""),
        ("An &bogus; entity.\n", 1, "`&bogus;` is printed as text", ""),
        ("Term\n  ~ Its definition.\n", 2, "a definition starting with `~` is printed", "~"),
        ("A quote.\\\nNext line.\n", 1, "a backslash at the end of a line is printed", "\\"),
        ("Text.[^n]\n\n[^n]: A {.bad} note.\n", 3, "the attributes `{.bad}` are printed", ""),
        ("[Definition] is in the idea.\n", 1, None, ""),  # linked by the book pass
        ("% A Title\n% An Author\n\nText.\n", 1, "a pandoc title block `% A Title`", "% A"),
        ("A ~~strike never closed.\n", 1, "`~~` is printed as text", ""),
        ("Text.\n\n####### seven\n", 3, "a heading `# seven` is printed as text", ""),
        ("Text.\n\n> ::: note\n> In a quote.\n", 3, "`:::` is printed as text", ":::"),
        ("Text\n```\ncode\n```\n", 2, "the code fence ````` is printed as text", "```"),
        ("x\n\n::: {.box\n", 3, None, ""),  # the loader's error: not a div opening
        ("An ![alt](pic.png never closed.\n", 1, "the link or image `![alt](` is printed", ""),
        # what other parts of issue 17 render: a leak while printed
        ("One.\n\nSee @siegel1999 here.\n", 3, "`@siegel1999` is printed as text", "@sieg"),
        ("A note.^[Inline.]\n", 1, "the inline note `^[` is printed as text", "^["),
        ("x\n\nSo $e = mc^2$ holds.\n", 3, "the TeX math `$e = mc^2$` is printed", "$e"),
        ("x\n\n$$a + b$$\n", 3, "the TeX math `$$a + b$$` is printed as text", "$$"),
        ("Break.\n\n\\newpage\n", 3, "the TeX command `\\newpage` is printed", "newpage"),
        ("(@) First example.\n", 1, "the example-list marker `(@)` is printed", "(@)"),
        ("x\n\n| A line\n| of verse\n", 3, "a line block `| ...` is printed as text", "| A"),
    ],
)
def test_syntax_printed_as_text_is_a_warning_at_its_line(rendered, markdown, line, message, syntax):
    found, text = rendered(markdown)
    if message is None:  # reported by the loader at that line, or not a leak (as pandoc)
        assert [m for _, m in found if "printed as text" in m and "indented" not in m] == []
        return
    if syntax and syntax not in text:  # rendered since: neither printed nor reported
        assert [m for _, m in found if message in m] == []
        return
    assert [(at, m) for at, m in found if message in m] == [
        (BODY_LINE + line - 1, next(m for _, m in found if message in m))
    ], found


def test_the_same_syntax_used_rightly_elsewhere_does_not_misplace_a_leak(leaks):
    markdown = "::: note\nIn a box.\n:::\n\nText [^1] and ::: loose.\n\n[^1]: Note.\n"
    assert leaks(markdown) == [
        (BODY_LINE + 4, "`:::` is printed as text: this fenced div was not read")
    ]


def test_a_leak_written_twice_is_found_at_each_line(leaks):
    found = leaks("One {.odd}.\n\nTwo.\n\nThree {.odd}.\n")
    assert [line for line, _ in found] == [BODY_LINE, BODY_LINE + 4]


@pytest.mark.parametrize(
    "markdown",
    [
        "Shown as code: `::: note`, `[@siegel1999]`, `^[x]`, `$x$`, `\\newpage`, `{.c}`.\n",
        "```\n::: note\n[@siegel1999] ^[x] $x$ \\newpage {.c} **\n```\n",
        "~~~ markdown\n| a line\n: a definition\n~~~\n",
        "Text.\n\n    ::: note\n    @siegel1999 $x$ \\emph{x}\n",
        "<kbd>~~</kbd> and <samp>{.class}</samp>\n",
        "See <https://example.org/a_b__c__d/{x}> for more.\n",
        "It costs $5 and $10, or $ 20 $.\n",
        "Mail ada@siegel1999.org, [sic], [...] and [1].\n",
        "A pipe | in | text, 2 ^ 3, a ~ b, C:\\ and 50% {or so}.\n",
        "\\~ \\^ \\| \\@ \\$ escaped, to be printed.\n",  # pandoc's all_symbols_escapable
        # what makebook renders leaves nothing behind
        "Cited [@siegel1999, p. 3] and [see @siegel2003; @siegel1999].[^a]\n\n[^a]: A note.\n",
        '::: {.note title="A box"}\nInside.\n:::\n',
        "[savoir]{lang=fr}, ~~struck~~, x^2^, H~2~O, [caps]{.smallcaps}.\n",
        "## A heading {#h}\n\n[A heading] and [the heading][A heading].\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: A caption.\n",
        "Term\n: Definition.\n",
        "- [ ] to do\n- [x] done\n",
        "**Bold** and __bold__ and *em* and _em_, snake_case_name.\n",
        "A &amp; B &copy; &#233; &nbsp;.\n",
        "```python\nprint('x')\n```\n",
    ],
)
def test_syntax_meant_to_be_seen_or_rendered_is_no_leak(leaks, markdown):
    assert leaks(markdown) == []


def test_the_demo_and_small_books_leak_nothing(tmp_path):
    small = make_small_book(tmp_path / "small")
    assert [str(p) for p in check(DEMO)] == []
    assert [str(p) for p in check(small)] == []


# pandoc's manual, rendered whole: every leak reported is one a reader of the EPUB sees,
# and pandoc does not print (checked with pandoc 3 -t html5), at these lines of the book's
# manual.md (MANUAL.txt's line + 4). The list may only shrink as makebook reads more.
MANUAL_LEAKS: dict[int, str] = {
    # None left: the escaped line break (4078), the ```[[Wiki]] fence under a paragraph
    # (6382) and the 36 definitions written with `~` are read as pandoc reads them.
}


def test_pandoc_manual_leaks_only_what_pandoc_reads_and_makebook_does_not(pandoc_manual_book):
    printed = [p for p in check(pandoc_manual_book) if "printed as text" in p.message]
    # The fenced divs indented in a list are the loader's warnings, not repeated as leaks.
    loaders = [p for p in printed if "is indented inside a list item" in p.message]
    assert [p.line for p in loaders] == [240, 295, 307, 384]
    leaks = [p for p in printed if p not in loaders]
    assert all(p.line is not None for p in leaks)
    source = mask_code((pandoc_manual_book / "manual.md").read_text(encoding="utf-8"))
    in_code = [p for p in leaks if not source.split("\n")[p.line - 1].strip()]  # type: ignore[operator]
    assert in_code == []
    unexplained = [
        str(p) for p in leaks if p.line not in MANUAL_LEAKS or MANUAL_LEAKS[p.line] not in p.message
    ]
    assert unexplained == []


def test_check_strict_fails_on_a_leak_and_names_its_line(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    text = (book / "one.md").read_text(encoding="utf-8")
    (book / "one.md").write_text(text + "\nThen [a link][nowhere].\n", encoding="utf-8")
    line = text.count("\n") + 2
    relaxed = invoke(["check", "-m", str(book)])
    assert relaxed.exit_code == 0, relaxed.output
    assert f"one.md:{line}" in relaxed.output
    assert "`[a link][nowhere]` is printed as text" in " ".join(relaxed.output.split())
    strict = invoke(["check", "-m", str(book), "--strict"])
    assert strict.exit_code == 1, strict.output
    assert f"one.md:{line}" in strict.output


def test_a_chapter_full_of_leaks_reports_a_hundred_and_how_many_more(leaks):
    found = leaks("".join(f"Line {n} [x][nowhere].\n\n" for n in range(150)))
    assert len(found) == 101
    message = "the reference link `[x][nowhere]` is printed as text: nothing defines its reference"
    assert found[99] == (BODY_LINE + 2 * 99, message)
    assert found[100] == (
        BODY_LINE + 2 * 100,
        "50 more places, from here on, print Markdown, pandoc or TeX syntax as text",
    )


def test_check_reports_what_rendering_finds_as_a_build_does(small_book, tmp_path):
    """Raw HTML removed and dead links were a build's warnings only: check missed them."""
    book = copy_book(small_book, tmp_path / "book")
    text = (book / "one.md").read_text(encoding="utf-8")
    added = '\n<video src="x.mp4"></video>\n\nSee [nothing](#nowhere).\n'
    (book / "one.md").write_text(text + added, encoding="utf-8")
    first = text.count("\n") + 2
    found = [(p.line, p.message.split(":")[0]) for p in check(book)]
    assert (first, "<video> removed") in found
    assert (first + 2, "link to '#nowhere' left out") in found
