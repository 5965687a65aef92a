"""Line breaks a proofreader checks, read back from a PDF with pdfplumber.

Used by the tests and runnable on any PDF makebook wrote:

    python tests/pdf/linebreaks.py build/the-listening-year.pdf [--first N] [--last N]

It prints the share of lines ending in a hyphen, the words broken at a line end that
start with a capital, paragraphs whose last line is the end of a broken word ('com-' /
'pany.'), runs of more than two hyphenated lines in a row, and loose lines (a space
between words over 0.6 em, from justifying a line that was not hyphenated).

What counts, read from the page alone:
- a line ends hyphenated when its last word ends in a hyphen after a letter and a
  line follows it in the same column (on the page, or the next page's first line);
- the break is a word's own hyphen ('co-' / 'regulation'), not a hyphenation, when the
  book prints the same word with its hyphen inside a line somewhere, or a capital
  follows it ('Social-' / 'Emotional');
- a paragraph's last line is a fragment when it follows a hyphenated line and holds a
  single word;
- lines belong to one column when each starts within one line height below the other.
Running heads and folios (in the top and bottom margins) are left out.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber

HYPHENS = ("-", "\u2010")
# The print design's margins (styles/pdf.css): running heads and folios sit outside them.
# A space between words this wide (the font's own is a quarter of an em) is a gap
# a reader sees, made by justifying a line that could not be hyphenated.
LOOSE = 0.6
TOP_MARGIN_PT = 0.8 * 72
BOTTOM_MARGIN_PT = 0.85 * 72


@dataclass(frozen=True)
class Line:
    page: int  # 1-based page index in the file
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    widest_space: float = 0.0  # the widest space between two words, in ems

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass(frozen=True)
class Break:
    """A word broken across two lines."""

    page: int
    before: str  # the line's last word, with its hyphen
    after: str  # the next line's first word

    @property
    def word(self) -> str:
        return self.before.rstrip("".join(HYPHENS)) + self.after

    def __str__(self) -> str:
        return f"p{self.page}: {self.before}/{self.after}"


@dataclass
class Report:
    lines: int = 0
    hyphenated: list[Break] = field(default_factory=list)  # hyphenations (not a word's own hyphen)
    own_hyphens: list[Break] = field(default_factory=list)  # 'co-' / 'regulation'
    capitalised: list[Break] = field(default_factory=list)
    fragments: list[Break] = field(default_factory=list)  # the paragraph's last line
    runs: list[list[Break]] = field(default_factory=list)  # > 2 hyphen-ended lines in a row
    loose: list[Line] = field(default_factory=list)  # a space between words over LOOSE ems

    @property
    def share(self) -> float:
        return len(self.hyphenated) / self.lines if self.lines else 0.0

    def summary(self) -> str:
        return "\n".join(
            [
                f"lines: {self.lines}",
                f"hyphenated lines: {len(self.hyphenated)} ({100 * self.share:.1f}% of lines)",
                f"lines ending in a word's own hyphen: {len(self.own_hyphens)}",
                f"capitalised words broken: {len(self.capitalised)}"
                + "".join(f"\n  {b}" for b in self.capitalised),
                f"paragraphs ending in a fragment: {len(self.fragments)}"
                + "".join(f"\n  {b}" for b in self.fragments),
                f"runs of more than 2 hyphen-ended lines: {len(self.runs)}"
                + "".join(f"\n  {' | '.join(map(str, run))}" for run in self.runs),
                f"loose lines (a space over {LOOSE} em): {len(self.loose)}"
                + "".join(f"\n  p{line.page}: {line.text}" for line in self.loose),
            ]
        )


def page_lines(
    pdf_path: Path,
    first: int = 1,
    last: int | None = None,
    top: float = TOP_MARGIN_PT,
    bottom: float = BOTTOM_MARGIN_PT,
) -> list[list[Line]]:
    """The text lines of each page inside the margins (in points), top to bottom."""
    pages: list[list[Line]] = []
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            if number < first or (last is not None and number > last):
                continue
            height = float(page.height)
            lines = [
                Line(
                    number,
                    raw["text"],
                    raw["x0"],
                    raw["x1"],
                    raw["top"],
                    raw["bottom"],
                    widest_space(raw["chars"]),
                )
                for raw in page.extract_text_lines(layout=False, strip=True)
                if raw["text"].strip()
                and raw["top"] >= top - 2
                and raw["bottom"] <= height - bottom + 2
            ]
            pages.append(sorted(lines, key=lambda line: line.top))
    return pages


def widest_space(chars: list[dict]) -> float:  # type: ignore[type-arg]
    """The widest gap between two characters of a line, in ems of the font size (the
    spaces between words: the PDF draws none)."""
    gaps = [
        (right["x0"] - left["x1"]) / left["size"]
        for left, right in zip(chars, chars[1:], strict=False)
        if left["size"]
    ]
    return max(gaps, default=0.0)


def follows(previous: Line, line: Line) -> bool:
    """`line` is the next line of the same text block as `previous`."""
    if line.page != previous.page:
        return line.page == previous.page + 1
    height = previous.bottom - previous.top
    return 0 < line.top - previous.top <= 1.6 * max(height, 1.0)


def ends_hyphenated(line: Line) -> bool:
    words = line.words
    return (
        bool(words) and len(words[-1]) > 1 and words[-1][-1] in HYPHENS and words[-1][-2].isalpha()
    )


def check(
    pdf_path: Path,
    first: int = 1,
    last: int | None = None,
    top: float = TOP_MARGIN_PT,
    bottom: float = BOTTOM_MARGIN_PT,
) -> Report:
    pages = page_lines(pdf_path, first, last, top, bottom)
    flat = [line for page in pages for line in page]
    # Words the book prints with their own hyphen inside a line: "co-regulation".
    hyphenated_words = {
        word.lower().strip(".,;:!?\u2019\u201d)")
        for line in flat
        for word in line.words[:-1] + line.words[-1:]
        if re.search(r"\w[-\u2010]\w", word)
    }
    report = Report(lines=len(flat), loose=[line for line in flat if line.widest_space > LOOSE])
    run: list[Break] = []
    for index, line in enumerate(flat):
        following = flat[index + 1] if index + 1 < len(flat) else None
        if following is None or not ends_hyphenated(line) or not follows(line, following):
            run = []
            continue
        brk = Break(line.page, line.words[-1], following.words[0])
        joined = (line.words[-1] + following.words[0]).lower().strip(".,;:!?\u2019\u201d)")
        if joined in hyphenated_words or following.words[0][:1].isupper():
            report.own_hyphens.append(brk)
        else:
            report.hyphenated.append(brk)
            if (
                brk.before[:1].isupper()
                or brk.before[:1] in "\u2018\u201c"
                and brk.before[1:2].isupper()
            ):
                report.capitalised.append(brk)
            after = flat[index + 2] if index + 2 < len(flat) else None
            last_line = (
                after is None or not follows(following, after) or starts_paragraph(following, after)
            )
            if len(following.words) == 1 and last_line:
                report.fragments.append(brk)
        run.append(brk)
        if len(run) == 3:
            report.runs.append(run)
        elif len(run) > 3:
            report.runs[-1] = list(run)
    return report


def starts_paragraph(previous: Line, line: Line) -> bool:
    """`line` opens a new paragraph: indented against a previous line that fills less."""
    return line.x0 > previous.x0 + 4


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--first", type=int, default=1, help="first page to read (1-based)")
    parser.add_argument("--last", type=int, default=None, help="last page to read")
    args = parser.parse_args(argv)
    print(check(args.pdf, args.first, args.last).summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
