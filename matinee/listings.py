"""Pages that list posts picked by a feature (reviews, an author's stories): what each shows,
its memo key and its feed, so the renderer plans them all alike. Pure."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .memo import digest
from .model import Post
from .site import Pager, paginate


@dataclass(frozen=True, slots=True)
class Listing:
    """One page listing posts: its URL, layout, head, and what its layout reads."""

    url: str
    layout: str
    title: str
    description: str
    key: str  # a digest of everything the page shows (its layout and the site aside)
    posts: tuple[Post, ...] = ()  # the posts it shows, whose images it may show: the key holds no other post
    context: Mapping[str, Any] = field(default_factory=dict)
    pictures: tuple[str, ...] = ()  # other images it shows (photos, posters): their sizes are in its key


@dataclass(frozen=True, slots=True)
class ListFeed:
    """One Atom feed of a listing: its title, the page it belongs to, its posts newest first."""

    title: str
    page_url: str
    posts: tuple[Post, ...]


def paged(
    url: str,
    layout: str,
    title: str,
    description: str,
    posts: Sequence[Post],
    per_page: int,
    shows: Hashable,
    pictures: tuple[str, ...] = (),
    **context: Any,
) -> Iterator[Listing]:
    """Yield the pages of a paginated list of posts; `context` is passed to the layout, and
    `shows` is what the layout can show of it beyond the page's posts (part of the key)."""
    for pager in paginate(posts, per_page, url):
        shown = title if pager.number == 1 else f"{title}, page {pager.number}"
        key = digest(url, layout, shown, description, _pager_key(pager), shows)
        yield Listing(pager.url, layout, shown, description, key, pager.posts, {"pager": pager, **context}, pictures)


def _pager_key(pager: Pager) -> tuple[Hashable, ...]:
    return (pager.number, pager.total, tuple(post.fingerprint for post in pager.posts))
