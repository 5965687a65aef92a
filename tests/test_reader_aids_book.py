"""The demo book's reader's aids in all three editions: write-in lines under the prompts
in print only, content notes everywhere, further reading linked (EPUB) and paged (print).
EPUBCheck and Ace check the same EPUB in tests/epub/test_validators.py."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
from lxml import etree

from conftest import ace_violations, cli_build, copy_book, edit, run_ace, run_epubcheck

XHTML = {"x": "http://www.w3.org/1999/xhtml"}
MARGIN = 0.75 * 72  # running heads and folios sit outside this band


def page_texts(path: Path) -> list[tuple[str, str]]:
    """Each page's (folio, body text)."""
    result = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            words = page.extract_words()
            foot = [w["text"] for w in words if w["top"] > page.height - MARGIN]
            body = [w["text"] for w in words if MARGIN <= w["top"] <= page.height - MARGIN]
            result.append((" ".join(foot), " ".join(body)))
    return result


def rules_on(path: Path, index: int) -> int:
    """Bottom rules wider than 100pt on a page (0-based), the write-in lines. WeasyPrint
    draws a bottom border as the ring between two rectangles: the same left, right and
    top, bottoms apart by the border's width."""
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[index]
        boxes: dict[tuple[int, int, int], list[float]] = {}
        for rect in page.rects:
            if rect["width"] > 100:
                key = (round(rect["x0"]), round(rect["x1"]), round(rect["top"] * 4))
                boxes.setdefault(key, []).append(rect["bottom"])
        ruled = sum(1 for b in boxes.values() if 0.2 < max(b) - min(b) < 2)
        return ruled + sum(1 for line in page.lines if line["width"] > 100)


def pages_with(path: Path, text: str) -> list[int]:
    """The pages whose text holds `text`, in any case (the headings are set in capitals)."""
    return [i for i, (_, body) in enumerate(page_texts(path)) if text.upper() in body.upper()]


def after_heading(body: str) -> str:
    return body[body.upper().index("QUESTIONS TO SIT WITH") :]


def test_prompts_have_write_in_lines_in_print_only(demo_build):
    print_pages = pages_with(demo_build["pdf"], "Questions to sit with")
    screen_pages = pages_with(demo_build["screen"], "Questions to sit with")
    assert len(print_pages) == len(screen_pages) == 2  # two essays have prompts
    # What the Face Says: 3 questions x 4 lines ([pdf] default); The Second Try: 3 x 3.
    expected = [12, 9]
    for index, lines in zip(print_pages, expected, strict=True):
        # A block may run on to the next page, each question kept with its lines.
        assert rules_on(demo_build["pdf"], index) + rules_on(demo_build["pdf"], index + 1) >= lines
    for index in screen_pages:
        assert rules_on(demo_build["screen"], index) <= 2  # the block's own top rule, if any
    texts = page_texts(demo_build["screen"])
    for index in screen_pages:
        assert re.search(r"\b1\. .+\b2\. .+\b3\. ", after_heading(texts[index][1]))


def test_a_question_is_never_parted_from_its_lines(demo_build):
    """Each question's page also holds all its rules: the rules on a prompts page come in
    whole groups of the block's line count, never a question alone at a page's foot."""
    texts = page_texts(demo_build["pdf"])
    for index in pages_with(demo_build["pdf"], "Questions to sit with"):
        body = texts[index][1]
        questions = len(re.findall(r"(?:^|\s)\d\. ", after_heading(body)))
        lines = 4 if "face" in body else 3
        assert rules_on(demo_build["pdf"], index) >= questions * lines


def test_content_note_opens_its_chapter_in_every_edition(demo_build):
    note = "Content note: Discusses childhood emotional neglect"
    for edition in ("pdf", "screen"):
        texts = page_texts(demo_build[edition])
        (index,) = [i for i, (_, body) in enumerate(texts) if note in body]
        body = texts[index][1]
        assert body.index(note) < body.index("Give Sorrow Words"), "before the title"
        listed = [i for i, (_, b) in enumerate(texts) if b.startswith("Content Notes")]
        assert listed and listed[0] < index, "a Content Notes page in the front matter"
        assert "Give Sorrow Words" in texts[listed[0]][1]
    with zipfile.ZipFile(demo_build["epub"]) as epub:
        chapter = etree.fromstring(epub.read("EPUB/text/give-sorrow-words.xhtml"))
        (div,) = chapter.xpath("//x:div[@class='content-note']", namespaces=XHTML)
        assert div.get("role") == "doc-notice"
        section = div.getparent()
        assert section.get("id") == "give-sorrow-words"
        header = section.find("x:header", XHTML)
        assert section.index(div) < section.index(header)
        notes_page = etree.fromstring(epub.read("EPUB/text/content-notes.xhtml"))
        (link,) = notes_page.xpath("//x:ul[@class='content-notes-list']//x:a", namespaces=XHTML)
        assert link.get("href") == "give-sorrow-words.xhtml#give-sorrow-words"
        assert b"content-notes.xhtml" in epub.read("EPUB/nav.xhtml")
        others = [
            n
            for n in epub.namelist()
            if n.endswith(".xhtml") and b'class="content-note"' in epub.read(n)
        ]
        assert others == ["EPUB/text/give-sorrow-words.xhtml"]


