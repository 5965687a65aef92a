"""Bad book.toml files (issue 15): every problem at once, each at its own key's line,
unknown keys and tables with "did you mean", text that must be text."""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DEMO, copy_book
from makebook.cli import app
from makebook.errors import ManuscriptError, Problem
from makebook.manuscript.config import load_config

runner = CliRunner()

GOOD = """
[book]
title = "X"
isbn = "9781234567897"

[[book.authors]]
name = "A. Writer"

[contents]
chapters = ["one.md"]
"""


def problems_in(tmp_path: Path, text: str) -> list[Problem]:
    (tmp_path / "book.toml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    with pytest.raises(ManuscriptError) as exc:
        load_config(tmp_path)
    return exc.value.problems


def line_of(text: str, needle: str, after: str = "") -> int:
    """The 1-based line of `needle`, the first one after the line `after`."""
    lines = textwrap.dedent(text).lstrip("\n").split("\n")
    start = lines.index(after) if after else 0
    return lines.index(needle, start) + 1


def test_a_misspelt_key_in_an_appendix_table_is_an_error_with_did_you_mean(tmp_path):
    text = GOOD + "\n[appendices.films]\nenable = false\n"
    [problem] = problems_in(tmp_path, text)
    assert problem.message == "unknown key `enable` in [appendices.films]"
    assert problem.hint == "did you mean `enabled`?"
    assert problem.line == line_of(text, "enable = false")


def test_a_misspelt_key_in_book_is_an_error_with_did_you_mean(tmp_path):
    text = GOOD.replace('isbn = "9781234567897"', 'publsher = "Fixture Press"')
    [problem] = problems_in(tmp_path, text)
    assert (problem.message, problem.hint) == (
        "unknown key `publsher` in [book]",
        "did you mean `publisher`?",
    )
    assert problem.line == line_of(text, 'publsher = "Fixture Press"')


def test_unknown_tables_are_errors_at_their_header(tmp_path):
    text = GOOD + '\n[appendices.film]\ntitle = "Films"\n\n[typograph]\nquotes = "single"\n'
    problems = problems_in(tmp_path, text)
    assert [(p.message, p.hint, p.line) for p in problems] == [
        (
            "unknown table [appendices.film]",
            "did you mean [appendices.films]?",
            line_of(text, "[appendices.film]"),
        ),
        ("unknown table [typograph]", "did you mean [typography]?", line_of(text, "[typograph]")),
    ]


def test_a_key_outside_its_table_is_told_where_it_belongs(tmp_path):
    text = 'publisher = "P"\n' + GOOD
    [problem] = problems_in(tmp_path, text)
    assert (problem.message, problem.line) == ("unknown key `publisher`", 1)
    assert problem.hint == "`publisher` belongs in [book]: move it below the line [book]"


def test_unknown_key_in_an_author_and_in_a_part(tmp_path):
    text = GOOD.replace('name = "A. Writer"', 'name = "A. Writer"\nsrot = "Writer, A."').replace(
        '[contents]\nchapters = ["one.md"]',
        '[contents]\n[[contents.parts]]\ntitle = "One"\nchapters = ["one.md"]\n'
        '[[contents.parts]]\ntitel = "Two"\nchapters = ["two.md"]',
    )
    problems = problems_in(tmp_path, text)
    assert [(p.message, p.hint, p.line) for p in problems] == [
        (
            "unknown key `srot` in [book.authors #1]",
            "did you mean `sort`?",
            line_of(text, 'srot = "Writer, A."'),
        ),
        (
            "unknown key `titel` in [contents.parts #2]",
            "did you mean `title`?",
            line_of(text, 'titel = "Two"'),
        ),
    ]


def test_every_problem_is_reported_at_once_each_at_its_own_line(tmp_path):
    text = """
    [book]
    title = "X"
    isbn = "9781234567897"
    language = "english please"

    [[book.authors]]
    name = "A. Writer"

    [contents]
    chapters = ["one.md"]

    [appendices.films]
    title = "Films"
    order = "as-listed"

    [appendices.reading]
    order = "random"

    [pdf]
    isbn = "9781234567890"
    bleed = "3"
    screen_size = "tabloid"

    [sample]
    count = 0
    """
    problems = problems_in(tmp_path, text)
    assert [(p.line, p.message.split(" ")[0]) for p in problems] == [
        (line_of(text, 'language = "english please"'), "`language`"),
        (line_of(text, 'order = "random"'), "`order`"),
        (line_of(text, 'isbn = "9781234567890"'), "`isbn`"),
        (line_of(text, 'bleed = "3"'), "`bleed`"),
        (line_of(text, 'screen_size = "tabloid"'), "`screen_size`"),
        (line_of(text, "count = 0"), "`count`"),
    ]
    assert problems[1].message == (
        '`order` in [appendices.reading] must be "as-listed" or "alphabetical"'
    )
    assert problems[2].message == "`isbn` in [pdf]: 9781234567890 is not a valid ISBN-13"


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("title = 5", 'write it in quotes: title = "5"'),
        ("title = 1984.5", 'write it in quotes: title = "1984.5"'),
        ("title = true", 'write it in quotes: title = "..."'),
        ("title = 2026-01-01", 'write it in quotes: title = "..."'),
    ],
)
def test_a_title_that_is_not_text_is_an_error_at_its_line(tmp_path, line, hint):
    text = GOOD.replace('title = "X"', line)
    [problem] = problems_in(tmp_path, text)
    assert problem.message == "`title` in [book] must be a string (text in quotes)"
    assert (problem.hint, problem.line) == (hint, line_of(text, line))


