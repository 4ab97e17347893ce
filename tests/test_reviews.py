"""Reviews: `rating:` on a post, shown as stars or a score, in JSON-LD, and in /reviews/ lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from conftest import MINIMAL_CONFIG, build_site, errors_of, make_site, post
from test_build import main_of, page, text

ATOM = "{http://www.w3.org/2005/Atom}"
DUNE_FILM = """\
---
title: Dune
year: 2021
release_date: 2021-10-22
director: Denis Villeneuve
poster: https://img.example/dune.jpg
imdb: tt1160419
wikidata: Q30014491
---
"""


def json_ld(tree: ET.Element) -> list[dict[str, Any]]:
    """Every JSON-LD object of a page, parsed as JSON."""
    return [
        json.loads(script.text or "") for script in tree.iter("script") if script.get("type") == "application/ld+json"
    ]


def of_type(tree: ET.Element, kind: str) -> dict[str, Any]:
    found = [item for item in json_ld(tree) if item.get("@type") == kind]
    assert len(found) == 1, f"{len(found)} {kind} objects"
    return found[0]


def review_site(tmp_path: Path, *, config: str = "", **files: str) -> Path:
    return make_site(
        tmp_path,
        {
            "config.yaml": MINIMAL_CONFIG + 'image: "/logo.png"\n' + config,
            "content/films/dune.md": DUNE_FILM,
            "content/posts/dune.md": post(
                "Dune review", date="2024-01-05", films=["Dune"], rating="4.5", author="Ana Critic"
            ),
            "content/posts/arrival.md": post("Arrival review", date="2024-01-03", films=["Arrival"], rating="3"),
            "content/posts/both.md": post(
                "Two films", date="2024-01-04", films=["Dune", "Sicario"], rating="5", review_of="Sicario"
            ),
            "content/posts/news.md": post("Dune news", date="2024-01-06", films=["Dune"]),
            **files,
        },
    )


def test_a_review_page_shows_its_rating_with_words_for_screen_readers(tmp_path: Path) -> None:
    out = build_site(review_site(tmp_path))
    rating = main_of(page(out, "/2024/01/dune/")).find(".//p[@class='rating']")
    assert rating is not None
    assert text(rating.find("span[@class='visually-hidden']")) == "Rated 4.5 out of 5"  # type: ignore[arg-type]
    shown = rating.find("span[@class='rating-shown']")
    assert text(shown) == "★★★★☆"  # type: ignore[arg-type]
    # The half star is drawn by the stylesheet over an empty one: few fonts have a half-star glyph.
    assert [text(half) for half in shown.iterfind("span[@class='half-star']")] == ["☆"]  # type: ignore[union-attr]
    # A news post shows no rating of its own (its related cards may show the reviews' ratings).
    assert main_of(page(out, "/2024/01/news/")).find(".//article/header//p[@class='rating']") is None
    cards = main_of(page(out, "/"))
    assert "Rated 3 out of 5" in [text(span) for span in cards.iter("span") if span.get("class") == "visually-hidden"]


def test_a_ten_point_scale_shows_a_score(tmp_path: Path) -> None:
    root = review_site(
        tmp_path,
        config="rating_scale: 10\n",
        **{"content/posts/dune.md": post("Dune review", date="2024-01-05", films=["Dune"], rating="8")},
    )
    rating = main_of(page(build_site(root), "/2024/01/dune/")).find(".//p[@class='rating']")
    assert rating is not None and text(rating) == "Rated 8 out of 10 8/10"


def test_a_review_carries_schema_org_review_data(tmp_path: Path) -> None:
    out = build_site(review_site(tmp_path))
    review = of_type(page(out, "/2024/01/dune/"), "Review")
    assert review["@context"] == "https://schema.org"
    film = review["itemReviewed"]
    assert film["@type"] == "Movie" and film["name"] == "Dune"
    assert film["director"][0]["name"] == "Denis Villeneuve"
    assert film["datePublished"] == "2021-10-22"
    assert film["image"] == "https://img.example/dune.jpg"
    assert film["sameAs"] == ["https://www.imdb.com/title/tt1160419/", "https://www.wikidata.org/wiki/Q30014491"]
    assert review["reviewRating"] == {"@type": "Rating", "ratingValue": 4.5, "bestRating": 5, "worstRating": 0}
    assert review["author"] == {
        "@type": "Person",
        "name": "Ana Critic",
        "url": "https://example.org/authors/ana-critic/",
    }
    assert review["publisher"]["@type"] == "Organization" and review["publisher"]["name"] == "Test Reel"
    assert review["publisher"]["logo"]["url"] == "https://example.org/logo.png"
    assert review["datePublished"].startswith("2024-01-05")
    other = of_type(page(out, "/2024/01/both/"), "Review")
    assert other["itemReviewed"] == {"@type": "Movie", "name": "Sicario", "url": "https://example.org/films/sicario/"}
    assert other["author"]["name"] == "Desk"  # config.yaml's author is the default byline
    assert not [item for item in json_ld(page(out, "/2024/01/news/")) if item["@type"] == "Review"]


def test_the_film_page_shows_its_review_first(tmp_path: Path) -> None:
    film = main_of(page(build_site(review_site(tmp_path)), "/films/dune/"))
    titles = [text(link) for link in film.iter("a") if text(link) in {"Dune review", "Dune news", "Two films"}]
    assert titles == ["Dune review", "Dune news", "Two films"]
    section = film.find(".//section[@class='film-review']")
    assert section is not None and "Dune review" in text(section) and "Two films" not in text(section)


def test_reviews_are_listed_newest_and_best_first_with_a_feed(tmp_path: Path) -> None:
    root = review_site(tmp_path, config="per_page: 2\n")
    out = build_site(root)

    def listed(url: str) -> list[str]:
        return [text(title) for title in main_of(page(out, url)).iter("h2") if title.get("class") == "card-title"]

    assert listed("/reviews/") == ["Dune review", "Two films"]
    assert listed("/reviews/page/2/") == ["Arrival review"]
    assert listed("/reviews/top/") == ["Two films", "Dune review"]
    assert listed("/reviews/top/page/2/") == ["Arrival review"]
    feed = ET.parse(out / "reviews/feed.xml").getroot()
    assert [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")] == [
        "Dune review",
        "Two films",
        "Arrival review",
    ]
    links = [link.get("href") for link in feed.iter(f"{ATOM}link") if link.get("rel") == "alternate"]
    assert links[0] == "https://example.org/reviews/"
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://example.org/reviews/top/" in sitemap


def test_a_site_without_reviews_has_no_review_pages(tmp_path: Path) -> None:
    out = build_site(make_site(tmp_path, {"content/posts/a.md": post("A", films=["Dune"])}))
    assert not (out / "reviews").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rating": "six"}, "rating must be a number from 0 to 5, not 'six'"),
        ({"rating": "-1"}, "rating -1 is negative; ratings run from 0 to 5"),
        ({"rating": "5.5"}, "rating 5.5 is above the site's rating_scale of 5"),
        ({"rating": "3.3"}, "rating 3.3 must be in whole or half numbers on a scale of 5"),
        ({"rating": "[4]"}, "rating must be a number from 0 to 5, not a list or mapping"),
        ({"films": ["Dune", "Arrival"], "rating": "4"}, "a rated post names 2 films; say which one it reviews"),
        ({"films": [], "rating": "4"}, "a rated post names no film; add films: [...]; say which one"),
        ({"rating": "4", "review_of": "Heat"}, "review_of 'Heat' is not among the post's films (Dune)"),
        ({"review_of": "Dune"}, "review_of needs a rating"),
    ],
)
def test_each_bad_rating_is_an_error_at_its_line(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    fields = {"films": ["Dune"], **fields}
    root = make_site(tmp_path, {"content/posts/bad.md": post("Bad", **fields)})
    key = "review_of" if "review_of" in message.split()[0] else "rating"
    line = list(fields).index(key) + 3  # ---, title, then the fields in order
    errors = errors_of(root)
    assert len(errors) == 1 and errors[0].startswith(f"content/posts/bad.md:{line}: {message.split('; say')[0]}")


def test_a_hundred_point_scale_takes_whole_numbers_only(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "config.yaml": MINIMAL_CONFIG + "rating_scale: 100\n",
            "content/posts/a.md": post("A", films=["Dune"], rating="87.5"),
        },
    )
    assert errors_of(root) == ["content/posts/a.md:4: rating 87.5 must be in whole numbers on a scale of 100"]


def test_a_rating_scale_other_than_5_10_or_100_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"config.yaml": MINIMAL_CONFIG + "rating_scale: 7\n"})
    assert errors_of(root) == ["config.yaml:4: rating_scale must be 5, 10 or 100, not 7"]
