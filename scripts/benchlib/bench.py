"""`scripts/bench`: makebook against pandoc 3 on the same synthetic manuscript.

makebook runs through its CLI in a subprocess, as an author runs it, so the
numbers include start-up, loading and writing. pandoc gets the same chapter
files in reading order, for the EPUB and for a PDF through the same WeasyPrint:
once with its own defaults, and once like for like, with makebook's stylesheets,
trim and language (pandoc.py). WeasyPrint's floor (floor.py: one layout and one
write of the whole book, nothing else) is timed in the same run.
See `--help`; `--sizes 10,40,160` gives the full scaling table (several minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from .edits import edit_paragraph, grow_chapter
from .genbook import BookSummary, generate_book
from .measure import Sample, Series, repeat, run_measured, watched
from .pandoc import EPUB_SHEETS, PANDOC_FLAGS, PRINT_SHEETS, Design, design, pandoc_command
from .report import SizeResult, scaling_table, size_table, targets

REPO = Path(__file__).resolve().parents[2]
# Resolved: under a venv path reached through a symlink, makebook's BookFetcher
# (pdf/document.py) compares a font's unresolved path with resolved roots and refuses it.
VENV_BIN = (REPO / ".venv").resolve() / "bin"
MAKE_BOOK = VENV_BIN / "make-book"
EDITIONS = ("epub", "pdf")  # the two editions the targets speak of; `screen` is left out
WARNING = re.compile(r"\bwarning: (?P<message>.*)")
MAKEBOOK_SCENARIOS = (
    "epub_cold",
    "both_cold",
    "release_pdf",
    "noop",
    "edit_paragraph",
    "edit_watched",
    "grow_chapter",
)
PRIMARY = 40  # the size the targets are stated for
LABELS = {
    "pandoc_epub": "pandoc EPUB",
    "pandoc_pdf": "pandoc PDF (WeasyPrint)",
    "pandoc_epub_design": "pandoc EPUB, makebook's CSS",
    "pandoc_pdf_design": "pandoc PDF, makebook's design",
    "floor": "WeasyPrint floor (1 layout)",
    "epub_cold": "1. full EPUB, cold",
    "both_cold": "2. EPUB + PDF, cold",
    "release_pdf": "2r. PDF as one document",
    "noop": "3. no-op rebuild",
    "edit_paragraph": "4. one-paragraph edit",
    "edit_watched": "4b. the same, build --watch",
    "grow_chapter": "5. chapter grows 2 pages",
}


def pandoc_path() -> str:
    import pypandoc  # only the benchmark needs it: pip install -e '.[bench]'

    return pypandoc.get_pandoc_path()


def version_of(argv: list[str]) -> str:
    output = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    return output.splitlines()[0] if output else "?"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def count_pages(pdf: Path | None) -> int | None:
    """PDF pages, read back with pypdf: the unit of the memory target."""
    if pdf is None or not pdf.is_file():
        return None
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def print_pdf(folder: Path) -> Path | None:
    """The print edition in a build's output folder: not its cover, not the screen PDF."""
    others = ("-cover.pdf", "-screen.pdf")
    return next((p for p in sorted(folder.glob("*.pdf")) if not p.name.endswith(others)), None)


def makebook_command(book: Path, output: Path, formats: Sequence[str]) -> list[str]:
    argv = [str(MAKE_BOOK), "build", "-m", str(book), "-o", str(output)]
    for fmt in formats:
        argv += ["-f", fmt]
    return argv


def chapter_files(book: BookSummary) -> list[Path]:
    return [book.root / p for p in book.reading_order]


def find_font(url: str, root: Path) -> Path | None:
    """A `fonts/X.ttf` url as makebook resolves it (the book's fonts, then its own)."""
    from makebook.manuscript.styles import find_font as makebook_find_font

    return makebook_find_font(root / "styles", url)


def designs(book: BookSummary, folder: Path) -> tuple[Design, Design]:
    """makebook's EPUB and print designs, copied with their fonts for pandoc."""
    fonts = functools.partial(find_font, root=book.root)
    builtin = REPO / "styles"
    return (
        design(book.root, EPUB_SHEETS, builtin, folder / "epub", fonts, page_size=False),
        design(book.root, PRINT_SHEETS, builtin, folder / "print", fonts, page_size=True),
    )


def floor_sample(book: BookSummary, work: Path) -> Sample:
    """WeasyPrint's floor in a process of its own; its JSON line holds the CPU seconds
    of WeasyPrint's work alone (floor.py)."""
    script = Path(__file__).with_name("floor.py")
    return run_measured(
        [str(VENV_BIN / "python"), str(script), str(book.root), str(work / "floor.pdf")],
        os.environ.copy(),
    )


