"""Bibliography files (CSL-YAML, CSL-JSON, BibTeX) into `Work` records.

Each reader returns works with the file and line they came from, so every
later error about a work can point the author at its entry.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import bibtexparser
import yaml
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from pylatexenc.latex2text import LatexNodes2Text

from makebook.errors import Diagnostics, ManuscriptError, error
from makebook.manuscript import bibtex_case
from makebook.manuscript.text import (
    compose_and_load,
    read_text,
    yaml_problem,
)
from makebook.model import Contributor, Person, Work

# CSL and BibTeX types mapped onto the few kinds the appendices care about.
CSL_TYPES = {
    "book": "book",
    "motion_picture": "film",
    "broadcast": "film",
    "article": "article",
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "paper-conference": "article",
    "chapter": "chapter",
    "entry-encyclopedia": "chapter",
    "entry-dictionary": "chapter",
    "webpage": "webpage",
    "post": "webpage",
    "post-weblog": "webpage",
    "report": "book",
    "thesis": "book",
}
BIBTEX_TYPES = {
    "book": "book",
    "mvbook": "book",
    "article": "article",
    "inproceedings": "article",
    "incollection": "chapter",
    "inbook": "chapter",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "movie": "film",
    "video": "film",
    "film": "film",
    "report": "book",
    "techreport": "book",
    "phdthesis": "book",
    "mastersthesis": "book",
    "thesis": "book",
}
CSL_ROLES = {
    "author": "author",
    "editor": "editor",
    "translator": "translator",
    "director": "director",
    "performer": "cast",
    "cast-member": "cast",
}


def load_bibliography(paths: Iterable[tuple[Path, Path]]) -> tuple[Work, ...]:
    """Read every `(absolute path, path to show)` file; ids must be unique across them."""
    diagnostics = Diagnostics()
    works: list[Work] = []
    seen: dict[str, Work] = {}
    for path, shown in paths:
        try:
            text = read_text(path, shown)
            file_works = parse_bibliography(text, shown)
        except ManuscriptError as exc:
            diagnostics.extend(exc)
            continue
        for work in file_works:
            if work.id in seen:
                first = seen[work.id]
                diagnostics.error(
                    f"duplicate bibliography id '{work.id}'",
                    shown,
                    work.line,
                    f"already used at {first.source}:{first.line}; give one of them another id",
                )
                continue
            seen[work.id] = work
            works.append(work)
    diagnostics.raise_if_errors()
    return tuple(works)


def parse_bibliography(text: str, shown: Path) -> list[Work]:
    suffix = shown.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return parse_csl_yaml(text, shown)
    if suffix == ".json":
        return parse_csl_json(text, shown)
    if suffix == ".bib":
        return parse_bibtex(text, shown)
    raise error(
        f"unknown bibliography format '{suffix}'",
        shown,
        hint="use CSL-YAML (.yaml), CSL-JSON (.json) or BibTeX (.bib)",
    )


# --- CSL (YAML and JSON) ------------------------------------------------------


def parse_csl_yaml(text: str, shown: Path) -> list[Work]:
    try:
        node, data = compose_and_load(text)
    except yaml.YAMLError as exc:
        raise ManuscriptError(yaml_problem(exc, text, shown)) from None
    if isinstance(data, Mapping) and "references" in data:
        entries = data["references"]
        node = _mapping_value(node, "references")
    else:
        entries = data
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise error(
            "a CSL-YAML file must be a list of entries, or have a `references:` list",
            shown,
            1,
        )
    lines = [item.start_mark.line + 1 for item in node.value] if node is not None else []
    return [
        csl_work(entry, shown, lines[i] if i < len(lines) else 1) for i, entry in enumerate(entries)
    ]


def _mapping_value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if key_node.value == key:
            return value_node
    return None


def parse_csl_json(text: str, shown: Path) -> list[Work]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"malformed JSON: {exc.msg}", shown, exc.lineno, column=exc.colno) from None
    if isinstance(data, Mapping) and "items" in data:
        data = data["items"]
    if not isinstance(data, list):
        raise error("a CSL-JSON file must hold a list of entries", shown, 1)
    lines = json_array_lines(text)
    return [
        csl_work(entry, shown, lines[i] if i < len(lines) else 1) for i, entry in enumerate(data)
    ]


def json_array_lines(text: str) -> list[int]:
    """The line where each element of the file's top-level array starts.

    The standard decoder reports where each value ends, so stepping through the
    array with `raw_decode` gives exact starts without a second JSON parser.
    """
    decoder = json.JSONDecoder()
    start = text.find("[")
    if start < 0:
        return []
    lines, index = [], start + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return lines
        lines.append(text.count("\n", 0, index) + 1)
        try:
            _, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            return lines


def csl_work(entry: Any, shown: Path, line: int) -> Work:
    if not isinstance(entry, Mapping):
        raise error(
            "a bibliography entry must be a mapping of fields",
            shown,
            line,
            "write it as "
            + in_format(shown, "id: some-key, title: ...", '{"id": "some-key", "title": "..."}'),
        )
    work_id = entry.get("id")
    if not isinstance(work_id, str | int) or not str(work_id).strip():
        raise error(
            "bibliography entry without an `id`",
            shown,
            line,
            "add " + in_format(shown, "`id: some-key`", '`"id": "some-key"`'),
        )
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise error(
            f"entry '{work_id}' has no title",
            shown,
            line,
            "add " + in_format(shown, "`title: ...`", '`"title": "..."`'),
        )
    title, subtitle = split_title(title, _text(entry.get("subtitle")))
    contributors: list[Contributor] = []
    for field_name, role in CSL_ROLES.items():
        names = entry.get(field_name) or []
        if not isinstance(names, list):
            raise error(
                f"entry '{work_id}': `{field_name}` must be a list of names",
                shown,
                line,
                "write it as a list: "
                + in_format(
                    shown,
                    "[{family: Siegel, given: Daniel J.}]",
                    '[{"family": "Siegel", "given": "Daniel J."}]',
                ),
            )
        contributors.extend(Contributor(csl_person(n, work_id, shown, line), role) for n in names)
    keywords = _text(entry.get("keyword"))
    return Work(
        id=str(work_id),
        type=CSL_TYPES.get(str(entry.get("type", "book")), "other"),
        title=title,
        subtitle=subtitle,
        source=shown,
        line=line,
        contributors=tuple(contributors),
        year=csl_year(entry.get("issued")),
        publisher=_text(entry.get("publisher")),
        container_title=_text(entry.get("container-title")),
        volume=_text(entry.get("volume")),
        issue=_text(entry.get("issue")),
        pages=page_range(_text(entry.get("page"))),
        edition=_text(entry.get("edition")),
        place=_text(entry.get("publisher-place")),
        doi=bare_doi(_text(entry.get("DOI") or entry.get("doi"))),
        isbn=_text(entry.get("ISBN") or entry.get("isbn")),
        url=_text(entry.get("URL") or entry.get("url")),
        annotation=_text(entry.get("annote") or entry.get("annotation")),
        suggested=bool(entry.get("suggested")) or "suggested" in _keywords(keywords),
        csl_type=str(entry.get("type", "book")),
        csl_extra=csl_extra(entry),
    )


# CSL variables kept as they are written, for the citation styles (render/csl.py).
CSL_EXTRA_TEXT = (
    "collection-title", "collection-number", "genre", "medium", "note", "number",
    "ISSN", "title-short", "container-title-short", "original-title", "section",
    "number-of-pages", "number-of-volumes", "version", "status", "event-title", "event-place",
)  # fmt: skip


def csl_extra(entry: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs = [(k, _text(entry[k])) for k in CSL_EXTRA_TEXT if entry.get(k)]
    for key in ("issued", "accessed", "original-date"):
        date = csl_iso_date(entry.get(key))
        if date:
            pairs.append((key, date))
    return tuple(pairs)


def csl_iso_date(value: Any) -> str:
    """A CSL date as `YYYY[-MM[-DD]]` (the first of a range), or "" when it is none."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        match = re.match(r"\s*(-?\d{1,4}(?:-\d{1,2}(?:-\d{1,2})?)?)", value)
        return match.group(1) if match else ""
    if isinstance(value, Mapping):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            numbers = [str(n) for n in parts[0][:3] if str(n).lstrip("-").isdigit()]
            return "-".join(n if i == 0 else n.zfill(2) for i, n in enumerate(numbers))
        if value.get("raw"):
            return csl_iso_date(str(value["raw"]))
    return ""


