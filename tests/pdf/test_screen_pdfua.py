"""The screen edition passes the PDF/UA-1 preflight in both layouts (chapter by chapter,
joined, and `--release`), read back with pikepdf: running heads and folios are
Artifacts, footnotes are Notes in their chapter's section, figures have Alt, header
cells a Scope and links a Link element; and it fails once one of these is undone."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from pikepdf import Dictionary, Name

from conftest import DEMO
from makebook.build import build
from makebook.pdf.preflight_ua import StructureTree, preflight


@pytest.fixture(scope="module")
def small_release(small_book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small-release")
    return build(small_book, out, ["screen"], release=True).outputs["screen"]


@pytest.fixture(scope="module")
def demo_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-release")
    return build(DEMO, out, ["screen"], release=True).outputs["screen"]


@pytest.fixture(scope="module")
def constructs_release(
    pandoc_constructs_book: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("constructs-release")
    return build(pandoc_constructs_book, out, ["screen"], release=True).outputs["screen"]


def screen_pdfs(request: pytest.FixtureRequest) -> dict[str, Path]:
    return {
        "small, joined": request.getfixturevalue("small_build")["screen"],
        "small, release": request.getfixturevalue("small_release"),
        "demo, joined": request.getfixturevalue("demo_build")["screen"],
        "demo, release": request.getfixturevalue("demo_release"),
        "constructs, joined": request.getfixturevalue("pandoc_constructs_build").outputs["screen"],
        "constructs, release": request.getfixturevalue("constructs_release"),
    }


LAYOUTS = ["small, joined", "small, release", "demo, joined", "demo, release"]
LAYOUTS += ["constructs, joined", "constructs, release"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_screen_edition_passes_the_pdf_ua_preflight(layout: str, request) -> None:  # type: ignore[no-untyped-def]
    pdf = screen_pdfs(request)[layout]
    assert [str(finding) for finding in preflight(pdf)] == []


def pagination_artifacts(pdf: pikepdf.Pdf) -> list[int]:
    """Per page, how many sequences are marked /Artifact <</Type /Pagination>>."""
    counts = []
    for page in pdf.pages:
        found = 0
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "BDC" and operands[0] == Name.Artifact:
                properties = operands[1]
                found += isinstance(properties, Dictionary) and properties.Type == Name.Pagination
        counts.append(found)
    return counts


def margin_lines(path: Path) -> list[int]:
    """Per page, how many of the running head and the folio it prints (0, 1 or 2): text
    in the top or bottom three quarters of an inch, where the @page margin boxes are."""
    counts = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            words = page.extract_words()
            head = any(w["top"] < 0.75 * 72 for w in words)
            foot = any(w["top"] > page.height - 0.75 * 72 for w in words)
            counts.append(head + foot)
    return counts


@pytest.mark.parametrize("layout", ["demo, joined", "demo, release"])
def test_running_heads_and_folios_are_pagination_artifacts(layout: str, request) -> None:  # type: ignore[no-untyped-def]
    path = screen_pdfs(request)[layout]
    with pikepdf.open(path) as pdf:
        artifacts = pagination_artifacts(pdf)
    # One artifact for each running head and folio a page prints (the issue measured
    # 12 artifacts on the 61 pages before), none where a page prints neither.
    assert artifacts == margin_lines(path)
    assert sum(artifacts) > 80


def footnote_ids(markdown_folder: Path) -> set[str]:
    ids = set()
    for chapter in markdown_folder.glob("*.md"):
        labels = dict.fromkeys(re.findall(r"\[\^([^\]\s]+)\]:", chapter.read_text("utf-8")))
        ids |= {f"{chapter.stem}-fn-{n}" for n in range(1, len(labels) + 1)}
    return ids


@pytest.mark.parametrize("layout", ["demo, joined", "demo, release"])
def test_footnotes_are_notes_inside_their_chapters_section(layout: str, request) -> None:  # type: ignore[no-untyped-def]
    with pikepdf.open(screen_pdfs(request)[layout]) as pdf:
        tree = StructureTree(pdf)
        notes = [e for e in tree.elements if e.type == "/Note"]
        ids = [str(note.obj.ID) for note in notes]
        assert len(ids) == len(set(ids)) >= 4  # the demo's four footnotes, once each
        assert all(re.fullmatch(r"[\w-]+-fn-\d+", i) for i in ids)
        assert all(note.ancestors == ("/Document", "/Sect") for note in notes)
        # No footnote text hangs under Document as NonStruct any more.
        document = tree.elements[0]
        assert document.type == "/Document"
        top = [e.type for e in tree.elements if len(e.ancestors) == 1]
        assert "/Note" not in top


@pytest.mark.parametrize("layout", ["constructs, joined", "constructs, release"])
def test_header_cells_have_a_scope_and_figures_alt(layout: str, request) -> None:  # type: ignore[no-untyped-def]
    with pikepdf.open(screen_pdfs(request)[layout]) as pdf:
        tree = StructureTree(pdf)
        scopes = {str(e.obj.A.Scope) for e in tree.elements if e.type == "/TH"}
        assert scopes == {"/Column"}
        figures = [e for e in tree.elements if e.type == "/Figure"]
        assert figures and all(str(f.obj.get("/Alt", "")) for f in figures)
        links = [e for e in tree.elements if e.type == "/Link"]
        assert len(links) >= 10


def test_an_untagged_running_head_in_the_screen_pdf_fails(demo_build, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The screen PDF with its running heads' artifact marks taken away: read as text
    no structure element owns, as WeasyPrint wrote them, the preflight fails."""
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(demo_build["screen"]) as pdf:
        page = pdf.pages[10]
        instructions = []
        for instruction in pikepdf.parse_content_stream(page):
            operands = instruction.operands
            if str(instruction.operator) == "BDC" and operands[0] == Name.Artifact:
                instruction = pikepdf.ContentStreamInstruction(
                    [Name.Span, Dictionary(MCID=900)], pikepdf.Operator("BDC")
                )
            instructions.append(instruction)
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
        pdf.save(broken)
    rules = {finding.rule for finding in preflight(broken)}
    assert rules == {"orphan-content"}


