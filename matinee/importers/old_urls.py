"""The old blog's URLs: which become aliases or redirect pages, and links rewritten to the new files."""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import MatineeError
from ..urls import clean_url
from .common import MARKER, Blog, Entry, Planned

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".avif")
_MD_LINK = re.compile(r"(!?\[[^\]\n]*\]\(\s*<?)([^)\s>]+)")
_HTML_LINK = re.compile(r"""(?<![\w-])((?:href|src)=)(["'])(.*?)\2""")
_REFERENCE = re.compile(r"^(\s{0,3}\[[^\]\n]+\]:\s*<?)(\S+?)(>?)(?=\s|$)", re.MULTILINE)


def url_key(url: str, hosts: tuple[str, ...]) -> str:
    """Return an old URL reduced to the path the blog served it at: no host, base, index.html or '/'."""
    for host in sorted(hosts, key=len, reverse=True):
        bare = host.rstrip("/")
        if url == bare or url.startswith(bare + "/"):
            url = url[len(bare) :] or "/"
            break
        for scheme in ("http:", "https:", ""):  # an old page linked with the other scheme, or none
            other = re.sub(r"^https?:", scheme, bare)
            if url.startswith(other + "/"):
                url = url[len(other) :]
    path = unquote(urlsplit(url).path) if "://" not in url else url
    path = re.sub(r"/index\.html?$", "/", path)
    return path.rstrip("/") or "/"


def aliases_kept(entry: Entry, hosts: tuple[str, ...], untranslated: list[MatineeError]) -> list[str]:
    kept = []
    for url in entry.old_urls:
        if url.startswith(MARKER):
            continue
        key = url_key(url, hosts)
        if "://" in key:
            continue  # another host's address: not this blog's to keep
        query = urlsplit(url).query
        cleaned = clean_url(key + ("" if re.search(r"\.\w+$", key) else "/"))
        if query or cleaned is None or cleaned == "/":
            if not entry.is_draft:
                untranslated.append(
                    MatineeError(
                        entry.origin,
                        entry.origin_line,
                        f"old URL {url!r} cannot be kept by a static page; redirect it on the server",
                    )
                )
            continue
        kept.append(cleaned)
    return list(dict.fromkeys(kept))


def page_redirects(rel: str, entry: Entry, hosts: tuple[str, ...], planned: list[Planned]) -> int:
    """Add a redirect file under content/ for each old URL of a page that its new URL does not keep."""
    new_url = "/" + rel.removeprefix("content/").removesuffix(".md") + "/"
    count = 0
    for url in entry.old_urls:
        key = url_key(url, hosts)
        cleaned = clean_url(key)
        if "://" in key or urlsplit(url).query or cleaned is None or cleaned.rstrip("/") == new_url.rstrip("/"):
            continue
        file = cleaned if not cleaned.endswith("/") else cleaned + "index.html"
        if not file.endswith((".html", ".htm")):
            continue
        target = posixpath.relpath(new_url, posixpath.dirname(file)) + "/"
        planned.append(Planned("content" + file, redirect_page(file, target)))
        count += 1
    return count


def redirect_page(from_path: str, to_rel: str) -> str:
    """Return a static page sending an old page URL on to its new one (pages have no aliases:)."""
    link = html.escape(to_rel)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Moved</title>\n'
        f'<meta http-equiv="refresh" content="0; url={link}"><meta name="robots" content="noindex"></head>\n'
        f'<body><p>This page has moved to <a href="{link}">{link}</a>.</p></body></html>\n'
    )


class Links:
    """Rewrites one entry's links: old post URLs to source paths, the blog's files to relative paths."""

    def __init__(
        self,
        rel: str,
        entry: Entry,
        blog: Blog,
        by_url: dict[str, str],
        by_name: dict[str, str],
        copies: dict[str, Path],
        untranslated: list[MatineeError],
    ) -> None:
        self.rel, self.entry, self.blog = rel, entry, blog
        self.by_url, self.by_name, self.copies, self.untranslated = by_url, by_name, copies, untranslated

    def rewrite(self, body: str) -> str:
        """Return `body` with every link and image it can resolve made relative to the new file."""
        body = _MD_LINK.sub(lambda match: match[1] + (self.target(match[2]) or match[2]), body)
        body = _REFERENCE.sub(lambda match: match[1] + (self.target(match[2]) or match[2]) + match[3], body)
        return _HTML_LINK.sub(lambda match: match[1] + match[2] + (self.target(match[3]) or match[3]) + match[2], body)

    def target(self, url: str, *, image: bool = False) -> str | None:
        """Return the new link for `url`, or None to leave it as it is."""
        path, _, fragment = url.partition("#")
        suffix = "#" + fragment if fragment else ""
        if path.startswith(MARKER):
            name = path[len(MARKER) :]
            found = self.by_name.get(name)
            if found is None:
                line = self.entry.origin_line + self.entry.body.count("\n", 0, max(self.entry.body.find(url), 0))
                self.untranslated.append(
                    MatineeError(self.entry.origin, line, f"link to {name!r}: no such post in the blog")
                )
                return "#"
            return self._relative(found) + suffix
        if not path or path.startswith(("mailto:", "#", "data:")):
            return None
        key = url_key(path, self.blog.hosts)
        if "://" in key or key.startswith("//"):
            return None  # another site
        if not key.startswith("/"):
            return None  # already relative to the file
        if key in self.blog.files:
            self.copies[key] = self.blog.files[key]
            return self._relative("content" + key) + suffix
        if not image and key in self.by_url:
            return self._relative(self.by_url[key]) + suffix
        if key.lower().endswith(IMAGE_SUFFIXES) or image:
            line = self.entry.origin_line + self.entry.body.count("\n", 0, max(self.entry.body.find(url), 0))
            self.untranslated.append(
                MatineeError(
                    self.entry.origin, line, f"image {url!r} is not in the blog's files; copy it into content/ by hand"
                )
            )
        return None

    def _relative(self, target: str) -> str:
        return posixpath.relpath(target, posixpath.dirname(self.rel))
