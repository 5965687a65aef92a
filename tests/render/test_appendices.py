"""The generated reading appendices, read from the rendered book."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from conftest import DEMO, copy_book, edit
from makebook.manuscript.bibliography import family_particle
from makebook.manuscript.loader import load_book
from makebook.model import Person
from makebook.render.book import part_label_and_name, render_book
from makebook.render.csl import title_sort_key


def rendered_pages(book: Path) -> dict[str, etree._Element]:
    return {p.id: etree.fromstring(p.html) for p in render_book(load_book(book)).pages}


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def book_with_settings(small_book: Path, tmp_path: Path, extra_toml: str = "") -> Path:
    """A copy of the small book with `extra_toml` added to its book.toml."""
    book = copy_book(small_book, tmp_path / "book")
    if extra_toml:
        toml = book / "book.toml"
        toml.write_text(toml.read_text() + "\n" + extra_toml)
    return book


def test_reading_groups_books_by_first_author_and_credits_co_authors(small_book):
    reading = rendered_pages(small_book)["appendix-reading"]
    groups = reading.findall(".//section[@class='author-group']")
    assert [text(g.find("h2")) for g in groups] == ["Daniel J. Siegel"]
    works = [text(li) for li in groups[0].findall(".//li")]
    assert len(works) == 2
    assert works[0].startswith("Parenting from the Inside Out: How a Deeper Self-Understanding")
    assert "(with Mary Hartzell)" in works[0]
    assert "with" not in works[1].split("(")[0] and "Hartzell" not in works[1]


def test_demo_reading_lists_each_author_once_alphabetically():
    book = load_book(DEMO)
    reading = {p.id: etree.fromstring(p.html) for p in render_book(book).pages}["appendix-reading"]
    authors = [text(h) for h in reading.iterfind(".//h2[@class='author-name']")]
    assert len(authors) == len(set(authors)) >= 8
    lead = {}
    for work in book.works:
        people = work.authors or work.people("editor")
        if people:
            lead.setdefault(people[0].name, people[0].sort_key)
    keys = [lead[a] for a in authors]
    assert keys == sorted(keys)
    siegel = next(
        g for g in reading.iterfind(".//section[@class='author-group']") if "Siegel" in text(g)
    )
    assert len(siegel.findall(".//li")) >= 3
    assert "with Mary Hartzell" in text(siegel)


def test_as_listed_order_keeps_the_bibliography_order(small_book, tmp_path):
    book = book_with_settings(small_book, tmp_path, '[appendices.reading]\norder = "as-listed"\n')
    reading = rendered_pages(book)["appendix-reading"]
    entries = [text(li) for li in reading.iterfind(".//li")]  # each opens with its title
    assert entries[0].startswith("Parenting") and entries[1].startswith("The Developing Mind.")


def test_films_show_year_director_cast_and_annotation(small_book):
    films = rendered_pages(small_book)["appendix-films"]
    entry = text(films.find(".//li"))
    assert entry.startswith("Room (2015)")
    assert "Directed by Lenny Abrahamson; with Brie Larson and Jacob Tremblay" in entry
    assert "A mother and son" in entry


def test_works_cited_link_back_to_each_citing_passage(small_book):
    pages = rendered_pages(small_book)
    cited = pages["appendix-cited"]
    entry = cited.find(".//li[@id='work-siegel2003']")
    links = entry.findall(".//p[@class='discussed-in']/a")
    assert [a.text for a in links] == ["The First Essay", "A Short Note"]
    for link in links:
        target = link.get("href")[1:]
        chapter = next(p for p in pages.values() if p.find(f".//*[@id='{target}']") is not None)
        cite = chapter.find(f".//*[@id='{target}']")
        assert cite.get("href") == "#work-siegel2003"
    # and each citation in a chapter links forward to its work
    first = pages["one"]
    citation = first.find(".//span[@class='citation']/a")
    assert citation.get("href") == "#work-siegel2003"
    assert text(citation) == "Siegel and Hartzell 2003, 12"  # Chicago author-date, as pandoc


def test_keys_that_differ_only_in_other_characters_keep_their_own_entries(small_book, tmp_path):
    """`пункт3`, `точка3` (BibTeX keys from a Russian library) and `smith.2001` beside
    `smith-2001` once shared an id: EPUBCheck failed and a citation led to the wrong work."""
    book = copy_book(small_book, tmp_path / "book")
    refs = book / "refs.yaml"
    keys = ["пункт3", "точка3", "smith.2001", "smith-2001"]
    refs.write_text(
        refs.read_text()
        + "".join(
            f"  - id: {key}\n    type: book\n    title: Work {n}\n    author: [{{family: Roe, given: A}}]\n"
            f"    issued: 200{n}\n    suggested: true\n"
            for n, key in enumerate(keys)
        )
    )
    edit(
        book / "one.md",
        "[@siegel2003, p. 12]",
        "[@siegel2003, p. 12; " + "; ".join(f"@{k}" for k in keys) + "]",
    )
    pages = rendered_pages(book)
    cited = pages["appendix-cited"]
    ids = [li.get("id") for li in cited.iterfind(".//li")]
    assert len(ids) == len(set(ids))
    reading_ids = [li.get("id") for li in pages["appendix-reading"].iterfind(".//li[@id]")]
    assert len(reading_ids) == len(set(reading_ids))
    years = []
    for link in pages["one"].iterfind(".//span[@class='citation']/a"):  # each to its own work
        entry = cited.find(f".//li[@id='{link.get('href')[1:]}']")
        year = re.search(r"\b(?:19|20)\d\d\b", text(link)).group()  # 2000, 2001... each once
        assert year in text(entry)
        years.append(year)
    assert sorted(years) == ["2000", "2001", "2002", "2003", "2003"]  # Siegel's 2003 too
    assert "work-smith-2001" in ids  # a plain key keeps its plain id


def test_glossary_lists_concepts_with_taglines_and_links(small_book):
    glossary = rendered_pages(small_book)["appendix-glossary"]
    assert text(glossary.find(".//dt")) == "The Idea"
    assert glossary.find(".//dt/a").get("href") == "#the-idea"
    assert text(glossary.find(".//dd")) == "One line about the idea."


def test_appendices_can_be_renamed_or_switched_off(small_book, tmp_path):
    book = book_with_settings(
        small_book,
        tmp_path,
        '[appendices.films]\nenabled = false\n[appendices.cited]\ntitle = "Sources"\n',
    )
    pages = rendered_pages(book)
    assert "appendix-films" not in pages
    assert text(pages["appendix-cited"].find("header/h1")) == "Sources"


def test_citations_without_works_cited_are_plain_text_without_warnings(small_book, tmp_path):
    """Switching Works Cited off is the author's choice: the citations' links to it are
    makebook's, so they go without a warning (one a citation, with no line, before)."""
    book = book_with_settings(small_book, tmp_path, "[appendices.cited]\nenabled = false\n")
    rendered = render_book(load_book(book))
    assert not [w for page in rendered.pages for w in page.warnings if "link to" in w.message]
    one = etree.fromstring(next(p for p in rendered.pages if p.id == "one").html)
    citation = one.find(".//span[@class='citation']")
    assert citation.find("a") is None
    assert text(citation) == "(Siegel and Hartzell 2003, 12)"


