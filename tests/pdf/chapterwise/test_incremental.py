"""Chapter-by-chapter layout gives the same book as a whole-book layout, after any edit.

The default build lays each division out on its own and joins the pieces
(layout.py, pdfjoin.py); `--release` lays the whole book out as one document.
Both must be the same book: pages, text, folios, outline, links, destinations
and a sound structure tree. An incremental build after each kind of edit must
equal a clean build of the edited manuscript, and lay out only what changed.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from conftest import DEMO, STYLES, copy_book, edit
from makebook.build import build
from pdfshape import shape


def assert_same_pdf(fast: Path, reference: Path) -> None:
    a, b = shape(fast), shape(reference)
    for item in fields(a):
        left, right = getattr(a, item.name), getattr(b, item.name)
        if item.name == "text":
            differ = [i + 1 for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y]
            assert not differ, f"text differs on pages {differ[:10]}"
        assert left == right, f"{item.name} differs between {fast.name} builds"


@pytest.fixture(scope="module")
def release_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("release")
    return build(DEMO, out, ["epub", "pdf", "screen"], release=True).outputs


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_chapter_by_chapter_layout_is_the_same_book_as_a_release_build(
    demo_build, release_build, edition
):
    assert_same_pdf(demo_build[edition], release_build[edition])


def test_the_epub_page_list_is_the_same_from_either_layout(demo_build, release_build):
    assert demo_build["epub"].read_bytes() == release_build["epub"].read_bytes()


def test_the_joined_pdf_keeps_one_structure_tree_and_the_standard_entries(demo_build):
    facts = shape(demo_build["pdf"])
    assert {"/StructTreeRoot", "/MarkInfo", "/Lang", "/OutputIntents", "/Metadata"} <= facts.catalog
    assert facts.tags["/Document"] == 1
    assert facts.tags["/H1"] >= 15 and facts.tags["/Link"] > 100 and facts.tags["/Figure"] >= 1
    assert all(trim == facts.boxes[0][1] for _, trim in facts.boxes)
    screen = shape(demo_build["screen"])
    assert "/ViewerPreferences" in screen.catalog and screen.tags["/Document"] == 1


def test_colour_profiles_are_embedded_once(demo_build):
    import pikepdf

    with pikepdf.open(demo_build["pdf"]) as pdf:
        profiles = {
            obj.objgen
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and "/N" in obj and "/First" not in obj
        }
    assert len(profiles) == 1


def demo_copy(root: Path) -> Path:
    book = root / "book"
    shutil.copytree(DEMO, book)
    shutil.copytree(STYLES, book / "styles")
    return book


def edit_paragraph(book: Path) -> None:
    chapter = book / "chapters" / "give-sorrow-words.md"
    text = chapter.read_text(encoding="utf-8")
    paragraph = next(p for p in text.split("\n\n") if p[:1].isalpha() and len(p) > 200)
    edit(chapter, paragraph, paragraph.replace(" the ", " the very ", 1))


def grow_chapter(book: Path) -> None:
    """Two more pages in a chapter of Part One: every later folio moves."""
    chapter = book / "chapters" / "the-second-try.md"
    sentence = "We sat there a long time, and nobody said what everybody knew. "
    added = "\n\n".join([sentence * 9] * 9)
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n" + added + "\n", encoding="utf-8")


def edit_stylesheet(book: Path) -> None:
    css = book / "styles" / "pdf.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nblockquote p { font-style: italic; }\n")


def edit_setting(book: Path) -> None:
    edit(book / "book.toml", "drop_caps = true", "drop_caps = false")


def edit_bibliography(book: Path) -> None:
    edit(book / "bibliography" / "books.yaml", "Guilford Press", "The Guilford Press")


EDITS = {
    "paragraph": edit_paragraph,
    "growth": grow_chapter,
    "stylesheet": edit_stylesheet,
    "setting": edit_setting,
    "bibliography": edit_bibliography,
}


def laid_out(messages: list[str]) -> int:
    """How many divisions the build laid out, from its progress messages."""
    return sum(
        int(m.group(1)) for m in (re.match(r"Laying out (\d+) of", msg) for msg in messages) if m
    )


def record(messages: list[str]):  # type: ignore[no-untyped-def]
    return lambda message, *_: messages.append(message)


def test_an_incremental_build_equals_a_clean_build_after_each_kind_of_edit(tmp_path):
    book = demo_copy(tmp_path)
    out = tmp_path / "incremental"
    build(book, out, ["epub", "pdf"])
    for name, change in EDITS.items():
        change(book)
        messages: list[str] = []
        result = build(book, out, ["epub", "pdf"], progress=record(messages))
        clean = build(book, tmp_path / f"clean-{name}", ["epub", "pdf"]).outputs
        assert result.outputs["epub"].read_bytes() == clean["epub"].read_bytes(), name
        assert_same_pdf(result.outputs["pdf"], clean["pdf"])
        if name == "paragraph":
            assert laid_out(messages) == 1, "a one-paragraph edit lays out one chapter"
        if name == "growth":
            assert 1 < laid_out(messages) < 40


def test_a_corrupt_cache_is_built_again_not_trusted(tmp_path):
    book = demo_copy(tmp_path)
    out = tmp_path / "out"
    build(book, out, ["epub", "pdf"])
    layouts = out / ".makebook-cache" / "layout"
    pieces = sorted(layouts.glob("*.pdf"))
    pieces[0].write_bytes(pieces[0].read_bytes()[:1000])  # truncated
    records = sorted(layouts.glob("*.json"))
    records = [r for r in records if not r.name.startswith("state-")]
    records[1].write_text("{not json", encoding="utf-8")
    for state in layouts.glob("state-*.json"):
        state.write_text('{"inside": "bogus", "groups": {"preface": {"pages": "x"}}}')
    pages = sorted((out / ".makebook-cache" / "pages").glob("*.json"))
    pages[0].write_text("[]", encoding="utf-8")
    pages[1].write_bytes(b"\xff\xfe")
    for cover in (out / ".makebook-cache" / "pages").glob("cover-*.png"):
        cover.write_bytes(b"not a picture")
    edit_paragraph(book)
    result = build(book, out, ["epub", "pdf"])
    clean = build(book, tmp_path / "clean", ["epub", "pdf"]).outputs
    assert_same_pdf(result.outputs["pdf"], clean["pdf"])
    assert result.outputs["epub"].read_bytes() == clean["epub"].read_bytes()


def test_a_change_lays_out_again_only_what_it_affects(tmp_path):
    """epub.css is not read by the PDF; an image is read by the chapter that shows it."""
    book = demo_copy(tmp_path)
    out = tmp_path / "out"
    build(book, out, ["pdf"])

    css = book / "styles" / "epub.css"
    css.write_text(css.read_text(encoding="utf-8") + "\np { text-indent: 2em; }\n")
    messages: list[str] = []
    build(book, out, ["pdf"], progress=record(messages))
    assert laid_out(messages) == 0

    image = book / "images" / "circle-of-repair.svg"
    image.write_text(image.read_text(encoding="utf-8").replace("Rupture<", "Break<"))
    messages = []
    build(book, out, ["pdf"], progress=record(messages))
    assert laid_out(messages) == 1


def test_a_layout_that_does_not_settle_falls_back_to_the_whole_book(
    small_book, tmp_path, monkeypatch
):
    import makebook.pdf.chapterwise.layout

    monkeypatch.setattr(
        makebook.pdf.chapterwise.layout, "MAX_ROUNDS", 0
    )  # as if the numbers never settled
    result = build(small_book, tmp_path / "out", ["pdf"])
    assert any("laid out as one document" in w.message for w in result.warnings)
    release = build(small_book, tmp_path / "release", ["pdf"], release=True)
    assert_same_pdf(result.outputs["pdf"], release.outputs["pdf"])


def test_bleed_crop_marks_a_letter_screen_edition_and_drop_caps_join_the_same(small_book, tmp_path):
    """The page settings that change every page (and the blank versos) agree in both paths."""
    book = copy_book(small_book, tmp_path / "book")
    toml = book / "book.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + '\n[pdf]\nbleed = "0.125in"\nmarks = true\nscreen_size = "letter"\ndrop_caps = true\n',
        encoding="utf-8",
    )
    fast = build(book, tmp_path / "fast", ["pdf", "screen"]).outputs
    release = build(book, tmp_path / "release", ["pdf", "screen"], release=True).outputs
    for edition in ("pdf", "screen"):
        assert_same_pdf(fast[edition], release[edition])
    media, trim = shape(fast["pdf"]).boxes[1]
    assert media[2] - media[0] == trim[2] - trim[0] + 18  # 0.125 in of bleed each side


def log_layouts(monkeypatch: pytest.MonkeyPatch, log: Path) -> Callable[[], list[str]]:
    """Record the id of every division laid out, in any worker; returns a reader."""
    import makebook.pdf.chapterwise.layout

    real = makebook.pdf.chapterwise.layout.render_html

    def render(context, html, *args, **kwargs):  # type: ignore[no-untyped-def]
        with log.open("a", encoding="utf-8") as record:  # from whichever worker process
            division = re.search(r'<(?:section|nav)[^>]* id="([^"]+)"', html)
            record.write((division[1] if division else "blank-verso") + "\n")
        return real(context, html, *args, **kwargs)

    monkeypatch.setattr(makebook.pdf.chapterwise.layout, "render_html", render)
    return lambda: [n for n in log.read_text(encoding="utf-8").split() if n != "blank-verso"]


def laid_twice(laid: list[str]) -> list[str]:
    return sorted(name for name in set(laid) if laid.count(name) > 1)


@pytest.mark.parametrize("edition", ["pdf", "screen"])
def test_a_cold_build_lays_each_division_out_once_unless_it_prints_a_later_page(
    small_book, tmp_path, monkeypatch, edition
):
    """Folios are settled while the divisions are laid out side by side (placement.py):
    no division is laid out twice to learn where it starts. The contents (in the front
    matter) print the pages of everything after them: they are measured first and laid
    out once every other division is. In the screen edition a division that starts on
    the other side than guessed has its pages turned, not laid out again (its pages
    are the same on either side but for the running heads)."""
    laid = log_layouts(monkeypatch, tmp_path / "layouts.txt")
    result = build(small_book, tmp_path / "out", [edition])
    assert laid_twice(laid()) == ["halftitle"] and len(laid()) == len(set(laid())) + 1
    release = build(small_book, tmp_path / "release", [edition], release=True)
    assert_same_pdf(result.outputs[edition], release.outputs[edition])


def test_pages_that_differ_by_side_are_laid_out_again_not_turned(small_book, tmp_path, monkeypatch):
    """A screen edition with wider left-hand margins: a division that starts on the
    other side than guessed is laid out again, and the book equals a release build."""
    book = copy_book(small_book, tmp_path / "book")
    screen = book / "styles" / "screen.css"
    screen.write_text(
        screen.read_text(encoding="utf-8") + "\n@page :left { margin-left: 1.4in; }\n",
        encoding="utf-8",
    )
    laid = log_layouts(monkeypatch, tmp_path / "layouts.txt")
    fast = build(book, tmp_path / "fast", ["screen"]).outputs["screen"]
    assert len(laid_twice(laid())) > 1  # the contents, and a division turned the wrong way
    release = build(book, tmp_path / "release", ["screen"], release=True).outputs["screen"]
    assert_same_pdf(fast, release)


def test_a_division_that_fails_stops_the_divisions_waiting_for_it(small_book, monkeypatch):
    """The divisions after a failed one wait for its page count: they stop, and the
    build reports the first failure instead of hanging."""
    import signal

    import makebook.pdf.chapterwise.layout
    from makebook.errors import error

    real = makebook.pdf.chapterwise.layout.render_html

    def render(context, html, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "The First Essay" in html and "chapter-title" in html:
            raise error("the first essay cannot be laid out")
        return real(context, html, *args, **kwargs)

    monkeypatch.setattr(makebook.pdf.chapterwise.layout, "render_html", render)
    signal.alarm(120)  # a hang fails the test instead of the suite
    try:
        with pytest.raises(Exception, match="first essay cannot be laid out"):
            build(small_book, small_book.parent / "failed", ["pdf", "screen"])
    finally:
        signal.alarm(0)


def test_a_screen_edition_that_prints_see_page_numbers_gets_them_right(small_book, tmp_path):
    """The screen edition prints no page numbers for cross-references, unless its
    stylesheet says so (pagerefs.py): then they are right, as in a release build."""
    book = copy_book(small_book, tmp_path / "book")
    screen = book / "styles" / "screen.css"
    screen.write_text(
        screen.read_text(encoding="utf-8")
        + '\n.edition-screen a.xref::after { content: " (page " target-counter(attr(href), page) ")" }'
        + '\n.edition-screen a.xref[data-folio]::after { content: " (page " attr(data-folio) ")" }\n',
        encoding="utf-8",
    )
    fast = build(book, tmp_path / "fast", ["screen"]).outputs["screen"]
    release = build(book, tmp_path / "release", ["screen"], release=True).outputs["screen"]
    assert_same_pdf(fast, release)
    text = " ".join(shape(fast).text)
    assert re.search(r"the idea \(page \d+\)", text, re.IGNORECASE), text[:2000]
    plain = build(small_book, tmp_path / "plain", ["screen"]).outputs["screen"]
    assert "(page " not in " ".join(shape(plain).text)
