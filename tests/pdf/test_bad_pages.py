"""Pages that cannot be printed as written: nothing cut off, no missing glyphs, no
impossible page geometry (issue 15, "Nothing cut off, nothing impossible").

One book holds every case of text too wide for the line; it is built once, both PDF
editions, and read back with pdfplumber: every character lies inside the text block,
and every long token is there whole.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT, STYLES, make_small_book
from makebook.build import build
from makebook.errors import Diagnostics, ManuscriptError, Problem
from makebook.manuscript.loader import load_book

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
    from makebook.pdf.fit import table_lines

    markdown = "Text\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n```\n| x |\n|---|\n```\n\n<table>\n"
    assert table_lines(markdown) == [3, 12]


# --- page geometry that cannot hold text ------------------------------------------


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), 1) if needle in line)


def load_problems(root: Path) -> list[Problem]:
    with pytest.raises(ManuscriptError) as caught:
        load_book(root)
    return caught.value.problems


@pytest.mark.parametrize("trim", ["1in 1in", "0in 9in", "6in 90in"])
def test_a_trim_that_cannot_hold_pages_is_an_error_at_its_line(tmp_path: Path, trim: str) -> None:
    root = make_small_book(tmp_path / "book")
    toml = root / "book.toml"
    toml.write_text(toml.read_text() + f'\n[pdf]\ntrim = "{trim}"\n')
    (problem,) = load_problems(root)
    assert (problem.path, problem.line) == (Path("book.toml"), line_of(toml, "trim ="))
    width, height = trim.split()
    assert problem.message.startswith(f"a trim of {width} x {height} cannot hold")
    assert "3in to 20in" in problem.message
    assert "6x9in" in problem.hint


def test_margins_that_leave_no_text_block_are_an_error_with_the_numbers(tmp_path: Path) -> None:
    root = make_small_book(tmp_path / "book")
    css = root / "styles" / "pdf.css"
    css.write_text(css.read_text() + "\n@page { margin: 5in }\n")
    (problem,) = load_problems(root)
    assert (problem.path, problem.line) == (Path("styles/pdf.css"), line_of(css, "margin: 5in"))
    # screen.css sets its own margins after pdf.css: only the print edition has 5in ones
    assert problem.message.startswith("in the print PDF, the margins leave a text block of ")
    assert "0.25in x -1.00in" in problem.message
    assert "6.00in x 9.00in page less 5.00in top" in problem.message
    assert "margins smaller" in problem.hint


def test_an_inside_margin_too_wide_is_an_error_at_its_line_in_book_toml(tmp_path: Path) -> None:
    root = make_small_book(tmp_path / "book")
    toml = root / "book.toml"
    toml.write_text(toml.read_text() + '\n[pdf]\ntrim = "5x8in"\ninside = "3.5in"\n')
    (problem,) = load_problems(root)
    assert (problem.path, problem.line) == (Path("book.toml"), line_of(toml, "inside ="))
    assert "in the print PDF, the margins leave a text block of 0.82in" in problem.message


def test_screen_margins_are_checked_on_the_screen_page(tmp_path: Path) -> None:
    root = make_small_book(tmp_path / "book")
    css = root / "styles" / "screen.css"
    css.write_text(css.read_text() + "\n@page :first { margin-top: 8in; }\n")
    (problem,) = load_problems(root)
    assert (problem.path, problem.line) == (
        Path("styles/screen.css"),
        line_of(css, "margin-top: 8in"),
    )
    assert problem.message.startswith("in the screen PDF, the margins leave a text block")
    assert "(@page :first)" in problem.message


def test_a_bleed_beyond_reason_is_an_error(tmp_path: Path) -> None:
    root = make_small_book(tmp_path / "book")
    toml = root / "book.toml"
    toml.write_text(toml.read_text() + '\n[pdf]\nbleed = "2in"\n')
    (problem,) = load_problems(root)
    assert (problem.path, problem.line) == (Path("book.toml"), line_of(toml, "bleed ="))
    assert "a bleed of 2in" in problem.message


def test_the_book_designs_pass_the_geometry_check() -> None:
    from makebook.manuscript.config import TRIM_PRESETS
    from makebook.manuscript.geometry import geometry_problems
    from makebook.model import PdfSettings

    for width, height in TRIM_PRESETS.values():
        for screen in ("trim", "letter", "a4"):
            settings = PdfSettings(width=width, height=height, screen_size=screen)
            assert geometry_problems(STYLES, settings, None) == []


def test_margin_declarations_are_read_in_every_unit() -> None:
    from makebook.manuscript.geometry import page_rules

    css = "@page { margin: 1in 72pt 25.4mm 96px }\n@page :left { margin-left: 2.54cm; }"
    (base, left) = page_rules(css, Path("x.css"))
    assert [round(base.margins[s].inches, 3) for s in ("top", "right", "bottom", "left")] == [1] * 4
    assert (left.selector, round(left.margins["left"].inches, 3), left.margins["left"].line) == (
        ":left",
        1.0,
        2,
    )


@pytest.mark.slow
def test_a_layout_that_runs_away_is_stopped_with_an_error_naming_the_chapter(
    tmp_path: Path,
) -> None:
    root = make_small_book(tmp_path / "book")
    css = root / "styles" / "pdf.css"
    css.write_text(
        css.read_text() + "\n.kind-note .chapter-body p { font-size: 300pt; line-height: 320pt; }\n"
    )
    with pytest.raises(ManuscriptError) as caught:
        build(root, tmp_path / "out", ["pdf"])
    (problem,) = caught.value.problems
    assert problem.path == Path("two.md")
    assert problem.message.startswith("the print PDF of 'A Short Note' ran past ")
    assert "layout was stopped" in problem.message
    assert not (tmp_path / "out" / "a-small-book.pdf").exists()


# --- characters no font of the book draws -------------------------------------------

GLYPH_TEXT = """
In Korean: 한국어 is the word.

