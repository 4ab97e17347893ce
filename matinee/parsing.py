"""Read and parse every source: cached results first, the rest on all cores when many.

A worker process gets a batch of sources with their front matter already split and any
Markdown the cache knows, and returns the parsed objects, so YAML errors, Markdown and
field checks are spread over the cores. Results and errors come back in source order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from .cache import BuildCache, cache_key, converter, markdown_key
from .config import Config
from .content import Source, SourceFile, Sources, load_source, parse_page, parse_post, read_front_matter
from .errors import MatineeError, flatten, raise_all
from .fanout import cores, process_pool, trim_heap
from .films import parse_film
from .frontmatter import FrontMatter
from .leftovers import find_foreign_markup
from .model import Asset, Author, Film, Page, Person, Post, unpack_html
from .people import parse_person
from .progress import Progress, silent
from .writers import parse_author

PARALLEL_FROM = 100  # uncached sources; below this, starting worker processes costs more than it saves
CHUNK = 1000  # sources read and parsed at a time, so file bytes do not pile up
BATCH = 32  # sources per task sent to a worker

T = TypeVar("T")
ParsedSource = Post | Film | Page | Author | Person  # what one source file parses into


@dataclass(frozen=True, slots=True)
class Parsed:
    """Every source file that could be read as model objects (the sources' bytes are not
    kept), and the mistakes of those that could not."""

    posts: list[Post]
    films: list[Film]
    pages: list[Page]
    assets: tuple[Asset, ...]
    errors: tuple[MatineeError, ...] = ()
    authors: tuple[Author, ...] = ()
    people: tuple[Person, ...] = ()
    unreadable: frozenset[str] = frozenset()  # sources with errors: links to them are not broken

    def by_source(self) -> dict[str, ParsedSource]:
        """Return every parsed object by its source."""
        items: list[ParsedSource] = [*self.posts, *self.films, *self.pages, *self.authors, *self.people]
        return {item.source: item for item in items}

    def raise_errors(self) -> None:
        """Raise the sources' mistakes together, if there are any."""
        raise_all(list(self.errors), "some sources could not be read")


@dataclass(frozen=True, slots=True)
class _SourceToParse:
    """One source to parse, with its split front matter and its HTML if the cache had it.

    With no Markdown in the cache to look up by body (a cold build), the worker splits the
    front matter itself: done here, it kept this process busy for 1.6 s at 10,000 posts
    while the workers waited for their share of two cores."""

    source: Source
    front: FrontMatter | None  # None: split by the worker
    markdown_key: str | None  # of its body (cache.markdown_key), when split here
    html: bytes | None  # packed (see model.pack_html)


Result = tuple[ParsedSource | list[MatineeError], str]  # the parsed source or its mistakes, and markdown_key


def parse_settings(config: Config) -> str:
    """Return the settings that shape parsing: a parsed source made with others is stale."""
    return repr((config.permalink, config.taxonomies, config.author, config.rating_scale))


def parse_all(
    sources: Sources,
    config: Config,
    cache: BuildCache,
    progress: Progress = silent,
    reuse: Mapping[str, ParsedSource] | None = None,
    *,
    every: bool = True,
) -> Parsed:
    """Read and parse every source, reusing cached results; the errors of all are in the result.

    `reuse` maps sources known unchanged to their parsed objects (`serve` keeps them: see
    kept.py); they are neither looked up nor read. `every`: `sources` are all the site's, so
    the cache forgets what they no longer use (False: a few named by `serve`'s watcher).
    """
    settings = parse_settings(config)
    errors: list[MatineeError] = list(sources.errors)
    items: list[ParsedSource] = []
    used: list[str] = []
    shared: dict[str, str] = {}
    reuse = reuse or {}
    todo_files = tuple(file for file in sources.files if file.rel not in reuse)
    split_here = cache.holds_markdown()  # else nothing to look up by body: the workers split
    with _Workers() as workers:
        # Each chunk is read and handed to the workers before the last one's results are
        # stored, so that they parse while this process stores (a barrier per chunk left
        # them idle for about a second at 10,000 posts).
        waiting: _Chunk | None = None
        for start in range(0, len(todo_files), CHUNK):
            chunk = _start_chunk(todo_files, start, settings, config, cache, workers, errors, progress, split_here)
            if waiting is not None:
                items += _finish_chunk(waiting, cache, shared, used)
            waiting = chunk
        if waiting is not None:
            items += _finish_chunk(waiting, cache, shared, used)
    if not reuse and every:  # with reused sources, `used` is not all the build uses: prune nothing
        cache.keep_only(used, [file.rel for file in sources.files])
    if reuse:  # in the sources' order, as a full parse gives them
        by_source = {item.source: item for item in items} | dict(reuse)
        items = [by_source[file.rel] for file in sources.files if file.rel in by_source]
    parsed = {item.source for item in items}
    return Parsed(
        posts=[item for item in items if isinstance(item, Post)],
        films=[item for item in items if isinstance(item, Film)],
        pages=[item for item in items if isinstance(item, Page)],
        authors=tuple(item for item in items if isinstance(item, Author)),
        people=tuple(item for item in items if isinstance(item, Person)),
        assets=sources.assets,
        errors=tuple(errors),
        unreadable=frozenset(file.rel for file in sources.files if file.rel not in parsed),
    )


