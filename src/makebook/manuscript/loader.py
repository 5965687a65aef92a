"""Reads a manuscript folder into a `Book`; the only code that reads the manuscript.

All checks that can name a file and line happen here, and all of them run
before anything is reported, so the author sees every problem at once.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from makebook.errors import Diagnostics, ManuscriptError, Problem, error
from makebook.files import inside
from makebook.manuscript import csl_styles, images
from makebook.manuscript.bibliography import load_bibliography
from makebook.manuscript.chapters import parse_chapter, slugify
from makebook.manuscript.citations import find_citations
from makebook.manuscript.config import (
    BOOK_TOML,
    BookConfig,
    ReadingOrder,
    key_lines,
    load_config,
    setting_line,
)
from makebook.manuscript.geometry import geometry_problems
from makebook.manuscript.glyphs import check_glyphs
from makebook.manuscript.index_terms import index_problems
from makebook.manuscript.isbns import check_isbns
from makebook.manuscript.raw_blocks import unmask_raw_html
from makebook.manuscript.sanitize import active_content_lines
from makebook.manuscript.structure import structure_problems
from makebook.manuscript.styles import (
    DEFAULT_STYLES,
    OPENS_ANY_CLASS,
    outside_references,
    styles_place_openers_anywhere,
)
from makebook.manuscript.syntax import FENCE_OPEN, fence_attributes, mask_code
from makebook.manuscript.text import read_text
from makebook.model import Book, Chapter, IndexSettings, Matter, Openers, Part, Work

CONCEPT_SECTIONS = ("Definition", "Origins & Context", "How It Shows Up")
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def find_styles(root: Path) -> Path:
    """The book's own styles/ (in its folder, or beside it), whose files override the
    built-in design's one by one; the built-in design itself when the book has none."""
    for candidate in (root / "styles", root.parent / "styles"):
        if candidate.is_dir() and (any(candidate.glob("*.css")) or (candidate / "fonts").is_dir()):
            return candidate
    return DEFAULT_STYLES


def load_book(root: Path, diagnostics: Diagnostics | None = None) -> Book:
    """Read the book folder into a `Book`: every problem found is in `diagnostics`, and
    any error among them raises ManuscriptError with all of them."""
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    root = root.resolve()
    config = load_config(root)
    unloaded = Unloaded()  # chapters whose own errors are reported
    chapters, parts = read_chapters(root, config, diagnostics, unloaded)
    works, bibliography_read = read_works(root, config, diagnostics)
    chapters = with_citations_in_text(chapters, works)
    works = with_further_reading_suggested(works, chapters)
    styles = read_styles(root, config, diagnostics)
    check_cover_image(root, config, diagnostics)
    check_isbns(config.meta, Path(BOOK_TOML), read_toml_text(root), diagnostics)
    book = Book(
        root=root,
        styles_dir=styles,
        meta=config.meta,
        chapters=tuple(resolve_images(root, c, diagnostics) for c in chapters),
        parts=tuple(parts),
        works=works,
        appendices=config.appendices,
        pdf=config.pdf,
        printing=config.printing,
        quotes=config.quotes,
        hyphenation=config.hyphenation,
        sample=config.sample,
        citation_style=check_style_file(root, config.citation_style, diagnostics),
        index=config.index or IndexSettings(),
    )
    check_book(book, diagnostics, check_citations=bibliography_read, unloaded=unloaded)
    diagnostics.problems.extend(index_problems(book))
    check_symlink_loops(root, diagnostics)
    check_stray_files(root, config.order, diagnostics)
    diagnostics.raise_if_errors()
    return book


def read_chapters(
    root: Path, config: BookConfig, diagnostics: Diagnostics, unloaded: Unloaded
) -> tuple[list[Chapter], list[Part]]:
    """Every chapter in reading order (front, parts, back); one that fails is reported and
    left out, and the others are still read."""
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
                unloaded.add(root, relative)
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
    return chapters, parts


