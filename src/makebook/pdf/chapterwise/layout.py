"""Chapter-by-chapter PDF layout: every division laid out on its own, in parallel, cached.

A whole-book WeasyPrint layout is sequential (about 40 ms a page) and has to be
done again after any edit. Here the front matter and each part, chapter and
appendix is laid out as a document of its own, in worker processes, and the
result is cached by what went into it; join.py joins the pieces into one PDF.

Two things cross divisions, and placement.py settles both while the workers lay
the divisions out side by side, through a board of page counts they share:
- where a division starts (its first folio, the side of its first page, and
  whether a blank verso comes before it) follows from the page counts of the
  divisions before it; the folio is set after pagination, so this costs no
  second layout;
- the printed contents and "see page N" references print the page of their
  target; a number the board knows is filled in before layout, one that was
  guessed wrong is corrected by laying out again, at once if the target comes
  before the division, in another round (a fixed point) if it comes after.
The previous build's page counts and target pages are the first guess, so an
edit usually settles in one round that lays out only the edited chapter.
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import re
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from lxml import etree

from makebook.cache import (
    PRUNE_AFTER_SECONDS,
    file_digest,
    layout_state,
    modified_before,
)
from makebook.editions import PRINT
from makebook.errors import Problem
from makebook.files import atomic_output, write_atomically
from makebook.manuscript.config import length_in_inches
from makebook.manuscript.isbns import edition_identifier
from makebook.manuscript.styles import stylesheets
from makebook.model import PageStart, RenderedBook
from makebook.pdf.chapterwise.placement import (
    FAILED,
    Board,
    EarlierDivisionFailed,
    MustTurn,
    Placement,
    Ref,
    Seat,
    fill,
    first_page_css,
    folio_number,
    lay_out_placed,
    place,
    placeholder,
)
from makebook.pdf.document import (
    LINK_SCHEME,
    TO_FRONT_CLASS,
    Division,
    LayoutContext,
    book_divisions,
    estimated_pages,
    html_tree,
    render_html,
    required_gutter,
    serialized,
    styles_digest,
    write_document,
)
from makebook.pdf.fit import Overflow, overflow_warnings, table_overflows
from makebook.pdf.pagelabels import even_page_count
from makebook.pdf.pagemap import RawStart, assemble_starts, raw_starts
from makebook.pdf.pagerefs import FOLIO_ATTRIBUTE, FolioRules
from makebook.processes import WorkerPool, fork_context, worker_pool
from makebook.render.templating import environment
from makebook.xhtml import E

if TYPE_CHECKING:
    from weasyprint import Document

    from makebook.pdf.chapterwise.join import BackgroundJoin, Bookmark, JoinPlan

MAX_ROUNDS = 6
MAX_LAYOUTS = 3  # of one division in one round: its numbers of earlier pages, corrected


@dataclass(frozen=True)
class Group:
    """Divisions laid out together as one document: the front matter, or one body division."""

    divisions: tuple[Division, ...]
    ids: frozenset[str]
    body: bool
    recto: bool = True  # opens on a recto in print (the front matter always does)

    @property
    def name(self) -> str:
        return self.divisions[0].id


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to lay out one document."""

    key: str  # of the document as planned; the worker returns the key of what it laid out
    template: str  # the HTML, with placeholders for the page numbers it prints
    extra_css: str
    inside: str
    context: LayoutContext
    page_ids: frozenset[str]
    identifier: str
    folder: Path  # the layout store: the PDF is written there, named by its key
    assets: str  # digest of the stylesheets and fonts the layout reads
    images: tuple[tuple[str, str], ...]
    seat: Seat | None  # None: laid out as planned, with no other division to wait for


def job_key(job: Job, html: str, extra_css: str) -> str:
    """A digest of everything that goes into laying a document out."""
    edition = job.context.edition
    parts = [edition, html, extra_css, job.inside, job.assets, [list(i) for i in job.images]]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


class Stage(Enum):
    """How far a division's layout went."""

    MEASURED = "measured"  # counted only: it prints pages of divisions after it, so it is
    # laid out again once those are measured (Workers.run)
    WRITTEN = "written"  # its PDF is in the layout store


