"""The build, one way and on one screen: load -> parse -> model -> render -> write."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from datetime import datetime
from typing import TypeVar

from .cache import MapFunction, MarkdownCache
from .config import Config
from .content import Source, Sources, find_sources, parse_film, parse_page, parse_post, read_front_matter
from .errors import MatineeError
from .frontmatter import FrontMatter
from .model import Film, Page, Post
from .render import make_env, render_site
from .site import assemble
from .write import read_manifest, write_tree

PARALLEL_FROM = 150  # uncached posts; below this, starting worker processes costs more than it saves

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Report:
    """What one build made, for the CLI's summary line."""

    files: int
    changed: int
    posts: int
    tags: int
    films: int
    people: int
    seconds: float


def build(config: Config, *, now: datetime, cache: MarkdownCache) -> Report:
    """Build config.source into config.out_dir, or raise without touching config.out_dir."""
    started = time.perf_counter()
    sources = find_sources(config)                                                     # 1 load
    parsed = parse_all(sources, config, cache)                                         # 2 parse
    site = assemble(config, parsed.posts, parsed.films, parsed.pages, sources.assets, now=now)  # 3 model
    previous = read_manifest(config.out_dir, manifest_path(config))                    # what is built
    outputs = render_site(site, make_env(config.layouts_dir), previous.keys())         # 4 render
    written = write_tree(outputs, site.assets, config.out_dir, manifest_path(config), previous)  # 5 write
    counts = {taxonomy.name: len(taxonomy.terms) for taxonomy in site.taxonomies}
    return Report(
        files=written.files,
        changed=written.changed,
        posts=len(site.posts),
        tags=counts.get("tags", 0),
        films=counts.get("films", 0),
        people=counts.get("people", 0),
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True, slots=True)
class Parsed:
    """Every source file as model objects."""

    posts: list[Post]
    films: list[Film]
    pages: list[Page]


def parse_all(sources: Sources, config: Config, cache: MarkdownCache) -> Parsed:
    """Parse every source, converting Markdown through the cache; raise all errors together."""
    errors: list[MatineeError] = []
    fronts = {
        source.rel: front
        for source in (*sources.posts, *sources.films, *sources.pages)
        if (front := _catch(errors, read_front_matter, source))
    }
    bodies = [front.body for front in fronts.values()]
    with _mapper(cache.misses(bodies)) as map_function:
        html = dict(zip(fronts, cache.convert_all(bodies, map_function), strict=True))

    def each(group: Sequence[Source], parse: Callable[[Source, FrontMatter, str], T]) -> list[T]:
        parsed = (_catch(errors, parse, source, fronts[source.rel], html[source.rel]) for source in group if source.rel in fronts)
        return [item for item in parsed if item is not None]

    parsed = Parsed(
        posts=each(sources.posts, partial(parse_post, config=config)),
        films=each(sources.films, parse_film),
        pages=each(sources.pages, parse_page),
    )
    if errors:
        raise ExceptionGroup("some sources could not be read", errors)
    return parsed


def _catch(errors: list[MatineeError], function: Callable[..., T], *args: object) -> T | None:
    """Call `function`; on a MatineeError, note it and return None, so every file gets checked."""
    try:
        return function(*args)
    except MatineeError as error:
        errors.append(error)
        return None


class _mapper:
    """`map`, or a process pool's map when there is enough Markdown to convert."""

    def __init__(self, work: int) -> None:
        workers = os.cpu_count() or 1
        self._pool = ProcessPoolExecutor(workers) if work >= PARALLEL_FROM and workers > 1 else None

    def __enter__(self) -> MapFunction:
        return self._pool.map if self._pool else map  # type: ignore[return-value]

    def __exit__(self, *exc: object) -> None:
        if self._pool:
            self._pool.shutdown()


def manifest_path(config: Config) -> Path:
    """Where the list of the last build's files is kept, one per output folder."""
    tag = hashlib.blake2b(str(config.out_dir.resolve()).encode(), digest_size=6).hexdigest()
    return config.cache_dir / f"outputs-{tag}.json"
