"""Holes in a laid-out book: how many lines short of the text block each page ends,
read back from the PDF with pdfplumber (issue 19, "Flow without holes").

A page of running text should fill its text block down to the last line. It may run
short at the end of a chapter, or when the next page opens with a figure that did
not fit under the text. Everything else is a hole.

    python tests/pdf/holes.py BOOK.pdf [--screen]    # one line a page that runs short

The text block comes from the page design (styles/pdf.css, screen.css: the top and
bottom margins) and the trim box; the line is the 14.5 pt grid of the body text.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

LINE = 14.5  # pt: the body text's line height (pdf.css)
# Top and bottom page margins in inches (pdf.css; screen.css for the screen edition).
MARGINS = {"print": (0.8, 0.85), "screen": (0.75, 0.85)}
HOLE = 2  # lines: a page may end this many lines short (a heading kept with its text)
SLACK = 3.0  # pt: a glyph's descent sits above its line box's bottom, a footnote's more
FOLIO = re.compile(r"^([0-9]+|[ivxlcdm]+)$")


@dataclass(frozen=True)
class PageFill:
    """One page: how far its last line (or picture) lies above the text block's foot."""

    index: int  # 1-based, in the PDF
    folio: str  # the printed page number ("" on pages without one)
    short: int  # whole lines of the text block left empty at its foot
    first_top: float | None  # pt below the text block's top of the first thing on it
    headed: bool  # a running head: a continuation page of a chapter, not an opener
    head: str  # the running head's text
    starts_with_image: bool  # the first thing on the page is a picture
    first_font: str  # the font of the first line ("" on an empty page)
    first_words: str  # the first line's beginning
    ends_division: bool  # the last page of its chapter (or part, or front matter page)

    @property
    def starts_with_heading(self) -> bool:
        """Headings are set in Source Sans Pro (book.css), running text in Source Serif Pro."""
        return "Sans" in self.first_font and not self.starts_with_image

    @property
    def hole(self) -> bool:
        """Short by more than HOLE lines, and not the last page of its chapter."""
        return self.short > HOLE and not self.ends_division


def page_fills(pdf_path: Path, edition: str = "print") -> list[PageFill]:
    top_in, bottom_in = MARGINS[edition]
    pages: list[dict] = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            trim = page.trimbox or page.mediabox
            block_top = trim[1] + top_in * 72
            block_bottom = trim[3] - bottom_in * 72
            words = page.extract_words()
            inside = [w for w in words if w["bottom"] > block_top and w["top"] < block_bottom]
            # A picture: a raster image, or a drawing (an SVG figure's curves).
            pictures = page.images + page.curves
            images = [i for i in pictures if i["bottom"] > block_top and i["top"] < block_bottom]
            below = [w["text"] for w in words if w["top"] >= block_bottom]
            bottoms = [w["bottom"] for w in inside] + [i["bottom"] for i in images]
            # A rule drawn across the text block (a prompts block's top rule) is where the
            # page's first thing begins, though not a picture.
            rules = [r for r in page.lines if block_top < r["top"] < block_bottom]
            tops = (
                [(w["top"], False) for w in inside]
                + [(i["top"], True) for i in images]
                + [(r["top"], False) for r in rules]
            )
            first = min(tops) if tops else None
            chars = sorted(
                (c for c in page.chars if block_top < c["bottom"] and c["top"] < block_bottom),
                key=lambda c: (round(c["top"]), c["x0"]),
            )
            opening = (
                [c for c in chars if round(c["top"]) == round(chars[0]["top"])] if chars else []
            )
            pages.append(
                {
                    "empty": not bottoms,
                    "short": int(max(0.0, block_bottom - max(bottoms) + SLACK) // LINE)
                    if bottoms
                    else 0,
                    "first": first,
                    "block_top": block_top,
                    "head": " ".join(w["text"] for w in words if w["bottom"] <= block_top),
                    "folio": next((t for t in below if FOLIO.match(t)), ""),
                    "font": opening[0]["fontname"] if opening else "",
                    "words": "".join(c["text"] for c in opening)[:40],
                }
            )
    fills = []
    for index, page in enumerate(pages):
        following = pages[index + 1] if index + 1 < len(pages) else None
        ends = following is None or following["empty"] or not following["head"]
        first = page["first"]
        fills.append(
            PageFill(
                index=index + 1,
                folio=page["folio"],
                short=page["short"],
                first_top=None if first is None else round(first[0] - page["block_top"], 1),
                headed=bool(page["head"]),
                head=page["head"],
                starts_with_image=bool(first and first[1]),
                first_font=page["font"],
                first_words=page["words"],
                ends_division=ends or page["empty"],
            )
        )
    return fills


def holes(fills: list[PageFill]) -> list[PageFill]:
    """Pages short by more than HOLE lines that neither end a chapter nor come before a
    page opening with a figure (the figure that did not fit is the reason)."""
    result = []
    for index, fill in enumerate(fills):
        following = fills[index + 1] if index + 1 < len(fills) else None
        if fill.hole and not (following and following.starts_with_image):
            result.append(fill)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--screen", action="store_true", help="the screen edition's margins")
    args = parser.parse_args()
    fills = page_fills(args.pdf, "screen" if args.screen else "print")
    for index, fill in enumerate(fills):
        if fill.short > 1 and not fill.ends_division:
            following = fills[index + 1] if index + 1 < len(fills) else None
            why = ""
            if following and following.starts_with_image:
                why = ", next page opens with a figure"
            elif following and following.starts_with_heading:
                why = f", next page opens with a heading: {following.first_words}"
            elif following:
                why = f", next page opens: {following.first_words}"
            print(f"page {fill.index} [{fill.folio}]: {fill.short} lines short{why}")
    short = [f for f in fills if f.hole]
    after = {f.index - 1: f for f in fills}
    figure = [f for f in short if f.index in after and after[f.index].starts_with_image]
    heading = [f for f in short if f.index in after and after[f.index].starts_with_heading]
    print(
        f"{len(fills)} pages; {len(short)} end more than {HOLE} lines short mid-chapter "
        f"({sum(f.short for f in short)} lines): {len(figure)} before a figure, "
        f"{len(heading)} before a heading, {len(short) - len(figure) - len(heading)} other"
    )


if __name__ == "__main__":
    main()
