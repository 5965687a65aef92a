"""A book's own templates/ folder overrides makebook's generated pages, and a build
run in the same process as an earlier one (as under `build --watch`) sees a template
added, edited or removed since."""

from __future__ import annotations

import zipfile
from pathlib import Path

from conftest import copy_book
from makebook.build import build
from makebook.render.templating import PACKAGE_TEMPLATES


def copyright_page(book: Path, out: Path) -> str:
    epub = build(book, out, ["epub"]).outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        return archive.read("EPUB/text/copyright.xhtml").decode("utf-8")


def test_a_book_template_overrides_and_each_change_to_it_is_seen(small_book, tmp_path):
    book = copy_book(small_book, tmp_path / "book")
    out = tmp_path / "out"
    folder = book / "templates"
    folder.mkdir()  # there already, empty: the package's template is the one used
    assert "Made with makebook." in copyright_page(book, out)

    ours = folder / "copyright.xhtml.j2"
    package = (PACKAGE_TEMPLATES / "copyright.xhtml.j2").read_text(encoding="utf-8")
    ours.write_text(package.replace("Made with makebook.", "Printed on the author's own press."))
    page = copyright_page(book, out)
    assert "Printed on the author's own press." in page and "Made with" not in page

    ours.write_text(package.replace("Made with makebook.", "Set by hand, twice."))
    assert "Set by hand, twice." in copyright_page(book, out)

    ours.unlink()
    assert "Made with makebook." in copyright_page(book, out)
