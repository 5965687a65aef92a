"""`make-book stats`: words, reading time and print pages, per chapter and in total."""

from __future__ import annotations

import re
from dataclasses import dataclass

from makebook.manuscript.config import length_in_inches
from makebook.model import Book, Chapter

WORDS_PER_MINUTE = 238  # average silent reading speed for non-fiction (Brysbaert 2019)
# A 6 x 9 in page in 10.5/14.5 pt type holds about this many words, headings and notes
# included (measured on the demo book).
WORDS_PER_6X9_PAGE = 290
WORD = re.compile(r"[\w’'-]+")
MARKUP = re.compile(
    r"\[@[^\]]*\]|\[\^[^\]]*\]|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|<[^>]+>|^:::.*$", re.M
)


@dataclass(frozen=True)
class ChapterStats:
    title: str
    kind: str
    words: int
    minutes: float
    pages: float


def count_words(markdown: str) -> int:
    """Words a reader reads: citations, note markers, link targets and markup left out."""
    return len(WORD.findall(MARKUP.sub(" ", markdown)))


def words_per_page(book: Book) -> float:
    area = length_in_inches(book.pdf.width) * length_in_inches(book.pdf.height)
    return WORDS_PER_6X9_PAGE * area / (6 * 9)


def chapter_stats(book: Book, chapter: Chapter) -> ChapterStats:
    words = count_words(chapter.markdown)
    # A chapter opens on a new page, most often a recto: half a page of white on average.
    pages = words / words_per_page(book) + 0.5
    return ChapterStats(chapter.title, chapter.kind, words, words / WORDS_PER_MINUTE, pages)


def book_stats(book: Book) -> list[ChapterStats]:
    return [chapter_stats(book, c) for c in book.chapters]
