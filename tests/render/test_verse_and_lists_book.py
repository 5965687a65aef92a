"""A book with verse (line blocks), fancy and example lists and inline notes, built
whole: EPUBCheck and Ace pass it, and both PDFs print the verse line by line, the
list numbers in their styles and the inline notes at the page foot."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from conftest import (
    SMALL_CHAPTERS,
    ace_violations,
    chapter_text,
    copy_book,
    epub_files,
    run_ace,
    run_epubcheck,
    set_chapters,
)
from makebook.build import BuildResult, build

LONG_LINE = (
    "And here a line of verse so long that no page of this book could hold it on a "
    "single line, so it must wrap"
)
BODY = f"""\
A poem, with an inline note.^[The poem is *anonymous*, see [the lists](#lists), [the manual](https://pandoc.org/MANUAL.html) [and its *brackets*].]

| The limerick packs laughs anatomical
| In space that is quite economical.
|    But the good ones I've seen
|    So seldom are clean
| And the clean ones so seldom are comical
|
| {LONG_LINE}

An address:

| 200 Main St.
| Berkeley, CA 94718

## Lists

 9)  Ninth
10)  Tenth
       i. subone
      ii. subtwo

c. third letter
d. fourth letter

(@first)  A first example.
(@)  A second one.

As (@first) shows, with a note.[^ref]

(@)  A third example.

#.  one
#.  two

[^ref]: A reference note, numbered after the inline one.
"""


@pytest.fixture(scope="module")
def verse_build(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    book = copy_book(small_book, tmp_path_factory.mktemp("verse") / "book")
    (book / "verse.md").write_text(chapter_text("Verse and Lists", BODY), encoding="utf-8")
    set_chapters(book, [*SMALL_CHAPTERS, "verse.md"])
    return build(book, tmp_path_factory.mktemp("out"), ["epub", "pdf", "screen"])


def verse_page(result: BuildResult) -> str:
    files = epub_files(result.outputs["epub"])
    return next(data for data in files.values() if b">Verse and Lists<" in data).decode()


def test_the_epub_holds_verse_lists_and_notes(verse_build):
    page = verse_page(verse_build)
    assert page.count('<div class="line-block">') == 2
    assert '<ol start="9" type="1">' in page and '<ol type="i">' in page
    assert '<ol start="3" type="a">' in page
    assert '<ol class="example" type="1">' in page
    assert '<ol class="example" start="3" type="1">' in page
    assert "As (1) shows" in page
    assert page.count('epub:type="footnote"') == 2
    assert "^[" not in page and "(@" not in page
    assert 'href="#verse--lists"' in page  # the inline note's link to a heading
    assert not [w for w in verse_build.warnings if str(w.path) == "verse.md"]


def test_epubcheck_and_ace_pass_the_book(verse_build, tmp_path):
    report = run_epubcheck(verse_build.outputs["epub"], tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nFatal"] == report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages
    ace = run_ace(verse_build.outputs["epub"], tmp_path / "ace")
    assert ace_violations(ace) == []


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_the_pdfs_print_verse_by_lines_and_numbers_in_their_styles(verse_build, edition):
    with pdfplumber.open(verse_build.outputs[edition]) as pdf:
        lines = [
            line
            for page in pdf.pages
            for line in (page.extract_text(layout=False) or "").split("\n")
        ]
        text = "\n".join(lines)
    assert "In space that is quite economical." in lines
    assert "So seldom are clean" in {line.strip() for line in lines}
    start = next(i for i, line in enumerate(lines) if line.startswith("And here a line"))
    wrapped = lines[start + 1]
    assert LONG_LINE.startswith(lines[start]) and LONG_LINE.endswith(wrapped.strip())
    limerick = next(p for p in pdfplumber.open(verse_build.outputs[edition]).pages
                    if "economical" in (p.extract_text() or ""))  # fmt: skip
    assert "1. The poem is anonymous, see the lists, the manual [and its brackets]." in (
        limerick.extract_text() or ""
    )  # the inline note at the foot of its page
    words = limerick.extract_words()
    left = min(w["x0"] for w in words if w["text"] in ("The", "In", "And"))
    indented = next(w["x0"] for w in words if w["text"] == "But")
    hanging = next(w["x0"] for w in words if w["text"] == wrapped.split()[0])
    assert indented > left + 5 and hanging > left + 10  # the indent kept; the wrap hangs
    for number in ("9.", "10.", "i.", "ii.", "c.", "d.", "1.", "2.", "3."):
        assert number in text.split(), number
