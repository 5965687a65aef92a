"""scripts/preview-pages: every page of a PDF, small, in one PNG, set out as a book opens."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT, need

SCRIPT = ROOT / "scripts" / "preview-pages"
# Five pages, each a colour of its own, so each can be found on the sheet.
COLOURS = [(200, 30, 30), (30, 160, 30), (30, 30, 200), (220, 180, 0), (150, 0, 150)]


@pytest.fixture
def coloured_pdf(tmp_path) -> Path:
    pages = [Image.new("RGB", (200, 300), colour) for colour in COLOURS]
    pdf = tmp_path / "book.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:])
    return pdf


def preview_pages(*args: str) -> subprocess.CompletedProcess[str]:
    need(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def box_of(sheet: Image.Image, colour: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """Where the pixels of `colour` (give or take a little) are on the sheet."""
    data, width = sheet.tobytes(), sheet.width
    found = [
        (i % width, i // width)
        for i in range(sheet.width * sheet.height)
        if all(abs(data[3 * i + k] - colour[k]) <= 12 for k in range(3))
    ]
    assert found, f"the page of colour {colour} is not on the sheet"
    xs, ys = [x for x, _ in found], [y for _, y in found]
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def test_every_page_is_on_one_sheet_as_facing_pages(coloured_pdf, tmp_path):
    out = tmp_path / "sheet.png"
    result = preview_pages(str(coloured_pdf), "-o", str(out), "--width", "40", "--per-row", "4")
    assert result.returncode == 0, result.stderr
    assert "5 pages" in result.stdout
    sheet = Image.open(out).convert("RGB")
    boxes = [box_of(sheet, colour) for colour in COLOURS]
    for left, top, right, bottom in boxes:
        assert right - left == 40 and bottom - top == 60  # 200x300 scaled to 40 wide
    one, two, three, four, five = boxes
    # Page 1 stands alone on the right of the first spread; 2 and 3 face each other
    # across a narrow gutter; 4 and 5 open the next row, where 1's empty partner was.
    assert one[1] == two[1] == three[1] < four[1] == five[1]
    assert four[0] < one[0] and two[0] - one[2] > three[0] - two[2]
    assert five[0] == one[0]
    assert three[0] - two[2] < 10


def test_single_sets_the_pages_out_in_plain_rows(coloured_pdf, tmp_path):
    out = tmp_path / "sheet.png"
    result = preview_pages(
        str(coloured_pdf), "-o", str(out), "--width", "40", "--single", "--per-row", "3"
    )
    assert result.returncode == 0, result.stderr
    sheet = Image.open(out).convert("RGB")
    one, two, three, four, five = (box_of(sheet, colour) for colour in COLOURS)
    assert one[1] == two[1] == three[1] < four[1] == five[1]
    assert one[0] == four[0] and two[0] == five[0]


@pytest.mark.parametrize("content", [None, b"not a pdf"])
def test_a_missing_or_broken_pdf_is_refused_and_nothing_written(tmp_path, content):
    pdf = tmp_path / "book.pdf"
    if content is not None:
        pdf.write_bytes(content)
    out = tmp_path / "sheet.png"
    result = preview_pages(str(pdf), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith(f"preview-pages: {pdf}: ")
    assert "Traceback" not in result.stderr
    assert not out.exists()
