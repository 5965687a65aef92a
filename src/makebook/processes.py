"""Worker processes, forked so they share what the build has loaded instead of pickling it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext


def fork_context() -> BaseContext | None:
    """Fork, when there is a second core to use and the platform forks; else None."""
    cores = os.cpu_count() or 1
    forking = cores > 1 and "fork" in multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork") if forking else None


class WorkerPool(ProcessPoolExecutor):
    """A pool that, left by an exception (Ctrl-C above all), stops its workers at once
    instead of waiting for the jobs they are on."""

    def __exit__(self, kind: object, *rest: object) -> bool | None:
        if kind is None:
            return super().__exit__(kind, *rest)
        self.stop_now()
        return None

    def stop_now(self) -> None:
        processes = list((getattr(self, "_processes", None) or {}).values())
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)


def worker_pool(
    context: BaseContext, initializer: Callable[..., None], initargs: tuple[object, ...]
) -> WorkerPool:
    """One worker a core; each runs `initializer(*initargs)` first (forked: nothing is
    pickled) and leaves when the build that made it is gone."""
    return WorkerPool(
        os.cpu_count(),
        mp_context=context,
        initializer=start_worker,
        initargs=(os.getpid(), initializer, initargs),
    )


def start_worker(
    parent: int, initializer: Callable[..., None], initargs: tuple[object, ...]
) -> None:
    quiet_worker()
    leave_with_parent(parent)
    initializer(*initargs)


def quiet_worker() -> None:
    """In a forked process: Ctrl-C (which the terminal sends to every process of the
    build) is the build's to handle, by stopping its workers; SIGTERM ends a worker at
    once, without the build's handler, which it inherited. No worker prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def leave_with_parent(parent: int) -> None:
    """In a forked process: exit once `parent` is gone (see exit_with_parent)."""
    threading.Thread(target=exit_with_parent, args=(parent,), daemon=True).start()


def exit_with_parent(parent: int) -> None:
    """A build killed outright (SIGKILL) cannot stop its workers, which would wait for
    work forever: each worker leaves once its parent is gone."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def in_background(work: Callable[[], None]) -> Callable[[], None]:
    """Start `work` in a forked process; the returned function waits for it and raises
    what it raised. With one core, or no fork, the work is done at once."""
    context = fork_context()
    if context is None:
        work()
        return lambda: None
    receive, send = context.Pipe(duplex=False)

    def run() -> None:
        quiet_worker()
        try:
            work()
            send.send(None)
        except BaseException as exc:  # reported to the parent, which raises it
            send.send(exc)

    process = context.Process(target=run, daemon=True)
    process.start()
    send.close()

    def wait() -> None:
        try:
            outcome_of(receive, "a worker process writing a PDF edition stopped")
        except BaseException:
            process.terminate()  # stopped (Ctrl-C): its file is not to be finished
            raise
        finally:
            process.join()

    return wait


def outcome_of(connection: Connection, stopped: str) -> None:
    """Wait for a forked process's outcome: None when its work is done, or the exception
    it sent, raised here; a process gone without a word raises RuntimeError(stopped)."""
    try:
        failure = connection.recv()
    except EOFError:
        failure = RuntimeError(stopped)
    if failure is not None:
        raise failure
