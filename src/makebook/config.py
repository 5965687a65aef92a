"""`book.toml`: metadata, reading order, appendix and PDF settings."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bibliography import FORBIDDEN_CHARACTERS, read_text
from .errors import ManuscriptError, Problem, error
from .model import (
    Accessibility,
    AppendixSettings,
    Epigraph,
    Metadata,
    PdfSettings,
    Person,
    SampleSettings,
)
from .typography import default_quotes

BOOK_TOML = "book.toml"

APPENDIX_DEFAULTS = {
    "reading": "Suggested Reading",
    "films": "Suggested Films",
    "cited": "Works Cited",
    "glossary": "Concepts",
}

# Trim sizes print-on-demand services offer, by the names authors use.
TRIM_PRESETS = {
    "5x8in": ("5in", "8in"),
    "5.25x8in": ("5.25in", "8in"),
    "5.5x8.5in": ("5.5in", "8.5in"),
    "6x9in": ("6in", "9in"),
    "a5": ("148mm", "210mm"),
    "royal": ("156mm", "234mm"),
}


@dataclass(frozen=True)
class ReadingOrder:
    front: tuple[str, ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]  # (title, chapter paths); title "" = no parts
    back: tuple[str, ...]


@dataclass(frozen=True)
class BookConfig:
    meta: Metadata
    order: ReadingOrder
    bibliography: tuple[str, ...]
    appendices: tuple[AppendixSettings, ...]
    pdf: PdfSettings
    lines: dict[str, int]  # where each chapter path is written in book.toml
    quotes: str = "double"
    sample: SampleSettings = SampleSettings()


def load_config(root: Path) -> BookConfig:
    path = root / BOOK_TOML
    if not path.is_file():
        raise error(
            f"no {BOOK_TOML} in {root}",
            hint="run make-book in your book's folder, or pass --manuscript DIR",
        )
    shown = Path(BOOK_TOML)
    text = read_text(path, shown)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(exc, shown) from None
    return parse_config(data, shown, text)


def toml_error(exc: tomllib.TOMLDecodeError, shown: Path) -> ManuscriptError:
    message = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    line = int(match.group(1)) if match else None
    column = int(match.group(2)) if match else None
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
    return ManuscriptError(
        Problem(f"malformed TOML: {message}", shown, line, column, "see docs/manuscript-format.md")
    )


class _Fields:
    """Typed access to one TOML table, with errors that name the key and its line."""

    def __init__(self, table: Any, name: str, shown: Path, text: str) -> None:
        if not isinstance(table, dict):
            raise error(f"[{name}] must be a table", shown, _line_of(text, name))
        self.table, self.name, self.shown, self.text = table, name, shown, text

    def invalid(self, key: str, message: str, hint: str = "") -> ManuscriptError:
        """An error about one key, pointing at the line where it is set."""
        return error(message, self.shown, _line_of(self.text, key), hint)

    def _fail(self, key: str, expected: str) -> ManuscriptError:
        return self.invalid(key, f"`{key}` in [{self.name}] must be {expected}")

    def str(self, key: str, default: str = "", required: bool = False) -> str:
        value = self.table.get(key, None)
        if value is None or (required and isinstance(value, str) and not value.strip()):
            if required:
                raise error(
                    f"[{self.name}] needs `{key}`",
                    self.shown,
                    _line_of(self.text, f"[{self.name}]"),
                    f'add `{key} = "..."` to [{self.name}]',
                )
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        if FORBIDDEN_CHARACTERS.search(value):
            raise self._fail(key, "text without control characters")
        return value.strip()

    def str_list(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(key, 'a list of strings, like ["a.md", "b.md"]')
        return tuple(value)

    def bool(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def table_of(self, key: str) -> _Fields:
        return _Fields(self.table.get(key, {}), f"{self.name}.{key}", self.shown, self.text)


def _line_of(text: str, needle: str) -> int | None:
    pattern = re.escape(needle) if needle.startswith("[") else rf"^[ \t]*{re.escape(needle)}[ \t]*="
    match = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def setting_line(text: str, key: str) -> int | None:
    """The line of book.toml where `key = ...` is first set."""
    return _line_of(text, key)


def parse_config(data: dict[str, Any], shown: Path, text: str) -> BookConfig:
    book = _Fields(data.get("book", {}), "book", shown, text)
    return BookConfig(
        meta=parse_metadata(
            book,
            parse_accessibility(
                _Fields(data.get("accessibility", {}), "accessibility", shown, text)
            ),
        ),
        order=parse_order(_Fields(data.get("contents", {}), "contents", shown, text)),
        bibliography=_Fields(data.get("bibliography", {}), "bibliography", shown, text).str_list(
            "files"
        ),
        appendices=parse_appendices(_Fields(data.get("appendices", {}), "appendices", shown, text)),
        pdf=parse_pdf(_Fields(data.get("pdf", {}), "pdf", shown, text)),
        lines=path_lines(text),
        quotes=parse_quotes(_Fields(data.get("typography", {}), "typography", shown, text), book),
        sample=parse_sample(_Fields(data.get("sample", {}), "sample", shown, text)),
    )


def parse_sample(sample: _Fields) -> SampleSettings:
    count = sample.table.get("count", SampleSettings.count)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise error("`count` in [sample] must be a whole number of chapters", sample.shown,
                    _line_of(sample.text, "count"))  # fmt: skip
    url = sample.str("url")
    if url and not url.startswith(("https://", "http://")):
        raise error(
            "`url` in [sample] must start with https://", sample.shown, _line_of(sample.text, "url")
        )
    return SampleSettings(
        chapters=sample.str_list("chapters"),
        count=count,
        message=sample.str("message", SampleSettings.message),
        url=url,
    )


def parse_quotes(typography: _Fields, book: _Fields) -> str:
    quotes = typography.str("quotes", default_quotes(book.str("language", "en")))
    if quotes not in ("single", "double"):
        raise typography.invalid(
            "quotes",
            '`quotes` in [typography] must be "single" or "double"',
            "single: ‘British’ style; double: “American” style",
        )
    return quotes


def path_lines(text: str) -> dict[str, int]:
    """Where each quoted string (chapter, bibliography and cover paths) stands in book.toml."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        for match in re.finditer(r'"([^"\n]+)"|\'([^\'\n]+)\'', line):
            lines.setdefault(match.group(1) or match.group(2), number)
    return lines


HAZARDS = {
    "none", "flashing", "noFlashingHazard", "motionSimulation", "noMotionSimulationHazard",
    "sound", "noSoundHazard", "unknown",
}  # fmt: skip
EXEMPTIONS = {"eaa-disproportionate-burden", "eaa-fundamental-alteration", "eaa-microenterprise"}


def parse_accessibility(table: _Fields) -> Accessibility:
    hazards = table.str_list("hazards") or ("none",)
    for hazard in hazards:
        if hazard not in HAZARDS:
            raise table.invalid(
                "hazards",
                f"unknown accessibility hazard '{hazard}'",
                f"use some of: {', '.join(sorted(HAZARDS))}",
            )
    exemption = table.str("exemption")
    if exemption and exemption not in EXEMPTIONS:
        raise table.invalid(
            "exemption",
            f"unknown exemption '{exemption}'",
            f"use one of: {', '.join(sorted(EXEMPTIONS))}",
        )
    conforms_to, certified_by = table.str("conforms_to"), table.str("certified_by")
    if conforms_to and not certified_by:
        raise error(
            "a conformance claim needs a certifier",
            table.shown,
            _line_of(table.text, "conforms_to"),
            'add certified_by = "who checked it" (the publisher, if it checked the book itself)',
        )
    return Accessibility(
        summary=table.str("summary"),
        hazards=hazards,
        conforms_to=conforms_to,
        certified_by=certified_by,
        exemption=exemption,
    )


def parse_metadata(book: _Fields, accessibility: Accessibility) -> Metadata:
    title = book.str("title", required=True)
    isbn = parse_isbn(book)
    identifier = book.str("identifier") or (f"urn:isbn:{isbn}" if isbn else "")
    if not identifier:
        # Stable across builds: derived from the title, so the store sees one book.
        identifier = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'makebook:' + title)}"
    language = book.str("language", "en")
    if not LANGUAGE_TAG.match(language):
        raise book.invalid(
            "language",
            f"`language` '{language}' is not a language tag",
            "use a BCP 47 tag such as en, en-GB, en-US, fr or de-CH",
        )
    date = book.str("date")
    if date and not valid_date(date):
        raise book.invalid(
            "date",
            f"`date` '{date}' is not a date",
            "write it as YYYY-MM-DD, e.g. 2026-11-01 (or just the year)",
        )
    return Metadata(
        title=title,
        subtitle=book.str("subtitle"),
        language=language,
        identifier=identifier,
        isbn=isbn,
        authors=parse_authors(book),
        publisher=book.str("publisher"),
        date=book.str("date"),
        rights=book.str("rights"),
        description=book.str("description"),
        subjects=book.str_list("subjects"),
        cover=book.str("cover"),
        dedication=book.str("dedication"),
        epigraph=parse_book_epigraph(book),
        edition=book.str("edition"),
        accessibility=accessibility,
    )


