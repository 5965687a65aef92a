"""Each construct of pandoc's Markdown, rendered by makebook and by pandoc 3
(`pandoc -f markdown -t html5`), gives the same text and structure (issue 17, item 4).

Cases marked "MANUAL: <section>" are the examples of pandoc's manual (MANUAL.txt, in
../shared/corpus), in that section; "own" cases are ours. What is normalised before
comparing (typography, ids, notes lifted out, citations, code highlighting, the classes
each side adds) is listed, with the reasons, in vs_pandoc.py. A construct makebook does
not render as pandoc does yet is an expected failure with the reason; strict, so it
fails once it does, and the mark is then removed. `scripts/vs-pandoc` prints the table.
"""

from __future__ import annotations

import pytest
from vs_pandoc import Case, Comparison, makebook_outline, pandoc_outline

CASES = [
    # --- Paragraphs, line breaks, headings ------------------------------------------
    Case("paragraphs", "One paragraph\nwrapped.\n\nAnother one.\n", "MANUAL: Paragraphs"),
    Case("hard line break (two spaces)", "First line  \nsecond line.\n", "MANUAL: Paragraphs"),
    Case(
        "escaped line break",
        "First line\\\nsecond line.\n",
        "MANUAL: Extension: escaped_line_breaks",
    ),
    Case("ATX headings", "# A level-one heading\n\n## A level-two heading\n", "MANUAL: Headings"),
    Case(
        "setext headings",
        "A level-one heading\n===================\n\nA level-two heading\n-------------------\n",
        "MANUAL: Headings",
    ),
    Case("closed ATX heading", "## A level-two heading ##\n\nText.\n", "MANUAL: Headings"),
    Case(
        "heading attributes",
        "# My heading {#foo}\n\n## Other {.unnumbered lang=fr}\n",
        "MANUAL: Extension: header_attributes",
    ),
    Case(
        "heading {-}",
        "# My heading {-}\n\nText.\n",
        "MANUAL: Extension: header_attributes",
    ),
    Case(
        "implicit header references",
        "# Heading identifiers in HTML\n\n[Heading identifiers in HTML], "
        "[Heading identifiers in HTML][] and\n[the section][heading identifiers in HTML].\n",
        "MANUAL: Extension: implicit_header_references",
    ),
    Case(
        "automatic identifiers",
        "# Heading identifiers in HTML\n\nSee [it](#heading-identifiers-in-html) and "
        "[dup](#dup-1).\n\n## Dup\n\n## Dup\n",
        "MANUAL: Extension: auto_identifiers",
    ),
    Case(
        "a heading needs a blank line before it",
        "A paragraph\n# not a heading\n",
        "MANUAL: Extension: blank_before_header",
    ),
    Case(
        "a heading needs a space after #",
        "#5 bolt\n\n#hashtag\n",
        "MANUAL: Extension: space_in_atx_header",
    ),
    Case(
        "title block",
        "% A Title\n% An Author\n\nText.\n",
        "MANUAL: Extension: pandoc_title_block",
    ),
    Case(
        "YAML block inside a chapter",
        "Text.\n\n---\nfoo: bar\n---\n\nMore.\n",
        "MANUAL: Extension: yaml_metadata_block",
        "only the front matter at a chapter's top is read; a YAML block further down is "
        "printed (a table of one cell)",
    ),
    Case(
        "seven #",
        "Text.\n\n####### seven\n",
        "MANUAL: ATX-style headings",
        "Python-Markdown reads 7 # as a level-6 heading that starts with # (reported as a "
        'leak); pandoc as a level-7 heading, written <p class="heading">',
    ),
    # --- Block quotations ------------------------------------------------------------
    Case(
        "block quote",
        "> This is a block quote. This\n> paragraph has two lines.\n>\n"
        "> 1. This is a list inside a block quote.\n> 2. Second item.\n",
        "MANUAL: Block quotations",
    ),
    Case(
        "lazy block quote",
        "> This is a block quote. This\nparagraph has two lines.\n",
        "MANUAL: Block quotations",
    ),
    Case(
        "a block quote needs a blank line before it",
        "A paragraph\n> not a quote\n",
        "MANUAL: Extension: blank_before_blockquote",
    ),
    Case(
        "nested block quote",
        "> This is a block quote.\n>\n> > A block quote within a block quote.\n",
        "MANUAL: Block quotations",
    ),
    Case(
        "quote with attribution",
        "> We are what we attend to.\n>\n> -- Ada Example\n",
        "own",
    ),
    # --- Code ----------------------------------------------------------------------
    Case(
        "indented code",
        "Text.\n\n    if (a > 3) {\n      moveShip(5 * gravity, DOWN);\n    }\n",
        "MANUAL: Verbatim (code) blocks",
    ),
    Case(
        "tilde fence",
        "~~~~~~~\nif (a > 3) {\n  moveShip(5 * gravity, DOWN);\n}\n~~~~~~~\n",
        "MANUAL: Extension: fenced_code_blocks",
    ),
    Case(
        "backtick fence with language",
        "```haskell\nqsort [] = []\n```\n",
        "MANUAL: Extension: fenced_code_attributes",
    ),
    Case(
        "fence with attributes",
        '~~~~ {#mycode .haskell .numberLines startFrom="100"}\nqsort [] = []\n~~~~~~~\n',
        "MANUAL: Extension: fenced_code_attributes",
    ),
    Case("code span", "Use `x <- y` and ``a ` b``.\n", "MANUAL: Verbatim"),
    Case(
        "inline code attributes",
        "`<$>`{.haskell}\n",
        "MANUAL: Extension: inline_code_attributes",
    ),
    # --- Line blocks -------------------------------------------------------------------
    Case(
        "line block",
        "| The limerick packs laughs anatomical\n| In space that is quite economical.\n"
        "|    But the good ones I've seen\n|    So seldom are clean\n"
        "| And the clean ones so seldom are comical\n",
        "MANUAL: Extension: line_blocks",
    ),
    # --- Lists -----------------------------------------------------------------------
    Case("bullet list", "* one\n* two\n* three\n", "MANUAL: Bullet lists"),
    Case(
        "loose list",
        "* one\n\n* two\n\n* three\n",
        "MANUAL: Bullet lists",
    ),
    Case(
        "nested list",
        "* fruits\n    + apples\n        - macintosh\n        - red delicious\n    + pears\n"
        "* vegetables\n    + broccoli\n",
        "MANUAL: Block content in list items",
    ),
    Case("ordered list", "1.  one\n2.  two\n3.  three\n", "MANUAL: Ordered lists"),
    Case(
        "start number and parenthesis",
        " 9)  Ninth\n10)  Tenth\n11)  Eleventh\n",
        "MANUAL: Extension: startnum",
    ),
    Case("start number", "3. three\n4. four\n", "MANUAL: Extension: startnum"),
    Case(
        "fancy lists",
        "#.  one\n#.  two\n\ni. subone\nii. subtwo\n\nA)  upper\nB)  alpha\n",
        "MANUAL: Extension: fancy_lists",
    ),
    Case(
        "example list",
        "(@)  My first example will be numbered (1).\n(@)  My second example will be "
        "numbered (2).\n\nExplanation of examples.\n\n(@good)  This is a good example.\n\n"
        "As (@good) illustrates.\n",
        "MANUAL: Extension: example_lists",
    ),
    Case(
        "task list",
        "- [ ] an unchecked task list item\n- [x] checked item\n",
        "MANUAL: Extension: task_lists",
    ),  # fmt: skip
    Case(
        "definition list",
        "Term 1\n\n:   Definition 1\n\nTerm 2 with *inline markup*\n\n:   Definition 2\n\n"
        "        { some code, part of Definition 2 }\n\n    Third paragraph of definition 2.\n",
        "MANUAL: Extension: definition_lists",
    ),
    Case(
        "compact definition list with ~",
        "Term 1\n  ~ Definition 1\n\nTerm 2\n  ~ Definition 2a\n  ~ Definition 2b\n",
        "MANUAL: Extension: definition_lists",
    ),
    Case(
        "a list needs a blank line before it",
        "A paragraph\n- not an item\n",
        "MANUAL: Non-default extensions: lists_without_preceding_blankline",
    ),
    Case(
        "list ended by a comment",
        "1.  one\n2.  two\n\n<!-- -->\n\n1.  uno\n2.  dos\n",
        "MANUAL: Ending a list",
    ),
    Case("horizontal rule", "Above.\n\n*  *  *  *\n\nBelow.\n", "MANUAL: Horizontal rules"),
    # --- Tables ----------------------------------------------------------------------
    Case(
        "simple table",
        "  Right     Left     Center     Default\n-------     ------ ----------   -------\n"
        "     12     12        12            12\n    123     123       123          123\n\n"
        "Table:  Demonstration of simple table syntax.\n",
        "MANUAL: Extension: simple_tables",
    ),
    Case(
        "multiline table",
        "-------------------------------------------------------------\n"
        " Centered   Default           Right Left\n"
        "  Header    Aligned         Aligned Aligned\n"
        "----------- ------- --------------- -------------------------\n"
        "   First    row                12.0 Example of a row that\n"
        "                                    spans multiple lines.\n\n"
        "  Second    row                 5.0 Here's another one.\n"
        "-------------------------------------------------------------\n\n"
        "Table: Here's the caption.\n",
        "MANUAL: Extension: multiline_tables",
    ),
    Case(
        "grid table",
        ": Sample grid table.\n\n"
        "+---------------+---------------+--------------------+\n"
        "| Fruit         | Price         | Advantages         |\n"
        "+===============+===============+====================+\n"
        "| Bananas       | 1.34          | built-in wrapper   |\n"
        "+---------------+---------------+--------------------+\n",
        "MANUAL: Extension: grid_tables",
    ),
    Case(
        "grid table with spans",
        "+---------------------+----------+\n| Property            | Earth    |\n"
        "+=============+=======+==========+\n|             | min   | -89.2 °C |\n"
        "| Temperature +-------+----------+\n| 1961-1990   | mean  | 14 °C    |\n"
        "|             +-------+----------+\n|             | max   | 56.7 °C  |\n"
        "+-------------+-------+----------+\n",
        "MANUAL: Extension: grid_tables",
    ),
    Case(
        "pipe table",
        "| Right | Left | Default | Center |\n|------:|:-----|---------|:------:|\n"
        "|   12  |  12  |    12   |    12  |\n|  123  |  123 |   123   |   123  |\n\n"
        ": Demonstration of pipe table syntax.\n",
        "MANUAL: Extension: pipe_tables",
    ),
    Case(
        "table caption with attributes",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: The caption. {#tbl:one .wide}\n",
        "MANUAL: Extension: table_attributes",
    ),
    # --- Inline formatting -------------------------------------------------------------
    Case(
        "emphasis and strong",
        "This text is _emphasized with underscores_, and this\nis *emphasized with "
        "asterisks*.\n\nThis is **strong emphasis** and __with underscores__.\n",
        "MANUAL: Emphasis",
    ),
    Case(
        "intraword underscores",
        "feas*ible*, not feas*able*; snake_case_word.\n",
        "MANUAL: Extension: intraword_underscores",
    ),  # fmt: skip
    Case("strikeout", "This ~~is deleted text.~~\n", "MANUAL: Extension: strikeout"),
    Case(
        "superscript and subscript",
        "H~2~O is a liquid.  2^10^ is 1024.  P~a\\ cat~\n",
        "MANUAL: Extension: superscript, subscript",
    ),
    Case("small caps", "[Small caps]{.smallcaps}\n", "MANUAL: Small caps"),
    Case("underline", "[Underline]{.underline}\n", "MANUAL: Underline"),
    Case("highlight", "[Highlight]{.mark}\n", "MANUAL: Highlighting"),
    Case(
        "smart punctuation",
        "\"Quoted\" and 'single', an apostrophe's, 1990--2000, a dash---like this... end.\n",
        "MANUAL: Typography",
    ),
    Case(
        "backslash escapes",
        "\\*not emphasized\\*, \\$5, a\\ b (nonbreaking), \\# and \\[x\\].\n",
        "MANUAL: Backslash escapes",
    ),
    Case(
        "every symbol escapable",
        "\\~ \\^ \\| \\@ \\$ \\< \\> \\\" \\' \\% \\& \\= \\: \\; \\? \\/\n",
        "MANUAL: Extension: all_symbols_escapable",
    ),
    # --- Math, raw HTML and TeX --------------------------------------------------------
    Case(
        "inline math",
        "The formula $x^2 + y$ and $\\alpha$.\n",
        "MANUAL: Extension: tex_math_dollars",
    ),
    Case(
        "display math",
        "Display:\n\n$$\\frac{a}{b}$$\n",
        "MANUAL: Extension: tex_math_dollars",
    ),
    Case(
        "dollars that are no math",
        "It costs $20,000 and $30,000.\n",
        "MANUAL: Extension: tex_math_dollars",
    ),
    Case(
        "TeX macros",
        "\\newcommand{\\tuple}[1]{\\langle #1 \\rangle}\n\n$\\tuple{a, b, c}$\n",
        "MANUAL: Extension: latex_macros",
    ),
    Case(
        "raw HTML",
        "<table>\n<tr>\n<td>*one*</td>\n<td>[a link](https://google.com)</td>\n</tr>\n</table>\n",
        "MANUAL: Extension: markdown_in_html_blocks",
    ),
    Case("raw HTML inline", 'A <span class="x">span</span> and <b>bold</b>.\n', "own"),
    Case(
        "raw HTML block with markdown=1",
        '<div class="x" markdown="1">\n*one*\n</div>\n',
        "own",
    ),
    Case(
        "raw TeX dropped",
        "This result was proved in \\cite{jones.1967}.\n\n\\newpage\n\nNext.\n",
        "MANUAL: Extension: raw_tex",
    ),
    Case(
        "raw attribute",
        "```{=html}\n<b>raw</b>\n```\n\n`<i>x</i>`{=html} and `\\LaTeX`{=latex}\n",
        "MANUAL: Extension: raw_attribute",
    ),
    # --- Links ------------------------------------------------------------------------
    Case(
        "automatic links",
        "<https://google.com>\n<sam@green.eggs.ham>\n",
        "MANUAL: Automatic links",
    ),
    Case(
        "inline links",
        "This is an [inline link](https://fsf.org), and here's [one with\na title]"
        '(https://fsf.org "click here for a good time!").\n',
        "MANUAL: Inline links",
    ),
    Case(
        "reference links",
        "[my label 1], [my label 2][], [text][My Label 1].\n\n[my label 1]: https://fsf.org\n"
        '[my label 2]: https://fsf.org "The FSF"\n',
        "MANUAL: Reference links",
    ),
    Case(
        "reference in angle brackets",
        "[text][my label 3].\n\n[my label 3]: <https://x.org/a b>\n",
        "MANUAL: Reference links",
        "a reference definition's <address> with a space in it is printed as a paragraph",
    ),
    Case(
        "link to an address in angle brackets",
        "[a link](<https://example.org/a b>) and an HTML <!-- hidden --> comment.\n",
        "MANUAL: Inline links",
    ),
    Case(
        "abbreviation definitions",
        "The HTML spec.\n\n*[HTML]: Hyper Text Markup Language\n",
        "MANUAL: Non-default extensions: abbreviations",
        "makebook reads Python-Markdown's abbreviations (<abbr title>) and leaves the "
        "definition out; pandoc's markdown prints the definition line",
    ),
    Case(
        "shortcut reference link",
        "See [foo].\n\n[foo]: https://example.org\n",
        "MANUAL: Extension: shortcut_reference_links",
    ),
    Case(
        "link attributes",
        '[a link](https://example.org){#id .class key="value"}\n',
        "MANUAL: Extension: link_attributes",
    ),
    Case(
        "internal link",
        "See the [Introduction](#introduction).\n\n# Introduction\n\nText.\n",
        "MANUAL: Internal links",
    ),
    # --- Images and figures --------------------------------------------------------
    Case("inline image", 'An ![la lune](lalune.jpg "Voyage") inline.\n', "MANUAL: Images"),
    Case(
        "figure",
        "![This is the caption](pic.png)\n",
        "MANUAL: Extension: implicit_figures",
    ),
    Case(
        "image attributes",
        "![A picture](pic.png){#fig:a width=50%}\n\nText.\n",
        "MANUAL: Extension: link_attributes",
    ),
    # --- Divs and spans ---------------------------------------------------------------
    Case(
        "fenced div",
        "::::: {#special .sidebar}\nHere is a paragraph.\n\nAnd another.\n:::::\n",
        "MANUAL: Extension: fenced_divs",
    ),
    Case(
        "nested fenced divs",
        "::: Warning ::::::\nThis is a warning.\n\n::: Danger\nThis is a warning within a "
        "warning.\n:::\n::::::::::::::::::\n",
        "MANUAL: Extension: fenced_divs",
    ),
    Case(
        "bracketed span",
        '[This is *some text*]{.class key="val"} and [ici]{lang=fr}.\n',
        "MANUAL: Extension: bracketed_spans",
    ),
    # --- Footnotes and citations ------------------------------------------------------
    Case(
        "footnotes",
        "Here is a footnote reference,[^1] and another.[^longnote]\n\n"
        "[^1]: Here is the footnote.\n\n[^longnote]: Here's one with multiple blocks.\n\n"
        "    Subsequent paragraphs are indented.\n\n        { some.code }\n",
        "MANUAL: Extension: footnotes",
    ),
    Case(
        "inline note",
        "Here is an inline note.^[Inline notes are easier to write, since\nyou don't have "
        "to pick an identifier.]\n",
        "MANUAL: Extension: inline_notes",
    ),
    Case(
        "a note in a table and a list",
        "| a | b |\n|---|---|\n| x[^1] | y |\n\n- item[^2]\n\n[^1]: In a cell.\n"
        "[^2]: In a list, with *emphasis* and [a link](https://example.org).\n",
        "own",
    ),
    Case(
        "a div in a quote",
        "> ::: note\n> Inside.\n> :::\n",
        "own",
    ),
    Case("a list in a definition", "Term\n\n:   - one\n    - two\n", "own"),
    Case(
        "emphasis in links and headings",
        "## A *heading* with `code`\n\n[**bold** link](https://example.org) and "
        "*[em link](https://example.org)*.\n",
        "own",
    ),
    Case(
        "bracketed citations",
        "Blah blah [see @siegel1999, pp. 33-35; also @siegel2003, chap. 1].\n",
        "MANUAL: Extension: citations",
    ),
    Case(
        "in-text citation",
        "@siegel1999 says blah, and @siegel2003 [p. 33] says more.\n",
        "MANUAL: Extension: citations",
    ),
    Case(
        "suppressed author",
        "Siegel says blah [-@siegel1999].\n",
        "MANUAL: Extension: citations",
    ),
]


@pytest.fixture
def compare(loaded_small_book):  # type: ignore[no-untyped-def]
    from pathlib import Path

    book = loaded_small_book
    template = next(c for c in book.chapters if c.path == Path("one.md"))

    def compared(case: Case) -> Comparison:
        return Comparison(
            case, makebook_outline(book, template, case.markdown), pandoc_outline(case.markdown)
        )

    return compared


def marked(case: Case):  # type: ignore[no-untyped-def]
    marks = [pytest.mark.xfail(strict=True, reason=case.unsupported)] if case.unsupported else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [marked(case) for case in CASES])
def test_construct_renders_as_pandoc_renders_it(compare, case):
    result = compare(case)
    assert result.makebook == result.pandoc, "\n".join(result.diff(limit=20))


def test_the_comparison_sees_a_difference(compare):
    """The normalisation does not hide what matters: text, nesting and elements."""
    same = compare(Case("same", "A *b* c.\n", "own"))
    assert same.identical and same.pandoc == ["<p>", "  A <em>b</em> c."]
    assert compare(Case("text", "A *b* c.\n", "own")).makebook != pandoc_outline("A *b* d.\n")
    assert compare(Case("tag", "A *b* c.\n", "own")).makebook != pandoc_outline("A **b** c.\n")
