"""Numbered figures, tables and sections and `@fig:id` references, as pandoc-crossref
makes them with its default settings, across the chapters of a book."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from conftest import add_picture, chapter_text, make_small_book, markup
from makebook.manuscript.citations import find_citations, is_crossref_key
from makebook.manuscript.loader import load_book
from makebook.render.book import render_book
from makebook.render.crossref import Target, number_runs

ONE = """See @fig:map, [@fig:map; @fig:b; @fig:c], [@fig:map; @fig:b], [-@tbl:data],
@Fig:map, @sec:methods and [@sec:later]. Mail me at a@fig:map, or see `@fig:map`.

![A *map* of the town](img.png){#fig:map}

![Not numbered](img.png)

## Methods {#sec:methods}

### In detail {#sec:detail}

| a | b |
|---|---|
| 1 | 2 |

: Data by year {#tbl:data}

A mistake: [@fig:nowhere].
"""

TWO = """## Later {#sec:later}

![B](img.png){#fig:b}

![C](img.png){#fig:c}

Back to [@fig:map] and [@sec:detail; @tbl:data].
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = make_small_book(tmp_path_factory.mktemp("crossref") / "book")
    add_picture(root, "img.png")
    (root / "one.md").write_text(chapter_text("One", ONE), encoding="utf-8")
    (root / "two.md").write_text(chapter_text("Two", TWO), encoding="utf-8")
    rendered = render_book(load_book(root))
    return {page.id: page for page in rendered.pages}


def body(page) -> etree._Element:  # type: ignore[no-untyped-def]
    return etree.fromstring(page.html).find(".//div[@class='chapter-body']")


def test_references_print_pandoc_crossrefs_text_and_link(pages):
    first = body(pages["one"]).find("p")
    text = re.sub(r"[ \n]+", " ", "".join(first.itertext()))
    assert text == (
        "See fig.\u00a01, figs.\u00a01\u20133, figs.\u00a01, 2, 1, Fig.\u00a01, "
        "sec.\u00a01.1 and sec.\u00a02.1. Mail me at a@fig:map, or see @fig:map."
    )
    links = [(a.get("href"), a.text) for a in first.iter("a")]
    assert links == [
        ("#one--fig-map", "fig.\u00a01"),
        ("#one--fig-map", "figs.\u00a01"),
        ("#two--fig-c", "3"),
        ("#one--fig-map", "figs.\u00a01"),
        ("#two--fig-b", "2"),
        ("#one--tbl-data", "1"),
        ("#one--fig-map", "Fig.\u00a01"),
        ("#one--sec-methods", "sec.\u00a01.1"),
        ("#two--sec-later", "sec.\u00a02.1"),
    ]
    assert first.find("code").text == "@fig:map"  # code is never a reference


def test_labelled_figures_and_tables_are_numbered_through_the_book(pages):
    one, two = body(pages["one"]), body(pages["two"])
    captions = [markup(f.find("figcaption")) for f in [*one.iter("figure"), *two.iter("figure")]]
    assert captions == [
        '<figcaption><span class="caption-number">Figure 1:</span> A <em>map</em> of the '
        "town</figcaption>",
        '<figcaption aria-hidden="true">Not numbered</figcaption>',
        '<figcaption><span class="caption-number">Figure 2:</span> B</figcaption>',
        '<figcaption><span class="caption-number">Figure 3:</span> C</figcaption>',
    ]
    assert markup(one.find(".//caption")) == (
        '<caption><span class="caption-number">Table 1:</span> Data by year</caption>'
    )
    assert "data-crossref" not in pages["one"].html + pages["two"].html


def test_references_reach_back_into_an_earlier_chapter(pages):
    last = body(pages["two"]).findall("p")[-1]
    assert [(a.get("href"), a.text) for a in last.iter("a")] == [
        ("#one--fig-map", "fig.\u00a01"),
        ("#one--sec-detail", "sec.\u00a01.1.1"),
        ("#one--tbl-data", "tbl.\u00a01"),
    ]


def test_an_unknown_label_is_a_warning_at_its_line_and_stays_as_written(pages):
    warnings = [str(w) for w in pages["one"].warnings]
    assert len(warnings) == 1
    assert warnings[0].startswith("one.md:22: warning: cross-reference '@fig:nowhere'")
    assert body(pages["one"]).findall("p")[-1].text == "A mistake: [@fig:nowhere]."


def test_crossref_labels_are_never_citation_keys():
    assert is_crossref_key("fig:map") and is_crossref_key("Tbl:x") and is_crossref_key("eq:1")
    assert not is_crossref_key("siegel1999") and not is_crossref_key("figure:x")
    text = "See [@fig:map], [@tbl:a; @sec:b] and [@siegel1999]."
    assert [c.key for c in find_citations(text, 1)] == ["siegel1999"]


def test_three_or_more_consecutive_numbers_are_a_range():
    targets = [Target(str(n), str(n), "") for n in (1, 2, 3, 5, 7, 8)]
    assert [[t.number for t in run] for run in number_runs(targets)] == [
        ["1", "3"],
        ["5"],
        ["7"],
        ["8"],
    ]


def test_the_book_still_loads_with_references_and_no_bibliography_entry(tmp_path: Path):
    root = make_small_book(tmp_path / "book")
    add_picture(root, "img.png")
    (root / "one.md").write_text(
        chapter_text("One", "See [@fig:a].\n\n![A](img.png){#fig:a}\n"), encoding="utf-8"
    )
    book = load_book(root)  # `[@fig:a]` is no unknown citation key
    assert all("fig:a" not in c.key for ch in book.chapters for c in ch.citations)


def test_references_in_footnotes_are_filled_in(tmp_path: Path):
    root = make_small_book(tmp_path / "book")
    add_picture(root, "img.png")
    text = "Text.[^1]\n\n[^1]: See [@fig:map].\n\n![A map](img.png){#fig:map}\n"
    (root / "one.md").write_text(chapter_text("One", text), encoding="utf-8")
    page = next(p for p in render_book(load_book(root)).pages if p.id == "one")
    assert page.notes[0].html.rstrip("\u00a0 </p>") + "</p>" == (
        '<p>See <a href="#one--fig-map" class="crossref">fig.\u00a01</a>.</p>'
    )  # (the footnote's own text ends in a no-break space, from Python-Markdown)


def test_unnumbered_sections_are_not_counted_and_are_named(tmp_path: Path):
    root = make_small_book(tmp_path / "book")
    (root / "one.md").write_text(chapter_text("One", "## First\n"), encoding="utf-8")
    text = (
        "## Aside {#sec:aside -}\n\n## Main {#sec:main}\n\n### Detail {#sec:detail}\n\n"
        "See @sec:main, @sec:detail and @sec:aside.\n"
    )
    (root / "two.md").write_text(chapter_text("Two", text), encoding="utf-8")
    page = next(p for p in render_book(load_book(root)).pages if p.id == "two")
    paragraph = body(page).findall("p")[-1]
    assert [a.text for a in paragraph.iter("a")] == ["sec.\u00a02.1", "sec.\u00a02.1.1", "Aside"]
