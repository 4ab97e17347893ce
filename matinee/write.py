"""Write the built site: a new tree beside the output folder, swapped in only on success.

Files whose bytes did not change are hard-linked from the previous tree, so their
mtimes stay and rsync-style deploys send only what changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import MatineeError
from .model import Asset, Output

MANIFEST_VERSION = 1
_RENAME_EXCHANGE = 2


@dataclass(frozen=True, slots=True)
class Written:
    """What write_tree did: files in the new tree, and how many were actually written."""

    files: int
    changed: int


def write_tree(outputs: Iterable[Output], assets: Sequence[Asset], out_dir: Path, manifest_path: Path) -> Written:
    """Write `outputs` and `assets` as the new `out_dir`; leave the old one untouched on any error."""
    _refuse_foreign(out_dir, manifest_path)
    previous = _load_manifest(manifest_path, out_dir)
    staging = out_dir.with_name(f".{out_dir.name}.matinee-new")
    _remove(staging)
    _remove(out_dir.with_name(f".{out_dir.name}.matinee-old"))
    manifest: dict[str, list[object]] = {}
    changed = 0
    try:
        staging.mkdir(parents=True)
        made: set[Path] = {staging}
        for output in outputs:
            digest = hashlib.blake2b(output.body, digest_size=16).hexdigest()
            changed += _place(staging, out_dir, output.path, digest, previous, manifest, made, output.body)
        for asset in assets:
            stat = asset.path.stat()
            digest = f"{stat.st_size}:{stat.st_mtime_ns}"
            changed += _place(staging, out_dir, asset.rel_out, digest, previous, manifest, made, asset.path)
        _swap(staging, out_dir)
    except BaseException:
        _remove(staging)
        raise
    _remove(staging)
    _save_manifest(manifest_path, out_dir, manifest)
    return Written(files=len(manifest), changed=changed)


def _place(
    staging: Path,
    out_dir: Path,
    rel: str,
    digest: str,
    previous: dict[str, list[object]],
    manifest: dict[str, list[object]],
    made: set[Path],
    content: bytes | Path,
) -> int:
    """Put one file in the staging tree; return 1 if it was written, 0 if linked unchanged."""
    if rel in manifest:
        raise MatineeError(rel, None, "two outputs would be written to this path; rename one of them")
    target = staging / rel
    if target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)
    old = out_dir / rel
    recorded = previous.get(rel)
    try:
        if recorded and recorded[0] == digest and _unchanged_on_disk(old, recorded):
            os.link(old, target)
            manifest[rel] = recorded
            return 0
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
    except OSError as error:
        raise MatineeError(str(out_dir / rel), None, f"cannot be written: {error.strerror or error}") from None
    stat = target.stat()
    manifest[rel] = [digest, stat.st_size, stat.st_mtime_ns]
    return 1


def _unchanged_on_disk(path: Path, recorded: list[object]) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return [stat.st_size, stat.st_mtime_ns] == recorded[1:]


def _swap(staging: Path, out_dir: Path) -> None:
    """Swap the new tree in with one atomic exchange where the OS offers it."""
    if out_dir.exists() and _exchange(staging, out_dir):
        return
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.matinee-old")
        out_dir.rename(old)
        staging.rename(out_dir)
        _remove(old)
    else:
        staging.rename(out_dir)


def _exchange(first: Path, second: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_cwd = -100
    result = renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), _RENAME_EXCHANGE)
    return bool(result == 0)


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


def _load_manifest(path: Path, out_dir: Path) -> dict[str, list[object]]:
    """Return the previous build's file list; a missing, corrupt or foreign one is ignored."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored["version"] == MANIFEST_VERSION and stored["out_dir"] == str(out_dir.resolve()):
            return dict(stored["files"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {}


def _save_manifest(path: Path, out_dir: Path, files: dict[str, list[object]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        content = {"version": MANIFEST_VERSION, "out_dir": str(out_dir.resolve()), "files": files}
        temporary.write_text(json.dumps(content), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # the manifest only saves work next time; the site itself is written
