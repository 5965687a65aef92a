"""Bibliography files (CSL-YAML, CSL-JSON, BibTeX) into `Work` records.

Each reader returns works with the file and line they came from, so every
later error about a work can point the author at its entry.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import bibtexparser
import yaml
from bibtexparser import middlewares

from makebook.errors import Diagnostics, ManuscriptError, error
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
        isbn=_text(entry.get("ISBN") or entry.get("isbn")),
        url=_text(entry.get("URL") or entry.get("url")),
        annotation=_text(entry.get("annote") or entry.get("annotation")),
        suggested=bool(entry.get("suggested")) or "suggested" in _keywords(keywords),
    )


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
    if not full:
        raise error(
            f"entry '{work_id}': a name has neither family nor literal",
            shown,
            line,
            "add "
            + in_format(shown, "family: Surname", '"family": "Surname"')
            + " (or literal, for an organisation)",
        )
    return Person(name=full, family=family, given=given)


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


def parse_bibtex(text: str, shown: Path) -> list[Work]:
    # bibtexparser logs each failed block itself; makebook reports them with the fix.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(
        text,
        append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()],
    )
    diagnostics = Diagnostics()
    for block in library.failed_blocks:
        diagnostics.error(
            f"malformed BibTeX entry: {bibtex_reason(block)}",
            shown,
            block.start_line + 1,
            "check the braces, commas and quotes of this entry",
        )
    diagnostics.raise_if_errors()
    works = []
    for entry in library.entries:
        fields = {k.lower(): f.value for k, f in entry.fields_dict.items()}
        line = entry.start_line + 1
        title = _strip_braces(_text(fields.get("title")))
        if not title:
            raise error(f"entry '{entry.key}' has no title", shown, line, "add `title = {...}`")
        title, subtitle = split_title(title, _strip_braces(_text(fields.get("subtitle"))))
        contributors: list[Contributor] = []
        for field_name, role in (
            ("author", "author"),
            ("editor", "editor"),
            ("translator", "translator"),
        ):
            for name in fields.get(field_name) or []:
                contributors.append(Contributor(bibtex_person(name), role))
        year = _text(fields.get("year")) or _text(fields.get("date"))[:4]
        works.append(
            Work(
                id=entry.key,
                type=BIBTEX_TYPES.get(entry.entry_type.lower(), "other"),
                title=title,
                subtitle=subtitle,
                source=shown,
                line=line,
                contributors=tuple(contributors),
                year=year,
                publisher=_strip_braces(_text(fields.get("publisher"))),
                container_title=_strip_braces(
                    _text(
                        fields.get("journal")
                        or fields.get("journaltitle")
                        or fields.get("booktitle")
                    )
                ),
                isbn=_text(fields.get("isbn")),
                url=_text(fields.get("url")),
                annotation=_strip_braces(_text(fields.get("annote") or fields.get("annotation"))),
                suggested="suggested" in _keywords(_text(fields.get("keywords"))),
            )
        )
    return works


def bibtex_reason(block: Any) -> str:
    problem = getattr(block, "error", None)
    reason = getattr(problem, "abort_reason", "") or str(problem or "")
    return reason.strip() or "syntax error"


def bibtex_person(name: Any) -> Person:
    if isinstance(name, str):
        return Person(name=_strip_braces(name))
    given = _strip_braces(" ".join(name.first))
    family = _strip_braces(" ".join([*name.von, *name.last]))
    suffix = _strip_braces(" ".join(name.jr))
    full = " ".join(p for p in (given, family, suffix) if p)
    return Person(name=full, family=family, given=given)


# --- helpers -----------------------------------------------------------------


def split_title(title: str, subtitle: str = "") -> tuple[str, str]:
    """Zotero keeps the subtitle after a colon in the title; show it apart."""
    title = " ".join(title.split())
    if subtitle:
        return title, " ".join(subtitle.split())
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


def _strip_braces(value: str) -> str:
    return " ".join(value.replace("{", "").replace("}", "").split())


def _keywords(value: str) -> set[str]:
    return {k.strip().casefold() for k in re.split(r"[,;]", value) if k.strip()}
