"""Nothing outside the book's folder is read and nothing is fetched from the network:
paths that leave the book are refused with the file and line, remote stylesheets are
never loaded."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import (
    add_picture,
    assert_refused,
    chapter_text,
    cli_build,
    copy_book,
    edit,
    epub_files,
    image_in_one,
    toml_edit,
)
from makebook.build import build


def outside_files(tmp_path: Path) -> None:
    (tmp_path / "outside.md").write_text(chapter_text("Secret", "Secret text.\n"))
    add_picture(tmp_path, "outside.png")


@pytest.mark.parametrize(
    ("name", "patterns"),
    [
        ("dot-dot-path", [r"book\.toml", re.escape("../../etc/passwd")]),
        ("absolute-path", [r"book\.toml", re.escape("/etc/passwd")]),
        ("symlinked-chapter", [r"book\.toml:\d+", "two.md"]),
        ("symlinked-image", [r"one\.md:7\b", "pic.png"]),
        ("symlinked-image-folder", [r"one\.md:7\b", "images/outside.png"]),
        ("image-outside", [r"one\.md:7\b", re.escape("../../outside.png")]),
        ("remote-image", [r"one\.md:7\b", re.escape("https://example.com/a.png")]),
        ("remote-html-image", [r"one\.md:7\b", re.escape("https://example.com/a.png")]),
        ("bibliography-outside", [r"book\.toml", re.escape("../outside.yaml")]),
        ("cover-outside", [r"book\.toml", re.escape("../outside.png")]),
    ],
)
def test_paths_that_leave_the_book_are_refused(small_book, tmp_path, network_guard, name, patterns):
    outside_files(tmp_path)
    (tmp_path / "outside.yaml").write_text("- id: secret\n  title: Secret\n")
    book = copy_book(small_book, tmp_path / "a" / "book")
    setups = {
        "dot-dot-path": toml_edit('"two.md"', '"../../etc/passwd"'),
        "absolute-path": toml_edit('"two.md"', '"/etc/passwd"'),
        "symlinked-chapter": lambda b: ((b / "two.md").unlink(), os.symlink(tmp_path / "outside.md", b / "two.md")),
        "symlinked-image": image_in_one("pic.png", lambda b: os.symlink(tmp_path / "outside.png", b / "pic.png")),
        "symlinked-image-folder": image_in_one("images/outside.png", lambda b: os.symlink(tmp_path, b / "images")),
        "image-outside": image_in_one("../../outside.png"),
        "remote-image": image_in_one("https://example.com/a.png"),
        "remote-html-image": lambda b: (b / "one.md").write_text(
            chapter_text("One", 'Text.\n\n<img src="https://example.com/a.png" alt="Remote">\n')
        ),
        "bibliography-outside": toml_edit('"refs.yaml"', '"../outside.yaml"'),
        "cover-outside": toml_edit('rights = "Public domain."', 'rights = "Public domain."\ncover = "../outside.png"'),
    }  # fmt: skip
    setups[name](book)
    out = tmp_path / "out"
    assert_refused(cli_build(book, out, "epub", "pdf"), out, *patterns)
    assert network_guard == []


@pytest.mark.parametrize("formats", [("epub",), ("pdf",)], ids=["epub", "pdf"])
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("reference-outside", chapter_text("One", "Text.\n\n![A picture][pic]\n\n[pic]: ../../outside.png\n")),
        ("reference-absolute", chapter_text("One", "Text.\n\n![A picture][pic]\n\n[pic]: {outside}\n")),
        ("reference-remote", chapter_text("One", "Text.\n\n![A picture][]\n\n[a picture]: https://example.com/a.png\n")),
        ("epigraph-outside", chapter_text("One", "Text.\n", extra='epigraph: "![A picture](../../outside.png)"\n')),
    ],
    ids=["reference-outside", "reference-absolute", "reference-remote", "epigraph-outside"],
)  # fmt: skip
def test_images_the_loader_does_not_see_are_still_refused(
    small_book, tmp_path, network_guard, name, text, formats
):
    outside_files(tmp_path)
    secret = (tmp_path / "outside.png").read_bytes()
    book = copy_book(small_book, tmp_path / "a" / "book")
    text = text.replace("{outside}", str(tmp_path / "outside.png"))
    (book / "one.md").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = cli_build(book, out, *formats)
    for epub in out.glob("*.epub"):
        leaked = [n for n, data in epub_files(epub).items() if data == secret]
        assert leaked == [], f"a file from outside the book is in the EPUB as {leaked}"
    assert_refused(result, out, r"one\.md")
    assert network_guard == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"two.md"', '"../../etc/passwd"'),
        ('"refs.yaml"', '"../outside.yaml"'),
        ('rights = "Public domain."', 'rights = "Public domain."\ncover = "../outside.png"'),
    ],
    ids=["chapter", "bibliography", "cover"],
)
def test_refused_book_toml_paths_name_the_line(small_book, tmp_path, old, new):
    outside_files(tmp_path)
    book = copy_book(small_book, tmp_path / "a" / "book")
    edit(book / "book.toml", old, new)
    out = tmp_path / "out"
    assert_refused(cli_build(book, out, "epub"), out, r"book\.toml:\d+")


REMOTE_IMPORT = "@import url(https://example.com/remote.css);\n"


def test_remote_stylesheet_import_is_never_fetched(small_book, tmp_path, network_guard):
    book = copy_book(small_book, tmp_path / "book")
    css = book / "styles" / "book.css"
    css.write_text(REMOTE_IMPORT + css.read_text(encoding="utf-8"), encoding="utf-8")
    try:
        build(book, tmp_path / "out", ["pdf"])
    except KeyboardInterrupt:
        raise
    except BaseException:  # refusing is fine here; fetching is not (see the test below)
        pass
    assert network_guard == []


def test_remote_stylesheet_import_is_reported_not_a_crash(small_book, tmp_path, network_guard):
    book = copy_book(small_book, tmp_path / "book")
    css = book / "styles" / "book.css"
    css.write_text(REMOTE_IMPORT + css.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    result = cli_build(book, out, "pdf")
    text = " ".join(result.output.split())
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert "Traceback" not in result.output
    assert "book.css" in text, text
    assert network_guard == []


def test_remote_stylesheet_import_never_reaches_the_epub(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    css = book / "styles" / "book.css"
    css.write_text(REMOTE_IMPORT + css.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    result = cli_build(book, out, "epub")
    if result.exit_code != 0:
        assert_refused(result, out, "book.css")
        return
    files = epub_files(next(out.glob("*.epub")))
    assert [n for n, data in files.items() if b"example.com" in data] == []
