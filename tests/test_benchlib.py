"""scripts/bench's pure parts: pandoc's command lines for makebook's design, the ratios
and targets it reports, the table, and the CPU seconds it measures (issue 21)."""

from __future__ import annotations

import cProfile
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))

from benchlib.bench import print_pdf  # noqa: E402
from benchlib.genbook import generate_book  # noqa: E402
from benchlib.measure import Sample, Series, run_measured  # noqa: E402
from benchlib.pandoc import (  # noqa: E402
    EPUB_SHEETS,
    PRINT_SHEETS,
    Design,
    book_settings,
    design,
    font_urls,
    pandoc_command,
    trim_css,
)
from benchlib.profile import JobRecord, layout_summary, read_profiles, step_times, summary_lines  # noqa: E402
from benchlib.report import SizeResult, scaling_table, size_table, targets  # noqa: E402

from makebook.editions import EPUB, PRINT  # noqa: E402


def test_the_stylesheets_given_to_pandoc_are_makebooks_in_its_cascade_order():
    assert EPUB.stylesheets == EPUB_SHEETS
    assert PRINT.stylesheets == PRINT_SHEETS


@pytest.mark.parametrize(
    ("trim", "css"),
    [
        ("5.5x8.5in", "@page { size: 5.5in 8.5in; }\n"),
        ("6 x 9 in", "@page { size: 6in 9in; }\n"),
        ("148x210mm", "@page { size: 148mm 210mm; }\n"),
    ],
)
def test_the_trim_becomes_a_page_size(trim, css):
    assert trim_css(trim) == css


def test_a_trim_that_is_no_size_is_refused():
    with pytest.raises(ValueError, match="not a trim size"):
        trim_css("letter")


def test_the_trim_and_language_come_from_book_toml_with_makebooks_default_trim(tmp_path):
    toml = tmp_path / "book.toml"
    toml.write_text('[book]\ntitle = "T"\nlanguage = "de"\n', encoding="utf-8")
    assert book_settings(toml) == ("6x9in", "de")
    toml.write_text('[book]\ntitle = "T"\n[pdf]\ntrim = "5x8in"\n', encoding="utf-8")
    assert book_settings(toml) == ("5x8in", None)


def test_font_urls_are_the_fonts_folder_files_a_sheet_names_once_each():
    css = textwrap.dedent("""
        @font-face { src: url("fonts/A.ttf"); }
        @font-face { src: url( 'fonts/B.otf' ) format("opentype"); }
        @font-face { src: url(fonts/A.ttf); }
        .x { background: url("images/fonts.png"); }
        """)
    assert font_urls(css) == ["fonts/A.ttf", "fonts/B.otf"]


def test_the_print_design_copies_the_books_sheets_links_their_fonts_and_adds_the_trim(tmp_path):
    book = generate_book(tmp_path / "book", 1, 7)
    (book.root / "styles" / "print.css").write_text("p { color: red; }\n", encoding="utf-8")
    font = tmp_path / "SourceSerifPro-Regular.ttf"
    font.write_bytes(b"a font")
    found = {"fonts/SourceSerifPro-Regular.ttf": font}
    builtin = SCRIPTS.parent / "styles"

    style = design(book.root, PRINT_SHEETS, builtin, tmp_path / "print", found.get, True)

    names = [p.name for p in style.stylesheets]
    assert names == ["book.css", "pdf.css", "print.css", "trim.css"]
    assert all(p.is_absolute() for p in style.stylesheets)
    assert style.language == "en-GB"
    assert (tmp_path / "print" / "print.css").read_text() == "p { color: red; }\n"  # the book's
    assert (tmp_path / "print" / "trim.css").read_text() == "@page { size: 5.5in 8.5in; }\n"
    assert (tmp_path / "print" / "fonts" / font.name).read_bytes() == b"a font"
    epub = design(book.root, EPUB_SHEETS, builtin, tmp_path / "epub", found.get, False)
    assert [p.name for p in epub.stylesheets] == ["book.css", "epub.css"]


