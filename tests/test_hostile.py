"""Hostile sites: each gives a clear `path:line: message` (or is handled safely), exit 1, no
traceback, nothing written outside the output folder, and the previous output left byte-identical.

Every test builds a good site with the CLI first, adds the hostile file, and builds again
(see `attempt`). Names say what Matinee does with the input.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import html5lib
import pytest
from conftest import make_site, post
from sandbox import Run, build_cli, only_problem, outside, tree_digest

from matinee.markup import smart_text

GOOD: dict[str, str | bytes] = {
    "content/posts/alpha.md": post("Alpha", date="2024-01-05", tags=["news"], films=["Dune"]),
    "content/posts/beta.md": post("Beta", date="2024-02-09", tags=["reviews"]),
}
Setup = Callable[[Path], object]


def attempt(tmp_path: Path, files: dict[str, str | bytes], setup: Setup | None = None) -> tuple[Path, Run]:
    """Build a good site, add `files` (written as given) and run `setup`, then build again.

    Asserts that the second build wrote nothing outside site/ and the cache and, if it failed,
    left site/ byte-identical; returns the source folder and the second run.
    """
    root = make_site(tmp_path, GOOD)
    first = build_cli(root)
    assert first.code == 0, first.stderr
    site_before = tree_digest(root / "site")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if setup is not None:
        setup(root)
    before = outside(tmp_path, root)
    run = build_cli(root)
    assert outside(tmp_path, root) == before, "the build wrote outside its output folder"
    if run.code != 0:
        assert tree_digest(root / "site") == site_before, "a failed build changed the output"
    return root, run


@pytest.fixture
def payload_marker() -> Iterator[Path]:
    """A file outside the test's folder that a shell payload would create."""
    marker = Path(tempfile.gettempdir()) / f"matinee-pwned-{uuid.uuid4().hex}"
    yield marker
    assert not marker.exists(), "a YAML tag ran a command"


def parse_html(path: Path) -> ET.Element:
    return html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)


# --- YAML ----------------------------------------------------------------------------------


@pytest.mark.parametrize("front", ["- title\n- date\n", "just a sentence\n", "'quoted text'\n", "[a, b]\n"])
def test_front_matter_that_is_not_a_mapping_is_an_error_at_line_2(tmp_path: Path, front: str) -> None:
    _, run = attempt(tmp_path, {"content/posts/x.md": f"---\n{front}---\nBody.\n"})
    assert only_problem(run) == "content/posts/x.md:2: front matter must be 'key: value' lines, not a list or text"


@pytest.mark.parametrize(
    ("tagged", "problem"),
    [
        ("!!python/object/apply:os.system ['touch {marker}']", "title must be text, not a list"),
        ("!!python/object/apply:subprocess.check_call [[touch, '{marker}']]", "title must be text, not a list"),
        ("!!python/object/new:pathlib.Path.touch ['{marker}']", "title must be text, not a list"),
        ("!!python/name:os.system", "title is empty"),  # the tag is dropped; its value is ''
        ("!!python/module:os", "title is empty"),
    ],
)
def test_python_object_tags_run_nothing_and_a_tagged_title_is_an_error(
    tmp_path: Path, payload_marker: Path, tagged: str, problem: str
) -> None:
    value = tagged.format(marker=payload_marker)
    text = f"---\ntitle: {value}\ndate: 2024-01-01\n---\nBody.\n"
    _, run = attempt(tmp_path, {"content/posts/x.md": text})
    assert only_problem(run).startswith(f"content/posts/x.md:2: {problem}")


def test_python_object_tag_in_an_unknown_key_is_kept_as_plain_text(tmp_path: Path, payload_marker: Path) -> None:
    tagged = f"!!python/object/apply:os.system ['touch {payload_marker}']"
    text = f"---\ntitle: X\ndate: 2024-01-01\nextra: {tagged}\n---\nBody.\n"
    root, run = attempt(tmp_path, {"content/posts/x.md": text})
    assert run.code == 0, run.stderr
    assert (root / "site/2024/01/x/index.html").is_file()


def test_billion_laughs_aliases_are_refused_at_once(tmp_path: Path) -> None:
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    text = "---\ntitle: Laughs\ndate: 2024-01-01\n" + "\n".join(levels) + "\n---\nBody.\n"
    _, run = attempt(tmp_path, {"content/posts/x.md": text})
    assert only_problem(run) == "content/posts/x.md:4: YAML anchors and aliases (&name, *name) are not supported"
    assert run.peak_mb < 100, run.peak_mb  # refused before the aliases are expanded


