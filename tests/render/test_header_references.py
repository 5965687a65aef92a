"""pandoc's implicit header references: `[Heading]` links to the heading of that text."""

from __future__ import annotations

from conftest import markup

BODY = """## Citation syntax

Some text.

## Other options

See [Citation syntax], [Citation Syntax][], [the syntax][citation syntax] and
[Nothing by that name]. In code, `[Citation syntax]` stays as written.
"""


def test_bracketed_heading_text_links_to_the_heading(render_body):
    body = render_body(BODY)
    paragraph = markup(body.findall("p")[1])
    target = body.find("h2").get("id")
    assert target  # the heading's book-unique id
    assert paragraph.count(f'<a href="#{target}">') == 3
    assert f'<a href="#{target}">Citation syntax</a>,' in paragraph
    assert f'<a href="#{target}">Citation Syntax</a>,' in paragraph  # case does not matter
    assert f'<a href="#{target}">the syntax</a> and' in paragraph
    assert "[Nothing by that name]" in paragraph  # no heading: left as written
    assert "<code>[Citation syntax]</code>" in paragraph


def test_no_heading_no_change(render_body):
    body = render_body("Just [brackets] here.\n")
    assert markup(body.find("p")) == "<p>Just [brackets] here.</p>"
