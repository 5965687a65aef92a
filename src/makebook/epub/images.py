"""The copy of each image the EPUB carries: a cleaned SVG, or a bitmap in the format
its name says and no larger than the stores accept (the loader warned of both:
manuscript/images.py). The print editions use the author's file at full size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from makebook.manuscript.images import (
    EPUB_MAX_PIXELS,
    MEDIA_TYPE_OF_FORMAT,
    SAME_FORMAT,
    SUFFIX_OF_FORMAT,
    named_format,
)
from makebook.manuscript.svg import clean_svg_file


@dataclass(frozen=True)
class PackedImage:
    """An image as the EPUB carries it."""

    name: str  # the file's path in the EPUB's media folder
    media_type: str
    data: bytes


def epub_image(path: Path, relative: str) -> PackedImage:
    """The EPUB's copy of an image the loader checked: a cleaned SVG, or a bitmap in the
    format its name says, no larger than the stores accept."""
    if path.suffix.lower() == ".svg":
        data, _ = clean_svg_file(path.read_bytes())
        return PackedImage(relative, "image/svg+xml", data)
    from PIL import Image

    data = path.read_bytes()
    named = named_format(path)
    with Image.open(io.BytesIO(data)) as image:
        fmt = SAME_FORMAT.get(image.format or "", image.format or "")
        target = fmt if fmt in SUFFIX_OF_FORMAT else "PNG"
        too_large = image.width * image.height > EPUB_MAX_PIXELS
        if fmt == named and not too_large:
            return PackedImage(relative, MEDIA_TYPE_OF_FORMAT[target], data)
        if too_large or target != fmt:
            data = encoded(scaled(image), target)
    name = relative if target == named else relative + SUFFIX_OF_FORMAT[target]
    return PackedImage(name, MEDIA_TYPE_OF_FORMAT[target], data)


def scaled(image):  # type: ignore[no-untyped-def]
    """The image at no more than EPUB_MAX_PIXELS, its proportions kept."""
    pixels = image.width * image.height
    if pixels <= EPUB_MAX_PIXELS:
        return image
    factor = (EPUB_MAX_PIXELS / pixels) ** 0.5
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    return image.resize(size)


def encoded(image, fmt: str) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(buffer, format="JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        if image.mode in ("CMYK", "YCbCr", "I;16"):
            image = image.convert("RGB")
        image.save(buffer, format="PNG", optimize=True)
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()
