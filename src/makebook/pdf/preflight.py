"""A preflight of PDF/X-4's machine-checkable rules (ISO 15930-7), with pikepdf.

Not a veraPDF certification (veraPDF cannot be installed here): it checks what a
printer's preflight rejects first, each rule a named finding:

- encryption: the file is not encrypted;
- id: the trailer has an /ID;
- xmp.*: XMP metadata with pdfxid:GTS_PDFXVersion "PDF/X-4...", dc:title,
  xmpMM:DocumentID, xmpMM:VersionID, xmpMM:RenditionClass, xmp:CreateDate and ModifyDate;
- info.*: Info /Title, /Trapped True or False;
- output-intent.*: exactly one /OutputIntents entry with /S /GTS_PDFX, an
  OutputConditionIdentifier, and an embedded DestOutputProfile that is an ICC output
  ('prtr') profile of Gray, RGB or CMYK whose /N matches it;
- boxes.*: every page has a TrimBox or an ArtBox (not both) and a BleedBox; the
  BleedBox lies inside the MediaBox, the TrimBox inside the BleedBox;
- annotation.in-bleed: no annotation other than PrinterMark or TrapNet touches a
  page's BleedBox;
- colour.device-space: device colour (operators rg/RG/k/K/g/G, cs/CS, images, inline
  images, shadings) only where the output intent allows it: DeviceGray always,
  DeviceRGB only with an RGB intent, DeviceCMYK only with a CMYK intent;
- colour.not-grey (with `grey=True`, makebook's black-and-white interior): nothing
  but DeviceGray (and patterns made of it);
- colour.total-ink: CMYK colours at most 300 % ink (or the `max_ink` given: IngramSpark's
  covers 240 %), vector colours and every pixel of CMYK images;
- font.not-embedded: every font used has its program embedded;
in every content stream: pages, form XObjects (nested), tiling patterns and
annotation appearances.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

MAX_INK = 3.0
PRINTERS_ANNOTATIONS = {"/PrinterMark", "/TrapNet"}
DEVICE_SPACES = {"/DeviceGray": "grey", "/DeviceRGB": "rgb", "/DeviceCMYK": "cmyk",
                 "/G": "grey", "/RGB": "rgb", "/CMYK": "cmyk"}  # fmt: skip
PROFILE_SPACES = {b"GRAY": "grey", b"RGB ": "rgb", b"CMYK": "cmyk"}
XMP_REQUIRED = ("dc:title", "xmpMM:DocumentID", "xmpMM:VersionID", "xmpMM:RenditionClass",
                "xmp:CreateDate", "xmp:ModifyDate")  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One rule broken: its name, what was found and where (a 1-based page, or none)."""

    rule: str
    message: str
    page: int | None = None

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        return f"{self.rule}: {where}{self.message}"


@dataclass
class Spaces:
    """The colour spaces and CMYK ink a document's content uses, by page."""

    used: dict[str, set[int]] = field(default_factory=dict)  # "rgb" -> pages
    ink: list[tuple[int, float]] = field(default_factory=list)  # over MAX_INK

    def add(self, kind: str, page: int) -> None:
        self.used.setdefault(kind, set()).add(page)


