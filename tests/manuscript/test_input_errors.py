"""Errors, not tracebacks: a manuscript that cannot be read stops `make-book build` with
an error naming the file and line, writes nothing and shows no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import assert_refused, cli_build, copy_book, edit, epub_files, image_in_one, toml_edit
from makebook.build import build
from xhtmlchecks import document_with, xhtml_trees


def chapter_file(name: str, text: str | bytes):  # type: ignore[no-untyped-def]
    def change(book: Path) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        (book / name).write_bytes(data)

    return change


def bibliography(name: str, text: str):  # type: ignore[no-untyped-def]
    def change(book: Path) -> None:
        (book / name).write_text(text, encoding="utf-8")
        edit(book / "book.toml", '"refs.yaml"', json.dumps(name))

    return change


NOT_UTF8 = b"---\nkind: note\ntitle: Two\n---\nCaf\xe9 au lait.\n"
BAD_INPUTS = {
    "malformed-book-toml": (
        toml_edit('title = "A Small Book"', 'title = "A Small Book'),
        [r"book\.toml:2\b"],
    ),
    "malformed-front-matter": (
        chapter_file("one.md", "---\nkind: essay\ntitle: [unclosed\n---\nText.\n"),
        [r"one\.md:[34]\b"],  # where the bracket opens, or where YAML finds it unclosed
    ),
    "front-matter-colon": (
        chapter_file("one.md", "---\nkind: essay\ntitle: Part One: Beginnings\n---\nText.\n"),
        [r"one\.md:3\b"],
    ),
    "front-matter-is-a-list": (
        chapter_file("one.md", "---\n- kind\n- title\n---\nText.\n"),
        [r"one\.md:\d+"],
    ),
    "front-matter-never-closed": (
        chapter_file("one.md", "---\nkind: essay\ntitle: Open\nText.\n"),
        [r"one\.md:\d+"],
    ),
    "subjects-is-a-number": (
        toml_edit('rights = "Public domain."', 'rights = "Public domain."\nsubjects = 3'),
        [r"book\.toml:8\b", "subjects"],
    ),
    "related-is-a-number": (
        lambda book: edit(book / "idea.md", "tagline:", "related: 5\ntagline:"),
        [r"idea\.md:5\b", "related"],
    ),
    "title-is-a-list": (
        chapter_file("one.md", "---\nkind: essay\ntitle: [a, b]\n---\nText.\n"),
        [r"one\.md:3\b", "title"],
    ),
    "kind-is-unknown": (
        chapter_file("one.md", "---\nkind: poem\ntitle: A Poem\n---\nText.\n"),
        [r"one\.md:2\b", "poem"],
    ),
    "chapter-not-utf8": (
        chapter_file("two.md", NOT_UTF8),
        [r"two\.md:5\b", f"byte offset {NOT_UTF8.index(0xE9)}"],
    ),
    "book-toml-not-utf8": (
        lambda book: (book / "book.toml").write_bytes(
            (book / "book.toml").read_bytes().replace(b"Public domain.", b"Domaine \xe9.")
        ),
        [r"book\.toml:\d+", "byte offset"],
    ),
    "missing-chapter": (lambda book: (book / "two.md").unlink(), [r"book\.toml:\d+", "two.md"]),
    "duplicate-chapter-id": (
        chapter_file("two.md", "---\nkind: note\nid: one\ntitle: Two\n---\nText.\n"),
        [r"two\.md:3\b", "one"],
    ),
    "empty-manuscript": (
        toml_edit('chapters = ["one.md", "two.md", "idea.md"]', "chapters = []"),
        [r"book\.toml", "chapters"],
    ),
    "malformed-yaml-bibliography": (
        bibliography("refs-bad.yaml", "references:\n  - id: x\n    title: [unclosed\n"),
        [r"refs-bad\.yaml:\d+"],
    ),
    "malformed-json-bibliography": (
        bibliography("refs.json", '[\n  {"id": "x", "title": "T",}\n]\n'),
        [r"refs\.json:2\b"],
    ),
    "malformed-bibtex-bibliography": (
        bibliography("refs.bib", "@book{x,\n  title = {Unclosed,\n  year = 1999\n"),
        [r"refs\.bib:\d+"],
    ),
    "missing-image": (image_in_one("images/nope.png"), [r"one\.md:7\b", "images/nope.png"]),
    "image-of-unknown-type": (
        image_in_one("doc.pdf", lambda b: (b / "doc.pdf").write_bytes(b"%PDF-1.4\n")),
        [r"one\.md:7\b", "doc.pdf"],
    ),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_an_error_naming_file_and_line(small_book, tmp_path, name):
    change, patterns = BAD_INPUTS[name]
    book = copy_book(small_book, tmp_path / "book")
    change(book)
    out = tmp_path / "out"
    assert_refused(cli_build(book, out, "epub"), out, *patterns)


def test_image_that_is_not_an_image_is_an_error(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    image_in_one("x.png", lambda b: (b / "x.png").write_text("not a PNG\n"))(book)
    out = tmp_path / "out"
    assert_refused(cli_build(book, out, "epub"), out, r"one\.md:7\b", "x.png")


def test_author_sort_of_the_wrong_type_is_an_error(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    edit(book / "book.toml", 'sort = "Example, Ada"', 'sort = ["Example", "Ada"]')
    out = tmp_path / "out"
    assert_refused(cli_build(book, out, "epub"), out, r"book\.toml:\d+", "sort")


@pytest.mark.parametrize(
    ("old", "new"),
    [('language = "en-US"', 'language = "not a language!"'), ('"2025-03-01"', '"yesterday"')],
    ids=["language", "date"],
)
def test_invalid_language_or_date_is_an_error(small_book, tmp_path, old, new):
    book = copy_book(small_book, tmp_path / "book")
    edit(book / "book.toml", old, new)
    out = tmp_path / "out"
    assert_refused(cli_build(book, out, "epub"), out, r"book\.toml:\d+")


@pytest.mark.parametrize(
    ("file", "old", "new", "pattern"),
    [
        ("one.md", None, '---\nkind: essay\ntitle: "A\\vB"\n---\nText.\n', r"one\.md:3\b"),
        ("book.toml", 'title = "A Small Book"', 'title = "A \\u000b Book"', r"book\.toml:2\b"),
    ],
    ids=["front-matter-title", "book-toml-title"],
)
def test_control_characters_in_titles_are_an_error(small_book, tmp_path, file, old, new, pattern):
    book = copy_book(small_book, tmp_path / "book")
    if old is None:
        (book / file).write_text(new, encoding="utf-8")
    else:
        edit(book / file, old, new)
    out = tmp_path / "out"
    assert_refused(cli_build(book, out, "epub"), out, pattern)


def test_bom_and_crlf_are_accepted_silently(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    for name in ("book.toml", "refs.yaml", "one.md", "two.md", "idea.md"):
        path = book / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    result = build(book, tmp_path / "out", ["epub"])
    baseline = build(small_book, tmp_path / "baseline", ["epub"])
    assert [str(w) for w in result.warnings] == [str(w) for w in baseline.warnings]
    files = epub_files(result.outputs["epub"])
    xhtml_trees(files)
    for name, data in files.items():
        if name.endswith((".xhtml", ".opf", ".ncx")):
            text = data.decode("utf-8")
            assert "\ufeff" not in text and "\r" not in text, name
            assert "&#13;" not in text and "&#xD;" not in text, name
    assert document_with(files, "The First Essay")  # front matter read despite the BOM
    cli = cli_build(book, tmp_path / "cli-out", "epub")
    assert cli.exit_code == 0, cli.output
