"""Nothing lost, nothing half-written: killed builds and builds running side by side."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from conftest import copy_book
from makebook.build import build

MAKE_BOOK = [sys.executable, "-c", "from makebook.cli import main; main()"]


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def start_build(book: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*MAKE_BOOK, "build", "-m", str(book), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def edited_book(small_book: Path, tmp_path: Path) -> Path:
    """The small book with a long chapter, so that laying it out takes several seconds."""
    book = copy_book(small_book, tmp_path / "book")
    paragraph = "A sentence that fills the page and keeps the layout busy for a while. " * 12
    idea = book / "idea.md"
    idea.write_text(idea.read_text() + "\n" + "\n\n".join([paragraph] * 150) + "\n")
    return book


def edit(book: Path) -> None:
    """An edit to a short chapter and to the long one, which has to be laid out again."""
    chapter = book / "one.md"
    chapter.write_text(chapter.read_text() + "\nA new paragraph, written after the first build.\n")
    idea = book / "idea.md"
    idea.write_text(idea.read_text() + "\nAnother paragraph for the long chapter.\n")


def kill_during_layout(process: subprocess.Popen[bytes], sig: int) -> list[int]:
    """Returns the build's forked processes (layout workers, joins) at the time of the kill."""
    # Once it has forked workers it is laying the PDF out (a fixed wait was too short on a
    # busy machine; the libraries' imports run short-lived helpers such as ldconfig,
    # which are not forks); the long chapter keeps it there for seconds.
    deadline = time.monotonic() + 120
    while not forks_of(process.pid) and time.monotonic() < deadline:
        assert process.poll() is None, "the build ended before it could be interrupted"
        time.sleep(0.05)
    time.sleep(0.5)  # the workers are at work, not starting
    assert process.poll() is None, "the build ended before it could be interrupted"
    children = forks_of(process.pid)
    process.send_signal(sig)
    process.wait(timeout=60)
    return children


def forks_of(pid: int) -> list[int]:
    """The children running the parent's own command: forked, not helpers it ran."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []  # the build has ended
    found = []
    for child in children_of(pid):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{child}/cmdline").read_bytes() == command:
                found.append(child)
    return found


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The command may hold spaces and parentheses: the fields follow the last ")".
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def built_then_edited(small_book: Path, tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A book built once and then edited: (book, output folder, the first build's files)."""
    book = edited_book(small_book, tmp_path)
    out = tmp_path / "out"
    build(book, out)
    before = outputs(out)
    edit(book)
    return book, out, before


def test_a_killed_build_leaves_the_previous_book_and_the_next_build_cleans_up(small_book, tmp_path):
    book, out, before = built_then_edited(small_book, tmp_path)
    process = start_build(book, out)
    workers = kill_during_layout(process, signal.SIGKILL)
    assert workers, "the build had no layout workers to leave behind"
    for _ in range(50):  # they notice within a second or two
        if not any(alive(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "layout workers outlived a killed build"
    assert outputs(out) == {
        **before,
        **{k: v for k, v in outputs(out).items() if k.endswith(".part")},
    }
    for name, data in before.items():
        assert (out / name).read_bytes() == data, f"{name} changed by a killed build"
    build(book, out)  # the next build removes what the killed one left
    assert not list(out.glob(".*.part"))
    with zipfile.ZipFile(out / "a-small-book.epub") as archive:
        assert b"written after the first build" in archive.read("EPUB/text/one.xhtml")


def test_a_terminated_build_removes_its_temporary_files(small_book, tmp_path):
    book, out, before = built_then_edited(small_book, tmp_path)
    process = start_build(book, out)
    kill_during_layout(process, signal.SIGTERM)
    assert process.returncode != 0
    time.sleep(0.5)
    assert not [p.name for p in out.glob(".*.part") if "screen" not in p.name]
    assert (out / "a-small-book.epub").read_bytes() == before["a-small-book.epub"]
    assert (out / "a-small-book.pdf").read_bytes() == before["a-small-book.pdf"]


def test_two_builds_at_once_do_not_corrupt_each_other(small_book, tmp_path):
    book = edited_book(small_book, tmp_path)
    out = tmp_path / "out"
    first, second = start_build(book, out), start_build(book, out)
    assert first.wait(timeout=300) == 0 and second.wait(timeout=300) == 0
    with zipfile.ZipFile(out / "a-small-book.epub") as archive:
        assert archive.testzip() is None
    from pypdf import PdfReader

    assert len(PdfReader(out / "a-small-book.pdf").pages) > 3
    assert len(PdfReader(out / "a-small-book-screen.pdf").pages) > 3
    assert not list(out.glob(".*.part"))
    again = build(book, out)  # and the cache they shared is still sound
    assert set(again.outputs) == {"epub", "pdf", "cover", "screen"}


def test_a_failure_while_writing_in_a_worker_reaches_the_build():
    import pytest

    from makebook.processes import in_background

    def fail() -> None:
        raise ValueError("the disk is full")

    wait = in_background(fail)
    with pytest.raises(ValueError, match="the disk is full"):
        wait()


def test_parts_left_beside_the_outputs_by_dead_processes_are_removed(tmp_path):
    from makebook.files import remove_stale_parts

    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id that no longer runs
    dead = tmp_path / f".book.pdf.{gone.pid}.x1abc.part"
    live = tmp_path / f".book.pdf.{os.getpid()}.x2abc.part"
    for path in (dead, live):
        path.write_bytes(b"half")
    remove_stale_parts(tmp_path)
    assert not dead.exists() and live.exists()
