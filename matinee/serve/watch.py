"""Watch a site's sources (content/, layouts/, config.yaml) and say when a burst of changes ends.

A save is rarely one event: editors write a temporary file and rename it, and a `git checkout`
touches hundreds of files. The watcher only notes when the last change came; the caller waits
for QUIET_SECONDS without one, then builds once. A burst of file events only (an editor's
save: a temporary file written and renamed, all within a millisecond or two) is over sooner,
after SAVE_QUIET_SECONDS: that wait is the larger part of what a save costs on a small site.
One of one file whose last event is its writer closing it (a save in place; Linux says so,
other systems do not) is over after CLOSED_QUIET_SECONDS: a burst of many files (a `git
checkout`) may pause longer than that between them. A folder created, moved or deleted
waits the longer time, as its files' events trail it. (I/O)
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from ..config import CONFIG_FILE
from ..content import IGNORED
from ..errors import MatineeError
from ..stamp import scan_sources, sources_state

QUIET_SECONDS = 0.1  # a burst of changes is over once nothing has changed for this long
SAVE_QUIET_SECONDS = 0.05  # ... or this long, when it touched files only (an editor's save)
CLOSED_QUIET_SECONDS = 0.01  # ... or this long, when its one file's writer closed it
LONGEST_WAIT = 2.0  # ... or this long after it began, for a file that never stops changing
RESCAN_SECONDS = 5.0  # when idle, compare every source's size and mtime this often: events get lost
WATCHED_FOLDERS = ("content", "layouts")

log = logging.getLogger(__name__)


class Watcher:
    """A watchdog observer over content/, layouts/ and config.yaml, and nothing else."""

    def __init__(self, source: Path, *, poll: bool = False) -> None:
        self._source = source
        self._changes = _Changes(source)
        self._observer: BaseObserver = PollingObserver(timeout=0.5) if poll else Observer()
        self._watches: dict[str, tuple[ObservedWatch, int]] = {}

    def start(self) -> None:
        """Start watching; raise MatineeError if the system refuses (try --poll then)."""
        try:
            # config.yaml: its folder without recursion, keeping only events that name the file.
            # site/ and .matinee-cache/ sit in that folder; watching it recursively would rebuild
            # forever. A watch on the file itself would die when an editor saves by renaming.
            self._observer.schedule(self._changes, str(self._source), recursive=False)
            self._watch_folders()
            self._observer.start()
        except OSError as error:
            problem = f"cannot be watched: {error.strerror or error}; try --poll"
            raise MatineeError(str(self._source), None, problem) from None

    def wait_until_quiet(self) -> tuple[str, ...] | None:
        """Block until a burst of changes has gone quiet and return the sources it changed
        (see _Changes.wait_until_quiet); None once stopped."""
        changed = self._changes.wait_until_quiet()
        if changed is None:
            return None
        try:
            self._watch_folders()
        except OSError as error:  # keep serving; the next burst tries again
            log.warning("%s: cannot be watched: %s; try --poll", self._source, error.strerror or error)
        return changed

    def stop(self) -> None:
        """Make wait_until_quiet() return None; safe from any thread."""
        self._changes.close()

    def join(self) -> None:
        """Stop the observer's threads."""
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join()

    def _watch_folders(self) -> None:
        """Watch content/ and layouts/ afresh if either was created, deleted or replaced."""
        for name in WATCHED_FOLDERS:
            folder = self._source / name
            try:
                inode = folder.stat().st_ino if folder.is_dir() else 0
            except OSError:  # it went while we looked
                inode = 0
            watch, watched = self._watches.pop(name, (None, 0))
            if inode == watched and watch is not None:
                self._watches[name] = (watch, inode)
                continue
            if watch is not None:
                self._observer.unschedule(watch)
            if inode:
                watch = self._observer.schedule(self._changes, str(folder), recursive=True)
                self._watches[name] = (watch, inode)


