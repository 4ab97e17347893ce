"""The build cache: one SQLite file under .matinee-cache/ (git-ignored, safe to delete).

It keeps pure, expensive results between runs:
- Markdown -> HTML, keyed by a hash of the body, the Markdown settings and Matinee's version;
- parsed sources (Post, Film, Page), keyed by a hash of the file's bytes, its path and the
  settings that shape parsing;
- each source's fingerprint under its stat signature, so that unchanged files are not read;
- the latest result of a few whole-site computations (what the layouts read, related
  posts), each under a key made of its inputs.
A corrupt or foreign cache file is deleted and rebuilt, never trusted: every stored value
carries a digest of itself that is checked on reading.

The stores under .matinee-cache/ (each safe to delete; each costs only time when missing):
- build.sqlite   this cache (above);
- images/        resized variants of content images, each under its image key (images.py);
- layouts/       Jinja's compiled layouts (layouts.make_env), checked against their source;
- check.sqlite   page scans of earlier `matinee check` runs (check/cache.py);
- outputs-<tag>.json  the manifest: each built file's memo key, size and mtime (manifest.py);
- outputs-<tag>.journal  the entries a `serve` save changed since, appended (manifest.py);
- outputs-<tag>.stamp the inputs of the last successful build, to skip an unchanged one (stamp.py);
- outputs-<tag>.kept  what `serve` keeps in memory, saved by a one-shot build for the next (snapshot.py).
`serve` also keeps, in memory only, its list of sources, each parsed, and its manifest (kept.py).
The words used for their keys:
- digest       a short hash of any values (memo.digest): what derived keys are made of;
- fingerprint  the digest of a source file's bytes (memo.fingerprint, Post.fingerprint);
- signature    a file's stat (size, mtime, ctime, inode): unchanged means unchanged bytes,
               so its fingerprint is reused without reading it (content.signature);
- key          what an output or a stored result is looked up by: a digest of everything it
               is made from (an output's memo key, plan.py; an image's key, images.py).
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import sqlite3
from collections.abc import Callable, Hashable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import code_digest
from .content import Signature, Source, SourceFile
from .memo import digest
from .model import Film, Page, Post

if TYPE_CHECKING:
    from .markup import MarkdownConverter

SCHEMA = 2
# The stored objects' shape is part of the salt: a cache written by other model classes is foreign.
_SHAPE = [(cls.__name__, [(f.name, str(f.type)) for f in fields(cls)]) for cls in (Post, Film, Page)]
_SALT = f"matinee {code_digest()} schema {SCHEMA} {_SHAPE}".encode()
_KEY = hashlib.blake2b(_SALT, digest_size=32).digest()
_CHUNK = 500
MAX_DIGESTS = 2**18  # page keys kept in memory (a site's pages, and those of many edits)
TABLES = ("markdown", "parsed", "fingerprints", "remembered")  # remembered: slot -> (key, value)
# Rows a table may hold beyond twice what a build uses before it is pruned: an edit leaves a
# parsed source and its Markdown behind, and a years-long blog would keep every version.
PRUNE_SLACK = 500

T = TypeVar("T")


@functools.cache
def converter() -> MarkdownConverter:
    """One configured converter per process: setting Python-Markdown up costs ~50 ms."""
    from .markup import MarkdownConverter  # Python-Markdown loads only when something changed

    return MarkdownConverter()


def markdown_key(body: str) -> str:
    """Return the cache key of a Markdown body's HTML."""
    from .markup import EXTENSIONS

    return cache_key("markdown", repr(EXTENSIONS), body)


def cache_key(*parts: str | bytes) -> str:
    """Return a keyed hash of `parts`; the key changes with Matinee's version and schema."""
    hasher = hashlib.blake2b(digest_size=20, key=_KEY)
    for part in parts:
        hasher.update(part.encode("utf-8") if isinstance(part, str) else part)
        hasher.update(b"\x00")
    return hasher.hexdigest()


