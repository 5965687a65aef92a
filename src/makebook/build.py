"""build(): load, transform, write. Every command goes through here."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from makebook.cache import BuildCache, inputs_digest, layout_state
from makebook.errors import Diagnostics, ManuscriptError, Problem, error
from makebook.files import atomic_output, write_atomically
from makebook.manuscript import images
from makebook.manuscript.chapters import slugify
from makebook.manuscript.config import load_config
from makebook.manuscript.loader import DEFAULT_STYLES, find_styles, load_book
from makebook.model import Book, PageStart
from makebook.processes import fork_context, in_background, quiet_worker
from makebook.render.sample import make_sample

FORMATS = ("epub", "pdf", "screen")
SUFFIXES = {"epub": ".epub", "pdf": ".pdf", "screen": "-screen.pdf"}


@dataclass
class BuildResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)


def fail_if_strict(strict: bool, warnings: list[Problem]) -> None:
    """With --strict a warning stops the build, before anything is written."""
    if strict and warnings:
        raise ManuscriptError([replace(w, severity="error") for w in warnings])


def remove_stale_parts(output: Path) -> None:
    """Temporary files left beside the outputs by a build that was killed (its process is
    gone) are removed. (What it left in the cache is pruned once it is old: cache.py.)"""
    for part in output.glob(".*.part"):
        # `.NAME.PID.RANDOM.part` (atomic_output) or `.NAME.PID.part` (a layout piece)
        fields = part.name.split(".")
        pid = next((f for f in fields[-3:-1] if f.isdigit()), "") if len(fields) > 3 else ""
        if pid and not process_alive(int(pid)):
            part.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def source_date_epoch() -> dt.datetime | None:
    """The reproducible-builds convention: a fixed build time from the environment."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)


def dated(book: Book) -> Book:
    """A book without a `date` takes SOURCE_DATE_EPOCH's day, so the PDFs carry that
    date instead of the time they were laid out (the EPUB already uses it)."""
    when = source_date_epoch()
    if book.meta.date or when is None:
        return book
    return replace(book, meta=replace(book.meta, date=when.date().isoformat()))


# File names are limited to 255 bytes; the part files add a dot, the process id and more.
MAX_NAME = 80


def output_name(title: str, sample: bool) -> str:
    """The editions' file name: the title's slug, cut at a word before MAX_NAME characters."""
    slug = slugify(title)
    if len(slug) > MAX_NAME:
        slug = slug[: MAX_NAME + 1].rsplit("-", 1)[0] or slug[:MAX_NAME]
    return slug + ("-sample" if sample else "")


def check_output(output: Path) -> None:
    """The output folder is a folder that can be made and written: told before anything
    is read or written, not as a traceback halfway through the build."""
    hint = "give --output a folder that can be written (it is made when missing)"
    if output.exists() and not output.is_dir():
        raise error(f"the output folder '{output}' is a file, not a folder", hint=hint)
    existing = output.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise error(
            f"the output folder '{output}' cannot be made: '{existing}' is a file", hint=hint
        )
    if not writable(existing):
        raise error(f"the output folder '{output}' cannot be written ('{existing}')", hint=hint)


def writable(folder: Path) -> bool:
    """Permissions and read-only disks (root passes the permissions, not the disk)."""
    return os.access(folder, os.W_OK | os.X_OK)


@contextlib.contextmanager
def writing_to(output: Path) -> Iterator[None]:
    """A file of the output folder that cannot be written (a read-only disk, a full one,
    no permission) stops the build with the folder named; the outputs stay as they were."""
    try:
        yield
    except OSError as exc:
        where = Path(exc.filename).absolute() if exc.filename else None
        if where is None or not where.is_relative_to(output.absolute()):
            raise
        raise error(
            f"cannot write '{where}' in the output folder '{output}': "
            f"{exc.strerror or exc}; nothing was changed there",
            hint="give --output a folder that can be written, or free some space",
        ) from exc


def check(manuscript: Path) -> list[Problem]:
    """Load and render without writing anything; every error and warning found."""
    from makebook.render.book import render_book

    diagnostics = Diagnostics()
    try:
        render_book(load_book(manuscript, diagnostics))
    except ManuscriptError as exc:
        return diagnostics.problems + [p for p in exc.problems if p not in diagnostics.problems]
    return diagnostics.problems


def build(
    manuscript: Path,
    output: Path,
    formats: Sequence[str] = FORMATS,
    progress: Callable[..., None] = lambda *_: None,
    sample: bool = False,
    strict: bool = False,
    release: bool = False,
) -> BuildResult:
    check_output(output)
    with writing_to(output):
        return build_into(manuscript, output, formats, progress, sample, strict, release)


