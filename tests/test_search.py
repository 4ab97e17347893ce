"""Search: a Pagefind index of post bodies, made on `build`, without spoilers; /search/ works."""

from __future__ import annotations

import gzip
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, REPO, image_bytes, make_site, post

from matinee import search
from matinee.cache import BuildCache
from matinee.config import load_config
from matinee.pipeline import build
from matinee.stamp import input_state, up_to_date

needs_pagefind = pytest.mark.skipif(search.pagefind_executable() is None, reason="Pagefind is not installed")
SPOILER_WORDS = ("Chaniwalksaway", "Harkonnenbaron")
DUNE_BODY = f"""\
Villeneuve stages a sandworm ride of real scale.

!!! spoiler "The ending"
    In the last scene {SPOILER_WORDS[0]}, unconvinced.

<details class="spoiler" data-pagefind-ignore><summary>Who dies</summary>
<p>The {SPOILER_WORDS[1]} does.</p>
</details>

The score is thunderous.
"""


def search_site(tmp_path: Path) -> Path:
    return make_site(
        tmp_path,
        {
            "content/posts/dune.md": post("Dune review", date="2024-03-01", body=DUNE_BODY),
            "content/posts/barbie.md": post("Barbie review", date="2024-03-02", body="Gerwig sends Mattel up, gently."),
            "content/about.md": "---\ntitle: About\n---\nWe also love sandworm puns.\n",
        },
    )


def build_with_search(root: Path, *, search_index: bool = True) -> Path:
    config = load_config(root, out_dir=root / "site")
    cache = BuildCache(config.cache_dir)
    try:
        build(config, now=NOW, cache=cache, search=search_index)
    finally:
        cache.close()
    return config.out_dir


def indexed_pages(out: Path) -> dict[str, str]:
    """Return URL -> indexed text, read from Pagefind's own fragment files."""
    pages = {}
    for path in (out / "pagefind/fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd")
        fragment = json.loads(data)
        pages[fragment["url"]] = fragment["content"]
    return pages


def indexed_words(out: Path) -> bytes:
    """Return the raw bytes of Pagefind's word index (every indexed word is in there)."""
    return b"".join(gzip.decompress(path.read_bytes()) for path in (out / "pagefind/index").iterdir())