def in_format(shown: Path, yaml_example: str, json_example: str) -> str:
    """An example written the way this bibliography file is written."""
    return json_example if shown.suffix.lower() == ".json" else yaml_example


def csl_person(name: Any, work_id: object, shown: Path, line: int) -> Person:
    if isinstance(name, str):
        return Person(name=name.strip())
    if not isinstance(name, Mapping):
        raise error(
            f"entry '{work_id}': a name must be a mapping",
            shown,
            line,
            "write it as "
            + in_format(shown, "{family: Siegel, given: Daniel J.}", '{"family": "Siegel"}'),
        )
    if name.get("literal"):
        return Person(name=str(name["literal"]).strip())
    given = _text(name.get("given"))
    family = " ".join(
        _text(name.get(k)) for k in ("non-dropping-particle", "family") if name.get(k)
    )
    parts = [given, _text(name.get("dropping-particle")), family, _text(name.get("suffix"))]
    full = " ".join(p for p in parts if p)
    dropping = _text(name.get("dropping-particle"))
    non_dropping = _text(name.get("non-dropping-particle")) or family_particle(family)
    if not full:
        raise error(
            f"entry '{work_id}': a name has neither family nor literal",
            shown,
            line,
            "add "
            + in_format(shown, "family: Surname", '"family": "Surname"')
            + " (or literal, for an organisation)",
        )
    return Person(
        name=full, family=family, given=given, particle=non_dropping or dropping,
        particle_drops=bool(dropping) and not non_dropping, suffix=_text(name.get("suffix")),
    )  # fmt: skip


