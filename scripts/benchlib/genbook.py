"""`scripts/gen-bench-book`: write a large, realistic, reproducible manuscript.

The demo book is far too small to show how build time and memory grow, and a
real author's book cannot be shared. This writes a synthetic one with the same
shapes (essays, concept entries, short notes, footnotes, pandoc citations,
attributed block quotes, fenced divs, parts) at any size, identical for a given
seed, so that benchmark numbers are comparable between runs and machines.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from .bibliography import Work, make_works, write_books_yaml, write_films_json
from .prose import Prose, words

REPO = Path(__file__).resolve().parents[2]
STYLES = REPO / "styles"

# One part holds eight chapters in this order; the mix averages ~4,200 words a chapter.
KIND_CYCLE = ("essay", "concept", "essay", "note", "essay", "concept", "essay", "concept")
WORD_TARGETS = {"essay": 4750, "concept": 3450, "note": 1100}
FOLDERS = {"essay": "chapters", "concept": "concepts", "note": "notes"}
BOOKS, FILMS = 280, 60
CONCEPT_SHARES = (("Definition", 0.15), ("Origins & Context", 0.35), ("How It Shows Up", 0.35))
NUMBER_WORDS = words(
    "Zero One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve Thirteen Fourteen "
    "Fifteen Sixteen Seventeen Eighteen Nineteen Twenty"
)


@dataclass
class Plan:
    """One chapter before it is written: what kind, where, and how long."""

    kind: str
    title: str
    id: str
    path: str  # relative to the book folder, as book.toml lists it
    words: int


@dataclass
class BookSummary:
    """What the benchmark needs to know about a generated book."""

    root: Path
    reading_order: list[str]  # every chapter file, front to back, relative to root
    middle_essay: str  # the essay nearest the middle: the one the edit scenarios touch
    words: int
    works: int
    parts: int
    kinds: dict[str, int] = field(default_factory=dict)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def number_word(n: int) -> str:
    return NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)


def yaml_str(value: str) -> str:
    """JSON strings are valid YAML and TOML strings, and need no thought about colons."""
    return json.dumps(value, ensure_ascii=False)


def relate(ids: list[str], rng: random.Random) -> dict[str, list[str]]:
    """Related concepts, always both ways (makebook warns about a one-way link): each
    concept is related to its neighbours in a ring, and some to one more at random."""
    related: dict[str, list[str]] = {i: [] for i in ids}

    def link(a: str, b: str) -> None:
        if a != b and b not in related[a]:
            related[a].append(b)
            related[b].append(a)

    for index, concept in enumerate(ids):
        link(concept, ids[(index + 1) % len(ids)])
        if rng.random() < 0.3:
            link(concept, rng.choice(ids))
    return related


class ChapterWriter:
    """Writes chapter Markdown; holds what every chapter draws on (works, concepts, author)."""

    def __init__(self, prose: Prose, works: list[Work], concepts: list[Plan], author: str):
        self.prose = prose
        self.rng = prose.rng
        self.books = [w for w in works if w.kind == "book"]
        self.films = [w for w in works if w.kind == "film"]
        self.concepts = concepts
        self.related = relate([c.id for c in concepts], prose.rng)
        self.author = author
        self.footnotes: list[str] = []
        self.cited: set[str] = set()

    # -- inline pieces -------------------------------------------------------------

    def book(self) -> Work:
        """A cited book; a third of the books are cited far more often, as in real books."""
        pool = self.books[: len(self.books) // 3] if self.rng.random() < 0.5 else self.books
        work = self.rng.choice(pool)
        self.cited.add(work.id)
        return work

    def citation(self) -> str:
        """One of the citation forms pandoc authors write, mostly books, sometimes a film."""
        roll = self.rng.random()
        if roll >= 0.9:
            film = self.rng.choice(self.films)
            self.cited.add(film.id)
            return f"[@{film.id}]"
        key = self.book().id
        if roll < 0.4:
            return f"[@{key}]"
        if roll < 0.6:
            return f"[@{key}, p. {self.rng.randint(3, 420)}]"
        if roll < 0.7:
            start = self.rng.randint(3, 380)
            return f"[@{key}, pp. {start}-{start + self.rng.randint(2, 30)}]"
        if roll < 0.8:
            return f"[@{key}; @{self.book().id}]"
        return f"[see @{key}, ch. {self.rng.randint(1, 14)}]"

    def footnote(self) -> str:
        text = self.prose.paragraph(1, 3)
        if self.rng.random() < 0.4:
            text = self.cite_into(text)
        self.footnotes.append(text)
        return f"[^{len(self.footnotes)}]"

    def cite_into(self, sentence: str) -> str:
        if sentence.endswith("."):
            return f"{sentence[:-1]} {self.citation()}."
        return f"{sentence} {self.citation()}"

    def paragraph(self, cite: float = 0.35, note: float = 0.1) -> str:
        sentences = self.prose.sentences(self.rng.randint(4, 8))
        if self.rng.random() < cite:
            index = self.rng.randrange(len(sentences))
            sentences[index] = self.cite_into(sentences[index])
        if self.rng.random() < 0.05:
            work = self.book()
            sentences.append(f"{work.family} returns to this in a later book [-@{work.id}].")
        if self.rng.random() < note:
            sentences[-1] += self.footnote()
        return " ".join(sentences)

    # -- blocks ---------------------------------------------------------------------

    def attribution(self) -> str:
        given, family = self.prose.person()
        dash = "—" if self.rng.random() < 0.8 else "--"
        if self.rng.random() < 0.6:
            return f"{dash} {given} {family}, *{self.prose.title()}*"
        return f"{dash} {given} {family}"

    def block_quote(self) -> str:
        body = " ".join(self.prose.sentences(self.rng.randint(1, 4)))
        return f"> {body}\n>\n> {self.attribution()}"

    def note_div(self) -> str:
        opening = "::: note"
        if self.rng.random() < 0.5:
            opening = '::: {.note title="Author\'s Note"}'
        return f"{opening}\n{self.paragraph(cite=0.2, note=0)}\n:::"

    def pull_quote(self) -> str:
        return f"::: pullquote\n> {self.prose.sentence()}\n>\n> — {self.author}\n:::"

    def concept_link(self, own_id: str) -> str:
        others = [c for c in self.concepts if c.id != own_id]
        if not others:
            return self.paragraph()
        concept = self.rng.choice(others)
        link = f"[{concept.title.lower()}](../{concept.path})"
        return f"{self.paragraph(note=0)} That, in short, is what I mean by {link}."

    def block(self, own_id: str) -> str:
        """A body block: mostly paragraphs, with the other shapes at realistic rates."""
        roll = self.rng.random()
        if roll < 0.07:
            return self.block_quote()
        if roll < 0.10:
            return self.note_div()
        if roll < 0.115:
            return self.pull_quote()
        if roll < 0.125:
            return "* * *"
        if roll < 0.14:
            return self.concept_link(own_id)
        return self.paragraph()

    def blocks(self, own_id: str, words: int) -> list[str]:
        out: list[str] = []
        while sum(len(b.split()) for b in out) < words:
            out.append(self.block(own_id))
        return out

    def heading(self, seen: set[str]) -> str:
        title = self.prose.title()
        while title in seen:
            title = self.prose.title()
        seen.add(title)
        return f"## {title}"

    # -- chapters -------------------------------------------------------------------

    def front_matter(self, plan: Plan) -> list[str]:
        lines = ["---", f"kind: {plan.kind}", f"title: {yaml_str(plan.title)}"]
        if plan.kind == "concept":
            lines += [
                f"id: {plan.id}",
                f"tagline: {yaml_str(self.prose.sentence())}",
                f"related: {json.dumps(self.related[plan.id])}",
            ]
        else:
            gerund = self.rng.choice(("noticing", "waiting", "repair", "listening", "naming"))
            lines.append(f"subtitle: {yaml_str(f'On {gerund} and the {self.prose.title()}')}")
        if plan.kind == "essay" and self.rng.random() < 0.5:
            given, family = self.prose.person()
            lines += [
                "epigraph:",
                f"  text: {yaml_str(self.prose.sentence())}",
                f"  source: {yaml_str(f'{given} {family}, *{self.prose.title()}*')}",
            ]
        return [*lines, "---", ""]

    def body(self, plan: Plan) -> list[str]:
        seen: set[str] = set()
        if plan.kind == "note":
            return self.blocks(plan.id, plan.words)
        if plan.kind == "concept":
            out: list[str] = []
            for heading, share in CONCEPT_SHARES:
                out += [f"## {heading}", *self.blocks(plan.id, int(plan.words * share))]
            first = self.author.split()[0]
            note = self.blocks(plan.id, int(plan.words * 0.15))
            return [*out, f"## {first}'s Note", *note, self.pull_quote()]
        out = self.blocks(plan.id, 250)
        while sum(len(b.split()) for b in out) < plan.words:
            out += [self.heading(seen), *self.blocks(plan.id, self.rng.randint(500, 900))]
        return out

    def chapter(self, plan: Plan) -> str:
        self.footnotes = []
        blocks = self.body(plan)
        notes = [f"[^{n}]: {text}" for n, text in enumerate(self.footnotes, 1)]
        return "\n".join(self.front_matter(plan)) + "\n" + "\n\n".join(blocks + notes) + "\n"


def plan_chapters(prose: Prose, count: int) -> list[Plan]:
    """Kinds, unique titles, paths and lengths for `count` body chapters."""
    titles: set[str] = set()
    plans = []
    for index in range(count):
        kind = KIND_CYCLE[index % len(KIND_CYCLE)]
        title = prose.title()
        while title in titles:
            title = prose.title()
        titles.add(title)
        name = slug(title)
        path = f"{FOLDERS[kind]}/ch{index + 1:03d}-{name}.md"
        chapter_id = name if kind == "concept" else f"ch{index + 1:03d}-{name}"
        words = int(WORD_TARGETS[kind] * prose.rng.uniform(0.9, 1.1))
        plans.append(Plan(kind, title, chapter_id, path, words))
    return plans


def book_toml(prose: Prose, author: str, parts: list[tuple[str, list[Plan]]]) -> str:
    rng = prose.rng
    title = prose.title()
    identifier = uuid.UUID(int=rng.getrandbits(128), version=4)
    lines = [
        "# Generated by scripts/gen-bench-book: a synthetic book for benchmarks.",
        "[book]",
        f"title = {yaml_str(title)}",
        f"subtitle = {yaml_str('Essays and Concepts on ' + prose.title())}",
        'language = "en-GB"',
        f'identifier = "urn:uuid:{identifier}"',
        'publisher = "Benchmark Press"',
        'date = "2026-11-01"',
        f"rights = {yaml_str(f'Copyright © 2026 {author}. All rights reserved.')}",
        f"description = {yaml_str(prose.paragraph(3, 4))}",
        'subjects = ["Psychology", "Relationships", "Parenting"]',
        f"dedication = {yaml_str('For ' + prose.pick(('Ines', 'Felix', 'Rosa', 'Jonah')))}",
        'edition = "First edition"',
        "",
        "[[book.authors]]",
        f"name = {yaml_str(author)}",
        f"sort = {yaml_str(', '.join(reversed(author.split(' ', 1))))}",
        "",
        "[bibliography]",
        'files = ["bibliography/books.yaml", "bibliography/films.json"]',
        "",
        "[contents]",
        'front = ["front/preface.md"]',
        'back = ["back/about-the-author.md"]',
    ]
    for part_title, plans in parts:
        lines += ["", "[[contents.parts]]", f"title = {yaml_str(part_title)}", "chapters = ["]
        lines += [f'  "{plan.path}",' for plan in plans]
        lines.append("]")
    lines += [
        "",
        "[appendices.reading]",
        'order = "alphabetical"',
        "",
        "[pdf]",
        'trim = "5.5x8.5in"',
        "",
    ]
    return "\n".join(lines)


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def listed(works: list[Work], cited: set[str]) -> list[Work]:
    """Mark every uncited work suggested: a real author lists a work for a reason, and
    makebook warns about one that is neither cited nor suggested."""
    return [
        w
        if w.id in cited or w.data.get("suggested")
        else replace(w, data=w.data | {"suggested": True})
        for w in works
    ]


def middle_essay(plans: list[Plan]) -> Plan:
    essays = [p for p in plans if p.kind == "essay"]
    return min(essays, key=lambda p: abs(plans.index(p) - len(plans) // 2))


def generate_book(root: Path, chapters: int, seed: int) -> BookSummary:
    """Write the whole book folder; the same (chapters, seed) always gives the same files."""
    if chapters < 1:
        raise ValueError("a book needs at least one chapter")
    prose = Prose(random.Random(seed))
    given, family = prose.person()
    author = f"{given} {family}"
    works = make_works(prose, BOOKS, FILMS)
    plans = plan_chapters(prose, chapters)
    parts = [
        (f"Part {number_word(i // 8 + 1)}: {prose.title()}", plans[i : i + 8])
        for i in range(0, len(plans), 8)
    ]
    writer = ChapterWriter(prose, works, [p for p in plans if p.kind == "concept"], author)

    root.mkdir(parents=True, exist_ok=True)
    write(root, "book.toml", book_toml(prose, author, parts))
    shutil.copytree(STYLES, root / "styles", dirs_exist_ok=True)

    preface = Plan("essay", "Preface", "preface", "front/preface.md", 450)
    about = Plan("note", "About the Author", "about-the-author", "back/about-the-author.md", 150)
    words = 0
    for plan in [preface, *plans, about]:
        text = writer.chapter(plan)
        words += len(text.split("\n---\n", 1)[1].split())
        write(root, plan.path, text)
    works = listed(works, writer.cited)
    (root / "bibliography").mkdir(exist_ok=True)
    write_books_yaml([w for w in works if w.kind == "book"], root / "bibliography/books.yaml")
    write_films_json([w for w in works if w.kind == "film"], root / "bibliography/films.json")
    kinds = {kind: sum(p.kind == kind for p in plans) for kind in WORD_TARGETS}
    return BookSummary(
        root=root,
        reading_order=[preface.path, *(p.path for p in plans), about.path],
        middle_essay=middle_essay(plans).path if kinds["essay"] else plans[len(plans) // 2].path,
        words=words,
        works=len(works),
        parts=len(parts),
        kinds=kinds,
    )


def prepare_outdir(outdir: Path, force: bool) -> None:
    """Refuse to write into a folder with other things in it, unless it is an old bench book."""
    if not outdir.exists() or not any(outdir.iterdir()):
        return
    if not force:
        raise SystemExit(f"error: {outdir} is not empty (use --force to replace a bench book)")
    if not (outdir / "book.toml").is_file():
        raise SystemExit(f"error: {outdir} has no book.toml; refusing to delete it")
    shutil.rmtree(outdir)


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="gen-bench-book",
        description="Write a synthetic, reproducible book folder for benchmarks.",
        epilog="Build it with: .venv/bin/make-book build -m OUTDIR -o OUTDIR/build",
    )
    parser.add_argument("outdir", type=Path, help="the book folder to write")
    parser.add_argument("--chapters", type=int, default=40, help="body chapters (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--force", action="store_true", help="replace an existing bench book")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.chapters < 1:
        print("error: --chapters must be at least 1", file=sys.stderr)
        return 2
    prepare_outdir(args.outdir, args.force)
    summary = generate_book(args.outdir, args.chapters, args.seed)
    kinds = ", ".join(counted(n, kind) for kind, n in summary.kinds.items())
    print(
        f"Wrote {summary.root}: {counted(args.chapters, 'chapter')} ({kinds}) in "
        f"{counted(summary.parts, 'part')}, {summary.words:,} words, {summary.works} works."
    )
    return 0
