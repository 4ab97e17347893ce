"""The build cache: a corrupt, tampered or foreign cache is never trusted, only rebuilt."""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import build_site, make_site, post

import matinee
from matinee import cache as cache_module
from matinee import pipeline, site
from matinee.cache import BuildCache
from matinee.memo import digest
from matinee.model import pack_html
from matinee.parsing import Parsed

CACHE = Path(".matinee-cache/build.sqlite")


def _site(tmp_path: Path) -> Path:
    files: dict[str, str | bytes] = {
        "content/posts/dune.md": post("Dune", films=["Dune"], body="The spice must flow."),
        "content/posts/arrival.md": post("Arrival", date="2024-02-01", body="Heptapods write in circles."),
    }
    return make_site(tmp_path, files)


def _tree(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in out.rglob("*") if path.is_file()}


def _clean(root: Path) -> dict[str, bytes]:
    (root / CACHE).unlink(missing_ok=True)
    return _tree(build_site(root, out_dir=root / "clean"))


def test_a_corrupt_cache_file_is_replaced_and_the_build_is_right(tmp_path: Path) -> None:
    root = _site(tmp_path)
    build_site(root)
    (root / CACHE).write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    (root / "content/posts/dune.md").write_text(post("Dune", films=["Dune"], body="Changed."), encoding="utf-8")
    assert _tree(build_site(root)) == _clean(root)


def test_an_entry_changed_behind_the_cache_s_back_is_not_trusted(tmp_path: Path) -> None:
    root = _site(tmp_path)
    build_site(root)
    with sqlite3.connect(root / CACHE) as db:  # a stored body swapped for another, digest kept
        forged = pickle.dumps(pack_html("<p>Forged.</p>"))
        for table in ("markdown", "parsed"):
            db.execute(f"UPDATE {table} SET value = substr(value, 1, 40) || ?", (forged,))
    (root / "site").rename(root / "old-site")  # so the posts are rendered again from the cache
    rebuilt = _tree(build_site(root))
    assert all(b"Forged" not in body for body in rebuilt.values())
    assert rebuilt == _clean(root)


def test_a_cache_from_another_version_is_emptied(tmp_path: Path) -> None:
    root = _site(tmp_path)
    build_site(root)
    with sqlite3.connect(root / CACHE) as db:
        db.execute("UPDATE meta SET salt = ?", (b"matinee 0.0 schema 0",))
        db.execute("UPDATE markdown SET value = ?", (b"0" * 40 + pickle.dumps(pack_html("<p>Old.</p>")),))
    (root / "site").rename(root / "old-site")
    assert all(b"Old." not in body for body in _tree(build_site(root)).values())
    with sqlite3.connect(root / CACHE) as db:
        assert db.execute("SELECT count(*) FROM markdown").fetchone()[0] == 2  # both converted afresh


def test_related_posts_and_layout_reads_are_remembered_between_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _site(tmp_path)
    build_site(root)
    computed: list[str] = []
    real_related, real_usage = site.related_posts, pipeline.layout_usage
    monkeypatch.setattr(site, "related_posts", lambda *args: computed.append("related") or real_related(*args))
    monkeypatch.setattr(pipeline, "layout_usage", lambda *args: computed.append("layouts") or real_usage(*args))
    (root / "content/posts/dune.md").write_text(post("Dune", films=["Dune"], body="Edited."), encoding="utf-8")
    build_site(root)
    assert computed == []  # a body changed: neither the layouts nor any post's terms or date
    (root / "content/posts/dune.md").write_text(post("Dune", films=["Dune"], tags=["new"]), encoding="utf-8")
    (root / "layouts/post.html").write_text("<h1>{{ page.title }}</h1>\n", encoding="utf-8")
    out = build_site(root)
    assert sorted(computed) == ["layouts", "related"]
    assert _tree(out) == _clean(root)


def test_serve_s_cache_remembers_page_keys_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "MAX_DIGESTS", 3)
    kept = BuildCache(None, in_memory=True)
    parts = ("base", "fingerprint", (("/2024/dune/", "Dune"),))
    assert kept.digest(*parts) == digest(*parts) == BuildCache(None).digest(*parts)
    assert kept.digest(*parts) is kept.digest(*parts), "looked up, not hashed again"
    assert kept.digest("base", "other") != kept.digest(*parts)
    for number in range(10):
        assert kept.digest("base", number) == digest("base", number)
    assert len(kept._digests) <= 3


def test_the_cache_file_forgets_old_versions_of_edited_and_deleted_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "PRUNE_SLACK", 0)
    root = _site(tmp_path)
    gone = [root / f"content/posts/gone-{number}.md" for number in range(3)]
    for path in gone:
        path.write_text(post(path.stem, body="Soon deleted."), encoding="utf-8")
    for path in (root / "content/posts").iterdir():
        os.utime(path, (0, 0))  # old enough for their fingerprints to be kept
    build_site(root)
    for path in gone:
        path.unlink()
    for number in range(6):
        (root / "content/posts/dune.md").write_text(post("Dune", body=f"Edit {number}."), encoding="utf-8")
        out = build_site(root)
    with sqlite3.connect(root / CACHE) as db:
        rows = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in cache_module.TABLES}
        assert db.execute("SELECT key FROM fingerprints WHERE key LIKE '%gone-%'").fetchall() == []
    assert rows["parsed"] <= 2 * 2 and rows["markdown"] <= 2 * 2  # twice the two posts, at most
    assert _tree(out) == _clean(root)


