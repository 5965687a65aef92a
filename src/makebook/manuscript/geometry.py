"""Page geometry that can hold text, checked when the book is loaded.

A page whose margins leave (almost) no room for text makes WeasyPrint lay out one
word or one letter a page, for minutes, or fail inside its own arithmetic. So the text
block of each PDF edition (the page size less its margins) is worked out before
anything is laid out, from book.toml ([pdf] trim, inside, screen_size) and the
@page rules of the edition's stylesheets, read with tinycss2 as pagerefs.py reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tinycss2

from makebook.editions import PRINT, SCREEN
from makebook.errors import Problem
from makebook.manuscript.config import BOOK_TOML, length_in_inches
from makebook.manuscript.styles import stylesheets
from makebook.model import PdfSettings

MIN_WIDTH, MIN_HEIGHT = 1.5, 2.0  # inches of text block: a few words a line, a few lines
SIDES = ("top", "right", "bottom", "left")
UNITS = {
    "in": 1.0,
    "cm": 1 / 2.54,
    "mm": 1 / 25.4,
    "q": 1 / 101.6,
    "pt": 1 / 72,
    "pc": 1 / 6,
    "px": 1 / 96,
    "em": 1 / 6,
    "rem": 1 / 6,
}  # fmt: skip (em: 12pt)
SCREEN_SIZES = {"letter": (8.5, 11.0), "a4": (210 / 25.4, 297 / 25.4)}


@dataclass(frozen=True)
class Margin:
    """One page margin and where it is set (a stylesheet's line, or book.toml's)."""

    inches: float
    path: Path
    line: int | None


@dataclass(frozen=True)
class PageRule:
    selector: str  # as written: "", ":left", "chapter:right"...
    margins: dict[str, Margin]


def css_length(token: Any) -> float | None:
    """A length token in inches; None for percentages, `auto` and the like."""
    if token.type == "number" and token.value == 0:
        return 0.0
    if token.type == "dimension" and token.lower_unit in UNITS:
        return float(token.value) * UNITS[token.lower_unit]
    return None


def margins_declared(declaration: Any, shown: Path) -> dict[str, Margin]:
    """The sides a `margin` or `margin-*` declaration sets, in inches."""
    name = declaration.lower_name
    values = [t for t in declaration.value if t.type not in ("whitespace", "comment")]
    lengths = [css_length(t) for t in values]
    if not values or None in lengths:
        return {}
    at = declaration.source_line
    if name.startswith("margin-") and name[len("margin-") :] in SIDES and len(lengths) == 1:
        return {name[len("margin-") :]: Margin(lengths[0], shown, at)}  # type: ignore[arg-type]
    if name != "margin" or len(lengths) > 4:
        return {}
    top, right, bottom, left = {
        1: lambda v: (v[0], v[0], v[0], v[0]),
        2: lambda v: (v[0], v[1], v[0], v[1]),
        3: lambda v: (v[0], v[1], v[2], v[1]),
        4: lambda v: tuple(v),
    }[len(lengths)](lengths)
    return {s: Margin(v, shown, at) for s, v in zip(SIDES, (top, right, bottom, left), strict=True)}


def page_rules(css: str, shown: Path) -> list[PageRule]:
    """Every @page rule of a stylesheet that sets a margin, in order."""
    rules = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "page" or rule.content is None:
            continue
        margins: dict[str, Margin] = {}
        for item in tinycss2.parse_declaration_list(
            rule.content, skip_comments=True, skip_whitespace=True
        ):
            if item.type == "declaration":
                margins.update(margins_declared(item, shown))
        if margins:
            selector = tinycss2.serialize(rule.prelude).strip()
            rules += [PageRule(s.strip(), margins) for s in selector.split(",")]
    return rules


def page_size(settings: PdfSettings, edition: str) -> tuple[float, float]:
    if edition == SCREEN.name and settings.screen_size in SCREEN_SIZES:
        return SCREEN_SIZES[settings.screen_size]
    return length_in_inches(settings.width), length_in_inches(settings.height)


def edition_rules(
    styles_dir: Path, settings: PdfSettings, edition: str, inside_line: int | None
) -> list[PageRule]:
    """The @page margin rules of an edition: makebook's own (the inside margin from
    book.toml, pdf/document.py's page_css), then the stylesheets'."""
    rules = []
    if edition == PRINT.name:
        inside = Margin(length_in_inches(settings.inside), Path(BOOK_TOML), inside_line)
        rules += [PageRule(":left", {"right": inside}), PageRule(":right", {"left": inside})]
    for sheet in stylesheets(styles_dir, edition):
        rules += page_rules(sheet.read_text(encoding="utf-8"), Path("styles") / sheet.name)
    return rules


def page_margins(rules: list[PageRule], edition: str) -> list[tuple[str, dict[str, Margin]]]:
    """The margins of every kind of page the rules make: left and right pages (or any
    page, on screen), and each of those under every more specific @page rule."""
    base: dict[str, Margin] = {}
    for rule in rules:
        if rule.selector == "":
            base.update(rule.margins)
    kinds = [":left", ":right"] if edition == PRINT.name else [""]
    pages = []
    for kind in kinds:
        margins = dict(base)
        for rule in rules:
            if kind and rule.selector == kind:
                margins.update(rule.margins)
        pages.append((kind, margins))
        for rule in rules:
            if rule.selector not in ("", ":left", ":right"):
                pages.append((rule.selector, {**margins, **rule.margins}))
    return pages


def geometry_problems(
    styles_dir: Path, settings: PdfSettings, inside_line: int | None
) -> list[Problem]:
    """An error for every PDF edition whose margins leave too small a text block."""
    found: dict[tuple[Path, int | None], list[str]] = {}
    messages: dict[tuple[Path, int | None], tuple[str, str]] = {}
    for edition in (PRINT.name, SCREEN.name):
        width, height = page_size(settings, edition)
        rules = edition_rules(styles_dir, settings, edition, inside_line)
        for selector, margins in page_margins(rules, edition):
            problem = text_block_problem(edition, selector, width, height, margins)
            if problem is not None:
                where, message, hint = problem
                found.setdefault(where, []).append(edition)
                messages.setdefault(where, (message, hint))
                break  # one problem an edition: the first kind of page that fails
    problems = []
    for where, editions in found.items():
        message, hint = messages[where]
        names = " and ".join(f"{e} PDF" for e in (PRINT.name, SCREEN.name) if e in editions)
        problems.append(Problem(f"in the {names}, {message}", where[0], where[1], hint=hint))
    return problems


def text_block_problem(
    edition: str, selector: str, width: float, height: float, margins: dict[str, Margin]
) -> tuple[tuple[Path, int | None], str, str] | None:
    zero = Margin(0.0, Path(BOOK_TOML), None)
    top, right, bottom, left = (margins.get(side, zero) for side in SIDES)
    block = (width - left.inches - right.inches, height - top.inches - bottom.inches)
    if block[0] >= MIN_WIDTH and block[1] >= MIN_HEIGHT:
        return None
    narrow = block[0] < MIN_WIDTH
    culprit = max((left, right) if narrow else (top, bottom), key=lambda m: m.inches)
    kind = f" (@page {selector})" if selector else ""
    message = (
        f"the margins leave a text block of {block[0]:.2f}in x {block[1]:.2f}in{kind}: "
        f"a {width:.2f}in x {height:.2f}in page less {top.inches:.2f}in top, "
        f"{right.inches:.2f}in right, {bottom.inches:.2f}in bottom and {left.inches:.2f}in "
        f"left; text needs at least {MIN_WIDTH}in x {MIN_HEIGHT}in"
    )
    hint = (
        f"make the {'side' if narrow else 'top and bottom'} margins smaller, "
        "or the trim larger ([pdf] trim in book.toml)"
    )
    return (culprit.path, culprit.line), message, hint
