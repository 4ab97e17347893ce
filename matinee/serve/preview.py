"""The preview server: serve the output folder, rebuild when a source changes, reload the tabs.

Three kinds of thread share one LiveState: the HTTP server's (one per request), the watchdog
observer's (which only notes that something changed), and the caller's, which waits for a
burst of changes to go quiet, rebuilds through pipeline.build and tells every open tab.
"""

from __future__ import annotations

import errno
import gc
import ipaddress
import logging
import mimetypes
import os
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from ..cache import BuildCache
from ..config import Config
from ..errors import MatineeError
from ..pipeline import Report, build
from .livereload import (
    EVENTS_URL,
    WORKER_JS,
    WORKER_URL,
    Snapshot,
    css_changes,
    event_message,
    inject,
    placeholder,
)
from .watch import Watcher

HEARTBEAT_SECONDS = 15.0  # an idle event stream sends a comment this often, to notice closed tabs
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
_NOT_BUILT = b"<!doctype html>\n<title>Not found</title>\n<body><h1>Not found</h1></body>\n"
RETRY_SECONDS = 1  # the Retry-After of the page answered while the first build runs

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Trigger:
    """Why a build ran and when, so that a writer can tell one save's rebuild from the next."""

    changed: tuple[str, ...] | None  # sources relative to the source folder; None: the first build;
    # (): a change that a rescan found and no event named
    at: datetime  # when the build began, local time


OnBuild = Callable[[Report, Trigger], None]
OnErrors = Callable[[tuple[str, ...], Trigger], None]


class Preview:
    """One `serve` run: the HTTP server, the watcher and the rebuild loop."""

    def __init__(self, host: str, port: int, config: Config, *, poll: bool = False) -> None:
        """Bind host:port now (port 0 picks a free one); raise MatineeError if that fails.

        `poll` watches by looking at the files twice a second, for where OS events don't
        arrive (network drives, some containers and VMs).
        """
        self.config = config
        self.live = LiveState()
        self._watcher = Watcher(config.source, poll=poll)
        try:
            self._http = _Server(host, port, config.out_dir, self.live)
        except OSError as error:
            raise MatineeError(f"{host}:{port}", None, _bind_problem(error)) from None
        self.url = f"http://{_url_host(host)}:{self._http.server_address[1]}/"

    def run(self, load: Callable[[], Config], *, on_build: OnBuild, on_errors: OnErrors) -> None:
        """Build, serve and rebuild after each burst of changes until stop() or Ctrl-C.

        `load` reads config.yaml afresh for each build. Until the first build ends, every page
        is a "Building…" page that reloads itself. The port is released on return.
        """
        serving = threading.Thread(target=self._http.serve_forever, args=(0.1,), daemon=True)
        serving.start()
        cache = BuildCache(self.config.cache_dir, in_memory=True)  # parsed sources kept between rebuilds
        try:
            self._watcher.start()  # before the first build, so that no save during it is missed
            self._rebuild(load, cache, on_build, on_errors, None)
            while (changed := self._watcher.wait_until_quiet()) is not None:
                self._rebuild(load, cache, on_build, on_errors, changed)
        finally:
            self.stop()
            self._watcher.join()
            self._http.shutdown()
            self._http.server_close()
            serving.join()
            cache.close()

    def stop(self) -> None:
        """Make run() return soon; safe from any thread."""
        self._watcher.stop()
        self.live.close()

    def _rebuild(
        self,
        load: Callable[[], Config],
        cache: BuildCache,
        on_build: OnBuild,
        on_errors: OnErrors,
        changed: tuple[str, ...] | None,
    ) -> None:
        """Build once and tell the tabs: restyle them if only stylesheets changed, else reload."""
        trigger = Trigger(changed, datetime.now().astimezone())
        with _collector_paused():
            try:
                report = build(load(), now=datetime.now(UTC), cache=cache)  # no stamp: see build()
            except Exception as error:  # the server outlives a failed build; the error is shown
                problems = describe(error)
                self.live.failed(problems)
                on_errors(problems, trigger)
                return
            self.live.built(css_changes(report.touched))
            on_build(report, trigger)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a rebuild, then run it once.

    Each of its full passes walks the whole model kept in memory, and a rebuild's allocations
    set off several: measured, a third of a one-post rebuild at 10,000 posts. One pass after
    the tabs are told (0.06 s there) frees what the rebuild left.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