def with_citations_in_text(chapters: list[Chapter], works: tuple[Work, ...]) -> list[Chapter]:
    """Each chapter's citations, with its author-in-text ones (`@key`): those can be told
    from an e-mail address or a handle only once the bibliography's keys are known."""
    known = {w.id for w in works}
    return [
        replace(c, citations=tuple(find_citations(c.markdown, c.body_line, known)))
        for c in chapters
    ]


def with_further_reading_suggested(
    works: tuple[Work, ...], chapters: list[Chapter]
) -> tuple[Work, ...]:
    """A work a chapter recommends (`further_reading:`) is listed in Suggested Reading (or
    Suggested Films), where its further-reading entry links to, as if marked suggested."""
    named = {key for chapter in chapters for key in chapter.further_reading}
    return tuple(replace(w, suggested=True) if w.id in named else w for w in works)


def read_works(
    root: Path, config: BookConfig, diagnostics: Diagnostics
) -> tuple[tuple[Work, ...], bool]:
    """The bibliography's works, and whether it was read (when not, its errors come
    first, and citations are not checked: every key would look unknown)."""
    shown_toml = Path(BOOK_TOML)
    try:
        works = load_bibliography(
            (inside(root, p, shown_toml, config.lines.get(p)), Path(p)) for p in config.bibliography
        )
    except ManuscriptError as exc:
        diagnostics.extend(exc)
        return (), False
    return works, True


def check_style_file(root: Path, style: str, diagnostics: Diagnostics) -> str:
    """A `.csl` style must be a file inside the book's folder; a name was checked in
    book.toml already."""
    if not csl_styles.is_file_style(style):
        return style
    shown = Path(BOOK_TOML)
    text = (root / BOOK_TOML).read_text(encoding="utf-8", errors="replace")
    line = key_lines(text).get(("bibliography", "style"))
    try:
        path = inside(root, style, shown, line)
    except ManuscriptError as exc:
        diagnostics.extend(exc)
        return csl_styles.DEFAULT_STYLE
    if not path.is_file():
        diagnostics.error(
            f"no citation style file '{style}'",
            shown,
            line,
            "give the path of a .csl file inside the book's folder, relative to book.toml",
        )
        return csl_styles.DEFAULT_STYLE
    return style


def read_styles(root: Path, config: BookConfig, diagnostics: Diagnostics) -> Path:
    """The book's styles folder (or the built-in design), its stylesheets checked, and the
    page geometry they give with book.toml's [pdf] settings."""
    try:
        styles = find_styles(root)
        check_stylesheets(styles, diagnostics)
        diagnostics.problems.extend(geometry_problems(styles, config.pdf, inside_line(root)))
        check_openers_styled(root, styles, config, diagnostics)
    except ManuscriptError as exc:
        diagnostics.extend(exc)
        return root
    return styles


def check_openers_styled(
    root: Path, styles: Path, config: BookConfig, diagnostics: Diagnostics
) -> None:
    """[pdf] openers lets chapters open on any page, but the book's own print.css has no
    rule for them: the --release PDF would open them on a recto all the same."""
    if config.pdf.openers == Openers() or styles_place_openers_anywhere(styles):
        return
    diagnostics.warn(
        f"[pdf] openers lets chapters open on any page, but styles/print.css has no rule "
        f"for `section.{OPENS_ANY_CLASS}`: a --release PDF would still open them on a recto",
        Path(BOOK_TOML),
        key_lines(read_toml_text(root)).get(("pdf", "openers")),
        f"add `section.chapter.{OPENS_ANY_CLASS}, section.appendix.{OPENS_ANY_CLASS} "
        "{ break-before: page; }` to styles/print.css, as in the built-in print.css",
    )


def check_cover_image(root: Path, config: BookConfig, diagnostics: Diagnostics) -> None:
    if not config.meta.cover:
        return
    try:
        shown_toml = Path(BOOK_TOML)
        path = check_image(root, config.meta.cover, shown_toml, config.lines.get(config.meta.cover))
        images.check_cover(path, config.meta.cover, diagnostics)
    except ManuscriptError as exc:
        diagnostics.extend(exc)


