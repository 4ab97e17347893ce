"""Related posts: the posts sharing the most films, then people, then tags. Pure.

Near-linear: a post only meets candidates through the terms it names, and a term shared by
many posts (a tag on 40% of a site) contributes only the posts nearest in time to this one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from .model import Post, Taxonomy

MAX_RELATED = 5
NEIGHBOURS_PER_TERM = 40  # candidates taken from each term, nearest in time


def related_posts(
    posts: Sequence[Post], taxonomies: Sequence[Taxonomy], weights: Mapping[str, int]
) -> dict[str, tuple[Post, ...]]:
    """Return post source -> up to MAX_RELATED posts, best first (ties go to the newer post)."""
    position = {post.source: index for index, post in enumerate(posts)}  # posts are newest first
    members: list[tuple[int, tuple[Post, ...]]] = []
    for taxonomy in taxonomies:
        weight = weights.get(taxonomy.name, 0)
        if weight <= 0:
            continue
        for term in taxonomy.terms:
            if len(term.posts) > 1:
                members.append((weight, term.posts))
    scores: dict[str, Counter[str]] = {post.source: Counter() for post in posts}
    for weight, term_posts in members:
        half = NEIGHBOURS_PER_TERM // 2
        for index, post in enumerate(term_posts):
            score = scores[post.source]
            for other in term_posts[max(0, index - half) : index + half + 1]:
                if other is not post:
                    score[other.source] += weight
    by_source = {post.source: post for post in posts}
    return {
        source: tuple(
            by_source[other]
            for other, _ in sorted(score.items(), key=lambda item: (-item[1], position[item[0]]))[:MAX_RELATED]
        )
        for source, score in scores.items()
    }
