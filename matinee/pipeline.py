"""The build, one way and on one screen: load -> parse -> model -> render -> write."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from datetime import datetime
from typing import TypeVar

from .cache import BuildCache, MapFunction, cache_key
from .config import Config
from .content import Source, Sources, find_sources, parse_film, parse_page, parse_post, read_front_matter
from .errors import MatineeError
from .frontmatter import FrontMatter
from .model import Film, Page, Post
from .render import layout_usage, make_env, render_site
from .site import assemble
from .stamp import input_state, save_stamp, stamp_path
from .write import manifest_path, read_manifest, write_tree

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


def build(config: Config, *, now: datetime, cache: BuildCache) -> Report:
    """Build config.source into config.out_dir, or raise without touching config.out_dir.

    The stamp saved at the end lets `matinee build` skip a run whose inputs did not change
    (see stamp.py); it is checked before this module and its libraries are imported.
    """
    started = time.perf_counter()
    inputs = input_state(config)                                                       # 0 note inputs
    sources = find_sources(config)                                                     # 1 load
    parsed = parse_all(sources, config, cache)                                         # 2 parse
    site = assemble(config, parsed.posts, parsed.films, parsed.pages, sources.assets, now=now)  # 3 model
    previous = read_manifest(config.out_dir, manifest_path(config))                    # what is built
    env = make_env(config.layouts_dir)
    usage = layout_usage(env)
    outputs = render_site(site, env, usage, previous.keys())                           # 4 render
    written = write_tree(outputs, site.assets, config.out_dir, manifest_path(config), previous)  # 5 write
    counts = {taxonomy.name: len(taxonomy.terms) for taxonomy in site.taxonomies}
    report = Report(
        files=written.files,
        changed=written.changed,
        posts=len(site.posts),
        tags=counts.get("tags", 0),
        films=counts.get("films", 0),
        people=counts.get("people", 0),
        seconds=time.perf_counter() - started,
    )
    valid_until = now if usage.uses_now else site.valid_until  # a layout showing the time is never current
    save_stamp(stamp_path(config), inputs, report, valid_until)                        # 6 remember
    return report


@dataclass(frozen=True, slots=True)
class Parsed:
    """Every source file as model objects."""

    posts: list[Post]
    films: list[Film]
    pages: list[Page]


def parse_all(sources: Sources, config: Config, cache: BuildCache) -> Parsed:
    """Parse every source, reusing cached results; raise all errors together."""
    kinds = {"post": sources.posts, "film": sources.films, "page": sources.pages}
    settings = repr((config.permalink, config.taxonomies, config.author))
    keys = {source.rel: cache_key(kind, source.rel, source.fingerprint, settings) for kind, group in kinds.items() for source in group}
    known = cache.parsed(list(keys.values()))
    todo = {kind: [source for source in group if keys[source.rel] not in known] for kind, group in kinds.items()}
    fresh, errors = _parse_fresh(todo, config, cache)
    cache.store_parsed({keys[item.source]: item for item in fresh})
    if errors:
        raise ExceptionGroup("some sources could not be read", errors)
    parsed = {keys[item.source]: item for item in fresh} | known
    posts, films, pages = ([parsed[keys[source.rel]] for source in group] for group in kinds.values())
    return Parsed(posts, films, pages)


def _parse_fresh(todo: dict[str, list[Source]], config: Config, cache: BuildCache) -> tuple[list[Post | Film | Page], list[MatineeError]]:
    """Parse sources the cache does not know, converting their Markdown in parallel when many."""
    errors: list[MatineeError] = []
    fronts = {source.rel: front for group in todo.values() for source in group if (front := _catch(errors, read_front_matter, source))}
    bodies = [front.body for front in fronts.values()]
    with _mapper(len(bodies)) as map_function:
        html = dict(zip(fronts, cache.convert_all(bodies, map_function), strict=True))
    parsers: dict[str, Callable[[Source, FrontMatter, str], Post | Film | Page]] = {
        "post": partial(parse_post, config=config),
        "film": parse_film,
        "page": parse_page,
    }
    fresh = [
        _catch(errors, parsers[kind], source, fronts[source.rel], html[source.rel])
        for kind, group in todo.items()
        for source in group
        if source.rel in fronts
    ]
    return [item for item in fresh if item is not None], errors


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
