"""End to end: small scratch sites and the sample site built in-process, output parsed."""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import html5lib
import pytest
from conftest import NOW, build_site, errors_of, image_bytes, make_site, post, run_build, run_cli

from matinee.errors import flatten

BLOG = "https://example.org/blog/"

# --- helpers -------------------------------------------------------------------------------


def parse_html(path: Path) -> ET.Element:
    """Return the parsed document (html5lib, plain tag names)."""
    return html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)


def page(out: Path, url: str) -> ET.Element:
    """Return the parsed page at site URL `url` ('/about/' -> about/index.html)."""
    rel = url.strip("/")
    path = out / rel / "index.html" if url.endswith("/") else out / rel
    assert path.is_file(), f"{url} was not written"
    return parse_html(path)


def main_of(tree: ET.Element) -> ET.Element:
    """Return the page's <main>, where the page's own content is."""
    main = tree.find(".//main")
    assert main is not None
    return main


def text(element: ET.Element) -> str:
    """Return the element's text, whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


def link_texts(element: ET.Element) -> list[str]:
    """Return the text of every link under `element`, in document order."""
    return [text(anchor) for anchor in element.iter("a")]


def in_order(element: ET.Element, titles: list[str]) -> list[str]:
    """Return which of `titles` `element` links to, in the order it shows them."""
    seen = [name for name in link_texts(element) if name in titles]
    return list(dict.fromkeys(seen))


def outputs(out: Path) -> set[str]:
    """Return every file of the built site, relative to it."""
    return {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}


def tree_digest(folder: Path) -> dict[str, str]:
    """Return path -> sha256 of every file under `folder`."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def broken_internal_links(out: Path, base_url: str) -> dict[str, list[str]]:
    """Return every internal href/src (including absolute ones under base_url) that names no file.

    A root-relative link that ignores the base path counts as broken.
    """
    base_path = urlsplit(base_url).path
    broken: dict[str, list[str]] = {}
    for html_file in sorted(out.rglob("*.html")):
        page_dir = "/" + html_file.parent.relative_to(out).as_posix().strip(".") + "/"
        page_dir = page_dir.replace("//", "/")
        for element in parse_html(html_file).iter():
            for attribute in ("href", "src"):
                target = element.get(attribute)
                if target is None:
                    continue
                path = _site_path(target, base_url, base_path, page_dir)
                if path is None:
                    continue
                file = out / unquote(path).lstrip("/")
                if path.endswith("/") or file.is_dir():
                    file = file / "index.html"
                if not file.is_file():
                    where = html_file.relative_to(out).as_posix()
                    broken.setdefault(target, []).append(where)
    return broken


def _site_path(target: str, base_url: str, base_path: str, page_dir: str) -> str | None:
    parts = urlsplit(target)
    if target.startswith("#") or not (parts.path or parts.netloc):
        return None
    if parts.scheme or parts.netloc:
        if not target.startswith(base_url):
            return None  # external
        return "/" + urlsplit(target[len(base_url) :]).path
    if parts.path.startswith("/"):
        if not parts.path.startswith(base_path):
            return "/__outside_the_base_path__" + parts.path
        return "/" + parts.path[len(base_path) :]
    resolved = Path(page_dir, parts.path).as_posix()
    return resolved + ("/" if parts.path.endswith("/") else "")


# --- the sample site ----------------------------------------------------------------------


def test_the_sample_site_builds_every_kind_of_page(sample_site: Path) -> None:
    out, report = run_build(sample_site)
    assert report.posts >= 12
    assert report.tags >= 3 and report.films >= 3 and report.people >= 3
    files = outputs(out)
    for expected in [
        "index.html",
        "page/2/index.html",
        "about/index.html",
        "archive/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "tags/index.html",
        "films/index.html",
        "people/index.html",
        "films/dune-part-two/index.html",
        "films/dune-part-two/feed.xml",
        "films/mission-impossible-dead-reckoning-part-one/index.html",
        "films/amelie/index.html",
        "assets/style.css",
        "2024/03/dune-part-two-review/index.html",
        "2024/03/dune-part-two-review/arrakis.png",
    ]:
        assert expected in files
    assert not any(name.endswith(".md") for name in files)
    assert report.files == len(files)


def test_the_sample_site_leaves_out_the_post_dated_after_now(sample_site: Path) -> None:
    out = build_site(sample_site)
    assert not (out / "2027").exists()
    assert "revisiting-the-dune-trilogy" not in (out / "feed.xml").read_text(encoding="utf-8")


def test_the_sample_site_shows_its_bundled_image_beside_the_post(sample_site: Path) -> None:
    out = build_site(sample_site)
    tree = page(out, "/2024/03/dune-part-two-review/")
    sources = {image.get("src") for image in main_of(tree).iter("img")}
    assert "/2024/03/dune-part-two-review/arrakis.png" in sources
    for image in main_of(tree).iter("img"):
        assert image.get("alt"), "every image in a post has alt text"


def test_every_internal_link_of_the_sample_site_resolves_under_a_base_path(
    sample_site: Path,
) -> None:
    out = build_site(sample_site, base_url=BLOG)
    assert broken_internal_links(out, BLOG) == {}


def test_the_sample_site_builds_the_same_bytes_twice(sample_site: Path, tmp_path: Path) -> None:
    first = tree_digest(build_site(sample_site))
    second = tree_digest(build_site(sample_site, out_dir=tmp_path / "second"))
    assert first == second


# --- pretty URLs and base_url -------------------------------------------------------------


def test_every_page_is_a_folder_with_index_html(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/2024-01-05-dune.md": post("Dune", date="2024-01-05", tags=["sf"]),
            "content/about.md": "---\ntitle: About\n---\nWho we are.\n",
        },
    )
    out = build_site(root)
    pages = {name for name in outputs(out) if name.endswith(".html")}
    assert pages - {"404.html"}
    assert all(name == "index.html" or name.endswith("/index.html") for name in pages - {"404.html"})
    assert "2024/01/dune/index.html" in pages
    assert "about/index.html" in pages


