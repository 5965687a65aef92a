"""Citations and bibliography entries in a CSL style, formatted by citeproc-py.

The book's works become CSL-JSON items (`csl_item`); `CslFormatter` formats citation
clusters (`[see @a, p. 3; @b]`, `[-@a]`, `@a [p. 3]`) and bibliography entries with the
style `[bibliography] style` names, as pandoc's citeproc does. What citeproc-py lacks is
made up here, around it, never by rewriting its output into expected strings:

- author-in-text (`@key`) and suppress-author (`[-@key]`), which citeproc-py has no mode
  for: the cluster is also rendered with the work's names replaced by a placeholder
  name, and the difference between the two renderings is the author part;
- pandoc's locator parsing (`p. 30`, `ch. 3`, `30`) into a CSL locator and a suffix;
- each item of a cluster marked, so that it can become its own link to Works Cited.

- the style prepared for citeproc-py (`prepared_style`): substituted names inherit their
  <name> and <label>, a numbered entry's number is followed by a space;
- year suffixes (2020a), `collapse="year"` and given names telling authors of one family
  name apart, which citeproc-py does not do (it never disambiguates);
- the locale's punctuation-in-quote, merged end punctuation, typographic quotes.

citeproc-py's HTML (`<i>`, `<b>`, small caps as a style attribute) becomes XHTML here;
every piece of citeproc-py beyond its public API is in render/citeproc_compat.py.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import hashlib
import html
import io
import json
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from lxml import etree

from makebook.files import write_atomically
from makebook.manuscript import csl_styles
from makebook.model import Book, Citation, Person, Work, collation_key
from makebook.render import citeproc_compat
from makebook.render.typography import smarten

citeproc_compat.patch()

from citeproc import (  # noqa: E402  (after the patch: it extends citeproc's name lists)
    Citation as CslCitation,
)
from citeproc import (  # noqa: E402
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source import Locator  # noqa: E402
from citeproc.source.json import CiteProcJSON  # noqa: E402

# Our coarse types as CSL types, for works whose source gave no exact CSL type.
CSL_TYPE_OF = {
    "book": "book",
    "film": "motion_picture",
    "article": "article-journal",
    "chapter": "chapter",
    "webpage": "webpage",
    "other": "book",
}
ROLES = {
    "author": "author",
    "editor": "editor",
    "translator": "translator",
    "director": "director",
    "cast": "performer",
}
NAME_VARIABLES = tuple(ROLES.values())

# Characters from Unicode's private use area: they pass through citeproc-py untouched
# (no case change, no escaping) and never occur in a book's bibliography.
PLACEHOLDER = "\ue000"  # the stand-in name of a work whose author is suppressed
ITEM_START, ITEM_SEP, ITEM_END = "\ue001", "\ue002", "\ue003"
SHADOW = "\ue004"  # the key suffix of a work's copy with the placeholder name
# Raised when makebook prints the same entries otherwise (2: a style's quotation marks
# kept): entries remembered by an earlier build (`remembered`) are then made again.
ENTRIES_FORMAT = 2
NAMELESS = "\ue005"  # the key suffix of a work's copy without its lead names

# The CSL locator types; their terms in the book's locale (long and short, singular and
# plural: "chapter", "chap.", "chaps.") are what pandoc reads as a locator's label.
LOCATOR_TYPES = (
    "act", "appendix", "article-locator", "book", "canon", "chapter", "column", "elocation",
    "equation", "figure", "folio", "issue", "line", "note", "opus", "page", "paragraph",
    "part", "rule", "scene", "section", "sub-verbo", "supplement", "table", "timestamp",
    "title-locator", "verse", "volume",
)  # fmt: skip
LOCATOR_VALUE = (
    r"\s*(?P<value>[\w\u2013\u2014-]*\d[\w\u2013\u2014,\s-]*?|[ivxlcdm]+)"
    r"(?P<rest>(?:,\s.*)?)$"
)


@functools.cache
def locator_terms(locale: str) -> dict[str, str]:
    """Each word the locale writes for a locator type, to the type ("pp." -> page)."""
    path = citeproc_compat.locale_file(locale)
    if not path.is_file():
        path = citeproc_compat.locale_file("en-US")
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    terms: dict[str, str] = {}
    for term in tree.iterfind(".//{*}term"):
        name = term.get("name", "")
        if name not in LOCATOR_TYPES:
            continue
        label = "sub verbo" if name == "sub-verbo" else name
        forms = [term.text or ""] + [child.text or "" for child in term]
        for form in forms:
            if form.strip():
                terms.setdefault(form.strip().lower(), label)
    return terms


@functools.cache
def page_label(locale: str) -> str:
    """The locale's short word for one page ("p." in English, "S." in German): what
    "Discussed in" prints before a page number in print."""
    for code in (locale, "en-US"):
        path = citeproc_compat.locale_file(code)
        if not path.is_file():
            continue
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        for term in tree.iterfind(".//{*}term[@name='page'][@form='short']"):
            single = term.find("{*}single")
            text = (single.text if single is not None else term.text) or ""
            if text.strip():
                return text.strip()
    return "p."


def parse_locator(text: str, terms: Mapping[str, str]) -> tuple[Locator | None, str]:
    """pandoc's reading of what follows a key: a locale term and a number (`p. 30`,
    `chap. 2`) is a locator of that type, a bare number a page; other words, and what
    follows a locator after a comma, are a suffix."""
    text = text.strip()
    if not text:
        return None, ""
    labels = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    match = re.match(rf"^(?P<label>{labels})?{LOCATOR_VALUE}", text, re.IGNORECASE | re.DOTALL)
    if not match or not match["value"].strip():
        return None, ", " + text  # as written after the key, comma and all
    label = terms.get((match["label"] or "").lower(), "page")
    return Locator(label, match["value"].strip()), match["rest"]


ARTICLES = {
    "en": ("the", "a", "an"),
    "fr": ("le", "la", "les", "l'", "l’", "un", "une", "des"),
    "de": ("der", "die", "das", "ein", "eine"),
    "es": ("el", "la", "los", "las", "un", "una"),
    "it": ("il", "lo", "la", "i", "gli", "le", "l'", "l’", "un", "una"),
    "nl": ("de", "het", "een"),
    "pt": ("o", "a", "os", "as", "um", "uma"),
}


# --- works as CSL-JSON -----------------------------------------------------------


def csl_name(person: Person) -> dict[str, str]:
    if not person.family:
        return {"literal": person.name}
    name = {"family": person.bare_family}
    if person.given:
        name["given"] = person.given
    if person.particle:
        kind = "dropping-particle" if person.particle_drops else "non-dropping-particle"
        name[kind] = person.particle
    if person.suffix:
        name["suffix"] = person.suffix
    return name


def csl_date(iso: str) -> dict[str, list[list[int]]] | dict[str, str]:
    """`2020`, `2020-03` or `2020-03-05` as CSL date parts; anything else as a literal."""
    match = re.match(r"\s*(-?\d{1,4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", iso)
    if not match:
        return {"literal": iso}
    return {"date-parts": [[int(p) for p in match.groups() if p is not None]]}


def csl_item(work: Work) -> dict[str, object]:
    """One work as a CSL-JSON item: every field a style may print."""
    item: dict[str, object] = {
        "id": work.id,
        "type": work.csl_type or CSL_TYPE_OF.get(work.type, "book"),
        "title": f"{work.title}: {work.subtitle}" if work.subtitle else work.title,
    }
    if work.subtitle:
        item["title-short"] = work.title  # what a short note prints, as pandoc derives it
    for role, variable in ROLES.items():
        people = work.people(role)
        if people:
            item[variable] = [csl_name(p) for p in people]
    fields = {
        "container-title": work.container_title,
        "publisher": work.publisher,
        "publisher-place": work.place,
        "volume": work.volume,
        "issue": work.issue,
        "page": work.pages,
        "edition": work.edition,
        "DOI": work.doi,
        "ISBN": work.isbn,
        "URL": work.url,
    }
    item.update({k: v for k, v in fields.items() if v})
    extra = dict(work.csl_extra)
    for key in ("issued", "accessed", "original-date"):
        if extra.get(key):
            item[key] = csl_date(extra.pop(key))
    if "issued" not in item and work.year:
        item["issued"] = csl_date(work.year)
    if "number" in extra and extra["number"] == work.issue:
        item.pop("issue", None)  # a report's or a series' number, not a journal's issue
    item.update(extra)
    return item


def nameless_item(item: Mapping[str, object]) -> dict[str, object]:
    """The item without the names it is listed under (authors, else editors, else a
    film's directors): the style then opens with the title, as for an anonymous work."""
    copy = dict(item)
    copy["id"] = f"{item['id']}{NAMELESS}"
    for variable in ("author", "editor", "director"):
        if copy.pop(variable, None):
            break
    return copy


GIVEN_NAME_RULES = ("all-names", "all-names-with-initials", "primary-name",
                    "primary-name-with-initials")  # fmt: skip


def names_told_apart(
    items: list[dict[str, object]], keys: Sequence[str], citation: etree._Element
) -> list[dict[str, object]]:
    """Copies of the items in which a cited name shared by different people ("Siegel":
    Daniel J. and Ann) is written with initials ("D. J. Siegel"), or whole given names
    where initials are shared too, as the style's `disambiguate-add-givenname` with a
    name-wide rule asks (CSL's "all-names", "primary-name"); citeproc-py never does."""
    rule = citation.get("givenname-disambiguation-rule", "by-cite")
    if citation.get("disambiguate-add-givenname") != "true" or rule not in GIVEN_NAME_RULES:
        return items
    primary = rule.startswith("primary-name")
    by_id = {str(i["id"]): i for i in items}
    givens: dict[str, set[str]] = {}
    for key in keys:
        for name in lead_names(by_id[key])[: 1 if primary else None]:
            if name.get("family") and name.get("given"):
                givens.setdefault(name["family"], set()).add(name["given"])
    shown: dict[tuple[str, str], str] = {}
    for family, names in givens.items():
        if len(names) < 2:
            continue
        initials = {given: name_initials(given) for given in names}
        for given in names:
            shared = list(initials.values()).count(initials[given]) > 1
            # Initials, or the whole given name where initials are shared too (a
            # "-with-initials" rule stops at initials).
            whole = shared and not rule.endswith("with-initials")
            shown[(family, given)] = given if whole else initials[given]
    if not shown:
        return items
    copies = []
    for item in items:
        copy_ = dict(item)
        for variable in NAME_VARIABLES:
            names = item.get(variable)
            if isinstance(names, list):
                copy_[variable] = [told_apart(n, shown) for n in names]
        copies.append(copy_)
    return copies


def lead_names(item: Mapping[str, object]) -> list[dict[str, str]]:
    for variable in ("author", "editor", "director"):
        names = item.get(variable)
        if isinstance(names, list) and names:
            return names
    return []


def name_initials(given: str) -> str:
    """ "Daniel J." -> "D. J."; "Jean-Paul" -> "J.-P." """
    parts = re.split(r"\s+", given.strip())
    return " ".join("-".join(p[:1] + "." for p in part.split("-") if p) for part in parts)


def told_apart(name: dict[str, str], shown: Mapping[tuple[str, str], str]) -> dict[str, str]:
    given = shown.get((name.get("family", ""), name.get("given", "")))
    if given is None:
        return name
    particle = name.get("dropping-particle") or name.get("non-dropping-particle") or ""
    literal = " ".join(p for p in (given, particle, name["family"], name.get("suffix", "")) if p)
    return {"literal": literal}


def shadow_item(item: Mapping[str, object]) -> dict[str, object]:
    """The item with its leading names replaced by one placeholder name (see module doc)."""
    shadow = {k: v for k, v in item.items() if k not in NAME_VARIABLES}
    shadow["id"] = f"{item['id']}{SHADOW}"
    shadow["author"] = [{"literal": PLACEHOLDER}]
    if not any(item.get(v) for v in NAME_VARIABLES):
        shadow.pop("author")  # no names: nothing to suppress
    return shadow


# --- styles ---------------------------------------------------------------------


def style_path(book: Book) -> Path:
    if csl_styles.is_file_style(book.citation_style):
        return book.root / book.citation_style
    return csl_styles.packaged_style_path(book.citation_style)


def csl_locale(language: str) -> str:
    """citeproc-py's locale for the book's language (`en` -> `en-US`)."""
    if "-" in language:
        return language
    return citeproc_compat.primary_dialects().get(language, "en-US")


@dataclass(frozen=True)
class Rendered:
    """One formatted citation cluster: its items' texts (each a link) and the glue."""

    prefix: str  # the layout's opening, e.g. "("
    items: tuple[tuple[str, str], ...]  # (work id, XHTML of the item's text)
    delimiter: str
    suffix: str  # e.g. ")" or "."
    author: str = ""  # author-in-text: what is printed before the parenthesis
    joins: tuple[str, ...] = ()  # what comes before each item after the first, if not `delimiter`

    def join_before(self, index: int) -> str:
        return self.joins[index - 1] if self.joins else self.delimiter


YEAR_SUFFIXES: dict[tuple[str, str, str], dict[str, str]] = {}
SOURCES: dict[str, CiteProcJSON] = {}  # by the JSON of its items (CslFormatter._source)


class CslFormatter:
    """A book's citation style, with every work registered (citations keep their order)."""

    def __init__(
        self,
        works: Iterable[Work],
        path: Path,
        language: str = "en",
        cited: Iterable[str] | None = None,
    ) -> None:
        self.works = {w.id: w for w in works}
        self.path = path
        self.language = language
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown variables are left out, as pandoc does
            self.style = CitationStylesStyle(
                io.BytesIO(prepared_style(path)), locale=csl_locale(language), validate=False
            )
        items = [csl_item(w) for w in self.works.values()]
        keys = [k for k in (cited if cited is not None else self.works) if k in self.works]
        keys = list(dict.fromkeys(keys))
        # Citations may print names the bibliography prints in full otherwise ("D. J.
        # Siegel 2020; A. Siegel 2019"): they read their own copy of the items.
        cite_items = names_told_apart(items, keys, citeproc_compat.citation_element(self.style))
        self.source = self._source(items)
        self.cite_source = self._source(cite_items)
        if (
            citeproc_compat.citation_element(self.style).get("disambiguate-add-year-suffix")
            == "true"
        ):
            # Each chapter of a book has its own formatter: the suffixes are worked out
            # once for the same style and works.
            memo = (str(path), language, json.dumps([csl_item(self.works[k]) for k in keys]))
            if memo not in YEAR_SUFFIXES:
                YEAR_SUFFIXES[memo] = self._year_suffixes(keys)
            suffixes = YEAR_SUFFIXES[memo]
            if suffixes:
                for item in items + cite_items:
                    if item["id"] in suffixes:
                        item["year-suffix"] = suffixes[str(item["id"])]
                self.source = self._source(items)
                self.cite_source = self._source(cite_items)
        self.bibliography = CitationStylesBibliography(self.style, self.cite_source, formatter.html)
        # What the entries depend on: the style, the language and every item as given.
        self.fingerprint = hashlib.sha256(
            prepared_style(path)
            + json.dumps(
                [ENTRIES_FORMAT, language, items, keys], sort_keys=True, default=str
            ).encode()
        ).hexdigest()
        self.memo: Path | None = None  # a folder remembering entries between builds
        self.memo_used: set[str] = set()  # its files this build read or wrote
        self.keys = {w.lower(): w for w in self.works}
        self.quotes_take = quote_punctuation(path, csl_locale(language))
        self.locator_terms = locator_terms(csl_locale(language))

    @staticmethod
    def _source(items: list[dict[str, object]]) -> CiteProcJSON:
        """The works as citeproc-py reads them; made once a process for the same items.

        Every chapter has a formatter of its own, over the same works: parsing them
        again (names, dates) took half the time of rendering a chapter. citeproc-py
        only reads a source, so the formatters share it."""
        key = json.dumps(items, sort_keys=True, default=str)
        if key not in SOURCES:
            if len(SOURCES) >= 8:  # a long `build --watch` session: only the recent works
                SOURCES.clear()
            copies = [shadow_item(i) for i in items] + [nameless_item(i) for i in items]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                SOURCES[key] = CiteProcJSON(items + copies)
        return SOURCES[key]

    def _year_suffixes(self, keys: list[str]) -> dict[str, str]:
        """Works whose citations would read the same ("Siegel 2020") get a, b... after
        the year, in the bibliography's order, as the style asks
        (`disambiguate-add-year-suffix`); citeproc-py does not disambiguate."""
        trial = CitationStylesBibliography(self.style, self.cite_source, formatter.html)
        for key in keys:
            trial.register(CslCitation([CitationItem(key)]))
        alike: dict[str, list[str]] = {}
        for key in keys:
            citation = CslCitation([CitationItem(key)])
            trial.register(citation)
            with citeproc_compat.positions_kept(trial, True):
                text = str(trial.cite(citation, lambda item: None))
            alike.setdefault(text, []).append(key)
        suffixes: dict[str, str] = {}
        for group in (g for g in alike.values() if len(g) > 1):
            ordered = CitationStylesBibliography(self.style, self.source, formatter.html)
            for key in group:
                ordered.register(CslCitation([CitationItem(key)]))
            ordered.sort()
            original = {k.lower(): k for k in group}  # citeproc-py keeps keys lower-cased
            for index, key in enumerate(ordered.keys):
                suffixes[original[key]] = chr(ord("a") + index)
        return suffixes

    def xhtml(self, text: str) -> str:
        """citeproc-py's output as XHTML, with the locale's punctuation-in-quote applied
        (en-US: a period or comma after a closing quotation mark goes inside it), which
        citeproc-py leaves out."""
        for close in self.quotes_take:
            text = re.sub(f"({re.escape(close)})((?:</[a-z]+>)*)([.,])", r"\3\1\2", text)
        return smart_quotes(to_xhtml(merge_punctuation(text)), self.quote_style)

    @cached_property
    def quote_style(self) -> str:
        """ "single" where the locale opens quotations with ‘ (British English)."""
        path = citeproc_compat.locale_file(csl_locale(self.language))
        if not path.is_file():
            return "double"
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        opening = tree.find(".//{*}term[@name='open-quote']")
        return "single" if opening is not None and opening.text == "\u2018" else "double"

    @cached_property
    def is_note_style(self) -> bool:
        return citeproc_compat.style_element(self.style).get("class") == "note"

    @cached_property
    def is_numbered(self) -> bool:
        """A numeric style (IEEE, Vancouver): its bibliography follows citation order."""
        return citeproc_compat.style_element(self.style).get("class") == "in-text" and bool(
            citeproc_compat.style_element(self.style).xpath(
                ".//cs:bibliography/cs:sort/cs:key[@variable='citation-number']"
                "|.//cs:citation//cs:text[@variable='citation-number']",
                namespaces={"cs": citeproc_compat.CSL_NS},
            )
        )

    @cached_property
    def unnumbered_style(self) -> CitationStylesStyle:
        """The style with its entries' numbers left out: a reading list has none."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return CitationStylesStyle(
                io.BytesIO(prepared_style(self.path, numbers=False)),
                locale=csl_locale(self.language),
                validate=False,
            )

    @cached_property
    def sorts_citations(self) -> bool:
        return bool(
            citeproc_compat.style_element(self.style).xpath(
                "./cs:citation/cs:sort", namespaces=CSL_NS_MAP
            )
        )

    @cached_property
    def layout_affixes(self) -> tuple[str, str, str]:
        layout = citeproc_compat.citation_layout(self.style)
        return layout.get("prefix", ""), layout.get("delimiter", ""), layout.get("suffix", "")

    # --- citations ------------------------------------------------------------

    def register(self, keys: Iterable[str]) -> None:
        """The works cited, in first-cited order (numeric styles number them so)."""
        for key in keys:
            if key in self.works:
                self.bibliography.register(CslCitation([CitationItem(key)]))

    def cite(self, citations: Sequence[Citation], author_in_text: bool = False) -> Rendered:
        """A cluster as the style prints it; `author_in_text` for pandoc's `@key [p. 3]`."""
        prefix, delimiter, suffix = self.layout_affixes
        if author_in_text:
            (citation,) = citations
            full = self._render(citations, positions=False)
            author = self._author_text(citation, full)
            items, suffix = self.closing(self._render([self._suppressed(citation)]), suffix)
            return Rendered(prefix, tuple(items), delimiter, suffix, author=author)
        if not self.collapses or len(citations) < 2:
            items, suffix = self.closing(self._render(citations), suffix)
            return Rendered(prefix, tuple(items), delimiter, suffix)
        return self._collapsed(citations)

    @cached_property
    def collapses(self) -> bool:
        """`collapse="year"` (Chicago, APA): "(Siegel 2020a, 2020b)"; citeproc-py ignores it."""
        collapse = citeproc_compat.citation_element(self.style).get("collapse", "")
        return collapse.startswith("year") and not self.is_note_style

    def _collapsed(self, citations: Sequence[Citation]) -> Rendered:
        """Works by the same author next to each other print the name once, their
        dates joined by the style's cite-group delimiter."""
        prefix, delimiter, suffix = self.layout_affixes
        group_join = citeproc_compat.citation_element(self.style).get("cite-group-delimiter", ", ")
        indexed = self._render_indexed(citations)
        items: list[tuple[str, str]] = []
        joins: list[str] = []
        previous = None
        for index, key, text in indexed:
            author = self._author_text(citations[index], ((key, text),))
            if author and author == previous:
                suppressed = self._render([self._suppressed(citations[index])], positions=False)
                items.append(suppressed[0])
                # pandoc ends the group's run at a cite with a locator: "(Siegel 2020b; 2020a, 4)"
                joins.append(delimiter if citations[index].locator else group_join)
            else:
                items.append((key, text))
                joins.append(delimiter)
            previous = author or None
        items, suffix = self.closing(items, suffix)
        return Rendered(prefix, tuple(items), delimiter, suffix, joins=tuple(joins[1:]))

    def closing(
        self, items: Sequence[tuple[str, str]], suffix: str
    ) -> tuple[list[tuple[str, str]], str]:
        """The layout's closing period meets the last item's end as it would in running
        text: inside a closing quotation mark where the locale says so, and not after
        an end mark of its own ("Infants?”")."""
        items = list(items)
        if not items or not suffix.startswith((".", ",")):
            return items, suffix
        key, last = items[-1]
        end = re.search(r"([?!.]?)((?:[\u201d\u2019\"](?:</[a-z]+>)*)?)$", last)
        marks, quote = end.group(1), end.group(2)  # both optional: it always matches
        if marks and suffix.startswith("."):
            return items, suffix[1:]
        if quote and any(quote.startswith(q) for q in self.quotes_take):
            items[-1] = (key, last[: end.start(2)] + suffix[0] + quote)
            return items, suffix[1:]
        return items, suffix

    def _suppressed(self, citation: Citation) -> Citation:
        return dataclasses.replace(citation, suppress_author=True)

    def _author_text(self, citation: Citation, full: tuple[tuple[str, str], ...]) -> str:
        """The author part of an item: what differs from its rendering with the
        placeholder name, the text around the names being the same in both."""
        shown = full[0][1]
        placeholder = self._render([citation], positions=False, placeholder=True)[0][1]
        if PLACEHOLDER not in placeholder:
            return ""
        before, after = placeholder.split(PLACEHOLDER, 1)
        if shown.startswith(before) and shown.endswith(after):
            return shown[len(before) : len(shown) - len(after)]
        return ""

    def _render(
        self, citations: Sequence[Citation], positions: bool = True, placeholder: bool = False
    ) -> tuple[tuple[str, str], ...]:
        found = self._render_indexed(citations, positions, placeholder)
        return tuple((key, text) for _, key, text in found)

    def _render_indexed(
        self, citations: Sequence[Citation], positions: bool = True, placeholder: bool = False
    ) -> list[tuple[int, str, str]]:
        """Each citation's text (XHTML) in the order the style prints them, with its
        index in `citations`."""
        items = []
        for number, citation in enumerate(citations):
            locator, extra = parse_locator(citation.locator, self.locator_terms)
            shadowed = placeholder or citation.suppress_author
            key = citation.key + (SHADOW if shadowed else "")
            args: dict[str, object] = {
                "prefix": f"{ITEM_START}{number}{ITEM_SEP}"
                + (html.escape(citation.prefix) + " " if citation.prefix else ""),
                "suffix": html.escape(extra) + ITEM_END,
            }
            if locator is not None:
                args["locator"] = locator
            items.append(CitationItem(key, **args))
        cluster = CslCitation(items)
        self.bibliography.register(cluster)
        with citeproc_compat.positions_kept(self.bibliography, not positions, SHADOW):
            text = str(self.bibliography.cite(cluster, lambda item: None))
        return self._split(text, citations, hide_placeholder=not placeholder)

    def _split(
        self, text: str, citations: Sequence[Citation], hide_placeholder: bool
    ) -> list[tuple[int, str, str]]:
        found = []
        for match in re.finditer(f"{ITEM_START}(\\d+){ITEM_SEP}(.*?){ITEM_END}", text, re.DOTALL):
            body = match.group(2)
            if hide_placeholder:
                body = drop_placeholder(body)
            found.append((int(match.group(1)), citations[int(match.group(1))].key, body))
        if not self.sorts_citations:
            # citeproc-py puts a cluster's works in the order they were first cited; a
            # style without its own citation sort keeps the author's order, as pandoc does.
            found.sort()
        return [(index, key, self.xhtml(body)) for index, key, body in found]

    # --- bibliography -----------------------------------------------------------

    def remembered(
        self, kind: str, keys: list[str], make: Callable[[list[str]], dict[str, str]]
    ) -> dict[str, str]:
        """`make(keys)`, or what it gave for the same style, works and keys in an earlier
        build: citeproc-py takes about 12 ms an entry, which an edit to a chapter would
        pay again for every appendix."""
        if self.memo is None:
            return make(keys)
        name = hashlib.sha256(json.dumps([self.fingerprint, kind, keys]).encode()).hexdigest()
        path = self.memo / f"{name}.json"
        self.memo_used.add(path.name)
        with contextlib.suppress(OSError, ValueError):
            found = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(found, dict):
                path.touch()  # still in use: see appendices.forget_unused_entries
                return found
        made = make(keys)
        with contextlib.suppress(OSError):
            write_atomically(path, json.dumps(made))
        return made

    def entries(self, keys: Iterable[str] | None = None) -> dict[str, str]:
        """Each work's bibliography entry as XHTML, in the style's own order."""
        wanted = list(self.works) if keys is None else [k for k in keys if k in self.works]
        return self.remembered("entries", wanted, self._entries)

    def _entries(self, wanted: list[str]) -> dict[str, str]:
        bibliography = CitationStylesBibliography(self.style, self.source, formatter.html)
        for key in wanted:
            bibliography.register(CslCitation([CitationItem(key)]))
        bibliography.sort()
        texts = [str(t) for t in bibliography.bibliography()]
        return {
            self.keys[key]: link_addresses(self.xhtml(text))
            for key, text in zip(bibliography.keys, texts, strict=True)
        }

    def entries_without_names(self, keys: Iterable[str]) -> dict[str, str]:
        """Entries without the names they are listed under, for a list grouped by
        author: the style prints them as it prints an anonymous work, title first."""
        return self.remembered("nameless", [k for k in keys if k in self.works], self._nameless)

    def _nameless(self, keys: list[str]) -> dict[str, str]:
        copies = [k + NAMELESS for k in keys]
        style = self.unnumbered_style if self.is_numbered else self.style
        bibliography = CitationStylesBibliography(style, self.source, formatter.html)
        for key in copies:
            bibliography.register(CslCitation([CitationItem(key)]))
        texts = [str(t) for t in bibliography.bibliography()]
        return {
            self.keys[key.removesuffix(NAMELESS.lower())]: link_addresses(self.xhtml(text))
            for key, text in zip(bibliography.keys, texts, strict=True)
        }


# A period after a sentence's own end mark: "Infants?." (through closing tags and
# quotation marks). CSL processors merge such punctuation; citeproc-py does not.
DOUBLED_PERIOD = re.compile(
    r"([?!])((?:</[a-z]+>|[\u201d\u2019\"'])*)[.,]|(\.)((?:</[a-z]+>|[\u201d\u2019\"'])*)\."
)


def merge_punctuation(text: str) -> str:
    return DOUBLED_PERIOD.sub(lambda m: (m[1] or m[3]) + (m[2] or m[4] or ""), text)


def drop_placeholder(text: str) -> str:
    """Remove the placeholder name and the punctuation that joined it to what follows
    ("\ue000 2020, 30" -> "2020, 30")."""
    pattern = r"(?:<[^>]+>)*" + PLACEHOLDER + r"(?:</[^>]+>)*[.,:]?\s*"
    return re.sub(pattern, "", text, count=1)


@functools.cache
def quote_punctuation(path: Path, locale: str) -> tuple[str, ...]:
    """The closing quotation marks that take a following period or comma inside, when
    the style's locale says `punctuation-in-quote` (American English); else none."""
    ns = {"cs": citeproc_compat.CSL_NS}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    trees = [etree.parse(str(path), parser)]
    locale_file = citeproc_compat.locale_file(locale)
    if locale_file.is_file():
        trees.append(etree.parse(str(locale_file), parser))
    option = None
    closes: list[str] = []
    for tree in trees:  # the style's own locale section first, then the locale's file
        for options in tree.iterfind(".//cs:style-options", ns):
            if option is None and options.get("punctuation-in-quote"):
                option = options.get("punctuation-in-quote") == "true"
        for term in tree.iterfind(".//cs:term", ns):
            if term.get("name") in ("close-quote", "close-inner-quote") and term.text:
                closes.append(term.text)
    return tuple(dict.fromkeys(closes)) if option else ()


def prepared_style(path: Path, numbers: bool = True) -> bytes:
    return _prepared_style(str(path), path.stat().st_mtime_ns, numbers)


@functools.lru_cache(maxsize=16)
def _prepared_style(path: str, modified: int, numbers: bool) -> bytes:
    """The style as CSL 1.0.2 means it, for citeproc-py: a <names> inside <substitute>
    written without children inherits the <name>, <et-al> and <label> of the <names>
    it stands in for (citeproc-py passes them only to a direct child, not to one inside
    a <choose>, as Chicago's are)."""
    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"cs": citeproc_compat.CSL_NS}
    for names in tree.iterfind(".//cs:names", ns):
        substitute = names.find("cs:substitute", ns)
        if substitute is None:
            continue
        inherited = [
            c for c in names
            if isinstance(c.tag, str) and etree.QName(c).localname in ("name", "et-al", "label")
        ]  # fmt: skip
        for inner in substitute.iterfind(".//cs:names", ns):
            if not any(isinstance(c.tag, str) for c in inner):
                for child in inherited:
                    inner.append(copy.deepcopy(child))
    if not numbers:
        layout = "cs:bibliography/cs:layout"
        for number in tree.xpath(f"{layout}//cs:text[@variable='citation-number']", namespaces=ns):
            number.getparent().remove(number)
    else:
        separate_first_field(tree)
    return etree.tostring(tree)


