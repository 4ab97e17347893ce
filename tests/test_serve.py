"""serve/ over real sockets: pretty URLs, safety, rebuilds, live reload, Ctrl-C."""

from __future__ import annotations

import gc
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import make_site, post
from serving import WAIT, CliServe, EventStream, Running, raw_request, request, running

from matinee.serve import preview as preview_module

ALPHA = "/2024/01/alpha/"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(20)


def sample_files() -> dict[str, str | bytes]:
    return {
        "content/posts/alpha.md": post("Alpha", date="2024-01-05", body="First paragraph about Alpha."),
        "content/posts/beta.md": post("Beta", date="2024-02-09"),
        "content/posts/still.png": PNG,
    }


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Running]:
    with running(make_site(tmp_path, sample_files())) as started:
        yield started


def page_state(body: bytes) -> dict[str, object]:
    """Return the state the live-reload script was given in a served page."""
    found = re.search(rb"\}\)\((\{.*?\})\);</script>", body)
    assert found, "no live-reload script in the page"
    return dict(json.loads(found.group(1)))


# --- URLs, status codes, headers -------------------------------------------------------------


def test_pretty_url_serves_the_folders_index_html(server: Running) -> None:
    answer = server.get(ALPHA)
    assert answer.status == 200
    assert b"First paragraph about Alpha." in answer.body
    assert server.get("/").status == 200
    assert server.get(ALPHA + "index.html").status == 200


def test_folder_without_slash_redirects_to_it(server: Running) -> None:
    answer = server.get(ALPHA.rstrip("/"))
    assert answer.status == 301
    assert answer.headers["location"] == ALPHA
    assert server.get("/2024/01/alpha?ref=feed").headers["location"] == ALPHA + "?ref=feed"


def test_missing_page_gets_the_sites_404_page_with_status_404(server: Running) -> None:
    for path in ("/no/such/page/", "/no-such.css", "/feed.xml/"):
        answer = server.get(path)
        assert answer.status == 404
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert b"This reel is missing" in answer.body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        (ALPHA, "text/html; charset=utf-8"),
        ("/404.html", "text/html; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/assets/icon.svg", "image/svg+xml"),
        ("/posts/still.png", "image/png"),
        ("/feed.xml", "application/xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/_matinee/worker.js", "text/javascript; charset=utf-8"),
    ],
)
def test_content_types(server: Running, path: str, content_type: str) -> None:
    answer = server.get(path)
    assert answer.status == 200
    assert answer.headers["content-type"] == content_type
    assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    ["/", ALPHA, "/assets/style.css", "/2024/01/alpha", "/nope/", "/../x", "/_matinee/worker.js"],
)
def test_every_answer_says_no_store(server: Running, path: str) -> None:
    assert server.get(path).headers["cache-control"] == "no-store"
    refused = server.get(path, headers={"Host": "evil.example"})
    assert refused.status == 403
    assert refused.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", ALPHA, "/assets/style.css", "/posts/still.png", "/2024/01/alpha", "/nope/"])
def test_head_gives_the_get_headers_without_a_body(server: Running, path: str) -> None:
    got = server.get(path)
    head = server.get(path, method="HEAD")
    assert head.status == got.status
    assert head.body == b""
    for name in ("content-type", "content-length", "cache-control", "location"):
        assert head.headers.get(name) == got.headers.get(name)
    assert int(got.headers["content-length"]) == len(got.body)


def test_other_methods_are_refused(server: Running) -> None:
    answer = server.get("/", method="POST")
    assert answer.status == 501
    assert answer.headers["cache-control"] == "no-store"


def test_many_tabs_are_served_at_once(server: Running) -> None:
    tabs = [EventStream(server.port) for _ in range(12)]  # each holds its connection open
    stalled = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    stalled.sendall(b"GET / HTTP/1.1\r\n")  # a client that never finishes its request
    try:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda n: server.get([ALPHA, "/", "/assets/style.css"][n % 3]), range(90)))
        assert [answer.status for answer in answers] == [200] * 90
        assert all(json.loads(tab.next_message())["epoch"] == 1 for tab in tabs)
    finally:
        stalled.close()
        for tab in tabs:
            tab.close()


