"""A book with figures, a numbered table and references across two chapters, built as
EPUB and PDF: EPUBCheck and Ace pass it, and both editions print the numbers."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import (
    ace_violations,
    add_picture,
    chapter_text,
    make_small_book,
    run_ace,
    run_epubcheck,
)
from makebook.build import BuildResult, build

ONE = """See @fig:map and [@fig:map; @fig:b; @tbl:data]; the method is in @sec:method.

![A *map* of the town](images/pic.png){#fig:map width=50%}

![Not numbered, as it has no label](images/pic.png)

## Method {#sec:method}

| Year | Visits |
|------|-------:|
| 2024 |     12 |
| 2025 |     30 |

: Visits by year {#tbl:data}
"""

TWO = """## Later {#sec:later .unnumbered}

![A second picture](images/pic.png){#fig:b .wide}

As @Fig:map showed, and [Method] said.
"""


@pytest.fixture(scope="module")
def figures_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    root = make_small_book(tmp_path_factory.mktemp("figures-book") / "book")
    add_picture(root)
    (root / "one.md").write_text(chapter_text("One", ONE), encoding="utf-8")
    (root / "two.md").write_text(chapter_text("Two", TWO), encoding="utf-8")
    return build(root, tmp_path_factory.mktemp("figures-out"), ["epub", "pdf"])


def chapter_xhtml(epub: Path, chapter: str) -> str:
    with zipfile.ZipFile(epub) as archive:
        name = next(n for n in archive.namelist() if n.endswith(f"{chapter}.xhtml"))
        xhtml = archive.read(name).decode("utf-8")
    return re.sub(r'<span [^>]*epub:type="pagebreak"[^>]*/>', "", xhtml)  # the print pages


def test_the_epub_numbers_figures_and_links_references_across_chapters(figures_build):
    epub = figures_build.outputs["epub"]
    one, two = chapter_xhtml(epub, "one"), chapter_xhtml(epub, "two")
    assert '<span class="caption-number">Figure 1:</span> A <em>map</em> of the town' in one
    assert '<span class="caption-number">Table 1:</span> Visits by year' in one
    assert '<span class="caption-number">Figure 2:</span> A second picture' in two
    assert 'style="width:50.0%"' in one
    assert re.search(r'<a href="[^"]*#one--fig-map" class="crossref">Fig.\u00a01</a>', two)
    assert re.search(r'<a href="[^"]*two.xhtml#two--fig-b" class="crossref">2</a>', one)
    assert re.search(r'<a href="[^"]*#one--sec-method">Method</a>', two)
    assert not [w for w in figures_build.warnings if "cross-reference" in w.message]


def test_epubcheck_passes_the_book(figures_build, tmp_path: Path):
    report = run_epubcheck(figures_build.outputs["epub"], tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages


def test_ace_passes_the_book(figures_build, tmp_path: Path):
    report = run_ace(figures_build.outputs["epub"], tmp_path / "ace")
    assert ace_violations(report) == []


def test_the_pdf_prints_the_numbers(figures_build):
    text = " ".join(page.extract_text() for page in PdfReader(figures_build.outputs["pdf"]).pages)
    text = " ".join(text.split())
    for printed in ("Figure 1: A map of the town", "Table 1: Visits by year", "Figure 2:"):
        assert printed in text
    assert "fig. 1" in text.replace("\u00a0", " ")
