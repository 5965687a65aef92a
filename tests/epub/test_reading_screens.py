"""The EPUB's pages as a browser engine lays them out on a phone and on a tablet.

Reading systems are browser engines (WebKit, Blink) with the book's CSS. Headless
Chromium opens each XHTML page of the built EPUB at a phone's size (390x844) and a
tablet's (1024x1366) and the tests read what it computed: where the lines of the front
matter sit, how many characters a line of running text holds, and whether every text
stays readable when a reading system turns the page dark (night mode).
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REQUIRE_VALIDATORS, need

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 1366}
SCREENS = {"phone": PHONE, "tablet": TABLET}

# A comfortable measure for running text, in characters a line (spaces included).
MOST_CHARACTERS = 75
FEWEST_CHARACTERS_ON_A_TABLET = 50

# Where each of a page's text lines sits: its left and right ends against the text
# block's (the body's content box).
LINES_OF = """
(element) => {
  const body = document.body.getBoundingClientRect();
  const style = getComputedStyle(document.body);
  const left = body.left + parseFloat(style.paddingLeft);
  const right = body.right - parseFloat(style.paddingRight);
  const range = document.createRange();
  range.selectNodeContents(element);
  const lines = new Map();
  for (const rect of range.getClientRects()) {
    if (rect.width < 1) continue;
    const key = Math.round(rect.bottom);
    const line = lines.get(key) || {left: Infinity, right: -Infinity};
    line.left = Math.min(line.left, rect.left);
    line.right = Math.max(line.right, rect.right);
    lines.set(key, line);
  }
  return [...lines.values()].map(l => ({before: l.left - left, after: right - l.right}));
}
"""

# How many characters each line of a paragraph holds, as laid out.
CHARACTERS_PER_LINE = """
(element) => {
  const counts = new Map();
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      const key = Math.round(rect.bottom);
      counts.set(key, (counts.get(key) || 0) + 1);
    }
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(e => e[1]);
}
"""

# Every visible element with text of its own: its text colour against the colour
# behind it (its own background or the nearest ancestor's, over the page's), as the
# WCAG contrast ratio.
CONTRASTS = """
() => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const luminance = c => { const f = v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const behind = element => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0) layers.push(c);
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const found = [];
  for (const element of document.body.querySelectorAll('*')) {
    const own = [...element.childNodes].some(n => n.nodeType === 3 && n.data.trim());
    if (!own || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden') continue;
    const back = behind(element);
    const text = over(parse(style.color), back);
    const [light, dark] = [luminance(text), luminance(back)].sort((a, b) => b - a);
    found.push({tag: element.tagName.toLowerCase(), cls: element.className,
      text: element.textContent.trim().slice(0, 40), ratio: (light + 0.05) / (dark + 0.05)});
  }
  return found;
}
"""

# A night mode as a reading system sets it: the page dark, the text light, and the
# book's own CSS left alone.
NIGHT = "html, body { background-color: #000; color: #e6e6e6; }"
# A reader's alignment setting, in a style sheet the reading system puts before the
# book's own: a rule on paragraphs, as reading systems write them.
READER_ALIGNS_LEFT = "p { text-align: left; }"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRE_VALIDATORS:
            pytest.fail("Playwright is not installed; run scripts/setup")
        pytest.skip("Playwright is not installed; run scripts/setup")
    chromium = shutil.which("chromium")
    need(chromium, "Chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def unpacked(epub: Path, where: Path) -> Path:
    """The EPUB's folder of XHTML pages, unpacked at `where`."""
    with zipfile.ZipFile(epub) as archive:
        archive.extractall(where)
    return where / "EPUB" / "text"


@pytest.fixture(scope="module")
def demo_pages(demo_build, tmp_path_factory) -> Path:
    return unpacked(demo_build["epub"], tmp_path_factory.mktemp("demo-epub"))


@pytest.fixture(scope="module")
def constructs_pages(pandoc_constructs_build, tmp_path_factory) -> Path:
    return unpacked(pandoc_constructs_build.outputs["epub"], tmp_path_factory.mktemp("c-epub"))


def open_page(browser, page: Path, screen: dict[str, int], before_book: str = ""):  # type: ignore[no-untyped-def]
    """`page` opened at the screen's size; `before_book` is CSS a reading system adds
    ahead of the book's style sheets."""
    tab = browser.new_page(viewport=screen)
    tab.goto(page.as_uri())
    if before_book:
        tab.evaluate(
            """(css) => { const style = document.createElement('style');
               style.textContent = css; document.head.prepend(style); }""",
            before_book,
        )
    tab.evaluate("document.fonts.ready.then(() => true)")
    return tab


def front_lines(tab, selector: str) -> list[dict[str, float]]:  # type: ignore[no-untyped-def]
    elements = tab.locator(selector)
    assert elements.count() > 0, f"no {selector} on the page"
    return [line for i in range(elements.count()) for line in elements.nth(i).evaluate(LINES_OF)]


FRONT_MATTER = {
    "titlepage.xhtml": [".book-title", ".book-subtitle", ".book-author", ".book-publisher"],
    "dedication.xhtml": [".dedication p"],
    "book-epigraph.xhtml": [".book-epigraph blockquote p"],
}


@pytest.mark.parametrize("screen", SCREENS)
def test_front_matter_is_centred_on_phone_and_tablet(browser, demo_pages, screen):
    for name, selectors in FRONT_MATTER.items():
        tab = open_page(browser, demo_pages / name, SCREENS[screen])
        for selector in selectors:
            lines = front_lines(tab, selector)
            for line in lines:
                assert abs(line["before"] - line["after"]) <= 2, (
                    f"{name} {selector} at {screen} size is not centred: {line}"
                )
            assert tab.locator(selector).first.evaluate("e => getComputedStyle(e).textAlign") == (
                "center"
            )
        tab.close()


