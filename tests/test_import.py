"""`import`: each fixture blog (tests/fixtures/import/, in its generator's own format) comes
across into a site that builds and checks clean, with old URLs kept and a list of what is left."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from matinee.importers.html_to_markdown import html_to_markdown

FIXTURES = REPO / "tests" / "fixtures" / "import"
BLOGS = {
    "wordpress": FIXTURES / "wordpress" / "export.xml",
    "jekyll": FIXTURES / "jekyll",
    "hugo": FIXTURES / "hugo",
    "pelican": FIXTURES / "pelican" / "content",
}


def empty_site(tmp_path: Path) -> Path:
    """Return a site made by `init`, with its example content taken out."""
    root = tmp_path / "site-src"
    assert run_cli("init", "-q", root).returncode == 0
    for example in ("content/posts", "content/films"):
        shutil.rmtree(root / example)
    (root / "content/about.md").unlink()
    return root


def import_blog(kind: str, root: Path, *extra: str) -> tuple[int, list[str]]:
    """Import a fixture; return the exit code and the items left for a human (stdout lines)."""
    result = run_cli("import", kind, BLOGS[kind], "--source", root, *extra)
    return result.returncode, result.stdout.splitlines()


def build_and_check(root: Path) -> Path:
    built = run_cli("build", "--no-search", "--source", root)
    assert built.returncode == 0, built.stderr
    checked = run_cli("check", "--no-build", "--source", root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert " 0 errors" in checked.stderr
    return root / "site"


def redirect_target(page: Path) -> str:
    """Return where an alias page sends its visitors."""
    found = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page.read_text(encoding="utf-8"))
    assert found, page
    return html.unescape(found[1])


def test_wordpress_export_builds_with_old_urls_embeds_and_no_drafts(tmp_path: Path) -> None:
    root = empty_site(tmp_path)
    code, left = import_blog("wordpress", root)
    assert code == 1
    assert left == [
        f"{BLOGS['wordpress'].as_posix()}:95: [contact-form-7] is a shortcode Matinee cannot translate; "
        "it is kept, hidden, in the post"
    ]
    site = build_and_check(root)
    assert redirect_target(site / "2024/03/04/dune-part-two-review/index.html") == "/2024/03/dune-part-two-review/"
    assert redirect_target(site / "2024/02/01/oscar-shortlist/index.html") == "/2024/02/oscar-shortlist/"
    review = (site / "2024/03/dune-part-two-review/index.html").read_text(encoding="utf-8")
    assert 'class="embed embed-youtube' in review  # [embed]
    assert "<figcaption>Arrakis, as the film shows it.</figcaption>" in review  # [caption]
    assert review.count("still-") >= 2  # [gallery ids="11,12"]
    assert 'href="../../02/oscar-shortlist.md"' not in review and 'href="/2024/02/oscar-shortlist/"' in review
    assert "[contact-form-7" not in re.sub(r"<!--.*?-->", "", review, flags=re.DOTALL)  # hidden from readers
    assert (site / "wp-content/uploads/2024/03/dune.jpg").is_file()  # old image URLs still answer
    assert not (site / "2024/03/half-written-festival-diary").exists()  # draft
    assert not (site / "2030").exists()  # a future post is a draft, and keeps its date
    assert "date: 2030-05-10" in (root / "content/posts/2030/05/cannes-preview.md").read_text(encoding="utf-8")
    assert (site / "about/index.html").is_file()
    film = (root / "content/films/dune-part-two.md").read_text(encoding="utf-8")
    assert 'imdb: "tt15239678"' in film and 'director: ["Denis Villeneuve"]' in film
    assert "taxonomies: [tags, films, people, categories]" in (root / "config.yaml").read_text(encoding="utf-8")
    assert (site / "categories/reviews/index.html").is_file()


def test_jekyll_site_keeps_permalinks_collections_and_liquid(tmp_path: Path) -> None:
    root = empty_site(tmp_path)
    code, left = import_blog("jekyll", root)
    assert code == 1
    assert left == [
        f"{BLOGS['jekyll'].as_posix()}/_posts/2024-03-4-the-boy-and-the-heron.md:31: {{{{ page.custom_widget }}}} "
        "is Liquid that Matinee cannot translate; it is kept, hidden, in the post"
    ]
    site = build_and_check(root)
    # permalink: /:categories/:year/:month/:day/:title:output_ext, with one-digit day in the file name
    old = site / "reviews/2024/03/04/the-boy-and-the-heron.html"
    assert redirect_target(old) == "/2024/03/the-boy-and-the-heron/"
    assert redirect_target(site / "reviews/perfect-days/index.html") == "/2024/01/perfect-days/"  # a collection
    post = (site / "2024/03/the-boy-and-the-heron/index.html").read_text(encoding="utf-8")
    assert 'class="embed embed-youtube' in post  # {% include youtube.html %}
    assert "{{ page.title }}" in post  # {% raw %} shows its text
    assert 'href="/2024/02/festival-notes/"' in post  # {% post_url %}
    assert not (site / "2024/03/oscar-predictions").exists()  # _drafts
    notes = (site / "2024/02/festival-notes/index.html").read_text(encoding="utf-8")
    assert 'href="/2024/03/the-boy-and-the-heron/"' in notes  # relative_url link to another post
    assert (root / "content/films/the-boy-and-the-heron.md").is_file()


def test_hugo_site_translates_shortcodes_and_toml(tmp_path: Path) -> None:
    root = empty_site(tmp_path)
    code, left = import_blog("hugo", root)
    assert code == 1
    assert left == [
        f"{BLOGS['hugo'].as_posix()}/content/posts/dune-bundle/index.md:21: {{{{< gist >}}}} is a shortcode "
        "Matinee cannot translate; it is kept, hidden, in the post"
    ]
    site = build_and_check(root)
    assert redirect_target(site / "2024/dune-frames.html") == "/2024/03/dune-frames/"  # aliases = [...]
    post = (site / "2024/03/dune-frames/index.html").read_text(encoding="utf-8")
    assert 'class="embed embed-youtube' in post and "<figcaption>The ride.</figcaption>" in post
    assert 'class="language-go"' in post  # {{< highlight go >}}
    assert 'href="/2023/12/godzilla/"' in post  # {{< ref >}}
    godzilla = (site / "2023/12/godzilla/index.html").read_text(encoding="utf-8")
    assert "embed-x" in godzilla  # {{< tweet >}}
    assert not (site / "2024/04/unfinished").exists()
    assert (site / "about/index.html").is_file()


def test_pelican_folder_keeps_article_url_and_static_files(tmp_path: Path) -> None:
    root = empty_site(tmp_path)
    code, left = import_blog("pelican", root)
    assert (code, left) == (0, [])
    site = build_and_check(root)
    assert redirect_target(site / "posts/2024/01/perfect-days/index.html") == "/2024/01/perfect-days/"
    assert redirect_target(site / "posts/2023/12/fallen-leaves/index.html") == "/2023/12/fallen-leaves/"
    post = (site / "2024/01/perfect-days/index.html").read_text(encoding="utf-8")
    assert 'href="/2023/12/fallen-leaves/"' in post  # {filename}
    assert (site / "images/perfect-days.jpg").is_file()  # {static}
    assert not list(site.glob("**/notes-toward-a-list"))
    assert (site / "about/index.html").is_file()


def test_dry_run_writes_nothing_and_reports_the_same(tmp_path: Path) -> None:
    root = empty_site(tmp_path)
    before = sorted(path.relative_to(root) for path in root.rglob("*"))
    result = run_cli("import", "hugo", BLOGS["hugo"], "--source", root, "--dry-run")
    assert result.returncode == 1 and "gist" in result.stdout
    assert "Would import 3 posts (1 draft), 1 page" in result.stderr and "nothing was written" in result.stderr
    assert sorted(path.relative_to(root) for path in root.rglob("*")) == before


def test_import_never_overwrites_a_file(tmp_path: Path) -> None:
    root = empty_site(tmp_path)
    mine = root / "content/posts/2023/12/fallen-leaves.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntitle: Mine\ndate: 2023-12-08\n---\nMy own words.\n", encoding="utf-8")
    code, left = import_blog("pelican", root)
    assert code == 1
    assert left == ["content/posts/2023/12/fallen-leaves.md: already exists; left as it was and not imported"]
    assert "My own words." in mine.read_text(encoding="utf-8")


@pytest.mark.parametrize(("kind", "path"), [("jekyll", "hugo"), ("hugo", "pelican"), ("pelican", "jekyll")])
def test_a_folder_of_another_kind_is_a_usage_error(tmp_path: Path, kind: str, path: str) -> None:
    result = run_cli("import", kind, FIXTURES / path, "--source", empty_site(tmp_path))
    assert result.returncode == 2 and f"is not a {kind.capitalize()}" in result.stderr


def test_a_file_that_is_not_a_wordpress_export_is_a_usage_error(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>', encoding="utf-8")
    result = run_cli("import", "wordpress", bomb, "--source", empty_site(tmp_path))
    assert result.returncode == 2 and "declares XML entities" in result.stderr


def test_html_becomes_markdown_and_keeps_what_markdown_would_lose() -> None:
    markdown = html_to_markdown(
        '<p>A <a href="/x/">link</a>, <em>this</em> and <strong>that</strong>.</p>\n'
        "<h3>Cast</h3><ol><li>One</li><li>Two</li></ol>"
        '<table class="scores"><tr><td>5</td></tr></table>'
        '<iframe src="https://www.youtube.com/embed/Way9Dexny3w"></iframe>'
    )
    assert markdown.split("\n\n") == [
        "A [link](/x/), *this* and **that**.",
        "### Cast",
        "1. One\n2. Two",
        '<table class="scores"><tr><td>5</td></tr></table>',
        "https://www.youtube.com/watch?v=Way9Dexny3w\n",
    ]
