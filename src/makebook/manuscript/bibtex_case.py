"""BibTeX titles in sentence case for the citation styles, as pandoc reads them.

BibTeX keeps titles in title case and protects what must keep its case with braces
(`{NASA}`, `{Freud}`); CSL data is in sentence case, and a style title-cases where it
wants titles so (Chicago) and prints them as they are where it does not (APA). pandoc's
BibTeX reader therefore turns an English title to sentence case, except the braced parts,
which it marks `<span class="nocase">` (citeproc-py reads the same mark). The Work keeps
the title as written; these forms go to the CSL item only (Work.csl_extra).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

NOCASE = '<span class="nocase">{}</span>'
# A word's letters (any script), apostrophes inside it included.
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
ENGLISH = {"", "english", "american", "british", "canadian", "australian", "newzealand",
           "usenglish", "ukenglish", "en", "en-us", "en-gb"}  # fmt: skip


def top_level_groups(value: str) -> list[tuple[bool, str]]:
    """The value as (protected, text) pieces: a brace group at the top level protects
    its case (pandoc protects `{\\O}resund`'s Ø too)."""
    pieces: list[tuple[bool, str]] = []
    depth, start = 0, 0
    for index, char in enumerate(value):
        if char == "{" and (index == 0 or value[index - 1] != "\\"):
            if depth == 0:
                pieces.append((False, value[start:index]))
                start = index
            depth += 1
        elif char == "}" and (index == 0 or value[index - 1] != "\\") and depth:
            depth -= 1
            if depth == 0:
                pieces.append((True, value[start : index + 1]))
                start = index + 1
    pieces.append((False, value[start:]))
    return [(protected, text) for protected, text in pieces if text]


def unTitlecase(text: str, at_start: bool) -> tuple[str, bool]:  # noqa: N802  (pandoc's name)
    """Lower-case each Capitalised word but the first and one after a colon (which is
    capitalised); words with other capitals (`DNA`, `iPhone`) keep them."""

    def word(match: re.Match[str]) -> str:
        nonlocal at_start
        token = match.group(0)
        before = text[: match.start()].rstrip()
        first = at_start or before.endswith((":", "?", "!"))
        at_start = False
        if first:
            return token[:1].upper() + token[1:]
        if token[:1].isupper() and (token[1:].islower() or len(token) == 1):
            return token.lower()
        return token

    converted = WORD.sub(word, text)
    if WORD.search(text):
        at_start = bool(re.search(r"[:?!]\s*$", text))
    return converted, at_start


def sentence_case(raw: str, decode: Callable[[str], str]) -> str:
    """A raw BibTeX title in sentence case, its braced parts marked as case-protected."""
    out = []
    at_start = True
    for protected, piece in top_level_groups(raw):
        text = decode(piece) if not protected else decode(piece[1:-1])
        if protected:
            out.append(NOCASE.format(html.escape(text, quote=False)))
            at_start = False
            continue
        if not text.strip():
            out.append(text if text else " ")
            continue
        converted, at_start = unTitlecase(text, at_start)
        out.append(html.escape(converted, quote=False))
    return re.sub(r"\s+", " ", "".join(out)).strip()


def csl_titles(
    raw: Mapping[str, str], decode: Callable[[str], str], language: str
) -> tuple[tuple[str, str], ...]:
    """`title` (and a chapter's `container-title` from `booktitle`) in sentence case, for
    an English entry; an entry in another language keeps its titles as written."""
    if language.strip().casefold() not in ENGLISH:
        return ()
    pairs = []
    for field, variable in (("title", "title"), ("booktitle", "container-title")):
        if raw.get(field, "").strip():
            pairs.append((variable, sentence_case(raw[field], decode)))
    return tuple(pairs)


# biblatex's language names (`langid`) as the language tags CSL items carry.
LANGUAGE_TAGS = {
    "english": "en-US", "american": "en-US", "british": "en-GB", "french": "fr-FR",
    "german": "de-DE", "ngerman": "de-DE", "spanish": "es-ES", "italian": "it-IT",
    "dutch": "nl-NL", "portuguese": "pt-PT", "brazil": "pt-BR", "swedish": "sv-SE",
    "danish": "da-DK", "norwegian": "nb-NO", "finnish": "fi-FI", "polish": "pl-PL",
    "czech": "cs-CZ", "russian": "ru-RU", "greek": "el-GR", "latin": "la",
    "japanese": "ja-JP", "chinese": "zh-CN", "turkish": "tr-TR", "hungarian": "hu-HU",
}  # fmt: skip


def csl_language(langid: str) -> str:
    """A CSL `language` for a biblatex `langid` (`french` -> `fr-FR`); a tag stays."""
    name = langid.strip().casefold()
    if re.fullmatch(r"[a-z]{2,3}(?:-[a-z0-9]+)*", name):
        return langid.strip()
    return LANGUAGE_TAGS.get(name, "")
