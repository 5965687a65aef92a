"""The book's design: its stylesheets (the book's own styles/ over the built-in design,
file by file) and the fonts they name."""

from __future__ import annotations

import importlib
from pathlib import Path

import tinycss2

from makebook.editions import EDITIONS

FONT_PACKAGES = ("font_source_serif_pro", "font_source_sans_pro")
FONT_MEDIA_TYPES = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
IMAGE_MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
# The built-in design (a link to the project's styles/, its single source). A book's own
# styles/ overrides it file by file; any other stylesheet there is added after it.
DEFAULT_STYLES = Path(__file__).parent.parent / "default_styles"
STYLESHEETS = {edition.name: edition.stylesheets for edition in EDITIONS}


COVER_STYLESHEET = "cover.css"  # the print cover's design (pdf/cover.py), no edition's
DESIGN_FILES = {name for names in STYLESHEETS.values() for name in names} | {COVER_STYLESHEET}


def cover_stylesheet(styles_dir: Path) -> Path:
    """The book's styles/cover.css when it has one, else the built-in design's."""
    own = styles_dir / COVER_STYLESHEET
    return own if own.is_file() else DEFAULT_STYLES / COVER_STYLESHEET


def stylesheets(styles_dir: Path, edition: str) -> list[Path]:
    """The edition's stylesheets, in cascade order: each design file from the book's
    styles/ when it has one, else the built-in one; then the book's own other
    stylesheets (e.g. extra.css), in name order, for every edition."""
    chosen = [
        styles_dir / name if (styles_dir / name).is_file() else DEFAULT_STYLES / name
        for name in STYLESHEETS[edition]
    ]
    extra = [] if styles_dir == DEFAULT_STYLES else sorted(styles_dir.glob("*.css"))
    return [path for path in chosen if path.is_file()] + [
        path for path in extra if path.name not in DESIGN_FILES and path.is_file()
    ]


OPENS_ANY_CLASS = "opens-any"  # pdf/document.py: a section that may open on a verso


def styles_place_openers_anywhere(styles_dir: Path) -> bool:
    """Whether the print edition's stylesheets style the sections `[pdf] openers` lets open
    on any page (the built-in print.css does): without such a rule a whole-book layout
    still opens them on a recto, unlike the chapter-by-chapter one."""
    return any(
        OPENS_ANY_CLASS in path.read_text(encoding="utf-8", errors="replace")
        for path in stylesheets(styles_dir, "print")
    )


def css_references(css: str) -> list[tuple[int, str, str]]:
    """(line, "url" or "import", value) for every url() and @import, read with a CSS tokenizer."""
    found: list[tuple[int, str, str]] = []

    def walk(tokens: list) -> None:  # type: ignore[type-arg]
        for token in tokens:
            if token.type == "at-rule" and token.lower_at_keyword == "import":
                found.append((token.source_line, "import", ""))
            if token.type == "url":
                found.append((token.source_line, "url", token.value))
            elif token.type == "function" and token.lower_name == "url" and token.arguments:
                strings = [t.value for t in token.arguments if t.type == "string"]
                found.extend((token.source_line, "url", value) for value in strings[:1])
            for attr in ("content", "prelude", "arguments"):
                inner = getattr(token, attr, None)
                if isinstance(inner, list):
                    walk(inner)

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return found


def css_urls(css: str) -> list[str]:
    return [value for _, kind, value in css_references(css) if kind == "url"]


def outside_references(css: str) -> list[tuple[int, str]]:
    """(line, reference) of every @import and of every url() that is remote or leaves styles/."""
    return [
        (line, "@import" if kind == "import" else value)
        for line, kind, value in css_references(css)
        if kind == "import"
        or "://" in value
        or value.startswith(("/", "//"))
        or ".." in value.split("/")
    ]


def font_dirs(styles_dir: Path) -> list[Path]:
    """The author's own fonts first, then the built-in design's and those makebook installs."""
    dirs = list(dict.fromkeys([styles_dir / "fonts", DEFAULT_STYLES / "fonts"]))
    for name in FONT_PACKAGES:
        module = importlib.import_module(name)
        dirs.append(Path(module.__file__).parent / "files")  # type: ignore[arg-type]
    return dirs


def find_font(styles_dir: Path, url: str) -> Path | None:
    """`fonts/X.ttf` in a stylesheet names a file in one of the font folders."""
    if not url.startswith("fonts/") or "/" in url[len("fonts/") :]:
        return None
    name = url[len("fonts/") :]
    for folder in font_dirs(styles_dir):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
