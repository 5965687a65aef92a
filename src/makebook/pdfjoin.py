"""Join divisions laid out one by one into one PDF: the same book a whole-book layout makes.

Each piece is a complete tagged PDF from WeasyPrint. Joining keeps every page as
it is and rebuilds what spans the book: one structure tree (the pieces' tagged
content under one Document element, with a parent tree renumbered across
pages), one set of named destinations, links between divisions pointing at
them, one outline, and the document-level entries (metadata, language, output
intent) that every piece carries alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.matrix import Matrix

from .layout import EditionResult, Laid

CATALOG_KEYS = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/OutputIntents", "/Metadata")


def join_edition(result: EditionResult, out: Path) -> None:
    # The pieces stay open until the joined file is saved: qpdf copies stream data then.
    with contextlib.ExitStack() as stack:
        joined = stack.enter_context(pikepdf.Pdf.new())
        blank = stack.enter_context(pikepdf.open(result.blank)) if result.blank else None
        pieces = [stack.enter_context(pikepdf.open(written(laid))) for laid in result.laid]
        tree = StructureJoin(joined)
        shared = SharedStreams()
        destinations: dict[str, tuple[int, list[Any]]] = {}
        bookmarks: list[list[tuple[int, str, tuple[float, float], str]]] = []
        places = result.layout.placements()
        for place, laid, piece in zip(places, result.laid, pieces, strict=True):
            if place.blank_before:
                assert blank is not None
                add_blank(joined, blank)
                shared.share(joined.pages[-1:])
                bookmarks.append([])
            base = len(joined.pages)
            with warnings.catch_warnings():
                # pikepdf warns that named destinations are not copied: they are, below.
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                joined.pages.extend(piece.pages)
            shared.share(joined.pages[base:])
            tree.add(piece)
            destinations.update(named_destinations(piece, base))
            bookmarks.extend(
                [(level, label, (x, y), state) for level, label, x, y, state in page]
                for page in laid.bookmarks
            )
        # Every piece has the same document-level entries (one book, one set of styles).
        first = pieces[0]
        for key in CATALOG_KEYS:
            if key in first.Root:
                joined.Root[key] = copy_object(joined, first.Root[key])
        joined.trailer.Info = copy_object(joined, first.trailer.Info)
        tree.finish()
        link_destinations(joined, destinations)
        add_outline(joined, bookmarks)
        joined.save(
            out,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            deterministic_id=True,
            min_version=first.pdf_version,
        )


def copy_object(joined: pikepdf.Pdf, value: Any) -> Any:
    """A copy of a piece's object; direct arrays and dictionaries are copied item by item."""
    if not isinstance(value, pikepdf.Object):
        return value  # numbers, booleans: pikepdf gives them as Python values
    if value.is_indirect:
        return joined.copy_foreign(value)
    if isinstance(value, Array):
        return Array([copy_object(joined, item) for item in value])
    if isinstance(value, Dictionary):
        return Dictionary({key: copy_object(joined, value[key]) for key in value})
    return value


def written(laid: Laid) -> Path:
    if laid.pdf is None:
        raise ValueError("a division was measured but never written")
    return laid.pdf


def add_blank(joined: pikepdf.Pdf, blank: pikepdf.Pdf) -> None:
    """A blank verso: the second page of the blank document, sharing its content stream."""
    source = joined.copy_foreign(blank.pages[1].obj)
    page = Dictionary(
        {key: source[key] for key in source if key not in ("/Parent", "/StructParents")}
    )
    joined.pages.append(pikepdf.Page(page))


def named_destinations(piece: pikepdf.Pdf, base: int) -> dict[str, tuple[int, list[Any]]]:
    """Each id the piece can be linked to: the page (in the joined book) and the position."""
    names = piece.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    index = {page.obj.objgen: number for number, page in enumerate(piece.pages)}
    found = {}
    for name, destination in pikepdf.NameTree(names.Dests).items():
        found[name] = (base + index[destination[0].objgen], list(destination[1:]))
    return found


def link_destinations(joined: pikepdf.Pdf, destinations: dict[str, tuple[int, list[Any]]]) -> None:
    """The book's named destinations: links between divisions point at them by name
    (pdf.links_between_divisions made them so when each division was written)."""
    # One node holding every name, in the byte order the PDF reference asks for, built at
    # once: adding thousands of names one by one to a pikepdf.NameTree took most of a
    # second for a big book, and each page looked up by number walks the page tree.
    keys = sorted((bytes(String(name)), name) for name in destinations)
    pages = [page.obj for page in joined.pages]
    entries: list[Any] = []
    for key, name in keys:
        number, position = destinations[name]
        entries += [String(key), Array([pages[number], *position])]
    joined.Root.Names = Dictionary(Dests=joined.make_indirect(Dictionary(Names=Array(entries))))


