"""The book's files and the build's: paths that stay inside the book's folder, and writes
that replace a file only once it is complete (an interrupted build leaves the old one).

Every file makebook writes, outputs and cache alike, goes through `atomic_output`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from makebook.errors import error


def inside(root: Path, relative: str, shown_from: Path, line: int | None = None) -> Path:
    """The file a manuscript path names, refusing anything that leaves the book's folder."""
    if not relative or os.path.isabs(relative) or "://" in relative or relative.startswith("//"):
        raise error(
            f"'{relative}' is not a path inside the book's folder",
            shown_from,
            line,
            "use a relative path such as images/figure.png; remote files are not fetched",
        )
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        raise error(
            f"'{relative}' points outside the book's folder",
            shown_from,
            line,
            "keep every file of the book inside its folder",
        )
    return target


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; it replaces `target` only when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # The process id in the name tells a later build whether this file is still being written.
    handle, temp = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent
    )
    os.close(handle)
    temp_path = Path(temp)
    try:
        yield temp_path
        os.chmod(temp_path, 0o644)
        os.replace(temp_path, target)
    finally:
        temp_path.unlink(missing_ok=True)


def write_atomically(target: Path, data: bytes | str) -> None:
    """`target` holds `data`, or (if writing fails) what it held before."""
    with atomic_output(target) as temp:
        if isinstance(data, str):
            temp.write_text(data, encoding="utf-8")
        else:
            temp.write_bytes(data)


def remove_stale_parts(output: Path) -> None:
    """Temporary files left beside the outputs by a build that was killed (its process is
    gone) are removed. (What it left in the cache is pruned once it is old: cache.py.)"""
    for part in output.glob(".*.part"):
        # `.NAME.PID.RANDOM.part` (atomic_output) or `.NAME.PID.part` (a layout piece)
        fields = part.name.split(".")
        pid = next((f for f in fields[-3:-1] if f.isdigit()), "") if len(fields) > 3 else ""
        if pid and not process_alive(int(pid)):
            part.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_output(output: Path) -> None:
    """The output folder is a folder that can be made and written: told before anything
    is read or written, not as a traceback halfway through the build."""
    hint = "give --output a folder that can be written (it is made when missing)"
    if output.exists() and not output.is_dir():
        raise error(f"the output folder '{output}' is a file, not a folder", hint=hint)
    existing = output.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise error(
            f"the output folder '{output}' cannot be made: '{existing}' is a file", hint=hint
        )
    if not writable(existing):
        raise error(f"the output folder '{output}' cannot be written ('{existing}')", hint=hint)


def writable(folder: Path) -> bool:
    """Permissions and read-only disks (root passes the permissions, not the disk)."""
    return os.access(folder, os.W_OK | os.X_OK)


@contextlib.contextmanager
def writing_to(output: Path) -> Iterator[None]:
    """A file of the output folder that cannot be written (a read-only disk, a full one,
    no permission) stops the build with the folder named; the outputs stay as they were."""
    try:
        yield
    except OSError as exc:
        where = Path(exc.filename).absolute() if exc.filename else None
        if where is None or not where.is_relative_to(output.absolute()):
            raise
        raise error(
            f"cannot write '{where}' in the output folder '{output}': "
            f"{exc.strerror or exc}; nothing was changed there",
            hint="give --output a folder that can be written, or free some space",
        ) from exc
