"""Line breaks in the PDFs (issue 19): words break where a proofreader accepts, names
never, a paragraph never ends on a fragment, at most two hyphenated lines in a row, the
author's exceptions are honoured; display text and appendix entries are ragged right.

Read back from laid-out PDFs with pdfplumber (tests/pdf/linebreaks.py)."""

from __future__ import annotations

import functools
from pathlib import Path

import pdfplumber
import pytest
from linebreaks import Report, check
from lxml import etree
from weasyprint import HTML

from makebook.model import Hyphenation
from makebook.pdf import weasy
from makebook.pdf.document import HYPHENATED_LINES_IN_A_ROW
from makebook.render.hyphenation import hyphenator, keep_last_words_whole

# The words of the issue, in paragraphs set in a column narrow enough to break many.
PARAGRAPHS = [
    "Attunement capitals temperature behaviour Sabotages Hogarth Williams attunement "
    "sabotages temperature capitals behaviour attunement in the company",
    "We went in together, the whole company of us, and came home altogether",
    "Grandmother did the crosswords every morning, and the hardest crosswords",
    "Notwithstanding extraordinary circumstances, responsibilities multiplied "
    "uncomfortably, unavoidably, incomprehensibly and disproportionately",
]
CSS = """
@page { size: 3in 9in; margin: 0.8in 0.3in 0.85in 0.3in; }
html { font-size: 10.5pt; line-height: 14.5pt; }
p { width: 1.4in; margin: 0 0 14.5pt; text-align: justify; hyphens: auto;
  hyphenate-limit-chars: 6 3 3; hyphenate-character: "-"; }
.nohyphen { hyphens: manual; }
.nowrap { white-space: nowrap; }
"""


def narrow_pdf(
    tmp_path: Path,
    rules: Hyphenation | None,
    paragraphs: list[str],
    lines_in_a_row: int = HYPHENATED_LINES_IN_A_ROW,
    lang: str = "en-GB",
) -> Path:
    """The paragraphs laid out by WeasyPrint: with makebook's rules, or WeasyPrint's own
    hyphenation (pyphen's patterns for the language) when `rules` is None."""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    tree = etree.fromstring(f'<html lang="{lang}"><body><section>{body}</section></body></html>')
    if rules is not None:
        keep_last_words_whole(tree)
    html = HTML(string=etree.tostring(tree, encoding="unicode"))
    out = tmp_path / f"{'makebook' if rules else 'weasyprint'}-{lines_in_a_row}-{lang}.pdf"
    if rules is None:
        html.write_pdf(out, stylesheets=[weasy_css()])
        return out
    words = functools.partial(hyphenator, rules)
    with weasy.hyphenating(words, lines_in_a_row):
        html.write_pdf(out, stylesheets=[weasy_css()])
    return out


def weasy_css():  # type: ignore[no-untyped-def]
    from weasyprint import CSS as StyleSheet

    return StyleSheet(string=CSS)


ISSUE_BAD = {"Attun", "attun", "capit", "temperat", "beha", "Sabot", "sabot", "Hog", "Wil"}


def first_parts(report: Report) -> set[str]:
    return {b.before.rstrip("-\u2010") for b in report.hyphenated}


def test_without_makebooks_rules_the_narrow_column_shows_the_issues_breaks(tmp_path):
    """The control: WeasyPrint with pyphen's en_GB patterns makes the breaks of the issue,
    so the checks below can see them."""
    report = check(narrow_pdf(tmp_path, None, PARAGRAPHS))
    assert first_parts(report) & ISSUE_BAD
    assert report.capitalised
    assert report.fragments or report.runs


def test_the_narrow_column_breaks_only_where_a_proofreader_accepts(tmp_path):
    report = check(narrow_pdf(tmp_path, Hyphenation(), PARAGRAPHS))
    assert len(report.hyphenated) >= 4  # hyphenation is on
    assert not first_parts(report) & ISSUE_BAD, report.summary()
    assert report.capitalised == [], report.summary()
    assert report.fragments == [], report.summary()
    assert report.runs == [], report.summary()


