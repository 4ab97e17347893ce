"""Re-plan only the outputs an edit in place can change, from the plan `serve` kept.

A save that keeps a post in its place (swap.swap_posts) changes what its own page, its
neighbours, the pages relating to it, its terms' pages and feeds and the listings showing it
can show; every other output keeps its planned key. The kept PlanState says where each output
sits in the plan, and the site which posts show a post as related (Site.shown_by).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain

import jinja2

from . import feeds
from .layouts import Usage
from .memo import Digest, Planned
from .model import Site
from .picture import Lookup
from .plan import Planner, image_marks, listed, marks, planner_for
from .urls import slugify


@dataclass(frozen=True, slots=True)
class PlanState:
    """A plan and what it was made from, kept by `serve` so that the next build re-plans only
    the outputs an edit can change (replan)."""

    base: str
    image_keys: Mapping[str, str]
    planned: tuple[Planned, ...]
    index: Mapping[str, int] = field(default_factory=dict)  # output path -> place in `planned`
    replanned: int = 0  # how many outputs this plan computed afresh (all, unless replanned)
    site: Site | None = None  # the site planned
    fresh: tuple[Planned, ...] | None = None  # those outputs, when not all (the others keep their keys)


def plan_state(site: Site, env: jinja2.Environment, usage: Usage, lookup: Lookup, kept_digest: Digest) -> PlanState:
    """Plan every output of `site` (plan_site), with what a later replan needs."""
    image_keys = image_marks(site, lookup)
    planner = planner_for(site, env, usage, lookup, kept_digest, image_keys)
    planned = tuple(planner.everything())
    index = {item.path: number for number, item in enumerate(planned)}
    return PlanState(planner.base, image_keys, planned, index, len(planned), site)


def replan(
    site: Site,
    env: jinja2.Environment,
    usage: Usage,
    lookup: Lookup,
    kept_digest: Digest,
    previous: PlanState | None,
    swapped: Collection[str] | None,
) -> PlanState:
    """Plan `site` again after the posts of `swapped` (sources) changed in place (swap.swap_posts):
    only the outputs that can show them are planned afresh, the rest are `previous`'s.

    Those are each post's page and its neighbours' pages, the pages of the posts it is related
    to, its home page and page 1 (the lead), its terms' pages showing it and their feeds, the
    listings showing it, the archive unless it shows the post alike, and the outputs made from
    every term or post (taxonomy indexes, upcoming, calendar, site feeds, news sitemap); the
    sitemap stays, as URLs and dates did. A different base key (a layout, the config, what
    `site` shows) or no `previous` plans everything.
    """
    if previous is None or swapped is None:
        return plan_state(site, env, usage, lookup, kept_digest)
    posts = site.posts
    place = site.places
    edited = [place[source] for source in swapped]
    changed = [posts[number] for number in edited]
    image_keys = dict(previous.image_keys)
    for post in changed:
        image_keys.pop(post.source, None)
    image_keys |= marks(changed, lookup)
    planner = planner_for(site, env, usage, lookup, kept_digest, image_keys)
    if planner.base != previous.base:
        return plan_state(site, env, usage, lookup, kept_digest)
    shown = set(swapped)
    pages = {near for number in edited for near in (number - 1, number, number + 1) if 0 <= near < len(posts)}
    pages |= {place[other] for source in swapped for other in site.shown_by.get(source, ())}
    per_page = site.config.per_page
    pagers = {1} | {number // per_page + 1 for number in edited}
    terms = {(name, slugify(term)) for post in changed for name, names in post.terms.items() for term in names}
    layouts = set(env.list_templates())
    fresh = [
        *chain.from_iterable(planner.post(number) for number in sorted(pages)),
        *planner.home(only=pagers),
        *chain.from_iterable(planner.taxonomy(taxonomy, terms, shown) for taxonomy in site.taxonomies),
        *planner.listings(changed),
        *([] if _same_in_archive(planner, previous, edited) else [planner.archive()]),
        *feeds.plan_feeds(site, planner.base, layouts, kept_digest, only_terms=terms, only_posts=changed),
    ]
    planned = list(previous.planned)
    for item in fresh:
        number = previous.index.get(item.path)
        if number is None:  # an output the last plan did not have: the site changed shape
            return plan_state(site, env, usage, lookup, kept_digest)
        planned[number] = item
    return PlanState(planner.base, image_keys, tuple(planned), previous.index, len(fresh), site, tuple(fresh))


def _same_in_archive(planner: Planner, previous: PlanState, edited: Iterable[int]) -> bool:
    """Whether the archive shows the posts at `edited` as it did in `previous` (same place:
    see replan), so that its plan stays."""
    if previous.site is None:
        return False
    names = {"url", "date"} | planner.usage.mentioned("archive.html")
    before, after = previous.site.posts, planner.site.posts
    pictured = "archive.html" in planner.usage.pictured
    return all(
        listed([before[number]], names) == listed([after[number]], names)
        and (
            not pictured
            or previous.image_keys.get(after[number].source) == planner.image_keys.get(after[number].source)
        )
        for number in edited
    )
