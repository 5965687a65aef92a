"""Page labels (ISO 32000-1, 12.4.2) and the print edition's even page count, written
once on a finished PDF with pikepdf, for both the whole-book and the joined layouts.

A PDF viewer shows a page's label in its page box and goes to the page whose label is
typed there; without labels it shows the page's index, so "page 57" of the EPUB's
page-list (the print edition's folios) was another page in the PDF. The labels are the
folios the EPUB's page-list uses (pdf/pagemap.py): roman in the front matter, arabic
from the body's first page, and for a page printed without a folio (half title, blank
verso, opener) the number it would carry, so no two pages share a label.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from makebook.editions import PRINT
from makebook.model import PageStart, RenderedBook
from makebook.pdf.pagemap import (
    assemble_starts,
    from_roman,
    layout_page_ids,
    raw_starts,
    to_roman,
)
from makebook.xhtml import E

if TYPE_CHECKING:
    from weasyprint import Document

ROMAN_LETTERS = frozenset("ivxlcdm")


@dataclass(frozen=True)
class LabelRange:
    """A run of pages numbered in one style: from page `first` (0-based), style `style`
    ("D" arabic, "r" lower roman, "" a fixed label), starting at `start`."""

    first: int
    style: str
    start: int = 1
    prefix: str = ""


def style_of(label: str) -> tuple[str, int]:
    """The numbering style of a folio and its value; ("", 0) for any other label."""
    if label.isdigit():
        return "D", int(label)
    if label and set(label) <= ROMAN_LETTERS:
        return "r", from_roman(label)
    return "", 0


def label_ranges(labels: Sequence[str]) -> list[LabelRange]:
    """The fewest ranges that give every page its label: a new range wherever the
    numbering changes style or does not go on by one."""
    ranges: list[LabelRange] = []
    previous: tuple[str, int] | None = None
    for index, label in enumerate(labels):
        style, value = style_of(label)
        continues = previous is not None and style and previous == (style, value - 1)
        if not continues:
            ranges.append(
                LabelRange(index, style, value, "") if style else LabelRange(index, "", 1, label)
            )
        previous = (style, value) if style else None
    return ranges


def label_dictionary(entry: LabelRange) -> Dictionary:
    label = Dictionary(Type=Name.PageLabel)
    if entry.style:
        label.S = Name("/" + entry.style)
        if entry.start != 1:
            label.St = entry.start
    if entry.prefix:
        label.P = String(entry.prefix)
    return label


def set_page_labels(pdf: pikepdf.Pdf, labels: Sequence[str]) -> None:
    """The catalog's /PageLabels number tree, one node, from every page's label."""
    if len(labels) != len(pdf.pages):
        raise ValueError(f"{len(labels)} page labels for {len(pdf.pages)} pages")
    nums: list[object] = []
    for entry in label_ranges(labels):
        nums += [entry.first, label_dictionary(entry)]
    pdf.Root.PageLabels = pdf.make_indirect(Dictionary(Nums=Array(nums)))


def set_isbn(pdf: pikepdf.Pdf, identifier: str) -> None:
    """The edition's own ISBN (urn:isbn:...) as the XMP dc:identifier, where catalogues
    read a PDF's identifier; nothing for an edition without an ISBN."""
    if not identifier.startswith("urn:isbn:"):
        return
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["dc:identifier"] = identifier


def page_labels(pdf: pikepdf.Pdf) -> list[str]:
    """Every page's label as a viewer shows it (for tests and checks)."""
    tree = pdf.Root.get("/PageLabels")
    if tree is None:
        return [str(n + 1) for n in range(len(pdf.pages))]
    nums = list(tree.Nums)
    starts = [(int(k), v) for k, v in zip(nums[::2], nums[1::2], strict=True)]
    labels = []
    for number in range(len(pdf.pages)):
        first, entry = max((s for s in starts if s[0] <= number), key=lambda s: s[0])
        value = int(entry.get("/St", 1)) + number - first
        style = str(entry.get("/S", ""))
        text = {"/D": str(value), "/r": to_roman(value), "/R": to_roman(value).upper()}
        labels.append(str(entry.get("/P", "")) + text.get(style, ""))
    return labels


def even_page_count(pages: int) -> bool:
    """Whether a print edition of `pages` pages needs no blank page at its end: a
    printed book is leaves, two pages each; the services ask for an even count."""
    return pages % 2 == 0


def append_blank(pdf: pikepdf.Pdf, blank: pikepdf.Pdf) -> None:
    """The edition's blank verso (the second page of `blank`) at the end of the book."""
    source = pdf.copy_foreign(blank.pages[1].obj)
    page = Dictionary(
        {key: source[key] for key in source if key not in ("/Parent", "/StructParents")}
    )
    pdf.pages.append(pikepdf.Page(page))


def finish_pages(
    path: Path, labels: Sequence[str], blank: Path | None = None, identifier: str = ""
) -> None:
    """A whole-book PDF as WeasyPrint wrote it, with the blank page that makes its
    count even (when `blank` is given), its page labels and ISBN, saved in place."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        set_isbn(pdf, identifier)
        if blank is not None:
            with pikepdf.open(blank) as blank_pdf:
                append_blank(pdf, blank_pdf)
                set_page_labels(pdf, labels)
                pdf.save(path, min_version=pdf.pdf_version, deterministic_id=True)
                return
        set_page_labels(pdf, labels)
        pdf.save(path, min_version=pdf.pdf_version, deterministic_id=True)


def whole_book_starts(
    rendered: RenderedBook, document: Document, edition: str
) -> tuple[PageStart, ...]:
    """The page starts of a book laid out as one document, with the blank verso the
    print edition ends on when its count is odd (what `finish_whole_book` adds)."""
    raws = raw_starts(layout_page_ids(rendered), document)
    if edition == PRINT.name and not even_page_count(len(raws)):
        raws.append(("", None, ""))
    return assemble_starts(raws)


def finish_whole_book(rendered: RenderedBook, document: Document, out: Path, edition: str) -> None:
    """Labels (and, in print, the last blank verso) for a PDF WeasyPrint wrote whole."""
    from makebook.manuscript.isbns import edition_identifier

    identifier = edition_identifier(rendered.meta, edition)
    labels = [start.label for start in whole_book_starts(rendered, document, edition)]
    if len(labels) == len(document.pages):
        finish_pages(out, labels, None, identifier)
        return
    with tempfile.TemporaryDirectory(prefix="makebook-blank-") as folder:
        blank = Path(folder) / "blank.pdf"
        write_blank_verso(rendered, blank)
        finish_pages(out, labels, blank, identifier)


def write_blank_verso(rendered: RenderedBook, out: Path) -> None:
    """A print document whose second page is a blank verso, with the edition's trim,
    bleed and marks (as chapterwise/layout.py's blank_page lays out for the join)."""
    from makebook.pdf.document import (
        LayoutContext,
        html_tree,
        render_html,
        serialized,
        styles_digest,
        write_document,
    )

    book = rendered.book
    sections = [E.div(E.p("\u00a0")), E.section({"class": "makebook-blank-verso"}, E.p("\u00a0"))]
    html = serialized(html_tree(rendered.meta, PRINT.name, sections))
    context = LayoutContext(book.root, book.styles_dir, book.pdf, PRINT.name, book.hyphenation)
    css = ".makebook-blank-verso { break-before: right; }"
    document = render_html(context, html, book.pdf.inside, styles_digest(book, PRINT.name), css)
    write_document(document, out, PRINT.name, rendered.meta.identifier)
