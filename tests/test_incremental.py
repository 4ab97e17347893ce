"""An incremental build's output is byte-identical to a clean build's, whatever was edited."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import NOW, build_site, image_bytes, make_site, post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matinee import parsing, render
from matinee.cache import BuildCache
from matinee.config import Config, load_config
from matinee.errors import MatineeError
from matinee.kept import Kept
from matinee.pipeline import Report, build
from matinee.stamp import input_state, scan_inputs, up_to_date

TITLES = ["Dune", "Amélie", "Past Lives", "Perfect Days", "1917", "Barbie"]
FILMS = ["Dune: Part Two", "Amélie", "Past Lives", "Oppenheimer"]
TAGS = ["news", "reviews", "festivals"]


def _tree(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _clean_build(source: Path, now: datetime = NOW) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "src"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("site", ".matinee-cache"))
        return _tree(build_site(copy, now=now))


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


def _age(root: Path, only: tuple[str, ...] | None = None) -> None:
    """Date every source (or those named in `only`) a minute back, so that a cache kept in
    memory trusts their stat."""
    past = time.time() - 60
    paths = (root / "content").rglob("*") if only is None else (root / rel for rel in only)
    for path in paths:
        if path.exists():
            os.utime(path, (past, past))


# Edits of every field kind a post has, for the serve path: each builds incrementally from
# what the watcher names (kept.py), and must equal a clean build.
AUTHORS = ["Ann", "Bob"]
post_fields = st.fixed_dictionaries(
    {
        "title": st.sampled_from(TITLES),
        # Some after NOW: scheduled, until a later step moves the clock past them.
        "date": st.sampled_from(["2024-02-01", "2024-03-05T10:00:00Z", "2026-11-29", "2026-12-04"]),
    },
    optional={
        "tags": st.lists(st.sampled_from(TAGS), max_size=2),
        "films": st.lists(st.sampled_from(FILMS), max_size=2),
        "people": st.lists(st.sampled_from(["Ann Lee", "Bo Chen"]), max_size=2),
        "summary": st.sampled_from(["Short.", "A longer summary."]),
        "author": st.sampled_from(AUTHORS),
        "updated": st.just("2025-01-02"),
        "draft": st.sampled_from(["true", "false"]),
        "slug": st.sampled_from(["custom", "other-slug"]),
        "aliases": st.just(["/old/path/"]),
        "body": st.text("abc xyz\n#*", min_size=1, max_size=30),
    },
)
CONFIGS = [
    'title: "Test Reel"\nbase_url: "https://example.org/"\nauthor: "Desk"\n',
    'title: "Other Reel"\nbase_url: "https://example.org/"\nper_page: 1\n',
    'title: "Test Reel"\nbase_url: "https://example.org/"\npermalink: "/news/{slug}/"\nper_page: 2\n',
]
serve_edits = st.one_of(
    edits,
    st.tuples(st.just("post_fields"), st.integers(0, 5), post_fields),
    st.tuples(st.just("rating"), st.integers(0, 5), st.sampled_from(FILMS), st.integers(1, 5)),
    st.tuples(st.just("config"), st.integers(0, len(CONFIGS) - 1)),
    st.tuples(st.just("clock"), st.integers(1, 10)),
    st.tuples(st.just("touch"), st.integers(0, 5)),
    # A writer saving a post's text or title: the post keeps its place (site.swap_posts).
    st.tuples(st.just("body"), st.integers(0, 5), st.text("abc xyz\n#*", min_size=1, max_size=20)),
    st.tuples(st.just("retitle"), st.integers(0, 5), st.sampled_from(TITLES)),
)
# Posts that share films and tags (related to each other) over several home pages.
SERVE_START: dict[str, str | bytes] = {
    **START,
    "content/posts/p1.md": post("One", date="2024-01-03", films=["Dune: Part Two"], tags=["news", "reviews"]),
    "content/posts/p2.md": post("Two", date="2024-01-05", films=["Amélie"], tags=["news"], featured="true"),
    "content/posts/p3.md": post(
        "Three", date="2024-01-07", films=["Dune: Part Two"], review_of='"Dune: Part Two"', rating="4"
    ),
    "config.yaml": CONFIGS[1],
}


def _apply_serve(root: Path, edit: tuple[object, ...]) -> None:
    kind = edit[0]
    path = root / "content" / "posts" / f"p{edit[1]}.md"
    if kind == "post_fields":
        fields = dict(edit[2])  # type: ignore[call-overload]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(post(**fields), encoding="utf-8")
    elif kind == "rating":
        _, _, film, stars = edit
        text = post(f"Review {edit[1]}", films=[film], review_of=json.dumps(film), rating=str(stars))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    elif kind == "config":
        (root / "config.yaml").write_text(CONFIGS[int(edit[1])], encoding="utf-8")  # type: ignore[call-overload]
    elif kind == "touch":
        if path.exists():
            path.write_bytes(path.read_bytes())
    elif kind == "body":
        if path.exists():
            path.write_text(path.read_text(encoding="utf-8") + f"\n{edit[2]}\n", encoding="utf-8")
    elif kind == "retitle":
        if path.exists():
            lines = path.read_text(encoding="utf-8").split("\n")
            lines[1] = f"title: {json.dumps(edit[2])}"
            path.write_text("\n".join(lines), encoding="utf-8")
    elif kind != "clock":
        _apply(root, edit)


def _signatures(root: Path) -> dict[str, tuple[int, int, int]]:
    """Each watched file's stat: the files whose stat differs are those a watcher names."""
    watched = [root / "config.yaml", *(root / "content").rglob("*"), *(root / "layouts").rglob("*")]
    return {
        path.relative_to(root).as_posix(): (status.st_size, status.st_mtime_ns, status.st_ctime_ns)
        for path in watched
        if path.is_file() and (status := path.stat())
    }


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(serve_edits, min_size=1, max_size=5))
def test_rebuilds_of_one_serve_match_clean_builds(tmp_path: Path, steps: list[tuple[object, ...]]) -> None:
    """`serve` keeps its sources, parsed posts, model, plan and manifest in memory and re-reads
    only what its watcher names (a clock step rebuilds as a stat sweep does, naming nothing)."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        root = make_site(Path(scratch), SERVE_START)
        cache = BuildCache(root / ".matinee-cache", in_memory=True)
        kept, now = Kept(), NOW
        _age(root)
        build(load_config(root), now=now, cache=cache, kept=kept)
        for step in steps:
            before = _signatures(root)
            _apply_serve(root, step)
            after = _signatures(root)
            kept.changed = tuple(
                sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
            )
            _age(root, kept.changed)  # an edit is then seen by its inode's change time alone
            if step[0] == "clock":
                now += timedelta(days=int(step[1]))  # type: ignore[call-overload]
            try:
                build(load_config(root), now=now, cache=cache, kept=kept)
            except (MatineeError, ExceptionGroup):  # e.g. two posts at one URL: a clean build fails too
                with pytest.raises((MatineeError, ExceptionGroup)):
                    _clean_build(root, now)
                continue
            assert _tree(root / "site") == _clean_build(root, now), f"after {step}"
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


def test_a_serve_rebuild_lists_and_reads_only_the_file_the_watcher_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No walk of content/, no stat or cache lookup of the other posts, no manifest read."""
    from matinee import kept as kept_module
    from matinee import pipeline

    files = {f"content/posts/p{number}.md": post(f"Story {number}") for number in range(5)}
    root = make_site(tmp_path, files)
    config = load_config(root)
    cache, kept = BuildCache(config.cache_dir, in_memory=True), Kept()
    _age(root)
    build(config, now=NOW, cache=cache, kept=kept)
    calls: list[str] = []
    real_load = parsing.load_source
    monkeypatch.setattr(parsing, "load_source", lambda file: calls.append(file.rel) or real_load(file))
    monkeypatch.setattr(kept_module, "find_sources", lambda config: calls.append("walk"))
    monkeypatch.setattr(pipeline, "read_manifest", lambda *args: calls.append("manifest"))
    monkeypatch.setattr(cache, "unchanged", lambda files: calls.extend(file.rel for file in files) or {})
    (root / "content/posts/p3.md").write_text(post("Story 3, revised"), encoding="utf-8")
    kept.changed = ("content/posts/p3.md",)
    build(config, now=NOW, cache=cache, kept=kept)
    assert calls == ["content/posts/p3.md", "content/posts/p3.md"]  # looked up, then read
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


