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
    design_pdf_pages: int | None = None  # pandoc's PDF in makebook's design
    floor_pages: int | None = None  # WeasyPrint's one layout of makebook's print XHTML


@dataclass
class Target:
    """One line of the table: makebook's value against a reference, and the issue's limit
    for their ratio (or for the value itself, when `reference` is None)."""

    name: str
    mine: float | None
    reference: float | None
    limit: float | None
    unit: str  # of the ratio (or of the value): "x pandoc EPUB", "s", "MB/page"...
    quantity: str = "s"  # what mine and reference are: "s", "CPU-s", "MB"
    absolute: bool = False  # the limit is on `mine` itself (the no-op's seconds)

    @property
    def value(self) -> float | None:
        return self.mine if self.absolute else ratio(self.mine, self.reference)

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
            "makebook": self.mine,
            "reference": self.reference,
            "quantity": self.quantity,
            "value": self.value,
            "limit": self.limit,
            "unit": self.unit,
            "pass": self.passed,
        }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def total(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def mb_per_page(result: SizeResult) -> float | None:
    peak = result.series["both_cold"].peak_mb
    return peak / result.pdf_pages if peak is not None and result.pdf_pages else None


def targets(result: SizeResult) -> list[Target]:
    """The issue's measurements, like for like: pandoc with makebook's stylesheets, trim
    and language (its EPUB + PDF for the builds that write both), and WeasyPrint's floor
    for the CPU; pandoc's default PDF is kept as the comparison of earlier runs."""
    sec = {key: series.seconds for key, series in result.series.items()}
    cpu = {key: series.cpu_s for key, series in result.series.items()}
    pandoc_both = total(sec.get("pandoc_epub_design"), sec.get("pandoc_pdf_design"))
    pandoc_both_cpu = total(cpu.get("pandoc_epub_design"), cpu.get("pandoc_pdf_design"))
    both, pdf, epub = (
        "x pandoc EPUB+PDF",
        sec.get("pandoc_pdf_design"),
        sec.get("pandoc_epub_design"),
    )
    peak = result.series["both_cold"].peak_mb
    pandoc_peak = max(
        (
            result.series[k].peak_mb or 0
            for k in ("pandoc_epub_design", "pandoc_pdf_design")
            if k in result.series
        ),
        default=None,
    )
    return [
        Target("1. EPUB, cold", sec["epub_cold"], epub, 0.7, "x pandoc EPUB"),
        Target("2. EPUB + print PDF, cold", sec["both_cold"], pandoc_both, 0.7, both),
        Target("   the same, CPU", cpu["both_cold"], pandoc_both_cpu, None, both, "CPU-s"),
        Target("   vs pandoc's default PDF", sec["both_cold"], sec["pandoc_pdf"], None, "x"),
        Target("2r. PDF as one document", sec["release_pdf"], pdf, None, "x pandoc PDF"),
        Target("3. no-op rebuild", sec["noop"], None, 0.5, "s", absolute=True),
        Target("4. one-paragraph edit", sec["edit_paragraph"], pandoc_both, 0.1, both),
        Target("4b. the same, build --watch", sec["edit_watched"], pandoc_both, 0.1, both),
        Target("5. chapter grows 2 pages", sec["grow_chapter"], pandoc_both, None, both),
        Target("6. peak memory, EPUB + PDF", peak, pandoc_peak, None, "x pandoc", "MB"),
        Target("   per print page", mb_per_page(result), None, 0.5, "MB/page", "MB/page",
               absolute=True),
        Target("7. CPU, EPUB + print PDF", cpu["both_cold"], cpu.get("floor"), 1.2,
               "x WeasyPrint floor", "CPU-s"),
    ]  # fmt: skip


def seconds(value: float | None) -> str:
    return "FAILED" if value is None else f"{value:.2f} s"


def number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def amount(value: float | None, quantity: str) -> str:
    """A measured value in its unit: `3.42 s`, `61.3 CPU-s`, `265 MB`."""
    if value is None:
        return "-"
    formats = {
        "s": "{:.2f} s",
        "CPU-s": "{:.1f} CPU-s",
        "MB": "{:.0f} MB",
        "MB/page": "{:.2f} MB/p",
    }
    return formats[quantity].format(value)


def target_line(target: Target) -> str:
    """One row: makebook, the reference, the ratio (or per-page value), limit, verdict."""
    value = target.value
    shown = "" if target.absolute else f"{number(value)}x"
    limit = f"<= {number(target.limit, 1)} {target.unit}" if target.limit is not None else ""
    return (
        f"  {target.name:<32}{amount(target.mine, target.quantity):>12}"
        f"{amount(target.reference, target.quantity):>12}{shown:>8}  {limit:<27}{target.verdict}"
    )


def size_table(result: SizeResult, runs: int) -> str:
    """The main table for one size: makebook beside its reference, ratio, target, verdict."""
    s = result.series
    lines = [
        f"N = {result.chapters} chapters: {result.words:,} words, {result.works} works, "
        f"{result.pdf_pages or '?'} print pages (pandoc, makebook's design: "
        f"{result.design_pdf_pages or '?'}; pandoc's defaults: {result.pandoc_pdf_pages or '?'}; "
        f"WeasyPrint floor: {result.floor_pages or '?'}); median of {runs} runs; "
        f"load average {result.load[0]:.1f} -> {result.load[1]:.1f}",
        "  pandoc: makebook's stylesheets, trim and language; EPUB + PDF = both its runs.",
        "  References: " + "; ".join(
            f"{s[k].label} {amount(s[k].seconds, 's')} ({amount(s[k].cpu_s, 'CPU-s')})"
            for k in ("pandoc_epub_design", "pandoc_pdf_design", "pandoc_pdf", "floor")
            if k in s
        ),
        f"  {'measurement':<32}{'makebook':>12}{'reference':>12}{'ratio':>8}  "
        f"{'target':<27}result",
    ]  # fmt: skip
    lines += [target_line(t) for t in targets(result)]
    return "\n".join(lines)


def scaling_table(results: list[SizeResult]) -> str:
    """How cost grows with the book: median seconds (CPU seconds where it says CPU) and
    peak memory per size; pandoc in makebook's design; 'both' = EPUB + print PDF."""
    columns = (
        ("pandoc", "EPUB", "pandoc_epub_design", "seconds"),
        ("pandoc", "PDF", "pandoc_pdf_design", "seconds"),
        ("epub", "cold", "epub_cold", "seconds"),
        ("both", "cold", "both_cold", "seconds"),
        ("PDF", "1 doc", "release_pdf", "seconds"),
        ("no-op", "", "noop", "seconds"),
        ("edit", "", "edit_paragraph", "seconds"),
        ("watch", "edit", "edit_watched", "seconds"),
        ("grow", "", "grow_chapter", "seconds"),
        ("both", "CPU", "both_cold", "cpu_s"),
        ("floor", "CPU", "floor", "cpu_s"),
    )
    head = f"  {'N':>4}{'words':>9}{'pages':>7}" + "".join(f"{a:>9}" for a, *_ in columns)
    head2 = f"  {'':>4}{'':>9}{'':>7}" + "".join(f"{b:>9}" for _, b, *_ in columns)
    head += f"{'peak':>8}{'MB/':>6}{'both s/':>9}"
    head2 += f"{'MB':>8}{'page':>6}{'10k wd':>9}"
    lines = ["Scaling (median seconds; pandoc in makebook's design):", head, head2]
    for r in results:
        cells = "".join(
            f"{number(getattr(r.series[k], field)) if k in r.series else '-':>9}"
            for _, _, k, field in columns
        )
        both = r.series["both_cold"].seconds
        per_10k = both / r.words * 10_000 if both is not None else None
        lines.append(
            f"  {r.chapters:>4}{r.words:>9,}{r.pdf_pages or 0:>7}{cells}"
            f"{number(r.series['both_cold'].peak_mb, 0):>8}{number(mb_per_page(r)):>6}"
            f"{number(per_10k):>9}"
        )
    return "\n".join(lines)
