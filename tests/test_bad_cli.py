"""Issue 15, the command line: never a stale book with exit 0, options wherever they are
written, and no traceback: a designed message for each planned error, one line for
Ctrl-C, one line and a report for a bug."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import copy_book
from makebook import cli
from makebook.build import BuildResult
from makebook.cli import app
from makebook.errors import ManuscriptError

runner = CliRunner()
MAKE_BOOK = [sys.executable, "-c", "from makebook.cli import main; main()"]
EPUB = "a-small-book.epub"


def chapter_one(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        return archive.read("EPUB/text/one.xhtml").decode("utf-8")


def add_line(chapter: Path, text: str) -> None:
    chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


# --- 1. the output folder may be anywhere; an edit is always seen ------------------------

PLACEMENTS = {
    # name: (folder to run in, argv giving the book and output, where the EPUB lands)
    "output . in the book": (
        lambda book: book,
        lambda book: ["--output", "."],
        lambda book: book,
    ),
    "--manuscript B --output B": (
        lambda book: book.parent,
        lambda book: ["--manuscript", str(book), "--output", str(book)],
        lambda book: book,
    ),
    "output = the book's parent": (
        lambda book: book.parent,
        lambda book: ["--manuscript", str(book), "--output", str(book.parent)],
        lambda book: book.parent,
    ),
    "output inside the book": (
        lambda book: book,
        lambda book: ["--output", "out"],
        lambda book: book / "out",
    ),
    "output elsewhere": (
        lambda book: book.parent,
        lambda book: ["-m", str(book), "-o", str(book.parent / "elsewhere")],
        lambda book: book.parent / "elsewhere",
    ),
}


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_an_edit_after_a_build_is_seen_wherever_the_output_folder_is(
    placement, small_book, tmp_path, monkeypatch
):
    here, argv, out = PLACEMENTS[placement]
    book = copy_book(small_book, tmp_path / "book")
    monkeypatch.chdir(here(book))
    command = [*argv(book), "build", "-f", "epub"]
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    epub = out(book) / EPUB
    written = epub.stat().st_mtime_ns

    again = runner.invoke(app, command)  # nothing changed: its own outputs are no input
    assert again.exit_code == 0, again.output
    assert epub.stat().st_mtime_ns == written, "an unchanged book was built again"

    add_line(book / "one.md", "A sentence written after the first build.")
    edited = runner.invoke(app, command)
    assert edited.exit_code == 0, edited.output
    assert "written after the first build" in chapter_one(epub)


def test_watching_a_book_that_holds_its_output_folder_sees_saves_and_does_not_loop(
    small_book, tmp_path
):
    from makebook.author.watch import rebuild_on_save

    book = copy_book(small_book, tmp_path / "book")
    outcomes: list[BuildResult | ManuscriptError] = []
    stop = threading.Event()

    def report(outcome: BuildResult | ManuscriptError, _seconds: float) -> None:
        outcomes.append(outcome)

    watcher = threading.Thread(
        target=rebuild_on_save, args=(book, book, ["epub"], report, stop), daemon=True
    )
    watcher.start()
    try:
        deadline = time.monotonic() + 60
        while not outcomes and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(outcomes) == 1 and isinstance(outcomes[0], BuildResult), outcomes
        time.sleep(2)  # the build wrote its EPUB and cache into the book's folder
        assert len(outcomes) == 1, "the watch rebuilt on its own outputs"
        add_line(book / "one.md", "Saved while watching.")
        deadline = time.monotonic() + 60
        while len(outcomes) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(outcomes) == 2, "a save in a book that holds its outputs was missed"
        assert "Saved while watching" in chapter_one(book / EPUB)
    finally:
        stop.set()
        watcher.join(timeout=10)


# --- 2. every option before or after the command's name ---------------------------------


@pytest.fixture
def elsewhere(tmp_path, monkeypatch) -> Path:
    """The current folder holds no book: a command that ignores -m fails."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def both_placements(command: list[str], options: list[str]) -> dict[str, list[str]]:
    return {"before": [*options, *command], "after": [*command, *options]}


