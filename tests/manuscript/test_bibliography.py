"""Bibliography readers: CSL-YAML, CSL-JSON and BibTeX into `Work` records."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from makebook.errors import ManuscriptError
from makebook.manuscript.bibliography import (
    load_bibliography,
    parse_bibliography,
    parse_bibtex,
    parse_csl_json,
    parse_csl_yaml,
    split_title,
)
from makebook.manuscript.text import read_text
from makebook.model import Person


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def only_problem(exc: pytest.ExceptionInfo[ManuscriptError]):
    assert len(exc.value.problems) == 1, exc.value.problems
    return exc.value.problems[0]


def by_id(works):
    return {w.id: w for w in works}


# --- CSL-YAML -------------------------------------------------------------------

YAML_LIST = dedent(
    """
    # Books first
    - id: siegel2003
      type: book
      title: "Parenting from the Inside Out: How a Deeper Self-Understanding Can Help"
      author:
        - {family: Siegel, given: Daniel J.}
        - {family: Hartzell, given: Mary}
      issued: {date-parts: [[2003, 5, 1]]}
      publisher: Tarcher
      ISBN: 978-1-58542-295-6
      URL: https://example.org/parenting
      annote: A practical book.
      suggested: true

    - id: tronick2007
      type: article-journal
      title: The Still-Face Paradigm
      container-title: Infant Behavior
      author: [{family: Tronick, given: Ed}]
      issued: 2007
      keyword: research, Suggested

    - id: room2015
      type: motion_picture
      title: Room
      director: [{family: Abrahamson, given: Lenny}]
      cast-member: [{family: Larson, given: Brie}, {family: Tremblay, given: Jacob}]
      issued: "2015-10-16"
    """
)


def test_csl_yaml_list_reads_every_field():
    works = parse_csl_yaml(YAML_LIST, Path("refs.yaml"))

    assert [w.id for w in works] == ["siegel2003", "tronick2007", "room2015"]
    book = works[0]
    assert book.type == "book"
    assert book.title == "Parenting from the Inside Out"
    assert book.subtitle == "How a Deeper Self-Understanding Can Help"
    assert book.year == "2003"
    assert book.publisher == "Tarcher"
    assert book.isbn == "978-1-58542-295-6"
    assert book.url == "https://example.org/parenting"
    assert book.annotation == "A practical book."
    assert book.suggested is True
    assert book.source == Path("refs.yaml")

    article = works[1]
    assert article.type == "article"
    assert article.container_title == "Infant Behavior"
    assert article.year == "2007"
    assert article.subtitle == ""


def test_csl_yaml_line_of_each_entry():
    works = parse_csl_yaml(YAML_LIST, Path("refs.yaml"))
    lines = YAML_LIST.split("\n")
    for work in works:
        assert lines[work.line - 1] == f"- id: {work.id}"
    assert [w.line for w in works] == [2, 15, 23]


def test_csl_yaml_references_form_with_lines():
    text = dedent(
        """
        title: My refs
        references:
          - id: a
            title: First
          - id: b
            title: Second
        """
    )
    works = parse_csl_yaml(text, Path("refs.yml"))
    assert [(w.id, w.title, w.line) for w in works] == [("a", "First", 3), ("b", "Second", 5)]


def test_csl_yaml_authors_keep_order_and_names():
    works = parse_csl_yaml(YAML_LIST, Path("refs.yaml"))
    authors = works[0].authors
    assert authors == (
        Person(name="Daniel J. Siegel", family="Siegel", given="Daniel J."),
        Person(name="Mary Hartzell", family="Hartzell", given="Mary"),
    )


def test_csl_yaml_three_authors_order_preserved():
    text = dedent(
        """
        - id: x
          title: X
          author:
            - {family: Cyan, given: C}
            - {family: Alpha, given: A}
            - {family: Blue, given: B}
        """
    )
    (work,) = parse_csl_yaml(text, Path("refs.yaml"))
    assert [p.family for p in work.authors] == ["Cyan", "Alpha", "Blue"]


def test_csl_yaml_literal_and_particle_names():
    text = dedent(
        """
        - id: x
          title: X
          author:
            - {literal: Studio Ghibli}
            - {family: Kolk, given: Bessel, non-dropping-particle: van der}
          editor: [{family: Editor, given: Ed}]
          translator: [{family: Trans, given: Tina}]
        """
    )
    (work,) = parse_csl_yaml(text, Path("refs.yaml"))
    assert work.authors[0] == Person(name="Studio Ghibli")
    assert work.authors[1] == Person(
        name="Bessel van der Kolk", family="van der Kolk", given="Bessel"
    )
    assert [c.role for c in work.contributors] == ["author", "author", "editor", "translator"]
    assert work.people("editor")[0].name == "Ed Editor"
    assert work.people("translator")[0].name == "Tina Trans"


def test_csl_yaml_director_and_cast_become_roles():
    works = parse_csl_yaml(YAML_LIST, Path("refs.yaml"))
    film = works[2]
    assert film.type == "film"
    assert film.is_film
    assert film.authors == ()
    assert [p.name for p in film.people("director")] == ["Lenny Abrahamson"]
    assert [p.name for p in film.people("cast")] == ["Brie Larson", "Jacob Tremblay"]
    assert film.year == "2015"


def test_csl_yaml_performer_is_cast():
    text = "- id: f\n  type: motion_picture\n  title: F\n  performer: [{family: Star, given: A}]\n"
    (work,) = parse_csl_yaml(text, Path("refs.yaml"))
    assert [(c.role, c.person.name) for c in work.contributors] == [("cast", "A Star")]


@pytest.mark.parametrize(
    ("issued", "year"),
    [
        ("{date-parts: [[1999]]}", "1999"),
        ("{date-parts: [[1999, 12, 31]]}", "1999"),
        ("1999", "1999"),
        ('"2004-03-02"', "2004"),
        ('"2004"', "2004"),
        ("{literal: circa 1900}", "circa 1900"),
        ("{raw: 2010-05-01}", "2010"),
    ],
)
def test_csl_yaml_issued_forms(issued, year):
    text = f"- id: x\n  title: X\n  issued: {issued}\n"
    (work,) = parse_csl_yaml(text, Path("refs.yaml"))
    assert work.year == year


def test_csl_yaml_without_issued_has_no_year():
    (work,) = parse_csl_yaml("- id: x\n  title: X\n", Path("refs.yaml"))
    assert work.year == ""


@pytest.mark.parametrize(
    ("extra", "suggested"),
    [
        ("suggested: true", True),
        ("suggested: false", False),
        ("keyword: suggested", True),
        ("keyword: psychology, Suggested", True),
        ("keyword: psychology; suggested", True),
        ("keyword: [psychology, suggested]", True),
        ("keyword: psychology, unsuggested", False),
        ("keyword: psychology", False),
        ("type: book", False),
    ],
)
def test_csl_suggested_flag(extra, suggested):
    text = f"- id: x\n  title: X\n  {extra}\n"
    (work,) = parse_csl_yaml(text, Path("refs.yaml"))
    assert work.suggested is suggested


@pytest.mark.parametrize(
    ("csl_type", "kind"),
    [
        ("book", "book"),
        ("motion_picture", "film"),
        ("broadcast", "film"),
        ("article-journal", "article"),
        ("article-magazine", "article"),
        ("chapter", "chapter"),
        ("webpage", "webpage"),
        ("report", "book"),
        ("song", "other"),
    ],
)
def test_csl_types(csl_type, kind):
    (work,) = parse_csl_yaml(f"- id: x\n  title: X\n  type: {csl_type}\n", Path("r.yaml"))
    assert work.type == kind


def test_csl_explicit_subtitle_keeps_title_whole():
    text = '- id: x\n  title: "Part One: Beginnings"\n  subtitle: "  A   Story "\n'
    (work,) = parse_csl_yaml(text, Path("refs.yaml"))
    assert (work.title, work.subtitle) == ("Part One: Beginnings", "A Story")


def test_split_title():
    assert split_title("Room") == ("Room", "")
    assert split_title("A: B: C") == ("A", "B: C")
    assert split_title("Ratio 1:2") == ("Ratio 1:2", "")
    assert split_title("Trailing: ") == ("Trailing:", "")


def test_csl_yaml_empty_file_has_no_works():
    assert parse_csl_yaml("", Path("refs.yaml")) == []
    assert parse_csl_yaml("references:\n", Path("refs.yaml")) == []


def test_csl_yaml_entry_without_id_names_its_line():
    text = "- id: a\n  title: A\n- title: No id here\n"
    with pytest.raises(ManuscriptError) as exc:
        parse_csl_yaml(text, Path("refs.yaml"))
    problem = only_problem(exc)
    assert problem.path == Path("refs.yaml")
    assert problem.line == 3
    assert "without an `id`" in problem.message


def test_csl_yaml_entry_without_title_names_its_line():
    text = "- id: a\n  title: A\n\n- id: b\n  type: book\n"
    with pytest.raises(ManuscriptError) as exc:
        parse_csl_yaml(text, Path("refs.yaml"))
    problem = only_problem(exc)
    assert problem.line == 4
    assert "'b' has no title" in problem.message


def test_csl_yaml_author_not_a_list_is_an_error():
    text = "- id: a\n  title: A\n  author: Siegel\n"
    with pytest.raises(ManuscriptError) as exc:
        parse_csl_yaml(text, Path("refs.yaml"))
    problem = only_problem(exc)
    assert "`author` must be a list" in problem.message
    assert problem.line == 1


def test_csl_yaml_mapping_without_references_is_an_error():
    with pytest.raises(ManuscriptError) as exc:
        parse_csl_yaml("id: a\ntitle: A\n", Path("refs.yaml"))
    assert "references" in only_problem(exc).message


def test_csl_yaml_malformed_yaml_has_line():
    text = "- id: a\n  title: A\n- id: b\n  title: [unclosed\n  year: 3\n"
    with pytest.raises(ManuscriptError) as exc:
        parse_csl_yaml(text, Path("refs.yaml"))
    problem = only_problem(exc)
    assert problem.message.startswith("malformed YAML")
    assert problem.path == Path("refs.yaml")
    assert problem.line is not None and 4 <= problem.line <= 6


# --- CSL-JSON -------------------------------------------------------------------

CSL_JSON = dedent(
    """
    [
      {"id": "siegel2003", "type": "book",
       "title": "Parenting from the Inside Out: How a Deeper Self-Understanding",
       "author": [{"family": "Siegel", "given": "Daniel J."},
                  {"family": "Hartzell", "given": "Mary"}],
       "issued": {"date-parts": [[2003]]},
       "publisher": "Tarcher", "ISBN": "9781585422956",
       "keyword": "parenting, suggested"},
      {"id": "room2015", "type": "motion_picture", "title": "Room",
       "director": [{"family": "Abrahamson", "given": "Lenny"}],
       "cast-member": [{"family": "Larson", "given": "Brie"}],
       "issued": "2015",
       "annotation": "A film.",
       "suggested": true},
      {"id": "web", "type": "webpage", "title": "A Page", "URL": "https://example.org",
       "container-title": "Example"}
    ]
    """
)


def test_csl_json_reads_every_field():
    works = by_id(parse_csl_json(CSL_JSON, Path("refs.json")))
    book = works["siegel2003"]
    assert (book.type, book.title, book.subtitle) == (
        "book",
        "Parenting from the Inside Out",
        "How a Deeper Self-Understanding",
    )
    assert [p.name for p in book.authors] == ["Daniel J. Siegel", "Mary Hartzell"]
    assert (book.year, book.publisher, book.isbn) == ("2003", "Tarcher", "9781585422956")
    assert book.suggested is True

    film = works["room2015"]
    assert film.type == "film"
    assert [p.name for p in film.people("director")] == ["Lenny Abrahamson"]
    assert [p.name for p in film.people("cast")] == ["Brie Larson"]
    assert film.year == "2015"
    assert film.annotation == "A film."
    assert film.suggested is True

    web = works["web"]
    assert (web.type, web.url, web.container_title, web.suggested) == (
        "webpage",
        "https://example.org",
        "Example",
        False,
    )


def test_csl_json_line_of_each_entry():
    works = parse_csl_json(CSL_JSON, Path("refs.json"))
    assert [(w.id, w.line) for w in works] == [("siegel2003", 2), ("room2015", 9), ("web", 15)]


def test_csl_json_items_wrapper():
    works = parse_csl_json('{"items": [{"id": "a", "title": "A"}]}', Path("r.json"))
    assert [w.id for w in works] == ["a"]


def test_csl_json_malformed_has_line_and_column():
    text = '[\n  {"id": "a", "title": "A"},\n  {"id": "b" "title": "B"}\n]\n'
    with pytest.raises(ManuscriptError) as exc:
        parse_csl_json(text, Path("refs.json"))
    problem = only_problem(exc)
    assert problem.message.startswith("malformed JSON")
    assert problem.path == Path("refs.json")
    assert problem.line == 3
    assert problem.column == 14


def test_csl_json_not_a_list_is_an_error():
    with pytest.raises(ManuscriptError) as exc:
        parse_csl_json('{"id": "a", "title": "A"}', Path("refs.json"))
    assert "list of entries" in only_problem(exc).message


def test_csl_json_duplicate_id_in_one_file_points_at_the_duplicate(tmp_path):
    text = '[\n  {"id": "a", "title": "One"},\n  {"id": "b", "title": "Two"},\n'
    text += '  {"id": "a", "title": "Again"}\n]\n'
    (tmp_path / "x.json").write_text(text, encoding="utf-8")
    with pytest.raises(ManuscriptError) as exc:
        load_bibliography([(tmp_path / "x.json", Path("x.json"))])
    problem = only_problem(exc)
    assert "duplicate bibliography id 'a'" in problem.message
    assert problem.line == 4
    assert "x.json:2" in problem.hint


def test_csl_json_line_of_non_ascii_id():
    text = '[\n  {"id": "b", "title": "B"},\n  {"id": "müller2010", "title": "M"}\n]\n'
    works = parse_csl_json(text, Path("refs.json"))
    assert [w.line for w in works] == [2, 3]


# --- BibTeX ---------------------------------------------------------------------

BIBTEX = dedent(
    """
    % My references

    @book{siegel1999,
      author = {Siegel, Daniel J. and Hartzell, Mary},
      title = {The {Developing} Mind: How Relationships and the Brain Interact},
      publisher = {{Guilford} Press},
      year = {1999},
      isbn = {9781572304536},
      keywords = {psychology, suggested},
      annote = {A {classic}.},
    }

    @incollection{tronick2007,
      author = {Tronick, Ed and van der Kolk, Bessel},
      editor = {Editor, Ed},
      title = {Still Face},
      booktitle = {{The} Neurobehavioral Collection},
      year = 2007
    }

    @article{gerhardt2004,
      author = {Gerhardt, Sue},
      title = {Why Love Matters},
      subtitle = {How Affection Shapes},
      journal = {Journal of {Things}},
      url = {https://example.org/love},
      year = {2004},
    }
    """
)


def test_bibtex_authors_in_order_with_family_and_given():
    works = by_id(parse_bibtex(BIBTEX, Path("refs.bib")))
    assert works["siegel1999"].authors == (
        Person(name="Daniel J. Siegel", family="Siegel", given="Daniel J."),
        Person(name="Mary Hartzell", family="Hartzell", given="Mary"),
    )
    assert works["tronick2007"].authors == (
        Person(name="Ed Tronick", family="Tronick", given="Ed"),
        Person(name="Bessel van der Kolk", family="van der Kolk", given="Bessel"),
    )
    assert [p.name for p in works["tronick2007"].people("editor")] == ["Ed Editor"]


def test_bibtex_fields_braces_stripped_and_title_split():
    works = by_id(parse_bibtex(BIBTEX, Path("refs.bib")))
    book = works["siegel1999"]
    assert book.type == "book"
    assert book.title == "The Developing Mind"
    assert book.subtitle == "How Relationships and the Brain Interact"
    assert book.publisher == "Guilford Press"
    assert book.year == "1999"
    assert book.isbn == "9781572304536"
    assert book.annotation == "A classic."
    assert book.source == Path("refs.bib")


def test_bibtex_keywords_mark_suggested():
    works = by_id(parse_bibtex(BIBTEX, Path("refs.bib")))
    assert works["siegel1999"].suggested is True
    assert works["tronick2007"].suggested is False
    assert works["gerhardt2004"].suggested is False


def test_bibtex_incollection_is_a_chapter_in_its_book():
    works = by_id(parse_bibtex(BIBTEX, Path("refs.bib")))
    chapter = works["tronick2007"]
    assert chapter.type == "chapter"
    assert chapter.container_title == "The Neurobehavioral Collection"
    assert chapter.year == "2007"


def test_bibtex_article_journal_subtitle_url():
    works = by_id(parse_bibtex(BIBTEX, Path("refs.bib")))
    article = works["gerhardt2004"]
    assert article.type == "article"
    assert article.container_title == "Journal of Things"
    assert (article.title, article.subtitle) == ("Why Love Matters", "How Affection Shapes")
    assert article.url == "https://example.org/love"


def test_bibtex_line_of_each_entry():
    works = parse_bibtex(BIBTEX, Path("refs.bib"))
    lines = BIBTEX.split("\n")
    assert [w.line for w in works] == [3, 13, 21]
    for work in works:
        assert lines[work.line - 1].endswith("{" + work.id + ",")


@pytest.mark.parametrize(
    ("entry_type", "kind"),
    [("online", "webpage"), ("misc", "other"), ("inbook", "chapter"), ("movie", "film")],
)
def test_bibtex_types(entry_type, kind):
    (work,) = parse_bibtex(f"@{entry_type}{{k,\n  title = {{T}},\n}}\n", Path("r.bib"))
    assert work.type == kind


def test_bibtex_malformed_entry_has_its_line():
    text = dedent(
        """
        @book{a,
          title = {A},
        }

        @book{b
          title = {B},
        }
        """
    )
    with pytest.raises(ManuscriptError) as exc:
        parse_bibtex(text, Path("refs.bib"))
    problem = only_problem(exc)
    assert problem.message.startswith("malformed BibTeX entry")
    assert problem.path == Path("refs.bib")
    assert problem.line == 5


def test_bibtex_unclosed_entry_at_end_has_its_line():
    text = "@book{a,\n  title = {A},\n}\n\n\n@book{b,\n  title = {Never closed,\n"
    with pytest.raises(ManuscriptError) as exc:
        parse_bibtex(text, Path("refs.bib"))
    assert only_problem(exc).line == 6


def test_bibtex_malformed_entry_message_says_what_is_wrong():
    with pytest.raises(ManuscriptError) as exc:
        parse_bibtex("@book{b\n  title = {B},\n}\n", Path("refs.bib"))
    message = only_problem(exc).message
    assert "comma" in message.lower()


def test_bibtex_duplicate_key_in_one_file_is_an_error():
    text = "@book{a,\n  title = {A},\n}\n@book{a,\n  title = {Again},\n}\n"
    with pytest.raises(ManuscriptError) as exc:
        parse_bibtex(text, Path("refs.bib"))
    problem = only_problem(exc)
    assert problem.line == 4
    assert "a" in problem.message


def test_bibtex_entry_without_title():
    with pytest.raises(ManuscriptError) as exc:
        parse_bibtex("\n@book{notitle,\n  year = {2000},\n}\n", Path("refs.bib"))
    problem = only_problem(exc)
    assert "'notitle' has no title" in problem.message
    assert problem.line == 2


# --- dispatch, files, several files ---------------------------------------------


def test_parse_bibliography_dispatches_on_suffix():
    assert parse_bibliography("- id: a\n  title: A\n", Path("x.YML"))[0].id == "a"
    assert parse_bibliography('[{"id": "b", "title": "B"}]', Path("x.json"))[0].id == "b"
    assert parse_bibliography("@book{c, title = {C}}", Path("x.bib"))[0].id == "c"


def test_unknown_extension_is_an_error():
    with pytest.raises(ManuscriptError) as exc:
        parse_bibliography("anything", Path("refs.ris"))
    problem = only_problem(exc)
    assert "unknown bibliography format '.ris'" in problem.message
    assert problem.path == Path("refs.ris")
    assert ".bib" in problem.hint and ".yaml" in problem.hint and ".json" in problem.hint


def write_bytes(path: Path, data: bytes) -> tuple[Path, Path]:
    path.write_bytes(data)
    return path, Path(path.name)


def test_load_bibliography_keeps_order_across_files(tmp_path):
    works = load_bibliography(
        [
            write_bytes(tmp_path / "a.yaml", b"- id: a1\n  title: A1\n- id: a2\n  title: A2\n"),
            write_bytes(tmp_path / "b.bib", b"@book{b1,\n  title = {B1},\n}\n"),
        ]
    )
    assert [(w.id, w.source) for w in works] == [
        ("a1", Path("a.yaml")),
        ("a2", Path("a.yaml")),
        ("b1", Path("b.bib")),
    ]


def test_duplicate_id_across_two_files_names_both(tmp_path):
    files = [
        write_bytes(tmp_path / "books.yaml", b"- id: other\n  title: O\n- id: same\n  title: A\n"),
        write_bytes(tmp_path / "more.bib", b"\n\n@book{same,\n  title = {B},\n}\n"),
    ]
    with pytest.raises(ManuscriptError) as exc:
        load_bibliography(files)
    problem = only_problem(exc)
    assert "duplicate bibliography id 'same'" in problem.message
    assert problem.path == Path("more.bib")
    assert problem.line == 3
    assert "books.yaml:3" in problem.hint


def test_non_utf8_file_reports_byte_offset_and_line(tmp_path):
    data = b"- id: a\n  title: Caf\xe9\n"
    path, shown = write_bytes(tmp_path / "latin1.yaml", data)
    with pytest.raises(ManuscriptError) as exc:
        load_bibliography([(path, shown)])
    problem = only_problem(exc)
    assert f"byte offset {data.index(bytes([0xE9]))}" in problem.message
    assert problem.path == Path("latin1.yaml")
    assert problem.line == 2
    assert "UTF-8" in problem.hint


def test_bom_and_crlf_are_accepted(tmp_path):
    data = "\ufeff- id: a\r\n  title: Café\r\n\r\n- id: b\r\n  title: B\r\n".encode()
    path, shown = write_bytes(tmp_path / "win.yaml", data)
    works = load_bibliography([(path, shown)])
    assert [(w.id, w.title, w.line) for w in works] == [("a", "Café", 1), ("b", "B", 4)]
    assert read_text(path, shown) == "- id: a\n  title: Café\n\n- id: b\n  title: B\n"


def test_bom_and_crlf_in_bibtex_keep_lines(tmp_path):
    data = "\ufeff% c\r\n@book{a,\r\n  title = {A},\r\n}\r\n".encode()
    path, shown = write_bytes(tmp_path / "win.bib", data)
    (work,) = load_bibliography([(path, shown)])
    assert (work.id, work.title, work.line) == ("a", "A", 2)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ManuscriptError) as exc:
        load_bibliography([(tmp_path / "nope.yaml", Path("nope.yaml"))])
    problem = only_problem(exc)
    assert problem.message == "file not found"
    assert problem.path == Path("nope.yaml")


def test_problems_from_several_files_reported_together(tmp_path):
    files = [
        write_bytes(tmp_path / "bad.json", b'[\n  {"id": }\n]'),
        write_bytes(tmp_path / "good.yaml", b"- id: ok\n  title: OK\n"),
        write_bytes(tmp_path / "bad.txt", b"x"),
    ]
    with pytest.raises(ManuscriptError) as exc:
        load_bibliography(files)
    paths = [p.path for p in exc.value.problems]
    assert paths == [Path("bad.json"), Path("bad.txt")]
