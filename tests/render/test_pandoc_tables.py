"""pandoc's four kinds of tables and their captions, as pandoc reads them.

The examples are pandoc's own, copied from its MANUAL.txt (section "Tables"). Each is
rendered by makebook and checked cell by cell: header cells, alignment, spans and
caption. When pandoc 3 is at hand (pypandoc-binary), makebook's table is compared
with pandoc's HTML for the same input; what differs on purpose is listed in
PANDOC_DIFFERENCES.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from conftest import (
    SMALL_CHAPTERS,
    chapter_text,
    copy_book,
    epub_files,
    run_epubcheck,
    set_chapters,
)
from makebook.build import build
from makebook.manuscript.structure import structure_problems
from makebook.manuscript.syntax import mask_code
from makebook.manuscript.tables import table_lines
from makebook.model import Chapter
from makebook.render.chapter import markdown_to_html, parse_fragment
from makebook.render.typography import CLOSE_SINGLE, OPEN_SINGLE

# What makebook leaves out of pandoc's HTML, on purpose: pandoc sizes multiline and
# grid tables (`<table style="width:..">` and a `<colgroup>` of `<col style="width:..">`)
# from the widths of the source's columns; a book's tables take their width from the
# page (book.css, pdf.css), and the sanitiser keeps no style but text-align.
PANDOC_DIFFERENCES = ["table width", "colgroup/col widths"]

MANUAL = {
    "simple": """\
          Right     Left     Center     Default
        -------     ------ ----------   -------
             12     12        12            12
            123     123       123          123
              1     1          1             1

        Table:  Demonstration of simple table syntax.
        """,
    "simple-headless": """\
        -------     ------ ----------   -------
             12     12        12             12
            123     123       123           123
              1     1          1              1
        -------     ------ ----------   -------
        """,
    "multiline": """\
        -------------------------------------------------------------
         Centered   Default           Right Left
          Header    Aligned         Aligned Aligned
        ----------- ------- --------------- -------------------------
           First    row                12.0 Example of a row that
                                            spans multiple lines.

          Second    row                 5.0 Here's another one. Note
                                            the blank line between
                                            rows.
        -------------------------------------------------------------

        Table: Here's the caption. It, too, may span
        multiple lines.
        """,
    "multiline-headless": """\
        ----------- ------- --------------- -------------------------
           First    row                12.0 Example of a row that
                                            spans multiple lines.

          Second    row                 5.0 Here's another one. Note
                                            the blank line between
                                            rows.
        ----------- ------- --------------- -------------------------

        : Here's a multiline table without a header.
        """,
    "grid": """\
        : Sample grid table.

        +---------------+---------------+--------------------+
        | Fruit         | Price         | Advantages         |
        +===============+===============+====================+
        | Bananas       | $1.34         | - built-in wrapper |
        |               |               | - bright color     |
        +---------------+---------------+--------------------+
        | Oranges       | $2.10         | - cures scurvy     |
        |               |               | - tasty            |
        +---------------+---------------+--------------------+
        """,
    "grid-spans": """\
        +---------------------+----------+
        | Property            | Earth    |
        +=============+=======+==========+
        |             | min   | -89.2 °C |
        | Temperature +-------+----------+
        | 1961-1990   | mean  | 14 °C    |
        |             +-------+----------+
        |             | max   | 56.7 °C  |
        +-------------+-------+----------+
        """,
    "grid-two-header-rows": """\
        +---------------------+-----------------------+
        | Location            | Temperature 1961-1990 |
        |                     | in degree Celsius     |
        |                     +-------+-------+-------+
        |                     | min   | mean  | max   |
        +=====================+=======+=======+=======+
        | Antarctica          | -89.2 | N/A   | 19.8  |
        +---------------------+-------+-------+-------+
        | Earth               | -89.2 | 14    | 56.7  |
        +---------------------+-------+-------+-------+
        """,
    "grid-aligned": """\
        +---------------+---------------+--------------------+
        | Right         | Left          | Centered           |
        +==============:+:==============+:==================:+
        | Bananas       | $1.34         | built-in wrapper   |
        +---------------+---------------+--------------------+
        """,
    "grid-aligned-headless": """\
        +--------------:+:--------------+:------------------:+
        | Right         | Left          | Centered           |
        +---------------+---------------+--------------------+
        """,
    "grid-foot": """\
        +---------------+---------------+
        | Fruit         | Price         |
        +===============+===============+
        | Bananas       | $1.34         |
        +---------------+---------------+
        | Oranges       | $2.10         |
        +===============+===============+
        | Sum           | $3.44         |
        +===============+===============+
        """,
    "pipe": """\
        | Right | Left | Default | Center |
        |------:|:-----|---------|:------:|
        |   12  |  12  |    12   |    12  |
        |  123  |  123 |   123   |   123  |
        |    1  |    1 |     1   |     1  |

          : Demonstration of pipe table syntax.
        """,
    "pipe-ugly": """\
        fruit| price
        -----|-----:
        apple|2.05
        pear|1.37
        orange|3.09
        """,
    "pipe-orgtbl": """\
        | One | Two   |
        |-----+-------|
        | my  | table |
        | is  | nice  |

        : Here's the caption. {#ident .class key="value"}
        """,
}

R, L, C, D = "right", "left", "center", ""
NUMBERS = [["12"] * 4, ["123"] * 4, ["1"] * 4]
MULTILINE_BODY = [
    ["First", "row", "12.0", "Example of a row that spans multiple lines."],
    ["Second", "row", "5.0", "Here's another one. Note the blank line between rows."],
]
# kind: (caption, header rows, body rows, foot rows, alignment of each column)
EXPECTED = {
    "simple": (
        "Demonstration of simple table syntax.",
        [["Right", "Left", "Center", "Default"]],
        NUMBERS,
        [],
        [R, L, C, D],
    ),
    "simple-headless": ("", [], NUMBERS, [], [R, L, C, R]),
    "multiline": (
        "Here's the caption. It, too, may span multiple lines.",
        [["Centered Header", "Default Aligned", "Right Aligned", "Left Aligned"]],
        MULTILINE_BODY,
        [],
        [C, D, R, L],
    ),
    "multiline-headless": (
        "Here's a multiline table without a header.",
        [],
        MULTILINE_BODY,
        [],
        [C, L, R, L],
    ),
    "grid": (
        "Sample grid table.",
        [["Fruit", "Price", "Advantages"]],
        [
            ["Bananas", "$1.34", "built-in wrapper bright color"],
            ["Oranges", "$2.10", "cures scurvy tasty"],
        ],
        [],
        [D, D, D],
    ),
    "grid-spans": (
        "",
        [["Property", "Earth"]],
        [["Temperature 1961-1990", "min", "-89.2 °C"], ["mean", "14 °C"], ["max", "56.7 °C"]],
        [],
        [D, D, D],
    ),
    "grid-two-header-rows": (
        "",
        [["Location", "Temperature 1961-1990 in degree Celsius"], ["min", "mean", "max"]],
        [["Antarctica", "-89.2", "N/A", "19.8"], ["Earth", "-89.2", "14", "56.7"]],
        [],
        [D, D, D, D],
    ),
    "grid-aligned": (
        "",
        [["Right", "Left", "Centered"]],
        [["Bananas", "$1.34", "built-in wrapper"]],
        [],
        [R, L, C],
    ),
    "grid-aligned-headless": ("", [], [["Right", "Left", "Centered"]], [], [R, L, C]),
    "grid-foot": (
        "",
        [["Fruit", "Price"]],
        [["Bananas", "$1.34"], ["Oranges", "$2.10"]],
        [["Sum", "$3.44"]],
        [D, D],
    ),
    "pipe": (
        "Demonstration of pipe table syntax.",
        [["Right", "Left", "Default", "Center"]],
        NUMBERS,
        [],
        [R, L, D, C],
    ),
    "pipe-ugly": (
        "",
        [["fruit", "price"]],
        [["apple", "2.05"], ["pear", "1.37"], ["orange", "3.09"]],
        [],
        [D, R],
    ),
    "pipe-orgtbl": (
        "Here's the caption.",
        [["One", "Two"]],
        [["my", "table"], ["is", "nice"]],
        [],
        [D, D],
    ),
}
SPANS = {  # kind: {cell text: (colspan, rowspan)}
    "grid-spans": {"Property": (2, 1), "Temperature 1961-1990": (1, 3)},
    "grid-two-header-rows": {
        "Location": (1, 2),
        "Temperature 1961-1990 in degree Celsius": (3, 1),
    },
}


def chapter(markdown: str) -> Chapter:
    return Chapter(
        id="c", kind="essay", title="T", path=Path("c.md"), markdown=markdown, body_line=1
    )


def render(markdown: str) -> etree._Element:
    return parse_fragment(markdown_to_html(chapter(textwrap.dedent(markdown)), {}))


def text(element: etree._Element) -> str:
    """The text, with quotes straight (makebook marks them for the book's language)."""
    typed = " ".join("".join(element.itertext()).split())
    return re.sub(f"[\u2018\u2019{OPEN_SINGLE}{CLOSE_SINGLE}]", "'", typed)


def align(cell: etree._Element) -> str:
    found = re.search(r"text-align:\s*(\w+)", cell.get("style", ""))
    return found.group(1) if found else ""


def rows(table: etree._Element, section: str) -> list[list[str]]:
    return [
        [text(c) for c in tr if c.tag in ("th", "td")] for tr in table.iterfind(f"{section}/tr")
    ]


def shape(table: etree._Element) -> dict:  # type: ignore[type-arg]
    """What a reader sees of a table: its caption, cells, header cells, alignment, spans."""
    caption = table.find("caption")
    cells = [c for c in table.iter("th", "td")]
    return {
        "caption": text(caption) if caption is not None else "",
        "head": rows(table, "thead"),
        "body": rows(table, "tbody"),
        "foot": rows(table, "tfoot"),
        "th": [text(c) for c in cells if c.tag == "th"],
        "cells": [(text(c), align(c), c.get("colspan", "1"), c.get("rowspan", "1")) for c in cells],
        "id": table.get("id"),
        "class": table.get("class"),
    }


def only_table(body: etree._Element) -> etree._Element:
    tables = body.findall(".//table")
    assert len(tables) == 1, etree.tostring(body, encoding="unicode")
    return tables[0]


@pytest.mark.parametrize("kind", sorted(MANUAL))
def test_manual_examples_render_as_pandoc_reads_them(kind):
    body = render(MANUAL[kind])
    table = only_table(body)
    got = shape(table)
    caption, head, body_rows, foot, aligns = EXPECTED[kind]
    assert got["caption"] == caption
    assert got["head"] == head
    assert got["body"] == body_rows
    assert got["foot"] == foot
    assert got["th"] == [cell for row in head for cell in row]  # header cells are <th>, only
    # Alignment is the column's on every cell of it (spanning tables are all default).
    for row in table.iter("tr"):
        assert [align(c) for c in row] == aligns[: len(row)] or not any(aligns)
    for cell_text, (colspan, rowspan) in SPANS.get(kind, {}).items():
        cell = next(c for c in table.iter("th", "td") if text(c) == cell_text)
        assert (cell.get("colspan", "1"), cell.get("rowspan", "1")) == (str(colspan), str(rowspan))
    # Nothing of the syntax is left as text: no caption paragraph, no definition list.
    assert body.find(".//dl") is None and body.find(".//dd") is None
    outside = [text(p) for p in body.iter("p") if p.xpath("not(ancestor::table)")]
    assert outside == []


def test_grid_cells_hold_blocks():
    body = render(
        """\
        +----------------------+-----------------------+
        | One paragraph with   | A first paragraph.    |
        | *emphasis* and a     |                       |
        | [link](https://x.io) | A second, **strong**. |
        +----------------------+-----------------------+
        | - a list             | > a quote             |
        | - of two             |                       |
        +----------------------+-----------------------+
        """
    )
    cells = only_table(body).findall(".//td")
    assert cells[0].find("p") is None and cells[0].find("em").text == "emphasis"  # as pandoc
    assert cells[0].find("a").get("href") == "https://x.io"
    assert [text(p) for p in cells[1].findall("p")] == [
        "A first paragraph.",
        "A second, strong.",
    ]
    assert cells[1].find("p/strong") is not None
    assert [text(li) for li in cells[2].findall("ul/li")] == ["a list", "of two"]
    assert cells[3].find("blockquote") is not None


@pytest.mark.parametrize(
    "markdown",
    [
        "Table: Before, with a blank line.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\ntable: After, lower case.\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n: Right under the table.\n",
        "a   b\n--- ---\n1   2\n\n: After a simple table,\non two lines.\n",
    ],
)
def test_captions_in_both_pandoc_forms(markdown):
    body = render(markdown)
    table = only_table(body)
    caption = table.find("caption")
    assert caption is not None and table.index(caption) == 0
    assert text(caption).split()[0] in ("Before,", "After,", "Right", "After")
    assert rows(table, "tbody") == [["1", "2"]]
    assert body.find(".//dl") is None and len(body) == 1


def test_caption_attributes_go_on_the_table():
    table = only_table(render("| a |\n|---|\n| 1 |\n\n: Prices. {#prices .wide}\n"))
    assert (table.get("id"), table.get("class")) == ("prices", "wide")
    assert text(table.find("caption")) == "Prices."


def test_a_colon_paragraph_away_from_tables_is_still_a_definition():
    body = render("Term\n: its definition\n\n| a |\n|---|\n| 1 |\n\nText.\n\nTable: no table\n")
    assert text(body.find(".//dd")) == "its definition"
    assert only_table(body).find("caption") is None
    assert "Table: no table" in [text(p) for p in body.iter("p")]


def test_rules_and_headings_are_not_tables():
    body = render("Above\n\n-----\n\nHeading\n-------\n\nText.\n\n---\n")
    assert body.find(".//table") is None
    assert len(body.findall("hr")) == 2 and body.find("h2") is not None


WIDE = 90  # the first column: its rows are indented past any nesting a book allows
MULTILINE_WITH_NOTE = f"""\
Before.

{"-" * (WIDE + 10)}
 {"Name":<{WIDE}}    Source
{"-" * WIDE} {"-" * 9}
 {"A row whose last cell says where it comes from, far to the":<{WIDE}}A
 right of the page.

{"":<{WIDE}} See[^n]
{"-" * (WIDE + 10)}

[^n]: The note.
"""


def test_the_loader_reads_table_rows_as_table_not_code_or_nesting():
    lines = MULTILINE_WITH_NOTE.split("\n")
    assert table_lines(lines) == set(range(2, 10))
    assert "See[^n]" in mask_code(MULTILINE_WITH_NOTE)  # not blanked as indented code
    assert structure_problems(chapter(MULTILINE_WITH_NOTE)) == []  # note used; not nested
    body = render(MULTILINE_WITH_NOTE)
    assert rows(only_table(body), "tbody")[1] == ["", "See1"]


def pandoc_path() -> str | None:
    try:
        import pypandoc  # type: ignore[import-untyped]

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return shutil.which("pandoc")


@pytest.mark.parametrize("kind", sorted(MANUAL))
def test_same_tables_as_pandoc(kind):
    pandoc = pandoc_path()
    if pandoc is None:
        pytest.skip("pandoc 3 is not installed (pip install pypandoc-binary)")
    source = textwrap.dedent(MANUAL[kind])
    out = subprocess.run(
        [pandoc, "-f", "markdown", "-t", "html"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    theirs = only_table(lxml_html.fragment_fromstring(out, create_parent="div"))
    for col in theirs.xpath(".//colgroup"):  # PANDOC_DIFFERENCES
        col.getparent().remove(col)
    assert shape(only_table(render(source))) == shape(theirs)


@pytest.fixture(scope="module")
def tables_epub(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    book = copy_book(small_book, tmp_path_factory.mktemp("tables") / "book")
    body = "\n\n".join(textwrap.dedent(m) for m in MANUAL.values())
    body += "\n\n" + MULTILINE_WITH_NOTE
    (book / "tables.md").write_text(chapter_text("Tables", body), encoding="utf-8")
    set_chapters(book, [*SMALL_CHAPTERS, "tables.md"])
    return build(book, tmp_path_factory.mktemp("out"), ["epub"]).outputs["epub"]


def test_a_book_with_every_kind_of_table_passes_epubcheck(tables_epub, tmp_path):
    page = next(
        data for name, data in epub_files(tables_epub).items() if b">Tables<" in data
    ).decode()
    assert page.count("<table") == len(MANUAL) + 1
    assert page.count("<caption") == sum(1 for e in EXPECTED.values() if e[0])
    assert 'style="text-align:right"' in page or 'style="text-align: right;"' in page
    report = run_epubcheck(tables_epub, tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages


def test_fenced_code_in_a_grid_cell_is_code():
    import markdown

    from makebook.render.tables import PandocTableExtension

    source = textwrap.dedent(
        """\
        +--------------+-------------------+
        | command line | defaults file     |
        +:=============+:==================+
        | ``` console  | ``` yaml          |
        | --mathml     | html-math-method: |
        | ```          |   method: mathml  |
        |              | ```               |
        +--------------+-------------------+
        """
    )
    html = markdown.markdown(source, extensions=["fenced_code", PandocTableExtension()])
    table = only_table(lxml_html.fragment_fromstring(html, create_parent="div"))
    codes = [text(code) for code in table.iter("code")]
    assert codes == ["--mathml", "html-math-method: method: mathml"]
    assert [align(c) for c in table.iter("th", "td")] == ["left"] * 4