def family_particle(family: str) -> str:
    """The lower-case words that open a family name written whole ("van der" of
    `family: van der Kolk`): a non-dropping particle, as citeproc-js and pandoc read it,
    so the name sorts under K and a style that demotes particles prints "Kolk, Bessel
    van der"."""
    words = family.split()
    lead = list(itertools.takewhile(lambda word: word[:1].islower(), words))
    rest = words[len(lead) :]
    return " ".join(lead) if lead and rest and rest[0][:1].isupper() else ""


def csl_year(issued: Any) -> str:
    if isinstance(issued, int):
        return str(issued)
    if isinstance(issued, str):
        match = re.match(r"\s*(-?\d{1,4})", issued)
        return match.group(1) if match else issued.strip()
    if isinstance(issued, Mapping):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        if issued.get("literal"):
            return str(issued["literal"])
        if issued.get("raw"):
            return csl_year(str(issued["raw"]))
    return ""


# --- BibTeX -----------------------------------------------------------------------

# Decodes LaTeX as a citation manager does: accents and escapes to Unicode, `--`/`---`
# to dashes, `~` to a no-break space, case-protecting braces and font commands
# (`\emph`, `\textit`...) dropped, math kept as readable text.
LATEX = LatexNodes2Text(math_mode="text", strict_latex_spaces=True)

# `@misc` (Zotero's export of a film) or `@video` is a film when its `type` or
# `howpublished` says so.
FILM_WORDS = {"film", "movie", "motion picture", "motion_picture", "video", "dvd", "blu-ray"}


def parse_bibtex(text: str, shown: Path) -> list[Work]:
    # bibtexparser logs each failed block itself; makebook reports them with the fix.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    # No middleware: values keep their braces and quotes so that `@string` macros and
    # `#` concatenation resolve here, and names split before their LaTeX is decoded
    # (a braced `{Barnes and Noble}` is one name).
    library = bibtexparser.parse_string(text, parse_stack=[])
    diagnostics = Diagnostics()
    for block in library.failed_blocks:
        diagnostics.error(
            f"malformed BibTeX entry: {bibtex_reason(block)}",
            shown,
            block.start_line + 1,
            "check the braces, commas and quotes of this entry",
        )
    diagnostics.raise_if_errors()
    strings: dict[str, str] = {}
    for string in library.strings:
        strings[string.key.casefold()] = bibtex_value(str(string.value), strings)
    return [bibtex_work(entry, strings, shown) for entry in library.entries]


