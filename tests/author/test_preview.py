"""`make-book preview` in a real browser: edit a chapter, see it without reloading by hand."""

from __future__ import annotations

import shutil
import threading
import time
import urllib.request

import pytest
from lxml import etree

from conftest import copy_book, free_port, need
from makebook.author.preview import serve

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def preview(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    port = free_port()
    stop = threading.Event()
    events: list[tuple[list[str], str]] = []
    thread = threading.Thread(
        target=serve,
        args=(book, tmp_path / "preview", port, lambda c, d: events.append((c, d)), stop),
        daemon=True,
    )
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/__version", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield book, url, events
    stop.set()
    thread.join(timeout=10)


def test_saving_a_chapter_updates_the_open_page_by_itself(preview):
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    need(chromium, "Chromium")
    book, url, events = preview
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url + "/text/one.xhtml")
        assert "The First Essay" in page.inner_text("h1")
        assert "written while the page was open" not in page.inner_text("body")
        chapter = book / "one.md"
        chapter.write_text(chapter.read_text() + "\nA sentence written while the page was open.\n")
        started = time.perf_counter()
        page.wait_for_function(
            "document.body.innerText.includes('written while the page was open')", timeout=15000
        )
        elapsed = time.perf_counter() - started
        browser.close()
    assert any("text/one.xhtml" in changed for changed, _ in events)
    print(f"new text on screen {elapsed:.2f} s after the save")


def test_an_error_keeps_the_last_good_pages_and_is_reported(preview):
    book, url, events = preview
    before = urllib.request.urlopen(url + "/text/one.xhtml").read()
    (book / "one.md").write_text("---\ntitle: [broken\n---\nText\n")
    for _ in range(100):
        error = urllib.request.urlopen(url + "/__error").read().decode()
        if error:
            break
        time.sleep(0.1)
    assert "one.md:2" in error and "malformed YAML" in error
    # The last good page, with the error shown over it (issue 15: no stale page unmarked).
    page = etree.fromstring(urllib.request.urlopen(url + "/text/one.xhtml").read())
    [box] = page.xpath("//*[@id='__makebook-errors']")
    box.getparent().remove(box)
    assert etree.tostring(page) == etree.tostring(etree.fromstring(before))
