"""build(): load, transform, write. Every command goes through here."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .chapters import slugify
from .epub import write_epub
from .errors import Diagnostics, ManuscriptError, Problem
from .loader import load_book
from .model import RenderedBook
from .pagemap import page_starts
from .pdf import lay_out, write_pdf
from .sample import make_sample
from .transform import render_book

FORMATS = ("epub", "pdf", "screen")
SUFFIXES = {"epub": ".epub", "pdf": ".pdf", "screen": "-screen.pdf"}


@dataclass
class BuildResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; it replaces `target` only when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    temp_path = Path(temp)
    try:
        yield temp_path
        os.chmod(temp_path, 0o644)
        os.replace(temp_path, target)
    finally:
        temp_path.unlink(missing_ok=True)


def source_date_epoch() -> dt.datetime | None:
    """The reproducible-builds convention: a fixed build time from the environment."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)


def output_name(rendered: RenderedBook) -> str:
    return slugify(rendered.meta.title)


def check(manuscript: Path) -> list[Problem]:
    """Load and render without writing anything; every error and warning found."""
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
    progress: Callable[[str], None] = lambda _: None,
    sample: bool = False,
) -> BuildResult:
    diagnostics = Diagnostics()
    progress("Reading the manuscript")
    book = load_book(manuscript, diagnostics)
    if sample:
        book = make_sample(book)
    progress("Rendering chapters")
    rendered = render_book(book)
    result = BuildResult(warnings=diagnostics.warnings)
    # The EPUB's page-list carries the print edition's page numbers, so the print PDF
    # is laid out first, once, and both are written from that one layout.
    progress("Laying out pages")
    print_layout = lay_out(rendered, "print")
    starts = page_starts(rendered, print_layout)
    for fmt in formats:
        progress(f"Writing the {fmt.upper()} edition")
        name = output_name(rendered) + ("-sample" if sample else "")
        target = output / f"{name}{SUFFIXES[fmt]}"
        with atomic_output(target) as temp:
            if fmt == "epub":
                write_epub(rendered, temp, starts, source_date_epoch())
            elif fmt == "pdf":
                write_pdf(rendered, print_layout, temp, "print")
                result.pages[fmt] = len(print_layout.pages)
            else:
                screen_layout = lay_out(rendered, "screen")
                write_pdf(rendered, screen_layout, temp, "screen")
                result.pages[fmt] = len(screen_layout.pages)
        result.outputs[fmt] = target
    return result
