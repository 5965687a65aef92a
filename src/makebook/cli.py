"""`make-book`: thin commands over build.py and the model."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import tempfile
import time
import traceback
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
from typer.core import TyperGroup

from makebook.author.scaffold import init_book, new_chapter
from makebook.build import BuildResult, build, check
from makebook.cache import CACHE_DIR
from makebook.editions import FORMATS
from makebook.errors import ManuscriptError, Problem
from makebook.files import check_output
from makebook.manuscript.loader import load_book
from makebook.manuscript.stats import book_stats

STOPPED = "Stopped; the previous book is unchanged."
ISSUES = "https://github.com/makebook/makebook/issues"


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound like Ctrl-C: temporary files are removed, outputs untouched."""


def raise_terminated(_signum: int, _frame: object) -> None:
    raise Terminated()


class GuardedGroup(TyperGroup):
    """Every command runs inside this: Ctrl-C or SIGTERM prints one line, and an error
    nobody planned for (a bug in makebook) one line and a report, never a traceback."""

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # typer's own: usage errors, exit codes
        except KeyboardInterrupt as exc:
            console.print(STOPPED)
            raise typer.Exit(143 if isinstance(exc, Terminated) else 130) from None
        except Exception as exc:
            where = crash_report(exc, ctx.meta.get("output") or Path("build"))
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            console.print(
                f"[red]error[/red]: makebook stopped on a bug of its own "
                f"({type(exc).__name__}{': ' + escape(first) if first else ''}); the full "
                f"report is in {escape(str(where))}: please send it to {ISSUES}"
            )
            raise typer.Exit(2) from None


def crash_report(exc: BaseException, output: Path) -> Path | str:
    """Write the traceback where the author can find it and send it: the output folder's
    cache when there is one, else a temporary file."""
    from makebook.cache import versions

    text = "".join(
        [
            f"makebook crash report, {time.strftime('%Y-%m-%d %H:%M:%S')}\n",
            f"command: {' '.join(sys.argv)}\n",
            f"versions: {json.dumps(versions())}\n\n",
            *traceback.format_exception(exc),
        ]
    )
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    with contextlib.suppress(OSError):
        if output.is_dir():
            folder = output / CACHE_DIR
            folder.mkdir(exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            return folder / name
    try:
        handle, temp = tempfile.mkstemp(prefix=f"makebook-{name[:-4]}-", suffix=".txt")
        with open(handle, "w", encoding="utf-8") as file:
            file.write(text)
        return Path(temp)
    except OSError as error:
        return f"nowhere (it could not be written: {error})"


app = typer.Typer(
    cls=GuardedGroup,
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
        show_default="manuscript/, or the current folder",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Where the editions are written.", show_default="build/"),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Show only errors.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Show every step.")]
ReleaseOption = Annotated[
    bool,
    typer.Option(
        "--release",
        help="Lay the PDFs out as one document each (slower; smallest files) instead of "
        "chapter by chapter.",
    ),
]


@dataclass
class Options:
    """The options every command takes, before its name or after it: `make-book -m X
    check` and `make-book check -m X` are the same. Those after the name win."""

    manuscript: Path | None = None
    output: Path | None = None
    quiet: bool = False
    verbose: bool = False
    release: bool = False

    def reporter(self) -> Reporter:
        return Reporter(0 if self.quiet else 2 if self.verbose else 1)

    def root(self) -> Path:
        return find_manuscript(self.manuscript)

    def out(self) -> Path:
        return self.output if self.output is not None else Path("build")


def options(
    ctx: typer.Context,
    manuscript: Path | None = None,
    output: Path | None = None,
    quiet: bool = False,
    verbose: bool = False,
    release: bool = False,
) -> Options:
    """The options given before the command's name (kept by main_callback) with those
    given after it on top."""
    before = ctx.obj if isinstance(ctx.obj, Options) else Options()
    merged = Options(
        manuscript=manuscript if manuscript is not None else before.manuscript,
        output=output if output is not None else before.output,
        quiet=quiet or before.quiet,
        verbose=verbose or before.verbose,
        release=release or before.release,
    )
    ctx.meta["output"] = merged.out()  # where a crash report goes
    return merged


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
        disable=reporter.level == 0 or not console.is_terminal,  # no bar in a log
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


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    output: OutputOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    release: ReleaseOption = False,
) -> None:
    """With no command, build every edition."""
    ctx.obj = options(ctx, manuscript, output, quiet, verbose, release)
    if ctx.invoked_subcommand is None:
        given = ctx.obj
        run_build(
            given.reporter(), given.manuscript, given.out(), list(FORMATS), release=given.release
        )


FormatOption = Annotated[
    list[str] | None,
    typer.Option(
        "--format", "-f", help="epub, pdf (print) or screen; repeat for several (default: all)."
    ),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Stop at any warning, before writing anything.")
]
WatchOption = Annotated[
    bool, typer.Option("--watch", help="Then build again on every save (Ctrl-C stops).")
]


