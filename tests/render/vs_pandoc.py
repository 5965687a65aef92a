"""makebook's chapter HTML against pandoc 3's (`pandoc -f markdown -t html5`), normalised
for what may differ (issue 17, item 4). Used by test_vs_pandoc.py and scripts/vs-pandoc.

Both renderings become one canonical outline: an element per line with its text, then
the notes. What is normalised, and why:

- typography: quotes, apostrophes, dashes, ellipses, non-breaking and other spaces are
  folded (makebook sets the book's quote style and French spacing; pandoc its own);
- ids and in-book link targets: makebook prefixes ids with the chapter's (`one--h`) to
  keep them unique across the book, pandoc makes its own; both become `#`;
- heading levels are relative to the chapter's highest (the chapter title is makebook's
  only h1, so an author's `#` is set as h2);
- footnotes: makebook lifts them out of the text (each writer places them: pop-up in
  the EPUB, at the page foot in the PDF); pandoc ends the document with them. The call
  becomes `[note]`, the notes are listed last, pandoc's back-links dropped;
- citations become `[cite:key]` (their text is the citation style's, compared with
  `pandoc --citeproc` elsewhere);
- code blocks keep their text and language only (makebook highlights with Pygments, run
  here without pandoc's highlighting), math its text only (both MathML);
- task-list boxes: makebook prints the ☐/☑ glyph (an EPUB has no form controls), pandoc
  an <input> checkbox: both become the glyph;
- a quotation ending in `-- Name`: makebook sets the name as the quote's attribution
  (<figure class="quote"> with a <figcaption>); folded back into a last paragraph;
- table rows' `odd`/`even`/`header` classes and <colgroup> widths, column alignment
  as `align=`; a caption's or figure caption's lone <p> is unwrapped;
- makebook's additions for print: each verse line's <span class="line"> (its wrap hangs),
  the <span class="math"> around a formula, and the page-break <div> of `\\newpage`
  (pandoc's HTML drops it; makebook breaks the PDFs' page) are taken away;
- CLASSES_DROPPED: classes one side adds for its own styling, listed with their reason.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lxml import etree, html

CLASSES_DROPPED = {
    "url": "makebook: a link showing its address, to break it without hyphens",
    "uri": "pandoc: an automatic link",
    "email": "pandoc: an automatic e-mail link",
    "xref": "makebook: a link to another chapter",
    "scene-break": "makebook: an <hr> is a scene break",
    "task-list-item": "makebook: styling of the box",
    "task-box": "makebook: the box glyph's span",
    "image": "makebook: a figure holding an image",
    "sourceCode": "both: code block wrappers",
    "language-": "makebook: Pygments' language class (the language is kept apart)",
    "footnote-ref": "pandoc: note calls are normalised to [note]",
    "noteref": "makebook: note calls are normalised to [note]",
    "header": "pandoc: table row parity and header classes",
    "odd": "pandoc: table row parity",
    "even": "pandoc: table row parity",
    "math": "pandoc: a math span (math is compared as its text)",
    "inline": "pandoc: inline math",
    "display": "pandoc: display math",
}
BLOCK = {"p", "div", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table",
         "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "figure", "figcaption",
         "hr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "header", "footer", "aside",
         "details", "summary", "img", "br", "colgroup"}  # fmt: skip
KEPT_ATTRIBUTES = {"lang", "href", "src", "alt", "title", "colspan", "rowspan", "start", "type"}
FOLDED = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2026": "...", "\u00a0": " ",
    "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ",
})  # fmt: skip
TASK_BOXES = ("\u2610", "\u2611")


@dataclass(frozen=True)
class Case:
    """One construct: Markdown, where it comes from, and (when makebook does not render
    it as pandoc does yet) why."""

    name: str
    markdown: str
    source: str  # "MANUAL: <section>" (pandoc's manual) or "own"
    unsupported: str = ""  # why it differs today; an expected failure until it does not


@dataclass(frozen=True)
class Comparison:
    case: Case
    makebook: list[str]
    pandoc: list[str]

    @property
    def identical(self) -> bool:
        return self.makebook == self.pandoc

    def diff(self, limit: int = 6) -> list[str]:
        lines = difflib.unified_diff(
            self.pandoc, self.makebook, "pandoc", "makebook", n=0, lineterm=""
        )
        changed = [line for line in lines if line[:1] in "+-" and line[:3] not in ("---", "+++")]
        return changed[:limit] + (["..."] if len(changed) > limit else [])


# --- pandoc ------------------------------------------------------------------------


def pandoc_html(markdown: str) -> str:
    import pypandoc

    return pypandoc.convert_text(
        markdown, "html5", format="markdown", extra_args=["--mathml", "--syntax-highlighting=none"]
    )


def pandoc_outline(markdown: str) -> list[str]:
    root = html.fragment_fromstring(pandoc_html(markdown), create_parent="div")
    notes: list[etree._Element] = []
    for section in root.xpath(".//section[@id='footnotes']"):
        for item in section.xpath("./ol/li"):
            for back in item.xpath(".//a[contains(@class, 'footnote-back')]"):
                drop(back)
            notes.append(item)
        section.getparent().remove(section)
    for call in root.xpath(".//a[contains(@class, 'footnote-ref')]"):
        note_call(call)
    for box in root.xpath(".//input[@type='checkbox']"):
        glyph = TASK_BOXES[1] if box.get("checked") is not None else TASK_BOXES[0]
        replace_with_text(box, glyph + " ")
    for label in root.xpath(".//li/label"):
        unwrap(label)
    for span in root.xpath(".//span[contains(@class, 'citation')]"):
        citation(span, span.get("data-cites", "").split())
    return outline(root, notes)


# --- makebook ------------------------------------------------------------------------

IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)")


def makebook_outline(book: Any, template: Any, markdown: str) -> list[str]:
    """The chapter rendered as makebook renders `template` (a Chapter of `book`) with
    this Markdown; images are taken as found (the harness has no files)."""
    from makebook.model import ImageRef
    from makebook.render.chapter import render_chapter

    images = tuple(
        ImageRef(path, alt, template.body_line, resolved=path)
        for alt, path in IMAGE.findall(markdown)
    )
    chapter = replace(template, markdown=markdown, images=images)
    paths = {c.path.as_posix(): c.id for c in book.chapters}
    page = render_chapter(book, chapter, paths)
    section = etree.fromstring(page.html)
    body = section.find(".//div[@class='chapter-body']")
    notes = []
    for note in page.notes:
        holder = etree.fromstring(f"<li>{note.html}</li>")
        notes.append(holder)
    for call in body.xpath(".//a[contains(@class, 'noteref')]"):
        sup = call.getparent()
        if sup.tag == "sup" and len(sup) == 1 and not (sup.text or "").strip():
            unwrap(sup)
        note_call(call)
    for box in body.xpath(".//span[contains(@class, 'task-box')]"):
        unwrap(box)
    for span in body.xpath(".//span[contains(@class, 'citation')]"):
        # An author-in-text citation links the name and the year: one key, once.
        keys = [a.get("href", "").removeprefix("#work-") for a in span.iter("a")]
        citation(span, dict.fromkeys(keys))
    # makebook's deliberate additions, each documented where it is made:
    for line in body.xpath(".//div[contains(@class, 'line-block')]/span[@class='line']"):
        unwrap(line)  # render/blocks.py: a wrapped verse line hangs (no each-line in CSS)
    for wrapper in body.xpath(".//span[contains(concat(' ', @class, ' '), ' math ')]"):
        unwrap(wrapper)  # render/math.py: the span pandoc 2 wrote, kept for styling
    for page_break in body.xpath(".//div[@class='page-break']"):
        drop(page_break)  # render/rawtex.py: \newpage breaks the PDFs' page (pandoc drops it)
    for figure in body.xpath(".//figure[contains(@class, 'quote')]"):
        attribution_back(figure)
    for pre in body.xpath(".//pre"):
        language = [c for c in (pre.get("class") or "").split() if c != "sourceCode"]
        pre.set("class", " ".join(language))
    return outline(body, notes)


def attribution_back(figure: etree._Element) -> None:
    """<figure class="quote"><blockquote>..</blockquote><figcaption>— Name</figcaption>
    as pandoc has it: the name a last paragraph of the quote."""
    quote = figure.find("blockquote")
    caption = figure.find("figcaption")
    if quote is None or caption is None:
        return
    paragraph = etree.SubElement(quote, "p")
    paragraph.text = caption.text
    for child in caption:
        paragraph.append(child)
    figure.getparent().replace(figure, quote)


# --- both ------------------------------------------------------------------------


def note_call(call: etree._Element) -> None:
    replace_with_text(call, "[note]")


def citation(span: etree._Element, keys: Iterable[str]) -> None:
    replace_with_text(span, "[cite:" + ",".join(keys) + "]")


def replace_with_text(element: etree._Element, text: str) -> None:
    parent = element.getparent()
    previous = element.getprevious()
    joined = text + (element.tail or "")
    if previous is not None:
        previous.tail = (previous.tail or "") + joined
    else:
        parent.text = (parent.text or "") + joined
    parent.remove(element)


def unwrap(element: etree._Element) -> None:
    from makebook.xhtml import unwrap as lift

    lift(element)


def drop(element: etree._Element) -> None:
    replace_with_text(element, "")


def outline(root: etree._Element, notes: list[etree._Element]) -> list[str]:
    for wrapper in root.xpath(".//div[@class='sourceCode']"):
        unwrap(wrapper)  # both wrap a highlighted code block; pandoc not without highlighting
    for body in root.xpath(".//table/tbody"):
        unwrap(body)  # makebook writes the <tbody> an HTML parser implies, for XHTML
    # Ids differ by design; what matters is that an in-document link leads somewhere.
    ids = {e.get("id") for tree in (root, *notes) for e in tree.iter() if isinstance(e.tag, str)}
    for tree in (root, *notes):
        for link in tree.xpath(".//a[starts-with(@href, '#')]"):
            link.set("href", "#" if link.get("href")[1:] in ids else "#nowhere")
    lines: list[str] = []
    shift = top_heading(root)
    for child in block_children(root):
        emit(child, 0, lines, shift)
    for number, note in enumerate(notes, 1):
        lines.append(f"note {number}:")
        note.tag = "div"
        for child in block_children(note):
            emit(child, 1, lines, 0)
    return lines


def top_heading(root: etree._Element) -> int:
    levels = [
        int(h.tag[1])
        for h in root.iter()
        if isinstance(h.tag, str) and re.fullmatch(r"h[1-6]", h.tag)
    ]
    return min(levels) - 1 if levels else 0


def name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def block_children(element: etree._Element) -> list[etree._Element]:
    """The element's content as blocks: loose text and inline runs become a `#text`."""
    blocks: list[Any] = []
    run: list[Any] = []

    def flush() -> None:
        if run and inline_text(run).strip():
            blocks.append(("#text", list(run)))
        run.clear()

    if element.text:
        run.append(element.text)
    for child in element:
        if not isinstance(child.tag, str):
            pass
        elif name(child) in BLOCK or (name(child) == "math" and child.get("display") == "block"):
            flush()
            blocks.append(child)
        else:
            run.append(child)
        if child.tail:
            run.append(child.tail)
    flush()
    return blocks


