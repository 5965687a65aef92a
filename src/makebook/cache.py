"""The build cache: an edition is rebuilt only when something it is made from changed.

Every input (manuscript files, styles, templates, settings that are not in a
file, makebook's version) goes into one digest. An output is reused only if
the cache recorded it for that digest and the file on disk still has the bytes
the cache recorded; anything else, including a corrupt or missing cache, means
building again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from makebook.editions import Edition
from makebook.errors import Problem
from makebook.files import write_atomically
from makebook.manuscript.loader import find_styles
from makebook.manuscript.styles import DEFAULT_STYLES
from makebook.model import Book, Note, Page, PageStart

CACHE_DIR = ".makebook-cache"
MANIFEST = "manifest.json"
# Cached pieces no build used are removed only this long after they were written: a
# build running beside this one may not have recorded what it wrote yet.
PRUNE_AFTER_SECONDS = 600
VERSION_PACKAGES = (
    "makebook",
    "weasyprint",
    "ebooklib",
    "markdown",
    "pydyf",
    "pikepdf",
    "font-source-serif-pro",
    "font-source-sans-pro",
)


def layout_state(cache_folder: Path, book_name: str, edition: str) -> Path:
    """Where the last chapter-by-chapter layout of an edition left its page counts."""
    return cache_folder / "layout" / f"state-{book_name}-{edition}.json"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# What a build writes into its output folder, which may be anywhere, the book's own
# folder too: these are left out of the digest, every other file there is an input.
# (The cache folder and the part files being written start with a dot, like every
# hidden file, which no build reads.)
EDITION_SUFFIXES = (".epub", ".pdf")
PREVIEW_FOLDER = "preview"


def tree_files(folder: Path, output: Path | None) -> list[Path]:
    """The files below `folder` a build may read, in a stable order. Hidden folders (a
    book's .git, the cache) and the output folder's own files (its editions and
    preview/) are not even walked: every build, a no-op too, lists these."""
    inside = folder.resolve()
    output = output.resolve() if output is not None else None
    preview = output / PREVIEW_FOLDER if output is not None else None

    files = []
    for top, folders, names in os.walk(folder):
        here = Path(top)
        real = here.resolve()
        folders[:] = [d for d in folders if not d.startswith(".") and real / d != preview]
        for name in names:
            path = here / name
            if name.startswith("."):
                continue
            if real == output and path.suffix.lower() in EDITION_SUFFIXES:
                continue  # an edition this build (or one before it) wrote
            if path.is_symlink():
                target = link_target(path)
                if target is None or not target.is_relative_to(inside):
                    continue  # the loader refuses these; the cache does not read them either
            if path.is_file():
                files.append(path)
    return sorted(files)


def written_by_build(path: Path, output: Path) -> bool:
    """Whether `path` (resolved) is one of the files a build writes in `output` (resolved):
    an edition, the cache, a part file, the preview."""
    if not path.is_relative_to(output):
        return False
    parts = path.relative_to(output).parts
    if not parts:
        return True
    first = parts[0]
    edition = len(parts) == 1 and Path(first).suffix.lower() in EDITION_SUFFIXES
    return first.startswith(".") or first == PREVIEW_FOLDER or edition


def link_target(path: Path) -> Path | None:
    """Where a symlink leads; None for a loop (the loader reports it)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a loop
        return None


def versions() -> dict[str, str]:
    found = {}
    for name in VERSION_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "?"
    return found


def inputs_digest(folders: list[Path], output: Path, settings: dict[str, object]) -> str:
    """One digest of every file the build may read, and of everything else it depends on."""
    digest = hashlib.sha256()
    digest.update(
        json.dumps({"settings": settings, "versions": versions()}, sort_keys=True).encode()
    )
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in tree_files(folder, output):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(file_digest(path).encode())
    return digest.hexdigest()


@dataclass
class Entry:
    inputs: str
    output: str
    sha256: str
    pages: int | None = None


def build_folders(root: Path, styles: Path) -> list[Path]:
    """The folders a build reads: the book, its styles and templates, and the built-in
    design a book's styles/ overrides file by file."""
    folders = [root, styles, styles.parent / "templates"]
    return folders if styles == DEFAULT_STYLES else [*folders, DEFAULT_STYLES]


def book_inputs(manuscript: Path, output: Path, settings: dict[str, object]) -> str:
    """The digest of every file a build of this manuscript may read, and of its settings."""
    root = manuscript.resolve()
    return inputs_digest(build_folders(root, find_styles(root)), output, settings)


@dataclass
class BuildCache:
    """What a build may reuse from the builds before it in the same output folder, and
    where it keeps what the next one may reuse. `inputs` is the digest of everything
    this build reads, taken before anything is read: an edit saved while it runs is
    seen by the next build."""

    folder: Path
    inputs: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)
    warnings: list[dict[str, object]] = field(default_factory=list)

    @classmethod
    def open(cls, manuscript: Path, output: Path, settings: dict[str, object]) -> BuildCache:
        cache = cls.load(output)
        cache.inputs = book_inputs(manuscript, output, settings)
        return cache

    @classmethod
    def load(cls, output: Path) -> BuildCache:
        folder = output / CACHE_DIR
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            entries = {key: Entry(**value) for key, value in data["entries"].items()}
            return cls(folder, "", entries, list(data.get("warnings", [])))
        except (OSError, ValueError, KeyError, TypeError):
            return cls(folder)  # no cache, or one we cannot trust: build everything

    @property
    def pages_folder(self) -> Path:
        """Rendered chapters (PageCache)."""
        return self.folder / "pages"

    @property
    def image_memo(self) -> Path:
        """What decoding the book's images found (manuscript/images.py)."""
        return self.folder / "images.json"

    def fresh(self, book: str, edition: Edition, target: Path) -> Entry | None:
        """The record of `target` when it is the edition built from these very inputs."""
        entry = self.entries.get(f"{book}.{edition.format}")
        if entry is None or entry.inputs != self.inputs or entry.output != str(target):
            return None
        if not target.is_file() or file_digest(target) != entry.sha256:
            return None
        return entry

    def record(self, book: str, edition: Edition, target: Path, pages: int | None) -> None:
        entry = Entry(self.inputs, str(target), file_digest(target), pages)
        self.entries[f"{book}.{edition.format}"] = entry

    def laid_out_before(self, book: str, edition: Edition) -> bool:
        """Whether an earlier build laid this edition out chapter by chapter."""
        return layout_state(self.folder, book, edition.name).is_file()

    def page_starts(self) -> tuple[PageStart, ...] | None:
        """Where each print page starts, from a build of these inputs (the EPUB's page-list)."""
        try:
            path = self.folder / f"pages-{self.inputs}.json"
            return tuple(PageStart(**item) for item in json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def remember_page_starts(self, starts: tuple[PageStart, ...]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("pages-*.json"):
            old.unlink(missing_ok=True)
        write_atomically(
            self.folder / f"pages-{self.inputs}.json", json.dumps([vars(s) for s in starts])
        )

    def remember_warnings(self, warnings: list[Problem]) -> None:
        inputs = self.inputs
        self.warnings = [
            {
                "inputs": inputs,
                **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(w).items()},
            }
            for w in warnings
        ] or [{"inputs": inputs, "none": True}]

    def last_warnings(self) -> list[Problem] | None:
        """The warnings of the build made from these inputs; None when not known."""
        inputs = self.inputs
        if not self.warnings or any(w.get("inputs") != inputs for w in self.warnings):
            return None
        return [
            Problem(
                **{
                    **{k: v for k, v in w.items() if k != "inputs"},
                    "path": Path(w["path"]) if w.get("path") else None,
                }
            )  # fmt: skip
            for w in self.warnings
            if not w.get("none")
        ]

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {
            "entries": {key: vars(entry) for key, entry in self.entries.items()},
            "warnings": self.warnings,
        }
        write_atomically(self.folder / MANIFEST, json.dumps(data, indent=1))


class PageCache:
    """Rendered chapters (Markdown -> XHTML) from earlier builds, by a digest of their inputs.

    A chapter's page depends on its own text and on the book around it (the works
    it may cite, the other chapters' titles and files, the quotation style), so
    the key covers both; an entry that does not parse is rendered again.
    """

    def __init__(self, folder: Path, context: str) -> None:
        self.folder = folder
        self.context = context
        self.used: set[str] = set()

    def key(self, chapter: object) -> str:
        return hashlib.sha256((self.context + repr(chapter)).encode()).hexdigest()

    def get(self, key: str) -> Page | None:
        self.used.add(key)
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return Page(
                **{
                    **data,
                    "notes": tuple(Note(**n) for n in data["notes"]),
                    "warnings": tuple(
                        Problem(**{**w, "path": Path(w["path"]) if w["path"] else None})
                        for w in data["warnings"]
                    ),
                }
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, page: Page) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {
            **vars(page),
            "notes": [vars(n) for n in page.notes],
            "warnings": [
                {**vars(w), "path": str(w.path) if w.path else None} for w in page.warnings
            ],
        }
        write_atomically(self.folder / f"{key}.json", json.dumps(data))

    def prune(self, older_than: float) -> None:
        """Remove pages this build did not use, once no build beside it can still need them."""
        for path in self.folder.glob("*") if self.folder.is_dir() else []:
            # A file starting with a dot was being written by a build that was killed.
            unused = path.suffix == ".json" and path.stem not in self.used
            if (unused or path.name.startswith(".")) and modified_before(path, older_than):
                path.unlink(missing_ok=True)


def modified_before(path: Path, moment: float) -> bool:
    """False for a file another build removed meanwhile."""
    try:
        return path.stat().st_mtime < moment
    except OSError:
        return False


def render_context(book: Book) -> str:
    """What every chapter's rendering reads from the rest of the book."""
    neighbours = [(c.id, c.title, c.kind, c.path, c.matter, c.part) for c in book.chapters]
    parts = [(p.id, p.title) for p in book.parts]
    return repr(
        (versions(), book.works, book.quotes, book.meta.language, neighbours, parts, book.root)
        # Further reading links to the appendix that lists a work, when it is on; prompts
        # get the book's number of write-in lines.
        + (book.appendices, book.pdf.prompt_lines)
        # The style, and every citation of the book: a numbered style counts them, and a
        # year suffix (2020a) depends on which works the book cites.
        + (book.citation_style, [c.key for each in book.chapters for c in each.citations])
    )
