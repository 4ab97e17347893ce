"""Skip a build when nothing it reads has changed since the last one, as `make` does.

The stamp records the size, mtime, ctime and inode of every input file (content/, layouts/, config.yaml),
the build's settings, the summary of the last build and the moment the output would change
by itself (a future-dated post coming due). It is checked before anything heavy is imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from . import code_digest
from .config import CONFIG_FILE, Config
from .manifest import manifest_path, read_manifest


class Summary(Protocol):
    """What a stamp repeats of a build's report; a protocol so this module, loaded before any
    build, imports nothing of the pipeline."""

    @property
    def files(self) -> int: ...
    @property
    def posts(self) -> int: ...
    @property
    def scheduled(self) -> int: ...
    @property
    def next_scheduled(self) -> datetime | None: ...


NO_SEARCH_INDEX = " without a search index"


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the last successful build read, and what it reported."""

    inputs: str
    report: dict[str, Any]
    valid_until: str | None  # ISO time after which the output changes with the clock


FileStat = tuple[int, int, int, int]  # size, mtime, ctime, inode: content.Signature
UNREADABLE: FileStat = (-1, 0, 0, 0)  # a broken link, or a file going


@dataclass(frozen=True, slots=True)
class Inputs:
    """The inputs of a build, scanned before it reads any: their state (input_state), and each
    file's stat, by which the next one-shot build tells what changed since (snapshot.py)."""

    state: str
    stats: dict[str, FileStat]  # path under the source folder -> its stat (UNREADABLE if none)
    scanned_at: int  # time.time_ns() when the scan began


def input_state(config: Config) -> str:
    """Return a digest of every input file's path, size and mtime, plus the build settings."""
    return _settings(config) + sources_state(config.source)


def scan_inputs(config: Config) -> Inputs:
    """Return input_state(config), with the stat of each input file it was made of."""
    stats: dict[str, FileStat] = {}
    scanned_at = time.time_ns()
    return Inputs(_settings(config) + scan_sources(config.source, stats)[0], stats, scanned_at)


def _settings(config: Config) -> str:
    return hashlib.blake2b(repr((code_digest(), config)).encode("utf-8"), digest_size=20).hexdigest()


def sources_state(source: Path) -> str:
    """Return a digest of the path, size, mtime, ctime and inode of content/, layouts/ and
    config.yaml files (a file copied over another with its mtime kept has a new ctime)."""
    return scan_sources(source)[0]


def scan_sources(source: Path, stats: dict[str, FileStat] | None = None) -> tuple[str, int]:
    """Return sources_state(source), and the newest mtime among the files (ns) that is not in
    the future (a file from an archive or another clock is no sign of a change); note each
    file's stat in `stats`, by its path under `source`, if given."""
    hasher = hashlib.blake2b(digest_size=20)
    newest = 0
    now = time.time_ns()
    add = partial(_add, hasher, stats, len(str(source)) + 1)
    for top in (source / "content", source / "layouts"):
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                newest = _newer(newest, add(os.path.join(folder, name)), now)
            for name in dirs:  # os.walk does not enter a folder link, but the build reports it
                if os.path.islink(os.path.join(folder, name)):
                    newest = _newer(newest, add(os.path.join(folder, name)), now)
    newest = _newer(newest, add(str(source / CONFIG_FILE)), now)
    return hasher.hexdigest(), newest


def _newer(newest: int, mtime: int, now: int) -> int:
    return mtime if newest < mtime <= now else newest


def stamp_path(config: Config) -> Path:
    """Where the record of the last successful build is kept, one per output folder."""
    return manifest_path(config).with_suffix(".stamp")


def up_to_date(config: Config, now: datetime, state: str, *, search: bool = True) -> dict[str, Any] | None:
    """Return the last build's report if its output is what the inputs, in `state` (see
    input_state), would build now (with a search index, if `search`)."""
    stamp = built_from(config, state, search=search)
    if stamp is None or (stamp.valid_until and now >= datetime.fromisoformat(stamp.valid_until)):
        return None
    return stamp.report


def built_from(config: Config, state: str, *, search: bool = True) -> Stamp | None:
    """Return the last build's stamp if `build` made the output folder from the inputs in
    `state`, as it is now (a later hour may have made it out of date)."""
    try:
        stamp = Stamp(**json.loads(stamp_path(config).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if stamp.inputs not in ((state,) if search else (state, state + NO_SEARCH_INDEX)):
        return None
    if len(read_manifest(config.out_dir, manifest_path(config)).files) != stamp.report.get("files"):
        return None  # someone changed or deleted built files
    return stamp


def save_stamp(stamp_path: Path, inputs: str, report: dict[str, Any], valid_until: datetime | None) -> None:
    """Record a successful build; failing to record it only costs a rebuild next time."""
    try:
        stamp = Stamp(inputs, report, valid_until.isoformat() if valid_until else None)
        stamp_path.parent.mkdir(parents=True, exist_ok=True)
        stamp_path.write_text(json.dumps(asdict(stamp)), encoding="utf-8")
    except OSError:
        pass


def record_build(config: Config, inputs: str, report: Summary, *, valid_until: datetime | None, search: bool) -> None:
    """Save the stamp of a successful build that read `inputs` (input_state), with the summary
    a skipped run repeats; `valid_until` is when its output would change by itself."""
    inputs = inputs if search else inputs + NO_SEARCH_INDEX  # a later `build` must still make one
    said: dict[str, int | str] = {"files": report.files, "posts": report.posts, "scheduled": report.scheduled}
    if report.next_scheduled:
        said["next_scheduled"] = report.next_scheduled.isoformat()
    save_stamp(stamp_path(config), inputs, said, valid_until)


def drop_stamp(stamp_path: Path) -> None:
    """Forget the last build's stamp, before a build whose output no stamp describes."""
    with suppress(OSError):  # a folder in its place: no stamp can be read from it either
        stamp_path.unlink(missing_ok=True)


def _add(hasher: Any, stats: dict[str, FileStat] | None, cut: int, path: str) -> int:
    """Add a file's state to `hasher` (and to `stats`, by its path from `cut` on, with "/"
    between folders); return its mtime (ns), 0 if it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:  # a broken link, or a file going: the build reports it, so it counts
        hasher.update(f"{path}\0unreadable\n".encode("utf-8", "surrogateescape"))
        if stats is not None:
            stats[path[cut:].replace(os.sep, "/")] = UNREADABLE
        return 0
    state = f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\0{stat.st_ino}\n"
    hasher.update(state.encode("utf-8", "surrogateescape"))
    if stats is not None:
        stats[path[cut:].replace(os.sep, "/")] = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    return stat.st_mtime_ns
