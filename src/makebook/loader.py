"""Reads a manuscript folder into a `Book`; the only code that reads the manuscript.

All checks that can name a file and line happen here, and all of them run
before anything is reported, so the author sees every problem at once.
"""

from __future__ import annotations

import difflib
import os
import posixpath
from dataclasses import replace
from pathlib import Path

from .assets import DEFAULT_STYLES, outside_references
from .bibliography import load_bibliography, read_text
from .chapters import parse_chapter, slugify
from .citations import mask_code
from .config import BOOK_TOML, ReadingOrder, load_config
from .cover import check_cover
from .errors import Diagnostics, ManuscriptError, Problem, error
from .model import Book, Chapter, Matter, Part, Work
from .sanitize import active_content_lines

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
    """The book's own styles/ (in its folder, or beside it), whose files override the
    built-in design's one by one; the built-in design itself when the book has none."""
    for candidate in (root / "styles", root.parent / "styles"):
        if candidate.is_dir() and (any(candidate.glob("*.css")) or (candidate / "fonts").is_dir()):
            return candidate
    return DEFAULT_STYLES


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
            (inside(root, p, shown_toml, config.lines.get(p)), Path(p)) for p in config.bibliography
        )
    except ManuscriptError as exc:
        diagnostics.extend(exc)
        bibliography_read = False  # its errors come first; every key would look unknown

    try:
        styles = find_styles(root)
        check_stylesheets(styles, diagnostics)
    except ManuscriptError as exc:
        diagnostics.extend(exc)
        styles = root

    if config.meta.cover:
        try:
            path = check_image(
                root, config.meta.cover, shown_toml, config.lines.get(config.meta.cover)
            )
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
        sample=config.sample,
    )
    check_book(book, diagnostics, check_citations=bibliography_read)
    check_symlink_loops(root, diagnostics)
    check_stray_files(root, config.order, diagnostics)
    diagnostics.raise_if_errors()
    return book


def check_stylesheets(styles: Path, diagnostics: Diagnostics) -> None:
    """Styles may use only files in the styles folder: nothing remote, nothing outside."""
    for sheet in sorted(styles.glob("*.css")):
        css = read_text(sheet, Path("styles") / sheet.name)
        for line, reference in outside_references(css):
            diagnostics.error(
                f"'{reference}' reaches outside the styles folder",
                Path("styles") / sheet.name,
                line,
                "copy the stylesheet or font into styles/ and refer to it by a relative path",
            )


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
    if not is_real_image(path):
        raise error(
            f"'{relative}' is not a readable {path.suffix.lstrip('.').upper()} image",
            shown,
            line,
            "export it again from an image editor",
        )
    return path


