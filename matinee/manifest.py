"""The manifest: what each file of the last build was made from, so the next build can skip it.

One JSON file per output folder in the cache folder lists every built file with its memo key
(plan.py), a digest of its bytes, and its size and mtime; a file changed on disk since is
dropped from it, and so rebuilt. A file whose mtime changed but whose bytes did not (an output
folder restored from a CI cache, or copied) is kept: its size and digest vouch for it. The
manifest is found by the output folder's absolute path, which is the same in every CI run
(on GitHub Actions, /home/runner/work/REPO/REPO/site).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .commit import finish_interrupted_commit
from .config import Config

MANIFEST_VERSION = 3  # 3: assets record the digest of their bytes too; pages whether search indexes them
DIGEST_LENGTH = 32  # hex characters of content_digest
SAVE_CHUNK = 1000  # entries encoded at a time when saving


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of a built tree: its memo key, its content digest, and its size and mtime."""

    key: str
    content: str
    size: int
    mtime_ns: int
    searchable: bool = False  # a page with a data-pagefind-body element (see search.py)


@dataclass(frozen=True, slots=True)
class Manifest:
    """The files of the previous build that are still on disk as it left them."""

    files: dict[str, Entry] = field(default_factory=dict)

    def searchable(self) -> list[str]:
        """Return the pages Pagefind indexes (those with a data-pagefind-body element)."""
        return [path for path, entry in self.files.items() if entry.searchable]

    def keys(self) -> dict[str, str]:
        """Return path -> memo key, for the renderer to skip unchanged outputs."""
        return {path: entry.key for path, entry in self.files.items()}


def manifest_path(config: Config) -> Path:
    """Where the list of the last build's files is kept, one per output folder."""
    tag = hashlib.blake2b(str(config.out_dir.resolve()).encode(), digest_size=6).hexdigest()
    return config.cache_dir / f"outputs-{tag}.json"


def read_manifest(out_dir: Path, manifest_path: Path) -> Manifest:
    """Return the previous build's files that are unchanged on disk; anything odd means none."""
    if finish_interrupted_commit(out_dir):
        return Manifest()  # it added files no manifest lists: build the whole tree afresh
    try:
        stored = json.loads(manifest_path.read_text(encoding="utf-8"))
        if stored["version"] != MANIFEST_VERSION or stored["out_dir"] != str(out_dir.resolve()):
            return Manifest()
        files = {path: Entry(*values) for path, values in stored["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return Manifest()
    root = str(out_dir)
    kept = ((path, _intact(os.path.join(root, path), entry)) for path, entry in files.items())
    return Manifest({path: entry for path, entry in kept if entry is not None})


def record_files(rels: Iterable[str], out_dir: Path, manifest_path: Path) -> int:
    """Add files made in out_dir after write_tree (the search index) to the manifest.

    Recorded, they count as built files, are checked like them, and go away in the next build
    that does not make them again. Return how many files the output folder now holds.
    """
    files = dict(read_manifest(out_dir, manifest_path).files)
    for rel in rels:
        stat = (out_dir / rel).stat()
        files[rel] = Entry("made after write_tree", "", stat.st_size, stat.st_mtime_ns)
    save_manifest(manifest_path, out_dir, files)
    return len(files)


def save_manifest(path: Path, out_dir: Path, files: dict[str, Entry]) -> None:
    """Save `files` as the manifest of `out_dir`: the bytes json.dumps would give, written
    SAVE_CHUNK entries at a time, as the whole text at once was the build's peak memory
    (17 MB at 10,000 posts)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            file.write(f'{{"version": {MANIFEST_VERSION}, "out_dir": {json.dumps(str(out_dir.resolve()))}, "files": {{')
            entries = iter(files.items())
            separator = ""
            while chunk := dict(islice(entries, SAVE_CHUNK)):
                listed = {
                    rel: [entry.key, entry.content, entry.size, entry.mtime_ns, entry.searchable]
                    for rel, entry in chunk.items()
                }
                file.write(separator + json.dumps(listed)[1:-1])
                separator = ", "
            file.write("}}")
        temporary.replace(path)
    except OSError:
        pass  # the manifest only saves work next time; the site itself is written


def content_digest(body: bytes) -> str:
    """Return the digest of a built file's bytes, as the manifest records it."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _intact(path: str, entry: Entry) -> Entry | None:
    """Return the entry of a file as the last build left it (with its mtime now), else None.

    The stat suffices when size and mtime are the recorded ones; when only the mtime differs
    the bytes are read and must have the recorded digest (entries with no digest are dropped).
    """
    try:
        stat = os.stat(path)
        if stat.st_size != entry.size:
            return None
        if stat.st_mtime_ns == entry.mtime_ns:
            return entry
        if len(entry.content) != DIGEST_LENGTH:
            return None
        with open(path, "rb") as file:
            if content_digest(file.read()) != entry.content:
                return None
    except OSError:
        return None
    return Entry(entry.key, entry.content, entry.size, stat.st_mtime_ns, entry.searchable)


def restat(path: Path, entry: Entry) -> Entry:
    """Note the size and mtime of a file just written."""
    stat = path.stat()
    return Entry(entry.key, entry.content, stat.st_size, stat.st_mtime_ns, entry.searchable)
