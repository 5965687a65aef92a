"""One ISBN per edition: read from book.toml, checked, hyphenated.

Stores and distributors need a different ISBN for each format (the paperback, the
EPUB, a PDF sold as an ebook): `[pdf] isbn` is the print edition's, `[epub] isbn` the
EPUB's and `[pdf] screen_isbn` the screen PDF's. The older single `[book] isbn` still
works: it is the print edition's (when `[pdf] isbn` is not given) and, as before, the
EPUB's when `[epub] isbn` is not: one number for two formats, which a build warns about.

Each is checked (the ISBN-13 check digit; an ISBN-10 is checked and converted to its
ISBN-13) and printed hyphenated by the ranges the International ISBN Agency allots,
as isbnlib ships them. The cover (barcode) uses `print_isbn`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import isbnlib

from makebook.errors import Diagnostics
from makebook.model import Isbns, Metadata

if TYPE_CHECKING:
    from makebook.manuscript.config import _Fields

# Where each edition's ISBN is set, in the order the copyright page lists them.
EDITION_KEYS = (
    ("print", "pdf", "isbn"),
    ("epub", "epub", "isbn"),
    ("screen", "pdf", "screen_isbn"),
)
# How the copyright page names each format (as publishers list them: "ISBN ... (paperback)").
FORMAT_NAMES = {"print": "paperback", "epub": "EPUB", "screen": "PDF"}


def normalized(text: str) -> str | None:
    """The ISBN-13 written in `text` (with or without hyphens and spaces, ISBN-10 or
    ISBN-13), or None when it is no valid ISBN."""
    digits = re.sub(r"[\s\u2010-\u2015-]", "", text).upper()
    if re.fullmatch(r"97[89]\d{10}", digits):
        return digits if isbn13_check_digit(digits[:12]) == digits[12] else None
    if re.fullmatch(r"\d{9}[\dX]", digits):
        if isbn10_check_digit(digits[:9]) != digits[9]:
            return None
        stem = "978" + digits[:9]
        return stem + isbn13_check_digit(stem)
    return None


def isbn13_check_digit(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def isbn10_check_digit(first9: str) -> str:
    value = (11 - sum(int(d) * (10 - i) for i, d in enumerate(first9)) % 11) % 11
    return "X" if value == 10 else str(value)


def hyphenated(isbn: str) -> str:
    """978-1-234-56789-7: prefix, group, registrant, publication, check digit, split where
    the agency's ranges say; the bare digits for a number in no allotted range."""
    try:
        masked = isbnlib.mask(isbn)
    except Exception:  # isbnlib raises its own errors for numbers it cannot place
        return isbn
    parts = masked.split("-") if masked else []
    return masked if len(parts) == 5 and all(parts) else isbn


def in_allotted_range(isbn: str) -> bool:
    return hyphenated(isbn) != isbn


def read_isbn(table: _Fields, key: str) -> str:
    """The ISBN-13 set by `key` in `table`, or "" (an invalid one is reported at its line)."""
    text = table.str(key)
    if not text:
        return ""
    isbn = normalized(text)
    if isbn is None:
        digits = re.sub(r"[\s\u2010-\u2015-]", "", text)
        kind = {13: "ISBN-13", 10: "ISBN-10"}.get(len(digits), "ISBN")
        table.report(
            key,
            f"`{key}` in [{table.name}]: {digits} is not a valid {kind}",
            "check the digits: an ISBN has 13 digits (or 10), and the last one is a check "
            "digit computed from the others",
        )
        return ""
    return isbn