def separate_first_field(tree: etree._ElementTree) -> None:
    """A style that aligns its entries after a first field ("[1]", `second-field-align`)
    is laid out in two columns by pandoc; in one run of text the field needs a space."""
    ns = {"cs": citeproc_compat.CSL_NS}
    bibliography = tree.find(".//cs:bibliography", ns)
    if bibliography is None or not bibliography.get("second-field-align"):
        return
    layout = bibliography.find("cs:layout", ns)
    first = (
        next((c for c in layout if isinstance(c.tag, str)), None) if layout is not None else None
    )
    if first is not None:
        first.set("suffix", first.get("suffix", "") + " ")


CSL_NS_MAP = {"cs": citeproc_compat.CSL_NS}


# --- XHTML ----------------------------------------------------------------------


def to_xhtml(text: str) -> str:
    """citeproc-py's HTML as our XHTML: small caps as a class, `<l>` (light) as a span."""
    text = text.replace('<span style="font-variant:small-caps;">', '<span class="smallcaps">')
    text = text.replace("<l>", '<span class="light">').replace("</l>", "</span>")
    text = text.replace('<span style="font-style:normal;">', '<span class="roman">')
    text = text.replace('<span style="font-variant:normal;">', "<span>")
    text = re.sub(r'<span style="[^"]*">', "<span>", text)
    # citeproc-py escapes some variables and not others ("Harper & Row" comes through).
    text = re.sub(r"&(?!#?\w+;)", "&amp;", text)
    etree.fromstring(f"<span>{text}</span>")  # well-formed, or raise here and not in a writer
    return text