def preflight_pdfx4(path: Path, grey: bool = False, max_ink: float = MAX_INK) -> list[Finding]:
    """Every PDF/X-4 rule this preflight knows that the file breaks (empty: it passes);
    `max_ink` the total ink allowed (1 a full ink)."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        return [Finding("encryption", "the file is encrypted")]
    with pdf:
        findings = []
        if pdf.is_encrypted:
            findings.append(Finding("encryption", "the file is encrypted"))
        if "/ID" not in pdf.trailer:
            findings.append(Finding("id", "the trailer has no /ID"))
        findings += metadata_findings(pdf)
        intent, intent_findings = output_intent(pdf)
        findings += intent_findings
        findings += box_findings(pdf)
        findings += annotation_findings(pdf)
        findings += colour_findings(used_colour(pdf, max_ink), intent, grey, max_ink)
        findings += font_findings(pdf)
        return findings


# --- document-level keys ---------------------------------------------------------------


def metadata_findings(pdf: pikepdf.Pdf) -> list[Finding]:
    findings = []
    info = pdf.trailer.get("/Info", Dictionary())
    if not str(info.get("/Title", "")).strip():
        findings.append(Finding("info.title", "the Info dictionary has no /Title"))
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        findings.append(Finding("info.trapped", "Info /Trapped is not /True or /False"))
    if "/Metadata" not in pdf.Root:
        return [*findings, Finding("xmp.missing", "the catalog has no XMP /Metadata")]
    meta = pdf.open_metadata()
    version = str(meta.get("pdfxid:GTS_PDFXVersion", ""))
    if not version.startswith("PDF/X-4"):
        findings.append(
            Finding("xmp.pdfx-version", f"pdfxid:GTS_PDFXVersion is {version!r}, not PDF/X-4")
        )
    for key in XMP_REQUIRED:
        if not meta.get(key):
            findings.append(Finding(f"xmp.{key.split(':')[1].lower()}", f"XMP has no {key}"))
    return findings


def output_intent(pdf: pikepdf.Pdf) -> tuple[str | None, list[Finding]]:
    """The colour space of the PDF/X output intent's profile ("grey", "rgb", "cmyk")."""
    intents = [i for i in pdf.Root.get("/OutputIntents", Array()) if i.get("/S") == "/GTS_PDFX"]
    if len(intents) != 1:
        return None, [
            Finding("output-intent.missing", f"{len(intents)} GTS_PDFX output intents, not 1")
        ]
    intent = intents[0]
    findings = []
    if not str(intent.get("/OutputConditionIdentifier", "")).strip():
        findings.append(Finding("output-intent.identifier", "no OutputConditionIdentifier"))
    profile = intent.get("/DestOutputProfile")
    if not isinstance(profile, pikepdf.Stream):
        return None, [
            *findings,
            Finding("output-intent.profile", "no embedded DestOutputProfile (PDF/X-4p only)"),
        ]
    header = profile.read_bytes()[:128]
    kind = PROFILE_SPACES.get(header[16:20])
    if header[12:16] != b"prtr" or kind is None:
        findings.append(
            Finding(
                "output-intent.profile",
                f"the profile is class {header[12:16]!r} of {header[16:20]!r}: an output "
                "intent needs an output ('prtr') profile of Gray, RGB or CMYK",
            )
        )
    elif int(profile.get("/N", 0)) != {"grey": 1, "rgb": 3, "cmyk": 4}[kind]:
        findings.append(Finding("output-intent.profile", "the profile's /N is not its colours"))
    return kind, findings


def box_findings(pdf: pikepdf.Pdf) -> list[Finding]:
    findings = []
    for number, page in enumerate(pdf.pages, 1):
        obj = page.obj
        media = rectangle(page.mediabox)
        has_trim, has_art = "/TrimBox" in obj, "/ArtBox" in obj
        if has_trim == has_art:
            findings.append(
                Finding("boxes.trim", "a page needs a TrimBox or an ArtBox, not both", number)
            )
        if "/BleedBox" not in obj:
            findings.append(Finding("boxes.bleed", "no BleedBox", number))
            continue
        bleed = rectangle(obj.BleedBox)
        if not inside(bleed, media):
            findings.append(
                Finding("boxes.bleed", "the BleedBox is not inside the MediaBox", number)
            )
        trim = rectangle(obj.TrimBox if has_trim else obj.ArtBox) if has_trim or has_art else None
        if trim is not None and not inside(trim, bleed):
            findings.append(Finding("boxes.trim", "the TrimBox is not inside the BleedBox", number))
    return findings


