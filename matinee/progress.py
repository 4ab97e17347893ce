"""Progress of long work, shown on a terminal as one line rewritten in place.

Stages report (stage, done, total); `TerminalProgress` shows them at most ten times a second
and wipes the line when the build ends, so the summary line stands alone. Nothing is shown
with --quiet or when stderr is not a terminal (a log file gets no carriage returns).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

Progress = Callable[[str, int, int], None]  # (stage, done, total)
MIN_TOTAL = 200  # smaller stages end before a line would be worth reading
_INTERVAL = 0.1  # seconds between two updates of the line


def silent(stage: str, done: int, total: int) -> None:
    """Show nothing (--quiet, or stderr is not a terminal)."""


class TerminalProgress:
    """Shows `stage done/total (percent)` on one line of a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._shown_at = 0.0
        self._showing = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if total < MIN_TOTAL or (done < total and now - self._shown_at < _INTERVAL):
            return
        self._shown_at = now
        self._showing = True
        self._stream.write(f"\r\x1b[K{stage} {done:,}/{total:,} ({100 * done // total}%)")
        self._stream.flush()

    def clear(self) -> None:
        """Wipe the progress line, if one is showing."""
        if self._showing:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._showing = False
