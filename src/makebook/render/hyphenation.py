"""Where the PDFs may break a word at the end of a line, and what must stay whole.

WeasyPrint breaks words with pyphen's patterns for the text's language; makebook
decides instead, with a `Hyphenator` that pdf/weasy.py hands WeasyPrint:

- English is broken with pyphen's en_US patterns (Liang's, TeX's), for British text
  too: pyphen's en_GB patterns break 'Attun-ement', 'capit-als', 'beha-viour',
  'star-ted', 'bey-ond' (measured on the demo book's words: tests/render/
  test_hyphenation.py holds the reviewed breaks). Other languages keep pyphen's
  patterns for them (de, fr, ...);
- a word listed in `[typography] hyphenate` breaks only where the list says, one in
  `never_hyphenate` never;
- in English, French and the other languages that capitalise names, not nouns, a word
  that starts with a capital (a name, mostly) is not broken, unless
  `hyphenate_capitalised = true`; in German, which capitalises every noun, it is,
  unless `hyphenate_capitalised = false`.

Two rules need the text around the word: a paragraph's last word is never broken (its
last line would be a fragment, 'com-' / 'pany.'): `keep_last_words_whole` wraps it in
a span the stylesheet keeps unhyphenated; and at most two lines in a row end in a
hyphen (pdf/weasy.py counts the lines as WeasyPrint sets them).

The EPUB gets none of this: reading systems hyphenate with their own dictionaries and
their reader's settings, and soft hyphens in its text would get in the way of search
and text-to-speech in some of them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import pyphen
from lxml import etree

from makebook.model import Hyphenation

# A language's patterns, where pyphen's own choice for it breaks words badly.
PATTERNS = {"en": "en_US"}
# Languages that capitalise every noun: a capital does not mark a name there.
NOUNS_CAPITALISED = {"de", "lb"}


def primary_language(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def patterns_for(language: str) -> str | None:
    """The pyphen dictionary that breaks words of `language` (a BCP 47 tag), if any."""
    return PATTERNS.get(primary_language(language)) or pyphen.language_fallback(language)


def breaks(word: str) -> tuple[int, ...]:
    """The positions of the hyphens in a word as [typography] hyphenate writes it."""
    found, offset = [], 0
    for part in word.split("-")[:-1]:
        offset += len(part)
        found.append(offset)
    return tuple(found)


class Hyphenator:
    """pyphen.Pyphen's `iterate` (what WeasyPrint calls), with the book's rules."""

    def __init__(
        self,
        rules: Hyphenation,
        patterns: str,
        left: int = 2,
        right: int = 2,
        capitalised: bool = False,
    ) -> None:
        self.dictionary = pyphen.Pyphen(lang=patterns, left=left, right=right)
        self.exceptions = {w.replace("-", "").lower(): breaks(w) for w in rules.exceptions}
        self.never = {w.lower() for w in rules.never}
        self.capitalised = capitalised  # whether words that start with a capital break

    def positions(self, word: str) -> tuple[int, ...]:
        """Where `word` may break, as offsets from its start."""
        key = word.lower()
        if key in self.exceptions:  # the author's breaks, capitalised or not
            return self.exceptions[key]
        if key in self.never or (word[:1].isupper() and not self.capitalised):
            return ()
        return tuple(int(p) for p in self.dictionary.positions(word))

    def iterate(self, word: str) -> Iterator[tuple[str, str]]:
        """Every way to break `word`, the longest first part first (as pyphen)."""
        for position in reversed(self.positions(word)):
            yield word[:position], word[position:]

    def inserted(self, word: str, hyphen: str = "-") -> str:
        """`word` with a hyphen at every place it may break (for tests and reports)."""
        out, last = [], 0
        for position in self.positions(word):
            out.append(word[last:position])
            last = position
        return hyphen.join([*out, word[last:]])


@functools.lru_cache(maxsize=64)
def hyphenator(rules: Hyphenation, language: str, left: int, right: int) -> Hyphenator | None:
    """The hyphenator for text in `language` (an element's lang), or None: not hyphenated."""
    patterns = patterns_for(language)
    if not patterns:
        return None
    capitalised = rules.capitalised
    if capitalised is None:
        capitalised = primary_language(language) in NOUNS_CAPITALISED
    return Hyphenator(rules, patterns, left, right, capitalised)


# --- what must stay whole, marked on the PDF's document tree ------------------------

NO_HYPHEN_CLASS = "nohyphen"  # styles/pdf.css: hyphens: manual
NO_WRAP_CLASS = "nowrap"  # styles/pdf.css: white-space: nowrap
# Blocks whose text runs in lines: their last word stays whole.
TEXT_BLOCKS = {"p", "li", "dd", "dt", "figcaption", "td", "th", "caption"}
# What a block's own last line is not made of: nested blocks, notes placed at their call
# (pdf/document.py), code and formulas.
SKIPPED = TEXT_BLOCKS | {
    "ul", "ol", "dl", "div", "blockquote", "table", "figure", "section", "pre", "code",
    "kbd", "samp", "svg", "math", "img", "sup", "br",
}  # fmt: skip
LAST_WORD = re.compile(r"(\S+)(\s*)$")
# The last two words, when the second is short (a year, 'p. 12', an initial): they go
# to the next line together rather than leave it alone.
LAST_TWO_WORDS = re.compile(r"(\S+[ \u00a0]+\S{1,6})(\s*)$")
# Shorter words cannot break under the design's hyphenate-limit-chars (6 3 3).
SHORTEST_BREAKABLE = 5


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _skipped(element: etree._Element) -> bool:
    classes = (element.get("class") or "").split()
    return _local(element) in SKIPPED or "footnote" in classes or NO_HYPHEN_CLASS in classes


def _text_slots(block: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """Where `block`'s own text lies, in reading order: (element, "text" or "tail")."""
    yield block, "text"
    for child in block:
        if not isinstance(child.tag, str):
            yield child, "tail"  # a comment or processing instruction
            continue
        if not _skipped(child):
            yield from _text_slots(child)
        yield child, "tail"


def _wrap_end(element: etree._Element, slot: str, pattern: re.Pattern[str], cls: str) -> bool:
    """Wrap the end of a text slot matched by `pattern` (group 1) in a span of class `cls`."""
    text = getattr(element, slot) or ""
    match = pattern.search(text)
    if match is None:
        return False
    span = etree.Element(_span_tag(element), {"class": cls})
    span.text = match.group(1)
    span.tail = text[match.end(1) :]
    setattr(element, slot, text[: match.start(1)] or None)
    if slot == "text":
        element.insert(0, span)
    else:
        element.addnext(span)  # after the element's tail, now the text before the word
    return True


def _span_tag(element: etree._Element) -> str:
    namespace = etree.QName(element.tag).namespace if isinstance(element.tag, str) else None
    return f"{{{namespace}}}span" if namespace else "span"


def _last_word_slot(block: etree._Element) -> tuple[etree._Element, str] | None:
    """Where `block`'s last word is: the last text slot with one, passing over
    punctuation glued to an element before it ('<em>altogether</em>.')."""
    for element, slot in reversed(list(_text_slots(block))):
        text = (getattr(element, slot) or "").rstrip()
        if not text:
            continue
        last = text.split()[-1]
        if any(c.isalnum() for c in last) or text != last:
            return element, slot
    return None


def keep_last_words_whole(section: etree._Element) -> None:
    """The last word of each paragraph, list item and caption is never hyphenated, and
    the last two words of an attribution never part (a year alone on its line).

    A paragraph broken in its last word ends on a fragment ('com-' / 'pany.').
    """
    for block in section.iter():
        if not isinstance(block.tag, str):
            continue
        classes = (block.get("class") or "").split()
        if _local(block) not in TEXT_BLOCKS and "fn-p" not in classes:
            continue
        found = _last_word_slot(block)
        if found is None:
            continue
        element, slot = found
        if "attribution" in classes and _wrap_end(element, slot, LAST_TWO_WORDS, NO_WRAP_CLASS):
            continue
        match = LAST_WORD.search(getattr(element, slot) or "")
        letters = sum(c.isalpha() for c in match.group(1)) if match else 0
        if letters >= SHORTEST_BREAKABLE:
            _wrap_end(element, slot, LAST_WORD, NO_HYPHEN_CLASS)
