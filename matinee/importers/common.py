"""What every importer shares: the values a kind's reader returns, and the markup they all translate.

A kind's reader (wordpress.py, jekyll.py, hugo.py, pelican.py) turns the old blog into a
`Blog` of `Entry` values in Matinee's terms (front matter through frontmatter.py); plan.py
decides where each lands and rewrites its links (old_urls.py); writing.py writes it without
overwriting anything and report.py says what came of it. Only writing.py and the kind
readers touch the disk.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import MatineeError

MARKER = "matinee-import:"  # a reader's link to another imported file, by a name of the old blog
_ATTRIBUTE = re.compile(r"""(?:([\w-]+)\s*=\s*)?(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")

FieldValue = str | bool | list[str]


@dataclass(frozen=True, slots=True)
class Entry:
    """One post or page of the old blog, in Matinee's words, before it is placed."""

    kind: str  # "post" or "page"
    origin: str  # its file in the imported blog, as shown in messages
    origin_line: int  # the line of that file its body starts on
    title: str
    date: datetime | None
    slug: str
    body: str  # Markdown (links may still point at old URLs or name other files with MARKER)
    fields: dict[str, FieldValue] = field(default_factory=dict)  # the rest of the front matter
    old_urls: tuple[str, ...] = ()  # where the old blog served it: site paths or absolute URLs
    names: tuple[str, ...] = ()  # names other files link to it by ({% post_url %}, ref, {filename})
    is_draft: bool = False
    film: dict[str, FieldValue] = field(default_factory=dict)  # director, year, imdb, genres
    page_path: str = ""  # for a page: its path under content/ without .md (default: its slug)


@dataclass
class Blog:
    """Everything a kind's reader found."""

    entries: list[Entry]
    files: dict[str, Path]  # old site path (/images/a.jpg) -> the file on disk
    hosts: tuple[str, ...] = ()  # the old site's addresses (https://example.org/blog): links there are local
    untranslated: list[MatineeError] = field(default_factory=list)
    skipped: int = 0  # attachments, menus and other things that are not posts


@dataclass(frozen=True, slots=True)
class Planned:
    """A file to write: `text` or the bytes of `copy`, at `rel` under the Matinee site."""

    rel: str
    text: str | None = None
    copy: Path | None = None
    replace: bool = False  # only config.yaml, to add the categories taxonomy the blog uses


def link_marker(name: str) -> str:
    """Return a link target that `plan` resolves to the imported file the old blog called `name`."""
    return MARKER + name


def wrap_untranslated(text: str) -> str:
    """Keep markup Matinee cannot render in the file, hidden from readers, for a human to redo.

    '>' is written &gt;: Python-Markdown ends a comment's raw HTML at the first '>'."""
    return f"<!-- import: not translated: {text.replace('>', '&gt;')} -->"


def shortcode_arguments(text: str) -> tuple[list[str], dict[str, str]]:
    """Return the positional and named arguments of a shortcode or Liquid include."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        value = next((group for group in match.groups()[1:] if group is not None), "")
        if match[1]:
            named[match[1].lower()] = value
        else:
            positional.append(value)
    return positional, named


def embed_url(provider: str, positional: list[str], named: dict[str, str]) -> str | None:
    """Return the page URL Matinee embeds for a video or social post shortcode, if it names one."""
    ident = named.get("id") or named.get("src") or (positional[0] if positional else "")
    if ident.startswith(("http://", "https://")):
        return ident
    if not ident:
        return None
    if provider == "youtube":
        return f"https://www.youtube.com/watch?v={ident}"
    if provider == "vimeo":
        return f"https://vimeo.com/{ident}"
    if provider in ("tweet", "twitter", "x"):
        user = named.get("user", "i")
        return f"https://x.com/{user}/status/{ident}"
    if provider == "instagram":
        return f"https://www.instagram.com/p/{ident}/"
    return None


def figure_html(src: str, alt: str, caption: str) -> str:
    """Return an image with its caption: Markdown alone has no caption, so a <figure>."""
    if not caption:
        return f"![{alt}]({src})"
    return f'<figure><img src="{html.escape(src)}" alt="{html.escape(alt)}"><figcaption>{caption}</figcaption></figure>'