class BuildCache:
    """Converted Markdown and parsed sources, in memory for one process and on disk between runs."""

    def __init__(self, cache_dir: Path | None, *, in_memory: bool = False) -> None:
        """`in_memory` keeps results between builds of one process too (for `serve`)."""
        self._in_memory = in_memory
        self._markdown: dict[str, bytes] = {}  # packed HTML (see model.pack_html)
        self._parsed: dict[str, Any] = {}
        self._remembered: dict[str, tuple[str, Any]] = {}  # slot -> (key, value)
        self._fingerprints: dict[str, tuple[Signature, str]] = {}  # source -> (signature, fingerprint)
        self._digests: dict[tuple[Hashable, ...], str] = {}
        self._path = cache_dir / "build.sqlite" if cache_dir else None
        self._db: sqlite3.Connection | None = None

    def known_markdown(self, keys: Sequence[str]) -> dict[str, bytes]:
        """Return key -> packed HTML for the bodies converted before, of those `keys`
        (markdown_key of each body: hashing a body costs as much as the lookup)."""
        keys = list(dict.fromkeys(keys))
        self._markdown.update(self._read("markdown", [key for key in keys if key not in self._markdown]))
        result = {key: self._markdown[key] for key in keys if key in self._markdown}
        self._markdown = _trim(self._markdown, keys) if self._in_memory else {}
        return result

    def holds_markdown(self) -> bool:
        """Whether any converted Markdown is kept (not so before a first build, or after a cleared cache)."""
        if self._markdown:
            return True
        db = self._open()
        if db is None:
            return False
        try:
            return db.execute("SELECT 1 FROM markdown LIMIT 1").fetchone() is not None
        except sqlite3.DatabaseError:
            self._reset()
            return False

    def store_markdown(self, converted: dict[str, bytes]) -> None:
        """Remember freshly converted Markdown (packed HTML) under its markdown_key."""
        if self._in_memory:
            self._markdown.update(converted)
        self._write("markdown", converted)

    def parsed(self, keys: Sequence[str]) -> dict[str, Any]:
        """Return the parsed sources stored under `keys` (those that are known)."""
        self._parsed.update(self._read("parsed", [key for key in keys if key not in self._parsed]))
        result = {key: self._parsed[key] for key in keys if key in self._parsed}
        if not self._in_memory:
            self._parsed = {}
        return result

    def keep_only(self, keys: Sequence[str], sources: Sequence[str]) -> None:
        """Forget parsed sources no longer used, and the fingerprints of `sources` gone, so
        neither a long `serve` nor the cache file grows without end."""
        self._parsed = _trim(self._parsed, keys)
        self._prune("parsed", keys)
        self._prune("fingerprints", sources)
        # Markdown is keyed by body, which a build that reused parsed sources never reads:
        # once old bodies pile up, they all go (an unchanged post is served from `parsed`).
        self._prune("markdown", (), limit=2 * len(keys) + PRUNE_SLACK)

    def store_parsed(self, items: dict[str, Any]) -> None:
        """Remember parsed sources under their keys."""
        if self._in_memory:
            self._parsed.update(items)
        self._write("parsed", items)

    def unchanged(self, files: Sequence[SourceFile]) -> dict[str, str]:
        """Return source -> fingerprint for the files read before and unchanged since (same
        signature), so that they need not be read again."""
        wanted = [file.rel for file in files if file.rel not in self._fingerprints]
        self._fingerprints.update(self._read("fingerprints", wanted))
        known = {file: self._fingerprints.get(file.rel) for file in files}
        if not self._in_memory:
            self._fingerprints = {}
        return {file.rel: noted[1] for file, noted in known.items() if noted and noted[0] == file.signature}

    def note_fingerprints(self, sources: Sequence[Source]) -> None:
        """Remember the fingerprints of sources just read, under their files' signatures
        (those read too soon after being written have none: see content.RACY_NS)."""
        noted = {source.rel: (source.signature, source.fingerprint) for source in sources if source.signature}
        if self._in_memory:
            self._fingerprints.update(noted)
        self._write("fingerprints", noted)

    def remember(self, slot: str, key: str, compute: Callable[[], T]) -> T:
        """Return compute(), or what it returned before under the same `key`.

        Kept in memory for this process's later builds and on disk for later runs; only the
        latest value of each `slot` is kept (when layouts change, the old ones go).
        """
        kept = self._remembered.get(slot) or self._read("remembered", [slot]).get(slot)
        if kept is None or kept[0] != key:
            kept = (key, compute())
            self._write("remembered", {slot: kept})
        if self._in_memory:
            self._remembered[slot] = kept
        return kept[1]

    def digest(self, *parts: Hashable) -> str:
        """Return memo.digest(*parts); in memory, remembered.

        `serve` plans every page again on each rebuild, and looking equal parts up is four
        times cheaper than writing them out to hash them; a one-shot build would only pay
        the memory (8 MB at 10,000 posts).
        """
        if not self._in_memory:
            return digest(*parts)
        if parts not in self._digests:
            if len(self._digests) >= MAX_DIGESTS:
                self._digests.clear()  # old keys of edited pages; the next rebuild notes the live ones
            self._digests[parts] = digest(*parts)
        return self._digests[parts]

    def close(self) -> None:
        """Close the cache file."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _read(self, table: str, keys: list[str]) -> dict[str, Any]:
        db = self._open()
        if db is None or not keys:
            return {}
        found: dict[str, Any] = {}
        try:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                rows = db.execute(f"SELECT key, value FROM {table} WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                found.update((key, _load(key, value)) for key, value in rows)
        except (sqlite3.DatabaseError, ValueError, pickle.UnpicklingError):
            self._reset()
            return {}
        return found

    def _write(self, table: str, items: dict[str, Any]) -> None:
        db = self._open()
        if db is None or not items:
            return
        try:
            with db:
                db.executemany(
                    f"INSERT OR REPLACE INTO {table} VALUES (?, ?)",
                    ((key, _dump(key, value)) for key, value in items.items()),
                )
        except (sqlite3.Error, pickle.PicklingError):
            self._reset()

    def _prune(self, table: str, keep: Sequence[str], *, limit: int | None = None) -> None:
        """Delete the rows of `table` not in `keep`, once it holds many more than that."""
        db = self._open()
        limit = 2 * len(keep) + PRUNE_SLACK if limit is None else limit
        if db is None:
            return
        try:
            if db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] <= limit:
                return
            with db:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS kept (key TEXT PRIMARY KEY)")
                db.execute("DELETE FROM kept")
                db.executemany("INSERT OR IGNORE INTO kept VALUES (?)", ((key,) for key in keep))
                db.execute(f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM kept)")
        except sqlite3.Error:
            self._reset()

    def _open(self) -> sqlite3.Connection | None:
        if self._db is not None or self._path is None:
            return self._db
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, check_same_thread=False)
            # A cache need not survive a power cut (a damaged file is found and rebuilt), so a
            # commit does not wait for the disk: on a disk busy with other writes, that wait grows.
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE IF NOT EXISTS meta (salt BLOB)")
            for table in TABLES:
                db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value BLOB)")
            salt = db.execute("SELECT salt FROM meta").fetchone()
            if salt is None or salt[0] != _SALT:  # another version's cache: start afresh
                with db:
                    for table in (*TABLES, "meta"):
                        db.execute(f"DELETE FROM {table}")
                    db.execute("INSERT INTO meta VALUES (?)", (_SALT,))
        except (sqlite3.Error, OSError):
            self._reset()
            return None
        self._db = db
        return db

    def _reset(self) -> None:
        """Drop a cache file that cannot be read; this run goes on without a disk cache."""
        self.close()
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None


def _dump(key: str, value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return cache_key(key, payload).encode("ascii") + payload


def _load(key: str, stored: bytes) -> Any:
    """Unpickle only what this cache wrote: the keyed digest in front must match the payload."""
    check, payload = stored[:40], stored[40:]
    if check != cache_key(key, payload).encode("ascii"):
        raise ValueError("cache entry does not match its digest")
    return pickle.loads(payload)


def _trim(memory: dict[str, Any], used: Sequence[str]) -> dict[str, Any]:
    """Keep a long-running `serve` from growing without end: drop entries no build uses."""
    if len(memory) <= 2 * len(used):
        return memory
    wanted = set(used)
    return {key: value for key, value in memory.items() if key in wanted}
