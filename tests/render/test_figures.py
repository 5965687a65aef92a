"""Figures as pandoc 3 writes them: an image alone in a paragraph is a figure captioned by
its alt text; `{#id width=50% .class}` as pandoc writes them."""

from __future__ import annotations

import re
from pathlib import Path

import pypandoc
import pytest
from lxml import etree

from conftest import add_picture, chapter_text, make_small_book, markup
from makebook.manuscript.chapters import slugify
from makebook.manuscript.loader import load_book
from makebook.render.chapter import render_chapter
from makebook.render.figures import dimension


@pytest.fixture(scope="module")
def book_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_small_book(tmp_path_factory.mktemp("figures") / "book")
    add_picture(root, "img.png")
    return root


@pytest.fixture
def render_figures(book_root: Path):  # type: ignore[no-untyped-def]
    """Markdown as one.md of a book that has img.png -> (chapter body, warnings)."""

    def rendered(markdown: str):  # type: ignore[no-untyped-def]
        (book_root / "one.md").write_text(chapter_text("One", markdown), encoding="utf-8")
        book = load_book(book_root)
        chapter = next(c for c in book.chapters if c.path == Path("one.md"))
        page = render_chapter(book, chapter, {c.path.as_posix(): c.id for c in book.chapters})
        body = etree.fromstring(page.html).find(".//div[@class='chapter-body']")
        return body, page.warnings

    return rendered


def pandoc_body(markdown: str) -> etree._Element:
    html = pypandoc.convert_text(markdown, "html", format="markdown")
    return etree.fromstring(f"<div>{html}</div>", etree.XMLParser(recover=True))


def normalised(element: etree._Element) -> str:
    """Markup with the book's id prefix taken off and attributes in name order."""
    for e in element.iter():
        e.attrib.pop("data-crossref", None)  # the label, for the book's numbering (crossref.py)
        attributes = sorted(e.attrib.items())
        e.attrib.clear()
        for name, value in attributes:
            e.set(name, value.removeprefix("one--") if name == "id" else value)
    text = re.sub(r">\s+<", "><", markup(element)).replace("\n", " ")
    return text.replace(' class="image"', "").replace("<figcaption", "\n<figcaption")


CASES = [
    "![A *fine* “view” of `code`](img.png)",
    "![Alt](img.png){#fig:view width=50% .wide height=3cm}",
    '![Alt](img.png "A title")',
    "![Alt](img.png){width=300 height=200px}",
    "![Alt](img.png){width=2.5cm}",
    "![Alt](img.png){width=100% data-source=archive}",
    "![alt][ref]\n\n[ref]: img.png",
    '![Short caption](img.png){alt="A longer description of the picture"}',
]


@pytest.mark.parametrize("source", CASES)
def test_a_lone_image_is_the_figure_pandoc_writes(render_figures, source):
    body, warnings = render_figures(source + "\n")
    ours = body.find("figure")
    theirs = pandoc_body(source).find("figure")
    assert theirs is not None and ours is not None
    if theirs.get("id"):
        theirs.set("id", slugify(theirs.get("id")))
    assert normalised(ours) == normalised(theirs)
    assert warnings == ()


def test_the_caption_is_the_alt_text_and_the_image_keeps_it_as_text(render_figures):
    body, _ = render_figures("![A *fine* view](img.png)\n")
    figure = body.find("figure")
    assert markup(figure.find("figcaption")) == (
        '<figcaption aria-hidden="true">A <em>fine</em> view</figcaption>'
    )
    assert figure.find("img").get("alt") == "A fine view"
    assert body.find("p") is None


def test_an_image_in_text_or_without_alt_is_no_figure(render_figures):
    body, _ = render_figures(
        "Text ![inline](img.png){#pic width=50%} here.\n\n![](img.png){.decorative}\n\n"
        "[![linked](img.png)](https://example.org)\n"
    )
    assert body.find(".//figure") is None
    first, second, third = body.findall("p")
    assert markup(first) == (
        '<p>Text <img alt="inline" src="img.png" style="width:50.0%" id="one--pic"/> here.</p>'
    )
    assert markup(second) == '<p><img alt="" class="decorative" src="img.png"/></p>'
    assert (
        markup(third)
        == '<p><a href="https://example.org"><img alt="linked" src="img.png"/></a></p>'
    )
    assert "mb-" not in markup(body)  # the wrappers are gone


def test_ids_of_figures_are_book_unique(render_figures):
    body, _ = render_figures("![One](img.png){#fig:a}\n\n![Two](img.png){#fig:a}\n")
    ids = [f.get("id") for f in body.findall("figure")]
    assert ids == ["one--fig-a", "one--fig-a-1"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("50%", ("style", "50.0%")),
        ("50.5%", ("style", "50.5%")),
        ("300", ("attribute", "300")),
        ("300px", ("attribute", "300")),
        ("12.5", ("attribute", "12")),
        ("2inch", ("style", "2in")),
        ("1.50cm", ("style", "1.5cm")),
        ("10em", ("style", "10em")),
        ("abc", None),
        ("50 %", None),  # pandoc drops it
    ],
)
def test_dimensions_as_pandoc_writes_them(value, written):
    assert dimension(value) == written


def test_a_caption_may_cite_and_link(render_figures):
    body, warnings = render_figures(
        "![After [@siegel1999, p. 3], see [the site](https://example.org)](img.png)\n"
    )
    figure = body.find("figure")
    assert figure.find("img").get("alt") == "After (Siegel 1999, 3), see the site"
    caption = figure.find("figcaption")
    assert caption.find("span[@class='citation']/a").get("href") == "#work-siegel1999"
    assert caption.find("a[@href='https://example.org']").text == "the site"
    assert warnings == ()


def test_alt_text_of_its_own_leaves_the_caption_to_be_read(render_figures):
    """pandoc 3: `{alt="..."}` is the image's alt text; the caption is then not hidden."""
    body, warnings = render_figures('![Caption](img.png){alt="What it shows"}\n\n')
    figure = body.find("figure")
    assert figure.find("img").get("alt") == "What it shows"
    assert markup(figure.find("figcaption")) == "<figcaption>Caption</figcaption>"
    body, warnings = render_figures('![](img.png){alt="What it shows"}\n')
    assert markup(body.find("p")) == '<p><img alt="What it shows" src="img.png"/></p>'
    assert warnings == ()
