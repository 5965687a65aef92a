"""Where the PDFs break words (render/hyphenation.py): the patterns chosen for the book's
language, the author's exceptions, capitalised words, and what stays whole."""

from __future__ import annotations

import re
from pathlib import Path

import pyphen
import pytest
from lxml import etree

from conftest import DEMO
from makebook.model import Hyphenation
from makebook.render.hyphenation import Hyphenator, hyphenator, keep_last_words_whole, patterns_for

BRITISH = Hyphenation()


def breaks_of(word: str, rules: Hyphenation = BRITISH, language: str = "en-GB") -> str:
    # The design's hyphenate-limit-chars: 6 3 3.
    found = hyphenator(rules, language, 3, 3)
    assert found is not None
    return found.inserted(word)


# Issue 19: what pyphen's en_GB patterns printed in the demo book, and what a
# proofreader wants instead (or no break at all).
ISSUE_BREAKS = {
    "attunement": ("attun-ement", "attune-ment"),
    "capitals": ("capit-als", "cap-i-tals"),
    "temperature": ("temperat-ure", "tem-per-a-ture"),
    "behaviour": ("beha-viour", "behav-iour"),
    "sabotages": ("sabot-ages", "sab-o-tages"),
}


@pytest.mark.parametrize("word", sorted(ISSUE_BREAKS))
def test_the_words_of_the_issue_break_where_a_proofreader_accepts(word):
    bad, good = ISSUE_BREAKS[word]
    assert breaks_of(word) == good
    assert bad.split("-")[0] not in bad_breaks(breaks_of(word))


# Breaks pyphen's en_GB patterns make in the demo book's words that split a word where
# no dictionary would (reviewed by hand from the 254 of its 1,127 words of six letters
# or more on which en_GB and en_US disagree), and the one bad break of en_US there.
EN_GB_BAD = [
    "accep-ted",
    "agit-ated",
    "bey-ond",
    "capa-city",
    "capit-als",
    "celeb-ration",
    "cent-ral",
    "comfor-ted",
    "connec-ted",
    "dec-ades",
    "des-pair",
    "dir-ection",
    "disappoin-ted",
    "distrac-ted",
    "emer-ging",
    "even-ing",
    "famil-ies",
    "fath-ers",
    "fol-ded",
    "integ-rate",
    "literat-ure",
    "mat-ron",
    "men-ded",
    "neut-ral",
    "poin-ted",
    "prosec-ution",
    "reflec-ted",
    "res-ult",
    "shif-ted",
    "smal-ler",
    "star-ted",
    "sugges-ted",
    "temperat-ure",
    "unmen-ded",
    "vis-ion",
    "beha-viour",
    "attun-ement",
]
EN_US_BAD = ["codepen-dence"]


def bad_breaks(hyphenated: str) -> set[str]:
    """The first parts a hyphenation makes: 'tem-per-a-ture' -> {'tem', 'temper', 'tempera'}."""
    parts = hyphenated.split("-")
    return {"".join(parts[: i + 1]) for i in range(len(parts) - 1)}


def count_bad(dictionary: pyphen.Pyphen, reviewed: list[str]) -> int:
    """How many of the reviewed bad breaks (one hyphen each) `dictionary` makes."""
    return sum(
        entry.split("-")[0] in bad_breaks(dictionary.inserted(entry.replace("-", "")))
        for entry in reviewed
    )


def test_the_chosen_english_patterns_make_fewer_bad_breaks_than_pyphens_en_gb():
    """The measurement behind PATTERNS: en_GB makes all 37 reviewed bad breaks, en_US
    (what makebook uses for English) one of the 38."""
    en_gb = pyphen.Pyphen(lang="en_GB", left=3, right=3)
    en_us = pyphen.Pyphen(lang="en_US", left=3, right=3)
    assert count_bad(en_gb, EN_GB_BAD) == len(EN_GB_BAD) == 37
    assert count_bad(en_us, EN_GB_BAD + EN_US_BAD) == 1
    assert patterns_for("en-GB") == patterns_for("en-US") == patterns_for("en") == "en_US"
    for entry in EN_GB_BAD:
        assert entry.split("-")[0] not in bad_breaks(breaks_of(entry.replace("-", ""))), entry