def bibtex_work(entry: Any, strings: Mapping[str, str], shown: Path) -> Work:
    raw = {k.lower(): bibtex_value(str(f.value), strings) for k, f in entry.fields_dict.items()}

    def text(*names: str) -> str:
        return next((latex_text(raw[n]) for n in names if raw.get(n, "").strip()), "")

    line = entry.start_line + 1
    title = text("title")
    if not title:
        raise error(f"entry '{entry.key}' has no title", shown, line, "add `title = {...}`")
    title, subtitle = split_title(title, text("subtitle"))
    kind = bibtex_type(entry.entry_type.lower(), text("type", "howpublished", "entrysubtype"))
    contributors: list[Contributor] = []
    for field_name, role in (
        ("author", "author"),
        ("editor", "editor"),
        ("translator", "translator"),
        ("director", "director"),
    ):
        if field_name == "author" and kind == "film" and not raw.get("director"):
            role = "director"  # Zotero exports a film's director as its author
        if field_name == "editor" and text("editortype").casefold() == "director":
            role = "director"  # biblatex's @video/@movie
        contributors.extend(Contributor(p, role) for p in bibtex_names(raw.get(field_name, "")))
    year = text("year") or text("date")[:4]
    language = text("langid", "language")
    extra = bibtex_csl_extra(text, year) + bibtex_case.csl_titles(
        raw, latex_text_kept_spaces, language
    )
    if entry.entry_type.lower() not in ("article", "periodical") and text("number") \
            and not text("series"):  # fmt: skip
        extra += (("number", text("number")),)  # a report's number, not an issue
    if bibtex_case.csl_language(language):
        extra += (("language", bibtex_case.csl_language(language)),)
    return Work(
        id=entry.key,
        type=kind,
        title=title,
        subtitle=subtitle,
        source=shown,
        line=line,
        contributors=tuple(contributors),
        year=year,
        publisher=text("publisher", "institution", "school", "organization"),
        container_title=text("journal", "journaltitle", "booktitle"),
        volume=text("volume"),
        issue=text("number", "issue"),
        pages=page_range(text("pages")),
        edition=text("edition"),
        place=text("address", "location"),
        doi=bare_doi(verbatim(raw.get("doi", ""))),
        isbn=text("isbn"),
        url=verbatim(raw.get("url", "")),
        annotation=text("annote", "annotation"),
        suggested="suggested" in _keywords(text("keywords")),
        csl_type=bibtex_csl_type(entry.entry_type.lower(), kind, text("entrysubtype")),
        csl_extra=extra,
    )


# BibTeX/biblatex entry types as CSL types, as pandoc (and Zotero's import) map them.
BIBTEX_CSL_TYPES = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "booklet": "pamphlet",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "manual": "book",
    "reference": "book",
    "inbook": "chapter",
    "bookinbook": "chapter",
    "incollection": "chapter",
    "inreference": "entry-encyclopedia",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "thesis": "thesis",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "report": "report",
    "techreport": "report",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "unpublished": "manuscript",
    "patent": "patent",
    "periodical": "periodical",
    "movie": "motion_picture",
    "video": "motion_picture",
    "film": "motion_picture",
    "audio": "song",
    "music": "song",
}
THESIS_GENRES = {"phdthesis": "PhD thesis", "mastersthesis": "Master’s thesis"}


def bibtex_csl_type(entry_type: str, kind: str, subtype: str) -> str:
    if kind == "film":
        return "motion_picture"
    if entry_type == "article" and subtype.casefold() in ("magazine", "newspaper"):
        return f"article-{subtype.casefold()}"
    return BIBTEX_CSL_TYPES.get(entry_type, "")


MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, 1)}


def bibtex_csl_extra(text: Callable[..., str], year: str) -> tuple[tuple[str, str], ...]:
    """The CSL variables a style may print that the Work's own fields do not hold."""
    date = text("date")
    month = text("month").strip().casefold()[:3]
    if not date and year and month:
        number = MONTHS.get(month) or (int(month) if month.isdigit() else 0)
        date = f"{year}-{number:02d}" if number else year
    pairs = {
        "issued": date,
        "collection-title": text("series"),
        "collection-number": text("number") if text("series") else "",  # overrides below
        "genre": text("type"),
        "accessed": text("urldate"),
        "ISSN": text("issn"),
        "note": text("note"),
        "title-short": text("shorttitle"),
    }
    return tuple((k, v) for k, v in pairs.items() if v)