class LiveState:
    """The Snapshot every tab should see, and a way to wait for the next one."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._now = Snapshot(secrets.token_hex(8), builds=0, epoch=0, css=None, errors=())
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once the server is stopping: waiting tabs should hang up."""
        return self._closed

    def snapshot(self) -> Snapshot:
        """Return the current snapshot."""
        with self._changed:
            return self._now

    def built(self, css: tuple[str, ...] | None) -> None:
        """Record a good build that changed only the stylesheets `css`, or more if None."""
        with self._changed:
            now = self._now
            self._now = replace(now, builds=now.builds + 1, epoch=now.epoch + 1, css=css, errors=())
            self._changed.notify_all()

    def failed(self, errors: tuple[str, ...]) -> None:
        """Record a failed build; the last good site stays on disk and in the tabs."""
        with self._changed:
            self._now = replace(self._now, builds=self._now.builds + 1, errors=errors)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[Snapshot], bool], timeout: float) -> Snapshot | None:
        """Return the first snapshot that satisfies `predicate`; None on timeout or close."""
        with self._changed:
            ready = self._changed.wait_for(lambda: self._closed or predicate(self._now), timeout)
            return self._now if ready and not self._closed else None

    def close(self) -> None:
        """Wake every waiting tab so that it hangs up."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


def describe(error: BaseException) -> tuple[str, ...]:
    """Return a failed build's error lines, worded as the CLI words them."""
    if isinstance(error, MatineeError):
        return (str(error),)
    if isinstance(error, BaseExceptionGroup):
        return tuple(line for inner in error.exceptions for line in describe(inner))
    if isinstance(error, OSError):
        return (f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": "),)
    return (f"internal error: {type(error).__name__}: {error}",)


def is_loopback(host: str) -> bool:
    """Return True if `host` is reachable only from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- the HTTP side -------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """Serves `out_dir` with the live-reload script added to HTML, one thread per request."""

    daemon_threads = True
    # socketserver listens with a backlog of 5: measured, 50 tabs connecting at once then waited
    # 1-7 s for the kernel to retry the connections it had dropped.
    request_queue_size = 128

    def __init__(self, host: str, port: int, out_dir: Path, live: LiveState) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.host = host
        self.out_dir = out_dir
        self.live = live
        super().__init__((host.strip("[]"), port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed request in one line; a tab closing mid-answer is routine."""
        log.debug("answering %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "Matinee"
    timeout = 60  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # headers and body are two writes; don't hold the body back

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def end_headers(self) -> None:
        """Add the headers every answer carries, errors and redirects included."""
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)

    def _answer(self, head: bool) -> None:
        if not _is_our_host(self.headers.get_all("Host") or [], self.server.host):
            self._send(HTTPStatus.FORBIDDEN, b"This preview answers only to its address.\n", head)
            return
        path, _, query = self.path.partition("?")
        if path == EVENTS_URL:
            self._stream(head)
            return
        if path == WORKER_URL:
            self._send(HTTPStatus.OK, WORKER_JS, head, "text/javascript; charset=utf-8")
            return
        # Taken before reading, so that a page never claims a newer build than it shows.
        snapshot = self.server.live.snapshot()
        if snapshot.builds == 0:  # site/ is being built: what it holds may be gone in a moment
            self._send_placeholder(snapshot, head)
            return
        status, file, body = _read_page(self.server.out_dir, path)
        if status is HTTPStatus.MOVED_PERMANENTLY:
            location = path + "/" + (f"?{query}" if query else "")
            self._send(status, f"Moved to {location}\n".encode(), head, location=location)
        elif status is HTTPStatus.OK and file is not None and body is not None:
            content_type = _content_type(file.name)
            page = inject(body, snapshot) if content_type.startswith("text/html") else body
            self._send(status, page, head, content_type)
        elif status is HTTPStatus.NOT_FOUND and snapshot.epoch == 0:
            self._send_placeholder(snapshot, head)  # no good build yet: say why, not "Not found"
        elif status is HTTPStatus.NOT_FOUND:
            _, _, missing = _read_page(self.server.out_dir, "/404.html")
            self._send(status, inject(missing or _NOT_BUILT, snapshot), head, _TYPES[".html"])
        else:
            self._send(status, f"{status.value} {status.phrase}\n".encode(), head)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        head: bool,
        content_type: str = _TYPES[".txt"],
        location: str = "",
        retry_after: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _send_placeholder(self, snapshot: Snapshot, head: bool) -> None:
        """Answer 503 with the Building page, or the errors of a first build that failed."""
        retry = RETRY_SECONDS if snapshot.builds == 0 else None  # after errors, a save is awaited
        page = placeholder(snapshot)
        self._send(HTTPStatus.SERVICE_UNAVAILABLE, page, head, _TYPES[".html"], retry_after=retry)

    def _stream(self, head: bool) -> None:
        """Send each new Snapshot as a Server-Sent Event until the tab or the server goes."""
        self.close_connection = True
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        if head:
            return
        live = self.server.live
        sent = live.snapshot()
        try:
            self.wfile.write(b"retry: 1000\n" + event_message(sent))
            while not live.closed:
                newer = live.wait_for(partial(_is_newer, sent), HEARTBEAT_SECONDS)
                if newer is not None:
                    sent = newer
                    self.wfile.write(event_message(sent))
                elif not live.closed:
                    self.wfile.write(b": still here\n\n")
        except OSError:
            return  # the tab was closed


