"""Write the built site so that a failed or killed build never leaves a broken output folder.

A first build writes a whole new tree beside the output folder and swaps it in with one
atomic exchange. Later builds stage only the files whose bytes changed, then move them
into place; unchanged files are not touched, so their mtimes stay and rsync-style deploys
send only what changed. That commit is all or nothing: an error part-way puts the old files
back, and a commit cut short by a kill is finished by the next build. A manifest in the
cache folder remembers what each file was made from (its memo key), so the next build can
skip rendering it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .config import Config
from .errors import MatineeError
from .progress import Progress, silent

if TYPE_CHECKING:  # the no-change check imports this module: it loads no more than it runs
    from .fanout import Tick
    from .model import Asset, Output

MANIFEST_VERSION = 2
COMMIT_MARKER = ".matinee-commit"
ASIDE = ".matinee-aside"  # in the staging folder: what a commit replaced, until the commit is done
_RENAME_EXCHANGE = 2


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of a built tree: its memo key, its content digest, and its size and mtime."""

    key: str
    content: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Manifest:
    """The files of the previous build that are still on disk as it left them."""

    files: dict[str, Entry] = field(default_factory=dict)

    def keys(self) -> dict[str, str]:
        """Return path -> memo key, for the renderer to skip unchanged outputs."""
        return {path: entry.key for path, entry in self.files.items()}


@dataclass(frozen=True, slots=True)
class Written:
    """What write_tree did: files in the tree, the paths it wrote, the paths it deleted."""

    files: int
    written: tuple[str, ...]
    deleted: tuple[str, ...]


def manifest_path(config: Config) -> Path:
    """Where the list of the last build's files is kept, one per output folder."""
    tag = hashlib.blake2b(str(config.out_dir.resolve()).encode(), digest_size=6).hexdigest()
    return config.cache_dir / f"outputs-{tag}.json"