def test_further_reading_links_resolve_in_the_epub(demo_build):
    with zipfile.ZipFile(demo_build["epub"]) as epub:
        found = 0
        for chapter in ("the-second-try", "a-door-with-two-handles"):
            tree = etree.fromstring(epub.read(f"EPUB/text/{chapter}.xhtml"))
            links = tree.xpath("//x:section[@class='further-reading']//x:a", namespaces=XHTML)
            assert len(links) == 3
            for link in links:
                file, _, anchor = link.get("href").partition("#")
                target = etree.fromstring(epub.read(f"EPUB/text/{file}"))
                (entry,) = target.xpath(f"//*[@id='{anchor}']")
                assert entry.get("class").startswith("work")
                found += 1
    assert found == 6


def test_further_reading_prints_the_page_of_the_reading_entry(demo_build):
    texts = page_texts(demo_build["pdf"])
    whole = " ".join(body for _, body in texts)
    match = re.search(r"The Power of Discord \(see page (\d+)\)", whole)
    assert match, "the print edition gives the entry's page"
    start = next(i for i, (_, body) in enumerate(texts) if body.startswith("Suggested Reading"))
    end = next(i for i, (_, body) in enumerate(texts) if body.startswith("Suggested Films"))
    (entry_page,) = [  # Works Cited, after the films, lists the book too
        folio for folio, body in texts[start:end] if "The Power of Discord: Why the Ups" in body
    ]
    assert entry_page == match.group(1)
    screen = " ".join(body for _, body in page_texts(demo_build["screen"]))
    assert "The Power of Discord" in screen and "Discord (see page" not in screen


def test_every_form_of_the_aids_gives_a_valid_epub(small_book, tmp_path):
    """Prompts as paragraphs, titled, without lines and inside a note; content notes on
    an essay and a concept; further reading of a book and a film: EPUBCheck and Ace
    stay clean, and the Content Notes page lists both chapters in reading order."""
    book = copy_book(small_book, tmp_path / "book")
    edit(
        book / "one.md",
        "subtitle: Where it starts\n",
        "subtitle: Where it starts\ncontent_note: Mentions *grief*.\n"
        "further_reading: [siegel1999, room2015]\n",
    )
    with open(book / "one.md", "a", encoding="utf-8") as one:
        one.write(
            '\n::: {.prompts title="Before you go on" lines=0}\nWho?\n\nWhy?\n:::\n\n'
            "::: note\n::: {.prompts lines=2}\n- Inside a note?\n:::\n:::\n"
        )
    edit(book / "idea.md", "kind: concept\n", "kind: concept\ncontent_note: Names a loss.\n")
    result = cli_build(book, tmp_path / "out", "epub")
    assert result.exit_code == 0, result.output
    (epub,) = (tmp_path / "out").glob("*.epub")
    with zipfile.ZipFile(epub) as opened:
        page = etree.fromstring(opened.read("EPUB/text/content-notes.xhtml"))
        listed = page.xpath("//x:ul[@class='content-notes-list']/x:li", namespaces=XHTML)
        assert ["".join(li.itertext()) for li in listed] == [
            "The First Essay: Mentions grief.",
            "The Idea: Names a loss.",
        ]
        one = etree.fromstring(opened.read("EPUB/text/one.xhtml"))
        prompts = one.xpath("//x:section[@class='prompts']", namespaces=XHTML)
        assert len(prompts) == 2
        assert len(one.xpath("//x:div[@class='write-in']", namespaces=XHTML)) == 1
    report = run_epubcheck(epub, tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nError"] + report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages
    assert ace_violations(run_ace(epub, tmp_path / "ace")) == []