def scratch_blog(tmp_path: Path) -> Path:
    """A small site touching every kind of internal link."""
    return make_site(
        tmp_path,
        {
            "content/posts/2024/dune/index.md": post(
                "Dune",
                date="2024-03-01",
                tags=["science fiction"],
                films=["Dune: Part Two"],
                people=["Denis Villeneuve"],
                image="still.png",
                image_alt="A still",
                body="![Sand](still.png)\n\nSee [the other review](../2024-02-01-poor-things.md) "
                "and [about us](../../../about.md).\n",
            ),
            "content/posts/2024/dune/still.png": image_bytes(),
            "content/posts/2024/2024-02-01-poor-things.md": post(
                "Poor Things", date="2024-02-01", tags=["science fiction"], films=["Poor Things"]
            ),
            "content/posts/2024/2024-01-01-amelie.md": post(
                "Amélie returns", date="2024-01-01", films=["Amélie"], people=["Audrey Tautou"]
            ),
            "content/films/dune-part-two.md": "---\ntitle: 'Dune: Part Two'\nyear: 2024\n---\n",
            "content/about.md": "---\ntitle: About\n---\nRead [our Dune review](posts/2024/dune/index.md).\n",
            "config.yaml": f'title: "Blog"\nbase_url: "{BLOG}"\nper_page: 1\n',
        },
    )


def test_every_internal_link_honours_a_base_url_with_a_path(tmp_path: Path) -> None:
    out = build_site(scratch_blog(tmp_path))
    assert broken_internal_links(out, BLOG) == {}
    home = page(out, "/")
    hrefs = [element.get("href") or "" for element in home.iter() if element.get("href")]
    internal = [href for href in hrefs if href.startswith("/")]
    assert internal and all(href.startswith("/blog/") for href in internal)


def test_relative_links_between_sources_become_site_links(tmp_path: Path) -> None:
    out = build_site(scratch_blog(tmp_path))
    links = {text(a): a.get("href") for a in main_of(page(out, "/2024/03/dune/")).iter("a")}
    assert links["the other review"] == "/blog/2024/02/poor-things/"
    assert links["about us"] == "/blog/about/"
    about = {text(a): a.get("href") for a in main_of(page(out, "/about/")).iter("a")}
    assert about["our Dune review"] == "/blog/2024/03/dune/"


def test_a_link_to_a_missing_markdown_file_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", body="See [b](b.md).")})
    messages = errors_of(root)
    assert len(messages) == 1
    assert messages[0].startswith("content/posts/a.md")
    assert "b.md" in messages[0]


def test_a_link_to_a_missing_markdown_file_names_its_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", body="Intro.\n\nSee [b](b.md).")})
    assert errors_of(root) == ["content/posts/a.md:7: links to 'b.md', but content/posts/b.md does not exist"]


def test_links_inside_code_samples_are_left_as_written(tmp_path: Path) -> None:
    body = (
        'Write `<a href="other.md">` or `<img src="still.png">`.\n\n'
        '    <a href="elsewhere.md">indented</a>\n\n[real](b.md)'
    )
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2024-01-02", body=body),
            "content/posts/b.md": post("B", date="2024-01-03"),
            "content/posts/still.png": b"PNG",
        },
    )
    main = main_of(page(build_site(root), "/2024/01/a/"))
    codes = [text(code) for code in main.iter("code")]
    assert codes == [
        '<a href="other.md">',
        '<img src="still.png">',
        '<a href="elsewhere.md">indented</a>',
    ]
    assert {a.get("href") for a in main.iter("a") if text(a) == "real"} == {"/2024/01/b/"}


