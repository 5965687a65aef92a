"""Large inputs build in time: a 10 MB chapter, a book of 2,000 chapters."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SMALL_CHAPTERS, chapter_text, copy_book, set_chapters

TIME_BUDGET = 60  # seconds; longer is a performance bug, not a reason for a longer test


def timed_epub_build(book: Path, out: Path) -> float:
    """Build the EPUB in a child process, killed at the time budget; returns the seconds taken."""
    code = (
        "import sys; from pathlib import Path; from makebook.build import build; "
        "build(Path(sys.argv[1]), Path(sys.argv[2]), ['epub'])"
    )
    started = time.perf_counter()
    try:
        subprocess.run(
            [sys.executable, "-c", code, str(book), str(out)],
            check=True,
            timeout=TIME_BUDGET,
            capture_output=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the EPUB build took longer than {TIME_BUDGET} s")
    seconds = time.perf_counter() - started
    print(f"EPUB build of {book.name}: {seconds:.1f} s")
    assert len(list(out.glob("*.epub"))) == 1
    return seconds


@pytest.mark.slow
def test_ten_megabyte_chapter_builds_in_time(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "big")
    paragraph = "The quick brown fox jumps over the lazy dog, and rests for a while. " * 8
    count = 10_000_000 // (len(paragraph) + 2) + 1
    text = "\n\n".join([paragraph] * count)
    (book / "one.md").write_text(chapter_text("A Very Long Chapter", text), encoding="utf-8")
    assert (book / "one.md").stat().st_size >= 10_000_000
    timed_epub_build(book, tmp_path / "out")


@pytest.mark.slow
def test_two_thousand_chapter_book_builds_in_time(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "many")
    paths = []
    for number in range(2000):
        path = f"chapters/c{number:04d}.md"
        (book / "chapters").mkdir(exist_ok=True)
        (book / path).write_text(
            chapter_text(f"Chapter {number}", f"Chapter {number} is short.\n", kind="note"),
            encoding="utf-8",
        )
        paths.append(path)
    set_chapters(book, [*SMALL_CHAPTERS, *paths])
    timed_epub_build(book, tmp_path / "out")
