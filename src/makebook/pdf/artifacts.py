"""The screen edition's running heads, folios and decoration as Artifacts (PDF/UA-1).

WeasyPrint 70 marks the text of a page's margin boxes (running heads, folios) with
MCIDs and structure elements it never links into the tree ("it could be included as
Artifact, but that's only allowed in PDF 2.0", weasyprint/pdf/tags.py), so a reader
meets orphaned content, which ISO 14289-1 7.1 forbids: content is either real and
tagged or an Artifact. This pass, run with pikepdf on each PDF/UA file WeasyPrint
writes (a whole book or one division of it), makes every such sequence an
`/Artifact <</Type /Pagination>> BDC`, wraps anything drawn outside marked content in
`/Artifact BMC ... EMC`, and drops the orphans from the parent tree (numbering the
page's other MCIDs again from 0, so its entry in the parent tree has no gaps).
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
        numbers = new_numbers(pdf, orphan_marks(pdf, tree))
        for page in pdf.pages:
            rewrite_page(pdf, page, numbers.get(page.obj.objgen, {}))
        renumber_tree(pdf, tree, numbers)
        pdf.save(path, compress_streams=True, deterministic_id=True)


def orphan_marks(pdf: pikepdf.Pdf, tree: StructureTree) -> dict[tuple[int, int], set[int]]:
    """Per page, the MCIDs the parent tree maps to elements the tree does not reach
    (read from the parent tree: cheaper than reading every page's content twice)."""
    reachable = {element.obj.objgen for element in tree.elements}
    marks = parent_tree_marks(pdf)
    found: dict[tuple[int, int], set[int]] = {}
    for page in pdf.pages:
        owners = marks.get(int(page.obj.get("/StructParents", -1)))
        if not isinstance(owners, Array):
            continue
        for mcid, owner in enumerate(owners):
            if isinstance(owner, Dictionary) and owner.objgen not in reachable:
                found.setdefault(page.obj.objgen, set()).add(mcid)
    return found


def parent_tree_marks(pdf: pikepdf.Pdf) -> dict[int, Any]:
    """The parent tree's entries by key (WeasyPrint and the join write one flat /Nums)."""
    nums = pdf.Root.StructTreeRoot.ParentTree.get("/Nums", Array())
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}


def new_numbers(
    pdf: pikepdf.Pdf, orphans: dict[tuple[int, int], set[int]]
) -> dict[tuple[int, int], dict[int, int | None]]:
    """Per page with orphans, each MCID's new number (None: it becomes an artifact), so
    that the page's MCIDs count from 0 without a gap, as the parent tree indexes them."""
    marks = parent_tree_marks(pdf)
    numbers: dict[tuple[int, int], dict[int, int | None]] = {}
    for page in pdf.pages:
        dropped = orphans.get(page.obj.objgen)
        if not dropped:
            continue
        count = len(marks[int(page.obj.StructParents)])
        kept = [mcid for mcid in range(count) if mcid not in dropped]
        renumbered: dict[int, int | None] = {old: new for new, old in enumerate(kept)}
        numbers[page.obj.objgen] = renumbered | dict.fromkeys(dropped)
    return numbers


def rewrite_page(pdf: pikepdf.Pdf, page: Any, numbers: dict[int, int | None]) -> None:
    rewritten = artifacts_in(pikepdf.parse_content_stream(page), numbers)
    if rewritten is not None:
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(rewritten))


def artifacts_in(instructions: list[Any], numbers: dict[int, int | None]) -> list[Any] | None:
    """The page's instructions with orphans and unmarked drawing as artifacts and the
    other MCIDs renumbered (`numbers`); None when nothing changes."""
    out: list[Any] = []
    depth = 0  # marked-content nesting
    wrapping = False  # inside an /Artifact BMC this pass opened
    changed = False
    for instruction in instructions:
        operands, operator = instruction.operands, str(instruction.operator)
        mcid = marked_id(operands) if operator == "BDC" else None
        if mcid in numbers and numbers[mcid] != mcid:
            new = numbers[mcid]
            if new is None:
                operands = [Name.Artifact, PAGINATION]
            else:
                properties = Dictionary({key: operands[1][key] for key in operands[1]})
                properties.MCID = new
                operands = [operands[0], properties]
            instruction = pikepdf.ContentStreamInstruction(operands, Operator("BDC"))
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


def marked_id(operands: list[Any]) -> int | None:
    properties = operands[1] if len(operands) > 1 else None
    mcid = properties.get("/MCID") if isinstance(properties, Dictionary) else None
    return None if mcid is None else int(mcid)


def renumber_tree(
    pdf: pikepdf.Pdf, tree: StructureTree, numbers: dict[tuple[int, int], dict[int, int | None]]
) -> None:
    """The parent tree without the orphans (the elements WeasyPrint made for them are no
    longer written), and the elements' MCIDs as renumbered."""
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    index = {int(nums[i]): i + 1 for i in range(0, len(nums) - 1, 2)}
    for page in pdf.pages:
        renumbered = numbers.get(page.obj.objgen)
        if renumbered:
            at = index[int(page.obj.StructParents)]
            kept = sorted((new, old) for old, new in renumbered.items() if new is not None)
            nums[at] = Array([nums[at][old] for _new, old in kept])
    for element in tree.elements:
        page = element.obj.get("/Pg")
        renumbered = numbers.get(page.objgen) if page is not None else None
        if not renumbered or "/K" not in element.obj:
            continue
        kids = element.obj.K
        if isinstance(kids, Array):
            element.obj.K = Array([renumbered_kid(kid, renumbered) for kid in kids])
        else:
            element.obj.K = renumbered_kid(kids, renumbered)


def renumbered_kid(kid: Any, renumbered: dict[int, int | None]) -> Any:
    if isinstance(kid, int) and renumbered.get(kid) is not None:
        return renumbered[kid]
    return kid  # an element, a link (OBJR) or a marked-content reference of its own page
