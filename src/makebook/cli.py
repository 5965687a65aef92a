"""`make-book`: thin commands over build.py."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .build import FORMATS, build, check
from .errors import ManuscriptError, Problem

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="Build a store-ready EPUB and a book-grade PDF from a Markdown manuscript.\n\n"
    "Examples:\n\n  make-book                      build every edition into build/\n\n"
    "  make-book build --format epub  only the EPUB\n\n"
    "  make-book check                validate the manuscript, write nothing",
)
console = Console(stderr=True, highlight=False)

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


def report(problems: list[Problem]) -> None:
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        where = problem.location()
        prefix = f"[bold]{where}[/bold]: " if where else ""
        console.print(
            f"{prefix}[{colour}]{problem.severity}[/{colour}]: {problem.message}", markup=True
        )
        if problem.hint:
            console.print(f"  [dim]hint:[/dim] {problem.hint}", markup=True)


def fail(exc: ManuscriptError) -> typer.Exit:
    report(exc.problems)
    count = len(exc.problems)
    console.print(f"[red]{count} error{'s' if count != 1 else ''}; nothing was written.[/red]")
    return typer.Exit(1)


def run_build(manuscript: Path | None, output: Path, formats: list[str]) -> None:
    started = time.perf_counter()
    try:
        with console.status("Building…") as status:
            result = build(find_manuscript(manuscript), output, formats, status.update)
    except ManuscriptError as exc:
        raise fail(exc) from None
    report(result.warnings)
    for fmt, path in result.outputs.items():
        size = path.stat().st_size / 1024
        console.print(f"[green]✓[/green] {fmt.upper():4} {path}  ({size:,.0f} KB)")
    console.print(f"Done in {time.perf_counter() - started:.1f} s.")


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    manuscript: ManuscriptOption = None,
    output: OutputOption = Path("build"),
) -> None:
    """With no command, build every edition."""
    if ctx.invoked_subcommand is None:
        run_build(manuscript, output, list(FORMATS))


@app.command("build")
def build_command(
    manuscript: ManuscriptOption = None,
    output: OutputOption = Path("build"),
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="epub, pdf (print) or screen; repeat for several (default: all)."),
    ] = None,
) -> None:
    """Build the book's editions.

    Example: make-book build --format epub --output dist/
    """
    chosen = formats or list(FORMATS)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        console.print(f"[red]error[/red]: unknown format {', '.join(unknown)}; use epub, pdf or screen")
        raise typer.Exit(2)
    run_build(manuscript, output, chosen)


@app.command("check")
def check_command(manuscript: ManuscriptOption = None) -> None:
    """Validate the manuscript without writing anything.

    Example: make-book check --manuscript ~/books/my-book
    """
    try:
        warnings = check(find_manuscript(manuscript))
    except ManuscriptError as exc:
        report(exc.problems)
        raise typer.Exit(1) from None
    report(warnings)
    console.print(f"[green]✓[/green] The manuscript is ready to build ({len(warnings)} warnings).")


def main() -> None:
    app()
