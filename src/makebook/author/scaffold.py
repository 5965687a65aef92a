"""`make-book init` and `make-book new`: files an author starts from.

book.toml is edited with tomlkit, which keeps the author's comments and layout.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import tomlkit
import yaml

from makebook.errors import error
from makebook.manuscript.chapters import slugify
from makebook.manuscript.config import BOOK_TOML

PACKAGE = Path(__file__).parent
SKELETON = PACKAGE / "skeleton"
KIND_FOLDERS = {"essay": "chapters", "concept": "concepts", "note": "notes"}
CONCEPT_SECTIONS = {
    "Definition": "What the concept means, in a few plain sentences.",
    "Origins & Context": "Where the idea comes from, and who shaped it; cite them like `[@key]`.",
    "How It Shows Up": "What it looks like in everyday life.",
    "Author's Note": "What it has meant to you, in your own voice.",
}


def init_book(folder: Path, title: str, author: str, today: dt.date | None = None) -> Path:
    """A new book folder that builds at once: book.toml, one chapter of each kind, and a
    `styles/extra.css` for the author's changes (the design itself stays makebook's)."""
    if (folder / BOOK_TOML).exists():
        raise error(
            f"{folder} already holds a book", folder / BOOK_TOML, hint="choose a new folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(SKELETON.rglob("*")):
        target = folder / source.relative_to(SKELETON)
        if source.is_dir():
            target.mkdir(exist_ok=True)
        elif not target.exists():
            shutil.copyfile(source, target)
    today = today or dt.date.today()
    document = tomlkit.parse((folder / BOOK_TOML).read_text(encoding="utf-8"))
    book = document["book"]
    book["title"] = title
    book["publisher"] = author
    book["date"] = today.isoformat()
    book["rights"] = f"Copyright © {today.year} {author}. All rights reserved."
    book["authors"][0]["name"] = author  # type: ignore[index]
    (folder / BOOK_TOML).write_text(tomlkit.dumps(document), encoding="utf-8")
    return folder


def chapter_text(kind: str, title: str, chapter_id: str) -> str:
    front: dict[str, object] = {"kind": kind, "title": title}
    if kind == "concept":
        front.update({"id": chapter_id, "tagline": "One line that says what it is.", "related": []})
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, default_flow_style=None)
    if kind == "concept":
        body = "\n".join(f"## {name}\n\n{hint}\n" for name, hint in CONCEPT_SECTIONS.items())
    elif kind == "note":
        body = "A page or two in your own voice.\n"
    else:
        body = "Begin here.\n"
    return f"---\n{head}---\n{body}"


def new_chapter(manuscript: Path, kind: str, title: str) -> Path:
    """Write a new chapter file and add it to the end of the reading order."""
    toml_path = manuscript / BOOK_TOML
    if not toml_path.is_file():
        raise error(
            f"no {BOOK_TOML} in {manuscript}",
            hint="run it in a book folder, or make one with `make-book init`",
        )
    if kind not in KIND_FOLDERS:
        raise error(f"unknown kind '{kind}'", hint="use essay, concept or note")
    chapter_id = slugify(title)
    relative = f"{KIND_FOLDERS[kind]}/{chapter_id}.md"
    target = manuscript / relative
    if target.exists():
        raise error(f"{relative} already exists", Path(relative), hint="choose another title")
    document = tomlkit.parse(toml_path.read_text(encoding="utf-8"))
    contents = document.setdefault("contents", tomlkit.table())
    parts = contents.get("parts")  # type: ignore[union-attr]
    if parts:
        chapters = parts[-1].setdefault("chapters", tomlkit.array())
    else:
        chapters = contents.setdefault("chapters", tomlkit.array())  # type: ignore[union-attr]
    chapters.append(relative)
    if "\n" in chapters.as_string() or len(chapters) > 3:  # type: ignore[union-attr]
        chapters.multiline(True)  # type: ignore[union-attr]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(chapter_text(kind, title, chapter_id), encoding="utf-8")
    toml_path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return target
