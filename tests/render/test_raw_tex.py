r"""Raw TeX as pandoc's raw_tex extension reads it (issue 17): `\newpage` or `\pagebreak`
alone in a paragraph breaks the page (a `div.page-break` the PDFs style), every other
TeX command or environment is left out, as pandoc leaves it out of HTML, with a warning
at its line saying what to write instead; math environments are display math. Markdown
escapes (`\\`, `\*`, `\$`) and code are untouched.

READINGS holds pandoc 3.9's reading of each case (`pandoc -f markdown -t html
--mathml`, tests/texreading.py); the cases open with pandoc's own, from MANUAL.txt
("Extension: raw_tex"). When pandoc is at hand it is asked again.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import markup
from makebook.render.chapter import render_chapter
from texreading import makebook_html, makebook_reading, pandoc_path, pandoc_reading

# (Markdown, pandoc 3.9's reading of it)
READINGS = [
    ("This result was proved in \\cite{jones.1967}.", "This result was proved in ."),
    (
        "\\begin{tabular}{|l|l|}\\hline\nAge & Frequency \\\\ \\hline\n18--25  & 15 \\\\\n26--35  & 33 \\\\\n36--45  & 22 \\\\ \\hline\n\\end{tabular}",
        "",
    ),
    ("Before.\n\n\\newpage\n\nAfter.", "Before. After."),
    ("Before.\n\n\\pagebreak\n\nAfter.", "Before. After."),
    ("a \\foo[opt]{arg} b", "a b"),
    ("a \\foo {x} b", "a b"),
    ("a \\foo{x}{y}[z] b", "a [z] b"),
    ("\\textbf{a {b} c} d", "d"),
    (
        "Windows C:\\Users\\me and \\\\server and \\* and \\$5.",
        "Windows C:and \\server and * and $5.",
    ),
    ("\\noindent Text here.", "Text here."),
    ("\\vspace{1cm}\n\nNext.", "Next."),
    ("text\n\\newpage", "text"),
    ("\\newpage\ntext after", "text after"),
    ("see \\ref{fig:a}.", "see ."),
    ("`\\emph{code}` stays and \\emph{this} goes.", "\\emph{code} stays and goes."),
    (
        "    \\begin{verbatim}\n    indented code\n    \\end{verbatim}",
        "\\begin{verbatim} indented code \\end{verbatim}",
    ),
    ("```\n\\newpage\n```", "\\newpage"),
    ("\\\\ and \\, and \\@ and \\1", "\\ and , and @ and \\1"),
    (
        "\\begin{equation}\nx = 1\n\\end{equation}\n\nAfter.",
        "[block:\\begin{equation} x = 1 \\end{equation}] After.",
    ),
    ("- one\n- \\textit{two}", "one"),
    ("Price $5 and \\$6 and \\LaTeX.", "Price $5 and $6 and ."),
    ("[a link](http://example.com/\\foo) here", "a link here"),
    ("a \\foo* b", "a b"),
    ("\\section{Heading}\n\nText.", "Text."),
    ("\\clearpage\n\nNext.", "Next."),
    (
        "Text\n\n\\begin{equation}\nx = 1\n\\end{equation}\n\nAfter \\begin{equation}y\\end{equation} inline.",
        "Text [block:\\begin{equation} x = 1 \\end{equation}] After [block:\\begin{equation}y\\end{equation}] inline.",
    ),
    (
        "\\begin{align*}\na &= b \\\\\nc &= d\n\\end{align*}",
        "[block:\\begin{align*} a &= b \\\\ c &= d \\end{align*}]",
    ),
    (
        '<span title="\\bar">s</span> and <http://example.com/\\x> and ![img](a\\b.png)\n',
        "s and http://example.com/\\x and",
    ),
]


@pytest.mark.parametrize(("markdown", "expected"), READINGS, ids=[m for m, _ in READINGS])
def test_raw_tex_reads_as_pandoc_reads_it(markdown, expected):
    assert makebook_reading(markdown) == expected


def test_same_reading_as_pandoc_at_hand():
    pandoc = pandoc_path()
    if pandoc is None:
        pytest.skip("pandoc 3 is not installed (pip install pypandoc-binary)")
    readings = [(m, makebook_reading(m), pandoc_reading(m, pandoc)) for m, _ in READINGS]
    assert [r for r in readings if r[1] != r[2]] == []


@pytest.mark.parametrize("command", ["\\newpage", "\\pagebreak", "\\clearpage"])
def test_a_paragraph_of_only_a_page_break_command_breaks_the_page(command):
    body = makebook_html(f"Before.\n\n{command}\n\nAfter.\n")
    assert [markup(child) for child in body] == [
        "<p>Before.</p>",
        '<div class="page-break"/>',
        "<p>After.</p>",
    ]


def test_page_break_in_a_fenced_div_and_not_in_code_or_running_text():
    body = makebook_html(
        "::: note\n\\newpage\n\nIn the note.\n:::\n\n```\n\\newpage\n```\n\nText \\newpage here.\n"
    )
    assert len(body.xpath("//div[@class='page-break']")) == 1
    assert body.xpath("//div[@class='note']/div[@class='page-break']")
    assert body.xpath("string(//pre)").strip() == "\\newpage"
    assert body.findall("p")[-1].text == "Text here."


def test_math_environment_is_display_math():
    body = makebook_html("\\begin{equation}\nE = mc^2\n\\end{equation}\n")
    span = body.find("p/span")
    assert span.get("class") == "math display"
    assert span[0].get("alttext") == "\\begin{equation} E = mc^2 \\end{equation}"


@pytest.fixture
def warnings_for(loaded_small_book):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    book = loaded_small_book
    template = next(c for c in book.chapters if c.path == Path("one.md"))

    def warnings(markdown: str) -> list[str]:
        chapter = replace(template, markdown=textwrap.dedent(markdown))
        page = render_chapter(book, chapter, {})
        return [str(w) for w in page.warnings]

    return warnings


def test_left_out_tex_is_a_warning_at_its_line_with_what_to_write(warnings_for):
    markdown = (
        "As shown in \\cite{jones}.\n"  # line 6: the small book's front matter is 1-5
        "\n"
        "\\newpage\n"  # a page break: no warning
        "\n"
        "\\begin{tabular}{ll}\n"  # line 10
        "a & b \\\\\n"
        "\\end{tabular}\n"
        "\n"
        "`\\emph{code}` and \\emph{gone} and \\newpage in text.\n"  # line 14
    )
    one = Path("one.md")
    assert warnings_for(markdown) == [
        f"{one}:6: warning: raw TeX \\cite{{jones}} was left out of the book, as pandoc "
        "leaves it out of HTML\n  hint: write a citation as [@key]",
        f"{one}:10: warning: raw TeX \\begin{{tabular}}{{ll}} was left out of the book, as "
        "pandoc leaves it out of HTML\n  hint: write a pipe, simple or grid table",
        f"{one}:14: warning: raw TeX \\emph{{gone}} was left out of the book, as pandoc "
        "leaves it out of HTML\n  hint: write *text* for emphasis",
        f"{one}:14: warning: raw TeX \\newpage was left out of the book, as pandoc leaves "
        "it out of HTML\n  hint: makebook does not typeset with LaTeX: write it in "
        "Markdown, or remove it (\\newpage alone in a paragraph breaks the page; write "
        "\\\\ for a backslash)",
    ]


def test_escapes_are_markdown_not_tex(warnings_for):
    assert warnings_for("A \\\\ backslash, \\* star, \\$5 and \\_ under.\n") == []
    assert makebook_reading("A \\\\ backslash, \\* star, \\$5 and \\_ under.") == (
        "A \\ backslash, * star, $5 and _ under."
    )


def test_a_macro_definition_is_used_not_reported(warnings_for):
    markdown = "\\newcommand{\\R}{\\mathbb{R}}\n\nIn $\\R^n$.\n"
    assert warnings_for(markdown) == []
    assert makebook_reading(markdown) == "In [inline:\\mathbb{R}^n]."


def test_check_reports_what_rendering_left_out(tmp_path):
    """`make-book check --strict` fails on raw TeX and unreadable math, as a build warns."""
    from conftest import make_small_book
    from makebook.build import check

    book = make_small_book(tmp_path / "book")
    one = book / "one.md"
    lines = one.read_text(encoding="utf-8").rstrip("\n").split("\n")
    one.write_text("\n".join([*lines, "", "See \\cite{x} and $x_$."]) + "\n", encoding="utf-8")
    found = [(p.path, p.line, p.message.split(" was ")[0]) for p in check(book)]
    assert (Path("one.md"), len(lines) + 2, "raw TeX \\cite{x}") in found
    assert any(f[2].startswith("math $x_$ could not be read") for f in found)
