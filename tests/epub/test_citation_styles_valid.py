"""The demo book in a note style and in a numbered style: EPUBCheck and Ace stay clean
with citations as footnotes (chicago-note-bibliography) and as numbers (ieee)."""

from __future__ import annotations

import pytest

from conftest import DEMO, ace_violations, cli_build, copy_book, edit, run_ace, run_epubcheck


@pytest.mark.parametrize("style", ["chicago-note-bibliography", "ieee"])
def test_a_book_in_another_citation_style_is_valid(style, tmp_path):
    book = copy_book(DEMO, tmp_path / "book")
    toml = (book / "book.toml").read_text(encoding="utf-8")
    assert "[bibliography]\n" in toml
    edit(book / "book.toml", "[bibliography]\n", f'[bibliography]\nstyle = "{style}"\n')
    result = cli_build(book, tmp_path / "out", "epub")
    assert result.exit_code == 0, result.output
    (epub,) = (tmp_path / "out").glob("*.epub")
    report = run_epubcheck(epub, tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nError"] + report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages
    assert ace_violations(run_ace(epub, tmp_path / "ace")) == []