@pytest.mark.parametrize("where", ["before", "after"])
def test_check_takes_the_manuscript_before_or_after(where, small_book, elsewhere):
    argv = both_placements(["check"], ["--manuscript", str(small_book)])[where]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "The manuscript is ready to build." in result.output


@pytest.mark.parametrize("where", ["before", "after"])
def test_check_is_quiet_before_or_after(where, small_book, elsewhere):
    argv = both_placements(["check"], ["-q", "-m", str(small_book)])[where]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0 and result.output == "", result.output


@pytest.mark.parametrize("where", ["before", "after"])
def test_build_takes_every_option_before_or_after(where, small_book, elsewhere, tmp_path):
    out = tmp_path / f"out-{where}"
    argv = both_placements(["build", "-f", "epub"], ["-m", str(small_book), "-o", str(out)])
    result = runner.invoke(app, argv[where])
    assert result.exit_code == 0, result.output
    assert (out / EPUB).is_file()
    assert not (elsewhere / "build").exists()


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("flag", ["-q", "--quiet", "-v", "--verbose"])
def test_build_takes_quiet_and_verbose_before_or_after(
    flag, where, small_book, elsewhere, tmp_path
):
    out = tmp_path / "out"
    argv = both_placements(["build", "-f", "epub"], [flag, "-m", str(small_book), "-o", str(out)])
    result = runner.invoke(app, argv[where])
    assert result.exit_code == 0, result.output
    if flag.startswith("-q") or flag == "--quiet":
        assert result.output == ""
    else:
        assert "Reading the manuscript" in result.output


@pytest.mark.parametrize("where", ["before", "after"])
def test_sample_is_build_sample_with_options_before_or_after(
    where, small_book, elsewhere, tmp_path
):
    out = tmp_path / "out"
    argv = both_placements(["sample", "-f", "epub"], ["-m", str(small_book), "-o", str(out)])
    result = runner.invoke(app, argv[where])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.glob("*.epub")] == ["a-small-book-sample.epub"]
    reference = tmp_path / "reference"
    same = runner.invoke(
        app, ["build", "--sample", "-f", "epub", "-m", str(small_book), "-o", str(reference)]
    )
    assert same.exit_code == 0, same.output
    sample = (out / "a-small-book-sample.epub").read_bytes()
    assert sample == (reference / "a-small-book-sample.epub").read_bytes()


@pytest.mark.parametrize("where", ["before", "after"])
def test_stats_takes_the_manuscript_before_or_after(where, small_book, elsewhere):
    argv = both_placements(["stats"], ["-m", str(small_book)])[where]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "A Small Book" in result.output and "The First Essay" in result.output


