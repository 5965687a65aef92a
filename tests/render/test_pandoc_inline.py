"""pandoc's inline marks and task lists render as pandoc's HTML writes them (issue 17):
strikeout, superscript, subscript, smallcaps, underline, mark, task lists; none of
their syntax is left in the text."""

from __future__ import annotations

import pytest
from lxml import etree

from conftest import markup

XHTML = ""  # a page is an un-namespaced fragment until the EPUB writer places it


@pytest.fixture
def render(render_body):  # type: ignore[no-untyped-def]
    return render_body


def xml(element: etree._Element) -> str:
    """The element's markup without namespace declarations, for readable comparisons."""
    return markup(element)


def paragraph(body: etree._Element) -> str:
    return xml(body.find(f"{XHTML}p"))


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("a ~~struck~~ b", "<p>a <del>struck</del> b</p>"),
        ("a~~b~~c", "<p>a<del>b</del>c</p>"),
        ("x^2^ and 2^10^", "<p>x<sup>2</sup> and 2<sup>10</sup></p>"),
        ("H~2~O", "<p>H<sub>2</sub>O</p>"),
        ("P~a\\ cat~", "<p>P<sub>a\u00a0cat</sub></p>"),  # pandoc: escaped space
        ("[Small Caps]{.smallcaps}", '<p><span class="smallcaps">Small Caps</span></p>'),
        ("[under]{.underline}", "<p><u>under</u></p>"),
        ("[marked]{.mark}", "<p><mark>marked</mark></p>"),
        ("[sous]{.underline lang=fr}", '<p><span lang="fr" xml:lang="fr"><u>sous</u></span></p>'),
        ("[*em* in caps]{.smallcaps}", '<p><span class="smallcaps"><em>em</em> in caps</span></p>'),
        ("~~*both*~~ ^a^", "<p><del><em>both</em></del> <sup>a</sup></p>"),
    ],
)
def test_inline_mark_renders_as_pandoc_does(render, markdown, expected):
    assert paragraph(render(markdown + "\n")) == expected


@pytest.mark.parametrize(
    "markdown",
    [
        "a ~ b ~ c",  # spaces: no subscript, as in pandoc
        "2 ^ 3 ^ 4",
        "~/path and ~user",
    ],
)
def test_marks_need_what_pandoc_needs(render, markdown):
    body = render(markdown + "\n")
    assert body.find(f".//{XHTML}sub") is None
    assert body.find(f".//{XHTML}sup") is None
    assert body.find(f".//{XHTML}del") is None


def test_footnote_calls_side_by_side_are_not_superscript_text(render):
    body = render("Two notes.[^1][^2]\n\n[^1]: One.\n[^2]: Two.\n")
    assert [a.text for a in body.iter(f"{XHTML}a")] == ["1", "2"]
    assert "^" not in "".join(body.itertext())


def test_task_list_items_show_a_box_and_no_control(render):
    body = render("- [ ] to do\n- [x] done\n- [X] done too\n- plain\n")
    items = body.findall(f".//{XHTML}ul/{XHTML}li")
    assert body.find(f".//{XHTML}ul").get("class") == "task-list"
    assert ["".join(li.itertext()) for li in items] == [
        "\u2610 to do",
        "\u2611 done",
        "\u2611 done too",
        "plain",
    ]
    assert [li.get("class") for li in items] == [*["task-list-item"] * 3, None]
    boxes = body.findall(f".//{XHTML}span")
    assert [b.get("class") for b in boxes] == ["task-box", "task-box checked", "task-box checked"]
    assert body.find(f".//{XHTML}input") is None


def test_loose_task_list_keeps_its_boxes(render):
    body = render("- [x] done\n\n- [ ] open\n")
    paragraphs = body.findall(f".//{XHTML}li/{XHTML}p")
    assert ["".join(p.itertext()) for p in paragraphs] == ["\u2611 done", "\u2610 open"]


def test_no_syntax_of_these_marks_is_left_in_the_text(render):
    body = render(
        "~~s~~ x^2^ H~2~O [c]{.smallcaps} [u]{.underline} [m]{.mark}\n\n- [ ] a\n- [x] b\n"
    )
    text = "".join(body.itertext())
    for syntax in ("~", "^", "{.", "[ ]", "[x]", "]{"):
        assert syntax not in text
