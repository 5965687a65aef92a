"""Every construct of the pandoc comparison (tests/render/test_vs_pandoc.py: pandoc's
manual's examples and ours), built together as one book in every edition (issue 17's
"done when"): nothing is reported but what the cases do on purpose, no syntax is left
in the text of any edition, and each edition shows what the constructs are for.
EPUBCheck and Ace check the EPUB with the other books (tests/epub/test_validators.py)."""

from __future__ import annotations

import re
import zipfile

import pdfplumber
import pytest

from makebook.manuscript.syntax import mask_code

# What the cases do on purpose, each reported at its line: raw TeX and a {=latex} block
# are left out (pandoc leaves them out of HTML too); a `#` line under a paragraph line is
# no heading (pandoc prints it too), which may well be a mistake.
EXPECTED_WARNINGS = (
    r"raw TeX \\cite\{jones\.1967\} was left out of the book",
    r"raw \{=latex\} is left out of the book",
    r"a heading `# not a heading` is printed as text",
)
# Warnings about the book, not about a case: it is too thin for spine text on its cover.
BOOK_WARNINGS = (
    r"^book\.toml:\d+: warning: the print edition has \d+ pages: the print cover's spine",
)
# Syntax that must not be printed, unless the Markdown shows it in code or escapes it.
SYNTAX = ("^[", "[@", ":::", "\\newpage", "$$", "{#", "{.", "(@", "~~", "[^", "](", "\\begin")


def chapter_files(build) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(build.outputs["epub"]) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if re.search(r"constructs-\d+\.xhtml$", name)
        }


def shown_in_code_or_escaped(token: str, markdowns: list[str]) -> bool:
    masked = "".join(mask_code(m) for m in markdowns)
    everything = "".join(markdowns)
    escaped = "".join("\\" + c for c in token)
    return token in everything and (token not in masked or escaped in everything)


@pytest.fixture(scope="module")
def markdowns(pandoc_constructs_book):  # type: ignore[no-untyped-def]
    files = sorted(pandoc_constructs_book.glob("constructs-*.md"))
    return [path.read_text(encoding="utf-8") for path in files]


def test_only_the_cases_warnings_are_reported(pandoc_constructs_build):
    messages = [str(w) for w in pandoc_constructs_build.warnings]
    known = (*EXPECTED_WARNINGS, *BOOK_WARNINGS)
    unexpected = [m for m in messages if not any(re.search(e, m) for e in known)]
    assert unexpected == []
    for expected in EXPECTED_WARNINGS:  # each at a file and line
        assert any(re.search(r"constructs-\d\.md:\d+: warning: " + expected, m) for m in messages)


def test_no_syntax_in_the_epub_text(pandoc_constructs_build, markdowns):
    from lxml import etree

    text = ""
    for xhtml in chapter_files(pandoc_constructs_build).values():
        root = etree.fromstring(xhtml.encode("utf-8"))
        for verbatim in root.iter("{*}code", "{*}pre", "{*}math"):
            verbatim.getparent().remove(verbatim)
        text += " ".join(root.itertext())
    left = [t for t in SYNTAX if t in text and not shown_in_code_or_escaped(t, markdowns)]
    assert left == []


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_no_syntax_in_the_pdf_text(pandoc_constructs_build, markdowns, edition):
    with pdfplumber.open(pandoc_constructs_build.outputs[edition]) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    left = [t for t in SYNTAX if t in text and not shown_in_code_or_escaped(t, markdowns)]
    assert left == []
    assert "Constructs 6" in text  # every chapter printed


def test_the_epub_shows_each_kind_of_construct(pandoc_constructs_build):
    xhtml = "".join(chapter_files(pandoc_constructs_build).values())
    for marker in (
        '<div class="line-block">',  # verse
        'type="A"',  # a fancy list (A), as pandoc's manual writes one
        'class="example"',  # an example list
        "<math",  # TeX math, as MathML
        "<figure",  # an implicit figure
        "<del>",  # strikeout
        'class="citation"',  # citations, bracketed and in the text
        'epub:type="noteref"',  # notes, inline ones too
        "<table",  # pipe, simple, multiline and grid tables
        "<dl",  # definition lists, `~` ones too
    ):
        assert marker in xhtml, marker


def test_math_is_drawn_in_both_pdfs(pandoc_constructs_build):
    for edition in ("pdf", "screen"):
        with pdfplumber.open(pandoc_constructs_build.outputs[edition]) as pdf:
            assert sum(len(page.curves) for page in pdf.pages) > 10, edition