def test_base_url_override_reaches_feeds_and_canonical_links(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", date="2024-01-02")})
    out = build_site(root, base_url="https://films.example/news/")
    canonical = [link.get("href") for link in page(out, "/2024/01/a/").iter("link") if link.get("rel") == "canonical"]
    assert canonical == ["https://films.example/news/2024/01/a/"]
    assert "https://films.example/news/2024/01/a/" in (out / "feed.xml").read_text(encoding="utf-8")


# --- posts, slugs and permalinks ----------------------------------------------------------


MARKDOWN = """\
## Box office {: #money .big }

| Film | Gross |
|------|-------|
| Dune | $711m |

It "opened" big -- bigger than expected...[^1]

```python
print("no -- smart 'quotes'")
```

[^1]: Studio estimates.
"""


def test_a_post_gets_every_markdown_extension(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", date="2024-01-02", body=MARKDOWN)})
    main = main_of(page(build_site(root), "/2024/01/a/"))
    heading = main.find(".//h2[@id='money']")
    assert heading is not None and heading.get("class") == "big"
    assert [text(cell) for cell in main.iter("td")] == ["Dune", "$711m"]
    assert main.find(".//div[@class='footnote']") is not None
    assert "It “opened” big – bigger than expected…" in text(main)
    (code,) = main.iter("code")
    assert "".join(code.itertext()) == "print(\"no -- smart 'quotes'\")\n"


def test_a_slug_comes_from_front_matter_first(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {"content/posts/2024-03-01-whatever.md": post("T", date="2024-03-01", slug="dune")},
    )
    assert (build_site(root) / "2024/03/dune/index.html").is_file()


def test_a_slug_comes_from_the_file_name_without_its_date(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/2024/2024-03-01-dune-review.md": post("T", date="2024-03-01")})
    assert (build_site(root) / "2024/03/dune-review/index.html").is_file()


def test_an_index_md_takes_its_folder_name(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/2024/2024-03-01-dune/index.md": post("T", date="2024-03-01")})
    assert (build_site(root) / "2024/03/dune/index.html").is_file()


def test_a_changed_title_never_moves_the_url(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/dune.md": post("Dune is out", date="2024-03-01")})
    first = outputs(build_site(root))
    (root / "content/posts/dune.md").write_text(post("Dune: Part Two is a triumph", date="2024-03-01"))
    second = outputs(build_site(root))
    pages = lambda files: {rel for rel in files if not rel.startswith("assets/share/")}  # noqa: E731 - cards are named by title
    assert pages(first) == pages(second)
    assert "2024/03/dune/index.html" in second


def test_the_permalink_pattern_from_config(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "config.yaml": 'title: T\npermalink: "/news/{year}/{month}/{day}/{slug}"\n',
            "content/posts/dune.md": post("Dune", date="2024-03-07T23:30:00+01:00"),
        },
    )
    out = build_site(root)
    assert (out / "news/2024/03/07/dune/index.html").is_file()


def test_a_slug_that_could_leave_the_site_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", slug='"../../x"')})
    (message,) = errors_of(root)
    assert message.startswith("content/posts/a.md:3: slug '../../x'")


@pytest.mark.parametrize("alias", ["../../x", "/a/../../b/", "c:/x", "https://evil.example/"])
def test_an_alias_that_could_leave_the_site_is_an_error_at_its_line(tmp_path: Path, alias: str) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", aliases=[alias])})
    (message,) = errors_of(root)
    assert message.startswith("content/posts/a.md:3: alias")


def test_an_alias_writes_a_redirect_to_the_post(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", date="2024-01-02", aliases=["/old/a/"])})
    out = build_site(root, base_url=BLOG)
    tree = page(out, "/old/a/")
    refresh = [meta.get("content") for meta in tree.iter("meta") if meta.get("http-equiv") == "refresh"]
    assert refresh == ["0; url=/blog/2024/01/a/"]


# --- pages, assets, bundles ---------------------------------------------------------------


def test_pages_get_their_own_urls(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/about.md": "---\ntitle: About us\n---\nWe watch films.\n",
            "content/info/contact.md": "---\ntitle: Contact\n---\nWrite to us.\n",
        },
    )
    out = build_site(root)
    assert text(main_of(page(out, "/about/")).find(".//h1")) == "About us"  # type: ignore[arg-type]
    assert "Write to us." in text(main_of(page(out, "/info/contact/")))


def test_files_under_content_are_copied_as_they_are(tmp_path: Path) -> None:
    pdf = bytes(range(256))
    root = make_site(tmp_path, {"content/downloads/press-kit.pdf": pdf, "content/posts/a.md": post("A")})
    out = build_site(root)
    assert (out / "downloads/press-kit.pdf").read_bytes() == pdf


def test_theme_assets_under_layouts_are_copied_but_layouts_are_not(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"layouts/assets/extra.css": "body{}", "layouts/fonts/x.woff2": b"\x00\x01"})
    out = build_site(root)
    assert (out / "assets/extra.css").read_text() == "body{}"
    assert (out / "fonts/x.woff2").read_bytes() == b"\x00\x01"
    assert (out / "assets/style.css").is_file()
    assert not (out / "base.html").exists() and not (out / "post.html").exists()


def test_images_beside_a_post_land_beside_its_page(tmp_path: Path) -> None:
    out = build_site(scratch_blog(tmp_path))
    assert (out / "2024/03/dune/still.png").read_bytes() == image_bytes()
    images = [image.get("src") for image in main_of(page(out, "/2024/03/dune/")).iter("img")]
    assert images and all(src == "/blog/2024/03/dune/still.png" for src in images)


def test_an_image_beside_a_plain_post_file_is_linked_where_it_is_copied(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/2024/dune.md": post("Dune", date="2024-03-01", body="![Sand](img/sand.jpg)"),
            "content/posts/2024/img/sand.jpg": image_bytes(kind="JPEG"),
        },
    )
    out = build_site(root)
    (src,) = [image.get("src") for image in main_of(page(out, "/2024/03/dune/")).iter("img")]
    assert src is not None and (out / src.lstrip("/")).read_bytes() == image_bytes(kind="JPEG")


# --- home, pagination, archive ------------------------------------------------------------


def five_posts(tmp_path: Path, per_page: int = 2) -> Path:
    return make_site(
        tmp_path,
        {
            "config.yaml": f'title: T\nbase_url: "https://example.org/"\nper_page: {per_page}\n',
            **{
                f"content/posts/p{day}.md": post(f"Post {day}", date=f"2024-0{day}-1{day}", tags=["news"])
                for day in range(1, 6)
            },
        },
    )


def test_home_is_paginated_by_per_page_newest_first(tmp_path: Path) -> None:
    out = build_site(five_posts(tmp_path))
    titles = [f"Post {day}" for day in range(1, 6)]
    assert in_order(main_of(page(out, "/")), titles) == ["Post 5", "Post 4"]
    assert in_order(main_of(page(out, "/page/2/")), titles) == ["Post 3", "Post 2"]
    assert in_order(main_of(page(out, "/page/3/")), titles) == ["Post 1"]
    assert not (out / "page/4").exists()
    assert not (out / "page/1").exists()


def test_pages_link_to_their_neighbours(tmp_path: Path) -> None:
    out = build_site(five_posts(tmp_path))
    rels = {a.get("rel"): a.get("href") for a in main_of(page(out, "/page/2/")).iter("a") if a.get("rel")}
    assert rels == {"prev": "/", "next": "/page/3/"}


def test_per_page_defaults_to_ten(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {f"content/posts/p{n:02d}.md": post(f"Post {n}", date=f"2024-01-{n:02d}") for n in range(1, 12)},
    )
    out = build_site(root)
    assert len(in_order(main_of(page(out, "/")), [f"Post {n}" for n in range(1, 12)])) == 10
    assert in_order(main_of(page(out, "/page/2/")), [f"Post {n}" for n in range(1, 12)]) == ["Post 1"]


def test_an_empty_site_still_builds_a_home_page(tmp_path: Path) -> None:
    out = build_site(make_site(tmp_path, {}))
    assert (out / "index.html").is_file()
    assert ET.fromstring((out / "feed.xml").read_bytes()).tag == "{http://www.w3.org/2005/Atom}feed"


def test_the_archive_groups_posts_by_year_and_month(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("Jan A", date="2023-01-05"),
            "content/posts/b.md": post("Jan B", date="2023-01-20"),
            "content/posts/c.md": post("Mar", date="2023-03-01"),
            "content/posts/d.md": post("Next year", date="2024-07-01"),
        },
    )
    main = main_of(page(build_site(root), "/archive/"))
    assert [text(h) for h in main.iter("h2")] == ["2024", "2023"]
    assert [text(h) for h in main.iter("h3")] == ["July 2024", "March 2023", "January 2023"]
    assert in_order(main, ["Jan A", "Jan B", "Mar", "Next year"]) == [
        "Next year",
        "Mar",
        "Jan B",
        "Jan A",
    ]


def test_the_archive_shows_each_month_once_whatever_the_time_zones(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2024-03-01T00:30:00+02:00"),
            "content/posts/b.md": post("B", date="2024-02-29T23:00:00Z"),
            "content/posts/c.md": post("C", date="2024-02-10"),
        },
    )
    months = [text(h) for h in main_of(page(build_site(root), "/archive/")).iter("h3")]
    assert len(months) == len(set(months))


