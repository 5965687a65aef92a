"""A corpus of hard Markdown: whatever an author writes, the EPUB is well-formed XHTML.

Each case is built once on its own (every XML file of the EPUB parses, nothing active
is left) and once all together in one book, whose EPUB passes EPUBCheck and the
structural checks of xhtmlchecks.py and whose PDF is laid out.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import (
    SMALL_CHAPTERS,
    add_picture,
    chapter_text,
    copy_book,
    epub_files,
    run_epubcheck,
    set_chapters,
)
from makebook.build import build
from makebook.errors import ManuscriptError
from xhtmlchecks import (
    active_content,
    document_with,
    package_problems,
    structure_problems,
    xhtml_trees,
)

# Broken structure (unclosed divs and comments, notes without text or defined twice,
# unclosed citations, deep nesting) is refused at load: see test_bad_markdown.py.
CORPUS = {
    "nested-lists-and-quotes": """\
        - one
            - two
                - three
                    1. four
                    2. five

        > quoted
        > > nested quote
        > > > deeper
        > - a list in a quote
        >
        > ```
        > code in a quote
        > ```

        1. item
            > a quote in a list
        2. item
        """,
    "reference-links": """\
        See [this][ref], [that][], [The Case][CASE] and [an undefined one][nope].

        [ref]: https://example.com/ref "A title"
        [that]: http://example.org/
        [case]: <https://example.com/case>
        """,
    "unclosed-inline-html": """\
        Text <b>bold <i>both</b> end.

        A <span>span that is never closed.

        A stray </em> closing tag and a lone </div> too.

        <p>an unclosed raw paragraph
        """,
    "html5-elements": """\
        <video src="clip.mp4" controls>Your reader shows no video.</video>

        <canvas width="10" height="10"></canvas>

        <details><summary>More</summary>Hidden text.</details>

        <audio src="clip.mp3"></audio>

        <main><article><nav>html5 sectioning</nav></article></main>
        """,
    "entities": """\
        Space&nbsp;here, &copy; 2025, &#x1F600; &#128512; AT&T, fish & chips, &amp; &lt;tag&gt;,
        an unknown &bogus; entity, &#0; and &#xD800; (both replaced), &#x110000; and &;.
        """,
    "line-breaks": (
        "Line one<br>line two<br/>line three<BR>line four<br />\n\n"
        "A hard break  \nwith two spaces.\n"
    ),
    "attributes-without-values": """\
        <details open><summary>Open</summary>Content.</details>

        <p hidden>hidden paragraph</p> <input disabled> <ol reversed><li>a</li></ol>

        <table><tr><td nowrap>cell</td></tr></table>
        """,
    "uppercase-tags": """\
        <B>bold</B> <I>italic</I> <EM CLASS="x">em</EM> <A HREF="https://example.com/">link</A>

        <DIV>upper-case div</DIV>
        """,
    "code-spans": """\
        Use `` `backtick` `` and ``` `` ``` and `<b>&amp;</b>` and `` ` `` and `a``b`.

            indented <code> & <script>alert("in code")</script>

        ```html
        <p onclick="x()">fenced & escaped</p>
        ```

        ~~~
        tilde fence with ``` inside
        ~~~

        An unclosed `code span and ``another.
        """,
    "emphasis-edge-cases": """\
        *a **b* c** _x __y_ z__ ***triple*** * not * __ ** *unclosed _open
        snake_case_word 2*3*4 **bold**text*em*phasis ****four**** _*mixed*_ *_mixed_*
        """,
    "tables": """\
        | left | centre | right |
        |:-----|:------:|------:|
        | *x* | `a|b` | 3 |
        | 1 | 2 |

        |only|header|
        |---|---|

        | ragged |
        |---|---|---|
        | 1 | 2 | 3 | 4 |
        """,
    "empty": "",
    "whitespace-only": "   \n\n\t\n",
    "same-heading-twice": """\
        ## Same

        A

        ## Same

        B

        ### Same

        ## same!

        ## Same {#same}
        """,
    "footnotes-complex": """\
        Text.[^a] More.[^b] In a list:

        - item[^c]

        [^a]: Para one.

            - a list in a note

            > a quote in a note

                code in a note
        [^b]:
        [^c]: first definition
        """,
    "footnotes-in-headings-and-tables": """\
        ## Heading with a note[^h]

        | a | b[^t] |
        |---|---|
        | 1 | 2 |

        [^h]: heading note
        [^t]: table note
        """,
    "very-long-words": ("x" * 5000) + "\n\n" + "https://example.com/" + ("a" * 3000) + "\n",
    "right-to-left": (
        "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd and \u0645\u0631\u062d\u0628\u0627"
        " with an override \u202ereversed\u202c and a mark \u200f.\n\n"
        "[\u0645\u0631\u062d\u0628\u0627]{lang=ar dir=rtl}\n"
    ),
    "emoji": "Emoji \U0001f600 \U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f1ec\U0001f1e7"
    " \u2764\ufe0f \U0001faf6\U0001f3fd.\n\n## \U0001f600 heading\n",
    "combining-characters": (
        "Combining e\u0301 a\u0308\u0308\u0308 Z\u0336\u0335\u0334 o\u0338;"
        " \u0301 at the start of a word; Hangul \u1100\u1161\u11a8.\n\n## Cafe\u0301\n"
    ),
    "invisible-characters": "a\u00a0b\u200bc\u2028d\u2029e\ufeffmid-BOM \u00ad soft hyphen\n",
    "smart-quotes": "\"'Nested' quotes\" and 'don't' and \"\"\" and ''' and \"unclosed\n",
    "scene-breaks": "Before.\n\n* * *\n\n---\n\n___\n\nAfter.\n",
    "fenced-divs": """\
        ::: note
        a note holding two more

        ::: {.note title="A <b> & \\"quoted\\" title"}
        inner
        :::

        ::: pullquote
        > pulled
        :::
        :::
        """,
    "bracket-syntax": """\
        [^1] [@] [@@] [x]{.y} [x]{lang=} {.x} [^] \\[escaped\\] <http://auto.example/>
        <mail@example.com> [@siegel1999, p. 3] [-@siegel1999] [see @siegel1999; @room2015]

        [^1]: The note.
        """,
    "html-comments-cdata-pi": """\
        <!-- comment --> text <!-- a comment closed
        on the next line -->

        more <![CDATA[ x ]]> <?php echo 1 ?> <!DOCTYPE x>
        """,
    "angle-brackets": "a < b > c << >> <3 </ <> <not a tag <a\n",
    "attribute-lists": """\
        ## Heading {#custom-id .cls}

        para
        {: #p1 .x }

        ## Another {#custom-id}
        """,
    "definition-lists-and-abbreviations": """\
        Term
        :   Definition

        *[HTML]: Hyper Text Markup Language

        HTML here.
        """,
    "raw-ids": (
        '<span id="the-id">a</span> <span id="the-id">b</span> <span id="1bad">c</span>'
        ' <span id="has space">d</span> <a href="#the-id">back</a>\n'
    ),
    "heading-punctuation": "## !!!\n\n## ???\n\n## 123\n\n## \u65e5\u672c\u8a9e\n",
    "heading-levels": "# One\n\n###### Six\n\n<h1>raw h1</h1>\n\n####### seven\n",
    "headings-in-lists": "- ## heading in a list\n- > quote in a list\n",
    "image-link": "[![A small picture](images/pic.png)](https://example.com/)\n",
    "table-columns": (
        '<table><colgroup><col span="2"></colgroup>'
        '<tr><td>a</td><td>b</td></tr></table>\n\n<abbr title>x</abbr> <q cite="x">q</q> <wbr>\n'
    ),
    "link-to-chapter": "See [the idea](idea.md) and [its definition](idea.md#definition).\n",
    # From Python-Markdown's own tests (tests/misc/url_spaces.txt, normalize.txt,
    # extensions/github_flavored.txt) and the CommonMark spec (examples 600 and 606, as
    # markdown-it-py ships them): each gave an EPUB that failed EPUBCheck (issue 15).
    "pm-url-spaces": (
        "[Dawn of War](http://wikipedia.org/wiki/Dawn of War)\n\n"
        '[Dawn of War](http://wikipedia.org/wiki/Dawn of War "Dawn of War")\n\n'
        "[Angle](<http://wikipedia.org/wiki/Dawn of War>) <http://x.example/a b>\n"
    ),
    "pm-angle-brackets-in-query": "[Link](http://www.stuff.com/q?x=1&y=2<>)\n",
    "pm-text-inside-ul": """\
        <ul>
        {% for user in users %}
          <li><a href="{{ user.url }}">{{ user.username }}</a></li>
        {% endfor %}
        </ul>
        """,
    "cm-autolink-without-host": "<https://../> and <http://a..b/>\n",
    "cm-escaped-email-autolink": "<foo\\+@bar.example.com>\n",
    "orphan-and-termless-definitions": "<dd>orphan</dd>\n\n<dl>loose<dd>no term</dd><dt>t</dt></dl>\n",
    "inline-svg-and-mathml": """\
        <svg width="60" height="20" onload="x()"><rect width="60" height="20" fill="url(#g)"/>
        <image href="http://example.com/x.png" width="4" height="4"/><text x="2" y="12">Hi *there*</text></svg>

        A formula <math><mfrac><mi>a</mi><mi>b</mi></mfrac></math> inline, <math display="block"><msqrt><mi>x</mi></msqrt></math>
        """,
    "details-video-audio": """\
        <details><summary>Open me</summary>Inside.</details>

        <details>No summary</details>

        <video src="clip.mp4" controls>No video.</video> <audio src="a.mp3"></audio>
        """,
}

# Cases that build well-formed XHTML but are not yet valid EPUB: each has a strict-xfail
# test below. They stay out of the EPUBCheck corpus until fixed.
REPAIRED = {
    "footnote-defined-not-used": "Nothing refers to the note.\n\n[^unused]: I am never referenced.\n",
    "footnote-referenced-twice": "One[^1] and again[^1].\n\n[^1]: The note.\n",
    "headings-named-like-generated-ids": (
        "A cited line [@siegel1999].[^1]\n\n## Fn 1\n\n## Fnref 1\n\n## Cite 1\n\n[^1]: A note.\n"
    ),
    "details-without-summary": "<details>no summary</details>\n\n<details open>x</details>\n",
    "misnested-inline-html": "Text <b>bold <i>both</b> end.\n\n<div>a block after it\n",
    "orphan-html-elements": (
        "<li>orphan li</li>\n\n<dd>orphan dd</dd>\n\n<figcaption>cap</figcaption>\n\n"
        "<summary>sum</summary>\n"
    ),
    "invalid-attribute-values": (
        '<table><tr><td colspan="0" rowspan="-1" align="middle">a</td>'
        '<th scope="bogus">b</th></tr></table>\n\n'
        '<span dir="sideways" lang="not valid!">x</span> <time datetime="nonsense">t</time>\n\n'
        '<ol start="x" type="Z"><li>a</li></ol>\n'
    ),
    "dangling-fragment-links": "[nowhere](#nowhere) and [a missing heading](two.md#no-such-heading)\n",
    "links-to-files-not-in-the-book": '<a href="notes.html">x</a> [y](files/paper.pdf)\n',
}

XML_FORBIDDEN = {
    "vertical-tab-and-unit-separator": "Vertical\x0btab and unit\x1fseparator.\n",
    "other-c0-controls": "Bell\x07, backspace\x08, form feed\x0c, escape\x1b.\n",
    "noncharacters": "U+FFFE \ufffe and U+FFFF \uffff.\n",
    "character-references": "Escaped &#x1; &#11; &#x1F; &#xFFFE; &#65535;.\n",
    "control-in-heading-and-quote": '## A\x0bheading\n\n"quoted\x1f" text\n',
}


def body(text: str) -> str:
    return textwrap.dedent(text)


def build_one_case(small_book: Path, tmp_path: Path, case_body: str, title: str):  # type: ignore[no-untyped-def]
    book = copy_book(small_book, tmp_path / "book")
    add_picture(book)
    (book / "one.md").write_text(chapter_text(title, body(case_body)), encoding="utf-8")
    return build(book, tmp_path / "out", ["epub"])


@pytest.mark.parametrize("name", sorted(CORPUS) + sorted(REPAIRED))
def test_hard_markdown_builds_well_formed_xhtml(small_book, tmp_path, name):
    title = f"Case {name}"
    result = build_one_case(small_book, tmp_path, {**CORPUS, **REPAIRED}[name], title)
    files = epub_files(result.outputs["epub"])
    xhtml_trees(files)  # every XML file of the EPUB parses
    chapter = document_with(files, title)
    assert active_content(etree.fromstring(files[chapter]), chapter) == []


@pytest.mark.parametrize("name", sorted(XML_FORBIDDEN))
def test_characters_xml_forbids_are_dropped_or_reported(small_book, tmp_path, name):
    try:
        result = build_one_case(small_book, tmp_path, XML_FORBIDDEN[name], f"Case {name}")
    except ManuscriptError as exc:  # an error naming the chapter and line is fine too
        assert re.search(r"one\.md:\d+", str(exc)), str(exc)
        return
    files = epub_files(result.outputs["epub"])
    xhtml_trees(files)
    text = b"".join(
        data
        for name, data in files.items()
        if name.endswith((".xhtml", ".opf", ".ncx", ".xml", ".css"))
    )
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]", text)


def test_chapter_with_only_front_matter_and_no_final_newline(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "one.md").write_text(
        "---\nkind: essay\ntitle: Only Front Matter\n---", encoding="utf-8"
    )
    files = epub_files(build(book, tmp_path / "out", ["epub"]).outputs["epub"])
    xhtml_trees(files)
    assert document_with(files, "Only Front Matter")


def test_link_to_a_missing_chapter_is_reported_with_file_and_line(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    (book / "one.md").write_text(
        chapter_text("One", "Text.\n\nSee [gone](does-not-exist.md#part).\n"), encoding="utf-8"
    )
    try:
        result = build(book, tmp_path / "out", ["epub"])
    except ManuscriptError as exc:
        assert "one.md:7" in str(exc) and "does-not-exist.md" in str(exc)
        return
    assert any(p.path == Path("one.md") and p.line == 7 for p in result.warnings), result.warnings
    files = epub_files(result.outputs["epub"])
    assert b"does-not-exist" not in b"".join(files.values())


@pytest.fixture(scope="module")
def corpus_book(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One book, one chapter per corpus case, in a subfolder beside the small book's chapters."""
    book = copy_book(small_book, tmp_path_factory.mktemp("corpus") / "book")
    add_picture(book)
    paths = []
    for name, case_body in CORPUS.items():
        path = f"corpus/{name}.md"
        (book / "corpus").mkdir(exist_ok=True)
        (book / path).write_text(chapter_text(f"Case {name}", body(case_body)), encoding="utf-8")
        paths.append(path)
    set_chapters(book, [*SMALL_CHAPTERS, *paths])
    return book


@pytest.fixture(scope="module")
def corpus_outputs(corpus_book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both editions from one layout: the EPUB then carries the print page-break markers."""
    return build(corpus_book, tmp_path_factory.mktemp("corpus-out"), ["epub", "pdf"]).outputs


@pytest.fixture(scope="module")
def corpus_epub(corpus_outputs: dict[str, Path]) -> Path:
    return corpus_outputs["epub"]


def test_corpus_book_passes_epubcheck(corpus_epub, tmp_path):
    report = run_epubcheck(corpus_epub, tmp_path / "epubcheck.json")
    messages = [
        f"{m['severity']} {m['ID']}: {m['message']} "
        f"{[(loc.get('path'), loc.get('line')) for loc in m['locations']][:3]}"
        for m in report["messages"]
    ]
    assert report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages


def test_corpus_book_has_unique_ids_live_links_and_a_sound_structure(corpus_epub):
    files = epub_files(corpus_epub)
    assert package_problems(corpus_epub) == []
    assert structure_problems(files) == []
    for name, tree in xhtml_trees(files).items():
        if name.endswith(".xhtml"):
            assert active_content(tree, name) == []


def test_corpus_book_builds_a_pdf(corpus_outputs):
    pdf = corpus_outputs["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert len(PdfReader(pdf).pages) > len(CORPUS)  # every chapter opens a new page


def test_corpus_epub_carries_print_page_markers(corpus_epub):
    files = epub_files(corpus_epub)
    markers = sum(data.count(b'epub:type="pagebreak"') for data in files.values())
    assert markers > len(CORPUS)  # so EPUBCheck validated them inside hard content too


@pytest.fixture(scope="module")
def repaired_epub(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    book = copy_book(small_book, tmp_path_factory.mktemp("invalid") / "book")
    paths = []
    for name, case_body in REPAIRED.items():
        (book / f"{name}.md").write_text(chapter_text(f"Case {name}", case_body), encoding="utf-8")
        paths.append(f"{name}.md")
    set_chapters(book, [*SMALL_CHAPTERS, *paths])
    try:
        return epub_files(build(book, tmp_path_factory.mktemp("out"), ["epub"]).outputs["epub"])
    except ManuscriptError as exc:  # some fixes may rather refuse the input, with file and line
        return {"error": str(exc).encode()}


def repaired_case_problems(files: dict[str, bytes], name: str) -> list[str]:  # type: ignore[type-arg]
    """No problem if the build refused this case with its file and line, else the XHTML's."""
    if "error" in files:
        message = files["error"].decode()
        return [] if re.search(rf"{re.escape(name)}\.md:\d+", message) else [message]
    return structure_problems(files, [document_with(files, f"Case {name}")])


def test_footnote_defined_but_not_used_leaves_no_dangling_backlink(repaired_epub):
    assert repaired_case_problems(repaired_epub, "footnote-defined-not-used") == []


def test_footnote_referenced_twice_keeps_ids_unique(repaired_epub):
    assert repaired_case_problems(repaired_epub, "footnote-referenced-twice") == []


def test_heading_slugs_never_take_generated_ids(repaired_epub):
    assert repaired_case_problems(repaired_epub, "headings-named-like-generated-ids") == []


def test_details_without_summary_is_repaired_or_dropped(repaired_epub):
    assert repaired_case_problems(repaired_epub, "details-without-summary") == []


def test_misnested_inline_html_gives_valid_nesting(repaired_epub):
    assert repaired_case_problems(repaired_epub, "misnested-inline-html") == []


def test_orphan_list_and_caption_elements_are_repaired_or_dropped(repaired_epub):
    assert repaired_case_problems(repaired_epub, "orphan-html-elements") == []


def test_attribute_values_are_valid_or_dropped(repaired_epub):
    assert repaired_case_problems(repaired_epub, "invalid-attribute-values") == []


def test_links_to_undefined_fragments_are_reported_or_dropped(repaired_epub):
    assert repaired_case_problems(repaired_epub, "dangling-fragment-links") == []


def test_relative_links_to_other_files_are_reported_or_dropped(repaired_epub):
    assert repaired_case_problems(repaired_epub, "links-to-files-not-in-the-book") == []


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
@pytest.mark.parametrize("stem", ["copyright", "cover", "nav"])
def test_chapter_named_like_a_generated_page(small_book, tmp_path, stem):
    book = copy_book(small_book, tmp_path / "book")
    (book / f"{stem}.md").write_text(chapter_text(f"My {stem}", "Text.\n"), encoding="utf-8")
    set_chapters(book, [*SMALL_CHAPTERS, f"{stem}.md"])
    try:
        result = build(book, tmp_path / "out", ["epub"])
    except ManuscriptError as exc:
        assert f"{stem}.md" in str(exc)
        return
    assert package_problems(result.outputs["epub"]) == []
    assert structure_problems(epub_files(result.outputs["epub"])) == []