def read_toml_text(root: Path) -> str:
    return (root / BOOK_TOML).read_text(encoding="utf-8", errors="replace")


def inside_line(root: Path) -> int | None:
    """The line of [pdf] `inside` in book.toml, where an inside margin too wide is shown."""
    text = (root / BOOK_TOML).read_text(encoding="utf-8", errors="replace")
    return setting_line(text, "inside")


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
            f"chapter file '{relative}' "
            + ("is a folder, not a file" if path.is_dir() else "does not exist"),
            Path(BOOK_TOML),
            toml_line,
            "check the path in [contents], relative to the manuscript folder",
        )
    return parse_chapter(read_text(path, shown), shown, matter, part, diagnostics)


def image_in_chapter(
    root: Path, chapter: Chapter, src: str, line: int, diagnostics: Diagnostics | None = None
) -> str:
    """An image path is relative to its chapter's folder, or else to the manuscript folder."""
    near = posixpath.normpath(posixpath.join(posixpath.dirname(chapter.path.as_posix()), src))
    for candidate in (near, src):
        if candidate.startswith("..") or os.path.isabs(candidate):
            continue
        if (root / candidate).is_file():
            check_image(root, candidate, chapter.path, line, diagnostics)
            return posixpath.normpath(candidate)
    check_image(root, src, chapter.path, line)  # raises the error that fits
    return src


def check_image(
    root: Path,
    relative: str,
    shown: Path,
    line: int | None,
    diagnostics: Diagnostics | None = None,
) -> Path:
    """The image's file, read whole; what its EPUB copy changes is warned about."""
    path = inside(root, relative, shown, line)
    if not path.is_file():
        state = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise error(f"image '{relative}' {state}", shown, line, "check the path")
    if path.suffix.lower() not in IMAGE_TYPES:
        raise error(
            f"'{relative}' is not an image type EPUB readers show",
            shown,
            line,
            "use PNG, JPEG, GIF, SVG or WebP",
        )
    try:
        facts = images.inspect(path)
    except images.ImageProblem as problem:
        raise error(f"image '{relative}' {problem.message}", shown, line, problem.hint) from None
    if diagnostics is not None:
        for message, hint in images.notes(relative, facts):
            diagnostics.warn(message, shown, line, hint)
    return path


def is_real_image(path: Path) -> bool:
    """The file is a whole, readable image (an SVG with an <svg> root)."""
    try:
        images.inspect(path)
    except images.ImageProblem:
        return False
    return True


def resolve_images(root: Path, chapter: Chapter, diagnostics: Diagnostics) -> Chapter:
    images_found = []
    warned: set[str] = set()  # an image used twice in a chapter is described once
    for image in chapter.images:
        notes = Diagnostics()
        try:
            resolved = image_in_chapter(root, chapter, image.path, image.line, notes)
        except ManuscriptError as exc:
            diagnostics.extend(exc)
            resolved = ""
        if resolved not in warned:
            diagnostics.problems.extend(notes.problems)
            warned.add(resolved)
        if image.alt is None:
            diagnostics.error(
                f"image '{image.path}' has no alt text",
                chapter.path,
                image.line,
                "describe it: ![What the image shows](path); mark a purely decorative "
                "image with ![](path){.decorative}",
            )
        images_found.append(replace(image, resolved=resolved))
    return replace(chapter, images=tuple(images_found))


@dataclass
class Unloaded:
    """What the chapters that failed to load may still be: their paths, the ids they may
    have (from the file name or an `id:` line) and the keys they cite. Other chapters'
    links, `related:` lists and the works they cite are not errors on their account."""

    paths: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    cited: set[str] = field(default_factory=set)

    def add(self, root: Path, relative: str) -> None:
        self.paths.add(posixpath.normpath(relative))
        self.ids.add(slugify(Path(relative).stem))
        try:
            text = inside(root, relative, Path(BOOK_TOML)).read_text("utf-8", errors="replace")
        except (ManuscriptError, OSError, RuntimeError, ValueError):
            return  # missing or unreadable: its own error says so
        self.ids.update(re.findall(r"^id:[ \t]*[\"']?([A-Za-z][\w-]*)", text, re.MULTILINE))
        self.cited.update(c.key for c in find_citations(text, 1))