@dataclass(frozen=True, slots=True)
class _Chunk:
    """A chunk of sources in parse_all: those the cache knows, and those handed to the workers."""

    files: tuple[SourceFile, ...]
    keys: dict[str, str]  # source -> its parsed object's cache key
    known: dict[str, ParsedSource]  # cache key -> parsed object, from the cache
    parsing: int  # how many the workers parse
    collect: Callable[[], list[ParsedSource]]  # waits for the workers' results


def _start_chunk(
    todo_files: tuple[SourceFile, ...],
    start: int,
    settings: str,
    config: Config,
    cache: BuildCache,
    workers: _Workers,
    errors: list[MatineeError],
    progress: Progress,
    split_here: bool,
) -> _Chunk:
    """Look the chunk of `todo_files` from `start` up in the cache, read the others and hand them to the workers."""
    files = todo_files[start : start + CHUNK]
    unchanged = cache.unchanged(files)  # source -> fingerprint, without reading the file
    keys = {
        file.rel: cache_key(file.kind, file.rel, unchanged[file.rel], settings)
        for file in files
        if file.rel in unchanged
    }
    known = cache.parsed(list(keys.values()))
    loaded = [
        source for file in files if keys.get(file.rel) not in known and (source := _catch(errors, load_source, file))
    ]
    cache.note_fingerprints(loaded)
    for source in loaded:
        keys[source.rel] = cache_key(source.kind, source.rel, source.fingerprint, settings)
    known |= cache.parsed([keys[source.rel] for source in loaded])
    todo = [source for source in loaded if keys[source.rel] not in known]
    advance = partial(_advance, progress, start + len(files) - len(todo), len(todo_files))
    collect = _parse_fresh(todo, config, cache, workers, errors, advance, split_here=split_here)
    return _Chunk(files, keys, known, len(todo), collect)


def _finish_chunk(chunk: _Chunk, cache: BuildCache, shared: dict[str, str], used: list[str]) -> list[ParsedSource]:
    """Wait for the chunk's parsing, store it, and return the chunk's parsed objects in order."""
    fresh = chunk.collect()
    cache.store_parsed({chunk.keys[item.source]: item for item in fresh})
    by_source = {item.source: item for item in fresh} | {
        rel: chunk.known[key] for rel, key in chunk.keys.items() if key in chunk.known
    }
    used += chunk.keys.values()
    items = [share_strings(by_source[file.rel], shared) for file in chunk.files if file.rel in by_source]
    if chunk.parsing >= PARALLEL_FROM:  # many parsed: give the freed heap back (~10 ms, not for a save)
        trim_heap()
    return items


def share_strings(item: T, shared: dict[str, str]) -> T:
    """Make the strings sources repeat one object each, `shared` holding the first of each:
    front matter keys, taxonomies, term names, layouts and bylines. Each source comes out of
    a pickle (a worker's result, the cache) with copies of its own: 10,000 posts held about
    217,000 of them, 8 MB of a cold build's peak memory. The item is fresh from its pickle,
    seen by nothing else yet, so it is changed in place."""
    one = shared.setdefault
    if (lines := getattr(item, "lines", None)) is not None:
        object.__setattr__(item, "lines", {one(key, key): line for key, line in lines.items()})
    if isinstance(item, Post):
        terms = {one(kind, kind): tuple(one(name, name) for name in names) for kind, names in item.terms.items()}
        object.__setattr__(item, "terms", terms)
        object.__setattr__(item, "layout", one(item.layout, item.layout))
        object.__setattr__(item, "authors", tuple(one(name, name) for name in item.authors))
        if item.author is not None:
            object.__setattr__(item, "author", one(item.author, item.author))
    return item


