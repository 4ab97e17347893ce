"""Slugs, permalinks and output paths. Every output path stays inside the output folder."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from datetime import datetime
from urllib.parse import quote

from .config import Config

_NOT_WORD = re.compile(r"[\W_]+")
_SLUG = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def slugify(text: str) -> str:
    """Return a clean, Unicode-aware slug: 'Amélie' -> 'amelie', 'Mission: Impossible' -> 'mission-impossible'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub("-", unicodedata.normalize("NFC", bare).lower()).strip("-")


def is_slug(text: str) -> bool:
    """Return True if `text` is usable as one URL segment as it stands."""
    return bool(_SLUG.fullmatch(text))


def slug_from_filename(stem: str) -> str:
    """Return a post's default slug: its file name without a leading YYYY-MM-DD- date."""
    return slugify(_DATE_PREFIX.sub("", stem))


def permalink(pattern: str, published: datetime, slug: str) -> str:
    """Return a post's site URL from the config's pattern, e.g. '/2024/03/dune/'."""
    url = pattern.format(
        year=f"{published.year:04d}",
        month=f"{published.month:02d}",
        day=f"{published.day:02d}",
        slug=slug,
    )
    return "/" + url.strip("/") + "/"


def term_url(taxonomy: str, slug: str) -> str:
    """Return the site URL of one term's page, e.g. '/films/dune-part-two/'."""
    return f"/{taxonomy}/{slug}/"


def clean_url(url: str) -> str | None:
    """Return `url` as a normalised site path, or None if it could leave the site."""
    if any(bad in url for bad in ("\\", "\x00", ":", "?", "#")):
        return None
    parts = [part for part in url.split("/") if part]
    if any(part in (".", "..") for part in parts):
        return None
    if not parts:
        return "/"
    path = "/" + "/".join(parts)
    is_file = "." in parts[-1] and not url.endswith("/")
    return path if is_file else path + "/"


def output_path(url: str) -> str:
    """Return the file a site URL is written to, relative to the output folder."""
    cleaned = clean_url(url)
    if cleaned is None:
        raise ValueError(f"unsafe URL {url!r}")
    relative = cleaned.lstrip("/")
    return relative + "index.html" if cleaned.endswith("/") else relative


def href(config: Config, url: str) -> str:
    """Return a site URL as an href: base path prefixed, non-ASCII percent-encoded."""
    return quote(config.link(url), safe="/#%?=&:")