def emit(block: Any, depth: int, lines: list[str], shift: int) -> None:
    pad = "  " * depth
    if isinstance(block, tuple):
        lines.append(pad + inline_text(block[1]).strip())
        return
    tag = name(block)
    if tag == "br":
        lines.append(pad + "<br>")
        return
    if tag == "math":  # display math: its text, as inline math
        lines.append(pad + f"[math:{math_text(block)}]")
        return
    if re.fullmatch(r"h[1-6]", tag):
        tag = f"h{int(tag[1]) - shift}"
    if tag == "pre":
        lines.append(pad + f"<pre{language(block)}>")
        lines.extend(
            pad + "  " + line for line in "".join(block.itertext()).strip("\n").split("\n")
        )
        return
    if tag in ("caption", "figcaption"):
        paragraphs = block.findall("p")
        if len(paragraphs) == 1 and len(block) == 1 and not (block.text or "").strip():
            unwrap(paragraphs[0])
    if tag == "colgroup":  # relative column widths: shown by their number
        widths = [alignment_or_width(col) for col in block.iter("col")]
        lines.append(pad + f"<colgroup {' '.join(widths)}>")
        return
    lines.append(pad + f"<{tag}{attributes(block)}>")
    for child in block_children(block):
        if isinstance(child, tuple) or name(child) != "colgroup":
            emit(child, depth + 1, lines, shift)


