"""Print page numbers in the EPUB (epub/pagelist.py): which document each printed page
goes to, and where in its text the marker stands. Against the demo's real layout:
test_epub.py::test_page_list_markers_sit_where_the_printed_pages_begin."""

from __future__ import annotations

from lxml import etree

from makebook.epub.pagelist import Break, Folded, lowered, place_breaks, plan_breaks
from makebook.model import PageStart
from makebook.xhtml import E

# --- Folded: the EPUB's text compared without spaces, soft hyphens and case -------------

FULL = "Ab c\u00add  E"  # letters at 0, 1, 3, 5, 8; skipped: 2, 4 and 6-7


def test_folded_text_keeps_only_the_letters_lower_cased():
    folded = Folded.of(FULL)
    assert folded.text == "abcde"
    assert folded.kept_before == [2, 3, 4]
    assert folded.skipped_through == [1, 2, 4]


def test_folded_positions_map_back_to_the_full_text():
    folded = Folded.of(FULL)
    assert [folded.original(letter) for letter in range(5)] == [0, 1, 3, 5, 8]
    assert [folded.folded(position) for position in (0, 3, 4, 5, 6, 9)] == [0, 2, 3, 3, 4, 5]


def test_folded_text_without_spaces_is_itself():
    folded = Folded.of("Word")
    assert (folded.text, folded.original(3), folded.folded(2)) == ("word", 3, 2)


def test_characters_that_lower_to_two_are_kept_so_positions_stay_aligned():
    assert lowered("A\u0130B") == "a\u0130b"  # "İ".lower() is two characters
    assert lowered("ABC") == "abc"


# --- plan_breaks: each printed page to an EPUB document ------------------------------------


def test_pages_without_text_go_with_the_next_page_that_has_some():
    starts = [
        PageStart("i", None, ""),  # half-title image
        PageStart("ii", "title", "The Title"),
        PageStart("iii", None, ""),  # blank verso
        PageStart("1", "one", "First words"),
        PageStart("2", "one", "More words"),
        PageStart("3", "one", ""),  # blank at the end
    ]
    assert plan_breaks(starts, ["title", "one"]) == {
        "title": [Break(["i", "ii"], "The Title")],
        "one": [Break(["iii", "1"], "First words"), Break(["2"], "More words"), Break(["3"], "")],
    }


def test_a_page_of_a_unit_not_in_the_epub_goes_with_the_next():
    starts = [PageStart("i", "toc", "Contents"), PageStart("1", "one", "Text")]
    assert plan_breaks(starts, ["one"]) == {"one": [Break(["i", "1"], "Text")]}


# --- place_breaks: the markers in the text -------------------------------------------------


def markers(section: etree._Element) -> str:
    return etree.tostring(section, encoding="unicode").replace(
        ' xmlns:epub="http://www.idpf.org/2007/ops"', ""
    )


def span(label: str) -> str:
    return (
        f'<span id="page-{label}" epub:type="pagebreak" role="doc-pagebreak" aria-label="{label}"/>'
    )


def test_a_page_starting_a_paragraph_gets_its_marker_before_it():
    # As rendered: a line break between the paragraphs, so their words stay apart.
    section = etree.fromstring(
        "<section>\n<p>Hello world, this is</p>\n<p>Second page starts here.</p>\n</section>"
    )
    missed = place_breaks(section, [Break(["1"], "Hello world,"), Break(["2"], "Second page")])
    assert missed == 0
    assert markers(section) == (
        f"<section>\n{span('1')}<p>Hello world, this is</p>\n"
        f"{span('2')}<p>Second page starts here.</p>\n</section>"
    )


def test_a_page_starting_inside_a_paragraph_gets_its_marker_at_the_word():
    section = E.section(E.p("One two three four"))
    place_breaks(section, [Break(["7"], "three four")])
    assert markers(section) == f"<section><p>One two {span('7')}three four</p></section>"


def test_a_hyphenated_last_word_is_left_out_of_the_search():
    section = E.section(E.p("One two three four"))
    place_breaks(section, [Break(["7"], "two thr-")])
    assert markers(section) == f"<section><p>One {span('7')}two three four</p></section>"


def test_blank_pages_before_a_page_get_their_markers_together():
    section = E.section(E.p("One two"))
    place_breaks(section, [Break(["iii", "1"], "One two")])
    assert markers(section) == f"<section>{span('iii')}{span('1')}<p>One two</p></section>"


def test_a_line_not_found_is_counted_and_its_marker_stays_in_order():
    section = E.section(E.p("One two"))
    assert place_breaks(section, [Break(["5"], "Nowhere in it")]) == 1
    assert markers(section) == f"<section>{span('5')}<p>One two</p></section>"