def test_keep_alive_connection_serves_several_requests(server: Running) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        for path in ("/", ALPHA, "/assets/style.css", "/nope/"):
            connection.request("GET", path)
            answer = connection.getresponse()
            assert len(answer.read()) == int(answer.getheader("Content-Length") or -1)
    finally:
        connection.close()


# --- safety --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        b"/../config.yaml",
        b"/assets/../../config.yaml",
        b"/%2e%2e/config.yaml",
        b"/%2E%2E/%2e%2e/etc/passwd",
        b"/assets/%2e%2e/%2e%2e/config.yaml",
        b"/assets/..%2f..%2fconfig.yaml",
        b"/..%5cconfig.yaml",
        b"/..\\config.yaml",
        b"/assets\\..\\..\\config.yaml",
        b"//etc/passwd",
        b"/%2fetc%2fpasswd",
        b"/%2Fetc/passwd",
        b"/etc/passwd%00",
        b"/index.html%00.css",
        b"/index.html\x00.css",
        b"/./config.yaml",
        b"/%ff%fe",
        b"http://127.0.0.1/../config.yaml",
        b"config.yaml",
    ],
)
def test_paths_leading_outside_are_refused(server: Running, target: bytes) -> None:
    answer = raw_request(server.port, b"GET " + target + b" HTTP/1.1", b"Host: 127.0.0.1")
    assert 400 <= answer.status < 500
    assert b"base_url:" not in answer.body and b"root:" not in answer.body


def test_symlinks_leading_outside_are_refused(server: Running) -> None:
    out_dir = server.root / "site"
    (out_dir / "leak.txt").symlink_to(server.root / "config.yaml")
    (out_dir / "leak").symlink_to(server.root)
    (out_dir / "inside.css").symlink_to(out_dir / "assets" / "style.css")
    for path in ("/leak.txt", "/leak/config.yaml", "/leak", "/leak/", "/leak/content/"):
        answer = server.get(path)
        assert 400 <= answer.status < 500, path
        assert answer.status != 301
        assert b"base_url:" not in answer.body
    assert server.get("/inside.css").status == 200  # a link that stays inside is fine


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.0.0.1:{port}",
        "localhost",
        "localhost:{port}",
        "LOCALHOST:{port}",
        "[::1]",
        "[::1]:{port}",
    ],
)
def test_host_header_of_this_server_is_accepted(server: Running, host: str) -> None:
    assert server.get("/", headers={"Host": host.format(port=server.port)}).status == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example:{port}",
        "localhost.evil.example",
        "10.0.0.1:{port}",
        "[::2]:{port}",
        "127.0.0.1:{port}@evil.example",
        "",
    ],
)
def test_other_host_headers_are_refused(server: Running, host: str) -> None:
    header = f"Host: {host.format(port=server.port)}".encode()
    assert raw_request(server.port, b"GET / HTTP/1.1", header).status == 403


def test_missing_or_repeated_host_header_is_refused(server: Running) -> None:
    assert raw_request(server.port, b"GET / HTTP/1.0").status == 403
    assert raw_request(server.port, b"GET / HTTP/1.1", b"Host: 127.0.0.1", b"Host: evil.example").status == 403


# --- rebuilds ------------------------------------------------------------------------------


def test_editing_a_post_rebuilds_and_serves_the_new_page(server: Running) -> None:
    server.next_build(
        lambda: server.write("content/posts/alpha.md", post("Alpha", date="2024-01-05", body="Rewritten."))
    )
    assert b"Rewritten." in server.get(ALPHA).body
    assert server.reports[-1].posts == 2


def test_serve_leaves_nothing_beside_the_output_folder_when_it_stops(tmp_path: Path) -> None:
    """A save stages into folders kept for the next save (commit.clear): they go with `serve`."""
    root = make_site(tmp_path, sample_files())
    with running(root) as server:
        server.next_build(lambda: server.write("content/posts/alpha.md", post("Alpha", date="2024-01-05", body="New.")))
        assert b"New." in server.get(ALPHA).body
    assert sorted(path.name for path in root.iterdir() if path.name.startswith(".site")) == []


@pytest.mark.parametrize("body", ["Rewritten.", "{% bad"], ids=["good", "failed"])
def test_a_rebuild_turns_the_cycle_collector_back_on(server: Running, body: str) -> None:
    """Rebuilds run with the collector paused; a long `serve` must not keep it off."""
    if body.startswith("{%"):
        server.next_build(lambda: server.write("layouts/post.html", body))
    else:
        server.next_build(lambda: server.write("content/posts/alpha.md", post("Alpha", body=body)))
    deadline = time.monotonic() + WAIT  # the tabs are told just before the collector resumes
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gc.isenabled()