def build_into(
    manuscript: Path,
    output: Path,
    formats: Sequence[str],
    progress: Callable[..., None],
    sample: bool,
    strict: bool,
    release: bool,
) -> BuildResult:
    remove_stale_parts(output)
    cache = BuildCache.load(output)
    settings = {
        "sample": sample,
        "release": release,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
    }
    # Taken before anything is read: an edit saved while this build runs is seen by the next.
    inputs = current_inputs(manuscript, output, settings)
    unchanged = cached_build(manuscript, output, formats, cache, inputs, sample)
    if unchanged is not None:
        progress("Nothing changed since the last build")
        fail_if_strict(strict, unchanged.warnings)
        return unchanged

    diagnostics = Diagnostics()
    progress("Reading the manuscript")
    memo = cache.folder / "images.json"
    images.read_memo(memo)
    book = dated(load_book(manuscript, diagnostics))
    remember_images(memo)
    if sample:
        book = make_sample(book)
    result = BuildResult(warnings=diagnostics.warnings)
    fail_if_strict(strict, result.warnings)
    name = output_name(book.meta.title, sample)
    targets = {fmt: output / f"{name}{SUFFIXES[fmt]}" for fmt in formats}
    todo = []
    for fmt in formats:
        entry = cache.fresh(f"{name}.{fmt}", inputs, targets[fmt])
        if entry is None:
            todo.append(fmt)
            continue
        result.outputs[fmt] = targets[fmt]
        if entry.pages:
            result.pages[fmt] = entry.pages
    if not todo:
        progress("Nothing changed since the last build")
        cache.remember_warnings(inputs, result.warnings)
        cache.save()
        return result

    # Importing the writers (WeasyPrint above all) takes most of a second: a build with
    # nothing to do should not pay for it.
    from makebook.epub.writer import write_epub
    from makebook.render.book import render_book

    progress("Rendering chapters")
    rendered = render_book(book, progress, cache.folder / "pages")
    result.warnings.extend(w for page in rendered.pages for w in page.warnings)
    fail_if_strict(strict, result.warnings)
    starts = cached_page_starts(cache, inputs)
    # The EPUB's page-list carries the print edition's page numbers, so the print
    # edition is laid out whenever it is built, and first. An EPUB built alone gets them
    # too when an earlier build laid the print edition out: only what changed is laid out.
    laid_before = layout_state(cache.folder, name, "print").is_file()
    needs_print = "pdf" in todo or (
        starts is None and ("pdf" in formats or ("epub" in todo and laid_before and not release))
    )
    editions = [e for e, wanted in (("print", needs_print), ("screen", "screen" in todo)) if wanted]
    written = [EDITION_OF[fmt] for fmt in todo if fmt in EDITION_OF]
    layouts, warnings = lay_out_pdfs(
        rendered, editions, cache.folder, name, targets, release, progress, written
    )
    result.warnings.extend(warnings)
    if "print" in layouts:
        starts = layouts["print"].starts()
        save_page_starts(cache, inputs, starts)
    if "epub" in todo and starts is None:
        result.warnings.append(
            Problem(
                "this EPUB has no print page numbers (page-list): they come from the print "
                "layout, which an EPUB-only build skips",
                hint="build the print edition too (make-book, or -f epub -f pdf) to add them",
                severity="warning",
            )
        )
    try:
        with contextlib.ExitStack() as stack:
            temps = {fmt: stack.enter_context(atomic_output(targets[fmt])) for fmt in todo}
            # The PDF editions are written in worker processes while this one packs the EPUB.
            waits = []
            for fmt in (f for f in ("pdf", "screen") if f in todo):
                progress(f"Writing the {fmt.upper()} edition")
                waits.append(layouts[EDITION_OF[fmt]].start_writing(temps[fmt]))
            if "epub" in todo:
                progress("Writing the EPUB edition")
                write_epub(rendered, temps["epub"], starts or (), source_date_epoch())
            for wait in waits:
                wait()
        # Every output is complete and in place (atomic_output renamed them): record them.
        for fmt in todo:
            if fmt in EDITION_OF:
                result.pages[fmt] = layouts[EDITION_OF[fmt]].pages
            result.outputs[fmt] = targets[fmt]
            cache.record(f"{name}.{fmt}", inputs, targets[fmt], result.pages.get(fmt))
    finally:
        for layout in layouts.values():
            layout.discard()
    result.outputs = {fmt: result.outputs[fmt] for fmt in formats}
    cache.remember_warnings(inputs, result.warnings)
    cache.save()
    return result


def remember_images(memo: Path) -> None:
    """What decoding the book's images found, for the next build (see images.py)."""
    text = images.memo_text()
    with contextlib.suppress(OSError):
        if memo.is_file() and memo.read_text(encoding="utf-8") == text:
            return
    with contextlib.suppress(OSError):
        write_atomically(memo, text)


def build_folders(root: Path, styles: Path) -> list[Path]:
    """The book, its styles and templates, and the built-in design a book's styles/
    overrides file by file."""
    folders = [root, styles, styles.parent / "templates"]
    return folders if styles == DEFAULT_STYLES else [*folders, DEFAULT_STYLES]


