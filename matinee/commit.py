"""Move a built tree into the output folder all or nothing, so a failed or killed build never
leaves it broken.

A first build swaps a whole new tree in with one atomic exchange (swap). Later builds move
only the staged files whose bytes changed into place (commit): an error part-way puts the old
files back, and a commit cut short by a kill is finished by the next build
(finish_interrupted_commit), guided by a marker in the staging folder.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

COMMIT_MARKER = ".matinee-commit"
ASIDE = ".matinee-aside"  # in the staging folder: what a commit replaced, until the commit is done
_RENAME_EXCHANGE = 2


def staging_path(out_dir: Path) -> Path:
    """Where a build stages its files, beside the output folder (so a move is a rename)."""
    return out_dir.with_name(f".{out_dir.name}.matinee-new")


def commit(staging: Path, out_dir: Path, deleted: list[str]) -> None:
    """Move the staged files into place and delete `deleted`, all or nothing.

    An error part-way undoes the steps taken. A marker lets the next build finish a commit
    that was killed, or that could not be undone.
    """
    staged = _staged_paths(staging)
    _check_writable(out_dir, staged, deleted)
    marker = staging / COMMIT_MARKER
    undoable = _Commit(staging, out_dir)
    try:
        marker.write_text(json.dumps(deleted), encoding="utf-8")
        undoable.run(deleted, staged)
    except OSError as error:
        try:
            undoable.roll_back()
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


def output_named(error: OSError, staging: Path, out_dir: Path) -> str:
    """Name the output file a failed write was for: a move's target, not the staged or set-aside copy."""
    for name in (error.filename2, error.filename):
        where = Path(os.fsdecode(name)) if name else None
        if where is None or where.is_relative_to(staging / ASIDE):
            continue
        return str(out_dir / where.relative_to(staging) if where.is_relative_to(staging) else where)
    return str(out_dir)


def finish_interrupted_commit(out_dir: Path) -> bool:
    """Finish the commit a killed build (or one whose undo failed) left, if its marker is
    there; return whether there was one."""
    staging = staging_path(out_dir)
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
        # What a killed run set aside: nothing will put it back. The folder itself stays (see clear).
        if self._aside.is_dir() and not self._aside.is_symlink():
            for entry in os.scandir(self._aside):
                remove(Path(entry.path))
        else:
            remove(self._aside)
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


def clear(folder: Path) -> None:
    """Make `folder` an empty folder, keeping it and the empty folders inside it if there:
    removing a folder costs milliseconds on ext4 (about 3 ms, against 10 µs to unlink a
    file), and a `serve` save stages its few files into the same folders each time."""
    if folder.is_symlink() or not folder.is_dir():
        remove(folder)
        folder.mkdir()
        return
    for entry, folders, names in os.walk(folder):
        for name in names:
            os.unlink(os.path.join(entry, name))
        for name in folders:
            if os.path.islink(os.path.join(entry, name)):
                os.unlink(os.path.join(entry, name))


def drop_staging(staging: Path) -> None:
    """Remove the staging folder after a failed build, unless it holds a commit the next build must finish."""
    if not (staging / COMMIT_MARKER).exists():
        remove(staging)


def swap(staging: Path, out_dir: Path) -> None:
    """Swap the new tree in with one atomic exchange where the OS offers it."""
    if out_dir.exists() and _exchange(staging, out_dir):
        return
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.matinee-old")
        remove(old)
        out_dir.rename(old)
        staging.rename(out_dir)
        remove(old)
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


def remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