class _Changes(FileSystemEventHandler):
    """Notes source changes (on the observer's thread) for the build loop to wait on."""

    def __init__(self, source: Path) -> None:
        self._source = source
        self._noted = threading.Condition()
        self._first: float | None = None
        self._last = 0.0
        self._paths: set[str] = set()  # the burst's sources, relative to `source`
        self._quiet = SAVE_QUIET_SECONDS  # how long the burst must be quiet: longer once a folder is in it
        self._wait = SAVE_QUIET_SECONDS  # how long it must be quiet after its last event
        self._closed = False
        self._scanned: str | None = sources_state(source)
        self._building_since = 2**63  # when the latest build began (ns since the epoch)

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Note the time of any change to a source file; ignore reads and other files."""
        if event.event_type in ("opened", "closed_no_write", "attrib"):
            return  # reading is not changing (and a first read of a new file sets its access time)
        if event.is_directory and event.event_type == "modified":
            return  # a folder's entries changed; the entry's own event says which one
        paths = [os.fsdecode(path) for path in (event.src_path, event.dest_path) if path]
        sources = [rel for rel in map(self._source_name, paths) if rel is not None]
        if not sources:
            return
        with self._noted:
            self._paths.update(sources)
            if event.is_directory:
                self._quiet = QUIET_SECONDS
            one_closed = event.event_type == "closed" and len(self._paths) == 1 and self._quiet == SAVE_QUIET_SECONDS
            self._wait = CLOSED_QUIET_SECONDS if one_closed else self._quiet
            self._last = time.monotonic()
            if self._first is None:
                self._first = self._last
            self._noted.notify_all()

    def wait_until_quiet(self) -> tuple[str, ...] | None:
        """Block until a burst of changes has gone quiet and return the sources it changed,
        sorted, for the line that says why a build ran; () when a rescan found a change no event
        reported (inotify overflow, writes through mmap, some network mounts); None once closed."""
        with self._noted:
            while not self._closed:
                if self._first is None:
                    if self._scanned is None:  # taken after the build, off the path from a save to the reload
                        self._scanned, newest = scan_sources(self._source)
                        if newest > self._building_since:  # a change while it ran, its event lost
                            return ()
                    if not self._noted.wait(RESCAN_SECONDS) and self._rescan_differs():
                        return ()
                    continue
                due = min(self._last + self._wait, self._first + LONGEST_WAIT)
                if time.monotonic() >= due:
                    self._first, self._quiet = None, SAVE_QUIET_SECONDS
                    self._scanned = None  # the build about to run changes what a rescan compares with
                    # What changed before the burst went quiet is in this build; allow for a
                    # file system clock a tick behind.
                    self._building_since = time.time_ns() - int(QUIET_SECONDS / 2 * 1e9)
                    changed, self._paths = _innermost(self._paths), set()
                    return changed
                self._noted.wait(due - time.monotonic())
            return None

    def _rescan_differs(self) -> bool:
        """Return True if the sources' sizes and mtimes differ from the last scan."""
        scan = sources_state(self._source)
        differs = self._scanned is not None and scan != self._scanned
        self._scanned = scan
        return differs

    def close(self) -> None:
        """Make wait_until_quiet() return None."""
        with self._noted:
            self._closed = True
            self._noted.notify_all()

    def _source_name(self, path: str) -> str | None:
        """Return a source file's path relative to the source folder ('content/posts/x.md'),
        or None for any other file."""
        try:
            parts = Path(path).relative_to(self._source).parts
        except ValueError:
            return None
        if parts == (CONFIG_FILE,):
            return CONFIG_FILE
        if not parts or parts[0] not in WATCHED_FOLDERS or any(IGNORED.search(part) for part in parts[1:]):
            return None
        return "/".join(parts)


def _innermost(paths: set[str]) -> tuple[str, ...]:
    """Return `paths` sorted, without the folders that hold others: a new folder of 3 posts
    is 3 changed files, not 4."""
    folders = {path.rsplit("/", depth)[0] for path in paths for depth in range(1, path.count("/") + 1)}
    return tuple(sorted(paths - folders))
