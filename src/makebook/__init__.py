"""makebook: a Markdown manuscript in, a store-ready EPUB 3 and print and screen PDFs out.

The pipeline, one stage per package (see README, "How it works"):
- `makebook.manuscript`: load the book folder into a `Book`, checking everything
  that can be named with a file and line;
- `makebook.render`: the book into XHTML pages, appendices and a cover;
- `makebook.epub`, `makebook.pdf`: the editions, written from the rendered book;
- `makebook.author`: the author's tools around them (init, new, watch, preview).

The public API:

    from makebook import build, check, load_book
    result = build(Path("my-book"), Path("my-book/build"), ["epub", "pdf"])
"""

from makebook.build import BuildResult, build, check
from makebook.editions import EDITIONS, FORMATS, Edition
from makebook.errors import Diagnostics, ManuscriptError, Problem
from makebook.manuscript.loader import load_book
from makebook.model import (
    Book,
    Chapter,
    Citation,
    Metadata,
    Page,
    Part,
    Person,
    RenderedBook,
    Work,
)

__all__ = [
    "EDITIONS",
    "FORMATS",
    "Book",
    "BuildResult",
    "Chapter",
    "Citation",
    "Diagnostics",
    "Edition",
    "ManuscriptError",
    "Metadata",
    "Page",
    "Part",
    "Person",
    "Problem",
    "RenderedBook",
    "Work",
    "build",
    "check",
    "load_book",
]
