"""Which cross-references print the page of their target, as an edition's stylesheets say.

Laid out chapter by chapter, a division that prints the page of a later one is laid
out twice: once to be measured, again when the number is known (layout.py). The
print edition prints "see page N" (print.css: `a.xref[data-folio]::after`) and the
page of each chapter an appendix's "Discussed in" names (`a.pageref`); the
screen edition shows links instead, and a number nobody sees is not worth a
second layout. The rules that print `attr(data-folio)` or a `target-counter()`
are read from the edition's stylesheets and their selectors matched against the
links: a link no such rule matches prints no number. When the stylesheets cannot
be read that closely (an @import, a selector cssselect2 does not know), every
cross-reference counts as printing its page, which is never wrong, only slower.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cssselect2
import tinycss2
from lxml import etree

FOLIO_ATTRIBUTE = "data-folio"  # where layout.py puts the page number a link prints
PAGE_FUNCTIONS = {"target-counter", "target-counters"}


@dataclass(frozen=True)
class FolioRules:
    """The rules that print a page number; None: every cross-reference is taken to."""

    matcher: cssselect2.Matcher | None

    @classmethod
    def read(cls, paths: Iterable[Path]) -> FolioRules:
        matcher = cssselect2.Matcher()
        for path in paths:
            rules = tinycss2.parse_stylesheet(
                path.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
            )
            found = folio_selectors(rules)
            if found is None:
                return cls(None)
            for selector in found:
                try:
                    compiled = cssselect2.compile_selector_list(selector)
                except cssselect2.SelectorError:
                    return cls(None)
                for one in compiled:
                    matcher.add_selector(one, None)
        return cls(matcher)

    def printing(self, document: etree._Element, links: list[etree._Element]) -> set[int]:
        """The indexes, in `links` (elements of `document`), of the links that print a
        page number. The links are matched as layout.py leaves them: with the attribute."""
        if self.matcher is None:
            return set(range(len(links)))
        root = cssselect2.ElementWrapper.from_html_root(document)
        printing = set()
        for index, link in enumerate(links):
            had = link.get(FOLIO_ATTRIBUTE)
            link.set(FOLIO_ATTRIBUTE, "0")
            if self.matcher.match(wrapper_of(root, link)):
                printing.add(index)
            if had is None:
                del link.attrib[FOLIO_ATTRIBUTE]
        return printing


def folio_selectors(rules: list[Any]) -> list[str] | None:
    """The selectors (as written) of the rules whose declarations print a page number,
    inside @media and @supports too; None when an @import hides some rules."""
    found: list[str] = []
    for rule in rules:
        if rule.type == "at-rule":
            if rule.lower_at_keyword == "import":
                return None
            if rule.content is not None and rule.lower_at_keyword != "page":
                inner = folio_selectors(
                    tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
                )
                if inner is None:
                    return None
                found += inner
        elif rule.type == "qualified-rule" and prints_page(rule.content):
            found.append(tinycss2.serialize(rule.prelude).strip())
    return found


def prints_page(tokens: Iterable[Any]) -> bool:
    """Whether declarations use attr(data-folio) or target-counter(s)()."""
    for token in tokens:
        if token.type == "function":
            if token.lower_name in PAGE_FUNCTIONS:
                return True
            if token.lower_name == "attr" and any(
                t.type == "ident" and t.lower_value == FOLIO_ATTRIBUTE for t in token.arguments
            ):
                return True
            if prints_page(token.arguments):
                return True
        elif token.type in ("() block", "[] block", "{} block") and prints_page(token.content):
            return True
    return False


def wrapper_of(root: cssselect2.ElementWrapper, element: etree._Element) -> Any:
    """The cssselect2 wrapper of `element`, found along its ancestors (not by walking
    the whole document)."""
    wrapper = root
    below_root = [*reversed(list(element.iterancestors())), element][1:]
    for step in below_root:
        wrapper = next(c for c in wrapper.iter_children() if c.etree_element is step)
    return wrapper