def test_an_appendix_without_entries_is_left_out(small_book, tmp_path):
    book = book_with_settings(small_book, tmp_path)
    refs = book / "refs.yaml"
    refs.write_text(refs.read_text().split("  - id: room2015")[0])
    (book / "two.md").write_text(
        "---\nkind: note\ntitle: A Short Note\n---\nNo film here [@siegel1999].\n"
    )
    pages = rendered_pages(book)
    assert "appendix-films" not in pages
    assert "appendix-reading" in pages


def with_preface(small_book: Path, tmp_path: Path, body: str) -> Path:
    """The small book with a preface in its front matter."""
    book = book_with_settings(small_book, tmp_path)
    (book / "preface.md").write_text(f"---\ntitle: Preface\n---\n{body}\n")
    toml = book / "book.toml"
    toml.write_text(
        toml.read_text().replace("[contents]\n", '[contents]\nfront = ["preface.md"]\n')
    )
    return book


def test_works_cited_in_front_matter_are_listed_too(small_book, tmp_path):
    book = with_preface(small_book, tmp_path, "As shown before [@room2015].")
    pages = rendered_pages(book)
    entry = pages["appendix-cited"].find(".//li[@id='work-room2015']")
    assert [a.text for a in entry.findall(".//p[@class='discussed-in']/a")] == [
        "Preface",
        "A Short Note",
    ]