@pytest.mark.parametrize("key", ["subtitle", "publisher", "rights", "description", "edition"])
def test_every_text_field_must_be_text(tmp_path, key):
    text = GOOD.replace('title = "X"', f'title = "X"\n{key} = 2')
    [problem] = problems_in(tmp_path, text)
    assert problem.message == f"`{key}` in [book] must be a string (text in quotes)"
    assert problem.line == line_of(text, f"{key} = 2")


def test_a_toml_date_is_still_a_date(tmp_path):
    text = GOOD.replace('title = "X"', 'title = "X"\ndate = 2026-11-01')
    (tmp_path / "book.toml").write_text(text)
    assert load_config(tmp_path).meta.date == "2026-11-01"


def test_key_lines_know_tables_arrays_of_tables_and_multiline_strings():
    from makebook.manuscript.config import key_lines

    text = textwrap.dedent(
        '''
        [book]
        description = """
        order = "not a key"
        """
        [[book.authors]]
        name = "A"
        [[book.authors]]
        name = "B"
        [appendices.films]
        order = "as-listed"
        [appendices.reading]
        "order" = "alphabetical"
        [pdf]
        isbn.x = 1
        '''
    ).lstrip("\n")
    lines = key_lines(text)
    assert lines[("book", "description")] == 2
    assert ("book", "order") not in lines
    assert lines[("book", "authors", 0, "name")] == 6
    assert lines[("book", "authors", 1, "name")] == 8
    assert lines[("appendices",)] == 9
    assert lines[("appendices", "films", "order")] == 10
    assert lines[("appendices", "reading", "order")] == 12
    assert lines[("pdf", "isbn", "x")] == 14


def test_the_demo_and_the_new_book_template_have_no_unknown_keys(tmp_path):
    from makebook.author.scaffold import SKELETON

    assert load_config(DEMO).meta.title
    template = (SKELETON / "book.toml").read_text()
    (tmp_path / "book.toml").write_text(
        template.format(title="T", author="A", date="2026-01-01", year=2026)
    )
    assert load_config(tmp_path).meta.title == "T"


