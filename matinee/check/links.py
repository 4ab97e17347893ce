"""Resolve the links of a built page the way a browser would, against the site's base URL. Pure."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urljoin, urlsplit

INDEX = "index.html"
TOP_FRAGMENTS = frozenset({"", "top"})  # browsers scroll to the top for these without any id


@dataclass(frozen=True, slots=True)
class Base:
    """The address the site is served at, split once: links to it are internal."""

    scheme: str
    host: str
    path: str  # always ends with '/'

    @classmethod
    def from_url(cls, base_url: str) -> Base:
        """Split a base URL such as https://example.org/blog/."""
        parts = urlsplit(base_url)
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return cls(parts.scheme, parts.netloc, path)

    def page_url(self, rel: str) -> str:
        """Return the absolute URL a built file is served at: a/index.html -> .../a/."""
        path = rel[: -len(INDEX)] if rel == INDEX or rel.endswith("/" + INDEX) else rel
        return f"{self.scheme}://{self.host}{self.path}{quote(path)}"


@dataclass(frozen=True, slots=True)
class Link:
    """One href/src of a page that points into the site."""

    kind: str  # "link", "image" or "asset"
    line: int
    raw: str  # as written in the page
    path: str | None  # the unquoted path inside the site; None if it leaves the base path
    fragment: str


def resolve(kind: str, line: int, raw: str, page_url: str, base: Base) -> Link | None:
    """Return where `raw` points inside the site, or None for external and non-web links."""
    if raw.startswith(("/", "http:", "https:")) and not raw.startswith("//"):
        place = _resolve_absolute(raw, base)  # the same on every page: layouts repeat these
        return Link(kind, line, raw, *place) if place else None
    place = _place(raw, page_url, base)
    return Link(kind, line, raw, *place) if place else None


@lru_cache(maxsize=8192)
def _resolve_absolute(raw: str, base: Base) -> tuple[str | None, str] | None:
    return _place(raw, base.page_url(""), base)


def _place(raw: str, page_url: str, base: Base) -> tuple[str | None, str] | None:
    """Return (path inside the site or None if outside the base path, fragment), or None."""
    value = raw.strip()
    if not value or value.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    try:
        parts = urlsplit(urljoin(page_url, value))
    except ValueError:  # such as an unbalanced [ in a host
        return (None, "")
    if parts.scheme not in ("http", "https") or parts.netloc != base.host:
        return None
    fragment = unquote(parts.fragment)
    path = parts.path or "/"
    if not path.startswith(base.path) and path + "/" != base.path:
        # An absolute URL to the same host outside the base path is another site there;
        # a root-relative one (/about/) is a link that forgot the base path.
        return None if urlsplit(value).netloc else (None, fragment)
    return (unquote(path[len(base.path) :]), fragment)


def find_file(path: str, files: Container[str]) -> str | None:
    """Return the built file a web server sends for `path` (x/ -> x/index.html), or None."""
    if path == "" or path.endswith("/"):
        candidate = path + INDEX
        return candidate if candidate in files else None
    if path in files:
        return path
    return path + "/" + INDEX if path + "/" + INDEX in files else None  # the server redirects x to x/