def read_manifest(out_dir: Path, manifest_path: Path) -> Manifest:
    """Return the previous build's files that are unchanged on disk; anything odd means none."""
    if _finish_interrupted_commit(out_dir):
        return Manifest()  # it added files no manifest lists: build the whole tree afresh
    try:
        stored = json.loads(manifest_path.read_text(encoding="utf-8"))
        if stored["version"] != MANIFEST_VERSION or stored["out_dir"] != str(out_dir.resolve()):
            return Manifest()
        files = {path: Entry(*values) for path, values in stored["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return Manifest()
    root = str(out_dir)
    return Manifest({path: entry for path, entry in files.items() if _intact(os.path.join(root, path), entry)})


class Outputs(Protocol):
    """The rendered files of a build, made share by share so that shares can run side by side."""

    @property
    def to_render(self) -> int:
        """How many outputs must be rendered (the others are unchanged)."""

    def paths(self) -> Iterator[str]:
        """Yield the path of every output."""

    def render(self, share: int, shares: int) -> Iterator[Output]:
        """Yield every `shares`-th output from the `share`-th (raising all errors at the end)."""


def write_tree(
    outputs: Outputs,
    assets: Sequence[Asset],
    out_dir: Path,
    manifest_path: Path,
    previous: Manifest,
    progress: Progress = silent,
) -> Written:
    """Write `outputs` and `assets` into `out_dir`; on any error leave it exactly as it was.

    Many outputs to render are rendered and staged on every core (see fanout.py).
    """
    _refuse_foreign(out_dir, manifest_path)
    incremental = bool(previous.files) and out_dir.is_dir()
    staging = out_dir.with_name(f".{out_dir.name}.matinee-new")
    _remove(staging)
    files: dict[str, Entry] = {}
    try:
        _claim_each(chain(outputs.paths(), (asset.rel_out for asset in assets)))
        staging.mkdir(parents=True)
        known = previous if incremental else Manifest()
        stage = partial(_stage_share, outputs, staging, known)
        total = outputs.to_render
        from .fanout import fan_out, shares_for  # not on top: the no-change check loads this module, not these

        shares = fan_out(stage, shares_for(total), lambda done: progress("Rendering pages", done, total))
        files = {path: entry for share in shares for path, entry in share.files.items()}
        errors = list({str(error): error for share in shares for error in share.errors}.values())  # once each
        if errors:
            raise ExceptionGroup("layouts failed to render", errors)
        writer = _Writer(staging)
        for asset in assets:
            _stage_asset(asset, writer, files, known)
        if incremental:
            deleted = sorted(set(previous.files) - set(files))
            _commit(staging, out_dir, deleted)
        else:
            deleted = []
            _swap(staging, out_dir)
    except OSError as error:
        _drop_staging(staging)
        where = _output_named(error, staging, out_dir)
        raise MatineeError(where, None, f"cannot be written: {error.strerror or error}") from None
    except BaseException:
        _drop_staging(staging)
        raise
    _remove(staging)
    files = {path: entry if entry.mtime_ns else _restat(out_dir / path, entry) for path, entry in files.items()}
    _save_manifest(manifest_path, out_dir, files)
    written = (*(path for share in shares for path in share.written), *writer.written)
    return Written(files=len(files), written=written, deleted=tuple(deleted))


def render_errors(outputs: Outputs, progress: Progress = silent) -> list[MatineeError]:
    """Render every output that changed, writing nothing, and return the layouts' errors:
    a build that already failed still reports them, so every mistake shows in one run."""
    from .fanout import fan_out, shares_for  # not on top: see write_tree

    total = outputs.to_render
    shares = fan_out(
        partial(_render_share, outputs), shares_for(total), lambda done: progress("Rendering pages", done, total)
    )
    return list({str(error): error for errors in shares for error in errors}.values())  # once each


def _render_share(outputs: Outputs, share: int, shares: int, tick: Tick) -> list[MatineeError]:
    try:
        for output in outputs.render(share, shares):
            if output.body is not None:
                tick()
    except ExceptionGroup as group:
        return [error for error in group.exceptions if isinstance(error, MatineeError)]
    return []


def record_files(rels: Iterable[str], out_dir: Path, manifest_path: Path) -> int:
    """Add files made in out_dir after write_tree (the search index) to the manifest.

    Recorded, they count as built files, are checked like them, and go away in the next build
    that does not make them again. Return how many files the output folder now holds.
    """
    files = dict(read_manifest(out_dir, manifest_path).files)
    for rel in rels:
        stat = (out_dir / rel).stat()
        files[rel] = Entry("made after write_tree", "", stat.st_size, stat.st_mtime_ns)
    _save_manifest(manifest_path, out_dir, files)
    return len(files)


class _Writer:
    """Writes files into the staging tree, making each folder once.

    Measured on the project VM: plain sequential writes beat a thread pool (4 threads were
    5x slower for 20,000 small files), so this stays simple.
    """

    def __init__(self, staging: Path) -> None:
        self._staging = staging
        self._made: set[Path] = {staging}
        self.written: list[str] = []

    def write(self, rel: str, content: bytes | Path) -> None:
        """Write one file at `rel` inside the staging tree."""
        target = self._staging / rel
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
        self.written.append(rel)


@dataclass(frozen=True, slots=True)
class _Staged:
    """What one share of the outputs left in the staging tree."""

    files: dict[str, Entry]
    written: list[str]
    errors: list[MatineeError]


def _stage_share(outputs: Outputs, staging: Path, previous: Manifest, share: int, shares: int, tick: Tick) -> _Staged:
    """Render and stage one share of the outputs; unchanged bytes are not written."""
    writer = _Writer(staging)
    files: dict[str, Entry] = {}
    try:
        for output in outputs.render(share, shares):
            _stage_output(output, writer, files, previous)
            if output.body is not None:
                tick()
    except ExceptionGroup as group:  # layout errors: the other shares' are wanted too
        return _Staged(files, writer.written, [error for error in group.exceptions if isinstance(error, MatineeError)])
    return _Staged(files, writer.written, [])


def _stage_output(output: Output, writer: _Writer, files: dict[str, Entry], previous: Manifest) -> None:
    old = previous.files.get(output.path)
    if output.body is None:
        if old is None:
            raise MatineeError(output.path, None, "was skipped as unchanged but is not in the output folder")
        files[output.path] = Entry(output.key, old.content, old.size, old.mtime_ns)
        return
    content = hashlib.blake2b(output.body, digest_size=16).hexdigest()
    if old is not None and old.content == content:
        files[output.path] = Entry(output.key, content, old.size, old.mtime_ns)
        return
    writer.write(output.path, output.body)
    files[output.path] = Entry(output.key, content, len(output.body), 0)


def _stage_asset(asset: Asset, writer: _Writer, files: dict[str, Entry], previous: Manifest) -> None:
    _claim(asset.rel_out, files)
    try:
        stat = asset.path.stat()
    except OSError as error:  # deleted or moved since the build listed it
        raise MatineeError(asset.source, None, f"cannot be read: {error.strerror}") from None
    key = f"asset {asset.source} {stat.st_size} {stat.st_mtime_ns}"
    old = previous.files.get(asset.rel_out)
    if old is not None and old.key == key:
        files[asset.rel_out] = old
        return
    writer.write(asset.rel_out, asset.path)
    files[asset.rel_out] = Entry(key, key, stat.st_size, 0)


def _claim(path: str, taken: Container[str]) -> None:
    if path in taken:
        raise MatineeError(path, None, "two outputs would be written to this path; rename one of them")


def _claim_each(paths: Iterable[str]) -> None:
    """Refuse two outputs at one path, and a file at a path another output needs as a folder
    (content/about as a file, and about.md's page about/index.html)."""
    taken: set[str] = set()
    folders: dict[str, str] = {}  # folder -> an output inside it
    for path in paths:
        _claim(path, taken)
        taken.add(path)
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders[folder] = path
            folder = folder.rpartition("/")[0]
    for path in sorted(taken & folders.keys()):
        message = f"would be a file, but {folders[path]} needs it as a folder; rename one of their sources"
        raise MatineeError(path, None, message)


def _commit(staging: Path, out_dir: Path, deleted: list[str]) -> None:
    """Move the staged files into place and delete `deleted`, all or nothing.

    An error part-way undoes the steps taken. A marker lets the next build finish a commit
    that was killed, or that could not be undone.
    """
    staged = _staged_paths(staging)
    _check_writable(out_dir, staged, deleted)
    marker = staging / COMMIT_MARKER
    commit = _Commit(staging, out_dir)
    try:
        marker.write_text(json.dumps(deleted), encoding="utf-8")
        commit.run(deleted, staged)
    except OSError as error:
        try:
            commit.roll_back()
        except OSError:  # the marker stays: the next build finishes the commit instead
            raise error from None
        marker.unlink(missing_ok=True)
        raise


def _check_writable(out_dir: Path, staged: list[str], deleted: list[str]) -> None:
    """Fail before the commit starts, not half-way through, when a folder it changes is locked."""
    changed = {(out_dir / rel).parent for rel in (*staged, *deleted)}
    for rel in staged:  # a folder in a new file's way is moved aside: that rewrites its '..' entry
        obstacle = _in_the_way(out_dir, rel)
        if obstacle is not None and obstacle.is_dir():
            changed.add(obstacle)
    for folder in sorted(changed):
        # A folder the commit creates needs its nearest existing parent to be writable.
        existing = next(path for path in (folder, *folder.parents) if path.is_dir())
        if not os.access(existing, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(existing))


def _output_named(error: OSError, staging: Path, out_dir: Path) -> str:
    """Name the output file a failed write was for: a move's target, not the staged or set-aside copy."""
    for name in (error.filename2, error.filename):
        where = Path(os.fsdecode(name)) if name else None
        if where is None or where.is_relative_to(staging / ASIDE):
            continue
        return str(out_dir / where.relative_to(staging) if where.is_relative_to(staging) else where)
    return str(out_dir)


def _finish_interrupted_commit(out_dir: Path) -> bool:
    """Finish the commit a killed build (or one whose undo failed) left, if its marker is
    there; return whether there was one."""
    staging = out_dir.with_name(f".{out_dir.name}.matinee-new")
    marker = staging / COMMIT_MARKER
    try:
        deleted = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except ValueError:  # cut short while it was written: the commit had not begun
        return False
    _Commit(staging, out_dir).run(deleted, _staged_paths(staging))
    return True


def _staged_paths(staging: Path) -> list[str]:
    """Return the files waiting in the staging folder, relative to it."""
    found: list[str] = []
    for folder, folders, names in os.walk(staging):
        if folder == os.fspath(staging):  # the marker and the set-aside folder are not outputs
            folders[:] = [name for name in folders if name != ASIDE]
            names = [name for name in names if name != COMMIT_MARKER]
        found.extend(Path(folder, name).relative_to(staging).as_posix() for name in names)
    return found


class _Commit:
    """Moves staged files into the output folder, noting how to undo each step.

    Run again after a kill it carries on where it stopped: a file still in the staging folder
    is not in place yet, and a file to delete that is still there is not deleted yet.
    """

    def __init__(self, staging: Path, out_dir: Path) -> None:
        self._staging = staging
        self._out_dir = out_dir
        self._aside = staging / ASIDE
        self._undo: list[Callable[[], None]] = []

    def run(self, deleted: Iterable[str], staged: Iterable[str]) -> None:
        """Delete first, so a file can take the place of a folder that goes (and the reverse)."""
        _remove(self._aside)  # what a killed run set aside: nothing will put it back
        self._aside.mkdir()
        for rel in deleted:
            path = self._out_dir / rel
            if path.is_file():  # a folder there holds new files: a killed run got further
                self._set_aside(path)
                self._prune(path.parent)
        for rel in staged:
            self._move_in(rel)
        (self._staging / COMMIT_MARKER).unlink()

    def roll_back(self) -> None:
        """Undo the steps taken, newest first: the output folder is as it was before `run`."""
        for step in reversed(self._undo):
            step()

    def _move_in(self, rel: str) -> None:
        source, target = self._staging / rel, self._out_dir / rel
        obstacle = _in_the_way(self._out_dir, rel)
        if obstacle is not None:
            self._set_aside(obstacle, keep=obstacle == target and obstacle.is_file())
        self._make_folders(target.parent)
        os.replace(source, target)
        self._undo.append(partial(os.replace, target, source))

    def _set_aside(self, path: Path, *, keep: bool = False) -> None:
        """Move `path` into the set-aside folder; `keep` links it instead, if the file system can.

        A kept file stays in place until os.replace swaps the new one in: readers of the site
        (the preview server) never find it missing.
        """
        aside = self._aside / str(len(self._undo))  # every step adds one undo: the name is new
        if not (keep and _link(path, aside)):
            os.replace(path, aside)
        self._undo.append(partial(os.replace, aside, path))

    def _make_folders(self, folder: Path) -> None:
        missing: list[Path] = []
        while not folder.is_dir():
            missing.append(folder)
            folder = folder.parent
        for made in reversed(missing):
            made.mkdir()
            self._undo.append(made.rmdir)

    def _prune(self, folder: Path) -> None:
        """Remove `folder` and its parents inside the output folder while they are empty."""
        while folder != self._out_dir and folder.is_relative_to(self._out_dir):
            try:
                folder.rmdir()
            except OSError:  # not empty
                return
            self._undo.append(folder.mkdir)
            folder = folder.parent


def _in_the_way(out_dir: Path, rel: str) -> Path | None:
    """Return what is where the new file `rel` goes: an old file or folder, or a file where a folder must be."""
    target = out_dir / rel
    if os.path.lexists(target):
        return target
    if target.parent.is_dir():  # the usual case: then every folder above it is one too
        return None
    for parent in reversed(Path(rel).parents[:-1]):  # from the top; [-1] is '.'
        folder = out_dir / parent
        if not folder.is_dir():
            return folder if os.path.lexists(folder) else None
    return None


def _link(path: Path, to: Path) -> bool:
    try:
        os.link(path, to)
    except OSError:  # a file system without hard links
        return False
    return True


def _drop_staging(staging: Path) -> None:
    """Remove the staging folder after a failed build, unless it holds a commit the next build must finish."""
    if not (staging / COMMIT_MARKER).exists():
        _remove(staging)


def _swap(staging: Path, out_dir: Path) -> None:
    """Swap the new tree in with one atomic exchange where the OS offers it."""
    if out_dir.exists() and _exchange(staging, out_dir):
        return
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.matinee-old")
        _remove(old)
        out_dir.rename(old)
        staging.rename(out_dir)
        _remove(old)
    else:
        staging.rename(out_dir)


def _exchange(first: Path, second: Path) -> bool:
    import ctypes.util  # here: only a first build swaps a whole tree in

    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is None:
        return False
    at_cwd = -100
    return bool(renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), _RENAME_EXCHANGE) == 0)


def _intact(path: str, entry: Entry) -> bool:
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return stat.st_size == entry.size and stat.st_mtime_ns == entry.mtime_ns


def _restat(path: Path, entry: Entry) -> Entry:
    """Note the size and mtime of a file just written."""
    stat = path.stat()
    return Entry(entry.key, entry.content, stat.st_size, stat.st_mtime_ns)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _refuse_foreign(out_dir: Path, manifest_path: Path) -> None:
    """Refuse to replace a non-empty folder Matinee did not build (it would be deleted)."""
    if not out_dir.exists() or manifest_path.exists() or (out_dir / "index.html").exists():
        return
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        return
    raise MatineeError(str(out_dir), None, "exists, is not empty and was not built by Matinee; choose another --out")


def _save_manifest(path: Path, out_dir: Path, files: dict[str, Entry]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        stored = {
            "version": MANIFEST_VERSION,
            "out_dir": str(out_dir.resolve()),
            "files": {rel: [entry.key, entry.content, entry.size, entry.mtime_ns] for rel, entry in files.items()},
        }
        temporary.write_text(json.dumps(stored), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # the manifest only saves work next time; the site itself is written
