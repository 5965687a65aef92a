"""The EPUB as calibre, a real reading system, reads it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conftest import DEMO, need

CALIBRE_ENV = {**os.environ, "QTWEBENGINE_DISABLE_SANDBOX": "1"}


@pytest.fixture(scope="module")
def calibre_text(demo_build, tmp_path_factory) -> str:
    need(shutil.which("ebook-convert"), "calibre")
    out = tmp_path_factory.mktemp("calibre") / "book.txt"
    subprocess.run(
        ["ebook-convert", str(demo_build["epub"]), str(out)],
        check=True,
        capture_output=True,
        env=CALIBRE_ENV,
        timeout=300,
    )
    return out.read_text(encoding="utf-8")


def test_ebook_meta_reads_the_metadata_as_set(demo_build):
    need(shutil.which("ebook-meta"), "calibre")
    result = subprocess.run(
        ["ebook-meta", str(demo_build["epub"])],
        check=True,
        capture_output=True,
        text=True,
        env=CALIBRE_ENV,
        timeout=120,
    )
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in result.stdout.splitlines())
        if value
    )
    assert fields["Title"].startswith("The Listening Year")
    assert fields["Author(s)"] == "Maren Ellis [Ellis, Maren]"
    assert fields["Languages"] == "eng"
    assert fields["Identifiers"] == "isbn:9781234567880"
    assert fields["Publisher"] == "Quiet Harbour Press"


def test_every_chapter_title_and_its_text_are_there_in_order(demo_build, calibre_text):
    from makebook.manuscript.loader import load_book
    from makebook.render.book import render_book

    rendered = render_book(load_book(DEMO))
    text = " ".join(calibre_text.split())
    position = text.index("Preface The year")  # after the contents list
    for page in rendered.pages:
        if page.role not in ("chapter", "front", "back", "appendix"):
            continue
        found = text.find(page.title, position)
        assert found >= 0, f"{page.title} missing or out of order"
        position = found + len(page.title)
    assert "There is a photograph on our fridge" in text
    assert re.search(r"Tronick et al\. 1978", text)


# A phone-sized page (4 x 8.6 in, narrow margins as on a phone), laid out by calibre's
# own engine from the EPUB.
PHONE_PAGE = ["--custom-size", "4x8.6", "--unit", "inch"]
PHONE_PAGE += ["--pdf-page-margin-left", "18", "--pdf-page-margin-right", "18"]
# Each front page, by how its first line begins: every line on it is centred, but the
# epigraph's source (from its dash on), which stands at the right.
FRONT_PAGES = ["The Listening Year", "For Ines and Felix", "Attention is the rarest"]


def front_page_lines(pdf) -> dict[str, list[tuple[str, float, float]]]:  # type: ignore[no-untyped-def]
    """Each front page's lines: text, space before it and after it on the page."""
    found = {}
    for page in pdf.pages[:12]:
        lines = page.extract_text_lines()
        first = lines[0]["text"] if lines else ""
        for start in FRONT_PAGES:
            if first.startswith(start) and start not in found:
                found[start] = [(ln["text"], ln["x0"], page.width - ln["x1"]) for ln in lines]
    return found


def test_calibre_lays_the_front_matter_out_centred_on_a_phone_page(demo_build, tmp_path):
    import pdfplumber

    need(shutil.which("ebook-convert"), "calibre")
    out = tmp_path / "phone.pdf"
    subprocess.run(
        ["ebook-convert", str(demo_build["epub"]), str(out), *PHONE_PAGE],
        check=True,
        capture_output=True,
        env=CALIBRE_ENV,
        timeout=300,
    )
    with pdfplumber.open(out) as pdf:
        found = front_page_lines(pdf)
    assert list(found) == FRONT_PAGES
    for lines in found.values():
        in_source = False
        for text, before, after in lines:
            in_source = in_source or text.startswith("\u2014")
            if in_source:
                assert after < before, f"{text!r} does not stand at the right"
            else:
                assert abs(before - after) <= 2, f"{text!r} is not centred: {before} | {after}"
