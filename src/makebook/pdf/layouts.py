"""The PDF editions of a build, laid out: chapter by chapter (pdf/chapterwise/, the
default) or each as one WeasyPrint document (`--release`, and the fallback when the
chapter-by-chapter page numbers do not settle). build.py writes either through the
`LaidOutEdition` protocol.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from makebook.editions import PRINT, SCREEN
from makebook.errors import Problem
from makebook.model import PageStart
from makebook.processes import fork_context, in_background, quiet_worker


class LaidOutEdition(Protocol):
    """A laid-out PDF edition, ready to be written."""

    @property
    def pages(self) -> int: ...

    def starts(self) -> tuple[PageStart, ...]: ...

    def start_writing(self, out: Path) -> Callable[[], None]:
        """Write the edition to `out`, in the background where that is worth it; the
        function returned waits until it is written and raises what failed."""
        ...

    def discard(self) -> None: ...


@dataclass
class WholeBookLayout:
    """A release build's edition: the whole book laid out as one WeasyPrint document."""

    rendered: Any
    edition: str
    document: Any = None
    worker: Future[int] | None = None
    scratch: Path | None = None

    @property
    def pages(self) -> int:
        if self.worker is not None:
            return self.worker.result()
        return len(self.starts())  # with the blank verso an odd print count ends on

    def starts(self) -> tuple[PageStart, ...]:
        from makebook.pdf.pagelabels import whole_book_starts

        return whole_book_starts(self.rendered, self.document, self.edition)

    def start_writing(self, out: Path) -> Callable[[], None]:
        if self.worker is not None:  # only waiting for the worker: nothing to start
            return functools.partial(self.write, out)
        return in_background(functools.partial(self.write, out))

    def write(self, out: Path) -> None:
        if self.worker is not None:
            self.worker.result()  # the worker wrote it beside the target, under a temporary name
            os.replace(self.scratch, out)  # type: ignore[arg-type]
            return
        from makebook.pdf.document import write_pdf

        write_pdf(self.rendered, self.document, out, self.edition)

    def discard(self) -> None:
        """Whatever a failed build leaves of this edition is removed."""
        if self.scratch is not None:
            if self.worker is not None:
                with contextlib.suppress(Exception):
                    self.worker.result()  # the worker may still be writing it
            self.scratch.unlink(missing_ok=True)


def lay_out_pdfs(
    rendered: Any,
    editions: list[str],
    cache_folder: Path,
    name: str,
    targets: dict[str, Path],
    release: bool,
    progress: Callable[..., None],
    written: Sequence[str] = (),
) -> tuple[dict[str, LaidOutEdition], list[Problem]]:
    """Chapter by chapter (the default) or, for a release, each edition as one document;
    a layout that runs away is the author's error. `written`: the editions whose PDF this
    build writes (the others are laid out for their page numbers)."""
    from makebook.pdf.document import TooManyPages
    from makebook.pdf.weasy import require_tested_weasyprint

    require_tested_weasyprint()
    try:
        if release:
            layouts = release_layouts(rendered, editions, targets, progress)
            return layouts, release_warnings(rendered, layouts)
        as_one_document = functools.partial(release_layouts, rendered, editions, targets, progress)
        return chapterwise_layouts(
            rendered, editions, cache_folder, name, progress, written, as_one_document
        )
    except TooManyPages as exc:
        raise exc.as_error(rendered.book) from None


def chapterwise_layouts(
    rendered: Any,
    editions: list[str],
    cache_folder: Path,
    name: str,
    progress: Callable[..., None],
    written: Sequence[str],
    as_one_document: Callable[[], dict[str, LaidOutEdition]],
) -> tuple[dict[str, LaidOutEdition], list[Problem]]:
    """The editions laid out by pdf/chapterwise, or as one document each when their page
    numbers do not settle."""
    from makebook.pdf.chapterwise.layout import (
        LayoutDidNotSettle,
        lay_out_editions,
        layout_warnings,
    )

    progress("Laying out pages")
    try:
        laid = lay_out_editions(rendered, editions, cache_folder, name, progress, written)
        return dict(laid), layout_warnings(rendered, laid.values())
    except LayoutDidNotSettle:
        warning = Problem(
            "the page numbers of the contents or of 'see page' references kept "
            "moving each other, so the PDF was laid out as one document",
            hint="nothing to do; `make-book --release` always lays it out that way",
            severity="warning",
        )
        layouts = as_one_document()
        return layouts, [warning, *release_warnings(rendered, layouts)]


def release_warnings(rendered: Any, layouts: dict[str, LaidOutEdition]) -> list[Problem]:
    """Tables wider than the text block, in the print edition laid out here (the screen
    edition is laid out in a worker, which returns only its page count)."""
    from makebook.pdf.fit import overflow_warnings, table_overflows

    document = getattr(layouts.get(PRINT.name), "document", None)
    if document is None:
        return []
    return overflow_warnings(rendered.book, ((PRINT.name, o) for o in table_overflows(document)))


def release_layouts(
    rendered: Any, editions: list[str], targets: dict[str, Path], progress: Callable[..., None]
) -> dict[str, LaidOutEdition]:
    from makebook.pdf.document import lay_out

    layouts: dict[str, LaidOutEdition] = {}
    if SCREEN.name in editions:
        # On a machine with a second core the screen edition is laid out in a worker
        # process while this one does the print edition.
        target = targets[SCREEN.name]
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent
        )
        os.close(handle)
        worker = start_screen_edition(rendered, Path(scratch))
        layouts[SCREEN.name] = WholeBookLayout(
            rendered, SCREEN.name, worker=worker, scratch=Path(scratch)
        )
    if PRINT.name in editions:
        progress("Laying out pages")
        layouts[PRINT.name] = WholeBookLayout(rendered, PRINT.name, lay_out(rendered, PRINT.name))
    return layouts


def write_screen_edition(rendered: Any, scratch: Path) -> int:
    """Lay out and write the screen PDF; returns its page count. Runs in a worker."""
    from makebook.pdf.document import TooManyPages, lay_out, write_pdf

    try:
        layout = lay_out(rendered, SCREEN.name)
    except TooManyPages as exc:
        raise exc.as_error(rendered.book) from None
    write_pdf(rendered, layout, scratch, SCREEN.name)
    return len(layout.pages)  # the screen edition has no blank pages to add


def start_screen_edition(rendered: Any, target: Path) -> Future[int]:
    context = fork_context()
    if context is None:
        done: Future[int] = Future()
        done.set_result(write_screen_edition(rendered, target))
        return done
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=quiet_worker)
    future = pool.submit(write_screen_edition, rendered, target)
    pool.shutdown(wait=False)  # the worker finishes its one job, then exits
    return future