def _is_newer(sent: Snapshot, now: Snapshot) -> bool:
    return now.builds != sent.builds


def _read_page(out_dir: Path, url_path: str) -> tuple[HTTPStatus, Path | None, bytes | None]:
    """Return the status, file and whole bytes a request path names in `out_dir`."""
    for _ in range(2):  # a file can vanish between lookup and open while a build replaces it
        status, file = _locate(out_dir, url_path)
        if status is not HTTPStatus.OK or file is None:
            return status, None, None
        try:
            with file.open("rb") as opened:  # the writer replaces files whole, never rewrites them
                return status, file, opened.read()
        except OSError:
            continue
    return HTTPStatus.NOT_FOUND, None, None


def _locate(out_dir: Path, url_path: str) -> tuple[HTTPStatus, Path | None]:
    """Map a request path to a file: /x/ -> x/index.html; refuse anything leading outside."""
    parts = _segments(url_path)
    if parts is None:
        return HTTPStatus.BAD_REQUEST, None
    root = os.path.realpath(out_dir)
    target = os.path.realpath(os.path.join(root, *parts))
    if os.path.isdir(target) and _inside(target, root):
        if not url_path.endswith("/"):
            return HTTPStatus.MOVED_PERMANENTLY, None
        target = os.path.realpath(os.path.join(target, "index.html"))
    elif url_path.endswith("/") and parts:
        return HTTPStatus.NOT_FOUND, None
    if not _inside(target, root):
        return HTTPStatus.FORBIDDEN, None  # a symlink leading out
    return (HTTPStatus.OK, Path(target)) if os.path.isfile(target) else (HTTPStatus.NOT_FOUND, None)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _segments(url_path: str) -> list[str] | None:
    """Return a request path's decoded segments, or None if one could step outside the folder."""
    if not url_path.startswith("/") or url_path.startswith("//"):
        return None
    raw = url_path[1:].removesuffix("/").split("/") if url_path != "/" else []
    try:
        parts = [unquote_to_bytes(part.encode("latin-1")).decode("utf-8") for part in raw]
    except (UnicodeError, ValueError):
        return None
    if any(part in ("", ".", "..") or any(char in part for char in "/\\\x00") for part in parts):
        return None
    return parts


def _is_our_host(values: list[str], bound: str) -> bool:
    """True for the Host names a browser uses for us; refusing others stops DNS rebinding."""
    if len(values) != 1:
        return False
    match = re.fullmatch(r"(\[[0-9a-f:.]+\]|[^:\[\]]+)(?::\d{1,5})?", values[0].strip().lower())
    if match is None:
        return False
    name = match.group(1)
    if name in LOOPBACK_NAMES or name == _url_host(bound).lower():
        return True
    if bound.strip("[]") not in ("0.0.0.0", "::"):
        return False
    try:  # bound to every address: any IP literal is an address of ours, and no rebinding name
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _url_host(host: str) -> str:
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare


def _content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    guessed = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if guessed.startswith("text/") and "charset" not in guessed:
        return f"{guessed}; charset=utf-8"
    return guessed


def _bind_problem(error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return "is in use; stop the other server or pick another --port (--port 0 finds a free one)"
    if error.errno == errno.EACCES:
        return "is not allowed for this user; choose a --port above 1023"
    return f"cannot be served on: {error.strerror or error}"
