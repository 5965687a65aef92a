"""The editions makebook writes, each said once: what `--format` calls it, its file,
its stylesheets, the PDF standard it is written to and how its chapters open.

An edition's `name` is what the code, the cache and the stylesheets call it
("print"); its `format` is the word an author types (`--format pdf`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    name: str  # epub, print, screen
    format: str  # the author's word for it: make-book build --format epub|pdf|screen
    suffix: str  # of its file, after the book's name
    stylesheets: tuple[str, ...]  # in cascade order (files of the design or the book's styles/)
    pdf_variant: str | None  # the PDF standard WeasyPrint writes; None: not a PDF
    opens_on_recto: bool  # every division starts on a right-hand page (blank versos)

    @property
    def is_pdf(self) -> bool:
        return self.pdf_variant is not None


EPUB = Edition("epub", "epub", ".epub", ("book.css", "epub.css"), None, False)
# Print-on-demand: PDF/X-4 with a CMYK output intent, tagged for accessibility too.
PRINT = Edition("print", "pdf", ".pdf", ("book.css", "pdf.css", "print.css"), "pdf/x-4", True)
# Direct sale and reading on screens: PDF/UA-1, no blank pages.
SCREEN = Edition(
    "screen", "screen", "-screen.pdf", ("book.css", "pdf.css", "screen.css"), "pdf/ua-1", False
)

# The print edition's cover (pdf/cover.py): written with it, cached like an edition, and
# not one of EDITIONS (it has no chapters and no --format of its own).
COVER = Edition("cover", "cover", "-cover.pdf", ("cover.css",), "pdf/x-4", False)

EDITIONS = (EPUB, PRINT, SCREEN)
PDF_EDITIONS = (PRINT, SCREEN)
FORMATS = tuple(edition.format for edition in EDITIONS)  # what --format accepts
BY_NAME = {edition.name: edition for edition in EDITIONS}
BY_FORMAT = {edition.format: edition for edition in EDITIONS}
