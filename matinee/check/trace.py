"""Trace problems found on built pages back to the post, page or film file that caused them (I/O).

A problem inside the part of a page that a source's body makes is the source's, at the line
where the source has the offending href or id. Anything else the layouts made, so the same
problem on many pages becomes one finding that says on how many.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..model import Film, Page, Post, Site
from ..urls import output_path
from ..words import plural
from .findings import Finding, Problem


@dataclass(slots=True)
class _Group:
    rel: str
    problem: Problem
    count: int = 1


class Tracer:
    """Collects the problems of built pages and turns them into findings at their source."""

    def __init__(self, config: Config, site: Site) -> None:
        self._config = config
        self._items: dict[str, Post | Page | Film] = {output_path(post.url): post for post in site.posts}
        self._items |= {output_path(page.url): page for page in site.pages}
        self._items |= {
            output_path(term.url): term.film for taxonomy in site.taxonomies for term in taxonomy.terms if term.film
        }
        self._traced: list[Finding] = []
        self._groups: dict[tuple[str, str], _Group] = {}
        self._spans: dict[str, tuple[int, int] | None] = {}
        self._pages: dict[str, list[str]] = {}
        self._sources: dict[str, list[str]] = {}
        self._holders: dict[str, tuple[str, int] | None] = {}  # character -> the source and line holding it

    def post_at(self, rel: str) -> Post | None:
        """Return the post whose page is the built file `rel`, if any."""
        item = self._items.get(rel)
        return item if isinstance(item, Post) else None

    def add(self, rel: str, problems: tuple[Problem, ...] | list[Problem]) -> None:
        """Note the problems of one built file."""
        for problem in problems:
            if finding := self._trace(rel, problem):
                self._traced.append(finding)
            elif problem.kind != "empty-alt":  # alt="" in a layout marks a decorative image
                key = (problem.kind, problem.message)
                if key in self._groups:
                    self._groups[key].count += 1
                else:
                    self._groups[key] = _Group(rel, problem)

    def findings(self) -> list[Finding]:
        """Return the traced findings, and one finding per problem the layouts repeat."""
        grouped = []
        for group in self._groups.values():
            more = group.count - 1
            suffix = f" (and on {plural(more, 'more page')})" if more else ""
            grouped.append(
                Finding(
                    self.display(group.rel),
                    group.problem.line,
                    group.problem.message + suffix,
                    group.problem.severity,
                )
            )
        return [*self._traced, *grouped]

    def display(self, rel: str) -> str:
        """Return a built file's path as the user knows it: site/x/index.html."""
        out_dir = self._config.out_dir
        if out_dir.is_relative_to(self._config.source):
            return (out_dir.relative_to(self._config.source) / rel).as_posix()
        return str(out_dir / rel)

    def _trace(self, rel: str, problem: Problem) -> Finding | None:
        if problem.kind == "character":
            return self._character(rel, problem)
        item = self._items.get(rel)
        if item is None:
            return None
        if problem.kind == "description":
            return self._no_summary(item)
        if (
            isinstance(item, Post)
            and item.image
            and problem.kind in ("image", "share")
            and _is_image(item.image, problem.needles)
        ):
            return Finding(item.source, item.lines.get("image"), problem.message, problem.severity)
        span = self._body_span(rel, item)
        if span is not None:
            inside = problem.line is not None and span[0] <= problem.line <= span[1]
        else:  # the body could not be found in the page: is the href or id one of its own?
            inside = any(f'"{html.escape(needle)}"' in item.body_html for needle in problem.needles)
        if not inside:
            return None
        line = self._source_line(item, problem.needles)
        page = self._pages.get(rel, [])
        if line is None and problem.line is not None and 0 < problem.line <= len(page):
            written = page[problem.line - 1].strip()  # raw HTML in Markdown stays as it is
            line = self._source_line(item, (written,)) if len(written) >= 8 else None
        message = problem.message if line is not None else f"{problem.message} (at {self.display(rel)}:{problem.line})"
        return Finding(item.source, line, message, problem.severity)

    def _character(self, rel: str, problem: Problem) -> Finding | None:
        """Trace a character HTML does not allow to the source it was pasted into, at its line:
        the page's own source first, else any (a home page lists a post's title and summary).
        Every page showing it then gives the same finding, reported once."""
        char = problem.needles[0]
        own = self._items.get(rel)
        place = self._holding(own, char) if own else None
        if place is None:
            if char not in self._holders:
                self._holders[char] = next(
                    filter(None, (self._holding(item, char) for item in self._items.values())), None
                )
            place = self._holders[char]
        return Finding(place[0], place[1], problem.message, problem.severity) if place else None

    def _holding(self, item: Post | Page | Film, char: str) -> tuple[str, int] | None:
        """Return where `item`'s source holds `char`: its line as written, else the line of the
        front matter field whose value holds it (written as an escape, "\\a")."""
        line = self._source_line(item, (char,), whole=True)
        if line is None:
            fields, lines = getattr(item, "extra", {}), getattr(item, "lines", {})  # a Page has neither
            line = next(
                (
                    number
                    for key, number in lines.items()
                    if _holds(getattr(item, key) if hasattr(item, key) else fields.get(key), char)
                ),
                None,
            )
        return (item.source, line) if line is not None else None

    def _no_summary(self, item: Post | Page | Film) -> Finding | None:
        if isinstance(item, Film) or item.summary.strip():
            return None
        line = item.lines.get("summary", item.body_line) if isinstance(item, Post) else item.body_line
        return Finding(
            item.source,
            line,
            "has no summary for the meta description; add summary: or an opening paragraph",
        )

    def _body_span(self, rel: str, item: Post | Page | Film) -> tuple[int, int] | None:
        """Return the lines of the built page that the item's body fills, if they can be found.

        Layouts indent the body and may rewrite parts of it (images get sizes), so the span is
        anchored on the first and the last body line that the page has as it is.
        """
        if rel not in self._spans:
            self._spans[rel] = None
            body = [line.strip() for line in item.body_html.splitlines()]
            if any(body):
                page = self._pages[rel] = _read_text(self._config.out_dir / rel).splitlines()
                first = {line.strip(): number for number, line in reversed(list(enumerate(page, 1)))}
                last = {line.strip(): number for number, line in enumerate(page, 1)}
                starts = (first[line] - index for index, line in enumerate(body) if _distinct(line, first))
                ends = (
                    last[line] + len(body) - 1 - index
                    for index, line in reversed(list(enumerate(body)))
                    if _distinct(line, last)
                )
                start, end = next(starts, None), next(ends, None)
                if start is not None and end is not None and start <= end:
                    self._spans[rel] = (start, end)
        return self._spans[rel]

    def _source_line(self, item: Post | Page | Film, needles: tuple[str, ...], *, whole: bool = False) -> int | None:
        """Return the line of the item's source that holds a needle: in its body, or anywhere if `whole`."""
        if item.source not in self._sources:
            # Split at line ends only: str.splitlines() also splits at control characters
            # (\x1c-\x1e, \x85), which would throw the line numbers off.
            self._sources[item.source] = _read_text(self._config.source / item.source).split("\n")
        lines = self._sources[item.source]
        start = item.body_line - 1 if isinstance(item, (Post, Page)) and not whole else 0
        for needle in needles:
            for number in range(start, len(lines)):
                if needle and needle in lines[number]:
                    return number + 1
        return None


def _holds(value: object, char: str) -> bool:
    """Whether a front matter value (text, or a list or mapping of them) holds `char`."""
    if isinstance(value, str):
        return char in value
    if isinstance(value, (list, tuple)):
        return any(_holds(inner, char) for inner in value)
    if isinstance(value, Mapping):
        return any(_holds(inner, char) for inner in value.values())
    return False


def _distinct(line: str, page: dict[str, int]) -> bool:
    """A body line long enough not to match some other line of the layout by chance."""
    return len(line) >= 12 and line in page


def _is_image(image: str, needles: tuple[str, ...]) -> bool:
    """Return True if a link is the post's own (hero and share) image."""
    tail = image.lstrip("/")
    return bool(tail) and any(needle.endswith(tail) for needle in needles)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""  # the finding then keeps the built page's place
