"""The printed reading appendices and display pages, read back from the demo's PDF."""

from __future__ import annotations

import re

import pdfplumber
from test_document import opener, read_pages, toc_entries

DISCUSSED = re.compile(r"Discussed in: ((?:[^;.]+?, p\. \d+; )*[^;.]+?, p\. \d+)")


def unbroken(text: str) -> str:
    """Words hyphenated at a line's end joined again; then without hyphens at all, so a
    title compares whether or not the line broke inside it."""
    return re.sub(r"(\w)- (\w)", r"\1\2", text).replace("-", "")


def chapter_folios(pages) -> dict[str, range]:  # type: ignore[no-untyped-def]
    """Each body chapter's folios, from the contents: up to the next entry's first page."""
    starts = [(unbroken(t), int(n)) for t, n in toc_entries(pages) if n.isdigit()]
    ends = [n for _, n in starts[1:]] + [10**6]
    return {title: range(start, end) for (title, start), end in zip(starts, ends, strict=True)}


def test_discussed_in_gives_the_pages_where_each_chapter_cites_the_work(demo_build):
    pages = read_pages(demo_build["pdf"])
    by_folio = {p.folio: p for p in pages if p.folio.isdigit()}
    chapters = chapter_folios(pages)
    first = opener(pages, "Works Cited").index
    last = opener(pages, "Concepts").index
    listed = unbroken(" ".join(p.body for p in pages[first - 1 : last - 1]))
    checked = 0
    start = len("Works Cited")
    for match in DISCUSSED.finditer(listed):
        lead = listed[start : match.start()].split(",")[0].strip()  # "Ainsworth", "Kolk"
        start = match.end()
        for where in match.group(1).split("; "):
            title, folio = where.rsplit(", p. ", 1)
            assert int(folio) in chapters[title], (lead, title, folio)
            assert lead in unbroken(by_folio[folio].body), (lead, title, folio)
            checked += 1
    assert checked >= 40  # every entry of the demo's Works Cited names its chapters
    assert "Discussed in: What the Face Says, p. " in listed


def test_the_screen_edition_names_chapters_without_pages(demo_build):
    pages = read_pages(demo_build["screen"])
    text = " ".join(p.body for p in pages)
    assert "Discussed in: What the Face Says" in text
    assert not re.search(r"Discussed in: [^;]+?, p\. \d", text)


def test_a_part_page_sets_its_label_above_its_name(demo_build):
    pages = read_pages(demo_build["pdf"])
    part = opener(pages, "Part Two: A Small Lexicon of Being Seen")
    assert part.big == ["A Small Lexicon of Being Seen"]  # the name on one line, set large
    with pdfplumber.open(demo_build["pdf"]) as pdf:
        lines = pdf.pages[part.index - 1].extract_text().splitlines()
    assert [line.strip() for line in lines[:2]] == ["PART TWO", "A Small Lexicon of Being Seen"]
