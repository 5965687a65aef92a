"""The screen edition's running heads, folios and decoration as Artifacts (PDF/UA-1).

WeasyPrint 70 marks the text of a page's margin boxes (running heads, folios) with
MCIDs and structure elements it never links into the tree ("it could be included as
Artifact, but that's only allowed in PDF 2.0", weasyprint/pdf/tags.py), so a reader
meets orphaned content, which ISO 14289-1 7.1 forbids: content is either real and
tagged or an Artifact. This pass, run with pikepdf on each PDF/UA file WeasyPrint
writes (a whole book or one division of it), makes every such sequence an
`/Artifact <</Type /Pagination>> BDC`, wraps anything drawn outside marked content in
`/Artifact BMC ... EMC`, and drops the orphans from the parent tree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator

from makebook.pdf.preflight_ua import PAINTING, TEXT_SHOWING, StructureTree

PAGINATION = Dictionary(Type=Name.Pagination)
# What opens a drawing that must be wrapped whole: text objects, paths (construction
# to painting), inline images; state operators alone are not content.
PATH_START = {"m", "re"}
PATH_END = PAINTING - {"Do", "BI", "sh"} | {"n"}


def mark_artifacts(path: Path) -> None:
    """Rewrite the PDF at `path` so that nothing on its pages is orphaned or untagged."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        tree = StructureTree(pdf)
        if pdf.Root.get("/StructTreeRoot") is None:
            return
        orphans = orphan_marks(pdf, tree)
        for page in pdf.pages:
            rewrite_page(pdf, page, orphans.get(page.obj.objgen, set()))
        drop_orphans(pdf, orphans)
        pdf.save(path, compress_streams=True, deterministic_id=True)


def orphan_marks(pdf: pikepdf.Pdf, tree: StructureTree) -> dict[tuple[int, int], set[int]]:
    """Per page, the MCIDs the parent tree maps to elements the tree does not reach."""
    found: dict[tuple[int, int], set[int]] = {}
    for page in pdf.pages:
        key = page.obj.objgen
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) != "BDC" or len(operands) < 2:
                continue
            properties = operands[1]
            mcid = properties.get("/MCID") if isinstance(properties, Dictionary) else None
            if mcid is not None and (key, int(mcid)) not in tree.owned:
                found.setdefault(key, set()).add(int(mcid))
    return found


def rewrite_page(pdf: pikepdf.Pdf, page: Any, orphans: set[int]) -> None:
    instructions = pikepdf.parse_content_stream(page)
    rewritten = artifacts_in(instructions, orphans)
    if rewritten is not None:
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(rewritten))


def artifacts_in(instructions: list[Any], orphans: set[int]) -> list[Any] | None:
    """The page's instructions with orphans and unmarked drawing as artifacts; None when
    nothing changes."""
    out: list[Any] = []
    depth = 0  # marked-content nesting
    wrapping = False  # inside an /Artifact BMC this pass opened
    changed = False
    for instruction in instructions:
        operands, operator = instruction.operands, str(instruction.operator)
        if operator == "BDC" and len(operands) > 1 and is_orphan(operands[1], orphans):
            instruction = pikepdf.ContentStreamInstruction(
                [Name.Artifact, PAGINATION], Operator("BDC")
            )
            changed = True
        starts = operator in TEXT_SHOWING or operator in PAINTING or operator in PATH_START
        starts = starts or operator == "BT"
        if depth == 0 and not wrapping and starts:
            out.append(pikepdf.ContentStreamInstruction([Name.Artifact], Operator("BMC")))
            wrapping = changed = True
        if wrapping and (operator in ("BDC", "BMC", "Q", "EMC")):
            out.append(pikepdf.ContentStreamInstruction([], Operator("EMC")))
            wrapping = False
        out.append(instruction)
        if operator in ("BDC", "BMC"):
            depth += 1
        elif operator == "EMC":
            depth = max(depth - 1, 0)
        elif wrapping and operator in ("ET", *PATH_END, "Do", "sh", "EI"):
            out.append(pikepdf.ContentStreamInstruction([], Operator("EMC")))
            wrapping = False
    if wrapping:
        out.append(pikepdf.ContentStreamInstruction([], Operator("EMC")))
    return out if changed else None


def is_orphan(properties: Any, orphans: set[int]) -> bool:
    mcid = properties.get("/MCID") if isinstance(properties, Dictionary) else None
    return mcid is not None and int(mcid) in orphans


def drop_orphans(pdf: pikepdf.Pdf, orphans: dict[tuple[int, int], set[int]]) -> None:
    """The parent tree forgets the orphans (its entries for them become null), so the
    elements WeasyPrint made for them are no longer written."""
    root = pdf.Root.StructTreeRoot
    nums = root.ParentTree.get("/Nums")
    if nums is None:
        return
    keys = {
        int(page.obj.StructParents): page.obj.objgen
        for page in pdf.pages
        if "/StructParents" in page.obj
    }
    for index in range(0, len(nums), 2):
        page = keys.get(int(nums[index]))
        marks = nums[index + 1]
        if page is None or page not in orphans or not isinstance(marks, Array):
            continue
        for mcid in orphans[page]:
            if mcid < len(marks):
                marks[mcid] = None
