"""Chapter-by-chapter PDF layout: every division laid out on its own, in parallel, cached.

A whole-book WeasyPrint layout is sequential (about 40 ms a page) and has to be
done again after any edit. Here the front matter and each part, chapter and
appendix is laid out as a document of its own, in worker processes, and the
result is cached by what went into it; pdfjoin.py joins the pieces into one PDF.

Two things cross divisions, and both are settled by laying out again until
nothing changes (a fixed point):
- where a division starts (its first folio, and whether a blank verso comes
  before it) depends on the page counts of the divisions before it;
- the printed contents and "see page N" references print the page of their
  target, which may be in another division.
The previous build's page counts and target pages are the first guess, so an
edit usually settles in one round that lays out only the edited chapter. With
no previous build, a first round only measures (layout without writing).
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from .cache import (
    PRUNE_AFTER_SECONDS,
    file_digest,
    layout_state,
    modified_before,
)
from .config import length_in_inches
from .model import PageStart, RenderedBook
from .pagemap import RawStart, assemble_starts, raw_starts, to_roman
from .pdf import (
    Division,
    LayoutContext,
    book_divisions,
    estimated_pages,
    html_document,
    render_html,
    required_gutter,
    styles_digest,
    write_document,
)
from .templating import environment
from .xhtml import E

LINK_SCHEME = "makebook:"  # a link to another division; pdfjoin.py turns it into a destination
MAX_ROUNDS = 6
Bookmark = tuple[int, str, float, float, str]  # level, label, x, y (PDF units), state


@dataclass(frozen=True)
class Group:
    """Divisions laid out together as one document: the front matter, or one body division."""

    divisions: tuple[Division, ...]
    ids: frozenset[str]
    body: bool

    @property
    def name(self) -> str:
        return self.divisions[0].id


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to lay out one document."""

    key: str
    html: str
    extra_css: str
    inside: str
    context: LayoutContext
    page_ids: frozenset[str]
    identifier: str
    pdf: Path | None  # where to write the PDF; None = measure only
    assets: str  # digest of the stylesheets and fonts the layout reads


@dataclass
class Laid:
    """A laid-out document, as far as the rest of the book needs to know it."""

    pages: int
    anchors: dict[str, int]  # id -> page index in this document
    bookmarks: list[list[Bookmark]]  # per page
    starts: list[RawStart]
    pdf: Path | None
    sha256: str = ""


def lay_out_job(job: Job) -> Laid:
    """Runs in a worker: lay out, measure, and write the PDF if asked to."""
    document = render_html(job.context, job.html, job.inside, job.assets, job.extra_css)
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
    laid = Laid(len(document.pages), anchors, bookmarks, raw_starts(job.page_ids, document), None)
    if job.pdf is not None:
        temp = job.pdf.with_name(f".{job.pdf.name}.{os.getpid()}.part")
        write_document(document, temp, job.context.edition, job.identifier)
        laid.sha256 = file_digest(temp)
        os.replace(temp, job.pdf)
        laid.pdf = job.pdf
    return laid


def groups_of(divisions: list[Division]) -> list[Group]:
    front = [d for d in divisions if d.matter == "front"]
    rest = [d for d in divisions if d.matter != "front"]
    groups = [(tuple(front), False)] if front else []
    groups += [((d,), True) for d in rest]
    return [Group(ds, frozenset(element_ids(ds)), body) for ds, body in groups]


def element_ids(divisions: Iterable[Division]) -> Iterable[str]:
    for division in divisions:
        for element in division.element.iter():
            if isinstance(element.tag, str) and element.get("id"):
                yield element.get("id")


@dataclass
class Placement:
    """Where a group lands in the joined book."""

    blank_before: bool
    first_page: int  # index in the whole PDF
    first_folio: int  # value of the page counter on its first page


def first_page_css(group: Group, place: Placement) -> str:
    """Where a division starts: its first folio, and a left-hand page when it lands on one."""
    rules = []
    if group.body:
        # Only :first works here; `@page { counter-reset }` would reset on every page.
        rules.append(f"@page :first {{ counter-reset: page {place.first_folio}; }}")
    if place.first_page % 2 == 1:
        # The root's break-before decides the side of a document's first page.
        rules.append("html { break-before: left; }")
    return "\n".join(rules)


