"""Images, read whole before they are used: what each really is, and what its EPUB copy
will change.

Every bitmap is decoded completely (a truncated JPEG is found here, not by a
reader), its bytes are checked against the format its name claims, and a picture
too large for the stores is reported as scaled down for the EPUB only
(epub/images.py makes that copy; the print edition keeps the author's full
resolution). The cover is checked here too.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from makebook.errors import Diagnostics
from makebook.manuscript.svg import clean_svg_file

# Apple Books refuses an EPUB holding an image above 5.6 million pixels (Apple Books
# Asset Guide, "Images"), and recommends interior images well under it; 4 million
# pixels (2000 x 2000) is what other guides give and keeps a photo under the 5 MB KDP
# allows per image. Larger images are scaled down to it in the EPUB.
EPUB_MAX_PIXELS = 4_000_000
# Stores ask for a cover at least this many pixels high (KDP, Apple Books: 1600 x 2560).
COVER_MIN_HEIGHT = 1600
MEMO_VERSION = 1  # raise when what decode() finds changes
FORMAT_OF_SUFFIX = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
SUFFIX_OF_FORMAT = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
MEDIA_TYPE_OF_FORMAT = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "SVG": "image/svg+xml",
}
SAME_FORMAT = {"MPO": "JPEG"}  # a camera's JPEG with a second frame is a JPEG to readers
BOMB_SIZE = re.compile(r"\((\d+) pixels\)")


class ImageProblem(Exception):
    """Why an image cannot be used, and what to do about it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class ImageFacts:
    format: str  # PNG, JPEG, GIF, WEBP or SVG: what the bytes are, whatever the name says
    width: int = 0
    height: int = 0
    removed: tuple[str, ...] = ()  # what cleaning took out of an SVG

    @property
    def pixels(self) -> int:
        return self.width * self.height


# What decoding found for each bitmap already read whole, by the digest of its bytes:
# an edit to the text need not decode every photo of the book again. build() keeps it
# in the cache folder between runs (read_memo / memo_text); damaged files never enter.
_decoded: dict[str, ImageFacts] = {}
_used: set[str] = set()  # the digests read since read_memo: what the book now shows


def inspect(path: Path) -> ImageFacts:
    """What the file really is, after reading all of it; raises ImageProblem."""
    if path.suffix.lower() == ".svg":
        return inspect_svg(path)
    data = path.read_bytes()
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if digest not in _decoded:
        _decoded[digest] = decode(data)
    _used.add(digest)
    return _decoded[digest]


def read_memo(path: Path) -> None:
    """Take what earlier builds decoded; a file that is missing, damaged or of another
    version of makebook is ignored (the images are decoded again)."""
    _used.clear()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != MEMO_VERSION:
            return
        for digest, (fmt, width, height) in data["images"].items():
            if isinstance(fmt, str) and isinstance(width, int) and isinstance(height, int):
                _decoded.setdefault(digest, ImageFacts(fmt, width, height))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return


def memo_text() -> str:
    """The memo of the images the book shows now, as JSON, for read_memo next time."""
    images = {d: [f.format, f.width, f.height] for d, f in sorted(_decoded.items()) if d in _used}
    return json.dumps({"version": MEMO_VERSION, "images": images})


def decode(data: bytes) -> ImageFacts:
    """Decode every byte of a bitmap; raises ImageProblem."""
    from PIL import Image, ImageFile

    limit = Image.MAX_IMAGE_PIXELS or 0
    # WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is
    # imported (as it is in `--watch`, `preview` and the tests): a truncated file would then
    # load without an error. It is switched off while the author's image is read.
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; both are refused here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # decodes every byte: a damaged file fails here
                fmt = SAME_FORMAT.get(image.format or "", image.format or "")
                return ImageFacts(fmt, *image.size)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        found = BOMB_SIZE.search(str(exc))
        size = f"{int(found.group(1)) / 1e6:.0f} megapixels" if found else "too many pixels"
        raise ImageProblem(
            f"is too large to read safely: {size}, above the limit of {limit / 1e6:.0f} megapixels",
            "scale it down in an image editor: 300 dpi across a 6-inch page is 1800 pixels "
            "wide, so a few thousand pixels a side is plenty for print",
        ) from None
    except Exception as exc:  # Pillow raises many kinds for damaged data; all mean the same
        raise ImageProblem(
            f"is damaged or not a complete image ({describe(exc)})",
            "export it again from an image editor; a file cut short by a download or "
            "a copy looks like this",
        ) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def describe(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.replace(" (", ", ").rstrip(")") if len(text) < 120 else text[:117] + "..."


def inspect_svg(path: Path) -> ImageFacts:
    try:
        _, removed = clean_svg_file(path.read_bytes())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ImageProblem(
            f"is not a readable SVG image ({describe(exc)})",
            "export it again from a drawing program as plain SVG",
        ) from None
    return ImageFacts("SVG", removed=tuple(removed))


def named_format(path: Path) -> str:
    return "SVG" if path.suffix.lower() == ".svg" else FORMAT_OF_SUFFIX.get(path.suffix.lower(), "")


def notes(relative: str, facts: ImageFacts) -> list[tuple[str, str]]:
    """(message, hint) for every change the EPUB's copy of the image will have."""
    found = []
    named = named_format(Path(relative))
    if facts.format != "SVG" and facts.format != named:
        target = facts.format if facts.format in SUFFIX_OF_FORMAT else "PNG"
        how = "converted to" if target != facts.format else "packed as"
        found.append(
            (
                f"image '{relative}' is a {facts.format} file, though its name says {named}; "
                f"the EPUB carries it {how} {target}",
                f"rename it to {Path(relative).stem}{SUFFIX_OF_FORMAT[target]}, "
                f"or export it again as {named}",
            )
        )
    if facts.pixels > EPUB_MAX_PIXELS:
        found.append(
            (
                f"image '{relative}' is {facts.width} x {facts.height} pixels; the EPUB "
                f"carries it scaled down to {EPUB_MAX_PIXELS // 1_000_000} million pixels, "
                "the PDFs at full size",
                "nothing to do: stores refuse larger images in an EPUB (Apple Books: 5.6 "
                "million pixels); export a smaller copy yourself to choose the crop",
            )
        )
    if facts.removed:
        found.append(
            (
                f"SVG '{relative}': removed {', '.join(facts.removed)}; a book cannot run "
                "scripts or load other files",
                "export it again without scripts, links to other files or web addresses; "
                "embed pictures it needs",
            )
        )
    return found


def check_cover(path: Path, shown: str, diagnostics: Diagnostics) -> None:
    """Stores want JPEG or PNG, RGB, and at least 1600 px on the long side."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            fmt, mode, (_, height) = image.format, image.mode, image.size
    except OSError:
        diagnostics.error(f"cover '{shown}' is not an image", Path("book.toml"))
        return
    if fmt not in ("JPEG", "PNG"):
        diagnostics.warn(f"cover '{shown}' is {fmt}; stores expect JPEG or PNG", Path("book.toml"))
    if mode not in ("RGB", "L", "P", "RGBA"):
        diagnostics.warn(f"cover '{shown}' is in {mode} colour; use RGB", Path("book.toml"))
    if height < COVER_MIN_HEIGHT:
        diagnostics.warn(
            f"cover '{shown}' is {height} px high; stores ask for at least {COVER_MIN_HEIGHT}",
            Path("book.toml"),
            hint="export it at 1600 x 2560 px",
        )
