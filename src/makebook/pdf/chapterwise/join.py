"""Join divisions laid out one by one into one PDF: the same book a whole-book layout makes.

Each piece is a complete tagged PDF from WeasyPrint. Joining keeps every page as
it is and rebuilds what spans the book: one structure tree (the pieces' tagged
content under one Document element, with a parent tree renumbered across
pages), one set of named destinations, links between divisions pointing at
them, one outline, and the document-level entries (metadata, language, output
intent) that every piece carries alike.

After an edit most pieces come from the cache: a background process copies them
into the joined file while the edited ones are still being laid out, so what is
left once they are is to copy those few, number the tree in book order and save.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from makebook.pdf.chapterwise.fonts import share_fonts
from makebook.pdf.pagelabels import set_isbn, set_page_labels
from makebook.pdf.weasy import page_bookmark_tree
from makebook.processes import (
    fork_context,
    in_background,
    leave_with_parent,
    outcome_of,
    quiet_worker,
)

CATALOG_KEYS = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/OutputIntents", "/Metadata")
Bookmark = tuple[int, str, float, float, str]  # level, label, x, y (PDF units), state


@dataclass(frozen=True)
class Piece:
    """One division as the join needs it: its PDF, its bookmarks (per page) and whether
    a blank verso comes before it."""

    pdf: Path
    bookmarks: list[list[Bookmark]]
    blank_before: bool


@dataclass(frozen=True)
class JoinPlan:
    pieces: list[Piece]
    blank: Path | None  # a PDF whose second page is the edition's blank verso
    labels: list[str] = field(default_factory=list)  # every page's label (pdf/pagelabels.py)
    blank_after: bool = False  # a blank verso at the end, for an even page count
    identifier: str = ""  # the edition's urn:isbn:, for its XMP (pdf/pagelabels.py)


def join_edition(plan: JoinPlan, out: Path) -> None:
    with Joiner() as joiner:
        joiner.join(plan, out)


@dataclass
class Prepared:
    """A piece copied into the book ahead of assembly: its pages (not yet in the page
    tree), its structure and its named destinations, all as copies in the joined file."""

    source: pikepdf.Pdf
    pages: list[Any]
    kids: list[Any]
    parents: list[tuple[Any, Any, str]]  # parent-tree value, its page or link, its key
    destinations: dict[bytes, Any]  # name, as the PDF spells it -> [page, position]


class Joiner:
    """Joins pieces in two steps, so the pieces already laid out can be copied while the
    others are still being laid out: `prepare` copies a piece into the new file, `join`
    assembles the book in order from prepared pieces (preparing the rest) and saves it.

    What is copied but not used (a piece laid out again meanwhile) is unreachable from
    the assembled book and is not written: the file is the same whatever was prepared.
    """

    def __init__(self) -> None:
        # The pieces stay open until the joined file is saved: qpdf copies stream data then.
        self.stack = contextlib.ExitStack()
        self.joined = self.stack.enter_context(pikepdf.Pdf.new())
        self.prepared: dict[Path, list[Prepared]] = {}

    def __enter__(self) -> Joiner:
        return self

    def __exit__(self, *_: object) -> None:
        self.stack.close()

    def prepare(self, path: Path) -> None:
        self.prepared.setdefault(path, []).append(self.copied(path))

    def take(self, path: Path) -> Prepared:
        ready = self.prepared.get(path)
        return ready.pop(0) if ready else self.copied(path)

    def copied(self, path: Path) -> Prepared:
        source = self.stack.enter_context(pikepdf.open(path))
        joined = self.joined
        pages = [joined.copy_foreign(page.obj) for page in source.pages]
        kids, parents = structure_of(joined, source)
        return Prepared(source, pages, kids, parents, named_destinations(source, pages))

    def join(self, plan: JoinPlan, out: Path) -> None:
        joined = self.joined
        blank = self.stack.enter_context(pikepdf.open(plan.blank)) if plan.blank else None
        tree = StructureJoin(joined)
        destinations: dict[bytes, Any] = {}
        bookmarks: list[list[tuple[int, str, tuple[float, float], str]]] = []
        first = None
        for piece in plan.pieces:
            if piece.blank_before:
                assert blank is not None
                add_blank(joined, blank)
                bookmarks.append([])
            prepared = self.take(piece.pdf)
            if first is None:
                first = prepared.source
            for page in prepared.pages:
                joined.pages.append(pikepdf.Page(page))
            tree.add(prepared)
            destinations.update(prepared.destinations)
            bookmarks.extend(
                [(level, label, (x, y), state) for level, label, x, y, state in page]
                for page in piece.bookmarks
            )
        assert first is not None
        if plan.blank_after:
            assert blank is not None
            add_blank(joined, blank)
        SharedStreams().share(joined.pages)
        share_fonts(joined)  # one program per face, not one per division
        # Every piece has the same document-level entries (one book, one set of styles).
        for key in CATALOG_KEYS:
            if key in first.Root:
                joined.Root[key] = copy_object(joined, first.Root[key])
        joined.trailer.Info = copy_object(joined, first.trailer.Info)
        tree.finish()
        link_destinations(joined, destinations)
        add_outline(joined, bookmarks)
        if plan.labels:
            set_page_labels(joined, plan.labels)
        set_isbn(joined, plan.identifier)
        joined.save(
            out,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            deterministic_id=True,
            min_version=first.pdf_version,
        )


class BackgroundJoin:
    """A joiner in a process of its own, started while divisions are still being laid
    out: it copies in the pieces laid out already (an edit's unchanged chapters), then
    joins when the build sends the final plan. On one core, the join happens at the end."""

    def __init__(self, ready: list[Path]) -> None:
        self.ready = ready
        self.process = None
        context = fork_context()
        if context is None:
            return
        receive_plan, self.plans = context.Pipe(duplex=False)
        self.outcome, send_outcome = context.Pipe(duplex=False)
        parent = os.getpid()
        self.process = context.Process(
            target=serve_join, args=(parent, ready, receive_plan, send_outcome), daemon=True
        )
        self.process.start()
        receive_plan.close()
        send_outcome.close()

    def start_join(self, plan: JoinPlan, out: Path) -> Callable[[], None]:
        """Join the plan into `out`; the returned function waits and raises what failed."""
        if self.process is None:
            return in_background(functools.partial(join_edition, plan, out))
        self.plans.send((plan, out))
        return self.wait

    def wait(self) -> None:
        assert self.process is not None
        process, self.process = self.process, None  # it closes its files and exits
        try:
            outcome_of(self.outcome, "the process joining a PDF edition stopped")
        except BaseException:
            process.terminate()  # stopped (Ctrl-C): the joined file is not to be finished
            process.join(timeout=5)
            raise

    def cancel(self) -> None:
        """Stop the process (the build failed, or this edition is not written)."""
        if self.process is None:
            return
        with contextlib.suppress(OSError):
            self.plans.send(None)
        self.process.join()
        self.process = None


def serve_join(parent: int, ready: list[Path], plans: Connection, outcome: Connection) -> None:
    quiet_worker()
    leave_with_parent(parent)
    try:
        with Joiner() as joiner:
            for path in ready:
                if plans.poll():
                    break  # the plan is here: prepare nothing more, join
                with contextlib.suppress(Exception):
                    # Only a head start: a piece that cannot be copied here is copied
                    # again by the join, which reports what is wrong with it.
                    joiner.prepare(path)
            message = plans.recv()
            if message is None:
                return
            joiner.join(*message)
            # Said before the pieces are closed: the joined file is complete.
            outcome.send(None)
    except EOFError:
        return  # the build is gone
    except BaseException as exc:  # reported to the build, which raises it
        outcome.send(exc)


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


def add_blank(joined: pikepdf.Pdf, blank: pikepdf.Pdf) -> None:
    """A blank verso: the second page of the blank document, sharing its content stream."""
    source = joined.copy_foreign(blank.pages[1].obj)
    page = Dictionary(
        {key: source[key] for key in source if key not in ("/Parent", "/StructParents")}
    )
    joined.pages.append(pikepdf.Page(page))


def named_destinations(piece: pikepdf.Pdf, pages: list[Any]) -> dict[bytes, Any]:
    """Each id the piece can be linked to, as a destination on its page as copied into
    the book (`pages`), keyed by the name's bytes: the order the name tree needs."""
    names = piece.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    index = {page.obj.objgen: number for number, page in enumerate(piece.pages)}
    found = {}
    for name, destination in pikepdf.NameTree(names.Dests).items():
        page = pages[index[destination[0].objgen]]
        found[bytes(String(name))] = Array([page, *destination[1:]])
    return found


def link_destinations(joined: pikepdf.Pdf, destinations: dict[bytes, Any]) -> None:
    """The book's named destinations: links between divisions point at them by name
    (pdf.links_between_divisions made them so when each division was written)."""
    # One node holding every name, in the byte order the PDF reference asks for, built at
    # once: adding thousands of names one by one to a pikepdf.NameTree took most of a
    # second for a big book.
    entries: list[Any] = []
    for key in sorted(destinations):
        entries += [String(key), destinations[key]]
    joined.Root.Names = Dictionary(Dests=joined.make_indirect(Dictionary(Names=Array(entries))))


def add_outline(
    joined: pikepdf.Pdf, pages: list[list[tuple[int, str, tuple[float, float], str]]]
) -> None:
    """The outline WeasyPrint would make from the same bookmarks in one document."""
    root: list[Any] = []
    skipped: list[int] = []
    last_by_depth: list[list[Any]] = [root]
    previous = 0
    for number, marks in enumerate(pages):
        page = SimpleNamespace(bookmarks=marks)
        previous = page_bookmark_tree(page, skipped, last_by_depth, previous, number)
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


def structure_of(joined: pikepdf.Pdf, piece: pikepdf.Pdf) -> tuple[list[Any], list[Any]]:
    """A piece's tagged content, copied: the children of its Document element, and its
    parent tree as (value, page or link it belongs to, the key that numbers it)."""
    root = piece.Root.get("/StructTreeRoot")
    if root is None:
        return [], []
    document = root.K[0] if isinstance(root.K, Array) else root.K
    kids = []
    for kid in document.K:
        # Cut the tie to the piece's own root first, or copying would bring it along.
        del kid["/P"]
        kids.append(joined.copy_foreign(kid))
    # The parent tree is keyed by numbers each piece starts from 0: pages carry theirs
    # in /StructParents, links in /StructParent. The join renumbers both across the book.
    owners = {
        int(page.obj.StructParents): (page.obj, "/StructParents")
        for page in piece.pages
        if "/StructParents" in page.obj
    }
    owners.update(
        (int(annotation.StructParent), (annotation, "/StructParent"))
        for page in piece.pages
        for annotation in page.obj.get("/Annots", [])
        if "/StructParent" in annotation
    )
    # One copy of the whole parent tree (qpdf maps what was copied already).
    nums = joined.copy_foreign(root.ParentTree).Nums
    parents = []
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        owner, numbering = owners.get(int(key), (None, ""))
        # The page or link as copied into the book: qpdf gives the copy it made already.
        copied = joined.copy_foreign(owner) if owner is not None else None
        parents.append((value, copied, numbering))
    return kids, parents


class StructureJoin:
    """One structure tree for the joined book, from the pieces' trees, numbered in
    book order."""

    def __init__(self, joined: pikepdf.Pdf) -> None:
        self.joined = joined
        self.kids: list[Any] = []
        self.nums: list[Any] = []

    def add(self, piece: Prepared) -> None:
        """Take in the tree of a piece whose pages are in the book already."""
        self.kids.extend(piece.kids)
        for value, owner, numbering in piece.parents:
            new_key = len(self.nums) // 2
            if owner is not None:
                owner[numbering] = new_key
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
