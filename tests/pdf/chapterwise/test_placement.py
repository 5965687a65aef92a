"""Where each division lands in the joined book (pdf/chapterwise/placement.py): blank
versos, first pages and first folios worked out from the page counts before it."""

from __future__ import annotations

import multiprocessing

import pytest

from makebook.pdf.chapterwise.placement import (
    FAILED,
    Board,
    EarlierDivisionFailed,
    Placement,
    Ref,
    Seat,
    fill,
    first_page_css,
    folio_number,
    place,
    placeholder,
    placement_after,
)

# Two front-matter divisions, then two of the body; page counts 1, 2, 3, 2.
BODIES = (False, False, True, True)
RECTOS = (True, True, True, True)
COUNTS = (1, 2, 3, 2)


def test_the_print_edition_opens_every_division_on_a_recto_and_restarts_folios_in_the_body():
    assert place("print", BODIES, RECTOS, COUNTS) == [
        Placement(blank_before=False, first_page=0, first_folio=1),
        Placement(blank_before=True, first_page=2, first_folio=3),  # page 1 is a blank verso
        Placement(blank_before=False, first_page=4, first_folio=1),  # the body starts at 1
        Placement(blank_before=True, first_page=8, first_folio=5),  # a blank verso is page 4
    ]


def test_the_screen_edition_has_no_blank_pages():
    assert place("screen", BODIES, RECTOS, COUNTS) == [
        Placement(False, 0, 1),
        Placement(False, 1, 2),
        Placement(False, 3, 1),
        Placement(False, 6, 4),
    ]


def test_a_division_that_may_open_on_any_page_gets_no_blank_verso():
    """[pdf] openers = "any": the division starts on the next page, a verso here, and the
    one after it, which opens on a recto, gets the blank verso instead."""
    bodies, counts = (False, True, True, True), (2, 3, 2, 1)
    assert place("print", bodies, (True, True, False, True), counts) == [
        Placement(False, 0, 1),
        Placement(False, 2, 1),
        Placement(False, 5, 4),  # on a verso, straight after the division before it
        Placement(True, 8, 7),  # page 7 is a blank verso, folio 6
    ]
    # The screen edition has no blank versos either way.
    assert [p.blank_before for p in place("screen", bodies, (True,) * 4, counts)] == [False] * 4


def test_the_page_counts_must_match_the_divisions():
    with pytest.raises(ValueError):
        place("print", BODIES, RECTOS, COUNTS[:3])


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((), Placement(False, 0, 1)),
        ((1, 2), Placement(False, 4, 1)),
        ((1, 2, 3), Placement(True, 8, 5)),
    ],
)
def test_placement_after_needs_only_the_counts_before(counts, expected):
    assert placement_after("print", BODIES, RECTOS, counts) == expected


def test_first_page_css_sets_the_folio_of_the_body_and_the_side():
    assert first_page_css(True, Placement(True, 8, 5)) == (
        "@page :first { counter-reset: page 5; }"
    )
    assert first_page_css(False, Placement(False, 3, 1)) == "html { break-before: left; }"
    assert first_page_css(True, Placement(False, 3, 2)) == (
        "@page :first { counter-reset: page 2; }\nhtml { break-before: left; }"
    )
    assert first_page_css(False, Placement(False, 0, 1)) == ""


def test_placeholders_are_filled_in_their_order():
    template = f"see page {placeholder(0)}, and {placeholder(1)}; again {placeholder(0)}"
    assert fill(template, ["12", "iv"]) == "see page 12, and iv; again 12"
    assert fill("no numbers", []) == "no numbers"


@pytest.mark.parametrize(
    ("folio", "roman", "text"), [(4, True, "iv"), (4, False, "4"), (14, True, "xiv")]
)
def test_folio_number(folio, roman, text):
    assert folio_number(folio, roman) == text


# --- the board the workers share -------------------------------------------------------


def seat(index: int, refs: tuple[Ref, ...] = (), last: bool = False) -> Seat:
    return Seat(
        edition="print",
        first=0,
        index=index,
        bodies=(False, True, True),
        rectos=(True, True, True),
        guess=Placement(False, 0, 1),
        refs=refs,
        numbers=tuple("?" for _ in refs),
        owned=(),
        trusted=False,
        last=last,
    )


def board() -> Board:
    return Board(multiprocessing.get_context("spawn"), slots=3, targets=1)


def test_what_a_division_may_wait_for():
    assert (seat(2).slot, seat(2).known_before, seat(2).known_after) == (2, 1, 2)
    assert (seat(1, last=True).known_before, seat(1, last=True).known_after) == (2, 2)


def test_the_counts_before_a_division_once_published():
    shared = board()
    shared.reset(0, [2, None, None])
    shared.publish(1, 5)
    assert shared.before(0, 2) == [2, 5]


def test_a_failed_division_stops_the_divisions_after_it():
    shared = board()
    shared.reset(0, [2, None, None])
    shared.publish(1, FAILED)
    with pytest.raises(EarlierDivisionFailed):
        shared.before(0, 2)


def test_a_page_reference_is_numbered_from_the_board_or_stays_a_guess():
    # "see page N" in division 2 of a target on the 2nd page (anchor 1) of division 1.
    # Division 0 (front matter) has 2 pages, so division 1 (the body) starts on page 2
    # (no blank), folio 1: the target's folio is 1 + 1 = 2.
    refs = (Ref(target="the-idea", owner=1, slot=0, roman=False),)
    shared = board()
    shared.reset(0, [2, None, None])
    shared.reset_anchors({0: None})
    assert shared.numbers(seat(2, refs), wait_through=0) == (("?",), False)
    shared.publish(1, 3, anchors=[(0, 1)])
    assert shared.numbers(seat(2, refs), wait_through=1) == (("2",), True)
