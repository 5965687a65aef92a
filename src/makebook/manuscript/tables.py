"""pandoc's simple, multiline and grid tables, read from the Markdown's lines.

The renderer (render/tables.py) builds `<table>`s from what is read here and the
loader's checks (syntax.mask_code, structure) use the same reading to know which
lines belong to a table: a multiline table's rows are indented as a code block
would be, and are no code. Pipe tables are Python-Markdown's own `tables`
extension; captions (`Table: ...` or `: ...`) are read by render/tables.py.

Each reader takes the chapter's lines and the index of a line that starts a block
(the first line, or one after a blank line) and returns the table with the number
of lines it takes, or None. They follow pandoc's MANUAL ("Tables") and its reader:
columns of simple and multiline tables run from the start of one run of dashes to
the start of the next; a column's alignment comes from where its header (or, in a
table without one, its first row) sits over the dashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DASH_RUNS = re.compile(r"^ {0,3}-+(?: +-+)* *$")  # columns of a simple or multiline table
DASH_LINE = re.compile(r"^ {0,3}-+ *$")  # the full-width line that opens a multiline table
GRID_BORDER = re.compile(r"^\+(?:[-=:]+\+)+ *$")  # at the margin: pandoc 3 reads no indented one
GRID_LINE = re.compile(r"^[+|]")
ORGTBL_RULE = re.compile(r"^ {0,3}\|?[-:]+(?:\+[-:]+)+\|? *$")  # |-----+-----| under a header
CAPTION = re.compile(r"^ {0,3}(?:[Tt]able:|:(?![!-/:-@\[-`{-~]))")
MAX_ROW_LINES = 400  # a multiline table is looked for no further than this


@dataclass
class Cell:
    text: str  # Markdown: inline only, unless `blocks`
    align: str = ""  # "", "left", "right" or "center"
    colspan: int = 1
    rowspan: int = 1
    blocks: bool = False  # a grid table's cell holds blocks (paragraphs, lists...)


@dataclass
class Table:
    kind: str  # "simple", "multiline" or "grid"
    lines: int  # how many lines of the source it takes
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)
    foot: list[list[Cell]] = field(default_factory=list)


def read_table(lines: list[str], start: int) -> Table | None:
    """The table that starts at `lines[start]`, tried in pandoc's order."""
    first = lines[start]
    if not first.strip():
        return None
    if first.startswith("+"):
        return grid_table(lines, start)
    if DASH_LINE.match(first) or (start + 1 < len(lines) and DASH_RUNS.match(lines[start + 1])):
        return (
            multiline_table(lines, start, headless=False)
            or simple_table(lines, start, headless=False)
            or simple_table(lines, start, headless=True)
            or multiline_table(lines, start, headless=True)
        )
    if DASH_RUNS.match(first):
        return simple_table(lines, start, headless=True) or multiline_table(
            lines, start, headless=True
        )
    return None


def table_lines(lines: list[str]) -> set[int]:
    """The indexes of the lines that belong to simple, multiline or grid tables."""
    found: set[int] = set()
    index = 0
    while index < len(lines):
        if (index == 0 or not lines[index - 1].strip()) and (
            table := read_table(lines, index)
        ) is not None:
            found.update(range(index, index + table.lines))
            index += table.lines
        else:
            index += 1
    return found


def is_caption(line: str) -> bool:
    return bool(CAPTION.match(line))


# Simple and multiline tables


def columns(dashes: str) -> list[tuple[int, int]]:
    """Each run of dashes as (start, end)."""
    return [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]


def split(line: str, runs: list[tuple[int, int]]) -> list[str]:
    """A line cut into columns: each from the start of its dashes to the next column's."""
    starts = [start for start, _ in runs]
    return [
        line[start : starts[n + 1] if n + 1 < len(starts) else len(line)]
        for n, start in enumerate(starts)
    ]


