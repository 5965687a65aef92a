r"""TeX math as pandoc's tex_math_dollars reads it (issue 17): `$...$` inline, `$$...$$`
display, never in code, `\$` a dollar sign, `\newcommand` macros applied (pandoc's
latex_macros); each formula MathML as pandoc writes it with
`--mathml` (annotation with the TeX, and alttext for DAISY Ace), unreadable TeX a
warning at its line and shown as code.

READINGS holds pandoc 3.9's own reading of each case (`pandoc -f markdown -t html
--mathml`, see tests/texreading.py); when pandoc is at hand it is asked again. Where
makebook differs on purpose, PANDOC_DIFFERENCES says why.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import markup
from makebook.render.chapter import render_chapter
from makebook.render.math import TexNote, inline_math, tex_to_mathml
from texreading import makebook_html, makebook_reading, pandoc_path, pandoc_reading

# (Markdown, pandoc 3.9's reading of it)
READINGS = [
    ("Inline $x^2$ here.", "Inline [inline:x^2] here."),
    ("$20,000 and $30,000 stay text.", "$20,000 and $30,000 stay text."),
    ("$ x$ and $x $ are not math.", "$ x$ and $x $ are not math."),
    ("Escaped \\$x\\$ dollars.", "Escaped $x$ dollars."),
    ("$a$5 is not math, $a$ b is.", "$a$5 is not math, [inline:a] b is."),
    ("$$E = mc^2$$", "[block:E = mc^2]"),
    ("Text $$\\int_0^1 f(x)\\,dx$$ after.", "Text [block:\\int_0^1 f(x)\\,dx] after."),
    ("$$\na + b\n= c\n$$", "[block:a + b = c]"),
    ("`$code$` is code.", "$code$ is code."),
    (
        "$\\frac{1}{2}$ and $\\alpha_{i}$ and $a\\$b$.",
        "[inline:\\frac{1}{2}] and [inline:\\alpha_{i}] and [inline:a\\$b].",
    ),
    ("    $indented$ code", "$indented$ code"),
    ("$\\text{a $b$ c}$ text", "[inline:\\text{a $b$ c}] text"),
    ("$a  b$ spaced", "[inline:a b] spaced"),
    ("$$x$$ and $$ y $$", "[block:x] and [block:y]"),
    ("$x$y and $x$.", "[inline:x]y and [inline:x]."),
    ("a $x +\ny$ b", "a [inline:x + y] b"),
    ("$$a\n\nb$$", "$$a b$$"),
    ("*see $x_1$* and **$y$**", "see [inline:x_1] and [inline:y]"),
    ("$x_1$ and $y_2$ and $z_3$", "[inline:x_1] and [inline:y_2] and [inline:z_3]"),
    ("$a*b*c$ and *d*", "[inline:a*b*c] and d"),
    ("[see $x$](http://example.com)", "see [inline:x]"),
    ("- item $y^2$\n- other $$z$$", "item [inline:y^2] other [block:z]"),
    (
        "$\\begin{pmatrix}a&b\\\\c&d\\end{pmatrix}$",
        "[inline:\\begin{pmatrix}a&b\\\\c&d\\end{pmatrix}]",
    ),
    ("Costs \\$5, or $5.", "Costs $5, or $5."),
    ("$x$, $y$; and ($z$).", "[inline:x], [inline:y]; and ([inline:z])."),
    (
        "A $\\sqrt{x^2+1}$ and $\\sum_{i=1}^n i$ and $\\lim_{x\\to 0} f(x)$.",
        "A [inline:\\sqrt{x^2+1}] and [inline:\\sum_{i=1}^n i] and [inline:\\lim_{x\\to 0} f(x)].",
    ),
    (
        "$$\\begin{aligned}\na &= b \\\\\nc &= d\n\\end{aligned}$$",
        "[block:\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}]",
    ),
    ("Money: $3 and $$ and $ alone.", "Money: $3 and $$ and $ alone."),
    ("$x$$y$", "[inline:x][inline:y]"),
    ("\\\\$x$ after a backslash", "\\[inline:x] after a backslash"),
    ("> quoted $q$ math", "quoted [inline:q] math"),
    ("Term\n:   definition with $d$", "Term definition with [inline:d]"),
    ("| a | b |\n|---|---|\n| $x$ | $y^2$ |", "a b [inline:x] [inline:y^2]"),
    ("when n<k we have $x$ here", "when n<k we have [inline:x] here"),
    (
        '<span title="$x$">s</span> and <http://example.com/$a$b> and $y$',
        "s and http://example.com/$a$b and [inline:y]",
    ),
    # pandoc's latex_macros (MANUAL.txt, "LaTeX macros"): definitions apply to later math
    (
        "\\newcommand{\\tuple}[1]{\\langle #1 \\rangle}\n\n$\\tuple{a, b, c}$",
        "[inline:\\langle a, b, c \\rangle]",
    ),
    (
        "\\newcommand\\R{\\mathbb{R}}\n\\renewcommand{\\vec}[1]{\\mathbf{#1}}\n\nIn $\\R^n$ a $\\vec{v}$ and $\\vec v$.",
        "In [inline:\\mathbb{R}^n] a [inline:\\mathbf{v}] and [inline:\\mathbf{v}].",
    ),
    (
        "Inline \\newcommand{\\half}{\\frac{1}{2}} def.\n\nThen $\\half x$.",
        "Inline def. Then [inline:\\frac{1}{2}x].",
    ),
    ("\\newcommand{\\pair}[2]{(#1, #2)}\n\n$$\\pair{x}{\\pair{y}{z}}$$", "[block:(x, (y, z))]"),
]

# pandoc reads left to right, so a `$` before a code span's backtick starts math that
# holds the span; Python-Markdown takes code spans first, and makebook never reads
# math in code. (pandoc then fails to convert that TeX and prints its source.)
PANDOC_DIFFERENCES = {"$a `b` c$": ("$a b c$", "$a `b` c$")}


@pytest.mark.parametrize(("markdown", "expected"), READINGS, ids=[m for m, _ in READINGS])
def test_math_reads_as_pandoc_reads_it(markdown, expected):
    assert makebook_reading(markdown) == expected


def test_same_reading_as_pandoc_at_hand():
    pandoc = pandoc_path()
    if pandoc is None:
        pytest.skip("pandoc 3 is not installed (pip install pypandoc-binary)")
    different = [
        (markdown, makebook_reading(markdown), pandoc_reading(markdown, pandoc))
        for markdown, _ in READINGS
    ]
    assert [d for d in different if d[1] != d[2]] == []
    for markdown, (ours, theirs) in PANDOC_DIFFERENCES.items():
        assert (makebook_reading(markdown), pandoc_reading(markdown, pandoc)) == (ours, theirs)


def test_inline_math_is_pandoc_mathml_in_a_math_span():
    body = makebook_html("Area $\\pi r^2$.")
    assert markup(body.find("p")) == (
        '<p>Area <span class="math inline"><math display="inline" alttext="\\pi r^2">'
        "<semantics><mrow><mi>π</mi><msup><mi>r</mi><mn>2</mn></msup></mrow>"
        '<annotation encoding="application/x-tex">\\pi r^2</annotation>'
        "</semantics></math></span>.</p>"
    )
    math = body.find(".//{http://www.w3.org/1998/Math/MathML}math")
    assert math.nsmap[None] == "http://www.w3.org/1998/Math/MathML"


def test_display_math_stays_in_its_paragraph_as_a_block_formula():
    body = makebook_html("$$\nx = \\frac{a}{b}\n$$\n")
    paragraph = body.find("p")
    span = paragraph.find("span")
    assert span.get("class") == "math display"
    math = span[0]
    assert math.get("display") == "block"
    assert math.get("alttext") == "x = \\frac{a}{b}"  # on one line: what a reader speaks
    assert "".join(math.itertext()).endswith("\nx = \\frac{a}{b}\n")  # the source as written


def test_code_is_never_math():
    body = makebook_html("`$x$` and\n\n    $y$\n\n```\n$$z$$\n```\n")
    assert body.find(".//{http://www.w3.org/1998/Math/MathML}math") is None
    assert [c.text.strip() for c in body.iter("code")] == ["$x$", "$y$", "$$z$$"]


def test_dollar_rules_scan_as_pandoc_does():
    assert inline_math("$x$", 0) == ("x", 3)
    assert inline_math("$x$5", 0) is None  # a digit after the closing `$`
    assert inline_math("$ x$", 0) is None  # a space after the opening `$`
    assert inline_math("$x $", 0) is None  # a space before the closing `$`
    assert inline_math("$a\\$b$", 0) == ("a\\$b", 6)  # `\$` closes nothing
    assert inline_math("$a\n\nb$", 0) is None  # never past a blank line


def test_aligned_environment_becomes_a_table_of_rows():
    math = tex_to_mathml("\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}", True)
    rows = math.findall(".//{http://www.w3.org/1998/Math/MathML}mtr")
    assert len(rows) == 2
    assert all(len(row) == 2 for row in rows)  # `&` splits each row: right, left


@pytest.fixture
def warnings_for(loaded_small_book):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    book = loaded_small_book
    template = next(c for c in book.chapters if c.path == Path("one.md"))

    def warnings(markdown: str) -> list[str]:
        chapter = replace(template, markdown=textwrap.dedent(markdown))
        page = render_chapter(book, chapter, {})
        return [str(w).split("\n")[0] for w in page.warnings]

    return warnings


def test_unreadable_tex_is_a_warning_at_its_line_and_shown_as_code(warnings_for, render_body):
    markdown = "Fine $x$.\n\nBroken $x_$ here and `$y_$` in code.\n\n$$\n\\frac{1}{\n$$\n"
    body = render_body(markdown)
    shown = body.xpath(".//span[@class='math inline']/code")
    assert [c.text for c in shown] == ["$x_$"]
    assert body.xpath("string(.//span[@class='math display']/code)") == "$$\n\\frac{1}{\n$$"
    one = Path("one.md")
    first = 6  # the small book's one.md: front matter on lines 1-5 (conftest)
    assert warnings_for(markdown) == [
        f"{one}:{first + 2}: warning: math $x_$ could not be read as TeX (missing super "
        "script or subscript); it is shown as code",
        f"{one}:{first + 5}: warning: math $$\\frac{{1}}{{$$ could not be read as TeX (no "
        "available tokens); it is shown as code",
    ]


def test_unknown_command_in_math_is_a_warning(warnings_for):
    (warning,) = warnings_for("Tuple $\\tuple{a, b}$.\n")
    assert "math $\\tuple{a, b}$ could not be read as TeX (unknown command \\tuple)" in warning


def test_tex_note_lines_follow_repeated_text():
    from makebook.render.math import tex_warnings
    from texreading import chapter

    notes = [TexNote("$x_$", "bad", ""), TexNote("$x_$", "bad", "")]
    problems = tex_warnings(chapter("$x_$\n\ntext\n\n$x_$\n"), notes)
    assert [p.line for p in problems] == [1, 5]


def test_heading_id_takes_the_formula_as_tex_as_pandoc_does(render_body):
    heading = render_body("## The $x^2$ factor\n\nText.\n").find("h2")
    assert heading.get("id").endswith("--the-x2-factor")  # pandoc: "the-x2-factor"


def test_math_in_an_image_description_or_a_link_title_stays_text():
    body = makebook_html('![The $x$ plot](a.png) and [a](http://x.org "t $y$") and $z$')
    assert body.find(".//img").get("alt") == "The x plot"  # pandoc: alt="The x plot"
    assert body.find(".//a").get("title") == "t $y$"  # pandoc: title="t $y$"
    assert [a.text for a in body.iter("{*}annotation")] == ["z"]


# TeX that pandoc's texmath reads and latex2mathml alone would not: makebook rewrites it.
@pytest.mark.parametrize(
    "source",
    [
        "x = 1 \\label{eq:a}",
        "a \\nonumber \\\\ b \\notag",
        "\\underset{x}{\\arg\\min} f",
        "\\begin{gathered} a \\\\ b \\end{gathered}",
    ],
)
def test_tex_latex2mathml_lacks_is_read_as_pandoc_reads_it(source):
    math = tex_to_mathml(source, True)
    names = {element.tag.split("}")[1] for element in math.iter()}
    assert not [t for t in math.itertext() if t.startswith("\\") and t != source]
    assert "mi" in names or "mo" in names


def test_mathrm_is_upright_as_pandoc_writes_it():
    math = tex_to_mathml("\\mathrm{d}x", False)
    assert (
        math.find(".//{*}mi").get("mathvariant") == "normal"
    )  # pandoc: <mi mathvariant="normal">d