def parse_book_epigraph(book: _Fields) -> Epigraph | None:
    raw = book.table.get("epigraph")
    if raw is None:
        return None
    table = _Fields(raw, "book.epigraph", book.shown, book.text)
    return Epigraph(text=table.str("text", required=True), source=table.str("source"))


def parse_authors(book: _Fields) -> tuple[Person, ...]:
    raw = book.table.get("authors", book.table.get("author", []))
    if isinstance(raw, str | dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise error(
            "[book] needs at least one author",
            book.shown,
            _line_of(book.text, "[book]"),
            '[[book.authors]] name = "..."',
        )
    people = []
    for item in raw:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise book.invalid("[[book.authors]]", "each author needs a `name`")
        name = item["name"].strip()
        sort = item.get("sort", "")
        if not isinstance(sort, str):
            raise book.invalid("sort", 'an author\'s `sort` must be text, like "Ellis, Maren"')
        sort = sort.strip()
        family, _, given = sort.partition(",")
        if not sort:
            given, _, family = name.rpartition(" ")
        people.append(Person(name=name, family=family.strip(), given=given.strip()))
    return tuple(people)


def parse_order(contents: _Fields) -> ReadingOrder:
    parts_raw = contents.table.get("parts", [])
    chapters = contents.str_list("chapters")
    if parts_raw and chapters:
        raise contents.invalid(
            "chapters",
            "[contents] has both `chapters` and `parts`",
            "put every chapter inside a part, or drop the parts",
        )
    parts: list[tuple[str, tuple[str, ...]]] = []
    if not isinstance(parts_raw, list):
        raise error("[[contents.parts]] must be a list of tables", contents.shown)
    for number, raw in enumerate(parts_raw, 1):
        part = _Fields(raw, f"contents.parts #{number}", contents.shown, contents.text)
        parts.append((part.str("title", f"Part {number}"), part.str_list("chapters")))
    if chapters:
        parts.append(("", chapters))
    front, back = contents.str_list("front"), contents.str_list("back")
    if not any(c for _, c in parts) and not front and not back:
        raise error(
            "the book has no chapters",
            contents.shown,
            _line_of(contents.text, "[contents]"),
            'list them in [contents]: chapters = ["chapters/one.md"]',
        )
    return ReadingOrder(front=front, parts=tuple(parts), back=back)


def parse_appendices(table: _Fields) -> tuple[AppendixSettings, ...]:
    result = []
    for key, title in APPENDIX_DEFAULTS.items():
        sub = table.table_of(key)
        order = sub.str("order", "as-listed")
        if order not in ("as-listed", "alphabetical"):
            raise error(
                f'`order` in [appendices.{key}] must be "as-listed" or "alphabetical"',
                table.shown,
                _line_of(table.text, "order"),
            )
        result.append(
            AppendixSettings(
                key=key,
                title=sub.str("title", title),
                enabled=sub.bool("enabled", True),
                order=order,
            )
        )
    return tuple(result)


def parse_pdf(pdf: _Fields) -> PdfSettings:
    isbn = parse_isbn(pdf)
    width, height = parse_trim(pdf)
    lengths = {key: pdf.str(key, default) for key, default in (("inside", "0.75in"), ("bleed", ""))}
    for key, value in lengths.items():
        if value and not re.fullmatch(LENGTH, value):
            raise error(
                f"`{key}` in [pdf] must be a length like 0.125in or 3mm",
                pdf.shown,
                _line_of(pdf.text, key),
            )
    if lengths["bleed"] and length_in_inches(lengths["bleed"]) > MAX_BLEED:
        raise pdf.invalid(
            "bleed",
            f"a bleed of {lengths['bleed']} is more than {MAX_BLEED}in beyond the trim",
            "print-on-demand services ask for 0.125in (3mm)",
        )
    screen = pdf.str("screen_size", "trim").lower()
    if screen not in ("trim", "letter", "a4"):
        raise pdf.invalid("screen_size", '`screen_size` in [pdf] must be "trim", "letter" or "a4"')
    return PdfSettings(
        width=width,
        height=height,
        isbn=isbn,
        inside=lengths["inside"],
        bleed=lengths["bleed"],
        marks=pdf.bool("marks", False),
        screen_size=screen,
        drop_caps=pdf.bool("drop_caps", False),
    )


LENGTH = r"\d+(\.\d+)?(in|mm|cm|pt)"


def parse_trim(pdf: _Fields) -> tuple[str, str]:
    trim = pdf.str("trim", "6x9in")
    preset = TRIM_PRESETS.get(trim.replace(" ", "").lower())
    if preset:
        return preset
    sizes = trim.split()
    if len(sizes) == 2 and all(re.fullmatch(LENGTH, s) for s in sizes):
        check_trim(pdf, *(length_in_inches(s) for s in sizes))
        return sizes[0], sizes[1]
    raise error(
        f"unknown trim size '{trim}'",
        pdf.shown,
        _line_of(pdf.text, "trim"),
        f'use one of {", ".join(TRIM_PRESETS)} or two lengths like "6in 9in"',
    )


# Pages a book can have: the smallest and largest trims print-on-demand services print
# are about 4in and 12in; beyond this, a typo (0in, 90in) more likely than a book.
TRIM_RANGE = (3.0, 20.0)
MAX_BLEED = 0.5  # inches; services ask for 0.125in (3mm)


def check_trim(pdf: _Fields, width: float, height: float) -> None:
    low, high = TRIM_RANGE
    for name, size in (("wide", width), ("tall", height)):
        if not low <= size <= high:
            raise pdf.invalid(
                "trim",
                f"a trim of {width:g}in x {height:g}in cannot hold a book's pages: "
                f"a page is {low:g}in to {high:g}in {name}, and this one is {size:g}in",
                f'use one of {", ".join(TRIM_PRESETS)} or two lengths like "6in 9in"',
            )


def length_in_inches(length: str) -> float:
    number, unit = float(re.match(r"[\d.]+", length).group()), re.sub(r"[\d.]", "", length)  # type: ignore[union-attr]
    return number * {"in": 1, "mm": 1 / 25.4, "cm": 1 / 2.54, "pt": 1 / 72}[unit]


LANGUAGE_TAG = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?(-[A-Za-z0-9]{5,8})*$"
)


def valid_date(text: str) -> bool:
    try:
        if re.fullmatch(r"\d{4}", text):
            return True
        if re.fullmatch(r"\d{4}-\d\d", text):
            dt.date.fromisoformat(text + "-01")
            return True
        dt.date.fromisoformat(text[:10])
        return re.fullmatch(r"\d{4}-\d\d-\d\d([T ].*)?", text) is not None
    except ValueError:
        return False


def parse_isbn(table: _Fields) -> str:
    isbn = re.sub(r"[\s-]", "", table.str("isbn"))
    if isbn and not valid_isbn13(isbn):
        raise table.invalid(
            "isbn",
            f"`isbn` in [{table.name}]: {isbn} is not a valid ISBN-13",
            "check the digits; the last one is a check digit",
        )
    return isbn


def valid_isbn13(isbn: str) -> bool:
    if not re.fullmatch(r"97[89]\d{10}", isbn):
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(isbn[:12]))
    return (10 - total % 10) % 10 == int(isbn[12])