def test_a_404_page_is_written_at_the_root(tmp_path: Path) -> None:
    out = build_site(make_site(tmp_path, {"content/posts/a.md": post("A")}), base_url=BLOG)
    tree = parse_html(out / "404.html")
    assert all((a.get("href") or "").startswith("/blog/") for a in main_of(tree).iter("a"))


# --- drafts and future posts --------------------------------------------------------------


def hidden_posts_site(tmp_path: Path) -> Path:
    later = (NOW + timedelta(seconds=1)).isoformat()
    return make_site(
        tmp_path,
        {
            "content/posts/shown.md": post("Shown", date=NOW.isoformat(), tags=["news"]),
            "content/posts/draft.md": post("Draft piece", date="2024-01-01", tags=["news"], draft="true"),
            "content/posts/future.md": post("Future piece", date=later, tags=["news"], films=["Dune"]),
            "content/posts/2024/bundle/index.md": post("Bundled draft", draft="yes"),
            "content/posts/2024/bundle/secret.png": b"PNG",
        },
    )


def test_drafts_and_future_posts_are_left_out_everywhere(tmp_path: Path) -> None:
    out = build_site(hidden_posts_site(tmp_path))
    everything = "".join(
        path.read_text(encoding="utf-8") for path in out.rglob("*") if path.suffix in {".html", ".xml"}
    )
    assert "Shown" in everything
    for hidden in (
        "Draft piece",
        "Future piece",
        "Bundled draft",
        "/draft/",
        "/future/",
        "secret.png",
    ):
        assert hidden not in everything
    assert not any("secret" in name or "draft" in name or "future" in name for name in outputs(out))
    assert not (out / "films/dune").exists()


def test_drafts_and_future_posts_are_built_with_drafts(tmp_path: Path) -> None:
    out = build_site(hidden_posts_site(tmp_path), drafts=True)
    home = main_of(page(out, "/"))
    assert set(in_order(home, ["Shown", "Draft piece", "Future piece", "Bundled draft"])) == {
        "Shown",
        "Draft piece",
        "Future piece",
        "Bundled draft",
    }
    assert (out / "2024/01/bundle/secret.png").is_file()
    assert (out / "films/dune/index.html").is_file()


def test_the_report_counts_future_posts_and_names_the_first_time(tmp_path: Path) -> None:
    root = hidden_posts_site(tmp_path)
    (root / "content/posts/later.md").write_text(post("Later", date="2027-01-10T09:00:00+01:00"), encoding="utf-8")
    _, report = run_build(root)
    assert (report.scheduled, report.next_scheduled) == (2, NOW + timedelta(seconds=1))
    _, everything = run_build(root, drafts=True)  # nothing is left out
    assert (everything.scheduled, everything.next_scheduled) == (0, None)


@pytest.mark.parametrize(
    "held",
    [
        {"draft": "yes"},
        {"draft": "On"},
        {"draft": "TRUE"},
        {"published": "false"},  # Jekyll's word
        {"published": "No"},
        {"status": "draft"},  # Pelican's
        {"status": "hidden"},
        {"status": "Draft"},
        {"draft": "false", "published": "false"},  # any one of them holds a post back
        {"published": "true", "status": "hidden"},
    ],
)
def test_every_way_of_saying_unpublished_leaves_the_post_out(tmp_path: Path, held: dict[str, str]) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/shown.md": post("Shown", tags=["news"]),
            "content/posts/held.md": post("Held piece", tags=["news"], films=["Dune"], **held),
        },
    )
    out = build_site(root)
    everything = "".join(
        path.read_text(encoding="utf-8") for path in out.rglob("*") if path.suffix in {".html", ".xml", ".json"}
    )
    assert "Shown" in everything
    assert "Held piece" not in everything and "/held/" not in everything  # pages, sitemap, feeds
    assert (out / "sitemap.xml").is_file() and (out / "feed.xml").is_file()
    assert not any("held" in name for name in outputs(out))
    assert not (out / "films/dune").exists()


@pytest.mark.parametrize(
    "shown", [{"draft": "off"}, {"published": "TRUE"}, {"published": "yes"}, {"status": "published"}]
)
def test_saying_published_publishes(tmp_path: Path, shown: dict[str, str]) -> None:
    out = build_site(make_site(tmp_path, {"content/posts/a.md": post("Out now", **shown)}))
    assert "Out now" in (out / "feed.xml").read_text(encoding="utf-8")
    assert (out / "2024/01/a/index.html").is_file()


# --- taxonomies ---------------------------------------------------------------------------


def tagged_site(tmp_path: Path) -> Path:
    return make_site(
        tmp_path,
        {
            "config.yaml": 'title: T\nbase_url: "https://example.org/"\nper_page: 2\n',
            "content/posts/a.md": post("Alpha", date="2024-01-05", tags=["festivals"], people=["Greta Gerwig"]),
            "content/posts/b.md": post("Beta", date="2024-02-09", tags=["festivals", "news"]),
            "content/posts/c.md": post("Gamma", date="2024-03-01", tags="festivals"),
            "content/posts/d.md": post(
                "Delta",
                date="2024-04-01",
                films=["Mission: Impossible – Dead Reckoning Part One", "Amélie", "1917", "Barbie"],
            ),
        },
    )


