"""What a one-shot `build` leaves for the next: serve's kept state, on disk (I/O).

Without it, `matinee build` after one edit lists, looks up and unpickles every source, models
the whole site and plans every output again. Instead, after a build the state `serve` keeps
in memory between builds (kept.py: the sources, each parsed, the model, the plan) is saved in
one file beside the manifest, with the stat of every input file as the no-change check
scanned them before the build (stamp.scan_inputs). The next build compares that scan with its
own and takes serve's path from there, as if its watcher had named the files that differ:
only those are statted again and parsed; posts edited in place are swapped into the saved
model (swap.py) and only the outputs that can show them are planned again (replan.py); any
other change models the site afresh, from the saved parsed objects of the other files.

A saved state stays valid as the sources move on: the next build compares with the scan it
was saved with, however old. So a build that took the swap path does not save it again (it
would cost more than the build) until DRIFT files differ from it. The plan is saved as
paths and keys, without the means to render: a saved output that must be rendered again
(its built file was changed or deleted) makes the build plan every output (needs_planning).

The parsed objects are pickled first, BATCH at a time, then the scan, the sources, the model
with the plan, and the plan's outputs, a pickle each, referring to each parsed object by its
source: a pickler remembers every object it saved until it is done, and one pickle of it all
made a cold build of 10,000 posts peak 28 MiB higher (6 MiB now).

The file is written whole under a temporary name and renamed, carries a checksum of itself,
and is ignored when it cannot be read or when Matinee's code or the config differ from the
build that wrote it: it only saves time. The layouts are not part of its key: their digest
is in the plan's base key, so an edited layout plans every output again, as in `serve`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import zlib
from collections.abc import Callable, Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from . import code_digest
from .config import Config
from .content import IGNORED, RACY_NS, Signature, Sources
from .fanout import trim_heap
from .kept import Kept
from .manifest import Entry, manifest_path
from .memo import Planned
from .parsing import ParsedSource
from .replan import PlanState
from .site import Modelled
from .stamp import Inputs

FORMAT = b"matinee kept state 2\n"
DIGEST_SIZE = 16
T = TypeVar("T")
BATCH = 500  # parsed sources a pickle: the memo of one holding them all cost 12 MiB at 10,000 posts
DRIFT = 50  # input files changed since the saved state before a build on the swap path saves it again


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The state of the last build that saved one, as it reads back."""

    inputs: Inputs  # its inputs as scanned before it read them (stamp.scan_inputs)
    sources: Sources  # as listed
    settings: str  # parsing.parse_settings of the parsed objects
    parsed: dict[str, tuple[Signature, ParsedSource]]  # rel -> the stat that vouches for it, its object
    modelled: Modelled
    plan: PlanState  # its outputs are paths and keys only (see _unkept)


def snapshot_path(config: Config) -> Path:
    """Where the saved state of the last build is kept, one per output folder."""
    return manifest_path(config).with_suffix(".kept")


def resume(config: Config, inputs: Inputs) -> Kept:
    """Return the state to build from: the saved one, naming the files whose stat differs
    between its scan of the inputs and `inputs` (this build's); else a fresh one (no saved
    state, or one of other code or config). Nothing is listed: the scan says what changed."""
    saved = _load(snapshot_path(config), _key(config))
    if saved is None:
        return Kept()
    return Kept(
        changed=_changed(saved.inputs, inputs),
        sources=saved.sources,
        settings=saved.settings,
        parsed=saved.parsed,
        modelled=saved.modelled,
        plan=saved.plan,
    )