def parse_isbns(book: _Fields, pdf: _Fields, epub: _Fields) -> Isbns:
    """Every edition's ISBN; the same ISBN for two editions is an error at the second."""
    legacy = read_isbn(book, "isbn")
    tables = {"pdf": pdf, "epub": epub}
    found = {edition: read_isbn(tables[table], key) for edition, table, key in EDITION_KEYS}
    where = {edition: (tables[table], key) for edition, table, key in EDITION_KEYS}
    if not found["print"] and legacy:
        found["print"], where["print"] = legacy, (book, "isbn")
    seen: dict[str, tuple[_Fields, str]] = {}
    for edition, _, _ in EDITION_KEYS:
        isbn, (table, key) = found[edition], where[edition]
        if not isbn:
            continue
        if isbn in seen:
            earlier, earlier_key = seen[isbn]
            table.report(
                key,
                f"`{key}` in [{table.name}] is {hyphenated(isbn)}, the ISBN `{earlier_key}` in "
                f"[{earlier.name}] gives another edition: stores refuse one ISBN for two formats",
                "give each edition its own ISBN (each format is an edition of its own)",
            )
            found[edition] = ""
            continue
        seen[isbn] = (table, key)
    # The older single ISBN was the EPUB's identifier too: kept so, with a warning
    # (check_isbns) when it is the print edition's as well.
    shared = bool(legacy) and not found["epub"] and found["print"] == legacy
    if legacy and not found["epub"] and legacy not in (found["screen"],):
        found["epub"] = legacy
    return Isbns(epub=found["epub"], print=found["print"], screen=found["screen"], shared=shared)


def with_isbns(meta: Metadata, isbns: Isbns, identifier_given: bool) -> Metadata:
    """The metadata with every edition's ISBN; the EPUB's identifier is its own ISBN
    unless book.toml sets an `identifier`."""
    from dataclasses import replace

    identifier = meta.identifier
    if isbns.epub and not identifier_given:
        identifier = f"urn:isbn:{isbns.epub}"
    return replace(meta, isbns=isbns, identifier=identifier)


def copyright_lines(isbns: Isbns) -> list[str]:
    """The copyright page's ISBN lines, every edition's with its format, as publishers
    list them ("ISBN 978-1-234-56789-7 (paperback)"); one line without a format when a
    single ISBN serves every edition (the older `[book] isbn`)."""
    if isbns.shared:
        return [f"ISBN {hyphenated(isbns.print)}"]
    return [
        f"ISBN {hyphenated(isbn)} ({FORMAT_NAMES[edition]})"
        for edition, isbn in (
            ("print", isbns.print),
            ("epub", isbns.epub),
            ("screen", isbns.screen),
        )
        if isbn
    ]


def print_isbn(meta: Metadata) -> tuple[str, str] | None:
    """The print edition's ISBN-13 and its hyphenated form (for the cover's barcode and
    text), or None when the book has none."""
    isbn = meta.isbns.print
    return (isbn, hyphenated(isbn)) if isbn else None


def check_isbns(meta: Metadata, book_toml: Path, text: str, diagnostics: Diagnostics) -> None:
    """Warnings about ISBNs that are valid but not what stores expect."""
    from makebook.manuscript.config import key_lines

    lines = key_lines(text)
    isbns = meta.isbns
    if isbns.shared:
        diagnostics.warn(
            f"`isbn` in [book] ({hyphenated(isbns.print)}) is used for both the print edition "
            "and the EPUB: stores need a different ISBN for each format",
            book_toml,
            lines.get(("book", "isbn")),
            "set the paperback's as `isbn` in [pdf] and the EPUB's as `isbn` in [epub]",
        )
    for edition, table, key in EDITION_KEYS:
        isbn = getattr(isbns, edition)
        if isbn and not in_allotted_range(isbn):
            line = lines.get((table, key)) or lines.get(("book", "isbn"))
            diagnostics.warn(
                f"the {FORMAT_NAMES[edition]} ISBN {isbn} is in no range the ISBN agency "
                "has allotted, so it is printed without hyphens",
                book_toml,
                line,
                "check it against the number your ISBN agency issued",
            )


def edition_identifier(meta: Metadata, edition: str) -> str:
    """What names a PDF edition (its file identifier and XMP document ID): its own ISBN
    ("print" or "screen"), or the book's identifier when it has none."""
    isbn = {"print": meta.isbns.print, "screen": meta.isbns.screen}.get(edition, "")
    return f"urn:isbn:{isbn}" if isbn else meta.identifier
