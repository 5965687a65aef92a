"""Active content never passes through: scripts, handlers, embeds, styles and script or
data URLs in raw HTML are removed from the EPUB and the PDF, and reported at their line;
the safe content around them stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

import makebook.pdf.document
from conftest import add_picture, assert_refused, chapter_text, cli_build, copy_book, epub_files
from makebook.build import build
from xhtmlchecks import active_content, document_with, xhtml_trees

ACTIVE_CONTENT = """\
Before the dangerous things.

<script>alert("XSS")</script>
<SCRIPT SRC="https://XSS.example/x.js"></SCRIPT>
<iframe src="https://XSS.example/"></iframe>
<object data="XSS.swf"></object>
<embed src="XSS.swf">
<p onclick="XSS()">Clickable paragraph.</p>
<span onmouseover="XSS()" ONFOCUS="XSS()">Hover text.</span>

[A script link](javascript:XSS()) and [a mixed-case one](JaVaScRiPt:XSS()).
<a href="  javascript:XSS()">Padded</a> <a href="java&#x09;script:XSS()">Tabbed</a>
<a href="vbscript:XSS()">VB</a> <a href="data:text/html,XSS">Data</a>
[Titled](https://ok.example/ "a\\" onclick=\\"evil()")

<style>p { color: XSS; }</style>
<p style="color: red; background: XSS">Styled paragraph.</p>
<form action="https://XSS.example/"><input name="XSS" value="XSS"></form>
<svg onload="XSS()"><script>XSS()</script></svg>
<math><a xlink:href="javascript:XSS()">m</a></math>
<base href="https://XSS.example/">
<meta http-equiv="refresh" content="0;url=https://XSS.example/">
<link rel="stylesheet" href="https://XSS.example/x.css">
<video src="XSS.mp4" poster="XSS.png"></video>
<img src="images/pic.png" alt="A picture" onerror="XSS()" style="border: XSS">

A paragraph with handlers.
{: onclick="XSS()" style="color: XSS" }

::: {.note onclick="XSS()" style="color:XSS"}
A note with handlers.
:::

[A span]{onclick=XSS() style=color:XSS}

| Left | Right |
|:-----|------:|
| a    | b     |

A [safe link](https://ok.example/) survives.
"""
SCRIPT_LINE = 7  # body line 3; chapter_text() without `extra` takes lines 1-4
EPIGRAPH = (
    "epigraph:\n"
    "  text: \"<script>alert('XSS')</script> [x](javascript:XSS()) <b onclick='XSS()'>b</b>\"\n"
    "  source: \"<i onmouseover='XSS()'>Someone</i>\"\n"
)


@pytest.fixture(scope="module")
def active_build(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    """The EPUB files, the PDF's source document and the warnings of one build."""
    book = copy_book(small_book, tmp_path_factory.mktemp("active") / "book")
    add_picture(book)
    text = chapter_text("Active Content", ACTIVE_CONTENT, extra=EPIGRAPH)
    (book / "one.md").write_text(text, encoding="utf-8")
    assert text.split("\n")[SCRIPT_LINE - 1 + EPIGRAPH.count("\n")].startswith("<script>")
    documents: list[str] = []
    real_html = makebook.pdf.document.HTML

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        documents.append(kwargs.get("string") or "")
        return real_html(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(makebook.pdf.document, "HTML", spy)
        result = build(book, tmp_path_factory.mktemp("active-out"), ["epub", "pdf"])
    assert documents and all(documents), "the PDF was not made from an HTML string"
    return {
        "files": epub_files(result.outputs["epub"]),
        "pdf_html": documents,
        "warnings": result.warnings,
        "script_line": SCRIPT_LINE + EPIGRAPH.count("\n"),
    }


def test_no_active_content_in_the_epub(active_build):
    files = active_build["files"]
    trees = {name: tree for name, tree in xhtml_trees(files).items() if name.endswith(".xhtml")}
    problems = [problem for name, tree in trees.items() for problem in active_content(tree, name)]
    assert problems == []
    assert b"XSS" not in b"".join(files.values())


def test_no_active_content_in_the_pdf_document(active_build):
    for html in active_build["pdf_html"]:
        assert active_content(etree.fromstring(html), "pdf document") == []
        assert "XSS" not in html


def test_safe_content_around_active_content_survives(active_build):
    files = active_build["files"]
    chapter = etree.fromstring(files[document_with(files, "Active Content")])
    text = " ".join("".join(chapter.itertext()).split())
    survivors = [
        "Before the dangerous things.", "Clickable paragraph.", "Hover text.", "Styled paragraph.",
        "A note with handlers.", "A span", "Someone", "survives.",
    ]  # fmt: skip
    assert [phrase for phrase in survivors if phrase not in text] == []
    links = [a.get("href") for a in chapter.iter("{*}a") if a.get("href")]
    assert "https://ok.example/" in links
    cells = [c.get("style") for c in chapter.iter("{*}td", "{*}th")]
    assert cells and all(s and "text-align" in s for s in cells)  # table alignment is kept
    assert any(i.get("src", "").endswith("pic.png") for i in chapter.iter("{*}img"))


def test_removed_active_content_is_reported_with_file_and_line(active_build):
    lines = {p.line for p in active_build["warnings"] if p.path == Path("one.md")}
    assert active_build["script_line"] in lines, active_build["warnings"]


def test_table_cell_style_cannot_load_anything(small_book, tmp_path, network_guard):
    book = copy_book(small_book, tmp_path / "book")
    cell = '<table><tr><td style="background-image: url(https://example.com/t.png)">x</td></tr></table>'
    (book / "one.md").write_text(chapter_text("Styled Cell", cell + "\n"), encoding="utf-8")
    result = cli_build(book, tmp_path / "epub", "epub")
    assert result.exit_code == 0, result.output
    files = epub_files(next((tmp_path / "epub").glob("*.epub")))
    assert b"url(" not in files[document_with(files, "Styled Cell")]
    result = cli_build(book, tmp_path / "pdf", "pdf")
    assert result.exit_code == 0, result.output
    assert network_guard == []


@pytest.mark.parametrize(
    "image",
    [
        "![A pixel](data:image/png;base64,iVBORw0KGgo=)",
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="A pixel">',
        "![A script](javascript:alert(1))",
    ],
    ids=["markdown-data-url", "html-data-url", "javascript-url"],
)
def test_data_and_script_urls_in_images_never_reach_the_book(small_book, tmp_path, image):
    book = copy_book(small_book, tmp_path / "book")
    (book / "one.md").write_text(chapter_text("Images", f"Text.\n\n{image}\n"), encoding="utf-8")
    out = tmp_path / "out"
    result = cli_build(book, out, "epub")
    if result.exit_code != 0:
        assert_refused(result, out, r"one\.md:7")
        return
    files = epub_files(next(out.glob("*.epub")))
    assert b"data:" not in files[document_with(files, "Images")]
    assert b"javascript:" not in files[document_with(files, "Images")]
