"""Errors and warnings that name the file, the line and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    message: str
    path: Path | None = None
    line: int | None = None
    column: int | None = None
    hint: str = ""
    severity: str = "error"

    def location(self) -> str:
        if self.path is None:
            return ""
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.severity}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ManuscriptError(Exception):
    """One or more problems that stop the build."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))


def error(
    message: str,
    path: Path | None = None,
    line: int | None = None,
    hint: str = "",
    column: int | None = None,
) -> ManuscriptError:
    return ManuscriptError(Problem(message, path, line, column, hint))


@dataclass
class Diagnostics:
    """Collects problems so an author sees all of them at once, not one per run."""

    problems: list[Problem] = field(default_factory=list)

    def error(
        self, message: str, path: Path | None = None, line: int | None = None, hint: str = ""
    ) -> None:
        self.problems.append(Problem(message, path, line, None, hint, "error"))

    def warn(
        self, message: str, path: Path | None = None, line: int | None = None, hint: str = ""
    ) -> None:
        self.problems.append(Problem(message, path, line, None, hint, "warning"))

    def extend(self, exc: ManuscriptError) -> None:
        self.problems.extend(exc.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ManuscriptError(self.errors)
