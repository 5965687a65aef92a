"""pandoc's fancy_lists, startnum and example_lists, as pandoc 3 writes them.

Most examples are pandoc's own (MANUAL.txt: "Ordered lists", "Extension: fancy_lists",
"Extension: startnum", "Numbered example lists"). Each is checked against the HTML
pandoc 3.9 wrote for it (kept here), and again against pandoc itself when it is
installed, element for element (a loose list's items are paragraphs in both).
"""

from __future__ import annotations

import textwrap

import pytest

from conftest import markup
from makebook.manuscript.lists import (
    LOWER_ALPHA,
    LOWER_ROMAN,
    example_labels,
    ordered_marker,
    roman_value,
)
from makebook.manuscript.structure import nesting_depth
from makebook.manuscript.syntax import line_kinds
from pandocshape import pandoc_fragment, shape

CASES = {
    "startnum": (
        """\
         9)  Ninth
        10)  Tenth
        11)  Eleventh
               i. subone
              ii. subtwo
             iii. subthree
        """,
        '<ol start="9" type="1"><li>Ninth</li><li>Tenth</li><li>Eleventh<ol type="i">'
        "<li>subone</li><li>subtwo</li><li>subthree</li></ol></li></ol>",
    ),
    "three-lists": (
        """\
        (2) Two
        (5) Three
        1.  Four
        *   Five
        """,
        '<ol start="2" type="1"><li>Two</li><li>Three</li></ol><ol type="1"><li>Four</li></ol>'
        "<ul><li>Five</li></ul>",
    ),
    "default-markers": (
        "#.  one\n#.  two\n#.  three\n",
        "<ol><li>one</li><li>two</li><li>three</li></ol>",
    ),
    "default-paren": ("#) a\n#) b\n", "<ol><li>a</li><li>b</li></ol>"),
    "original-markdown": (
        "5.  one\n7.  two\n1.  three\n",
        '<ol start="5" type="1"><li>one</li><li>two</li><li>three</li></ol>',
    ),
    "lower-alpha": ("a. x\nb. y\n", '<ol type="a"><li>x</li><li>y</li></ol>'),
    "upper-alpha-paren": ("A)  x\nB)  y\n", '<ol type="A"><li>x</li><li>y</li></ol>'),
    "roman-in-parentheses": (
        "(ii) x\n(iii) y\n",
        '<ol start="2" type="i"><li>x</li><li>y</li></ol>',
    ),
    "upper-roman": ("I.  one\nII.  two\n", '<ol type="I"><li>one</li><li>two</li></ol>'),
    "letter-start": ("c. see\nd. dee\n", '<ol start="3" type="a"><li>see</li><li>dee</li></ol>'),
    "v-is-a-letter": (
        "v. five\nw. six\n",
        '<ol start="22" type="a"><li>five</li><li>six</li></ol>',
    ),
    "initials-stay-text": (
        'B. Russell won a Nobel Prize (but not for "On Denoting").\n',
        "<p>B. Russell won a Nobel Prize (but not for “On Denoting”).</p>",
    ),
    "one-space-after-I-is-text": ("I. one\nII. two\n", "<p>I. one II. two</p>"),
    "copyright-is-a-list": (
        "(C) 2007 Joe Smith\n",
        '<ol start="3" type="A"><li>2007 Joe Smith</li></ol>',
    ),
    "roman-list-read-on-in-its-style": (
        " i. x\nii. y\n\nc. see\n",
        '<ol type="i"><li><p>x</p></li><li><p>y</p></li><li><p>see</p></li></ol>',
    ),
    "alpha-sublist-with-start": (
        "1. a\n\n    b\n\n    c. x\n    d. y\n",
        '<ol type="1"><li><p>a</p><p>b</p><ol start="3" type="a"><li>x</li><li>y</li></ol>'
        "</li></ol>",
    ),
    "bullets-then-numbers": (
        "- a\n1. b\n",
        '<ul><li>a</li></ul><ol type="1"><li>b</li></ol>',
    ),
    "numbers-then-bullets": (
        "1. a\n- b\n",
        '<ol type="1"><li>a</li></ol><ul><li>b</li></ul>',
    ),
    "delimiter-change": (
        "1. a\n2) b\n",
        '<ol type="1"><li>a</li></ol><ol start="2" type="1"><li>b</li></ol>',
    ),
    "list-after-paragraph-line-is-text": ("text\na. b\n", "<p>text a. b</p>"),
    "bullets-under-a-number-at-its-text": (
        "1. a\n   - b\n   - c\n2. d\n",
        '<ol type="1"><li>a<ul><li>b</li><li>c</li></ul></li><li>d</li></ol>',
    ),
    "numbers-under-a-bullet-at-its-text": (
        "- a\n  1. b\n  2. c\n- d\n",
        '<ul><li>a<ol type="1"><li>b</li><li>c</li></ol></li><li>d</li></ul>',
    ),
    "bullets-two-spaces-in-nest": (
        "- a\n  - b\n    - c\n- d\n",
        "<ul><li>a<ul><li>b<ul><li>c</li></ul></li></ul></li><li>d</li></ul>",
    ),
    "number-at-the-items-text-nests": (
        "1. x\n   2. y\n",
        '<ol type="1"><li>x<ol start="2" type="1"><li>y</li></ol></li></ol>',
    ),
    "loose-from-the-first-item": (
        "- a\n- b\n\n    more b\n- c\n\ntext\n\n1. x\n\n2. y\n",
        "<ul><li><p>a</p></li><li><p>b</p><p>more b</p></li><li><p>c</p></li></ul><p>text</p>"
        '<ol type="1"><li><p>x</p></li><li><p>y</p></li></ol>',
    ),
    "paragraph-at-the-items-text-is-the-items": (
        "1. One\n\n   More of one.\n\n   - sub\n\n2. Two\n\n  Not as far (2 < 3)\n",
        '<ol type="1"><li><p>One</p><p>More of one.</p><ul><li>sub</li></ul></li>'
        "<li><p>Two</p></li></ol><p>Not as far (2 &lt; 3)</p>",
    ),
    "lazy-lines-in-nested-lists": (
        "- lazy\nline\n  - nested\n  lazy again\n- back\n",
        "<ul><li>lazy line<ul><li>nested lazy again</li></ul></li><li>back</li></ul>",
    ),
}