def test_the_epigraphs_source_stands_at_the_right(browser, demo_pages):
    tab = open_page(browser, demo_pages / "book-epigraph.xhtml", PHONE)
    (line,) = front_lines(tab, ".book-epigraph .attribution")
    assert line["after"] < line["before"]
    tab.close()


def test_running_text_is_justified_unless_the_reader_chose_otherwise(browser, demo_pages):
    chapter = demo_pages / "the-second-try.xhtml"
    alignment = "e => getComputedStyle(e).textAlign"
    tab = open_page(browser, chapter, PHONE)
    assert tab.locator(".chapter-body > p").first.evaluate(alignment) == "justify"
    assert tab.locator(".chapter-title").evaluate(alignment) in ("start", "left")
    tab.close()
    tab = open_page(browser, chapter, PHONE, before_book=READER_ALIGNS_LEFT)
    paragraphs = tab.locator(".chapter-body p")
    chosen = {paragraphs.nth(i).evaluate(alignment) for i in range(paragraphs.count())}
    assert chosen == {"left"}
    tab.close()


def longest_paragraph_lines(tab) -> list[int]:  # type: ignore[no-untyped-def]
    paragraphs = tab.locator(".chapter-body p")
    longest = max(range(paragraphs.count()), key=lambda i: len(paragraphs.nth(i).inner_text()))
    return paragraphs.nth(longest).evaluate(CHARACTERS_PER_LINE)


@pytest.mark.parametrize("chapter", ["the-second-try.xhtml", "attunement.xhtml"])
def test_a_tablet_shows_a_comfortable_measure(browser, demo_pages, chapter):
    tab = open_page(browser, demo_pages / chapter, TABLET)
    lines = longest_paragraph_lines(tab)
    full = lines[:-1]  # the last line of a paragraph is short
    assert len(full) >= 4
    print(f"{chapter} on a tablet: {full} characters a line")
    assert max(full) <= MOST_CHARACTERS
    assert min(full) >= FEWEST_CHARACTERS_ON_A_TABLET
    # The text block stands in the middle of the screen.
    body = tab.evaluate(
        "(() => { const r = document.body.getBoundingClientRect();"
        " return [r.left, innerWidth - r.right]; })()"
    )
    assert abs(body[0] - body[1]) <= 2 and body[0] > 100
    tab.close()


def test_a_phone_gives_the_text_the_whole_screen(browser, demo_pages):
    tab = open_page(browser, demo_pages / "the-second-try.xhtml", PHONE)
    width = tab.locator(".chapter-body > p").first.evaluate("e => e.getBoundingClientRect().width")
    assert width >= 0.85 * PHONE["width"]
    lines = longest_paragraph_lines(tab)
    print(f"on a phone: {lines[:-1]} characters a line")
    assert max(lines) <= MOST_CHARACTERS
    tab.close()


def test_note_boxes_have_no_background_of_their_own(browser, demo_pages):
    tab = open_page(browser, demo_pages / "the-second-try.xhtml", PHONE)
    notes = tab.locator(".note")
    assert notes.count() > 0
    for i in range(notes.count()):
        style = notes.nth(i).evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [s.backgroundColor, s.backgroundImage, s.borderLeftStyle]; }"
        )
        assert style == ["rgba(0, 0, 0, 0)", "none", "solid"]  # set off by a rule
    tab.close()


def unreadable(browser, pages: Path, before_book: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every text on every page whose contrast with what is behind it is under 4.5:1."""
    found = []
    for page in sorted(pages.glob("*.xhtml")):
        tab = open_page(browser, page, PHONE)
        if before_book:
            tab.add_style_tag(content=before_book)
        for text in tab.evaluate(CONTRASTS):
            if text["ratio"] < 4.5:
                found.append(
                    f"{page.name}: <{text['tag']} class={text['cls']!r}> "
                    f"{text['text']!r} {text['ratio']:.1f}:1"
                )
        tab.close()
    return found


@pytest.mark.parametrize("mode", ["day", "night"])
def test_every_text_reads_in_day_and_night_mode(browser, demo_pages, constructs_pages, mode):
    css = NIGHT if mode == "night" else ""
    found = unreadable(browser, demo_pages, css) + unreadable(browser, constructs_pages, css)
    assert found == []


# Highlighted code and marked text, as makebook writes them (render/code.py, pandoc's
# `==mark==`/`[text]{.mark}`), on a page of the demo's own with its style sheets.
CODE_PAGE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>Code</title>
<link rel="stylesheet" type="text/css" href="../styles/book.css"/>
<link rel="stylesheet" type="text/css" href="../styles/epub.css"/></head>
<body><section class="chapter"><div class="chapter-body">
<div class="sourceCode"><pre class="sourceCode python"><code class="sourceCode python">
<span class="kn">import</span> <span class="nn">os</span>  <span class="c1"># a comment</span>
<span class="n">name</span> <span class="o">=</span> <span class="s2">"a string"</span>
<span class="sd">'''A docstring.'''</span></code></pre></div>
<p>Some <mark>marked</mark> and <span class="mark">highlighted</span> words.</p>
</div></section></body></html>
"""


@pytest.mark.parametrize("mode", ["day", "night"])
def test_highlighted_code_and_marked_text_read_in_day_and_night_mode(
    browser, demo_pages, tmp_path, mode
):
    pages = tmp_path / "EPUB" / "text"
    pages.mkdir(parents=True)
    shutil.copytree(demo_pages.parent / "styles", tmp_path / "EPUB" / "styles")
    (pages / "code.xhtml").write_text(CODE_PAGE, encoding="utf-8")
    assert unreadable(browser, pages, NIGHT if mode == "night" else "") == []