def bibtex_type(entry_type: str, subtype: str) -> str:
    if entry_type in ("misc", "video") and subtype.casefold() in FILM_WORDS:
        return "film"
    return BIBTEX_TYPES.get(entry_type, "other")


def bibtex_value(value: str, strings: Mapping[str, str]) -> str:
    """A raw field value with its `@string` macros and `#` concatenation resolved.

    Braced and quoted parts lose their outer delimiters only; inner braces stay for
    the name splitter and the LaTeX decoder. An unknown macro stays as its name, as
    BibTeX prints it (month abbreviations among them).
    """
    parts = []
    for part in _split_concatenation(value):
        part = part.strip()
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            parts.append(part[1:-1])
        else:
            parts.append(strings.get(part.casefold(), part))
    return "".join(parts)


def _split_concatenation(value: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0 and (index == 0 or value[index - 1] != "\\"):
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:index])
            start = index + 1
    parts.append(value[start:])
    return parts


def latex_text(value: str) -> str:
    """LaTeX field text as Unicode; spaces collapsed but no-break spaces kept."""
    return _collapse_spaces(LATEX.latex_to_text(value))


def latex_text_kept_spaces(value: str) -> str:
    """LaTeX as Unicode with its outer spaces kept (a piece of a longer field)."""
    return re.sub(r"[ \t\r\n]+", " ", LATEX.latex_to_text(value))


def verbatim(value: str) -> str:
    """A URL or DOI: braces dropped and TeX escapes undone, nothing else touched."""
    value = re.sub(r"\\([_%&#~$])", r"\1", value.replace("{", "").replace("}", ""))
    return value.strip()


def bare_doi(value: str) -> str:
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.IGNORECASE)


def bibtex_names(value: str) -> list[Person]:
    if not value.strip():
        return []
    return [bibtex_person(name) for name in split_multiple_persons_names(value)]


def bibtex_reason(block: Any) -> str:
    problem = getattr(block, "error", None)
    reason = getattr(problem, "abort_reason", "") or str(problem or "")
    return reason.strip() or "syntax error"


def bibtex_person(name: Any) -> Person:
    if isinstance(name, str):
        try:
            name = parse_single_name_into_parts(name, strict=False)
        except InvalidNameError:
            return Person(name=latex_text(name))
    given = latex_text(" ".join(name.first))
    family = latex_text(" ".join([*name.von, *name.last]))
    suffix = latex_text(" ".join(name.jr))
    full = " ".join(p for p in (given, family, suffix) if p)
    # BibTeX's von part is a particle that drops when the name is inverted, as pandoc
    # reads it ("Kolk, Bessel van der").
    particle = latex_text(" ".join(name.von))
    return Person(
        name=full, family=family, given=given, particle=particle,
        particle_drops=bool(particle), suffix=suffix,
    )  # fmt: skip


# --- helpers -----------------------------------------------------------------


def split_title(title: str, subtitle: str = "") -> tuple[str, str]:
    """Zotero keeps the subtitle after a colon in the title; show it apart."""
    title = _collapse_spaces(title)
    if subtitle:
        return title, _collapse_spaces(subtitle)
    main, sep, rest = title.partition(": ")
    if sep and rest:
        return main, rest
    return title, ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value).strip()


def page_range(value: str) -> str:
    """Pages as printed: `33-34` and `33--34` both become `33–34`."""
    return re.sub(r"(?<=\w)\s*(?:-+|\u2013)\s*(?=\w)", "\u2013", value)


def _collapse_spaces(value: str) -> str:
    """Runs of spaces and line breaks as one space; a no-break space (`~`) is kept."""
    return re.sub(r"[ \t\r\n]+", " ", value).strip()


def _keywords(value: str) -> set[str]:
    return {k.strip().casefold() for k in re.split(r"[,;]", value) if k.strip()}
