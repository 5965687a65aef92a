"""The PDF/UA-1 preflight: a small tagged PDF built with pikepdf passes it, and each
rule fails on a copy made to break that rule alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from makebook.pdf.preflight_ua import preflight

CONTENT = b"""
/Artifact <</Type /Pagination>> BDC BT /F1 9 Tf 20 280 Td (Running head) Tj ET EMC
/H1 <</MCID 0>> BDC BT /F1 18 Tf 20 250 Td (Chapter) Tj ET EMC
/P <</MCID 1>> BDC BT /F1 10 Tf 20 230 Td (Text and a link) Tj ET EMC
/Figure <</MCID 2>> BDC 20 150 50 50 re f EMC
/TH <</MCID 3>> BDC BT /F1 10 Tf 20 130 Td (Head) Tj ET EMC
/Note <</MCID 4>> BDC BT /F1 8 Tf 20 40 Td (1. A note) Tj ET EMC
/Artifact BMC 20 30 100 0.5 re f EMC
"""


def element(pdf: pikepdf.Pdf, kind: str, kids: list, page, **extra) -> Dictionary:  # type: ignore[no-untyped-def]
    return pdf.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name(f"/{kind}"), K=Array(kids), Pg=page, **extra)
    )


def tagged_pdf() -> pikepdf.Pdf:
    """One page that keeps every rule the preflight checks."""
    pdf = pikepdf.new()
    font_file = pdf.make_stream(b"not a real font program: the preflight checks it is there")
    descriptor = Dictionary(Type=Name.FontDescriptor, FontName=Name.Demo, FontFile2=font_file)
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name.Demo,
                   FontDescriptor=descriptor)
    )  # fmt: skip
    pdf.add_blank_page(page_size=(300, 300))
    page = pdf.pages[0].obj
    page.Resources = Dictionary(Font=Dictionary(F1=font))
    page.Contents = pdf.make_stream(CONTENT)
    link = pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[20, 225, 120, 240],
                   Contents=String("a link"), StructParent=1,
                   A=Dictionary(S=Name.URI, URI=String("https://example.org")))
    )  # fmt: skip
    page.Annots = Array([link])
    page.Tabs = Name.S
    page.StructParents = 0
    h1 = element(pdf, "H1", [0], page)
    paragraph = element(pdf, "P", [1], page)
    objr = Dictionary(Type=Name.OBJR, Obj=link, Pg=page)
    link_element = element(pdf, "Link", [objr], page)
    paragraph.K.append(link_element)
    figure = element(pdf, "Figure", [2], page, Alt=String("A square"))
    th = element(pdf, "TH", [3], page, A=Dictionary(O=Name.Table, Scope=Name.Column))
    row = element(pdf, "TR", [th], page)
    table = element(pdf, "Table", [row], page)
    note = element(pdf, "Note", [4], page, ID=String("one-fn-1"))
    section = element(pdf, "Sect", [h1, paragraph, figure, table, note], page)
    document = element(pdf, "Document", [section], page)
    root = pdf.make_indirect(
        Dictionary(
            Type=Name.StructTreeRoot,
            K=document,
            ParentTree=pdf.make_indirect(
                Dictionary(
                    Nums=Array([0, Array([h1, paragraph, figure, th, note]), 1, link_element])
                )
            ),
        )
    )
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    pdf.Root.Lang = String("en-US")
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = "A Tagged Page"
        meta.register_xml_namespace("http://www.aiim.org/pdfua/ns/id/", "pdfuaid")
        meta["pdfuaid:part"] = "1"
    return pdf


def written(pdf: pikepdf.Pdf, tmp_path: Path) -> Path:
    out = tmp_path / "tagged.pdf"
    pdf.save(out)
    return out


def test_a_tagged_page_that_keeps_every_rule_passes(tmp_path: Path) -> None:
    assert preflight(written(tagged_pdf(), tmp_path)) == []


def replace_content(old: bytes, new: bytes) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[0].obj
        page.Contents = pdf.make_stream(page.Contents.read_bytes().replace(old, new))

    return change


def elements_of(pdf: pikepdf.Pdf, kind: str) -> list[Dictionary]:
    found = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        if isinstance(node, Dictionary) and "/S" in node:
            if Name(f"/{kind}") == node.S:
                found.append(node)
            for kid in node.K if isinstance(node.K, Array) else [node.K]:
                walk(kid)

    walk(pdf.Root.StructTreeRoot.K)
    return found


def set_on(kind: str, key: str, value) -> Callable[[pikepdf.Pdf], None]:  # type: ignore[no-untyped-def]
    def change(pdf: pikepdf.Pdf) -> None:
        target = elements_of(pdf, kind)[0]
        if value is None:
            del target[key]
        else:
            target[key] = value

    return change


def drop_catalog(key: str) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root[key]

    return change


def metadata(key: str, value: str | None) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            if value is None:
                del meta[key]
            else:
                meta[key] = value

    return change


def note_under_document(pdf: pikepdf.Pdf) -> None:
    note = elements_of(pdf, "Note")[0]
    section = elements_of(pdf, "Sect")[0]
    section.K = Array([kid for kid in section.K if kid.objgen != note.objgen])
    pdf.Root.StructTreeRoot.K.K = Array([section, note])


def untabbed(pdf: pikepdf.Pdf) -> None:
    del pdf.pages[0].obj["/Tabs"]


def link_outside_tree(pdf: pikepdf.Pdf) -> None:
    elements_of(pdf, "Link")[0].K = Array()


def link_without_contents(pdf: pikepdf.Pdf) -> None:
    del pdf.pages[0].obj.Annots[0]["/Contents"]


def font_not_embedded(pdf: pikepdf.Pdf) -> None:
    del pdf.pages[0].obj.Resources.Font.F1.FontDescriptor["/FontFile2"]


def heading_skipped(pdf: pikepdf.Pdf) -> None:
    elements_of(pdf, "H1")[0].S = Name.H3


HEAD_ARTIFACT = b"/Artifact <</Type /Pagination>> BDC BT"
BREAKS = {
    # an untagged running head: drawn outside any marked content
    "untagged-content": replace_content(HEAD_ARTIFACT, b"/Artifact BMC EMC BT"),
    # a running head tagged with an MCID no element owns (what WeasyPrint 70 writes)
    "orphan-content": replace_content(HEAD_ARTIFACT, b"/Span <</MCID 9>> BDC BT"),
    "untied-tag": replace_content(HEAD_ARTIFACT, b"/P BMC BT"),
    "artifact-nesting": replace_content(
        b"(Chapter) Tj ET EMC", b"(Chapter) Tj ET /Artifact BMC 0 0 1 1 re f EMC EMC"
    ),
    "marked": drop_catalog("/MarkInfo"),
    "lang": drop_catalog("/Lang"),
    "display-doc-title": drop_catalog("/ViewerPreferences"),
    "struct-tree": drop_catalog("/StructTreeRoot"),
    "title": metadata("dc:title", None),
    "pdfuaid": metadata("pdfuaid:part", "2"),
    "heading-nesting": heading_skipped,
    "figure-alt": set_on("Figure", "/Alt", None),
    "table-scope": set_on("TH", "/A", Dictionary(O=Name.Table)),
    "note-id": set_on("Note", "/ID", None),
    "note-place": note_under_document,
    "tabs": untabbed,
    "link-tag": link_outside_tree,
    "link-contents": link_without_contents,
    "fonts-embedded": font_not_embedded,
}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_fails_on_a_page_made_to_break_it(rule: str, tmp_path: Path) -> None:
    pdf = tagged_pdf()
    BREAKS[rule](pdf)
    rules = {finding.rule for finding in preflight(written(pdf, tmp_path))}
    assert rule in rules
    if rule != "struct-tree":  # without a tree, no content is tied to it either
        assert rules == {rule}