def test_pandoc_with_its_defaults_and_with_makebooks_design():
    chapters = [Path("/b/front/preface.md"), Path("/b/chapters/one.md")]
    assert pandoc_command("pandoc", chapters, Path("/o/book.epub")) == [
        "pandoc", "--file-scope", "/b/front/preface.md", "/b/chapters/one.md",
        "-o", "/o/book.epub",
    ]  # fmt: skip
    style = Design((Path("/d/book.css"), Path("/d/trim.css")), "en-GB")
    assert pandoc_command("pandoc", chapters, Path("/o/book.pdf"), style) == [
        "pandoc", "--file-scope", "/b/front/preface.md", "/b/chapters/one.md",
        "--pdf-engine=weasyprint", "--css=/d/book.css", "--css=/d/trim.css",
        "--metadata", "lang=en-GB", "-o", "/o/book.pdf",
    ]  # fmt: skip


def test_the_print_pdf_is_neither_the_cover_nor_the_screen_edition(tmp_path):
    for name in ("b-cover.pdf", "b-screen.pdf", "b.pdf", "b.epub"):
        (tmp_path / name).write_bytes(b"")
    assert print_pdf(tmp_path) == tmp_path / "b.pdf"
    (tmp_path / "b.pdf").unlink()
    assert print_pdf(tmp_path) is None


def series(seconds: float, cpu: float | None = None, peak: float = 100.0, ok=True) -> Series:
    return Series("x", samples=[Sample(seconds, peak, 0 if ok else 1, "", cpu)])


def measured(**overrides: Series) -> SizeResult:
    found = {
        "pandoc_epub": series(4.0, 4.0),
        "pandoc_pdf": series(20.0, 20.0),
        "pandoc_epub_design": series(4.0, 4.0, 170),
        "pandoc_pdf_design": series(16.0, 40.0, 250),
        "epub_cold": series(2.0, 2.5),
        "both_cold": series(13.0, 48.0, 300),
        "release_pdf": series(50.0, 50.0),
        "noop": series(0.4, 0.4),
        "edit_paragraph": series(2.2, 3.0),
        "edit_watched": series(1.5),
        "grow_chapter": series(10.0, 12.0),
        "floor": series(41.0, 40.0),
    }
    return SizeResult(40, 173_000, 340, 600, 370, found | overrides, [], (1.0, 1.2), ("a", "a"))


def test_the_targets_are_ratios_to_pandoc_with_makebooks_design_and_to_the_floor():
    found = {t.name.strip(): t for t in targets(measured())}
    assert found["1. EPUB, cold"].value == pytest.approx(0.5)  # 2 / 4
    assert found["2. EPUB + print PDF, cold"].value == pytest.approx(13 / 20)  # 4 + 16
    assert found["2. EPUB + print PDF, cold"].verdict == "PASS"
    assert found["the same, CPU"].value == pytest.approx(48 / 44)
    assert found["vs pandoc's default PDF"].value == pytest.approx(13 / 20)
    assert found["3. no-op rebuild"].value == pytest.approx(0.4)
    assert found["4. one-paragraph edit"].value == pytest.approx(2.2 / 20)
    assert found["4. one-paragraph edit"].verdict == "FAIL"
    assert found["6. peak memory, EPUB + PDF"].value == pytest.approx(300 / 250)
    assert found["per print page"].value == pytest.approx(0.5)
    assert found["per print page"].verdict == "PASS"  # at the limit
    assert found["7. CPU, EPUB + print PDF"].value == pytest.approx(48 / 40)
    assert found["7. CPU, EPUB + print PDF"].verdict == "PASS"


def test_a_failed_run_gives_no_ratio_and_no_verdict():
    found = {t.name: t for t in targets(measured(both_cold=series(13.0, 48.0, ok=False)))}
    assert found["2. EPUB + print PDF, cold"].value is None
    assert found["2. EPUB + print PDF, cold"].verdict == "-"
    assert found["7. CPU, EPUB + print PDF"].verdict == "-"


