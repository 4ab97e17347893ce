"""An incremental build's output is byte-identical to a clean build's, whatever was edited."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import NOW, build_site, make_site, post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matinee import parsing
from matinee.cache import BuildCache
from matinee.config import load_config
from matinee.pipeline import build
from matinee.stamp import input_state, up_to_date

TITLES = ["Dune", "Amélie", "Past Lives", "Perfect Days", "1917", "Barbie"]
FILMS = ["Dune: Part Two", "Amélie", "Past Lives", "Oppenheimer"]
TAGS = ["news", "reviews", "festivals"]


def _tree(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _clean_build(source: Path) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "src"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("site", ".matinee-cache"))
        return _tree(build_site(copy))


edits = st.one_of(
    st.tuples(
        st.just("write_post"),
        st.integers(0, 5),
        st.sampled_from(TITLES),
        st.lists(st.sampled_from(FILMS), max_size=2),
        st.lists(st.sampled_from(TAGS), max_size=2),
        st.integers(1, 28),
        st.text("abc xyz", min_size=1, max_size=20),
    ),
    st.tuples(st.just("delete_post"), st.integers(0, 5)),
    st.tuples(st.just("rename_post"), st.integers(0, 5), st.integers(0, 5)),
    st.tuples(st.just("write_film"), st.sampled_from(FILMS), st.integers(1990, 2030)),
    st.tuples(st.just("delete_film"), st.sampled_from(FILMS)),
    st.tuples(
        st.just("edit_layout"),
        st.sampled_from(["post.html", "partials/card.html", "term.html", "base.html"]),
        st.text("abc", min_size=1, max_size=5),
    ),
)


def _edit_sequences(test: Callable[..., None]) -> Callable[..., None]:
    """Run `test` on a few random sequences of edits (each step builds twice: few examples)."""
    suppress = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
    return settings(max_examples=6, deadline=None, suppress_health_check=suppress)(
        given(st.lists(edits, min_size=1, max_size=4))(test)
    )


START: dict[str, str | bytes] = {"content/posts/p0.md": post("Start", films=["Dune: Part Two"], tags=["news"])}


def _apply(root: Path, edit: tuple[object, ...]) -> None:
    kind = edit[0]
    posts = root / "content" / "posts"
    if kind == "write_post":
        _, number, title, films, tags, day, words = edit
        path = posts / f"p{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            post(str(title), date=f"2024-02-{day:02d}", films=films, tags=tags, body=f"Body {words}."), encoding="utf-8"
        )
    elif kind == "delete_post":
        (posts / f"p{edit[1]}.md").unlink(missing_ok=True)
    elif kind == "rename_post":
        source, target = posts / f"p{edit[1]}.md", posts / f"p{edit[2]}.md"
        if source.exists() and not target.exists():
            source.rename(target)
    elif kind == "write_film":
        from matinee.urls import slugify

        _, name, year = edit
        path = root / "content" / "films" / f"{slugify(str(name))}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f'---\ntitle: "{name}"\nyear: {year}\nrelease_date: {year}-05-01\n---\nAbout {name}.\n', encoding="utf-8"
        )
    elif kind == "delete_film":
        from matinee.urls import slugify

        (root / "content" / "films" / f"{slugify(str(edit[1]))}.md").unlink(missing_ok=True)
    elif kind == "edit_layout":
        _, name, text = edit
        layout = root / "layouts" / str(name)
        layout.write_text(layout.read_text(encoding="utf-8") + f"\n<!-- {text} -->\n", encoding="utf-8")


@_edit_sequences
def test_incremental_builds_match_clean_builds(tmp_path: Path, steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        root = make_site(Path(scratch), START)
        build_site(root)
        for step in steps:
            _apply(root, step)
            incremental = _tree(build_site(root))
            assert incremental == _clean_build(root), f"after {step}"


def _age(root: Path) -> None:
    """Date every source a minute back, so that a cache kept in memory trusts their stat."""
    past = time.time() - 60
    for path in (root / "content").rglob("*"):
        os.utime(path, (past, past))


@_edit_sequences
def test_rebuilds_of_one_serve_match_clean_builds(tmp_path: Path, steps: list[tuple[object, ...]]) -> None:
    """`serve` keeps its cache in memory: unchanged files unread, related posts kept while terms stay."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        root = make_site(Path(scratch), START)
        config = load_config(root)
        cache = BuildCache(config.cache_dir, in_memory=True)
        _age(root)
        build(config, now=NOW, cache=cache)
        for step in steps:
            _apply(root, step)
            _age(root)  # an edit is then seen by its inode's change time alone
            build(config, now=NOW, cache=cache)
            assert _tree(root / "site") == _clean_build(root), f"after {step}"
        cache.close()