def current_inputs(manuscript: Path, output: Path, settings: dict[str, object]) -> str:
    """The digest of every file a build of this manuscript may read, and of its settings."""
    root = manuscript.resolve()
    styles = find_styles(root)
    return inputs_digest(build_folders(root, styles), output, settings)


def cached_build(
    manuscript: Path,
    output: Path,
    formats: Sequence[str],
    cache: BuildCache,
    inputs: str,
    sample: bool,
) -> BuildResult | None:
    """The last build's result when no input changed, found without reading the chapters.

    Only book.toml (for the output names) is read; anything unusual means a real build.
    """
    try:
        title = load_config(manuscript.resolve()).meta.title
    except ManuscriptError:
        return None
    name = output_name(title, sample)
    warnings = cache.warnings_for(inputs)
    if warnings is None:
        return None
    result = BuildResult(warnings=warnings)
    for fmt in formats:
        target = output / f"{name}{SUFFIXES[fmt]}"
        entry = cache.fresh(f"{name}.{fmt}", inputs, target)
        if entry is None:
            return None
        result.outputs[fmt] = target
        if entry.pages:
            result.pages[fmt] = entry.pages
    return result


EDITION_OF = {"pdf": "print", "screen": "screen"}


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
        return len(self.document.pages)

    def starts(self) -> tuple[PageStart, ...]:
        from makebook.pdf.pagemap import page_starts

        return page_starts(self.rendered, self.document)

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
    """lay_out_editions, with a layout that ran away reported as the author's error."""
    from makebook.pdf.document import TooManyPages
    from makebook.pdf.weasy import require_tested_weasyprint

    require_tested_weasyprint()
    try:
        return lay_out_pdf_editions(
            rendered, editions, cache_folder, name, targets, release, progress, written
        )
    except TooManyPages as exc:
        raise exc.as_error(rendered.book) from None


def lay_out_pdf_editions(
    rendered: Any,
    editions: list[str],
    cache_folder: Path,
    name: str,
    targets: dict[str, Path],
    release: bool,
    progress: Callable[..., None],
    written: Sequence[str] = (),
) -> tuple[dict[str, LaidOutEdition], list[Problem]]:
    """Chapter by chapter (the default) or, for a release, each edition as one document.
    `written`: the editions whose PDF this build writes (the others give page numbers)."""
    if release:
        layouts = release_layouts(rendered, editions, targets, progress)
        return layouts, release_warnings(rendered, layouts)
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
        layouts = release_layouts(rendered, editions, targets, progress)
        return layouts, [warning, *release_warnings(rendered, layouts)]


def release_warnings(rendered: Any, layouts: dict[str, LaidOutEdition]) -> list[Problem]:
    """Tables wider than the text block, in the print edition laid out here (the screen
    edition is laid out in a worker, which returns only its page count)."""
    from makebook.pdf.fit import overflow_warnings, table_overflows

    document = getattr(layouts.get("print"), "document", None)
    if document is None:
        return []
    return overflow_warnings(rendered.book, (("print", o) for o in table_overflows(document)))


def release_layouts(
    rendered: Any, editions: list[str], targets: dict[str, Path], progress: Callable[..., None]
) -> dict[str, LaidOutEdition]:
    from makebook.pdf.document import lay_out

    layouts: dict[str, LaidOutEdition] = {}
    if "screen" in editions:
        # On a machine with a second core the screen edition is laid out in a worker
        # process while this one does the print edition.
        target = targets["screen"]
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent
        )
        os.close(handle)
        worker = start_screen_edition(rendered, Path(scratch))
        layouts["screen"] = WholeBookLayout(
            rendered, "screen", worker=worker, scratch=Path(scratch)
        )
    if "print" in editions:
        progress("Laying out pages")
        layouts["print"] = WholeBookLayout(rendered, "print", lay_out(rendered, "print"))
    return layouts


def write_screen_edition(rendered: Any, scratch: Path) -> int:
    """Lay out and write the screen PDF; returns its page count. Runs in a worker."""
    from makebook.pdf.document import TooManyPages, lay_out, write_pdf

    try:
        layout = lay_out(rendered, "screen")
    except TooManyPages as exc:
        raise exc.as_error(rendered.book) from None
    write_pdf(rendered, layout, scratch, "screen")
    return len(layout.pages)


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


def cached_page_starts(cache: BuildCache, inputs: str) -> tuple[PageStart, ...] | None:
    try:
        data = json.loads((cache.folder / f"pages-{inputs}.json").read_text(encoding="utf-8"))
        return tuple(PageStart(**item) for item in data)
    except (OSError, ValueError, TypeError):
        return None


def save_page_starts(cache: BuildCache, inputs: str, starts: tuple[PageStart, ...]) -> None:
    cache.folder.mkdir(parents=True, exist_ok=True)
    for old in cache.folder.glob("pages-*.json"):
        old.unlink(missing_ok=True)
    path = cache.folder / f"pages-{inputs}.json"
    write_atomically(path, json.dumps([vars(s) for s in starts]))