def test_the_table_shows_each_measurement_its_reference_ratio_limit_and_verdict():
    table = size_table(measured(), runs=3).splitlines()
    row = next(line for line in table if "2. EPUB + print PDF, cold" in line)
    assert row.split() == [
        "2.", "EPUB", "+", "print", "PDF,", "cold", "13.00", "s", "20.00", "s", "0.65x",
        "<=", "0.7", "x", "pandoc", "EPUB+PDF", "PASS",
    ]  # fmt: skip
    cpu = next(line for line in table if "7. CPU" in line)
    assert "48.0 CPU-s" in cpu and "40.0 CPU-s" in cpu and "1.20x" in cpu and "PASS" in cpu
    noop = next(line for line in table if "3. no-op" in line)
    assert noop.split()[3:] == ["0.40", "s", "-", "<=", "0.5", "s", "PASS"]  # no ratio
    assert "600 print pages" in table[0] and "median of 3 runs" in table[0]


def test_cpu_seconds_include_the_children_a_command_waits_for(tmp_path):
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
    script = tmp_path / "burn.py"
    script.write_text(burn, encoding="utf-8")
    parent = (
        f"import subprocess, sys\nsubprocess.run([sys.executable, {str(script)!r}], check=True)\n"
        + burn
    )
    sample = run_measured([sys.executable, "-c", parent])
    assert sample.ok
    assert sample.cpu_s is not None and sample.cpu_s >= 0.6  # the parent's 0.3 and the child's


def test_the_scaling_table_has_a_row_a_size_with_cpu_and_the_floor():
    table = scaling_table([measured()]).splitlines()
    assert table[1].split()[:3] == ["N", "words", "pages"]
    row = table[3].split()
    assert row[:3] == ["40", "173,000", "600"]
    assert row[3:5] == ["4.00", "16.00"]  # pandoc in makebook's design
    assert row[12:14] == ["48.00", "40.00"]  # makebook's CPU, WeasyPrint's floor


def spin(seconds: float) -> None:
    started = time.process_time()
    while time.process_time() - started < seconds:
        pass


def lay_out() -> None:
    spin(0.05)
    write_pdf()


def write_pdf() -> None:
    spin(0.03)


def test_a_step_is_the_cumulative_cpu_of_its_function_summed_over_processes(tmp_path):
    for name in ("1-main", "2-_process_worker"):
        profile = cProfile.Profile(time.process_time)
        profile.runcall(lay_out)
        profile.dump_stats(tmp_path / f"{name}.prof")
        (tmp_path / f"{name}.cpu").write_text("1.5\n", encoding="utf-8")
    stats, processes, records = read_profiles(tmp_path)
    steps = (
        ("layout", "tests/test_benchlib.py", "lay_out"),
        ("  writing", "tests/test_benchlib.py", "write_pdf"),
        ("never", "tests/test_benchlib.py", "join"),
    )
    found = step_times(stats, steps)
    assert found["layout"] == pytest.approx(0.16, abs=0.03)  # both processes
    assert found["  writing"] == pytest.approx(0.06, abs=0.02)
    assert found["never"] == 0
    assert processes == {"main": 1.5, "_process_worker": 1.5}
    assert records == []


def test_worker_layouts_split_into_once_thrown_away_and_second():
    records = [
        JobRecord("print", "0", False, True, 2.0, 1.9, 0.0),  # contents: measured only
        JobRecord("print", "1", False, False, 3.0, 2.0, 1.0),
        JobRecord("print", "0", True, False, 2.5, 1.5, 1.0),  # contents again
    ]
    found = layout_summary(records)
    assert found["divisions laid out once"] == 1
    assert found["divisions laid out twice"] == 1
    assert found["once: CPU-s"] == 3.0
    assert found["measured only: WeasyPrint layout"] == 1.9
    assert found["second: writing the PDF"] == 1.0
    lines = summary_lines({"layout": 4.0}, {"main": 6.0, "_process_worker": 2.0}, found)
    assert lines[0] == "CPU seconds by process (8.0 in all, under cProfile):"
    assert "layout" in lines[4] and lines[4].rstrip().endswith("4.00   50.0 %")
    assert any(line.split() == ["divisions", "laid", "out", "twice", "1"] for line in lines)