def test_the_tags_index_lists_every_tag_with_its_post_count(tmp_path: Path) -> None:
    main = main_of(page(build_site(tagged_site(tmp_path)), "/tags/"))
    items = {text(li.find("a")): text(li) for li in main.iter("li") if li.find("a") is not None}  # type: ignore[arg-type]
    assert set(items) == {"festivals", "news"}
    assert re.search(r"\b3\b", items["festivals"].replace("festivals", ""))
    assert re.search(r"\b1\b", items["news"].replace("news", ""))


def test_a_term_page_lists_its_posts_newest_first_and_is_paginated(tmp_path: Path) -> None:
    out = build_site(tagged_site(tmp_path))
    titles = ["Alpha", "Beta", "Gamma", "Delta"]
    assert in_order(main_of(page(out, "/tags/festivals/")), titles) == ["Gamma", "Beta"]
    assert in_order(main_of(page(out, "/tags/festivals/page/2/")), titles) == ["Alpha"]
    assert in_order(main_of(page(out, "/tags/news/")), titles) == ["Beta"]
    assert not (out / "tags/news/page/2").exists()


def test_one_string_is_taken_as_a_one_item_list(tmp_path: Path) -> None:
    out = build_site(tagged_site(tmp_path))
    assert "Gamma" in link_texts(main_of(page(out, "/tags/festivals/")))


def test_term_slugs_are_unicode_aware_and_clean(tmp_path: Path) -> None:
    out = build_site(tagged_site(tmp_path))
    tree = page(out, "/films/mission-impossible-dead-reckoning-part-one/")
    assert text(main_of(tree).find(".//h1")) == "Mission: Impossible – Dead Reckoning Part One"  # type: ignore[arg-type]
    assert text(main_of(page(out, "/films/amelie/")).find(".//h1")) == "Amélie"  # type: ignore[arg-type]
    assert (out / "people/greta-gerwig/index.html").is_file()


def test_non_latin_terms_get_pages_that_their_links_reach(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post(
                "Godzilla",
                date="2024-01-02",
                films=["ゴジラ-1.0"],
                people=["山崎貴"],
                tags=["кино"],
            ),
        },
    )
    out = build_site(root, base_url=BLOG)
    assert (out / "films/ゴジラ-1-0/index.html").is_file()
    assert (out / "people/山崎貴/index.html").is_file()
    assert (out / "tags/кино/index.html").is_file()
    assert broken_internal_links(out, BLOG) == {}


def test_films_are_grouped_by_first_letter(tmp_path: Path) -> None:
    main = main_of(page(build_site(tagged_site(tmp_path)), "/films/"))
    groups = {}
    for section in main.iter("section"):
        heading = section.find(".//h2")
        assert heading is not None
        groups[text(heading)] = link_texts(section)
    assert groups == {
        "#": ["1917"],
        "A": ["Amélie"],
        "B": ["Barbie"],
        "M": ["Mission: Impossible – Dead Reckoning Part One"],
    }


def test_a_site_can_add_a_taxonomy(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "config.yaml": "title: T\ntaxonomies: [tags, films, people, studios]\n",
            "content/posts/a.md": post("Past Lives", date="2024-01-05", studios=["A24"]),
        },
    )
    out = build_site(root)
    assert "A24" in link_texts(main_of(page(out, "/studios/")))
    assert "Past Lives" in link_texts(main_of(page(out, "/studios/a24/")))


def test_spellings_of_one_term_share_one_page(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2024-01-05", tags=["Science Fiction"]),
            "content/posts/b.md": post("B", date="2024-01-06", tags=["science-fiction"]),
        },
    )
    out = build_site(root)
    assert in_order(main_of(page(out, "/tags/science-fiction/")), ["A", "B"]) == ["B", "A"]


# --- film metadata ------------------------------------------------------------------------

FILM = """\
---
title: "Dune: Part Two"
year: 2024
release_date: 2024-03-01
director: Denis Villeneuve
cast: ["Timothée Chalamet", "Zendaya"]
poster: poster.jpg
runtime: 166
---
Paul Atreides *joins* the Fremen.
"""


def film_site(tmp_path: Path) -> Path:
    return make_site(
        tmp_path,
        {
            "content/films/dune-part-two.md": FILM,
            "content/films/poster.jpg": image_bytes(kind="JPEG"),
            "content/posts/a.md": post(
                "Dune review",
                date="2024-03-01",
                films=["Dune: Part Two"],
                people=["Denis Villeneuve", "Timothée Chalamet", "Zendaya"],
            ),
        },
    )


def test_film_metadata_is_shown_on_the_film_page(tmp_path: Path) -> None:
    main = main_of(page(build_site(film_site(tmp_path)), "/films/dune-part-two/"))
    shown = text(main)
    for fact in (
        "Dune: Part Two",
        "2024",
        "1 March 2024",
        "Denis Villeneuve",
        "Timothée Chalamet",
        "Zendaya",
    ):
        assert fact in shown
    emphasis = [text(em) for em in main.iter("em")]
    assert "joins" in emphasis, "the film's description is rendered Markdown"
    assert "Dune review" in link_texts(main)


def test_the_film_poster_is_shown_on_the_film_page(tmp_path: Path) -> None:
    out = build_site(film_site(tmp_path))
    sources = [image.get("src") or "" for image in main_of(page(out, "/films/dune-part-two/")).iter("img")]
    assert any((out / src.lstrip("/")).is_file() and src.endswith("poster.jpg") for src in sources)


def test_a_film_with_metadata_but_no_posts_still_gets_a_page(tmp_path: Path) -> None:
    poster = image_bytes(kind="JPEG")
    files = {"content/films/dune-part-two.md": FILM, "content/films/poster.jpg": poster}
    root = make_site(tmp_path, files)
    assert "Dune: Part Two" in text(main_of(page(build_site(root), "/films/dune-part-two/")))


def test_cast_links_on_a_film_page_resolve(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/films/dune-part-two.md": FILM.replace('"Zendaya"', '"Zendaya", "Javier Bardem"'),
            "content/films/poster.jpg": image_bytes(kind="JPEG"),
            "content/posts/a.md": post("Dune review", date="2024-03-01", films=["Dune: Part Two"]),
        },
    )
    out = build_site(root)
    assert broken_internal_links(out, "https://example.org/") == {}


# --- layouts and unknown keys -------------------------------------------------------------

