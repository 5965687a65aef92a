"""The print edition made ready for the printer, once, on the final PDF of either layout
(chapter by chapter or `--release`): a greyscale interior under a grey output intent,
without link annotations.

WeasyPrint writes every colour in DeviceRGB (text `0 0 0 rg`, running heads #333, the
figures) under whatever output intent its stylesheet names; a one-ink press would get
RGB to separate through a CMYK profile, and body black would come out as four inks.
Here every colour is converted to DeviceGray through one profile (grey_profile.py):
colour operators in every content stream (pages, forms, tiling patterns), shadings
and images (Pillow's ImageCms, sRGB to the grey output profile, relative colorimetric
with black point compensation, so black stays 100 % black and #333 stays lighter).
Links print as text already; their annotations (PDF/X forbids annotations inside the
bleed box) are removed with their place in the structure tree.

The print cover (pdf/cover.py) goes through the same conversion to CMYK, with the total
ink its service allows (`max_ink`): a colour over it has its grey component moved to
black, then its cyan, magenta and yellow scaled down, in vector colours and images alike.
"""

from __future__ import annotations

import functools
import io
import math
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, ContentStreamInstruction, Dictionary, Name, Operator, String
from PIL import Image, ImageCms, ImageMath

from makebook.pdf.grey_profile import CONDITION, CONDITION_INFO, grey_output_profile

# A colour interior ([print] color = true) is separated for the only CMYK printer profile
# makebook can ship: Ghostscript's default (Debian's libgs-common), which the layout
# already reads for CSS device-cmyk() colours. Not a registered condition either: "Custom".
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
CMYK_CONDITION = "Custom CMYK: Ghostscript's default CMYK output profile (SWOP-like, coated)"
CMYK_INFO = (
    "Custom condition: Artifex CMYK SWOP Profile (Ghostscript default_cmyk.icc), "
    "relative colorimetric from sRGB with black point compensation; neutral greys as black only."
)


MAX_INK = 3.0  # total ink (C+M+Y+K, 1 each) of a colour interior: the profile's own limit


def after(
    wait: Callable[[], None], pdf: Path, colour: bool = False, max_ink: float = MAX_INK
) -> Callable[[], None]:
    """`wait` (the edition being written to `pdf`), then make the file print-ready."""

    def waited() -> None:
        wait()
        make_print_ready(pdf, colour, max_ink)

    return waited


