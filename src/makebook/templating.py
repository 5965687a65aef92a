"""Generated pages (title page, copyright, appendices...) from Jinja templates.

A book may override any template by putting a file of the same name in a
`templates/` folder beside its styles, as mdBook does with `theme/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from lxml import etree

from .xhtml import fragment_to_string

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"


def environment(book_templates: Path | None = None) -> jinja2.Environment:
    search = [str(p) for p in (book_templates, PACKAGE_TEMPLATES) if p and p.is_dir()]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render_fragment(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render a template and prove it is well-formed XML before anything uses it."""
    text = env.get_template(name).render(**context)
    try:
        element = etree.fromstring(text.strip())
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"template {name} produced malformed XHTML: {exc}") from exc
    return fragment_to_string(element)
