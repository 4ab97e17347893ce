"""The Markdown cache: body -> HTML, keyed by a hash of the body, the Markdown settings and
Matinee's version, kept in one SQLite file under .matinee-cache/ (safe to delete).

A corrupt or foreign cache file is deleted and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from . import __version__
from .markup import EXTENSIONS, MarkdownConverter

SCHEMA = 1
_SALT = f"matinee {__version__} schema {SCHEMA} markdown {EXTENSIONS}".encode()
_KEY = hashlib.blake2b(_SALT, digest_size=32).digest()
_BATCH = 64

MapFunction = Callable[[Callable[[list[str]], list[str]], Iterable[list[str]]], Iterator[list[str]]]


def convert_batch(bodies: list[str]) -> list[str]:
    """Convert a batch of Markdown bodies (module-level, so worker processes can run it)."""
    converter = MarkdownConverter()
    return [converter.convert(body) for body in bodies]


class MarkdownCache:
    """Converted Markdown, in memory for one process and on disk between runs."""

    def __init__(self, cache_dir: Path | None) -> None:
        self._memory: dict[str, str] = {}
        self._path = cache_dir / "markdown.sqlite" if cache_dir else None
        self._db: sqlite3.Connection | None = None

    def convert_all(self, bodies: Sequence[str], map_function: MapFunction = map) -> list[str]:
        """Return the HTML for each body, converting only those not seen before."""
        keys = [_key(body) for body in bodies]
        missing = [key for key in dict.fromkeys(keys) if key not in self._memory]
        self._memory.update(self._read(missing))
        todo = {key: body for key, body in zip(keys, bodies, strict=True) if key not in self._memory}
        if todo:
            pending = list(todo.items())
            batches = [[body for _, body in pending[start : start + _BATCH]] for start in range(0, len(pending), _BATCH)]
            converted = [html for batch in map_function(convert_batch, batches) for html in batch]
            fresh = dict(zip(todo, converted, strict=True))
            self._memory.update(fresh)
            self._write(fresh)
        used = set(keys)
        if len(self._memory) > 2 * len(used):  # keep a long `serve` from growing without end
            self._memory = {key: self._memory[key] for key in used}
        return [self._memory[key] for key in keys]

    def misses(self, bodies: Sequence[str]) -> int:
        """Return how many bodies are in neither the memory nor the disk cache."""
        keys = [key for key in dict.fromkeys(map(_key, bodies)) if key not in self._memory]
        return len(keys) - len(self._read(keys))

    def close(self) -> None:
        """Close the cache file."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _read(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        db = self._open()
        if db is None or not keys:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT key, html FROM markdown WHERE key IN ({marks})", chunk))
        except sqlite3.DatabaseError:
            self._reset()
            return {}
        return found

    def _write(self, fresh: dict[str, str]) -> None:
        db = self._open()
        if db is None:
            return
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO markdown VALUES (?, ?)", fresh.items())
        except sqlite3.Error:
            self._reset()

    def _open(self) -> sqlite3.Connection | None:
        if self._db is not None or self._path is None:
            return self._db
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, check_same_thread=False)
            db.execute("CREATE TABLE IF NOT EXISTS meta (salt BLOB)")
            db.execute("CREATE TABLE IF NOT EXISTS markdown (key TEXT PRIMARY KEY, html TEXT)")
            salt = db.execute("SELECT salt FROM meta").fetchone()
            if salt is None or salt[0] != _SALT:
                with db:
                    db.execute("DELETE FROM markdown")
                    db.execute("DELETE FROM meta")
                    db.execute("INSERT INTO meta VALUES (?)", (_SALT,))
        except (sqlite3.Error, OSError):
            self._reset()
            return None
        self._db = db
        return db

    def _reset(self) -> None:
        """Drop a cache file that cannot be read; the next build starts it afresh."""
        self.close()
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None  # this run goes on without a disk cache


def _key(body: str) -> str:
    return hashlib.blake2b(body.encode("utf-8"), digest_size=20, key=_KEY).hexdigest()
