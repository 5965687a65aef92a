"""What is code and what is a fenced div (manuscript/syntax.py), as the checks and the
renderer both read them."""

from __future__ import annotations

import pytest

from makebook.manuscript.syntax import (
    FENCE_OPEN,
    fence_attributes,
    fence_roles,
    mask_code,
    unclosed_fences,
)

# --- mask_code: code is blanked out, line numbers stay -----------------------------


def test_mask_code_keeps_lines_and_span_widths():
    text = "a `code @x` b\n```\n@y\n```\nc"
    masked = mask_code(text)
    assert masked.count("\n") == text.count("\n")
    assert masked.split("\n")[0] == "a " + " " * len("`code @x`") + " b"
    assert "@" not in masked


def test_code_of_every_kind_is_masked():
    text = "\n".join(
        [
            "Text [@real].",
            "",
            "    [@indented] in a code block",
            "",
            "- a list item",
            "",
            "    its second paragraph [@kept]",
            "",
            "````",
            "```",
            "[@in-a-four-backtick-fence]",
            "```",
            "````",
            "A span `[@wrapped,",
            "p. 3]` ends here.",
        ]
    )
    masked = mask_code(text)
    assert masked.count("\n") == text.count("\n")  # lines keep their numbers
    assert "[@real]" in masked and "[@kept]" in masked
    for hidden in ("indented", "four-backtick", "wrapped", "p. 3"):
        assert hidden not in masked


def test_indented_code_after_a_blank_line_is_masked_and_the_next_paragraph_is_not():
    assert mask_code("Para\n\n    code @x\n\nText @y") == "Para\n\n\n\nText @y"


def test_a_line_indented_inside_a_paragraph_is_no_code():
    text = "Para\n    continued @x"
    assert mask_code(text) == text


def test_in_a_list_four_spaces_continue_the_item_and_eight_make_code():
    text = "- item\n\n    more @x\n\n        code @y"
    assert mask_code(text) == "- item\n\n    more @x\n\n"


def test_a_fence_closes_only_at_a_run_of_its_mark_at_least_as_long():
    assert mask_code("````\n```\n@a\n```\n````\n@b") == "\n\n\n\n\n@b"
    assert mask_code("~~~\n```\n@a\n~~~\n@b") == "\n\n\n\n@b"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("a `x\ny` b", "a   \n   b"),  # a span may wrap onto the next line...
        ("a `open\n\nb` c", "a `open\n\nb` c"),  # ... never past a blank line
        ("``a`b`` @c", "        @c"),  # a double-backtick span holds a single backtick
    ],
    ids=["wrapped", "blank-line", "double-backticks"],
)
def test_code_spans_are_blanked_to_their_width(text, masked):
    assert mask_code(text) == masked


# --- fenced divs ------------------------------------------------------------------------


def test_fence_roles_follow_the_divs_and_skip_code():
    lines = [
        "::: note",
        "text",
        ":::",
        ":::",
        "::: {.x #y}",
        "```",
        ":::",
        "```",
        ":::",
        "::: two words",
    ]
    assert fence_roles(lines) == [
        "open", "", "close", "stray", "open", "", "", "", "close", "bad",
    ]  # fmt: skip


def test_unclosed_fences_are_the_openings_no_closing_line_matches():
    roles = fence_roles(["::: a", "::: b", "text", ":::"])
    assert roles == ["open", "open", "", "close"]
    assert unclosed_fences(roles) == [0]
    assert unclosed_fences(fence_roles(["::: a", ":::"])) == []


def test_fence_attributes_keep_lang_and_dir_and_prefix_the_rest_with_data():
    match = FENCE_OPEN.match("::: {.note .wide #n1 title=\"A t\" lang=fr dir='rtl'}")
    assert match is not None
    assert fence_attributes(match) == {
        "id": "n1",
        "data-title": "A t",
        "lang": "fr",
        "dir": "rtl",
        "class": "note wide",
    }
    named = FENCE_OPEN.match("::: pullquote :::")
    assert named is not None and fence_attributes(named) == {"class": "pullquote"}