def alignment_or_width(col: etree._Element) -> str:
    found = re.search(r"width:\s*([\d.]+%)", col.get("style") or "")
    return found[1] if found else "auto"


def language(pre: etree._Element) -> str:
    classes = (pre.get("class") or "").split()
    classes += (pre.find("code").get("class") or "").split() if pre.find("code") is not None else []
    for cls in classes:
        cls = cls.removeprefix("language-")
        if cls not in ("sourceCode", "") and not cls.startswith("highlight"):
            return f" lang={cls}"
    return ""


def attributes(element: etree._Element) -> str:
    parts = []
    classes = [c for c in (element.get("class") or "").split() if not dropped_class(c)]
    if classes:
        parts.append("." + ".".join(sorted(classes)))
    for key, value in sorted(element.attrib.items()):
        if key.startswith("{"):  # xml:lang beside lang, epub:type: XHTML's and EPUB's own
            continue
        if key in ("src",):
            value = Path(value).name
        if key in KEPT_ATTRIBUTES:
            parts.append(f"{key}={fold(value)!r}")
    align = alignment(element)
    if align:
        parts.append(f"align={align}")
    return (" " + " ".join(parts)) if parts else ""


def dropped_class(cls: str) -> bool:
    return cls in CLASSES_DROPPED or cls.startswith("language-")


