"""Slugs, permalinks and output paths. Every output path stays inside the output folder."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
URL_SAFE = "/#%?=&:~+@!$,;'()*[]"
_PLAIN_URL = re.compile(r"[A-Za-z0-9/#%?=&:~+@!$,;'()*\[\]._-]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_WEB_ADDRESS = re.compile(r"https?://[^/?#\s]+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@lru_cache(maxsize=65536)  # pure; a big site names the same film thousands of times
def slugify(text: str) -> str:
    """Return a clean, Unicode-aware slug: 'Amélie' -> 'amelie', 'Mission: Impossible' -> 'mission-impossible'."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        # Accents come off Latin letters (é -> e) only: in other scripts a mark is part of
        # the letter (ゴ is コ plus a mark, Hindi vowel signs), and dropping it changes the word.
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    composed = unicodedata.normalize("NFC", "".join(kept)).lower()
    chars: list[str] = []
    for char in composed:
        # A mark with no letter before it in the slug would come off on a second slugify.
        joins = _is_word_char(char) and (not unicodedata.combining(char) or bool(chars) and chars[-1] != " ")
        chars.append(char if joins else " ")
    return "-".join("".join(chars).split())


def is_slug(text: str) -> bool:
    """Return True if `text` is usable as one URL segment as it stands."""
    return all(part and all(map(_is_word_char, part)) for part in text.split("-"))


def _is_word_char(char: str) -> bool:
    """Letters and digits of any script, and the marks that belong to them (not '_')."""
    return char.isalnum() or unicodedata.category(char).startswith("M")


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


def is_safe_url(url: str) -> bool:
    """Return True if `url` is a relative path or an http(s) address, the only URLs a value
    from front matter or config.yaml may put into href, src or a share tag.

    Anything else could run or open something (javascript:, data:, vbscript:, file:). A browser
    drops spaces and control characters in and before a scheme (`java\\tscript:` runs), so
    those are refused anywhere, as are `//host` and backslashes, which lead to another host.
    """
    if _CONTROL.search(url) or "\\" in url or url != url.strip():
        return False
    if _SCHEME.match(url):
        return bool(_WEB_ADDRESS.match(url))
    return not url.startswith("//")


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


@lru_cache(maxsize=65536)  # every build asks again for every page of the site
def output_path(url: str) -> str:
    """Return the file a site URL is written to, relative to the output folder."""
    cleaned = clean_url(url)
    if cleaned is None:
        raise ValueError(f"unsafe URL {url!r}")
    relative = cleaned.lstrip("/")
    return relative + "index.html" if cleaned.endswith("/") else relative


def encode(url: str) -> str:
    """Percent-encode what a URL may not hold as it stands (non-ASCII, spaces)."""
    return url if _PLAIN_URL.fullmatch(url) else quote(url, safe=URL_SAFE)