STYLE_MARKS = str.maketrans({"\u2018": "\ue010", "\u2019": "\ue011", "\u201c": "\ue012",
                             "\u201d": "\ue013"})  # fmt: skip
STYLE_MARKS_BACK = str.maketrans({held: chr(mark) for mark, held in STYLE_MARKS.items()})


def smart_quotes(xhtml: str, style: str) -> str:
    """Straight quotes and apostrophes in the bibliography's own text ("Infant's") as
    typographic ones, as pandoc's reader makes them; the style's own marks are already."""
    if "'" not in xhtml and '"' not in re.sub(r"<[^>]*>", "", xhtml):
        return xhtml
    holder = etree.fromstring(f"<span>{xhtml}</span>")
    for element in holder.iter():
        for kind in ("text", "tail"):
            value = getattr(element, kind) if element is not holder or kind == "text" else None
            if value and ("'" in value or '"' in value):
                # The style's marks stay as they are: smartening would read them as typed
                # quotes and, in a book that opens with single quotes, swap them.
                kept = smarten(value.translate(STYLE_MARKS), style)
                setattr(element, kind, kept.translate(STYLE_MARKS_BACK))
    inner = etree.tostring(holder, encoding="unicode")
    return inner[len("<span>") : -len("</span>")] if inner != "<span/>" else ""


