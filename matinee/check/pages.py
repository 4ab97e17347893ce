"""Read one built HTML page: its links, ids, title, description, images, and HTML5 errors. Pure."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

import html5lib
from html5lib.constants import E as HTML5_MESSAGES

from ..words import plural
from .findings import Problem
from .links import Base, Link, resolve

SHARE_IMAGE_PROPERTIES = frozenset({"og:image", "twitter:image"})
_SRC_KINDS = {
    "img": "image",
    "source": "image",
    "video": "asset",
    "audio": "asset",
    "script": "asset",
    "iframe": "link",
    "embed": "asset",
    "track": "asset",
    "input": "image",
}
# What html5lib calls an invalid codepoint: control characters other than whitespace, and
# noncharacters (its own pattern, in html5lib._inputstream, is private).
_INVALID_CHARACTER = re.compile(
    "[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
_ASSET_RELS = frozenset({"stylesheet", "icon", "preload", "manifest", "apple-touch-icon", "modulepreload"})


@dataclass(frozen=True, slots=True)
class PageScan:
    """What `check` needs from one built page; links are checked once every page is read."""

    rel: str
    ids: frozenset[str]
    links: tuple[Link, ...]
    problems: tuple[Problem, ...]
    has_share_image: bool


def scan_page(rel: str, text: str, base: Base) -> PageScan:
    """Read a built page with html.parser (links, ids, metadata) and html5lib (validity)."""
    reader = _PageReader()
    reader.feed(text)
    reader.close()
    page_url = base.page_url(rel)
    links = {}
    for kind, line, raw in reader.links:
        if raw not in links and (link := resolve(kind, line, raw, page_url, base)):
            links[raw] = link
    problems = [*reader.problems, *_metadata_problems(reader), *_duplicate_ids(reader)]
    if error := html5_error(text):
        problems.append(error)
    return PageScan(rel, frozenset(reader.ids), tuple(links.values()), tuple(problems), reader.has_share_image)


def html5_error(text: str) -> Problem | None:
    """Return the first HTML5 parse error of a page (with how many there are), or None."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    parser.parse(text)
    if not parser.errors:
        return None
    (line, _column), code, values = parser.errors[0]
    more = len(parser.errors) - 1
    extra = f" (and {plural(more, 'more parse error')})" if more else ""
    if code == "invalid-codepoint" and (found := _INVALID_CHARACTER.search(text)):
        # html5lib places these at the start of the page: find the character, and hand it on
        # so that check_trace finds the line of the source it was pasted into.
        char = found.group()
        line = text.count("\n", 0, found.start()) + 1
        message = f"is not valid HTML5: it holds the character U+{ord(char):04X}, which HTML does not allow; delete it"
        return Problem("character", line, message, (char,))  # one message for each page showing it
    try:
        detail = HTML5_MESSAGES.get(code, code) % (values or {})
    except (KeyError, TypeError, ValueError):
        detail = code
    return Problem("html5", line, f"is not valid HTML5: {detail.rstrip('.')}{extra}")


def _metadata_problems(reader: _PageReader) -> list[Problem]:
    problems = []
    if reader.title is None:
        problems.append(Problem("title", None, "has no <title>"))
    elif not reader.title.strip():
        problems.append(Problem("title", reader.title_line, "has an empty <title>"))
    if not reader.is_noindex:  # redirect pages for old URLs need no description
        if reader.description is None:
            problems.append(Problem("description", None, "has no meta description"))
        elif not reader.description.strip():
            problems.append(Problem("description", reader.description_line, "has an empty meta description"))
    return problems


def _duplicate_ids(reader: _PageReader) -> list[Problem]:
    return [
        Problem(
            "id",
            reader.repeat_lines[name],
            f"uses the id {name!r} {count} times; ids must be unique on a page",
            (f'id="{name}"', "{#" + name, f"#{name}"),
        )
        for name, count in reader.id_counts.items()
        if count > 1
    ]


class _PageReader(HTMLParser):
    """Collects links, ids, the title, the description and images without alt text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, int, str]] = []  # kind, line, raw
        self.problems: list[Problem] = []
        self.ids: set[str] = set()
        self.id_counts: Counter[str] = Counter()
        self.repeat_lines: dict[str, int] = {}
        self.title: str | None = None
        self.title_line: int | None = None
        self.description: str | None = None
        self.description_line: int | None = None
        self.is_noindex = False
        self.has_share_image = False
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {name: value or "" for name, value in attrs}
        for name in ("id", "name") if tag == "a" else ("id",):
            if name in values:
                self._note_id(values[name], line, counted=name == "id")
        if "href" in values and tag in ("a", "area", "link"):
            self.links.append((_href_kind(tag, values), line, values["href"]))
        if "src" in values and tag in _SRC_KINDS:
            self.links.append((_SRC_KINDS[tag], line, values["src"]))
        if tag == "img":
            self._check_alt(values, line)
        elif tag == "meta":
            self._read_meta(values, line)
        elif tag == "title":
            self._in_title, self.title, self.title_line = True, "", line

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and self.title is not None:
            self.title += data

    def _note_id(self, name: str, line: int, *, counted: bool) -> None:
        self.ids.add(name)
        if counted:
            self.id_counts[name] += 1
            if self.id_counts[name] == 2:
                self.repeat_lines[name] = line

    def _check_alt(self, values: dict[str, str], line: int) -> None:
        src = values.get("src", "")
        if "alt" not in values:
            message = f'image {src} has no alt attribute; describe it, or use alt="" if it is decoration'
            self.problems.append(Problem("alt", line, message, (src,)))
        elif not values["alt"].strip():
            self.problems.append(
                Problem(
                    "empty-alt",
                    line,
                    f"image {src} has no alt text; describe what it shows",
                    (src,),
                )
            )

    def _read_meta(self, values: dict[str, str], line: int) -> None:
        name = values.get("name", "").lower()
        prop = values.get("property", "").lower()
        if name == "description":
            self.description, self.description_line = values.get("content", ""), line
        elif name == "robots" and "noindex" in values.get("content", "").lower():
            self.is_noindex = True
        elif values.get("http-equiv", "").lower() == "refresh" and "url=" in values.get("content", "").lower():
            target = values["content"].split("=", 1)[1].strip().strip("'\"")
            self.links.append(("link", line, target))
        if SHARE_IMAGE_PROPERTIES & {name, prop} and values.get("content", "").strip():
            self.has_share_image = True
            self.links.append(("share", line, values["content"]))


def _href_kind(tag: str, values: dict[str, str]) -> str:
    if tag == "link" and _ASSET_RELS & set(values.get("rel", "").lower().split()):
        return "asset"
    return "link"
