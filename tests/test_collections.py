"""Film collections: `collection:` in film files, /collections/<slug>/, and the film page's links."""

from __future__ import annotations

from pathlib import Path

from conftest import build_site, errors_of, make_site, post
from test_build import main_of, page, text


def film(title: str, day: str, collection: str = "Dune") -> str:
    return f'---\ntitle: "{title}"\nrelease_date: {day}\ncollection: "{collection}"\nposter: https://img.example/{day}.jpg\n---\n'


def test_a_collection_lists_its_films_in_release_order_and_films_link_to_it(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/films/dune-part-two.md": film("Dune: Part Two", "2024-03-01"),
            "content/films/dune.md": film("Dune", "2021-10-22"),
            "content/films/dune-messiah.md": film("Dune Messiah", "2026-12-18"),
            "content/films/heat.md": "---\ntitle: Heat\nyear: 1995\n---\n",
            "content/posts/old.md": post("Old Dune story", date="2024-01-01", films=["Dune"]),
            "content/posts/new.md": post("New Dune story", date="2024-02-01", films=["Dune"]),
        },
    )
    out = build_site(root)
    listed = main_of(page(out, "/collections/dune/"))
    assert [text(h2) for h2 in listed.iter("h2")] == ["Dune", "Dune: Part Two", "Dune Messiah"]
    assert [img.get("src") for img in listed.iter("img")][0] == "https://img.example/2021-10-22.jpg"
    assert text(listed.find(".//p[@class='latest']")) == "Latest: New Dune story"  # type: ignore[arg-type]
    middle = main_of(page(out, "/films/dune-part-two/")).find(".//nav[@class='collection-nav']")
    assert middle is not None
    links = [(a.get("rel"), a.get("href")) for a in middle.iter("a")]
    assert links == [(None, "/collections/dune/"), ("prev", "/films/dune/"), ("next", "/films/dune-messiah/")]
    first = main_of(page(out, "/films/dune/")).find(".//nav[@class='collection-nav']")
    assert first is not None and [a.get("rel") for a in first.iter("a")] == [None, "next"]
    assert main_of(page(out, "/films/heat/")).find(".//nav[@class='collection-nav']") is None


def test_a_collection_name_without_letters_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/films/x.md": "---\ntitle: X\ncollection: '!!'\n---\n"})
    assert errors_of(root) == ["content/films/x.md:3: collection '!!' needs a letter or digit to make its URL from"]