def build_noting_stamp(config: Config, now: datetime = NOW) -> Report:
    """Build as `matinee build` does: noting the no-change stamp (and the saved state, snapshot.py)."""
    cache = BuildCache(config.cache_dir)
    try:
        return build(config, now=now, cache=cache, inputs=scan_inputs(config))
    finally:
        cache.close()


def _built_with_stamp(tmp_path: Path, text: str) -> Config:
    """Build a one-post site as `matinee build` does, noting the no-change stamp; return its config."""
    root = make_site(tmp_path, {"content/posts/dune.md": text})
    config = load_config(root, out_dir=root / "site")
    build_noting_stamp(config)
    assert up_to_date(config, NOW, input_state(config), search=False) is not None
    return config


def test_a_serve_build_drops_the_stamp_so_the_next_build_runs(tmp_path: Path) -> None:
    config = _built_with_stamp(tmp_path, post("Dune"))
    cache = BuildCache(config.cache_dir)
    try:
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


def _replace(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


FILM = '---\ntitle: "Dune"\nyear: 2021\nrelease_date: 2021-10-22\ndirector: ["{director}"]\n---\nSand.\n'
# Each case: the site's files, an edit, and the page that must show it as a clean build does.
REACHES: dict[str, tuple[dict[str, str | bytes], Callable[[Path], None], str]] = {
    "a file a layout includes": (
        {
            "layouts/assets/inline.css": "main { color: red }",
            "layouts/404.html": "<style>{% include 'assets/inline.css' %}</style>",
        },
        lambda root: (root / "layouts/assets/inline.css").write_text("main { color: blue }", encoding="utf-8"),
        "404.html",
    ),
    "a card in the archive": (
        {
            "content/posts/a.md": post("Alpha", author="Ann"),
            "layouts/archive.html": "{% for month in archive %}{% for post in month.posts %}{{ card(post) }}"
            "{% endfor %}{% endfor %}",
        },
        lambda root: _replace(root / "content/posts/a.md", "author: Ann", "author: Bob"),
        "archive/index.html",
    ),
    "a taxonomy read through site on a post page": (
        {
            **{f"content/posts/{n}.md": post(n, date=f"2024-01-0{day}") for day, n in enumerate("abcd", 1)},
            "layouts/post.html": "{% for term in site.taxonomy('tags').terms %}{{ term.name }}{% endfor %}",
        },
        lambda root: (root / "content/posts/d.md").write_text(post("d", date="2024-01-04", tags=["z"])),
        "2024/01/a/index.html",
    ),
    "a film's director on the films by year": (
        {
            "content/films/dune.md": FILM.format(director="Denis Villeneuve"),
            "layouts/film-years.html": "{% for year, terms in years %}{% for term in terms %}"
            "{{ term.film.director | join }}{% endfor %}{% endfor %}",
        },
        lambda root: _replace(root / "content/films/dune.md", "Denis Villeneuve", "David Lynch"),
        "films/by-year/index.html",
    ),
    "the other terms on a term page": (
        {
            "content/posts/a.md": post("a", tags=["x"]),
            "content/posts/b.md": post("b", date="2024-01-02", tags=["y"]),
            "layouts/term.html": "{% for other in taxonomy.terms %}{{ other.name }}{% endfor %}",
        },
        lambda root: (root / "content/posts/b.md").write_text(post("b", date="2024-01-02", tags=["y", "z"])),
        "tags/x/index.html",
    ),
    "a term's first post on its later pages": (
        {
            "config.yaml": 'title: "Test Reel"\nbase_url: "https://example.org/"\nper_page: 1\n',
            **{f"content/posts/{n}.md": post(n, date=f"2024-01-0{day}", tags=["x"]) for day, n in enumerate("abc", 1)},
            "layouts/term.html": "{{ term.posts[0].title }} {{ pager.number }}",
        },
        lambda root: (root / "content/posts/c.md").write_text(post("Retitled", date="2024-01-03", tags=["x"])),
        "tags/x/page/2/index.html",
    ),
    "a listed post's image of new dimensions": (
        {
            "content/posts/a.md": post("a", image="hero.png", image_alt="A hero"),
            "content/posts/hero.png": image_bytes(8, 6),
            "layouts/index.html": "{% for post in pager.posts %}{{ picture(post.image, post.image_alt) }}{% endfor %}",
        },
        lambda root: (root / "content/posts/hero.png").write_bytes(image_bytes(20, 10)),
        "index.html",
    ),
    "a post's image of new dimensions shown through site on a page": (
        {
            "content/posts/a.md": post("a", image="hero.png", image_alt="A hero"),
            "content/posts/hero.png": image_bytes(8, 6),
            "content/about.md": "---\ntitle: About\n---\nUs.\n",
            "layouts/page.html": "{{ picture(site.posts[0].image, site.posts[0].image_alt) }}",
        },
        lambda root: (root / "content/posts/hero.png").write_bytes(image_bytes(20, 10)),
        "about/index.html",
    ),
    "a term's first post's image of new dimensions on the term index": (
        {
            "content/posts/a.md": post("a", tags=["x"], image="hero.png", image_alt="A hero"),
            "content/posts/hero.png": image_bytes(8, 6),
            "layouts/terms.html": "{% for term in taxonomy.terms %}{{ picture(term.posts[0].image) }}{% endfor %}",
        },
        lambda root: (root / "content/posts/hero.png").write_bytes(image_bytes(20, 10)),
        "tags/index.html",
    ),
    "a film's year read through site": (
        {
            "content/films/dune.md": FILM.format(director="Denis Villeneuve"),
            "layouts/404.html": "{% for term in site.taxonomy('films').terms %}{{ term.film.year }}{% endfor %}",
        },
        lambda root: _replace(root / "content/films/dune.md", "year: 2021", "year: 2022"),
        "404.html",
    ),
    "a term's first post through a layout included by a computed name": (
        {
            "config.yaml": 'title: "Test Reel"\nbase_url: "https://example.org/"\nper_page: 1\n',
            **{f"content/posts/{n}.md": post(n, date=f"2024-01-0{day}", tags=["x"]) for day, n in enumerate("ab", 1)},
            "layouts/term.html": "{% include 'partials/extra-' ~ term.taxonomy ~ '.html' %}",
            "layouts/partials/extra-tags.html": "{{ term.posts[0].title }}",
        },
        lambda root: (root / "content/posts/b.md").write_text(post("Retitled", date="2024-01-02", tags=["x"])),
        "tags/x/page/2/index.html",
    ),
    "a file included as ./name": (
        {
            "layouts/assets/inline.css": "main { color: red }",
            "layouts/404.html": "<style>{% include './assets/inline.css' %}</style>",
        },
        lambda root: (root / "layouts/assets/inline.css").write_text("main { color: blue }", encoding="utf-8"),
        "404.html",
    ),
    "a file included by a computed name": (
        {
            "layouts/assets/badge-new.svg": "<svg>red</svg>",
            "layouts/404.html": "{% set kind = 'new' %}{% include 'assets/badge-' ~ kind ~ '.svg' %}",
        },
        lambda root: (root / "layouts/assets/badge-new.svg").write_text("<svg>blue</svg>", encoding="utf-8"),
        "404.html",
    ),
    "a poster of new dimensions on the upcoming films": (
        {
            "content/films/dune.md": '---\ntitle: "Dune"\nrelease_date: 2027-03-01\nposter: dune.png\n---\nSand.\n',
            "content/films/dune.png": image_bytes(8, 6),
            "layouts/upcoming.html": "{% for term, release in upcoming %}{{ picture(term.film.poster) }}{% endfor %}",
        },
        lambda root: (root / "content/films/dune.png").write_bytes(image_bytes(20, 10)),
        "films/upcoming/index.html",
    ),
    "an author's links in a post's JSON-LD": (
        {
            "content/authors/ann.md": '---\nname: Ann\nlinks: {website: "https://ann.example/"}\n---\nWrites.\n',
            "content/posts/a.md": post("a", author="Ann"),
        },
        lambda root: _replace(root / "content/authors/ann.md", "ann.example", "ann.example.org"),
        "2024/01/a/index.html",
    ),
    "an author's photo of new dimensions on their page": (
        {
            "content/authors/ann.md": "---\nname: Ann\nphoto: ann.png\n---\nWrites.\n",
            "content/authors/ann.png": image_bytes(8, 6),
            "content/posts/a.md": post("a", author="Ann"),
        },
        lambda root: (root / "content/authors/ann.png").write_bytes(image_bytes(20, 10)),
        "authors/ann/index.html",
    ),
    "a person file on the person's page": (
        {
            "content/people/ann-lee.md": "---\nname: Ann Lee\nborn: 1970-01-01\n---\nActs.\n",
            "content/posts/a.md": post("a", people=["Ann Lee"]),
        },
        lambda root: _replace(root / "content/people/ann-lee.md", "1970-01-01", "1971-02-02"),
        "people/ann-lee/index.html",
    ),
    "a film joining a collection on the page of the film before it": (
        {
            "content/films/dune.md": "---\ntitle: Dune\nyear: 2021\ncollection: Dune\n---\n",
            "content/films/dune-part-two.md": "---\ntitle: Dune Part Two\nyear: 2024\n---\n",
        },
        lambda root: _replace(root / "content/films/dune-part-two.md", "year: 2024", "year: 2024\ncollection: Dune"),
        "films/dune/index.html",
    ),
    "a review's new rating on the top rated list": (
        {
            "content/posts/a.md": post("a", films=["Dune"], rating="3"),
            "content/posts/b.md": post("b", date="2024-01-02", films=["Heat"], rating="4"),
        },
        lambda root: _replace(root / "content/posts/a.md", "rating: 3", "rating: 5"),
        "reviews/top/index.html",
    ),
    "a review on a film's later page, shown on its first": (
        {
            "config.yaml": 'title: "Test Reel"\nbase_url: "https://example.org/"\nper_page: 1\n',
            "content/posts/a.md": post("a", films=["Dune"], rating="3", review_of="Dune"),
            "content/posts/b.md": post("b", date="2024-01-02", films=["Dune"]),
        },
        lambda root: _replace(root / "content/posts/a.md", "rating: 3", "rating: 5"),
        "films/dune/index.html",
    ),
}


@pytest.mark.parametrize("case", list(REACHES))
def test_an_edit_reaches_every_page_that_shows_it(tmp_path: Path, case: str) -> None:
    files, edit, page = REACHES[case]
    root = make_site(tmp_path, files)
    before = _tree(build_site(root))
    edit(root)
    built = _tree(build_site(root))
    assert built[page] != before[page], "the edit shows on the page"
    assert built[page] == _clean_build(root)[page]


def test_an_edit_renders_only_the_term_page_that_lists_the_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other pages of its tags show other posts: their keys stay (a film page's reviews
    are in every page's key, not the whole list of its posts)."""
    config = 'title: "Test Reel"\nbase_url: "https://example.org/"\nper_page: 2\n'
    files = {f"content/posts/p{n}.md": post(f"Story {n}", date=f"2024-01-{n + 1:02d}", tags=["x"]) for n in range(8)}
    root = make_site(tmp_path, {"config.yaml": config, **files})
    build_site(root)
    _replace(root / "content/posts/p0.md", "A paragraph", "A longer paragraph")
    rendered: list[str] = []
    real = render.page
    monkeypatch.setattr(render, "page", lambda env, url, *rest: rendered.append(url) or real(env, url, *rest))
    build_site(root)
    assert [url for url in rendered if url.startswith("/tags/x/")] == ["/tags/x/page/4/"]


def test_a_page_showing_today_makes_the_no_change_check_expire_at_midnight(tmp_path: Path) -> None:
    config = _built_with_stamp(tmp_path, post("Dune"))
    state = input_state(config)
    assert up_to_date(config, NOW.replace(hour=23, minute=59), state, search=False) is not None
    assert up_to_date(config, NOW + timedelta(days=1), state, search=False) is None, "the upcoming page's date"


def test_a_site_without_posts_has_a_sitemap_that_does_not_change_with_the_clock(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/about.md": "---\ntitle: About\n---\nWho we are.\n"})
    first = _tree(build_site(root))["sitemap.xml"]
    later = _tree(build_site(root, now=NOW + timedelta(days=1)))["sitemap.xml"]
    assert later == _clean_build(root, NOW + timedelta(days=1))["sitemap.xml"]
    assert later == first


def test_a_file_replaced_with_its_size_and_mtime_kept_is_not_up_to_date(tmp_path: Path) -> None:
    config = _built_with_stamp(tmp_path, post("Dune", body="Draft one."))
    path = config.source / "content/posts/dune.md"
    kept = path.stat()
    path.write_text(post("Dune", body="Draft two."), encoding="utf-8")  # as `cp -p` or `tar x` would
    os.utime(path, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    assert path.stat().st_size == kept.st_size
    assert up_to_date(config, NOW, input_state(config), search=False) is None


def _serve_site(tmp_path: Path, count: int) -> tuple[Path, BuildCache, Kept]:
    """A site of `count` posts over a few tags and films, built once by `serve`'s path."""
    files: dict[str, str | bytes] = {
        f"content/posts/p{number}.md": post(
            f"Story {number}",
            date=f"2024-{number % 12 + 1:02d}-{number % 28 + 1:02d}T{number % 24:02d}:00:00Z",
            tags=[TAGS[number % 3]],
            films=[FILMS[number % 4]],
        )
        for number in range(count)
    }
    root = make_site(tmp_path, files)
    cache, kept = BuildCache(root / ".matinee-cache", in_memory=True), Kept()
    _age(root)
    build(load_config(root), now=NOW, cache=cache, kept=kept)
    return root, cache, kept


def _save(root: Path, kept: Kept, rel: str, edit: Callable[[str], str]) -> None:
    path = root / rel
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    kept.changed = (rel,)
    _age(root, kept.changed)


def test_a_serve_save_of_a_posts_text_or_title_plans_only_the_outputs_showing_it(tmp_path: Path) -> None:
    """The count of outputs planned afresh does not grow with the site (replan.replan)."""
    root, cache, kept = _serve_site(tmp_path, 200)
    assert kept.plan is not None and kept.plan.replanned == len(kept.plan.planned) > 250
    _save(root, kept, "content/posts/p150.md", lambda text: text + "\nThe studio confirmed the cut.\n")
    build(load_config(root), now=NOW, cache=cache, kept=kept)
    assert kept.plan.replanned <= 30, kept.plan.replanned
    _save(root, kept, "content/posts/p150.md", lambda text: text.replace('"Story 150"', '"Story 150, retitled"'))
    build(load_config(root), now=NOW, cache=cache, kept=kept)
    assert kept.plan.replanned <= 30, kept.plan.replanned
    tree = _tree(root / "site")
    assert tree == _clean_build(root)
    assert len([path for path, data in tree.items() if b"Story 150, retitled" in data]) >= 4  # page, lists, neighbours
    cache.close()


def test_a_serve_save_after_a_failed_build_still_reports_its_mistake(tmp_path: Path) -> None:
    """A failed build's edit is not in the model serve keeps: the next save is not swapped into it."""
    root, cache, kept = _serve_site(tmp_path, 4)
    _save(root, kept, "content/posts/p1.md", lambda text: text + "\n[gone](missing.md)\n")
    with pytest.raises(ExceptionGroup, match="errors"):
        build(load_config(root), now=NOW, cache=cache, kept=kept)
    _save(root, kept, "content/posts/p2.md", lambda text: text + "\nMore.\n")
    with pytest.raises(ExceptionGroup, match="errors"):
        build(load_config(root), now=NOW, cache=cache, kept=kept)
    cache.close()


def test_a_serve_save_of_a_posts_text_looks_at_no_output_or_asset_it_did_not_replan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body edit reads only its post (the list of sources is not gone over), renders, stages
    and stats only the outputs re-planned around it; the site's pictures and cards are not
    looked for again, no folder is removed, and the manifest file is not rewritten (its
    changes go to the journal): what it costs does not grow with the site."""
    from matinee import images, manifest, write

    root, cache, kept = _serve_site(tmp_path, 200)
    config = load_config(root)
    saved = manifest.manifest_path(config)
    staged: list[str] = []
    stage, restat = write._stage_output, manifest.restat
    monkeypatch.setattr(
        write, "_stage_output", lambda output, *args: staged.append(output.path) or stage(output, *args)
    )
    restatted: list[Path] = []
    monkeypatch.setattr(write, "restat", lambda path, entry: restatted.append(path) or restat(path, entry))
    looked: list[str] = []
    monkeypatch.setattr(Kept, "find_sources", lambda self, config: looked.append("sources") or None)
    monkeypatch.setattr(images, "image_uses", lambda site: looked.append("uses") or iter(()))
    monkeypatch.setattr(images, "share_card_assets", lambda *args: looked.append("cards") or [])
    removed: list[str] = []
    real_rmdir = os.rmdir
    monkeypatch.setattr(os, "rmdir", lambda path, **kw: removed.append(str(path)) or real_rmdir(path, **kw))
    manifest_before = saved.read_bytes()
    for number in range(3):
        line = f"\nThe studio confirmed cut {number}.\n"
        _save(root, kept, "content/posts/p150.md", lambda text, line=line: text + line)
        report = build(config, now=NOW, cache=cache, kept=kept)
        assert report.changed == 1
    assert kept.plan is not None and len(kept.plan.planned) > 250
    assert 0 < len(staged) <= 3 * 30, len(staged)
    assert len(restatted) == 3  # the post's page, written each time
    assert looked == []
    assert removed == []  # the staging folders stay for the next save (commit.clear): ~3 ms each on ext4
    assert saved.read_bytes() == manifest_before
    assert manifest.journal_path(saved).is_file()
    assert kept.manifest is not None
    assert manifest.read_manifest(config.out_dir, saved).files == kept.manifest.files
    monkeypatch.undo()
    assert _tree(root / "site") == _clean_build(root)
    cache.close()


def test_a_one_shot_build_after_serve_saves_reads_the_manifest_and_its_journal(tmp_path: Path) -> None:
    """The entries serve appended are folded in: a one-shot build after it writes nothing."""
    from matinee import manifest

    root, cache, kept = _serve_site(tmp_path, 12)
    config = load_config(root)
    _save(root, kept, "content/posts/p5.md", lambda text: text + "\nMore.\n")
    build(config, now=NOW, cache=cache, kept=kept)
    _save(root, kept, "content/posts/p6.md", lambda text: text.replace('"Story 6"', '"Story 6, retitled"'))
    build(config, now=NOW, cache=cache, kept=kept)
    cache.close()
    assert kept.manifest is not None
    assert manifest.read_manifest(config.out_dir, manifest.manifest_path(config)).files == kept.manifest.files
    report = build(config, now=NOW, cache=BuildCache(config.cache_dir))
    assert report.changed == 0
    assert not manifest.journal_path(manifest.manifest_path(config)).exists()  # the full save folded it in
    assert _tree(root / "site") == _clean_build(root)


def test_a_journal_record_cut_short_or_left_by_an_older_manifest_is_skipped(tmp_path: Path) -> None:
    from matinee.manifest import Entry, Manifest, journal_path, read_manifest, save_manifest

    out_dir, path = tmp_path / "site", tmp_path / "cache" / "outputs.json"
    out_dir.mkdir()
    for name in ("a.html", "b.html", "c.html"):
        (out_dir / name).write_text(name, encoding="utf-8")

    def entry(name: str, key: str) -> Entry:
        stat = (out_dir / name).stat()
        return Entry(key, "", stat.st_size, stat.st_mtime_ns)

    files = {"a.html": entry("a.html", "a1"), "b.html": entry("b.html", "b1")}
    saved = save_manifest(path, out_dir, files)
    assert saved is not None
    changes: dict[str, Entry | None] = {"b.html": None, "c.html": entry("c.html", "c1")}
    after = save_manifest(path, out_dir, {}, previous=Manifest(files, saved), changes=changes)
    assert after is not None and after.journal > 0
    with journal_path(path).open("a", encoding="utf-8") as journal:
        journal.write('\n{"generation": "' + saved.generation + '", "files": {"a.html": ["a2", ')  # killed here
    assert read_manifest(out_dir, path).files == {"a.html": files["a.html"], "c.html": changes["c.html"]}
    # A full save starts a new generation: a journal it could not remove is not applied to it.
    journal = journal_path(path).read_bytes()
    save_manifest(path, out_dir, files)
    journal_path(path).write_bytes(journal)
    assert read_manifest(out_dir, path).files == files


def test_a_serve_save_that_fails_to_commit_leaves_the_site_and_manifest_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matinee import manifest, write

    root, cache, kept = _serve_site(tmp_path, 12)
    config = load_config(root)
    _save(root, kept, "content/posts/p5.md", lambda text: text + "\nMore.\n")
    build(config, now=NOW, cache=cache, kept=kept)  # the journal has a record
    saved = manifest.manifest_path(config)
    before = _tree(root / "site"), saved.read_bytes(), manifest.journal_path(saved).read_bytes()

    def refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied", str(root / "site"))

    monkeypatch.setattr(write, "commit", refuse)
    _save(root, kept, "content/posts/p5.md", lambda text: text + "\nEven more.\n")
    with pytest.raises(MatineeError, match="cannot be written"):
        build(config, now=NOW, cache=cache, kept=kept)
    assert (_tree(root / "site"), saved.read_bytes(), manifest.journal_path(saved).read_bytes()) == before
    monkeypatch.undo()
    kept.changed = ("content/posts/p5.md",)
    build(config, now=NOW, cache=cache, kept=kept)
    cache.close()
    assert _tree(root / "site") == _clean_build(root)
    assert build(config, now=NOW, cache=BuildCache(config.cache_dir)).changed == 0


def test_serve_saves_that_retitle_posts_sharing_a_card_or_add_a_picture_match_clean_builds(tmp_path: Path) -> None:
    """Two posts with one title share a share card: it stays while either shows it."""
    files: dict[str, str | bytes] = {
        f"content/posts/p{number}.md": post("Same title", date=f"2024-01-0{number + 1}") for number in range(3)
    }
    files["content/posts/pic.png"] = image_bytes(8, 6)
    root = make_site(tmp_path, files)
    cache, kept = BuildCache(root / ".matinee-cache", in_memory=True), Kept()
    _age(root)
    config = load_config(root)
    build(config, now=NOW, cache=cache, kept=kept)
    steps: list[tuple[str, Callable[[str], str]]] = [
        ("content/posts/p0.md", lambda text: text.replace('"Same title"', '"Other title"')),
        ("content/posts/p1.md", lambda text: text.replace('"Same title"', '"Other title"')),
        ("content/posts/p2.md", lambda text: text.replace('"Same title"', '"Third title"')),
        ("content/posts/p0.md", lambda text: text + "\n![A picture](pic.png)\n"),
        ("content/posts/p0.md", lambda text: text.replace('"Other title"', '"Same title"')),
    ]
    for rel, edit in steps:
        _save(root, kept, rel, edit)
        build(config, now=NOW, cache=cache, kept=kept)
        assert _tree(root / "site") == _clean_build(root), rel
    cache.close()