REVIEW_LAYOUT = """\
{% extends "base.html" %}
{% block main %}
<article class="review">
<h1>{{ page.title }}</h1>
<p class="verdict">{{ page.extra.verdict }}</p>
<p class="crew">{{ page.extra.crew.dop }}</p>
</article>
{% endblock %}
"""


def test_a_post_picks_its_layout_and_unknown_keys_reach_it(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "layouts/review.html": REVIEW_LAYOUT,
            "content/posts/a.md": post(
                "Dune",
                date="2024-01-02",
                layout="review",
                verdict='"4/5"',
                crew="{dop: Greig Fraser}",
            ),
            "content/posts/b.md": post("Plain", date="2024-01-03"),
        },
    )
    out = build_site(root)
    review = main_of(page(out, "/2024/01/a/"))
    assert text(review.find(".//p[@class='verdict']")) == "4/5"  # type: ignore[arg-type]
    assert text(review.find(".//p[@class='crew']")) == "Greig Fraser"  # type: ignore[arg-type]
    assert main_of(page(out, "/2024/01/b/")).find(".//article[@class='review']") is None


# --- escaping and hostile values ----------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_every_front_matter_value_is_escaped_where_a_layout_prints_it(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "layouts/review.html": REVIEW_LAYOUT,
            "content/posts/a.md": post(
                SCRIPT,
                date="2024-01-02",
                summary=f'"{SCRIPT} summary"',
                author=f'"{SCRIPT} author"',
                tags=[f"{SCRIPT} tag"],
                films=[f"{SCRIPT} film"],
                people=[f"{SCRIPT} person"],
                image='"https://cdn.example/x.png\\" onerror=\\"alert(1)"',
                image_alt=f'"{SCRIPT}"',
                body="Plain body.",
            ),
            "content/posts/b.md": post(
                "Custom",
                date="2024-01-03",
                layout="review",
                verdict=f'"{SCRIPT}"',
                crew='{dop: "<b>x</b>"}',
            ),
        },
    )
    out = build_site(root)
    for path in out.rglob("*.html"):
        tree = parse_html(path)
        for script in tree.iter("script"):
            # The theme's own scripts load from files; inline, only intact JSON-LD data may
            # carry front matter values.
            if script.get("src"):
                assert "alert" not in script.get("src", "") and not (script.text or "").strip()
            else:
                assert script.get("type") == "application/ld+json", f"{path} runs a script"
                json.loads(script.text or "")
        assert list(tree.iter("b")) == []
        assert all(element.get("onerror") is None for element in tree.iter())
    post_page = main_of(page(out, "/2024/01/a/"))
    assert text(post_page.find(".//h1")) == SCRIPT  # type: ignore[arg-type]
    assert f"{SCRIPT} author" in text(post_page)
    custom = main_of(page(out, "/2024/01/b/"))
    assert text(custom.find(".//p[@class='verdict']")) == SCRIPT  # type: ignore[arg-type]
    for feed in out.rglob("*.xml"):
        ET.fromstring(feed.read_bytes())  # still well-formed XML


def test_a_yaml_tag_that_would_construct_an_object_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    tag = f'!!python/object/apply:os.system ["touch {marker}"]'
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": f"---\ntitle: A\ndate: 2024-01-01\nx: {tag}\n---\n",
            "content/posts/b.md": f"---\ntitle: {tag}\ndate: 2024-01-01\n---\n",
        },
    )
    messages = errors_of(root)
    assert not marker.exists()
    assert messages == ["content/posts/b.md:2: title must be text, not a list; put it in quotes"]


# --- bad input: every problem, each at its place, all in one run -------------------------


def test_three_bad_files_give_three_errors(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": "---\ntitle: A\ndate: 2024-13-01\n---\n",
            "content/posts/b.md": "---\ntitle: [\n---\n",
            "content/posts/c.md": "---\ndate: 2024-01-01\n---\n",
            "content/posts/good.md": post("Good"),
        },
    )
    assert sorted(errors_of(root)) == [
        "content/posts/a.md:3: date '2024-13-01' is in the right form, but no real date or time",
        "content/posts/b.md:2: front matter is not valid YAML: did not find expected node content",
        "content/posts/c.md:1: front matter has no title; add 'title: ...'",
    ]


BAD_FILES: dict[str, str | bytes] = {
    "content/posts/broken-yaml.md": "---\ntitle: A\n  date: 2024-01-01\n---\n",
    "content/posts/no-title.md": "---\ndate: 2024-01-01\n---\n",
    "content/posts/no-date.md": "---\ntitle: A\n---\n",
    "content/posts/month-13.md": "---\ntitle: A\ndate: 2024-13-01\n---\n",
    "content/posts/feb-30.md": "---\ntitle: A\n\ndate: 2023-02-30\n---\n",
    "content/posts/tag-list.md": "---\ntitle: A\ndate: 2024-01-01\ntags: [ok, [nested]]\n---\n",
    "content/posts/film-mapping.md": "---\ntitle: A\ndate: 2024-01-01\nfilms: [1917, No, 2001: A Space Odyssey]\n---\n",
    "content/posts/latin1.md": b"---\ntitle: Am\xe9lie\ndate: 2024-01-01\n---\n",
    "content/films/bad-year.md": "---\ntitle: Film\nyear: soon\n---\n",
    "content/bad-page.md": "---\nslug: about\n---\n",
}

EXPECTED_PLACES = {
    "content/posts/broken-yaml.md:3: front matter is not valid YAML",
    "content/posts/no-title.md:1: front matter has no title",
    "content/posts/no-date.md:1: front matter has no date",
    "content/posts/month-13.md:3: date '2024-13-01'",
    "content/posts/feb-30.md:4: date '2023-02-30'",
    "content/posts/tag-list.md:4: tags[1] must be text",
    "content/posts/film-mapping.md:4: films[2] was read as a mapping",
    "content/posts/latin1.md:2: is not UTF-8",
    "content/films/bad-year.md:3: year must be a whole number",
    "content/bad-page.md:1: front matter has no title",
}


