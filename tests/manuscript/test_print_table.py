"""[print] is read by two parsers (the interior's colour, the cover's paper and service):
both keys are known together, and a misspelt one is still an error at its line."""

from __future__ import annotations

import pytest

from conftest import make_small_book
from makebook.errors import ManuscriptError
from makebook.manuscript.loader import load_book


def with_print_table(tmp_path, table: str):  # type: ignore[no-untyped-def]
    book = make_small_book(tmp_path / "book")
    toml = book / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[print]\n" + table, encoding="utf-8")
    return book


def test_colour_and_paper_together(tmp_path):
    book = load_book(with_print_table(tmp_path, 'color = true\npaper = "cream"\n'))
    assert book.pdf.color is True
    assert book.printing.paper == "cream"


def test_a_misspelt_print_key_is_an_error_at_its_line(tmp_path):
    root = with_print_table(tmp_path, 'color = true\ncolour = true\npaper = "cream"\n')
    with pytest.raises(ManuscriptError) as raised:
        load_book(root)
    lines = (root / "book.toml").read_text(encoding="utf-8").split("\n")
    line = lines.index("colour = true") + 1
    assert [str(p).split("\n")[0] for p in raised.value.problems] == [
        f"book.toml:{line}: error: unknown key `colour` in [print]"
    ]
