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
