"""`scripts/profile-build`: where one makebook build's CPU goes, its worker processes
included (issue 21).

    scripts/profile-build BOOK [-f epub -f pdf] [--out build/profile]

Builds BOOK into a new, empty folder (a cold build) under cProfile. Every process
the build forks (the layout workers, the background join, the PDF writers) is
profiled too, by wrapping `multiprocessing`'s `Process.run`, and each division's
layout records its CPU seconds: the first layout, and the second one of a division
that prints the page of a later one (the contents, "see page N"). The profiles count
CPU seconds (time.process_time), not wall time, so a process waiting for another
costs nothing in them; they are kept (`*.prof`, for snakeviz or pstats) and summed
up step by step.

cProfile slows pure-Python code down (WeasyPrint's layout by about 1.5x here), so the
shares matter more than the seconds; `scripts/bench` gives the seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import json
import os
import pstats
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# (label, file the function is in (a path suffix), function): the steps of a build.
# Cumulative CPU of each, summed over the processes; nested steps are indented.
STEPS = (
    ("imports (all processes)", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("load the manuscript", "makebook/manuscript/loader.py", "load_book"),
    ("render the book (main process)", "makebook/render/book.py", "render_book"),
    ("  format the appendices' entries (CSL)", "makebook/render/appendices.py", "appendix_pages"),
    ("render chapters (worker processes)", "makebook/render/book.py", "render_in_worker"),
    ("write the EPUB", "makebook/epub/writer.py", "write_epub"),
    ("  subset its fonts", "makebook/epub/fonts.py", "add_fonts"),
    ("lay out the PDFs (main process)", "makebook/pdf/layouts.py", "lay_out_pdfs"),
    ("WeasyPrint layout (render_html)", "makebook/pdf/document.py", "render_html"),
    ("  parse the HTML and CSS", "weasyprint/__init__.py", "__init__"),
    ("  the style cascade", "weasyprint/css/__init__.py", "get_all_computed_styles"),
    ("  lay out the pages", "weasyprint/layout/__init__.py", "layout_document"),
    ("page map (raw_starts)", "makebook/pdf/pagemap.py", "raw_starts"),
    ("measure a layout", "makebook/pdf/chapterwise/layout.py", "measure"),
    ("WeasyPrint write_pdf (write_document)", "makebook/pdf/document.py", "write_document"),
    ("  paint the pages", "weasyprint/document.py", "paint"),
    ("  embed (and subset) the fonts", "weasyprint/pdf/fonts.py", "build_fonts_dictionary"),
    ("  tag the PDF", "weasyprint/pdf/tags.py", "add_tags"),
    ("  compress and write (pydyf)", "pydyf/__init__.py", "write"),
    ("join the divisions (pikepdf)", "makebook/pdf/chapterwise/join.py", "serve_join"),
    ("  share fonts between divisions", "makebook/pdf/chapterwise/fonts.py", "share_fonts"),
    ("print colour (CMYK, ink)", "makebook/pdf/print_colour.py", "make_print_ready"),
    ("write the print cover", "makebook/pdf/cover.py", "write_print_cover"),
)


@dataclass(frozen=True)
class JobRecord:
    """One division laid out in a worker: its CPU and which layout it was."""

    edition: str
    division: str
    again: bool  # the second layout of a division that printed a later page
    measured_only: bool  # its result was thrown away but for the page count
    cpu_s: float
    layout_cpu_s: float  # of it, in render_html (WeasyPrint's layout)
    write_cpu_s: float  # of it, in write_document (WeasyPrint's PDF)


def step_times(stats: pstats.Stats, steps: Iterable[tuple[str, str, str]]) -> dict[str, float]:
    """The cumulative seconds of each step's function in `stats` (0 when never called)."""
    found: dict[str, float] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for label, where, name in steps:
        found[label] = sum(
            row[3] for (path, _line, func), row in raw.items() if func == name and where in path
        )
    return found


def layout_summary(records: list[JobRecord]) -> dict[str, float]:
    """Worker CPU split three ways: divisions laid out once; the first layout of those
    that print a later page, only measured and thrown away; and their second layout."""
    once = [r for r in records if not r.again and not r.measured_only]
    thrown = [r for r in records if r.measured_only]
    again = [r for r in records if r.again]
    found: dict[str, float] = {
        "divisions laid out once": len(once),
        "divisions laid out twice": len(again),
    }
    for name, group in (("once", once), ("measured only", thrown), ("second", again)):
        found[f"{name}: CPU-s"] = sum(r.cpu_s for r in group)
        found[f"{name}: WeasyPrint layout"] = sum(r.layout_cpu_s for r in group)
        found[f"{name}: writing the PDF"] = sum(r.write_cpu_s for r in group)
    return found


def summary_lines(
    steps: dict[str, float],
    processes: dict[str, float],
    layout: dict[str, float],
    profiled: bool = True,
) -> list[str]:
    total = sum(processes.values())
    how = "under cProfile" if profiled else "not profiled"
    lines = [f"CPU seconds by process ({total:.1f} in all, {how}):"]
    lines += [f"  {name:<44}{seconds:>8.2f}" for name, seconds in processes.items()]
    if steps:
        lines.append("Cumulative CPU seconds by step, all processes (nested steps indented):")
    for label, seconds in steps.items():
        share = f"{100 * seconds / total:5.1f} %" if total else ""
        lines.append(f"  {label:<44}{seconds:>8.2f}  {share}")
    lines.append("Division layouts (worker processes):")
    for label, value in layout.items():
        shown = f"{value:>8}" if isinstance(value, int) else f"{value:>8.2f}"
        lines.append(f"  {label:<44}{shown}")
    return lines


