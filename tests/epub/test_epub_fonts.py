"""The EPUB's fonts (epub/fonts.py): only the faces its text is set in, subset to the
characters it uses, without the OFL Reserved Font Name in a subset's names."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ebooklib import epub
from fontTools.ttLib import TTFont
from lxml import etree

from makebook.epub.fonts import (
    FontUse,
    add_fonts,
    count_characters,
    font_faces,
    matching_face,
    style_rules,
    without_faces,
)
from makebook.manuscript.styles import DEFAULT_STYLES, find_font

BOOK_CSS = (DEFAULT_STYLES / "book.css").read_text(encoding="utf-8")
XHTML_NS = "http://www.w3.org/1999/xhtml"
FONT_DIR = "EPUB/styles/fonts/"


def epub_fonts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {
            name[len(FONT_DIR) :]: archive.read(name)
            for name in archive.namelist()
            if name.startswith(FONT_DIR)
        }


def epub_texts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.endswith((".xhtml", ".css"))}


def test_the_demo_carries_only_the_faces_its_text_uses(demo_build):
    fonts = epub_fonts(demo_build["epub"])
    # Nothing in the demo is bold inside italics: Semibold Italic is declared, not used.
    assert sorted(fonts) == [
        "SourceSansPro-Semibold.ttf",
        "SourceSerifPro-It.ttf",
        "SourceSerifPro-Regular.ttf",
        "SourceSerifPro-Semibold.ttf",
    ]
    css = epub_texts(demo_build["epub"])["EPUB/styles/book.css"].decode()
    assert "SemiboldIt" not in css and css.count("@font-face") == 4


def test_each_font_is_a_subset_smaller_than_the_file_it_comes_from(demo_build):
    fonts = epub_fonts(demo_build["epub"])
    for name, data in fonts.items():
        original = find_font(DEFAULT_STYLES, f"fonts/{name}")
        assert original is not None
        assert len(data) < original.stat().st_size / 2, name
        assert len(TTFont(io.BytesIO(data)).getGlyphOrder()) < len(TTFont(original).getGlyphOrder())
    assert sum(len(data) for data in fonts.values()) < 200_000  # five whole files: 880 KB


def faces_of_text(epub_path: Path) -> dict[str, set[str]]:
    """Font file -> the characters the EPUB's documents set in it, by the stylesheets."""
    files = epub_texts(epub_path)
    css = "\n".join(data.decode() for name, data in sorted(files.items()) if name.endswith(".css"))
    use = FontUse(font_faces(css))
    rules = style_rules(css)
    for name, data in files.items():
        if name.endswith(".xhtml"):
            count_characters(etree.fromstring(data), rules, use)
    return {face.url[len("fonts/") :]: chars for face, chars in use.characters.items()}


def test_every_character_has_a_glyph_in_the_face_that_sets_it(demo_build):
    fonts = epub_fonts(demo_build["epub"])
    used = faces_of_text(demo_build["epub"])
    assert set(used) == set(fonts)
    for name, characters in used.items():
        cmap = TTFont(io.BytesIO(fonts[name])).getBestCmap()
        full = TTFont(find_font(DEFAULT_STYLES, f"fonts/{name}")).getBestCmap()
        # What the whole face has, its subset has (the rest falls back to another font).
        missing = {c for c in characters if ord(c) in full and ord(c) not in cmap}
        assert not missing, f"{name} lacks {sorted(missing)[:20]}"


def test_headings_emphasis_and_body_text_are_in_their_faces(demo_build):
    """Read from the documents directly, not through the cascade the EPUB is built with."""
    fonts = {name: TTFont(io.BytesIO(data)).getBestCmap() for name, data in epub_fonts(
        demo_build["epub"]).items()}  # fmt: skip
    files = epub_texts(demo_build["epub"])
    kinds = {"h1": "SourceSansPro-Semibold.ttf", "em": "SourceSerifPro-It.ttf",
             "p": "SourceSerifPro-Regular.ttf"}  # fmt: skip
    seen = dict.fromkeys(kinds, 0)
    for name, data in files.items():
        if not name.endswith(".xhtml") or name.endswith("nav.xhtml"):
            continue
        body = etree.fromstring(data).find(f"{{{XHTML_NS}}}body")
        for tag, font in kinds.items():
            for element in body.iter(f"{{{XHTML_NS}}}{tag}"):
                # The element's own text (not its children's, which may be styled apart).
                text = (element.text or "").strip()
                seen[tag] += len(text)
                lacking = {c for c in text if ord(c) not in fonts[font]}
                assert not lacking, f"{tag} in {name}: {lacking} not in {font}"
    assert all(seen.values()), seen