LONG_WORDS = [
    "Notwithstanding extraordinary circumstances, responsibilities multiplied "
    "uncomfortably, unavoidably, incomprehensibly and disproportionately; administrators "
    "recommended comprehensive reorganisation, notwithstanding considerable "
    "misunderstanding, incontrovertibly demonstrating institutionalised unaccountability"
]


def test_at_most_two_lines_in_a_row_end_in_a_hyphen(tmp_path):
    unlimited = check(narrow_pdf(tmp_path, Hyphenation(), LONG_WORDS, 99))
    assert any(len(run) >= 3 for run in unlimited.runs)  # what the limit prevents
    limited = check(narrow_pdf(tmp_path, Hyphenation(), LONG_WORDS))
    assert limited.runs == [], limited.summary()
    assert len(limited.hyphenated) >= 4


def test_a_german_text_keeps_hyphenating_its_capitalised_nouns(tmp_path):
    german = [
        "Die Donaudampfschifffahrtsgesellschaft veröffentlichte Bekanntmachungen über "
        "Fahrplanänderungen, Sicherheitsvorkehrungen und Verantwortlichkeiten der "
        "Geschäftsführung gegenüber den Aufsichtsbehörden"
    ]
    report = check(narrow_pdf(tmp_path, Hyphenation(), german, lang="de-DE"))
    assert len(report.capitalised) >= 2, report.summary()  # nouns, not names, in German
    assert report.runs == [], report.summary()


def test_the_authors_exceptions_are_honoured_in_the_pdf(tmp_path):
    words = ["attunement", "temperature", "responsibilities", "Williams"] * 8
    paragraphs = [" ".join(words[i : i + 8]) + " end" for i in range(0, len(words), 8)]
    rules = Hyphenation(exceptions=("attunem-ent", "Wil-liams"), never=("temperature",))
    report = check(narrow_pdf(tmp_path, rules, paragraphs))
    broken = {(b.before, b.after.strip(".,")) for b in report.hyphenated}
    broken |= {(b.before, b.after.strip(".,")) for b in report.capitalised}
    assert ("attunem-", "ent") in broken
    assert all(b.word != "temperature" for b in report.hyphenated)
    assert {b.word for b in report.hyphenated if b.word.lower().startswith("attun")} == {
        "attunement"
    }
    assert all(b.before == "attunem-" for b in report.hyphenated if b.word == "attunement")
    assert all(b.before == "Wil-" for b in report.hyphenated if b.word == "Williams")


# --- the demo book ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_lines(demo_build: dict[str, Path]) -> Report:
    return check(demo_build["pdf"])


def test_the_demo_print_pdf_has_no_broken_names_fragments_or_ladders(demo_lines: Report):
    assert demo_lines.lines > 1000
    assert demo_lines.capitalised == [], demo_lines.summary()
    assert demo_lines.fragments == [], demo_lines.summary()
    assert demo_lines.runs == [], demo_lines.summary()
    # Before issue 19: 94 of 1,236 lines (7.6 %); now about 6 %.
    assert 0.02 < demo_lines.share < 0.07, demo_lines.summary()


def appendix_pages(pdf: Path, title: str) -> list[int]:
    with pdfplumber.open(pdf) as document:
        return [
            number
            for number, page in enumerate(document.pages, 1)
            if (page.extract_text() or "").lstrip().startswith(title)
        ]


def word_gaps(page: pdfplumber.page.Page) -> list[float]:
    """The space between each two words of a line, in ems of the font size."""
    words = page.extract_words(extra_attrs=["size"], use_text_flow=True)
    return [
        (right["x0"] - left["x1"]) / left["size"]
        for left, right in zip(words, words[1:], strict=False)
        if abs(left["top"] - right["top"]) < 1 and right["x0"] > left["x1"]
    ]