# Writes each file of a JSON {path: text} on stdin, as a `git checkout` does: from another
# process (written from the test's own, the writes would hold up the watcher's thread).
WRITER = (
    "import json, pathlib, sys\n"
    "for path, text in json.load(sys.stdin).items():\n"
    "    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)\n"
    "    pathlib.Path(path).write_text(text, encoding='utf-8')\n"
)


def write_from_another_process(files: dict[Path, str]) -> None:
    payload = json.dumps({str(path): text for path, text in files.items()})
    subprocess.run([sys.executable, "-c", WRITER], input=payload, text=True, check=True)


def test_a_burst_of_200_saves_gives_one_rebuild(server: Running) -> None:
    folder = server.root / "content/posts/burst"

    def burst(mark: str) -> None:
        posts = {folder / f"p{number}.md": post(f"Burst {number}{mark}", date="2024-03-01") for number in range(200)}
        write_from_another_process(posts)

    snapshot = server.next_build(lambda: burst(""))
    assert snapshot.builds == 2 and snapshot.errors == ()
    assert server.triggers[-1].changed == tuple(sorted(f"content/posts/burst/p{number}.md" for number in range(200)))
    assert server.preview.live.wait_for(lambda now: now.builds > 2, 1.0) is None  # no second rebuild
    assert server.get("/2024/03/p199/").status == 200

    assert server.next_build(lambda: burst("!")).builds == 3  # a `git checkout` rewriting them all
    assert server.preview.live.wait_for(lambda now: now.builds > 3, 1.0) is None


def test_reading_a_new_source_which_sets_its_access_time_is_no_change(server: Running) -> None:
    server.next_build(lambda: server.write("content/posts/fresh.md", post("Fresh", date="2024-03-02")))
    builds = server.preview.live.snapshot().builds
    path = server.root / "content/posts/fresh.md"
    os.utime(path, ns=(time.time_ns(), path.stat().st_mtime_ns))  # what a first read does on relatime disks
    assert server.preview.live.wait_for(lambda now: now.builds > builds, 1.0) is None


def test_deleted_created_and_moved_files_and_folders_all_count(server: Running) -> None:
    server.next_build(lambda: (server.root / "content/posts/beta.md").unlink())
    assert server.get("/2024/02/beta/").status == 404

    server.next_build(lambda: server.write("content/posts/new/gamma.md", post("Gamma", date="2024-04-01")))
    assert server.get("/2024/04/gamma/").status == 200

    posts = server.root / "content/posts"
    server.next_build(lambda: (posts / "new").rename(posts / ".trash"))  # hidden folders are skipped
    assert server.get("/2024/04/gamma/").status == 404

    server.next_build(lambda: (posts / ".trash").rename(posts / "back"))
    assert server.get("/2024/04/gamma/").status == 200


def test_config_and_layout_changes_rebuild(server: Running) -> None:
    config = (server.root / "config.yaml").read_text(encoding="utf-8").replace("Test Reel", "Second Reel")
    server.next_build(lambda: server.write("config.yaml", config))
    assert b"Second Reel" in server.get("/").body

    layout = (server.root / "layouts/404.html").read_text(encoding="utf-8").replace("This reel is missing", "Lost reel")
    server.next_build(lambda: server.write("layouts/404.html", layout))
    assert b"Lost reel" in server.get("/nope/").body


def test_replaced_content_folder_is_watched_again(server: Running) -> None:
    content = server.root / "content"

    def replace_content() -> None:
        shutil.copytree(content, server.root / "content.new")
        shutil.rmtree(content)
        (server.root / "content.new").rename(content)

    server.next_build(replace_content)
    server.wait_for(lambda now: now.errors == ())
    server.next_build(lambda: server.write("content/posts/alpha.md", post("Alpha", date="2024-01-05", body="After.")))
    assert b"After." in server.get(ALPHA).body


