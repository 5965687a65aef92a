"""A page reference into the front matter prints the folio printed there, in roman
("see page xi"), in both layouts: the Content Notes page, "see page" links and
"Discussed in" (they printed its arabic page count, a page of Part Two)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import edit, make_small_book
from makebook.build import build


def book_with_a_noted_preface(root: Path) -> Path:
    make_small_book(root)
    (root / "preface.md").write_text(
        "---\ntitle: Preface\ncontent_note: Mentions a loss.\n---\nWhy this book [@siegel1999].\n",
        encoding="utf-8",
    )
    toml = root / "book.toml"
    toml.write_text(
        toml.read_text().replace("[contents]\n", '[contents]\nfront = ["preface.md"]\n')
    )
    edit(
        root / "one.md",
        "> We are what we attend to.",
        "See the [Preface](preface.md).\n\n> We are what we attend to.",
    )
    return root


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = book_with_a_noted_preface(tmp_path_factory.mktemp("front") / "book")
    return {
        "chapterwise": build(root, tmp_path_factory.mktemp("front-a"), ["pdf"]).outputs["pdf"],
        "release": build(root, tmp_path_factory.mktemp("front-b"), ["pdf"], release=True).outputs[
            "pdf"
        ],
    }


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["chapterwise", "release"])
def test_references_to_the_front_matter_print_its_roman_folio(builds, layout):
    reader = PdfReader(builds[layout])
    texts = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    preface = next(
        n for n, text in enumerate(texts) if text.startswith("Content note") and "Preface" in text
    )
    folio = reader.page_labels[preface]
    assert re.fullmatch(r"[ivxl]+", folio), folio
    text = " ".join(texts)
    assert f"Preface (see page {folio}): Mentions a loss." in text  # the Content Notes page
    assert f"See the Preface (see page {folio})." in text
    assert f"Discussed in: Preface, p. {folio}" in text
