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
from .content import Source, Sources, find_sources, load_source, parse_page, parse_post, read_front_matter
from .films import parse_film
from .errors import MatineeError
from .frontmatter import FrontMatter
from .images import prepare_images
from .model import Asset, Film, Page, Post, Site
from .memo import digest
from .render import layout_usage, make_env, read_layouts, render_site
from .search import index_search
from .site import assemble
from .stamp import input_state, save_stamp, stamp_path
from .write import manifest_path, read_manifest, write_tree

PARALLEL_FROM = 150  # uncached posts; below this, starting worker processes costs more than it saves
CHUNK = 1000  # sources read and parsed at a time

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


def load_site(config: Config, *, now: datetime, cache: BuildCache) -> Site:
    """Load, parse and model the site: the first steps of every build, and of `check`."""
    parsed = parse_all(find_sources(config), config, cache)                            # 1 load, 2 parse
    return assemble(config, parsed.posts, parsed.films, parsed.pages, parsed.assets, now=now)  # 3 model


def build(config: Config, *, now: datetime, cache: BuildCache, search: bool = False) -> Report:
    """Build config.source into config.out_dir, or raise without touching config.out_dir.

    `search` also makes the search index (`matinee build` does; `serve` rebuilds do not).
    The stamp saved at the end lets `matinee build` skip a run whose inputs did not change
    (see stamp.py); it is checked before this module and its libraries are imported.
    """
    started = time.perf_counter()
    inputs = input_state(config)                                                       # 0 note inputs
    site = load_site(config, now=now, cache=cache)                                     # 1-3 load, parse, model
    images = prepare_images(site, config.cache_dir)                                    # 3b image variants
    previous = read_manifest(config.out_dir, manifest_path(config))                    # what is built
    env = make_env(config.layouts_dir, config.cache_dir)
    layouts = read_layouts(env)
    usage = cache.remember(digest(layouts), partial(layout_usage, env, layouts))  # parsing is costly
    outputs = render_site(site, env, usage, previous.keys(), images.infos)             # 4 render
    written = write_tree(outputs, site.assets + images.assets, config.out_dir, manifest_path(config), previous)  # 5 write
    if search:
        index_search(config.out_dir)                                                   # 5b search index
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
    inputs = inputs if search else f"{inputs} without a search index"  # a later `build` must make one
    save_stamp(stamp_path(config), inputs, report, valid_until)                        # 6 remember
    return report


@dataclass(frozen=True, slots=True)
class Parsed:
    """Every source file as model objects (the sources' bytes are not kept)."""

    posts: list[Post]
    films: list[Film]
    pages: list[Page]
    assets: tuple[Asset, ...]


def parse_all(sources: Sources, config: Config, cache: BuildCache) -> Parsed:
    """Read and parse every source, reusing cached results; raise all errors together.

    Sources go through in chunks so that only the parsed objects pile up, not file bytes.
    """
    settings = repr((config.permalink, config.taxonomies, config.author))
    errors: list[MatineeError] = []
    items: list[Post | Film | Page] = []
    with _Workers() as workers:
        for start in range(0, len(sources.files), CHUNK):
            loaded = [source for file in sources.files[start : start + CHUNK] if (source := _catch(errors, load_source, file))]
            keys = {source.rel: cache_key(source.kind, source.rel, source.fingerprint, settings) for source in loaded}
            known = cache.parsed(list(keys.values()))
            fresh = _parse_fresh([source for source in loaded if keys[source.rel] not in known], config, cache, workers, errors)
            cache.store_parsed({keys[item.source]: item for item in fresh})
            by_source = {item.source: item for item in fresh} | {rel: known[key] for rel, key in keys.items() if key in known}
            items += [by_source[source.rel] for source in loaded if source.rel in by_source]
    if errors:
        raise ExceptionGroup("some sources could not be read", errors)
    return Parsed(
        posts=[item for item in items if isinstance(item, Post)],
        films=[item for item in items if isinstance(item, Film)],
        pages=[item for item in items if isinstance(item, Page)],
        assets=sources.assets,
    )


def _parse_fresh(todo: list[Source], config: Config, cache: BuildCache, workers: _Workers, errors: list[MatineeError]) -> list[Post | Film | Page]:
    """Parse sources the cache does not know, converting their Markdown in parallel when many."""
    fronts = {source.rel: front for source in todo if (front := _catch(errors, read_front_matter, source))}
    bodies = [front.body for front in fronts.values()]
    html = dict(zip(fronts, cache.convert_all(bodies, workers.map_for(len(bodies))), strict=True))
    parsers: dict[str, Callable[[Source, FrontMatter, str], Post | Film | Page]] = {
        "post": partial(parse_post, config=config),
        "film": lambda source, front, html: parse_film(source.rel, source.fingerprint, front, html),
        "page": parse_page,
    }
    fresh = [_catch(errors, parsers[source.kind], source, fronts[source.rel], html[source.rel]) for source in todo if source.rel in fronts]
    return [item for item in fresh if item is not None]


def _catch(errors: list[MatineeError], function: Callable[..., T], *args: object) -> T | None:
    """Call `function`; on a MatineeError, note it and return None, so every file gets checked."""
    try:
        return function(*args)
    except MatineeError as error:
        errors.append(error)
        return None


class _Workers:
    """Worker processes for Markdown, started on first need (early, while this process is small)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def map_for(self, work: int) -> MapFunction:
        """Return `map`, or the pool's map when there is enough Markdown to convert."""
        workers = os.cpu_count() or 1
        if work < PARALLEL_FROM or workers < 2:
            return map
        if self._pool is None:
            self._pool = ProcessPoolExecutor(workers)
        return self._pool.map

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool:
            self._pool.shutdown(cancel_futures=True)
