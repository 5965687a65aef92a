"""Bad content in a manuscript: images whose bytes lie, SVG that runs or loads, raw HTML
the book cannot keep, URLs and structures EPUB refuses (issue 15).

Each case gets its designed message (file, line, what to do) or is repaired so the
EPUB stays valid; one book holding every case is checked with EPUBCheck.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pdfplumber
import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from conftest import epub_files, make_small_book, run_epubcheck
from makebook.build import build
from makebook.epub.images import epub_image
from makebook.errors import Diagnostics, ManuscriptError
from makebook.manuscript.images import EPUB_MAX_PIXELS
from makebook.manuscript.loader import load_book
from makebook.manuscript.sanitize import parse
from makebook.manuscript.svg import clean_svg_file, math_for_print, parse_inline
from makebook.render.chapter import render_chapter
from makebook.xhtml import fragment_to_string

IMAGE_LINE = 7  # chapter(): front matter on lines 1-4, "Text." on 5, the body from line 7

EVIL_SVG = """<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="120" height="60" onload="alert(1)">
  <script>alert(2)</script>
  <rect width="120" height="60" fill="teal" onclick="x()"/>
  <image href="http://example.com/x.png" width="10" height="10"/>
  <use xlink:href="other.svg#shape"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
  <text x="10" y="30">Drawn &x; text</text>
  <circle cx="90" cy="30" r="20" style="fill: url(http://example.com/p.svg#g)"/>
  <a href="javascript:alert(3)"><circle cx="5" cy="5" r="2"/></a>
