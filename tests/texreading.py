"""TeX math and raw TeX as makebook and pandoc 3 read them, side by side (issue 17).

A reading is a chapter's text with each formula as `[inline:TeX]` or `[block:TeX]`
(its display and its source, from the MathML annotation), whitespace collapsed: the
same for both when makebook reads the Markdown as pandoc does.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from makebook.model import Chapter
from makebook.render.chapter import markdown_to_html, parse_fragment
from makebook.render.figures import make_figures
from makebook.render.math import TexNote

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def reading(root: etree._Element) -> str:
    pieces: list[str] = []

    def visit(element: etree._Element) -> None:
        if element.tag == f"{MATHML}math":
            annotation = element.find(f".//{MATHML}annotation")
            source = annotation.text if annotation is not None else ""
            pieces.append(f"[{element.get('display')}:{' '.join(source.split())}]")
            return
        pieces.append(element.text or "")
        for child in element:
            if isinstance(child.tag, str):
                visit(child)
            pieces.append(child.tail or "")

    visit(root)
    return " ".join("".join(pieces).replace("\u2019", "'").split())


def chapter(markdown: str) -> Chapter:
    return Chapter(
        id="c", kind="essay", title="T", path=Path("c.md"), markdown=markdown, body_line=1
    )


def makebook_html(markdown: str, notes: list[TexNote] | None = None) -> etree._Element:
    body = parse_fragment(markdown_to_html(chapter(markdown), {}, notes))
    make_figures(body)  # an image's alt text is Markdown until then (render/figures.py)
    return body


def makebook_reading(markdown: str) -> str:
    return reading(makebook_html(markdown))


def pandoc_path() -> str | None:
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return shutil.which("pandoc")


def pandoc_reading(markdown: str, pandoc: str) -> str:
    html = subprocess.run(
        [pandoc, "-f", "markdown", "-t", "html", "--mathml"],
        input=markdown, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    root = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
    for element in root.iter():  # the HTML parser leaves MathML out of its namespace
        if element.tag in ("math", "semantics", "annotation"):
            element.tag = MATHML + element.tag
    return reading(root)
