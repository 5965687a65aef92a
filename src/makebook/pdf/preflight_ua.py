"""A PDF/UA-1 preflight: the machine-checkable rules of ISO 14289-1 that makebook's
screen edition must keep, read back from the written file with pikepdf.

veraPDF cannot be installed where makebook is built and tested, so this checks, by
itself, the failure conditions of the Matterhorn Protocol (PDF Association, 1.1)
that a program can decide without a human judging meaning: untagged content and
artifacts (checkpoint 01), metadata (06), the catalog (07), headings (14), tables
(15), notes (19), figures' alternate text (13), natural language (11), annotations
(28) and embedded fonts (31). It is not a veraPDF certification: the checkpoints
that need a reader (is the alt text right, is the reading order logical) are not
checked at all.

Each failed rule is a `Finding` named for the rule; `preflight(path)` lists them
all, an empty list when the file passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

TEXT_SHOWING = {"Tj", "TJ", "'", '"'}
PAINTING = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "BI"}
HEADINGS = {f"/H{level}": level for level in range(1, 7)}
# ISO 32000-1 14.8.4's standard structure types: marked in content, they need an MCID.
STRUCTURE_TYPES = {f"/{name}" for name in (
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index",
    "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl",
    "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span", "Quote", "Note",
    "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT", "RP", "Warichu",
    "WT", "WP", "Figure", "Formula", "Form",
)}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    rule: str  # the check's name, e.g. "untagged-content"
    message: str  # what was found, and where

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def preflight(path: Path) -> list[Finding]:
    """Every PDF/UA-1 rule the file at `path` breaks (see the module's doc)."""
    with pikepdf.open(path) as pdf:
        return check(pdf)


def check(pdf: pikepdf.Pdf) -> list[Finding]:
    tree = StructureTree(pdf)
    findings: list[Finding] = []
    findings += check_catalog(pdf)
    findings += check_metadata(pdf)
    findings += tree.findings
    findings += check_content(pdf, tree)
    findings += check_headings(tree)
    findings += check_figures(tree)
    findings += check_tables(tree)
    findings += check_notes(tree)
    findings += check_annotations(pdf, tree)
    findings += check_fonts(pdf)
    return findings


# --- the catalog and the metadata (checkpoints 06, 07, 11) --------------------------


def check_catalog(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    root = pdf.Root
    if root.get("/MarkInfo", {}).get("/Marked") is not True:
        yield Finding("marked", "the catalog has no /MarkInfo << /Marked true >>")
    if not str(root.get("/Lang", "")).strip():
        yield Finding("lang", "the catalog has no /Lang naming the document's language")
    if root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is not True:
        yield Finding(
            "display-doc-title", "/ViewerPreferences has no /DisplayDocTitle true (07-001)"
        )


def check_metadata(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    if "/Metadata" not in pdf.Root:
        yield Finding("xmp", "the catalog has no XMP /Metadata stream (06-001)")
        return
    meta = pdf.open_metadata()
    if not str(meta.get("dc:title", "")).strip():
        yield Finding("title", "the XMP metadata has no dc:title (06-003)")
    if str(meta.get("pdfuaid:part", "")) != "1":
        yield Finding("pdfuaid", "the XMP metadata has no pdfuaid:part 1 (06-002)")


# --- the structure tree (checkpoint 01) ------------------------------------------------


@dataclass
class Element:
    """A structure element as the checks need it: its type, its ancestors' types."""

    obj: Any
    type: str  # "/P", "/H1"...
    ancestors: tuple[str, ...]
    within: tuple[tuple[int, int], ...]  # the ancestors' object numbers


@dataclass
class StructureTree:
    """The reachable structure elements, in document order, and which marked content
    and annotations they own."""

    pdf: pikepdf.Pdf
    elements: list[Element] = field(default_factory=list)
    owned: set[tuple[tuple[int, int], int]] = field(default_factory=set)  # (page, MCID)
    objects: set[tuple[int, int]] = field(default_factory=set)  # annotations in OBJRs
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        root = self.pdf.Root.get("/StructTreeRoot")
        if root is None:
            self.findings.append(Finding("struct-tree", "the catalog has no /StructTreeRoot"))
            return
        if "/ParentTree" not in root:
            self.findings.append(Finding("struct-tree", "the structure tree has no /ParentTree"))
        self.role_map = root.get("/RoleMap", Dictionary())
        seen: set[tuple[int, int]] = set()
        for kid in kids_of(root):
            self.walk(kid, None, (), (), seen)

    def standard_type(self, type_: str) -> str:
        return str(self.role_map.get(type_, type_))

    def walk(
        self, node: Any, page: Any, ancestors: tuple[str, ...],
        within: tuple[tuple[int, int], ...], seen: set[tuple[int, int]],
    ) -> None:  # fmt: skip
        if isinstance(node, int):
            if page is not None:
                self.owned.add((page.objgen, node))
            return
        if not isinstance(node, Dictionary):
            return
        kind = node.get("/Type")
        if kind == Name.MCR:
            owner = node.get("/Pg", page)
            if owner is not None and "/Stm" not in node:
                self.owned.add((owner.objgen, int(node.MCID)))
            return
        if kind == Name.OBJR:
            self.objects.add(node.Obj.objgen)
            return
        if node.is_indirect:
            if node.objgen in seen:
                return
            seen.add(node.objgen)
        type_ = self.standard_type(str(node.get("/S", "")))
        self.elements.append(Element(node, type_, ancestors, within))
        page = node.get("/Pg", page)
        for kid in kids_of(node):
            self.walk(kid, page, (*ancestors, type_), (*within, node.objgen), seen)


def kids_of(node: Any) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


# --- content streams: every mark tied to the tree or an artifact (01-005...) ------------


@dataclass
class ContentCount:
    untagged: int = 0  # text or painting outside any marked content
    orphans: int = 0  # marked content whose MCID no reachable element owns
    unmarked_tags: int = 0  # a structure type marked without an MCID
    nested: int = 0  # an artifact inside tagged content, or tagged content inside one
    artifacts: int = 0
    tagged: int = 0


def check_content(pdf: pikepdf.Pdf, tree: StructureTree) -> Iterator[Finding]:
    pages: dict[str, ContentCount] = {}
    for number, page in enumerate(pdf.pages, start=1):
        count = ContentCount()
        walk_content(page.obj, page.obj.objgen, tree, count, [], set())
        pages[str(number)] = count
    yield from content_findings(pages)


def content_findings(pages: dict[str, ContentCount]) -> Iterator[Finding]:
    rules = (
        ("untagged-content", "untagged", "text or graphics outside any marked content (01-005)"),
        ("orphan-content", "orphans", "marked content no structure element owns (01-005)"),
        ("untied-tag", "unmarked_tags", "a structure tag marked without an MCID (01-005)"),
        ("artifact-nesting", "nested", "artifacts and tagged content nested (01-003/01-004)"),
    )
    for rule, attribute, what in rules:
        bad = {page: getattr(c, attribute) for page, c in pages.items() if getattr(c, attribute)}
        if bad:
            where = ", ".join(f"page {page} ({n})" for page, n in list(bad.items())[:8])
            more = f" and {len(bad) - 8} more pages" if len(bad) > 8 else ""
            yield Finding(rule, f"{what}: {where}{more}")


def walk_content(
    owner: Any, page: tuple[int, int], tree: StructureTree, count: ContentCount,
    stack: list[str], forms: set[tuple[int, int]],
) -> None:  # fmt: skip
    """Count, in a page's content (and the forms it draws), what is tied to the tree,
    what is an artifact and what is neither. `stack` holds the enclosing sequences'
    kinds: "artifact", "tagged", "orphan" (tied to no element: reported once) or "other"."""
    xobjects = owner.get("/Resources", {}).get("/XObject", {})
    for operands, operator in pikepdf.parse_content_stream(owner):
        op = str(operator)
        if op in ("BDC", "BMC"):
            kind = sequence_kind(operands, page, tree, count)
            if kind in ("artifact", "tagged") and ({"artifact", "tagged"} - {kind}) & set(stack):
                count.nested += 1
            stack.append(kind)
        elif op == "EMC":
            if stack:
                stack.pop()
        elif op in TEXT_SHOWING or op in PAINTING:
            if not any(kind in ("artifact", "tagged", "orphan") for kind in stack):
                count.untagged += 1
            if op == "Do" and operands:
                form = xobjects.get(str(operands[0]))
                is_form = form is not None and form.get("/Subtype") == Name.Form
                if is_form and form.objgen not in forms:  # `forms`: against a form in itself
                    walk_content(form, page, tree, count, stack, forms | {form.objgen})


def sequence_kind(
    operands: list[Any], page: tuple[int, int], tree: StructureTree, count: ContentCount
) -> str:
    tag = str(operands[0]) if operands else ""
    if tag == "/Artifact":
        count.artifacts += 1
        return "artifact"
    properties = operands[1] if len(operands) > 1 else None
    mcid = properties.get("/MCID") if isinstance(properties, Dictionary) else None
    if mcid is None:
        if tag in STRUCTURE_TYPES:  # not /OC (optional content) or /Tx (form fields)
            count.unmarked_tags += 1
            return "orphan"  # reported as such, not again as untagged
        return "other"
    if (page, int(mcid)) not in tree.owned:
        count.orphans += 1
        return "orphan"  # reported as such, not again as untagged
    count.tagged += 1
    return "tagged"


# --- what the elements say (checkpoints 13, 14, 15, 19) ---------------------------------


def check_headings(tree: StructureTree) -> Iterator[Finding]:
    levels = [HEADINGS[e.type] for e in tree.elements if e.type in HEADINGS]
    if levels and levels[0] != 1:
        yield Finding("heading-nesting", f"the first heading is H{levels[0]}, not H1 (14-002)")
    for before, after in zip(levels, levels[1:], strict=False):
        if after > before + 1:
            yield Finding("heading-nesting", f"H{before} is followed by H{after} (14-003)")
            return


def check_figures(tree: StructureTree) -> Iterator[Finding]:
    bare = [
        e for e in tree.elements
        if e.type == "/Figure" and not str(e.obj.get("/Alt", e.obj.get("/ActualText", "")))
    ]  # fmt: skip
    if bare:
        yield Finding("figure-alt", f"{len(bare)} Figure elements without /Alt (13-004)")


def check_tables(tree: StructureTree) -> Iterator[Finding]:
    """Every header cell says what it heads (WeasyPrint writes /Headers on data cells;
    PDF/UA wants /Scope where those are not enough, and makebook writes both). A table
    without header cells is not checked: whether it has a header row is the author's
    call (pandoc's headerless tables), which no program can make for them."""
    headers = [e for e in tree.elements if e.type == "/TH"]
    unscoped = [h for h in headers if attribute(h.obj, "/Scope") is None]
    if unscoped:
        yield Finding("table-scope", f"{len(unscoped)} TH cells without /Scope (15-003)")


def attribute(element: Any, key: str) -> Any:
    """A layout or table attribute of an element, from any of its attribute objects."""
    attributes = element.get("/A")
    for entry in attributes if isinstance(attributes, Array) else [attributes]:
        if isinstance(entry, Dictionary) and key in entry:
            return entry[key]
    return None


def check_notes(tree: StructureTree) -> Iterator[Finding]:
    ids: dict[str, int] = {}
    for note in (e for e in tree.elements if e.type == "/Note"):
        identifier = str(note.obj.get("/ID", ""))
        if not identifier:
            yield Finding("note-id", "a Note element has no /ID (19-003)")
        ids[identifier] = ids.get(identifier, 0) + 1
        if "/Sect" not in note.ancestors and "/Art" not in note.ancestors:
            yield Finding("note-place", f"Note {identifier} is not inside a Sect or Art")
    doubled = [i for i, n in ids.items() if i and n > 1]
    if doubled:
        yield Finding("note-id", f"Note IDs used twice: {', '.join(doubled[:5])} (19-004)")


# --- annotations and fonts (checkpoints 28, 31) -----------------------------------------


def check_annotations(pdf: pikepdf.Pdf, tree: StructureTree) -> Iterator[Finding]:
    links = {e.obj.objgen for e in tree.elements if e.type == "/Link"}
    link_objects: set[tuple[int, int]] = set()
    for element in tree.elements:
        if element.obj.objgen in links:
            for kid in kids_of(element.obj):
                if isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR:
                    link_objects.add(kid.Obj.objgen)
    untabbed, untied, undescribed = [], 0, 0
    for number, page in enumerate(pdf.pages, start=1):
        annotations = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") != Name.Popup]
        if annotations and page.obj.get("/Tabs") != Name.S:
            untabbed.append(number)
        for annotation in annotations:
            if annotation.get("/Subtype") != Name.Link:
                continue
            untied += annotation.objgen not in link_objects
            undescribed += not str(annotation.get("/Contents", "")).strip()
    if untabbed:
        yield Finding("tabs", f"pages with annotations but no /Tabs /S: {untabbed[:10]} (28)")
    if untied:
        yield Finding("link-tag", f"{untied} link annotations not in a Link element (28-011)")
    if undescribed:
        yield Finding("link-contents", f"{undescribed} link annotations without /Contents (28)")


def check_fonts(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    missing: set[str] = set()
    for font in fonts_of(pdf):
        if font.get("/Subtype") == Name.Type3:
            continue  # drawn by its own content streams
        described = font.get("/DescendantFonts", [font])[0]
        descriptor = described.get("/FontDescriptor", {})
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.add(str(font.get("/BaseFont", "?")))
    if missing:
        yield Finding("fonts-embedded", f"fonts not embedded: {', '.join(sorted(missing))} (31)")


def fonts_of(pdf: pikepdf.Pdf) -> Iterator[Any]:
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        yield from fonts_in(page.obj.get("/Resources", {}), seen)


def fonts_in(resources: Any, seen: set[tuple[int, int]]) -> Iterator[Any]:
    for font in resources.get("/Font", {}).values():
        if font.objgen not in seen or font.objgen == (0, 0):
            seen.add(font.objgen)
            yield font
    for xobject in resources.get("/XObject", {}).values():
        if xobject.get("/Subtype") == Name.Form and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            yield from fonts_in(xobject.get("/Resources", {}), seen)