def make_print_ready(path: Path, colour: bool = False, max_ink: float = MAX_INK) -> None:
    """Greyscale (or, with `colour`, CMYK of at most `max_ink`) under a matching output
    intent, no annotations."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        ColourConverter(pdf, colour, max_ink).convert()
        remove_annotations(pdf)
        if colour:
            set_output_intent(pdf, CMYK_PROFILE.read_bytes(), 4, CMYK_CONDITION, CMYK_INFO)
        else:
            set_output_intent(pdf, grey_output_profile(), 1, CONDITION, CONDITION_INFO)
        set_boxes(pdf)
        pdf.save(
            path,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            deterministic_id=True,
        )


# --- colour ------------------------------------------------------------------------


@functools.cache
def rgb_to_grey() -> ImageCms.ImageCmsTransform:
    grey = ImageCms.ImageCmsProfile(io.BytesIO(grey_output_profile()))
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"),
        grey,
        "RGB",
        "L",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


@functools.cache
def rgb_to_cmyk() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"),
        ImageCms.getOpenProfile(str(CMYK_PROFILE)),
        "RGB",
        "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


@functools.cache
def cmyk_of_rgb(red: float, green: float, blue: float) -> tuple[float, ...]:
    """A DeviceRGB colour as CMYK for the colour interior; a neutral grey as black only, so
    black text is one ink (through the profile it would be four, near 300 %)."""
    if max(red, green, blue) - min(red, green, blue) < 0.004:
        return (0.0, 0.0, 0.0, round(1 - grey_of_rgb(red, green, blue), 4))
    pixel = Image.new(
        "RGB", (1, 1), tuple(round(max(0, min(1, c)) * 255) for c in (red, green, blue))
    )
    cmyk = ImageCms.applyTransform(pixel, rgb_to_cmyk()).getpixel((0, 0))
    return tuple(round(v / 255, 4) for v in cmyk)


@functools.cache
def grey_of_rgb(red: float, green: float, blue: float) -> float:
    """A DeviceRGB colour (0-1 each) as DeviceGray, through the same transform as images."""
    pixel = Image.new(
        "RGB", (1, 1), tuple(round(max(0, min(1, c)) * 255) for c in (red, green, blue))
    )
    return round(ImageCms.applyTransform(pixel, rgb_to_grey()).getpixel((0, 0)) / 255, 4)


def grey_of_cmyk(cyan: float, magenta: float, yellow: float, black: float) -> float:
    """An approximation (no CMYK source profile is known for an author's device-cmyk())."""
    return round(max(0.0, 1.0 - min(1.0, 0.3 * cyan + 0.59 * magenta + 0.11 * yellow + black)), 4)


def grey_of_lab(lightness: float, *_: float) -> float:
    """CIE L* to grey: the luminance, then as through the grey profile."""
    y = ((lightness + 16) / 116) ** 3 if lightness > 8 else lightness / 903.3
    return grey_of_rgb(*(srgb_encoded(y),) * 3)


def srgb_encoded(linear: float) -> float:
    return 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055


def space_kind(space: Any) -> tuple[str, int]:
    """What a colour space is, for conversion: ("rgb"|"cmyk"|"grey"|"lab"|"pattern"|"other", n)."""
    if isinstance(space, Name):
        return {
            "/DeviceRGB": ("rgb", 3), "/DeviceCMYK": ("cmyk", 4), "/DeviceGray": ("grey", 1),
            "/Pattern": ("pattern", 0), "/RGB": ("rgb", 3), "/G": ("grey", 1),
        }.get(str(space), ("other", 0))  # fmt: skip
    if isinstance(space, Array) and len(space) > 0:
        family = str(space[0])
        if family == "/ICCBased":
            n = int(space[1].get("/N", 0))
            return {1: ("grey", 1), 3: ("rgb", 3), 4: ("cmyk", 4)}.get(n, ("other", n))
        if family == "/Lab":
            return ("lab", 3)
        if family == "/Pattern":
            return ("pattern", 0)
        if family == "/CalRGB":
            return ("rgb", 3)
        if family == "/CalGray":
            return ("grey", 1)
    return ("other", 0)


def grey_of(kind: str, values: list[float]) -> float | None:
    if kind == "rgb" and len(values) == 3:
        return grey_of_rgb(*values)
    if kind == "cmyk" and len(values) == 4:
        return grey_of_cmyk(*values)
    if kind == "lab" and values:
        return grey_of_lab(*values)
    if kind == "grey" and len(values) == 1:
        return values[0]
    return None


def within_ink(cmyk: tuple[float, ...], max_ink: float) -> tuple[float, ...]:
    """A CMYK colour with at most `max_ink` in all: first the grey its three colours share
    becomes black (each unit moved saves two of ink), then they are scaled down."""
    cyan, magenta, yellow, black = cmyk
    excess = cyan + magenta + yellow + black - max_ink
    if excess <= 1e-6:
        return cmyk
    moved = max(0.0, min(cyan, magenta, yellow, excess / 2, 1 - black))
    cyan, magenta, yellow, black = cyan - moved, magenta - moved, yellow - moved, black + moved
    colours, room = cyan + magenta + yellow, max(0.0, max_ink - black)
    if colours > room:
        cyan, magenta, yellow = (c * room / colours for c in (cyan, magenta, yellow))
    return tuple(math.floor(v * 10000) / 10000 for v in (cyan, magenta, yellow, black))  # not over


def image_within_ink(image: Image.Image, max_ink: float) -> Image.Image:
    """A CMYK image with at most `max_ink` at every pixel, as within_ink does to a colour
    (in 8-bit integers, with Pillow's ImageMath: no pixel loop in Python)."""
    limit = int(max_ink * 255)
    if ink_peak(image) <= limit:
        return image
    c, m, y, k = (channel.convert("I") for channel in image.split())

    def moved(a: dict[str, Any]) -> Any:
        excess = a["max"](a["c"] + a["m"] + a["y"] + a["k"] - limit, 0)
        shared = a["min"](a["min"](a["c"], a["m"]), a["y"])
        return a["min"](a["min"](shared, (excess + 1) / 2), 255 - a["k"])

    x = ImageMath.lambda_eval(moved, c=c, m=m, y=y, k=k)
    c, m, y = (ImageMath.lambda_eval(lambda a: a["v"] - a["x"], v=v, x=x) for v in (c, m, y))
    k = ImageMath.lambda_eval(lambda a: a["k"] + a["x"], k=k, x=x)

    def scaled(a: dict[str, Any]) -> Any:
        colours = a["c"] + a["m"] + a["y"]
        room = a["max"](limit - a["k"], 0)
        return a["v"] * a["min"](colours, room) / a["max"](colours, 1)

    channels = [
        ImageMath.lambda_eval(scaled, v=v, c=c, m=m, y=y, k=k).convert("L") for v in (c, m, y)
    ]
    return Image.merge("CMYK", [*channels, k.convert("L")])


def ink_peak(image: Image.Image) -> int:
    """The most ink at any pixel of a CMYK image, 255 a full ink."""
    total = ImageMath.lambda_eval(
        lambda a: a["c"] + a["m"] + a["y"] + a["k"],
        **{n: ch.convert("I") for n, ch in zip("cmyk", image.split(), strict=True)},
    )
    return int(total.getextrema()[1])


def cmyk_of(kind: str, values: list[float]) -> tuple[float, ...] | None:
    """A colour as CMYK for the colour interior (Lab and grey as black only)."""
    if kind == "rgb" and len(values) == 3:
        return cmyk_of_rgb(*values)
    if kind == "cmyk" and len(values) == 4:
        return tuple(values)
    grey = grey_of(kind, values)
    return None if grey is None else (0.0, 0.0, 0.0, round(1 - grey, 4))


class ColourConverter:
    """Rewrites every colour of a PDF to DeviceGray (or, for a colour interior, grey stays
    DeviceGray and the rest becomes DeviceCMYK), each stream and image once."""

    def __init__(self, pdf: pikepdf.Pdf, colour: bool = False, max_ink: float = MAX_INK) -> None:
        self.pdf = pdf
        self.colour = colour
        self.max_ink = max_ink
        self.done: set[tuple[int, int]] = set()

    def target(self, kind: str) -> str:
        """The space a colour of `kind` ends in: "grey" or, in a colour interior, "cmyk"."""
        return "cmyk" if self.colour and kind in ("rgb", "cmyk", "lab") else "grey"

    def values(self, kind: str, values: list[float]) -> list[float]:
        if self.target(kind) == "cmyk":
            return list(within_ink(cmyk_of(kind, values) or (0.0, 0.0, 0.0, 1.0), self.max_ink))
        grey = grey_of(kind, values)
        return [grey if grey is not None else 0.0]

    def setting(self, kind: str, values: list[float], stroking: bool) -> ContentStreamInstruction:
        """`g`/`G`, or `k`/`K` in a colour interior, for a colour given in another space."""
        operator = "k" if self.target(kind) == "cmyk" else "g"
        converted: list[Any] = self.values(kind, values)
        return ContentStreamInstruction(
            converted, Operator(operator.upper() if stroking else operator)
        )

    def convert(self) -> None:
        for page in self.pdf.pages:
            self.content(page.obj, page.obj.get("/Resources", Dictionary()), is_page=True)

    def once(self, obj: Any) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in self.done:
            return False
        self.done.add(obj.objgen)
        return True

    def content(self, holder: Any, resources: Any, is_page: bool = False) -> None:
        """Rewrite the colour operators of a page, form or tiling pattern, then what it uses."""
        if not is_page and not self.once(holder):
            return
        instructions = pikepdf.parse_content_stream(holder)
        rewritten = list(self.rewritten(instructions, resources))
        data = pikepdf.unparse_content_stream(rewritten)
        if is_page:
            pikepdf.Page(holder).contents_coalesce()
            holder.Contents.write(data)
        else:
            holder.write(data)
        self.resources(resources)

    def rewritten(self, instructions: list[Any], resources: Any) -> Iterator[Any]:
        spaces = resources.get("/ColorSpace", Dictionary())
        fill, stroke = ("grey", 1), ("grey", 1)
        stack: list[tuple[tuple[str, int], tuple[str, int]]] = []
        for instruction in instructions:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                yield instruction  # WeasyPrint writes none; the preflight reports any
                continue
            operands, operator = instruction.operands, str(instruction.operator)
            if operator == "q":
                stack.append((fill, stroke))
            elif operator == "Q" and stack:
                fill, stroke = stack.pop()
            if operator in ("rg", "RG", "k", "K"):
                kind = "rgb" if operator in ("rg", "RG") else "cmyk"
                values = [float(v) for v in operands]
                yield self.setting(kind, values, stroking=operator.isupper())
                continue
            if operator in ("cs", "CS"):
                name = operands[0]
                space = spaces.get(name, name) if isinstance(spaces, Dictionary) else name
                kind = space_kind(space)
                if operator == "cs":
                    fill = kind
                else:
                    stroke = kind
                if kind[0] == "pattern":
                    yield instruction
                else:
                    device = Name.DeviceCMYK if self.target(kind[0]) == "cmyk" else Name.DeviceGray
                    yield ContentStreamInstruction([device], Operator(operator))
                continue
            if operator in ("sc", "scn", "SC", "SCN"):
                kind = fill if operator.islower() else stroke
                if kind[0] == "pattern":
                    yield instruction
                    continue
                values = [float(v) for v in operands if not isinstance(v, Name)]
                converted: list[Any] = self.values(kind[0], values)
                yield ContentStreamInstruction(converted, Operator(operator))
                continue
            yield instruction

    def resources(self, resources: Any) -> None:
        for name in list(resources.get("/XObject", Dictionary()).keys()):
            xobject = resources.XObject[name]
            subtype = xobject.get("/Subtype")
            if subtype == Name.Image:
                self.image(xobject)
            elif subtype == Name.Form:
                self.blending_space(xobject)
                self.content(xobject, xobject.get("/Resources", resources))
        for name in list(resources.get("/Pattern", Dictionary()).keys()):
            pattern = resources.Pattern[name]
            if pattern.get("/PatternType") == 1:
                self.content(pattern, pattern.get("/Resources", Dictionary()))
            elif "/Shading" in pattern:
                self.shading(pattern.Shading)
        for name in list(resources.get("/Shading", Dictionary()).keys()):
            self.shading(resources.Shading[name])
        # Every space is DeviceGray now (or a pattern): the others are no longer used.
        spaces = resources.get("/ColorSpace")
        if isinstance(spaces, Dictionary):
            for name in list(spaces.keys()):
                if space_kind(spaces[name])[0] != "pattern":
                    del spaces[name]

    def blending_space(self, form: Any) -> None:
        """A form's transparency group blends in the interior's own space. WeasyPrint gives
        an SVG drawing the CMYK profile's ICC space, which a grey book would carry (140 KB)
        for a blend that never sees a colour."""
        group = form.get("/Group")
        if isinstance(group, Dictionary) and "/CS" in group:
            group.CS = Name.DeviceCMYK if self.colour else Name.DeviceGray

    def shading(self, shading: Any) -> None:
        if not self.once(shading):
            return
        kind = space_kind(shading.get("/ColorSpace"))
        function = shading.get("/Function")
        stops = stop_components(function)
        if stops not in (None, kind[1]):
            # WeasyPrint 70 labels a gradient's RGB stops with the output intent's CMYK
            # (ICCBased, N 4) in a PDF/X variant: the stops say what they are.
            kind = {1: ("grey", 1), 3: ("rgb", 3), 4: ("cmyk", 4)}.get(stops, kind)
        if kind[0] == "grey" and stops in (None, 1):
            shading.ColorSpace = Name.DeviceGray
            return
        if function is not None and self.converted_function(function, kind[0]):
            cmyk = self.target(kind[0]) == "cmyk"
            shading.ColorSpace = Name.DeviceCMYK if cmyk else Name.DeviceGray

    def converted_function(self, function: Any, kind: str) -> bool:
        """Type 2 (exponential) and 3 (stitching) functions: WeasyPrint's gradients."""
        if isinstance(function, Array):
            return False
        if function.get("/FunctionType") == 2:
            for key in ("/C0", "/C1"):
                values = [float(v) for v in function.get(key, Array([0.0] * 3))]
                function[key] = Array(self.values(kind, values))
            return True
        if function.get("/FunctionType") == 3:
            return all(self.converted_function(f, kind) for f in function.Functions)
        return False

    def image(self, image: Any) -> None:
        if not self.once(image) or image.get("/ImageMask", False):
            return
        kind = space_kind(image.get("/ColorSpace"))
        if kind[0] == "grey" and int(image.get("/BitsPerComponent", 8)) == 8:
            image.ColorSpace = Name.DeviceGray
            return
        picture = pikepdf.PdfImage(image).as_pil_image()
        if kind[0] == "cmyk" and self.colour:
            if picture.mode != "CMYK" or ink_peak(picture) <= int(self.max_ink * 255):
                return
            self.write_image(image, image_within_ink(picture, self.max_ink), Name.DeviceCMYK)
            return
        if picture.mode == "CMYK" or picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")  # no source profile known: Pillow's naive one
        if picture.mode == "L":
            result, space = picture, Name.DeviceGray
        elif self.colour:
            result = image_within_ink(ImageCms.applyTransform(picture, rgb_to_cmyk()), self.max_ink)
            space = Name.DeviceCMYK
        else:
            result, space = ImageCms.applyTransform(picture, rgb_to_grey()), Name.DeviceGray
        self.write_image(image, result, space)

    def write_image(self, image: Any, result: Image.Image, space: Name) -> None:
        """The converted pixels in place of the image's own."""
        was_jpeg = image.get("/Filter") == Name.DCTDecode
        for key in ("/DecodeParms", "/Decode", "/Filter"):
            if key in image:
                del image[key]
        if was_jpeg and result.mode == "L":
            buffer = io.BytesIO()
            result.save(buffer, "JPEG", quality=92)
            image.write(buffer.getvalue(), filter=Name.DCTDecode)
        else:  # CMYK JPEGs from Pillow are inverted (Adobe's convention): Flate instead
            image.write(zlib.compress(result.tobytes()), filter=Name.FlateDecode)
        image.ColorSpace = space
        image.BitsPerComponent = 8


def stop_components(function: Any) -> int | None:
    """How many components a gradient's colour stops have (its type 2 functions' C0)."""
    if not isinstance(function, Dictionary):
        return None
    if function.get("/FunctionType") == 3 and len(function.get("/Functions", ())) > 0:
        return stop_components(function.Functions[0])
    if function.get("/FunctionType") == 2:
        return len(function.get("/C0", Array([0.0])))
    return None


# --- annotations, output intent, boxes -----------------------------------------------


def remove_annotations(pdf: pikepdf.Pdf) -> None:
    """No annotation on a printed page; the structure tree forgets the links' objects."""
    removed: set[tuple[int, int]] = set()
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", Array()):
            if annotation.is_indirect:
                removed.add(annotation.objgen)
        if "/Annots" in page.obj:
            del page.obj["/Annots"]
    root = pdf.Root.get("/StructTreeRoot")
    if root is not None and removed:
        forget_objects(root, removed, set())


def forget_objects(element: Any, removed: set[tuple[int, int]], seen: set[Any]) -> None:
    if element.is_indirect:
        if element.objgen in seen:
            return
        seen.add(element.objgen)
    kids = element.get("/K")
    if isinstance(kids, Array):
        kept = [kid for kid in kids if not is_removed_object(kid, removed)]
        if len(kept) != len(kids):
            element.K = Array(kept)
        for kid in kept:
            if isinstance(kid, Dictionary) and kid.get("/Type") != Name.OBJR:
                forget_objects(kid, removed, seen)
    elif isinstance(kids, Dictionary):
        if is_removed_object(kids, removed):
            del element["/K"]
        elif kids.get("/Type") != Name.OBJR:
            forget_objects(kids, removed, seen)


def is_removed_object(kid: Any, removed: set[tuple[int, int]]) -> bool:
    if not isinstance(kid, Dictionary) or kid.get("/Type") != Name.OBJR:
        return False
    target = kid.get("/Obj")
    return target is not None and target.objgen in removed


def set_output_intent(
    pdf: pikepdf.Pdf, icc: bytes, components: int, condition: str, info: str
) -> None:
    """One PDF/X output intent: the profile, a custom (described) condition."""
    profile = pdf.make_stream(zlib.compress(icc))
    profile.Filter = Name.FlateDecode
    profile.N = components
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFX,
        OutputConditionIdentifier=String("Custom"),
        OutputCondition=String(condition),
        Info=String(info),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def set_boxes(pdf: pikepdf.Pdf) -> None:
    """Trim and bleed boxes on every page (WeasyPrint writes them; a page without gets the
    media box: no bleed)."""
    for page in pdf.pages:
        media = page.obj.MediaBox
        for key in ("/BleedBox", "/TrimBox"):
            if key not in page.obj:
                page.obj[key] = Array(list(media))
