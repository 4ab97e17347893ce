"""content.py: find the sources and turn each into a Post, Film or Page (checked through builds)."""

from __future__ import annotations

import os
from pathlib import Path
from xml.etree import ElementTree as ET

import html5lib
import pytest
from conftest import build_site, errors_of, image_bytes, make_site, post


def parse_html(path: Path) -> ET.Element:
    return html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)


def main_text(path: Path) -> str:
    main = parse_html(path).find(".//main")
    assert main is not None
    return " ".join("".join(main.itertext()).split())


def meta_description(path: Path) -> str:
    for meta in parse_html(path).iter("meta"):
        if meta.get("name") == "description":
            return meta.get("content") or ""
    raise AssertionError("no description")


# --- finding sources ----------------------------------------------------------------------


def test_each_kind_of_source_goes_to_its_place(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/2024/03/dune.md": post("A post", date="2024-03-01"),
            "content/films/dune-part-two.md": "---\ntitle: 'Dune: Part Two'\n---\nA film.\n",
            "content/about.md": "---\ntitle: About\n---\nA page.\n",
            "content/help/faq.md": "---\ntitle: FAQ\n---\nA nested page.\n",
            "content/media/logo.svg": "<svg/>",
        },
    )
    out = build_site(root)
    assert "A post" in main_text(out / "2024/03/dune/index.html")
    assert "A film." in main_text(out / "films/dune-part-two/index.html")
    assert "A page." in main_text(out / "about/index.html")
    assert "A nested page." in main_text(out / "help/faq/index.html")
    assert (out / "media/logo.svg").read_text() == "<svg/>"


def test_editor_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A"),
            "content/posts/.#a.md": "---\nbroken: [\n---\n",
            "content/posts/a.md~": "backup",
            "content/posts/.a.md.swp": "swap",
            "content/.hidden/secret.md": "---\nbroken: [\n---\n",
            "content/#autosave#": "x",
            "content/posts/notes.bak": "x",
        },
    )
    out = build_site(root)
    names = {path.name for path in out.rglob("*")}
    assert not names & {
        ".#a.md",
        "a.md~",
        ".a.md.swp",
        "secret.md",
        ".hidden",
        "#autosave#",
        "notes.bak",
    }


def test_a_well_known_folder_is_copied_though_its_name_starts_with_a_dot(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A"),
            "content/.well-known/security.txt": "Contact: mailto:desk@example.org\n",
            "content/.well-known/acme-challenge/token": "token.key",
            "content/.well-known/.hidden": "x",
        },
    )
    out = build_site(root)
    assert (out / ".well-known/security.txt").read_text() == "Contact: mailto:desk@example.org\n"
    assert (out / ".well-known/acme-challenge/token").read_text() == "token.key"
    assert not (out / ".well-known/.hidden").exists()


def test_a_link_to_a_file_outside_content_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private", encoding="utf-8")
    root = make_site(tmp_path, {"content/posts/a.md": post("A")})
    os.symlink(secret, root / "content/leak.txt")
    messages = errors_of(root)
    assert len(messages) == 1
    assert messages[0].startswith("content/leak.txt: ")
    assert not (root / "site").exists()


def test_a_crlf_file_with_a_bom_builds(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: Windows\r\ndate: 2024-01-02\r\n---\r\nWritten on Windows.\r\n"
    root = make_site(tmp_path, {"content/posts/w.md": text.encode("utf-8")})
    assert "Written on Windows." in main_text(build_site(root) / "2024/01/w/index.html")


# --- posts --------------------------------------------------------------------------------


def test_a_title_is_always_text(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": "---\ntitle: 1917\ndate: 2024-01-02\n---\nx\n",
            "content/posts/b.md": "---\ntitle: No\ndate: 2024-01-03\n---\nx\n",
            "content/posts/c.md": "---\ntitle: 2001-01-01\ndate: 2024-01-04\n---\nx\n",
        },
    )
    out = build_site(root)
    for slug, title in (("a", "1917"), ("b", "No"), ("c", "2001-01-01")):
        h1 = parse_html(out / f"2024/01/{slug}/index.html").find(".//main//h1")
        assert h1 is not None and "".join(h1.itertext()) == title


FRONT = "---\ntitle: A\ndate: 2024-01-02\nfilms: {films}\n---\n"


FRONT = "---\ntitle: A\ndate: 2024-01-02\nfilms: {films}\n---\n"


def test_films_that_yaml_would_mangle_keep_their_titles(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {"content/posts/a.md": FRONT.format(films='[1917, No, "2001: A Space Odyssey"]')},
    )
    out = build_site(root)
    for slug in ("1917", "no", "2001-a-space-odyssey"):
        assert (out / f"films/{slug}/index.html").is_file()


def test_an_unquoted_film_with_a_colon_is_an_error_naming_the_item(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {"content/posts/a.md": FRONT.format(films="[1917, No, 2001: A Space Odyssey]")},
    )
    assert errors_of(root) == ["content/posts/a.md:4: films[2] was read as a mapping; put the title in quotes"]


