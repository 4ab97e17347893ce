"""Writers' pages: /authors/ and /authors/<slug>/ with their feeds. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .listings import ListFeed, Listing, paged
from .memo import digest
from .model import Post, Site, Writer
from .urls import slugify

AUTHORS_URL = "/authors/"


def listings(site: Site, only: Sequence[Post] | None = None) -> Iterator[Listing]:
    """/authors/ with every writer, and each writer's page of stories, paginated; with
    `only`, the pages of those posts' writers alone (posts edited in place: see replan.py)."""
    if not site.writers:
        return
    config = site.config
    if only is None:
        index_key = digest(AUTHORS_URL, [_shown(writer) for writer in site.writers])
        description = f"The writers of {config.title}."
        photos = tuple(photo for writer in site.writers if (photo := _photo(writer)))
        context = {"writers": site.writers}
        yield Listing(AUTHORS_URL, "authors.html", "Authors", description, index_key, (), context, photos)
    for writer in site.writers if only is None else writers_of(site, only):
        about = f"Stories by {writer.name} on {config.title}."
        yield from paged(
            writer.url,
            "author.html",
            writer.name,
            about,
            writer.posts,
            config.per_page,
            _shown(writer),
            tuple(filter(None, [_photo(writer)])),
            writer=writer,
        )


def feeds(site: Site, only: Sequence[Post] | None = None) -> Iterator[ListFeed]:
    """A feed of each writer's stories; with `only`, of those posts' writers alone."""
    for writer in site.writers if only is None else writers_of(site, only):
        if writer.posts:
            yield ListFeed(f"{site.config.title}: {writer.name}", writer.url, writer.posts)


def writers_of(site: Site, posts: Sequence[Post]) -> tuple[Writer, ...]:
    """The writers of `posts`, in the site's order."""
    slugs = {slugify(name) for post in posts for name in post.authors}
    return tuple(writer for writer in site.writers if writer.slug in slugs)


def _photo(writer: Writer) -> str | None:
    return writer.profile.photo if writer.profile else None


def _shown(writer: Writer) -> tuple[object, ...]:
    profile = writer.profile
    return (writer.name, writer.slug, len(writer.posts), profile.fingerprint if profile else None)
