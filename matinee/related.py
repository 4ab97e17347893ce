"""Related posts: the posts sharing the most films, then people, then tags. Pure.

Near-linear: a post only meets candidates through the terms it names, and a term shared by
many posts (a tag on 40% of a site) contributes only the posts nearest in time to this one.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping, Sequence

from .model import Post, Taxonomy

MAX_RELATED = 5
NEIGHBOURS_PER_TERM = 40  # candidates taken from each term, nearest in time


def related_posts(
    posts: Sequence[Post], taxonomies: Sequence[Taxonomy], weights: Mapping[str, int]
) -> dict[str, tuple[str, ...]]:
    """Return post source -> the sources of up to MAX_RELATED posts, best first (ties go to the newer post).

    Scores are counted one post at a time: held for every post at once, they took 70 MB at
    10,000 posts.
    """
    index = {post.source: number for number, post in enumerate(posts)}  # posts are newest first
    memberships: list[list[tuple[list[int], int, int]]] = [[] for _ in posts]  # (term's posts, place, weight)
    for taxonomy in taxonomies:
        weight = weights.get(taxonomy.name, 0)
        if weight <= 0:
            continue
        for term in taxonomy.terms:
            members = [index[post.source] for post in term.posts]
            if len(members) >= 2:
                for place, number in enumerate(members):
                    memberships[number].append((members, place, weight))
    return {post.source: _best(posts, number, memberships[number]) for number, post in enumerate(posts)}


def _best(posts: Sequence[Post], number: int, memberships: list[tuple[list[int], int, int]]) -> tuple[str, ...]:
    """Return the best-scored posts sharing terms with post `number` (counted and sorted in C)."""
    half = NEIGHBOURS_PER_TERM // 2
    score: Counter[int] = Counter()
    for members, place, weight in memberships:
        score.update(members[max(0, place - half) : place + half + 1] * weight)
    score.pop(number, None)
    # Best score first; among equal scores the newer post, which has the lower number (nlargest
    # keeps the order of equal items, as sorted(..., reverse=True) does).
    best = heapq.nlargest(MAX_RELATED, sorted(score), key=score.__getitem__)
    return tuple(posts[other].source for other in best)