@pytest.mark.parametrize("where", ["before", "after"])
def test_new_takes_the_manuscript_and_quiet_before_or_after(where, small_book, elsewhere, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    argv = both_placements(["new", "essay", "Fresh Start"], ["-q", "-m", str(book)])[where]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert (book / "chapters" / "fresh-start.md").is_file()
    assert "chapters/fresh-start.md" in (book / "book.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["before", "after"])
def test_init_takes_quiet_before_or_after(where, elsewhere):
    argv = both_placements(["init", "new-book"], ["-q"])[where]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0 and result.output == "", result.output
    assert (elsewhere / "new-book" / "book.toml").is_file()


@pytest.mark.parametrize("where", ["before", "after"])
def test_preview_takes_the_manuscript_and_output_before_or_after(
    where, small_book, elsewhere, tmp_path, monkeypatch
):
    served = []
    monkeypatch.setattr(
        "makebook.author.preview.serve",
        lambda root, folder, port, *_: served.append((root, folder)),
    )
    out = tmp_path / "out"
    argv = both_placements(["preview"], ["-q", "-m", str(small_book), "-o", str(out)])[where]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert served == [(small_book, out / "preview")]
    assert result.output == ""


@pytest.mark.parametrize("where", ["before", "after"])
def test_release_before_or_after_the_sample_command(where, small_book, tmp_path, monkeypatch):
    """--release reaches the build whichever side of the command it is written on."""
    seen = {}

    def fake_build(manuscript, output, formats, progress, **options):
        seen.update(options)
        raise ManuscriptError([])

    monkeypatch.setattr(cli, "build", fake_build)
    argv = both_placements(["sample"], ["--release", "-m", str(small_book)])[where]
    runner.invoke(app, argv)
    assert seen == {"sample": True, "strict": False, "release": True}


# --- 3. (a book without styles/: manuscript/test_styles_default.py) ----------------------

# --- 4. planned errors: one paragraph naming the file, exit 1, nothing written ----------


def test_output_that_is_a_file_is_an_error(small_book, tmp_path):
    target = tmp_path / "somefile"
    target.write_text("keep me\n")
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(target)])
    assert result.exit_code == 1, result.output
    assert f"error: the output folder '{target}' is a file, not a folder" in result.output
    assert "hint: give --output a folder that can be written" in result.output
    assert "Traceback" not in result.output
    assert target.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["somefile"]


def test_output_under_a_file_is_an_error(small_book, tmp_path):
    target = tmp_path / "somefile"
    target.write_text("keep me\n")
    result = runner.invoke(app, ["-m", str(small_book), "-o", str(target / "out"), "build"])
    assert result.exit_code == 1, result.output
    assert f"cannot be made: '{target}' is a file" in result.output
    assert "1 error; nothing was written." in result.output


def test_output_folder_not_writable_is_an_error(small_book, tmp_path, monkeypatch):
    """As root no permission stops a write: the check is told the folder is read-only."""
    out = tmp_path / "locked"
    out.mkdir()
    monkeypatch.setattr("makebook.files.writable", lambda folder: folder != out)
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert f"error: the output folder '{out}' cannot be written" in result.output
    assert list(out.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder")
def test_output_folder_without_write_permission_is_an_error(small_book, tmp_path):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(out)])
    finally:
        out.chmod(0o755)
    assert result.exit_code == 1, result.output
    assert "cannot be written" in result.output


