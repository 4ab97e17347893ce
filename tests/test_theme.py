"""The default theme: what readers see (layout in a real browser) and what the model feeds it."""

from __future__ import annotations

import functools
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import html5lib
import pytest
from conftest import MINIMAL_CONFIG, REPO, build_site, errors_of, make_site, post, run_build
from PIL import Image

NS = {"h": "http://www.w3.org/1999/xhtml"}
FILM = "---\ntitle: {title}\nyear: 2023\n{extra}---\nAbout the film.\n"


def parse(path: Path) -> Any:
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def text(node: Any) -> str:
    return " ".join("".join(node.itertext()).split())


def film(title: str, extra: str = "") -> str:
    return FILM.format(title=json.dumps(title), extra=extra)


# --- the model and the markup ---------------------------------------------------------------


def test_empty_news_sitemap_is_not_written_nor_named_in_robots(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/old.md": post("Old news", date="2024-01-01")})
    out = build_site(root)
    assert not (out / "news-sitemap.xml").exists()
    assert "news-sitemap" not in (out / "robots.txt").read_text()


def test_news_sitemap_is_written_when_a_story_is_fresh(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/new.md": post("Fresh", date="2026-11-28T08:00:00Z")})
    out = build_site(root)
    assert "<news:title>Fresh</news:title>" in (out / "news-sitemap.xml").read_text()
    assert "Sitemap: https://example.org/news-sitemap.xml" in (out / "robots.txt").read_text()


def test_news_sitemap_lists_the_last_two_days_not_a_future_post_shown_with_drafts(tmp_path: Path) -> None:
    from datetime import timedelta
    from xml.etree import ElementTree

    from conftest import NOW

    def at(hours: int) -> str:
        return (NOW + timedelta(hours=hours)).isoformat()

    files = {
        "content/posts/future.md": post("Tomorrow", date=at(24)),
        "content/posts/fresh.md": post("This morning", date=at(-2)),
        "content/posts/yesterday.md": post("Yesterday", date=at(-30)),
        "content/posts/old.md": post("Last week", date=at(-24 * 7)),
    }
    out = build_site(make_site(tmp_path, files), drafts=True)
    sitemap = ElementTree.parse(out / "news-sitemap.xml")
    titles = [title.text for title in sitemap.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert titles == ["This morning", "Yesterday"]


def _letter_groups(out: Path) -> dict[str, tuple[str | None, list[str]]]:
    main = parse(out / "films/index.html").find(".//main")
    groups = {}
    for section in main.iter("section"):
        heading = section.find("h2")
        groups[text(heading)] = (
            heading.get("id"),
            [text(a.find("span[@class='poster-title']")) for a in section.iter("a")],
        )
    return groups


def test_films_are_sorted_and_lettered_without_leading_articles(tmp_path: Path) -> None:
    files = {
        "content/films/the-boy-and-the-heron.md": film("The Boy and the Heron"),
        "content/films/a-quiet-place.md": film("A Quiet Place"),
        "content/films/barbie.md": film("Barbie"),
        "content/films/theorem.md": film("Theorem"),
        "content/films/1917.md": film("1917"),
    }
    out = build_site(make_site(tmp_path, files))
    groups = _letter_groups(out)
    assert groups == {
        "#": ("letter-other", ["1917"]),
        "B": ("letter-B", ["Barbie", "The Boy and the Heron"]),
        "Q": ("letter-Q", ["A Quiet Place"]),
        "T": ("letter-T", ["Theorem"]),
    }
    jumps = [a.get("href") for a in parse(out / "films/index.html").iterfind(".//nav[@class='letters']/a")]
    assert jumps == ["#letter-other", "#letter-B", "#letter-Q", "#letter-T"]  # each names an id above


def test_sort_articles_setting_serves_other_languages(tmp_path: Path) -> None:
    files = {
        "content/films/le-samourai.md": film("Le Samouraï"),
        "content/films/l-atalante.md": film("L'Atalante"),
        "content/films/the-thing.md": film("The Thing"),
    }
    root = make_site(tmp_path, files)
    with (root / "config.yaml").open("a") as config:
        config.write('sort_articles: [Le, La, "L\'"]\n')
    groups = _letter_groups(build_site(root))
    assert groups == {
        "A": ("letter-A", ["L'Atalante"]),
        "S": ("letter-S", ["Le Samouraï"]),
        "T": ("letter-T", ["The Thing"]),  # "The" is not an article of this site's language
    }


def _menu(out: Path) -> list[tuple[str, str | None]]:
    nav = parse(out / "index.html").find(".//nav[@aria-label='Sections']")
    return [(text(a), a.get("href")) for a in nav.iter("a")]


def test_menu_comes_from_config(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A"), "content/about.md": "---\ntitle: About\n---\nUs.\n"})
    assert _menu(build_site(root))[0] == ("Films", "/films/")  # the default: the sections, then pages
    assert _menu(build_site(root))[-1] == ("About", "/about/")
    with (root / "config.yaml").open("a") as config:
        config.write(
            "menu:\n  - {title: Reviews, url: /tags/reviews/}\n  - {title: Letterboxd, url: 'https://letterboxd.com/'}\n"
        )
    assert _menu(build_site(root)) == [("Reviews", "/tags/reviews/"), ("Letterboxd", "https://letterboxd.com/")]


@pytest.mark.parametrize(
    "menu",
    ["menu: Films", "menu:\n  - {title: Films}", "menu:\n  - {title: Bad, url: 'javascript:alert(1)'}"],
)
def test_a_bad_menu_is_an_error_at_its_line(tmp_path: Path, menu: str) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A")})
    with (root / "config.yaml").open("a") as config:
        config.write(menu + "\n")
    (error,) = errors_of(root)
    assert error.startswith("config.yaml:4: menu")


def test_people_index_lists_only_people_with_stories(tmp_path: Path) -> None:
    files = {
        "content/films/dune.md": film("Dune", "director: [Denis Villeneuve]\ncast: [Zendaya]\n"),
        "content/posts/a.md": post("A", films=["Dune"], people=["Denis Villeneuve"]),
    }
    out = build_site(make_site(tmp_path, files))
    listed = [text(a) for a in parse(out / "people/index.html").iterfind(".//ul[@class='terms']//a")]
    assert listed == ["Denis Villeneuve"]
    page = text(parse(out / "people/zendaya/index.html").find(".//main"))
    assert "Credited in 1 film" in page and "0 stories" not in page
    assert "Dune" in page


def test_home_leads_with_the_featured_story_and_cards_show_three_chips_films_first(tmp_path: Path) -> None:
    files = {
        "content/posts/new.md": post("Newest", date="2024-03-01"),
        "content/posts/pick.md": post("Editor's pick", date="2024-01-01", featured="true"),
        "content/posts/busy.md": post(
            "Busy", date="2024-02-01", tags=["a", "b", "c"], films=["Dune", "Barbie"], people=["Zendaya"]
        ),
    }
    home = parse(build_site(make_site(tmp_path, files)) / "index.html")
    lead = home.find(".//article[@class='lead']")
    assert text(lead.find(".//h2")) == "Editor\u2019s pick"  # smart quotes in titles too
    cards = {text(card.find(".//h2")): card for card in home.iterfind(".//article")}
    assert set(cards) == {"Editor\u2019s pick", "Newest", "Busy"}  # the lead is not repeated as a card
    chips = [text(chip) for chip in cards["Busy"].iterfind(".//ul[@class='chips']//a")]
    assert chips == ["Dune", "Barbie", "#a"]


def _lead_title(page: Path) -> str | None:
    lead = parse(page).find(".//article[@class='lead']")
    return None if lead is None else text(lead.find(".//h2"))


def test_a_featured_story_leads_page_one_only_and_featuring_it_rebuilds_that_page(tmp_path: Path) -> None:
    """The lead is the newest `featured: true` story wherever it is listed, only on page 1;
    featuring a story on page 2 re-renders page 1 in an incremental build."""
    files = {f"content/posts/p{n}.md": post(f"Story {n}", date=f"2024-01-{n + 10}") for n in range(5)}
    root = make_site(tmp_path, files)
    (root / "config.yaml").write_text(MINIMAL_CONFIG + "per_page: 2\n", encoding="utf-8")
    out, _ = run_build(root)
    assert _lead_title(out / "index.html") == "Story 4"
    assert _lead_title(out / "page/2/index.html") is None
    (root / "content/posts/p0.md").write_text(post("Story 0", date="2024-01-10", featured="true"))
    out, report = run_build(root)  # incremental: the cache of the first build is kept
    assert "index.html" in report.touched
    assert _lead_title(out / "index.html") == "Story 0"
    assert [_lead_title(out / f"page/{n}/index.html") for n in (2, 3)] == [None, None]
    (root / "content/posts/p0.md").write_text(post("Story 0", date="2024-01-10"))
    out, report = run_build(root)
    assert "index.html" in report.touched and _lead_title(out / "index.html") == "Story 4"


def test_a_film_page_shows_its_review_apart_from_its_other_stories(tmp_path: Path) -> None:
    """The review's card and the other stories' cards are two grids: a heading says where the
    second begins, and no story is shown twice."""
    files = {
        "content/films/dune.md": film("Dune"),
        "content/posts/review.md": post("Dune review", date="2024-01-05", films=["Dune"], rating="4"),
        "content/posts/news.md": post("Dune news", date="2024-01-06", films=["Dune"]),
    }
    main = parse(build_site(make_site(tmp_path, files)) / "films/dune/index.html").find(".//main")
    review = main.find(".//section[@class='film-review']")
    assert [text(h2) for h2 in review.iter("h2") if h2.get("class") == "card-title"] == ["Dune review"]
    headings = [text(h2) for h2 in main.iter("h2") if h2.get("class") != "card-title"]
    assert headings == ["Our review", "More stories"]
    titles = [text(h2) for h2 in main.iter("h2") if h2.get("class") == "card-title"]
    assert titles == ["Dune review", "Dune news"]


def test_home_has_no_one_item_breadcrumbs_and_movies_have_date_created(tmp_path: Path) -> None:
    files = {"content/films/dune.md": film("Dune"), "content/posts/a.md": post("A", films=["Dune"])}
    out = build_site(make_site(tmp_path, files))
    home = [
        json.loads(s.text) for s in parse(out / "index.html").iter("script") if s.get("type") == "application/ld+json"
    ]
    assert not [data for data in home if data.get("@type") == "BreadcrumbList"]
    film_data = [
        json.loads(s.text)
        for s in parse(out / "films/dune/index.html").iter("script")
        if s.get("type") == "application/ld+json"
    ]
    (movie,) = [data for data in film_data if data.get("@type") == "Movie"]
    assert movie["dateCreated"] == "2023"


def test_home_page_weighs_at_most_one_and_a_half_times_the_old_theme(sample_site: Path) -> None:
    out = build_site(sample_site)
    weight = sum((out / rel).stat().st_size for rel in ("index.html", "assets/style.css", "assets/embeds.js"))
    assert weight <= 1.5 * (12_278 + 9_534 + 709)  # the sample home page before the new theme, measured


# --- in a real browser ------------------------------------------------------------------------


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve a built site over HTTP on a free port, for the browser."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


PAGES = ["/", "/2024/03/dune-part-two-review/", "/films/dune-part-two/", "/films/", "/films/upcoming/", "/404.html"]


@pytest.fixture(scope="module")
def sample_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("theme") / "sample"
    for name in ("content", "layouts"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    out = build_site(root)  # links are site paths: the served copy works at any address
    with serving(out) as url:
        yield url


@pytest.mark.browser
def test_content_is_clear_of_header_and_footer(browser: Any, sample_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for path in PAGES:
        page.goto(sample_url + path)
        gaps = page.evaluate(
            """() => {
              const main = document.querySelector('main'), kids = [...main.children].filter(e => e.offsetHeight);
              const top = Math.min(...kids.map(e => e.getBoundingClientRect().top));
              const bottom = Math.max(...kids.map(e => e.getBoundingClientRect().bottom));
              return [top - document.querySelector('.masthead').getBoundingClientRect().bottom,
                      document.querySelector('.footer').getBoundingClientRect().top - bottom];
            }"""
        )
        assert min(gaps) >= 16, (path, gaps)
    page.close()


@pytest.mark.browser
def test_cards_with_pictures_show_them(browser: Any, sample_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(sample_url + "/")
    pictures = page.locator(".card-media img, .lead-media img")
    assert pictures.count() >= 1
    for index in range(pictures.count()):
        picture = pictures.nth(index)
        picture.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
        box = picture.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    page.close()


@pytest.mark.browser
def test_no_sideways_scroll_on_a_small_phone(browser: Any, sample_url: str) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740})
    for path in [*PAGES, "/people/denis-villeneuve/", "/archive/"]:
        page.goto(sample_url + path)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], (path, widths)
    page.close()


@pytest.mark.browser
def test_phone_header_is_one_row_and_its_menu_opens_without_javascript(browser: Any, sample_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    page.goto(sample_url + "/")
    brand, button = page.locator(".brand").bounding_box(), page.locator(".menu-button").bounding_box()
    assert brand and button and abs(brand["y"] + brand["height"] / 2 - button["y"] - button["height"] / 2) < 4
    films = page.locator(".menu a", has_text="Films")
    assert not films.is_visible()
    page.locator(".menu-button").click()
    assert films.is_visible()
    films.click()
    assert page.url.endswith("/films/")
    context.close()


@pytest.mark.browser
def test_footer_sits_at_the_bottom_of_a_short_page(browser: Any, sample_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(sample_url + "/404.html")
    bottom = page.evaluate("document.querySelector('.footer').getBoundingClientRect().bottom")
    assert abs(bottom - 1000) <= 1
    page.close()


def test_every_page_has_a_share_image_that_exists(sample_site: Path) -> None:
    out = build_site(sample_site)
    pages = [path for path in out.rglob("*.html") if b'http-equiv="refresh"' not in path.read_bytes()]
    assert len(pages) > 100
    for path in pages:
        document = parse(path)
        image = document.find(".//meta[@property='og:image']")
        assert image is not None, path
        assert document.find(".//meta[@name='twitter:image']").get("content") == image.get("content")
        target = out / image.get("content").removeprefix("https://example.org/")
        assert target.is_file(), (path, image.get("content"))
    with Image.open(
        out / "assets/share" / next(iter(sorted(p.name for p in (out / "assets/share").iterdir())))
    ) as card:
        assert card.size == (1200, 630)
