"""One font program per face in a book joined from divisions laid out one by one.

WeasyPrint embeds, in each division, a subset of every face the division uses and
names it `TAG+Family-Style`, the tag a digest of the face's description: the same
tag in every division. Joined as they are, a book would hold one program per face
and division under one name, which ISO 32000-1 (9.6.4, "Font subsets") does not
allow: the tag names one subset, and a RIP that caches fonts by name may draw one
division's glyphs from another's program.

WeasyPrint 70 subsets with HarfBuzz keeping the font's own glyph ids (RETAIN_GIDS;
its fontTools fallback sets retain_gids too), and its CIDFonts map CIDs to glyph ids
one to one (`/CIDToGIDMap /Identity`). So the subsets of one face differ only in
which glyph slots are filled: their union is one program in which every division's
text draws the same glyphs, and no content stream changes. Each face gets that one
program, one descriptor and, where the divisions' widths and text maps agree, one
font dictionary; the name's tag is a digest of the merged program.

A program that cannot be merged (not TrueType, or two subsets disagreeing on a
glyph) is kept as it is, renamed with a tag from its own digest so that no two
different programs in the book share a name.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from fontTools.ttLib import TTFont, TTLibError
from pikepdf import Array, Dictionary, Name

SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
# The `N beginbfchar <code> <text> ... endbfchar` blocks WeasyPrint writes in ToUnicode.
BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
# Tables a PDF reader uses from an embedded TrueType program (ISO 32000-1, 9.9) and the
# cmap and names kept for tools that look. GDEF (glyph classes for layout, per subset)
# is for shaping, which the PDF's content streams have done already.
DROPPED_TABLES = ("GDEF",)


class Unmergeable(Exception):
    """Two subsets of one face disagree (a glyph, the font's header): keep them apart."""


@dataclass
class Face:
    """The Type0 fonts of one face across the book, and what their subsets merge into."""

    name: str  # BaseFont without its tag
    fonts: list[Any] = field(default_factory=list)  # Type0 dictionaries, in book order


def share_fonts(joined: pikepdf.Pdf) -> None:
    """Give the joined book one program per face (or, failing that, one name per program)."""
    fonts = list(type0_fonts(joined))
    faces: dict[str, Face] = {}
    for font in fonts:
        name = str(font.BaseFont)[1:]
        if SUBSET_TAG.match(name) and mergeable_font(font):
            faces.setdefault(name, Face(name[7:])).fonts.append(font)
    replaced: dict[tuple[int, int], Any] = {}
    for face in faces.values():
        try:
            replaced.update(merged_face(joined, face))
        except (Unmergeable, TTLibError):
            continue  # renamed below, program by program
    rename_resources(joined, replaced)
    tag_by_program(joined)


def type0_fonts(joined: pikepdf.Pdf) -> Iterator[Any]:
    """Every Type0 font the book's pages use, each once, in book order."""
    seen: set[tuple[int, int]] = set()
    for resources in resource_dictionaries(joined):
        for key in list(resources.get("/Font", {}).keys()):
            font = resources.Font[key]
            if font.get("/Subtype") != Name.Type0 or font.objgen in seen:
                continue
            seen.add(font.objgen)
            yield font


def resource_dictionaries(joined: pikepdf.Pdf) -> Iterator[Any]:
    """The resources of every page, and of the forms, patterns and appearance streams
    they use (a font may be named in any of them)."""
    seen: set[tuple[int, int]] = set()
    pending = []
    for page in joined.pages:
        pending.append(page.obj.get("/Resources"))
        for annotation in page.obj.get("/Annots", []):
            appearance = annotation.get("/AP")
            if appearance is not None:
                pending.extend(appearances(appearance))
    while pending:
        resources = pending.pop(0)
        if not isinstance(resources, Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        yield resources
        for kind in ("/XObject", "/Pattern"):
            holders = resources.get(kind, {})
            for key in list(holders.keys()):
                holder = holders[key]
                if holder.objgen in seen and holder.objgen != (0, 0):
                    continue
                if holder.is_indirect:
                    seen.add(holder.objgen)
                pending.append(holder.get("/Resources"))


def appearances(appearance: Any) -> Iterator[Any]:
    for state in appearance.values():
        if isinstance(state, pikepdf.Stream):
            yield state.get("/Resources")
        elif isinstance(state, Dictionary):
            yield from (s.get("/Resources") for s in state.values())


def mergeable_font(font: Any) -> bool:
    """A WeasyPrint CIDFont with a TrueType program drawn by glyph id."""
    descendant = font.get("/DescendantFonts", [None])[0]
    if descendant is None or descendant.get("/Subtype") != Name.CIDFontType2:
        return False
    if descendant.get("/CIDToGIDMap") != Name.Identity:
        return False
    return "/FontFile2" in descendant.get("/FontDescriptor", {})


def merged_face(joined: pikepdf.Pdf, face: Face) -> dict[tuple[int, int], Any]:
    """The face's Type0 fonts, each mapped to the one that replaces it."""
    subsets: dict[tuple[int, int], Subset] = {}
    for font in face.fonts:
        program = font.DescendantFonts[0].FontDescriptor.FontFile2
        subset = subsets.setdefault(program.objgen, Subset(program.read_bytes(), 0))
        # WeasyPrint kept the ids up to the highest its text draws (widths, text map).
        drawn = [*widths_of(font.DescendantFonts[0]), *(text_map(font) or {})]
        subset.drawn = max([subset.drawn, *drawn])
    merged = merge_subsets(list(subsets.values()))
    tag = subset_tag(merged)
    base_font = Name(f"/{tag}+{face.name}")
    first = face.fonts[0].DescendantFonts[0].FontDescriptor
    stream = pikepdf.Stream(joined, merged)
    stream.Length1 = len(merged)
    descriptor = shallow_copy(joined, first)
    descriptor.FontName = base_font
    descriptor.FontFile2 = stream
    descriptor.FontBBox = union_box(
        f.DescendantFonts[0].FontDescriptor.FontBBox for f in face.fonts
    )
    if "/CIDSet" in descriptor:
        # A CIDSet lists the glyphs present: every division's (ISO 32000-1, 9.8.3).
        descriptor.CIDSet = pikepdf.Stream(joined, union_bits(
            f.DescendantFonts[0].FontDescriptor.CIDSet.read_bytes() for f in face.fonts
        ))  # fmt: skip
    replaced: dict[tuple[int, int], Any] = {}
    for group in font_groups(face.fonts):
        font = shared_font(joined, group, base_font, descriptor)
        replaced.update((member.font.objgen, font) for member in group)
    return replaced


@dataclass
class Member:
    """A division's Type0 font, read: its widths and what text each glyph stands for."""

    font: Any
    widths: dict[int, float]
    text: dict[int, bytes]


@dataclass
class Group:
    """Type0 fonts that can be one: the same width and the same text for each glyph."""

    members: list[Member] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    text: dict[int, bytes] = field(default_factory=dict)

    def takes(self, member: Member) -> bool:
        return agree(self.widths, member.widths) and agree(self.text, member.text)

    def add(self, member: Member) -> None:
        self.members.append(member)
        self.widths.update(member.widths)
        self.text.update(member.text)

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members)


def agree(one: dict[int, Any], other: dict[int, Any]) -> bool:
    return all(one[key] == value for key, value in other.items() if key in one)


def font_groups(fonts: list[Any]) -> list[Group]:
    """The face's Type0 fonts gathered into as few as can share one dictionary: WeasyPrint
    positions glyphs against the widths it wrote (a face used at two sizes may round a
    glyph's width apart), and a font with its own encoding (glyphs missing from the
    face, drawn as .notdef) keeps it."""
    groups: list[Group] = []
    for font in fonts:
        member = Member(font, widths_of(font.DescendantFonts[0]), text_map(font))
        if font.get("/Encoding") != Name("/Identity-H") or member.text is None:
            groups.append(Group([member], member.widths, member.text or {}))
            continue
        group = next((g for g in groups if g.takes(member) and shares_encoding(g)), None)
        if group is None:
            group = Group()
            groups.append(group)
        group.add(member)
    return groups


def shares_encoding(group: Group) -> bool:
    return all(m.font.get("/Encoding") == Name("/Identity-H") for m in group)


def shared_font(joined: pikepdf.Pdf, group: Group, base_font: Name, descriptor: Any) -> Any:
    """One Type0 font (and its CIDFont) for the group, on the face's one descriptor."""
    first = group.members[0].font
    descendant = first.DescendantFonts[0]
    cid_font = shallow_copy(joined, descendant)
    cid_font.BaseFont = base_font
    cid_font.FontDescriptor = descriptor
    cid_font.W = widths_array(group.widths)
    font = shallow_copy(joined, first)
    font.BaseFont = base_font
    font.DescendantFonts = Array([cid_font])
    if len(group.members) > 1:
        font.ToUnicode = joined.make_indirect(pikepdf.Stream(joined, to_unicode(group.text)))
    return font


def shallow_copy(joined: pikepdf.Pdf, dictionary: Any) -> Any:
    """A new indirect dictionary with the same entries (the values shared)."""
    return joined.make_indirect(Dictionary(dict(dictionary.items())))


def widths_of(cid_font: Any) -> dict[int, float]:
    """A CIDFont's /W array as glyph id -> width (both forms ISO 32000-1, 9.7.4.3, allows)."""
    widths: dict[int, float] = {}
    items = list(cid_font.get("/W", []))
    index = 0
    while index < len(items):
        first = int(items[index])
        if isinstance(items[index + 1], Array):
            for offset, width in enumerate(items[index + 1]):
                widths[first + offset] = float(width)
            index += 2
        else:
            last, width = int(items[index + 1]), float(items[index + 2])
            widths.update((cid, width) for cid in range(first, last + 1))
            index += 3
    return widths


def widths_array(widths: dict[int, float]) -> Array:
    """The /W array WeasyPrint writes: each run of consecutive glyph ids with its widths."""
    out: list[Any] = []
    for cid in sorted(widths):
        if cid - 1 not in widths:
            out += [cid, []]
        width = widths[cid]
        out[-1].append(int(width) if width == int(width) else width)
    return Array([Array(item) if isinstance(item, list) else item for item in out])


def text_map(font: Any) -> dict[int, bytes] | None:
    """A ToUnicode stream as glyph id -> UTF-16BE text; None for one written otherwise
    than WeasyPrint writes it (single `bfchar` entries), which is then kept as it is."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    data = stream.read_bytes()
    if b"bfrange" in data:
        return None
    blocks = re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S)
    return {
        int(code, 16): bytes.fromhex(text.decode())
        for block in blocks
        for code, text in BFCHAR.findall(block)
    }


def to_unicode(text: dict[int, bytes]) -> bytes:
    """A ToUnicode CMap (as WeasyPrint writes one) for glyph id -> UTF-16BE text."""
    lines = [
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
        b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
        b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
        b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange",
    ]  # fmt: skip
    items = sorted(text.items())
    for start in range(0, len(items), 100):  # at most 100 entries a block
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{cid:04x}> <{value.hex()}>".encode() for cid, value in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def union_box(boxes: Iterator[Any]) -> Array:
    values = [[float(v) for v in box] for box in boxes]
    low = [min(box[i] for box in values) for i in (0, 1)]
    high = [max(box[i] for box in values) for i in (2, 3)]
    return Array([round(v) if v == round(v) else v for v in (*low, *high)])


def union_bits(sets: Iterator[bytes]) -> bytes:
    parts = list(sets)
    size = max(len(part) for part in parts)
    merged = bytearray(size)
    for part in parts:
        for index, byte in enumerate(part):
            merged[index] |= byte
    return bytes(merged)


def subset_tag(program: bytes) -> str:
    """Six upper-case letters from the program's digest: the same program, the same tag;
    two programs, two tags (ISO 32000-1, 9.6.4)."""
    digest = hashlib.sha256(program).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


@dataclass
class Subset:
    """One division's program of a face, and the highest glyph id its text draws."""

    program: bytes
    drawn: int


def merge_subsets(subsets: list[Subset]) -> bytes:
    """One TrueType program holding every glyph any of the subsets draws, at the glyph
    ids the divisions' text uses. Raises Unmergeable when two subsets draw a glyph
    differently.

    WeasyPrint's second HarfBuzz pass keeps glyph ids 0 to the highest one drawn and
    renumbers above it, compactly, the glyphs only composites use (an accent under a
    letter): those are given ids after every subset's drawn range, and the composites
    that use them point there."""
    if len(subsets) == 1:
        return subsets[0].program
    fonts = [numbered_font(subset.program) for subset in subsets]
    template = max(fonts, key=lambda font: font["maxp"].numGlyphs)
    check_same_font(template, fonts)
    merged = MergedGlyphs(max(min(s.drawn, f["maxp"].numGlyphs - 1) for s, f in zip(
        subsets, fonts, strict=True)))  # fmt: skip
    for subset, font in zip(subsets, fonts, strict=True):
        merged.take(font, min(subset.drawn, font["maxp"].numGlyphs - 1))
    merged.into(template)
    for tag in DROPPED_TABLES:
        if tag in template:
            del template[tag]
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def glyph_name(gid: int) -> str:
    return ".notdef" if gid == 0 else f"glyph{gid:05d}"


class MergedGlyphs:
    """The glyphs of the merged program, by glyph id, as the subsets are taken in."""

    def __init__(self, drawn: int) -> None:
        self.next_free = drawn + 1
        self.glyphs: dict[int, Any] = {}
        self.metrics: dict[int, tuple[int, int]] = {}
        self.sources: dict[int, tuple[Any, Any]] = {}  # gid -> (glyph, its subset's glyf)
        self.outlines: dict[int, Any] = {}  # gid -> the flattened outline, to compare
        self.cmap: dict[tuple[int, int, int], dict[int, int]] = {}
        self.components: dict[bytes, int] = {}  # a simple component glyph -> its id

    def take(self, font: TTFont, drawn: int) -> None:
        glyf, hmtx = font["glyf"], font["hmtx"]
        count = font["maxp"].numGlyphs
        mapping = {gid: gid for gid in range(drawn + 1)}
        for gid in range(drawn + 1, count):  # only reached through composites
            mapping[gid] = self.component_id(glyf, hmtx, glyph_name(gid))
        for gid in range(count):
            self.add(glyf, hmtx, gid, mapping)
        for table in font["cmap"].tables if "cmap" in font else []:
            codes = self.cmap.setdefault((table.platformID, table.platEncID, table.format), {})
            for code, name in table.cmap.items():
                codes.setdefault(code, mapping[font.getGlyphID(name)])

    def component_id(self, glyf: Any, hmtx: Any, name: str) -> int:
        glyph = glyf[name]
        if glyph.numberOfContours >= 0:  # simple: the same one from another subset is shared
            key = glyph.compile(glyf) + repr(hmtx[name]).encode()
            if key in self.components:
                return self.components[key]
            self.components[key] = self.next_free
        self.next_free += 1
        return self.next_free - 1

    def add(self, glyf: Any, hmtx: Any, gid: int, mapping: dict[int, int]) -> None:
        name = glyph_name(gid)
        # Unexpanded (its bytes as stored): most glyphs are compared without decoding.
        glyph, target = glyf.glyphs[name], mapping[gid]
        advance = hmtx[name]
        if contours(glyph) == 0:
            # No outline (a space, or a glyph this subset left out): its advance, if any.
            if advance[0] and not self.metrics.get(target, (0, 0))[0]:
                self.metrics[target] = advance
            self.glyphs.setdefault(target, glyph)
            self.metrics.setdefault(target, advance)
            return
        if target not in self.sources:
            self.sources[target] = (glyph, glyf)
            self.glyphs[target] = renumbered(glyf, name, mapping)
            self.metrics[target] = advance
            return
        if self.metrics[target] != advance or not self.same_outline(target, glyph, glyf):
            raise Unmergeable(f"glyph {gid} differs between the subsets")

    def same_outline(self, target: int, glyph: Any, glyf: Any) -> bool:
        """Whether `glyph` draws what the merged glyph `target` draws. Two simple glyphs
        with the same bytes do; composites (whose components may be numbered apart in
        each subset) and any other pair are compared by their resolved outlines."""
        stored, stored_glyf = self.sources[target]
        simple = contours(glyph) > 0 and contours(stored) > 0
        if simple and raw_bytes(glyph, glyf) == raw_bytes(stored, stored_glyf):
            return True
        if target not in self.outlines:
            self.outlines[target] = flattened(stored, stored_glyf)
        return flattened(glyph, glyf) == self.outlines[target]

    def into(self, font: TTFont) -> None:
        """Make `font` the merged program."""
        empty = font["glyf"][".notdef"].__class__()
        order = [glyph_name(gid) for gid in range(self.next_free)]
        glyphs = {glyph_name(gid): self.glyphs.get(gid, empty) for gid in range(self.next_free)}
        metrics = {glyph_name(gid): self.metrics.get(gid, (0, 0)) for gid in range(self.next_free)}
        font.setGlyphOrder(order)
        font["glyf"].glyphOrder = order
        font["glyf"].glyphs = glyphs
        font["hmtx"].metrics = metrics
        font["maxp"].numGlyphs = len(order)
        if "cmap" in font:
            for table in font["cmap"].tables:
                codes = self.cmap.get((table.platformID, table.platEncID, table.format), {})
                table.cmap = {code: glyph_name(gid) for code, gid in sorted(codes.items())}


def contours(glyph: Any) -> int:
    """The glyph's number of contours (-1: a composite), from its first two bytes when
    fontTools has not decoded it yet (it sets numberOfContours only then, or when empty)."""
    data = getattr(glyph, "data", b"")
    if data:
        return int.from_bytes(data[:2], "big", signed=True)
    return getattr(glyph, "numberOfContours", 0)


def raw_bytes(glyph: Any, glyf: Any) -> bytes:
    return glyph.data if hasattr(glyph, "data") else glyph.compile(glyf)


def flattened(glyph: Any, glyf: Any) -> tuple[Any, ...]:
    """A glyph's outline with its composites resolved: what it draws, whatever its ids."""
    glyph.expand(glyf)
    coordinates, ends, flags = glyph.getCoordinates(glyf)
    return (tuple(coordinates), tuple(ends), bytes(flags))


def renumbered(glyf: Any, name: str, mapping: dict[int, int]) -> Any:
    """The glyph, its components named by their ids in the merged program."""
    glyph = glyf.glyphs[name]
    if contours(glyph) >= 0:
        return glyph  # simple: taken as it is stored
    glyph = copy.deepcopy(glyf[name])  # expanded, to read its components
    for component in glyph.components:
        component.glyphName = glyph_name(mapping[int(component.glyphName[5:] or 0)])
    return glyph


def numbered_font(program: bytes) -> TTFont:
    """The program with its glyphs named by their id: WeasyPrint's subsets have no glyph
    names (post format 3), so fontTools would name each subset's glyphs from its own cmap."""
    # recalcTimestamp=False: the merged program, and so the book, is the same every build.
    font = TTFont(io.BytesIO(program), recalcTimestamp=False)
    if "glyf" not in font:
        raise Unmergeable("not a TrueType program")
    font.setGlyphOrder([glyph_name(gid) for gid in range(font["maxp"].numGlyphs)])
    return font


def check_same_font(base: TTFont, fonts: list[TTFont]) -> None:
    for font in fonts:
        for table, attribute in (("head", "unitsPerEm"), ("head", "fontRevision")):
            if getattr(font[table], attribute) != getattr(base[table], attribute):
                raise Unmergeable(f"{table}.{attribute} differs")


def rename_resources(joined: pikepdf.Pdf, replaced: dict[tuple[int, int], Any]) -> None:
    """Point every resource naming a division's font at the font that replaces it (the
    content streams keep their resource names)."""
    if not replaced:
        return
    for resources in resource_dictionaries(joined):
        fonts = resources.get("/Font", {})
        for key in list(fonts.keys()):
            font = replaced.get(fonts[key].objgen)
            if font is not None:
                fonts[key] = font


def tag_by_program(joined: pikepdf.Pdf) -> None:
    """Each program the merge left apart named with a tag from its digest, so that two
    programs never share a name; the merged ones have theirs already."""
    for font in type0_fonts(joined):
        name = str(font.BaseFont)[1:]
        descendant = font.get("/DescendantFonts", [None])[0]
        descriptor = descendant.get("/FontDescriptor") if descendant is not None else None
        if descriptor is None or not SUBSET_TAG.match(name):
            continue
        program = next(
            (descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor),
            None,
        )
        if program is None:
            continue
        tagged = Name(f"/{subset_tag(program.read_bytes())}+{name[7:]}")
        if tagged == font.BaseFont:
            continue
        font.BaseFont = descendant.BaseFont = descriptor.FontName = tagged
