"""Build again on every save: `make-book build --watch`, and what `make-book preview` watches.

A rebuild in a process that stays up skips what a new `make-book` pays every
time: starting Python, importing WeasyPrint and the other libraries, parsing
the stylesheets. What an edit changed is found by the build's own caches, so a
watched build writes exactly what a `make-book build` run would.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import watchfiles

from makebook.build import BuildResult, build
from makebook.cache import build_folders, written_by_build
from makebook.errors import ManuscriptError
from makebook.manuscript.loader import find_styles


def book_changes(
    manuscript: Path,
    output: Path,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> Iterator[set[tuple[watchfiles.Change, str]]]:
    """Each time the author saves something a build reads (the folders whose files the
    build's own digest covers), not the outputs, nor hidden files (editors' swap files,
    the cache). `ready` is set once the watching has begun."""
    root = manuscript.resolve()
    watched = {root}
    with contextlib.suppress(ManuscriptError):
        folders = build_folders(root, find_styles(root))
        watched.update(folder for folder in folders if folder.is_dir())
    outside = output.resolve()
    # The output folder may hold the book (`--output .`): then only the files builds
    # write there are left out; otherwise (build/, the preview folder) all of it.
    holds_book = any(folder.resolve().is_relative_to(outside) for folder in watched)

    def written(where: Path) -> bool:
        return written_by_build(where, outside) if holds_book else where.is_relative_to(outside)

    def relevant(_change: watchfiles.Change, path: str) -> bool:
        where = Path(path).resolve()
        return not written(where) and not where.name.startswith(".")

    # With nothing saved, the watcher says so every quarter second: the first time
    # tells that it is watching.
    for changes in watchfiles.watch(
        *watched,
        stop_event=stop,
        debounce=50,
        step=25,
        watch_filter=relevant,
        rust_timeout=250,
        yield_on_timeout=True,
    ):
        if ready is not None:
            ready.set()
        if changes:
            yield changes


Outcome = BuildResult | ManuscriptError


def rebuild_on_save(
    manuscript: Path,
    output: Path,
    formats: list[str],
    report: Callable[[Outcome, float], None],
    stop: threading.Event | None = None,
    **options: bool,
) -> None:
    """Build, then build again after every save until `stop` is set (or Ctrl-C).

    Watching starts before the first build, so a save during a build is not missed;
    saves made while a build runs lead to one more build. A manuscript error is
    reported and the watch goes on: the author fixes it and saves again, and the
    outputs of the last good build stay as they were meanwhile.
    """
    stop = stop or threading.Event()
    saves: queue.Queue[object] = queue.Queue()

    watching = threading.Event()

    def watch() -> None:
        for changes in book_changes(manuscript, output, stop, watching):
            saves.put(changes)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    watching.wait(timeout=10)
    try:
        while True:
            started = time.perf_counter()
            try:
                outcome: Outcome = build(manuscript, output, formats, **options)
            except ManuscriptError as exc:
                outcome = exc
            report(outcome, time.perf_counter() - started)
            warm_up()
            if not next_save(saves, stop):
                return
    finally:
        stop.set()
        watcher.join(timeout=5)


def next_save(saves: queue.Queue[object], stop: threading.Event) -> bool:
    """Wait for a save (and take every other one made meanwhile); False once stopped."""
    while not stop.is_set():
        try:
            saves.get(timeout=0.1)
        except queue.Empty:
            continue
        while not saves.empty():
            saves.get_nowait()
        return True
    return False


def warm_up() -> None:
    """Import the writers while the author types: a build with nothing to do skips them,
    and the first save after it would pay for WeasyPrint's import."""
    import importlib

    for module in (
        "epub.writer",
        "render.book",
        "pdf.document",
        "pdf.chapterwise.layout",
        "pdf.chapterwise.join",
    ):
        importlib.import_module(f"makebook.{module}")
