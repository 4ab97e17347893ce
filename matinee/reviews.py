"""Reviews: a post with `rating:` reviews one of its films. Reading the rating, and the review lists. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .fields import Reader
from .listings import ListFeed, Listing, paged
from .model import Post, Site
from .urls import slugify

REVIEWS_URL = "/reviews/"
TOP_URL = "/reviews/top/"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


@dataclass(frozen=True, slots=True)
class Review:
    """What a post's `rating:` and `review_of:` say: its rating and the film it is of."""

    rating: float | None
    review_of: str | None


def read_review(reader: Reader, scale: int, films: Sequence[str]) -> Review:
    """Return the post's rating on `scale` and the film it reviews (`review_of:`, else its
    only film); a rating that is no number on the scale, or names no one film, is an error."""
    rating = _rating(reader, scale)
    named = reader.text("review_of")
    if named is not None and not any(slugify(named) == slugify(film) for film in films):
        listed = ", ".join(films) or "none"
        raise reader.fail("review_of", f"review_of {named!r} is not among the post's films ({listed})")
    if rating is None:
        if named is not None:
            raise reader.fail("review_of", "review_of needs a rating: add 'rating: ...' to make the post a review")
        return Review(None, None)
    if named is None and len(films) != 1:
        problem = "names no film; add films: [...]" if not films else f"names {len(films)} films"
        raise reader.fail("rating", f"a rated post {problem}; say which one it reviews with review_of:")
    return Review(rating, _spelled(named, films) if named else films[0])


def _rating(reader: Reader, scale: int) -> float | None:
    value = reader.raw("rating")
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not _NUMBER.fullmatch(text):
        shown = repr(value) if isinstance(value, str) else "a list or mapping"
        raise reader.fail("rating", f"rating must be a number from 0 to {scale}, not {shown}")
    rating = float(text)
    if rating < 0:
        raise reader.fail("rating", f"rating {text} is negative; ratings run from 0 to {scale}")
    if rating > scale:
        raise reader.fail("rating", f"rating {text} is above the site's rating_scale of {scale}")
    step = 0.5 if scale == 5 else 1.0
    if rating % step:
        kind = "whole or half numbers" if scale == 5 else "whole numbers"
        raise reader.fail("rating", f"rating {text} must be in {kind} on a scale of {scale}")
    return rating


def _spelled(named: str, films: Sequence[str]) -> str:
    """The film as the post's `films:` spells it (review_of may differ in case or accents)."""
    return next(film for film in films if slugify(film) == slugify(named))


def newest(posts: Iterable[Post]) -> tuple[Post, ...]:
    """The reviews among `posts` (which come newest first), newest first."""
    return tuple(post for post in posts if post.rating is not None)


def top(posts: Iterable[Post]) -> tuple[Post, ...]:
    """The reviews, highest rated first; equal ratings newest first."""
    return tuple(sorted(newest(posts), key=lambda post: -(post.rating or 0)))


def listings(site: Site) -> Iterator[Listing]:
    """/reviews/ newest first and /reviews/top/ highest rated first, both paginated; none
    on a site without reviews."""
    found = newest(site.posts)
    if not found:
        return
    config = site.config
    scale = config.rating_scale
    yield from paged(
        REVIEWS_URL,
        "reviews.html",
        "Reviews",
        f"Every review on {config.title}, newest first.",
        found,
        config.per_page,
        ("newest", scale),
        ranking="newest",
        scale=scale,
    )
    yield from paged(
        TOP_URL,
        "reviews.html",
        "Top rated",
        f"The best rated films on {config.title}.",
        top(found),
        config.per_page,
        ("top", scale),
        ranking="top",
        scale=scale,
    )


def feeds(site: Site) -> Iterator[ListFeed]:
    """/reviews/feed.xml, when the site has reviews."""
    found = newest(site.posts)
    if found:
        yield ListFeed(f"{site.config.title}: Reviews", REVIEWS_URL, found)