EXAMPLES = """\
(@)  My first example will be numbered (1).
(@)  My second example will be numbered (2).

Explanation of examples.

(@)  My third example will be numbered (3).

Numbered examples can be labeled and referred to elsewhere in the
document:

(@good)  This is a good example.

As (@good) illustrates, ...

(@foo) Sample sentence.

Intervening text...

This theory can explain the case we saw earlier (repeated):

(@foo) Sample sentence.
"""
EXAMPLES_EXPECTED = (
    '<ol class="example" type="1"><li>My first example will be numbered (1).</li>'
    "<li>My second example will be numbered (2).</li></ol>"
    "<p>Explanation of examples.</p>"
    '<ol class="example" start="3" type="1"><li>My third example will be numbered (3).</li></ol>'
    "<p>Numbered examples can be labeled and referred to elsewhere in the document:</p>"
    '<ol class="example" start="4" type="1"><li>This is a good example.</li></ol>'
    "<p>As (4) illustrates, …</p>"
    '<ol class="example" start="5" type="1"><li>Sample sentence.</li></ol>'
    "<p>Intervening text…</p>"
    "<p>This theory can explain the case we saw earlier (repeated):</p>"
    '<ol class="example" start="5" type="1"><li>Sample sentence.</li></ol>'
)


def source(case: str) -> str:
    return textwrap.dedent(CASES[case][0])


@pytest.mark.parametrize("case", sorted(CASES))
def test_lists_as_pandoc_wrote_them(render_body, case):
    assert shape(render_body(source(case))) == CASES[case][1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_lists_as_pandoc_writes_them(render_body, case):
    theirs = shape(pandoc_fragment(source(case)))
    assert shape(render_body(source(case))) == theirs


def test_examples_numbered_on_through_the_chapter(render_body):
    assert shape(render_body(EXAMPLES)) == EXAMPLES_EXPECTED
    assert shape(pandoc_fragment(EXAMPLES)) == EXAMPLES_EXPECTED


def test_example_references_before_after_unknown_and_in_citations(render_body):
    body = render_body(
        "See @later and (@first), not [@first] or (@nothing) or a@first.\n\n"
        "(@first) One.\n\nText.\n\n(@) Two.\n(@later) Three.\n\n`@first` in code.\n"
    )
    assert markup(body.find("p")) == (
        "<p>See 3 and (1), not [@first] or (@nothing) or a@first.</p>"
    )
    assert markup(body.findall("p")[-1]) == "<p><code>@first</code> in code.</p>"
    assert [ol.get("start") for ol in body.findall("ol")] == [None, "2"]


def test_examples_start_again_in_each_chapter(render_body):
    render_body("(@) a\n(@) b\n")
    assert render_body("(@) c\n").find("ol").get("start") is None  # numbered 1 again


def test_a_citation_in_brackets_is_still_a_citation(render_body):
    # siegel1999 is a work of the small book; an example label of that name is no matter
    body = render_body("(@siegel1999) An example.\n\nAs [@siegel1999] says.\n")
    assert body.find("p").find("span").get("class") == "citation"


def test_markers_read_as_pandoc_reads_them():
    assert ordered_marker("c. x", LOWER_ROMAN).number == 100  # in a roman list
    assert ordered_marker("c. x").style == LOWER_ALPHA
    assert ordered_marker("i. x", LOWER_ALPHA).number == 9  # in a list of letters
    assert ordered_marker("i. x").style == LOWER_ROMAN
    assert ordered_marker("B. Russell") is None
    assert ordered_marker("B.  Two spaces").number == 2
    assert ordered_marker("(@my-label) x").label == "my-label"
    assert [roman_value(v) for v in ("iv", "xlii", "MCMXCIX", "iiii", "ic", "Iv")] == [
        4, 42, 1999, 4, None, None,
    ]  # fmt: skip


def test_the_loader_reads_fancy_items_content_as_text_not_code():
    lines = ["a. An item.", "", "    Its second paragraph.", "", "(@ex) An example.", "",
             "    More of it.", "", "Text.", "", "    code"]  # fmt: skip
    assert line_kinds(lines) == ["text"] * 10 + ["indented"]
    assert nesting_depth("    (ii) nested", 0) == 2  # one level in, and an item
    assert nesting_depth("B. Russell", 0) == 0


def test_example_labels_for_the_citation_checks():
    text = "(@good) One.\n\n> (@quoted) Two.\n\n    (@code) no\n\n`(@span)` and (@) and @cited.\n"
    assert example_labels(text) == {"good", "quoted"}
