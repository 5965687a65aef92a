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
