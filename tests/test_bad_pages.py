"""Pages that cannot be printed as written: nothing cut off, no missing glyphs, no
impossible page geometry (issue 15, "Nothing cut off, nothing impossible").

One book holds every case of text too wide for the line; it is built once, both PDF
editions, and read back with pdfplumber: every character lies inside the text block,
and every long token is there whole.
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from conftest import make_small_book
from makebook.build import build

URL = (
    "https://example.org/archive/verylongpathsegment00/verylongpathsegment01/"
    "verylongpathsegment02/verylongpathsegment03/index.html?page=12"
)
TOKEN = ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 4)[:120]
GERMAN = (
    "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamten"
    "gesellschaftsversicherungsbedingungen"
)
CODE = ("result = compute(" + ", ".join(f"argument_{i:02d}" for i in range(20)) + ")")[
    :180
] + "  # CODE_LINE_END"
HEADERS = ["Randomisation", "Questionnaire", "Observations", "Interventions", "Measurements",
           "Participation", "Longitudinal", "Retrospective", "Correlational", "Significance"]  # fmt: skip
# The smallest horizontal margin of each edition (pdf.css: 0.68in outside, the gutter
# inside is wider; screen.css: 0.8in), in PDF points.
MARGIN = {"pdf": 0.68 * 72, "screen": 0.8 * 72}


def table(columns: int) -> str:
    header = "| " + " | ".join(f"{HEADERS[i]}{i + 1}" for i in range(columns)) + " |"
    row = "| " + " | ".join(f"value{i + 1}of{columns}" for i in range(columns)) + " |"
    return "\n".join([header, "|" + "---|" * columns, row, row])


def add_chapter(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8")
    toml = root / "book.toml"
    toml.write_text(
        toml.read_text().replace('"idea.md"]', f'"idea.md", "{name}"]'), encoding="utf-8"
    )


WIDE_CHAPTER = f"""---
kind: essay
title: Wide Things
---
A German compound: {GERMAN} in running text.

A URL written out: {URL} and as a link <{URL}>.

An unbroken token: {TOKEN} ends here.[^long]

## Heading with {TOKEN}

{table(6)}

Between the tables.

{table(10)}

A code block:

    {CODE}

[^long]: A footnote with {TOKEN} inside it.
"""


@pytest.fixture(scope="module")
def wide_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = make_small_book(tmp_path_factory.mktemp("wide") / "book")
    add_chapter(root, "wide.md", WIDE_CHAPTER)
    result = build(root, tmp_path_factory.mktemp("wide-out"), ["pdf", "screen"])
    assert not [w for w in result.warnings if "table" in w.message], result.warnings
    return result.outputs


def chars_by_place(pdf_path: Path, margin: float) -> tuple[str, list[tuple[int, str, float]]]:
    """The text drawn inside the text block (in reading order), and every character
    drawn outside it: (page, character, x)."""
    inside, outside = [], []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            left, top, right, bottom = page.trimbox
            for char in page.chars:
                if (
                    char["x0"] >= left + margin - 0.5
                    and char["x1"] <= right - margin + 0.5
                    and top <= char["top"]
                    and char["bottom"] <= bottom
                ):
                    inside.append(char["text"])
                else:
                    outside.append((number, char["text"], round(char["x0"], 1)))
    return "".join(inside), outside


def flat(text: str) -> str:
    """Text without the line breaks and hyphens that breaking a token adds."""
    return re.sub(r"[\s\-\u2010\u00ad]", "", text)


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_nothing_is_drawn_outside_the_text_block(wide_build: dict[str, Path], edition: str) -> None:
    _, outside = chars_by_place(wide_build[edition], MARGIN[edition])
    assert outside == []


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_long_tokens_tables_and_code_are_there_whole(
    wide_build: dict[str, Path], edition: str
) -> None:
    text = flat(chars_by_place(wide_build[edition], MARGIN[edition])[0])
    assert text.count(flat(GERMAN)) == 1
    assert text.count(flat(URL)) == 2  # written out, and as a link
    assert text.count(TOKEN) == 3  # paragraph, heading, footnote
    for columns in (6, 10):
        assert f"{HEADERS[columns - 1]}{columns}" in text  # the last column's header
        assert text.count(f"value{columns}of{columns}") == 2  # and its cells
    assert "CODE_LINE_END" in text


@pytest.mark.slow
def test_a_table_that_cannot_fit_is_a_warning_at_its_line(tmp_path: Path) -> None:
    root = make_small_book(tmp_path / "book")
    columns = 40
    cells = "| " + " | ".join(f"H{i}" for i in range(columns)) + " |"
    add_chapter(
        root,
        "many.md",
        f"---\nkind: essay\ntitle: Many Columns\n---\nA small table:\n\n{table(3)}\n\n"
        f"A big one:\n\n{cells}\n|{'---|' * columns}\n{cells}\n",
    )
    result = build(root, tmp_path / "out", ["screen"])
    (warning,) = [w for w in result.warnings if "wider than the text block" in w.message]
    assert (warning.path, warning.line) == (Path("many.md"), 14)
    assert warning.message.startswith("table 2 is ")
    assert "screen PDF" in warning.message
    assert "fewer columns" in warning.hint


def test_table_lines_are_found_in_the_markdown() -> None:
    from makebook.fit import table_lines

    markdown = "Text\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n```\n| x |\n|---|\n```\n\n<table>\n"
    assert table_lines(markdown) == [3, 12]