def test_a_write_refused_halfway_is_an_error_and_changes_nothing(small_book, tmp_path, monkeypatch):
    """A disk that refuses the write after the checks (read-only, full, permissions)."""
    import tempfile

    out = tmp_path / "out"
    book = copy_book(small_book, tmp_path / "book")
    assert runner.invoke(app, ["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    before = (out / EPUB).read_bytes()
    add_line(book / "one.md", "An edit the disk will not take.")

    def refused(*_args, dir=None, prefix="", suffix="", **_kw):  # noqa: A002
        raise PermissionError(13, "Permission denied", str(Path(dir) / f"{prefix}x{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    result = runner.invoke(app, ["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 1, result.output
    assert "error: cannot write" in result.output and "Permission denied" in result.output
    assert f"in the output folder '{out}'" in result.output
    assert (out / EPUB).read_bytes() == before


@pytest.mark.parametrize(
    "link, target",
    [("loop", "loop"), ("sub/self", "."), ("sub/up", "..")],
    ids=["to itself", "to its folder", "to the folder above"],
)
def test_a_symlink_loop_anywhere_in_the_book_is_an_error(link, target, small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / link).parent.mkdir(exist_ok=True)
    (book / link).symlink_to(target)
    out = tmp_path / "out"
    for argv in (["build", "-m", str(book), "-o", str(out)], ["check", "-m", str(book)]):
        result = runner.invoke(app, argv)
        assert result.exit_code == 1, result.output
        assert f"{link}: error: '{link}' is a symlink loop" in result.output
        assert f"hint: remove the link (rm '{link}')" in result.output
        assert "Traceback" not in result.output
    assert not out.exists()


def test_a_title_of_250_characters_gives_a_short_file_name(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    title = " ".join(["Remarkably"] * 25)  # 274 characters
    toml = book / "book.toml"
    toml.write_text(
        toml.read_text().replace('title = "A Small Book"', f'title = "{title}"'), encoding="utf-8"
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "-m", str(book), "-o", str(out), "-f", "epub"])
    assert result.exit_code == 0, result.output
    (epub,) = out.glob("*.epub")
    assert epub.stem == "-".join(["remarkably"] * 7)  # 76 characters: cut at a word
    assert len(epub.stem) <= 80


# --- 5. Ctrl-C and SIGTERM: one line, the previous book intact ---------------------------


def long_book(small_book: Path, tmp_path: Path) -> Path:
    """The small book with a long chapter, so that laying it out takes seconds."""
    from test_atomic import edited_book

    return edited_book(small_book, tmp_path)


def interrupted(book: Path, out: Path, sig: int, group: bool) -> tuple[int, str, list[int]]:
    """Start a build, stop it once its workers are at work; (exit code, stderr, workers)."""
    from test_atomic import forks_of

    process = subprocess.Popen(
        [*MAKE_BOOK, "-m", str(book), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while not workers and time.monotonic() < deadline:
        assert process.poll() is None, "the build ended before it could be interrupted"
        time.sleep(0.05)
        workers = forks_of(process.pid)
    time.sleep(0.3)  # at work, not starting
    assert process.poll() is None, "the build ended before it could be interrupted"
    if group:
        os.killpg(process.pid, sig)  # Ctrl-C: the terminal signals every process of the job
    else:
        process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr.decode("utf-8"), workers


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig, group, code",
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupted_build_says_one_line_and_leaves_the_previous_book(
    sig, group, code, small_book, tmp_path
):
    from makebook.build import build
    from test_atomic import alive, edit, outputs

    book = long_book(small_book, tmp_path)
    out = tmp_path / "out"
    build(book, out)
    before = outputs(out)
    edit(book)
    returncode, stderr, workers = interrupted(book, out, sig, group)
    assert stderr == "Stopped; the previous book is unchanged.\n"
    assert returncode == code
    assert outputs(out) == before  # no .part files, every edition as it was
    for _ in range(50):
        if not any(alive(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "workers outlived the stopped build"


# --- 6. an error nobody planned for: one line, a report, exit 2 -------------------------


def test_a_bug_in_a_build_is_one_line_and_a_report_in_the_cache(small_book, tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("an unexpected state")

    # The module, not makebook.build: the package exports the function build under that name.
    monkeypatch.setattr(sys.modules["makebook.build"], "load_book", broken)
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(app, ["build", "-m", str(small_book), "-o", str(out)])
    assert result.exit_code == 2, result.output
    (line,) = result.output.splitlines()
    assert line.startswith("error: makebook stopped on a bug of its own (RuntimeError: an ")
    (report,) = (out / ".makebook-cache").glob("crash-*.txt")
    assert str(report) in result.output
    text = report.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: an unexpected state" in text
    assert "Traceback" not in result.output


def test_a_bug_without_an_output_folder_reports_to_a_temporary_file(
    small_book, tmp_path, monkeypatch
):
    import tempfile

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(cli, "check", lambda root: (_ for _ in ()).throw(RuntimeError("boom")))
    result = runner.invoke(app, ["-m", str(small_book), "check"])
    assert result.exit_code == 2, result.output
    assert len(result.output.splitlines()) == 1
    (report,) = tmp_path.glob("makebook-crash-*.txt")
    assert str(report) in result.output
    assert "RuntimeError: boom" in report.read_text(encoding="utf-8")


# --- 7. words -----------------------------------------------------------------------------


def test_one_warning_is_a_warning(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "draft.md").write_text("---\nkind: essay\ntitle: Draft\n---\nText.\n")
    result = runner.invoke(app, ["check", "-m", str(book)])
    assert result.exit_code == 0, result.output
    assert "The manuscript is ready to build (1 warning)." in result.output
