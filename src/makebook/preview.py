"""`make-book preview`: the book as web pages on 127.0.0.1, rebuilt and reloaded on save.

The pages are the EPUB edition's own XHTML documents, unpacked, so what the
author sees is what readers' devices get. Only files whose bytes changed are
rewritten, and the browser reloads itself when the book's version changes.
"""

from __future__ import annotations

import http.server
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from lxml import etree

from .epub import write_epub
from .errors import ManuscriptError
from .loader import load_book
from .transform import render_book
from .watch import book_changes
from .xhtml import XHTML_NS

RELOAD_JS = """
(function () {
  var version = null;
  function poll() {
    fetch('/__version', {cache: 'no-store'}).then(function (r) { return r.text(); })
      .then(function (v) {
        if (version !== null && v !== version) { location.reload(); return; }
        version = v; setTimeout(poll, 250);
      }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"""
PREVIEW_CSS = """
body { max-width: 36em; margin: 2em auto; padding: 0 1.5em; font-size: 18px; }
nav[hidden] { display: none; }
"""


class Preview:
    """The preview folder and its version number; one rebuild at a time."""

    def __init__(self, manuscript: Path, folder: Path) -> None:
        self.manuscript = manuscript
        self.folder = folder
        self.version = 0
        self.error = ""
        self.lock = threading.Lock()

    def rebuild(self) -> list[str]:
        """Build the pages again; returns the files that changed (none on an error)."""
        with self.lock:
            try:
                files = preview_files(self.manuscript)
            except ManuscriptError as exc:
                self.error = str(exc)
                self.version += 1
                return []
            self.error = ""
            changed = write_changed(self.folder, files)
            if changed:
                self.version += 1
            return changed


def preview_files(manuscript: Path) -> dict[str, bytes]:
    """The EPUB edition's files, with a reload script and a reading-width style added."""
    rendered = render_book(load_book(manuscript))
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as temp:
        epub = Path(temp) / "preview.epub"
        write_epub(rendered, epub)
        archive = zipfile.ZipFile(epub)
        for name in archive.namelist():
            if not name.startswith("EPUB/"):
                continue
            data = archive.read(name)
            relative = name.removeprefix("EPUB/")
            files[relative] = with_reload(data) if relative.endswith(".xhtml") else data
        archive.close()
    return files


def with_reload(document: bytes) -> bytes:
    root = etree.fromstring(document)
    head = root.find(f"{{{XHTML_NS}}}head")
    etree.SubElement(head, f"{{{XHTML_NS}}}link", rel="stylesheet", href="/__preview.css")
    script = etree.SubElement(head, f"{{{XHTML_NS}}}script", src="/__reload.js")
    script.text = ""
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def write_changed(folder: Path, files: dict[str, bytes]) -> list[str]:
    changed = []
    for name, data in files.items():
        target = folder / name
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        changed.append(name)
    return changed


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".xhtml": "application/xhtml+xml",
    }

    def __init__(self, *args, preview: Preview, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.preview = preview
        super().__init__(*args, directory=str(preview.folder), **kwargs)

    def do_GET(self) -> None:  # noqa: N802
        special = {
            "/__version": (str(self.preview.version), "text/plain"),
            "/__reload.js": (RELOAD_JS, "text/javascript"),
            "/__preview.css": (PREVIEW_CSS, "text/css"),
            "/__error": (self.preview.error, "text/plain"),
        }
        if self.path in special:
            body, kind = special[self.path]
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.path in ("/", "/index.html"):
            self.send_response(302)
            self.send_header("Location", "/nav.xhtml")
            self.end_headers()
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the terminal shows rebuilds, not every request


def serve(
    manuscript: Path,
    folder: Path,
    port: int,
    on_rebuild: Callable[[list[str], str], None] = lambda changed, error: None,
    stop: threading.Event | None = None,
) -> None:
    """Build once, serve on 127.0.0.1, and rebuild whenever the manuscript or styles change."""
    preview = Preview(manuscript, folder)
    preview.rebuild()
    if preview.error:
        on_rebuild([], preview.error)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, preview=preview))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for _ in book_changes(manuscript, folder, stop):
            started = time.perf_counter()
            changed = preview.rebuild()
            on_rebuild(changed, preview.error or f"{time.perf_counter() - started:.2f}")
    finally:
        server.shutdown()
        server.server_close()