@pytest.mark.parametrize("layout", ["small, joined", "small, release"])
def test_a_link_is_described_by_its_words_not_its_target(layout: str, request) -> None:  # type: ignore[no-untyped-def]
    with pikepdf.open(screen_pdfs(request)[layout]) as pdf:
        described = {
            str(annotation.Contents)
            for page in pdf.pages
            for annotation in page.obj.get("/Annots", [])
        }
    # The contents' entry for chapter "one", a citation of siegel1999 and a concept.
    assert {"The First Essay", "Siegel 1999", "the idea"} <= described
    assert not described & {"one", "work-siegel1999", "the-idea"}


def test_orphaned_and_unmarked_content_becomes_artifacts_and_mcids_close_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What WeasyPrint writes for a folio (an MCID whose element is not in the tree, here
    MCID 0 before the heading) and a rule drawn outside marked content are made
    artifacts; the tagged MCIDs after it are numbered again from 0."""
    from test_preflight_ua import CONTENT, tagged_pdf

    from makebook.pdf.artifacts import mark_artifacts

    pdf = tagged_pdf()
    page = pdf.pages[0].obj
    content = re.sub(rb"/MCID (\d)", lambda m: b"/MCID %d" % (int(m[1]) + 1), CONTENT)
    folio = b"/Span <</MCID 0>> BDC BT /F1 9 Tf 140 10 Td (12) Tj ET EMC\n"
    page.Contents = pdf.make_stream(folio + content + b"0 0 300 1 re f\n")
    orphan = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Span, K=0, Pg=page))
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    nums[1] = pikepdf.Array([orphan, *nums[1]])
    for element in nums[1][1:]:
        element.K = pikepdf.Array([k + 1 if isinstance(k, int) else k for k in element.K])
    path = tmp_path / "weasy.pdf"
    pdf.save(path)
    assert {f.rule for f in preflight(path)} == {"orphan-content", "untagged-content"}

    mark_artifacts(path)
    assert preflight(path) == []
    with pikepdf.open(path) as fixed:
        assert pagination_artifacts(fixed) == [2]  # the running head and the folio
        owners = fixed.Root.StructTreeRoot.ParentTree.Nums[1]
        assert [str(owner.S) for owner in owners] == ["/H1", "/P", "/Figure", "/TH", "/Note"]
        assert [owner.K[0] for owner in owners] == [0, 1, 2, 3, 4]