def add_outline(
    joined: pikepdf.Pdf, pages: list[list[tuple[int, str, tuple[float, float], str]]]
) -> None:
    """The outline WeasyPrint would make from the same bookmarks in one document."""
    root: list[Any] = []
    skipped: list[int] = []
    last_by_depth: list[list[Any]] = [root]
    previous = 0
    identity = Matrix()
    for number, marks in enumerate(pages):
        page = SimpleNamespace(bookmarks=marks)
        previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, number, identity)
    with joined.open_outline() as outline:
        outline.root.extend(outline_items(root))


def outline_items(subtrees: list[Any]) -> list[pikepdf.OutlineItem]:
    items = []
    for label, (number, x, y), children, state in subtrees:
        item = pikepdf.OutlineItem(label, number, "XYZ", left=x, top=y, zoom=0)
        item.children.extend(outline_items(children))
        item.is_closed = state == "closed"
        items.append(item)
    return items


class SharedStreams:
    """Every piece embeds the same colour profiles (and may repeat an image): keep one copy."""

    def __init__(self) -> None:
        self.streams: dict[str, Any] = {}
        self.seen: set[tuple[int, int]] = set()

    def image(self, stream: Any) -> Any:
        if stream.get("/SMask") is not None:
            return stream  # an image with a mask: not worth comparing two objects deep
        digest = hashlib.sha256(stream.read_raw_bytes())
        for key in sorted(k for k in stream if k != "/Length"):
            digest.update(f"{key}={stream[key]!r}".encode())
        return self.streams.setdefault(digest.hexdigest(), stream)

    def share(self, pages: Any) -> None:
        for page in pages:
            resources = page.obj.get("/Resources")
            if resources is None or resources.objgen in self.seen:
                continue
            if resources.is_indirect:
                self.seen.add(resources.objgen)
            spaces = resources.get("/ColorSpace", {})
            for name in list(spaces.keys()):
                space = spaces[name]
                if isinstance(space, Array) and len(space) > 1 and space[0] == Name.ICCBased:
                    # Named by its @color-profile rule in the same stylesheets: the same
                    # profile in every piece, though not byte for byte (LittleCMS rewrites it).
                    space[1] = self.streams.setdefault(f"icc {name}", space[1])
            xobjects = resources.get("/XObject", {})
            for name in list(xobjects.keys()):
                if xobjects[name].get("/Subtype") == Name.Image:
                    xobjects[name] = self.image(xobjects[name])


class StructureJoin:
    """One structure tree for the joined book, from the pieces' trees."""

    def __init__(self, joined: pikepdf.Pdf) -> None:
        self.joined = joined
        self.kids: list[Any] = []
        self.nums: list[Any] = []

    def add(self, piece: pikepdf.Pdf) -> None:
        """Take in the tree of a piece whose pages are in the book already."""
        root = piece.Root.get("/StructTreeRoot")
        if root is None:
            return
        document = root.K[0] if isinstance(root.K, Array) else root.K
        for kid in document.K:
            # Cut the tie to the piece's own root first, or copying would bring it along.
            del kid["/P"]
            self.kids.append(self.joined.copy_foreign(kid))
        # The parent tree is keyed by numbers each piece starts from 0: pages carry theirs
        # in /StructParents, links in /StructParent. Renumber both across the book.
        pages = {
            int(page.obj.StructParents): page.obj
            for page in piece.pages
            if "/StructParents" in page.obj
        }
        links = {
            int(annotation.StructParent): annotation
            for page in piece.pages
            for annotation in page.obj.get("/Annots", [])
            if "/StructParent" in annotation
        }
        # One copy of the whole parent tree (qpdf maps what was copied already), then renumber.
        nums = self.joined.copy_foreign(root.ParentTree).Nums
        for key, value in zip(nums[::2], nums[1::2], strict=True):
            new_key = len(self.nums) // 2
            if int(key) in pages:
                # The page as copied into the book (qpdf gives the copy it made already):
                # looking it up by number walks the page tree each time.
                self.joined.copy_foreign(pages[int(key)]).StructParents = new_key
            elif int(key) in links:
                self.joined.copy_foreign(links[int(key)]).StructParent = new_key
            self.nums.extend([new_key, value])

    def finish(self) -> None:
        joined = self.joined
        document = joined.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, K=Array(self.kids))
        )
        parent_tree = joined.make_indirect(Dictionary(Nums=Array(self.nums)))
        root = joined.make_indirect(
            Dictionary(
                Type=Name.StructTreeRoot,
                K=Array([document]),
                ParentTree=parent_tree,
                ParentTreeNextKey=len(self.nums) // 2,
            )
        )
        document.P = root
        for kid in self.kids:
            kid.P = document
        joined.Root.StructTreeRoot = root