def test_a_term_with_nothing_to_make_a_url_from_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", tags=["ok", "!!!"])})
    (message,) = errors_of(root)
    assert message.startswith("content/posts/a.md:3: tags[1] '!!!'")


def test_the_author_defaults_to_the_config_author(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2024-01-02"),
            "content/posts/b.md": post("B", date="2024-01-03", author='"Nadia Okafor"'),
        },
    )
    out = build_site(root)
    assert "Desk" in main_text(out / "2024/01/a/index.html")
    assert "Nadia Okafor" in main_text(out / "2024/01/b/index.html")


def test_updated_is_shown(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", date="2024-01-02", updated="2024-02-03")})
    assert "3 February 2024" in main_text(build_site(root) / "2024/01/a/index.html")


def test_a_front_matter_summary_is_plain_text_never_markdown(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {"content/posts/a.md": post("A", date="2024-01-02", summary='"*Not* emphasis & <b>no</b> tags"')},
    )
    out = build_site(root)
    assert meta_description(out / "2024/01/a/index.html") == "*Not* emphasis & <b>no</b> tags"
    home = parse_html(out / "index.html")
    assert [element for element in home.iter() if element.tag in {"em", "b"}] == []
    assert "*Not* emphasis & <b>no</b> tags" in main_text(out / "index.html")


def test_a_summary_is_the_text_before_the_more_marker(tmp_path: Path) -> None:
    body = "First *part*.\n\nStill the summary.\n\n<!-- more -->\n\nThe rest."
    root = make_site(tmp_path, {"content/posts/a.md": post("A", date="2024-01-02", body=body)})
    out = build_site(root)
    assert meta_description(out / "2024/01/a/index.html") == "First part. Still the summary."
    assert "The rest." in main_text(out / "2024/01/a/index.html")


def test_a_summary_is_else_the_first_paragraph(tmp_path: Path) -> None:
    body = "![A still](still.png)\n\nThe **first** paragraph.\n\nThe second."
    files = {"content/posts/a.md": post("A", date="2024-01-02", body=body)}
    root = make_site(tmp_path, files | {"content/posts/still.png": image_bytes()})
    assert meta_description(build_site(root) / "2024/01/a/index.html") == "The first paragraph."


def test_a_post_image_and_its_alt_text(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/2024/dune/index.md": post(
                "Dune", date="2024-03-01", image="poster.jpg", image_alt='"Paul on a sandworm"'
            ),
            "content/posts/2024/dune/poster.jpg": image_bytes(kind="JPEG"),
            "content/posts/remote.md": post(
                "Remote",
                date="2024-03-02",
                image="https://cdn.example/still.jpg",
                image_alt="Still",
            ),
        },
    )
    out = build_site(root)
    tree = parse_html(out / "2024/03/dune/index.html")
    (hero,) = [image for image in tree.iter("img") if image.get("alt") == "Paul on a sandworm"]
    assert hero.get("src") == "/2024/03/dune/poster.jpg"
    og_image = [meta.get("content") for meta in tree.iter("meta") if meta.get("property") == "og:image"]
    assert og_image == ["https://example.org/2024/03/dune/poster.jpg"]
    remote = parse_html(out / "2024/03/remote/index.html")
    assert "https://cdn.example/still.jpg" in [image.get("src") for image in remote.iter("img")]


def test_unknown_keys_keep_their_structure_for_layouts(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "layouts/facts.html": "{% for name in page.extra.crew %}[{{ name }}]{% endfor %}"
            "{{ page.extra.verdict.stars }}/{{ page.extra.verdict.of }}",
            "content/posts/a.md": post(
                "A",
                date="2024-01-02",
                layout="facts",
                crew='["Greig Fraser", "Hans Zimmer"]',
                verdict="{stars: 4, of: 5}",
            ),
        },
    )
    html = (build_site(root) / "2024/01/a/index.html").read_text(encoding="utf-8")
    assert html == "[Greig Fraser][Hans Zimmer]4/5"


def test_a_draft_flag_that_is_not_yes_or_no_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", draft="maybe")})
    assert errors_of(root) == ["content/posts/a.md:3: draft must be true or false, not 'maybe'"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"published": "maybe"}, "published must be true or false, not 'maybe'"),
        ({"published": '""'}, "published must be true or false, not ''"),
        ({"published": "[no]"}, "published must be true or false, not a list"),
        ({"draft": "1"}, "draft must be true or false, not '1'"),
        ({"status": "pending"}, "status 'pending' must be one of published, draft, hidden"),
        ({"status": '""'}, "status '' must be one of published, draft, hidden"),
        ({"status": "[draft]"}, "status must be text, not a list; put it in quotes"),
    ],
)
def test_a_publishing_control_that_says_neither_yes_nor_no_is_an_error(
    tmp_path: Path, fields: dict[str, str], message: str
) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", **fields)})
    assert errors_of(root) == [f"content/posts/a.md:3: {message}"]


