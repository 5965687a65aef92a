"""Run one command as an author would, and measure its wall-clock time and peak memory.

`os.wait4` gives the resource usage of exactly the child we started (including
any children it waited for, such as the weasyprint process pandoc runs), so the
peak memory of every run is its own. `getrusage(RUSAGE_CHILDREN)` only reports
the largest child so far, which would hide a smaller run after a larger one.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Sample:
    """One run of one command."""

    seconds: float
    peak_mb: float
    returncode: int
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Series:
    """Repeated runs of one scenario; medians ignore failed runs."""

    label: str
    command: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    @property
    def good(self) -> list[Sample]:
        return [s for s in self.samples if s.ok]

    @property
    def failed(self) -> int:
        return len(self.samples) - len(self.good)

    @property
    def seconds(self) -> float | None:
        return statistics.median(s.seconds for s in self.good) if self.good else None

    @property
    def peak_mb(self) -> float | None:
        return statistics.median(s.peak_mb for s in self.good) if self.good else None

    def as_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "command": self.command,
            "median_s": self.seconds,
            "median_peak_mb": self.peak_mb,
            "samples_s": [round(s.seconds, 3) for s in self.samples],
            "samples_peak_mb": [round(s.peak_mb, 1) for s in self.samples],
            "failed_runs": self.failed,
            "errors": [s.stderr[-2000:] for s in self.samples if not s.ok],
        }


def run_measured(argv: Sequence[str], env: dict[str, str] | None = None) -> Sample:
    """Run `argv` to completion; output goes to files so a chatty child never blocks on a pipe."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    peak_mb = usage.ru_maxrss / 1024  # Linux reports kilobytes
    return Sample(seconds, peak_mb, process.returncode, stderr)


def repeat(
    series: Series,
    runs: int,
    command: Callable[[int], Sequence[str]],
    before: Callable[[int], None] = lambda _: None,
    tag: str = "",
) -> Series:
    """Run `command(i)` `runs` times, calling `before(i)` (untimed) ahead of each run."""
    for index in range(runs):
        before(index)
        argv = list(command(index))
        series.command = argv
        sample = run_measured(argv, os.environ.copy())
        series.samples.append(sample)
        status = "" if sample.ok else f"  FAILED (exit {sample.returncode})"
        print(
            f"  {tag}{series.label}, run {index + 1}/{runs}: "
            f"{sample.seconds:.2f} s, {sample.peak_mb:.0f} MB{status}",
            file=sys.stderr,
            flush=True,
        )
    return series