def test_words_of_material_nobody_here_wrote_break_like_the_us_patterns(tmp_path):
    """The demo book and pandoc's manual: makebook breaks each lower-case word as the
    en_US patterns do, and no word there is broken before 3 or after len - 3 letters."""
    text = " ".join(p.read_text(encoding="utf-8") for p in DEMO.rglob("*.md"))
    manual = Path("/work/shared/corpus/pandoc-MANUAL.txt")
    if manual.is_file():
        text += manual.read_text(encoding="utf-8")
    words = sorted({w for w in re.findall(r"\b[a-z]{6,}\b", text)})
    assert len(words) > 1000
    en_us = pyphen.Pyphen(lang="en_US", left=3, right=3)
    for word in words:
        assert breaks_of(word) == en_us.inserted(word)
        for part in (breaks_of(word).split("-")[0], breaks_of(word).split("-")[-1]):
            assert len(part) >= 3


def test_capitalised_words_are_not_broken_by_default():
    for name in ("Hogarth", "Williams", "Winnicott", "Attunement", "Sabotages", "NEUROSCIENCE"):
        assert breaks_of(name) == name
    opened = Hyphenation(capitalised=True)
    assert breaks_of("Sabotages", opened) == "Sab-o-tages"


def test_the_authors_exceptions_are_the_only_breaks_of_their_words():
    rules = Hyphenation(exceptions=("at-tune-ment", "Hog-arth"), never=("listening",))
    assert breaks_of("attunement", rules) == "at-tune-ment"
    assert breaks_of("Attunement", rules) == "At-tune-ment"  # listed: capitalised or not
    assert breaks_of("Hogarth", rules) == "Hog-arth"
    assert breaks_of("listening", rules) == "listening"
    assert breaks_of("Listening", rules) == "Listening"
    assert breaks_of("listeners", rules) == "lis-ten-ers"  # only the word listed
    assert list(Hyphenator(rules, "en_US").iterate("attunement")) == [
        ("attune", "ment"),
        ("at", "tunement"),
    ]


def test_other_languages_keep_their_own_patterns():
    german = pyphen.Pyphen(lang="de_DE", left=3, right=3).inserted("Silbentrennung")
    assert "-" in german
    # German capitalises every noun: they break unless the author says otherwise.
    assert breaks_of("Silbentrennung", Hyphenation(), "de-DE") == german
    assert breaks_of("Silbentrennung", Hyphenation(capitalised=False), "de") == "Silbentrennung"
    assert breaks_of("constitution", Hyphenation(), "fr") == "consti-tu-tion"
    assert breaks_of("Constitution", Hyphenation(), "fr") == "Constitution"
    assert hyphenator(BRITISH, "ja", 3, 3) is None  # no patterns: not hyphenated


# --- what stays whole ------------------------------------------------------------------


def marked(html: str) -> str:
    section = etree.fromstring(f"<section>{html}</section>")
    keep_last_words_whole(section)
    return etree.tostring(section, encoding="unicode")[len("<section>") : -len("</section>")]


def test_a_paragraphs_last_word_is_kept_whole():
    assert marked("<p>A new company.</p>") == '<p>A new <span class="nohyphen">company.</span></p>'
    assert marked("<p>Gone <em>altogether</em>.</p>") == (
        '<p>Gone <em><span class="nohyphen">altogether</span></em>.</p>'
    )
    # A note placed at its call (pdf/document.py) is not the paragraph's last line.
    assert marked(
        '<p>Some crosswords<span class="footnote"><span class="fn-p">A footnote.</span></span>'
        " here</p>"
    ) == (
        '<p>Some crosswords<span class="footnote"><span class="fn-p">A '
        '<span class="nohyphen">footnote.</span></span></span> here</p>'
    )
    assert marked("<p>Together as <em>one</em>: a paragraph closing on crosswords</p>") == (
        '<p>Together as <em>one</em>: a paragraph closing on <span class="nohyphen">'
        "crosswords</span></p>"
    )
    assert marked("<p>A dog.</p>") == "<p>A dog.</p>"  # too short to break
    assert marked("<li>First items<p>then a paragraph</p></li>") == (
        '<li>First <span class="nohyphen">items</span><p>then a <span class="nohyphen">'
        "paragraph</span></p></li>"
    )


def test_an_attributions_last_words_stay_together():
    html = '<figcaption class="attribution">\u2014\u00a0Simone Weil, letter to Joë Bousquet, 1942</figcaption>'
    assert marked(html) == (
        '<figcaption class="attribution">\u2014\u00a0Simone Weil, letter to Joë '
        '<span class="nowrap">Bousquet, 1942</span></figcaption>'
    )