def _parse_fresh(
    todo: list[Source],
    config: Config,
    cache: BuildCache,
    workers: _Workers,
    errors: list[MatineeError],
    progress: Callable[[int], None],
    *,
    split_here: bool,
) -> Callable[[], list[ParsedSource]]:
    """Hand the sources the cache does not know to the workers (their Markdown may still be
    cached); return what waits for the parsed objects, storing the Markdown converted.

    Batches are handed to the workers as they are split from their front matter, so the
    workers start on the first while this process splits the next; unless `split_here` is
    false (no Markdown was cached when the build began): then the workers split them.
    """
    sent: list[list[_SourceToParse]] = []
    batches = _batches(todo, cache, errors, sent, split_here)
    results = workers.map_for(len(todo))(partial(parse_batch, config=config), batches)  # a pool starts now

    def collect() -> list[ParsedSource]:
        fresh: list[ParsedSource] = []
        converted: dict[str, bytes] = {}
        parsed = 0
        for index, batch_results in enumerate(results):
            batch = sent[index]  # split before its results came back
            parsed += len(batch)
            progress(parsed)
            for job, (result, key) in zip(batch, batch_results, strict=True):
                if isinstance(result, list):
                    errors.extend(result)
                    continue
                fresh.append(result)
                if job.html is None:
                    converted[key] = result.body
        cache.store_markdown(converted)
        return fresh

    return collect


def _batches(
    todo: list[Source], cache: BuildCache, errors: list[MatineeError], sent: list[list[_SourceToParse]], split: bool
) -> Iterator[list[_SourceToParse]]:
    """Yield the sources in batches to parse, noting each batch in `sent` as it goes: with
    their front matter split here when `split` (see _split), else as they are."""
    for start in range(0, len(todo), BATCH):
        sources = todo[start : start + BATCH]
        batch = (
            _split(sources, cache, errors)
            if split
            else [_SourceToParse(source, None, None, None) for source in sources]
        )
        if batch:
            sent.append(batch)
            yield batch


def _split(sources: list[Source], cache: BuildCache, errors: list[MatineeError]) -> list[_SourceToParse]:
    """The sources with their front matter split and their cached HTML if any; each that
    cannot be split goes to `errors` instead."""
    fronts = {source.rel: front for source in sources if (front := _catch(errors, read_front_matter, source))}
    keys = {rel: markdown_key(front.body) for rel, front in fronts.items()}
    html = cache.known_markdown(list(keys.values()))
    return [
        _SourceToParse(source, fronts[source.rel], keys[source.rel], html.get(keys[source.rel]))
        for source in sources
        if source.rel in fronts
    ]


def parse_batch(batch: list[_SourceToParse], config: Config) -> list[Result]:
    """Parse a batch of sources (module-level, so worker processes can run it); a source
    with mistakes gives the list of them."""
    return [_parse_one(job, config) for job in batch]


def _parse_one(job: _SourceToParse, config: Config) -> Result:
    source, front, key = job.source, job.front, job.markdown_key
    if front is None or key is None:
        try:
            front = read_front_matter(source)
        except MatineeError as error:
            return [error], ""
        key = markdown_key(front.body)
    return _parsed(source, front, job.html, config), key


def _parsed(
    source: Source, front: FrontMatter, packed: bytes | None, config: Config
) -> ParsedSource | list[MatineeError]:
    html = unpack_html(packed) if packed is not None else converter().convert(front.body)
    foreign = [
        MatineeError(source.rel, line, message) for line, message in find_foreign_markup(front.body, front.body_line)
    ]
    try:
        if source.kind == "post":
            parsed: ParsedSource = parse_post(source, front, html, config)
        elif source.kind == "film":
            parsed = parse_film(source.rel, source.fingerprint, front, html)
        elif source.kind == "author":
            parsed = parse_author(source.rel, source.fingerprint, front, html)
        elif source.kind == "person":
            parsed = parse_person(source.rel, source.fingerprint, front, html)
        else:
            parsed = parse_page(source, front, html)
    except (MatineeError, ExceptionGroup) as error:
        return flatten(error) + foreign
    return foreign or parsed


def _advance(progress: Progress, before: int, total: int, parsed: int) -> None:
    progress("Reading sources", before + parsed, total)


def _catch(errors: list[MatineeError], function: Callable[..., T], *args: object) -> T | None:
    """Call `function`; on a MatineeError, note it and return None, so every file gets checked."""
    try:
        return function(*args)
    except MatineeError as error:
        errors.append(error)
        return None


class _Workers:
    """Worker processes, started on first need (early, while this process is still small)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def map_for(self, work: int) -> Callable[..., Iterator[list[Result]]]:
        """Return `map`, or the pool's map when there is enough to parse (or a pool already)."""
        workers = cores()
        if workers < 2 or (work < PARALLEL_FROM and self._pool is None) or work < BATCH:
            return map
        if self._pool is None:
            self._pool = process_pool(workers)
        return self._pool.map

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool:
            self._pool.shutdown(cancel_futures=True)
