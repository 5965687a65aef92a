"""Generated pages (title page, copyright, appendices...) from Jinja templates.

A book may override any template by putting a file of the same name in a
`templates/` folder beside its styles, as mdBook does with `theme/`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from lxml import etree

from makebook.xhtml import fragment_to_string

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"


def environment(book_templates: Path | None = None) -> jinja2.Environment:
    """One environment per set of template files: its compiled templates are reused by
    every writer and, under `build --watch`, by every build until a template changes."""
    search = tuple(str(p) for p in (book_templates, PACKAGE_TEMPLATES) if p and p.is_dir())
    return _environment(search, tuple(template_files(Path(folder)) for folder in search))


def template_files(folder: Path) -> tuple[tuple[str, int], ...]:
    """The folder's files and when each was changed: a template added, removed or
    edited makes a new environment (Jinja's own check misses an added override)."""
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()))


@functools.lru_cache(maxsize=4)
def _environment(search: tuple[str, ...], _files: object) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search)),
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