def test_front_matter_without_a_closing_line_is_an_error_at_line_1(tmp_path: Path) -> None:
    _, run = attempt(tmp_path, {"content/posts/x.md": "---\ntitle: Open\ndate: 2024-01-01\nThe body.\n"})
    assert only_problem(run) == "content/posts/x.md:1: front matter opened here is never closed with '---'"


@pytest.mark.parametrize("day", ["2023-02-30", "2023-02-29", "2024-13-01", "2024-04-31T10:00:00Z", "2024-00-10"])
def test_impossible_dates_are_errors_at_their_line(tmp_path: Path, day: str) -> None:
    _, run = attempt(tmp_path, {"content/posts/x.md": f"---\ntitle: X\ndate: {day}\n---\nBody.\n"})
    assert only_problem(run) == f"content/posts/x.md:3: date '{day}' is in the right form, but no real date or time"


# --- size, bytes and encodings -------------------------------------------------------------


def test_a_50_mb_post_fails_at_once_naming_its_size(tmp_path: Path) -> None:
    paragraph = "Villeneuve's *Dune: Part Two* opened to [strong](https://example.org) reviews. " * 6
    body = "\n\n".join([paragraph] * (50_000_000 // (len(paragraph) + 2)))
    _, run = attempt(tmp_path, {"content/posts/huge.md": post("Huge", body=body)})
    assert only_problem(run) == (
        "content/posts/huge.md: is 47.7 MB; a Markdown file may be at most 2 MB (split it, or link to a file beside it)"
    )
    # Measured before the limit: 175 s and 1.7 GB to build this post.
    assert run.peak_mb < 100, run.peak_mb  # measured: 28 MB, so refused before it was read whole


def test_a_post_just_under_the_size_limit_builds_in_bounded_memory(tmp_path: Path) -> None:
    paragraph = "Villeneuve's *Dune: Part Two* opened to [strong](https://example.org) reviews. " * 6
    body = "\n\n".join([paragraph] * (2_000_000 // (len(paragraph) + 2)))
    root, run = attempt(tmp_path, {"content/posts/long.md": post("Long", body=body)})
    assert run.code == 0, run.stderr
    assert (root / "site/2024/01/long/index.html").stat().st_size > 2_000_000
    assert run.peak_mb < 400, run.peak_mb  # measured: 103 MB


def test_a_binary_file_named_md_is_an_error(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    _, run = attempt(tmp_path, {"content/posts/x.md": png})
    assert only_problem(run) == "content/posts/x.md:1: is not UTF-8 text; save it as UTF-8"


def test_a_nul_byte_in_a_post_is_an_error_at_its_line(tmp_path: Path) -> None:
    _, run = attempt(tmp_path, {"content/posts/x.md": b"---\ntitle: X\ndate: 2024-01-01\n---\nA\x00B\n"})
    assert only_problem(run) == "content/posts/x.md:5: holds a NUL byte; is it a binary file?"


def test_a_latin_1_post_is_an_error_at_the_line_of_its_first_bad_byte(tmp_path: Path) -> None:
    text = "---\ntitle: Amélie\ndate: 2024-01-01\n---\nBody.\n".encode("latin-1")
    _, run = attempt(tmp_path, {"content/posts/x.md": text})
    assert only_problem(run) == "content/posts/x.md:2: is not UTF-8 text; save it as UTF-8"


def test_a_latin_1_layout_is_an_error_at_its_line(tmp_path: Path) -> None:
    layout = "{% extends 'base.html' %}\n{% block main %}\nCaf\xe9\n{% endblock %}\n".encode("latin-1")
    _, run = attempt(tmp_path, {"layouts/post.html": layout})
    assert only_problem(run) == "layouts/post.html:3: is not UTF-8 text; save it as UTF-8"


def test_a_binary_file_beside_the_posts_is_copied_byte_for_byte(tmp_path: Path) -> None:
    blob = bytes(range(256)) * 64
    root, run = attempt(tmp_path, {"content/posts/alpha-files/blob.bin": blob})
    assert run.code == 0, run.stderr
    assert (root / "site/posts/alpha-files/blob.bin").read_bytes() == blob


def test_a_file_name_that_is_not_utf_8_is_an_error_naming_its_bytes(tmp_path: Path) -> None:
    def add(root: Path) -> None:
        with open(os.fsencode(root / "content/posts") + b"/caf\xe9.md", "wb") as file:
            file.write(post("Cafe").encode("utf-8"))

    _, run = attempt(tmp_path, {}, add)
    assert only_problem(run) == "content/posts/caf\\xe9.md: has a name that is not UTF-8; rename it"


def test_a_bom_and_crlf_line_ends_build_like_plain_utf_8(tmp_path: Path) -> None:
    lines = ["---", "title: Crème brûlée", "date: 2024-03-01", "tags: [Food, Film]", "---"]
    lines += ["First line", "of the body.", "", "Second paragraph.", ""]
    text = "\ufeff" + "\r\n".join(lines)
    root, run = attempt(tmp_path, {"content/posts/creme.md": text.encode("utf-8")})
    assert run.code == 0, run.stderr
    page = parse_html(root / "site/2024/03/creme/index.html")
    h1 = page.find(".//main//h1")
    assert h1 is not None and "".join(h1.itertext()) == "Crème brûlée"
    paragraphs = ["".join(p.itertext()) for p in page.findall(".//main//div[@class='prose']//p")]
    assert paragraphs == ["First line\nof the body.", "Second paragraph."]
    assert (root / "site/tags/food/index.html").is_file()
    for path in (root / "site").rglob("*"):
        if path.suffix in (".html", ".xml"):
            text_out = path.read_text(encoding="utf-8")
            assert "\r" not in text_out and "\ufeff" not in text_out, path


# --- escaping ------------------------------------------------------------------------------

SCRIPT = """</script><script>alert("x")</script><b data-evil='1'>&amp; {{ 7*7 }} ]]>"""


def test_script_in_titles_and_names_is_escaped_in_html_feeds_and_json_ld(tmp_path: Path) -> None:
    fields = {
        "tags": [SCRIPT],
        "films": [SCRIPT + " film"],
        "people": [SCRIPT + " person"],
        "summary": json.dumps(SCRIPT),
        "author": json.dumps(SCRIPT),
        "body": "A plain body.",
    }
    root, run = attempt(tmp_path, {"content/posts/x.md": post(SCRIPT, date="2024-03-01", **fields)})
    assert run.code == 0, run.stderr
    out = root / "site"
    title = smart_text(SCRIPT)  # titles get curly quotes; the markup in them stays text
    h1 = parse_html(out / "2024/03/x/index.html").find(".//main//h1")
    assert h1 is not None and "".join(h1.itertext()) == title
    ld_titles = []
    for path in out.rglob("*.html"):
        document = parse_html(path)
        assert document.find(".//b[@data-evil]") is None, path
        for script in document.iter("script"):
            text = script.text or ""
            if script.get("type") == "application/ld+json":
                ld_titles += [item.get("headline") for item in [json.loads(text)]]
            else:
                assert "alert(" not in text, path
    assert title in ld_titles
    for feed in [out / "feed.xml", *out.glob("*/script-*/feed.xml")]:
        titles = [node.text for node in ET.parse(feed).getroot().iter("{http://www.w3.org/2005/Atom}title")]
        assert title in titles, feed
    ET.parse(out / "sitemap.xml")
    assert not (out / "news-sitemap.xml").exists()  # no story of the last two days: no news sitemap


# --- slugs, aliases, file names -------------------------------------------------------------


@pytest.mark.parametrize("slug", ["../../x", "/etc/x", "C:\\x", "", "!!!", "a/b", ".hidden", "x y"])
def test_a_post_slug_that_is_not_one_url_part_is_an_error_at_its_line(tmp_path: Path, slug: str) -> None:
    _, run = attempt(tmp_path, {"content/posts/x.md": post("X", slug=json.dumps(slug))})
    assert only_problem(run).startswith(f"content/posts/x.md:3: slug {slug!r} may hold only letters, digits")


def test_a_windows_device_name_slug_con_builds_inside_the_output_folder(tmp_path: Path) -> None:
    root, run = attempt(tmp_path, {"content/posts/x.md": post("X", slug="con")})
    assert run.code == 0, run.stderr
    assert (root / "site/2024/01/con/index.html").is_file()


@pytest.mark.parametrize("alias", ["../../x", "C:\\x", "/a/../../x", "/.hidden/", "/.matinee-commit", "x?y", "/"])
def test_an_alias_that_could_leave_the_site_is_an_error_at_its_line(tmp_path: Path, alias: str) -> None:
    _, run = attempt(tmp_path, {"content/posts/x.md": post("X", aliases=[alias])})
    assert only_problem(run) == f"content/posts/x.md:3: alias {alias!r} is not a path inside the site, like /old/url/"


@pytest.mark.parametrize(
    ("alias", "written"),
    [("/etc/x", "etc/x/index.html"), ("con", "con/index.html"), ("!!!", "!!!/index.html"), ("/old.html", "old.html")],
)
def test_an_odd_alias_is_written_inside_the_output_folder(tmp_path: Path, alias: str, written: str) -> None:
    root, run = attempt(tmp_path, {"content/posts/x.md": post("X", aliases=[alias])})
    assert run.code == 0, run.stderr
    assert b"/2024/01/x/" in (root / "site" / written).read_bytes()


def test_an_empty_alias_is_ignored(tmp_path: Path) -> None:
    root, run = attempt(tmp_path, {"content/posts/x.md": post("X", aliases=[""])})
    assert run.code == 0, run.stderr
    assert (root / "site/2024/01/x/index.html").is_file()


@pytest.mark.parametrize(
    "alias", ["/feed.xml", "/sitemap.xml", "/robots.txt", "/assets/style.css", "/index.html", "/tags/news/feed.xml"]
)
def test_an_alias_naming_a_file_matinee_makes_is_an_error_at_its_line(tmp_path: Path, alias: str) -> None:
    _, run = attempt(tmp_path, {"content/posts/x.md": post("X", aliases=[alias])})
    assert only_problem(run).startswith(f"content/posts/x.md:3: has the URL {alias}, which ")


def test_an_alias_naming_its_own_page_is_an_error_at_its_line(tmp_path: Path) -> None:
    _, run = attempt(tmp_path, {"content/posts/x.md": post("X", aliases=["/2024/01/x/index.html"])})
    assert only_problem(run).startswith("content/posts/x.md:3: has the URL /2024/01/x/index.html, which its own page")


@pytest.mark.parametrize("slug", ["../../x", "C:\\x", "!!!", ".hidden", "a/./b"])
def test_a_page_slug_that_is_not_a_url_path_is_an_error_at_its_line(tmp_path: Path, slug: str) -> None:
    _, run = attempt(tmp_path, {"content/about.md": post("About", slug=json.dumps(slug))})
    problem = only_problem(run)
    assert problem.startswith("content/about.md:3: "), problem


def test_a_page_slug_naming_a_folder_outside_builds_inside_the_output_folder(tmp_path: Path) -> None:
    root, run = attempt(tmp_path, {"content/about.md": post("About", slug="/etc/x")})
    assert run.code == 0, run.stderr
    assert (root / "site/etc/x/index.html").is_file()


@pytest.mark.parametrize("name", ["!!!.md", "---.md", "2024-01-01-.md"])
def test_a_post_file_name_without_letters_needs_a_slug(tmp_path: Path, name: str) -> None:
    _, run = attempt(tmp_path, {f"content/posts/{name}": post("X")})
    assert only_problem(run) == f"content/posts/{name}:1: the file name gives no slug; rename the file or add 'slug:'"


def test_a_file_copied_over_a_page_matinee_makes_is_an_error_naming_it(tmp_path: Path) -> None:
    _, run = attempt(tmp_path, {"content/feed.xml": "<feed/>"})
    assert (
        only_problem(run)
        == "content/feed.xml: would be copied to /feed.xml, which a page Matinee makes also has; rename it"
    )


# --- links and special files ----------------------------------------------------------------


def test_a_link_to_a_file_outside_content_is_an_error(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(post("Secret"), encoding="utf-8")

    def link(root: Path) -> None:
        (root / "content/posts/secret.md").symlink_to(secret)
        (root / "content/posts/hostname.txt").symlink_to("/etc/hostname")

    _, run = attempt(tmp_path, {}, link)
    assert run.code == 1
    assert sorted(run.problems) == [
        "content/posts/hostname.txt: is a link to a file outside content/; copy the file in instead",
        "content/posts/secret.md: is a link to a file outside content/; copy the file in instead",
    ]


def test_a_link_to_a_folder_outside_content_is_an_error_not_a_silent_gap(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "gamma.md").write_text(post("Gamma"), encoding="utf-8")
    _, run = attempt(tmp_path, {}, lambda root: (root / "content/posts/more").symlink_to(elsewhere))
    assert only_problem(run) == "content/posts/more: is a link to a folder outside content/; copy the folder in instead"


def test_a_link_to_a_file_outside_layouts_is_an_error(tmp_path: Path) -> None:
    _, run = attempt(tmp_path, {}, lambda root: (root / "layouts/evil.html").symlink_to("/etc/hostname"))
    assert only_problem(run) == "layouts/evil.html: is a link to a file outside layouts/; copy the file in instead"


def test_a_broken_link_is_an_error(tmp_path: Path) -> None:
    _, run = attempt(
        tmp_path, {}, lambda root: (root / "content/posts/gone.md").symlink_to(root / "content/nowhere.md")
    )
    assert only_problem(run) == "content/posts/gone.md: is a broken link, or was deleted during the build"


def test_a_link_inside_content_to_a_file_inside_content_is_followed(tmp_path: Path) -> None:
    def link(root: Path) -> None:
        (root / "content/posts/alpha-files").mkdir()
        (root / "content/posts/alpha-files/still.txt").write_text("still", encoding="utf-8")
        (root / "content/posts/alpha-files/copy.txt").symlink_to(root / "content/posts/alpha-files/still.txt")

    root, run = attempt(tmp_path, {}, link)
    assert run.code == 0, run.stderr
    assert (root / "site/posts/alpha-files/copy.txt").read_text(encoding="utf-8") == "still"
    assert not (root / "site/posts/alpha-files/copy.txt").is_symlink()


def test_a_named_pipe_in_content_is_an_error_not_a_hang(tmp_path: Path) -> None:
    _, run = attempt(tmp_path, {}, lambda root: os.mkfifo(root / "content/posts/pipe.md"))
    assert only_problem(run) == "content/posts/pipe.md: is not a regular file (a pipe, socket or device); remove it"


# --- clashes --------------------------------------------------------------------------------


def test_two_posts_with_one_permalink_is_an_error_at_a_slug_line(tmp_path: Path) -> None:
    _, run = attempt(
        tmp_path,
        {"content/posts/one.md": post("One", slug="same"), "content/posts/two.md": post("Two", slug="same")},
    )
    assert re.fullmatch(
        r"content/posts/(one|two)\.md:3: has the URL /2024/01/same/, which content/posts/(one|two)\.md "
        r"also has; set another slug or alias",
        only_problem(run),
    )


def test_tags_sci_fi_and_sci_space_fi_share_one_term_page_listing_both_posts(tmp_path: Path) -> None:
    root, run = attempt(
        tmp_path,
        {
            "content/posts/one.md": post("One", date="2024-03-01", tags=["Sci-Fi"]),
            "content/posts/two.md": post("Two", date="2024-03-02", tags=["sci fi"]),
            "content/posts/three.md": post("Three", date="2024-03-03", tags=["SCI FI!"]),
        },
    )
    assert run.code == 0, run.stderr
    assert sorted(path.name for path in (root / "site/tags").iterdir() if path.is_dir()) == [
        "news",
        "reviews",
        "sci-fi",
    ]
    listed = "".join(parse_html(root / "site/tags/sci-fi/index.html").find(".//main").itertext())  # type: ignore[union-attr]
    assert all(title in listed for title in ("One", "Two", "Three"))


# --- layouts that never end -----------------------------------------------------------------


def test_a_layout_that_includes_itself_is_an_error_at_its_line(tmp_path: Path) -> None:
    _, run = attempt(tmp_path, {"layouts/post.html": "<p>before</p>\n{% include 'post.html' %}\n"})
    assert only_problem(run) == "layouts/post.html:2: layouts include, extend or call each other without end"


def test_a_macro_that_calls_itself_is_an_error_at_its_line(tmp_path: Path) -> None:
    layout = "{% macro deeper(n) %}{{ deeper(n + 1) }}{% endmacro %}\n{{ deeper(0) }}\n"
    _, run = attempt(
        tmp_path, {"layouts/partials/loop.html": layout, "layouts/post.html": "{% include 'partials/loop.html' %}"}
    )
    assert only_problem(run) == "layouts/partials/loop.html:1: layouts include, extend or call each other without end"


def test_a_range_of_a_billion_is_an_error_at_its_line(tmp_path: Path) -> None:
    layout = (
        "{% extends 'base.html' %}\n{% block main %}\n{% for i in range(10**9) %}{{ i }}{% endfor %}\n{% endblock %}\n"
    )
    _, run = attempt(tmp_path, {"layouts/post.html": layout})
    assert only_problem(run) == "layouts/post.html:3: range() of more than 100,000 numbers is too long for a layout"


def test_nested_loops_that_would_run_for_hours_stop_at_the_time_limit(tmp_path: Path) -> None:
    layout = (
        "{% extends 'base.html' %}\n{% block main %}\n{% for i in range(100000) %}\n"
        "{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}\n{% endblock %}\n"
    )
    _, run = attempt(tmp_path, {"layouts/post.html": layout})
    problem = only_problem(run)
    assert problem.startswith("layouts/post.html:4: the page took over 5 s to render"), problem
