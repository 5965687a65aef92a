"""`make-book`: thin commands over build.py and the model."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from .build import FORMATS, BuildResult, build, check
from .errors import ManuscriptError, Problem
from .loader import load_book
from .scaffold import init_book, new_chapter
from .stats import book_stats

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    rich_markup_mode="markdown",
    help="Build a store-ready EPUB and book-grade PDFs from a Markdown manuscript.\n\n"
    "Examples:\n\n"
    "* `make-book` builds every edition into build/\n"
    "* `make-book build --format epub` builds only the EPUB\n"
    "* `make-book check` validates the manuscript and writes nothing",
)
console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class Reporter:
    """How much to tell the author, set by -q / -v and handed to every command."""

    level: int = 1  # 0: errors only, 1: normal, 2: every step


ManuscriptOption = Annotated[
    Path | None,
    typer.Option(
        "--manuscript",
        "-m",
        help="The book's folder (holds book.toml).",
        show_default="manuscript/",
    ),
]
OutputOption = Annotated[
    Path, typer.Option("--output", "-o", help="Where the editions are written.")
]


def find_manuscript(option: Path | None) -> Path:
    if option is not None:
        return option
    here = Path.cwd()
    return here / "manuscript" if (here / "manuscript" / "book.toml").is_file() else here


def source_line(root: Path, problem: Problem) -> list[str]:
    """The offending line with a caret under the column, as a compiler shows it."""
    if problem.path is None or problem.line is None:
        return []
    try:
        lines = (root / problem.path).read_text(encoding="utf-8-sig").splitlines()
        text = lines[problem.line - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        return []
    indent = len(text) - len(text.lstrip())
    column = (problem.column - 1) if problem.column else indent
    return [f"  {problem.line:>4} | {text}", "       | " + " " * column + "^"]


def report(problems: list[Problem], root: Path, reporter: Reporter) -> None:
    for problem in problems:
        if problem.severity == "warning" and reporter.level == 0:
            continue
        colour = "red" if problem.severity == "error" else "yellow"
        where = problem.location()
        prefix = f"[bold]{escape(where)}[/bold]: " if where else ""
        console.print(f"{prefix}[{colour}]{problem.severity}[/{colour}]: {escape(problem.message)}")
        for line in source_line(root, problem):
            console.print(escape(line), style="dim" if line.lstrip().startswith("|") else None)
        if problem.hint:
            console.print(f"  [dim]hint:[/dim] {escape(problem.hint)}")


def fail(exc: ManuscriptError, root: Path, reporter: Reporter) -> typer.Exit:
    report(exc.problems, root, reporter)
    count = len(exc.problems)
    console.print(f"[red]{count} error{'s' if count != 1 else ''}; nothing was written.[/red]")
    return typer.Exit(1)


def summary(result: BuildResult, seconds: float, reporter: Reporter) -> None:
    if reporter.level == 0:
        return
    for fmt, path in result.outputs.items():
        size = path.stat().st_size / 1024
        pages = result.pages.get(fmt)
        detail = f", {pages} pages" if pages else ""
        console.print(f"[green]✓[/green] {fmt:<6} {path}  ({size:,.0f} KB{detail})")
    warnings = len(result.warnings)
    console.print(
        f"Done in {seconds:.1f} s"
        + (f", {warnings} warning{'s' if warnings != 1 else ''}." if warnings else ".")
    )


def run_build(
    reporter: Reporter,
    manuscript: Path | None,
    output: Path,
    formats: list[str],
    sample: bool = False,
    strict: bool = False,
    release: bool = False,
) -> None:
    started = time.perf_counter()
    root = find_manuscript(manuscript)

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=reporter.level == 0,
    )
    task = bar.add_task("Building", total=None)

    def progress(message: str, done: int | None = None, total: int | None = None) -> None:
        """Steps update the bar; per-chapter work moves it along."""
        if reporter.level >= 2:
            console.print(f"[dim]{time.perf_counter() - started:6.1f} s[/dim]  {escape(message)}")
        bar.update(task, description=escape(message), completed=done or 0, total=total)

    try:
        with bar:
            result = build(
                root, output, formats, progress, sample=sample, strict=strict, release=release
            )
    except ManuscriptError as exc:
        raise fail(exc, root, reporter) from None
    report(result.warnings, root, reporter)
    summary(result, time.perf_counter() - started, reporter)


ReleaseOption = typer.Option(
    "--release",
    help="Lay the PDFs out as one document each (slower; smallest files) instead of "
    "chapter by chapter.",
)


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    output: OutputOption = Path("build"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Show only errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every step.")] = False,
    release: Annotated[bool, ReleaseOption] = False,
) -> None:
    """With no command, build every edition."""
    ctx.obj = Reporter(0 if quiet else 2 if verbose else 1)
    ctx.meta["release"] = release  # `make-book --release build ...` means a release build too
    if ctx.invoked_subcommand is None:
        run_build(ctx.obj, manuscript, output, list(FORMATS), release=release)


@app.command("build")
def build_command(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    output: OutputOption = Path("build"),
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format", "-f", help="epub, pdf (print) or screen; repeat for several (default: all)."
        ),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="A sample edition: first chapters and where to buy.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at any warning, before writing anything.")
    ] = False,
    release: Annotated[bool, ReleaseOption] = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="Then build again on every save (Ctrl-C stops).")
    ] = False,
) -> None:
    """Build the book's editions.

    Examples: `make-book build --format epub --output dist/`;
    `make-book build -f pdf -f screen -m ~/books/my-book`; `make-book build --watch`
    """
    chosen = formats or list(FORMATS)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        console.print(
            f"[red]error[/red]: unknown format {', '.join(unknown)}; use epub, pdf or screen"
        )
        raise typer.Exit(2)
    release = release or bool(ctx.meta.get("release"))
    if watch:
        watch_builds(ctx.obj, manuscript, output, chosen, sample, strict, release)
    else:
        run_build(ctx.obj, manuscript, output, chosen, sample, strict, release)


def watch_builds(
    reporter: Reporter,
    manuscript: Path | None,
    output: Path,
    formats: list[str],
    sample: bool,
    strict: bool,
    release: bool,
) -> None:
    """`build --watch`: one build, then one after every save, each reported like a build."""
    from .watch import Outcome, rebuild_on_save

    root = find_manuscript(manuscript)

    def reported(outcome: Outcome, seconds: float) -> None:
        if isinstance(outcome, ManuscriptError):
            report(outcome.problems, root, reporter)
            count = len(outcome.problems)
            console.print(
                f"[red]{count} error{'s' if count != 1 else ''}; the outputs are as the last "
                "good build left them.[/red] Waiting for a save."
            )
            return
        report(outcome.warnings, root, reporter)
        summary(outcome, seconds, reporter)
        if reporter.level:
            console.print("Waiting for a save (Ctrl-C to stop).")

    with contextlib.suppress(KeyboardInterrupt):
        rebuild_on_save(
            root, output, formats, reported, sample=sample, strict=strict, release=release
        )


@app.command("check")
def check_command(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="text, or json for tools and editors.")
    ] = "text",
) -> None:
    """Check everything that can be wrong with the manuscript, all at once; write nothing.

    Examples: `make-book check`; `make-book check --strict --format json`
    """
    root = find_manuscript(manuscript)
    try:
        problems = check(root)
    except ManuscriptError as exc:
        problems = exc.problems
    errors = [p for p in problems if p.severity == "error" or strict]
    if output_format == "json":
        rows = [{**asdict(p), "path": str(p.path) if p.path else None} for p in problems]
        typer.echo(json.dumps({"ok": not errors, "problems": rows}, indent=2))
    else:
        report(problems, root, ctx.obj)
        if not errors:
            count = len(problems)
            detail = f" ({count} warning{'s' if count != 1 else ''})" if count else ""
            console.print(f"[green]✓[/green] The manuscript is ready to build{detail}.")
    if errors:
        raise typer.Exit(1)


@app.command("init")
def init_command(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="The new book's folder.")],
    title: Annotated[str, typer.Option(help="The book's title.")] = "Untitled",
    author: Annotated[str, typer.Option(help="The author's name.")] = "Anonymous",
) -> None:
    """Start a new book: book.toml with comments, one chapter of each kind, styles.

    Example: `make-book init my-book --title "The Listening Year" --author "Maren Ellis"`
    """
    try:
        init_book(folder, title, author)
    except ManuscriptError as exc:
        raise fail(exc, folder, ctx.obj) from None
    console.print(f"[green]✓[/green] New book in {folder}. Build it with: make-book -m {folder}")


@app.command("new")
def new_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="essay, concept or note.")],
    title: Annotated[str, typer.Argument(help="The chapter's title.")],
    manuscript: ManuscriptOption = None,
) -> None:
    """Add a chapter file and put it at the end of the reading order in book.toml.

    Example: `make-book new concept "Co-regulation"`
    """
    root = find_manuscript(manuscript)
    try:
        path = new_chapter(root, kind, title)
    except ManuscriptError as exc:
        raise fail(exc, root, ctx.obj) from None
    console.print(f"[green]✓[/green] {path.relative_to(root)} added to book.toml")


@app.command("stats")
def stats_command(ctx: typer.Context, manuscript: ManuscriptOption = None) -> None:
    """Words, reading time and estimated print pages, per chapter and in total.

    Example: `make-book stats`
    """
    root = find_manuscript(manuscript)
    try:
        book = load_book(root)
    except ManuscriptError as exc:
        raise fail(exc, root, ctx.obj) from None
    rows = book_stats(book)
    table = Table(title=book.meta.title, show_footer=True)
    table.add_column("Chapter", footer="Total")
    table.add_column("Kind")
    table.add_column("Words", justify="right", footer=f"{sum(r.words for r in rows):,}")
    table.add_column("Reading", justify="right", footer=minutes(sum(r.minutes for r in rows)))
    table.add_column("Pages", justify="right", footer=f"≈{sum(r.pages for r in rows):.0f}")
    for row in rows:
        table.add_row(
            row.title, row.kind, f"{row.words:,}", minutes(row.minutes), f"{row.pages:.1f}"
        )
    Console(soft_wrap=True).print(table)


@app.command("preview")
def preview_command(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    output: OutputOption = Path("build"),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Serve the book on 127.0.0.1, rebuild on every save, and reload the browser by itself.

    Example: `make-book preview --port 8080`, then open http://127.0.0.1:8080/
    """
    root = find_manuscript(manuscript)
    folder = output / "preview"

    def rebuilt(changed: list[str], detail: str) -> None:
        if changed:
            console.print(f"[green]✓[/green] rebuilt in {detail} s: {', '.join(changed[:4])}")
        elif not detail.replace(".", "").isdigit():
            console.print(f"[red]error[/red]: {escape(detail)}")

    console.print(f"Previewing {root} at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    from .preview import serve

    with contextlib.suppress(KeyboardInterrupt):
        serve(root, folder, port, rebuilt)


def minutes(value: float) -> str:
    hours, rest = divmod(round(value), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def main() -> None:
    # A terminated build unwinds like Ctrl-C: temporary files are removed, outputs untouched.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    app()
