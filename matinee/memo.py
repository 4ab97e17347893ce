"""Memo keys: a digest of everything an output is made from, so unchanged outputs are skipped.

An output's key covers its layouts, the config, Matinee's version, the parts of the site a
layout can reach through `site`, and the output's own context (its post, its pager...).
Equal keys mean equal bytes, so an incremental build matches a clean one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from . import code_digest
from .model import Post, Site


@dataclass(frozen=True, slots=True)
class Planned:
    """One output to make: where it goes, its memo key, and how to make its bytes."""

    path: str
    key: str
    make: Callable[[], bytes]


Digest = Callable[..., str]  # digest(), or one that remembers what it computed
SITE_PARTS = ("posts", "pages", "taxonomies", "archive", "built_at", "assets", "films", "related", "config")
SITE_READS = {"taxonomy": "taxonomies", "credits": "films"}  # site.<name> -> the part it reads


def digest(*parts: object) -> str:
    """Return a short stable hex digest of `parts` (their repr, which is deterministic here)."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def fingerprint(raw: bytes) -> str:
    """Return the digest of a source file's bytes."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def base_key(
    site: Site, layouts_digest: str, site_parts: Iterable[str], uses_now: bool, image_keys: Mapping[str, str]
) -> str:
    """Return the part of every key shared by all outputs of this build; `image_keys` holds a
    digest of the image sizes of each post with images, which `site` can show too."""
    parts = sorted(set(site_parts) & set(SITE_PARTS))
    return digest(
        code_digest(),
        layouts_digest,
        repr(site.config),
        [(part, _site_part(site, part, image_keys)) for part in parts],
        site.built_at.isoformat() if uses_now else None,
    )


def _site_part(site: Site, part: str, image_keys: Mapping[str, str]) -> str:
    def shown(posts: Iterable[Post]) -> list[tuple[str, str | None]]:
        return [(post.fingerprint, image_keys.get(post.source)) for post in posts]

    if part == "posts" or part == "archive":
        return digest(shown(site.posts))
    if part == "pages":
        return digest([page.fingerprint for page in site.pages])
    if part == "taxonomies":
        return digest(
            [
                (term.url, term.name, term.film and term.film.fingerprint, shown(term.posts))
                for taxonomy in site.taxonomies
                for term in taxonomy.terms
            ]
        )
    if part == "assets":
        return digest([asset.rel_out for asset in site.assets])
    if part == "films":
        return digest([film.fingerprint for film in site.films.values()])
    if part == "related":
        return digest([(source, shown(posts)) for source, posts in site.related.items()])
    if part == "config":
        return ""  # in every key already
    return site.built_at.isoformat()
