"""The PDF edition, read back page by page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

ROMAN = re.compile(r"^[ivxlc]+$")


@dataclass
class PageText:
    index: int  # 1-based physical page
    head: str
    folio: str
    body: str
    big: list[str]  # lines set larger than body text: titles


@cache
def read_pages(path: Path) -> tuple[PageText, ...]:
    pages = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            words = page.extract_words(extra_attrs=["size"])
            head = [w for w in words if w["top"] < 0.75 * 72]
            foot = [w for w in words if w["top"] > page.height - 0.75 * 72]
            middle = [w for w in words if w not in head and w not in foot]
            big_lines: dict[int, list[str]] = {}
            for w in middle:
                if w["size"] >= 16:
                    big_lines.setdefault(round(w["top"]), []).append(w["text"])
            pages.append(
                PageText(
                    index=number,
                    head=" ".join(w["text"] for w in head),
                    folio=" ".join(w["text"] for w in foot),
                    body=" ".join(w["text"] for w in middle),
                    big=[" ".join(v) for _, v in sorted(big_lines.items())],
                )
            )
    return tuple(pages)


def toc_entries(pages: tuple[PageText, ...]) -> list[tuple[str, str]]:
    toc = next(p for p in pages if p.big and p.big[0] == "Contents")
    body = toc.body.removeprefix("Contents").strip()
    entries = re.findall(r"(.+?)\s*(?:\.\s*)+\s([ivxlc]+|\d+)(?=\s|$)", body)
    return [(title.strip(), number) for title, number in entries]


def opener(pages: tuple[PageText, ...], title: str) -> PageText:
    """The page where a title is set large, as a chapter or part opening."""
    words = title.split()
    for page in pages:
        joined = " ".join(page.big)
        if joined.startswith(" ".join(words[:3])):
            return page
    raise AssertionError(f"no page opens with {title!r}")


def test_page_size_is_the_configured_trim(demo_build):
    reader = PdfReader(demo_build["pdf"])
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (396, 612)  # 5.5 x 8.5 in


def test_toc_page_numbers_are_the_real_pages(demo_build):
    pages = read_pages(demo_build["pdf"])
    entries = toc_entries(pages)
    titles = [t for t, _ in entries]
    assert "Preface" in titles and "Works Cited" in titles and "Attunement" in titles
    assert len(entries) >= 18
    for title, number in entries:
        page = opener(pages, title)
        if title.startswith("Part "):
            # Part openers carry no folio; count from the chapter after them.
            following = pages[page.index]  # the next physical page
            assert following.folio == "" or int(following.folio) == int(number) + 1
            continue
        assert page.folio == number, f"{title}: TOC says {number}, page shows {page.folio!r}"


def test_folios_are_roman_then_arabic_from_one(demo_build):
    pages = read_pages(demo_build["pdf"])
    folios = [p.folio for p in pages if p.folio]
    romans = [f for f in folios if ROMAN.match(f)]
    arabic = [int(f) for f in folios if f.isdigit()]
    assert romans and arabic
    assert folios[: len(romans)] == romans, "roman folios come first"
    first_body = next(p for p in pages if p.folio.isdigit())
    # The first arabic folio counts from the first body page (a folio-less part opener).
    assert int(first_body.folio) in (1, 2, 3)
    assert arabic == sorted(arabic)
    for page in pages:
        if page.folio.isdigit():
            # The physical page and the folio agree on recto (odd) and verso (even).
            assert (
                int(page.folio) % 2 == (page.index - first_body.index + int(first_body.folio)) % 2
            )


def test_chapters_open_on_right_hand_pages_without_running_heads(demo_build):
    pages = read_pages(demo_build["pdf"])
    for title in ("What the Face Says", "The Kitchen Table", "Attunement", "Suggested Reading"):
        page = opener(pages, title)
        assert page.index % 2 == 1, f"{title} opens on a verso"
        assert page.head == "", f"{title} opener has a running head"


def test_running_heads_book_title_left_chapter_title_right(demo_build):
    pages = read_pages(demo_build["pdf"])
    start = opener(pages, "What the Face Says")
    following = pages[start.index : start.index + 2]  # the next two pages
    verso, recto = sorted(following, key=lambda p: p.index % 2)
    assert verso.head == "The Listening Year"
    assert recto.head == "What the Face Says"
    heads = {p.head for p in pages}
    assert "Works Cited" in heads and "Co-regulation" in heads


def test_all_fonts_are_embedded_and_none_is_a_fallback(demo_build):
    reader = PdfReader(demo_build["pdf"])
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            descendants = font.get("/DescendantFonts")
            descriptor = (
                descendants[0].get_object()["/FontDescriptor"]
                if descendants
                else font["/FontDescriptor"]
            ).get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    assert names
    assert all("Source" in name for name in names), names


def test_bookmarks_follow_parts_chapters_and_appendices(demo_build):
    reader = PdfReader(demo_build["pdf"])

    def walk(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from walk(item, depth + 1)
            else:
                yield depth, item.title, reader.get_destination_page_number(item)

    outline = list(walk(reader.outline))
    top = [title for depth, title, _ in outline if depth == 0]
    assert top == [
        "Contents",
        "Preface",
        "Part One: Learning to Listen",
        "Part Two: A Small Lexicon of Being Seen",
        "Suggested Reading",
        "Suggested Films",
        "Works Cited",
        "Concepts",
        "About the Author",
    ]
    nested = [title for depth, title, _ in outline if depth == 1]
    assert "What the Face Says" in nested and "Emotional Neglect" in nested
    pages = read_pages(demo_build["pdf"])
    for _, title, index in outline:
        assert opener(pages, title).index == index + 1, title


def test_text_and_footnotes_are_present(demo_build):
    pages = read_pages(demo_build["pdf"])
    text = " ".join(p.body for p in pages)
    assert "The Listening Year" in text
    assert "Discussed in" in text
    assert "Directed by" in text
    # Footnote text sits in the page body area (at its foot), not at the chapter end.
    opener_page = opener(pages, "What the Face Says")
    following = pages[opener_page.index - 1 : opener_page.index + 3]
    assert any(re.search(r"\b1\.\s", p.body) for p in following)


def test_document_metadata(demo_build):
    info = PdfReader(demo_build["pdf"]).metadata
    assert info.title == "The Listening Year"
    assert info.author == "Maren Ellis"


@pytest.mark.parametrize("trim,size", [("6x9in", (432, 648)), ("A5", (420, 595))])
def test_trim_size_is_configurable(small_book, tmp_path, trim, size):
    import shutil

    from makebook.build import build

    book = tmp_path / "book"
    shutil.copytree(small_book, book)
    toml = (book / "book.toml").read_text() + f'\n[pdf]\ntrim = "{trim}"\n'
    (book / "book.toml").write_text(toml)
    pdf = build(book, tmp_path / "out", ["pdf"]).outputs["pdf"]
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size
