"""check: scratch sites with one kind of problem each -> the exact finding, at its file and line."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, build_site, make_site, post, run_cli

from matinee.cache import BuildCache
from matinee.check import command, names
from matinee.check.command import check_site
from matinee.check.findings import Problem
from matinee.check.links import Base
from matinee.check.names import similar_pairs
from matinee.check.pages import PageScan
from matinee.config import load_config
from matinee.urls import slugify

CONFIG = (
    'title: "Test Reel"\nbase_url: "https://example.org/"\nauthor: "Desk"\n'
    'description: "Film news"\nimage: "/assets/icon.svg"\n'
)


def site(tmp_path: Path, files: dict[str, str], *, config: str = CONFIG) -> Path:
    """A scratch site whose config has a description and a share image, so it starts clean."""
    root = make_site(tmp_path, files)
    (root / "config.yaml").write_text(config, encoding="utf-8")
    return root


def findings(root: Path, *, build: bool = True, **overrides: object) -> list[str]:
    """Build `root` (unless told not to), check it in-process, return the findings as text."""
    if build:
        build_site(root, **overrides)
    overrides.setdefault("out_dir", root / "site")
    config = load_config(root, **overrides)
    cache = BuildCache(config.cache_dir)
    try:
        return [str(finding) for finding in check_site(config, now=NOW, cache=cache).findings]
    finally:
        cache.close()


def clean_post(title: str, **fields: object) -> str:
    fields.setdefault("summary", f"A short summary of {title}.")
    return post(title, **fields)


# --- a clean site ---------------------------------------------------------------------------


def test_clean_site_has_no_findings(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", tags=["news"])})
    assert findings(root) == []


# --- links, anchors, images, assets ---------------------------------------------------------


def test_broken_link_in_a_post_points_at_its_line(tmp_path: Path) -> None:
    body = "Opening paragraph.\n\nRead [the review](/reviews/dune/) first.\n"
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    assert findings(root) == ["content/posts/a.md:8: links to /reviews/dune/, which is not in the built site"]


@pytest.mark.parametrize(
    "link",
    ["[the cast](/2024/01/b/#cast) and [top](#top)", "[the cast](b.md#cast)"],  # by URL, by the post's file
)
def test_anchor_missing_on_the_target_page_is_reported_at_its_line(tmp_path: Path, link: str) -> None:
    body = f"Opening paragraph.\n\nSee {link}.\n"
    root = site(
        tmp_path,
        {
            "content/posts/a.md": clean_post("Alpha", body=body),
            "content/posts/b.md": clean_post("Beta"),
        },
    )
    assert findings(root) == [
        "content/posts/a.md:8: links to /2024/01/b/#cast, but 2024/01/b/index.html has no id 'cast'"
    ]


def test_anchor_to_an_existing_id_is_fine(tmp_path: Path) -> None:
    body = 'Opening paragraph.\n\n<h2 id="cast">Cast</h2>\n\nJump to [the cast](#cast).\n'
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    assert findings(root) == []


def test_an_anchor_to_a_japanese_heading_is_fine(tmp_path: Path) -> None:
    body = "Opening paragraph.\n\n## 千と千尋の神隠し\n\nBack to [the film](#千と千尋の神隠し).\n"
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    assert findings(root) == []


def test_missing_image_in_a_post_is_reported(tmp_path: Path) -> None:
    body = "Opening paragraph.\n\n![A still from Dune](/stills/dune.jpg)\n"
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    assert findings(root) == ["content/posts/a.md:8: shows the image /stills/dune.jpg, which is not in the built site"]


def test_missing_asset_in_a_layout_is_one_finding_for_every_page(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    base = root / "layouts/base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace("/assets/style.css", "/assets/gone.css"),
        encoding="utf-8",
    )
    [finding] = findings(root)
    assert finding.startswith("site/")
    assert ": loads /assets/gone.css, which is not in the built site (and on " in finding


def test_a_root_link_in_a_post_follows_the_base_path(tmp_path: Path) -> None:
    body = "Opening paragraph.\n\nAbout [us](/about/).\n"
    root = site(
        tmp_path,
        {
            "content/posts/a.md": clean_post("Alpha", body=body),
            "content/about.md": "---\ntitle: About\nsummary: Who we are.\n---\nWe write.\n",
        },
    )
    assert findings(root, base_url="https://example.org/blog/") == []


def test_link_that_leaves_the_base_path_is_reported(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    page = root / "layouts" / "404.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "Back to the latest", '<a href="/about/">About</a> Back to the latest'
        ),
        encoding="utf-8",
    )
    assert any(
        "outside the site's base path /blog/" in finding
        for finding in findings(root, base_url="https://example.org/blog/")
    )


# --- HTML -----------------------------------------------------------------------------------


def test_invalid_html5_in_a_post_points_at_the_raw_html(tmp_path: Path) -> None:
    body = "Opening paragraph.\n\n<p>Broken <em>nesting</p></em>\n"
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    [finding] = findings(root)
    assert finding.startswith("content/posts/a.md:8: is not valid HTML5: ")


@pytest.mark.parametrize(
    ("body", "line"),
    [("Opening paragraph.\n\nA pasted \x01 character.\n", 7), ("An opening \x01 paragraph.\n", 5)],
    ids=["later-paragraph", "opening-paragraph-shown-as-summary"],
)
def test_a_control_character_in_a_post_s_body_is_reported_at_its_source_line(
    tmp_path: Path, body: str, line: int
) -> None:
    root = site(tmp_path, {"content/posts/a.md": post("Alpha", body=body)})
    assert findings(root) == [
        f"content/posts/a.md:{line}: is not valid HTML5: it holds the character U+0001, which HTML does not allow;"
        " delete it"
    ]


def test_a_control_character_in_front_matter_is_reported_at_its_field_line(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", summary='"A bell \\a rings."')})
    assert findings(root) == [
        "content/posts/a.md:3: is not valid HTML5: it holds the character U+0007, which HTML does not allow; delete it"
    ]


def test_a_control_character_in_a_layout_is_reported_at_its_line_of_the_built_page(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    layout = root / "layouts/404.html"
    text = layout.read_text(encoding="utf-8").splitlines()
    line = next(number for number, written in enumerate(text, 1) if "{% block" in written)
    text[line - 1] += "\x02"
    layout.write_text("\n".join(text) + "\n", encoding="utf-8")
    [finding] = findings(root)
    assert re.match(r"site/404\.html:(\d+): is not valid HTML5: it holds the character U\+0002, ", finding)
    assert finding.split(":")[1] != "1"


def test_duplicate_id_in_a_post_is_reported(tmp_path: Path) -> None:
    body = 'Opening paragraph.\n\n<div id="main">Clashes with the layout.</div>\n'
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    assert findings(root) == ["content/posts/a.md:8: uses the id 'main' 2 times; ids must be unique on a page"]


def test_image_without_alt_attribute_is_an_error(tmp_path: Path) -> None:
    body = 'Opening paragraph.\n\n<img src="/assets/icon.svg">\n'
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    assert findings(root) == [
        "content/posts/a.md:8: image /assets/icon.svg has no alt attribute; "
        'describe it, or use alt="" if it is decoration'
    ]


def test_markdown_image_with_empty_alt_is_an_error(tmp_path: Path) -> None:
    body = "Opening paragraph.\n\n![](/assets/icon.svg)\n"
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    assert findings(root) == ["content/posts/a.md:8: image /assets/icon.svg has no alt text; describe what it shows"]


def test_hero_image_without_image_alt_points_at_the_image_line(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", image="/assets/icon.svg")})
    assert findings(root) == ["content/posts/a.md:3: image /assets/icon.svg has no image_alt; describe what it shows"]


def test_post_without_summary_text_has_an_empty_description(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": post("Alpha", body="## Only a heading\n")})
    assert findings(root) == [
        "content/posts/a.md:5: has no summary for the meta description; add summary: or an opening paragraph"
    ]


def test_empty_title_and_description_made_by_a_layout(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    out = build_site(root)
    page = out / "archive/index.html"
    text = page.read_text(encoding="utf-8")
    text = text.replace(text[text.index("<title>") : text.index("</title>")], "<title>  ")
    text = re.sub(r'(<meta name="description" content=")[^"]*"', r'\1"', text)
    page.write_text(text, encoding="utf-8")
    problems = findings(root, build=False)
    assert any(
        line.startswith("site/archive/index.html:") and line.endswith(": has an empty <title>") for line in problems
    )
    assert any(
        line.startswith("site/archive/index.html:") and line.endswith(": has an empty meta description")
        for line in problems
    )


# --- feeds ----------------------------------------------------------------------------------


def test_feed_that_is_not_well_formed_xml(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    out = build_site(root)
    (out / "feed.xml").write_text("<feed xmlns='http://www.w3.org/2005/Atom'><title>x</feed>", encoding="utf-8")
    assert findings(root, build=False) == ["site/feed.xml:1: is not well-formed XML: mismatched tag"]


def test_feed_that_is_not_atom(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    out = build_site(root)
    (out / "feed.xml").write_text('<rss version="2.0"><channel/></rss>', encoding="utf-8")
    assert "site/feed.xml: is not an Atom feed: its root element is rss, not feed in the Atom namespace" in findings(
        root, build=False
    )


def test_atom_feed_missing_required_elements(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    out = build_site(root)
    (out / "feed.xml").write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><updated>yesterday</updated>'
        "<entry><title>E</title></entry></feed>",
        encoding="utf-8",
    )
    problems = findings(root, build=False)
    assert "site/feed.xml: the feed has no <id>" in problems
    assert "site/feed.xml: the feed has <updated>yesterday</updated>, not an RFC 3339 time with a zone" in problems
    assert "site/feed.xml: entry 1 has no <id>" in problems
    assert "site/feed.xml: entry 1 has no author, and the feed has none either" in problems


def test_built_feeds_are_valid_atom(tmp_path: Path) -> None:
    files = {
        "content/posts/a.md": clean_post("Alpha", tags=["news"], films=["Dune"]),
        "content/films/dune.md": "---\ntitle: Dune\nyear: 2021\n---\n",
    }
    assert findings(site(tmp_path, files)) == []


# --- what a news desk wants -----------------------------------------------------------------


def test_post_without_share_image_is_a_warning(tmp_path: Path) -> None:
    config = CONFIG.replace('image: "/assets/icon.svg"\n', "")
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")}, config=config)
    assert findings(root) == []  # the default theme shares a card drawn for the post
    base = root / "layouts/base.html"  # a theme that names no share image
    base.write_text(base.read_text().replace("{% if meta.image %}", "{% if false %}"))
    assert findings(root) == [
        "content/posts/a.md: warning: has no share image for social previews; add image: and image_alt:"
    ]


def test_long_summary_is_a_warning_at_its_line(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": post("Alpha", summary="word " * 50)})
    assert findings(root) == [
        "content/posts/a.md:3: warning: the summary is 249 characters; social "
        "previews show about 200, so add a shorter summary:"
    ]


def test_film_without_a_file_is_a_warning_at_its_first_post(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        {
            "content/posts/a.md": clean_post("Alpha", date="2024-01-01", films=["Anora"]),
            "content/posts/b.md": clean_post("Beta", date="2024-02-01", films=["Anora"]),
        },
    )
    assert findings(root) == [
        "content/posts/a.md:4: warning: film 'Anora' (2 posts) has no "
        "content/films/anora.md; add one with its year and director"
    ]


def test_name_that_looks_like_a_typo_of_another(tmp_path: Path) -> None:
    files = {f"content/posts/{n}.md": clean_post(f"Post {n}", people=["Cillian Murphy"]) for n in "abc"}
    files["content/posts/d.md"] = clean_post("Post d", people=["Cillian Muprhy"])
    root = site(tmp_path, files)
    assert findings(root) == [
        "content/posts/d.md:3: warning: person 'Cillian Muprhy' (1 post) looks "
        "like a typo of 'Cillian Murphy' (3 posts)"
    ]


def test_two_spellings_of_one_name(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        {
            "content/posts/a.md": clean_post("Alpha", films=["Amélie"]),
            "content/posts/b.md": clean_post("Beta", films=["Amélie"]),
            "content/posts/c.md": clean_post("Gamma", films=["Amelie"]),
            "content/films/amelie.md": "---\ntitle: Amélie\nyear: 2001\n---\n",
        },
    )
    assert findings(root) == [
        "content/posts/c.md:3: warning: film 'Amelie' is written 'Amélie' in 2 posts; use one spelling"
    ]


def test_sequels_and_filed_films_are_not_typos(tmp_path: Path) -> None:
    files = {
        "content/posts/a.md": clean_post("Alpha", films=["Dune: Part Two", "Heat"]),
        "content/posts/b.md": clean_post("Beta", films=["Dune: Part Two", "Heap"]),
        "content/posts/c.md": clean_post("Gamma", films=["Dune: Part Three"]),
    }
    for name in ("Dune: Part Two", "Dune: Part Three", "Heat", "Heap"):
        files[f"content/films/{slugify(name)}.md"] = f"---\ntitle: {json.dumps(name)}\n---\n"
    assert findings(site(tmp_path, files)) == []


def test_typo_search_on_a_big_site_compares_few_pairs_not_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, not timed: a quadratic search compares ~2 million pairs of 2,000 names."""
    compared: list[tuple[str, str]] = []
    real = names.looks_like_typo
    monkeypatch.setattr(names, "looks_like_typo", lambda *pair: compared.append(pair) or real(*pair))
    rng = random.Random(7)
    words = [
        "night",
        "river",
        "storm",
        "city",
        "dune",
        "heart",
        "glass",
        "winter",
        "signal",
        "harbor",
    ]
    titles = {"-".join(rng.choice(words) for _ in range(rng.randint(2, 4))) + f"-{index}" for index in range(2000)}
    titles |= {
        "oppenheimer",
        "oppenhiemer",
        "killers-of-the-flower-moon",
        "killers-of-the-flower-mon",
    }
    pairs = similar_pairs(titles)
    assert len(compared) < 20 * len(titles), len(compared)
    assert ("oppenheimer", "oppenhiemer") in pairs
    assert ("killers-of-the-flower-mon", "killers-of-the-flower-moon") in pairs