@dataclass
class Laid:
    """A laid-out document, as far as the rest of the book needs to know it."""

    pages: int
    anchors: dict[str, int]  # id -> page index in this document
    bookmarks: list[list[Bookmark]]  # per page
    starts: list[RawStart]
    pdf: Path | None  # the PDF in the layout store, once WRITTEN
    sha256: str = ""
    overflows: list[Overflow] = field(default_factory=list)  # tables wider than the page
    stage: Stage = Stage.MEASURED


def lay_out_job(job: Job, board: Board) -> tuple[str, Laid]:
    """Runs in a worker: lay out, placed and numbered as far as the other divisions say,
    and write the PDF. Returns the key of the document actually laid out, and its record."""
    seat = job.seat
    if seat is None:
        html = fill(job.template, ())
        document = render_html(job.context, html, job.inside, job.assets, job.extra_css)
        return job.key, written(job, document, job.key, measure(job, document))
    try:
        # Targets before this division are laid out, or being laid out, by other workers
        # (all of them, once it comes back from the end of the queue).
        extra, (numbers, _) = job.extra_css, board.numbers(seat, seat.known_before)
        for _ in range(MAX_LAYOUTS):
            html = fill(job.template, numbers)
            outcome = lay_out_placed(
                seat,
                board,
                lambda: render_html(job.context, html, job.inside, job.assets, extra),  # noqa: B023
            )
            if isinstance(outcome, MustTurn):
                seat = replace(seat, guess=outcome.placement)
                extra = first_page_css(seat.bodies[seat.index], outcome.placement)
                continue
            document = outcome.document
            if outcome.placement is not None:  # now laid out as if placed so from the start
                seat = replace(seat, guess=outcome.placement)
                extra = first_page_css(seat.bodies[seat.index], outcome.placement)
            laid = measure(job, document)
            owned = [(slot, laid.anchors.get(target, 0)) for target, slot in seat.owned]
            board.publish(seat.slot, laid.pages, owned)
            settled, complete = board.numbers(seat, seat.known_after)
            if not complete and not seat.trusted:
                # Numbers of targets further on are known only once those are laid out:
                # this layout gives the page count the divisions after it need; it is
                # laid out again after them (Workers.run).
                return job_key(job, html, extra), laid
            if settled == numbers:
                break
            numbers = settled  # a number it had to guess is known now, and was wrong
        key = job_key(job, html, extra)
        return key, written(job, document, key, laid)
    except BaseException:
        board.publish(seat.slot, FAILED)  # the divisions after this one stop waiting
        raise


def measure(job: Job, document: Document) -> Laid:
    """What the rest of the book needs to know of a laid-out document (no PDF yet)."""
    anchors: dict[str, int] = {}
    bookmarks: list[list[Bookmark]] = []
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)
        # The same transform WeasyPrint applies to its own outline (PDF units, origin bottom-left).
        bookmarks.append(
            [
                (level, label, x * 0.75, (page.height - y) * 0.75, state)
                for level, label, (x, y), state in page.bookmarks
            ]
        )
    starts = raw_starts(job.page_ids, document)
    return Laid(
        len(document.pages), anchors, bookmarks, starts, None, "", table_overflows(document)
    )


def written(job: Job, document: Document, key: str, laid: Laid) -> Laid:
    """The measured layout, with its PDF written into the layout store under `key`."""
    target = LayoutStore(job.folder).pdf_path(key)
    with atomic_output(target) as temp:
        write_document(document, temp, job.context.edition, job.identifier)
        laid.sha256 = file_digest(temp)
    laid.pdf, laid.stage = target, Stage.WRITTEN
    return laid


def groups_of(divisions: list[Division]) -> list[Group]:
    front = [d for d in divisions if d.matter == "front"]
    rest = [d for d in divisions if d.matter != "front"]
    groups = [(tuple(front), False)] if front else []
    groups += [((d,), True) for d in rest]
    return [Group(ds, frozenset(element_ids(ds)), body, not ds[0].any_page) for ds, body in groups]


# cross-references, "Discussed in" (pageref) and the index's locators
PAGE_REF_CLASSES = {"xref", "pageref", "index-locator"}


def numbered(link: etree._Element, in_toc: bool) -> bool:
    """A link that may print its target's page: a contents entry, a cross-reference, a
    page reference (an appendix's "Discussed in") or a locator of the index; the
    edition's stylesheets decide."""
    return in_toc or not PAGE_REF_CLASSES.isdisjoint((link.get("class") or "").split())


def referenced_targets(divisions: Iterable[Division]) -> list[str]:
    targets = set()
    for division in divisions:
        in_toc = division.element.tag == "nav"
        for link in division.element.iter("a"):
            href = link.get("href", "")
            if href.startswith("#") and numbered(link, in_toc):
                targets.add(href[1:])
    return sorted(targets)


def element_ids(divisions: Iterable[Division]) -> Iterable[str]:
    for division in divisions:
        for element in division.element.iter():
            if isinstance(element.tag, str) and element.get("id"):
                yield element.get("id")


@dataclass
class EditionPlan:
    """The fixed-point layout of one edition."""

    edition: str
    groups: list[Group]
    context: LayoutContext
    identifier: str
    document_for: Callable[[list[etree._Element]], etree._Element]  # sections -> <html>
    folio_rules: FolioRules
    assets: str
    store: LayoutStore
    inside: str
    counts: list[int]
    anchors: list[dict[str, int]]
    owner: dict[str, int]  # id -> group index
    images: ImageDigests
    offset: int  # the edition's first count slot on the workers' board
    referenced: dict[str, int]  # target of a page reference -> its anchor slot on the board
    measured: bool  # counts and anchors come from a complete layout (the last build's or this)

    @property
    def bodies(self) -> tuple[bool, ...]:
        return tuple(group.body for group in self.groups)

    @property
    def rectos(self) -> tuple[bool, ...]:
        return tuple(group.recto for group in self.groups)

    def placements(self) -> list[Placement]:
        return place(self.edition, self.bodies, self.rectos, self.counts)

    def total_pages(self) -> int:
        last = self.placements()[-1]
        return last.first_page + self.counts[-1]

    def jobs(self) -> list[Job]:
        placed = self.placements()
        page_ids = frozenset(d.id for g in self.groups for d in g.divisions)
        bodies, rectos = self.bodies, self.rectos
        result = []
        for index, (group, where) in enumerate(zip(self.groups, placed, strict=True)):
            refs: list[Ref] = []
            copies = [copy.deepcopy(d.element) for d in group.divisions]
            document = self.document_for(copies)
            printing = self.printing_links(document, copies)
            sections = [self.resolve(section, group, refs, printing) for section in copies]
            numbers = tuple(self.number(ref, placed) for ref in refs)
            owned = tuple((t, slot) for t, slot in self.referenced.items() if t in group.ids)
            seat = Seat(self.edition, self.offset, index, bodies, rectos, where, tuple(refs),
                        numbers, owned, self.measured)  # fmt: skip
            job = Job("", serialized(document), first_page_css(group.body, where), self.inside,
                      self.context, page_ids, self.identifier, self.store.folder, self.assets,
                      tuple(self.images.of(sections)), seat)  # fmt: skip
            planned = fill(job.template, numbers)
            result.append(replace(job, key=job_key(job, planned, job.extra_css)))
        return result

    def printing_links(
        self, document: etree._Element, sections: list[etree._Element]
    ) -> set[etree._Element]:
        """The links of the sections that print the page of their target: the contents'
        entries, and the cross-references the edition's stylesheets give a number."""
        entries = [link for s in sections if s.tag == "nav" for link in s.iter("a")]
        xrefs = [
            link
            for s in sections
            if s.tag != "nav"
            for link in s.iter("a")
            if link.get("href", "").startswith("#") and numbered(link, False)
        ]
        shown = self.folio_rules.printing(document, xrefs) if xrefs else set()
        return {*entries, *(xrefs[i] for i in shown)}

    def resolve(
        self, section: etree._Element, group: Group, refs: list[Ref], printing: set[etree._Element]
    ) -> etree._Element:
        """Links leaving the group point to a named destination; page references get a
        placeholder for their number, and a Ref in `refs`."""
        in_toc = section.tag == "nav"
        for link in section.iter("a"):
            href = link.get("href", "")
            if not href.startswith("#"):
                continue
            target = href[1:]
            if link in printing:
                front = (in_toc and "toc-front" in (link.getparent().get("class") or "")) or (
                    not {"index-front", TO_FRONT_CLASS}.isdisjoint(
                        (link.get("class") or "").split()
                    )
                )  # a roman folio
                link.set(FOLIO_ATTRIBUTE, placeholder(len(refs)))
                refs.append(Ref(target, self.owner.get(target), self.referenced[target], front))
            if target not in group.ids:
                link.set("href", LINK_SCHEME + target)
        return section

    def number(self, ref: Ref, placed: list[Placement]) -> str:
        """The page number of a reference, as far as the last layout knows it."""
        if ref.owner is None:
            return folio_number(0, ref.roman)
        page = placed[ref.owner].first_folio + self.anchors[ref.owner].get(ref.target, 0)
        return folio_number(page, ref.roman)

    def known_counts(self, laid: list[Laid | None]) -> list[int | None]:
        """For the board: each division's page count, where known before it is laid out.

        After a complete layout (the last build's, or this build's last round) the
        counts it measured stand for the divisions laid out again, so no worker waits:
        a division whose count does change moves the ones after it, and the next
        round lays those out again. With no complete layout, workers wait for counts.
        """
        return [
            done.pages if done else (planned if self.measured else None)
            for done, planned in zip(laid, self.counts, strict=True)
        ]

    def known_anchors(self, laid: list[Laid | None]) -> dict[int, int | None]:
        """For the board: the page of each referenced target in its division, if known.

        A part's, chapter's or appendix's own id is on its first page: a reference to
        it waits only for the page counts before it.
        """
        known: dict[int, int | None] = {}
        for target, slot in self.referenced.items():
            index = self.owner.get(target)
            done = laid[index] if index is not None else None
            if done:
                known[slot] = done.anchors.get(target, 0)
            elif index is not None and self.measured:
                known[slot] = self.anchors[index].get(target, 0)
            elif (
                index is not None and self.groups[index].body and self.groups[index].name == target
            ):
                known[slot] = 0
            else:
                known[slot] = None
        return known

    def update(self, laid: list[Laid]) -> None:
        self.counts = [each.pages for each in laid]
        self.anchors = [each.anchors for each in laid]
        self.measured = True
        design = length_in_inches(self.context.settings.inside)
        if self.edition == PRINT.name:
            self.inside = f"{max(design, required_gutter(self.total_pages()))}in"


