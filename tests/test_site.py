"""site.py: which posts are visible, their order, terms, archive and pagination."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import html5lib
import pytest
from conftest import NOW, build_site, make_site, post, story
from hypothesis import given
from hypothesis import strategies as st

from matinee.config import Config
from matinee.errors import MatineeError, flatten
from matinee.model import Post, Taxonomy, Term
from matinee.site import assemble, paginate


def main_links(path: Path) -> list[str]:
    """Return the text of every link in the page's <main>, in order."""
    tree: ET.Element = html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)
    main = tree.find(".//main")
    assert main is not None
    return [" ".join("".join(anchor.itertext()).split()) for anchor in main.iter("a")]


def shown(path: Path, titles: list[str]) -> list[str]:
    return list(dict.fromkeys(name for name in main_links(path) if name in titles))


# --- pagination ---------------------------------------------------------------------------


@pytest.mark.pure
def test_paginate_cuts_posts_into_pages_with_pretty_urls() -> None:
    pagers = paginate(["a", "b", "c", "d", "e"], 2, "/")  # type: ignore[arg-type]
    assert [pager.posts for pager in pagers] == [("a", "b"), ("c", "d"), ("e",)]
    assert [pager.url for pager in pagers] == ["/", "/page/2/", "/page/3/"]
    assert [pager.previous_url for pager in pagers] == [None, "/", "/page/2/"]
    assert [pager.next_url for pager in pagers] == ["/page/2/", "/page/3/", None]
    assert {pager.total for pager in pagers} == {3}
    assert [pager.number for pager in pagers] == [1, 2, 3]


@pytest.mark.pure
def test_paginate_a_term() -> None:
    pagers = paginate(["a", "b", "c"], 2, "/tags/news/")  # type: ignore[arg-type]
    assert [pager.url for pager in pagers] == ["/tags/news/", "/tags/news/page/2/"]


@pytest.mark.pure
def test_paginate_nothing_gives_one_empty_page() -> None:
    (pager,) = paginate([], 10, "/")
    assert pager.posts == () and pager.total == 1
    assert pager.previous_url is None and pager.next_url is None


@pytest.mark.pure
@given(st.lists(st.integers(), max_size=60), st.integers(min_value=1, max_value=12))
def test_paginate_keeps_every_post_once_in_order(posts: list[int], per_page: int) -> None:
    pagers = paginate(posts, per_page, "/")  # type: ignore[arg-type]
    assert [item for pager in pagers for item in pager.posts] == posts
    assert all(len(pager.posts) == per_page for pager in pagers[:-1])
    assert 0 < len(pagers[-1].posts) <= per_page or posts == []
    assert len({pager.url for pager in pagers}) == len(pagers)


# --- films grouped by first letter --------------------------------------------------------


def term(name: str, slug: str) -> Term:
    return Term("films", name, slug, f"/films/{slug}/", ())


@pytest.mark.pure
def test_films_are_grouped_by_the_first_letter_of_their_slug() -> None:
    films = Taxonomy(
        "films",
        "Films",
        "/films/",
        (
            term("1917", "1917"),
            term("2001: A Space Odyssey", "2001-a-space-odyssey"),
            term("Amélie", "amelie"),
            term("Anora", "anora"),
            term("Barbie", "barbie"),
            term("Écrire", "ecrire"),
        ),
    )
    groups = {letter: [item.name for item in items] for letter, items in films.by_letter()}
    assert groups == {
        "#": ["1917", "2001: A Space Odyssey"],
        "A": ["Amélie", "Anora"],
        "B": ["Barbie"],
        "E": ["Écrire"],
    }
    assert [letter for letter, _ in films.by_letter()] == ["#", "A", "B", "E"]


# --- assemble, on posts made in memory (no disk: the inner loop) --------------------------

CONFIG = Config(source=Path("/no/such/site"), out_dir=Path("/no/such/site/site"))


def slugs(posts: Sequence[Post]) -> list[str]:
    return [post.slug for post in posts]


@pytest.mark.pure
def test_assemble_keeps_published_posts_newest_first_and_hides_drafts_and_future_ones() -> None:
    posts = [
        story("old", "2024-01-01"),
        story("new", "2024-03-01"),
        story("draft", "2024-02-01", draft=["yes"]),
        story("tomorrow", "2026-11-29"),
        story("due-now", NOW.isoformat()),
    ]
    site = assemble(CONFIG, posts, [], [], [], now=NOW)
    assert slugs(site.posts) == ["due-now", "new", "old"]
    assert site.valid_until == datetime(2026, 11, 29, tzinfo=UTC)  # midnight: "tomorrow" is due then
    with_drafts = assemble(replace(CONFIG, drafts=True), posts, [], [], [], now=NOW)
    assert slugs(with_drafts.posts) == ["tomorrow", "due-now", "new", "draft", "old"]


