"""What `serve` keeps in memory between builds, so that a save costs what it changed (I/O).

A one-shot build lists, stats and looks up every source and reads the manifest back from
disk; `serve` already knows all of that from its previous build. The watcher names the files
a burst of saves changed: those alone are statted again and parsed afresh; every other source
keeps its parsed object, and the manifest its in-memory copy. When the watcher cannot say
(the first build, a periodic stat sweep that found a change no event named, a file created,
deleted or renamed), everything is listed and statted again, and reused only where the stat
is unchanged and old enough to vouch for the bytes (content.RACY_NS).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from .config import Config
from .content import RACY_NS, Signature, SourceFile, Sources, find_sources, restat
from .errors import MatineeError
from .images import Images
from .manifest import Manifest
from .parsing import ParsedSource
from .replan import PlanState
from .site import Modelled


@dataclass(slots=True)
class Kept:
    """The state of `serve` between builds: its last sources, their parsed objects, its manifest.

    Mutable on purpose (one object lives as long as the preview); the pipeline reads it at
    the start of a build and updates it only after a build succeeds.
    """

    changed: tuple[str, ...] | None = None  # what the watcher named for this build; None: unknown
    sources: Sources | None = None
    listed_at: int = 0  # time.time_ns() when `sources` were statted
    settings: str = ""  # the parse settings the parsed objects were made with (parsing.settings)
    # rel -> (stat, object) of the files whose stat, when they were parsed, vouched for their bytes
    parsed: dict[str, tuple[Signature, ParsedSource]] = field(default_factory=dict)
    manifest: Manifest | None = None  # the files of the last build, as it wrote them
    layouts_changed: bool = True
    # The model and plan of the last build that succeeded: an edit that keeps each post's place
    # swaps the new posts into that model (swap.swap_posts) and re-plans around them (replan.replan).
    modelled: Modelled | None = None
    plan: PlanState | None = None
    images: Images | None = None  # the last build's images: a swap re-derives only its posts' (images.swap_images)
    _by_rel: dict[str, SourceFile] | None = None  # `sources`' files by path, for named_posts
    _renewed: dict[str, SourceFile] = field(default_factory=dict)  # files named_posts statted, not yet in `sources`

    def take(self) -> tuple[Modelled | None, PlanState | None, Images | None]:
        """Return the last model, plan and images, forgetting them until a build succeeds
        again: a failed build's edits are not in them, so the next build must not start from them."""
        kept = self.modelled, self.plan, self.images
        self.modelled, self.plan, self.images = None, None, None
        return kept

    def named_posts(self, config: Config) -> tuple[SourceFile, ...] | None:
        """The files the watcher named, statted afresh, if each is a post listed before (so
        that the list of sources stands, and nothing else need be looked at); else None."""
        if self.sources is None or not self.changed:
            return None
        if self._by_rel is None:
            self._by_rel = {file.rel: file for file in self.sources.files}
        files = []
        for rel in self.changed:
            file = self._by_rel.get(rel)
            if file is None or file.kind != "post":
                return None
            try:
                files.append(replace(file, signature=restat(file.path, config)))
            except MatineeError:  # gone, or no longer a plain file: list afresh to report it
                return None
        self.listed_at = time.time_ns()
        return tuple(files)

    def note_named(self, files: Collection[SourceFile], items: dict[str, ParsedSource]) -> None:
        """Keep what named_posts statted and the build parsed, as note_parsed does for all."""
        assert self._by_rel is not None
        for file in files:
            self._by_rel[file.rel] = self._renewed[file.rel] = file
            self.parsed.pop(file.rel, None)
            if file.rel in items and self.listed_at - file.signature[1] > RACY_NS:
                self.parsed[file.rel] = (file.signature, items[file.rel])

    def find_sources(self, config: Config) -> Sources:
        """List the sources: from the last list, restatting only the files the watcher named
        when it can; else walk the folders again."""
        if self.sources is not None and self._renewed:  # what named_posts statted since
            renewed, self._renewed = self._renewed, {}
            self.sources = replace(
                self.sources, files=tuple(renewed.get(file.rel, file) for file in self.sources.files)
            )
        self._by_rel = None
        listed = self._restatted(config) if self.sources is not None and self.changed else None
        if listed is None:
            self.listed_at = time.time_ns()
            listed = find_sources(config)
        self.sources = listed
        return listed

    def reusable(self, files: Collection[SourceFile], settings: str) -> dict[str, ParsedSource]:
        """Return rel -> parsed object for the files unchanged since they were parsed: not
        named by the watcher, same stat, and that stat old enough to vouch for the bytes."""
        if settings != self.settings:
            self.parsed.clear()
            self.settings = settings
        named = set(self.changed or ())
        reused: dict[str, ParsedSource] = {}
        for file in files:
            kept = self.parsed.get(file.rel)
            if kept and kept[0] == file.signature and file.rel not in named:
                reused[file.rel] = kept[1]
        return reused

    def note_parsed(self, files: Collection[SourceFile], items: dict[str, ParsedSource]) -> None:
        """Keep the parsed objects of `files` for the next build: those reused, and those
        parsed now whose stat is old enough to vouch for the bytes read (content.RACY_NS; a
        file written in the same clock tick as it was read may change with its stat kept)."""
        kept = self.parsed
        self.parsed = {
            file.rel: (file.signature, items[file.rel])
            for file in files
            if file.rel in items
            and (
                (file.rel in kept and kept[file.rel][1] is items[file.rel])
                or self.listed_at - file.signature[1] > RACY_NS
            )
        }

    def _restatted(self, config: Config) -> Sources | None:
        """The last list with the named files' stats renewed; None if the list itself may have
        changed (a file added, deleted or renamed, a layout or the config edited)."""
        assert self.sources is not None
        files = {file.rel: file for file in self.sources.files}
        assets = {asset.source for asset in self.sources.assets}
        renewed: dict[str, SourceFile] = {}
        for rel in self.changed or ():
            if rel in assets and rel.startswith("content/") and Path(config.source, rel).is_file():
                continue  # copied as it is: write_tree and the images stat it themselves
            if rel not in files:
                return None
            try:
                renewed[rel] = replace(files[rel], signature=restat(files[rel].path, config))
            except MatineeError:  # gone, or no longer a plain file: list afresh to report it
                return None
        self.listed_at = time.time_ns()
        return replace(self.sources, files=tuple(renewed.get(file.rel, file) for file in self.sources.files))