def run_floor(book: BookSummary, work: Path, runs: int, tag: str) -> tuple[Series, list[dict]]:
    series, found = Series(LABELS["floor"]), []
    for index in range(runs):
        sample = floor_sample(book, fresh(work / "floor"))
        if sample.ok:
            found.append(json.loads(sample.stdout.strip().splitlines()[-1]))
            # The series holds WeasyPrint's own seconds, not the process's start-up.
            sample = replace(sample, seconds=found[-1]["wall_s"], cpu_s=found[-1]["cpu_s"])
        series.samples.append(sample)
        series.command = ["python", "scripts/benchlib/floor.py", str(book.root), "floor.pdf"]
        status = f"{sample.cpu_s:.1f} CPU-s" if sample.ok else f"FAILED (exit {sample.returncode})"
        print(f"  {tag}{series.label}, run {index + 1}/{runs}: {status}", file=sys.stderr)
    return series, found


def fresh(folder: Path) -> Path:
    """An output folder with nothing in it: a cold build finds no earlier output."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def makebook_warnings(series: dict[str, Series]) -> list[str]:
    """makebook's warnings, one line per kind and scenario: a big book can print hundreds."""
    summary = []
    for key in MAKEBOOK_SCENARIOS:
        lines = series[key].samples[-1].stderr.splitlines() if series[key].samples else []
        found = (WARNING.search(line) for line in lines)
        kinds = Counter(re.sub(r"'[^']*'", "'...'", m["message"].strip()) for m in found if m)
        summary += [f"{key}: {n} x {message}" for message, n in kinds.most_common()]
    return summary


def makebook_package() -> Path:
    """The makebook package `make-book` imports: the repository's src/, or a frozen copy
    that PYTHONPATH puts first (to benchmark one version while the code is being edited)."""
    # __path__, not __file__: src/makebook has no __init__.py, so it is a namespace package.
    argv = [str(VENV_BIN / "python"), "-c", "import makebook; print(list(makebook.__path__)[0])"]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return Path(output.strip())


