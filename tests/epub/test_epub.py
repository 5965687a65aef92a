"""The EPUB edition, read back as a store and a reading system would."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from lxml import etree

from conftest import DEMO_TOP_LEVEL, epub_files

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def opf(files: dict[str, bytes]) -> etree._Element:
    container = etree.fromstring(files["META-INF/container.xml"])
    path = container.find(".//{*}rootfile").get("full-path")
    return etree.fromstring(files[path])


def xhtml_documents(files: dict[str, bytes]) -> dict[str, etree._Element]:
    return {name: etree.fromstring(data) for name, data in files.items() if name.endswith(".xhtml")}


def test_every_content_document_is_well_formed_xhtml_with_language_and_title(demo_build):
    files = epub_files(demo_build["epub"])
    documents = xhtml_documents(files)
    assert len(documents) > 15
    for name, root in documents.items():
        assert root.tag == "{http://www.w3.org/1999/xhtml}html", name
        assert root.get("lang") == "en-GB", name
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB", name
        title = root.findtext(".//x:head/x:title", namespaces=NS)
        assert title and not title.endswith(".xhtml"), name


def test_metadata_is_as_configured(demo_build):
    package = opf(epub_files(demo_build["epub"]))
    assert package.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    meta = package.find("opf:metadata", NS)
    titles = [t.text for t in meta.findall("dc:title", NS)]
    assert titles[0] == "The Listening Year"
    assert "Essays and Concepts on Being Seen" in titles
    creator = meta.find("dc:creator", NS)
    assert creator.text == "Maren Ellis"
    refines = {
        m.get("property"): m.text
        for m in meta.findall("opf:meta", NS)
        if m.get("refines") == "#" + creator.get("id")
    }
    assert refines == {"file-as": "Ellis, Maren", "role": "aut"}
    assert meta.findtext("dc:language", namespaces=NS) == "en-GB"
    assert (
        meta.findtext("dc:identifier", namespaces=NS) == "urn:isbn:9781234567880"
    )  # [epub] isbn, its own
    assert meta.findtext("dc:publisher", namespaces=NS) == "Quiet Harbour Press"
    assert meta.findtext("dc:date", namespaces=NS) == "2026-11-01"
    assert "Maren Ellis" in meta.findtext("dc:rights", namespaces=NS)
    assert meta.findtext("dc:description", namespaces=NS).startswith("For one year")
    assert "Psychology" in [s.text for s in meta.findall("dc:subject", NS)]
    modified = [
        m.text for m in meta.findall("opf:meta", NS) if m.get("property") == "dcterms:modified"
    ]
    assert modified == ["2026-11-01T00:00:00Z"]


def test_nav_lists_every_chapter_part_and_appendix_nested_by_part(demo_build):
    files = epub_files(demo_build["epub"])
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    top = [li.find("x:a", NS).text for li in toc.findall("x:ol/x:li", NS)]
    assert top == DEMO_TOP_LEVEL
    part_two = toc.findall("x:ol/x:li", NS)[top.index("Part Two: A Small Lexicon of Being Seen")]
    assert [a.text for a in part_two.findall("x:ol/x:li/x:a", NS)] == [
        "Attunement",
        "Co-regulation",
        "Rupture and Repair",
        "Emotional Neglect",
    ]
    hrefs = [a.get("href") for a in toc.iter("{http://www.w3.org/1999/xhtml}a")]
    for href in hrefs:
        assert href.split("#")[0] in {n.removeprefix("EPUB/") for n in files}, href
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    kinds = [a.get(EPUB_TYPE) for a in landmarks.iter("{http://www.w3.org/1999/xhtml}a")]
    assert {"toc", "bodymatter", "bibliography"} <= set(kinds)


def test_footnotes_are_linked_both_ways(demo_build):
    documents = xhtml_documents(epub_files(demo_build["epub"]))
    doc = documents["EPUB/text/what-the-face-says.xhtml"]
    refs = doc.findall(".//x:a[@epub:type='noteref']", NS)
    assert refs, "the chapter's footnotes became noterefs"
    for ref in refs:
        assert ref.get("role") == "doc-noteref"
        note = doc.find(f".//*[@id='{ref.get('href')[1:]}']")
        assert note is not None and note.tag == "{http://www.w3.org/1999/xhtml}aside"
        assert note.get(EPUB_TYPE) == "footnote" and note.get("role") == "doc-footnote"
        back = note.find(".//x:a[@role='doc-backlink']", NS)
        assert back.get("href") == "#" + ref.get("id")


def test_citations_link_to_existing_entries_and_entries_link_back(demo_build):
    files = epub_files(demo_build["epub"])
    documents = xhtml_documents(files)
    ids = {
        (name.removeprefix("EPUB/"), element.get("id"))
        for name, root in documents.items()
        for element in root.iter()
        if isinstance(element.tag, str) and element.get("id")
    }
    cites = [
        (name, a.get("href"))
        for name, root in documents.items()
        for a in root.iterfind(".//x:span[@class='citation']/x:a", NS)
    ]
    assert len(cites) > 20
    for name, href in cites:
        target_file, _, fragment = href.partition("#")
        resolved = (
            str(Path(name.removeprefix("EPUB/")).parent / target_file) if target_file else name
        )
        assert (resolved.removeprefix("EPUB/"), fragment) in ids, href
    cited = documents["EPUB/text/appendix-cited.xhtml"]
    discussed = cited.findall(".//x:p[@class='discussed-in']/x:a", NS)
    assert discussed and all(
        a.get("href").startswith("what") or "#" in a.get("href") for a in discussed
    )


def test_generated_and_structural_semantics(demo_build):
    documents = xhtml_documents(epub_files(demo_build["epub"]))

    def section(name: str) -> etree._Element:
        return documents[f"EPUB/text/{name}.xhtml"].find(".//x:body/x:section", NS)

    assert section("titlepage").get(EPUB_TYPE) == "titlepage"
    assert section("copyright").get(EPUB_TYPE) == "copyright-page"
    assert section("dedication").get("role") == "doc-dedication"
    assert section("what-the-face-says").get("role") == "doc-chapter"
    assert section("part-part-one-learning-to-listen").get("role") == "doc-part"
    assert section("appendix-cited").get("role") == "doc-bibliography"
    assert section("appendix-glossary").get("role") == "doc-glossary"
    assert "halftitle" not in " ".join(documents)


def test_no_straight_quotes_left_in_running_text(demo_build):
    documents = xhtml_documents(epub_files(demo_build["epub"]))
    for name, root in documents.items():
        body = root.find("x:body", NS)
        text = "".join(body.itertext())
        assert '"' not in text, name
        assert "'" not in text, name


def test_page_list_markers_sit_where_the_printed_pages_begin(demo_build):
    """The text after EPUB marker N is the text at the top of PDF page N."""
    import pdfplumber

    files = epub_files(demo_build["epub"])
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    page_list = nav.find(".//x:nav[@epub:type='page-list']", NS)
    entries = [(a.text, a.get("href")) for a in page_list.iter("{http://www.w3.org/1999/xhtml}a")]
    with pdfplumber.open(demo_build["pdf"]) as pdf:
        assert len(entries) == len(pdf.pages), "every printed page is in the page-list"
        tops = {}
        for page in pdf.pages:
            words = page.extract_words()
            body = [w for w in words if 0.75 * 72 < w["top"] < page.height - 0.75 * 72]
            folio = " ".join(w["text"] for w in words if w["top"] > page.height - 0.75 * 72)
            if folio and body:
                tops[folio] = "".join(w["text"] for w in body[:6])
    assert [label for label, _ in entries][:3] == ["i", "ii", "iii"]
    documents = xhtml_documents(files)
    checked = 0
    for label, href in entries:
        name, _, fragment = href.partition("#")
        doc = documents["EPUB/" + name]
        marker = doc.find(f".//*[@id='{fragment}']")
        assert marker is not None and marker.get(EPUB_TYPE) == "pagebreak", href
        assert marker.get("role") == "doc-pagebreak" and marker.get("aria-label") == label
        nxt = marker.getnext()
        deferred = (
            not (marker.tail or "").strip()
            and nxt is not None
            and nxt.get(EPUB_TYPE) == "pagebreak"
        )
        if label not in tops or deferred:
            continue  # no folio, or no text of its own in the EPUB (the printed contents)
        if doc.find(f".//*[@{EPUB_TYPE}='index']") is not None:
            continue  # two columns: the PDF's first line reads across both
        after = following_text(marker, 200)
        squeeze = "".join(after.split()).lower()
        expected = tops[label].lower()[:12]
        drawn = drawing_text(nxt, name, files) or drawing_text(marker.getparent(), name, files)
        if drawn:
            # A page that opens with an SVG drawing: the PDF's first words are the
            # drawing's own labels, which the EPUB shows in the picture (the marker
            # sits in the figure, before its caption: pagemap.py finds the first line).
            assert expected in drawn, (label, drawn)
        else:
            # A page that opens with an item of a numbered list prints its number, which
            # the EPUB's list draws (not text): "3.whatdidyou" begins "whatdidyou".
            item = re.sub(r"^\d+\.", "", tops[label].lower())[:12]
            assert (
                expected in squeeze[:60]
                or squeeze.startswith(expected.lstrip("("))
                or squeeze.startswith(item)
            ), (label, after)
        checked += 1
    assert checked > 40


def drawing_text(element: etree._Element | None, document: str, files: dict[str, bytes]) -> str:
    """The words of the SVG drawing a figure shows, squeezed and lower case; "" for
    anything else."""
    if element is None or etree.QName(element).localname != "figure":
        return ""
    for image in element.iter("{*}img"):
        source = image.get("src", "")
        if source.endswith(".svg"):
            path = posixpath.normpath(posixpath.join("EPUB", posixpath.dirname(document), source))
            text = "".join(etree.fromstring(files[path]).itertext())
            return "".join(text.split()).lower()
    return ""


def following_text(marker: etree._Element, limit: int) -> str:
    """The text that follows an element in reading order, skipping note references."""
    parts: list[str] = [marker.tail or ""]
    node = marker
    while sum(map(len, parts)) < limit:
        parent = node.getparent()
        nxt = node.getnext()
        if nxt is not None:
            if "noteref" not in (nxt.get("class") or ""):
                parts.append("".join(nxt.itertext()))
            parts.append(nxt.tail or "")
            node = nxt
        elif parent is not None:
            parts.append(parent.tail or "")
            node = parent
        else:
            break
    return "".join(parts)


def package_metas(epub: Path) -> set[tuple[str | None, str | None]]:
    """(property, value) of every <meta> in the package document."""
    package = opf(epub_files(epub))
    return {(m.get("property"), m.text) for m in package.iterfind(".//opf:meta", NS)}


def test_page_break_source_and_page_navigation_are_declared(demo_build):
    metas = package_metas(demo_build["epub"])
    assert ("pageBreakSource", "urn:isbn:9781234567897") in metas
    assert ("schema:accessibilityFeature", "printPageNumbers") in metas
    assert ("schema:accessibilityFeature", "pageNavigation") in metas


def test_declared_accessibility_is_in_the_package(small_build):
    metas = package_metas(small_build["epub"])
    assert ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA") in metas
    assert ("a11y:certifiedBy", "Fixture Press") in metas
    assert ("a11y:exemption", "eaa-microenterprise") in metas
    assert ("schema:accessibilityHazard", "none") in metas
    # the small book has no images: no alternativeText claim, no visual access mode
    assert ("schema:accessibilityFeature", "alternativeText") not in metas
    assert ("schema:accessMode", "visual") not in metas


def test_demo_claims_alternative_text_because_it_has_an_image(demo_build):
    metas = package_metas(demo_build["epub"])
    assert ("schema:accessibilityFeature", "alternativeText") in metas
    assert ("schema:accessMode", "visual") in metas


def test_other_languages_and_scene_breaks_are_marked(small_build):
    documents = xhtml_documents(epub_files(small_build["epub"]))
    doc = documents["EPUB/text/two.xhtml"]
    span = doc.find(".//x:span[@lang='fr']", NS)
    assert span.text == "savoir-vivre"
    assert span.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    rule = doc.find(".//x:hr", NS)
    assert rule.get("class") == "scene-break" and rule.get("aria-label") == "Scene break"


def test_cover_page_image_and_landmark(demo_build):
    files = epub_files(demo_build["epub"])
    package = opf(files)
    cover = [i for i in package.iterfind(".//opf:item", NS) if i.get("properties") == "cover-image"]
    assert len(cover) == 1
    data = files["EPUB/" + cover[0].get("href")]
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(data)) as image:
        assert image.size == (1600, 2560) and image.mode == "RGB"
    spine = [r.get("idref") for r in package.iterfind(".//opf:itemref", NS)]
    assert spine[0] == "cover"
    page = etree.fromstring(files["EPUB/text/cover.xhtml"])
    img = page.find(".//x:img", NS)
    assert img.get("role") == "doc-cover" and img.get("alt").startswith("Cover: The Listening Year")
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    assert landmarks.find(".//x:a", NS).get(EPUB_TYPE) == "cover"


def test_the_same_manuscript_builds_the_same_bytes(small_book, tmp_path, monkeypatch):
    from makebook.build import build

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build(small_book, tmp_path / "a", ["epub"]).outputs["epub"].read_bytes()
    second = build(small_book, tmp_path / "b", ["epub"]).outputs["epub"].read_bytes()
    assert first == second
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    third = build(small_book, tmp_path / "c", ["epub"]).outputs["epub"]
    assert third.read_bytes() != first
    package = opf(epub_files(third))
    modified = [
        m.text
        for m in package.iterfind(".//opf:meta", NS)
        if m.get("property") == "dcterms:modified"
    ]
    assert modified == ["2023-11-14T22:13:20Z"]
    import zipfile

    with zipfile.ZipFile(third) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert archive.namelist()[0] == "mimetype"
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED


def test_sample_edition_has_the_first_chapters_and_where_to_buy(sample_build):
    files = epub_files(sample_build["epub"])
    names = {n.removeprefix("EPUB/text/") for n in files if n.startswith("EPUB/text/")}
    assert {"what-the-face-says.xhtml", "the-kitchen-table.xhtml", "sample-end.xhtml"} <= names
    assert "the-second-try.xhtml" not in names and "attunement.xhtml" not in names
    end = etree.fromstring(files["EPUB/text/sample-end.xhtml"])
    assert (
        end.find(".//x:a", NS).get("href") == "https://quietharbourpress.example/the-listening-year"
    )
    package = opf(files)
    identifier = package.findtext(".//dc:identifier", namespaces=NS)
    assert identifier.startswith("urn:uuid:") and identifier != "urn:isbn:9781234567897"
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    toc = [
        a.text
        for a in nav.find(".//x:nav[@epub:type='toc']", NS).iter("{http://www.w3.org/1999/xhtml}a")
    ]
    assert toc[-1].startswith("The Full Book")
    assert "Emotional Neglect" not in toc
    assert sample_build["pdf"].name == "the-listening-year-sample.pdf"
