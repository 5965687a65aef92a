"""`make-book preview` tells the truth and serves only its author (issue 15).

After a save with an error the open page shows the error (file, line, message) over
the stale page until the next good build; requests with another Host are refused.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from conftest import copy_book, free_port
from makebook.author.preview import serve

XHTML = "{http://www.w3.org/1999/xhtml}"
BAD_KIND = '<script>&"x"'  # an error message holding < & and "


def request(port: int, path: str, host: str | None = "default") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        if host is not None:
            connection.putheader("Host", f"127.0.0.1:{port}" if host == "default" else host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def serving(small_book: Path, folder: Path):
    """The preview of a copy of the small book, in a thread on a free port of 127.0.0.1."""
    book = copy_book(small_book, folder / "book")
    port = free_port()
    stop = threading.Event()
    thread = threading.Thread(
        target=serve, args=(book, folder / "preview", port, lambda c, d: None, stop), daemon=True
    )
    thread.start()
    try:
        wait_for(lambda: _answers(port))
        yield book, port
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.fixture
def preview(small_book, tmp_path):
    yield from serving(small_book, tmp_path)


@pytest.fixture(scope="module")
def served(small_book, tmp_path_factory):
    """One preview for the tests that only read."""
    yield from serving(small_book, tmp_path_factory.mktemp("served"))


def state(port: int) -> dict:
    status, body = request(port, "/__state")
    assert status == 200
    return json.loads(body)


def overlay(page: bytes) -> etree._Element | None:
    return etree.fromstring(page).find(f".//{XHTML}div[@id='__makebook-errors']")


def test_an_error_shows_over_the_page_until_the_next_good_build(preview):
    book, port = preview
    assert state(port)["ok"] is True
    status, good = request(port, "/text/one.xhtml")
    assert status == 200 and overlay(good) is None

    chapter = book / "one.md"
    original = chapter.read_text()
    chapter.write_text(original.replace("kind: essay", f"kind: {BAD_KIND}"))
    wait_for(lambda: not state(port)["ok"])
    [problem] = state(port)["problems"]
    assert problem["location"] == "one.md:2"
    assert (problem["path"], problem["line"]) == ("one.md", 2)
    assert problem["message"] == f"unknown kind '{BAD_KIND}'"

    # The page served now is the last good one, under the error, escaped.
    status, page = request(port, "/text/one.xhtml")
    assert status == 200
    box = overlay(page)
    assert box is not None and box.get("role") == "alert"
    text = "".join(box.itertext())
    assert "this page is out of date" in text
    assert f"one.md:2: error: unknown kind '{BAD_KIND}'" in text
    assert box.find(f".//{XHTML}script") is None  # the message stayed text
    assert b"&lt;script&gt;&amp;" in page
    assert etree.fromstring(page).find(f".//{XHTML}h1").text == "The First Essay"

    chapter.write_text(original)
    wait_for(lambda: state(port)["ok"])
    assert state(port)["problems"] == []
    status, page = request(port, "/text/one.xhtml")
    assert status == 200 and overlay(page) is None


def test_the_open_page_shows_and_hides_the_error_by_itself(preview):
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no Chromium")
    book, port = preview
    chapter = book / "one.md"
    original = chapter.read_text()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/text/one.xhtml")
            assert page.locator("#__makebook-errors").count() == 0
            chapter.write_text(original.replace("kind: essay", f"kind: {BAD_KIND}"))
            page.wait_for_selector("#__makebook-errors", timeout=30000)
            shown = page.inner_text("#__makebook-errors")
            assert f"one.md:2: error: unknown kind '{BAD_KIND}'" in shown
            assert (
                page.evaluate(
                    "getComputedStyle(document.getElementById('__makebook-errors')).position"
                )
                == "fixed"
            )
            chapter.write_text(original)
            page.wait_for_selector("#__makebook-errors", state="detached", timeout=30000)
        finally:
            browser.close()


def test_a_book_that_never_built_shows_its_error_at_the_start_page(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "two.md").write_text("---\ntitle: [broken\n---\nText\n")
    port = free_port()
    stop = threading.Event()
    thread = threading.Thread(
        target=serve, args=(book, tmp_path / "preview", port, lambda c, d: None, stop), daemon=True
    )
    thread.start()
    try:
        wait_for(lambda: _answers(port))
        status, page = request(port, "/")
        assert status == 200
        text = "".join(overlay(page).itertext())
        assert "two.md:2:8: error: malformed YAML front matter" in text
    finally:
        stop.set()
        thread.join(timeout=10)


def _answers(port: int) -> bool:
    try:
        return request(port, "/__version")[0] == 200
    except OSError:
        return False


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_the_authors_own_host_names_are_answered(served, name):
    _, port = served
    status, body = request(port, "/text/one.xhtml", f"{name}:{port}")
    assert status == 200 and b"The First Essay" in body


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",  # a DNS-rebinding page's own name
        "evil.example",
        "127.0.0.1.evil.example:{port}",
        "localhost:{other}",
        "localhost",
        "127.0.0.1",
        "",
        None,
    ],
)
def test_any_other_host_is_refused(served, host):
    _, port = served
    header = host.format(port=port, other=port + 1) if host is not None else None
    for path in ("/text/one.xhtml", "/__state", "/book.toml", "/"):
        status, body = request(port, path, header)
        assert status == 403, (path, header)
        assert body.startswith(b"Blocked request")
        assert b"The First Essay" not in body


def test_without_a_port_only_on_port_80():
    from makebook.author.preview import allowed_hosts

    assert allowed_hosts(8000) == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert {"127.0.0.1", "localhost", "[::1]"} <= allowed_hosts(80)
    assert not any(host.startswith("evil") for host in allowed_hosts(80))


def test_state_endpoint_reports_a_good_build(served):
    _, port = served
    good = state(port)
    assert good["ok"] is True and good["problems"] == []
    assert isinstance(good["version"], int)


def test_path_escapes_are_still_refused(served):
    book, port = served
    status, body = request(port, "/../book/one.md")
    assert status == 404
    assert b"kind: essay" not in body
    assert Path(book / "one.md").is_file()


def test_a_busy_port_is_an_error_saying_what_to_do(small_book, tmp_path):
    from typer.testing import CliRunner

    from makebook.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app, ["preview", "-m", str(small_book), "-o", str(tmp_path), "--port", str(port)]
        )
    assert result.exit_code == 1, result.output
    assert f"error: cannot serve the preview on 127.0.0.1:{port}: Address already in use" in (
        result.output
    )
    assert "choose another with --port 8001" in result.output
    assert not (tmp_path / "preview").exists()  # told before any build
