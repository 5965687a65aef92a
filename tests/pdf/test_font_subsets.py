"""Fonts in the joined PDFs (pdf/chapterwise/fonts.py): one program per face, drawing
the source font's glyphs, and no two programs under one name (ISO 32000-1, 9.6.4)."""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fontTools import subset
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from conftest import DEMO
from makebook.build import build
from makebook.manuscript.styles import DEFAULT_STYLES, find_font
from makebook.pdf.chapterwise.fonts import (
    Subset,
    merge_subsets,
    share_fonts,
    subset_tag,
    text_map,
    to_unicode,
    type0_fonts,
    widths_array,
    widths_of,
)

EDITIONS = ["pdf", "screen"]


@pytest.fixture(scope="module")
def release_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("release-fonts")
    return build(DEMO, out, EDITIONS, release=True).outputs


def programs_by_name(path: Path) -> dict[str, set[str]]:
    """BaseFont -> the digests of the programs embedded under that name."""
    found: dict[str, set[str]] = defaultdict(set)
    with pikepdf.open(path) as pdf:
        for font in type0_fonts(pdf):
            descriptor = font.DescendantFonts[0].FontDescriptor
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            digest = hashlib.sha256(program.read_bytes()).hexdigest()
            for name in (font.BaseFont, font.DescendantFonts[0].BaseFont, descriptor.FontName):
                found[str(name)].add(digest)
    return found


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_two_programs_share_a_name(demo_build, release_build, edition):
    for path in (demo_build[edition], release_build[edition]):
        shared = {name: len(p) for name, p in programs_by_name(path).items() if len(p) > 1}
        assert not shared, f"{path.name}: one name, several programs: {shared}"


@pytest.mark.parametrize("edition", EDITIONS)
def test_each_face_is_embedded_once(demo_build, edition):
    names = programs_by_name(demo_build[edition])
    faces = [name.split("+", 1)[1] for name in names]
    assert sorted(faces) == sorted(set(faces))
    assert {"Source-Serif-Pro", "Source-Serif-Pro-Italic", "Source-Sans-Pro-Semi-Bold"} <= set(
        faces
    )
    assert all(len(digests) == 1 for digests in names.values())


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_joined_file_is_within_a_tenth_of_the_release_one(demo_build, release_build, edition):
    joined, whole = demo_build[edition].stat().st_size, release_build[edition].stat().st_size
    assert joined <= whole * 1.10, f"{joined} bytes chapter by chapter, {whole} laid out whole"


def drawn_glyphs(pdf: pikepdf.Pdf) -> dict[str, set[int]]:
    """BaseFont -> every glyph id the pages' text draws with it."""
    drawn: dict[str, set[int]] = defaultdict(set)
    for page in pdf.pages:
        fonts = page.Resources.get("/Font", {})
        current = None
        for operands, operator in pikepdf.parse_content_stream(page):
            if operator == pikepdf.Operator("Tf"):
                current = fonts[operands[0]]
            elif operator in (pikepdf.Operator("Tj"), pikepdf.Operator("TJ")):
                strings = operands[0] if isinstance(operands[0], Array) else [operands[0]]
                for item in strings:
                    if isinstance(item, pikepdf.String) and current is not None:
                        data = bytes(item)
                        ids = {int.from_bytes(data[i : i + 2]) for i in range(0, len(data), 2)}
                        drawn[str(current.BaseFont)] |= ids
    return drawn


def outline(font: TTFont, gid: int) -> tuple[Any, ...]:
    glyf = font["glyf"]
    coordinates, ends, flags = glyf[font.getGlyphName(gid)].getCoordinates(glyf)
    return tuple(coordinates), tuple(ends), bytes(flags)


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_glyph_drawn_is_the_source_fonts_glyph(demo_build, edition):
    with pikepdf.open(demo_build[edition]) as pdf:
        drawn = drawn_glyphs(pdf)
        programs = {
            str(font.BaseFont): font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
            for font in type0_fonts(pdf)
        }
    assert drawn
    for name, ids in drawn.items():
        embedded = TTFont(io.BytesIO(programs[name]))
        source_name = embedded["name"].getDebugName(6)
        source = TTFont(find_font(DEFAULT_STYLES, f"fonts/{source_name}.ttf"))
        wrong = [gid for gid in sorted(ids) if outline(embedded, gid) != outline(source, gid)]
        assert not wrong, f"{name}: glyphs {wrong[:10]} are not {source_name}'s"


