"""Characters none of the book's fonts can draw, found when the book is loaded.

The PDFs embed the fonts the stylesheets declare with @font-face. A character none of
them has (Hangul in a book set in Source Serif, an emoji, a flag) is drawn by
WeasyPrint with a font of the computer that builds the book, if one has it, so the book
depends on that computer; and as an empty box if none has it. Both are worth a warning
naming the chapter's line and the character, with what to do.

The fonts' character maps are read with fontTools, once per font file and process.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

from makebook.editions import PRINT, SCREEN
from makebook.errors import Diagnostics, Problem
from makebook.manuscript.styles import FONT_MEDIA_TYPES, css_urls, find_font, stylesheets
from makebook.model import Chapter

# Characters that are no glyph of their own: spaces and line ends, joiners and
# variation selectors (they shape the characters around them), marks of direction.
INVISIBLE = {0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF}
LISTED_AT_MOST = 5  # characters named in one warning; the others are counted


def book_fonts(styles_dir: Path) -> list[Path]:
    """The font files the PDF editions' stylesheets declare (url() of a font file): the
    book's own stylesheets and the built-in ones it does not replace."""
    sheets = {
        sheet for edition in (PRINT.name, SCREEN.name) for sheet in stylesheets(styles_dir, edition)
    }
    fonts: list[Path] = []
    for sheet in sorted(sheets):
        for url in css_urls(sheet.read_text(encoding="utf-8", errors="replace")):
            if Path(url).suffix.lower() not in FONT_MEDIA_TYPES:
                continue
            # A url() is relative to the stylesheet that writes it.
            path = find_font(sheet.parent, url) or sheet.parent / url
            if path.is_file() and path not in fonts:
                fonts.append(path)
    return fonts


@functools.lru_cache(maxsize=64)
def _cmap(path: Path, _stamp: tuple[int, int]) -> frozenset[int]:
    try:
        with TTFont(path, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except (TTLibError, OSError, AssertionError, ImportError):
        return frozenset()  # a font fontTools cannot read (WeasyPrint reports it)


def characters_of(fonts: Iterable[Path]) -> frozenset[int]:
    """Every character the fonts draw (their cmaps), cached by file, size and time."""
    covered: frozenset[int] = frozenset()
    for path in fonts:
        stat = path.stat()
        covered |= _cmap(path, (stat.st_size, stat.st_mtime_ns))
    return covered


def needs_glyph(code: int) -> bool:
    if code in INVISIBLE or code < 0x20 or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return False
    return unicodedata.category(chr(code)) not in ("Zs", "Zl", "Zp", "Cc", "Cf", "Mn")


@functools.lru_cache(maxsize=256)
def system_font_for(code: int) -> str:
    """A font of this computer that draws the character (fontconfig), or ""."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ""
    try:
        found = subprocess.run(
            [fc_list, f":charset={code:x}", "family"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return ""
    families = sorted(f.split(",")[0].strip() for f in found if f.strip())
    return families[0] if families else ""


def families(fonts: list[Path]) -> str:
    """The fonts by file name without the style: SourceSerifPro, SourceSansPro."""
    return ", ".join(dict.fromkeys(f.stem.split("-")[0] for f in fonts))


def describe(code: int) -> str:
    name = unicodedata.name(chr(code), "unnamed character")
    return f"'{chr(code)}' (U+{code:04X} {name})"


def chapter_lines(chapter: Chapter) -> list[tuple[int, str]]:
    """(line in the file, text) of what the chapter prints: its titles and its body."""
    lines = [
        (chapter.line_of(key), text)
        for key, text in (("title", chapter.title), ("subtitle", chapter.subtitle),
                          ("tagline", chapter.tagline))
        if text
    ]  # fmt: skip
    lines += [(chapter.body_line + i, t) for i, t in enumerate(chapter.markdown.split("\n"))]
    return lines


def check_glyphs(chapters: Iterable[Chapter], styles_dir: Path, diagnostics: Diagnostics) -> None:
    """A warning at the first line where each chapter uses characters no font of the book
    draws: each such character named once a chapter."""
    fonts = book_fonts(styles_dir)
    covered = characters_of(fonts)
    if not covered:
        return  # no font makebook can read: nothing to compare with
    for chapter in chapters:
        first: dict[int, tuple[int, int]] = {}  # character -> (line, column) it is first at
        for line, text in chapter_lines(chapter):
            if not {ord(c) for c in text} - covered:
                continue
            for column, character in enumerate(text, 1):
                code = ord(character)
                if code not in covered and code not in first and needs_glyph(code):
                    first[code] = (line, column)
        by_line: dict[int, list[tuple[int, int]]] = {}
        for code, (line, column) in first.items():  # in order of appearance
            by_line.setdefault(line, []).append((column, code))
        for line, found in by_line.items():
            warn_missing(chapter, line, found, fonts, diagnostics)


def warn_missing(
    chapter: Chapter,
    line: int,
    found: list[tuple[int, int]],
    fonts: list[Path],
    diagnostics: Diagnostics,
) -> None:
    """One warning for the characters first met on a line: (column, character) each."""
    codes = [code for _, code in found]
    listed = codes[:LISTED_AT_MOST]
    more = len(codes) - len(listed)
    named = ", ".join(describe(c) for c in listed) + (f" and {more} more" if more else "")
    them = "it" if len(codes) == 1 else "them"
    borrowed = sorted({f for f in (system_font_for(c) for c in listed) if f})
    fallback = (
        f"the PDFs borrow {them} from {', '.join(borrowed)}, a font of this computer, "
        "so the book will look different built elsewhere"
        if borrowed
        else f"the PDFs print an empty box in {'its' if len(codes) == 1 else 'their'} place"
    )
    in_body = line >= chapter.body_line
    diagnostics.problems.append(
        Problem(
            f"no font of the book ({families(fonts)}) draws {named}: {fallback}",
            chapter.path,
            line,
            found[0][0] if in_body else None,
            f"add a font that has {them} to styles/fonts/ with an @font-face rule in "
            f"styles/extra.css (and name it in font-family after the text font), or remove {them}",
            "warning",
        )
    )