def test_every_content_problem_is_reported_at_its_file_and_line_in_one_run(tmp_path: Path) -> None:
    root = make_site(tmp_path, {**BAD_FILES, "content/posts/good.md": post("Good")})
    messages = errors_of(root)
    assert len(messages) == len(EXPECTED_PLACES)
    for place in EXPECTED_PLACES:
        assert sum(message.startswith(place) for message in messages) == 1, place


def test_two_posts_with_the_same_permalink_are_an_error(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2024-01-05", slug="same"),
            "content/posts/b.md": post("B", date="2024-01-20", slug="same"),
        },
    )
    (message,) = errors_of(root)
    assert "/2024/01/same/" in message
    assert "content/posts/a.md" in message and "content/posts/b.md" in message


def test_a_permalink_clash_is_reported_as_path_line_message(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2024-01-05", slug="same"),
            "content/posts/b.md": post("B", date="2024-01-20", slug="same"),
        },
    )
    (message,) = errors_of(root)
    assert re.match(r"content/posts/[ab]\.md:\d+: ", message)


def test_an_alias_clashing_with_a_generated_page_names_the_post(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", aliases=["/archive/"])})
    (message,) = errors_of(root)
    assert message.startswith("content/posts/a.md:3: ")


# One mistake of every kind a build finds, each in a stage of its own: reading front matter,
# resolving links, claiming URLs, images, parsing layouts, rendering pages.
EVERY_MISTAKE: dict[str, str | bytes] = {
    "content/posts/good.md": post("Good", date="2024-01-02"),
    "content/posts/bad-date.md": post("Bad date", date="2024-13-01"),
    "content/posts/link.md": post("Link", body="See [this](missing.md)."),
    "content/posts/no-layout.md": post("No layout", layout="nope.html"),
    "content/posts/same-one.md": post("Same one", date="2024-02-01", slug="same"),
    "content/posts/same-two.md": post("Same two", date="2024-02-02", slug="same"),
    "content/posts/target.md": post("Target", date="2024-03-01"),
    "content/posts/alias.md": post("Alias", date="2024-03-02", aliases=["/2024/03/target/"]),
    "content/posts/no-image.md": post("No image", image="nothere.jpg", image_alt="A still"),
    "content/posts/body-image.md": post("Body image", body="![A still](gone.png)"),
    "content/posts/damaged.md": post("Damaged", image="damaged.jpg", image_alt="A still"),
    "content/posts/damaged.jpg": b"not a JPEG at all",
    "content/posts/odd.md": post("Odd", layout="odd.html"),
    "content/films/dune.md": "---\ntitle: Dune\nposter: gone.jpg\n---\nA film.\n",
    "content/about.md": "---\ntitle: About\n---\nSee [the archive](nowhere.md).\n",
    "layouts/odd.html": "<p>\n{{ page.no_such_thing }}\n",
    "layouts/unused.html": "{% if %}\n",
}
EVERY_MISTAKE_REPORTED = [
    "content/about.md:4: links to 'nowhere.md', but content/nowhere.md does not exist",
    "content/films/dune.md:3: image 'gone.jpg' does not exist; put the file at content/films/gone.jpg",
    "content/posts/alias.md:4: has the URL /2024/03/target/, which content/posts/target.md also has;"
    " set another slug or alias",
    "content/posts/bad-date.md:3: date '2024-13-01' is in the right form, but no real date or time",
    "content/posts/body-image.md:5: image 'gone.png' does not exist; put the file at content/posts/gone.png",
    "content/posts/damaged.md:3: image content/posts/damaged.jpg cannot be read: it is not a JPEG file,"
    " or it is damaged",
    "content/posts/link.md:5: links to 'missing.md', but content/posts/missing.md does not exist",
    "content/posts/no-image.md:3: image 'nothere.jpg' does not exist; put the file at content/posts/nothere.jpg",
    "content/posts/no-layout.md:3: layout 'nope.html' is not in layouts/",
    "content/posts/same-one.md:4: has the URL /2024/02/same/, which content/posts/same-two.md also has;"
    " set another slug or alias",
    "layouts/odd.html:2: 'matinee.model.Post object' has no attribute 'no_such_thing'",
    "layouts/unused.html:1: Expected an expression, got 'end of statement block'",
]


def test_a_mistake_of_every_kind_is_reported_in_one_build(tmp_path: Path) -> None:
    """A real blog met its errors in waves: those of front matter, then the links and URLs,
    then a missing image. Every stage's mistakes of what could be read come out together."""
    root = make_site(tmp_path, EVERY_MISTAKE)
    assert errors_of(root) == EVERY_MISTAKE_REPORTED  # in file and line order
    assert not (root / "site").exists()


def test_a_mistake_of_every_kind_is_printed_in_one_run_and_the_site_is_left_alone(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/good.md": post("Good", date="2024-01-02")})
    assert run_cli("build", "--source", root).returncode == 0
    before = tree_digest(root / "site")
    make_site(tmp_path, EVERY_MISTAKE)
    result = run_cli("build", "--source", root)
    assert result.returncode == 1
    printed = [line for line in result.stderr.splitlines() if re.match(r"(content|layouts)/", line)]
    assert printed == EVERY_MISTAKE_REPORTED
    assert result.stderr.splitlines()[-1] == (
        f"Build failed with {len(EVERY_MISTAKE_REPORTED)} errors; the output folder was left as it was."
    )
    assert tree_digest(root / "site") == before


def test_a_syntax_error_in_a_layout_every_post_uses_is_reported_once_beside_other_mistakes(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", image="gone.jpg", image_alt="A still"),
            "content/posts/b.md": post("B", date="2024-01-02"),
            "layouts/post.html": "<h1>{{ page.title }</h1>\n",
        },
    )
    messages = errors_of(root)
    assert (
        messages[0] == "content/posts/a.md:3: image 'gone.jpg' does not exist; put the file at content/posts/gone.jpg"
    )
    assert [message.split(": ")[0] for message in messages[1:]] == ["layouts/post.html:1"]


@pytest.mark.parametrize("alias_date", ["2024-03-02", "2024-02-28"], ids=["alias-post-newer", "alias-post-older"])
def test_an_alias_claiming_a_post_s_url_is_reported_at_the_aliases_line(tmp_path: Path, alias_date: str) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/target.md": post("Target", date="2024-03-01"),
            "content/posts/alias.md": post(
                "Alias", slug="alias", aliases=["/old/", "/2024/03/target/"], date=alias_date
            ),
        },
    )
    (message,) = errors_of(root)
    assert message.startswith("content/posts/alias.md:4: has the URL /2024/03/target/, which content/posts/target.md ")


