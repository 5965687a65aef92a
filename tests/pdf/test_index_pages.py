"""The index in built books: every locator of the print PDF is the page where its marked
words are (read back with pdfplumber), pages in a row collapse into ranges, the
chapter-by-chapter and --release layouts print the same index, the screen PDF's locators
link to the page they name, and the EPUB's index is valid and its locators resolve."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from lxml import etree
from tests.conftest import (
    SMALL_CHAPTERS,
    ace_violations,
    chapter_text,
    make_small_book,
    run_ace,
    run_epubcheck,
    set_chapters,
    write,
)

from makebook.build import build

FILLER = (
    "An ordinary sentence of the test chapter goes on for a while so that the pages fill "
    "up at a steady pace, and nothing in it is marked for the index at all. "
)
PARAGRAPHS = 60
# term -> the paragraphs of the long chapter that mark it, each with a word of its own
POINT_MARKS = {
    "gamma": [1, 4, 8, 12, 40],
    "delta!inner": [3, 30],
    "delta!outer": [50],
}
RANGE = (20, 34)  # a div marking "epsilon" over these paragraphs


def token(term: str, number: int) -> str:
    """A word that appears once in the book, at one mark (digits: never hyphenated)."""
    return f"zq{re.sub(r'[^a-z]', '', term)[:3]}{number:02d}"


def long_chapter() -> str:
    paragraphs = []
    for number in range(PARAGRAPHS):
        # Numbered sentences: each printed line is unlike the others, so the EPUB's
        # page-list finds where every page begins.
        words = "".join(
            " ".join(
                f"{word}{number}x{k}" if i % 3 == 0 else word
                for i, word in enumerate(FILLER.split())
            )
            + " "
            for k in range(3)
        )
        for term, where in POINT_MARKS.items():
            if number in where:
                words += f'[{token(term, number)}]{{.index term="{term}"}} '
        if number in RANGE:
            words += f"[{token('epsilon', number)}]{{.zq}} "

        if number == RANGE[0]:
            paragraphs.append('::: {.index term="epsilon"}')
        paragraphs.append(words.strip())
        if number == RANGE[1]:
            paragraphs.append(":::")
    return "\n\n".join(paragraphs) + "\n"


def make_indexed_book(root: Path) -> Path:
    book = make_small_book(root)
    write(book / "long.md", chapter_text("The Long Chapter", long_chapter()))
    write(book / "preface.md", chapter_text("Preface", 'A [zqfro01]{.index term="front"} word.\n'))
    set_chapters(book, [*SMALL_CHAPTERS, "long.md"])
    # A marked word broken across two pages would be on both: keep the test's words whole.
    write(book / "styles" / "extra.css", "span.index, .zq { hyphens: none; }\n")
    toml = (book / "book.toml").read_text(encoding="utf-8")
    toml = toml.replace("[contents]\n", '[contents]\nfront = ["preface.md"]\n')
    toml += '\n[index]\nsort = "letter"\n[index.see]\n"omega" = "gamma"\n'
    (book / "book.toml").write_text(toml, encoding="utf-8")
    return book


@pytest.fixture(scope="module")
def indexed_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    book = make_indexed_book(tmp_path_factory.mktemp("indexed") / "book")
    return {
        "chapterwise": build(book, tmp_path_factory.mktemp("chapterwise")).outputs,
        "release": build(
            book, tmp_path_factory.mktemp("release"), ["pdf", "screen"], release=True
        ).outputs,  # fmt: skip
    }


def page_texts(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as document:
        return [page.extract_text() or "" for page in document.pages]


def index_lines(pdf: Path) -> list[str]:
    """The printed index, column by column, one line each."""
    lines: list[str] = []
    with pdfplumber.open(pdf) as document:
        started = False
        for page in document.pages:
            text = page.extract_text() or ""
            started = started or text.startswith("Index")
            if not started:
                continue
            middle = page.width / 2
            for box in ((0, 0, middle, page.height), (middle, 0, page.width, page.height)):
                lines += (page.crop(box).extract_text() or "").splitlines()
    return lines


def collapsed(pages: list[int]) -> str:
    """The index's own rule, written independently: each page once, runs as ranges."""
    runs: list[list[int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in runs)


def test_every_print_locator_is_the_page_of_its_marked_words(indexed_builds) -> None:  # type: ignore[no-untyped-def]
    pdf = indexed_builds["chapterwise"]["pdf"]
    labels = pypdf.PdfReader(pdf).page_labels
    texts = page_texts(pdf)

    def page_of(word: str) -> str:
        [found] = [labels[n] for n, text in enumerate(texts) if word in text]
        return found

    lines = index_lines(pdf)
    expected = {
        "gamma": collapsed([int(page_of(token("gamma", n))) for n in POINT_MARKS["gamma"]]),
        "inner": collapsed([int(page_of(token("delta!inner", n))) for n in POINT_MARKS["delta!inner"]]),
        "outer": collapsed([int(page_of(token("delta!outer", n))) for n in POINT_MARKS["delta!outer"]]),
        "epsilon": "\u2013".join(page_of(token("epsilon", n)) for n in RANGE),
        "front": page_of("zqfro01"),
    }  # fmt: skip
    assert page_of("zqfro01") in ("v", "vi", "vii", "viii", "ix")  # front matter: roman
    for term, numbers in expected.items():
        assert f"{term}, {numbers}" in lines, (term, numbers, lines)
    # A range and a run of pages really occur in this book, so the collapsing is tested.
    assert "\u2013" in expected["epsilon"] and "\u2013" in expected["gamma"], expected
    assert "delta" in lines, lines
    assert any(re.fullmatch("omega. See ?gamma", line) for line in lines), lines  # see: no page
    assert lines.index("delta") + 1 == lines.index("inner, " + expected["inner"])


def test_release_layout_prints_the_same_index_on_the_same_pages(indexed_builds) -> None:  # type: ignore[no-untyped-def]
    for edition in ("pdf", "screen"):
        chapterwise = page_texts(indexed_builds["chapterwise"][edition])
        release = page_texts(indexed_builds["release"][edition])
        assert chapterwise == release, edition


def test_screen_locators_link_to_the_page_they_name(indexed_builds) -> None:  # type: ignore[no-untyped-def]
    pdf = indexed_builds["chapterwise"]["screen"]
    reader = pypdf.PdfReader(pdf)
    labels = reader.page_labels
    named = reader.named_destinations
    checked = 0
    with pdfplumber.open(pdf) as document:
        first = next(
            n for n, p in enumerate(document.pages) if (p.extract_text() or "").startswith("Index")
        )
        for number in range(first, len(reader.pages)):
            height = float(reader.pages[number].mediabox.height)
            for annotation in reader.pages[number].get("/Annots", []) or []:
                annotation = annotation.get_object()
                if annotation.get("/Subtype") != "/Link":
                    continue
                destination = annotation.get("/Dest") or annotation["/A"].get("/D")
                if destination is None:
                    continue
                if not isinstance(destination, pypdf.generic.ArrayObject):
                    destination = named[str(destination)]
                target = reader.get_destination_page_number(destination)
                xs, ys = (
                    [float(v) for v in annotation["/Rect"][::2]],
                    [float(v) for v in annotation["/Rect"][1::2]],
                )
                box = (min(xs), height - max(ys), max(xs), height - min(ys))
                shown = "".join(
                    c["text"] for c in document.pages[number].chars
                    if box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2]
                    and box[1] <= (c["top"] + c["bottom"]) / 2 <= box[3]
                )  # fmt: skip
                shown = shown.strip(" ,\u2013")
                if re.fullmatch(r"\d+|[ivxlc]+", shown):
                    assert labels[target] == shown, (shown, labels[target])
                    checked += 1
    assert checked >= 10, checked


