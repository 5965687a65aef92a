"""BibTeX read as a citation manager reads it: LaTeX decoded, macros resolved,
every field Works Cited prints kept; checked on pandoc's test bibliography and
on a Zotero-style export, and against pandoc's own reading where pandoc is at hand."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from textwrap import dedent

import pytest
from lxml import etree

from conftest import (
    cli_build,
    copy_book,
    edit,
    epub_files,
    run_epubcheck,
    shared_corpus_file,
    write,
)
from makebook.manuscript.bibliography import parse_bibtex, parse_csl_json
from makebook.manuscript.csl_styles import packaged_style_path
from makebook.model import Person, Work
from makebook.render.appendices import entry_for
from makebook.render.csl import CslFormatter
from makebook.render.templating import environment, render_fragment

NBSP = "\u00a0"

# Written the way Zotero's BibTeX export writes (tabs, braces protecting capitals,
# accents as TeX), with the @string macros and `#` a hand-kept file adds.
ZOTERO = dedent(
    r"""
    @string{jams = "J. Amer. Math. Soc."}
    @string{oup = "Oxford University Press"}

    @book{bachelard_poetique_1970,
      address = {Paris},
      edition = {2},
      title = {La {Po{\'e}tique} de l'espace},
      publisher = {Presses universitaires de France},
      author = {Bachelard, Gaston},
      translator = {Jolas, Maria},
      year = {1970},
    }

    @article{muller_bridge_2004,
      title = {On {NASA} \& the {\O}resund {Bridge}: 1990--2000},
      volume = {17},
      doi = {10.1090/S0894-0347-04-00452-1},
      number = {3},
      journal = jams,
      author = {M{\"u}ller, J{\"o}rg and Bj{\o}rnsson, {\AA}sa and van der Kolk, Bessel},
      year = {2004},
      pages = {1--20},
    }

    @incollection{doe_ulysses_2007,
      address = {Oxford},
      title = {\emph{Ulysses} and the {Stream}{\textendash}a Reading},
      booktitle = "Essays on {Joyce} --- " # "the {Late} Years",
      publisher = oup,
      author = {Doe, John},
      editor = {Smith, Sam and Garc{\'\i}a M{\'a}rquez, Gabriel},
      year = {2007},
      pages = {33--54},
    }

    @misc{campion_piano_1993,
      title = {The {Piano}},
      url = {https://example.org/the\_piano~1?q=1},
      doi = {https://doi.org/10.5555/piano},
      publisher = {Miramax},
      author = {Campion, Jane},
      year = {1993},
      type = {Film},
    }
    """
).replace("\n  ", "\n\t")


def works_of(text: str) -> dict[str, Work]:
    return {w.id: w for w in parse_bibtex(text, Path("refs.bib"))}


def one_title(latex: str) -> str:
    (work,) = parse_bibtex(f"@book{{k,\n  title = {{{latex}}},\n}}\n", Path("r.bib"))
    return work.title


def names(work: Work, role: str) -> list[str]:
    return [p.name for p in work.people(role)]


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"{\'e}t{\'e}", "été"),
        (r"J{\"o}rg M\"uller", "Jörg Müller"),
        (r"Smith \& Sons", "Smith & Sons"),
        (r"{\o}re {\O}re {\aa}", "øre Øre å"),
        (r"Fran{\c c}ois \v{S}koda {\ss}", "François Škoda ß"),
        (r"1990{\textendash}2000", "1990–2000"),
        (r"1990--2000", "1990–2000"),
        (r"yes---no", "yes—no"),
        (r"p.~3", f"p.{NBSP}3"),
        (r"{NASA} and the {Moon}", "NASA and the Moon"),
        (r"\emph{Ulysses} and \textit{Dubliners}", "Ulysses and Dubliners"),
        (r"``Quoted''", "“Quoted”"),
        (r"50\% of \$5", "50% of $5"),
        (r"Growth of $x^2$ and $\alpha$", "Growth of x^2 and α"),
    ],
)
def test_latex_decoded_to_unicode(latex, text):
    assert one_title(latex) == text


def test_zotero_titles_decoded_exactly():
    works = works_of(ZOTERO)
    assert works["bachelard_poetique_1970"].title == "La Poétique de l'espace"
    bridge = works["muller_bridge_2004"]
    assert (bridge.title, bridge.subtitle) == ("On NASA & the Øresund Bridge", "1990–2000")
    assert works["doe_ulysses_2007"].title == "Ulysses and the Stream–a Reading"
    assert works["campion_piano_1993"].title == "The Piano"


def test_zotero_names_decoded_with_family_and_given():
    works = works_of(ZOTERO)
    assert works["muller_bridge_2004"].authors == (
        Person(name="Jörg Müller", family="Müller", given="Jörg"),
        Person(name="Åsa Bjørnsson", family="Bjørnsson", given="Åsa"),
        Person(name="Bessel van der Kolk", family="van der Kolk", given="Bessel"),
    )
    chapter = works["doe_ulysses_2007"]
    assert names(chapter, "author") == ["John Doe"]
    assert chapter.people("editor") == (
        Person(name="Sam Smith", family="Smith", given="Sam"),
        Person(name="Gabriel García Márquez", family="García Márquez", given="Gabriel"),
    )
    assert names(works["bachelard_poetique_1970"], "translator") == ["Maria Jolas"]


def test_string_macros_and_concatenation_resolved():
    works = works_of(ZOTERO)
    assert works["muller_bridge_2004"].container_title == "J. Amer. Math. Soc."
    chapter = works["doe_ulysses_2007"]
    assert chapter.publisher == "Oxford University Press"
    assert chapter.container_title == "Essays on Joyce — the Late Years"


def test_macro_names_are_case_insensitive_and_unknown_ones_kept():
    text = '@string{JAMS = "J. Amer. Math. Soc."}\n@article{a, title = {T}, journal = jams # { 2}, note = nope}\n'
    (work,) = parse_bibtex(text, Path("r.bib"))
    assert work.container_title == "J. Amer. Math. Soc. 2"


def test_article_keeps_volume_issue_pages_doi():
    bridge = works_of(ZOTERO)["muller_bridge_2004"]
    assert bridge.type == "article"
    assert (bridge.volume, bridge.issue, bridge.pages) == ("17", "3", "1–20")
    assert bridge.doi == "10.1090/S0894-0347-04-00452-1"
    assert bridge.year == "2004"


def test_book_keeps_edition_place_publisher():
    book = works_of(ZOTERO)["bachelard_poetique_1970"]
    assert (book.edition, book.place, book.publisher) == (
        "2",
        "Paris",
        "Presses universitaires de France",
    )


def test_zotero_film_is_a_film_directed_by_its_author():
    film = works_of(ZOTERO)["campion_piano_1993"]
    assert film.type == "film"
    assert names(film, "director") == ["Jane Campion"]
    assert film.authors == ()
    # URLs and DOIs are not text: TeX escapes undone, `~` kept, DOI bare.
    assert film.url == "https://example.org/the_piano~1?q=1"
    assert film.doi == "10.5555/piano"


@pytest.mark.parametrize(
    "entry",
    [
        "@movie{m, title = {Room}, director = {Abrahamson, Lenny}}",
        "@video{m, title = {Room}, editor = {Abrahamson, Lenny}, editortype = {director}}",
        "@misc{m, title = {Room}, author = {Abrahamson, Lenny}, howpublished = {Motion picture}}",
    ],
)
def test_biblatex_and_zotero_films_have_their_director(entry):
    (film,) = parse_bibtex(entry + "\n", Path("r.bib"))
    assert film.type == "film"
    assert names(film, "director") == ["Lenny Abrahamson"]
    assert film.people("editor") == ()


def test_misc_that_is_not_a_film_stays_other():
    (work,) = parse_bibtex("@misc{m, title = {Notes}, author = {A, B}}\n", Path("r.bib"))
    assert work.type == "other"
    assert names(work, "author") == ["B A"]


def test_braced_organisation_is_one_name():
    text = r"@book{b, title = {T}, author = {{Barnes and Noble} and {\'E}mile Zola}}" + "\n"
    (work,) = parse_bibtex(text, Path("r.bib"))
    assert work.authors == (
        Person(name="Barnes and Noble", family="Barnes and Noble"),
        Person(name="Émile Zola", family="Zola", given="Émile"),
    )


# --- pandoc's test bibliography -------------------------------------------------


def test_pandoc_test_bibliography():
    path = shared_corpus_file("pandoc-test-biblio.bib")
    works = {w.id: w for w in parse_bibtex(path.read_text(encoding="utf-8"), Path("b.bib"))}
    assert list(works) == ["item1", "item2", "пункт3"]
    book, article, chapter = works.values()
    assert (book.type, book.title, book.year) == ("book", "First Book", "2005")
    assert (book.publisher, book.place) == ("Cambridge University Press", "Cambridge")
    assert names(book, "author") == ["John Doe"]
    assert (article.type, article.title, article.container_title) == (
        "article",
        "Article",
        "Journal of Generic Studies",
    )
    assert (article.volume, article.pages, article.year) == ("6", "33–34", "2006")
    assert (chapter.type, chapter.title, chapter.container_title) == (
        "chapter",
        "Why Water Is Wet",
        "Third Book",
    )
    assert names(chapter, "author") == ["John Doe", "Jenny Roe"]
    assert names(chapter, "editor") == ["Sam Smith"]
    assert (chapter.publisher, chapter.place, chapter.year) == (
        "Oxford University Press",
        "Oxford",
        "2007",
    )


def pandoc_csl_json(bib: Path) -> str:
    pypandoc = pytest.importorskip("pypandoc")
    command = [pypandoc.get_pandoc_path(), str(bib), "-f", "biblatex", "-t", "csljson"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


COMPARED = ("type", "container_title", "volume", "issue", "pages", "doi", "year", "publisher")


def comparable(work: Work) -> dict[str, object]:
    """What both readings should agree on. Pandoc sentence-cases titles and container
    titles for CSL (makebook keeps them as written), curls apostrophes, makes
    `van der` a dropping particle outside the family name (makebook keeps it in)."""
    fields = {name: getattr(work, name) for name in COMPARED}
    for name in ("title", "container_title"):
        fields[name] = getattr(work, name).casefold().replace("\u2019", "'")
    fields["subtitle"] = work.subtitle.casefold()
    # pandoc reads `{\'\i}` as a dotless i with a combining acute; makebook as í.
    fields["contributors"] = [
        (c.role, c.person.name.replace("\u0131\u0301", "í")) for c in work.contributors
    ]
    return fields


@pytest.mark.parametrize("source", ["corpus", "zotero"])
def test_same_fields_as_pandoc_reads(source, tmp_path):
    if source == "corpus":
        bib = shared_corpus_file("pandoc-test-biblio.bib")
    else:
        bib = tmp_path / "zotero.bib"
        # pandoc drops `{\textendash}` and keeps `\emph` as markup: left out here.
        bib.write_text(ZOTERO.replace(r"\emph{Ulysses}", "Ulysses").replace("{\\textendash}", "--"))
    ours = {w.id: w for w in parse_bibtex(bib.read_text(encoding="utf-8"), Path("b.bib"))}
    pandoc_json = tmp_path / "pandoc.json"
    pandoc_json.write_text(pandoc_csl_json(bib))
    theirs = {w.id: w for w in parse_csl_json(pandoc_json.read_text(), Path("p.json"))}
    assert list(theirs) == list(ours)
    for key, work in ours.items():
        mine, pandocs = comparable(work), comparable(theirs[key])
        if work.is_film and theirs[key].type == "other":
            # pandoc reads Zotero's `@misc` film as a CSL entry without type, its
            # director as author; makebook reads it as Zotero wrote it.
            mine["type"], mine["contributors"] = "other", [("author", "Jane Campion")]
        assert mine == pandocs, key


# --- what the appendices print ---------------------------------------------------


def cited_entries(works: list[Work]) -> dict[str, etree._Element]:
    formatter = CslFormatter(works, packaged_style_path("chicago-author-date"))
    texts = formatter.entries()
    html = render_fragment(
        environment(),
        "cited.xhtml.j2",
        page_id="appendix-cited",
        title="Works Cited",
        quote_marks=("\u201c", "\u201d"),
        entries=[entry_for(w, {}, texts[w.id]) for w in works],
    )
    root = etree.fromstring(html)
    return {li.get("id"): li for li in root.iter("{*}li")}


def plain(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_works_cited_prints_volume_issue_pages_doi_editors():
    """Chicago author-date (the default style), as pandoc's citeproc prints it."""
    entries = cited_entries(list(works_of(ZOTERO).values()))
    assert plain(entries["work-muller_bridge_2004"]) == (
        "Müller, Jörg, Åsa Bjørnsson, and Bessel van der Kolk. 2004. "
        "“On NASA & the Øresund Bridge: 1990–2000.” J. Amer. Math. Soc. 17 (3): 1–20. "
        "https://doi.org/10.1090/S0894-0347-04-00452-1."
    )
    link = entries["work-muller_bridge_2004"].find(".//{*}a[@class='url']")
    assert link.get("href") == "https://doi.org/10.1090/S0894-0347-04-00452-1"
    assert plain(entries["work-doe_ulysses_2007"]) == (
        "Doe, John. 2007. “Ulysses and the Stream–a Reading.” In Essays on Joyce — the Late "
        "Years, edited by Sam Smith and Gabriel García Márquez. Oxford University Press."
    )
    assert plain(entries["work-bachelard_poetique_1970"]) == (
        "Bachelard, Gaston. 1970. La Poétique de l’espace. 2nd ed. Translated by Maria Jolas. "
        "Presses universitaires de France."
    )
    assert plain(entries["work-campion_piano_1993"]).startswith(
        "Campion, Jane, dir. 1993. The Piano. Film. Miramax."
    )


def test_csl_json_fills_the_same_fields():
    text = json.dumps(
        [
            {
                "id": "a",
                "type": "article-journal",
                "title": "T",
                "container-title": "J",
                "volume": 6,
                "issue": "2",
                "page": "33-34",
                "DOI": "https://doi.org/10.1/x",
                "edition": "3",
                "publisher-place": "Oxford",
            }
        ]
    )
    (work,) = parse_csl_json(text, Path("r.json"))
    assert (work.volume, work.issue, work.pages, work.doi, work.edition, work.place) == (
        "6",
        "2",
        "33–34",
        "10.1/x",
        "3",
        "Oxford",
    )


# --- in a built book ---------------------------------------------------------------

SMALL_BIB = r"""
@book{siegel2003,
  author = {Siegel, Daniel J. and Hartzell, Mary},
  title = {Parenting from the {Inside} Out: How a Deeper Self-Understanding Can Help},
  publisher = {Tarcher},
  address = {New York},
  edition = {2},
  year = {2003},
  doi = {10.1000/parenting\_2003},
  keywords = {suggested},
}
"""


def test_epub_with_a_bibtex_doi_passes_epubcheck(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    edit(book / "book.toml", 'files = ["refs.yaml"]', 'files = ["refs.yaml", "refs.bib"]')
    yaml_text = (book / "refs.yaml").read_text()
    start, end = yaml_text.index("  - id: siegel2003"), yaml_text.index("  - id: siegel1999")
    (book / "refs.yaml").write_text(yaml_text[:start] + yaml_text[end:])
    write(book / "refs.bib", SMALL_BIB)
    result = cli_build(book, tmp_path / "out", "epub")
    assert result.exit_code == 0, result.output
    (epub,) = (tmp_path / "out").rglob("*.epub")
    cited = next(v for k, v in epub_files(epub).items() if "appendix-cited" in k).decode()
    assert 'href="https://doi.org/10.1000/parenting_2003"' in cited
    assert (
        "2003. <i>Parenting from the Inside Out" in cited and "2nd ed. Tarcher." in cited
    )  # Chicago 18th
    report = run_epubcheck(epub, tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nError"] == report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages
