"""The manuscript changes an author makes between builds, applied to a chapter file.

Each edit is deterministic and different on every run, so a build that cached
its previous output could not skip the work by noticing the text is unchanged.
"""

from __future__ import annotations

import random
from pathlib import Path

from .prose import Prose

# Blocks that are not prose paragraphs: headings, quotes, divs, footnotes, scene breaks.
NOT_PROSE = ("#", ">", ":::", "[^", "* * *", "---")
GROWTH_WORDS = 700  # about two pages of a 5.5 x 8.5 in trade book


def split_body(text: str) -> tuple[str, str]:
    """(front matter with its closing line, body): edits never touch the front matter."""
    head, _, body = text.partition("\n---\n")
    return head + "\n---\n", body


def prose_paragraphs(body: str) -> list[str]:
    return [b for b in body.split("\n\n") if b.strip() and not b.lstrip().startswith(NOT_PROSE)]


def edit_paragraph(path: Path, run: int) -> None:
    """Rewrite the end of one paragraph, a different one on each run."""
    head, body = split_body(path.read_text(encoding="utf-8"))
    paragraphs = prose_paragraphs(body)
    target = paragraphs[(5 + 7 * run) % len(paragraphs)]
    edited = f"{target} I rewrote this sentence on draft {run + 2}, and I still mean it."
    path.write_text(head + body.replace(target, edited, 1), encoding="utf-8")


def grow_chapter(path: Path, run: int, seed: int) -> None:
    """Add about two pages of new paragraphs at the end of the text, before the footnotes."""
    head, body = split_body(path.read_text(encoding="utf-8"))
    prose = Prose(random.Random(f"grow-{seed}-{run}"))
    new: list[str] = []
    while sum(len(p.split()) for p in new) < GROWTH_WORDS:
        new.append(prose.paragraph())
    blocks = body.rstrip("\n").split("\n\n")
    notes_at = next((i for i, b in enumerate(blocks) if b.startswith("[^")), len(blocks))
    blocks[notes_at:notes_at] = new
    path.write_text(head + "\n\n".join(blocks) + "\n", encoding="utf-8")