def test_epub_index_is_valid_and_its_locators_resolve(indexed_builds, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    epub = indexed_builds["chapterwise"]["epub"]
    report = run_epubcheck(epub, tmp_path / "epubcheck.json")
    assert (report["checker"]["nError"], report["checker"]["nWarning"]) == (0, 0), report[
        "messages"
    ]
    assert ace_violations(run_ace(epub, tmp_path / "ace")) == []
    with zipfile.ZipFile(epub) as archive:
        files = {n: archive.read(n) for n in archive.namelist() if n.endswith(".xhtml")}
    ids = {
        (name.rsplit("/", 1)[-1], element.get("id"))
        for name, data in files.items()
        for element in etree.fromstring(data).iter()
        if isinstance(element.tag, str) and element.get("id")
    }
    index = etree.fromstring(
        next(d for n, d in files.items() if n.endswith("appendix-index.xhtml"))
    )
    ops = "{http://www.idpf.org/2007/ops}type"
    assert index.find(f".//*[@{ops}='index']") is not None
    locators = [
        a for a in index.iter("{http://www.w3.org/1999/xhtml}a") if a.get(ops) == "index-locator"
    ]
    assert len(locators) > 10
    for link in locators:
        file, _, anchor = link.get("href").partition("#")
        assert (file or "appendix-index.xhtml", anchor) in ids, link.get("href")
        assert re.fullmatch(r"\d+|[ivxlc]+", link.text), link.text  # print pages: a page-list
    # The EPUB's locators, read from its page-list, are the print edition's.
    printed = index_lines(indexed_builds["chapterwise"]["pdf"])
    compared = 0
    for entry in index.iter("{http://www.w3.org/1999/xhtml}li"):
        if (
            entry.find(".//{*}ul") is None
            and entry.find("{*}span[@class='index-locators']") is not None
        ):
            assert " ".join("".join(entry.itertext()).split()) in printed, printed
            compared += 1
    assert compared >= 8, compared


def test_the_demo_index_points_at_its_marked_words(demo_build) -> None:  # type: ignore[no-untyped-def]
    """The demo's marks: the page a locator prints holds the marked words."""
    pdf = demo_build["pdf"]
    labels = pypdf.PdfReader(pdf).page_labels
    texts = [" ".join(t.replace("-\n", "").split()) for t in page_texts(pdf)]
    lines = index_lines(pdf)
    for term, words in (("Strange Situation", "Strange Situation"), ("mirroring", "first mirror"),
                        ("connect and redirect", "connect and redirect")):  # fmt: skip
        [line] = [line for line in lines if line.startswith(term + ", ")]
        number = line.rsplit(", ", 1)[1]
        assert words in texts[labels.index(number)], (term, number)