def alignment(pieces: list[str], width: int) -> str:
    """pandoc's rule: text flush with both ends of its dashes keeps the default;
    indented on the left only, right; short of the right end only, left; both, center."""
    texts = [p.rstrip() for p in pieces if p.strip()]
    if not texts:
        return ""
    text = max(texts, key=len)
    indented, short = text.startswith(" "), len(text) < width
    return {(True, False): "right", (False, True): "left", (True, True): "center"}.get(
        (indented, short), ""
    )


def row_cells(row: list[str], runs: list[tuple[int, int]], aligns: list[str]) -> list[Cell]:
    pieces = [split(line, runs) for line in row]
    return [
        Cell("\n".join(p[n].strip() for p in pieces if p[n].strip()), aligns[n])
        for n in range(len(runs))
    ]


def ends(lines: list[str], index: int) -> bool:
    return index >= len(lines) or not lines[index].strip()


def simple_table(lines: list[str], start: int, headless: bool) -> Table | None:
    at = start if headless else start + 1
    if at >= len(lines) or not DASH_RUNS.match(lines[at]):
        return None
    runs = columns(lines[at])
    if not headless and (len(runs) < 2 or DASH_RUNS.match(lines[start])):
        return None  # one column under a line of text is a setext heading
    rows: list[str] = []
    index = at + 1
    while not ends(lines, index):
        if DASH_RUNS.match(lines[index]) and ends(lines, index + 1):
            index += 1  # the closing line of dashes
            break
        if DASH_RUNS.match(lines[index]) or is_caption(lines[index]):
            return None
        rows.append(lines[index])
        index += 1
    else:
        if headless:
            return None  # without a header, a line of dashes must close the table
    if headless and not rows:
        return None
    header = [] if headless else [lines[start]]
    aligns = [
        alignment([split(line, runs)[n] for line in (header or rows[:1])], end - begin)
        for n, (begin, end) in enumerate(runs)
    ]
    return Table(
        "simple",
        index - start,
        head=[row_cells(header, runs, aligns)] if header else [],
        body=[row_cells([row], runs, aligns) for row in rows],
    )


def multiline_table(lines: list[str], start: int, headless: bool) -> Table | None:
    if headless:
        if not DASH_RUNS.match(lines[start]):
            return None
        at, header = start, []
    else:
        if not DASH_LINE.match(lines[start]):
            return None
        at = start + 1
        while at < len(lines) and lines[at].strip() and not DASH_RUNS.match(lines[at]):
            at += 1
        if at >= len(lines) or at == start + 1 or not DASH_RUNS.match(lines[at]):
            return None
        header = lines[start + 1 : at]
    runs = columns(lines[at])
    if ends(lines, at + 1):
        return None  # the first row follows the dashes (after a blank line they are a rule)
    rows: list[list[str]] = []
    row: list[str] = []
    index = at + 1
    limit = min(len(lines), at + MAX_ROW_LINES)
    while True:
        if index >= limit:
            return None
        line = lines[index]
        if DASH_RUNS.match(line) and ends(lines, index + 1):
            break
        if not line.strip():
            if row:
                rows.append(row)
            row = []
        elif DASH_RUNS.match(line):
            return None
        else:
            row.append(line)
        index += 1
    if row:
        rows.append(row)
    if not rows:
        return None
    aligns = [
        alignment([split(line, runs)[n] for line in (header or rows[0])], end - begin)
        for n, (begin, end) in enumerate(runs)
    ]
    return Table(
        "multiline",
        index + 1 - start,
        head=[row_cells(header, runs, aligns)] if header else [],
        body=[row_cells(row, runs, aligns) for row in rows],
    )


# Grid tables