</svg>
"""


def chapter(body: str) -> str:
    return f"---\nkind: essay\ntitle: Bad Content\n---\nText.\n\n{body}"


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def book_with(tmp_path: Path, body: str, files: dict[str, bytes | str] | None = None) -> Path:
    root = make_small_book(tmp_path / "book")
    (root / "one.md").write_text(chapter(body), encoding="utf-8")
    for relative, data in (files or {}).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def load_problems(root: Path) -> list[str]:
    """Every problem the loader reports, as printed, one string each."""
    diagnostics = Diagnostics()
    try:
        load_book(root, diagnostics)
    except ManuscriptError as exc:
        return [str(p) for p in exc.problems] + [str(p) for p in diagnostics.warnings]
    return [str(p) for p in diagnostics.problems]


def one_md(problems: list[str], pattern: str) -> list[str]:
    return [p for p in problems if p.startswith(f"one.md:{IMAGE_LINE}: ") and re.search(pattern, p)]


# --- images ---------------------------------------------------------------------------


def test_jpeg_named_png_is_packed_as_jpeg_with_a_warning(tmp_path):
    data = jpeg()
    root = book_with(tmp_path, "![A photo](images/photo.png)\n", {"images/photo.png": data})
    problems = load_problems(root)
    assert one_md(problems, r"warning: image 'images/photo.png' is a JPEG file, though its "
                            r"name says PNG; the EPUB carries it packed as JPEG"), problems  # fmt: skip
    packed = epub_image(root / "images/photo.png", "images/photo.png")
    assert (packed.name, packed.media_type, packed.data) == (
        "images/photo.png.jpg",
        "image/jpeg",
        data,
    )  # the bytes are kept; only the name and media type follow them


def test_bitmap_of_a_format_epub_does_not_take_is_converted_to_png(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buffer, "BMP")
    root = book_with(tmp_path, "![A bitmap](pic.png)\n", {"pic.png": buffer.getvalue()})
    assert one_md(load_problems(root), r"is a BMP file.*converted to PNG"), load_problems(root)
    packed = epub_image(root / "pic.png", "pic.png")
    assert packed.media_type == "image/png" and packed.name == "pic.png"
    assert Image.open(io.BytesIO(packed.data)).format == "PNG"


def test_truncated_jpeg_is_an_error_naming_file_and_line(tmp_path):
    cut = jpeg((400, 300))[:-600]
    root = book_with(tmp_path, "![A photo](images/cut.jpg)\n", {"images/cut.jpg": cut})
    problems = load_problems(root)
    assert one_md(problems, r"error: image 'images/cut\.jpg' is damaged or not a complete "
                            r"image \(image file is truncated"), problems  # fmt: skip


def test_decompression_bomb_is_an_error_with_the_limit(tmp_path):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # 400 megapixels, a few kB of file
    root = book_with(tmp_path, "![A map](huge.png)\n", {"huge.png": buffer.getvalue()})
    problems = load_problems(root)
    found = one_md(problems, r"error: image 'huge\.png' is too large to read safely: "
                             r"400 megapixels, above the limit of 89 megapixels")  # fmt: skip
    assert found and "hint: scale it down" in found[0], problems


def test_very_large_image_is_scaled_down_for_the_epub_only(tmp_path):
    data = jpeg((3000, 2000))
    root = book_with(tmp_path, "![A big photo](big.jpg)\n", {"big.jpg": data})
    problems = load_problems(root)
    assert one_md(problems, r"warning: image 'big\.jpg' is 3000 x 2000 pixels; the EPUB "
                            r"carries it scaled down to 4 million pixels, the PDFs at full"), problems  # fmt: skip
    packed = epub_image(root / "big.jpg", "big.jpg")
    width, height = Image.open(io.BytesIO(packed.data)).size
    assert width * height <= EPUB_MAX_PIXELS and abs(width / height - 1.5) < 0.01
    assert packed.media_type == "image/jpeg" and (root / "big.jpg").read_bytes() == data


# --- SVG --------------------------------------------------------------------------------


def test_svg_file_is_cleaned_and_every_removal_named():
    data, removed = clean_svg_file(EVIL_SVG.encode())
    text = data.decode()
    for gone in ("script", "onload", "onclick", "http://example.com", "ENTITY", "DOCTYPE",
                 "other.svg", "foreignObject", "javascript:", "&x;", "hostname"):  # fmt: skip
        assert gone not in text, gone
    assert "Drawn" in text and "teal" in text  # the picture itself stays
    etree.fromstring(data)  # well-formed
    summary = ", ".join(removed)
    for named in ("DOCTYPE", "onload handler", "<script>", "http://example.com/x.png",
                  "<use>", "<foreignObject>", "&x;", "url(http://example.com/p.svg#g)",
                  "javascript:alert(3)"):  # fmt: skip
        assert named in summary, (named, summary)


def test_svg_file_removals_are_a_warning_naming_file_and_line(tmp_path):
    root = book_with(tmp_path, "![A diagram](images/evil.svg)\n", {"images/evil.svg": EVIL_SVG})
    problems = load_problems(root)
    assert one_md(problems, r"warning: SVG 'images/evil\.svg': removed .*<script>"), problems


def test_svg_that_is_not_xml_is_an_error(tmp_path):
    root = book_with(tmp_path, "![A diagram](bad.svg)\n", {"bad.svg": "<svg><g></svg>"})
    assert one_md(load_problems(root), r"error: image 'bad\.svg' is not a readable SVG image")


def test_inline_svg_is_kept_clean_with_the_svg_namespace():
    html = (
        '<p><svg width="10" height="10" onload="x()"><linearGradient id="g"/>'
        '<circle r="4" fill="url(#g)"/><rect fill="url(#nothing)"/>'
        '<image xlink:href="http://example.com/x.png"/></svg></p>'
    )
    removals: list = []  # type: ignore[type-arg]
    out = fragment_to_string(parse(html, removals))
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in out and "<circle" in out
    assert "onload" not in out and "example.com" not in out and "url(#g)" in out
    assert "#nothing" not in out
    assert [r.message for r in removals] == [
        "inline <svg>: removed the reference to http://example.com/x.png, "
        "the reference to #nothing, which names nothing in it"
    ]


# --- raw HTML ---------------------------------------------------------------------------


def rendered(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    root = book_with(tmp_path, body)
    book = load_book(root)
    one = next(c for c in book.chapters if c.path == Path("one.md"))
    return render_chapter(book, one, {c.path.as_posix(): c.id for c in book.chapters})


def test_video_is_removed_with_a_warning_naming_the_line(tmp_path):
    page = rendered(tmp_path, "Para.\n\n<video src='clip.mp4'>No video here.</video>\n")
    assert [(str(w.path), w.line) for w in page.warnings] == [("one.md", 9)]
    assert page.warnings[0].message.startswith("<video> removed: a printed book cannot play it")
    assert "[Watch the clip](https://...)" in page.warnings[0].hint
    assert "<video" not in page.html and "No video here." in page.html


def test_mathml_is_kept_and_readable_in_print(tmp_path):
    page = rendered(tmp_path, "Inline <math><msup><mi>x</mi><mn>2</mn></msup></math> here.\n")
    assert page.warnings == ()
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML"><msup><mi>x</mi>' in page.html
    math = parse_inline("<math><mfrac><mi>a</mi><mrow><mi>b</mi><mo>+</mo><mn>1</mn></mrow>"
                        "</mfrac><msqrt><mi>y</mi></msqrt></math>",
                        "http://www.w3.org/1998/Math/MathML")  # fmt: skip
    assert "".join(math_for_print(math).itertext()) == "a/(b + 1)√y"


def test_mathml_loses_what_is_not_presentation_markup(tmp_path):
    page = rendered(tmp_path, '<math><mi href="http://x.example/">x</mi><foo>y</foo></math>\n')
    assert [w.message for w in page.warnings] == [
        "inline <math>: removed the href attribute, <foo>"
    ]
    assert page.warnings[0].line == IMAGE_LINE and "x.example" not in page.html


def test_details_are_kept_and_given_a_summary(tmp_path):
    page = rendered(tmp_path, "<details><summary>More</summary>Hidden.</details>\n\n"
                              "<details>No summary.</details>\n")  # fmt: skip
    # pandoc reads Markdown in raw HTML blocks, and writes their parts on lines of their own.
    assert "<details>\n<summary>More</summary>\nHidden.</details>" in page.html
    assert "<details><summary>Details</summary>No summary.</details>" in page.html
    assert page.warnings == ()


# --- URLs and structure -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        (
            "[x](<http://wikipedia.org/wiki/Dawn of War>)",
            "http://wikipedia.org/wiki/Dawn%20of%20War",
        ),
        ("[x](http://www.stuff.com/q?x=1&y=2<>)", "http://www.stuff.com/q?x=1&amp;y=2%3C%3E"),
        ("[x](http://a.example/already%20escaped|bar)", "http://a.example/already%20escaped%7Cbar"),
        ("[x](http://a.example/100%)", "http://a.example/100%25"),
        ("<foo\\+@bar.example.com>", "mailto:foo+@bar.example.com"),
    ],
)
def test_urls_are_percent_encoded_as_pandoc_does(tmp_path, markdown, href):
    page = rendered(tmp_path, markdown + "\n")
    assert f'href="{href}"' in page.html


def test_web_address_without_a_host_is_unlinked_with_a_warning(tmp_path):
    page = rendered(tmp_path, "See <https://../> now.\n")
    assert [(w.message, w.line) for w in page.warnings] == [
        ("link to 'https://../' removed: it names no valid web address", IMAGE_LINE)
    ]
    assert "https://../" in page.html and 'href="https://..' not in page.html


def test_text_inside_a_list_and_orphan_definitions_are_repaired():
    out = fragment_to_string(parse("<ul>loose <b>text</b><li>item</li>tail</ul><dd>d</dd>"))
    assert "<ul><li>loose <b>text</b></li><li>item</li><li>tail</li></ul>" in out
    assert '<div class="definitions"><div class="definition">d</div></div>' in out
    out = fragment_to_string(parse("<dl><dd>first</dd><dt>t</dt><dd>d</dd><dt>last</dt></dl>"))
    assert (
        '<div class="definition">first</div><dl><dt>t</dt><dd>d</dd><dt>last</dt><dd/></dl>' in out
    )


# --- one book with every case: EPUBCheck and the PDF ---------------------------------------

CASES = {
    "photo": "![A JPEG named PNG](images/photo.png)\n",
    "big": "![A large photo](images/big.jpg)\n",
    "evil-svg": "![A diagram](images/evil.svg)\n",
    "inline-svg": (
        '<svg width="120" height="40" onload="x()"><defs><linearGradient id="g">'
        '<stop offset="0" stop-color="red"/></linearGradient></defs>'
        '<rect width="120" height="40" fill="url(#g)"/><text x="4" y="20">Inline drawing</text>'
        '<image href="http://example.com/x.png" width="4" height="4"/></svg>\n'
    ),
    "math": "A formula <math><msup><mi>x</mi><mn>2</mn></msup></math> and more.\n",
    "details": "<details><summary>More</summary>Hidden text.</details>\n\n<details>Bare.</details>\n",
    "video": "<video src='clip.mp4'>Fallback words.</video>\n",
    "urls": (
        "[Dawn](<http://wikipedia.org/wiki/Dawn of War>) [q](http://www.stuff.com/q?x=1&y=2<>) "
        "<https://../> <foo\\+@bar.example.com>\n"
    ),
    "structure": "<ul>{% for x in y %}<li>a</li>{% endfor %}</ul>\n\n<dd>orphan</dd>\n",
}


@pytest.fixture(scope="module")
def bad_content_build(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    root = make_small_book(tmp_path_factory.mktemp("bad-content") / "book")
    Image.new("RGB", (64, 48), (200, 120, 40)).save(root / "photo.jpg")
    (root / "images").mkdir()
    shutil.move(root / "photo.jpg", root / "images/photo.png")
    (root / "images/big.jpg").write_bytes(jpeg((3000, 2000)))
    (root / "images/evil.svg").write_text(EVIL_SVG, encoding="utf-8")
    names = []
    for name, body in CASES.items():
        (root / f"{name}.md").write_text(
            f"---\nkind: essay\ntitle: Case {name}\n---\n{body}", encoding="utf-8"
        )
        names.append(f"{name}.md")
    toml = root / "book.toml"
    listed = json.dumps(["one.md", "two.md", "idea.md", *names])
    toml.write_text(
        re.sub(r"(?m)^chapters = \[.*\]$", f"chapters = {listed}", toml.read_text()),
        encoding="utf-8",
    )
    result = build(root, tmp_path_factory.mktemp("bad-content-out"), ["epub", "pdf"])
    return {"outputs": result.outputs, "warnings": result.warnings}


@pytest.mark.slow
def test_bad_content_book_passes_epubcheck(bad_content_build, tmp_path):
    report = run_epubcheck(bad_content_build["outputs"]["epub"], tmp_path / "epubcheck.json")
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nFatal"] == 0, messages
    assert report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages


@pytest.mark.slow
def test_bad_content_book_declares_svg_and_mathml_and_nothing_scripted(bad_content_build):
    files = epub_files(bad_content_build["outputs"]["epub"])
    opf = etree.fromstring(files["EPUB/content.opf"])
    properties = {item.get("href"): item.get("properties", "") for item in opf.iter("{*}item")}
    assert "svg" in properties["text/inline-svg.xhtml"].split()
    assert "mathml" in properties["text/math.xhtml"].split()
    assert not any("scripted" in p or "remote-resources" in p for p in properties.values())
    assert properties["media/images/photo.png.jpg"] == ""
    media = {item.get("href"): item.get("media-type") for item in opf.iter("{*}item")}
    assert media["media/images/photo.png.jpg"] == "image/jpeg"
    big = Image.open(io.BytesIO(files["EPUB/media/images/big.jpg"]))
    assert big.width * big.height <= EPUB_MAX_PIXELS


@pytest.mark.slow
def test_bad_content_book_warns_once_per_case(bad_content_build):
    found = {(str(w.path), w.line, w.message.split(":")[0]) for w in bad_content_build["warnings"]}
    for expected in [
        ("photo.md", 5, "image 'images/photo.png' is a JPEG file, though its name says PNG; the EPUB carries it packed as JPEG"),
        ("big.md", 5, "image 'images/big.jpg' is 3000 x 2000 pixels; the EPUB carries it scaled down to 4 million pixels, the PDFs at full size"),
        ("evil-svg.md", 5, "SVG 'images/evil.svg'"),
        ("inline-svg.md", 5, "inline <svg>"),
        ("video.md", 5, "<video> removed"),
        ("urls.md", 5, "link to 'https"),
    ]:  # fmt: skip
        assert expected in found, sorted(found)


@pytest.mark.slow
def test_bad_content_pdf_shows_pictures_and_formulas(bad_content_build):
    reader = PdfReader(bad_content_build["outputs"]["pdf"])
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Drawn" in text and "Inline drawing" in text  # both SVGs drawn, with their text
    # Raw MathML is drawn (pdf/math.py): outlines just before "and more", no text of it.
    with pdfplumber.open(bad_content_build["outputs"]["pdf"]) as pdf:
        page = next(p for p in pdf.pages if "A formula" in (p.extract_text() or ""))
        words = page.extract_words()
        formula = next(w for w in words if w["text"] == "formula")
        more = next(w for w in words if w["text"] == "and" and abs(w["top"] - formula["top"]) < 2)
        assert any(formula["x1"] < c["x0"] < more["x0"] for c in page.curves)
    assert re.search(r"A formula\s*and more", text)
    assert "Hidden text." in text and "Fallback words." in text
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 2  # the JPEG named .png and the large photo


def test_truncated_jpeg_is_found_after_weasyprint_is_imported(tmp_path):
    # WeasyPrint switches Pillow's LOAD_TRUNCATED_IMAGES on for the whole process, as
    # happens in `build --watch` and `preview`, where the manuscript is loaded again.
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    cut = jpeg((400, 300))[:-600]
    root = book_with(tmp_path, "![A photo](images/cut.jpg)\n", {"images/cut.jpg": cut})
    assert one_md(load_problems(root), r"error: image 'images/cut\.jpg' is damaged")
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint's own setting is left as it was


# --- decoding is remembered between builds ----------------------------------------------


def test_images_decoded_once_are_remembered_by_their_bytes(tmp_path, monkeypatch):
    from makebook.build import build
    from makebook.manuscript import images

    root = book_with(tmp_path, "![A photo](images/p.jpg)\n", {"images/p.jpg": jpeg((400, 300))})
    out = tmp_path / "out"
    build(root, out, ["epub"])
    assert (out / ".makebook-cache" / "images.json").is_file()
    images._decoded.clear()  # as in a new process: only the memo on disk knows the photo

    def no_decoding(data: bytes) -> images.ImageFacts:
        raise AssertionError("an unchanged image was decoded again")

    monkeypatch.setattr(images, "decode", no_decoding)
    (root / "two.md").write_text((root / "two.md").read_text() + "\nAn edit.\n")
    build(root, out, ["epub"])  # the edit is built; the photo is not decoded again

    # A file whose bytes change is decoded again: here, found damaged.
    monkeypatch.undo()
    (root / "images" / "p.jpg").write_bytes(jpeg((400, 300))[:-600])
    with pytest.raises(ManuscriptError, match="is damaged or not a complete image"):
        build(root, out, ["epub"])


def test_a_damaged_image_memo_is_ignored(tmp_path):
    from makebook.manuscript import images

    memo = tmp_path / "images.json"
    for text in ("{not json", '{"version": 1, "images": {"x": ["JPEG", "wide", 3]}}', "[]"):
        memo.write_text(text)
        images.read_memo(memo)  # no error, and nothing wrong taken from it
        assert "x" not in images._decoded
