"""Quotation marks, dashes and ellipses, in the style of the book's language."""

from __future__ import annotations

import pytest
from lxml import etree

from conftest import copy_book, write
from makebook.manuscript.config import default_quotes
from makebook.manuscript.loader import load_book
from makebook.render.book import render_book
from makebook.render.typography import smarten


@pytest.mark.parametrize(
    "style,expected",
    [
        (
            "double",
            "\u201cShe said \u2018don\u2019t\u2019 twice,\u201d I wrote \u2014 it\u2019s true\u2026",
        ),
        (
            "single",
            "\u2018She said \u201cdon\u2019t\u201d twice,\u2019 I wrote \u2014 it\u2019s true\u2026",
        ),
    ],
)
def test_quote_styles_keep_apostrophes(style, expected):
    text = "\"She said 'don't' twice,\" I wrote --- it's true..."
    assert smarten(text, style) == expected


def test_language_decides_the_default_style():
    assert default_quotes("en-GB") == "single"
    assert default_quotes("en-US") == "double"
    assert default_quotes("en") == "double"


@pytest.mark.parametrize("language,open_mark", [("en-US", "\u201c"), ("en-GB", "\u2018")])
def test_chapter_text_follows_the_book_language(small_book, tmp_path, language, open_mark):

    book = copy_book(small_book, tmp_path / "book")
    toml = book / "book.toml"
    toml.write_text(toml.read_text().replace('language = "en-US"', f'language = "{language}"'))
    write(
        book / "two.md",
        """
        ---
        kind: note
        title: "A \\"Quoted\\" Note"
        ---
        He said, "It's the dogs' bowl, isn't it?" -- and left...
        """,
    )
    pages = {p.id: p for p in render_book(load_book(book)).pages}
    section = etree.fromstring(pages["two"].html)
    body = "".join(section.find(".//p").itertext())
    close_mark = "\u201d" if open_mark == "\u201c" else "\u2019"
    assert (
        body
        == f"He said, {open_mark}It\u2019s the dogs\u2019 bowl, isn\u2019t it?{close_mark} \u2013 and left\u2026"
    )
    assert pages["two"].title == f"A {open_mark}Quoted{close_mark} Note"


def test_straight_quotes_can_be_forced_by_setting(small_book, tmp_path):

    book = copy_book(small_book, tmp_path / "book")
    toml = book / "book.toml"
    toml.write_text(toml.read_text() + '\n[typography]\nquotes = "single"\n')
    pages = {p.id: p for p in render_book(load_book(book)).pages}
    assert "\u2018Listening\u2019 is where it starts" in "".join(
        etree.fromstring(pages["one"].html).itertext()
    )
