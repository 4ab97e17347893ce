"""Resolve links written relative to a source file into site URLs."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from .errors import MatineeError

_ATTRIBUTE = re.compile(r'(?<![\w-])(href|src)="([^"]*)"')  # not data-src=
# Only attributes of real tags are links: in `<code>&lt;a href="x.md"&gt;</code>` the quotes
# are text, and a code sample must not be rewritten or reported.
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_EXTERNAL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//|/|#|\?)")


_ROOT_LINK = re.compile(r'\b(href|src)="/(?!/)')


def under_base(body_html: str, base_path: str) -> str:
    """Prefix links written from the site root ("/films/dune/") with the base path ("/blog/")."""
    return _ROOT_LINK.sub(lambda match: f'{match.group(1)}="{base_path}', body_html)


def resolve_path(source_rel: str, target: str) -> str | None:
    """Return the source-folder path a relative link points at, or None for other links."""
    if not target or _EXTERNAL.match(target):
        return None
    path = unquote(html.unescape(target.split("#", 1)[0].split("?", 1)[0]))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_rel), path)) if path else None


def relative_targets(body_html: str) -> tuple[str, ...]:
    """Return the href/src values in `body_html` written relative to the source file."""
    found = (match.group(2) for tag in _TAG.findall(body_html) for match in _ATTRIBUTE.finditer(tag))
    return tuple(dict.fromkeys(target for target in found if not _EXTERNAL.match(target)))


def link_lines(body: str, body_line: int, targets: tuple[str, ...]) -> dict[str, int]:
    """Return the file line each link target is first written on in the Markdown body."""
    lines = {}
    for target in targets:
        index = body.find(target)
        if index < 0:
            index = body.find(unquote(html.unescape(target)))
        if index >= 0:
            lines[target] = body_line + body.count("\n", 0, index)
    return lines


def resolve_links(
    body_html: str,
    source_rel: str,
    urls: Mapping[str, str],
    link: Callable[[str], str],
    errors: list[MatineeError],
    line_of: Callable[[str], int | None],
) -> str:
    """Rewrite relative href/src values that name a known source file to its URL.

    A link to a missing `.md` file is an error; other unknown files are left for `check`.
    """

    def replace(match: re.Match[str]) -> str:
        attribute, target = match.groups()
        path = resolve_path(source_rel, target)
        if path is None:
            return match.group(0)
        fragment = target[len(target.split("#", 1)[0]) :]
        if path in urls:
            return f'{attribute}="{link(urls[path])}{fragment}"'
        if path.endswith(".md"):
            errors.append(MatineeError(source_rel, line_of(target), f"links to {target!r}, but {path} does not exist"))
        return match.group(0)

    return _TAG.sub(lambda tag: _ATTRIBUTE.sub(replace, tag.group(0)), body_html)
