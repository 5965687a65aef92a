"""`make-book preview`: the book as web pages on 127.0.0.1, rebuilt and reloaded on save.

The pages are the EPUB edition's own XHTML documents, unpacked, so what the
author sees is what readers' devices get. Only files whose bytes changed are
rewritten, and the browser reloads itself when the book's version changes.
"""

from __future__ import annotations

import http.server
import json
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from lxml import etree

from makebook.author.watch import book_changes
from makebook.epub.writer import write_epub
from makebook.errors import ManuscriptError, Problem, error
from makebook.manuscript.loader import load_book
from makebook.render.book import render_book
from makebook.xhtml import XHTML_NS

# The page asks for the build's state four times a second: it reloads when a good build
# changed the pages, and shows the errors of a failed build over the (now stale) page
# until the next good build. Text goes in with textContent, never as markup.
RELOAD_JS = """
(function () {
  var version = null;
  function overlay(problems) {
    var old = document.getElementById('__makebook-errors');
    if (old) { old.parentNode.removeChild(old); }
    if (!problems) { return; }
    var box = document.createElement('div');
    box.id = '__makebook-errors';
    box.className = 'makebook-errors';
    box.setAttribute('role', 'alert');
    var heading = document.createElement('p');
    heading.className = 'makebook-errors-title';
    heading.textContent = 'The book did not build: this page is out of date.';
    box.appendChild(heading);
    problems.forEach(function (p) {
      var item = document.createElement('pre');
      item.className = 'makebook-error';
      var where = document.createElement('strong');
      where.textContent = p.location ? p.location + ': ' : '';
      item.appendChild(where);
      item.appendChild(document.createTextNode(p.severity + ': ' + p.message +
        (p.hint ? '\\n  hint: ' + p.hint : '')));
      box.appendChild(item);
    });
    var body = document.body || document.documentElement;
    body.appendChild(box);
  }
  function poll() {
    fetch('/__state', {cache: 'no-store'}).then(function (r) { return r.json(); })
      .then(function (state) {
        if (!state.ok) { overlay(state.problems); }
        else if (version !== null && state.version !== version) { location.reload(); return; }
        else { overlay(null); }
        version = state.version; setTimeout(poll, 250);
      }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"""
PREVIEW_CSS = """
body { max-width: 36em; margin: 2em auto; padding: 0 1.5em; font-size: 18px; }
nav[hidden] { display: none; }
.makebook-errors { position: fixed; inset: 0; z-index: 2147483647; overflow: auto;
  margin: 0; padding: 2em; box-sizing: border-box; background: rgba(24, 24, 27, 0.94);
  color: #fafafa; font: 15px/1.5 ui-monospace, Menlo, Consolas, monospace; }
.makebook-errors-title { margin: 0 0 1em; color: #ff8a80; font-weight: bold; font-size: 18px; }
.makebook-error { margin: 0 0 1em; padding: 0.75em 1em; white-space: pre-wrap;
  border-left: 4px solid #ff5252; background: #27272a; color: #fafafa; font: inherit; }
.makebook-error strong { color: #ffd54f; }
"""


class Preview:
    """The preview folder and its version number; one rebuild at a time."""

    def __init__(self, manuscript: Path, folder: Path) -> None:
        self.manuscript = manuscript
        self.folder = folder
        self.version = 0  # moves on when a good build changed the pages
        self.error = ""
        self.problems: list[Problem] = []  # of the last build; none when it was good
        self.lock = threading.Lock()

    def rebuild(self) -> list[str]:
        """Build the pages again; returns the files that changed (none on an error).

        A failed build leaves the last good pages (and the version) as they are: the
        open page keeps them, under the errors, until a good build."""
        with self.lock:
            try:
                files = preview_files(self.manuscript)
            except ManuscriptError as exc:
                self.error = str(exc)
                self.problems = list(exc.problems)
                return []
            self.error, self.problems = "", []
            changed = write_changed(self.folder, files)
            if changed:
                self.version += 1
            return changed

    def state(self) -> dict[str, object]:
        """What the open page asks four times a second."""
        return {
            "version": self.version,
            "ok": not self.problems,
            "problems": [
                {
                    "location": p.location(),
                    "path": str(p.path) if p.path else None,
                    "line": p.line,
                    "column": p.column,
                    "severity": p.severity,
                    "message": p.message,
                    "hint": p.hint,
                }
                for p in self.problems
            ],
        }


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


