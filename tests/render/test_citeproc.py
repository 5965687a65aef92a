"""Citations and entries in the book's CSL style (render/csl.py, render/citations.py):
what pandoc prints for each syntax, footnotes for a note style, Works Cited's order."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from conftest import markup
from makebook.manuscript.csl_styles import packaged_style_path
from makebook.model import Citation, Contributor, Person, Work
from makebook.render.chapter import render_chapter
from makebook.render.csl import CslFormatter, csl_item, title_sort_key, work_sort_key


def citations(body: etree._Element) -> list[str]:
    return [markup(span) for span in body.iter("span") if span.get("class") == "citation"]


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_a_cluster_prints_as_the_style_with_a_link_for_each_work(render_body):
    body = render_body("Listen [see @siegel2003, p. 12; @siegel1999].\n")
    assert citations(body) == [
        '<span class="citation">(<a class="cite" href="#work-siegel2003" id="one-cite-1">'
        'see Siegel and Hartzell 2003, 12</a>; <a class="cite" href="#work-siegel1999" '
        'id="one-cite-2">Siegel 1999</a>)</span>'
    ]


def test_author_in_text_and_suppressed_author_as_pandoc_prints_them(render_body):
    body = render_body("As @siegel1999 shows, and @siegel1999 [p. 3] too [-@siegel2003].\n")
    assert [text(s) for s in body.iter("span") if s.get("class") == "citation"] == [
        "Siegel (1999)",
        "Siegel (1999, 3)",
        "(2003)",
    ]


def test_a_bare_at_that_is_no_key_stays_text(render_body):
    body = render_body("Write to ada@siegel1999.org or @nobody, not @siegel1999.\n")
    assert text(body) == "Write to ada@siegel1999.org or @nobody, not Siegel (1999)."
    assert body.find(".//a[@href='mailto:ada@siegel1999.org']") is None


def render_in_style(book, style: str, markdown: str):  # type: ignore[no-untyped-def]
    styled = replace(book, citation_style=style)
    chapter = replace(next(c for c in book.chapters if c.path == Path("one.md")), markdown=markdown)
    page = render_chapter(styled, chapter, {c.path.as_posix(): c.id for c in book.chapters})
    body = etree.fromstring(page.html).find(".//div[@class='chapter-body']")
    return body, page.notes


def test_apa_prints_its_own_citation(loaded_small_book):
    body, _ = render_in_style(loaded_small_book, "apa", "Listen [@siegel2003, p. 12].\n")
    assert [text(s) for s in body.iter("span")] == ["(Siegel & Hartzell, 2003, p. 12)"]


def test_a_note_style_puts_the_citation_in_a_footnote_after_the_punctuation(loaded_small_book):
    body, notes = render_in_style(
        loaded_small_book,
        "chicago-note-bibliography",
        "One[^a] and two [@siegel1999, p. 3]. Again [@siegel1999, p. 4].\n\n[^a]: Mine.\n",
    )
    paragraph = body.find(".//p")
    assert text(paragraph) == "One1 and two.2 Again.3"
    assert [n.number for n in notes] == [1, 2, 3]
    assert text(etree.fromstring(f"<p>{notes[1].html}</p>")) == (
        "Daniel J. Siegel, The Developing Mind (Guilford Press, 1999), 3."
    )
    assert text(etree.fromstring(f"<p>{notes[2].html}</p>")) == "Siegel, The Developing Mind, 4."
    link = etree.fromstring(f"<p>{notes[1].html}</p>").find(".//a[@class='cite']")
    assert link.get("href") == "#work-siegel1999"


def test_a_note_style_citation_in_a_footnote_stays_there(loaded_small_book):
    body, notes = render_in_style(
        loaded_small_book, "chicago-note-bibliography", "Text.[^a]\n\n[^a]: See [@siegel1999].\n"
    )
    assert len(notes) == 1
    assert text(etree.fromstring(f"<p>{notes[0].html}</p>")) == (
        "See Daniel J. Siegel, The Developing Mind (Guilford Press, 1999)."
    )


def test_a_note_style_keeps_an_author_in_text_in_the_text(loaded_small_book):
    body, notes = render_in_style(
        loaded_small_book, "chicago-note-bibliography", "As @siegel1999 [p. 3] says.\n"
    )
    assert text(body.find(".//p")) == "As Daniel J. Siegel1 says."
    assert text(etree.fromstring(f"<p>{notes[0].html}</p>")) == (
        "The Developing Mind (Guilford Press, 1999), 3."
    )


def person(given: str, family: str, particle: str = "") -> Person:
    return Person(f"{given} {family}", family, given, particle=particle, particle_drops=True)


def work(key: str, title: str, *people: Person, kind: str = "book", year: str = "2000") -> Work:
    contributors = tuple(Contributor(p, "director" if kind == "film" else "author") for p in people)
    return Work(key, kind, title, Path("r.bib"), 1, contributors=contributors, year=year)


def test_works_are_sorted_by_name_without_particle_and_title_without_article():
    kolk = work("k", "The Body Keeps the Score", person("Bessel", "van der Kolk", "van der"))
    kundera = work("u", "Immortality", person("Milan", "Kundera"))
    jones = work("j", "Zebra", person("Ann", "Jones"))
    lost = work("l", "The Lost Daughter", kind="film")
    beautiful = work("b", "A Beautiful Mind", kind="film")
    mad = work("m", "Mad Max", kind="film")
    ordered = sorted(
        [kundera, lost, kolk, mad, jones, beautiful], key=lambda w: work_sort_key(w, "en")
    )
    assert [w.id for w in ordered] == ["b", "j", "k", "u", "l", "m"]
    assert title_sort_key("Les Misérables", "fr") == "miserables"  # accents aside
    assert title_sort_key("L’Étranger", "fr-FR") == "etranger"
    assert title_sort_key("The Lost Daughter", "fr") == "the lost daughter"


def test_every_field_goes_to_the_csl_item():
    full = Work(
        "x", "chapter", "Title", Path("r.bib"), 1, subtitle="Sub",
        contributors=(
            Contributor(person("Ann", "Author"), "author"),
            Contributor(person("Ed", "Editor"), "editor"),
            Contributor(person("Tom", "Translator"), "translator"),
            Contributor(person("Bessel", "van der Kolk", "van der"), "director"),
            Contributor(Person("World Health Organization"), "cast"),
        ),
        year="2001", publisher="Pub", container_title="Book", volume="3", issue="4",
        pages="5–9", edition="2", place="Oxford", doi="10.1/x", url="https://e.org", isbn="1",
        csl_type="chapter", csl_extra=(("issued", "2001-03-05"), ("collection-title", "Ser")),
    )  # fmt: skip
    assert csl_item(full) == {
        "id": "x", "type": "chapter", "title": "Title: Sub", "title-short": "Title",
        "author": [{"family": "Author", "given": "Ann"}],
        "editor": [{"family": "Editor", "given": "Ed"}],
        "translator": [{"family": "Translator", "given": "Tom"}],
        "director": [{"family": "Kolk", "given": "Bessel", "dropping-particle": "van der"}],
        "performer": [{"literal": "World Health Organization"}],
        "container-title": "Book", "publisher": "Pub", "publisher-place": "Oxford",
        "volume": "3", "issue": "4", "page": "5–9", "edition": "2", "DOI": "10.1/x",
        "ISBN": "1", "URL": "https://e.org",
        "issued": {"date-parts": [[2001, 3, 5]]}, "collection-title": "Ser",
    }  # fmt: skip


def test_a_film_entry_prints_its_director_once():
    film = work("f", "The Lost Daughter", person("Maggie", "Gyllenhaal"), kind="film", year="2021")
    formatter = CslFormatter([film], packaged_style_path("chicago-author-date"))
    assert formatter.entries() == {"f": "Gyllenhaal, Maggie, dir. 2021. <i>The Lost Daughter</i>."}
    assert formatter.entries_without_names(["f"]) == {"f": "<i>The Lost Daughter</i>. 2021."}


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("chicago-author-date", "(Siegel 1999, 3)"),
        ("apa", "(Siegel, 1999, p. 3)"),
        ("modern-language-association", "(Siegel 3)"),
    ],
)
def test_any_packaged_style_by_name(loaded_small_book, style, expected):
    body, _ = render_in_style(loaded_small_book, style, "Text [@siegel1999, p. 3].\n")
    assert [text(s) for s in body.iter("span")] == [expected]


def test_a_cluster_keeps_the_authors_order_unless_the_style_sorts_it(loaded_small_book):
    markdown = "First [@siegel2003]. Then [@siegel1999; @siegel2003].\n"
    body, _ = render_in_style(loaded_small_book, "chicago-author-date", markdown)
    assert [text(s) for s in body.iter("span")][1] == "(Siegel 1999; Siegel and Hartzell 2003)"
    body, _ = render_in_style(loaded_small_book, "apa", "Then [@siegel2003; @siegel1999].\n")
    assert [text(s) for s in body.iter("span")] == ["(Siegel, 1999; Siegel & Hartzell, 2003)"]


def test_a_numbered_entry_keeps_a_space_after_its_number():
    kolk = work("k", "The Body Keeps the Score", person("Bessel", "van der Kolk", "van der"))
    entries = CslFormatter([kolk], packaged_style_path("ieee")).entries()
    assert entries["k"].startswith("[1] B. van der Kolk, <i>The Body Keeps the Score</i>")


def test_a_chapters_cache_key_follows_the_style_and_the_books_citations(loaded_small_book):
    from makebook.cache import render_context
    from makebook.model import Citation

    book = loaded_small_book
    assert render_context(replace(book, citation_style="apa")) != render_context(book)
    first, *rest = book.chapters
    more = replace(first, citations=(*first.citations, Citation("siegel1999", 99)))
    assert render_context(replace(book, chapters=(more, *rest))) != render_context(book)


def test_a_numbered_style_gives_the_reading_list_no_numbers():
    kolk = work("k", "The Body Keeps the Score", person("Bessel", "van der Kolk", "van der"))
    texts = CslFormatter([kolk], packaged_style_path("ieee")).entries_without_names(["k"])
    assert texts == {"k": "<i>The Body Keeps the Score</i>. 2000."}


def test_formatters_over_the_same_works_share_the_parsed_works_and_cite_alike(loaded_small_book):
    """Every chapter has its own formatter; parsing the works again for each took half
    the time of rendering a chapter (issue 21), so they share what citeproc-py read."""
    works, style = loaded_small_book.works, packaged_style_path("chicago-author-date")
    one, other = CslFormatter(works, style), CslFormatter(works, style)
    assert one.source is other.source and one.cite_source is other.cite_source
    key = works[0].id
    first = one.cite([Citation(key, line=1, locator="p. 3")])
    assert other.cite([Citation(key, line=1, locator="p. 3")]) == first
    retitled = [replace(works[0], title=works[0].title + " Again"), *works[1:]]
    assert CslFormatter(retitled, style).source is not one.source