@app.command("build")
def build_command(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    output: OutputOption = None,
    formats: FormatOption = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="A sample edition: first chapters and where to buy.")
    ] = False,
    strict: StrictOption = False,
    release: ReleaseOption = False,
    watch: WatchOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Build the book's editions.

    Examples: `make-book build --format epub --output dist/`;
    `make-book build -f pdf -f screen -m ~/books/my-book`; `make-book build --watch`
    """
    given = options(ctx, manuscript, output, quiet, verbose, release)
    build_editions(given, formats, sample, strict, watch)


@app.command("sample")
def sample_command(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    output: OutputOption = None,
    formats: FormatOption = None,
    strict: StrictOption = False,
    release: ReleaseOption = False,
    watch: WatchOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Build the sample edition: the first chapters and where to buy (as `build --sample`).

    Examples: `make-book sample`; `make-book sample -f epub`
    """
    given = options(ctx, manuscript, output, quiet, verbose, release)
    build_editions(given, formats, True, strict, watch)


def build_editions(
    given: Options, formats: list[str] | None, sample: bool, strict: bool, watch: bool
) -> None:
    chosen = formats or list(FORMATS)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        console.print(
            f"[red]error[/red]: unknown format {', '.join(unknown)}; use epub, pdf or screen"
        )
        raise typer.Exit(2)
    run = watch_builds if watch else run_build
    run(given.reporter(), given.manuscript, given.out(), chosen, sample, strict, given.release)


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
    from makebook.author.watch import Outcome, rebuild_on_save

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
    output: OutputOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Check everything that can be wrong with the manuscript, all at once; write nothing.

    Examples: `make-book check`; `make-book check --strict --format json`
    """
    given = options(ctx, manuscript, output, quiet, verbose)
    root = given.root()
    try:
        problems = check(root)
    except ManuscriptError as exc:
        problems = exc.problems
    errors = [p for p in problems if p.severity == "error" or strict]
    if output_format == "json":
        rows = [{**asdict(p), "path": str(p.path) if p.path else None} for p in problems]
        typer.echo(json.dumps({"ok": not errors, "problems": rows}, indent=2))
    else:
        report(problems, root, given.reporter())
        if not errors and given.reporter().level:
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
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Start a new book: book.toml with comments, one chapter of each kind, styles.

    Example: `make-book init my-book --title "The Listening Year" --author "Maren Ellis"`
    """
    given = options(ctx, quiet=quiet, verbose=verbose)
    try:
        init_book(folder, title, author)
    except ManuscriptError as exc:
        raise fail(exc, folder, given.reporter()) from None
    if given.reporter().level:
        console.print(
            f"[green]✓[/green] New book in {folder}. Build it with: make-book -m {folder}"
        )


@app.command("new")
def new_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="essay, concept or note.")],
    title: Annotated[str, typer.Argument(help="The chapter's title.")],
    manuscript: ManuscriptOption = None,
    output: OutputOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Add a chapter file and put it at the end of the reading order in book.toml.

    Example: `make-book new concept "Co-regulation"`
    """
    given = options(ctx, manuscript, output, quiet, verbose)
    root = given.root()
    try:
        path = new_chapter(root, kind, title)
    except ManuscriptError as exc:
        raise fail(exc, root, given.reporter()) from None
    if given.reporter().level:
        console.print(f"[green]✓[/green] {path.relative_to(root)} added to book.toml")


@app.command("stats")
def stats_command(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    output: OutputOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Words, reading time and estimated print pages, per chapter and in total.

    Example: `make-book stats`
    """
    given = options(ctx, manuscript, output, quiet, verbose)
    root = given.root()
    try:
        book = load_book(root)
    except ManuscriptError as exc:
        raise fail(exc, root, given.reporter()) from None
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
    output: OutputOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Serve the book on 127.0.0.1, rebuild on every save, and reload the browser by itself.

    Example: `make-book preview --port 8080`, then open http://127.0.0.1:8080/
    """
    given = options(ctx, manuscript, output, quiet, verbose)
    root, reporter = given.root(), given.reporter()
    folder = given.out() / "preview"
    try:
        check_output(folder)
    except ManuscriptError as exc:
        raise fail(exc, root, reporter) from None

    def rebuilt(changed: list[str], detail: str) -> None:
        if changed and reporter.level:
            console.print(f"[green]✓[/green] rebuilt in {detail} s: {', '.join(changed[:4])}")
        elif not changed and not detail.replace(".", "").isdigit():
            console.print(f"[red]error[/red]: {escape(detail)}")

    if reporter.level:
        console.print(f"Previewing {root} at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
    from makebook.author.preview import serve

    with contextlib.suppress(KeyboardInterrupt):
        try:
            serve(root, folder, port, rebuilt)
        except ManuscriptError as exc:
            raise fail(exc, root, reporter) from None


def minutes(value: float) -> str:
    hours, rest = divmod(round(value), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def main() -> None:
    # A terminated build unwinds like Ctrl-C: temporary files are removed, outputs untouched.
    signal.signal(signal.SIGTERM, raise_terminated)
    app()
