"""Run one command as an author would, and measure its wall-clock time, CPU time and
peak memory.

`os.wait4` gives the resource usage of exactly the child we started (including
any children it waited for, such as the weasyprint process pandoc runs and
makebook's forked layout workers), so the peak memory and CPU seconds of every
run are its own. CPU seconds (user + system) vary far less than wall time on a
machine shared with other work, which slows a run down without making it do more.
`getrusage(RUSAGE_CHILDREN)` only reports the largest child so far, which would hide
a smaller run after a larger one.
"""

from __future__ import annotations

import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
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
    cpu_s: float | None = None  # user + system, the process and every child it waited for
    stdout: str = ""

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

    @property
    def cpu_s(self) -> float | None:
        known = [s.cpu_s for s in self.good if s.cpu_s is not None]
        return statistics.median(known) if known else None

    def as_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "command": self.command,
            "median_s": self.seconds,
            "median_peak_mb": self.peak_mb,
            "median_cpu_s": self.cpu_s,
            "samples_s": [round(s.seconds, 3) for s in self.samples],
            "samples_peak_mb": [round(s.peak_mb, 1) for s in self.samples],
            "samples_cpu_s": [None if s.cpu_s is None else round(s.cpu_s, 2) for s in self.samples],
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
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    peak_mb = usage.ru_maxrss / 1024  # Linux reports kilobytes
    cpu_s = usage.ru_utime + usage.ru_stime
    return Sample(seconds, peak_mb, process.returncode, stderr, cpu_s, stdout)


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
            f"{sample.seconds:.2f} s, {sample.cpu_s:.1f} CPU-s, {sample.peak_mb:.0f} MB{status}",
            file=sys.stderr,
            flush=True,
        )
    return series


def watched(
    series: Series,
    runs: int,
    argv: Sequence[str],
    before: Callable[[int], None],
    tag: str = "",
    timeout: float = 600,
) -> Series:
    """`make-book build --watch`: time from each save (`before(i)`) to the end of the
    rebuild it starts, read from the "Done in" line the watcher prints after every build.

    The first build is not timed. Peak memory is the watching process's, for every run.
    """
    series.command = list(argv)
    process = subprocess.Popen(
        list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    stderr = process.stderr
    assert stderr is not None
    threading.Thread(target=lambda: [lines.put(line) for line in stderr], daemon=True).start()

    def built() -> bool:
        """Wait for the end of a build; False if it failed (or never ended)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if process.poll() is not None:
                    return False
                continue
            if line.startswith("Done in"):
                return True
            if "nothing was written" in line or "the outputs are as the last" in line:
                return False
        return False

    times: list[tuple[float, bool]] = []
    if built():
        for index in range(runs):
            before(index)
            started = time.perf_counter()
            ok = built()
            times.append((time.perf_counter() - started, ok))
            print(
                f"  {tag}{series.label}, run {index + 1}/{runs}: "
                f"{times[-1][0]:.2f} s{'' if ok else '  FAILED'}",
                file=sys.stderr,
                flush=True,
            )
    process.send_signal(signal.SIGTERM)  # SIGINT may be ignored in a background job
    _, _status, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped above: Popen must not wait again
    peak_mb = usage.ru_maxrss / 1024
    series.samples = [Sample(t, peak_mb, 0 if ok else 1, "") for t, ok in times]
    return series
