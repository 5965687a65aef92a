"""Reads a manuscript folder into a `Book`; the only code that reads the manuscript.

All checks that can name a file and line happen here, and all of them run
before anything is reported, so the author sees every problem at once.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import replace
from pathlib import Path

from .bibliography import load_bibliography, read_text
from .chapters import parse_chapter, slugify
from .config import BOOK_TOML, load_config
from .cover import check_cover
from .errors import Diagnostics, ManuscriptError, error
from .model import Book, Chapter, Matter, Part, Work

CONCEPT_SECTIONS = ("Definition", "Origins & Context", "How It Shows Up")
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def inside(root: Path, relative: str, shown_from: Path, line: int | None = None) -> Path:
    """The file a manuscript path names, refusing anything that leaves the book's folder."""
    if not relative or os.path.isabs(relative) or "://" in relative or relative.startswith("//"):
        raise error(
            f"'{relative}' is not a path inside the book's folder",
            shown_from,
            line,
            "use a relative path such as images/figure.png; remote files are not fetched",
        )
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        raise error(
            f"'{relative}' points outside the book's folder",
            shown_from,
            line,
            "keep every file of the book inside its folder",
        )
    return target


def find_styles(root: Path) -> Path:
    for candidate in (root / "styles", root.parent / "styles"):
        if (candidate / "book.css").is_file():
            return candidate
    raise error(
        f"no styles folder with book.css next to {root}",
        hint="keep styles/ (book.css, epub.css, pdf.css) beside or inside the manuscript folder",
    )


def load_book(root: Path, diagnostics: Diagnostics | None = None) -> Book:
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    root = root.resolve()
    config = load_config(root)
    shown_toml = Path(BOOK_TOML)

    chapters: list[Chapter] = []
    parts: list[Part] = []

    def read(paths: tuple[str, ...], matter: Matter, part: str | None) -> list[str]:
        ids = []
        for relative in paths:
            try:
                line = config.lines.get(relative)
                chapter = load_chapter(root, relative, matter, part, line, diagnostics)
            except ManuscriptError as exc:
                diagnostics.extend(exc)
                continue
            chapters.append(chapter)
            ids.append(chapter.id)
        return ids

    read(config.order.front, "front", None)
    for title, paths in config.order.parts:
        part_id = "part-" + slugify(title) if title else None
        ids = read(paths, "body", part_id)
        if part_id:
            parts.append(Part(id=part_id, title=title, chapter_ids=tuple(ids)))
    read(config.order.back, "back", None)

    works: tuple[Work, ...] = ()
    bibliography_read = True
    try:
        works = load_bibliography(
            (inside(root, p, shown_toml), Path(p)) for p in config.bibliography
        )
    except ManuscriptError as exc:
        diagnostics.extend(exc)
        bibliography_read = False  # its errors come first; every key would look unknown

    try:
        styles = find_styles(root)
    except ManuscriptError as exc:
        diagnostics.extend(exc)
        styles = root

    if config.meta.cover:
        try:
            path = check_image(root, config.meta.cover, shown_toml, None)
            check_cover(path, config.meta.cover, diagnostics)
        except ManuscriptError as exc:
            diagnostics.extend(exc)

    chapters = [resolve_images(root, c, diagnostics) for c in chapters]
    book = Book(
        root=root,
        styles_dir=styles,
        meta=config.meta,
        chapters=tuple(chapters),
        parts=tuple(parts),
        works=works,
        appendices=config.appendices,
        pdf=config.pdf,
        quotes=config.quotes,
    )
    check_book(book, diagnostics, check_citations=bibliography_read)
    diagnostics.raise_if_errors()
    return book


def load_chapter(
    root: Path,
    relative: str,
    matter: Matter,
    part: str | None,
    toml_line: int | None = None,
    diagnostics: Diagnostics | None = None,
) -> Chapter:
    shown = Path(relative)
    path = inside(root, relative, Path(BOOK_TOML), toml_line)
    if not path.is_file():
        raise error(
            f"chapter file '{relative}' does not exist",
            Path(BOOK_TOML),
            toml_line,
            "check the path in [contents], relative to the manuscript folder",
        )
    return parse_chapter(read_text(path, shown), shown, matter, part, diagnostics)