@pytest.mark.pure
def test_assemble_orders_posts_of_one_instant_by_source_newest_name_first() -> None:
    posts = [story(name, "2024-05-01T10:00:00") for name in ("b", "a", "c")]
    assert slugs(assemble(CONFIG, posts, [], [], [], now=NOW).posts) == ["c", "b", "a"]


@pytest.mark.pure
def test_assemble_groups_terms_by_slug_and_months_newest_first() -> None:
    posts = [
        story("one", "2024-01-05", tags=["Sci-Fi"], films=["Dune"]),
        story("two", "2024-02-05", tags=["sci-fi", "News"]),
        story("hidden", "2024-02-06", tags=["Secret"], draft=["yes"]),
    ]
    site = assemble(CONFIG, posts, [], [], [], now=NOW)
    tags = {taxonomy.name: taxonomy for taxonomy in site.taxonomies}["tags"]
    assert [(term.slug, slugs(term.posts)) for term in tags.terms] == [("news", ["two"]), ("sci-fi", ["two", "one"])]
    assert [(month.year, month.month, slugs(month.posts)) for month in site.archive] == [
        (2024, 2, ["two"]),
        (2024, 1, ["one"]),
    ]
    assert slugs(site.related[posts[0].source]) == ["two"]


@pytest.mark.pure
def test_assemble_reports_every_clash_of_urls_at_its_line() -> None:
    posts = [story("same", "2024-01-02"), replace(story("same", "2024-01-03"), source="content/posts/other.md")]
    posts.append(replace(story("third", "2024-01-04"), url=posts[0].url, source="content/posts/third.md"))
    with pytest.raises((MatineeError, ExceptionGroup)) as caught:
        assemble(CONFIG, posts, [], [], [], now=NOW)
    assert [str(error) for error in flatten(caught.value)] == [
        "content/posts/other.md:2: has the URL /2024/01/same/, which content/posts/third.md also has; "
        "set another slug or alias",
        "content/posts/same.md:2: has the URL /2024/01/same/, which content/posts/third.md also has; "
        "set another slug or alias",
    ]


@pytest.mark.pure
def test_assemble_takes_related_posts_from_the_memo_when_it_has_them() -> None:
    posts = [story("a", "2024-01-01", tags=["x"]), story("b", "2024-01-02", tags=["x"])]
    asked: list[str] = []

    def memo(slot: str, key: str, compute: Callable[[], Any]) -> Any:
        asked.append(slot)
        return {"content/posts/a.md": (), "content/posts/b.md": ("content/posts/a.md",)}  # as stored

    site = assemble(CONFIG, posts, [], [], [], now=NOW, memo=memo)
    assert asked == ["related"]
    assert site.related == {"content/posts/a.md": (), "content/posts/b.md": (posts[0],)}


# --- visibility and order -----------------------------------------------------------------


def test_a_post_dated_exactly_now_is_published_and_one_second_later_is_not(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/now.md": post("Right now", date=NOW.isoformat()),
            "content/posts/later.md": post("A second later", date=(NOW + timedelta(seconds=1)).isoformat()),
        },
    )
    assert shown(build_site(root) / "index.html", ["Right now", "A second later"]) == ["Right now"]


def test_a_future_post_appears_once_its_time_has_come(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("Scheduled", date="2026-12-01T09:00:00Z")})
    assert shown(build_site(root) / "index.html", ["Scheduled"]) == []
    later = NOW + timedelta(days=5)
    assert shown(build_site(root, now=later) / "index.html", ["Scheduled"]) == ["Scheduled"]


def test_posts_are_ordered_by_the_instant_they_were_published(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/tokyo.md": post("Tokyo", date="2024-03-01T08:00:00+09:00"),  # 23:00Z
            "content/posts/london.md": post("London", date="2024-02-29T23:30:00+00:00"),
            "content/posts/la.md": post("Los Angeles", date="2024-02-29T14:00:00-08:00"),  # 22:00Z
        },
    )
    titles = ["Tokyo", "London", "Los Angeles"]
    assert shown(build_site(root) / "index.html", titles) == ["London", "Tokyo", "Los Angeles"]


def test_posts_on_the_same_date_all_appear(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {f"content/posts/{name}.md": post(name.title(), date="2024-01-01") for name in ("a", "b", "c")},
    )
    assert set(shown(build_site(root) / "index.html", ["A", "B", "C"])) == {"A", "B", "C"}


def test_terms_are_listed_by_name(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {"content/posts/a.md": post("A", tags=["zombies", "Awards", "box office", "cannes"])},
    )
    tags = ["zombies", "Awards", "box office", "cannes"]
    assert shown(build_site(root) / "tags/index.html", tags) == [
        "Awards",
        "box office",
        "cannes",
        "zombies",
    ]


def test_a_post_listing_the_same_term_twice_counts_once(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", tags=["news", "news"])})
    out = build_site(root)
    assert main_links(out / "tags/news/index.html").count("A") == 1


def test_two_spellings_of_one_term_in_a_post_count_once(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", tags=["news", "News"])})
    out = build_site(root)
    assert main_links(out / "tags/news/index.html").count("A") == 1