def test_a_work_cited_only_in_a_footnote_is_listed_and_its_citation_links_to_it(
    small_book, tmp_path
):
    book = with_preface(small_book, tmp_path, "A thought.[^1]\n\n[^1]: As argued in [@room2015].")
    rendered = render_book(load_book(book))
    cited = next(p for p in rendered.pages if p.id == "appendix-cited")
    entry = etree.fromstring(cited.html).find(".//li[@id='work-room2015']")
    links = entry.findall(".//p[@class='discussed-in']/a")
    assert [a.text for a in links] == ["Preface", "A Short Note"]
    preface = next(p for p in rendered.pages if p.id == "preface")
    (note,) = preface.notes
    assert f'id="{links[0].get("href")[1:]}"' in note.html and "#work-room2015" in note.html


def test_a_link_to_nothing_in_a_footnote_is_unlinked_with_a_warning(small_book, tmp_path):
    note = "[^1]: See [there](#nowhere), and [@room2015]."
    book = with_preface(small_book, tmp_path, f"A thought.[^1]\n\n{note}")
    rendered = render_book(load_book(book))
    preface = next(p for p in rendered.pages if p.id == "preface")
    (note,) = preface.notes
    assert "#nowhere" not in note.html and "See there, and" in note.html
    assert '<a class="cite" href="#work-room2015"' in note.html  # a live link stays
    assert any("'#nowhere'" in w.message for w in preface.warnings)


def test_discussed_in_links_are_page_references_in_the_locales_words(small_book, tmp_path):
    """print.css prints each link's page after it ("The First Essay, p. 3"), with the word
    the citation style's locale has for a page; the EPUB keeps the links."""
    links = rendered_pages(small_book)["appendix-cited"].findall(".//p[@class='discussed-in']/a")
    assert links and all(a.get("class") == "pageref" for a in links)
    assert {a.get("data-page-label") for a in links} == {"p."}
    german = book_with_settings(small_book, tmp_path)
    edit_toml = german / "book.toml"
    edit_toml.write_text(re.sub(r'language = "[^"]*"', 'language = "de"', edit_toml.read_text()))
    links = rendered_pages(german)["appendix-cited"].findall(".//p[@class='discussed-in']/a")
    assert {a.get("data-page-label") for a in links} == {"S."}


def test_films_sort_without_their_leading_article_and_show_their_director():
    """The demo lists its films by title (order = "alphabetical"), as a library files
    them: "A Beautiful Day" under B, "The Lost Daughter" under L."""
    films = rendered_pages(DEMO)["appendix-films"]
    titles = [text(c) for c in films.iterfind(".//li/cite")]
    assert titles[:3] == ["Aftersun", "A Beautiful Day in the Neighborhood", "The Florida Project"]
    assert titles.index("The Lost Daughter") < titles.index("Manchester by the Sea")
    for entry in films.iterfind(".//li"):
        assert "Directed by " in text(entry.find("span[@class='credits']"))


