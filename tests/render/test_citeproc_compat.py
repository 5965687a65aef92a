"""render/citeproc_compat.py reaches into citeproc-py: these tests fail, naming what
changed, when an upgrade of citeproc-py moves what it patches."""

from __future__ import annotations

import inspect
from pathlib import Path

import citeproc
from citeproc import model

from makebook.manuscript.csl_styles import packaged_style_path
from makebook.model import Contributor, Person, Work
from makebook.render import citeproc_compat
from makebook.render.csl import CslFormatter

HINT = "citeproc-py changed: review src/makebook/render/citeproc_compat.py for this version"


def test_the_installed_citeproc_py_is_the_pinned_one():
    assert citeproc_compat.is_supported(), f"{citeproc_compat.citeproc_version()}: {HINT}"


def test_what_is_patched_still_exists_with_the_same_signature():
    citeproc_compat.patch()
    assert isinstance(citeproc.NAMES, list) and isinstance(citeproc.VARIABLES, list), HINT
    assert "director" in citeproc.NAMES and "director" in citeproc.VARIABLES, HINT
    expected = {
        (model.Name, "initialize"): ["self", "given", "mark", "context"],
        (model.Substitute, "render"): ["self", "item", "context", "kwargs"],
        (model.Text, "_variable"): ["self", "item", "context"],
        (model.Group, "process"): ["self", "item", "context", "kwargs"],
        (model.TextCased, "case"): ["self", "text", "language"],
    }
    for (cls, name), parameters in expected.items():
        function = getattr(cls, name)
        assert list(inspect.signature(function).parameters) == parameters, f"{cls}.{name}: {HINT}"
        assert function.__module__ == citeproc_compat.__name__, f"{cls}.{name} unpatched: {HINT}"
    source = inspect.getsource(citeproc.CitationStylesBibliography.__init__)
    assert "self._cites = []" in source, f"CitationStylesBibliography._cites: {HINT}"
    assert hasattr(model.If, "_is_numeric") and hasattr(model, "ConditionFailed"), HINT


def book(key: str, title: str, *roles: tuple[str, str, str]) -> Work:
    people = tuple(Contributor(Person(f"{g} {f}", f, g), role) for g, f, role in roles)
    return Work(key, "book", title, Path("r.bib"), 1, contributors=people, year="2016",
                publisher="Guilford Press")  # fmt: skip


def test_each_correction_still_needed_and_working():
    edited = book(
        "e", "Handbook", ("Jude", "Cassidy", "editor"), ("Phillip R.", "Shaver", "editor")
    )
    entries = CslFormatter([edited], packaged_style_path("chicago-author-date")).entries()
    # <names> inside <substitute><choose> inherit <name> and <label>; the editors, once
    # printed in the author's place, are not printed again; initialize="false" is kept.
    assert (
        entries["e"]
        == "Cassidy, Jude, and Phillip R. Shaver, eds. 2016. <i>Handbook</i>. Guilford Press."
    )


def test_the_style_and_locale_data_read_through_the_module():
    style = CslFormatter([], packaged_style_path("chicago-author-date")).style
    assert citeproc_compat.style_element(style).get("class") == "in-text", HINT
    assert citeproc_compat.citation_element(style).get("collapse") == "year", HINT
    assert citeproc_compat.citation_layout(style).get("prefix") == "(", HINT
    assert citeproc_compat.locale_file("en-US").is_file(), HINT
    assert citeproc_compat.primary_dialects()["en"] == "en-US", HINT