def test_the_code_digest_changes_with_any_source_file_of_the_package_subpackages_included(tmp_path: Path) -> None:
    package = tmp_path / "matinee"
    shutil.copytree(Path(matinee.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "room").mkdir(exist_ok=True)
    (package / "room" / "__init__.py").write_text('"""A subpackage."""\n', encoding="utf-8")
    before = matinee.source_digest(package)
    assert matinee.source_digest(package) == before  # the same files give the same digest

    (package / "room" / "__init__.py").write_text('"""A subpackage, edited."""\n', encoding="utf-8")
    edited = matinee.source_digest(package)
    assert edited != before

    (package / "room" / "reload.js").write_text("reload();\n", encoding="utf-8")  # a shipped non-Python file
    assert matinee.source_digest(package) != edited

    (package / "room" / "__pycache__").mkdir()
    (package / "room" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")  # not source
    (package / "notes.txt").write_text("scratch\n", encoding="utf-8")
    with_js = matinee.source_digest(package)
    (package / "room" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled again")
    assert matinee.source_digest(package) == with_js


def test_the_code_digest_names_files_by_their_path_inside_the_package(tmp_path: Path) -> None:
    """Moving a module into a subpackage is a change, even when no byte of it changes."""
    package = tmp_path / "matinee"
    (package / "room").mkdir(parents=True)
    (package / "a.py").write_text("X = 1\n", encoding="utf-8")
    flat = matinee.source_digest(package)
    (package / "a.py").rename(package / "room" / "a.py")
    assert matinee.source_digest(package) != flat


def test_posts_from_the_cache_and_parsed_afresh_share_one_string_per_repeated_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(
        tmp_path,
        {
            f"content/posts/p{number}.md": post(f"Story {number}", tags=["Festivals"], people=["Agnès Varda"])
            for number in range(3)
        },
    )
    build_site(root)
    (root / "content/posts/p0.md").write_text(post("Story zero", tags=["Festivals"], people=["Agnès Varda"]))
    seen: list[Parsed] = []
    real = pipeline.parse_all
    monkeypatch.setattr(pipeline, "parse_all", lambda *args, **kwargs: seen.append(real(*args, **kwargs)) or seen[-1])
    build_site(root)
    posts = seen[0].posts
    assert [post.title for post in posts] == ["Story zero", "Story 1", "Story 2"]  # one afresh, two cached
    for name in (lambda p: p.tags[0], lambda p: p.people[0], lambda p: next(iter(p.terms)), lambda p: p.layout):
        assert len({id(name(post)) for post in posts}) == 1
    assert len({id(key) for post in posts for key in post.lines if key == "title"}) == 1


def test_markdown_converted_by_a_cold_build_is_reused_when_only_the_settings_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build has its workers split the front matter (no HTML is cached to look up by
    body); what they convert is still kept under each body's key, so a change of the settings
    that shape parsing (every parsed source stale) converts no Markdown again."""
    from matinee.markup import MarkdownConverter

    root = _site(tmp_path)
    build_site(root)
    config = root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + 'permalink: "/{year}/{slug}/"\n', encoding="utf-8")
    converted: list[str] = []
    convert = MarkdownConverter.convert
    monkeypatch.setattr(MarkdownConverter, "convert", lambda self, text: converted.append(text) or convert(self, text))
    out = build_site(root)
    assert converted == []
    assert (out / "2024/dune/index.html").is_file()
    monkeypatch.undo()
    assert _tree(out) == _clean(root)


def test_each_chunk_of_sources_is_handed_over_before_the_last_one_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """parse_all keeps the workers busy: it reads and hands over the next chunk of sources
    before it stores the last one's results. The site comes out as a clean build's."""
    from matinee import parsing

    files: dict[str, str | bytes] = {
        f"content/posts/p{number}.md": post(f"Post {number}", date=f"2024-01-0{number + 1}", body=f"Body {number}.")
        for number in range(5)
    }
    root = make_site(tmp_path, files)
    monkeypatch.setattr(parsing, "CHUNK", 2)
    steps: list[str] = []
    parse_fresh, store_parsed = parsing._parse_fresh, BuildCache.store_parsed

    def hand_over(todo: list[Any], *args: Any, **kwargs: Any) -> Any:
        steps.append(f"hand over {len(todo)}")
        return parse_fresh(todo, *args, **kwargs)

    def store(self: BuildCache, items: dict[str, Any]) -> None:
        steps.append(f"store {len(items)}")
        store_parsed(self, items)

    monkeypatch.setattr(parsing, "_parse_fresh", hand_over)
    monkeypatch.setattr(BuildCache, "store_parsed", store)
    out = build_site(root)
    assert steps == ["hand over 2", "hand over 2", "store 2", "hand over 1", "store 2", "store 1"]
    monkeypatch.undo()
    assert _tree(out) == _clean(root)
