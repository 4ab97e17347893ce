"""The commands about the site's posts: build, new (scaffold a post) and next (the next scheduled one)."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config, load_config
from ..errors import flatten
from ..stamp import scan_inputs, up_to_date
from ..words import plural
from .common import EXIT_ERROR, EXIT_OK, Commands, site_config, site_options

if TYPE_CHECKING:
    from ..pipeline import Report


def add_build(commands: Commands) -> None:
    build = commands.add_parser(
        "build", help="build the site into the output folder", description="Build the site once."
    )
    site_options(build)
    build.add_argument("--no-search", action="store_true", help="skip the search index (faster while writing)")
    build.set_defaults(run=run_build)


def add_new(commands: Commands) -> None:
    new = commands.add_parser("new", help="scaffold a new post", description="Write a new post file dated now.")
    new.add_argument("title", help="the post's headline")
    new.add_argument("--film", action="append", default=[], metavar="F", help="a film the post is about (repeatable)")
    new.add_argument("--tag", action="append", default=[], metavar="T", help="a tag (repeatable)")
    new.add_argument("--person", action="append", default=[], metavar="P", help="a person it names (repeatable)")
    new.add_argument("--draft", action="store_true", help="mark the post as a draft")
    new.add_argument("--source", type=Path, default=Path("."), help="the site folder (default: here)")
    new.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    new.set_defaults(run=_run_new)


def add_next(commands: Commands) -> None:
    next_post = commands.add_parser(
        "next",
        help="print when the next scheduled post goes live",
        description="Print the publication time of the next future-dated post that is not a draft, "
        "as one ISO 8601 line with its UTC offset (e.g. 2025-01-10T09:00:00+01:00), or nothing "
        "when no post is scheduled. Reads only the posts' front matter; builds nothing.",
    )
    next_post.add_argument("--source", type=Path, default=Path("."), help="the site folder (default: here)")
    next_post.set_defaults(run=_run_next, quiet=False)


def run_build(args: argparse.Namespace) -> int:
    config = site_config(args)
    now = datetime.now(UTC)
    started = time.perf_counter()
    search = not args.no_search
    inputs = scan_inputs(config)  # before anything is read, so that a change during the build counts
    if last := up_to_date(config, now, inputs.state, search=search):
        if not args.quiet:
            print(
                f"Up to date: {last['files']} files, {last['posts']} posts; nothing changed "
                f"({time.perf_counter() - started:.2f} s) -> {config.out_dir}"
                f"{scheduled_note(last.get('scheduled', 0), last.get('next_scheduled'))}",
                file=sys.stderr,
            )
        return EXIT_OK
    from ..cache import BuildCache
    from ..pipeline import build  # the libraries it needs load only when there is work
    from ..progress import TerminalProgress, silent

    cache = BuildCache(config.cache_dir)
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
    # Python's cycle collector walks the whole model on each full pass, and a build's
    # allocations set off several: measured, 0.35 s of a one-post rebuild at 10,000 posts.
    # A build leaves little cyclic garbage (11,000 objects after 1,000 posts from cold),
    # and this process ends with it.
    gc.disable()
    try:
        report = build(config, now=now, cache=cache, search=search, progress=progress or silent, inputs=inputs)
    finally:
        cache.close()
        if progress:
            progress.clear()  # before the summary, or the errors
    if not args.quiet:
        print(summary_line(report, config), file=sys.stderr)
    return EXIT_OK


def summary_line(report: Report, config: Config) -> str:
    """Return the one-line summary printed after a build."""
    return (
        f"Built {report.files} files ({report.changed} written): {report.posts} posts, "
        f"{report.tags} tags, {report.films} films, {report.people} people "
        f"in {report.seconds:.2f} s -> {config.out_dir}"
        f"{scheduled_note(report.scheduled, report.next_scheduled)}"
    )


def scheduled_note(count: int, next_at: datetime | str | None) -> str:
    """Return what the summary adds when posts wait for their date ('' when none do), so a
    writer who dated a post ahead hears that it was left out on purpose, and until when.
    `next_at`: a time, or its ISO 8601 text as the build stamp keeps it."""
    shown = next_at.isoformat() if isinstance(next_at, datetime) else next_at
    return f"; {count} scheduled, next scheduled post: {shown}" if count else ""


def _run_new(args: argparse.Namespace) -> int:
    from ..new import new_post

    source = args.source.resolve()
    config = load_config(source)
    path = new_post(
        config,
        args.title,
        now=datetime.now().astimezone(),
        films=args.film,
        tags=args.tag,
        people=args.person,
        draft=args.draft,
    )
    if not args.quiet:
        print(f"Wrote {path.relative_to(source)}", file=sys.stderr)
    return EXIT_OK


def _run_next(args: argparse.Namespace) -> int:
    from ..schedule import next_scheduled

    config = load_config(args.source.resolve())
    try:
        moment = next_scheduled(config, now=datetime.now(UTC))
    except ExceptionGroup as error:
        problems = flatten(error)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"The posts have {plural(len(problems), 'error')}; fix them to learn the next time.", file=sys.stderr)
        return EXIT_ERROR
    if moment is not None:
        print(moment.isoformat())
    return EXIT_OK
