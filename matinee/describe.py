"""How any error is told to a user, in the same words by the CLI and the preview.

Each error becomes one entry (an entry may span lines): a MatineeError its `path:line:
message`, an OSError the system's reason and the file. Anything else is a bug in Matinee: its
entry asks for a report and says where its traceback was written (.matinee-cache/crash-<time>-
<random>.txt, or a temporary file where that folder cannot be written), since a traceback on
screen means nothing to a writer. MATINEE_DEBUG=1 adds the traceback to every entry. (I/O)
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from . import __version__
from .config import CONFIG_FILE
from .errors import MatineeError

DEBUG = "MATINEE_DEBUG"  # set to 1: every error shows its traceback
REPORT = "This is a bug in Matinee; please report it with the command you ran and the traceback"


def describe(error: BaseException, crash_dir: Path | None) -> tuple[str, ...]:
    """Return one entry per error inside `error` (an ExceptionGroup is opened).

    `crash_dir` (the site's .matinee-cache/) receives an internal error's traceback.
    """
    return tuple(_entry(leaf, crash_dir) for leaf in leaves(error))


def leaves(error: BaseException) -> list[BaseException]:
    """Return the errors inside `error`, groups opened, in order."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def _entry(error: BaseException, crash_dir: Path | None) -> str:
    debugging = os.environ.get(DEBUG, "") not in ("", "0")
    if isinstance(error, MatineeError):
        text = str(error)
    elif isinstance(error, OSError):
        text = f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": ")
    else:
        crash = None if debugging else _write_crash(error, crash_dir)
        where = f"in {crash}" if crash is not None else "below"
        text = f"internal error: {type(error).__name__}: {error}\n{REPORT} {where}."
        debugging = crash is None
    return f"{text}\n{_traceback(error).rstrip()}" if debugging else text


def _write_crash(error: BaseException, crash_dir: Path | None) -> Path | None:
    """Write the report of an internal error to a new file and return its path; None if no
    folder would take it."""
    report = "\n".join(
        [
            f"Matinee {__version__} on Python {platform.python_version()} ({platform.platform()})",
            f"Command: {' '.join(sys.argv)}",
            f"At: {datetime.now().astimezone().isoformat(timespec='seconds')}",
            "",
            _traceback(error),
        ]
    )
    prefix = f"crash-{datetime.now():%Y%m%d-%H%M%S}-"
    for folder in (crash_dir, None):  # None: the system's temporary folder
        if folder is not None and not (folder.is_dir() or (folder.parent / CONFIG_FILE).is_file()):
            continue  # not a site's folder: leave nothing behind in it
        try:
            if folder is not None:
                folder.mkdir(exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=prefix if folder else "matinee-" + prefix, suffix=".txt", dir=folder)
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(report)
            return Path(name)
        except OSError:
            continue
    return None


def _traceback(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))
