"""The sanitizer (manuscript/sanitize.py) on its own: raw HTML in, safe and valid XHTML
content out, with what it removed. Whole books with active content:
test_active_content.py; hard Markdown: render/test_hard_markdown.py."""

from __future__ import annotations

import pytest
from lxml import etree
from lxml import html as lxml_html

from makebook.manuscript.sanitize import (
    DROPPED_HINTS,
    Removal,
    active_content_lines,
    clean,
    dropped_elements,
    lift_foreign,
    parse,
    repair,
    valid_attribute,
    valid_host,
)


def inner(container) -> str:  # type: ignore[no-untyped-def]
    """The container's content as HTML, without the container itself."""
    return (container.text or "") + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in container
    )


def repaired(fragment: str) -> str:
    """The fragment, nested as written (an XML parser closes nothing early), repaired."""
    container = etree.fromstring(f"<div>{fragment}</div>", lxml_html.XHTMLParser())
    repair(container)
    return inner(container)


# --- clean: only plain document markup survives ------------------------------------------


def test_clean_removes_scripts_with_their_text_and_handlers():
    html = '<p onclick="x()">Hi <script>alert(1)</script><b>there</b></p>'
    assert clean(html) == "<p>Hi <b>there</b></p>"


def test_clean_removes_script_urls_but_keeps_the_link_text():
    assert clean('<a href="javascript:x()">l</a>') == "<a>l</a>"
    assert clean('<a href="https://ok.example/">l</a>') == '<a href="https://ok.example/">l</a>'


def test_clean_keeps_only_text_align_in_a_table_cell_style():
    cleaned = clean('<table><tr><td style="color: red; text-align: right">x</td></tr></table>')
    assert 'style="text-align:right"' in cleaned
    assert "color" not in cleaned
    assert clean('<p style="text-align: right">x</p>') == "<p>x</p>"


def test_clean_drops_characters_xml_forbids():
    assert clean("a\x0bb\x1fc\ufffed") == "abcd"


@pytest.mark.parametrize(
    ("tag", "name", "value", "kept"),
    [
        ("td", "colspan", "2", "2"),
        ("td", "colspan", "0", None),
        ("td", "rowspan", "-1", None),
        ("ol", "start", "-3", "-3"),
        ("ol", "start", "x", None),
        ("ol", "type", "Z", None),
        ("th", "scope", "col", "col"),
        ("span", "dir", "sideways", None),
        ("span", "lang", "fr-CA", "fr-CA"),
        ("span", "lang", "not valid!", None),
        ("time", "datetime", "2024-05-01", "2024-05-01"),
        ("time", "datetime", "nonsense", None),
        ("span", "id", "has space", None),
        ("a", "href", "anything", "anything"),
    ],
)
def test_attribute_values_the_schema_refuses_are_dropped(tag, name, value, kept):
    assert valid_attribute(tag, name, value) == kept


# --- repair: what a sanitizer leaves valid as HTML but not as EPUB XHTML ------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<li>orphan</li>", "<ul><li>orphan</li></ul>"),
        ("<figcaption>c</figcaption>", "<p>c</p>"),
        ("<span><p>x</p></span>", "<p>x</p>"),
        ("<p>a<div>b</div></p>", "<p>ab</p>"),
        ("<ul>loose<li>a</li></ul>", "<ul><li>loose</li><li>a</li></ul>"),
        ("<dl><dt>t</dt></dl>", "<dl><dt>t</dt><dd></dd></dl>"),
        (
            "<dd>x</dd>",
            '<div class="definitions"><div class="definition">x</div></div>',
        ),
        (
            "<details>No summary</details>",
            "<details><summary>Details</summary>No summary</details>",
        ),
        (
            "<details><p>a</p><summary>late</summary></details>",
            "<details><summary>Details</summary><p>a</p><p>late</p></details>",
        ),
    ],
    ids=[
        "orphan-li",
        "figcaption-outside-figure",
        "block-in-inline",
        "block-in-paragraph",
        "loose-text-in-list",
        "term-without-definition",
        "definition-without-list",
        "details-without-summary",
        "summary-not-first",
    ],
)
def test_repair_makes_valid_xhtml_content(fragment, expected):
    assert repaired(fragment) == expected


# --- parse: clean, repair, keep SVG and MathML, encode URLs, report removals --------------


def test_parse_reports_media_once_and_keeps_its_text():
    removals: list[Removal] = []
    container = parse('<video src="a.mp4">Watch</video> and <video>again</video>', removals)
    assert container.tag == "div"
    assert inner(container) == "Watch and again"
    assert [r.tag for r in removals] == ["video"]
    assert removals[0].message.startswith("<video> removed: a printed book cannot play it")
    assert removals[0].hint == DROPPED_HINTS["media"]


def test_parse_percent_encodes_what_a_url_may_not_hold():
    container = parse('<a href="http://x.example/a b/100%/%20">l</a>')
    assert container.find("a").get("href") == "http://x.example/a%20b/100%25/%20"


def test_parse_unlinks_a_web_address_without_a_host_and_says_so():
    removals: list[Removal] = []
    container = parse('<a href="https://../">text</a>', removals)
    assert inner(container) == "text"
    assert [r.message for r in removals] == [
        "link to 'https://../' removed: it names no valid web address"
    ]


def test_parse_keeps_inline_svg_in_its_namespace_without_its_handler():
    container = parse('a <svg onload="x()" width="4"><rect width="4"/></svg> b')
    svg = container[0]
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("onload") is None and svg.get("width") == "4"
    assert (container.text, svg.tail) == ("a ", " b")


def test_parse_drops_xml_forbidden_characters_made_by_references():
    assert inner(parse("<p>a&#x1;b&#11;c</p>")) == "<p>abc</p>"


# --- the pieces ----------------------------------------------------------------------------


def test_lift_foreign_takes_out_each_svg_and_math_counting_nested_ones():
    html, found = lift_foreign("a <svg><svg></svg></svg> b <math>x</math>")
    assert html == (
        'a <span class="makebook-foreign-0"></span> b <span class="makebook-foreign-1"></span>'
    )
    assert found == [("svg", "<svg><svg></svg></svg>"), ("math", "<math>x</math>")]


def test_an_svg_never_closed_is_left_to_the_sanitizer():
    assert lift_foreign("<svg>never closed") == ("<svg>never closed", [])


def test_dropped_elements_names_each_kind_once_and_not_active_content_or_comments():
    removals = dropped_elements(
        "<video></video><canvas></canvas><video></video><script></script><!-- <audio> --><p>"
    )
    assert [(r.tag, r.hint) for r in removals] == [
        ("video", DROPPED_HINTS["media"]),
        ("canvas", DROPPED_HINTS["canvas"]),
    ]


def test_active_content_lines_are_found_at_their_line():
    markdown = 'ok\n<script>x</script>\n<p onclick="y">\n[a](javascript:z)\nplain'
    assert active_content_lines(markdown) == [
        (2, "<script"),
        (3, "onclick="),
        (4, "javascript:"),
    ]


@pytest.mark.parametrize(
    ("href", "valid"),
    [
        ("https://example.com/x", True),
        ("https://../", False),
        ("http://a..b/", False),
        ("http://[::1]/", True),
        ("mailto:someone@example.com", True),
        ("chapter.xhtml#x", True),
    ],
)
def test_valid_host(href, valid):
    assert valid_host(href) is valid
