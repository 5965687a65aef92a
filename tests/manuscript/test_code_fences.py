"""Code fences as pandoc reads them (manuscript/syntax.py), the one reading the loader's
checks and the renderer share."""

from __future__ import annotations

import pytest

from makebook.manuscript.syntax import fence_end, fence_roles, line_kinds, mask_code


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("```\nx\n```", 2),
        ("```\nx\n`````", 2),  # a longer run closes
        ("````\n```\nx\n````", 3),  # a shorter one is code
        ("~~~\n```\n~~~", 2),  # the other mark is code
        ("```python\nx\n```", 2),
        ("``` {.python #id}\nx\n```", 2),
        ("```\nx\n``` trailing", None),  # a closing run has nothing after it
        ("```\nnever closed", None),
        ("```python two words\nx\n```", None),  # pandoc: a word or {attributes}
        ("``` a`b\nx\n```", None),  # a backtick fence's info holds no backtick
        ("``\nx\n``", None),
    ],
)
def test_fence_end(text, end):
    assert fence_end(text.split("\n"), 0) == end


def test_line_kinds_tell_fences_indented_code_and_text():
    lines = ["Text", "```", ":::", "```", "", "    code", "", "- item", "", "    more", "x"]
    assert line_kinds(lines) == [
        "text", "fence", "fence", "fence", "text", "indented", "text",
        "text", "text", "text", "text",
    ]  # fmt: skip


def test_a_fenced_div_line_inside_code_is_no_div():
    lines = ["::: note", "````", ":::", "```", ":::", "````", ":::"]
    assert fence_roles(lines) == ["open", "", "", "", "", "", "close"]


def test_an_unclosed_fence_leaves_what_follows_to_the_checks():
    assert mask_code("```\n[@key]\n") == "```\n[@key]\n"
    assert mask_code("```\n[@key]\n```\n") == "\n\n\n"