def test_make_book_check_lists_every_book_toml_problem(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    toml = book / "book.toml"
    text = toml.read_text().replace('publisher = "Fixture Press"', 'publsher = "Fixture Press"')
    toml.write_text(text + "\n[appendices.films]\nenable = false\n")
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    publisher_line = line_of(text, 'publsher = "Fixture Press"')
    assert first == f"book.toml:{publisher_line}: error: unknown key `publsher` in [book]"
    assert "unknown key `enable` in [appendices.films]" in result.output
    assert result.output.count(": error: ") == 2


# --- loader messages: only the real problem, at a line that shows it ------------------


def idea_with_note_div(book: Path) -> str:
    """The small book's concept with its author's note written as a titled note div."""
    text = (book / "idea.md").read_text(encoding="utf-8")
    note = "## Author's Note\n\nI like it.\n"
    assert note in text
    return text.replace(note, '::: {.note title="Maren\'s Note"}\nI like it.\n:::\n')


def check(book: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["check", "-m", str(book)])
    return result.exit_code, result.output.splitlines()


def problems_of(book: Path) -> list[Problem]:
    from makebook.errors import Diagnostics
    from makebook.manuscript.loader import load_book

    diagnostics = Diagnostics()
    with contextlib.suppress(ManuscriptError):
        load_book(book, diagnostics)
    return diagnostics.problems


def test_a_chapter_that_fails_to_load_gives_only_its_own_error(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    # two.md links to idea.md; idea.md's front matter is broken.
    idea = book / "idea.md"
    idea.write_text(idea.read_text().replace("title: The Idea", "title: The Idea: A Study"))
    code, lines = check(book)
    assert code == 1
    assert lines[0] == "idea.md:4:16: error: malformed YAML front matter: a colon inside a " + (
        "value without quotes"
    )
    problems = problems_of(book)
    assert [str(p.path) for p in problems] == ["idea.md"]  # no link, related or cited noise


def test_a_real_broken_link_is_still_an_error_when_another_chapter_fails(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "one.md").write_text("---\ntitle: [broken\n---\nText\n")
    two = book / "two.md"
    two.write_text(two.read_text().replace("(idea.md)", "(nowhere.md)"))
    messages = [(str(p.path), p.message) for p in problems_of(book) if p.severity == "error"]
    assert ("two.md", "link to 'nowhere.md', which is not a chapter of this book") in messages
    assert all("one.md" not in message for _, message in messages)


def test_an_authors_note_written_as_a_titled_note_div_is_accepted(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "idea.md").write_text(idea_with_note_div(book))
    assert problems_of(book) == []
    code, lines = check(book)
    assert (code, lines[-1]) == (0, "✓ The manuscript is ready to build.")


def test_concept_warnings_point_at_a_line_that_shows_the_problem(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    text = (
        idea_with_note_div(book)
        .replace("## Origins & Context", "## Origin and Context")
        .replace('title="Maren\'s Note"', 'title="Maren\'s Aside"')
    )
    (book / "idea.md").write_text(text)
    lines = text.split("\n")
    warnings = [p for p in problems_of(book) if p.severity == "warning"]
    assert [(p.message, p.line, p.hint) for p in warnings] == [
        (
            "concept entry has no '## Origins & Context' section",
            lines.index("## Origin and Context") + 1,
            "name this heading '## Origins & Context'",
        ),
        (
            "concept entry has no author's note",
            lines.index("kind: concept") + 1,
            "end it with a '## Author's Note' section, "
            'or a ::: {.note title="Author\'s Note"} div',
        ),
    ]
    assert all(lines[p.line - 1].strip() for p in warnings)  # never an empty line
    code, output = check(book)
    assert code == 0
    assert output[-1] == "✓ The manuscript is ready to build (2 warnings)."


def test_a_one_sided_relation_points_at_a_line_of_the_other_concept(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "other.md").write_text(
        "---\nkind: concept\ntitle: Other\nrelated: [the-idea]\n---\n"
        "## Definition\n\nx\n\n## Origins & Context\n\nx\n\n## How It Shows Up\n\nx\n\n"
        "## Author's Note\n\nx\n"
    )
    toml = book / "book.toml"
    toml.write_text(toml.read_text().replace('"idea.md"]', '"idea.md", "other.md"]'))
    [warning] = [p for p in problems_of(book) if p.severity == "warning"]
    # Said the right way round (it read "'the-idea' is related to 'other'" before).
    assert warning.message == "'other' lists 'the-idea' as related, but not the other way round"
    assert (str(warning.path), warning.line) == ("idea.md", 4)  # `title: The Idea`, not line 2


@pytest.mark.parametrize(
    ("front", "line", "message", "hint"),
    [
        (
            "kind: essay\ntitle: X\n  subtitle: Y",
            4,
            "a key indented more than the one above it",
            "start each key at the same place as the others (or indent it under a key)",
        ),
        (
            "kind: essay\nepigraph:\n  text: a\n source: b",
            5,
            "keys that are not lined up",
            "indent the keys of one mapping by the same number of spaces",
        ),
        (
            "kind: essay\n\ttitle: X",
            3,
            "a tab character",
            "YAML indents with spaces, never tabs: use spaces",
        ),
        (
            'kind: essay\ntitle: "The Quiet Room\nsubtitle: x',
            3,
            "a quote that is never closed",
            'close the quote at the end of the value: title: "Like This"',
        ),
        (
            "kind: essay\ntitle: Part One: Beginnings",
            3,
            "a colon inside a value without quotes",
            'put the value in quotes: title: "Part One: Beginnings"',
        ),
        (
            'kind: essay\ntitle: "He said "hi" to me"',
            3,
            "text after a closing quote",
            "quote the whole value with the other kind of quote: title: 'He said \"yes\"'",
        ),
        (
            "kind: essay\ntitle: [Draft\nsubtitle: x",
            3,
            "a [ or { that is never closed",
            "a value that starts with [ or { is a list in YAML: close it, or quote the text: "
            'title: "[Draft] Title"',
        ),
        (
            "kind: essay\ntitle: *Really* Listening",
            3,
            "a value that starts with * or &",
            'put it in quotes: title: "*Really* Listening"',
        ),
        (
            "kind: essay\ntitle: @home",
            3,
            "a value that starts with @",
            'put it in quotes: title: "@home"',
        ),
    ],
)
def test_each_yaml_error_kind_has_a_hint_that_fits(tmp_path, front, line, message, hint):
    from makebook.manuscript.chapters import split_front_matter

    with pytest.raises(ManuscriptError) as exc:
        split_front_matter(f"---\n{front}\n---\nBody\n", Path("c.md"))
    [problem] = exc.value.problems
    assert (problem.line, problem.message, problem.hint) == (
        line,
        f"malformed YAML front matter: {message}",
        hint,
    )


def test_a_front_matter_key_given_twice_is_an_error(tmp_path):
    from makebook.manuscript.chapters import split_front_matter

    with pytest.raises(ManuscriptError) as exc:
        split_front_matter("---\nkind: essay\ntitle: A\ntitle: B\n---\n", Path("c.md"))
    [problem] = exc.value.problems
    assert (problem.line, problem.message) == (
        4,
        "`title` is given twice in the front matter (first at line 3)",
    )
    assert problem.hint == "keep one of them: only the last one would count"


def test_a_bibliography_yaml_error_has_a_hint_too(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    refs = book / "refs.yaml"
    refs.write_text(refs.read_text().replace("title: The Developing Mind", "title: Mind: Body"))
    [problem] = [p for p in problems_of(book) if p.severity == "error"]
    assert (str(problem.path), problem.message) == (
        "refs.yaml",
        "malformed YAML: a colon inside a value without quotes",
    )
    assert problem.line == refs.read_text().split("\n").index("    title: Mind: Body") + 1


def test_a_csl_json_hint_is_written_in_json(tmp_path):
    from makebook.manuscript.bibliography import parse_csl_json

    with pytest.raises(ManuscriptError) as exc:
        parse_csl_json('[{"title": "A Book"}]', Path("refs.json"))
    assert exc.value.problems[0].hint == 'add `"id": "some-key"`'


def test_a_chapter_without_title_is_not_reported_at_a_body_line(tmp_path):
    from makebook.manuscript.chapters import parse_chapter

    with pytest.raises(ManuscriptError) as exc:
        parse_chapter(
            "---\nkind: essay\n---\n\nSome text\ntitle: not a key\n", Path("c.md"), "body", None
        )
    assert exc.value.problems[0].line == 2


def test_hyphenation_exceptions_are_read_from_typography(tmp_path):
    text = GOOD + (
        '\n[typography]\nhyphenate = ["at-tune-ment", "Hog-arth"]\n'
        'never_hyphenate = ["Williams"]\nhyphenate_capitalised = true\n'
    )
    (tmp_path / "book.toml").write_text(text, encoding="utf-8")
    rules = load_config(tmp_path).hyphenation
    assert rules.exceptions == ("at-tune-ment", "Hog-arth")
    assert rules.never == ("Williams",)
    assert rules.capitalised is True
    (tmp_path / "book.toml").write_text(GOOD, encoding="utf-8")
    assert load_config(tmp_path).hyphenation.capitalised is None  # by the text's language


def test_bad_hyphenation_exceptions_are_errors_at_their_own_lines(tmp_path):
    text = GOOD + textwrap.dedent(
        """
        [typography]
        hyphenate = [
          "at-tune-ment",
          "two words",
          "attun-ement",
        ]
        never_hyphenate = ["co-regulation", "Attunement"]
        hyphenate_capitalised = "no"
        """
    )
    problems = problems_in(tmp_path, text)
    assert [(p.message, p.line) for p in problems] == [
        (
            "`hyphenate` in [typography]: 'two words' is not one word with hyphens where "
            "it may break",
            line_of(text, '  "two words",'),
        ),
        (
            "`hyphenate` in [typography] gives 'attunement' twice, with other breaks: "
            "'at-tune-ment' and 'attun-ement'",
            line_of(text, '  "attun-ement",'),
        ),
        (
            "`never_hyphenate` in [typography]: 'co-regulation' is not one word",
            line_of(text, 'never_hyphenate = ["co-regulation", "Attunement"]'),
        ),
        (
            "'Attunement' is in both `never_hyphenate` and `hyphenate` in [typography]",
            line_of(text, 'never_hyphenate = ["co-regulation", "Attunement"]'),
        ),
        (
            "`hyphenate_capitalised` in [typography] must be true or false",
            line_of(text, 'hyphenate_capitalised = "no"'),
        ),
    ]
    assert problems[2].hint.endswith('never_hyphenate = ["co", "regulation"]')
    assert all(p.path == Path("book.toml") for p in problems)
