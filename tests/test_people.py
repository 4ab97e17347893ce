"""People files: content/people/<slug>.md enriches a person's page and JSON-LD; check asks for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_site, errors_of, image_bytes, make_site, post, run_cli
from test_build import main_of, page, text
from test_reviews import of_type

NOLAN = """\
---
name: Christopher Nolan
born: 1970-07-30
roles: [Director, Screenwriter]
imdb: nm0634240
wikidata: Q25191
photo: nolan.png
links: {website: "https://nolan.example/"}
---
Directs films about time.
"""


def test_a_people_file_enriches_the_page_and_its_person_data(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/people/christopher-nolan.md": NOLAN,
            "content/people/nolan.png": image_bytes(600, 750),
            "content/posts/a.md": post("A", people=["Christopher Nolan"]),
        },
    )
    out = build_site(root)
    tree = page(out, "/people/christopher-nolan/")
    main = main_of(tree)
    assert "Directs films about time." in text(main)
    facts = main.find(".//dl[@class='person-facts']")
    assert facts is not None
    assert [(text(dt), text(dd)) for dt, dd in zip(facts.iter("dt"), facts.iter("dd"), strict=True)][:2] == [
        ("Roles", "Director, Screenwriter"),
        ("Born", "30 July 1970"),
    ]
    photo = main.find(".//figure[@class='person-photo']//img")
    assert photo is not None and photo.get("srcset")
    person = of_type(tree, "Person")
    assert person["name"] == "Christopher Nolan" and person["birthDate"] == "1970-07-30"
    assert person["jobTitle"] == ["Director", "Screenwriter"]
    assert person["image"].startswith("https://example.org/") and person["image"].endswith("nolan.png")
    assert person["sameAs"] == [
        "https://www.imdb.com/name/nm0634240/",
        "https://www.wikidata.org/wiki/Q25191",
        "https://nolan.example/",
    ]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("---\nroles: [Director]\n---\n", 1, "front matter has no name"),
        ("---\nname: A\nborn: 1970-13-01\n---\n", 3, "born '1970-13-01' is not a date"),
        ("---\nname: A\nimdb: tt0634240\n---\n", 3, "imdb 'tt0634240' does not look like an id"),
        ("---\nname: A\nlinks: {site: 'ftp://x'}\n---\n", 3, "links 'site' must be a web address"),
        ("---\nname: A\nheight: 180\n---\n", 3, "unknown person key 'height'"),
    ],
)
def test_each_bad_person_field_is_an_error_at_its_line(tmp_path: Path, body: str, line: int, message: str) -> None:
    errors = errors_of(make_site(tmp_path, {"content/people/a.md": body}))
    assert len(errors) == 1 and errors[0].startswith(f"content/people/a.md:{line}: {message}"), errors


def test_check_asks_for_a_file_about_a_person_named_in_five_posts(tmp_path: Path) -> None:
    files = {f"content/posts/p{n}.md": post(f"P{n}", people=["Greta Gerwig", f"Named {n}"]) for n in range(5)}
    files["content/posts/p0.md"] = post("P0", people=["Greta Gerwig", "Named 1"])  # Named 1: twice
    root = make_site(tmp_path, files)
    result = run_cli("check", "--source", root)
    warning = "person 'Greta Gerwig' (5 posts) has no content/people/greta-gerwig.md"
    assert warning in result.stdout + result.stderr
    assert "person 'Named 1'" not in result.stdout + result.stderr
    (root / "content/people").mkdir()
    (root / "content/people/greta-gerwig.md").write_text("---\nname: Greta Gerwig\n---\n", encoding="utf-8")
    assert warning not in (lambda done: done.stdout + done.stderr)(run_cli("check", "--source", root))