# --- In the profiled build ---------------------------------------------------------

STATE: dict[str, float] = {"layout": 0.0, "write": 0.0}


def counted(kind: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            STATE[kind] += time.process_time() - started

    return wrapper


def recorded(folder: Path, function: Callable[..., Any]) -> Callable[..., Any]:
    """lay_out_job, recording each division's CPU in `folder/jobs-PID.jsonl`."""
    from makebook.pdf.chapterwise.layout import Stage

    @functools.wraps(function)
    def wrapper(job: Any, board: Any) -> Any:
        STATE["layout"] = STATE["write"] = 0.0
        started = time.process_time()
        key, laid = function(job, board)
        record = JobRecord(
            job.context.edition,
            str(job.seat.index) if job.seat is not None else "whole",
            bool(job.seat is not None and job.seat.last),
            laid.stage is Stage.MEASURED,
            time.process_time() - started,
            STATE["layout"],
            STATE["write"],
        )
        with (folder / f"jobs-{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(vars(record)) + "\n")
        return key, laid

    return wrapper


def profile_processes(folder: Path, profiled: bool = True) -> None:
    """Profile every process forked from here on, saved as `folder/PID-NAME.prof`, and
    save its CPU seconds as `folder/PID-NAME.cpu` (only those without `profiled`)."""
    from multiprocessing import process

    run = process.BaseProcess.run

    def run_profiled(self: Any) -> None:
        profile = cProfile.Profile(time.process_time)
        if profiled:
            profile.enable()
        try:
            run(self)
        finally:
            profile.disable()
            name = getattr(self._target, "__name__", "process")  # type: ignore[attr-defined]
            if profiled:
                profile.dump_stats(folder / f"{os.getpid()}-{name}.prof")
            cpu = sum(os.times()[:2])
            (folder / f"{os.getpid()}-{name}.cpu").write_text(f"{cpu}\n", encoding="utf-8")

    process.BaseProcess.run = run_profiled  # type: ignore[method-assign]


def instrument(folder: Path, profiled: bool) -> None:
    from makebook.pdf.chapterwise import layout

    profile_processes(folder, profiled)
    layout.render_html = counted("layout", layout.render_html)
    layout.write_document = counted("write", layout.write_document)
    layout.lay_out_job = recorded(folder, layout.lay_out_job)


def build_profiled(
    book: Path, formats: list[str], out: Path, folder: Path, profiled: bool = True
) -> int:
    from makebook.cli import main

    instrument(folder, profiled)
    argv = ["make-book", "build", "-m", str(book), "-o", str(out)]
    for fmt in formats:
        argv += ["-f", fmt]
    sys.argv = argv
    profile = cProfile.Profile(time.process_time)
    code = 0
    if profiled:
        profile.enable()
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        profile.disable()
    if profiled:
        profile.dump_stats(folder / "main.prof")
    # The main process's own CPU (its children are counted in their own files).
    (folder / "main.cpu").write_text(f"{sum(os.times()[:2])}\n", encoding="utf-8")
    return code


def process_kind(name: str) -> str:
    """`12345-_process_worker.prof` -> `_process_worker` (what the process ran)."""
    return name.split("-", 1)[1] if "-" in name else name


def read_profiles(
    folder: Path,
) -> tuple[pstats.Stats | None, dict[str, float], list[JobRecord]]:
    profiles = sorted(folder.glob("*.prof"))
    stats = pstats.Stats(*(str(p) for p in profiles)) if profiles else None
    processes: dict[str, float] = defaultdict(float)
    for cpu in folder.glob("*.cpu"):
        processes[process_kind(cpu.stem)] += float(cpu.read_text())
    records = [
        JobRecord(**json.loads(line))
        for jobs in sorted(folder.glob("jobs-*.jsonl"))
        for line in jobs.read_text(encoding="utf-8").splitlines()
    ]
    return stats, dict(processes), records


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="profile-build", description=__doc__.split("\n")[0])
    parser.add_argument("book", type=Path, help="the book folder")
    parser.add_argument("-f", "--format", action="append", dest="formats", default=None)
    parser.add_argument("--out", type=Path, default=Path("build/profile"), help="profiles here")
    parser.add_argument(
        "--timers-only",
        action="store_true",
        help="no cProfile: only each process's and each division's CPU seconds, undistorted",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    formats = args.formats or ["epub", "pdf"]
    folder = args.out.resolve()
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "output").mkdir(parents=True)
    profiled = not args.timers_only
    code = build_profiled(args.book.resolve(), formats, folder / "output", folder, profiled)
    if code != 0:
        print(f"the build failed (exit {code})", file=sys.stderr)
        return code
    stats, processes, records = read_profiles(folder)
    steps = step_times(stats, STEPS) if stats is not None else {}
    lines = summary_lines(steps, processes, layout_summary(records), profiled)
    print("\n".join(lines))
    with contextlib.redirect_stdout(sys.stderr):
        print(f"\nProfiles in {folder}: pstats / snakeviz on *.prof", file=sys.stderr)
    return 0