A family 👨‍👩‍👧 and a flag 🇫🇷, and 한 again.

Café, naïve, “quotes” — and a sign with a variation selector ©️ are fine.
"""


def glyph_warnings(root: Path) -> list[Problem]:
    diagnostics = Diagnostics()
    load_book(root, diagnostics)
    return [p for p in diagnostics.warnings if "no font of the book" in p.message]


def test_characters_no_font_draws_are_named_once_a_chapter_at_their_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from makebook.manuscript import glyphs

    monkeypatch.setattr(glyphs, "system_font_for", lambda code: "")
    root = make_small_book(tmp_path / "book")
    two = root / "two.md"
    two.write_text(two.read_text() + GLYPH_TEXT, encoding="utf-8")
    hangul, emoji = glyph_warnings(root)
    assert (hangul.path, hangul.line, hangul.column) == (Path("two.md"), line_of(two, "Korean"), 12)
    assert hangul.message.startswith(
        "no font of the book (SourceSerifPro, SourceSansPro) draws '한' (U+D55C HANGUL "
        "SYLLABLE HAN), '국' (U+AD6D HANGUL SYLLABLE GUG), '어' (U+C5B4 HANGUL SYLLABLE EO): "
        "the PDFs print an empty box in their place"
    )
    assert "@font-face" in hangul.hint and "styles/fonts/" in hangul.hint
    # 한 again on the next line is not named again; the joiners are no glyphs of their own
    assert (emoji.line, emoji.column) == (line_of(two, "A family"), 10)
    for name in ("U+1F468 MAN", "U+1F469 WOMAN", "U+1F467 GIRL", "U+1F1EB REGIONAL", "U+1F1F7"):
        assert name in emoji.message
    assert "U+D55C" not in emoji.message and "U+200D" not in emoji.message


def test_a_character_a_system_font_draws_is_still_a_warning_that_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from makebook.manuscript import glyphs

    monkeypatch.setattr(glyphs, "system_font_for", lambda code: "Noto Sans CJK KR")
    root = make_small_book(tmp_path / "book")
    one = root / "one.md"
    one.write_text(one.read_text() + "\n한\n", encoding="utf-8")
    (warning,) = glyph_warnings(root)
    assert warning.path == Path("one.md")
    assert (
        "draws '한' (U+D55C HANGUL SYLLABLE HAN): the PDFs borrow it from Noto Sans CJK KR, "
        in (warning.message)
    )
    assert "a font of this computer, so the book will look different built elsewhere" in (
        warning.message
    )
    assert "that has it" in warning.hint


def test_a_title_with_a_missing_character_is_warned_at_the_title_line(tmp_path: Path) -> None:
    root = make_small_book(tmp_path / "book")
    one = root / "one.md"
    one.write_text(one.read_text().replace("title: The First Essay", "title: 서울"))
    (warning,) = glyph_warnings(root)
    assert (warning.path, warning.line) == (Path("one.md"), line_of(one, "title:"))


def test_the_demo_and_a_plain_book_have_every_character() -> None:
    from makebook.manuscript.glyphs import book_fonts

    assert glyph_warnings(ROOT / "manuscript") == []
    assert {p.stem for p in book_fonts(STYLES)} >= {
        "SourceSerifPro-Regular",
        "SourceSansPro-Semibold",
    }


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_a_link_showing_its_address_breaks_without_a_hyphen(
    wide_build: dict[str, Path], edition: str
) -> None:
    # A hyphen inside a printed address is one a reader would type; code likewise.
    text = re.sub(r"\s", "", chars_by_place(wide_build[edition], MARGIN[edition])[0])
    assert URL in text
    assert CODE.replace(" ", "") in text


def test_a_book_with_only_an_extra_stylesheet_still_knows_the_design_fonts(
    tmp_path: Path,
) -> None:
    # The design's fonts come from the built-in stylesheets the book does not replace.
    root = make_small_book(tmp_path / "book")
    shutil.rmtree(root / "styles", ignore_errors=True)
    (root / "styles").mkdir()
    (root / "styles" / "extra.css").write_text("h1 { color: #333; }\n", encoding="utf-8")
    add_chapter(root, "korean.md", "---\nkind: note\ntitle: Korean\n---\nA word: 한.\n")
    diagnostics = Diagnostics()
    load_book(root, diagnostics)
    fonts = [p for p in diagnostics.problems if "font" in p.message]
    assert len(fonts) == 1 and "U+D55C" in fonts[0].message, diagnostics.problems
    assert "(SourceSerifPro, SourceSansPro)" in fonts[0].message
