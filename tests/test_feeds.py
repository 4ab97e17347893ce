"""feeds.py: Atom feeds, sitemap.xml and robots.txt, parsed with xml.etree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import NOW, build_site, make_site, post

ATOM = {"a": "http://www.w3.org/2005/Atom"}
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BLOG = "https://example.org/blog/"


def feed(out: Path, rel: str = "feed.xml") -> ET.Element:
    """Return the parsed Atom feed at `rel`."""
    root = ET.fromstring((out / rel).read_bytes())
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return root


def entry_titles(root: ET.Element) -> list[str]:
    return [entry.findtext("a:title", namespaces=ATOM) or "" for entry in root.findall("a:entry", ATOM)]


def site_with_posts(tmp_path: Path, count: int, **config: str) -> Path:
    settings = "".join(f"{key}: {value}\n" for key, value in config.items())
    start = datetime(2024, 1, 1, 9, 0)
    return make_site(
        tmp_path,
        {
            "config.yaml": f'title: "Test Reel"\nbase_url: "{BLOG}"\nauthor: Desk\n{settings}',
            **{
                f"content/posts/p{n:02d}.md": post(
                    f"Post {n}",
                    date=(start + timedelta(days=n)).isoformat(),
                    tags=["even" if n % 2 == 0 else "odd"],
                    films=["Dune: Part Two"] if n % 5 == 0 else [],
                    people=["Zendaya"],
                )
                for n in range(1, count + 1)
            },
        },
    )


# --- the main feed ------------------------------------------------------------------------


def test_the_main_feed_holds_the_latest_20_newest_first(tmp_path: Path) -> None:
    out = build_site(site_with_posts(tmp_path, 25))
    assert entry_titles(feed(out)) == [f"Post {n}" for n in range(25, 5, -1)]


def test_feed_size_comes_from_config(tmp_path: Path) -> None:
    out = build_site(site_with_posts(tmp_path, 5, feed_size="3"))
    assert entry_titles(feed(out)) == ["Post 5", "Post 4", "Post 3"]


def test_the_feed_describes_itself(tmp_path: Path) -> None:
    root = feed(build_site(site_with_posts(tmp_path, 2)))
    assert root.findtext("a:title", namespaces=ATOM) == "Test Reel"
    assert root.findtext("a:id", namespaces=ATOM) == f"{BLOG}feed.xml"
    links = {link.get("rel"): link.get("href") for link in root.findall("a:link", ATOM)}
    assert links == {"self": f"{BLOG}feed.xml", "alternate": BLOG}
    updated = datetime.fromisoformat(root.findtext("a:updated", namespaces=ATOM) or "")
    assert updated == datetime(2024, 1, 3, 9, 0, tzinfo=UTC)  # the newest post


def test_an_entry_carries_what_a_reader_needs(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "config.yaml": f'title: "Test Reel"\nbase_url: "{BLOG}"\nauthor: Desk\n',
            "content/posts/dune.md": post(
                "Dune: Part Two review",
                date="2024-03-01T09:30:00+01:00",
                updated="2024-03-04",
                author='"Nadia Okafor"',
                tags=["reviews", "science fiction"],
                body="The **spice** must flow.\n\n## Verdict\n\nFive stars.",
            ),
        },
    )
    (entry,) = feed(build_site(root)).findall("a:entry", ATOM)
    assert entry.findtext("a:title", namespaces=ATOM) == "Dune: Part Two review"
    assert entry.findtext("a:id", namespaces=ATOM) == f"{BLOG}2024/03/dune/"
    link = entry.find("a:link", ATOM)
    assert link is not None and link.get("href") == f"{BLOG}2024/03/dune/"
    published = datetime.fromisoformat(entry.findtext("a:published", namespaces=ATOM) or "")
    assert published == datetime.fromisoformat("2024-03-01T09:30:00+01:00")
    updated = datetime.fromisoformat(entry.findtext("a:updated", namespaces=ATOM) or "")
    assert updated == datetime.fromisoformat("2024-03-04T00:00:00+00:00")
    assert entry.findtext("a:author/a:name", namespaces=ATOM) == "Nadia Okafor"
    assert [category.get("term") for category in entry.findall("a:category", ATOM)] == [
        "reviews",
        "science fiction",
    ]
    assert entry.findtext("a:summary", namespaces=ATOM) == "The spice must flow."
    content = entry.find("a:content", ATOM)
    assert content is not None and content.get("type") == "html"
    assert "<strong>spice</strong>" in (content.text or "")
    assert 'id="verdict"' in (content.text or "")


def test_an_entry_without_an_author_falls_back_to_the_config_author(tmp_path: Path) -> None:
    (entry,) = feed(build_site(site_with_posts(tmp_path, 1))).findall("a:entry", ATOM)
    assert entry.findtext("a:author/a:name", namespaces=ATOM) == "Desk"


def test_markup_in_front_matter_is_text_in_the_feed(tmp_path: Path) -> None:
    title = '<script>alert(1)</script> & "Dune"'
    root = make_site(tmp_path, {"content/posts/a.md": post(title, summary='"<b>bold</b> claim"')})
    (entry,) = feed(build_site(root)).findall("a:entry", ATOM)
    # Titles get the smart quotes bodies get; markup stays text.
    assert entry.findtext("a:title", namespaces=ATOM) == "<script>alert(1)</script> & “Dune”"
    assert entry.findtext("a:summary", namespaces=ATOM) == "<b>bold</b> claim"


def test_drafts_and_future_posts_are_not_in_feeds(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("Shown", date="2024-01-01", tags=["news"]),
            "content/posts/b.md": post("Draft", date="2024-01-02", tags=["news"], draft="true"),
            "content/posts/c.md": post("Future", date=(NOW + timedelta(days=1)).isoformat(), tags=["news"]),
        },
    )
    out = build_site(root)
    assert entry_titles(feed(out)) == ["Shown"]
    assert entry_titles(feed(out, "tags/news/feed.xml")) == ["Shown"]


def test_an_empty_site_has_a_valid_empty_feed(tmp_path: Path) -> None:
    root = feed(build_site(make_site(tmp_path, {})))
    assert root.findall("a:entry", ATOM) == []
    datetime.fromisoformat(root.findtext("a:updated", namespaces=ATOM) or "")


# --- per tag and per film feeds -----------------------------------------------------------


def test_each_tag_has_its_own_feed(tmp_path: Path) -> None:
    out = build_site(site_with_posts(tmp_path, 6))
    assert entry_titles(feed(out, "tags/even/feed.xml")) == ["Post 6", "Post 4", "Post 2"]
    assert entry_titles(feed(out, "tags/odd/feed.xml")) == ["Post 5", "Post 3", "Post 1"]
    root = feed(out, "tags/even/feed.xml")
    links = {link.get("rel"): link.get("href") for link in root.findall("a:link", ATOM)}
    assert links == {"self": f"{BLOG}tags/even/feed.xml", "alternate": f"{BLOG}tags/even/"}


def test_each_film_has_its_own_feed(tmp_path: Path) -> None:
    out = build_site(site_with_posts(tmp_path, 11))
    root = feed(out, "films/dune-part-two/feed.xml")
    assert entry_titles(root) == ["Post 10", "Post 5"]
    assert "Dune: Part Two" in (root.findtext("a:title", namespaces=ATOM) or "")


def test_people_have_no_feeds(tmp_path: Path) -> None:
    out = build_site(site_with_posts(tmp_path, 2))
    assert (out / "people/zendaya/index.html").is_file()
    assert not (out / "people/zendaya/feed.xml").exists()


def test_term_feeds_hold_the_latest_feed_size(tmp_path: Path) -> None:
    out = build_site(site_with_posts(tmp_path, 10, feed_size="2"))
    assert entry_titles(feed(out, "tags/even/feed.xml")) == ["Post 10", "Post 8"]


# --- sitemap and robots -------------------------------------------------------------------


def sitemap_of(out: Path) -> dict[str, str | None]:
    root = ET.fromstring((out / "sitemap.xml").read_bytes())
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return {
        url.findtext("s:loc", namespaces=SITEMAP) or "": url.findtext("s:lastmod", namespaces=SITEMAP)
        for url in root.findall("s:url", SITEMAP)
    }


def test_the_sitemap_lists_every_page_and_each_post_with_lastmod(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "config.yaml": f'title: T\nbase_url: "{BLOG}"\n',
            "content/posts/a.md": post("A", date="2024-01-05T10:00:00Z", tags=["news"]),
            "content/posts/b.md": post("B", date="2024-02-01", updated="2024-02-10T08:00:00Z"),
            "content/posts/c.md": post("Draft", date="2024-02-01", draft="true"),
            "content/about.md": "---\ntitle: About\n---\nUs.\n",
        },
    )
    out = build_site(root)
    entries = sitemap_of(out)
    for url in ("", "2024/01/a/", "2024/02/b/", "about/", "tags/", "tags/news/", "archive/"):
        assert f"{BLOG}{url}" in entries, url
    assert f"{BLOG}2024/02/c/" not in entries
    assert datetime.fromisoformat(entries[f"{BLOG}2024/01/a/"] or "") == datetime.fromisoformat(
        "2024-01-05T10:00:00+00:00"
    )
    assert datetime.fromisoformat(entries[f"{BLOG}2024/02/b/"] or "") == datetime.fromisoformat(
        "2024-02-10T08:00:00+00:00"
    )
    for loc, lastmod in entries.items():
        assert loc.startswith(BLOG)
        path = out / loc[len(BLOG) :]
        assert (path / "index.html" if loc.endswith("/") else path).is_file(), loc
        if lastmod is not None:
            datetime.fromisoformat(lastmod)


def test_robots_txt_names_the_sitemap(tmp_path: Path) -> None:
    out = build_site(make_site(tmp_path, {}), base_url=BLOG)
    lines = (out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert f"Sitemap: {BLOG}sitemap.xml" in lines
    assert "User-agent: *" in lines


@pytest.mark.parametrize("name", ["feed.xml", "sitemap.xml"])
def test_xml_outputs_declare_utf8(tmp_path: Path, name: str) -> None:
    out = build_site(make_site(tmp_path, {"content/posts/a.md": post("Amélie", films=["Amélie"])}))
    declaration = (out / name).read_bytes().split(b"\n", 1)[0].lower()
    assert declaration.startswith(b"<?xml") and b"utf-8" in declaration


def test_feeds_stay_well_formed_with_control_characters_pasted_in(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {"content/posts/a.md": post("Tab\x0bbed", tags=["x\x0cy"], body="A form\x0cfeed and \x1b[0m escape.")},
    )
    out = build_site(root)
    for name in ("feed.xml", "tags/x-y/feed.xml", "sitemap.xml"):
        ET.fromstring((out / name).read_bytes())
    assert entry_titles(feed(out)) == ["Tabbed"]


def test_sitemap_lastmod_of_a_listing_counts_an_older_post_updated_later(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "config.yaml": f'title: T\nbase_url: "{BLOG}"\n',
            "content/posts/new.md": post("New", date="2024-06-01", tags=["news"]),
            "content/posts/old.md": post("Old", date="2023-01-01", updated="2025-01-01", tags=["news"]),
        },
    )
    entries = sitemap_of(build_site(root))
    latest = datetime(2025, 1, 1, tzinfo=UTC)
    for url in ("", "tags/", "tags/news/", "archive/"):
        assert datetime.fromisoformat(entries[f"{BLOG}{url}"] or "") == latest, url