def check_book(
    book: Book,
    diagnostics: Diagnostics,
    check_citations: bool = True,
    unloaded: Unloaded | None = None,
) -> None:
    """Checks across chapters. A chapter that did not load (`unloaded`, its errors already
    reported) is not taken for missing: links to it, concepts it may be and works it may
    cite are checked once it loads."""
    unloaded = unloaded or Unloaded()
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
            if related not in concepts and related not in unloaded.ids:
                diagnostics.error(
                    f"related concept '{related}' does not exist",
                    chapter.path,
                    chapter.line_of("related"),
                    f"known concepts: {', '.join(sorted(concepts)) or 'none'}",
                )
        if check_citations:
            check_further_reading(book, chapter, work_ids, diagnostics)
        diagnostics.problems.extend(structure_problems(chapter))
        if chapter.kind == "concept":
            check_concept_sections(chapter, diagnostics)
            check_reciprocal(chapter, concepts, diagnostics)
        shown = unmask_raw_html(chapter.markdown, mask_code(chapter.markdown))
        for line, found in active_content_lines(shown):
            diagnostics.warn(
                f"'{found}' was removed: a book cannot run scripts or load outside content",
                chapter.path,
                chapter.body_line + line - 1,
                "delete it; for a link, write [text](https://...)",
            )
    check_links(book, diagnostics, unloaded.paths)
    check_unused_works(book, diagnostics, unloaded.cited)
    check_glyphs(book.chapters, book.styles_dir, diagnostics)


def check_further_reading(
    book: Book, chapter: Chapter, work_ids: set[str], diagnostics: Diagnostics
) -> None:
    """Each `further_reading:` key names a work, and the appendix its entry links to is on."""
    line = chapter.line_of("further_reading")
    for key in chapter.further_reading:
        if key not in work_ids:
            close = difflib.get_close_matches(key, sorted(work_ids), n=1)
            diagnostics.error(
                f"further reading '{key}' is not in the bibliography",
                chapter.path,
                line,
                f"did you mean '{close[0]}'?"
                if close
                else "add an entry with this id to a bibliography file, or fix the key",
            )
            continue
        appendix = "films" if book.work(key).is_film else "reading"
        if not book.appendix(appendix).enabled:
            diagnostics.warn(
                f"further reading '{key}' is listed without a link: "
                f"[appendices.{appendix}] is switched off",
                chapter.path,
                line,
                f"set enabled = true in [appendices.{appendix}] of book.toml to link it",
            )


def check_reciprocal(
    chapter: Chapter, concepts: dict[str, Chapter], diagnostics: Diagnostics
) -> None:
    for related in chapter.related:
        other = concepts.get(related)
        if other is not None and chapter.id not in other.related:
            diagnostics.warn(
                f"'{chapter.id}' lists '{related}' as related, but not the other way round",
                other.path,
                front_matter_key_line(other, "related") or front_matter_key_line(other, "title"),
                f"add {chapter.id} to `related:` in {other.path}, or drop the link",
            )


def link_paths(chapter: Chapter, href: str) -> tuple[str, str]:
    """The book paths a link may name: relative to the linking file, or to the folder."""
    path = href.partition("#")[0]
    near = posixpath.normpath(posixpath.join(posixpath.dirname(chapter.path.as_posix()), path))
    return near, posixpath.normpath(path)


def chapter_target(book: Book, chapter: Chapter, href: str) -> Chapter | None:
    """The chapter a link names, relative to the linking file or to the manuscript folder."""
    by_path = {c.path.as_posix(): c for c in book.chapters}
    near, from_root = link_paths(chapter, href)
    return by_path.get(near) or by_path.get(from_root)


