"""Code blocks as pandoc reads and writes them (issue 17): backtick and tilde fences of
any length, the language as a class, Pygments highlighting in classes, indented code
unchanged; the loader's reading of what is code (syntax.mask_code) agrees with the
renderer's. One book holding all of them passes EPUBCheck, and its PDF prints the
code whole, without hyphens."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import (
    SMALL_CHAPTERS,
    ace_violations,
    chapter_text,
    copy_book,
    markup,
    run_ace,
    run_epubcheck,
    set_chapters,
)
from makebook.build import build
from makebook.manuscript.syntax import fence_end, line_kinds, mask_code


@pytest.fixture
def render(render_body):  # type: ignore[no-untyped-def]
    return lambda markdown: render_body(textwrap.dedent(markdown))


def xml(element: etree._Element) -> str:
    return markup(element)


def test_backtick_fence_with_a_language_is_highlighted_source_code(render):
    body = render('```python\ndef f(x):\n    return "a"  # note\n```\n')
    holder = body.find("div")
    assert holder.get("class") == "sourceCode"
    pre = holder.find("pre")
    assert pre.get("class") == "sourceCode python"
    code = pre.find("code")
    assert code.get("class") == "sourceCode python language-python"
    assert "".join(code.itertext()) == 'def f(x):\n    return "a"  # note'
    assert code.xpath("string(span[@class='k'][1])") == "def"
    assert code.xpath("string(span[@class='c1'])") == "# note"
    assert body.find("p") is None  # no paragraph made of the fence or its language


def test_tilde_fence_with_attributes_closed_by_a_longer_run(render):
    body = render("~~~~ {.haskell .numberLines #main}\nmain = 1\n```\n~~~~~~\n\nAfter.\n")
    holder = body.find("div")
    assert holder.get("id", "").endswith("main")
    assert holder.find("pre").get("class") == "sourceCode haskell numberLines"
    assert "".join(holder.itertext()) == "main = 1\n```"  # a shorter or other run is code
    assert body.find("p").text == "After."


def test_code_ends_with_its_last_character_as_in_pandoc(render):
    assert render("```\na\n```\n").xpath("string(.//code)") == "a"
    assert render("Text.\n\n    a\n").xpath("string(.//code)") == "a"


def test_code_in_no_language_is_plain_pre_code(render):
    body = render("```\nplain <b>\n````\n\n    indented\n\n~~~\ntilde\n~~~\n")
    blocks = body.findall("pre")
    assert [xml(b) for b in blocks] == [
        "<pre><code>plain &lt;b&gt;</code></pre>",
        "<pre><code>indented</code></pre>",
        "<pre><code>tilde</code></pre>",
    ]


def test_fence_in_a_list_item_and_in_a_fenced_div(render):
    body = render(
        """\
        1. Step:

            ```sh
            echo hi
            ```

        ::: note
        ```
        ::: not a div
        ```
        :::
        """
    )
    assert body.xpath("string(ol/li//pre/code)") == "echo hi"
    assert body.xpath("string(div[@class='note']//pre/code)") == "::: not a div"


def test_an_unclosed_fence_is_no_code_as_in_pandoc(render):
    body = render("```\nnot closed\n\nmore\n")
    assert body.find(".//pre") is None
    assert mask_code("```\nnot closed\n") == "```\nnot closed\n"


def test_code_is_never_typographed(render):
    body = render("```\n\"quotes\" -- and ... 'single'\n```\n")
    assert body.xpath("string(.//code)") == "\"quotes\" -- and ... 'single'"


CASES = [
    "```\na\n````\nb\n",
    "````\na\n```\nb\n````\nc\n",
    "```\nunclosed\n",
    "```python extra words\nx\n```\n",
    "Para\n```\nx\n```\n",
    "- item\n\n    ```\n    in list\n    ```\n",
    "~~~\n```\n~~~\n",
    "    indented\n\n```\nfenced\n```\n",
]


@pytest.mark.parametrize("markdown", CASES)
def test_the_loader_masks_exactly_the_code_the_renderer_makes(render, markdown):
    code = "\n".join("".join(pre.itertext()) for pre in render(markdown).iter("pre"))
    lines = markdown.split("\n")
    kinds = line_kinds(lines)
    content, index = [], 0
    while index < len(lines):
        if kinds[index] == "fence":  # a fence's lines, without its opening and closing
            end = fence_end(lines, index)
            content += lines[index + 1 : end]
            index = end + 1
            continue
        if kinds[index] == "indented":
            content.append(lines[index])
        index += 1
    expected = [line.strip() for line in content if line.strip()]
    assert [line.strip() for line in code.split("\n") if line.strip()] == expected


LONG = "result = compute_the_value(" + ", ".join(f"argument_{n}" for n in range(12)) + ")"
CODE_CHAPTER = f"""\
Code of every kind, with ~~strike~~, x^2^, H~2~O, [caps]{{.smallcaps}},
[under]{{.underline}} and [marked]{{.mark}}.

```python
def hyphenation_is_never_applied(argument):
    {LONG}
    return "string"  # comment
```

~~~ {{.js}}
const value = 1;
~~~

```
plain fence
```

    indented code

- [ ] to do
- [x] done

1. In a list:

    ```sh
    echo listed
    ```
"""


@pytest.fixture(scope="module")
def code_outputs(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    book = copy_book(small_book, tmp_path_factory.mktemp("code") / "book")
    (book / "code.md").write_text(chapter_text("Code", CODE_CHAPTER), encoding="utf-8")
    set_chapters(book, [*SMALL_CHAPTERS, "code.md"])
    return build(book, tmp_path_factory.mktemp("code-out"), ["epub", "pdf"]).outputs


def test_code_book_passes_epubcheck(code_outputs, tmp_path):
    report = run_epubcheck(code_outputs["epub"], tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages


def test_code_book_passes_ace(code_outputs, tmp_path):
    """Task boxes are characters, highlighted code keeps its contrast in grey."""
    report = run_ace(code_outputs["epub"], tmp_path / "ace")
    assert ace_violations(report) == []


def test_code_book_pdf_prints_the_code_without_hyphens(code_outputs):
    text = "\n".join(page.extract_text() for page in PdfReader(code_outputs["pdf"]).pages)
    flat = re.sub(r"\s+", "", text)
    assert "defhyphenation_is_never_applied(argument):" in flat
    assert re.sub(r"\s+", "", LONG) in flat  # wrapped, but every character kept
    assert "echolisted" in flat and "indentedcode" in flat
    for word in ("hyphenation_is_never_applied", "compute_the_value", "argument_11"):
        assert not re.search(word[:6] + r"\w*-\s*\n", text), word
    assert "~~" not in text and "[x]" not in text and "{.smallcaps}" not in text