def grid_table(lines: list[str], start: int) -> Table | None:
    if not GRID_BORDER.match(lines[start]):
        return None
    end = start
    while end < len(lines) and GRID_LINE.match(lines[end]):
        end += 1
    while end > start and not GRID_BORDER.match(lines[end - 1]):
        end -= 1  # the table ends with its last border
    if end - start < 3 or not ends(lines, end):
        return None
    grid = [line.rstrip() for line in lines[start:end]]
    width = len(grid[0])
    grid = [line.ljust(width) for line in grid]
    if any(len(line) != width or line[-1] not in "+|" for line in grid):
        return None
    borders = [y for y, line in enumerate(grid) if GRID_BORDER.match(line)]
    doubled = [y for y in borders if "=" in grid[y]]
    head_at = doubled[0] if doubled and doubled[0] != len(grid) - 1 else None
    foot_at = doubled[-2] if len(doubled) >= 3 and doubled[-1] == len(grid) - 1 else None
    aligns = grid_alignments(grid[head_at if head_at is not None else 0])
    grid = [
        line.replace(":", "=" if "=" in line else "-") if y in borders else line
        for y, line in enumerate(grid)
    ]
    cells = scan_cells(grid)
    if cells is None:
        return None
    row_lines = sorted({top for top, _, _, _ in cells} | {len(grid) - 1})
    col_lines = sorted({left for _, left, _, _ in cells} | {width - 1})
    rows: dict[int, list[Cell]] = {}
    for top, left, bottom, right in sorted(cells):
        text = "\n".join(line[left + 1 : right].rstrip() for line in grid[top + 1 : bottom])
        cell = Cell(
            dedent(text),
            aligns.get(left, ""),
            colspan=col_lines.index(right) - col_lines.index(left),
            rowspan=row_lines.index(bottom) - row_lines.index(top),
            blocks=True,
        )
        rows.setdefault(top, []).append(cell)
    table = Table("grid", end - start)
    for top, cells_of_row in sorted(rows.items()):
        if head_at is not None and top < head_at:
            table.head.append(cells_of_row)
        elif foot_at is not None and top >= foot_at:
            table.foot.append(cells_of_row)
        else:
            table.body.append(cells_of_row)
    return table


def dedent(text: str) -> str:
    lines = text.split("\n")
    margin = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[margin:] for x in lines).strip("\n")


def grid_alignments(border: str) -> dict[int, str]:
    """Colons on the header's border (or the top one): by the column's left edge."""
    found = {}
    for match in re.finditer(r"\+([-=:]+)(?=\+)", border):
        fill = match.group(1)
        left, right = fill.startswith(":"), fill.endswith(":")
        align = {(True, True): "center", (True, False): "left", (False, True): "right"}
        found[match.start()] = align.get((left, right), "")
    return found


def scan_cells(grid: list[str]) -> list[tuple[int, int, int, int]] | None:
    """Each cell as (top, left, bottom, right) border positions, found from its top-left
    corner as docutils' grid table parser does; None if the cells do not tile the grid."""
    height, width = len(grid), len(grid[0])

    def scan_right(top: int, left: int) -> tuple[int, int] | None:
        for x in range(left + 1, width):
            char = grid[top][x]
            if char == "+":
                bottom = scan_down(top, left, x)
                if bottom is not None:
                    return bottom, x
            elif char not in "-=":
                return None
        return None

    def scan_down(top: int, left: int, right: int) -> int | None:
        for y in range(top + 1, height):
            char = grid[y][right]
            if char == "+":
                if closed(top, left, y, right):
                    return y
            elif char != "|":
                return None
        return None

    def closed(top: int, left: int, bottom: int, right: int) -> bool:
        if grid[bottom][left] != "+":
            return False
        if any(grid[bottom][x] not in "-=+" for x in range(left + 1, right)):
            return False
        return all(grid[y][left] in "|+" for y in range(top + 1, bottom))

    corners = [(0, 0)]
    seen: set[tuple[int, int]] = set()
    cells = []
    area = 0
    while corners:
        corner = corners.pop()
        if corner in seen:
            continue
        seen.add(corner)
        top, left = corner
        if top == height - 1 or left == width - 1:
            continue
        found = scan_right(top, left)
        if found is None:
            continue
        bottom, right = found
        cells.append((top, left, bottom, right))
        area += (bottom - top) * (right - left)
        corners += [(top, right), (bottom, left)]
    return cells if area == (height - 1) * (width - 1) else None
