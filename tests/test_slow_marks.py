"""The `slow` mark conftest.py gives every test that builds a book."""

from __future__ import annotations

from pathlib import Path

from conftest import is_slow


def builds_a_book(book: Path) -> None:
    from makebook.build import build

    build(book, book / "out")


def runs_make_book_build(book: Path) -> None:
    from conftest import invoke

    invoke(["build", "-m", str(book)])


def calls_a_helper_that_builds(book: Path) -> None:
    builds_a_book(book)


def hands_the_watcher_to_a_thread(book: Path) -> None:
    import threading

    from makebook.author.watch import rebuild_on_save

    threading.Thread(target=rebuild_on_save, args=(book,))


def only_checks(book: Path) -> None:
    from makebook.build import check

    check(book)


def test_a_build_a_cli_build_a_helper_that_builds_and_the_watcher_are_slow():
    assert is_slow(builds_a_book)
    assert is_slow(runs_make_book_build)
    assert is_slow(calls_a_helper_that_builds)
    assert is_slow(hands_the_watcher_to_a_thread)


def test_a_check_is_not_slow():
    assert not is_slow(only_checks)


def test_a_test_using_a_fixture_that_builds_is_marked(request, small_build):
    assert request.node.get_closest_marker("slow") is not None


def test_a_test_that_builds_nothing_is_not_marked(request):
    assert request.node.get_closest_marker("slow") is None