def test_a_subset_does_not_use_the_reserved_font_name_but_keeps_the_licence(demo_build):
    for name, data in epub_fonts(demo_build["epub"]).items():
        names = TTFont(io.BytesIO(data))["name"]
        for name_id in (1, 4, 6):
            value = names.getDebugName(name_id)
            assert value and "Source" not in value, (name, name_id, value)
        assert "Reserved Font Name" in names.getDebugName(0)
        assert "SIL Open Font License" in names.getDebugName(13)


# --- without a build ---------------------------------------------------------------


def book_with(body: str, css: str = BOOK_CSS) -> epub.EpubBook:
    book = epub.EpubBook()
    book.add_item(epub.EpubItem("css", "styles/book.css", "text/css", css.encode()))
    page = (
        f'<html xmlns="{XHTML_NS}"><head><title>Überschrift</title></head>'
        f"<body>{body}</body></html>"
    )
    book.add_item(epub.EpubItem("p", "text/p.xhtml", "application/xhtml+xml", page.encode()))
    return book


def font_items(book: epub.EpubBook) -> dict[str, TTFont]:
    return {
        item.file_name.rsplit("/", 1)[1]: TTFont(io.BytesIO(item.content))
        for item in book.get_items()
        if item.file_name.endswith(".ttf")
    }


def test_bold_inside_italics_brings_the_semibold_italic():
    book = book_with("<p>plain <em>slanted <strong>Bold</strong></em></p>")
    add_fonts(book, DEFAULT_STYLES)
    fonts = font_items(book)
    assert sorted(fonts) == [
        "SourceSerifPro-It.ttf",
        "SourceSerifPro-Regular.ttf",
        "SourceSerifPro-SemiboldIt.ttf",
    ]
    assert ord("B") in fonts["SourceSerifPro-SemiboldIt.ttf"].getBestCmap()
    # The title in <head> is not shown: its Ü is in no face.
    assert ord("Ü") not in fonts["SourceSerifPro-Regular.ttf"].getBestCmap()
    css = next(i for i in book.get_items() if i.file_name.endswith(".css")).content.decode()
    assert "SourceSansPro" not in css and "SourceSerifPro-Semibold.ttf" not in css


def test_a_font_family_without_faces_falls_back_to_the_next():
    css = BOOK_CSS + "\n.mono { font-family: Menlo, monospace; }\n"
    use = FontUse(font_faces(css))
    page = f'<html xmlns="{XHTML_NS}"><body><p class="mono">xyz</p><h2>Q</h2></body></html>'
    count_characters(etree.fromstring(page), style_rules(css), use)
    by_file = {face.url: chars for face, chars in use.characters.items()}
    assert by_file == {"fonts/SourceSansPro-Semibold.ttf": {"Q", "q"}}


def test_the_nearest_weight_is_chosen_as_css_font_matching_does():
    faces = font_faces(BOOK_CSS)
    style = {"font-family": ("source serif pro",), "font-style": "normal"}
    assert matching_face(faces, {**style, "font-weight": 700}).weight == 600
    assert matching_face(faces, {**style, "font-weight": 300}).weight == 400
    assert matching_face(faces, {**style, "font-weight": 500}).weight == 400
    assert matching_face(faces, {**style, "font-family": ("serif",), "font-weight": 400}) is None


def test_dropping_a_face_leaves_the_rest_of_the_stylesheet_as_written():
    css = '/* a */\n@font-face { font-family: "A"; src: url("fonts/a.ttf"); }\np { color: red }\n'
    assert without_faces(css, {"fonts/a.ttf"}) == css
    assert without_faces(css, set()) == "/* a */\n\np { color: red }\n"


def test_a_subset_made_once_is_taken_from_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "epub-fonts"
    first = book_with("<p>cached</p>")
    add_fonts(first, DEFAULT_STYLES, cache)
    assert len(list(cache.iterdir())) == 1

    def no_subsetting(*_args: object) -> bytes:
        raise AssertionError("subset again")

    monkeypatch.setattr("makebook.epub.fonts.subset_font", no_subsetting)
    again = book_with("<p>cached</p>")
    add_fonts(again, DEFAULT_STYLES, cache)
    assert [i.content for i in again.get_items() if i.file_name.endswith(".ttf")] == [
        i.content for i in first.get_items() if i.file_name.endswith(".ttf")
    ]
    monkeypatch.undo()
    add_fonts(book_with("<p>other text</p>"), DEFAULT_STYLES, cache)
    assert len(list(cache.iterdir())) == 1  # the subset no longer used is gone
