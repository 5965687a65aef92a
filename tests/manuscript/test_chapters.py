"""Chapter files: front matter, and what the loader scans from the body (images,
headings; citations: test_citations.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from makebook.errors import ManuscriptError
from makebook.manuscript.chapters import find_headings, find_images, parse_chapter, slugify
from makebook.model import Epigraph, ImageRef

SHOWN = Path("chapters/small-signals.md")


def chapter(text: str, shown: Path = SHOWN, matter="body", part=None):
    return parse_chapter(textwrap.dedent(text).lstrip("\n"), shown, matter, part)


def chapter_error(text: str, shown: Path = SHOWN):
    with pytest.raises(ManuscriptError) as exc:
        chapter(text, shown)
    assert len(exc.value.problems) == 1, exc.value.problems
    return exc.value.problems[0]


# --- front matter ----------------------------------------------------------------


def test_front_matter_fields():
    result = chapter(
        """
        ---
        kind: concept
        title: The Weight of Small Signals
        subtitle: On noticing
        tagline: What we see before we know it
        id: small-signals
        related: [co-regulation, repair]
        epigraph:
          text: "A line someone wrote."
          source: "Name, *Book Title*"
        ---
        First body line.

        Second paragraph.
        """,
        matter="front",
        part="part-one",
    )
    assert result.kind == "concept"
    assert result.title == "The Weight of Small Signals"
    assert result.subtitle == "On noticing"
    assert result.tagline == "What we see before we know it"
    assert result.id == "small-signals"
    assert result.related == ("co-regulation", "repair")
    assert result.epigraph == Epigraph(text="A line someone wrote.", source="Name, *Book Title*")
    assert result.path == SHOWN
    assert result.matter == "front"
    assert result.part == "part-one"
    assert result.body_line == 12
    assert result.markdown == "First body line.\n\nSecond paragraph.\n"


def test_defaults():
    result = chapter("---\ntitle: Just a Title\n---\nBody\n")
    assert result.kind == "essay"
    assert result.id == "small-signals"
    assert (result.subtitle, result.tagline, result.related, result.epigraph) == ("", "", (), None)
    assert result.body_line == 4
    assert result.matter == "body" and result.part is None


def test_front_matter_closed_with_dots_and_empty_body():
    result = chapter("---\nkind: note\ntitle: T\n...\n")
    assert result.kind == "note"
    assert result.markdown == ""
    assert result.body_line == 5


def test_epigraph_as_plain_text():
    result = chapter('---\ntitle: T\nepigraph: "  Just words.  "\n---\n')
    assert result.epigraph == Epigraph(text="Just words.")


def test_epigraph_with_empty_source():
    result = chapter("---\ntitle: T\nepigraph:\n  text: Words.\n  source:\n---\n")
    assert result.epigraph == Epigraph(text="Words.", source="")


def test_epigraph_of_wrong_shape():
    problem = chapter_error("---\ntitle: T\nepigraph: [a, b]\n---\n")
    assert "`epigraph` must be text" in problem.message
    assert problem.line == 3


def test_related_as_single_string():
    assert chapter("---\ntitle: T\nrelated: repair\n---\n").related == ("repair",)


def test_related_of_wrong_type():
    problem = chapter_error("---\ntitle: T\nkind: concept\nrelated: {a: 1}\n---\n")
    assert "`related` must be a list of concept ids" in problem.message
    assert problem.line == 4


def test_missing_front_matter():
    problem = chapter_error("# Title\n\nNo front matter here.\n")
    assert "no YAML front matter" in problem.message
    assert problem.path == SHOWN
    assert problem.line == 1
    assert "---" in problem.hint


def test_front_matter_not_at_very_start_is_missing():
    with pytest.raises(ManuscriptError) as exc:
        parse_chapter("\n---\ntitle: T\n---\n", SHOWN, "body", None)
    assert "no YAML front matter" in exc.value.problems[0].message


def test_unclosed_front_matter():
    problem = chapter_error("---\nkind: essay\ntitle: T\n\nBody that never ends.\n")
    assert "never closed" in problem.message
    assert problem.line == 1


def test_malformed_yaml_has_the_line_in_the_file():
    problem = chapter_error(
        """
        ---
        kind: essay
        title: Fine
        subtitle: [unclosed
        tagline: x
        ---
        Body
        """
    )
    assert problem.message.startswith("malformed YAML front matter")
    assert problem.path == SHOWN
    assert problem.line == 4  # where the [ opens, not the next line where YAML gave up
    assert problem.column is not None


def test_malformed_yaml_colon_in_title():
    problem = chapter_error("---\nkind: essay\ntitle: Part One: Beginnings\n---\n")
    assert problem.line == 3
    assert problem.column == 16
    assert "quotes" in problem.hint


def test_front_matter_that_is_a_list():
    problem = chapter_error("---\n- kind: essay\n- title: T\n---\n")
    assert "must be a mapping" in problem.message
    assert problem.line == 2


def test_empty_front_matter_has_no_title():
    problem = chapter_error("---\n---\nBody\n")
    assert "no title" in problem.message


def test_unknown_kind_points_at_its_line():
    problem = chapter_error("---\ntitle: T\nkind: poem\n---\n")
    assert "unknown kind 'poem'" in problem.message
    assert problem.line == 3
    assert "essay" in problem.hint and "concept" in problem.hint and "note" in problem.hint


def test_missing_title():
    problem = chapter_error("---\nkind: essay\nsubtitle: S\n---\n")
    assert "no title" in problem.message
    assert problem.path == SHOWN


def test_title_must_be_text():
    problem = chapter_error("---\nkind: essay\ntitle: [a, b]\n---\n")
    assert "`title` must be text" in problem.message
    assert problem.line == 3


def test_numeric_title_is_text():
    assert chapter("---\ntitle: 1984\n---\n").title == "1984"


@pytest.mark.parametrize(
    ("file_name", "chapter_id"),
    [
        ("chapters/small-signals.md", "small-signals"),
        ("The Weight Of It.md", "the-weight-of-it"),
        ("my_chapter__two.md", "my-chapter-two"),
        ("01-beginnings.md", "c-01-beginnings"),
        ("concepts/Co-Regulation.md", "co-regulation"),
    ],
)
def test_default_id_is_a_slug_of_the_file_name(file_name, chapter_id):
    assert chapter("---\ntitle: T\n---\n", Path(file_name)).id == chapter_id


def test_default_id_of_a_non_ascii_file_name_is_usable():
    result = chapter("---\ntitle: T\n---\n", Path("élan.md"))
    assert result.id


def test_explicit_id_wins_and_is_checked():
    assert chapter("---\ntitle: T\nid: other-id\n---\n").id == "other-id"
    problem = chapter_error("---\ntitle: T\n\nid: 9 lives\n---\n")
    assert "`id` '9 lives' is not usable" in problem.message
    assert problem.line == 4


def test_slugify():
    assert slugify("Part One: Beginnings") == "part-one-beginnings"
    assert slugify("  Hello,  World!  ") == "hello-world"
    assert slugify("2024") == "c-2024"
    assert slugify("!!!") == "c-"


# --- images ----------------------------------------------------------------------


def test_images_with_and_without_alt():
    result = chapter(
        """
        ---
        title: T
        ---
        ![A diagram of the loop](images/loop.png)

        ![](images/no-alt.png)
        ![   ](images/blank-alt.png "A title")
        ![](images/rule.svg){.decorative}
        ![Spaced](<images/with space.png>)
        """
    )
    assert result.images == (
        ImageRef("images/loop.png", "A diagram of the loop", 4),
        ImageRef("images/no-alt.png", None, 6),
        ImageRef("images/blank-alt.png", None, 7),
        ImageRef("images/rule.svg", "", 8),
        ImageRef("images/with space.png", "Spaced", 9),
    )


def test_html_images():
    body = '<img src="a.png" alt="An A">\n<img src=\'b.png\'>\n<img alt="" src=c.png />\n'
    assert find_images(body, 20) == [
        ImageRef("a.png", "An A", 20),
        ImageRef("b.png", None, 21),
        ImageRef("c.png", "", 22),
    ]


def test_images_in_code_are_ignored():
    body = "`![](x.png)`\n```\n![](y.png)\n```\n![Z](z.png)\n"
    assert find_images(body, 1) == [ImageRef("z.png", "Z", 5)]


# --- headings --------------------------------------------------------------------


def test_headings_and_their_lines():
    result = chapter(
        """
        ---
        kind: concept
        title: T
        ---
        # Not a section
        ## Definition

        ### A subsection
        ## Origins & Context ##
        ```
        ## In code
        ```
        ##NoSpace

        ## Author's Note
        """
    )
    assert result.headings == (
        ("Definition", 6),
        ("Origins & Context", 9),
        ("Author's Note", 15),
    )


def test_find_headings_offsets():
    assert find_headings("intro\n\n## One\n", 7) == [("One", 9)]
