"""Writers: bylines (`author:` or `authors:`) and content/authors/<slug>.md profiles, modelled. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import PurePosixPath

from .errors import MatineeError
from .fields import Reader
from .frontmatter import FrontMatter
from .memo import digest
from .model import Author, Post, Writer, pack_html
from .urls import is_safe_url, is_slug, slugify, term_url

AUTHOR_KEYS = frozenset({"name", "photo", "role", "links"})
_WEB = re.compile(r"https?://", re.IGNORECASE)


def read_bylines(reader: Reader) -> tuple[str, ...]:
    """Return the writers a post names: `author:` (one) or `authors:` (several), not both."""
    if reader.line("author") and reader.line("authors"):
        raise reader.fail("authors", "give author: (one writer) or authors: (several), not both")
    if reader.line("authors"):
        return reader.texts("authors")
    one = reader.text("author")
    return (one,) if one else ()


def parse_author(source_rel: str, fingerprint: str, front: FrontMatter, body_html: str) -> Author:
    """Return the Author a content/authors/<slug>.md file describes; each bad field is a path:line error."""
    reader = Reader(source_rel, front.fields, front.problems)
    slug = PurePosixPath(source_rel).stem
    if not is_slug(slug) or slugify(slug) != slug:
        example = slugify(slug) or "the-writer"
        reader.note(MatineeError(source_rel, None, f"author file name must be a slug like {example}.md"))
    for key in sorted(set(front.fields) - AUTHOR_KEYS):
        known = ", ".join(sorted(AUTHOR_KEYS))
        reader.note(reader.fail(key, f"unknown author key {key!r}; known keys: {known}"))
    read = reader.each(
        {
            "name": partial(reader.text, "name", required=True),
            "photo": partial(reader.url, "photo"),
            "role": partial(reader.text, "role"),
            "links": partial(read_links, reader),
        }
    )
    reader.raise_errors()
    return Author(
        source=source_rel,
        slug=slug,
        body=pack_html(body_html),
        fingerprint=fingerprint,
        lines={key: field.line for key, field in front.fields.items()},
        **read,
    )


def read_links(reader: Reader) -> tuple[tuple[str, str], ...]:
    """`links: {website: https://..., mastodon: https://...}`: each a web address."""
    value = reader.raw("links")
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise reader.fail("links", "links must be a mapping like {website: https://example.org/}")
    found = []
    for name, url in value.items():
        if not isinstance(url, str) or not _WEB.match(url.strip()) or not is_safe_url(url.strip()):
            shown = repr(url) if isinstance(url, str) else "a list or mapping"
            raise reader.fail("links", f"links {name!r} must be a web address starting with https://, not {shown}")
        found.append((str(name).strip(), url.strip()))
    return tuple(found)


def writers(posts: Sequence[Post], profiles: Iterable[Author]) -> tuple[Writer, ...]:
    """Return every writer with their posts (newest first, as `posts` come), sorted by name;
    a profile's name wins over the bylines' spellings. Profiles of writers without posts are kept."""
    by_slug = {profile.slug: profile for profile in profiles}
    names: dict[str, str] = {slug: profile.name for slug, profile in by_slug.items()}
    found: dict[str, list[Post]] = {slug: [] for slug in by_slug}
    for post in posts:
        for name in post.authors:
            slug = slugify(name)
            if slug:
                names.setdefault(slug, name)
                found.setdefault(slug, []).append(post)
    made = [
        Writer(names[slug], slug, term_url("authors", slug), tuple(listed), by_slug.get(slug))
        for slug, listed in found.items()
    ]
    return tuple(sorted(made, key=lambda writer: (writer.name.casefold(), writer.slug)))


def with_profiles(posts: Sequence[Post], profiles: Mapping[str, Author]) -> list[Post]:
    """The posts, each whose writer has a profile with that profile in its fingerprint: its
    page's structured data shows the profile's links."""
    marked = []
    for post in posts:
        shown = [profiles[slug].fingerprint for name in post.authors if (slug := slugify(name)) in profiles]
        marked.append(replace(post, fingerprint=digest(post.fingerprint, shown)) if shown else post)
    return marked
