"""`matinee check`: read the built site and the model, and report problems at their file and line.

Every built page is read with html.parser (links, ids, metadata) and html5lib (validity), in
worker processes for big sites; links are then checked against the list of built files and
every page's ids. A problem on a post's page is traced back to the post when it sits inside
the post's body; one the layouts repeat on many pages becomes one finding with a count.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from ..cache import BuildCache
from ..config import Config
from ..errors import MatineeError
from ..fanout import cores, process_pool
from ..model import Post
from ..pipeline import load_site
from .cache import ScanCache
from .feeds import scan_xml
from .findings import WARNING, Finding, Problem
from .links import TOP_FRAGMENTS, Base, Link, find_file
from .names import name_typos
from .pages import PageScan, scan_page
from .posts import check_posts, unfiled_films, unfiled_people
from .trace import Tracer

PARALLEL_FROM = 200  # pages; below this, starting worker processes costs more than it saves
SCAN_CHUNK = 1000  # pages whose scans are looked up or stored at a time
NO_SHARE_IMAGE = "has no share image for social previews; add image: and image_alt:"
_VERBS = {
    "link": "links to",
    "image": "shows the image",
    "asset": "loads",
    "share": "has the share image",
}


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Everything `check` found, sorted by file and line, and what it read."""

    findings: tuple[Finding, ...]
    pages: int
    feeds: int
    seconds: float


def check_site(config: Config, *, now: datetime, cache: BuildCache) -> CheckReport:
    """Check the site built in config.out_dir against the model of config.source."""
    started = time.perf_counter()
    if not (config.out_dir / "index.html").is_file():
        raise MatineeError(str(config.out_dir), None, "holds no built site; build it first (drop --no-build)")
    site = load_site(config, now=now, cache=cache)
    files = built_files(config.out_dir)
    base = Base.from_url(config.base_url)
    tracer = Tracer(config, site)
    links = _LinkChecker(files, base)
    pages = sorted(rel for rel in files if rel.endswith(".html"))
    shareless = _read_pages(config, pages, base, links, tracer)
    feeds = sorted(rel for rel in files if rel.endswith(".xml"))
    for rel in feeds:
        feed = scan_xml(rel, _read_bytes(config.out_dir / rel), base)
        links.add_page(rel, frozenset(), feed.links)
        tracer.add(rel, feed.problems)
    for rel, problems in links.problems().items():
        tracer.add(rel, problems)
    typos = [name_typos(site, name) for name in ("films", "people") if name in config.taxonomies]
    findings = [
        *tracer.findings(),
        *check_posts(site),
        *unfiled_films(site),
        *unfiled_people(site),
        *(finding for found in typos for finding in found),
        *(Finding(post.source, None, NO_SHARE_IMAGE, WARNING) for post in shareless),
    ]
    ordered = tuple(sorted(set(findings), key=Finding.sort_key))
    return CheckReport(ordered, len(pages), len(feeds), time.perf_counter() - started)


def _read_pages(config: Config, pages: list[str], base: Base, links: _LinkChecker, tracer: Tracer) -> list[Post]:
    """Scan every page, handing links and problems on; return the posts with no share image."""
    shareless = []
    scan_cache = ScanCache(config.cache_dir, config.base_url)
    try:
        for scan in _scan_pages(config.out_dir, pages, base, scan_cache):
            links.add_page(scan.rel, scan.ids, scan.links)
            tracer.add(scan.rel, scan.problems)
            post = tracer.post_at(scan.rel)
            if post is not None and not scan.has_share_image:
                shareless.append(post)
    finally:
        scan_cache.close()
    return shareless


def built_files(out_dir: Path) -> set[str]:
    """Return every file of the built site, as paths relative to it."""
    found: set[str] = set()
    for folder, _, names in os.walk(out_dir):
        inner = Path(folder).relative_to(out_dir).as_posix()
        prefix = "" if inner == "." else inner + "/"
        found.update(prefix + name for name in names)
    return found


