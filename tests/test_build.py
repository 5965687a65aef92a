"""`build()` as a whole: the manuscript it reads is never modified."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import add_picture, copy_book, edit, invoke
from makebook.build import build


def snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): (
            "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        )
        for path in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("output", ["beside", "inside"])
def test_a_build_never_modifies_the_manuscript(small_book, tmp_path, output):
    book = copy_book(small_book, tmp_path / "book")
    add_picture(book)
    edit(book / "one.md", "[^a]: A note", "![A small picture](images/pic.png)\n\n[^a]: A note")
    before = snapshot(book)
    out = tmp_path / "out" if output == "beside" else book / "build"
    result = build(book, out)
    assert set(result.outputs) >= {"epub", "pdf"}
    invoke(["check", "-m", str(book)])
    after = {k: v for k, v in snapshot(book).items() if not k.startswith("build")}
    assert after == before