@needs_pagefind
def test_build_indexes_post_bodies_and_nothing_else(tmp_path: Path) -> None:
    out = build_with_search(search_site(tmp_path))
    entry = json.loads((out / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == 2
    pages = indexed_pages(out)
    assert set(pages) == {"/2024/03/dune/", "/2024/03/barbie/"}
    assert "sandworm ride" in pages["/2024/03/dune/"]
    assert "The score is thunderous." in pages["/2024/03/dune/"]
    assert "min read" not in pages["/2024/03/dune/"]


@needs_pagefind
def test_spoiler_text_is_not_in_the_search_index(tmp_path: Path) -> None:
    out = build_with_search(search_site(tmp_path))
    page = (out / "2024/03/dune/index.html").read_text(encoding="utf-8")
    assert all(word in page for word in SPOILER_WORDS)  # on the page, behind <details>
    everything = "".join(indexed_pages(out).values())
    words = indexed_words(out)
    for word in SPOILER_WORDS:
        assert word not in everything
        assert word.lower().encode() not in words.lower()
    assert b"sandworm" in words


def test_serve_style_builds_make_no_index_and_leave_build_to_make_one(tmp_path: Path) -> None:
    root = search_site(tmp_path)
    out = build_with_search(root, search_index=False)
    assert not (out / "pagefind").exists()
    assert (out / "search/index.html").is_file()
    config = load_config(root, out_dir=root / "site")
    assert up_to_date(config, NOW, input_state(config)) is None, "a later `build` must not skip making the index"


@needs_pagefind
def test_a_rebuild_replaces_the_index(tmp_path: Path) -> None:
    root = search_site(tmp_path)
    out = build_with_search(root)
    (root / "content/posts/barbie.md").unlink()
    build_with_search(root)
    assert set(indexed_pages(out)) == {"/2024/03/dune/"}
    assert not list(tmp_path.rglob("*.pagefind-new")) and not list(tmp_path.rglob("*.pagefind-old"))


def test_without_pagefind_the_build_warns_once_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(search, "pagefind_executable", lambda: None)
    caplog.set_level(logging.INFO, logger="matinee")
    out = build_with_search(search_site(tmp_path))
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage() for record in warnings] == [
        "warning: no search index made: Pagefind is not installed (pip install 'pagefind[bin]')"
    ]
    assert (out / "2024/03/dune/index.html").is_file() and not (out / "pagefind").exists()


def test_the_search_page_is_linked_from_every_page_header(tmp_path: Path) -> None:
    out = build_with_search(search_site(tmp_path), search_index=False)
    for page in ("index.html", "2024/03/dune/index.html", "about/index.html"):
        header = (out / page).read_text(encoding="utf-8").split("</header>")[0]
        assert 'href="/search/"' in header


@needs_pagefind
def test_the_build_command_makes_the_index_and_counts_its_files(tmp_path: Path) -> None:
    root = search_site(tmp_path)

    def build_command() -> str:
        command = [sys.executable, str(REPO / "build.py"), "build", "--source", str(root)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stderr.strip().splitlines()[-1]

    built = build_command()
    assert (root / "site/pagefind/pagefind-entry.json").is_file()
    on_disk = sum(1 for path in (root / "site").rglob("*") if path.is_file())
    assert built.startswith(f"Built {on_disk} files")
    assert build_command().startswith(f"Up to date: {on_disk} files")


@needs_pagefind
def test_a_rebuild_without_search_removes_the_index_rather_than_keep_a_stale_one(tmp_path: Path) -> None:
    root = search_site(tmp_path)
    out = build_with_search(root)
    build_with_search(root, search_index=False)
    assert not (out / "pagefind").exists()
    assert (out / "2024/03/dune/index.html").is_file()


# --- in a real browser ------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve `folder` as a static host would, on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.browser
@needs_pagefind
def test_typing_a_query_on_the_search_page_lists_the_right_post(tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    out = build_with_search(search_site(tmp_path))
    with static_server(out) as address:
        page = browser.new_page()
        try:
            page.goto(f"{address}/")
            page.get_by_role("link", name="Search").click()
            field = page.get_by_role("textbox", name="Search")
            field.fill("sandworm")
            results = page.locator(".pagefind-ui__result-title .pagefind-ui__result-link")
            expect(results).to_have_text(["Dune review"], timeout=15_000)
            assert results.first.get_attribute("href") == "/2024/03/dune/"
            field.fill(SPOILER_WORDS[0])
            expect(page.locator(".pagefind-ui__message")).to_contain_text("No results")
            expect(results).to_have_count(0)
        finally:
            page.close()


@pytest.mark.browser
@needs_pagefind
def test_a_result_shows_the_picture_the_date_and_an_excerpt_without_the_title(tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    root = make_site(
        tmp_path,
        {
            "content/posts/dune.md": post(
                "Sandworm diaries",
                date="2024-03-01",
                image="dune.png",
                image_alt="A dune",
                films=["Dune"],
                rating="4",
                body=DUNE_BODY,
            ),
            "content/posts/dune.png": image_bytes(640, 360),
            # Listed beside it as a related story, with its own date and rating.
            "content/posts/older.md": post("Older", date="2023-06-01", films=["Dune"], rating="3"),
        },
    )
    out = build_with_search(root)
    with static_server(out) as address:
        page = browser.new_page()
        try:
            page.goto(f"{address}/search/?q=sandworm")
            result = page.locator(".pagefind-ui__result")
            expect(result.locator(".pagefind-ui__result-link")).to_have_text(["Sandworm diaries"], timeout=15_000)
            image = result.locator("img.pagefind-ui__result-image")
            expect(image).to_have_attribute("alt", "A dune")
            page.wait_for_function("document.querySelector('img.pagefind-ui__result-image').naturalWidth > 0")
            assert image.get_attribute("src").endswith("dune-480w.webp")  # the narrowest copy, not the original
            expect(result.locator("[data-pagefind-ui-meta='published']")).to_have_text("Published: 1 March 2024")
            excerpt = result.locator(".pagefind-ui__result-excerpt").first
            expect(excerpt.locator("mark")).to_have_text(["sandworm"])
            assert "diaries" not in excerpt.inner_text()  # the title is shown above, not again in the excerpt
            assert "Desk" not in result.inner_text()  # the byline is not indexed
            assert "Rated" not in result.inner_text()  # nor the rating's words
        finally:
            page.close()


RAW_PAGE = (
    '<!doctype html><html lang="en"><body><main data-pagefind-body><p>Projectionist notes.</p></main></body></html>'
)


@needs_pagefind
def test_pagefind_reads_only_the_folders_of_searchable_pages_and_indexes_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = search_site(tmp_path / "given")
    (root / "content/notes").mkdir()
    (root / "content/notes/raw.html").write_text(RAW_PAGE, encoding="utf-8")  # copied as it is
    commands: list[list[str]] = []
    run = subprocess.run
    monkeypatch.setattr(search.subprocess, "run", lambda command, **kw: commands.append(command) or run(command, **kw))
    out = build_with_search(root)
    assert commands[-1][-2:] == ["--glob", "{2024/**/*.html,notes/**/*.html}"]
    (root / "content/about.md").write_text("---\ntitle: About\n---\nSandworms.\n", encoding="utf-8")
    build_with_search(root)  # the posts are not rendered again, and still indexed
    assert commands[-1][-2:] == ["--glob", "{2024/**/*.html,notes/**/*.html}"]
    monkeypatch.setattr(search, "glob_of", lambda searchable: None)  # every page read
    every = build_with_search(search_site(tmp_path / "every"))
    assert set(indexed_pages(out)) == set(indexed_pages(every)) | {"/notes/raw.html"}
    assert indexed_pages(out)["/2024/03/dune/"] == indexed_pages(every)["/2024/03/dune/"]


def test_the_glob_names_top_folders_and_pages_and_gives_up_on_odd_or_many_names() -> None:
    assert search.glob_of(["2024/03/dune/index.html", "2023/x/index.html", "index.html"]) == (
        "{2023/**/*.html,2024/**/*.html,index.html}"
    )
    assert search.glob_of([]) is None
    assert search.glob_of(["{odd},name/index.html"]) is None
    assert search.glob_of([f"post-{n}/index.html" for n in range(search.MAX_GLOB_PARTS + 1)]) is None
