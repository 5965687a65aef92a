"""Page labels (/PageLabels) in both PDFs, and the print edition's even page count.

A PDF viewer's page box shows a page's label: it must be the folio printed on the page
(roman front matter, arabic body), and the label the EPUB's page-list gives the same
page, so "page 57" is the same page in every edition. Both layouts are built: chapter
by chapter (joined) and whole (`--release`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import chapter_text, copy_book, epub_files, make_small_book, write
from makebook.build import build
from makebook.pdf.pagelabels import LabelRange, label_ranges, page_labels, set_page_labels

# --- the number tree ----------------------------------------------------------------


def test_roman_front_matter_then_arabic_body_is_two_ranges() -> None:
    labels = ["i", "ii", "iii", "iv", "1", "2", "3"]
    assert label_ranges(labels) == [LabelRange(0, "r", 1), LabelRange(4, "D", 1)]


def test_a_sequence_that_does_not_start_at_one_keeps_its_start() -> None:
    assert label_ranges(["v", "vi", "7", "8"]) == [LabelRange(0, "r", 5), LabelRange(2, "D", 7)]


def test_a_jump_or_a_restart_starts_a_new_range() -> None:
    assert label_ranges(["1", "2", "5", "1"]) == [
        LabelRange(0, "D", 1),
        LabelRange(2, "D", 5),
        LabelRange(3, "D", 1),
    ]


def test_a_label_that_is_no_number_is_a_prefix_of_its_own() -> None:
    assert label_ranges(["Cover", "1"]) == [LabelRange(0, "", 1, "Cover"), LabelRange(1, "D", 1)]


def test_labels_written_are_the_labels_a_viewer_reads(tmp_path: Path) -> None:
    labels = ["i", "ii", "iii", "1", "2", "3", "4"]
    with pikepdf.new() as pdf:
        for _ in labels:
            pdf.add_blank_page()
        set_page_labels(pdf, labels)
        pdf.save(tmp_path / "labelled.pdf")
    with pikepdf.open(tmp_path / "labelled.pdf") as pdf:
        assert page_labels(pdf) == labels
        assert len(pdf.Root.PageLabels.Nums) == 4  # two ranges: one node, compact


def test_labels_must_cover_every_page() -> None:
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        with pytest.raises(ValueError, match="2 page labels for 1 pages"):
            set_page_labels(pdf, ["i", "ii"])


# --- built books ----------------------------------------------------------------------

FOLIO = re.compile(r"^(\d+|[ivxlc]+)$")


def printed_folios(path: Path) -> list[str]:
    """The folio printed at each page's foot ("" for none), and "" for a blank page."""
    folios = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            foot = [w["text"] for w in page.extract_words() if w["top"] > page.height * 0.88]
            folios.append(foot[-1] if foot and FOLIO.match(foot[-1]) else "")
    return folios


def labels_of(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return page_labels(pdf)


def page_list(epub: Path) -> list[str]:
    nav = epub_files(epub)["EPUB/nav.xhtml"].decode()
    listed = nav.split('epub:type="page-list"', 1)[1]
    return re.findall(r'href="[^"]*#page-[^"]*">([^<]+)</a>', listed)


def is_blank(path: Path, index: int) -> bool:
    with pdfplumber.open(path) as pdf:
        return not pdf.pages[index].extract_words()


def long_afterword(book: Path) -> Path:
    """The small book with a two-page afterword last: its print layout has an even
    number of pages before any blank is added (measured: 22)."""
    paragraph = "Listening takes longer than we think; it waits for the second sentence. " * 7
    write(book / "after.md", chapter_text("Afterword", "\n\n".join([paragraph] * 6), "note"))
    toml = book / "book.toml"
    toml.write_text(
        toml.read_text().replace("[contents]\n", '[contents]\nback = ["after.md"]\n'),
        encoding="utf-8",
    )
    return book


@pytest.fixture(scope="module", params=["chapterwise", "release"])
def small_books(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The small book (an odd print count, 19) and one with an afterword (even), built
    chapter by chapter or whole."""
    root = tmp_path_factory.mktemp(f"labels-{request.param}")
    release = request.param == "release"
    odd = make_small_book(root / "odd")
    even = long_afterword(copy_book(odd, root / "even"))
    return {
        name: build(book, root / f"out-{name}", release=release).outputs
        for name, book in (("odd", odd), ("even", even))
    }


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_every_label_is_the_folio_printed_on_its_page(small_books, edition: str) -> None:  # type: ignore[no-untyped-def]
    for outputs in small_books.values():
        path = outputs[edition]
        labels, folios = labels_of(path), printed_folios(path)
        assert len(labels) == len(folios)
        shown = [(label, folio) for label, folio in zip(labels, folios, strict=True) if folio]
        assert len(shown) >= 4, folios  # the test reads folios at all
        assert all(label == folio for label, folio in shown), shown
        assert len(set(labels)) == len(labels), labels  # unnumbered pages collide with none
        assert labels[0] == "i" and "1" in labels


def test_the_body_starts_at_arabic_one_after_roman_front_matter(small_books) -> None:  # type: ignore[no-untyped-def]
    labels = labels_of(small_books["odd"]["pdf"])
    first = labels.index("1")
    assert all(re.fullmatch("[ivxl]+", label) for label in labels[:first])
    assert labels[first:] == [str(n) for n in range(1, len(labels) - first + 1)]


def test_the_epub_page_list_names_the_pages_the_pdf_labels(small_books) -> None:  # type: ignore[no-untyped-def]
    outputs = small_books["odd"]
    assert page_list(outputs["epub"]) == labels_of(outputs["pdf"])


def test_an_odd_print_count_ends_on_a_blank_verso(small_books) -> None:  # type: ignore[no-untyped-def]
    path = small_books["odd"]["pdf"]
    labels = labels_of(path)
    assert len(labels) == 20  # 19 laid out, one blank verso added
    assert is_blank(path, -1) and not is_blank(path, -2)
    assert labels[-1] == str(int(labels[-2]) + 1)
    with pikepdf.open(path) as pdf:
        last, before = pdf.pages[-1], pdf.pages[-2]
        assert last.trimbox == before.trimbox and last.mediabox == before.mediabox


def test_an_even_print_count_gets_no_blank_page(small_books) -> None:  # type: ignore[no-untyped-def]
    path = small_books["even"]["pdf"]
    assert len(labels_of(path)) % 2 == 0
    assert not is_blank(path, -1)  # the afterword's second page is the last


def test_the_screen_edition_gets_no_blank_page(small_books) -> None:  # type: ignore[no-untyped-def]
    path = small_books["odd"]["screen"]
    assert len(labels_of(path)) == 11  # odd, as laid out
    assert not is_blank(path, -1)