def save(config: Config, kept: Kept, inputs: Inputs, swapped: Collection[str] | None) -> None:
    """Save `kept`, as a build that succeeded left it, with the scan of its `inputs`, for the
    next one-shot build; not after a build on the swap path (`swapped`: the posts it swapped
    in) while the saved state is still near enough (DRIFT). Failing only costs time later."""
    if swapped is not None and len(kept.changed or ()) <= DRIFT:
        return
    path = snapshot_path(config)
    if kept.sources is None or kept.modelled is None or kept.plan is None:
        _drop(path)
        return
    plan = kept.plan
    unplanned = replace(plan, planned=(), index={}, fresh=None)  # saved as paths and keys below
    parts = (inputs, kept.sources, (kept.settings, kept.modelled, unplanned))  # a pickle each, after the parsed
    # One string for all the outputs, not three objects for each, each an entry in the memo.
    outputs = "\0".join(part for item in plan.planned for part in (item.path, item.key))
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    trim_heap()  # the build's freed heap first, so that the pickles' memos reuse it (-5 MiB of peak)
    try:
        with open(temporary, "wb") as file:
            file.write(FORMAT + _key(config) + bytes(4))  # the checksum, once the payload is written
            summed = _Summed(file)
            pickler = _Pickler(summed, protocol=pickle.HIGHEST_PROTOCOL)
            parsed = list(kept.parsed.items())
            for start in range(0, len(parsed), BATCH):  # a pickle a batch, its memo then cleared
                pickler.dump(parsed[start : start + BATCH])
                pickler.clear_memo()
            pickler.dump([])
            pickler = _Pickler(summed, protocol=pickle.HIGHEST_PROTOCOL, parsed=kept.parsed)
            for part in (*parts, outputs):  # they share no object but the parsed ones
                pickler.dump(part)
                pickler.clear_memo()
            file.seek(len(FORMAT) + DIGEST_SIZE)
            file.write(summed.crc.to_bytes(4, "big"))
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
        _drop(path)


def needs_planning(plan: PlanState, built: Mapping[str, Entry]) -> bool:
    """Whether an output planned from a saved state must be rendered (its built file, in the
    manifest `built`, is missing or was made from other inputs) though it cannot be: the
    saved plan holds keys, not the means to render. Then every output is planned afresh."""
    for item in plan.planned:
        if item.make is _unkept and ((entry := built.get(item.path)) is None or entry.key != item.key):
            return True
    return False


def _unkept() -> bytes:
    """Stands in for the renderer of an output planned by an earlier run (see needs_planning)."""
    raise RuntimeError("an output of a saved plan was rendered; it must be planned first")


def _changed(before: Inputs, now: Inputs) -> tuple[str, ...]:
    """The input files whose stat differs between two scans, or was too recent in the first to
    vouch for their bytes (content.RACY_NS), and those added or gone; not hidden or editor
    files, which no build reads (content.IGNORED)."""
    old, new = before.stats, now.stats
    vouched = before.scanned_at - RACY_NS
    changed = [path for path, stat in new.items() if old.get(path) != stat or stat[1] > vouched]
    changed += [path for path in old if path not in new]
    return tuple(path for path in changed if not any(IGNORED.search(part) for part in path.split("/")))


def _key(config: Config) -> bytes:
    """What a saved state is only valid for: this code, this config (the output folder too)."""
    return hashlib.blake2b(repr((code_digest(), config)).encode("utf-8"), digest_size=DIGEST_SIZE).digest()


def _load(path: Path, key: bytes) -> Snapshot | None:
    """Read a saved state back, or None if there is none, or it is another's, or damaged."""
    head = len(FORMAT) + DIGEST_SIZE + 4
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return None
    if data[: len(FORMAT)] != FORMAT or data[len(FORMAT) : len(FORMAT) + DIGEST_SIZE] != key:
        return None
    payload = memoryview(data)[head:]
    if zlib.crc32(payload).to_bytes(4, "big") != data[head - 4 : head]:  # a damaged file, not a foreign one
        return None
    try:
        stream = io.BytesIO(data)  # shares `data`'s bytes
        stream.seek(head)
        parsed: dict[str, tuple[Signature, ParsedSource]] = {}
        while batch := pickle.load(stream):
            parsed.update(batch)
        inputs, sources, (settings, modelled, plan), outputs = (_Unpickler(stream, parsed).load() for _ in range(4))
        if not isinstance(modelled, Modelled) or not isinstance(plan, PlanState):
            return None
        parts = outputs.split("\0") if outputs else []
        paths, keys = parts[::2], parts[1::2]
        planned = tuple(Planned(path, key, _unkept) for path, key in zip(paths, keys, strict=True))
        index = {path: number for number, path in enumerate(paths)}
        return Snapshot(inputs, sources, settings, parsed, modelled, replace(plan, planned=planned, index=index))
    except Exception:  # noqa: BLE001 - a damaged file, whatever it raises, is ignored
        return None


