"""Flow without holes (issue 19): pages of running text end on their last line.

A figure that did not fit moves on while the text fills the page (pdf/figures.py);
notes, quotations and pull quotes break across pages; a heading at the top of a page
drops its space above (pdf.css). Measured on the demo and on books made to provoke
each case, read back with pdfplumber (holes.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest
from holes import HOLE, holes, page_fills
from PIL import Image

from conftest import make_small_book, set_chapters
from makebook.build import build
from makebook.errors import ManuscriptError
from makebook.manuscript.loader import load_book
from makebook.pdf.figures import Deferral, deferred
from pdfshape import shape

FILLER = (
    "Paragraph {n} of the filler text runs on for a few lines so that the page fills up "
    "the way a chapter of running prose would fill it, with nothing in it to keep it "
    "from breaking anywhere between its lines."
)


def add_chapter(root: Path, name: str, title: str, *blocks: str) -> None:
    text = f"---\nkind: essay\ntitle: {title}\n---\n" + "\n\n".join(blocks) + "\n"
    (root / name).write_text(text, encoding="utf-8")
    toml = root / "book.toml"
    chapters = re.search(r"(?m)^chapters = \[(.*)\]$", toml.read_text())
    assert chapters is not None
    set_chapters(root, [*re.findall(r'"([^"]+)"', chapters.group(1)), name])


def filler(first: int, count: int) -> str:
    return "\n\n".join(FILLER.format(n=n) for n in range(first, first + count))


# --- the demo -------------------------------------------------------------------------


PROMPT = re.compile(r"\d+\.\s?\D")  # "3. What did..."
APPENDICES = {"SuggestedReading", "SuggestedFilms", "WorksCited", "Concepts", "Index"}


def division_of(fills: list, page: object) -> str:
    """The title a page's division opens with, without its spaces:
    the first line of the last page before it, or itself, with no running head."""
    title = ""
    for fill in fills:
        if not fill.headed and fill.first_words:
            title = fill.first_words.replace(" ", "")
        if fill is page:
            break
    return title


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_the_demo_has_no_page_that_ends_short_but_before_a_heading_or_figure(
    demo_build: dict[str, Path], edition: str
) -> None:
    fills = page_fills(demo_build[edition], "print" if edition == "pdf" else "screen")
    after = {f.index - 1: f for f in fills}
    short = [
        (f.index, f.short)
        for f in holes(fills)
        # A heading goes on with two lines of its text: the page before it may end as
        # many lines short as the heading, its space and those lines take (5).
        if not (after[f.index].starts_with_heading and f.short <= 5)
        # A reflection prompt keeps its question with its write-in lines (four at most
        # in the demo): the page before one may end as short as the two take.
        and not (PROMPT.match(after[f.index].first_words) and f.short <= 7)
        # The generated appendices are lists of entries of three to six lines, each kept
        # whole on its page; they are not running text.
        and division_of(fills, f) not in APPENDICES
    ]
    assert short == [], f"pages ending more than {HOLE} lines short: {short}"
    assert any(f.short > HOLE and not f.ends_division for f in fills)  # the test can fail


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_a_heading_at_the_top_of_a_page_has_no_space_above(
    demo_build: dict[str, Path], edition: str
) -> None:
    fills = page_fills(demo_build[edition], "print" if edition == "pdf" else "screen")
    # Pages with a running head: not a chapter's opening page, which has its drop.
    # A prompts block opens with its own rule, its heading set under it.
    at_top = [
        (f.index, f.first_top)
        for f in fills
        if f.headed and f.starts_with_heading and not f.first_words.upper().startswith("QUEST")
    ]
    assert len(at_top) >= 3, at_top  # the demo has such pages: the test can fail
    # The first line of a page sits at the top of the text block: its glyphs start
    # within the line's leading, a few points down, not a line or two.
    assert [t for t in at_top if t[1] is None or t[1] > 5] == []


# --- a note, a quotation and a pull quote at a page break -----------------------------


@pytest.fixture(scope="module")
def broken_boxes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = make_small_book(tmp_path_factory.mktemp("boxes") / "book")
    note = " ".join(["A note that runs on for many lines, longer than the room left."] * 12)
    quote = " ".join(["A pull quote long enough to need a break of its own."] * 8)
    # Each at the same place in a chapter of its own, where it cannot fit whole.
    add_chapter(
        root, "note.md", "A Note at the Break", filler(1, 7),
        f"::: note\nNOTE_START {note} NOTE_END\n:::", filler(8, 4),
    )  # fmt: skip
    add_chapter(
        root, "quote.md", "A Pull Quote at the Break", filler(1, 7),
        f"::: pullquote\nQUOTE_START {quote} QUOTE_END\n:::", filler(8, 4),
    )  # fmt: skip
    return build(root, tmp_path_factory.mktemp("boxes-out"), ["pdf"]).outputs


def page_of(pdf: pdfplumber.PDF, word: str) -> int:
    return next(n for n, page in enumerate(pdf.pages) if word in (page.extract_text() or ""))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("start", "end"), [("NOTE_START", "NOTE_END"), ("QUOTE_START", "QUOTE_END")]
)
def test_a_note_or_pull_quote_breaks_across_pages_with_its_rules_on_both(
    broken_boxes: dict[str, Path], start: str, end: str
) -> None:
    fills = page_fills(broken_boxes["pdf"])
    with pdfplumber.open(broken_boxes["pdf"]) as pdf:
        first, last = page_of(pdf, start), page_of(pdf, end)
        assert last == first + 1, "the box moved whole to the next page, or is too short"
        assert fills[first].short <= HOLE
        for number in (first, last):
            # The note's rule is a border at its side, the pull quote's above and below.
            page = pdf.pages[number]
            drawn = page.rects + page.lines + page.edges
            assert drawn, f"no rule on page {number + 1}"


# --- a figure that does not fit --------------------------------------------------------


def figure_book(root: Path, before: int = 6, shrink: float = 1.0) -> Path:
    """A chapter of `before` paragraphs, a figure too tall for what is left of the page,
    and twelve paragraphs more."""
    make_small_book(root)
    if shrink != 1.0:
        toml = root / "book.toml"
        toml.write_text(toml.read_text() + f"\n[pdf]\nfigure_shrink = {shrink}\n")
    picture = root / "images" / "tall.png"
    picture.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (600, 500), (90, 120, 160)).save(picture)
    add_chapter(
        root,
        "figure.md",
        "A Figure That Does Not Fit",
        filler(1, before),
        "![A tall picture that cannot fit under the text.](images/tall.png)",
        filler(before + 1, 12),
    )
    return root


@pytest.fixture(scope="module")
def figure_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    root = figure_book(tmp_path_factory.mktemp("figure") / "book")
    return {
        "chapterwise": build(root, tmp_path_factory.mktemp("fig-a"), ["pdf", "screen"]).outputs,
        "release": build(
            root, tmp_path_factory.mktemp("fig-b"), ["pdf", "screen"], release=True
        ).outputs,
    }


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_text_fills_the_page_a_figure_did_not_fit_on(
    figure_builds: dict[str, dict[str, Path]], edition: str
) -> None:
    path = figure_builds["chapterwise"][edition]
    fills = page_fills(path, "print" if edition == "pdf" else "screen")
    with pdfplumber.open(path) as pdf:
        pictured = [n for n, page in enumerate(pdf.pages) if page.images]
        text = [page.extract_text() or "" for page in pdf.pages]
    assert len(pictured) == 1
    figure_page = pictured[0]
    # The page before the figure's is full, and the text after the figure in the
    # manuscript (paragraph 7) is on it: the figure moved on, the text did not wait.
    assert fills[figure_page - 1].short <= HOLE, fills[figure_page - 1]
    assert "Paragraph 7 " in text[figure_page - 1]
    assert "Paragraph 6 " in "".join(text[:figure_page])
    assert re.search(r"Paragraph 1[0-9] ", text[-1]) or fills[-1].ends_division


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_a_deferred_figure_is_the_same_in_the_release_layout(
    figure_builds: dict[str, dict[str, Path]], edition: str
) -> None:
    fast = shape(figure_builds["chapterwise"][edition])
    whole = shape(figure_builds["release"][edition])
    assert fast == whole


# --- the move itself --------------------------------------------------------------------


def test_a_deferred_figure_moves_past_the_paragraphs_after_it() -> None:
    html = (
        '<html><body><section><p>a</p><figure class="image"><img src="x.png"/></figure>\n'
        "<p>b</p>\n<p>c</p>\n<h2>d</h2></section></body></html>"
    )
    moved = deferred(html, [Deferral(figure=0, past=2)])
    assert re.sub(r"\s", "", moved) == re.sub(
        r"\s",
        "",
        '<html><body><section><p>a</p><p>b</p><p>c</p><figure class="image">'
        '<img src="x.png"/></figure><h2>d</h2></section></body></html>',
    )


def test_a_deferred_document_keeps_empty_elements_open_and_closed() -> None:
    """The document is read again by WeasyPrint's HTML parser, for which `<div/>` opens a
    div holding all that follows: a prompt's write-in lines fell into one another (in a
    chapter with a moved figure, and in the whole --release book), one rule instead of 3."""
    lines = '<div class="write-line"></div>' * 3
    html = (
        '<html><body><section><figure class="image"><img src="x.png"/></figure><p>b</p>'
        f'<div class="write-in">{lines}</div><p>c<span id="s"></span><br/></p></section>'
        "</body></html>"
    )
    moved = deferred(html, [Deferral(figure=0, past=1)])
    assert moved.count('<div class="write-line"></div>') == 3
    assert '<span id="s"></span>' in moved
    assert '<img src="x.png"/>' in moved and "<br/>" in moved  # void elements stay void


def image_heights(pdf_path: Path) -> list[tuple[int, float]]:
    with pdfplumber.open(pdf_path) as pdf:
        return [(n, i["height"]) for n, page in enumerate(pdf.pages) for i in page.images]


@pytest.mark.slow
def test_a_figure_the_author_lets_shrink_is_drawn_smaller_in_the_hole(tmp_path: Path) -> None:
    # Two paragraphs leave room for the figure at about 87% of its height.
    full = build(figure_book(tmp_path / "a", before=2), tmp_path / "a-out", ["pdf"])
    shrunk = build(figure_book(tmp_path / "b", before=2, shrink=0.8), tmp_path / "b-out", ["pdf"])
    stays = build(figure_book(tmp_path / "c", before=2, shrink=0.9), tmp_path / "c-out", ["pdf"])
    [(moved_to, height)] = image_heights(full.outputs["pdf"])
    [(page, smaller)] = image_heights(shrunk.outputs["pdf"])
    assert page == moved_to - 1  # on the page of the text before it
    assert 0.8 * height <= smaller < 0.95 * height
    with pdfplumber.open(shrunk.outputs["pdf"]) as pdf:
        assert "Paragraph 2 " in pdf.pages[page].extract_text()
    assert image_heights(stays.outputs["pdf"]) == [(moved_to, height)]  # 90% is too small


def test_figure_shrink_is_a_number_from_a_half_to_one(tmp_path: Path) -> None:
    root = figure_book(tmp_path / "book", shrink=1.0)
    toml = root / "book.toml"
    toml.write_text(toml.read_text() + "\n[pdf]\nfigure_shrink = 0.2\n")
    with pytest.raises(ManuscriptError) as caught:
        load_book(root)
    [problem] = caught.value.problems
    assert "figure_shrink" in problem.message and problem.line == len(toml.read_text().splitlines())


def laid_out(html: str):  # type: ignore[no-untyped-def]
    from weasyprint import HTML

    return HTML(string=html).render()


def test_a_figure_that_left_a_hole_is_found_and_moved_past_enough_text() -> None:
    words = "one<br/>two<br/>three"  # a paragraph of three 20px lines
    html = (
        "<html><head><style>@page { size: 300px 400px; margin: 20px; }"
        " html { font: 10px/20px sans-serif; } p { margin: 0; orphans: 2; widows: 2; }"
        " figure { margin: 0; break-inside: avoid; }</style></head><body><section>"
        + "".join(f"<p>{words}</p>" for _ in range(3))  # 180px of the page's 360px
        + '<figure class="image"><div style="height: 260px"></div></figure>'
        + "".join(f"<p>{words}</p>" for _ in range(4))
        + "</section></body></html>"
    )
    from makebook.pdf.figures import ROUNDS, deferrals, free_space, opening_figure
    from makebook.pdf.weasy import page_box

    # The body's 8px margin leaves a hole of 172px under the three paragraphs. One
    # paragraph (60px) follows the figure on its page; the next, on a later page, is
    # taken as long enough: the first round moves the figure past two.
    moves = deferrals(laid_out(html))
    assert moves == [Deferral(figure=0, past=2)]
    for _ in range(ROUNDS):
        html = deferred(html, moves)
        moves = deferrals(laid_out(html))
        if not moves:
            break
    assert moves == []
    pages = [page_box(page) for page in laid_out(html).pages]
    assert opening_figure(pages[1]) is None  # text opens the next page, then the figure
    hole, line = free_space(pages[0])
    assert line == 20 and hole < 3 * line  # three-line paragraphs, two lines kept together
    assert html.index("<figure") > html.index("</p>", html.index("<p>") + 1) > 0
