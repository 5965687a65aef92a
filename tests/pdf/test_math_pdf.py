r"""TeX math and page breaks in the finished books (issue 17).

One book (the small book and a chapter of math) is built once: both PDFs draw each
formula (ziamath's SVG, outline paths: no font to embed, nothing left as `$...$`),
inline math on the baseline of the text at its size, display math centred; the
screen PDF tags each drawing as a figure whose alternate text is its TeX; `\newpage`
starts a new page. The EPUB keeps the MathML, with the `mathml` manifest property on
that chapter only, and passes EPUBCheck and DAISY Ace. No formula, however deeply
nested, takes long to draw.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import (
    SMALL_CHAPTERS,
    ace_violations,
    chapter_text,
    copy_book,
    epub_files,
    run_ace,
    run_epubcheck,
    set_chapters,
)
from makebook.build import build
from makebook.pdf.math import typeset
from makebook.render.math import tex_to_mathml

MATH_CHAPTER = r"""
Einstein wrote $E = mc^2$ in a paragraph long enough to fill the measure of the page
more than once, so that its first line is justified from margin to margin, while $20
and $30 stay prices.

$$\sum_{n=1}^{\infty} \frac{1}{n^2} = \frac{\pi^2}{6}$$

\newpage

Afterwards, $\sqrt{x}$ and \begin{equation}a = b\end{equation} close the chapter.
"""
SOURCES = [
    "E = mc^2",
    "\\sum_{n=1}^{\\infty} \\frac{1}{n^2} = \\frac{\\pi^2}{6}",
    "\\sqrt{x}",
    "\\begin{equation}a = b\\end{equation}",
]


@pytest.fixture(scope="module")
def math_outputs(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    book = copy_book(small_book, tmp_path_factory.mktemp("math") / "book")
    (book / "math.md").write_text(chapter_text("Math", MATH_CHAPTER), encoding="utf-8")
    set_chapters(book, [*SMALL_CHAPTERS, "math.md"])
    return build(book, tmp_path_factory.mktemp("math-out"), ["epub", "pdf", "screen"]).outputs


def page_with(pdf: pdfplumber.PDF, text: str) -> int:
    return next(i for i, page in enumerate(pdf.pages) if text in (page.extract_text() or ""))


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_inline_math_is_drawn_on_the_baseline_at_the_text_size(math_outputs, edition):
    with pdfplumber.open(math_outputs[edition]) as pdf:
        page = pdf.pages[page_with(pdf, "Einstein")]
        wrote = next(c for c in page.chars if c["text"] == "w" and c["top"] > 0)
        line = [c for c in page.chars if abs(c["top"] - wrote["top"]) < 1]
        after = max(c["x1"] for c in line if c["x1"] <= wrote["x1"] + 1)  # "...wrote"
        baseline = page.height - wrote["matrix"][5]
        drawn = sorted(
            (c for c in page.curves if c["x0"] > after and abs(c["bottom"] - baseline) < 8),
            key=lambda c: c["x0"],
        )
        capital_e = drawn[0]
        assert abs(capital_e["bottom"] - baseline) < 0.25  # on the baseline
        cap_height = capital_e["bottom"] - capital_e["top"]
        assert 0.6 * wrote["size"] < cap_height < 0.72 * wrote["size"]  # the text's size
        text = page.extract_text()
    assert "$" not in text.replace("$20", "").replace("$30", "")  # no TeX left in print


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_display_math_is_a_centred_block_and_newpage_breaks_the_page(math_outputs, edition):
    with pdfplumber.open(math_outputs[edition]) as pdf:
        number = page_with(pdf, "Einstein")
        page = pdf.pages[number]
        paragraph = [w for w in page.extract_words() if w["top"] < page.height * 0.9]
        left = min(w["x0"] for w in paragraph)
        right = max(w["x1"] for w in paragraph)  # the justified first line: the right margin
        below = max(w["bottom"] for w in paragraph if w["text"] == "prices.")
        display = [c for c in page.curves if c["top"] > below]
        assert len(display) > 10  # Σ, fractions, π: drawn
        middle = (min(c["x0"] for c in display) + max(c["x1"] for c in display)) / 2
        assert abs(middle - (left + right) / 2) < 2
        assert "Afterwards" not in (page.extract_text() or "")
        assert "Afterwards" in pdf.pages[number + 1].extract_text()


def figure_alt_texts(pdf: pikepdf.Pdf) -> list[str]:
    found: list[str] = []

    def visit(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                visit(child)
        elif isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == "/Figure":
                found.append(str(node.get("/Alt")))
            if "/K" in node:
                visit(node["/K"])

    visit(pdf.Root.StructTreeRoot)
    return found


def test_screen_pdf_tags_each_formula_with_its_tex(math_outputs):
    with pikepdf.open(math_outputs["screen"]) as pdf:
        assert [a for a in figure_alt_texts(pdf) if a in SOURCES] == SOURCES


def test_math_prints_without_a_font(math_outputs):
    """Every glyph is a path: the PDF embeds no math font for a printer to lack."""
    with pikepdf.open(math_outputs["pdf"]) as pdf:
        fonts = {
            str(font.get("/BaseFont", ""))
            for page in pdf.pages
            for font in (page.Resources.get("/Font") or {}).values()
        }
    assert not [f for f in fonts if re.search("stix|math", f, re.IGNORECASE)]


def test_epub_keeps_mathml_with_the_manifest_property(math_outputs):
    files = {
        n: data.decode("utf-8", "replace") for n, data in epub_files(math_outputs["epub"]).items()
    }
    opf = next(text for name, text in files.items() if name.endswith(".opf"))
    with_mathml = re.findall(r'<item href="text/([^"]+)"[^>]*properties="[^"]*mathml', opf)
    assert with_mathml == ["math.xhtml"]
    chapter = files["EPUB/text/math.xhtml"]
    assert chapter.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') == len(SOURCES)
    assert 'alttext="E = mc^2"' in chapter
    assert "while $20\nand $30 stay prices" in chapter


def test_math_epub_passes_epubcheck_and_ace(math_outputs, tmp_path):
    report = run_epubcheck(math_outputs["epub"], tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nError"] + report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages
    assert ace_violations(run_ace(math_outputs["epub"], tmp_path / "ace")) == []


def test_deep_braces_and_fences_are_drawn_in_good_time_for_the_pdfs():
    started = time.monotonic()
    braces = typeset(tex_to_mathml("{" * 40 + "x" + "}" * 40, False))
    fractions = typeset(tex_to_mathml("\\frac{1}{" * 14 + "x" + "}" * 14, False))
    fences = typeset(tex_to_mathml("\\left(" * 30 + "x" + "\\right)" * 30, False))
    assert time.monotonic() - started < 5  # ziamath alone: minutes, doubling with each level
    assert braces.tag.endswith("svg") and fractions.tag.endswith("svg")
    assert fences.tag == "span" and "x" in "".join(fences.itertext())  # printed as text
