"""WeasyPrint's floor: one whole-book `render` + `write_pdf` of makebook's print XHTML.

    python scripts/benchlib/floor.py BOOK_FOLDER OUT.pdf

Prints one JSON line: the CPU and wall seconds of WeasyPrint's own work (parsing the
XHTML and the stylesheets, laying out every page once, writing the PDF) and the page
count. Loading and rendering the manuscript come first and are not counted: they are
makebook's work, which the benchmark compares with this. It uses the same XHTML,
stylesheets, fonts, gutter and PDF variant as the print edition, but none of
makebook's hooks (hyphenation limits, figure moves, tags, page labels, colour
conversion): what no build of this book and design can do with less.

Run by scripts/bench with the venv's Python and the makebook package it measures.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def floor(root: Path, out: Path) -> dict[str, object]:
    from weasyprint import HTML

    from makebook.editions import PRINT
    from makebook.manuscript.config import length_in_inches
    from makebook.manuscript.loader import load_book
    from makebook.pdf.document import (
        LayoutContext,
        book_document,
        edition_styles,
        estimated_pages,
        required_gutter,
        styles_digest,
    )
    from makebook.render.book import render_book
    from makebook.render.templating import environment

    rendered = render_book(load_book(root))
    book = rendered.book
    html = book_document(rendered, environment(book.styles_dir.parent / "templates"), PRINT)
    inside = max(length_in_inches(book.pdf.inside), required_gutter(estimated_pages(book)))
    context = LayoutContext(book.root, book.styles_dir, book.pdf, PRINT.name, book.hyphenation)
    cpu, wall = time.process_time(), time.perf_counter()
    styles = edition_styles(context, f"{inside}in", styles_digest(book, PRINT.name))
    document = HTML(string=html, base_url=f"{book.root}/", url_fetcher=styles.fetcher).render(
        stylesheets=styles.sheets,
        font_config=styles.fonts,
        color_profiles=styles.profiles,
        pdf_variant=PRINT.pdf_variant,
        pdf_tags=True,
    )
    laid_cpu = time.process_time() - cpu
    document.write_pdf(str(out), pdf_variant=PRINT.pdf_variant, pdf_tags=True)
    return {
        "cpu_s": round(time.process_time() - cpu, 3),
        "layout_cpu_s": round(laid_cpu, 3),
        "wall_s": round(time.perf_counter() - wall, 3),
        "pages": len(document.pages),
    }


if __name__ == "__main__":
    print(json.dumps(floor(Path(sys.argv[1]).resolve(), Path(sys.argv[2]))))