class _LinkChecker:
    """Checks every page's links against the built files, and #anchors against their page's ids."""

    def __init__(self, files: set[str], base: Base) -> None:
        self._files = files
        self._base = base
        self._found: dict[str, str | None] = {}
        self._ids: dict[str, frozenset[str]] = {}
        self._anchors: list[tuple[str, Link, str]] = []
        self._problems: dict[str, list[Problem]] = {}

    def add_page(self, rel: str, ids: frozenset[str], links: Sequence[Link]) -> None:
        """Check the links of one page; keep its ids for the anchors of others."""
        if ids:
            self._ids[rel] = ids
        for link in links:
            verb = _VERBS[link.kind]
            if link.path is None:
                self._note(
                    rel,
                    link,
                    f"{verb} {link.raw}, which is outside the site's base path {self._base.path}",
                )
                continue
            if link.path not in self._found:
                self._found[link.path] = find_file(link.path, self._files)
            target = self._found[link.path]
            if target is None:
                self._note(rel, link, f"{verb} {link.raw}, which is not in the built site")
            elif link.fragment not in TOP_FRAGMENTS and target.endswith(".html"):
                self._anchors.append((rel, link, target))

    def problems(self) -> dict[str, list[Problem]]:
        """Return the broken links and anchors of every page, by page."""
        for rel, link, target in self._anchors:
            if link.fragment not in self._ids.get(target, frozenset()):
                where = "this page" if target == rel else target
                self._note(rel, link, f"links to {link.raw}, but {where} has no id {link.fragment!r}")
        self._anchors.clear()
        return self._problems

    def _note(self, rel: str, link: Link, message: str) -> None:
        # A link written to another source file ("b.md#cast") is built as its URL: the
        # fragment alone still finds its line.
        needles = (link.raw, link.raw.split("#", 1)[0], f"#{link.fragment}") if "#" in link.raw else (link.raw,)
        self._problems.setdefault(rel, []).append(Problem(link.kind, link.line, message, needles))


def _scan_pages(out_dir: Path, pages: Sequence[str], base: Base, cache: ScanCache) -> Iterator[PageScan]:
    """Yield every page's scan: from the cache if the page is unchanged, else read afresh."""
    keys: dict[str, str] = {}
    todo: list[str] = []
    for start in range(0, len(pages), SCAN_CHUNK):  # a chunk at a time: scans are big
        chunk = {rel: cache.key(out_dir, rel) for rel in pages[start : start + SCAN_CHUNK]}
        known = cache.scans([key for key in chunk.values() if key])
        yield from (known[key] for key in chunk.values() if key in known)
        todo += [rel for rel, key in chunk.items() if key not in known]
        keys |= chunk
    fresh: list[tuple[str, PageScan]] = []
    for scan in _scan_fresh(out_dir, todo, base):
        yield scan
        fresh.append((keys[scan.rel], scan))
        if len(fresh) >= SCAN_CHUNK:
            cache.store(fresh)
            fresh.clear()
    cache.store(fresh)
    cache.prune(set(keys.values()))


def _scan_fresh(out_dir: Path, pages: Sequence[str], base: Base) -> Iterator[PageScan]:
    scan = partial(scan_file, out_dir, base)
    workers = cores()
    if len(pages) < PARALLEL_FROM or workers < 2:
        yield from map(scan, pages)
        return
    with process_pool(workers) as pool:
        yield from pool.map(scan, pages, chunksize=32)


def scan_file(out_dir: Path, base: Base, rel: str) -> PageScan:
    """Read and scan one built page (module-level, so worker processes can run it)."""
    try:
        text = (out_dir / rel).read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        problem = Problem("encoding", None, f"is not UTF-8: {error.reason}")
    except OSError as error:
        problem = Problem("read", None, f"cannot be read: {error.strerror}")
    else:
        return scan_page(rel, text, base)
    return PageScan(rel, frozenset(), (), (problem,), True)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise MatineeError(str(path), None, f"cannot be read: {error.strerror}") from None