def alignment(element: etree._Element) -> str:
    style = element.get("style") or ""
    found = re.search(r"text-align:\s*(\w+)", style)
    return found[1] if found else element.get("align", "")


def inline_text(run: list[Any]) -> str:
    """Inline content as text with its elements shown (<em>x</em>), typography folded."""
    out = []
    for item in run:
        out.append(fold(item) if isinstance(item, str) else inline_element(item))
    return re.sub(r"\s+", " ", "".join(out))


def inline_element(element: etree._Element) -> str:
    tag = name(element)
    if tag == "math":  # MathML, namespaced in makebook's XHTML, not in pandoc's HTML
        return f"[math:{math_text(element)}]"
    if tag == "code":
        return f"<code{attributes(element)}>{''.join(element.itertext())}</code>"
    inner = inline_text([*([element.text] if element.text else []), *sum(
        ([child, *([child.tail] if child.tail else [])] for child in element if isinstance(child.tag, str)), []
    )])  # fmt: skip
    if tag in ("annotation", "semantics"):
        return inner
    return f"<{tag}{attributes(element)}>{inner}</{tag}>"


def math_text(math: etree._Element) -> str:
    """What a formula shows (its tokens), without a TeX annotation or spacing."""
    tokens = [
        element.text
        for element in math.iter()
        if isinstance(element.tag, str)
        and name(element) != "annotation"
        and element.text
        and not any(name(a) == "annotation" for a in element.iterancestors())
    ]
    return "".join(tokens).replace(" ", "")


def fold(text: str) -> str:
    return text.translate(FOLDED)
