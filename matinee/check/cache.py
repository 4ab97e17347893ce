"""Remember page scans between `check` runs, so a re-check reads only the pages that changed (I/O).

Parsing with html5lib is most of a check's time. A page's scan depends only on its bytes, its
path and the base URL, and `write_tree` leaves unchanged files with their size and mtime, so
(path, size, mtime) names the bytes. The salt covers the code that makes scans, so a changed
checker never reads an old scan. Values are JSON, not pickles: the file is safe to share.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import html5lib

from .. import __version__, words
from . import findings, links, pages
from .findings import Problem
from .links import Link
from .pages import PageScan

CACHE_FILE = "check.sqlite"
_CHUNK = 500


class ScanCache:
    """Page scans of earlier checks, in .matinee-cache/check.sqlite; any trouble means no cache."""

    def __init__(self, cache_dir: Path, base_url: str) -> None:
        self._path = cache_dir / CACHE_FILE
        self._salt = _salt(base_url)
        self._db: sqlite3.Connection | None = None
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self._path)
            self._db.execute("CREATE TABLE IF NOT EXISTS scans (key TEXT PRIMARY KEY, value TEXT)")
        except (sqlite3.Error, OSError):
            self.close()

    def key(self, out_dir: Path, rel: str) -> str:
        """Return the key of a built page as it is on disk now ('' if it cannot be read)."""
        try:
            stat = os.stat(out_dir / rel)
        except OSError:
            return ""
        text = f"{self._salt}\0{rel}\0{stat.st_size}\0{stat.st_mtime_ns}"
        return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()

    def scans(self, keys: list[str]) -> dict[str, PageScan]:
        """Return the stored scans of `keys` (those that are known)."""
        found: dict[str, PageScan] = {}
        if self._db is None:
            return found
        try:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key, value FROM scans WHERE key IN ({marks})", chunk)
                found.update((key, _load(value)) for key, value in rows)
        except (sqlite3.Error, ValueError, KeyError, TypeError):
            self.close()
            return {}
        return found

    def store(self, scans: Iterable[tuple[str, PageScan]]) -> None:
        """Remember scans under their keys."""
        if self._db is None:
            return
        rows = [(key, json.dumps(_dump(scan))) for key, scan in scans if key]
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO scans VALUES (?, ?)", rows)
        except sqlite3.Error:
            self.close()

    def prune(self, used: set[str]) -> None:
        """Forget scans of pages that are gone, once they outnumber the pages in use."""
        if self._db is None:
            return
        try:
            stored = self._db.execute("SELECT COUNT(*) FROM scans").fetchone()[0]
            if stored > 2 * len(used):
                with self._db:
                    self._db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
                    self._db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((key,) for key in used))
                    self._db.execute("DELETE FROM scans WHERE key NOT IN (SELECT key FROM used)")
                    self._db.execute("DROP TABLE used")
        except sqlite3.Error:
            self.close()

    def close(self) -> None:
        """Close the cache file."""
        if self._db is not None:
            self._db.close()
            self._db = None


def _salt(base_url: str) -> str:
    hasher = hashlib.blake2b(f"{__version__}\0{html5lib.__version__}\0{base_url}".encode(), digest_size=16)
    for module in (pages, links, findings, words):  # what a scan's messages are made by
        try:
            hasher.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            hasher.update(module.__name__.encode())
    return hasher.hexdigest()


def _dump(scan: PageScan) -> dict[str, object]:
    return {
        "rel": scan.rel,
        "ids": sorted(scan.ids),
        "links": [[link.kind, link.line, link.raw, link.path, link.fragment] for link in scan.links],
        "problems": [[p.kind, p.line, p.message, list(p.needles), p.severity] for p in scan.problems],
        "share": scan.has_share_image,
    }


def _load(value: str) -> PageScan:
    stored = json.loads(value)
    return PageScan(
        stored["rel"],
        frozenset(stored["ids"]),
        tuple(Link(*link) for link in stored["links"]),
        tuple(
            Problem(kind, line, message, tuple(needles), severity)
            for kind, line, message, needles, severity in stored["problems"]
        ),
        bool(stored["share"]),
    )
