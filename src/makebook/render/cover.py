"""The book's cover: the author's image, checked, or a clean typographic one made here."""

from __future__ import annotations

import functools
import hashlib
import io
import textwrap
from pathlib import Path

from makebook.files import write_atomically
from makebook.manuscript.styles import find_font
from makebook.model import Book, Cover, Metadata

WIDTH, HEIGHT = 1600, 2560
BACKGROUND = (38, 52, 64)
INK = (244, 238, 226)
ACCENT = (196, 170, 120)
COVER_FONTS = ("SourceSerifPro-Semibold.ttf", "SourceSerifPro-It.ttf", "SourceSansPro-Semibold.ttf")


def book_cover(book: Book, cache: Path | None = None) -> Cover:
    meta = book.meta
    alt = f"Cover: {meta.title}" + (f", by {meta.author_line}" if meta.authors else "")
    if meta.cover:
        return cover_as_stored(book.root / meta.cover, alt)
    return Cover(cached_cover(meta, book.styles_dir, cache), "image/png", "cover.png", alt)


def cover_as_stored(path: Path, alt: str) -> Cover:
    """The author's cover under the media type of its bytes, whatever its name says
    (a JPEG named .png fails EPUBCheck); a format stores do not take becomes PNG."""
    from PIL import Image

    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        fmt = "JPEG" if image.format in ("JPEG", "MPO") else image.format
        if fmt not in ("JPEG", "PNG"):
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            data, fmt = buffer.getvalue(), "PNG"
    if fmt == "JPEG":
        return Cover(data, "image/jpeg", "cover.jpg", alt)
    return Cover(data, "image/png", "cover.png", alt)


def cached_cover(meta: Metadata, styles_dir: Path, cache: Path | None) -> bytes:
    """The generated cover from an earlier build when its text and fonts are the same."""
    if cache is None:
        return generated_cover(meta, styles_dir)
    fonts = [find_font(styles_dir, f"fonts/{name}") for name in COVER_FONTS]
    digest = hashlib.sha256(repr((meta.title, meta.subtitle, meta.author_line)).encode())
    for font in fonts:
        digest.update(font.read_bytes() if font else b"?")
    path = cache / f"cover-{digest.hexdigest()}.png"
    try:
        data = path.read_bytes()
        if data.startswith(b"\x89PNG"):
            return data
    except OSError:
        pass
    data = generated_cover(meta, styles_dir)
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob("cover-*.png"):
        old.unlink(missing_ok=True)
    write_atomically(path, data)
    return data


def _font(styles_dir: Path, name: str, size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    path = find_font(styles_dir, f"fonts/{name}")
    if path is None:
        raise FileNotFoundError(name)
    return ImageFont.truetype(str(path), size)


def _centred(draw, y: int, lines: list[str], font, fill) -> int:  # type: ignore[no-untyped-def]
    for line in lines:
        left, _, right, _ = draw.textbbox((0, 0), line, font=font)
        draw.text(((WIDTH - (right - left)) / 2 - left, y), line, font=font, fill=fill)
        y += int(font.size * 1.25)
    return y


@functools.lru_cache(maxsize=8)
def generated_cover(meta: Metadata, styles_dir: Path) -> bytes:
    """Drawn once per title and author in a process (the preview rebuilds on every save)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font = _font(styles_dir, COVER_FONTS[0], 150)
    subtitle_font = _font(styles_dir, COVER_FONTS[1], 70)
    author_font = _font(styles_dir, COVER_FONTS[2], 80)
    draw.rectangle((120, 120, WIDTH - 120, HEIGHT - 120), outline=ACCENT, width=6)
    y = _centred(draw, 620, textwrap.wrap(meta.title, 14), title_font, INK)
    if meta.subtitle:
        draw.line((WIDTH / 2 - 160, y + 50, WIDTH / 2 + 160, y + 50), fill=ACCENT, width=5)
        _centred(draw, y + 130, textwrap.wrap(meta.subtitle, 34), subtitle_font, INK)
    _centred(draw, HEIGHT - 560, [meta.author_line.upper()], author_font, ACCENT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