def rectangle(box: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def inside(inner: tuple[float, ...], outer: tuple[float, ...], slack: float = 0.01) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def annotation_findings(pdf: pikepdf.Pdf) -> list[Finding]:
    findings = []
    for number, page in enumerate(pdf.pages, 1):
        bleed = rectangle(page.obj.get("/BleedBox", page.mediabox))
        inside_bleed = [
            str(a.get("/Subtype", "?"))
            for a in page.obj.get("/Annots", Array())
            if str(a.get("/Subtype")) not in PRINTERS_ANNOTATIONS
            and overlaps(rectangle(a.get("/Rect", [0, 0, 0, 0])), bleed)
        ]
        if inside_bleed:
            kinds = ", ".join(sorted(set(inside_bleed)))
            findings.append(
                Finding(
                    "annotation.in-bleed",
                    f"{len(inside_bleed)} annotations ({kinds}) inside the BleedBox",
                    number,
                )
            )
    return findings


# --- colour --------------------------------------------------------------------------


def colour_findings(
    spaces: Spaces, intent: str | None, grey: bool, max_ink: float = MAX_INK
) -> list[Finding]:
    findings = []
    allowed = {"grey", intent} if intent else {"grey"}
    for kind, pages in sorted(spaces.used.items()):
        first = min(pages)
        if kind in ("rgb", "cmyk") and kind not in allowed:
            findings.append(
                Finding(
                    "colour.device-space",
                    f"Device{kind.upper()} on {len(pages)} pages, but the output intent is "
                    f"{intent or 'missing'}",
                    first,
                )
            )
        if grey and kind not in ("grey", "pattern"):
            findings.append(
                Finding(
                    "colour.not-grey",
                    f"{kind} colour on {len(pages)} pages of a greyscale interior",
                    first,
                )
            )
    for page, ink in spaces.ink[:1]:
        findings.append(
            Finding("colour.total-ink", f"{ink * 100:.0f} % ink (at most {max_ink:.0%})", page)
        )
    return findings


def space_name(space: Any) -> str:
    """A colour space as this preflight counts it: its device family or its kind."""
    if isinstance(space, Name):
        return DEVICE_SPACES.get(str(space), "pattern" if space == "/Pattern" else str(space))
    if isinstance(space, Array) and len(space) > 0:
        family = str(space[0])
        if family == "/ICCBased":
            return f"icc-{ {1: 'grey', 3: 'rgb', 4: 'cmyk'}.get(int(space[1].get('/N', 0)), 'n') }"
        if family in ("/Indexed",):
            return space_name(space[1])
        if family == "/Pattern":
            return "pattern" if len(space) == 1 else space_name(space[1])
        if family in ("/Separation", "/DeviceN"):
            return family[1:].lower()
        return family[1:].lower()
    return "unknown"


def device_kind(name: str) -> str:
    """ICC-based spaces count as what they hold for the greyscale check."""
    return name.removeprefix("icc-")


class ColourWalker:
    """Every colour space a PDF's content uses: operators, images, shadings, in pages,
    forms (nested), tiling patterns and annotation appearances."""

    def __init__(self, max_ink: float = MAX_INK) -> None:
        self.spaces = Spaces()
        self.max_ink = max_ink
        self.seen: set[tuple[int, int, int]] = set()

    def walk(self, pdf: pikepdf.Pdf) -> Spaces:
        for number, page in enumerate(pdf.pages, 1):
            resources = page.obj.get("/Resources", Dictionary())
            self.stream(page, resources, number)
            for annotation in page.obj.get("/Annots", Array()):
                for appearance in appearance_streams(annotation):
                    self.stream(appearance, appearance.get("/Resources", resources), number)
        return self.spaces

    def first_time(self, obj: Any, page: int) -> bool:
        if not obj.is_indirect:
            return True
        key = (*obj.objgen, page)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def use(self, space: Any, page: int) -> None:
        self.spaces.add(device_kind(space_name(space)), page)

    def stream(self, holder: Any, resources: Any, page: int) -> None:
        obj = holder.obj if isinstance(holder, pikepdf.Page) else holder
        if not isinstance(holder, pikepdf.Page) and not self.first_time(obj, page):
            return
        named = resources.get("/ColorSpace", Dictionary())
        for instruction in pikepdf.parse_content_stream(holder):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                image = instruction.iimage.obj
                space = image.get("/CS", image.get("/ColorSpace", Name.DeviceGray))
                self.use(named.get(space, space) if isinstance(space, Name) else space, page)
                continue
            operator, operands = str(instruction.operator), instruction.operands
            if operator in ("g", "G"):
                self.use(Name.DeviceGray, page)
            elif operator in ("rg", "RG"):
                self.use(Name.DeviceRGB, page)
            elif operator in ("k", "K"):
                self.use(Name.DeviceCMYK, page)
                self.ink(operands, page)
            elif operator in ("cs", "CS") and operands:
                self.use(named.get(operands[0], operands[0]), page)
            elif operator in ("sc", "scn", "SC", "SCN") and len(operands) == 4:
                self.ink(operands, page)  # four components: CMYK (device or ICC)
            elif operator == "Do" and operands:
                xobject = resources.get("/XObject", Dictionary()).get(operands[0])
                if xobject is not None:
                    self.xobject(xobject, resources, page)
            elif operator == "sh" and operands:
                shading = resources.get("/Shading", Dictionary()).get(operands[0])
                if shading is not None:
                    self.use(shading.get("/ColorSpace"), page)
        for name in resources.get("/Pattern", Dictionary()):
            pattern = resources.Pattern[name]
            if pattern.get("/PatternType") == 1:
                self.stream(pattern, pattern.get("/Resources", Dictionary()), page)
            elif "/Shading" in pattern:
                self.use(pattern.Shading.get("/ColorSpace"), page)

    def xobject(self, xobject: Any, resources: Any, page: int) -> None:
        subtype = xobject.get("/Subtype")
        if subtype == Name.Image:
            if not xobject.get("/ImageMask", False):
                self.use(xobject.get("/ColorSpace"), page)
                self.image_ink(xobject, page)
        elif subtype == Name.Form:
            self.stream(xobject, xobject.get("/Resources", resources), page)

    def ink(self, operands: Any, page: int) -> None:
        try:
            total = sum(float(v) for v in operands)
        except (TypeError, ValueError):
            return
        if total > self.max_ink + 1e-6:
            self.spaces.ink.append((page, total))

    def image_ink(self, image: Any, page: int) -> None:
        """The most ink at any pixel of a CMYK image (each image once)."""
        if device_kind(space_name(image.get("/ColorSpace"))) != "cmyk":
            return
        if not self.first_time(image, 0):
            return
        from makebook.pdf.print_colour import ink_peak

        try:
            picture = pikepdf.PdfImage(image).as_pil_image()
        except (pikepdf.PdfError, NotImplementedError, ValueError):
            return  # a filter Pillow cannot decode: its ink is not measured
        if picture.mode == "CMYK":
            total = ink_peak(picture) / 255
            if total > self.max_ink + 0.5 / 255:
                self.spaces.ink.append((page, total))


def appearance_streams(annotation: Any) -> Iterator[Any]:
    for state in annotation.get("/AP", Dictionary()).values():
        if isinstance(state, pikepdf.Stream):
            yield state
        elif isinstance(state, Dictionary):
            yield from (s for s in state.values() if isinstance(s, pikepdf.Stream))


def used_colour(pdf: pikepdf.Pdf, max_ink: float = MAX_INK) -> Spaces:
    return ColourWalker(max_ink).walk(pdf)


# --- fonts ---------------------------------------------------------------------------


def font_findings(pdf: pikepdf.Pdf) -> list[Finding]:
    missing: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, 1):
        for font in fonts_of(page.obj.get("/Resources", Dictionary()), seen):
            if not embedded(font):
                missing.setdefault(str(font.get("/BaseFont", "?")), number)
    return [
        Finding("font.not-embedded", f"{name} is not embedded", page)
        for name, page in missing.items()
    ]


