"""pandoc's raw attribute (`raw_attribute`): ```` ```{=html} ```` blocks and
`` `<i>x</i>`{=html} `` spans, read alike by the loader's checks (raw HTML in them is
checked as any other raw HTML) and the renderer (render/pandoc_html.py).
"""

from __future__ import annotations

import re

from makebook.manuscript.syntax import fence_end, line_kinds

# Any code span (so that one inside a longer span is never taken), with its {=format}.
RAW_INLINE = (
    r"(?<![\\`])(?P<ticks>`+)(?!`)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)(?:\{=(?P<format>[\w-]+)\})?"
)
RAW_FENCE = re.compile(
    r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*\{=(?P<format>[\w-]+)\}[ \t]*$"
)


def raw_blocks(lines: list[str]) -> list[tuple[int, int, str]]:
    """Each ```{=format} block: (index of its opening fence, of its closing one, format)."""
    kinds = line_kinds(lines)
    found = []
    index = 0
    while index < len(lines):
        raw = RAW_FENCE.match(lines[index]) if kinds[index] == "fence" else None
        end = fence_end(lines, index) if raw else None
        if raw and end is not None:
            found.append((index, end, raw["format"]))
            index = end
        index += 1
    return found


def is_html(format_name: str) -> bool:
    return format_name.lower() in ("html", "html5", "html4")


def unmask_raw_html(markdown: str, masked: str) -> str:
    """The masked text (syntax.mask_code) with raw HTML blocks and spans shown again:
    they are no code, but HTML that goes into the book."""
    lines = markdown.split("\n")
    out = masked.split("\n")
    for start, end, name in raw_blocks(lines):
        if is_html(name):
            out[start + 1 : end] = lines[start + 1 : end]
    kinds = line_kinds(lines)
    for index, line in enumerate(lines):
        for match in re.finditer(RAW_INLINE, line) if kinds[index] == "text" else ():
            if match["format"] and is_html(match["format"]):
                text = out[index]
                out[index] = text[: match.start()] + match.group(0) + text[match.end() :]
    return "\n".join(out)
