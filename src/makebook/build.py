"""build(): load, transform, write. Every command goes through here.

1. load (makebook/manuscript/): book.toml, chapters, bibliography -> a `Book`;
2. transform (makebook/render/): the book -> XHTML pages, appendices, cover;
3. write: each edition the author asked for (makebook/epub/, makebook/pdf/).
What may be reused from the last build in the same output folder is the cache's
business (cache.py); what an edition is, editions.py's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from makebook.cache import BuildCache
from makebook.editions import BY_FORMAT, COVER, EPUB, FORMATS, PRINT, SCREEN, Edition
from makebook.errors import Diagnostics, ManuscriptError, Problem
from makebook.files import (
    atomic_output,
    check_output,
    remove_stale_parts,
    write_atomically,
    writing_to,
)
from makebook.manuscript import images
from makebook.manuscript.chapters import slugify
from makebook.manuscript.config import load_config
from makebook.manuscript.loader import load_book
from makebook.model import Book, PageStart, RenderedBook
from makebook.render.sample import make_sample

Progress = Callable[..., None]


@dataclass
class BuildResult:
    # by format: epub, pdf, screen, and cover (the print cover, made with the print PDF)
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)


def build(
    manuscript: Path,
    output: Path,
    formats: Sequence[str] = FORMATS,
    progress: Progress = lambda *_: None,
    sample: bool = False,
    strict: bool = False,
    release: bool = False,
) -> BuildResult:
    """Build the editions named by `formats` into `output`; an edition whose inputs did
    not change since the last build there is reused. Raises ManuscriptError."""
    check_output(output)
    with writing_to(output):
        remove_stale_parts(output)
        editions = [BY_FORMAT[name] for name in formats]
        cache = BuildCache.open(manuscript, output, build_settings(sample, release))
        unchanged = last_build(manuscript, output, editions, cache, sample)
        if unchanged is not None:
            progress("Nothing changed since the last build")
            fail_if_strict(strict, unchanged.warnings)
            return unchanged
        progress("Reading the manuscript")
        book, warnings = read_book(manuscript, cache, sample)
        fail_if_strict(strict, warnings)
        name = output_name(book.meta.title, sample)
        result, todo = reused(name, output, editions, cache, warnings, not sample)
        if todo:
            progress("Rendering chapters")
            rendered = render(book, cache, result, progress)
            fail_if_strict(strict, result.warnings)
            write_editions(rendered, todo, editions, Targets(output, name), cache, result,
                           release, progress)  # fmt: skip
        else:
            progress("Nothing changed since the last build")
        result.outputs = in_order(result.outputs, editions)
        cache.remember_warnings(result.warnings)
        cache.save()
        return result


def in_order(outputs: dict[str, Path], editions: list[Edition]) -> dict[str, Path]:
    """The outputs in the order the editions were asked for, the cover after its print PDF."""
    ordered = {}
    for edition in editions:
        ordered[edition.format] = outputs[edition.format]
        if edition == PRINT and COVER.format in outputs:
            ordered[COVER.format] = outputs[COVER.format]
    return ordered


def build_settings(sample: bool, release: bool) -> dict[str, object]:
    """What a build depends on besides its files."""
    return {
        "sample": sample,
        "release": release,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
    }


@dataclass(frozen=True)
class Targets:
    """Where a build writes its editions: the output folder, the book's file name."""

    output: Path
    name: str

    def __call__(self, edition: Edition) -> Path:
        return self.output / f"{self.name}{edition.suffix}"


def last_build(
    manuscript: Path, output: Path, editions: list[Edition], cache: BuildCache, sample: bool
) -> BuildResult | None:
    """The last build's result when no input changed, found without reading the chapters.

    Only book.toml (for the output names) is read; anything unusual means a real build.
    """
    try:
        title = load_config(manuscript.resolve()).meta.title
    except ManuscriptError:
        return None
    warnings = cache.last_warnings()
    if warnings is None:
        return None
    result, todo = reused(output_name(title, sample), output, editions, cache, warnings, not sample)
    return None if todo else result


def read_book(manuscript: Path, cache: BuildCache, sample: bool) -> tuple[Book, list[Problem]]:
    """Load: the book, and the warnings found reading it (errors raise)."""
    diagnostics = Diagnostics()
    images.read_memo(cache.image_memo)
    book = dated(load_book(manuscript, diagnostics))
    remember_images(cache.image_memo)
    return (make_sample(book) if sample else book), diagnostics.warnings


def reused(
    name: str,
    output: Path,
    editions: list[Edition],
    cache: BuildCache,
    warnings: list[Problem],
    cover: bool = True,
) -> tuple[BuildResult, list[Edition]]:
    """The editions whose files are current (in the result), and those to build. The
    print edition is current only with its cover (`cover`: a full book's, not a sample's)."""
    result, todo = BuildResult(warnings=list(warnings)), []
    for edition in editions:
        target = Targets(output, name)(edition)
        entry = cache.fresh(name, edition, target)
        cover_target = Targets(output, name)(COVER)
        if entry is not None and edition == PRINT and cover:
            if cache.fresh(name, COVER, cover_target) is None:
                entry = None  # made again with the print edition it depends on
            else:
                result.outputs[COVER.format] = cover_target
        if entry is None:
            todo.append(edition)
            continue
        result.outputs[edition.format] = target
        if entry.pages:
            result.pages[edition.format] = entry.pages
    return result, todo


def render(book: Book, cache: BuildCache, result: BuildResult, progress: Progress) -> RenderedBook:
    """Transform: every page of the book, chapters rendered before read from the cache."""
    # Importing the renderer and the writers (WeasyPrint above all) takes most of a
    # second: a build with nothing to do should not pay for it.
    from makebook.render.book import render_book

    rendered = render_book(book, progress, cache.pages_folder)
    result.warnings.extend(w for page in rendered.pages for w in page.warnings)
    return rendered