def test_an_alias_claiming_a_page_s_url_is_reported_at_the_aliases_line(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/about.md": "---\ntitle: About\n---\nAbout us.\n",
            "content/posts/a.md": post("A", aliases=["/about/"]),
        },
    )
    assert errors_of(root) == [
        "content/posts/a.md:3: has the URL /about/, which content/about.md also has; set another slug or alias"
    ]


def test_a_missing_layout_is_an_error_at_the_layout_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", layout="nope")})
    assert errors_of(root) == ["content/posts/a.md:3: layout 'nope.html' is not in layouts/"]


def test_a_pages_missing_layout_is_an_error_at_its_layout_line(tmp_path: Path) -> None:
    """Found by test_fuzz: a page's error had no line (pages kept no front matter lines)."""
    root = make_site(tmp_path, {"content/about.md": "---\ntitle: About\nlayout: 0\n---\nHello.\n"})
    assert errors_of(root) == ["content/about.md:3: layout '0.html' is not in layouts/"]


# --- one process, two sites ---------------------------------------------------------------


def test_two_different_sites_build_correctly_one_after_another(tmp_path: Path) -> None:
    first = make_site(
        tmp_path / "one",
        {
            "config.yaml": 'title: "First Reel"\nbase_url: "https://one.example/a/"\nper_page: 1\n',
            "content/posts/a.md": post("Only in one", date="2024-01-01", tags=["one-tag"]),
            "content/posts/b.md": post("Also in one", date="2024-01-02"),
        },
    )
    second_files: dict[str, str | bytes] = {
        "config.yaml": 'title: "Second Reel"\nbase_url: "https://two.example/"\n',
        "layouts/post.html": '{% extends "base.html" %}{% block main %}<h1>{{ page.title }}</h1>{% endblock %}',
        "content/posts/c.md": post("Only in two", date="2024-02-01", tags=["two-tag"]),
    }
    second = make_site(tmp_path / "two", second_files)
    alone = make_site(tmp_path / "alone", second_files)
    build_site(first)
    after_first = build_site(second)
    everything = "".join(path.read_text(encoding="utf-8") for path in after_first.rglob("*.*ml"))
    for leak in ("First Reel", "Only in one", "one-tag", "one.example", "/a/"):
        assert leak not in everything
    assert tree_digest(after_first) == tree_digest(build_site(alone))
    assert tree_digest(build_site(first, out_dir=tmp_path / "again")) == tree_digest(first / "site")


def test_content_and_layout_mistakes_are_reported_in_one_run(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": "---\ntitle: Past Lives: a review\ndate: 2024-01-01\n---\nBody.\n",
            "layouts/term.html": "{% for term in terms %}{{ term.name }\n",
        },
    )
    result = run_cli("build", "--source", root)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("content/posts/a.md:2: ")
    assert lines[1].startswith("layouts/term.html:1: ")
    assert lines[2] == "Build failed with 2 errors; the output folder was left as it was."


def test_a_post_that_cannot_be_read_hides_neither_other_posts_link_errors_nor_links_to_itself(tmp_path: Path) -> None:
    body = "See [the review](a.md) and [the interview](gone.md).\n"
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": "---\ntitle: Past Lives: a review\ndate: 2024-01-01\n---\nBody.\n",
            "content/posts/b.md": post("Beta", body=body),
        },
    )
    with pytest.raises(ExceptionGroup) as caught:
        build_site(root)
    messages = [str(error) for error in flatten(caught.value)]
    assert len(messages) == 2
    assert messages[0].startswith("content/posts/a.md:2: ")
    assert messages[1] == "content/posts/b.md:5: links to 'gone.md', but content/posts/gone.md does not exist"


def test_an_editor_s_lock_link_in_layouts_is_ignored_and_a_broken_link_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("Alpha")})
    os.symlink("root@host.1234:1700000000", root / "layouts/.#base.html")  # what Emacs leaves while editing
    build_site(root)
    (root / "content/posts/a.md").write_text("---\ntitle: A\ndate: 2024-13-01\n---\nBody.\n", encoding="utf-8")
    os.symlink("nowhere.html", root / "layouts/partials/gone.html")
    with pytest.raises(ExceptionGroup) as caught:
        build_site(root)
    assert [str(error) for error in flatten(caught.value)] == [
        "content/posts/a.md:3: date '2024-13-01' is in the right form, but no real date or time",
        "layouts/partials/gone.html: is a broken link, or was deleted during the build",
    ]


def test_a_tag_page_shares_the_newest_picture_or_poster_among_its_posts(tmp_path: Path) -> None:
    """The newest post has none; the one before is about a film with a poster (found once,
    when the site is modelled: model.Term.newest_picture)."""
    root = make_site(
        tmp_path,
        {
            "content/films/dune-part-two.md": FILM,
            "content/films/poster.jpg": image_bytes(kind="JPEG"),
            "content/posts/new.md": post("Newest", date="2024-03-03", tags=["news"]),
            "content/posts/mid.md": post("Middle", date="2024-03-02", tags=["news"], films=["Dune: Part Two"]),
            "content/posts/old.md": post("Oldest", date="2024-03-01", tags=["news"], image="old.jpg"),
            "content/posts/old.jpg": image_bytes(kind="JPEG"),
            "content/posts/plain.md": post("Plain", date="2024-03-04", tags=["plain"]),
        },
    )
    out = build_site(root)

    def shared(page: str) -> str:
        found = re.search(r'<meta property="og:image" content="([^"]+)"', (out / page).read_text(encoding="utf-8"))
        assert found is not None, page
        return found.group(1)

    assert shared("tags/news/index.html").endswith("/films/poster.jpg")
    assert "/assets/share/" in shared("tags/plain/index.html")  # none to share: the site's card
