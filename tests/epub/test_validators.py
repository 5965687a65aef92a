"""EPUBCheck and DAISY Ace on the EPUBs of the demo, the small book, the sample edition,
pandoc's manual and every construct of the pandoc comparison in one book (each validated
once a session: conftest.py)."""

from __future__ import annotations

import pytest

from conftest import ace_violations


@pytest.mark.parametrize("book", ["demo", "small", "sample", "pandoc-manual", "pandoc-constructs"])
def test_epubcheck_reports_no_errors_and_no_warnings(epubcheck_reports, book):
    report = epubcheck_reports[book]
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages


@pytest.mark.parametrize("book", ["demo", "small", "sample", "pandoc-manual", "pandoc-constructs"])
def test_ace_reports_no_violations(ace_reports, book):
    report = ace_reports[book]
    assert ace_violations(report) == []
    assert report["earl:result"]["earl:outcome"] == "pass"
