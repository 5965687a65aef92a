"""Ratios against pandoc, the issue's targets, and the printed tables.

The targets are relative to pandoc on the same Markdown because absolute
seconds depend on the machine; only the no-op rebuild has an absolute target,
since an author notices half a second whatever the machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from .measure import Series


@dataclass
class SizeResult:
    """Everything measured for one book size."""

    chapters: int
    words: int
    works: int
    pdf_pages: int | None
    pandoc_pdf_pages: int | None
    series: dict[str, Series]
    warnings: list[str]
    load: tuple[float, float]  # 1-minute load average before and after: other work skews times
    source: tuple[str, str]  # fingerprint of src/makebook before and after


@dataclass
class Target:
    """One line of the issue's targets: a measured value against a limit."""

    name: str
    value: float | None
    limit: float | None
    unit: str  # "x pandoc EPUB", "s", "MB/page"...

    @property
    def passed(self) -> bool | None:
        if self.value is None or self.limit is None:
            return None
        return self.value <= self.limit

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "-"}[self.passed]

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "limit": self.limit,
            "unit": self.unit,
            "pass": self.passed,
        }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def mb_per_page(result: SizeResult) -> float | None:
    peak = result.series["both_cold"].peak_mb
    return peak / result.pdf_pages if peak is not None and result.pdf_pages else None


def targets(result: SizeResult) -> list[Target]:
    s = {key: series.seconds for key, series in result.series.items()}
    pdf = s["pandoc_pdf"]
    return [
        Target("full EPUB, cold", ratio(s["epub_cold"], s["pandoc_epub"]), 1.0, "x pandoc EPUB"),
        Target("EPUB + PDF, cold", ratio(s["both_cold"], pdf), 0.7, "x pandoc PDF"),
        Target("PDF as one document", ratio(s["release_pdf"], pdf), None, "x pandoc PDF"),
        Target("no-op rebuild", s["noop"], 0.5, "s"),
        Target("one-paragraph edit", ratio(s["edit_paragraph"], pdf), 0.1, "x pandoc PDF"),
        Target("the same, build --watch", ratio(s["edit_watched"], pdf), 0.1, "x pandoc PDF"),
        Target("chapter grows 2 pages", ratio(s["grow_chapter"], pdf), None, "x pandoc PDF"),
        Target("peak memory", mb_per_page(result), 0.5, "MB/page"),
    ]


def seconds(value: float | None) -> str:
    return "FAILED" if value is None else f"{value:.2f} s"


def number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def size_table(result: SizeResult, runs: int) -> str:
    """The main table for one size: makebook beside pandoc, ratio, target, verdict."""
    s = result.series
    pandoc_for = {
        "epub_cold": "pandoc_epub",
        "both_cold": "pandoc_pdf",
        "release_pdf": "pandoc_pdf",
        "noop": "pandoc_pdf",
        "edit_paragraph": "pandoc_pdf",
        "edit_watched": "pandoc_pdf",
        "grow_chapter": "pandoc_pdf",
    }
    lines = [
        f"N = {result.chapters} chapters: {result.words:,} words, {result.works} works, "
        f"{result.pdf_pages or '?'} PDF pages (pandoc PDF: {result.pandoc_pdf_pages or '?'}); "
        f"median of {runs} runs; load average {result.load[0]:.1f} -> {result.load[1]:.1f}",
        f"  {'measurement':<30}{'makebook':>11}{'pandoc 3':>11}{'ratio':>8}  {'target':<22}result",
    ]
    for (key, other), target in zip(pandoc_for.items(), targets(result), strict=False):
        limit = f"<= {number(target.limit, 1)} {target.unit}" if target.limit is not None else ""
        lines.append(
            f"  {s[key].label:<30}{seconds(s[key].seconds):>11}{seconds(s[other].seconds):>11}"
            f"{number(ratio(s[key].seconds, s[other].seconds)) + 'x':>8}  "
            f"{limit:<22}{target.verdict}"
        )
    memory = targets(result)[-1]
    pandoc_mb = s["pandoc_pdf"].peak_mb
    lines.append(
        f"  {'6. peak memory (EPUB + PDF)':<30}{number(s['both_cold'].peak_mb, 0) + ' MB':>11}"
        f"{number(pandoc_mb, 0) + ' MB':>11}{number(memory.value) + '/p':>8}  "
        f"{'<= 0.5 MB/page':<22}{memory.verdict}"
    )
    return "\n".join(lines)


def scaling_table(results: list[SizeResult]) -> str:
    """7. how cost grows with the book: seconds and MB per size, and seconds per 10k words."""
    head = (
        f"  {'N':>4}{'words':>9}{'pages':>7}{'pandoc':>9}{'pandoc':>9}"
        f"{'epub':>9}{'both':>9}{'PDF':>9}"
        f"{'no-op':>9}{'edit':>9}{'watch':>9}{'grow':>9}{'peak':>8}{'MB/':>6}{'both s/':>9}"
    )
    head2 = (
        f"  {'':>4}{'':>9}{'':>7}{'EPUB':>9}{'PDF':>9}{'cold':>9}{'cold':>9}{'1 doc':>9}"
        f"{'':>9}{'':>9}{'edit':>9}{'':>9}{'MB':>8}{'page':>6}{'10k wd':>9}"
    )
    lines = ["Scaling (median seconds; 'both' = EPUB + PDF):", head, head2]
    keys = (
        "pandoc_epub",
        "pandoc_pdf",
        "epub_cold",
        "both_cold",
        "release_pdf",
        "noop",
        "edit_paragraph",
        "edit_watched",
    )
    for r in results:
        cells = "".join(f"{number(r.series[k].seconds):>9}" for k in (*keys, "grow_chapter"))
        both = r.series["both_cold"].seconds
        per_10k = both / r.words * 10_000 if both is not None else None
        lines.append(
            f"  {r.chapters:>4}{r.words:>9,}{r.pdf_pages or 0:>7}{cells}"
            f"{number(r.series['both_cold'].peak_mb, 0):>8}{number(mb_per_page(r)):>6}"
            f"{number(per_10k):>9}"
        )
    return "\n".join(lines)
