"""`make-book build --watch`: one build, then one after every save, in the same process."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from pypdf import PdfReader

from conftest import copy_book
from makebook.author.watch import rebuild_on_save
from makebook.build import BuildResult
from makebook.errors import ManuscriptError


def pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_save_rebuilds_and_an_error_waits_for_the_fix(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    outcomes: list[BuildResult | ManuscriptError] = []
    reported = threading.Condition()

    def report(outcome: BuildResult | ManuscriptError, _seconds: float) -> None:
        with reported:
            outcomes.append(outcome)
            reported.notify_all()

    def builds(count: int) -> BuildResult | ManuscriptError:
        with reported:
            assert reported.wait_for(lambda: len(outcomes) >= count, timeout=120)
        return outcomes[count - 1]

    stop = threading.Event()
    watcher = threading.Thread(
        target=rebuild_on_save, args=(book, out, ["epub", "pdf"], report, stop), daemon=True
    )
    watcher.start()
    try:
        first = builds(1)
        assert isinstance(first, BuildResult)
        pdf = first.outputs["pdf"]

        chapter = book / "one.md"
        good = chapter.read_text(encoding="utf-8").replace("where it starts", "where it begins")
        chapter.write_text(good, encoding="utf-8")
        assert isinstance(builds(2), BuildResult)
        assert "where it begins" in pdf_text(pdf)

        chapter.write_text("---\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
        broken = builds(3)
        assert isinstance(broken, ManuscriptError)
        assert "one.md" in str(broken)
        assert "where it begins" in pdf_text(pdf)  # the last good build stays

        chapter.write_text(good.replace("begins", "all begins"), encoding="utf-8")
        assert isinstance(builds(4), BuildResult)
        assert "where it all begins" in pdf_text(pdf)
        time.sleep(0.3)
        assert len(outcomes) == 4  # nothing was built without a save
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not watcher.is_alive()