class _Summed:
    """A file that pickle writes into frame by frame, keeping the CRC-32 of what it wrote: the
    payload is never held whole (41 MB at 10,000 posts, at the end of a cold build: its peak)."""

    def __init__(self, file: BinaryIO) -> None:
        self.file, self.crc = file, 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        return self.file.write(data)


class _Pickler(pickle.Pickler):
    """Pickles Matinee's frozen dataclasses as their class and field values: unpickled through
    dataclasses' own __setstate__, which looks each object's fields up again, 10,000 posts
    and their sources took a third longer to load. Given the `parsed` sources, saved before,
    it refers to each of their objects by its source (see the module's docstring)."""

    def __init__(
        self, file: _Summed, protocol: int, parsed: Mapping[str, tuple[Signature, ParsedSource]] | None = None
    ) -> None:
        super().__init__(file, protocol=protocol)
        self.parsed = parsed or {}

    def reducer_override(self, obj: object) -> Any:
        if isinstance(obj, ParsedSource) and (entry := self.parsed.get(obj.source)) and entry[1] is obj:
            return _parsed_source, (obj.source,)
        names = _field_names(type(obj))
        if names is None:
            return NotImplemented
        return _rebuild, (type(obj), tuple(getattr(obj, name) for name in names))


class _Unpickler(pickle.Unpickler):
    """Reads what _Pickler wrote: a parsed object it referred to by its source is taken from
    `parsed`, read before."""

    def __init__(self, file: BinaryIO, parsed: Mapping[str, tuple[Signature, ParsedSource]]) -> None:
        super().__init__(file)
        self.parsed = parsed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (__name__, _parsed_source.__name__):
            return lambda source: self.parsed[source][1]
        return super().find_class(module, name)


def _parsed_source(source: str) -> ParsedSource:
    """Stands in for a parsed object saved apart, read back as one of _Unpickler's `parsed`."""
    raise RuntimeError(f"{source}: a parsed object saved apart was read without the others")


_FIELDS: dict[type, tuple[str, ...] | None] = {}  # class -> _field_names(class), once per process
_SETTERS: dict[type, tuple[Callable[[object, object], None], ...]] = {}  # class -> _setters(class)


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a dataclass with slots, in order; None for any other class."""
    if cls not in _FIELDS:
        slotted = dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__
        _FIELDS[cls] = tuple(field.name for field in dataclasses.fields(cls)) if slotted else None
    return _FIELDS[cls]


def _setters(cls: type) -> tuple[Callable[[object, object], None], ...]:
    """Each field's slot setter, which a frozen dataclass's own __setattr__ refuses."""
    if cls not in _SETTERS:
        slots = {name: value for klass in reversed(cls.__mro__) for name, value in vars(klass).items()}
        _SETTERS[cls] = tuple(slots[name].__set__ for name in _field_names(cls) or ())
    return _SETTERS[cls]


def _rebuild(cls: type[T], values: tuple[object, ...]) -> T:
    """Make an object of a frozen dataclass from its field values (see _Pickler)."""
    made = cls.__new__(cls)
    for setter, value in zip(_setters(cls), values, strict=True):
        setter(made, value)
    return made


def _drop(path: Path) -> None:
    with suppress(OSError):  # a folder in its place: nothing can be read from it either
        path.unlink(missing_ok=True)
