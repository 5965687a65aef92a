"""Each edition carries its own ISBN: the EPUB's dc:identifier, the page-list's source
(the paperback, whose pages it numbers), the PDFs' file identifiers, and the copyright
page of every edition listing them all, hyphenated, with their formats."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import epub_files, make_small_book
from makebook.build import build

PAPERBACK, EBOOK, PDF = "9781234567897", "9781234567880", "9781234567903"
LINES = [
    "ISBN 978-1-234-56789-7 (paperback)",
    "ISBN 978-1-234-56788-0 (EPUB)",
    "ISBN 978-1-234-56790-3 (PDF)",
]


def with_isbns(book: Path) -> Path:
    toml = book / "book.toml"
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^identifier = .*\n", "", text)  # the EPUB's ISBN names it
    text += f'\n[epub]\nisbn = "{EBOOK}"\n\n[pdf]\nisbn = "{PAPERBACK}"\nscreen_isbn = "{PDF}"\n'
    toml.write_text(text, encoding="utf-8")
    return book


@pytest.fixture(scope="module", params=["chapterwise", "release"])
def editions(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    root = tmp_path_factory.mktemp(f"isbns-{request.param}")
    book = with_isbns(make_small_book(root / "book"))
    return build(book, root / "out", release=request.param == "release").outputs


def test_the_epubs_identifier_is_its_own_isbn(editions: dict[str, Path]) -> None:
    opf = epub_files(editions["epub"])["EPUB/content.opf"].decode()
    identifiers = re.findall(r"<dc:identifier[^>]*>([^<]+)</dc:identifier>", opf)
    assert identifiers == [f"urn:isbn:{EBOOK}"]


def test_the_page_list_names_the_paperback(editions: dict[str, Path]) -> None:
    opf = epub_files(editions["epub"])["EPUB/content.opf"].decode()
    assert f'<meta property="pageBreakSource">urn:isbn:{PAPERBACK}</meta>' in opf


def test_the_epubs_copyright_page_lists_every_isbn(editions: dict[str, Path]) -> None:
    page = epub_files(editions["epub"])["EPUB/text/copyright.xhtml"].decode()
    assert re.findall(r'<p class="isbn">([^<]+)</p>', page) == LINES


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_the_pdfs_copyright_page_lists_every_isbn(editions: dict[str, Path], edition: str) -> None:
    with pdfplumber.open(editions[edition]) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages[:6])
    for line in LINES:
        assert line in text


@pytest.mark.parametrize(("edition", "isbn"), [("pdf", PAPERBACK), ("screen", PDF)])
def test_each_pdf_is_named_by_its_own_isbn(
    editions: dict[str, Path], edition: str, isbn: str
) -> None:
    """Its XMP dc:identifier is the edition's ISBN."""
    with pikepdf.open(editions[edition]) as pdf:
        xmp = pdf.open_metadata()
        assert xmp["dc:identifier"] == f"urn:isbn:{isbn}"
        # What the standards' own keys say is kept.
        key = "pdfxid:GTS_PDFXVersion" if edition == "pdf" else "pdfuaid:part"
        assert key in xmp or any(k.endswith(key.split(":")[1]) for k in xmp)


def test_the_paperbacks_document_id_comes_from_its_isbn(editions: dict[str, Path]) -> None:
    """PDF/X's XMP document ID is made from the edition's identifier (pdf/document.py)."""
    with pikepdf.open(editions["pdf"]) as pdf:
        xmp = pdf.Root.Metadata.read_bytes()
    assert f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:isbn:{PAPERBACK}')}".encode() in xmp
