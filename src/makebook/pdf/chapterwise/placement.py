"""Where each division lands in the joined book, decided while the divisions are laid out.

A division's first folio (and, in the screen edition, the side of its first
page) follows from the page counts of the divisions before it, which are only
known once those are laid out too. Laying every division out twice, once to
count and once with its folios, doubled the cost of a cold build. WeasyPrint
paginates a document completely before it makes the margin boxes, and only the
margin boxes show the folio; so a worker lays its division out, publishes the
page count on a board shared by all workers, waits for the counts of the
divisions before it (laid out at the same time, by the other workers), and only
then lets the margin boxes be made, with the page counter moved to the right
first folio. A division that turns out to start on the other side (the screen
edition has no blank versos) has its pages turned before the margin boxes are
made, when its pages are the same on either side but for those (the running
heads); when the side changes more (mirrored margins, a break to a given side)
it is laid out again at once.

The numbers printed by the contents and by "see page N" references are part of
the text, so they must be right before layout. A worker fills in every number
the board already knows (targets before its division usually are), lays out,
and if a number it had to guess turns out wrong once the divisions before it
are placed, lays out again at once. Numbers of targets later in the book that
are not laid out yet stay guesses, which layout.py's fixed point corrects in
another round.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import Any, Generic, TypeVar

from makebook.editions import BY_NAME
from makebook.pdf.index_pages import INDEX_LOCATOR, with_index_folios
from makebook.pdf.pagemap import to_roman

DocumentT = TypeVar("DocumentT")  # what a layout gives: a WeasyPrint Document
UNKNOWN = -1
FAILED = -2
WAIT_SECONDS = 1.0  # a waiting worker looks at the board at least this often


@dataclass(frozen=True)
class Placement:
    """Where a division lands in the joined book."""

    blank_before: bool
    first_page: int  # index in the whole PDF
    first_folio: int  # value of the page counter on its first page


def place(
    edition: str, bodies: Sequence[bool], rectos: Sequence[bool], counts: Sequence[int]
) -> list[Placement]:
    """The placement of each division (front matter or body) from the page counts before it.

    `rectos`: for each division, whether it opens on a recto in an edition with blank
    versos (the print edition); one that does not ([pdf] openers = "any") starts on the
    next page."""
    recto = BY_NAME[edition].opens_on_recto  # the print edition: blank versos
    placed: list[Placement] = []
    page = folio = 0
    in_body = False
    for index, (body, on_recto, count) in enumerate(zip(bodies, rectos, counts, strict=True)):
        blank = recto and on_recto and index > 0 and page % 2 == 1
        page += blank
        if body and not in_body:
            folio, in_body = 0, True  # the body's folios start again at 1
        else:
            folio += blank
        placed.append(Placement(blank, page, folio + 1))
        page += count
        folio += count
    return placed


def placement_after(
    edition: str, bodies: Sequence[bool], rectos: Sequence[bool], counts: Sequence[int]
) -> Placement:
    """The placement of division `len(counts)`, from the page counts of those before it."""
    end = len(counts) + 1
    return place(edition, bodies[:end], rectos[:end], [*counts, 1])[-1]


def first_page_css(body: bool, place: Placement) -> str:
    """Where a division starts: its first folio, and a left-hand page when it lands on one."""
    rules = []
    if body:
        # Only :first works here; `@page { counter-reset }` would reset on every page.
        rules.append(f"@page :first {{ counter-reset: page {place.first_folio}; }}")
    if place.first_page % 2 == 1:
        # The root's break-before decides the side of a document's first page.
        rules.append("html { break-before: left; }")
    return "\n".join(rules)


class EarlierDivisionFailed(Exception):
    """A division before this one could not be laid out; its own error is the one to show."""


@dataclass(frozen=True)
class Ref:
    """A page number a division prints: of `target`, laid out in division `owner`."""

    target: str
    owner: int | None  # index in the edition; None: not in the PDF (printed as 0)
    slot: int  # where the board keeps the target's page within its division
    roman: bool  # front matter folio


@dataclass(frozen=True)
class Seat:
    """A division's place on the board and what its placement is computed from."""

    edition: str
    first: int  # the edition's first slot for page counts
    index: int  # the division's index in its edition
    bodies: tuple[bool, ...]  # for each division of the edition: body matter?
    rectos: tuple[bool, ...]  # ... and does it open on a recto (print: [pdf] openers)?
    guess: Placement  # the placement it is laid out with
    refs: tuple[Ref, ...]  # the page numbers it prints, in the order of its placeholders
    numbers: tuple[str, ...]  # the guessed numbers
    owned: tuple[tuple[str, int], ...]  # referenced targets it lays out, with their slots
    trusted: bool  # the guesses come from a complete layout (the last build's or this one's)
    last: bool = False  # laid out after every other division was measured

    @property
    def slot(self) -> int:
        return self.first + self.index

    @property
    def known_before(self) -> int:
        """The page numbers of targets in divisions up to this one can be waited for before
        layout: those divisions are taken by a worker already (all of them when this one
        comes last, and had itself been measured)."""
        return len(self.bodies) - 1 if self.last else self.index - 1

    @property
    def known_after(self) -> int:
        """... and after layout, this division's own targets too."""
        return len(self.bodies) - 1 if self.last else self.index


PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def placeholder(number: int) -> str:
    """Stands for the `number`th page number in a division's HTML until it is known."""
    return f"\ue000{number}\ue001"


def fill(template: str, numbers: Sequence[str]) -> str:
    html = PLACEHOLDER.sub(lambda match: numbers[int(match[1])], template)
    if INDEX_LOCATOR in html:  # the index: one page printed once, pages in a row a range
        html = with_index_folios(html)
    return html


def folio_number(folio: int, roman: bool) -> str:
    return to_roman(folio) if roman else str(folio)


class Board:
    """Page counts of the divisions being laid out, and the pages of the targets of page
    references within their divisions, in memory shared with the workers.

    Count slots: one a division, editions one after another; anchor slots: one a
    referenced target, likewise. UNKNOWN until a worker publishes. Created before
    the workers are forked, so they inherit it.
    """

    def __init__(self, context: BaseContext, slots: int, targets: int) -> None:
        self.counts = context.Array("i", max(slots, 1), lock=False)  # type: ignore[attr-defined]
        self.anchors = context.Array("i", max(targets, 1), lock=False)  # type: ignore[attr-defined]
        self.changed = context.Condition()

    def reset(self, first: int, counts: Sequence[int | None]) -> None:
        """Before a round: what is known (cached divisions) and what is not."""
        with self.changed:
            for offset, count in enumerate(counts):
                self.counts[first + offset] = UNKNOWN if count is None else count

    def reset_anchors(self, anchors: dict[int, int | None]) -> None:
        with self.changed:
            for slot, page in anchors.items():
                self.anchors[slot] = UNKNOWN if page is None else page

    def publish(self, slot: int, count: int, anchors: Sequence[tuple[int, int]] = ()) -> None:
        with self.changed:
            self.counts[slot] = count
            for anchor, page in anchors:
                self.anchors[anchor] = page
            self.changed.notify_all()

    def before(self, first: int, slot: int) -> list[int]:
        """The counts of the divisions before `slot` in its edition, once all are published."""
        with self.changed:
            while True:
                counts = list(self.counts[first:slot])
                if FAILED in counts:
                    raise EarlierDivisionFailed()
                if UNKNOWN not in counts:
                    return counts
                self.wait()

    def numbers(self, seat: Seat, wait_through: int) -> tuple[tuple[str, ...], bool]:
        """The page numbers the division prints: known ones from the board, the rest guessed;
        and whether all are known.

        Numbers of targets in divisions up to `wait_through` are waited for: those are
        laid out before this one (or are this one), so each is taken by a worker already.
        """
        numbers = list(seat.numbers)
        complete = True
        with self.changed:
            for place_in_html, ref in enumerate(seat.refs):
                if ref.owner is None:
                    continue
                while (known := self.folio(seat, ref)) is None and ref.owner <= wait_through:
                    self.wait()
                if known is None:
                    complete = False
                else:
                    numbers[place_in_html] = folio_number(known, ref.roman)
        return tuple(numbers), complete

    def folio(self, seat: Seat, ref: Ref) -> int | None:
        assert ref.owner is not None
        counts = list(self.counts[seat.first : seat.first + ref.owner + 1])
        if FAILED in counts:
            raise EarlierDivisionFailed()
        anchor = self.anchors[ref.slot]
        if UNKNOWN in counts[:-1] or anchor == UNKNOWN:
            return None
        before = counts[:-1]
        return placement_after(seat.edition, seat.bodies, seat.rectos, before).first_folio + anchor

    def wait(self) -> None:
        """Under the lock: until something is published."""
        self.changed.wait(WAIT_SECONDS)


class _OtherSide(Exception):
    """Raised from inside WeasyPrint's layout, the only way out of it, when the division
    starts on the other side than guessed; `lay_out_placed` turns it into `MustTurn`."""

    def __init__(self, placement: Placement) -> None:
        super().__init__(placement)
        self.placement = placement


