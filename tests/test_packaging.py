"""The wheel is the whole of makebook: `pip install makebook`, then `make-book` works
without this checkout (the built-in design, the templates, the skeleton of `make-book init`).

The wheel is built from a copy of the sources with this venv's setuptools, without the
network, then read back and installed next to this venv's dependencies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import ROOT, STYLES, need

pytestmark = pytest.mark.slow

PACKAGE = ROOT / "src" / "makebook"


def package_files() -> dict[str, Path]:
    """Every file of the package, by its name in a wheel, through default_styles' link."""
    files = {}
    for folder, dirs, names in os.walk(PACKAGE, followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            path = Path(folder) / name
            files["makebook/" + path.relative_to(PACKAGE).as_posix()] = path
    return files


def setuptools_builds_this() -> bool:
    """setuptools 77 or later reads pyproject.toml's `license` (the `test` extra has it)."""
    try:
        major = int(version("setuptools").split(".")[0])
    except (ValueError, ImportError):
        return False
    return major >= 77


def copy_sources(to: Path) -> Path:
    """What a wheel is built from. A copy keeps the build's build/ and egg-info out of the
    checkout, and a stale build/lib left there out of the wheel."""
    to.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, to / name)
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("src", "styles"):  # src/makebook/default_styles links to ../../styles
        shutil.copytree(ROOT / name, to / name, symlinks=True, ignore=skip)
    return to


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need(True if setuptools_builds_this() else None, "setuptools 77 or later")
    work = tmp_path_factory.mktemp("wheel")
    source = copy_sources(work / "source")
    run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(work / "dist"), str(source)]
    )  # fmt: skip
    (built,) = (work / "dist").glob("makebook-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel: Path) -> Iterator[set[str]]:
    with zipfile.ZipFile(wheel) as archive:
        yield set(archive.namelist())


def test_the_wheel_holds_every_file_of_the_package(names: set[str]) -> None:
    expected = package_files()
    assert len(expected) > 40  # the walk went through the package (and its link)
    assert sorted(set(expected) - names) == []


def test_the_wheel_holds_the_design_the_templates_and_the_skeleton(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name: archive.read(name) for name in archive.namelist()}

    def one(ending: str) -> bytes:
        found = [name for name in shipped if name.endswith(ending)]
        assert len(found) == 1, f"{ending}: {found}"
        return shipped[found[0]]

    # The files themselves, not the link to them.
    for css in sorted(STYLES.glob("*.css")):
        assert one(f"/default_styles/{css.name}") == css.read_bytes()
    sources = [p for p in package_files().values() if p.suffix == ".j2"]
    assert len(sources) > 10
    assert len([n for n in shipped if n.endswith(".j2")]) == len(sources)
    assert one("/skeleton/book.toml")
    assert one("/skeleton/styles/extra.css")


def test_the_wheel_declares_the_make_book_command(wheel: Path, names: set[str]) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [n for n in archive.namelist() if n.endswith("/entry_points.txt")]
        text = archive.read(entry_points).decode()
    target = next(
        line.split("=", 1)[1].strip()
        for line in text.splitlines()
        if line.split("=")[0].strip() == "make-book"
    )
    module = target.split(":")[0]
    assert module.replace(".", "/") + ".py" in names


def test_the_installed_wheel_makes_a_new_book_and_builds_it(wheel: Path, tmp_path: Path) -> None:
    """Installed away from the checkout: `init` copies the skeleton, `build` uses the
    templates and the built-in design, all from the installed files."""
    target = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--target", str(target), str(wheel)])  # fmt: skip
    # Only the installed copy: neither this checkout's src nor its editable install.
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = run([sys.executable, "-c", "import makebook; print(makebook.__file__)"], env=env)
    assert Path(where.stdout.strip()).is_relative_to(target)

    make_book = [str(target / "bin" / "make-book")]
    run([*make_book, "init", "book", "--title", "A Wheel Book", "--author", "Ada Example"],
        cwd=tmp_path, env=env)  # fmt: skip
    assert (tmp_path / "book" / "styles" / "extra.css").is_file()
    run([*make_book, "-q", "-m", "book", "-o", "out"], cwd=tmp_path, env=env)
    built = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_file())
    assert built == [
        "a-wheel-book-cover.pdf",
        "a-wheel-book-screen.pdf",
        "a-wheel-book.epub",
        "a-wheel-book.pdf",
    ]
