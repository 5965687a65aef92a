"""pandoc's header attributes (`{#id .class key=value}`, `{-}`) and its implicit header
references across chapters, to headings whose names hold code or emphasis."""

from __future__ import annotations

import pypandoc
import pytest
from lxml import etree

from conftest import chapter_text, make_small_book, markup
from makebook.manuscript.loader import load_book
from makebook.render.book import render_book


def pandoc_headings(markdown: str) -> list[str]:
    html = pypandoc.convert_text(markdown, "html", format="markdown")
    tree = etree.fromstring(f"<div>{html}</div>")
    return [markup(h) for h in tree if h.tag.startswith("h")]


def without_prefix(element: etree._Element) -> str:
    """Markup with the book's id prefix off, attributes in name order, h2 as pandoc's h1."""
    for e in element.iter():
        attributes = sorted(e.attrib.items())
        e.attrib.clear()
        for name, value in attributes:
            e.set(name, value.removeprefix("one--") if name == "id" else value)
    level = int(element.tag[1]) - 1  # the chapter title is the book's only h1
    element.tag = f"h{level}"
    return markup(element)


HEADINGS = """# Heading {#intro .lead key=value}

# Other {-}

## Third {.unnumbered .wide}

# Fourth {#fourth data-x="a b"}
"""


def test_header_attributes_are_what_pandoc_writes(render_body):
    ours = [without_prefix(h) for h in render_body(HEADINGS) if h.tag.startswith("h")]
    assert ours == pandoc_headings(HEADINGS)
    assert ours[1] == '<h1 class="unnumbered" id="other">Other</h1>'  # no `{-}` left as text


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = make_small_book(tmp_path_factory.mktemp("headers") / "book")
    one = (
        "## The `foo` option\n\n## An *emph* head\n\n## Options\n\n"
        "See [Later one], [text][Later One], [The `foo` option] and [*options*].\n"
    )
    two = (
        "## Later one\n\n"
        "Back to [The `foo` option], [An *emph* head][], [this][the `foo` option],\n"
        "[Options] and [The `bar` option].\n"
    )
    (root / "one.md").write_text(chapter_text("One", one), encoding="utf-8")
    (root / "two.md").write_text(chapter_text("Two", two), encoding="utf-8")
    return {page.id: page for page in render_book(load_book(root)).pages}


def last_paragraph(page) -> str:  # type: ignore[no-untyped-def]
    return markup(etree.fromstring(page.html).findall(".//p")[-1])


def test_bracketed_heading_names_link_to_headings_in_other_chapters(pages):
    assert last_paragraph(pages["two"]) == (
        '<p>Back to <a href="#one--the-foo-option">The <code>foo</code> option</a>, '
        '<a href="#one--an-emph-head">An <em>emph</em> head</a>, '
        '<a href="#one--the-foo-option">this</a>,\n'
        '<a href="#one--options">Options</a> and [The <code>bar</code> option].</p>'
    )


def test_a_later_chapter_is_linked_too_and_a_name_must_match_as_written(pages):
    # `[*options*]` is not the heading `Options` for pandoc either: it compares the names
    # as written, emphasis included.
    assert last_paragraph(pages["one"]) == (
        '<p>See <a href="#two--later-one">Later one</a>, <a href="#two--later-one">text</a>, '
        '<a href="#one--the-foo-option">The <code>foo</code> option</a> and '
        "[<em>options</em>].</p>"
    )


def test_pandoc_links_the_same_names(pages):
    """pandoc, given both chapters as one document, links the same brackets."""
    source = "\n".join(
        [
            "## The `foo` option\n\n## An *emph* head\n\n## Options\n",
            "See [Later one], [text][Later One], [The `foo` option] and [*options*].\n",
            "## Later one\n",
            "Back to [The `foo` option], [An *emph* head][], [this][the `foo` option],",
            "[Options] and [The `bar` option].\n",
        ]
    )
    html = pypandoc.convert_text(source, "html", format="markdown")
    theirs = [
        (" ".join("".join(a.itertext()).split()), a.get("href"))
        for a in etree.fromstring(f"<div>{html}</div>").iter("a")
    ]
    ours = [
        (" ".join("".join(a.itertext()).split()), "#" + a.get("href").split("--")[1])
        for page in (pages["one"], pages["two"])
        for a in etree.fromstring(page.html).iter("a")
    ]
    assert ours == theirs


def test_links_written_for_pandocs_identifiers_find_the_heading(render_body):
    body = render_body(
        "## Extension: `raw_html`\n\n## Reader options\n\n## Reader options\n\n"
        "See [it](#extension-raw_html) and [the second](#reader-options-1).\n"
    )
    links = [a.get("href") for a in body.iter("a")]
    assert links == ["#one--extension-raw-html", "#one--reader-options-1"]


def test_reference_links_whose_label_is_code_find_their_definition(render_body):
    """pandoc's manual writes `[`amsmath`]` and `[LaTeX beamer][`beamer`]` with
    definitions `[`amsmath`]: https://...`."""
    body = render_body(
        "Use [`amsmath`], [LaTeX beamer][`beamer`] or [`None`].\n\n"
        "[`amsmath`]: https://ctan.org/pkg/amsmath\n[`beamer`]: https://ctan.org/pkg/beamer\n"
    )
    assert markup(body.find("p")) == (
        '<p>Use <a href="https://ctan.org/pkg/amsmath"><code>amsmath</code></a>, '
        '<a href="https://ctan.org/pkg/beamer">LaTeX beamer</a> or [<code>None</code>].</p>'
    )


def test_a_chapters_own_heading_wins_over_an_earlier_chapters(tmp_path):
    root = make_small_book(tmp_path / "book")
    (root / "one.md").write_text(chapter_text("One", "## Summary\n\nText.\n"), encoding="utf-8")
    two = "## Summary\n\nSee [Summary].\n"
    (root / "two.md").write_text(chapter_text("Two", two), encoding="utf-8")
    pages = {page.id: page for page in render_book(load_book(root)).pages}
    assert last_paragraph(pages["two"]) == '<p>See <a href="#two--summary">Summary</a>.</p>'


def test_data_attributes_are_kept_only_with_names_xhtml_accepts(render_body):
    body = render_body(
        '# H {k=3 key:v=2}\n\nA <span data-x:y="1" data-="2" data-ok-1="3">t</span>.\n'
    )
    assert markup(body.find("h2")) == '<h2 data-k="3" id="one--h">H</h2>'
    assert markup(body.find("p/span")) == '<span data-ok-1="3">t</span>'