def is_real_image(path: Path) -> bool:
    """The file is the image its name says: PIL checks bitmaps, an XML parser SVG."""
    if path.suffix.lower() == ".svg":
        from lxml import etree

        try:
            return (
                etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
                .getroot()
                .tag.endswith("svg")
            )
        except etree.XMLSyntaxError:
            return False
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False


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
                close = difflib.get_close_matches(citation.key, sorted(work_ids), n=1)
                diagnostics.problems.append(
                    Problem(
                        f"unknown citation key '@{citation.key}'",
                        chapter.path,
                        citation.line,
                        citation.column,
                        f"did you mean @{close[0]}?"
                        if close
                        else "add an entry with this id to a bibliography file, or fix the key",
                    )
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
            check_reciprocal(chapter, concepts, diagnostics)
        for line, found in active_content_lines(mask_code(chapter.markdown)):
            diagnostics.warn(
                f"'{found}' was removed: a book cannot run scripts or load outside content",
                chapter.path,
                chapter.body_line + line - 1,
                "delete it; for a link, write [text](https://...)",
            )
    check_links(book, diagnostics)
    check_unused_works(book, diagnostics)


def check_reciprocal(
    chapter: Chapter, concepts: dict[str, Chapter], diagnostics: Diagnostics
) -> None:
    for related in chapter.related:
        other = concepts.get(related)
        if other is not None and chapter.id not in other.related:
            diagnostics.warn(
                f"'{related}' is related to '{chapter.id}', but not the other way round",
                other.path,
                other.line_of("related"),
                f"add {chapter.id} to `related:` in {other.path}, or drop the link",
            )


def chapter_target(book: Book, chapter: Chapter, href: str) -> Chapter | None:
    """The chapter a link names, relative to the linking file or to the manuscript folder."""
    path = href.partition("#")[0]
    by_path = {c.path.as_posix(): c for c in book.chapters}
    near = posixpath.normpath(posixpath.join(posixpath.dirname(chapter.path.as_posix()), path))
    return by_path.get(near) or by_path.get(posixpath.normpath(path))


def check_links(book: Book, diagnostics: Diagnostics) -> None:
    for chapter in book.chapters:
        for href, line in chapter.links:
            if chapter_target(book, chapter, href) is None:
                diagnostics.error(
                    f"link to '{href}', which is not a chapter of this book",
                    chapter.path,
                    line,
                    "link to a file listed in [contents] of book.toml, relative to this file",
                )


def check_unused_works(book: Book, diagnostics: Diagnostics) -> None:
    cited = {c.key for chapter in book.chapters for c in chapter.citations}
    for work in book.works:
        if work.id not in cited and not work.suggested:
            diagnostics.warn(
                f"'{work.id}' is never cited and not marked suggested, so no reader will see it",
                work.source,
                work.line,
                "cite it with [@" + work.id + "], mark it `suggested: true`, or remove it",
            )


def check_symlink_loops(root: Path, diagnostics: Diagnostics) -> None:
    """A symlink that leads to itself, or back to a folder it is in, sends every tool
    that walks the book (an editor, a backup, a watcher) round for ever: an error,
    even where no chapter uses it. Hidden folders are not the book's and are skipped."""
    for top, folders, names in os.walk(root):
        here = Path(top)
        folders[:] = [d for d in folders if not d.startswith(".")]
        for name in sorted(folders + names):
            path = here / name
            if not path.is_symlink():
                continue
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:  # 3.11 raises RuntimeError for a loop
                if isinstance(exc, FileNotFoundError):
                    continue  # a dangling link: an error only where a chapter uses it
                loops = True
            else:
                loops = target.is_dir() and here.resolve().is_relative_to(target)
            if loops:
                relative = path.relative_to(root).as_posix()
                diagnostics.error(
                    f"'{relative}' is a symlink loop: it leads back to itself or to a "
                    "folder it is in",
                    Path(relative),
                    None,
                    f"remove the link (rm '{relative}') or point it at a file",
                )


def check_stray_files(root: Path, order: ReadingOrder, diagnostics: Diagnostics) -> None:
    listed = {
        posixpath.normpath(p)
        for p in (*order.front, *(c for _, chapters in order.parts for c in chapters), *order.back)
    }
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root).as_posix()
        if relative in listed or relative.startswith(("build/", "styles/", ".")):
            continue
        if path.name.lower() in ("readme.md", "changelog.md", "notes.md"):
            continue
        diagnostics.warn(
            f"'{relative}' is in the manuscript folder but in no reading order",
            Path(BOOK_TOML),
            None,
            f'add "{relative}" to [contents] in book.toml, or move it out of the folder',
        )


# Pages and files makebook makes itself; a chapter may not take their names.
GENERATED_PAGES = {"halftitle", "titlepage", "copyright", "dedication", "cover", "nav", "toc",
                   "book-epigraph",
                   "sample-end", "landmarks", "page-list"}  # fmt: skip


def check_ids(book: Book, diagnostics: Diagnostics) -> None:
    seen: dict[str, Chapter] = {}
    reserved = {p.id for p in book.parts}
    for chapter in book.chapters:
        if chapter.id in GENERATED_PAGES or chapter.id.startswith(("appendix-", "part-", "page-")):
            diagnostics.error(
                f"chapter id '{chapter.id}' is the name of a page makebook makes",
                chapter.path,
                chapter.line_of("id"),
                f"give the chapter another `id:` in its front matter, e.g. id: my-{chapter.id}",
            )
            continue
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