@dataclass
class EditionLayout:
    """The fixed-point layout of one edition."""

    edition: str
    groups: list[Group]
    context: LayoutContext
    identifier: str
    html_for: Callable[[list[etree._Element]], str]
    assets: str
    store: LayoutStore
    inside: str
    counts: list[int]
    anchors: list[dict[str, int]]
    owner: dict[str, int]  # id -> group index
    images: ImageDigests
    measured: bool  # counts come from a real layout (this build's or the last one's)

    def placements(self) -> list[Placement]:
        recto = self.edition == "print"  # the print edition opens every division on a recto
        placed: list[Placement] = []
        page = folio = 0
        in_body = False
        for index, (group, count) in enumerate(zip(self.groups, self.counts, strict=True)):
            blank = recto and index > 0 and page % 2 == 1
            page += blank
            if group.body and not in_body:
                folio, in_body = 0, True  # the body's folios start again at 1
            else:
                folio += blank
            placed.append(Placement(blank, page, folio + 1))
            page += count
            folio += count
        return placed

    def total_pages(self) -> int:
        last = self.placements()[-1]
        return last.first_page + self.counts[-1]

    def folio_of(self, target: str, placed: list[Placement]) -> int:
        index = self.owner.get(target)
        if index is None:
            return 0
        return placed[index].first_folio + self.anchors[index].get(target, 0)

    def jobs(self, write: bool) -> list[Job]:
        placed = self.placements()
        page_ids = frozenset(d.id for g in self.groups for d in g.divisions)
        result = []
        for group, place in zip(self.groups, placed, strict=True):
            sections = [
                self.resolve(copy.deepcopy(d.element), group, placed) for d in group.divisions
            ]
            html = self.html_for(sections)
            extra = first_page_css(group, place)
            images = self.images.of(sections)
            key = hashlib.sha256(
                json.dumps([self.edition, html, extra, self.inside, self.assets, images]).encode()
            ).hexdigest()
            result.append(
                Job(key, html, extra, self.inside, self.context, page_ids, self.identifier,
                    self.store.pdf_path(key) if write else None, self.assets)
            )  # fmt: skip
        return result

    def resolve(
        self, section: etree._Element, group: Group, placed: list[Placement]
    ) -> etree._Element:
        """Links leaving the group point to a named destination; page references get numbers."""
        in_toc = section.tag == "nav"
        for link in section.iter("a"):
            href = link.get("href", "")
            if not href.startswith("#"):
                continue
            target = href[1:]
            if "xref" in (link.get("class") or "").split() or in_toc:
                folio = self.folio_of(target, placed)
                front = in_toc and "toc-front" in (link.getparent().get("class") or "")
                link.set("data-folio", to_roman(folio) if front else str(folio))
            if target not in group.ids:
                link.set("href", LINK_SCHEME + target)
        return section

    def update(self, jobs: list[Job], results: dict[str, Laid]) -> None:
        self.counts = [results[job.key].pages for job in jobs]
        self.anchors = [results[job.key].anchors for job in jobs]
        self.measured = True
        design = length_in_inches(self.context.settings.inside)
        if self.edition == "print":
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
        }
        temp = self.folder / f".{key}.json.{os.getpid()}"
        temp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temp, self.folder / f"{key}.json")

    def state_path(self, book: str, edition: str) -> Path:
        return layout_state(self.folder.parent, book, edition)

    def previous(self, book: str, edition: str) -> dict[str, object]:
        try:
            data = json.loads(self.state_path(book, edition).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def remember(self, book: str, edition: str, layout: EditionLayout, keys: list[str]) -> None:
        data = {
            "inside": layout.inside,
            "groups": {
                g.name: {"pages": c, "anchors": a}
                for g, c, a in zip(layout.groups, layout.counts, layout.anchors, strict=True)
            },
            "keys": keys,
        }
        target = self.state_path(book, edition)
        temp = target.with_name(f".{target.name}.{os.getpid()}")
        temp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temp, target)

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
    layout: EditionLayout
    laid: list[Laid]
    blank: Path | None

    @property
    def pages(self) -> int:
        return self.layout.total_pages()

    def starts(self) -> tuple[PageStart, ...]:
        raws: list[RawStart] = []
        for place, laid in zip(self.layout.placements(), self.laid, strict=True):
            if place.blank_before:
                raws.append(("", None, ""))
            raws.extend(laid.starts)
        return assemble_starts(raws)

    def write(self, out: Path) -> None:
        from .pdfjoin import join_edition

        join_edition(self, out)

    def discard(self) -> None:
        """Nothing to remove: the laid-out divisions stay in the cache for the next build."""

    @property
    def background(self) -> bool:
        return True


def lay_out_editions(
    rendered: RenderedBook,
    editions: list[str],
    cache_folder: Path,
    name: str,
    progress: Callable[..., None] = lambda *_: None,
) -> dict[str, EditionResult]:
    """Lay out the given PDF editions chapter by chapter, reusing every cached division."""
    book = rendered.book
    store = LayoutStore(cache_folder / "layout")
    store.folder.mkdir(parents=True, exist_ok=True)
    env = environment(book.styles_dir.parent / "templates")
    divisions = book_divisions(rendered, env)
    groups = groups_of(divisions)
    owner = {i: index for index, group in enumerate(groups) for i in group.ids}
    images = ImageDigests(book.root)
    layouts = {}
    for edition in editions:
        guess = Guess.read(store.previous(name, edition), groups)
        if not guess.inside:
            design = length_in_inches(book.pdf.inside)
            gutter = required_gutter(estimated_pages(book)) if edition == "print" else 0
            guess.inside = f"{max(design, gutter)}in"
        layouts[edition] = EditionLayout(
            edition=edition,
            groups=groups,
            context=LayoutContext(book.root, book.styles_dir, book.pdf, edition),
            identifier=rendered.meta.identifier,
            html_for=lambda sections, e=edition: html_document(rendered.meta, e, sections),
            assets=styles_digest(book, edition),
            store=store,
            inside=guess.inside,
            counts=guess.counts,
            anchors=guess.anchors,
            owner=owner,
            images=images,
            measured=guess.complete,
        )
    results: dict[str, Laid] = {}
    with Workers() as workers:
        plans = settle(list(layouts.values()), results, store, workers, progress)
        output: dict[str, EditionResult] = {}
        for edition, layout in layouts.items():
            final = plans[id(layout)]
            blank = None
            if layout.edition == "print" and any(p.blank_before for p in layout.placements()):
                blank = blank_page(layout, results, store, workers)
            keys = [j.key for j in final] + ([blank.stem] if blank else [])
            store.remember(name, edition, layout, keys)
            output[edition] = EditionResult(layout, [results[j.key] for j in final], blank)
    store.prune()
    return output


class LayoutDidNotSettle(Exception):
    """Page numbers that keep changing each other (a reference whose number, once printed,
    moves its own target): the whole-book layout is the way out."""


def settle(
    layouts: list[EditionLayout],
    results: dict[str, Laid],
    store: LayoutStore,
    workers: Workers,
    progress: Callable[..., None],
) -> dict[int, list[Job]]:
    """Lay out, round after round, until every division's inputs follow from the results.

    Returns each layout's settled jobs (by id() of the layout), all laid out and written.
    """
    plans = {id(layout): layout.jobs(write=layout.measured) for layout in layouts}
    pending = list(layouts)
    for _ in range(MAX_ROUNDS):
        todo: dict[str, Job] = {}
        for layout in pending:
            for job in plans[id(layout)]:
                cached = results.get(job.key) or store.get(job.key)
                if cached is not None and (cached.pdf is not None or job.pdf is None):
                    results[job.key] = cached
                else:
                    todo.setdefault(job.key, job)
        total = sum(len(plans[id(layout)]) for layout in pending)
        progress(f"Laying out {len(todo)} of {total} divisions")
        for job, laid in workers.run(list(todo.values())):
            results[job.key] = laid
            if laid.pdf is not None:
                store.put(job.key, laid)
        for layout in list(pending):
            layout.update(plans[id(layout)], results)
            again = layout.jobs(write=True)
            keys = [j.key for j in again]
            if keys == [j.key for j in plans[id(layout)]] and all(
                results[key].pdf is not None for key in keys
            ):
                pending.remove(layout)
            plans[id(layout)] = again
        if not pending:
            return plans
    raise LayoutDidNotSettle()


def blank_page(
    layout: EditionLayout, results: dict[str, Laid], store: LayoutStore, workers: Workers
) -> Path:
    """A document whose second page is the edition's blank verso (with its trim and marks)."""
    html = layout.html_for(
        [
            E.div(E.p("\u00a0")),
            E.section({"class": "makebook-blank-verso"}, E.p("\u00a0")),
        ]
    )
    css = ".makebook-blank-verso { break-before: right; }"
    key = hashlib.sha256(
        json.dumps(["blank", layout.edition, html, css, layout.inside, layout.assets]).encode()
    ).hexdigest()
    cached = results.get(key) or store.get(key)
    if cached is None:
        job = Job(key, html, css, layout.inside, layout.context, frozenset(), layout.identifier,
                  store.pdf_path(key), layout.assets)  # fmt: skip
        ((_, cached),) = workers.run([job])
        store.put(key, cached)
    assert cached.pdf is not None
    return cached.pdf


class Workers:
    """Worker processes for layout: one per core; none on a single core."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def run(self, jobs: list[Job]) -> list[tuple[Job, Laid]]:
        cores = os.cpu_count() or 1
        if len(jobs) <= 1 or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return [(job, lay_out_job(job)) for job in jobs]
        if self.pool is None:
            self.pool = ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork"))
        # The longest documents first, so no core waits on one big chapter at the end.
        ordered = sorted(jobs, key=lambda j: -len(j.html))
        return list(zip(ordered, self.pool.map(lay_out_job, ordered), strict=True))
