"""The preview's HTTP side: serve the output folder, add the live-reload script to its pages,
and stream each new Snapshot to the open tabs (one thread per request). (I/O)
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import mimetypes
import os
import re
import socket
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from ..errors import MatineeError
from .livereload import EVENTS_URL, WORKER_JS, WORKER_URL, LiveState, Snapshot, event_message, inject, placeholder

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


def open_server(host: str, port: int, out_dir: Path, live: LiveState) -> Server:
    """Bind host:port now (port 0 picks a free one); raise MatineeError if that fails."""
    try:
        return Server(host, port, out_dir, live)
    except OSError as error:
        raise MatineeError(f"{host}:{port}", None, _bind_problem(error)) from None


def url_of(server: Server) -> str:
    """Return the address a browser opens: http://host:port/."""
    return f"http://{_url_host(server.host)}:{server.server_address[1]}/"


def is_loopback(host: str) -> bool:
    """Return True if `host` is reachable only from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Server(ThreadingHTTPServer):
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
    server: Server
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
