"""What a reader gets from a PDF, read back for comparison: text, outline, links, structure.

Two builds make "the same book" when these are equal; the file bytes may differ
(font subsets, object numbers).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdf


@dataclass
class Shape:
    pages: int
    text: list[str]
    outline: list[tuple[int, str, int]]  # depth, title, page index
    links: list[tuple[int, tuple[float, ...], tuple[str, Any]]]  # page, rect, target
    destinations: dict[str, int]  # name -> page index
    boxes: list[tuple[tuple[float, ...], tuple[float, ...]]]  # MediaBox, TrimBox per page
    catalog: set[str]
    tags: Counter[str]


def shape(path: Path) -> Shape:
    reader = pypdf.PdfReader(path)
    named = reader.named_destinations
    return Shape(
        pages=len(reader.pages),
        text=[page.extract_text() for page in reader.pages],
        outline=outline(reader),
        links=links(reader, named),
        destinations={name: reader.get_destination_page_number(d) for name, d in named.items()},
        boxes=[
            (
                tuple(round(float(v), 2) for v in p.mediabox),
                tuple(round(float(v), 2) for v in p.trimbox),
            )
            for p in reader.pages
        ],  # fmt: skip
        catalog={k for k in reader.trailer["/Root"] if k not in ("/Pages", "/Outlines", "/Names")},
        tags=structure_tags(path),
    )


def outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    found: list[tuple[int, str, int]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def links(
    reader: pypdf.PdfReader, named: dict[str, Any]
) -> list[tuple[int, tuple[float, ...], tuple[str, Any]]]:
    found = []
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            rect = tuple(round(float(v), 1) for v in annotation["/Rect"])
            target: tuple[str, Any]
            if "/Dest" in annotation:
                name = str(annotation["/Dest"])
                target = ("page", reader.get_destination_page_number(named[name]))
            else:
                target = ("uri", str(annotation["/A"].get("/URI")))
            found.append((number, rect, target))
    return found


def structure_tags(path: Path) -> Counter[str]:
    """Structure element types, after checking the tree hangs together.

    Every element's /P is its parent, every /Pg is a page of this PDF, and the
    parent tree maps each page's marked content and each link to structure elements.
    """
    tags: Counter[str] = Counter()
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen for page in pdf.pages}
        root = pdf.Root.StructTreeRoot
        elements: set[tuple[int, int]] = set()

        def walk(element: Any, parent: Any) -> None:
            assert element.P.objgen == parent.objgen, "an element's /P is not its parent"
            elements.add(element.objgen)
            tags[str(element.S)] += 1
            if "/Pg" in element:
                assert element.Pg.objgen in pages, "an element names a page not in the PDF"
            kids = element.get("/K")
            kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
            for kid in kids:
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                    walk(kid, element)
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                    assert kid.Obj.get("/StructParent") is not None

        for element in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
            walk(element, root)
        nums = root.ParentTree.Nums
        tree = dict(zip([int(k) for k in nums[::2]], nums[1::2], strict=True))
        for page in pdf.pages:
            if "/StructParents" not in page.obj:
                continue
            for element in tree[int(page.obj.StructParents)]:
                assert element.get("/Type") == "/StructElem"
                if element.objgen not in elements:
                    # WeasyPrint itself leaves some spans (generated content) outside the
                    # tree: counted, so that a joined PDF must have exactly as many.
                    tags["(not in the tree)"] += 1
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    element = tree[int(annotation.StructParent)]
                    assert element.get("/Type") == "/StructElem"
                    if element.objgen not in elements:
                        tags["(link not in the tree)"] += 1
    return tags