def check_links(book: Book, diagnostics: Diagnostics, unloaded: set[str] | None = None) -> None:
    for chapter in book.chapters:
        for href, line in chapter.links:
            if unloaded and any(path in unloaded for path in link_paths(chapter, href)):
                continue  # the chapter is in the book; its own error is reported
            if chapter_target(book, chapter, href) is None:
                diagnostics.error(
                    f"link to '{href}', which is not a chapter of this book",
                    chapter.path,
                    line,
                    "link to a file listed in [contents] of book.toml, relative to this file",
                )


def check_unused_works(
    book: Book, diagnostics: Diagnostics, cited_elsewhere: set[str] | None = None
) -> None:
    cited = {c.key for chapter in book.chapters for c in chapter.citations}
    cited |= cited_elsewhere or set()
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
                   "book-epigraph", "content-notes",
                   "sample-end", "landmarks", "page-list"}  # fmt: skip


def check_ids(book: Book, diagnostics: Diagnostics) -> None:
    seen: dict[str, Chapter] = {}
    reserved = {p.id for p in book.parts}
    for chapter in book.chapters:
        # An id the file name gave has no line: the error names the file.
        line = front_matter_key_line(chapter, "id")
        if chapter.id in GENERATED_PAGES or chapter.id.startswith(("appendix-", "part-", "page-")):
            diagnostics.error(
                f"chapter id '{chapter.id}' is the name of a page makebook makes",
                chapter.path,
                line,
                f"give the chapter another `id:` in its front matter, e.g. id: my-{chapter.id}",
            )
            continue
        if chapter.id in seen or chapter.id in reserved:
            other = seen.get(chapter.id)
            diagnostics.error(
                f"duplicate chapter id '{chapter.id}'",
                chapter.path,
                line,
                f"also used by {other.path if other else 'a part'}; set a different `id:`",
            )
        seen[chapter.id] = chapter


def front_matter_key_line(chapter: Chapter, key: str) -> int | None:
    """The line of a front-matter key, or None when the chapter does not set it."""
    return dict(chapter.key_lines).get(key)


def check_concept_sections(chapter: Chapter, diagnostics: Diagnostics) -> None:
    """A concept entry's sections; each warning points at a misspelt heading when there is
    one, else at `kind: concept`, the line that asks for the sections."""
    headings = [(text.strip(), line) for text, line in chapter.headings]
    expected = {section.casefold() for section in CONCEPT_SECTIONS}
    others = {
        text.casefold(): line
        for text, line in headings
        if text.casefold() not in expected and not AUTHORS_NOTE.search(text)
    }
    kind_line = front_matter_key_line(chapter, "kind")
    for section in CONCEPT_SECTIONS:
        if section.casefold() in {text.casefold() for text, _ in headings}:
            continue
        close = difflib.get_close_matches(section.casefold(), list(others), n=1, cutoff=0.5)
        diagnostics.warn(
            f"concept entry has no '## {section}' section",
            chapter.path,
            others.pop(close[0]) if close else kind_line,
            f"name this heading '## {section}'"
            if close
            else f"add a '## {section}' section: concept entries have "
            + ", ".join(CONCEPT_SECTIONS)
            + " and an author's note",
        )
    if not any(AUTHORS_NOTE.search(text) for text, _ in headings) and not has_note_div(chapter):
        diagnostics.warn(
            "concept entry has no author's note",
            chapter.path,
            kind_line,
            "end it with a '## Author's Note' section, "
            'or a ::: {.note title="Author\'s Note"} div',
        )


AUTHORS_NOTE = re.compile(r"note$", re.IGNORECASE)


def has_note_div(chapter: Chapter) -> bool:
    """A `::: note` div, or one titled "... Note": the author's note of a concept entry."""
    for line in mask_code(chapter.markdown).split("\n"):
        opening = FENCE_OPEN.match(line.strip())
        if opening is None:
            continue
        attrs = fence_attributes(opening)
        title = attrs.get("data-title", "")
        if "note" in attrs.get("class", "").split() and (not title or AUTHORS_NOTE.search(title)):
            return True
    return False