@dataclass
class LayoutStore:
    """Laid-out documents on disk, by the digest of everything that went into them."""

    folder: Path

    def pdf_path(self, key: str) -> Path:
        return self.folder / f"{key}.pdf"

    def get(self, key: str) -> Laid | None:
        """A cached layout, only if its record parses and its PDF still has the recorded bytes."""
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            laid = Laid(
                data["pages"],
                data["anchors"],
                [[tuple(b) for b in page] for page in data["bookmarks"]],  # type: ignore[misc]
                [tuple(s) for s in data["starts"]],  # type: ignore[misc]
                self.pdf_path(key),
                data["sha256"],
                [Overflow(*o) for o in data.get("overflows", [])],
                Stage.WRITTEN,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if laid.pdf is None or not laid.pdf.is_file() or file_digest(laid.pdf) != laid.sha256:
            return None
        return laid

    def put(self, key: str, laid: Laid) -> None:
        data = {
            "pages": laid.pages,
            "anchors": laid.anchors,
            "bookmarks": laid.bookmarks,
            "starts": laid.starts,
            "sha256": laid.sha256,
            "overflows": [[o.division, o.table, o.inches] for o in laid.overflows],
        }
        write_atomically(self.folder / f"{key}.json", json.dumps(data))

    def state_path(self, book: str, edition: str) -> Path:
        return layout_state(self.folder.parent, book, edition)

    def previous(self, book: str, edition: str) -> dict[str, object]:
        try:
            data = json.loads(self.state_path(book, edition).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def remember(self, book: str, edition: str, layout: EditionPlan, keys: list[str]) -> None:
        data = {
            "inside": layout.inside,
            "groups": {
                g.name: {"pages": c, "anchors": a}
                for g, c, a in zip(layout.groups, layout.counts, layout.anchors, strict=True)
            },
            "keys": keys,
        }
        write_atomically(self.state_path(book, edition), json.dumps(data))

    def prune(self) -> None:
        """Remove layouts no edition's last build used."""
        keep: set[str] = set()
        for state in self.folder.glob("state-*.json"):
            try:
                keep.update(json.loads(state.read_text(encoding="utf-8")).get("keys", []))
            except (OSError, ValueError, AttributeError):
                continue
        settled = time.time() - PRUNE_AFTER_SECONDS
        for path in self.folder.iterdir():
            unused = path.suffix in (".pdf", ".json") and path.stem not in keep
            # Files starting with a dot were being written by a build that was killed.
            stale = path.name.startswith(".") or (unused and not path.name.startswith("state-"))
            if stale and modified_before(path, settled):
                path.unlink(missing_ok=True)


@dataclass
class Guess:
    """The last build's layout of an edition: the first guess for this one."""

    inside: str
    counts: list[int]
    anchors: list[dict[str, int]]
    complete: bool  # every division was in the last build

    @classmethod
    def read(cls, previous: dict[str, object], groups: list[Group]) -> Guess:
        blank = cls("", [1] * len(groups), [{} for _ in groups], False)
        try:
            inside = str(previous.get("inside") or "")
            known = previous.get("groups") or {}
            if not isinstance(known, dict) or (inside and not INSIDE.match(inside)):
                raise ValueError("not a layout record")
            counts = [int(known.get(g.name, {}).get("pages", 1)) for g in groups]
            anchors = [
                {str(k): int(v) for k, v in known.get(g.name, {}).get("anchors", {}).items()}
                for g in groups
            ]
            if min(counts, default=1) < 1:
                raise ValueError("a division without pages")
        except (AttributeError, TypeError, ValueError):
            return blank  # a damaged record: guess nothing, lay everything out
        return cls(inside, counts, anchors, bool(known) and all(g.name in known for g in groups))


INSIDE = re.compile(r"^\d+(\.\d+)?in$")


class ImageDigests:
    """The images a division shows, by content: an edited image lays out only its chapters."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.known: dict[str, str] = {}

    def of(self, sections: list[etree._Element]) -> list[tuple[str, str]]:
        sources = sorted({img.get("src", "") for s in sections for img in s.iter("img")})
        return [(src, self.digest(src)) for src in sources if src]

    def digest(self, src: str) -> str:
        if src not in self.known:
            path = self.root / unquote(urlsplit(src).path)
            self.known[src] = file_digest(path) if path.is_file() else "missing"
        return self.known[src]


@dataclass
class EditionResult:
    layout: EditionPlan
    laid: list[Laid]
    blank: Path | None
    join: BackgroundJoin | None = None  # started while the divisions were laid out

    @property
    def pages(self) -> int:
        return self.layout.total_pages() + self.blank_after

    @property
    def blank_after(self) -> bool:
        """The print edition ends on a blank verso when its pages are odd in number."""
        return needs_blank_after(self.layout)

    def overflows(self) -> list[tuple[str, Overflow]]:
        return [(self.layout.edition, o) for laid in self.laid for o in laid.overflows]

    def starts(self) -> tuple[PageStart, ...]:
        raws: list[RawStart] = []
        for where, laid in zip(self.layout.placements(), self.laid, strict=True):
            if where.blank_before:
                raws.append(("", None, ""))
            raws.extend(laid.starts)
        if self.blank_after:
            raws.append(("", None, ""))
        return assemble_starts(raws)

    def plan(self) -> JoinPlan:
        from makebook.pdf.chapterwise.join import JoinPlan, Piece

        pieces = [
            Piece(written_pdf(laid), laid.bookmarks, where.blank_before)
            for where, laid in zip(self.layout.placements(), self.laid, strict=True)
        ]
        labels = [start.label for start in self.starts()]
        return JoinPlan(pieces, self.blank, labels, self.blank_after, self.layout.identifier)

    def start_writing(self, out: Path) -> Callable[[], None]:
        """Join the divisions into `out` in the background; the function returned waits."""
        from makebook.pdf.chapterwise.join import BackgroundJoin

        join, self.join = self.join or BackgroundJoin([]), None
        return join.start_join(self.plan(), out)

    def discard(self) -> None:
        """The laid-out divisions stay in the cache for the next build; a join started
        for an edition that is not written is stopped."""
        if self.join is not None:
            self.join.cancel()
            self.join = None


def layout_warnings(rendered: RenderedBook, results: Iterable[EditionResult]) -> list[Problem]:
    """What the laid-out pages show is wrong: tables wider than the text block."""
    return overflow_warnings(rendered.book, (o for r in results for o in r.overflows()))


def written_pdf(laid: Laid) -> Path:
    if laid.stage is not Stage.WRITTEN or laid.pdf is None:
        raise ValueError("a division was measured but never written")
    return laid.pdf


def lay_out_editions(
    rendered: RenderedBook,
    editions: list[str],
    cache_folder: Path,
    name: str,
    progress: Callable[..., None] = lambda *_: None,
    written: Collection[str] = (),
) -> dict[str, EditionResult]:
    """Lay out the given PDF editions chapter by chapter, reusing every cached division.

    For the editions `written` (to be joined into a PDF after this), a join starts in
    the background as soon as it is known which divisions are cached.
    """
    shared = SharedPlan.of(rendered, LayoutStore(cache_folder / "layout"))
    store, groups, targets = shared.store, shared.groups, shared.targets
    layouts = {
        edition: plan_edition(
            rendered, edition, number, shared, Guess.read(store.previous(name, edition), groups)
        )  # fmt: skip
        for number, edition in enumerate(editions)
    }
    results: dict[str, Laid] = {}
    joins: dict[str, BackgroundJoin] = {}

    def start_join(layout: EditionPlan, known: list[Laid | None]) -> None:
        from makebook.pdf.chapterwise.join import BackgroundJoin

        ready = [laid.pdf for laid in known if laid is not None and laid.stage is Stage.WRITTEN]
        if layout.edition in written and ready:
            joins[layout.edition] = BackgroundJoin(ready)  # type: ignore[arg-type]

    try:
        with Workers(len(editions) * len(groups), len(editions) * len(targets)) as workers:
            plans = settle(list(layouts.values()), results, store, workers, progress, start_join)
            finished = Finished(results, store, workers, name)
            output = {
                edition: finished.edition(layout, plans[id(layout)], joins.pop(edition, None))
                for edition, layout in layouts.items()
            }
    finally:
        for join in joins.values():  # started, but the layout failed
            join.cancel()
    store.prune()
    return output


@dataclass(frozen=True)
class SharedPlan:
    """What every edition's plan shares: the book's groups, the targets of its page
    references, and the layout store."""

    groups: list[Group]
    targets: list[str]
    owner: dict[str, int]  # element id -> index of the group that holds it
    images: ImageDigests
    store: LayoutStore

    @classmethod
    def of(cls, rendered: RenderedBook, store: LayoutStore) -> SharedPlan:
        store.folder.mkdir(parents=True, exist_ok=True)
        book = rendered.book
        divisions = book_divisions(rendered, environment(book.styles_dir.parent / "templates"))
        groups = groups_of(divisions)
        owner = {i: index for index, group in enumerate(groups) for i in group.ids}
        return cls(groups, referenced_targets(divisions), owner, ImageDigests(book.root), store)


def plan_edition(
    rendered: RenderedBook, edition: str, number: int, shared: SharedPlan, guess: Guess
) -> EditionPlan:
    """An edition's plan, starting from the last build's layout of it (`guess`)."""
    book, groups, targets = rendered.book, shared.groups, shared.targets
    if not guess.inside:
        design = length_in_inches(book.pdf.inside)
        gutter = required_gutter(estimated_pages(book)) if edition == PRINT.name else 0
        guess.inside = f"{max(design, gutter)}in"
    return EditionPlan(
        edition=edition,
        groups=groups,
        context=LayoutContext(book.root, book.styles_dir, book.pdf, edition, book.hyphenation),
        identifier=edition_identifier(rendered.meta, edition),
        document_for=lambda sections: html_tree(rendered.meta, edition, sections),
        folio_rules=FolioRules.read(stylesheets(book.styles_dir, edition)),
        assets=styles_digest(book, edition),
        store=shared.store,
        inside=guess.inside,
        counts=guess.counts,
        anchors=guess.anchors,
        owner=shared.owner,
        images=shared.images,
        offset=number * len(groups),
        referenced={t: number * len(targets) + i for i, t in enumerate(targets)},
        measured=guess.complete,
    )


@dataclass(frozen=True)
class Finished:
    """Turns a settled edition into its result, with the blank page its versos need,
    remembered in the store for the next build."""

    results: dict[str, Laid]
    store: LayoutStore
    workers: Workers
    name: str

    def edition(
        self, layout: EditionPlan, final: list[Job], join: BackgroundJoin | None
    ) -> EditionResult:
        blank = None
        versos = any(p.blank_before for p in layout.placements()) or needs_blank_after(layout)
        if layout.edition == PRINT.name and versos:
            blank = blank_page(layout, self.results, self.store, self.workers)
        keys = [j.key for j in final] + ([blank.stem] if blank else [])
        self.store.remember(self.name, layout.edition, layout, keys)
        return EditionResult(layout, [self.results[j.key] for j in final], blank, join)


def needs_blank_after(layout: EditionPlan) -> bool:
    return layout.edition == PRINT.name and not even_page_count(layout.total_pages())


class LayoutDidNotSettle(Exception):
    """Page numbers that keep changing each other (a reference whose number, once printed,
    moves its own target): the whole-book layout is the way out."""


def settle(
    layouts: list[EditionPlan],
    results: dict[str, Laid],
    store: LayoutStore,
    workers: Workers,
    progress: Callable[..., None],
    first_known: Callable[[EditionPlan, list[Laid | None]], None] = lambda *_: None,
) -> dict[int, list[Job]]:
    """Lay out, round after round, until every division's inputs follow from the results.

    Returns each layout's settled jobs (by id() of the layout), all laid out and written.
    `first_known` is told, before anything is laid out, what each layout has cached.
    """
    plans = {id(layout): layout.jobs() for layout in layouts}
    pending = list(layouts)
    for round_number in range(MAX_ROUNDS):
        todo: dict[str, Job] = {}
        for layout in pending:
            known: list[Laid | None] = []
            for job in plans[id(layout)]:
                cached = results.get(job.key) or store.get(job.key)
                if cached is not None:
                    results[job.key] = cached
                if cached is None or cached.stage is Stage.MEASURED:
                    todo.setdefault(job.key, job)
                known.append(cached)
            if round_number == 0:
                first_known(layout, known)
            workers.board.reset(layout.offset, layout.known_counts(known))
            workers.board.reset_anchors(layout.known_anchors(known))
        total = sum(len(plans[id(layout)]) for layout in pending)
        progress(f"Laying out {len(todo)} of {total} divisions")

        def laid_out(done: int, count: int) -> None:  # the bar moves with every division
            progress(f"Laying out pages: {done} of {count} divisions", done, count)

        as_planned: dict[str, Laid] = {}
        for job, key, laid in workers.run(list(todo.values()), laid_out):
            results[key] = laid
            if laid.pdf is not None:
                store.put(key, laid)
            as_planned[job.key] = laid
        for layout in list(pending):
            plan = plans[id(layout)]
            layout.update([results.get(j.key) or as_planned[j.key] for j in plan])
            again = layout.jobs()
            keys = [j.key for j in again]
            if keys == [j.key for j in plan] and all(
                key in results and results[key].pdf is not None for key in keys
            ):
                pending.remove(layout)
            plans[id(layout)] = again
        if not pending:
            return plans
    raise LayoutDidNotSettle()


def blank_page(
    layout: EditionPlan, results: dict[str, Laid], store: LayoutStore, workers: Workers
) -> Path:
    """A document whose second page is the edition's blank verso (with its trim and marks)."""
    html = serialized(
        layout.document_for(
            [
                E.div(E.p("\u00a0")),
                E.section({"class": "makebook-blank-verso"}, E.p("\u00a0")),
            ]
        )
    )
    css = ".makebook-blank-verso { break-before: right; }"
    key = hashlib.sha256(
        json.dumps(["blank", layout.edition, html, css, layout.inside, layout.assets]).encode()
    ).hexdigest()
    cached = results.get(key) or store.get(key)
    if cached is None:
        job = Job(key, html, css, layout.inside, layout.context, frozenset(), layout.identifier,
                  store.folder, layout.assets, (), None)  # fmt: skip
        ((_, _, cached),) = workers.run([job])
        store.put(key, cached)
    return cached.pdf


class Workers:
    """Worker processes for layout: one per core; none on a single core.

    They share a board of page counts (placement.py), made before they are forked.
    """

    def __init__(self, slots: int, targets: int) -> None:
        self.fork = fork_context()
        self.board = Board(self.fork or multiprocessing.get_context(), slots, targets)
        self.pool: WorkerPool | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if self.pool is None:
            return
        if kind is None:
            self.pool.shutdown(cancel_futures=True)
        else:  # a failure or Ctrl-C: the jobs under way are not waited for
            self.pool.stop_now()

    def run(
        self, jobs: list[Job], laid_out: Callable[[int, int], None] = lambda *_: None
    ) -> list[tuple[Job, str, Laid]]:
        """Lay the jobs out; each comes back with the key of what was laid out.

        In book order: a division waits only for divisions before it, which are then
        already taken by a worker (or done), so every wait ends. A division that could
        only be measured (it prints the page of a later one) goes to the end of the
        queue, laid out when every division has been measured.
        """
        ordered = sorted(jobs, key=lambda j: (j.seat.index, j.seat.first) if j.seat else (0, 0))
        if len(jobs) <= 1 or self.fork is None:
            return self.run_here(ordered, laid_out)
        if self.pool is None:
            self.pool = worker_pool(self.fork, join_board, (self.board,))
        submitted = {self.pool.submit(lay_out_in_worker, job): job for job in ordered}
        pending, done, failures = set(submitted), [], []
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                job = submitted[future]
                if future.exception() is not None:
                    failures.append(future.exception())
                    continue
                key, laid = future.result()
                if laid.stage is Stage.MEASURED and not failures:
                    again = self.pool.submit(lay_out_in_worker, when_all_measured(job))
                    submitted[again] = job
                    pending.add(again)
                else:
                    done.append((job, key, laid))
                    laid_out(len(done), len(jobs))
        # A division that failed stops those waiting for it: its error is the one to show.
        for failure in sorted(failures, key=lambda f: isinstance(f, EarlierDivisionFailed)):
            raise failure
        return done

    def run_here(
        self, ordered: list[Job], laid_out: Callable[[int, int], None] = lambda *_: None
    ) -> list[tuple[Job, str, Laid]]:
        done = []
        queue = [(job, job) for job in ordered]
        for job, planned in queue:
            key, laid = lay_out_job(job, self.board)
            if laid.stage is Stage.MEASURED:
                queue.append((when_all_measured(job), planned))
            else:
                done.append((planned, key, laid))
                laid_out(len(done), len(ordered))
        return done


def when_all_measured(job: Job) -> Job:
    """The job again, to be laid out with every page number it prints known."""
    assert job.seat is not None
    return replace(job, seat=replace(job.seat, last=True))


WORKER_BOARD: list[Board] = []  # in a worker process: the board it was forked with


def join_board(board: Board) -> None:
    """Runs first in every worker process."""
    WORKER_BOARD.append(board)


def lay_out_in_worker(job: Job) -> tuple[str, Laid]:
    return lay_out_job(job, WORKER_BOARD[0])
