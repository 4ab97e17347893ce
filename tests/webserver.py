"""A real nginx for the deploy tests: started on a free loopback port, everything under tmp_path."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

WAIT = 15.0  # seconds; only ever spent on failure
TYPES = {  # a small mime.types of its own, so the test does not depend on /etc/nginx
    "text/html": "html",
    "text/css": "css",
    "text/javascript": "js",
    "application/json": "json",
    "application/xml": "xml",
    "text/plain": "txt",
    "image/svg+xml": "svg",
    "image/jpeg": "jpg jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "image/avif": "avif",
    "font/woff2": "woff2",
}


def find_nginx() -> str | None:
    """Return the nginx binary (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    return found


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nginx_config(root: Path, work: Path, port: int, base_path: str = "/") -> str:
    """Return an nginx.conf that serves `root` the way a static host would, all state in `work`."""
    types = "\n".join(f"    {mime} {extensions};" for mime, extensions in TYPES.items())
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read files under tmp_path
    return f"""{user}daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
  types {{
{types}
  }}
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path {work}/client_body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  server {{
    listen 127.0.0.1:{port};
    server_name localhost;
    root {root};
    index index.html;
    absolute_redirect off;
    error_page 404 {base_path}404.html;
    location / {{ try_files $uri $uri/ =404; }}
    location ~ /feed\\.xml$ {{
      types {{ }}
      default_type "application/atom+xml; charset=utf-8";
    }}
  }}
}}
"""


@contextmanager
def nginx(root: Path, work: Path, port: int, base_path: str = "/") -> Iterator[str]:
    """Serve `root` with nginx on 127.0.0.1:`port`; yield the base address; stop it after."""
    binary = find_nginx()
    assert binary, "nginx is not installed"
    work.mkdir(parents=True, exist_ok=True)
    config = work / "nginx.conf"
    config.write_text(nginx_config(root, work, port, base_path), encoding="utf-8")
    command = [binary, "-p", str(work), "-e", str(work / "error.log"), "-c", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, process, work)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(port: int, process: subprocess.Popen[bytes], work: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (
                (work / "error.log").read_text(encoding="utf-8", errors="replace")
                if (work / "error.log").exists()
                else ""
            )
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise AssertionError(f"nginx stopped at once: {output}{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nginx did not listen on port {port} within {WAIT} s")


@dataclass(frozen=True)
class Fetched:
    """One HTTP answer, after redirects."""

    url: str
    status: int
    content_type: str
    body: bytes


def fetch(url: str) -> Fetched:
    """GET `url` (following redirects); 4xx and 5xx answers are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return Fetched(
                response.url,
                response.status,
                response.headers.get("Content-Type", ""),
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return Fetched(url, error.code, error.headers.get("Content-Type", ""), error.read())


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def links_of(html: str) -> list[str]:
    """Return every href and src value of a page."""
    parser = _Links()
    parser.feed(html)
    return parser.found


def crawl(start: str) -> dict[str, Fetched]:
    """Fetch `start` and every URL under it that its pages link to, transitively."""
    scope = start
    host = urlsplit(start).netloc
    seen: dict[str, Fetched] = {}
    queue = [start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        answer = seen[url] = fetch(url)
        if answer.status != 200 or not answer.content_type.startswith("text/html"):
            continue
        for raw in links_of(answer.body.decode("utf-8")):
            target = urldefrag(urljoin(answer.url, raw))[0]
            if urlsplit(target).netloc == host and target.startswith(scope) and target not in seen:
                queue.append(target)
            elif urlsplit(target).netloc == host and not target.startswith(scope):
                seen[target] = Fetched(target, 0, "", b"outside the base path, linked from " + url.encode())
    return seen