def with_errors(document: bytes, problems: list[Problem]) -> bytes:
    """The page with the errors of the last build over it (a page loaded while the book
    does not build); the same markup the reload script makes, its text escaped."""
    root = etree.fromstring(document)
    body = root.find(f"{{{XHTML_NS}}}body")
    if body is None:
        return document
    box = etree.SubElement(body, f"{{{XHTML_NS}}}div", id="__makebook-errors", role="alert")
    box.set("class", "makebook-errors")
    title = etree.SubElement(box, f"{{{XHTML_NS}}}p")
    title.set("class", "makebook-errors-title")
    title.text = "The book did not build: this page is out of date."
    for problem in problems:
        item = etree.SubElement(box, f"{{{XHTML_NS}}}pre")
        item.set("class", "makebook-error")
        where = etree.SubElement(item, f"{{{XHTML_NS}}}strong")
        where.text = f"{problem.location()}: " if problem.location() else ""
        where.tail = f"{problem.severity}: {problem.message}" + (
            f"\n  hint: {problem.hint}" if problem.hint else ""
        )
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


ERROR_PAGE = b"""<?xml version='1.0' encoding='utf-8'?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>makebook preview</title>
<link rel="stylesheet" href="/__preview.css"/><script src="/__reload.js"></script></head>
<body><p>The book has not built yet.</p></body></html>"""


def allowed_hosts(port: int) -> set[str]:
    """The Host headers of the author's own browser. Any other name (a DNS-rebinding page
    at http://evil.example:PORT resolving to 127.0.0.1) is refused; without a port only
    when the preview is on port 80, where browsers leave it out."""
    hosts = {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}
    return hosts | ({"127.0.0.1", "localhost", "[::1]"} if port == 80 else set())


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

    def host_allowed(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        if host in allowed_hosts(self.server.server_address[1]):
            return True
        self.send_text(403, "text/plain", "Blocked request: this preview answers only its "
                       "author's browser, at http://127.0.0.1 or http://localhost.\n")  # fmt: skip
        return False

    def send_text(self, status: int, kind: str, body: str | bytes) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self) -> None:  # noqa: N802
        if self.host_allowed():
            super().do_HEAD()

    def do_GET(self) -> None:  # noqa: N802
        if not self.host_allowed():
            return
        path = self.path.partition("?")[0]
        special = {
            "/__version": (str(self.preview.version), "text/plain"),
            "/__state": (json.dumps(self.preview.state()), "application/json"),
            "/__reload.js": (RELOAD_JS, "text/javascript"),
            "/__preview.css": (PREVIEW_CSS, "text/css"),
            "/__error": (self.preview.error, "text/plain"),
        }
        if path in special:
            body, kind = special[path]
            self.send_text(200, kind, body)
            return
        if path in ("/", "/index.html"):
            if self.preview.problems and not (self.preview.folder / "nav.xhtml").is_file():
                page = with_errors(ERROR_PAGE, self.preview.problems)
                self.send_text(200, "application/xhtml+xml", page)
                return
            self.send_response(302)
            self.send_header("Location", "/nav.xhtml")
            self.end_headers()
            return
        problems = self.preview.problems
        if problems and path.endswith(".xhtml"):
            file = Path(self.translate_path(path)).resolve()
            if file.is_file() and file.is_relative_to(self.preview.folder.resolve()):
                page = with_errors(file.read_bytes(), problems)
                self.send_text(200, "application/xhtml+xml", page)
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
    try:  # the port first: a busy one is told before the author waits for a build
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", port), partial(Handler, preview=preview)
        )
    except OSError as exc:
        raise error(
            f"cannot serve the preview on 127.0.0.1:{port}: {exc.strerror or exc}",
            hint="another program (perhaps another preview) uses that port: stop it, or "
            "choose another with --port 8001",
        ) from None
    preview.rebuild()
    if preview.error:
        on_rebuild([], preview.error)
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