@pytest.mark.parametrize("in_memory", [True, False], ids=["serve", "one-shot builds"])
def test_a_rebuild_reads_only_the_files_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: bool
) -> None:
    files = {f"content/posts/p{number}.md": post(f"Story {number}") for number in range(5)}
    root = make_site(tmp_path, files)
    config = load_config(root)
    cache = BuildCache(config.cache_dir, in_memory=True)
    _age(root)
    build(config, now=NOW, cache=cache)
    read: list[str] = []
    real = parsing.load_source
    monkeypatch.setattr(parsing, "load_source", lambda file: read.append(file.rel) or real(file))
    (root / "content/posts/p3.md").write_text(post("Story 3, revised"), encoding="utf-8")
    if not in_memory:
        cache.close()
        cache = BuildCache(config.cache_dir)
    build(config, now=NOW, cache=cache)
    assert read == ["content/posts/p3.md"]
    assert "Story 3, revised" in (root / "site/index.html").read_text(encoding="utf-8")
    cache.close()


def test_unchanged_files_keep_their_mtime(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("Alpha", tags=["news"]),
            "content/posts/b.md": post("Beta", date="2024-02-01", tags=["reviews"]),
        },
    )
    out = build_site(root)
    before = {path: path.stat().st_mtime_ns for path in out.rglob("*.html")}
    (root / "content/posts/b.md").write_text(
        post("Beta", date="2024-02-01", tags=["reviews"], body="New words."), encoding="utf-8"
    )
    build_site(root)
    changed = {path.relative_to(out).as_posix() for path, mtime in before.items() if path.stat().st_mtime_ns != mtime}
    assert "2024/01/a/index.html" not in changed
    assert "2024/02/b/index.html" in changed


def test_a_serve_build_drops_the_stamp_so_the_next_build_runs(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/dune.md": post("Dune")})
    config = load_config(root, out_dir=root / "site")
    cache = BuildCache(config.cache_dir)
    try:
        build(config, now=NOW, cache=cache, inputs=input_state(config))
        assert up_to_date(config, NOW, input_state(config), search=False) is not None
        build(config, now=NOW, cache=cache)  # as `serve` builds: for its own address
    finally:
        cache.close()
    state = input_state(config)
    assert up_to_date(config, NOW, state, search=False) is None, "the site on disk is serve's; a `build` must not skip"


def test_a_term_s_sitemap_date_follows_a_tag_moving_between_older_posts(tmp_path: Path) -> None:
    """The term page's lastmod is its latest post's update; here the tag moves from one older
    post to another that was updated later, and the term's count and newest post stay."""
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("Alpha", date="2024-03-01", tags=["news"]),
            "content/posts/b.md": post("Beta", date="2024-01-01", tags=["news"]),
            "content/posts/c.md": post("Gamma", date="2024-01-02", updated="2024-06-01"),
        },
    )
    build_site(root)
    (root / "content/posts/b.md").write_text(post("Beta", date="2024-01-01"), encoding="utf-8")
    (root / "content/posts/c.md").write_text(
        post("Gamma", date="2024-01-02", updated="2024-06-01", tags=["news"]), encoding="utf-8"
    )
    built = _tree(build_site(root))
    clean = _clean_build(root)
    assert b"2024-06-01" in clean["sitemap.xml"]
    assert built["sitemap.xml"] == clean["sitemap.xml"]


def test_a_layout_showing_more_of_the_posts_beside_a_post_is_kept_current(tmp_path: Path) -> None:
    """A post page whose layout shows the summaries of its older and related posts changes
    when one of those summaries does, though their titles and URLs stay."""
    layout = (
        "{{ page.title }}|{% if older %}{{ older.summary }}{% endif %}|"
        "{% for other in related %}{{ other.summary }}{% endfor %}"
    )
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("Alpha", date="2024-01-01", tags=["news"], body="Alpha's first cut."),
            "content/posts/b.md": post("Beta", date="2024-01-02", tags=["news"]),
            "layouts/post.html": layout,
        },
    )
    build_site(root)
    edited = post("Alpha", date="2024-01-01", tags=["news"], body="Alpha's final cut.")
    (root / "content/posts/a.md").write_text(edited, encoding="utf-8")
    built = _tree(build_site(root))
    page = "2024/01/b/index.html"
    assert built[page] == _clean_build(root)[page]
    assert "final cut" in built[page].decode()


@pytest.mark.parametrize(
    ("layout", "shown"),
    [
        (
            "archive.html",
            "{% for month in archive %}{% for post in month.posts %}{{ post.summary }}{% endfor %}{% endfor %}",
        ),
        ("archive.html", "{% for month in archive %}{{ month.posts[0].body_html | safe }}{% endfor %}"),
        ("terms.html", "{% for term in taxonomy.terms %}{{ term.posts[0].summary }}{% endfor %}"),
        (
            "terms.html",
            '{% for term in taxonomy.terms %}{{ term.posts | map(attribute="summary") | join }}{% endfor %}',
        ),
    ],
)
def test_an_index_layout_showing_more_of_its_posts_is_kept_current(tmp_path: Path, layout: str, shown: str) -> None:
    """The archive and the term indexes are keyed by what their layouts mention of the posts."""
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("Alpha", tags=["news"], body="Alpha's first cut."),
            f"layouts/{layout}": shown,
        },
    )
    build_site(root)
    (root / "content/posts/a.md").write_text(post("Alpha", tags=["news"], body="Alpha's final cut."), encoding="utf-8")
    built = _tree(build_site(root))
    page = "archive/index.html" if layout == "archive.html" else "tags/index.html"
    assert "final cut" in built[page].decode()
    assert built[page] == _clean_build(root)[page]