class Folios:
    """Stands in for WeasyPrint's make_margin_boxes while one division is laid out.

    On the first page's margin boxes pagination is complete: publish the count,
    wait for the placement, and from then on give every page its real folio (and,
    when the division turns out to start on the other side, its real side).
    """

    def __init__(self, seat: Seat, board: Board, make_margin_boxes: Callable[..., Any]) -> None:
        self.seat = seat
        self.board = board
        self.make_margin_boxes = make_margin_boxes
        self.shift: int | None = None  # None until the placement is known
        self.placement = seat.guess
        self.turned = False  # every page is on the other side than laid out

    def __call__(self, context: Any, page: Any, state: Any) -> Any:
        if self.shift is None:
            self.settle(context)
        try:
            if self.turned and not turn_page(context, page):
                raise _OtherSide(self.placement)  # its page box differs by side
            if self.shift:
                state[1]["page"][-1] += self.shift  # the page counter's value on this page
        except (TypeError, LookupError, AttributeError):
            # Not the WeasyPrint this was written for: lay out again, placed right.
            raise _OtherSide(self.placement) from None
        return self.make_margin_boxes(context, page, state)

    def settle(self, context: Any) -> None:
        seat = self.seat
        self.board.publish(seat.slot, len(context.page_maker) - 1)  # for the divisions after
        counts = self.board.before(seat.first, seat.slot)
        self.placement = placement_after(seat.edition, seat.bodies, seat.rectos, counts)
        if self.placement.first_page % 2 != seat.guess.first_page % 2:
            if not sides_free(context):
                raise _OtherSide(self.placement)
            self.turned = True
        self.shift = self.placement.first_folio - seat.guess.first_folio


FORCED_SIDES = ("left", "right", "recto", "verso")


def sides_free(context: Any) -> bool:
    """Whether pagination did not depend on which side a page is on, as far as breaks go:
    no page began at a break to a given side (which may have added a blank page).
    Whether the page boxes themselves differ by side is checked page by page (turn_page)."""
    try:
        return not any(entry[1]["break"] in FORCED_SIDES for entry in context.page_maker)
    except (TypeError, LookupError, AttributeError):
        return False


def turn_page(context: Any, page: Any) -> bool:
    """Put a laid-out page on the other side (its margin boxes are not made yet).

    Done only when its page box is the same on either side (size, margins, footnote
    area...): the margin boxes, made next, are then all that differs, as with the
    screen edition's running heads. False when it is not (the print edition's
    mirrored margins): the division must be laid out again.
    """
    from makebook.pdf.weasy import restyle_page_type

    laid = page.page_type
    turned = laid._replace(side="left" if laid.side == "right" else "right")
    before = context.style_for(laid)
    after = restyle_page_type(turned, page.children[0].element, before, context)
    if not same_page_box(context, laid, turned):
        return False
    page.page_type, page.style = turned, after
    return True


def same_page_box(context: Any, one: Any, other: Any) -> bool:
    """Whether two page types get the same page, footnote area and note area styles."""
    from makebook.pdf.weasy import INITIAL_VALUES

    try:
        for area in (None, "@footnote", "@note-area"):
            a, b = context.style_for(one, area), context.style_for(other, area)
            if (a is None) != (b is None):
                return False
            if a is not None and any(a[name] != b[name] for name in INITIAL_VALUES):
                return False
    except Exception:  # a value WeasyPrint cannot compute or compare here: do not turn
        return False
    return True


@dataclass(frozen=True)
class Placed(Generic[DocumentT]):
    """A division laid out where the board placed it."""

    document: DocumentT
    placement: Placement | None  # where it was placed; None: WeasyPrint never asked (it
    # kept its guessed placement, which layout.py's fixed point corrects)


@dataclass(frozen=True)
class MustTurn:
    """The division starts on the other side than guessed, and its pages differ by side
    in more than their margin boxes: lay it out again, placed so."""

    placement: Placement


def lay_out_placed(
    seat: Seat, board: Board, lay_out: Callable[[], DocumentT]
) -> Placed[DocumentT] | MustTurn:
    """Run `lay_out` (a WeasyPrint layout) with its folios and side set from the board."""
    try:
        with placed_while_laid_out(seat, board) as folios:
            document = lay_out()
    except _OtherSide as turn:
        return MustTurn(turn.placement)
    return Placed(document, folios.placement if folios.shift is not None else None)


@contextlib.contextmanager
def placed_while_laid_out(seat: Seat, board: Board) -> Iterator[Folios]:
    """Hook Folios into WeasyPrint for the layout done inside the block."""
    from makebook.pdf.weasy import margin_boxes_made_by

    with margin_boxes_made_by(lambda original: Folios(seat, board, original)) as folios:
        yield folios