def write_editions(
    rendered: RenderedBook,
    todo: list[Edition],
    editions: list[Edition],
    targets: Targets,
    cache: BuildCache,
    result: BuildResult,
    release: bool,
    progress: Progress,
) -> None:
    """Write: lay the PDF editions out, then write every edition to do, each file replaced
    only once all are complete."""
    from makebook.epub.writer import write_epub
    from makebook.pdf.layouts import lay_out_pdfs

    starts = cache.page_starts()
    # An EPUB built alone reuses an earlier chapter-by-chapter print layout (not --release).
    reuse_print = cache.laid_out_before(targets.name, PRINT) and not release
    layouts, warnings = lay_out_pdfs(
        rendered, [e.name for e in pdfs_to_lay_out(todo, editions, starts, reuse_print)],
        cache.folder, targets.name, {e.name: targets(e) for e in (PRINT, SCREEN)}, release,
        progress, [e.name for e in todo if e.is_pdf],
    )  # fmt: skip
    result.warnings.extend(warnings)
    if PRINT.name in layouts:
        starts = layouts[PRINT.name].starts()
        cache.remember_page_starts(starts)
    if EPUB in todo and starts is None:
        result.warnings.append(NO_PAGE_LIST)
    try:
        with contextlib.ExitStack() as stack:
            temps = {e: stack.enter_context(atomic_output(targets(e))) for e in todo}
            # The PDF editions are written in worker processes while this one packs the EPUB.
            waits = []
            for edition in (e for e in todo if e.is_pdf):
                progress(f"Writing the {edition.format.upper()} edition")
                wait = layouts[edition.name].start_writing(temps[edition])
                if edition.name == PRINT.name:
                    from makebook.pdf.cover import SERVICES
                    from makebook.pdf.print_colour import after

                    book = rendered.book  # print-ready, within the service's ink
                    ink = SERVICES[book.printing.service].max_ink
                    wait = after(wait, temps[edition], book.pdf.color, ink)
                waits.append(wait)
            if EPUB in todo:
                progress("Writing the EPUB edition")
                write_epub(rendered, temps[EPUB], starts or (), source_date_epoch(),
                           cache.folder / "epub-fonts")  # fmt: skip
            for wait in waits:
                wait()
            if PRINT in todo and not rendered.book.is_sample:
                temps[COVER] = stack.enter_context(atomic_output(targets(COVER)))
                result.warnings.extend(write_cover(rendered, temps[PRINT], temps[COVER], progress))
        # Every output is complete and in place (atomic_output renamed them): record them.
        for edition in todo:
            if edition.is_pdf:
                result.pages[edition.format] = layouts[edition.name].pages
            result.outputs[edition.format] = targets(edition)
            cache.record(targets.name, edition, targets(edition), result.pages.get(edition.format))
        if COVER in temps:
            result.outputs[COVER.format] = targets(COVER)
            cache.record(targets.name, COVER, targets(COVER), None)
    finally:
        for layout in layouts.values():
            layout.discard()


def write_cover(
    rendered: RenderedBook, print_pdf: Path, out: Path, progress: Progress
) -> list[Problem]:
    """The print cover, for the finished print PDF's page count; its warnings."""
    from makebook.pdf.cover import page_count, write_print_cover

    progress("Writing the print cover")
    return write_print_cover(rendered, page_count(print_pdf), out)


def pdfs_to_lay_out(
    todo: list[Edition],
    editions: list[Edition],
    starts: tuple[PageStart, ...] | None,
    reuse_print: bool,
) -> list[Edition]:
    """The PDF editions to lay out: those to write, and the print edition whenever its
    page numbers are needed for the EPUB's page-list and are not cached. The print
    edition is laid out whenever it is built, and first; an EPUB built alone gets the
    numbers too when an earlier build laid the print edition out (only what changed is
    laid out again)."""
    needs_print = PRINT in todo or (
        starts is None and (PRINT in editions or (EPUB in todo and reuse_print))
    )
    return [e for e, wanted in ((PRINT, needs_print), (SCREEN, SCREEN in todo)) if wanted]


NO_PAGE_LIST = Problem(
    "this EPUB has no print page numbers (page-list): they come from the print "
    "layout, which an EPUB-only build skips",
    hint="build the print edition too (make-book, or -f epub -f pdf) to add them",
    severity="warning",
)


def fail_if_strict(strict: bool, warnings: list[Problem]) -> None:
    """With --strict a warning stops the build, before anything is written."""
    if strict and warnings:
        raise ManuscriptError([replace(w, severity="error") for w in warnings])


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


def check(manuscript: Path) -> list[Problem]:
    """Load and render without writing anything; every error and warning found."""
    from makebook.render.book import render_book

    diagnostics = Diagnostics()
    try:
        rendered = render_book(load_book(manuscript, diagnostics))
    except ManuscriptError as exc:
        return diagnostics.problems + [p for p in exc.problems if p not in diagnostics.problems]
    # What rendering found (raw HTML removed, dead links, raw TeX left out, unreadable
    # math, syntax printed as text), as a build reports it.
    found = dict.fromkeys(w for page in rendered.pages for w in page.warnings)  # once each
    return diagnostics.problems + [p for p in found if p not in diagnostics.problems]


def remember_images(memo: Path) -> None:
    """What decoding the book's images found, for the next build (see manuscript/images.py)."""
    text = images.memo_text()
    with contextlib.suppress(OSError):
        if memo.is_file() and memo.read_text(encoding="utf-8") == text:
            return
    with contextlib.suppress(OSError):
        write_atomically(memo, text)
