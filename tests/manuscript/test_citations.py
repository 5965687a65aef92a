"""Citations in a chapter's Markdown: keys, locators, prefixes and the line of each."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from makebook.manuscript.chapters import parse_chapter
from makebook.manuscript.citations import find_citations, parse_citation
from makebook.model import Citation

SHOWN = Path("chapters/small-signals.md")
CITING = """
---
title: T
---
Plain [@siegel1999] here.
Two [@siegel1999, p. 12; @gerhardt2004] and [see @gerhardt2004, ch. 2].

Year only [-@tronick2007, pp. 3-5].
"""


def test_citations_with_file_lines_locators_prefixes():
    result = parse_chapter(textwrap.dedent(CITING).lstrip("\n"), SHOWN, "body", None)
    assert result.citations == (
        Citation("siegel1999", 4),
        Citation("siegel1999", 5, locator="p. 12"),
        Citation("gerhardt2004", 5),
        Citation("gerhardt2004", 5, locator="ch. 2", prefix="see"),
        Citation("tronick2007", 7, locator="pp. 3-5", suppress_author=True),
    )


def test_citation_lines_count_from_the_body_start():
    body = "one\ntwo\n[@a]\n"
    assert find_citations(body, 10) == [Citation("a", 12)]


def test_citation_in_code_is_not_a_citation():
    body = textwrap.dedent(
        """
        Inline `[@notakey]` code.
        ```python
        decorator = "[@fenced]"
        ```
        ~~~
        [@tilde]
        ~~~
        Real one [@real].
        """
    )
    assert [c.key for c in find_citations(body, 1)] == ["real"]


def test_citation_line_after_a_fenced_code_block():
    result = parse_chapter(
        textwrap.dedent(
            """
        ---
        title: T
        ---
        ```
        some code that is long enough
        ```
        After [@siegel1999].
        """
        ).lstrip("\n"),
        SHOWN,
        "body",
        None,
    )
    assert result.citations == (Citation("siegel1999", 7),)


@pytest.mark.parametrize(
    "text",
    [
        "Write to [me@example.com] today.",
        "Write to [ada.lovelace@example.com, please].",
        "A link [see @a](https://example.org) is a link.",
        "An image ![@alt](pic.png) is not cited.",
        "Escaped \\[@a] is text.",
        "A reference [@label]: https://example.org",
        "Footnote[^1] and plain @handle on social media.",
    ],
)
def test_not_citations(text):
    assert find_citations(text, 1) == []


def test_parse_citation():
    assert parse_citation("@a; see -@b, p. 3", 9) == [
        Citation("a", 9),
        Citation("b", 9, locator="p. 3", prefix="see", suppress_author=True),
    ]
    assert parse_citation("mail a@b.com") is None
    assert parse_citation("@a; not a citation") is None
