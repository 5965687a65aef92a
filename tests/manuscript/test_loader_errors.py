"""`load_book`: whole-manuscript checks, each naming the file and line."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from conftest import copy_book, write
from makebook.errors import Diagnostics, ManuscriptError
from makebook.files import inside
from makebook.manuscript.loader import load_book
from makebook.manuscript.styles import DEFAULT_STYLES

REFS = """
- id: siegel1999
  type: book
  title: The Developing Mind
  author: [{family: Siegel, given: Daniel J.}]
  issued: 1999
  suggested: true
- id: room2015
  type: motion_picture
  title: Room
  issued: 2015
  suggested: true
"""

CONCEPT_BODY = """
## Definition

Defined.

## Origins & Context

From somewhere.

## How It Shows Up

Everywhere.

## Author's Note

Mine.
"""


def tiny_png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


PNG = tiny_png()


def chapter_text(title: str, body: str = "Text.\n", **front: str) -> str:
    lines = ["---", f"title: {title}", *(f"{k}: {v}" for k, v in front.items()), "---"]
    return "\n".join(lines) + "\n" + textwrap.dedent(body).lstrip("\n")


def make_book(
    root: Path,
    chapters: dict[str, str],
    *,
    order: list[str] | None = None,
    bibliography: dict[str, str] | None = None,
    styles_inside: bool = True,
) -> Path:
    """A manuscript folder with book.toml, the given chapters and a styles folder."""
    bibliography = {"refs.yaml": REFS} if bibliography is None else bibliography
    order = list(chapters) if order is None else order
    files = ", ".join(f'"{name}"' for name in bibliography)
    listed = ", ".join(f'"{name}"' for name in order)
    write(
        root / "book.toml",
        f"""
        [book]
        title = "A Test Book"

        [[book.authors]]
        name = "Ada Example"

        [bibliography]
        files = [{files}]

        [contents]
        chapters = [{listed}]
        """,
    )
    for name, text in bibliography.items():
        write(root / name, text)
    for name, text in chapters.items():
        write(root / name, text)
    styles = root / "styles" if styles_inside else root.parent / "styles"
    write(styles / "book.css", "body { margin: 0; }\n")
    return root


def load_errors(root: Path, diagnostics: Diagnostics | None = None):
    with pytest.raises(ManuscriptError) as exc:
        load_book(root, diagnostics)
    return exc.value.problems


def test_a_good_book_loads(tmp_path):
    root = make_book(
        tmp_path / "book",
        {
            "chapters/one.md": chapter_text("One", "Cited [@siegel1999, p. 3].\n"),
            "concepts/idea.md": chapter_text(
                "Idea", CONCEPT_BODY, kind="concept", related="[other]"
            ),
            "concepts/other.md": chapter_text(
                "Other", CONCEPT_BODY, kind="concept", related="[idea]"
            ),
        },
    )
    diagnostics = Diagnostics()
    book = load_book(root, diagnostics)
    assert [c.id for c in book.chapters] == ["one", "idea", "other"]
    assert [w.id for w in book.works] == ["siegel1999", "room2015"]
    assert book.styles_dir == root.resolve() / "styles"
    assert book.chapter("one").path == Path("chapters/one.md")
    assert diagnostics.problems == []


def test_styles_folder_beside_the_manuscript(tmp_path):
    root = make_book(tmp_path / "book", {"one.md": chapter_text("One")}, styles_inside=False)
    assert load_book(root).styles_dir == tmp_path.resolve() / "styles"


def test_a_book_without_styles_takes_the_built_in_design(tmp_path):
    root = make_book(tmp_path / "book", {"one.md": chapter_text("One")})
    (root / "styles" / "book.css").unlink()
    assert load_book(root).styles_dir == DEFAULT_STYLES


def test_unknown_citation_key_names_chapter_and_line(tmp_path):
    root = make_book(
        tmp_path / "book",
        {
            "chapters/one.md": chapter_text(
                "One", "Fine [@siegel1999].\n\nBroken [see @siegle1999, p. 4].\n"
            )
        },
    )
    (problem,) = load_errors(root)
    assert problem.message == "unknown citation key '@siegle1999'"
    assert problem.path == Path("chapters/one.md")
    assert problem.line == 6
    assert problem.severity == "error"
    assert str(problem).startswith("chapters/one.md:6:8: error:")


def test_missing_chapter_file(tmp_path):
    root = make_book(
        tmp_path / "book", {"one.md": chapter_text("One")}, order=["one.md", "chapters/two.md"]
    )
    (problem,) = load_errors(root)
    assert "chapter file 'chapters/two.md' does not exist" in problem.message
    assert problem.path == Path("book.toml")


def test_duplicate_chapter_ids(tmp_path):
    root = make_book(
        tmp_path / "book",
        {
            "a.md": chapter_text("A", id="same"),
            "b.md": chapter_text("B", id="same"),
        },
    )
    (problem,) = load_errors(root)
    assert "duplicate chapter id 'same'" in problem.message
    assert problem.path == Path("b.md")
    assert "a.md" in problem.hint


def test_duplicate_id_from_file_names_in_two_folders(tmp_path):
    root = make_book(
        tmp_path / "book",
        {"essays/intro.md": chapter_text("A"), "notes/intro.md": chapter_text("B")},
    )
    (problem,) = load_errors(root)
    assert "duplicate chapter id 'intro'" in problem.message
    assert problem.path == Path("notes/intro.md")


def test_chapter_id_clashing_with_a_part_id(tmp_path):
    root = tmp_path / "book"
    make_book(root, {"one.md": chapter_text("One", id="part-beginnings")})
    write(
        root / "book.toml",
        """
        [book]
        title = "X"
        [[book.authors]]
        name = "A"
        [[contents.parts]]
        title = "Beginnings"
        chapters = ["one.md"]
        """,
    )
    (problem,) = load_errors(root)
    assert "'part-beginnings'" in problem.message
    assert "another `id:`" in problem.hint


def test_unknown_related_concept(tmp_path):
    root = make_book(
        tmp_path / "book",
        {
            "idea.md": chapter_text("Idea", CONCEPT_BODY, kind="concept", related="[idea2, nope]"),
            "idea2.md": chapter_text("Idea 2", CONCEPT_BODY, kind="concept"),
            "essay.md": chapter_text("Essay", id="essay"),
        },
    )
    (problem,) = load_errors(root)
    assert problem.message == "related concept 'nope' does not exist"
    assert problem.path == Path("idea.md")
    assert "idea, idea2" in problem.hint


def test_related_must_name_a_concept_not_an_essay(tmp_path):
    root = make_book(
        tmp_path / "book",
        {
            "idea.md": chapter_text("Idea", CONCEPT_BODY, kind="concept", related="[essay]"),
            "essay.md": chapter_text("Essay"),
        },
    )
    (problem,) = load_errors(root)
    assert "related concept 'essay' does not exist" in problem.message


def test_missing_image(tmp_path):
    root = make_book(
        tmp_path / "book",
        {"one.md": chapter_text("One", "Intro.\n\n![A loop](images/loop.png)\n")},
    )
    (problem,) = load_errors(root)
    assert problem.message == "image 'images/loop.png' does not exist"
    assert problem.path == Path("one.md")
    assert problem.line == 6


def test_image_of_a_type_readers_do_not_show(tmp_path):
    root = make_book(tmp_path / "book", {"one.md": chapter_text("One", "![A](images/a.tiff)\n")})
    (root / "images").mkdir()
    (root / "images" / "a.tiff").write_bytes(b"II*\x00")
    (problem,) = load_errors(root)
    assert "not an image type" in problem.message
    assert problem.line == 4


def test_image_without_alt(tmp_path):
    root = make_book(
        tmp_path / "book",
        {
            "one.md": chapter_text(
                "One",
                "![](images/a.png)\n\n![](images/a.png){.decorative}\n![Fine](images/a.png)\n",
            )
        },
    )
    (root / "images").mkdir()
    (root / "images" / "a.png").write_bytes(PNG)
    (problem,) = load_errors(root)
    assert problem.message == "image 'images/a.png' has no alt text"
    assert problem.path == Path("one.md")
    assert problem.line == 4
    assert "{.decorative}" in problem.hint


def test_chapter_path_escaping_the_folder_is_refused(tmp_path):
    write(tmp_path / "outside.md", chapter_text("Outside"))
    root = make_book(
        tmp_path / "book", {"one.md": chapter_text("One")}, order=["one.md", "../outside.md"]
    )
    (problem,) = load_errors(root)
    assert "'../outside.md' points outside the book's folder" in problem.message
    assert problem.path == Path("book.toml")


def test_absolute_and_remote_paths_are_refused(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    for bad in (str(tmp_path / "x.md"), "https://example.org/x.md", "//server/x.md", ""):
        with pytest.raises(ManuscriptError) as exc:
            inside(root, bad, Path("book.toml"))
        assert "is not a path inside the book's folder" in exc.value.problems[0].message


def test_image_path_escaping_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.png").write_bytes(PNG)
    root = make_book(tmp_path / "book", {"one.md": chapter_text("One", "![A](../secret.png)\n")})
    (problem,) = load_errors(root)
    assert "points outside" in problem.message
    assert problem.path == Path("one.md")
    assert problem.line == 4


def test_bibliography_path_escaping_the_folder_is_refused(tmp_path):
    write(tmp_path / "shared.yaml", REFS)
    root = make_book(
        tmp_path / "book", {"one.md": chapter_text("One")}, bibliography={"../shared.yaml": REFS}
    )
    problems = load_errors(root)
    assert any("'../shared.yaml' points outside" in p.message for p in problems)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_to_outside_is_refused(tmp_path):
    outside = write(tmp_path / "elsewhere" / "secret.md", chapter_text("Secret"))
    root = make_book(
        tmp_path / "book", {"one.md": chapter_text("One")}, order=["one.md", "link.md"]
    )
    (root / "link.md").symlink_to(outside)
    (problem,) = load_errors(root)
    assert "'link.md' points outside the book's folder" in problem.message


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_inside_the_folder_is_fine(tmp_path):
    root = make_book(tmp_path / "book", {"real/one.md": chapter_text("One")}, order=["one.md"])
    (root / "one.md").symlink_to(root / "real" / "one.md")
    assert [c.id for c in load_book(root).chapters] == ["one"]


def test_several_errors_reported_at_once(tmp_path):
    root = make_book(
        tmp_path / "book",
        {
            "one.md": chapter_text("One", "Bad [@nobody].\n![](images/gone.png)\n"),
            "two.md": "no front matter\n",
            "idea.md": chapter_text("Idea", CONCEPT_BODY, kind="concept", related="[ghost]"),
        },
        order=["one.md", "two.md", "missing.md", "idea.md"],
    )
    diagnostics = Diagnostics()
    problems = load_errors(root, diagnostics)
    found = {(str(p.path), p.message) for p in problems}
    assert found == {
        ("one.md", "unknown citation key '@nobody'"),
        ("one.md", "image 'images/gone.png' does not exist"),
        ("one.md", "image 'images/gone.png' has no alt text"),
        ("two.md", "the chapter has no YAML front matter"),
        ("book.toml", "chapter file 'missing.md' does not exist"),
        ("idea.md", "related concept 'ghost' does not exist"),
    }
    assert all(p.severity == "error" for p in problems)
    assert diagnostics.errors == problems


def test_errors_in_chapters_and_bibliography_together(tmp_path):
    root = make_book(
        tmp_path / "book",
        {"one.md": chapter_text("One", "Fine.\n"), "two.md": "---\ntitle: [x\n---\n"},
        bibliography={"refs.yaml": REFS, "bad.bib": "@book{a\n  title = {A},\n}\n"},
    )
    problems = load_errors(root)
    assert {str(p.path) for p in problems} == {"two.md", "bad.bib"}


def test_concept_missing_a_section_is_a_warning(tmp_path):
    body = CONCEPT_BODY.replace("## Origins & Context", "## Origins")
    root = make_book(tmp_path / "book", {"idea.md": chapter_text("Idea", body, kind="concept")})
    diagnostics = Diagnostics()
    book = load_book(root, diagnostics)
    assert [c.id for c in book.chapters] == ["idea"]
    assert diagnostics.errors == []
    (warning,) = diagnostics.warnings
    assert warning.severity == "warning"
    assert warning.message == "concept entry has no '## Origins & Context' section"
    assert warning.path == Path("idea.md")
    # At the misspelt heading, which shows the problem (issue 15), not the body's first line.
    assert warning.line == dict((t, n) for t, n in book.chapter("idea").headings)["Origins"]
    assert warning.hint == "name this heading '## Origins & Context'"


def test_concept_without_any_sections_warns_for_each(tmp_path):
    root = make_book(
        tmp_path / "book", {"idea.md": chapter_text("Idea", "Just text.\n", kind="concept")}
    )
    diagnostics = Diagnostics()
    load_book(root, diagnostics)
    messages = [w.message for w in diagnostics.warnings]
    assert len(messages) == 4
    assert "## Definition" in messages[0]
    assert "## Origins & Context" in messages[1]
    assert "## How It Shows Up" in messages[2]
    assert "author's note" in messages[3]


def test_essays_are_not_checked_for_concept_sections(tmp_path):
    root = make_book(tmp_path / "book", {"one.md": chapter_text("One", "No sections.\n")})
    diagnostics = Diagnostics()
    load_book(root, diagnostics)
    assert diagnostics.problems == []


def test_warnings_do_not_hide_errors(tmp_path):
    root = make_book(
        tmp_path / "book",
        {"idea.md": chapter_text("Idea", "Cites [@nope].\n", kind="concept")},
    )
    diagnostics = Diagnostics()
    problems = load_errors(root, diagnostics)
    assert [p.message for p in problems] == ["unknown citation key '@nope'"]
    assert len(diagnostics.warnings) == 4


def test_one_bad_bibliography_file_does_not_make_other_keys_unknown(tmp_path):
    root = make_book(
        tmp_path / "book",
        {"one.md": chapter_text("One", "Cited [@siegel1999].\n")},
        bibliography={"refs.yaml": REFS, "bad.bib": "@book{a\n  title = {A},\n}\n"},
    )
    problems = load_errors(root)
    assert [str(p.path) for p in problems] == ["bad.bib"]


def test_a_folder_where_a_chapter_or_image_should_be_is_named_as_such(small_book, tmp_path):
    import shutil

    book = copy_book(small_book, tmp_path / "book")
    (book / "one.md").unlink()
    (book / "one.md").mkdir()
    with pytest.raises(ManuscriptError, match="chapter file 'one.md' is a folder, not a file"):
        load_book(book)
    (book / "one.md").rmdir()
    shutil.copy(small_book / "one.md", book / "one.md")
    (book / "pic.png").mkdir()
    with (book / "two.md").open("a") as chapter:
        chapter.write("\n![A picture](pic.png)\n")
    with pytest.raises(ManuscriptError, match="image 'pic.png' is a folder, not a file"):
        load_book(book)