# --- the command ----------------------------------------------------------------------------


def test_errors_exit_1_and_print_path_line_message(tmp_path: Path) -> None:
    body = "Opening paragraph.\n\nRead [the review](/reviews/dune/) first.\n"
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha", body=body)})
    result = run_cli("check", "--source", root)
    assert result.returncode == 1
    assert result.stdout == "content/posts/a.md:8: links to /reviews/dune/, which is not in the built site\n"
    assert "1 error, 0 warnings" in result.stderr


def test_warnings_alone_exit_0_and_strict_makes_them_errors(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": post("Alpha", summary="word " * 50)})
    assert run_cli("check", "--source", root).returncode == 0
    strict = run_cli("check", "--source", root, "--no-build", "--strict")
    assert strict.returncode == 1
    assert strict.stdout.startswith("content/posts/a.md:3: the summary is 249 characters")


def test_json_format_lists_findings_and_counts(tmp_path: Path) -> None:
    body = "Opening paragraph.\n\nRead [the review](/reviews/dune/) first.\n"
    root = site(tmp_path, {"content/posts/a.md": post("Alpha", summary="word " * 50, body=body)})
    result = run_cli("check", "--source", root, "--format", "json", "-q")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["errors"] == 1 and document["warnings"] == 1
    assert document["findings"][0] == {
        "path": "content/posts/a.md",
        "line": 3,
        "severity": "warning",
        "message": ("the summary is 249 characters; social previews show about 200, so add a shorter summary:"),
    }
    assert document["findings"][1]["severity"] == "error"
    assert document["pages"] > 0 and document["feeds"] > 0


def failed_check_document(root: Path) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """Run `check --format json` on a site that cannot be built; return the JSON document it
    prints and the (path, line) of each finding."""
    result = run_cli("check", "--source", root, "--format", "json", "-q")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    return document, [(finding["path"], finding["line"]) for finding in document["findings"]]


def test_json_format_lists_the_build_s_errors_when_it_fails(tmp_path: Path) -> None:
    broken = "---\ntitle: Check: me\ndate: 2024-01-01\n---\nBody.\n"
    root = site(tmp_path, {"content/posts/a.md": broken, "content/posts/b.md": "---\ntitle: B\n---\nNo date.\n"})
    document, positions = failed_check_document(root)
    assert positions == [("content/posts/a.md", 2), ("content/posts/b.md", 1)]
    assert document["errors"] == 2 and document["pages"] == 0


def test_json_format_lists_the_config_s_errors(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    (root / "config.yaml").write_text("title: T\nper_page: -3\nfeed_size: lots\n", encoding="utf-8")
    _, positions = failed_check_document(root)
    assert positions == [("config.yaml", 2), ("config.yaml", 3)]


def test_no_build_without_a_built_site_is_a_clear_error(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": clean_post("Alpha")})
    result = run_cli("check", "--source", root, "--no-build")
    assert result.returncode == 1
    assert "holds no built site; build it first (drop --no-build)" in result.stderr


def test_a_failed_build_stops_check_with_exit_1(tmp_path: Path) -> None:
    root = site(tmp_path, {"content/posts/a.md": "---\ntitle: X\ndate: 2024-13-01\n---\n"})
    result = run_cli("check", "--source", root)
    assert result.returncode == 1
    assert result.stderr.startswith("content/posts/a.md:3: date")


def test_second_check_reuses_the_scans_of_unchanged_pages(tmp_path: Path) -> None:
    root = site(tmp_path, {f"content/posts/{n}.md": clean_post(f"Post {n}") for n in "abcdef"})
    first = findings(root)
    assert (root / ".matinee-cache/check.sqlite").is_file()
    body = "Opening paragraph.\n\nRead [the review](/reviews/dune/) first.\n"
    (root / "content/posts/a.md").write_text(clean_post("Post a", body=body), encoding="utf-8")
    assert first == []
    assert findings(root) == ["content/posts/a.md:8: links to /reviews/dune/, which is not in the built site"]


def _scan_where(out_dir: Path, base: Base, rel: str) -> PageScan:
    """A page scan that says which process made it (module-level: pool workers are handed it)."""
    return PageScan(rel, frozenset(), (), (Problem("pid", None, str(os.getpid())),), True)


@pytest.mark.parametrize("allowed", [{0}, {0, 1}])
def test_pages_are_scanned_by_as_many_processes_as_the_check_may_use_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, allowed: set[int]
) -> None:
    """A check limited to one core (taskset, a CI quota) scans in its own process, not in a pool."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: allowed, raising=False)
    monkeypatch.setattr(command, "scan_file", _scan_where)
    pages = [f"p{number}.html" for number in range(command.PARALLEL_FROM)]
    scans = list(command._scan_fresh(tmp_path, pages, Base.from_url("https://example.org/")))
    assert sorted(scan.rel for scan in scans) == sorted(pages)
    pids = {int(scan.problems[0].message) for scan in scans}
    if len(allowed) == 1:
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids
