"""The manifest: what each file of the last build was made from, so the next build can skip it.

One JSON file per output folder in the cache folder lists every built file with its memo key
(plan.py), a digest of its bytes, and its size and mtime; a file changed on disk since is
dropped from it, and so rebuilt. A file whose mtime changed but whose bytes did not (an output
folder restored from a CI cache, or copied) is kept: its size and digest vouch for it. The
manifest is found by the output folder's absolute path, which is the same in every CI run
(on GitHub Actions, /home/runner/work/REPO/REPO/site).

A rebuild that changed a few files (a `serve` save) appends just their entries to a journal
beside the JSON file instead of writing every entry again; reading folds it in. Each record
names the generation of the JSON file it follows, so a journal left behind by an older file is
ignored, and a full save (a one-shot build, or a journal grown to half the file) starts afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from .commit import finish_interrupted_commit
from .config import Config

MANIFEST_VERSION = 3  # 3: assets record the digest of their bytes too; pages whether search indexes them
DIGEST_LENGTH = 32  # hex characters of content_digest
SAVE_CHUNK = 1000  # entries encoded at a time when saving
JOURNAL_SUFFIX = ".journal"
COMPACT_AT = 0.5  # a journal this large against the JSON file is folded into a full save


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of a built tree: its memo key, its content digest, and its size and mtime."""

    key: str
    content: str
    size: int
    mtime_ns: int
    searchable: bool = False  # a page with a data-pagefind-body element (see search.py)


@dataclass(frozen=True, slots=True)
class Saved:
    """Where a manifest stands on disk, so that the next save can append only what changed."""

    generation: str  # the JSON file's; the journal's records carry it
    size: int  # bytes of the JSON file
    journal: int  # bytes of the journal after it


@dataclass(frozen=True, slots=True)
class Manifest:
    """The files of the previous build that are still on disk as it left them."""

    files: dict[str, Entry] = field(default_factory=dict)
    saved: Saved | None = None  # set when the manifest file holds exactly `files` (save_manifest)

    def searchable(self) -> list[str]:
        """Return the pages Pagefind indexes (those with a data-pagefind-body element)."""
        return [path for path, entry in self.files.items() if entry.searchable]

    def keys(self) -> Mapping[str, str]:
        """Return path -> memo key, for the renderer to skip unchanged outputs (a view: a
        rebuild that renders a few outputs looks up a few keys, not copies them all)."""
        return _Keys(self.files)


class _Keys(Mapping[str, str]):
    """The memo keys of a manifest's files, looked up in place."""

    __slots__ = ("_files",)

    def __init__(self, files: Mapping[str, Entry]) -> None:
        self._files = files

    def __getitem__(self, path: str) -> str:
        return self._files[path].key

    def get(self, path: str, default: str | None = None) -> str | None:  # type: ignore[override]
        entry = self._files.get(path)
        return default if entry is None else entry.key

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


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
        _fold_journal(files, journal_path(manifest_path), stored.get("generation"))
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


def journal_path(manifest_path: Path) -> Path:
    """Where the entries changed since the manifest file was written are appended."""
    return manifest_path.with_suffix(JOURNAL_SUFFIX)


def save_manifest(
    path: Path,
    out_dir: Path,
    files: dict[str, Entry],
    *,
    previous: Manifest | None = None,
    changes: Mapping[str, Entry | None] | None = None,
) -> Saved | None:
    """Save `files` as the manifest; return where it stands on disk (None: it could not be saved).

    `changes` (path -> its new entry, None when it went) are what `files` changed of
    `previous`: when the file on disk holds `previous` exactly, they alone are appended to the
    journal, unless it has grown to COMPACT_AT of the file (then everything is written afresh).
    A full save writes the bytes json.dumps would give, SAVE_CHUNK entries at a time: the
    whole text at once was the build's peak memory (17 MB at 10,000 posts).
    """
    try:
        saved = previous.saved if previous is not None and changes is not None else None
        if saved is not None and saved.journal <= saved.size * COMPACT_AT:
            assert changes is not None
            return _append(journal_path(path), saved, changes)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        generation = secrets.token_hex(8)
        with temporary.open("w", encoding="utf-8") as file:
            file.write(
                f'{{"version": {MANIFEST_VERSION}, "out_dir": {json.dumps(str(out_dir.resolve()))}, '
                f'"generation": "{generation}", "files": {{'
            )
            entries = iter(files.items())
            separator = ""
            while chunk := dict(islice(entries, SAVE_CHUNK)):
                file.write(separator + json.dumps({rel: _stored(entry) for rel, entry in chunk.items()})[1:-1])
                separator = ", "
            file.write("}}")
            size = file.tell()
        temporary.replace(path)
        journal_path(path).unlink(missing_ok=True)  # its records name the file replaced: ignored if it stays
        return Saved(generation, size, 0)
    except OSError:
        return None  # the manifest only saves work next time; the site itself is written


def _stored(entry: Entry) -> list[object]:
    return [entry.key, entry.content, entry.size, entry.mtime_ns, entry.searchable]


def _append(journal: Path, saved: Saved, changes: Mapping[str, Entry | None]) -> Saved:
    """Append one record of `changes` to the journal, on a line of its own: a record cut
    short by a crash is one line that does not parse, and is skipped (_fold_journal)."""
    files = {rel: None if entry is None else _stored(entry) for rel, entry in changes.items()}
    line = "\n" + json.dumps({"generation": saved.generation, "files": files}) + "\n"
    with journal.open("a", encoding="utf-8") as appending:
        appending.write(line)
        size = appending.tell()
    return Saved(saved.generation, saved.size, size)


def _fold_journal(files: dict[str, Entry], journal: Path, generation: object) -> None:
    """Apply the journal's records for `generation` to `files`, in order; skip any other line."""
    try:
        text = journal.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        try:
            record = json.loads(line) if line else None
            if not isinstance(record, dict) or record.get("generation") != generation or generation is None:
                continue
            changes = {rel: None if values is None else Entry(*values) for rel, values in record["files"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # cut short by a crash, or not ours
        for rel, entry in changes.items():
            if entry is None:
                files.pop(rel, None)
            else:
                files[rel] = entry


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