# --- the merge itself, without a build ----------------------------------------------


def weasyprint_subset(source: Path, gids: set[int]) -> bytes:
    """A subset made as WeasyPrint 70 makes one: the drawn glyphs at their ids (and the
    components they need), then ids 0 to the highest drawn kept and the rest renumbered."""
    font = TTFont(source)
    options = subset.Options(retain_gids=True, notdef_outline=True, glyph_names=False)
    first = subset.Subsetter(options)
    first.populate(gids=gids)
    first.subset(font)
    second = subset.Subsetter(subset.Options(notdef_outline=True, glyph_names=False))
    second.populate(gids=range(max(gids) + 1))
    second.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def test_subsets_with_renumbered_components_merge_into_the_source_glyphs():
    source_path = find_font(DEFAULT_STYLES, "fonts/SourceSerifPro-Regular.ttf")
    assert source_path is not None
    source = TTFont(source_path)
    eacute, e_letter = source.getGlyphID("eacute"), source.getGlyphID("e")
    aring = source.getGlyphID("Aring")
    # The accents (ids above 700) are only components: each subset renumbers them.
    first = Subset(weasyprint_subset(source_path, {eacute, e_letter}), eacute)
    second = Subset(weasyprint_subset(source_path, {aring}), aring)
    assert TTFont(io.BytesIO(first.program))["maxp"].numGlyphs < 700
    merged = TTFont(io.BytesIO(merge_subsets([first, second])))
    for gid in (eacute, e_letter, aring):
        assert outline(merged, gid) == outline(source, gid)
        name = source.getGlyphName(gid)
        assert merged["hmtx"][merged.getGlyphName(gid)] == source["hmtx"][name]
    assert merged.getBestCmap()[ord("é")] == merged.getGlyphName(eacute)
    assert merged.getBestCmap()[ord("Å")] == merged.getGlyphName(aring)


def test_a_subset_tag_is_six_letters_from_the_program():
    tag = subset_tag(b"one program")
    assert len(tag) == 6 and tag.isalpha() and tag.isupper()
    assert tag == subset_tag(b"one program") != subset_tag(b"another program")


def test_widths_and_text_maps_read_back_as_written():
    widths = {3: 250.0, 4: 512.0, 5: 600.0, 40: 333.0}
    assert widths_of(Dictionary(W=widths_array(widths))) == widths
    assert widths_of(Dictionary(W=Array([10, 12, 500]))) == {10: 500.0, 11: 500.0, 12: 500.0}
    text = {3: " ".encode("utf-16-be"), 250: "ﬁ".encode("utf-16-be")}
    pdf = pikepdf.new()
    font = Dictionary(ToUnicode=pdf.make_stream(to_unicode(text)))
    assert text_map(font) == text


def font_named(pdf: pikepdf.Pdf, name: str, program: bytes) -> Any:
    """A Type0 font with a program fontTools cannot merge (not TrueType)."""
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name(name), FontFile3=pdf.make_stream(program)
    )
    descendant = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType0, BaseFont=Name(name), FontDescriptor=descriptor
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name(name),
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([descendant]),
        )
    )


def test_programs_left_apart_get_a_tag_each():
    pdf = pikepdf.new()
    programs = (b"the first division's program", b"the second division's program")
    for program in programs:
        page = pdf.add_blank_page()
        page.Resources = Dictionary(Font=Dictionary(F1=font_named(pdf, "/AMLEXW+Face", program)))
    share_fonts(pdf)
    names = [str(page.Resources.Font.F1.BaseFont) for page in pdf.pages]
    assert names == [f"/{subset_tag(program)}+Face" for program in programs]
    descriptor = pdf.pages[0].Resources.Font.F1.DescendantFonts[0].FontDescriptor
    assert str(descriptor.FontName) == names[0]
