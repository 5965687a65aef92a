"""pandoc's list markers (fancy_lists, startnum, example_lists), read as pandoc reads them.

The renderer (render/lists.py) builds lists from this reading, and the loader's
checks (syntax.line_kinds, structure) use the same markers to know what a list item
is. An ordered marker is a number, a letter, a roman numeral, `#` or an example
`@label`, followed by `.` or `)` or enclosed in parentheses, then a space:
`3.`, `a)`, `(iv)`, `#.`, `(@good)`. As in pandoc's reader:

- the first item decides the list's style: `i`/`I` alone are roman one, any other
  single letter is a letter, several letters are a roman numeral;
- a capital letter followed by a period (and a roman numeral that is one letter)
  needs two spaces after it, so that initials (`B. Russell won...`) stay text;
- the next items must have the same style and delimiter, read in that style
  (`c.` after `ii.` is roman one hundred); another marker starts another list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
ROMAN = re.compile(r"m*(?:cm)?d?(?:cd)?c*(?:xc)?l?(?:xl)?x*(?:ix)?v?(?:iv)?i*")
ORDERED = re.compile(
    r"(?P<open>\()?(?P<value>\d{1,9}|\#|@[\w-]*|[A-Za-z]+)"
    r"(?P<delim>(?(open)\)|[.)]))(?P<space>[ \t]+|$)"
)
BULLET = re.compile(r"[-*+](?:[ \t]+|$)")
# pandoc's delimiters and styles, as its document model names them
PERIOD, ONE_PAREN, TWO_PARENS = "Period", "OneParen", "TwoParens"
DECIMAL, EXAMPLE, DEFAULT = "Decimal", "Example", "DefaultStyle"
LOWER_ROMAN, UPPER_ROMAN = "LowerRoman", "UpperRoman"
LOWER_ALPHA, UPPER_ALPHA = "LowerAlpha", "UpperAlpha"
BULLETS = "Bullet"
HTML_TYPE = {DECIMAL: "1", EXAMPLE: "1", LOWER_ALPHA: "a", UPPER_ALPHA: "A"}
HTML_TYPE |= {LOWER_ROMAN: "i", UPPER_ROMAN: "I"}  # DefaultStyle (`#.`) has none


@dataclass(frozen=True)
class Marker:
    style: str
    delimiter: str
    number: int  # 1 for `#` and examples, whose numbers are given as they come
    label: str = ""  # an example's `@label`, without the @
    width: int = 0  # the marker and the spaces after it

    @property
    def kind(self) -> tuple[str, str]:
        """What the items of one list share."""
        return self.style, self.delimiter


def roman_value(text: str) -> int | None:
    """The value of a roman numeral in pandoc's reading (`iiii` is four), or None."""
    lower = text.lower()
    if not lower or not ROMAN.fullmatch(lower) or text not in (lower, lower.upper()):
        return None
    total = 0
    for index, letter in enumerate(lower):
        value = ROMAN_VALUES[letter]
        following = ROMAN_VALUES[lower[index + 1]] if index + 1 < len(lower) else 0
        total += -value if value < following else value
    return total


def letter_style(value: str, within: str | None) -> tuple[str, int] | None:
    """The style and number of a letters-only value: in `within`'s style when it reads
    in it (the list's next item), else as a first item reads."""
    upper = value.isupper()
    roman = roman_value(value)
    letter = ord(value[0].lower()) - ord("a") + 1
    if within in (LOWER_ROMAN, UPPER_ROMAN) and roman and upper == (within == UPPER_ROMAN):
        return within, roman
    if (
        within in (LOWER_ALPHA, UPPER_ALPHA)
        and len(value) == 1
        and upper == (within == UPPER_ALPHA)
    ):
        return within, letter
    if len(value) == 1 and value.lower() != "i":
        return (UPPER_ALPHA if upper else LOWER_ALPHA), letter
    if roman:
        return (UPPER_ROMAN if upper else LOWER_ROMAN), roman
    return None


def ordered_marker(text: str, within: str | None = None) -> Marker | None:
    """The ordered list marker that `text` (a line without its indentation) opens with.

    `within`: the style of the list the line would continue, which decides how
    letters read (`c` is roman in a roman list, a letter otherwise)."""
    match = ORDERED.match(text)
    if not match:
        return None
    value, delimiter = match["value"], match["delim"]
    delimiter = TWO_PARENS if match["open"] else PERIOD if delimiter == "." else ONE_PAREN
    label = ""
    if value.isdigit():
        style, number = DECIMAL, int(value)
    elif value == "#":
        style, number = DEFAULT, 1
    elif value.startswith("@"):
        style, number, label = EXAMPLE, 1, value[1:]
    else:
        read = letter_style(value, within)
        if read is None:
            return None
        style, number = read
    if delimiter == PERIOD and needs_two_spaces(style, number) and not wide_space(match["space"]):
        return None
    return Marker(style, delimiter, number, label, match.end())


def needs_two_spaces(style: str, number: int) -> bool:
    """`B. Russell` is no list item: a capital letter and a period want two spaces."""
    return style == UPPER_ALPHA or (style == UPPER_ROMAN and number in ROMAN_VALUES.values())


def wide_space(space: str) -> bool:
    return space.startswith(("  ", "\t")) or not space


def list_marker(text: str) -> Marker | None:
    """An ordered marker, or a bullet (style BULLETS), opening `text`."""
    bullet = BULLET.match(text)
    if bullet:
        return Marker(BULLETS, "", 1, width=bullet.end())  # `-`, `*`, `+`: one kind
    return ordered_marker(text)


def is_list_item(text: str) -> bool:
    """Whether a line (without its indentation) opens a list item of any kind."""
    return list_marker(text) is not None


def example_labels(markdown: str) -> set[str]:
    """The labels of a chapter's numbered examples, `(@good)`: for pandoc, `@good` in the
    text is that example's number, not a citation (even of a work with that id)."""
    from makebook.manuscript.syntax import mask_code  # syntax reads list items from here

    labels = set()
    for line in mask_code(markdown).split("\n"):
        marker = ordered_marker(line.lstrip(" \t>"))
        if marker is not None and marker.style == EXAMPLE and marker.label:
            labels.add(marker.label)
    return labels
