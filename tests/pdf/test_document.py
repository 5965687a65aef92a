"""The PDF edition, read back page by page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pdfplumber
import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import DEMO_TOP_LEVEL, copy_book
from makebook.pdf.document import add_drop_cap
from makebook.render.book import part_label_and_name

ROMAN = re.compile(r"^[ivxlc]+$")


@dataclass
class PageText:
    index: int  # 1-based physical page
    head: str
    folio: str
    body: str
    big: list[str]  # lines set larger than body text: titles


@cache
def read_pages(path: Path) -> tuple[PageText, ...]:
    pages = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            words = page.extract_words(extra_attrs=["size"])
            head = [w for w in words if w["top"] < 0.75 * 72]
            foot = [w for w in words if w["top"] > page.height - 0.75 * 72]
            middle = [w for w in words if w not in head and w not in foot]
            big_lines: dict[int, list[str]] = {}
            for w in middle:
                if w["size"] >= 16:
                    big_lines.setdefault(round(w["top"]), []).append(w["text"])
            pages.append(
                PageText(
                    index=number,
                    head=" ".join(w["text"] for w in head),
                    folio=" ".join(w["text"] for w in foot),
                    body=" ".join(w["text"] for w in middle),
                    big=[" ".join(v) for _, v in sorted(big_lines.items())],
                )
            )
    return tuple(pages)


def toc_entries(pages: tuple[PageText, ...]) -> list[tuple[str, str]]:
    toc = next(p for p in pages if p.big and p.big[0] == "Contents")
    body = toc.body.removeprefix("Contents").strip()
    entries = re.findall(r"(.+?)\s*(?:\.\s*)+\s([ivxlc]+|\d+)(?=\s|$)", body)
    return [(title.strip(), number) for title, number in entries]


def opener(pages: tuple[PageText, ...], title: str) -> PageText:
    """The page where a title is set large, as a chapter or part opening (a part's
    name is set large, its label "Part One" small above it)."""
    words = part_label_and_name(title)[1].split()
    for page in pages:
        joined = " ".join(page.big)
        if joined.startswith(" ".join(words[:3])):
            return page
    raise AssertionError(f"no page opens with {title!r}")


def test_page_size_is_the_configured_trim(demo_build):
    reader = PdfReader(demo_build["pdf"])
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (396, 612)  # 5.5 x 8.5 in


def test_toc_page_numbers_are_the_real_pages(demo_build):
    pages = read_pages(demo_build["pdf"])
    entries = toc_entries(pages)
    titles = [t for t, _ in entries]
    assert "Preface" in titles and "Works Cited" in titles and "Attunement" in titles
    assert len(entries) >= 18
    for title, number in entries:
        page = opener(pages, title)
        if title.startswith("Part "):
            # Part openers carry no folio; count from the chapter after them.
            following = pages[page.index]  # the next physical page
            assert following.folio == "" or int(following.folio) == int(number) + 1
            continue
        assert page.folio == number, f"{title}: TOC says {number}, page shows {page.folio!r}"


def test_folios_are_roman_then_arabic_from_one(demo_build):
    pages = read_pages(demo_build["pdf"])
    folios = [p.folio for p in pages if p.folio]
    romans = [f for f in folios if ROMAN.match(f)]
    arabic = [int(f) for f in folios if f.isdigit()]
    assert romans and arabic
    assert folios[: len(romans)] == romans, "roman folios come first"
    first_body = next(p for p in pages if p.folio.isdigit())
    # The first arabic folio counts from the first body page (a folio-less part opener).
    assert int(first_body.folio) in (1, 2, 3)
    assert arabic == sorted(arabic)
    for page in pages:
        if page.folio.isdigit():
            # The physical page and the folio agree on recto (odd) and verso (even).
            assert (
                int(page.folio) % 2 == (page.index - first_body.index + int(first_body.folio)) % 2
            )


def test_chapters_open_on_right_hand_pages_without_running_heads(demo_build):
    pages = read_pages(demo_build["pdf"])
    for title in ("What the Face Says", "The Kitchen Table", "Attunement", "Suggested Reading"):
        page = opener(pages, title)
        assert page.index % 2 == 1, f"{title} opens on a verso"
        assert page.head == "", f"{title} opener has a running head"


def test_running_heads_book_title_left_chapter_title_right(demo_build):
    pages = read_pages(demo_build["pdf"])
    start = opener(pages, "What the Face Says")
    following = pages[start.index : start.index + 2]  # the next two pages
    verso, recto = sorted(following, key=lambda p: p.index % 2)
    assert verso.head == "The Listening Year"
    assert recto.head == "What the Face Says"
    heads = {p.head for p in pages}
    assert "Works Cited" in heads and "Co-regulation" in heads


def test_all_fonts_are_embedded_and_none_is_a_fallback(demo_build):
    reader = PdfReader(demo_build["pdf"])
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            descendants = font.get("/DescendantFonts")
            descriptor = (
                descendants[0].get_object()["/FontDescriptor"]
                if descendants
                else font["/FontDescriptor"]
            ).get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    assert names
    assert all("Source" in name for name in names), names


def test_bookmarks_follow_parts_chapters_and_appendices(demo_build):
    reader = PdfReader(demo_build["pdf"])

    def walk(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from walk(item, depth + 1)
            else:
                yield depth, item.title, reader.get_destination_page_number(item)

    outline = list(walk(reader.outline))
    top = [title for depth, title, _ in outline if depth == 0]
    assert top == ["Contents", *DEMO_TOP_LEVEL]
    nested = [title for depth, title, _ in outline if depth == 1]
    assert "What the Face Says" in nested and "Emotional Neglect" in nested
    pages = read_pages(demo_build["pdf"])
    for _, title, index in outline:
        assert opener(pages, title).index == index + 1, title


def test_text_and_footnotes_are_present(demo_build):
    pages = read_pages(demo_build["pdf"])
    text = " ".join(p.body for p in pages)
    assert "The Listening Year" in text
    assert "Discussed in" in text
    assert "Directed by" in text
    # Footnote text sits in the page body area (at its foot), not at the chapter end.
    opener_page = opener(pages, "What the Face Says")
    following = pages[opener_page.index - 1 : opener_page.index + 3]
    assert any(re.search(r"\b1\.\s", p.body) for p in following)


def test_document_metadata(demo_build):
    info = PdfReader(demo_build["pdf"]).metadata
    assert info.title == "The Listening Year"
    assert info.author == "Maren Ellis"


@pytest.mark.parametrize("trim,size", [("6x9in", (432, 648)), ("A5", (420, 595))])
def test_trim_size_is_configurable(small_book, tmp_path, trim, size):

    from makebook.build import build

    book = copy_book(small_book, tmp_path / "book")
    toml = (book / "book.toml").read_text() + f'\n[pdf]\ntrim = "{trim}"\n'
    (book / "book.toml").write_text(toml)
    pdf = build(book, tmp_path / "out", ["pdf"]).outputs["pdf"]
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


# --- print and screen editions --------------------------------------------------------


def struct_counts(path: Path) -> tuple[dict[str, int], list[str]]:
    """Structure element types in the tagged PDF, and the Alt text of its figures."""
    root = PdfReader(path).trailer["/Root"]
    counts: dict[str, int] = {}
    alts: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        kind = node.get("/S")
        if kind:
            counts[str(kind)] = counts.get(str(kind), 0) + 1
            if kind == "/Figure":
                alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                walk(kid)

    walk(root["/StructTreeRoot"])
    return counts, alts


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_both_editions_are_tagged_with_headings_paragraphs_and_figures(demo_build, edition):
    path = demo_build[edition]
    counts, alts = struct_counts(path)
    for kind in ("/Document", "/H1", "/H2", "/P", "/L", "/LI", "/BlockQuote", "/Link", "/Figure"):
        assert counts.get(kind, 0) > 0, kind
    assert counts["/H1"] >= 18
    assert alts and alts[0].startswith("A circular diagram")
    root = PdfReader(path).trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert PdfReader(path).metadata.title == "The Listening Year"


def test_print_edition_is_pdf_x4_with_a_cmyk_output_intent(demo_build):
    reader = PdfReader(demo_build["pdf"])
    intents = reader.trailer["/Root"]["/OutputIntents"]
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert "/DestOutputProfile" in intent
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"PDF/X-4" in xmp


def test_screen_edition_is_pdf_ua(demo_build):
    reader = PdfReader(demo_build["screen"])
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfuaid" in xmp
    assert bool(reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"])


def test_screen_edition_has_no_blank_pages_and_all_fonts_embedded(demo_build):
    pages = read_pages(demo_build["screen"])
    assert all(p.body or p.big for p in pages), "a blank page in the screen edition"
    assert len(pages) < len(read_pages(demo_build["pdf"]))
    reader = PdfReader(demo_build["screen"])
    for page in reader.pages:
        for ref in page.get("/Resources", {}).get("/Font", {}).values():
            assert "Source" in str(ref.get_object()["/BaseFont"])


def test_screen_edition_links_are_coloured_print_links_are_not(demo_build):
    def link_colours(path: Path) -> set[tuple]:
        with pdfplumber.open(path) as pdf:
            return {
                tuple(round(c, 2) for c in (ch["non_stroking_color"] or ()))
                for page in pdf.pages[10:30]
                for ch in page.chars
                if 0.75 * 72 < ch["top"] < page.height - 0.75 * 72
            }

    def blue(colours: set[tuple]) -> bool:
        return any(len(c) == 3 and c[2] > c[0] + 0.2 for c in colours)

    assert blue(link_colours(demo_build["screen"]))
    assert not blue(link_colours(demo_build["pdf"]))


def test_print_cross_references_name_the_page(demo_build):
    pages = read_pages(demo_build["pdf"])
    text = " ".join(p.body for p in pages)
    match = re.search(r"Attunement \(see page (\d+)\)", text)
    assert match, "a glossary or related-concept link prints its page"
    assert opener(pages, "Attunement").folio == match.group(1)


def test_no_body_line_runs_past_the_text_block(demo_build):
    """Mirrored margins: 0.75 in inside (the gutter), 0.68 in outside, in points."""
    with pdfplumber.open(demo_build["pdf"]) as pdf:
        for index, page in enumerate(pdf.pages, 1):
            recto = index % 2 == 1
            left = (0.75 if recto else 0.68) * 72
            right = page.width - (0.68 if recto else 0.75) * 72
            for char in page.chars:
                if not char["text"].strip():
                    continue  # a space at a line's end leaves no ink
                assert char["x0"] >= left - 1.5, (index, char["text"], char["x0"])
                assert char["x1"] <= right + 1.5, (index, char["text"], char["x1"])


def test_gutter_grows_with_the_page_count(small_book, tmp_path, monkeypatch):
    import makebook.pdf.document as pdf_module
    from makebook.build import build

    # Pretend a print service wants a 1.2 in inside margin for a book this short.
    monkeypatch.setattr(pdf_module, "GUTTERS", ((10**9, 1.2),))
    path = build(small_book, tmp_path, ["pdf"]).outputs["pdf"]
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages, 1):
            if page.chars and index % 2 == 1:
                body = [c for c in page.chars if c["size"] < 12]
                assert not body or min(c["x0"] for c in body) >= 1.2 * 72 - 1
        assert any(c["x0"] < 1.0 * 72 for p in pdf.pages[1::2] for c in p.chars if c["size"] < 12)


def test_required_gutter_follows_the_print_service_table():
    from makebook.pdf.document import required_gutter

    assert required_gutter(100) == 0.375
    assert required_gutter(151) == 0.5
    assert required_gutter(480) == 0.625
    assert required_gutter(800) == 0.875


def test_bleed_and_trim_boxes(small_book, tmp_path):

    from makebook.build import build

    book = copy_book(small_book, tmp_path / "book")
    toml = book / "book.toml"
    toml.write_text(toml.read_text() + '\n[pdf]\ntrim = "6x9in"\nbleed = "0.125in"\n')
    page = PdfReader(build(book, tmp_path / "out", ["pdf"]).outputs["pdf"]).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (450, 666)
    assert (round(float(page.trimbox.width)), round(float(page.trimbox.height))) == (432, 648)


def test_drop_cap_keeps_the_first_word_whole(demo_build):
    pages = read_pages(demo_build["pdf"])
    start = opener(pages, "What the Face Says")
    with pdfplumber.open(demo_build["pdf"]) as pdf:
        chars = pdf.pages[start.index - 1].chars
    big = [c for c in chars if c["size"] > 30]
    assert [c["text"] for c in big] == ["T"]
    assert "here is a photograph" in start.body


@pytest.mark.parametrize(
    ("opening", "letter", "lead", "rest"),
    [
        ("It was a Tuesday in March.", "I", "t was", " a Tuesday in March."),
        ("\u2018Yes,\u2019 she said, twice.", "\u2018Y", "es,\u2019 she", " said, twice."),
        ("A", "A", None, ""),
    ],
)
def test_a_drop_cap_is_followed_by_a_small_capitals_lead_in(opening, letter, lead, rest):
    section = etree.fromstring(
        '<section class="chapter kind-essay"><div class="chapter-body">'
        f"<p>{opening}<em>more</em></p></div></section>"
    )
    add_drop_cap(section)
    paragraph = section.find("div/p")
    assert paragraph.get("class") == "has-dropcap"
    cap = paragraph[0]
    assert (cap.get("class"), cap.text) == ("dropcap", letter)
    if lead is None:
        assert cap.tail == rest and paragraph[1].tag == "em"
    else:
        assert (paragraph[1].get("class"), paragraph[1].text, paragraph[1].tail) == (
            "lead-in",
            lead,
            rest,
        )
    assert "".join(paragraph.itertext()) == opening + "more"


def test_a_font_reached_through_a_symlinked_folder_is_served(tmp_path, monkeypatch):
    """The font folders may lie behind a symlink (a linked virtual environment): the
    fetcher resolves the font it finds as it resolves its roots, and serves it."""
    from makebook.pdf import document

    real = tmp_path / "real" / "fonts"
    real.mkdir(parents=True)
    (real / "Face.ttf").write_bytes(b"font bytes")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    styles = tmp_path / "book" / "styles"
    styles.mkdir(parents=True)
    monkeypatch.setattr(
        document, "find_font", lambda _dir, _url: tmp_path / "linked/fonts/Face.ttf"
    )
    fetcher = document.BookFetcher([tmp_path / "book", tmp_path / "linked" / "fonts"], styles)
    response = fetcher.fetch((styles / "fonts" / "Face.ttf").as_uri())
    assert response.url.endswith("/real/fonts/Face.ttf")
