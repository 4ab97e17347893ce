"""The one error type Matinee raises: a message tied to a file and a line."""

from __future__ import annotations


class MatineeError(Exception):
    """A problem in the site's sources, printed as `path:line: message`."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(path, line, message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


def flatten(error: BaseException) -> list[MatineeError]:
    """Return every MatineeError inside `error`, which may be an ExceptionGroup."""
    if isinstance(error, MatineeError):
        return [error]
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in flatten(inner)]
    raise error


def raise_all(errors: list[MatineeError], summary: str) -> None:
    """Raise the gathered errors together, so a writer can fix them all in one pass."""
    if errors:
        raise grouped(errors, summary)


def grouped(errors: list[MatineeError], summary: str) -> ExceptionGroup[MatineeError]:
    """Return `errors` (at least one) as one group, in file and line order."""
    return ExceptionGroup(summary, sorted(errors, key=_position))


def _position(error: MatineeError) -> tuple[str, int]:
    return (error.path, error.line or 0)