def source_digest(package: Path) -> str:
    """A fingerprint of makebook's code: the benchmark must not measure two versions."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_pandoc(
    pandoc: str, book: BookSummary, work: Path, runs: int, tag: str
) -> dict[str, Series]:
    """pandoc's EPUB and PDF with its defaults, and with makebook's design."""
    out = fresh(work / "pandoc")
    epub_design, print_design = designs(book, out / "design")
    runs_of = {
        "pandoc_epub": ("epub", None),
        "pandoc_pdf": ("pdf", None),
        "pandoc_epub_design": ("epub", epub_design),
        "pandoc_pdf_design": ("pdf", print_design),
    }
    return {
        key: repeat(
            Series(LABELS[key]),
            runs,
            lambda _i, t=out / f"{key}.{ext}", d=style: pandoc_command(
                pandoc, chapter_files(book), t, d
            ),
            tag=tag,
        )
        for key, (ext, style) in runs_of.items()
    }


def run_cold(book: BookSummary, work: Path, runs: int, tag: str) -> dict[str, Series]:
    """Scenarios 1 and 2: every run writes into a new, empty output folder."""
    epub = repeat(
        Series(LABELS["epub_cold"]),
        runs,
        lambda i: makebook_command(book.root, fresh(work / f"epub-{i}"), ["epub"]),
        tag=tag,
    )
    both = repeat(
        Series(LABELS["both_cold"]),
        runs,
        lambda i: makebook_command(book.root, fresh(work / f"both-{i}"), EDITIONS),
        tag=tag,
    )
    # Not a target: WeasyPrint laying out this book's design in one process (what
    # --release does), beside pandoc's one process with its plain default styles.
    # Chapter by chapter on two cores, the same pages take about half of it.
    release = repeat(
        Series(LABELS["release_pdf"]),
        runs,
        lambda i: [
            *makebook_command(book.root, fresh(work / f"release-{i}"), ["pdf"]),
            "--release",
        ],
        tag=tag,
    )
    return {"epub_cold": epub, "both_cold": both, "release_pdf": release}


def run_rebuilds(
    book: BookSummary, output: Path, runs: int, seed: int, tag: str
) -> dict[str, Series]:
    """Scenarios 3 to 5, each building into the output of the build before it."""
    chapter = book.root / book.middle_essay
    command = makebook_command(book.root, output, EDITIONS)
    return {
        "noop": repeat(Series(LABELS["noop"]), runs, lambda _i: command, tag=tag),
        "edit_paragraph": repeat(
            Series(LABELS["edit_paragraph"]),
            runs,
            lambda _i: command,
            before=lambda i: edit_paragraph(chapter, i),
            tag=tag,
        ),
        "edit_watched": watched(
            Series(LABELS["edit_watched"]),
            runs,
            [*command, "--watch"],
            before=lambda i: edit_paragraph(chapter, runs + i),  # not an edit made before
            tag=tag,
        ),
        "grow_chapter": repeat(
            Series(LABELS["grow_chapter"]),
            runs,
            lambda _i: command,
            before=lambda i: grow_chapter(chapter, i, seed),
            tag=tag,
        ),
    }


def bench_size(
    chapters: int, seed: int, runs: int, pandoc: str, root: Path, package: Path
) -> SizeResult:
    work = root / f"n{chapters}"
    shutil.rmtree(work, ignore_errors=True)
    book = generate_book(work / "book", chapters, seed)
    tag = f"N={chapters} "
    load, code = os.getloadavg()[0], source_digest(package)
    print(f"N = {chapters}: {book.words:,} words in {work / 'book'}", file=sys.stderr)
    series = run_pandoc(pandoc, book, work, runs, tag)
    series |= run_cold(book, work, runs, tag)
    last_cold = work / f"both-{runs - 1}"
    pdf_pages = count_pages(print_pdf(last_cold))
    pandoc_pages = count_pages(work / "pandoc" / "pandoc_pdf.pdf")
    design_pages = count_pages(work / "pandoc" / "pandoc_pdf_design.pdf")
    series |= run_rebuilds(book, last_cold, runs, seed, tag)
    series["floor"], floors = run_floor(book, work, runs, tag)
    loads = (load, os.getloadavg()[0])
    return SizeResult(
        chapters,
        book.words,
        book.works,
        pdf_pages,
        pandoc_pages,
        series,
        makebook_warnings(series),
        loads,
        (code, source_digest(package)),
        design_pages,
        floors[-1]["pages"] if floors else None,
    )


def size_json(result: SizeResult) -> dict[str, object]:
    return {
        "chapters": result.chapters,
        "words": result.words,
        "works": result.works,
        "pdf_pages": result.pdf_pages,
        "pandoc_pdf_pages": result.pandoc_pdf_pages,
        "pandoc_design_pdf_pages": result.design_pdf_pages,
        "floor_pages": result.floor_pages,
        "scenarios": {key: series.as_json() for key, series in result.series.items()},
        "targets": [t.as_json() for t in targets(result)],
        "makebook_warnings": result.warnings,
        "load_average_before_after": [round(x, 2) for x in result.load],
        "makebook_source_before_after": list(result.source),
    }


def environment(pandoc: str) -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "makebook": package_version("makebook"),
        "weasyprint": package_version("weasyprint"),
        "pandoc": version_of([pandoc, "--version"]),
    }


def write_json(path: Path, document: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def parse_sizes(text: str) -> list[int]:
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give chapter counts such as 10,40,160")
    return sizes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench",
        description="Benchmark makebook against pandoc 3 on a synthetic book.",
        epilog="--sizes 10,40,160 gives the full scaling table (N=160 takes several minutes).",
    )
    parser.add_argument(
        "--sizes",
        "--chapters",
        type=parse_sizes,
        default=[10, 40],
        help="book sizes in chapters, comma-separated (default 10,40)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="manuscript seed (default 1)")
    parser.add_argument(
        "--json", type=Path, default=REPO / "build" / "bench.json", help="where to write JSON"
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep the books and outputs here (default: a temp folder)"
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace, root: Path) -> int:
    started = time.perf_counter()
    os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["COLUMNS"] = "200"  # rich wraps makebook's messages at 80 columns in a pipe
    pandoc, package = pandoc_path(), makebook_package()
    print(f"makebook from {package}", file=sys.stderr)
    results = [bench_size(n, args.seed, args.runs, pandoc, root, package) for n in args.sizes]
    print()
    for result in results:
        print(size_table(result, args.runs))
        for line in result.warnings:
            print(f"  makebook warning in {line}")
        print()
    print(scaling_table(results))
    print(f"The issue states its targets for N = {PRIMARY} (about 170,000 words).")
    versions = {code for r in results for code in r.source}
    if len(versions) > 1:
        print(f"\nWARNING: {package} changed during the run ({len(versions)} versions seen);")
        print("the numbers mix versions of makebook: run the benchmark again.")
    duration = time.perf_counter() - started
    write_json(
        args.json,
        {
            "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "duration_s": round(duration, 1),
            "settings": {
                "sizes": args.sizes,
                "runs": args.runs,
                "seed": args.seed,
                "primary_size": PRIMARY,
                "makebook_formats": list(EDITIONS),
                "pandoc_flags": list(PANDOC_FLAGS),
            },
            "environment": environment(pandoc) | {"makebook_package": str(package)},
            "makebook_source_versions": len({c for r in results for c in r.source}),
            "sizes": [size_json(r) for r in results],
        },
    )
    print(f"\nWrote {args.json} in {duration / 60:.1f} min.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.runs < 1:
        print("error: --runs must be at least 1", file=sys.stderr)
        return 2
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return run(args, args.workdir)
    with tempfile.TemporaryDirectory(prefix="makebook-bench-") as temp:
        return run(args, Path(temp))
