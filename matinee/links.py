"""Resolve links written relative to a source file into site URLs."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from .errors import MatineeError

_ATTRIBUTE = re.compile(r'(href|src)="([^"]*)"')
_EXTERNAL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//|/|#|\?)")


def resolve_path(source_rel: str, target: str) -> str | None:
    """Return the source-folder path a relative link points at, or None for other links."""
    if not target or _EXTERNAL.match(target):
        return None
    path = unquote(html.unescape(target.split("#", 1)[0].split("?", 1)[0]))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_rel), path)) if path else None


def relative_targets(body_html: str) -> tuple[str, ...]:
    """Return the href/src values in `body_html` written relative to the source file."""
    return tuple(dict.fromkeys(target for _, target in _ATTRIBUTE.findall(body_html) if not _EXTERNAL.match(target)))


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

    return _ATTRIBUTE.sub(replace, body_html)
