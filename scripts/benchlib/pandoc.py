"""pandoc's command lines, for its defaults and for makebook's design (like for like).

With its defaults pandoc sets a PDF on Letter pages in its own plain styles, so a
comparison with makebook's trade-trim, justified, hyphenated design measures two
different books. Given makebook's stylesheets (the edition's, in cascade order), the
book's trim as an `@page { size }` sheet and the book's language, pandoc hands the
same design to the same WeasyPrint (the venv's, first on PATH).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Without --file-scope pandoc reads the files as one text, so every chapter's [^1]
# collides with the first chapter's and the footnotes come out wrong.
PANDOC_FLAGS = ("--file-scope",)
# makebook's stylesheets in cascade order (src/makebook/editions.py; a test keeps
# these in step with it).
EPUB_SHEETS = ("book.css", "epub.css")
PRINT_SHEETS = ("book.css", "pdf.css", "print.css")
TRIM = re.compile(r"^\s*(?P<width>[\d.]+)\s*x\s*(?P<height>[\d.]+)\s*(?P<unit>in|mm|cm)\s*$")
DEFAULT_TRIM = "6x9in"  # makebook's default [pdf] trim


@dataclass(frozen=True)
class Design:
    """What pandoc needs to set a book in makebook's design."""

    stylesheets: tuple[Path, ...]  # in cascade order; the trim sheet last
    language: str | None


def trim_css(trim: str) -> str:
    """`5.5x8.5in` -> `@page { size: 5.5in 8.5in; }`: the book's page size for WeasyPrint."""
    match = TRIM.match(trim)
    if match is None:
        raise ValueError(f"not a trim size such as 5.5x8.5in: {trim!r}")
    unit = match["unit"]
    return f"@page {{ size: {match['width']}{unit} {match['height']}{unit}; }}\n"


def book_settings(book_toml: Path) -> tuple[str, str | None]:
    """(trim, language) from a book's book.toml, with makebook's default trim."""
    config = tomllib.loads(book_toml.read_text(encoding="utf-8"))
    trim = config.get("pdf", {}).get("trim", DEFAULT_TRIM)
    return trim, config.get("book", {}).get("language")


def stylesheet(root: Path, name: str, builtin: Path) -> Path:
    """The book's own copy of a stylesheet, else the built-in one (as makebook picks)."""
    own = root / "styles" / name
    return own if own.is_file() else builtin / name


FONT_URL = re.compile(r"""url\(\s*["']?(fonts/[^"')/]+)["']?\s*\)""")


def font_urls(css: str) -> list[str]:
    """The `fonts/NAME` files a stylesheet names, once each, in order."""
    return list(dict.fromkeys(FONT_URL.findall(css)))


def design(
    root: Path,
    sheets: Sequence[str],
    builtin: Path,
    folder: Path,
    find_font: Callable[[str], Path | None],
    page_size: bool,
) -> Design:
    """makebook's design for one edition of the book in `root`, copied into `folder`.

    makebook looks `fonts/X.ttf` up in several folders (the book's, the built-in
    design's, the font packages'); pandoc's WeasyPrint only beside the stylesheet, so
    each font a sheet names is linked into `folder/fonts` (found by `find_font`).
    With `page_size` the book's trim is a last sheet of its own.
    """
    trim, language = book_settings(root / "book.toml")
    (folder / "fonts").mkdir(parents=True, exist_ok=True)
    paths = []
    for name in sheets:
        copy = folder / name
        copy.write_text(stylesheet(root, name, builtin).read_text(encoding="utf-8"), "utf-8")
        paths.append(copy)
        for url in font_urls(copy.read_text(encoding="utf-8")):
            found, link = find_font(url), folder / url
            if found is not None and not link.exists():
                link.symlink_to(found.resolve())
    if page_size:
        paths.append(folder / "trim.css")
        paths[-1].write_text(trim_css(trim), encoding="utf-8")
    return Design(tuple(p.resolve() for p in paths), language)


def pandoc_command(
    pandoc: str, chapters: Sequence[Path], target: Path, style: Design | None = None
) -> list[str]:
    """pandoc on the chapter files in reading order; a PDF goes through WeasyPrint.

    Without `style` pandoc uses its own defaults; with it, every stylesheet as `--css`
    (absolute paths: pandoc writes WeasyPrint's HTML into its working folder) and the
    book's language as `lang`, which drives hyphenation and quotes as in makebook.
    """
    argv = [pandoc, *PANDOC_FLAGS, *(str(c) for c in chapters)]
    if target.suffix == ".pdf":
        argv.append("--pdf-engine=weasyprint")
    if style is not None:
        argv += [f"--css={sheet}" for sheet in style.stylesheets]
        if style.language:
            argv += ["--metadata", f"lang={style.language}"]
    return [*argv, "-o", str(target)]