def test_the_demo_appendix_entries_are_ragged_right_and_unhyphenated(demo_build):
    """Works Cited: every space between words is the font's own (a quarter of an em;
    justified lines stretch theirs: up to 0.6 em and more before issue 19), and no word is
    hyphenated."""
    pdf = demo_build["pdf"]
    pages = appendix_pages(pdf, "Works Cited")
    assert pages
    measured = 0
    with pdfplumber.open(pdf) as document:
        for number in pages:
            gaps = word_gaps(document.pages[number - 1])
            measured += len(gaps)
            assert max(gaps) < 0.35, f"page {number}: a space of {max(gaps):.2f} em"
            # Only a word's own hyphen ends a line ('Face-to-' / 'Face'), never a hyphenation.
            assert check(pdf, number, number).hyphenated == []
    assert measured > 100  # the list's last page may hold a few entries only


def test_the_demo_appendix_entries_are_not_split_across_pages(demo_build):
    """Every entry of Works Cited starts a line at the left edge; the first line of a page
    is never an entry's continuation (indented by the hanging indent)."""
    pdf = demo_build["pdf"]
    with pdfplumber.open(pdf) as document:
        for number in appendix_pages(pdf, "Works Cited"):
            page = document.pages[number - 1]
            lines = [
                line
                for line in page.extract_text_lines()
                if 0.8 * 72 < line["top"] < page.height - 0.85 * 72
            ]
            left = min(line["x0"] for line in lines)
            body = [line for line in lines if line["text"] != "Works Cited"]
            assert body[0]["x0"] < left + 2, f"page {number} opens inside an entry"


def test_an_appendix_entry_moves_whole_to_the_next_page(tmp_path):
    """With the design's stylesheets, an entry of Works Cited that does not fit at a
    page's foot starts the next page; without its break-inside rule, it would split."""
    from weasyprint import CSS as StyleSheet

    styles = Path(__file__).resolve().parents[2] / "styles"
    entry = (
        '<li class="work">Ainsworth, Mary D. Salter, and Silvia M. Bell. 1970. Attachment, '
        "Exploration, and Separation: Illustrated by the Behavior of One-Year-Olds in a "
        "Strange Situation. Child Development 41 (1): 49-67.</li>"
    )
    html = (
        '<html lang="en"><body><section class="appendix cited"><ul class="works">'
        + entry * 12
        + "</ul></section></body></html>"
    )
    sheets = [StyleSheet(filename=str(styles / name)) for name in ("book.css", "pdf.css")]
    page = StyleSheet(string="@page { size: 4in 5in; margin: 0.8in 0.4in 0.85in; }")

    def continuation_at_page_top(extra: str) -> bool:
        out = tmp_path / "entries.pdf"
        HTML(string=html, base_url=str(styles) + "/").write_pdf(
            out, stylesheets=[*sheets, page, StyleSheet(string=extra or "p {}")]
        )
        with pdfplumber.open(out) as document:
            assert len(document.pages) > 2
            firsts = [p.extract_text_lines()[0] for p in document.pages]
            left = min(line["x0"] for line in firsts)
            return any(line["x0"] > left + 4 for line in firsts)  # the hanging indent

    assert not continuation_at_page_top("")
    assert continuation_at_page_top(".appendix li.work { break-inside: auto; }")


def test_the_demo_related_concepts_are_ragged_right(demo_build):
    """Each concept's list of related concepts (its entries run over two lines) keeps the
    font's own spaces: before issue 19 it was justified, with spaces up to 0.54 em."""
    pdf = demo_build["pdf"]
    checked = 0
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            words = page.extract_words(extra_attrs=["size"], use_text_flow=True)
            heading = [w for w in words if w["text"] == "RELATED"]
            if not heading:
                continue
            below = [w for w in words if w["top"] > heading[0]["top"] + 5]
            gaps = [
                (right["x0"] - left["x1"]) / left["size"]
                for left, right in zip(below, below[1:], strict=False)
                if abs(left["top"] - right["top"]) < 1 and right["x0"] > left["x1"]
            ]
            assert max(gaps) < 0.35, f"page {page.page_number}: a space of {max(gaps):.2f} em"
            checked += 1
    assert checked == 4  # the demo's four concepts
