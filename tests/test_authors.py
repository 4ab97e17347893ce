"""Writers: bylines link to author pages with bio, photo, links and stories, in JSON-LD and Atom."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import MINIMAL_CONFIG, build_site, errors_of, image_bytes, make_site, post
from test_build import main_of, page, text
from test_reviews import ATOM, of_type

ANA = """\
---
name: Ana Critic
role: Film critic
photo: ana.png
links: {website: "https://ana.example/", mastodon: "https://film.social/@ana"}
---
Ana has reviewed films since the VHS days.
"""


def writers_site(tmp_path: Path, **files: str | bytes) -> Path:
    return make_site(
        tmp_path,
        {
            "config.yaml": MINIMAL_CONFIG + "per_page: 1\n",
            "content/authors/ana-critic.md": ANA,
            "content/authors/ana.png": image_bytes(600, 600),
            "content/posts/one.md": post("One", date="2024-01-01", author="Ana Critic"),
            "content/posts/two.md": post("Two", date="2024-01-02", authors=["Ana Critic", "Bo Writer"]),
            "content/posts/three.md": post("Three", date="2024-01-03"),
            **files,
        },
    )


def test_bylines_link_to_author_pages_with_bio_photo_links_and_stories(tmp_path: Path) -> None:
    out = build_site(writers_site(tmp_path))
    two = main_of(page(out, "/2024/01/two/"))
    bylines = [(text(a), a.get("href")) for a in two.iter("a") if a.get("rel") == "author"]
    assert bylines == [("Ana Critic", "/authors/ana-critic/"), ("Bo Writer", "/authors/bo-writer/")]
    three = main_of(page(out, "/2024/01/three/"))
    assert [a.get("href") for a in three.iter("a") if a.get("rel") == "author"] == ["/authors/desk/"]
    ana = main_of(page(out, "/authors/ana-critic/"))
    assert text(ana.find(".//h1")) == "Ana Critic"  # type: ignore[arg-type]
    assert "Ana has reviewed films since the VHS days." in text(ana)
    photo = ana.find(".//figure[@class='author-photo']//img")
    assert photo is not None and photo.get("alt") == "Photo of Ana Critic" and photo.get("srcset")
    links = [(text(a), a.get("href")) for a in ana.iter("a") if a.get("rel") == "me noopener"]
    assert links == [("Website", "https://ana.example/"), ("Mastodon", "https://film.social/@ana")]
    titles = [text(h) for h in ana.iter("h2") if h.get("class") == "card-title"]
    assert titles == ["Two"]  # one per page, newest first
    assert [text(h) for h in main_of(page(out, "/authors/ana-critic/page/2/")).iter("h2")] == ["One"]
    index = main_of(page(out, "/authors/"))
    assert [text(a) for a in index.iter("a")] == ["Ana Critic", "Bo Writer", "Desk"]


def test_json_ld_and_atom_carry_the_author_page(tmp_path: Path) -> None:
    out = build_site(writers_site(tmp_path))
    article = of_type(page(out, "/2024/01/one/"), "NewsArticle")
    assert article["author"] == {
        "@type": "Person",
        "name": "Ana Critic",
        "url": "https://example.org/authors/ana-critic/",
        "sameAs": ["https://ana.example/", "https://film.social/@ana"],
    }
    both = of_type(page(out, "/2024/01/two/"), "NewsArticle")
    assert [person["name"] for person in both["author"]] == ["Ana Critic", "Bo Writer"]
    feed = ET.parse(out / "feed.xml").getroot()
    entry = next(e for e in feed.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Two")
    authors = [(a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}uri")) for a in entry.iter(f"{ATOM}author")]
    assert authors == [
        ("Ana Critic", "https://example.org/authors/ana-critic/"),
        ("Bo Writer", "https://example.org/authors/bo-writer/"),
    ]
    own = ET.parse(out / "authors/ana-critic/feed.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in own.iter(f"{ATOM}entry")] == ["Two", "One"]


@pytest.mark.parametrize(
    ("profile", "line", "message"),
    [
        ("---\nrole: critic\n---\n", 1, "front matter has no name"),
        ("---\nname: A\nlinks: {x: 'javascript:alert(1)'}\n---\n", 3, "links 'x' must be a web address"),
        ("---\nname: A\nlinks: [https://a.example/]\n---\n", 3, "links must be a mapping"),
        ("---\nname: A\nphoto: 'javascript:x'\n---\n", 3, "photo 'javascript:x' must be a relative path"),
        ("---\nname: A\nbirthday: 1990-01-01\n---\n", 3, "unknown author key 'birthday'"),
    ],
)
def test_each_bad_author_field_is_an_error_at_its_line(tmp_path: Path, profile: str, line: int, message: str) -> None:
    root = make_site(tmp_path, {"content/authors/a.md": profile, "content/posts/a.md": post("A", author="A")})
    errors = errors_of(root)
    assert len(errors) == 1 and errors[0].startswith(f"content/authors/a.md:{line}: {message}"), errors


def test_author_and_authors_together_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", author="X", authors=["Y"])})
    assert errors_of(root) == ["content/posts/a.md:4: give author: (one writer) or authors: (several), not both"]
