"""pandoc 3's HTML for a piece of Markdown, and a shape to compare makebook's with.

The shape is the elements, their attributes (ids left out: makebook makes them
book-unique) and their text with runs of white space made one space: what a
reader sees and what the structure says, not how either writer lays out its source.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from lxml import etree
from lxml import html as lxml_html

IGNORED_ATTRIBUTES = {"id"}


def pandoc_path() -> str | None:
    try:
        import pypandoc  # type: ignore[import-untyped]

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return shutil.which("pandoc")


def pandoc_html(markdown: str) -> str:
    """pandoc 3's HTML (its own Markdown, all its default extensions); skips the test
    when pandoc is not installed."""
    pandoc = pandoc_path()
    if pandoc is None:
        pytest.skip("pandoc 3 is not installed (pip install pypandoc-binary)")
    return subprocess.run(
        [pandoc, "-f", "markdown", "-t", "html", "--wrap=none"],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pandoc_fragment(markdown: str) -> etree._Element:
    return lxml_html.fragment_fromstring(pandoc_html(markdown), create_parent="div")


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


BLOCKS = "ol|ul|li|p|div|blockquote|br|section|aside|hr|dl|dt|dd|table|thead|tbody|tr|td|th|figure"
SPACE = "[ \t\n\r]"  # not \s: a no-break space is text
AROUND_BLOCK = re.compile(rf"{SPACE}*(</?(?:{BLOCKS})\b[^>]*>){SPACE}*")


def shape(element: etree._Element) -> str:
    """The element's content as canonical markup."""
    raw = inner(element)
    return AROUND_BLOCK.sub(r"\1", re.sub(f"{SPACE}+", " ", raw)).strip(" ")


def inner(element: etree._Element) -> str:
    return escape(element.text) + "".join(piece(child) for child in element)


def piece(element: etree._Element) -> str:
    if not isinstance(element.tag, str):  # a comment
        return escape(element.tail)
    tag = local(element.tag)
    attributes = "".join(
        f' {local(name)}="{value}"'
        for name, value in sorted(element.attrib.items())
        if local(name) not in IGNORED_ATTRIBUTES and not name.startswith("{http://www.w3")
    )
    return f"<{tag}{attributes}>{inner(element)}</{tag}>" + escape(element.tail)


def escape(value: str | None) -> str:
    return (value or "").replace("&", "&amp;").replace("<", "&lt;")