def test_writing_the_output_and_cache_folders_starts_no_build(server: Running) -> None:
    (server.root / "site" / "stray.txt").write_text("x", encoding="utf-8")
    (server.root / ".matinee-cache" / "stray.txt").write_text("x", encoding="utf-8")
    (server.root / "notes.txt").write_text("x", encoding="utf-8")
    (server.root / "content/posts/.alpha.md.swp").write_text("x", encoding="utf-8")
    assert server.preview.live.wait_for(lambda now: now.builds > 1, 1.0) is None  # and no build loop


def test_pages_are_never_served_half_written(server: Running) -> None:
    def big(version: int) -> str:
        return post("Alpha", date="2024-01-05", summary="Big.", body=f"version{version} " * 40000)

    server.next_build(lambda: server.write("content/posts/alpha.md", big(0)))
    stop = threading.Event()
    seen: set[bytes] = set()
    broken: list[str] = []

    def read_repeatedly() -> None:
        while not stop.is_set():
            body = request(server.port, ALPHA).body
            versions = set(re.findall(rb"version(\d+)", body))
            seen.update(versions)
            if len(versions) != 1 or not body.rstrip().endswith(b"</html>") or body.count(b"version") != 40000:
                broken.append(f"{len(body)} bytes, versions {versions}")

    readers = [threading.Thread(target=read_repeatedly) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for version in range(1, 6):
            server.next_build(lambda version=version: server.write("content/posts/alpha.md", big(version)))
    finally:
        stop.set()
        for reader in readers:
            reader.join(WAIT)
    assert broken == []
    assert len(seen) >= 3


# --- live reload ---------------------------------------------------------------------------


def test_script_is_added_to_served_html_only_never_on_disk(server: Running) -> None:
    page = server.get(ALPHA)
    assert b"/_matinee/worker.js" in page.body
    assert page.body.index(b"<script>(function (state)") < page.body.rindex(b"</body>")
    assert page_state(page.body)["epoch"] == 1
    for path in server.root.joinpath("site").rglob("*"):
        if path.is_file():
            assert b"_matinee" not in path.read_bytes(), path
    for path in ("/assets/style.css", "/feed.xml", "/sitemap.xml", "/robots.txt"):
        assert b"_matinee" not in server.get(path).body
    assert b"/_matinee/worker.js" in server.get("/nope/").body  # the 404 page reloads too


def test_events_tell_tabs_what_changed(server: Running) -> None:
    tab = EventStream(server.port)
    try:
        assert tab.response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
        assert tab.response.getheader("Cache-Control") == "no-store"
        first = json.loads(tab.next_message())
        assert first["epoch"] == 1 and first["errors"] == []

        css = (server.root / "layouts/assets/style.css").read_text(encoding="utf-8") + "\nbody { color: red; }\n"
        server.next_build(lambda: server.write("layouts/assets/style.css", css))
        assert json.loads(tab.next_message()) == {**first, "builds": 2, "epoch": 2, "css": ["/assets/style.css"]}

        server.next_build(lambda: server.write("content/posts/alpha.md", post("Alpha", date="2024-01-05", body="New.")))
        assert json.loads(tab.next_message()) == {**first, "builds": 3, "epoch": 3, "css": None}
    finally:
        tab.close()


def test_failed_build_shows_the_errors_and_keeps_the_last_good_site(server: Running) -> None:
    broken = post("Alpha", date="<script>alert(1)</script>")
    snapshot = server.next_build(lambda: server.write("content/posts/alpha.md", broken))
    expected = "content/posts/alpha.md:3: date '<script>alert(1)</script>' is not YYYY-MM-DD or ISO 8601"
    assert snapshot.errors == (expected,)
    assert server.errors == [(expected,)]  # what the terminal prints
    assert snapshot.epoch == 1  # the site on disk is still the last good one

    page = server.get(ALPHA)
    assert page.status == 200 and b"First paragraph about Alpha." in page.body
    assert page_state(page.body)["errors"] == [expected]
    assert b"<script>alert(1)" not in page.body  # escaped inside the script
    tab = EventStream(server.port)
    try:
        assert json.loads(tab.next_message())["errors"] == [expected]
        fixed = server.next_build(
            lambda: server.write("content/posts/alpha.md", post("Alpha", date="2024-01-05", body="Fixed."))
        )
        assert fixed.errors == () and fixed.epoch == 2
        assert json.loads(tab.next_message())["errors"] == []
    finally:
        tab.close()
    page = server.get(ALPHA)
    assert b"Fixed." in page.body and page_state(page.body)["errors"] == []


def test_starting_with_a_broken_site_serves_the_errors_until_it_is_fixed(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/alpha.md": "---\ntitle: [unclosed\n---\nBody.\n"})
    with running(root) as server:
        errors = server.preview.live.snapshot().errors
        assert errors[0].startswith("content/posts/alpha.md:2: ")
        for path in ("/", ALPHA, "/assets/style.css"):  # never "Not found": the site did not build
            placeholder = server.get(path)
            assert placeholder.status == 503 and "retry-after" not in placeholder.headers  # a save is awaited
            assert placeholder.headers["content-type"] == "text/html; charset=utf-8"
            assert b"<h1>The site did not build: 1 error</h1>" in placeholder.body
            assert html.escape(errors[0], quote=False).encode() in placeholder.body
            assert page_state(placeholder.body) | {"server": ""} == {
                "server": "",
                "builds": 1,
                "epoch": 0,
                "errors": list(errors),
                "waiting": True,  # reloads after the next build
            }
        server.next_build(lambda: server.write("content/posts/alpha.md", post("Alpha", date="2024-01-05")))
        assert server.get(ALPHA).status == 200


def test_until_the_first_build_ends_every_answer_is_a_building_page_that_reloads_itself(tmp_path: Path) -> None:
    root = make_site(tmp_path, sample_files())
    (root / "site").mkdir()
    (root / "site/index.html").write_text("<body>An old build, about to be replaced.</body>", encoding="utf-8")
    hold = threading.Event()
    with running(root, hold=hold) as server:
        for path in ("/", ALPHA, "/assets/style.css", "/no/such/page/"):
            answer = server.get(path)
            assert answer.status == 503, path
            assert answer.headers["retry-after"] == "1"
            assert answer.headers["content-type"] == "text/html; charset=utf-8"
            assert answer.headers["cache-control"] == "no-store"
            assert "<h1>Building\u2026</h1>" in answer.body.decode("utf-8")
            assert page_state(answer.body)["waiting"] is True and page_state(answer.body)["builds"] == 0
        head = server.get(ALPHA, method="HEAD")
        assert head.status == 503 and head.headers["retry-after"] == "1" and head.body == b""
        tab = EventStream(server.port)  # what the Building page listens to, to reload itself
        try:
            assert json.loads(tab.next_message())["builds"] == 0
            hold.set()  # the first build ends
            assert json.loads(tab.next_message()) | {"server": ""} == {
                "server": "",
                "builds": 1,
                "epoch": 1,
                "errors": [],
                "css": None,
            }
        finally:
            tab.close()
        answer = server.get(ALPHA)
        assert answer.status == 200 and b"First paragraph about Alpha." in answer.body
        assert page_state(answer.body)["waiting"] is False


def test_a_burst_names_the_sources_it_changed_and_no_other_file(tmp_path: Path) -> None:
    from watchdog.events import DirCreatedEvent, FileCreatedEvent, FileModifiedEvent, FileMovedEvent

    from matinee.serve.watch import _Changes

    root = make_site(tmp_path, {"content/posts/dune.md": post("Dune")})
    changes = _Changes(root)
    for event in (
        DirCreatedEvent(str(root / "content/posts/new")),
        FileCreatedEvent(str(root / "content/posts/new/arrival.md")),
        FileMovedEvent(str(root / "content/posts/.dune.md.saving"), str(root / "content/posts/dune.md")),
        FileModifiedEvent(str(root / "content/posts/dune.md")),
        FileModifiedEvent(str(root / "config.yaml")),
        FileModifiedEvent(str(root / "site/index.html")),  # the output is no source
        FileModifiedEvent(str(root / "content/posts/dune.md.swp")),  # nor an editor's swap file
    ):
        changes.on_any_event(event)
    assert changes.wait_until_quiet() == ("config.yaml", "content/posts/dune.md", "content/posts/new/arrival.md")
    changes.on_any_event(FileModifiedEvent(str(root / "layouts/post.html")))
    assert changes.wait_until_quiet() == ("layouts/post.html",)  # the next burst starts afresh
    changes.close()


def test_a_save_goes_quiet_sooner_than_a_burst_that_moves_folders(tmp_path: Path) -> None:
    """An editor's save (file events only) waits SAVE_QUIET_SECONDS; a folder's events trail
    it, so a burst holding one waits QUIET_SECONDS, and the next burst starts short again."""
    from watchdog.events import DirMovedEvent, FileModifiedEvent, FileMovedEvent

    from matinee.serve import watch

    root = make_site(tmp_path, {"content/posts/dune.md": post("Dune")})
    changes = watch._Changes(root)
    assert watch.SAVE_QUIET_SECONDS < watch.QUIET_SECONDS
    posts = root / "content/posts"
    changes.on_any_event(FileMovedEvent(str(posts / ".dune.md.saving"), str(posts / "dune.md")))
    changes.on_any_event(FileModifiedEvent(str(root / "content/posts/dune.md")))
    assert changes._quiet == watch.SAVE_QUIET_SECONDS
    assert changes.wait_until_quiet() == ("content/posts/dune.md",)
    changes.on_any_event(DirMovedEvent(str(root / "content/posts/a"), str(root / "content/posts/b")))
    changes.on_any_event(FileModifiedEvent(str(root / "content/posts/dune.md")))
    assert changes._quiet == watch.QUIET_SECONDS
    assert changes.wait_until_quiet()
    assert changes._quiet == watch.SAVE_QUIET_SECONDS
    changes.close()


def test_a_save_in_place_is_over_once_its_writer_closed_the_file(tmp_path: Path) -> None:
    """Linux says when a writer closes a file it wrote: a burst of one file whose last event
    closed it waits CLOSED_QUIET_SECONDS; a rename alone (an editor moving the old file aside
    before writing the new one), a burst of several files (a checkout may pause between them)
    or one holding a folder waits as before."""
    from watchdog.events import DirCreatedEvent, FileClosedEvent, FileCreatedEvent, FileModifiedEvent, FileMovedEvent

    from matinee.serve import watch

    root = make_site(tmp_path, {"content/posts/dune.md": post("Dune"), "content/posts/arrival.md": post("Arrival")})
    changes = watch._Changes(root)
    assert watch.CLOSED_QUIET_SECONDS < watch.SAVE_QUIET_SECONDS
    dune, arrival = str(root / "content/posts/dune.md"), str(root / "content/posts/arrival.md")
    changes.on_any_event(FileModifiedEvent(dune))
    assert changes._wait == watch.SAVE_QUIET_SECONDS
    changes.on_any_event(FileClosedEvent(dune))
    assert changes._wait == watch.CLOSED_QUIET_SECONDS
    assert changes.wait_until_quiet() == ("content/posts/dune.md",)
    changes.on_any_event(FileMovedEvent(dune, dune + "~"))
    assert changes._wait == watch.SAVE_QUIET_SECONDS, "moved aside: the new file is not written yet"
    for event in (FileCreatedEvent(dune), FileModifiedEvent(dune), FileClosedEvent(dune)):
        changes.on_any_event(event)
    assert changes._wait == watch.CLOSED_QUIET_SECONDS
    assert changes.wait_until_quiet() == ("content/posts/dune.md",)
    for event in (FileModifiedEvent(dune), FileClosedEvent(dune), FileModifiedEvent(arrival), FileClosedEvent(arrival)):
        changes.on_any_event(event)
    assert changes._wait == watch.SAVE_QUIET_SECONDS
    assert changes.wait_until_quiet() == ("content/posts/arrival.md", "content/posts/dune.md")
    new = root / "content/posts/new"
    for event in (DirCreatedEvent(str(new)), FileCreatedEvent(str(new / "a.md")), FileClosedEvent(str(new / "a.md"))):
        changes.on_any_event(event)
    assert changes._wait == watch.QUIET_SECONDS
    assert changes.wait_until_quiet() == ("content/posts/new/a.md",)
    changes.close()


@pytest.mark.skipif(sys.platform != "linux", reason="inotify reports a closed file; other systems do not")
def test_the_watcher_hears_a_file_written_in_place_closed(tmp_path: Path) -> None:
    """The real observer, over inotify: appending to a post and closing it ends the burst on
    the short wait."""
    from matinee.serve import watch

    root = make_site(tmp_path, {"content/posts/dune.md": post("Dune")})
    watcher = watch.Watcher(root)
    watcher.start()
    try:
        with open(root / "content/posts/dune.md", "a", encoding="utf-8") as file:
            file.write("\nThe studio confirmed the cut.\n")
        assert watcher.wait_until_quiet() == ("content/posts/dune.md",)
        assert watcher._changes._wait == watch.CLOSED_QUIET_SECONDS
    finally:
        watcher.stop()
        watcher.join()


@pytest.mark.parametrize(
    ("changed", "line"),
    [
        (None, ""),  # the first build
        (("content/posts/dune.md",), "14:02:07 content/posts/dune.md changed. "),
        (("config.yaml", "content/posts/dune.md", "layouts/post.html"), "14:02:07 3 files changed. "),
        ((), "14:02:07 A source changed. "),  # found by a rescan, no event named it
    ],
)
def test_a_rebuild_line_begins_with_the_time_and_what_changed(changed: tuple[str, ...] | None, line: str) -> None:
    from datetime import datetime

    from matinee.cli.serve import rebuild_cause
    from matinee.serve.preview import Trigger

    assert rebuild_cause(Trigger(changed, datetime(2025, 3, 1, 14, 2, 7))) == line


# --- the command line ----------------------------------------------------------------------


def test_port_0_picks_a_free_port_and_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    serve = CliServe(make_site(tmp_path, sample_files()), "--port", "0")
    try:
        port = int(serve.wait_line(r"^Building .* to serve at http://127\.0\.0\.1:(\d+)/").group(1))
        assert port != 0
        serve.wait_line(r"^Built \d+ files")
        serve.wait_line(rf"^Serving .* at http://127\.0\.0\.1:{port}/ \(Ctrl-C to stop\)$")
        assert request(port, ALPHA).status == 200  # the address works once it is said
        assert b'href="/assets/style.css"' in request(port, ALPHA).body
        tab = EventStream(port)  # an open tab must not keep the server alive
        assert serve.interrupt() == 0
        tab.close()
    finally:
        serve.close()
    assert "Traceback" not in serve.stderr
    assert "Stopped." in serve.stderr
    with socket.socket() as again:  # the port was released: a new server can listen on it
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
        again.listen()


def test_a_first_build_that_fails_is_said_and_the_address_shows_why(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/alpha.md": "---\ntitle: [unclosed\n---\nBody.\n"})
    serve = CliServe(root, "--port", "0")
    try:
        serve.wait_line(r"^content/posts/alpha\.md:2: front matter is not valid YAML")
        serve.wait_line(r"^Build failed with 1 error; the preview shows them until a save fixes them\.$")
        port = int(serve.wait_line(r"^Serving .* at http://127\.0\.0\.1:(\d+)/ \(Ctrl-C to stop\)$").group(1))
        answer = request(port, "/")
        assert answer.status == 503 and b"The site did not build: 1 error" in answer.body
        assert serve.interrupt() == 0
    finally:
        serve.close()
    assert "Traceback" not in serve.stderr


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, sample_files())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = CliServe(root, "--port", str(port))
        try:
            assert serve.process.wait(WAIT) == 1
        finally:
            serve.close()
    assert f"127.0.0.1:{port}: is in use" in serve.stderr
    assert "Traceback" not in serve.stderr


def test_bad_port_is_a_usage_error(tmp_path: Path) -> None:
    serve = CliServe(make_site(tmp_path, {}), "--port", "70000")
    try:
        assert serve.process.wait(WAIT) == 2
    finally:
        serve.close()
    assert "is not a port number" in serve.stderr


def test_host_other_than_loopback_gets_a_warning(tmp_path: Path) -> None:
    serve = CliServe(make_site(tmp_path, sample_files()), "--host", "0.0.0.0", "--port", "0")
    try:
        port = int(serve.wait_line(r"at http://0\.0\.0\.0:(\d+)/").group(1))
        serve.wait_line(r"^Built ")
        assert request(port, "/", headers={"Host": f"127.0.0.1:{port}"}).status == 200
        assert request(port, "/", headers={"Host": "evil.example"}).status == 403
        assert serve.interrupt() == 0
    finally:
        serve.close()
    assert "warning: other machines can reach 0.0.0.0" in serve.stderr


def test_terminal_shows_build_errors_as_lines_never_a_traceback(tmp_path: Path) -> None:
    root = make_site(tmp_path, sample_files())
    serve = CliServe(root, "--port", "0")
    try:
        serve.wait_line(r"^Built ")
        (root / "content/posts/alpha.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
        serve.wait_line(r"^content/posts/alpha\.md:2: front matter is not valid YAML")
        failed = serve.wait_line(
            r"^(\d\d:\d\d:\d\d) content/posts/alpha\.md changed\. "
            r"Build failed with 1 error; still serving the last good build\.$"
        )
        (root / "content/posts/alpha.md").write_text(post("Alpha", date="2024-01-05"), encoding="utf-8")
        fixed = serve.wait_line(r"^(\d\d:\d\d:\d\d) content/posts/alpha\.md changed\. Built \d+ files")
        for line in (failed, fixed):  # the time of day each build began
            time.strptime(line.group(1), "%H:%M:%S")
        assert serve.interrupt() == 0
    finally:
        serve.close()
    assert "Traceback" not in serve.stderr


def test_poll_mode_sees_edits_too(tmp_path: Path) -> None:
    with running(make_site(tmp_path, sample_files()), poll=True) as server:
        server.next_build(
            lambda: server.write("content/posts/alpha.md", post("Alpha", date="2024-01-05", body="Polled."))
        )
        assert b"Polled." in server.get(ALPHA).body
        assert server.preview.live.wait_for(lambda now: now.builds > 2, 1.5) is None


def test_a_change_made_while_a_build_runs_is_built_though_its_event_was_lost(tmp_path: Path) -> None:
    from watchdog.events import FileModifiedEvent

    from matinee.serve.watch import _Changes

    root = make_site(tmp_path, {"content/posts/dune.md": post("Dune")})
    changes = _Changes(root)
    changes.on_any_event(FileModifiedEvent(str(root / "content/posts/dune.md")))
    assert changes.wait_until_quiet()  # the burst is over: a build would start now
    time.sleep(0.2)
    (root / "content/posts/dune.md").write_text(post("Dune", body="Saved mid-build."), encoding="utf-8")  # no event
    answered: list[bool] = []
    waiter = threading.Thread(target=lambda: answered.append(changes.wait_until_quiet()), daemon=True)
    waiter.start()
    waiter.join(2.0)  # well before a periodic rescan (RESCAN_SECONDS)
    changes.close()
    assert answered == [()], "the change made during the build was not noticed"  # () names no file


def test_a_source_dated_in_the_future_does_not_make_every_build_run_twice(tmp_path: Path) -> None:
    from watchdog.events import FileModifiedEvent

    from matinee.serve.watch import _Changes

    root = make_site(tmp_path, {"content/posts/dune.md": post("Dune")})
    tomorrow = time.time() + 86_400
    os.utime(root / "content/posts/dune.md", (tomorrow, tomorrow))  # unpacked from an archive, say
    changes = _Changes(root)
    changes.on_any_event(FileModifiedEvent(str(root / "content/posts/dune.md")))
    assert changes.wait_until_quiet()  # the burst is over: a build would start now
    answered: list[bool] = []
    waiter = threading.Thread(target=lambda: answered.append(changes.wait_until_quiet()), daemon=True)
    waiter.start()
    waiter.join(1.0)
    changes.close()
    waiter.join(1.0)
    assert answered == [None], "a second build for a change that did not happen"


def test_an_internal_error_in_a_build_asks_for_a_report_and_says_where_its_traceback_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path, sample_files())

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug in the build")

    monkeypatch.setenv("MATINEE_DEBUG", "")
    monkeypatch.setattr(preview_module, "build", broken)
    with running(root) as server:
        snapshot = server.wait_for(lambda now: now.builds >= 1)
        page = server.get(ALPHA)
    (entry,) = snapshot.errors
    first, second = entry.splitlines()
    assert first == "internal error: ZeroDivisionError: a bug in the build"
    assert second.startswith("This is a bug in Matinee; please report it with the command you ran")
    crash = re.search(r"traceback in (\S+)\.$", second)
    assert crash is not None and Path(crash[1]).parent == root / ".matinee-cache"
    assert "ZeroDivisionError: a bug in the build" in Path(crash[1]).read_text(encoding="utf-8")
    assert server.errors == [snapshot.errors]  # the CLI prints the same entry
    assert page.status == 503 and b"please report it" in page.body
