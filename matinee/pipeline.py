"""The build, one way and on one screen: load -> parse -> model -> images -> plan -> render -> write."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import jinja2

from .cache import BuildCache
from .config import Config
from .content import Sources, find_sources
from .errors import MatineeError, flatten, grouped
from .images import Images, Swapped, prepare_images, swap_images
from .kept import Kept
from .layouts import Usage, layout_usage, make_env, read_layouts
from .manifest import Manifest, manifest_path, read_manifest, record_files
from .memo import digest
from .model import Site
from .parsing import Parsed, parse_all, parse_settings
from .picture import lookup_for
from .plan import plan_site
from .progress import Progress, silent
from .render import render_plan
from .replan import replan
from .search import index_search
from .site import Modelled, model_site
from .snapshot import needs_planning, resume
from .snapshot import save as save_snapshot
from .stamp import Inputs, drop_stamp, record_build, stamp_path
from .swap import swap_posts
from .write import Written, render_errors, write_tree


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
    touched: tuple[str, ...] = field(default=(), repr=False)  # output paths written or deleted
    scheduled: int = 0  # posts left out because they are dated in the future
    next_scheduled: datetime | None = None  # when the first of them goes live


@dataclass(frozen=True, slots=True)
class Loaded:
    """The model of every source that could be read, and the mistakes found on the way."""

    site: Site
    errors: tuple[MatineeError, ...]
    modelled: Modelled | None = None  # the model as `serve` keeps it (None outside serve)
    swapped: frozenset[str] | None = None  # the posts swapped into the last model; None: modelled afresh


def read_site(
    config: Config,
    *,
    now: datetime,
    cache: BuildCache,
    progress: Progress = silent,
    kept: Kept | None = None,
    previous: Modelled | None = None,
) -> Loaded:
    """Load, parse and model the site; what could be read is modelled, so the later stages
    find their mistakes too (a bad date in one post hides no broken link in another).

    `kept`, serve's state between builds, lists and parses only what its watcher says changed;
    when that is posts that keep their places, they are swapped into `previous`, the last model.
    """
    if kept is not None and (named := _read_named(config, cache, progress, kept, previous, now)) is not None:
        return named
    if kept is None:
        parsed = parse_all(find_sources(config), config, cache, progress)  # 1 load, 2 parse
    else:
        sources = kept.find_sources(config)
        parsed = parse_all(sources, config, cache, progress, kept.reusable(sources.files, parse_settings(config)))
        kept.note_parsed(sources.files, parsed.by_source())
        swapped = _swapped(config, parsed, kept.changed, previous, now)
        if swapped is not None:
            return Loaded(swapped.site, (), swapped, frozenset(kept.changed or ()))
    modelled = model_site(  # 3 model
        config,
        parsed.posts,
        parsed.films,
        parsed.pages,
        parsed.assets,
        now=now,
        memo=cache.remember,
        unreadable=parsed.unreadable,
        authors=parsed.authors,
        people=parsed.people,
    )
    return Loaded(modelled.site, parsed.errors + modelled.errors, modelled)


def _read_named(
    config: Config, cache: BuildCache, progress: Progress, kept: Kept, previous: Modelled | None, now: datetime
) -> Loaded | None:
    """Serve's common case, read at the cost of the save: the watcher named only posts read
    before, each parsed alone and swapped into the last model (swap.swap_posts); None when
    that cannot be (the caller reads as usual, which also reports any mistake)."""
    files = kept.named_posts(config) if previous is not None else None
    if files is None:
        return None
    parsed = parse_all(Sources(files, ()), config, cache, progress, every=False)
    swapped = _swapped(config, parsed, kept.changed, previous, now)
    if swapped is None:
        return None
    kept.note_named(files, parsed.by_source())
    return Loaded(swapped.site, (), swapped, frozenset(kept.changed or ()))


def _swapped(
    config: Config, parsed: Parsed, changed: tuple[str, ...] | None, previous: Modelled | None, now: datetime
) -> Modelled | None:
    """The last model with the changed posts swapped in, if only posts changed, each readable
    and keeping its place (swap.swap_posts); else None."""
    if previous is None or not changed or parsed.errors or parsed.unreadable:
        return None
    named = set(changed)
    posts = [post for post in parsed.posts if post.source in named]
    if len(posts) != len(named):  # a page, film, profile or asset changed too
        return None
    return swap_posts(previous, posts, config, now)


def load_site(config: Config, *, now: datetime, cache: BuildCache, progress: Progress = silent) -> Site:
    """Load, parse and model the site, or raise every mistake: the first steps of `check`."""
    loaded = read_site(config, now=now, cache=cache, progress=progress)
    if not loaded.errors:
        return loaded.site
    # With the layouts' syntax errors, so that one run shows every mistake.
    raise grouped([*loaded.errors, *_layout_errors(config)], "the sources have errors")


def _layout_errors(config: Config) -> list[MatineeError]:
    """Return the syntax errors of the layouts (reading them is otherwise left to the render)."""
    env = make_env(config.layouts_dir, config.cache_dir)
    try:
        return list(layout_usage(env, read_layouts(env)).errors)
    except ExceptionGroup as errors:  # a layout that is not UTF-8
        return flatten(errors)


def build(
    config: Config,
    *,
    now: datetime,
    cache: BuildCache,
    search: bool = False,
    progress: Progress = silent,
    inputs: Inputs | None = None,
    kept: Kept | None = None,
) -> Report:
    """Build config.source into config.out_dir, or raise without touching config.out_dir.

    `search` also makes the search index (`matinee build` does; `serve` rebuilds do not);
    `progress` hears how long stages (reading, images, rendering) advance.
    `inputs`, the inputs as scanned before the build (stamp.scan_inputs), is saved as
    the stamp that lets a later `matinee build` skip a run if they do not change (see
    stamp.py). Without it the stamp is dropped: `serve` builds for its own address, which
    no later `build` shares. `kept` is what `serve` keeps between its builds (kept.py); a
    one-shot build (`inputs`, no `kept`) starts from what the last one saved (snapshot.py).
    """
    started = time.perf_counter()
    if inputs is None:
        drop_stamp(stamp_path(config))
    # A one-shot build starts from the state the last one saved, as serve from what it kept.
    resumed = resume(config, inputs) if kept is None and inputs is not None else None
    kept = resumed or kept
    last_model, last_plan, last_images = kept.take() if kept is not None else (None, None, None)
    loaded = read_site(config, now=now, cache=cache, progress=progress, kept=kept, previous=last_model)  # 1-3
    site = loaded.site
    images, moved = _images(config, site, loaded, last_model, last_images, progress)  # 4 variants and sizes
    previous = _previous(config, kept)  # what is built already
    errors = [*loaded.errors, *images.errors]  # every stage's, raised once before anything is written
    env, usage = _layouts(config, cache, errors)  # 5 layouts: parsed for what each reads
    lookup = lookup_for(images.infos, config.base_path)
    # 6 plan: every output's memo key; serve re-plans only around the posts swapped into its model
    plan = replan(site, env, usage, lookup, cache.digest, last_plan, loaded.swapped) if kept is not None else None
    if resumed is not None and plan is not None and needs_planning(plan, previous.files):  # a saved plan cannot render
        plan = replan(site, env, usage, lookup, cache.digest, None, None)
    planned = plan.planned if plan is not None else plan_site(site, env, usage, lookup, cache.digest)
    # A re-plan keeps the last build's paths and assets: only the outputs planned afresh are looked at.
    fresh = plan.fresh if plan is not None and previous.files and config.out_dir.is_dir() else None
    rendering = render_plan(site, env, lookup, planned if fresh is None else fresh, previous.keys())  # 7 render
    errors += usage.errors
    if errors:  # the pages are still rendered (not written) for the layouts' errors
        raise grouped(_once([*errors, *render_errors(rendering, progress)]), "the site has errors")
    # 7-8 render and write: write_tree forks a worker per core when many pages changed, and each
    # renders its share (Rendering.render) and stages the bytes itself; rendering in the parent
    # first would pickle every page back across the processes, which costs more than it renders.
    moved = moved if fresh is not None else None  # with the outputs re-planned, the assets added and gone
    written = write_tree(
        rendering,
        moved.added if moved is not None else site.assets + images.assets,
        config.out_dir,
        manifest_path(config),
        previous,
        progress,
        unchanged=fresh is not None,
        gone=moved.gone if moved is not None else None,
    )
    if kept is not None:
        kept.manifest, kept.modelled, kept.plan = written.manifest, loaded.modelled, plan
        kept.images = images
    if resumed is not None and inputs is not None:
        save_snapshot(config, resumed, inputs, loaded.swapped)  # for the next one-shot build
    index = index_search(config.out_dir, written.manifest.searchable()) if search else ()  # 9 search index
    files = record_files(index, config.out_dir, manifest_path(config)) if index else written.files
    report = _report(site, written, files, time.perf_counter() - started)
    if inputs is not None:  # 10 record: a later build with the same inputs is skipped
        valid_until = now if usage.uses_now else site.valid_until  # a layout showing the time is never current
        record_build(config, inputs.state, report, valid_until=valid_until, search=search)
    return report


def _images(
    config: Config,
    site: Site,
    loaded: Loaded,
    last_model: Modelled | None,
    last: Images | None,
    progress: Progress,
) -> tuple[Images, Swapped | None]:
    """The images the site shows: serve's last ones when only posts were swapped in that show
    the same pictures (images.swap_images), else found and made afresh (prepare_images)."""
    if last is not None and last_model is not None and loaded.swapped:
        moved = swap_images(last, last_model.site, site, loaded.swapped)
        if moved is not None:
            return moved.images, moved
    return prepare_images(site, config.cache_dir, progress), None


def _previous(config: Config, kept: Kept | None) -> Manifest:
    """The files built already: as `serve` wrote them last, unless a stat sweep found a change
    no event named (then, as for a one-shot build, as they are on disk)."""
    if kept is not None and kept.manifest is not None and kept.changed:
        return kept.manifest
    return read_manifest(config.out_dir, manifest_path(config))


def _layouts(config: Config, cache: BuildCache, errors: list[MatineeError]) -> tuple[jinja2.Environment, Usage]:
    """Return the layouts' environment and what each layout reads; a layout that is not UTF-8
    stops the build here, with `errors`: no page can be rendered to check."""
    env = make_env(config.layouts_dir, config.cache_dir)
    try:
        layouts = read_layouts(env)
    except ExceptionGroup as group:
        raise grouped([*errors, *flatten(group)], "the site has errors") from None
    return env, cache.remember("layouts", digest(layouts), partial(layout_usage, env, layouts))  # parsing is costly


def _report(site: Site, written: Written, files: int, seconds: float) -> Report:
    counts = {taxonomy.name: len(taxonomy.terms) for taxonomy in site.taxonomies}
    return Report(
        files=files,
        changed=len(written.written),
        posts=len(site.posts),
        tags=counts.get("tags", 0),
        films=counts.get("films", 0),
        people=counts.get("people", 0),
        seconds=seconds,
        touched=written.written + written.deleted,
        scheduled=len(site.scheduled),
        next_scheduled=min(site.scheduled, default=None),
    )


def _once(errors: list[MatineeError]) -> list[MatineeError]:
    """Drop repeats: a layout's syntax error is found by parsing it and by each page using it."""
    return list({str(error): error for error in errors}.values())