def fonts_of(resources: Any, seen: set[tuple[int, int]]) -> Iterator[Any]:
    if resources.is_indirect:
        if resources.objgen in seen:
            return
        seen.add(resources.objgen)
    for name in resources.get("/Font", Dictionary()):
        yield resources.Font[name]
    for name in resources.get("/XObject", Dictionary()):
        xobject = resources.XObject[name]
        if xobject.get("/Subtype") == Name.Form and "/Resources" in xobject:
            yield from fonts_of(xobject.Resources, seen)


def embedded(font: Any) -> bool:
    if font.get("/Subtype") == Name.Type3:
        return True  # its glyphs are content streams in the file
    if font.get("/Subtype") == Name.Type0:
        font = font.DescendantFonts[0]
    descriptor = font.get("/FontDescriptor", Dictionary())
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


# --- command line --------------------------------------------------------------------


def preflight_pdfua1(path: Path, grey: bool = False, max_ink: float = MAX_INK) -> list[Any]:
    """PDF/UA-1's machine-checkable rules (pdf/preflight_ua.py); `grey` and `max_ink` do
    not apply."""
    from makebook.pdf import preflight_ua

    return list(preflight_ua.preflight(path))


STANDARDS = {"pdf/x-4": preflight_pdfx4, "pdf/ua-1": preflight_pdfua1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="preflight",
        description="Check a PDF against the machine-checkable rules of a standard.",
    )
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--standard", choices=sorted(STANDARDS), default="pdf/x-4")
    parser.add_argument("--grey", action="store_true", help="a greyscale interior: DeviceGray only")
    parser.add_argument(
        "--max-ink", type=float, default=MAX_INK * 100, metavar="PERCENT",
        help="the most total ink a CMYK colour may have (default 300; IngramSpark covers 240)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not args.pdf.is_file():
        print(f"{args.pdf}: no such file", file=sys.stderr)
        return 2
    try:
        findings = STANDARDS[args.standard](args.pdf, grey=args.grey, max_ink=args.max_ink / 100)
    except pikepdf.PdfError as exc:  # not a PDF, or damaged past repair
        print(f"{args.pdf}: cannot be read as a PDF ({exc})", file=sys.stderr)
        return 2
    for finding in findings:
        print(finding)
    print(f"{args.pdf}: {len(findings)} findings ({args.standard}; not a veraPDF certification)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
