"""Swap posts edited in place into the last model, so that a save costs that post. Pure.

`serve` keeps the model of its last build (kept.py). A save that leaves each post where it
was (PLACE_FIELDS) changes that post's own object and the lists holding it, nothing else:
the model is updated, not modelled afresh (site.model_site), and replan.replan re-plans
around it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from .config import Config
from .errors import MatineeError
from .model import Post
from .site import Modelled, resolve_post
from .urls import slugify
from .writers import with_profiles

# What a post's place in the model rests on: where it sorts, which lists, terms, writers and
# archive month hold it, where its page and aliases go, when the sitemap says it changed. An
# edit that keeps all of these (its body, title, summary...) changes its own object only: see
# swap_posts below.
PLACE_FIELDS = (
    "source", "date", "slug", "url", "is_draft", "terms", "aliases", "authors", "author",
    "rating", "review_of", "featured", "image", "layout", "updated",
)  # fmt: skip


def swap_posts(previous: Modelled, posts: Sequence[Post], config: Config, now: datetime) -> Modelled | None:
    """Return the previous model with `posts` (parsed afresh) in place of their old objects,
    if each keeps its place (PLACE_FIELDS) and nothing else can have moved: same config, no
    clock-driven change due, no mistakes before; else None (the site is modelled afresh).

    Serve's common case, a writer saving a post's text, then costs that post, not the site.
    """
    site = previous.site
    if previous.errors or site.config != config or (site.valid_until is not None and now >= site.valid_until):
        return None
    errors: list[MatineeError] = []
    swapped: dict[int, Post] = {}
    olds: list[Post] = []
    for post in posts:
        if (place := site.places.get(post.source)) is None:
            return None
        old = site.posts[place]
        olds.append(old)
        new = resolve_post(with_profiles([post], previous.profiles)[0], dict(previous.urls), config, errors)
        if any(getattr(old, name) != getattr(new, name) for name in PLACE_FIELDS):
            return None
        swapped[id(old)] = new
    if errors:
        return None

    def swap(listed: tuple[Post, ...]) -> tuple[Post, ...]:  # in C: the site's every post, at 50,000
        return tuple(map(swapped.get, map(id, listed), listed))

    related = dict(site.related)
    for source in {holder for post in posts for holder in site.shown_by.get(post.source, ())}:
        related[source] = swap(related[source])

    new_posts = [swapped[id(old)] for old in olds]
    slugs = {(name, slugify(term)) for post in new_posts for name, terms in post.terms.items() for term in terms}
    months = {(post.date.year, post.date.month) for post in new_posts}
    writer_slugs = {slugify(name) for post in new_posts for name in post.authors}
    site = replace(
        site,
        posts=swap(site.posts),
        taxonomies=tuple(
            replace(
                taxonomy,
                terms=tuple(
                    replace(term, posts=swap(term.posts)) if (taxonomy.name, term.slug) in slugs else term
                    for term in taxonomy.terms
                ),
            )
            for taxonomy in site.taxonomies
        ),
        archive=tuple(
            replace(month, posts=swap(month.posts)) if (month.year, month.month) in months else month
            for month in site.archive
        ),
        related=related,
        writers=tuple(
            replace(writer, posts=swap(writer.posts)) if writer.slug in writer_slugs else writer
            for writer in site.writers
        ),
        built_at=now,
    )
    return replace(previous, site=site)  # a swap moves no post: its places and related lists stay
