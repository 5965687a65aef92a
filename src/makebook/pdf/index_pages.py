"""The index's page numbers in the PDFs, the same in both layouts.

Each locator of the index (render/index.py) prints the page of its target through the
stylesheets (`attr(data-folio)`, pdf.css). Laid out chapter by chapter, the numbers are
filled into `data-folio` as every other page reference (chapterwise/placement.fill);
laid out as one document (`--release`), the book is laid out once to learn them
(`folios_of`) and again with them filled in. Either way `with_index_folios` then merges
each entry's locators by their numbers: a page printed once, pages in a row a range.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from makebook.render.index import relabel_locators

INDEX_LOCATOR = "index-locator"  # the class of the index's locators (in the HTML)
FOLIO = "data-folio"  # as pagerefs.FOLIO_ATTRIBUTE


def with_index_folios(html: str, folios: Mapping[str, str] | None = None) -> str:
    """The document with its index's locators merged by their page numbers; with
    `folios` (target id -> page label), the numbers are set from it first."""
    root = etree.fromstring(html.encode("utf-8"))
    if folios is not None:
        for link in root.iter("a"):
            if INDEX_LOCATOR in (link.get("class") or "").split():
                link.set(FOLIO, folios.get(link.get("href", "").removeprefix("#"), "0"))
    relabel_locators(root, lambda link: link.get(FOLIO, ""), FOLIO)
    return etree.tostring(root, encoding="unicode", method="xml")


def folios_of(labels: list[str], anchors: list[Mapping[str, object]]) -> dict[str, str]:
    """The printed page of every anchor of a laid-out document: `labels` per page (as the
    page-list has them), `anchors` the ids on each page."""
    found: dict[str, str] = {}
    for label, names in zip(labels, anchors, strict=True):
        for name in names:
            found.setdefault(name, label)
    return found
