"""What `check` reports: findings tied to a file and line, each an error or a warning. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem `check` found, printed like a MatineeError: `path:line: message`.

    `path` is relative to the source folder (a post, a layout, config.yaml, or a built file
    when no source is known); `line` is 1-based or None.
    """

    path: str
    line: int | None
    message: str
    severity: Severity = ERROR

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        label = "warning: " if self.severity == WARNING else ""
        return f"{where}: {label}{self.message}"

    def sort_key(self) -> tuple[str, int, str]:
        """Order findings by file, then line."""
        return (self.path, self.line or 0, self.message)

    def as_dict(self) -> dict[str, str | int | None]:
        """Return the finding as JSON-ready values."""
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem on one built page or feed, before it is traced back to a source file.

    `needles` are texts to look for in the source file (an href, an id) to find the line.
    `kind` groups problems a layout repeats on many pages into one finding.
    """

    kind: str
    line: int | None
    message: str
    needles: tuple[str, ...] = ()
    severity: Severity = ERROR
