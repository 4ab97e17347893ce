"""Write the built site: stage the changed outputs and the assets, then commit them (commit.py).

Unchanged files are not touched, so their mtimes stay and rsync-style deploys send only what
changed. Many pages to render are rendered and staged on every core (see fanout.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .commit import clear, commit, drop_staging, output_named, remove, staging_path, swap
from .errors import MatineeError
from .manifest import Entry, Manifest, content_digest, restat, save_manifest
from .progress import Progress, silent

if TYPE_CHECKING:  # the no-change check imports the manifest, not this module; still, load no more than runs
    from .fanout import Tick
    from .model import Asset, Output


@dataclass(frozen=True, slots=True)
class Written:
    """What write_tree did: files in the tree, the paths it wrote, the paths it deleted."""

    files: int
    written: tuple[str, ...]
    deleted: tuple[str, ...]
    manifest: Manifest = field(default_factory=Manifest, repr=False)  # the files now built, as saved


class Outputs(Protocol):
    """The rendered files of a build, made share by share so that shares can run side by side."""

    @property
    def to_render(self) -> int:
        """How many outputs must be rendered (the others are unchanged)."""

    def paths(self) -> Iterator[str]:
        """Yield the path of every output."""

    def render(self, share: int, shares: int) -> Iterator[Output]:
        """Yield every `shares`-th output from the `share`-th (raising all errors at the end)."""


# Long on purpose: one try around every step from staging to swap, so that one undo covers them all.
def write_tree(
    outputs: Outputs,
    assets: Sequence[Asset],
    out_dir: Path,
    manifest_path: Path,
    previous: Manifest,
    progress: Progress = silent,
    unchanged: bool = False,
    gone: Collection[str] | None = None,
) -> Written:
    """Write `outputs` and `assets` into `out_dir`; on any error leave it exactly as it was.

    Many outputs to render are rendered and staged on every core (see fanout.py).
    `unchanged`: the caller's word (serve's, after a post edited in place) that `outputs` are
    the outputs it planned afresh, every other output of `previous` staying as it is (same
    path, same key), and that none of its assets changed since: the rest of the site is then
    neither walked nor statted, and the manifest saves only the entries that changed. The
    caller checks that `previous` holds files and `out_dir` is there (else none are kept).
    With `unchanged`, `gone` may say which of `previous`'s assets went (output paths): then
    `assets` are only those added since, and no other asset is looked at either.
    """
    _refuse_foreign(out_dir, manifest_path)
    incremental = bool(previous.files) and out_dir.is_dir()
    staging = staging_path(out_dir)
    # A save in `serve` keeps the staging folders between builds (commit.clear); others start afresh.
    empty = partial(clear, staging) if unchanged and incremental else partial(remove, staging)
    empty()
    files: dict[str, Entry] = {}
    try:
        made = _prepare(staging, outputs, assets, incremental, checked=unchanged)
        known = previous if incremental else Manifest()
        kept = _kept_assets(assets, known) if unchanged else {}
        fresh = [asset for asset in assets if asset.rel_out not in kept] if kept else assets
        stage = partial(_stage_share, outputs, fresh, staging, known, made)
        drawing = _to_draw(fresh, known)
        total = outputs.to_render + drawing
        doing = "Rendering pages and share cards" if drawing else "Rendering pages"
        from .fanout import fan_out, shares_for  # not on top: the no-change check loads this module, not these

        shares = fan_out(stage, shares_for(total), lambda done: progress(doing, done, total))
        files = {path: entry for share in shares for path, entry in share.files.items()}
        errors = list({str(error): error for share in shares for error in share.errors}.values())  # once each
        if errors:
            raise ExceptionGroup("layouts failed to render", errors)
        unreadable = [error for share in shares for error in share.unreadable]
        if unreadable:  # an asset deleted or moved since the build listed it
            raise unreadable[0]
        staged = {path: entry for share in shares for path, entry in share.assets.items()}
        staged |= kept
        files |= {asset.rel_out: staged[asset.rel_out] for asset in assets}  # in the assets' order
        changes: dict[str, Entry | None] | None = None
        if unchanged and incremental:  # `files` holds the outputs planned afresh and the assets
            changes = _changes(previous, files, gone)
            deleted = sorted(path for path, entry in changes.items() if entry is None)
            commit(staging, out_dir, deleted)
        elif incremental:
            deleted = sorted(set(previous.files) - set(files))
            commit(staging, out_dir, deleted)
        else:
            deleted = []
            swap(staging, out_dir)
    except OSError as error:
        drop_staging(staging)
        where = output_named(error, staging, out_dir)
        raise MatineeError(where, None, f"cannot be written: {error.strerror or error}") from None
    except BaseException:
        drop_staging(staging)
        raise
    empty()
    if changes is not None:
        changes = {
            path: entry if not entry or entry.mtime_ns else restat(out_dir / path, entry)
            for path, entry in changes.items()
        }
        files = dict(previous.files)
        for path, change in changes.items():
            if change is None:
                del files[path]
            else:
                files[path] = change
    else:
        for path, entry in files.items():  # in place: a second dict of 30,000 entries was peak memory
            if not entry.mtime_ns:
                files[path] = restat(out_dir / path, entry)
    saved = save_manifest(manifest_path, out_dir, files, previous=previous, changes=changes)
    written = (
        *(path for share in shares for path in share.written),
        *(path for share in shares for path in share.assets_written),
    )
    return Written(files=len(files), written=written, deleted=tuple(deleted), manifest=Manifest(files, saved))


def _changes(previous: Manifest, files: dict[str, Entry], gone: Collection[str] | None) -> dict[str, Entry | None]:
    """What a partial write (write_tree's `unchanged`) changes of `previous`: the entries of
    `files` (the outputs planned afresh, and the assets) that differ, and None for each asset
    that went: `gone`, or when None, those `previous` copied or drew that `files` no longer has."""
    changes: dict[str, Entry | None] = {
        path: entry for path, entry in files.items() if previous.files.get(path) != entry
    }
    if gone is None:
        gone = [path for path, entry in previous.files.items() if entry.key.startswith("asset ") and path not in files]
    changes |= dict.fromkeys(gone)
    return changes


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


# What makes Pagefind index a page (any case, as HTML attribute names): search.py indexes only these.
SEARCH_BODY = b"data-pagefind-body"
COPY_CHUNK = 1 << 20  # bytes: assets are copied and hashed a piece at a time, not held whole


class _Writer:
    """Writes files into the staging tree, making each folder once.

    Measured on the project VM: plain sequential writes beat a thread pool (4 threads were
    5x slower for 20,000 small files), so this stays simple.
    """

    def __init__(self, staging: Path, made: Iterable[Path] = ()) -> None:
        self._staging = staging
        self._made: set[Path] = {staging, *made}
        self.written: list[str] = []

    def write(self, rel: str, content: bytes) -> None:
        """Write one file at `rel` inside the staging tree."""
        _write_new(self._target(rel), content)
        self.written.append(rel)

    def copy(self, rel: str, source: Path) -> str:
        """Copy `source` to `rel` inside the staging tree; return the digest of its bytes."""
        target = self._target(rel)
        digest = hashlib.blake2b(digest_size=16)
        with source.open("rb") as reading, target.open("wb") as writing:
            while chunk := reading.read(COPY_CHUNK):
                digest.update(chunk)
                writing.write(chunk)
        self.written.append(rel)
        return digest.hexdigest()

    def _target(self, rel: str) -> Path:
        target = self._staging / rel
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        return target


def _write_new(path: Path, content: bytes) -> None:
    """Write `content` to `path` unbuffered: open() would also stat the file and wrap it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


@dataclass(frozen=True, slots=True)
class _Staged:
    """What one share of the outputs and assets left in the staging tree."""

    files: dict[str, Entry]
    written: list[str]
    errors: list[MatineeError]  # the layouts'
    assets: dict[str, Entry]
    assets_written: list[str]
    unreadable: list[MatineeError]  # assets that are gone


def _stage_share(
    outputs: Outputs,
    assets: Sequence[Asset],
    staging: Path,
    previous: Manifest,
    made: Iterable[Path],
    share: int,
    shares: int,
    tick: Tick,
) -> _Staged:
    """Render and stage one share of the outputs, then copy (or draw) one share of the assets
    (each file is written by the process that made it); unchanged bytes are not written."""
    writer = _Writer(staging, made)
    files: dict[str, Entry] = {}
    errors: list[MatineeError] = []
    try:
        for output in outputs.render(share, shares):
            _stage_output(output, writer, files, previous)
            if output.body is not None:
                tick()
    except ExceptionGroup as group:  # layout errors: the other shares' are wanted too
        errors = [error for error in group.exceptions if isinstance(error, MatineeError)]
    pages = len(writer.written)
    if errors:
        return _Staged(files, writer.written, errors, {}, [], [])
    copied: dict[str, Entry] = {}
    unreadable: list[MatineeError] = []
    try:
        for asset in assets[share::shares]:
            if (draw := asset.drawn) is not None:
                _stage_drawn(asset, draw, writer, copied, previous, tick)
            else:
                _stage_asset(asset, writer, copied, previous)
    except MatineeError as error:
        unreadable.append(error)
    return _Staged(files, writer.written[:pages], [], copied, writer.written[pages:], unreadable)


def _prepare(
    staging: Path, outputs: Outputs, assets: Sequence[Asset], incremental: bool, *, checked: bool = False
) -> list[Path]:
    """Check that every output has a path of its own (unless `checked` already), make the
    staging folder and, for a full build (which writes every file), each folder that holds
    folders, once, parents first: each share then makes only the folders of its own files.
    Return the folders made."""
    if checked and incremental:
        staging.mkdir(parents=True, exist_ok=True)  # kept from the last save (commit.clear)
        return []
    folders = _claim_each(chain(outputs.paths(), (asset.rel_out for asset in assets)))
    staging.mkdir(parents=True)
    return [] if incremental else _make_folders(staging, folders)


def _make_folders(staging: Path, folders: Iterable[str]) -> list[Path]:
    """Make, parents first, the folders among `folders` that hold other folders; return them."""
    holding = sorted({folder.rpartition("/")[0] for folder in folders} - {""})  # a parent sorts before its children
    made = [staging / folder for folder in holding]
    for folder in made:
        folder.mkdir()
    return made


def _to_draw(assets: Iterable[Asset], previous: Manifest) -> int:
    """How many of `assets` are drawn (share cards) and not in the output folder yet."""
    return sum(1 for asset in assets if asset.drawn is not None and _drawn_already(asset, previous) is None)


def _kept_assets(assets: Sequence[Asset], previous: Manifest) -> dict[str, Entry]:
    """The entries of `previous` for `assets` it copied or drew, for a caller that vouches they
    did not change (write_tree's `unchanged`)."""
    return {
        asset.rel_out: old
        for asset in assets
        if (old := previous.files.get(asset.rel_out)) is not None and old.key.startswith("asset ")
    }


def _stage_output(output: Output, writer: _Writer, files: dict[str, Entry], previous: Manifest) -> None:
    old = previous.files.get(output.path)
    if output.body is None:
        if old is None:
            raise MatineeError(output.path, None, "was skipped as unchanged but is not in the output folder")
        files[output.path] = Entry(output.key, old.content, old.size, old.mtime_ns, old.searchable)
        return
    content = content_digest(output.body)
    # Lowered and searched as a plain string: 6 us a page, against 21 us for re.IGNORECASE.
    searchable = output.path.endswith(".html") and SEARCH_BODY in output.body.lower()
    if old is not None and old.content == content:
        files[output.path] = Entry(output.key, content, old.size, old.mtime_ns, searchable)
        return
    writer.write(output.path, output.body)
    files[output.path] = Entry(output.key, content, len(output.body), 0, searchable)


def _stage_asset(asset: Asset, writer: _Writer, files: dict[str, Entry], previous: Manifest) -> None:
    """Copy an asset unless the output folder holds its bytes already. It is known by its stat
    (local builds only stat), or by its name and size when the name says what it holds (see
    Asset.named_by_content); failing that, a file of the recorded size is read and its digest
    compared, so a fresh checkout (new mtimes) does not copy every picture again."""
    try:
        stat = asset.path.stat()
        if asset.named_by_content:
            key = f"asset {asset.path.parent.name}/{asset.path.name} {stat.st_size}"
        else:
            key = f"asset {asset.source} {stat.st_size} {stat.st_mtime_ns}"
        old = previous.files.get(asset.rel_out)
        if old is not None and old.key == key:
            files[asset.rel_out] = old
            return
        same_size = old is not None and old.size == stat.st_size and not asset.named_by_content
        if old is not None and same_size and _file_digest(asset.path) == old.content:
            files[asset.rel_out] = Entry(key, old.content, old.size, old.mtime_ns, old.searchable)
            return
        content = writer.copy(asset.rel_out, asset.path)
    except OSError as error:
        if error.filename != str(asset.path):
            raise  # writing it failed: write_tree names the output
        # deleted or moved since the build listed it
        raise MatineeError(asset.source, None, f"cannot be read: {error.strerror}") from None
    # An HTML file copied as it is may have a data-pagefind-body: Pagefind is given it to read.
    files[asset.rel_out] = Entry(key, content, stat.st_size, 0, asset.rel_out.endswith(".html"))


def _stage_drawn(
    asset: Asset, draw: Callable[[], bytes], writer: _Writer, files: dict[str, Entry], previous: Manifest, tick: Tick
) -> None:
    """Draw an asset (a share card) with `draw` unless the output folder holds it: its name says what it shows."""
    entry = _drawn_already(asset, previous)
    if entry is None:
        picture = draw()
        writer.write(asset.rel_out, picture)
        entry = Entry(_drawn_key(asset), content_digest(picture), len(picture), 0, False)
        tick()
    files[asset.rel_out] = entry


def _drawn_already(asset: Asset, previous: Manifest) -> Entry | None:
    """The entry of `previous` that holds the drawn `asset`, if any: its path names what it shows."""
    old = previous.files.get(asset.rel_out)
    return old if old is not None and old.key == _drawn_key(asset) else None


def _drawn_key(asset: Asset) -> str:
    return f"asset drawn {asset.rel_out}"


def _file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def _claim(path: str, taken: Container[str]) -> None:
    if path in taken:
        raise MatineeError(path, None, "two outputs would be written to this path; rename one of them")


def _claim_each(paths: Iterable[str]) -> set[str]:
    """Refuse two outputs at one path, and a file at a path another output needs as a folder
    (content/about as a file, and about.md's page about/index.html); return the folders they need."""
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
    return set(folders)


def _refuse_foreign(out_dir: Path, manifest_path: Path) -> None:
    """Refuse to replace a non-empty folder Matinee did not build (it would be deleted)."""
    if not out_dir.exists() or manifest_path.exists() or (out_dir / "index.html").exists():
        return
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        return
    raise MatineeError(str(out_dir), None, "exists, is not empty and was not built by Matinee; choose another --out")
