"""Related posts, from model objects made in memory: no disk, milliseconds a test.

Run with the other pure model tests as the inner loop (see README, "Tests").
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from conftest import story

from matinee.model import Post, Taxonomy
from matinee.related import MAX_RELATED, NEIGHBOURS_PER_TERM, related_posts
from matinee.site import group_by_term

pytestmark = pytest.mark.pure
WEIGHTS = {"films": 4, "people": 2, "tags": 1}


def related(posts: Sequence[Post], weights: dict[str, int] = WEIGHTS) -> dict[str, list[str]]:
    """Return slug -> related slugs, for posts given in any order (the site keeps them newest first)."""
    newest_first = sorted(posts, key=lambda post: (post.date, post.source), reverse=True)
    taxonomies = [Taxonomy(name, name, f"/{name}/", group_by_term(newest_first, name, {})) for name in WEIGHTS]
    found = related_posts(newest_first, taxonomies, weights)
    return {post.slug: [other.split("/")[-1].removesuffix(".md") for other in found[post.source]] for post in posts}


def test_a_shared_film_outweighs_shared_tags() -> None:
    posts = [
        story("dune-review", "2024-03-01", films=["Dune"], tags=["review", "sci-fi"]),
        story("tagged-alike", "2024-03-02", tags=["review", "sci-fi"]),
        story("same-film", "2024-01-01", films=["Dune"]),
    ]
    assert related(posts)["dune-review"] == ["same-film", "tagged-alike"]


def test_scores_add_up_over_taxonomies() -> None:
    posts = [
        story("a", "2024-01-01", films=["Heat"], people=["Michael Mann"]),
        story("b", "2024-01-02", films=["Heat"]),
        story("c", "2024-01-03", people=["Michael Mann"], tags=["crime"]),
        story("d", "2024-01-04", films=["Heat"], people=["Michael Mann"]),
    ]
    assert related(posts)["a"] == ["d", "b", "c"]  # 6, then 4, then 2


def test_equal_scores_go_to_the_newer_post() -> None:
    posts = [story(f"p{day}", f"2024-01-0{day}", tags=["news"]) for day in range(1, 5)]
    assert related(posts)["p1"] == ["p4", "p3", "p2"]
    assert related(posts)["p4"] == ["p3", "p2", "p1"]


def test_a_post_is_never_related_to_itself_and_at_most_max_related_are_kept() -> None:
    posts = [story(f"p{number:02}", f"2024-02-{number:02}", tags=["news"]) for number in range(1, 12)]
    found = related(posts)
    assert all(slug not in others for slug, others in found.items())
    assert {len(others) for others in found.values()} == {MAX_RELATED}


def test_a_post_sharing_nothing_has_no_related_posts() -> None:
    posts = [story("alone", tags=["one"]), story("other", tags=["two"])]
    assert related(posts) == {"alone": [], "other": []}


def test_a_taxonomy_weighted_zero_relates_nothing() -> None:
    posts = [story("a", "2024-01-01", tags=["news"]), story("b", "2024-01-02", tags=["news"])]
    assert related(posts, {"films": 4, "people": 2, "tags": 0}) == {"a": [], "b": []}


def test_a_term_on_many_posts_offers_only_the_posts_nearest_in_time() -> None:
    posts = [
        story(f"p{number:03}", f"2024-01-01T00:{number // 60:02}:{number % 60:02}", tags=["news"])
        for number in range(200)
    ]
    found = related(posts)
    assert found["p199"] == ["p198", "p197", "p196", "p195", "p194"]
    # Every post ties on one tag and ties go to the newer post, but the oldest post only meets
    # the posts within half a window of it: not p199 and the newest.
    reach = NEIGHBOURS_PER_TERM // 2
    assert found["p000"] == [f"p{number:03}" for number in range(reach, reach - MAX_RELATED, -1)]
