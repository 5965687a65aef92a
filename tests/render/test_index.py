"""The back-of-book index: marks in the manuscript, filing order, merged locators, checks."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from tests.conftest import SMALL_CHAPTERS, chapter_text, copy_book, set_chapters, write

from makebook.manuscript.index_terms import find_index_marks, index_problems, person_term
from makebook.manuscript.loader import load_book
from makebook.model import IndexMark, Person
from makebook.render.index import merged, relabel_locators, sort_key


def filed(terms: list[str], mode: str) -> list[str]:
    return sorted(terms, key=lambda t: sort_key(t, mode))


TERMS = ["newt", "Newark", "New York", "new-born", "The Still Face", "attachment", "Bowlby-Smith",
         "Bowlby, John", "Éclair", "eagle"]  # fmt: skip


def test_word_by_word_files_a_space_before_a_letter() -> None:
    assert filed(TERMS, "word") == [
        "attachment", "Bowlby, John", "Bowlby-Smith", "eagle", "Éclair", "new-born", "New York",
        "Newark", "newt", "The Still Face",
    ]  # fmt: skip


def test_letter_by_letter_ignores_spaces_and_hyphens_up_to_the_comma() -> None:
    assert filed(TERMS, "letter") == [
        "attachment", "Bowlby, John", "Bowlby-Smith", "eagle", "Éclair", "Newark", "new-born",
        "newt", "New York", "The Still Face",
    ]  # fmt: skip


def test_a_leading_article_does_not_count_in_the_book_language() -> None:
    assert sort_key("The Lost Daughter")[0] == "lost daughter"
    assert sort_key("A Beautiful Day")[0] == "beautiful day"
    assert sort_key("La Haine", language="fr")[0] == "haine"
    assert sort_key("The")[0] == "the"  # nothing left: kept


def test_an_author_is_filed_under_the_family_name_without_its_particle() -> None:
    kolk = Person("Bessel van der Kolk", family="van der Kolk", given="Bessel", particle="van der")
    assert person_term(kolk) == "Kolk, Bessel van der"
    assert person_term(Person("Plato")) == "Plato"
    assert person_term(Person("John Bowlby", family="Bowlby", given="John")) == "Bowlby, John"


def test_one_page_prints_once_and_pages_in_a_row_collapse() -> None:
    items = [("5", "", False), ("5", "", False), ("6", "", False), ("9", "", False)]
    assert merged(items) == [(0, 2, False), (3, 3, False)]


def test_a_range_absorbs_pages_it_reaches_and_runs_on() -> None:
    items = [("12", "14", False), ("13", "", False), ("15", "", False), ("17", "", False)]
    assert merged(items) == [(0, 2, False), (3, 3, False)]


def test_a_mark_inside_the_entry_own_pages_is_left_out_and_the_main_stays_bold() -> None:
    items = [("3", "", False), ("33", "35", True), ("34", "", False), ("36", "", False)]
    assert merged(items) == [(0, 0, False), (1, 1, True), (3, 3, False)]


def test_front_matter_pages_are_roman_and_never_run_into_arabic_ones() -> None:
    items = [("iv", "", False), ("v", "", False), ("1", "", False)]
    assert merged(items) == [(0, 1, False), (2, 2, False)]


def test_section_names_merge_only_when_equal() -> None:
    items = [("Repair", "", False), ("Repair", "", False), ("Attunement", "", False)]
    assert merged(items) == [(0, 0, False), (2, 2, False)]  # in reading order


LOCATORS = """<li><span class="index-locators"><a class="index-locator" href="#a">A</a>, \
<a class="index-locator" href="#b">A</a>, <span class="index-range"><a class="index-locator" \
href="#c">A</a>\u2013<a class="index-locator" href="#c-end">A</a></span>, \
<a class="index-locator index-main" href="#d">A</a></span></li>"""


def test_locators_are_relabelled_as_text_or_into_an_attribute() -> None:
    pages = {"a": "5", "b": "6", "c": "8", "c-end": "10", "d": "12"}
    root = etree.fromstring(LOCATORS)
    relabel_locators(root, lambda link: pages[link.get("href")[1:]])
    assert "".join(root.itertext()) == "5\u20136, 8\u201310, 12"
    assert [a.get("href") for a in root.iter("a")] == ["#a", "#b", "#c", "#c-end", "#d"]
    assert "index-main" in root.findall(".//a")[-1].get("class")

    root = etree.fromstring(LOCATORS)
    relabel_locators(root, lambda link: pages[link.get("href")[1:]], "data-folio")
    assert [a.get("data-folio") for a in root.iter("a")] == ["5", "6", "8", "10", "12"]
    assert all(a.text == "" for a in root.iter("a"))  # never `<a/>`, which HTML reads open


def test_marks_are_found_at_their_lines_and_code_is_not_read() -> None:
    body = (
        'Text on [secure base]{.index} and [Bowlby]{.index term="Bowlby, John"}.\n'
        "`[not]{.index}` in code, and [a *word*]{.index term='attachment!secure'}.\n"
        "\n"
        '::: {.index term="repair"}\n'
        "A range.\n"
        ":::\n"
        "[@key]{.index} is a citation, [x]{.smallcaps} is not indexed.\n"
    )
    assert list(find_index_marks(body, 10)) == [
        IndexMark("secure base", 10),
        IndexMark("Bowlby, John", 10),
        IndexMark("attachment!secure", 11),
        IndexMark("repair", 13, is_range=True),
    ]


def test_a_span_text_loses_its_emphasis_as_a_term() -> None:
    assert [m.term for m in find_index_marks("[the *still*  face]{.index}", 1)] == [
        "the still face"
    ]


def test_marks_render_with_ids_and_terms_and_keep_their_text(render_body) -> None:  # type: ignore[no-untyped-def]
    body = render_body(
        'We [wait]{.index term="waiting!patient"} here.\n\n'
        '::: {.index term="range"}\nOne.\n\nTwo.\n:::\n'
    )
    span = body.find(".//span[@data-index]")
    assert span.text == "wait" and span.get("data-index") == "waiting!patient"
    assert span.get("id").endswith("-ix-1") and span.get("data-term") is None
    div = body.find(".//div[@data-index]")
    assert div.get("data-index") == "range" and div.get("term") is None
    end = div.findall(".//span[@class='index-end']")
    assert len(end) == 1 and end[0].get("id") == div.get("id") + "-end"
    assert end[0].getparent().tag == "p"  # at the end of the last words, not a line of its own
    assert "".join(body.itertext()).split() == ["We", "wait", "here.", "One.", "Two."]


def indexed_book(root: Path, toml_extra: str, chapters: dict[str, str]) -> Path:
    from tests.conftest import make_small_book

    book = make_small_book(root)
    for name, body in chapters.items():
        write(book / name, chapter_text(name.removesuffix(".md").title(), body))
    set_chapters(book, [*SMALL_CHAPTERS, *chapters])
    (book / "book.toml").write_text(
        (book / "book.toml").read_text(encoding="utf-8") + toml_extra, encoding="utf-8"
    )
    return book


def test_check_names_missing_see_targets_spelling_variants_and_empty_marks(tmp_path: Path) -> None:
    book = indexed_book(
        tmp_path / "book",
        '\n[index.see]\n"bonding" = "attachment"\n"closeness" = "nowhere"\n',
        {
            "three.md": "[Co-regulation]{.index} and [coregulation]{.index}.\n\n"
            '[attachment]{.index} and [x]{.index term="attachment!"}.\n',
        },
    )
    problems = index_problems(load_book(book))
    found = {(p.message, p.path and p.path.name, p.line) for p in problems}
    assert (
        "[index.see] sends 'closeness' to 'nowhere', which the index does not have",
        "book.toml",
        next(n for n, line in enumerate((book / "book.toml").read_text().splitlines(), 1)
             if line.startswith('"closeness"')),
    ) in found  # fmt: skip
    assert any("'Co-regulation' and 'coregulation'" in m and line == 5 for m, _, line in found)
    assert any("no term at one of its levels ('attachment!')" in m for m, _, _ in found)
    assert all(p.severity == "warning" for p in problems) and len(problems) == 3


def test_a_term_marked_once_in_a_long_book_is_named_only_when_asked(tmp_path: Path) -> None:
    filler = ("Words of an ordinary sentence that fills the long chapter. " * 5 + "\n\n") * 1100
    chapters = {"long.md": "[lonely]{.index} once, [twice]{.index} [twice]{.index}.\n\n" + filler}
    quiet = indexed_book(tmp_path / "quiet", "", chapters)
    assert index_problems(load_book(quiet)) == []
    asked = indexed_book(tmp_path / "asked", "\n[index]\nwarn_single = true\n", chapters)
    [problem] = index_problems(load_book(asked))
    assert problem.message == "'lonely' is marked for the index only once in a long book"
    assert problem.line == 5


def test_index_settings_are_read_and_checked(tmp_path: Path) -> None:
    from makebook.manuscript.config import load_config

    def config(extra: str):  # type: ignore[no-untyped-def]
        book = copy_book(Path(__file__).parents[2] / "manuscript", tmp_path / str(len(extra)))
        (book / "book.toml").write_text(
            (book / "book.toml").read_text(encoding="utf-8").split("\n[index]")[0] + extra,
            encoding="utf-8",
        )
        return load_config(book)

    settings = config('\n[index]\nsort = "letter-by-letter"\nfilms = false\n'
                      '[index.see_also]\n"a" = ["b", "c"]\n').index  # fmt: skip
    assert (settings.sort, settings.films, settings.authors) == ("letter", False, True)
    assert settings.xrefs[0].targets == ("b", "c") and settings.xrefs[0].also
    import pytest

    from makebook.errors import ManuscriptError

    with pytest.raises(ManuscriptError, match='must be "word"'):
        config('\n[index]\nsort = "alphabetical"\n')
    with pytest.raises(ManuscriptError, match="must name index terms"):
        config('\n[index.see]\n"a" = 3\n')


def test_pandoc_reads_the_same_words_from_a_manuscript_with_index_marks(render_body) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    import pytest

    pypandoc = pytest.importorskip("pypandoc")
    markdown = (
        'On a [secure base]{.index} with [Bowlby]{.index term="Bowlby, John"} and '
        '[working *models*]{.index term="attachment!working models"}.\n\n'
        '::: {.index term="repair"}\nA passage.\n:::\n'
    )
    html = subprocess.run(
        [pypandoc.get_pandoc_path(), "-f", "markdown", "-t", "html5"],
        input=markdown, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    theirs = etree.fromstring(f"<body>{html}</body>")
    ours = render_body(markdown)
    assert "".join(ours.itertext()).split() == "".join(theirs.itertext()).split()
    assert theirs.find(".//span[@class='index']").text == "secure base"  # pandoc keeps the span
    assert theirs.find(".//div[@class='index']").get("data-term") == "repair"