def image_in_chapter(root: Path, chapter: Chapter, src: str, line: int) -> str:
    """An image path is relative to its chapter's folder, or else to the manuscript folder."""
    near = posixpath.normpath(posixpath.join(posixpath.dirname(chapter.path.as_posix()), src))
    for candidate in (near, src):
        if candidate.startswith("..") or os.path.isabs(candidate):
            continue
        if (root / candidate).is_file():
            check_image(root, candidate, chapter.path, line)
            return posixpath.normpath(candidate)
    check_image(root, src, chapter.path, line)  # raises the error that fits
    return src


def check_image(root: Path, relative: str, shown: Path, line: int | None) -> Path:
    path = inside(root, relative, shown, line)
    if not path.is_file():
        raise error(f"image '{relative}' does not exist", shown, line, "check the path")
    if path.suffix.lower() not in IMAGE_TYPES:
        raise error(
            f"'{relative}' is not an image type EPUB readers show",
            shown,
            line,
            "use PNG, JPEG, GIF, SVG or WebP",
        )
    return path


def resolve_images(root: Path, chapter: Chapter, diagnostics: Diagnostics) -> Chapter:
    images = []
    for image in chapter.images:
        try:
            resolved = image_in_chapter(root, chapter, image.path, image.line)
        except ManuscriptError as exc:
            diagnostics.extend(exc)
            resolved = ""
        if image.alt is None:
            diagnostics.error(
                f"image '{image.path}' has no alt text",
                chapter.path,
                image.line,
                "describe it: ![What the image shows](path); mark a purely decorative "
                "image with ![](path){.decorative}",
            )
        images.append(replace(image, resolved=resolved))
    return replace(chapter, images=tuple(images))


def check_book(book: Book, diagnostics: Diagnostics, check_citations: bool = True) -> None:
    check_ids(book, diagnostics)
    work_ids = {w.id for w in book.works}
    concepts = {c.id: c for c in book.chapters if c.kind == "concept"}
    for chapter in book.chapters:
        for citation in chapter.citations if check_citations else ():
            if citation.key not in work_ids:
                diagnostics.error(
                    f"unknown citation key '@{citation.key}'",
                    chapter.path,
                    citation.line,
                    "add an entry with this id to a bibliography file, or fix the key",
                )
        for related in chapter.related:
            if related not in concepts:
                diagnostics.error(
                    f"related concept '{related}' does not exist",
                    chapter.path,
                    chapter.line_of("related"),
                    f"known concepts: {', '.join(sorted(concepts)) or 'none'}",
                )
        if chapter.kind == "concept":
            check_concept_sections(chapter, diagnostics)


def check_ids(book: Book, diagnostics: Diagnostics) -> None:
    seen: dict[str, Chapter] = {}
    reserved = {p.id for p in book.parts}
    for chapter in book.chapters:
        if chapter.id in seen or chapter.id in reserved:
            other = seen.get(chapter.id)
            diagnostics.error(
                f"duplicate chapter id '{chapter.id}'",
                chapter.path,
                chapter.line_of("id"),
                f"also used by {other.path if other else 'a part'}; set a different `id:`",
            )
        seen[chapter.id] = chapter


def check_concept_sections(chapter: Chapter, diagnostics: Diagnostics) -> None:
    titles = [text.strip().casefold() for text, _ in chapter.headings]
    for section in CONCEPT_SECTIONS:
        if section.casefold() not in titles:
            diagnostics.warn(
                f"concept entry has no '## {section}' section",
                chapter.path,
                chapter.body_line,
                "concept entries have Definition, Origins & Context, How It Shows Up and a note",
            )
    if not any(t.endswith("note") for t in titles):
        diagnostics.warn(
            "concept entry has no author's note (a '## ... Note' section)",
            chapter.path,
            chapter.body_line,
        )
