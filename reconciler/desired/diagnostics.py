"""Diagnostics: every problem found in a spec directory, located as `path:LINE:COL`.

Validation collects every problem before failing (as Terraform's diagnostics do), so a
user fixes a spec in one round instead of one error per run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from reconciler.errors import SpecError

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Location:
    """Where something starts in a spec file: a display path and 1-based line and column."""

    path: str
    line: int
    col: int

    def render(self) -> str:
        """`path:LINE:COL`."""
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem: an error blocks, a warning is shown."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    hint: str | None
    code: str

    @classmethod
    def at(
        cls,
        where: Location,
        severity: Severity,
        code: str,
        message: str,
        hint: str | None = None,
    ) -> Diagnostic:
        """A diagnostic at `where`."""
        return cls(where.path, where.line, where.col, severity, message, hint, code)

    @property
    def location(self) -> Location:
        """The diagnostic's location."""
        return Location(self.path, self.line, self.col)

    def render(self) -> str:
        """`path:LINE:COL: message`."""
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Stable report order: by file, position, then code and message."""
        return (self.path, self.line, self.col, self.code, self.message)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Diagnostics in report order; one per message and place (the first code's)."""
    said: set[tuple[str, int, int, Severity, str]] = set()
    kept = []
    for d in sorted(set(diagnostics), key=Diagnostic.sort_key):
        what = (d.path, d.line, d.col, d.severity, d.message)
        if what not in said:
            said.add(what)
            kept.append(d)
    return tuple(kept)


def errors_of(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Only the errors."""
    return tuple(d for d in diagnostics if d.severity == "error")


def warnings_of(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Only the warnings."""
    return tuple(d for d in diagnostics if d.severity == "warning")


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt `word`, or None when nothing is close."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


class SpecInvalid(SpecError):
    """The spec directory has at least one error; `diagnostics` holds errors and warnings."""

    def __init__(self, spec_dir: str, diagnostics: tuple[Diagnostic, ...]) -> None:
        errors = errors_of(diagnostics)
        lines = [d.render() for d in errors]
        noun = "error" if len(errors) == 1 else "errors"
        super().__init__(
            f"{spec_dir} is invalid ({len(errors)} {noun}):\n" + "\n".join(lines),
            hint=f"run `reconciler validate {spec_dir}` for every problem and how to fix it",
        )
        self.diagnostics = diagnostics