URL_TEXT = re.compile(r"(?<![\"'>=])\bhttps?://[^\s<>\"]+[^\s<>\".,;:)]")


def link_addresses(text: str) -> str:
    """A DOI or URL printed in an entry becomes a link to itself, as pandoc does."""
    return URL_TEXT.sub(lambda m: f'<a class="url" href="{m.group(0)}">{m.group(0)}</a>', text)


# --- sorting --------------------------------------------------------------------


def title_sort_key(title: str, language: str) -> str:
    """A title as a library files it: without its leading article ("The Lost Daughter"
    under L), in the book's language."""
    words = collation_key(title.strip())
    for article in ARTICLES.get(language.split("-")[0].lower(), ARTICLES["en"]):
        if article.endswith(("'", "’")) and words.startswith(article):
            return words[len(article) :].lstrip()
        if words.startswith(article + " "):
            return words[len(article) + 1 :].lstrip()
    return words


def work_sort_key(work: Work, language: str) -> tuple[tuple[str, ...], str, str]:
    """Works Cited order, as a CSL style's names key sorts: by the names the work is
    listed under, each without its particle ("van der Kolk" under K), so one author's own
    works come before those written with others, and those by their co-authors' names;
    then year, then title without its article (an anonymous work files under its title)."""
    people = work.authors or work.people("editor")
    if not people and work.is_film:
        people = work.people("director")
    title = title_sort_key(work.title, language)
    names = tuple(person.sort_key for person in people) if people else (title,)
    return (names, work.year, title)


def formatter_for(book: Book) -> CslFormatter:
    cited = [c.key for chapter in book.chapters for c in chapter.citations]
    return CslFormatter(book.works, style_path(book), book.meta.language or "en", cited)