@pytest.mark.parametrize(
    ("language", "titles", "expected"),
    [
        ("en", ["The Zone of Interest", "A Beautiful Mind", "Room"], ["A Beautiful Mind", "Room", "The Zone of Interest"]),
        ("fr-FR", ["Les Quatre Cents Coups", "L’Argent", "La Haine", "Amour"], ["Amour", "L’Argent", "La Haine", "Les Quatre Cents Coups"]),
        ("de", ["Das Boot", "Der Himmel über Berlin", "Die Blechtrommel", "Chinatown"], ["Die Blechtrommel", "Das Boot", "Chinatown", "Der Himmel über Berlin"]),
        # Accents aside, as a library files them: not after Z, as code points would.
        ("fr", ["Le Samouraï", "Élise", "Insomnia", "L’Ève future", "Zazie"], ["Élise", "L’Ève future", "Insomnia", "Le Samouraï", "Zazie"]),
        ("de", ["Ödland", "Zorn", "Oben"], ["Oben", "Ödland", "Zorn"]),
    ],
)  # fmt: skip
def test_titles_sort_without_the_articles_of_the_books_language(language, titles, expected):
    assert sorted(titles, key=lambda t: title_sort_key(t, language)) == expected


def test_names_and_concepts_sort_accents_aside():
    names = [Person("Émile Zola", "Zola", "Émile"), Person("Paul Éluard", "Éluard", "Paul"),
             Person("Umberto Eco", "Eco", "Umberto")]  # fmt: skip
    ordered = sorted(names, key=lambda p: p.sort_key)
    assert [p.family for p in ordered] == ["Eco", "Éluard", "Zola"]


def test_page_ranges_take_an_en_dash(small_book, tmp_path):
    book = with_preface(small_book, tmp_path, "As shown [@siegel1999, pp. 12-15; @tronick1978].")
    refs = book / "refs.yaml"
    article = """  - id: tronick1978
    type: article-journal
    title: The Infant's Response to Entrapment
    author: [{family: Tronick, given: Edward}]
    container-title: Journal of the American Academy of Child Psychiatry
    volume: 17
    page: 1-13
    issued: 1978
    suggested: true
"""
    refs.write_text(refs.read_text() + article)
    pages = rendered_pages(book)
    assert "12\u201315" in text(pages["preface"])
    for appendix in ("appendix-cited", "appendix-reading"):
        listed = text(pages[appendix])
        assert "Entrapment" in listed and "1\u201313" in listed and "1-13" not in listed


def test_a_part_page_sets_its_label_and_name_on_lines_of_their_own():
    assert part_label_and_name("Part Two: A Small Lexicon of Being Seen") == (
        "Part Two",
        "A Small Lexicon of Being Seen",
    )
    assert part_label_and_name("Deuxième partie : Le lexique") == ("Deuxième partie", "Le lexique")
    # No short label before a colon: the title stands alone.
    assert part_label_and_name("Interlude") == ("", "Interlude")
    assert part_label_and_name("What we learned from the long winter: notes") == (
        "",
        "What we learned from the long winter: notes",
    )
    part = rendered_pages(DEMO)["part-part-two-a-small-lexicon-of-being-seen"]
    heading = part.find(".//h1")
    assert [text(span) for span in heading] == ["Part Two", "A Small Lexicon of Being Seen"]
    assert heading.get("data-title") == "Part Two: A Small Lexicon of Being Seen"


def test_a_family_name_written_whole_gives_its_particle_as_citeproc_js_reads_it():
    assert family_particle("van der Kolk") == "van der"
    assert family_particle("de Beauvoir") == "de"
    assert family_particle("Van Gogh") == ""
    assert family_particle("Kolk") == ""
    assert family_particle("bell hooks") == ""  # lower case throughout: no particle
    book = load_book(DEMO)
    kolk = next(w for w in book.works if w.id == "vanderkolk2014").authors[0]
    assert (kolk.particle, kolk.bare_family, kolk.sort_key[:5]) == ("van der", "Kolk", "kolk,")