def test_every_bad_publishing_control_of_a_post_is_reported_at_once(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", draft="perhaps", published="soon", status="later")})
    assert errors_of(root) == [
        "content/posts/a.md:3: draft must be true or false, not 'perhaps'",
        "content/posts/a.md:4: published must be true or false, not 'soon'",
        "content/posts/a.md:5: status 'later' must be one of published, draft, hidden",
    ]


def test_a_file_name_that_gives_no_slug_needs_a_slug(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/___.md": post("A")})
    (message,) = errors_of(root)
    assert message.startswith("content/posts/___.md:1: ")
    assert "slug" in message


def test_a_post_in_its_own_folder_with_a_dated_name(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {"content/posts/2024/2024-03-01-dune-review/index.md": post("Dune", date="2024-03-01")},
    )
    assert (build_site(root) / "2024/03/dune-review/index.html").is_file()


def test_the_date_a_writer_gives_decides_the_permalink(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", date="2024-03-01T00:30:00+02:00")})
    assert (build_site(root) / "2024/03/a/index.html").is_file()


def test_a_date_near_the_ends_of_the_calendar_is_an_error_not_a_crash(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2024-01-01", updated="9999-12-31T23:00:00-05:00"),
            "content/posts/b.md": post("B", date="0001-01-01T00:30:00+01:00"),
        },
    )
    allowed = "dates must be from 1800 to 2999"
    assert sorted(errors_of(root)) == [
        f"content/posts/a.md:4: updated '9999-12-31T23:00:00-05:00' is in the year 9999; {allowed}",
        f"content/posts/b.md:3: date '0001-01-01T00:30:00+01:00' is in the year 1; {allowed}",
    ]


# --- films and pages ----------------------------------------------------------------------


def test_a_film_file_name_must_be_a_slug(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/films/Dune Part Two.md": "---\ntitle: Dune\n---\n"})
    (message,) = errors_of(root)
    assert message.startswith("content/films/Dune Part Two.md")
    assert "dune-part-two.md" in message


@pytest.mark.parametrize(
    ("release", "shown"),
    [("9999-12-31", "release_date '9999-12-31'"), ("{US: 2024-03-01, UK: 9999-12-31}", "release_date for 'UK'")],
)
def test_a_film_release_date_out_of_range_is_an_error(tmp_path: Path, release: str, shown: str) -> None:
    root = make_site(
        tmp_path,
        {
            "content/films/dune.md": f"---\ntitle: Dune\nrelease_date: {release}\n---\n",
            "content/posts/a.md": post("A", films=["dune"]),
        },
    )
    assert errors_of(root) == [f"content/films/dune.md:3: {shown} is in the year 9999; dates must be from 1800 to 2999"]


def test_a_film_needs_a_title(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/films/dune.md": "---\nyear: 2021\n---\n"})
    assert errors_of(root) == ["content/films/dune.md:1: front matter has no title; add 'title: ...'"]


def test_a_film_title_from_its_file_names_the_term(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/films/amelie.md": "---\ntitle: Amélie\nyear: 2001\n---\n",
            "content/posts/a.md": post("A", films=["amelie"]),
        },
    )
    h1 = parse_html(build_site(root) / "films/amelie/index.html").find(".//main//h1")
    assert h1 is not None and "".join(h1.itertext()) == "Amélie"


def test_a_page_slug_from_front_matter(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/about.md": "---\ntitle: About\nslug: who-we-are\n---\nUs.\n"})
    out = build_site(root)
    assert (out / "who-we-are/index.html").is_file()
    assert not (out / "about").exists()


def test_a_page_slug_that_could_leave_the_site_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/about.md": "---\ntitle: About\nslug: ../../x\n---\nUs.\n"})
    (message,) = errors_of(root)
    assert message.startswith("content/about.md:3: ")


def test_every_mistake_in_a_file_is_reported_in_one_build(tmp_path: Path) -> None:
    film = '---\ntitle: "Dune"\nruntime: 0\nwikidata: "dune"\ntrailer: "youtube"\n---\nSand.\n'
    post_text = "---\ndate: 2024-02-30\naliases: [/old/, '/.hidden/', '../up/']\ndraft: maybe\ndraft: no\n---\nBody.\n"
    root = make_site(
        tmp_path,
        {
            "content/posts/empty.md": "---\n---\nNothing yet.\n",
            "content/posts/many.md": post_text,
            "content/films/dune.md": film,
        },
    )
    assert sorted(errors_of(root)) == [
        "content/films/dune.md:3: runtime 0 is not a length in minutes",
        "content/films/dune.md:4: wikidata 'dune' does not look like an id such as Q103474",
        "content/films/dune.md:5: trailer must be a web address starting with https://",
        "content/posts/empty.md:1: front matter has no date; add 'date: ...'",
        "content/posts/empty.md:1: front matter has no title; add 'title: ...'",
        "content/posts/many.md:1: front matter has no title; add 'title: ...'",
        "content/posts/many.md:2: date '2024-02-30' is in the right form, but no real date or time",
        "content/posts/many.md:3: alias '../up/' is not a path inside the site, like /old/url/",
        "content/posts/many.md:3: alias '/.hidden/' is not a path inside the site, like /old/url/",
        "content/posts/many.md:4: draft must be true or false, not 'maybe'",
        "content/posts/many.md:5: 'draft' is given twice (first on line 4)",
    ]
