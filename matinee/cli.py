"""The command line: the only place that prints errors and picks exit codes.

Exit codes: 0 ok, 1 content, layout or build error, 2 usage.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import CACHE_FOLDER, CONFIG_FILE, Config, load_config
from .errors import MatineeError, flatten
from .stamp import input_state, up_to_date
from .words import plural

if TYPE_CHECKING:
    from .check.findings import Finding
    from .deploy.tools import Deployed
    from .pipeline import Report
    from .serve.preview import Trigger

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("matinee")


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    _setup_logging(args.quiet)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    except BaseException as error:  # noqa: B036 - a user must never see a traceback
        if isinstance(error, SystemExit):
            raise
        return _report(error, _crash_dir(args))


class UsageError(Exception):
    """A command line that cannot work as given (exit 2), e.g. an --out that holds the source."""


def _report(error: BaseException, crash_dir: Path) -> int:
    """Print every error inside `error` (see describe) and, for a site's own mistakes, what came of them."""
    from .describe import describe, leaves

    if isinstance(error, UsageError):
        print(f"matinee: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for entry in describe(error, crash_dir):
        print(entry, file=sys.stderr)
    inside = leaves(error)
    problems = [problem for problem in inside if isinstance(problem, MatineeError)]
    if len(problems) < len(inside):  # a bug, or the OS refusing something: no summary to give
        return EXIT_ERROR
    count = len(problems)
    if all(problem.path == CONFIG_FILE for problem in problems):  # read before any command does its work
        print(f"config.yaml has {plural(count, 'error')}; nothing was done.", file=sys.stderr)
    elif isinstance(error, BaseExceptionGroup):  # a build's content or layout errors
        print(
            f"Build failed with {plural(count, 'error')}; the output folder was left as it was.",
            file=sys.stderr,
        )
    return EXIT_ERROR


def _crash_dir(args: argparse.Namespace) -> Path:
    """Return config.cache_dir, found without reading config.yaml (which may be what failed)."""
    return Path(getattr(args, "source", None) or ".").resolve() / CACHE_FOLDER


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matinee", description="Build a film-news site from content/ and layouts/ into site/."
    )
    parser.add_argument("--version", action="version", version=f"matinee {__version__}")
    parser.set_defaults(no_search=False)  # check and deploy build through _run_build, with search
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = commands.add_parser(
        "build", help="build the site into the output folder", description="Build the site once."
    )
    _site_options(build)
    build.add_argument("--no-search", action="store_true", help="skip the search index (faster while writing)")
    build.set_defaults(run=_run_build)

    new = commands.add_parser("new", help="scaffold a new post", description="Write a new post file dated now.")
    new.add_argument("title", help="the post's headline")
    new.add_argument("--film", action="append", default=[], metavar="F", help="a film the post is about (repeatable)")
    new.add_argument("--tag", action="append", default=[], metavar="T", help="a tag (repeatable)")
    new.add_argument("--person", action="append", default=[], metavar="P", help="a person it names (repeatable)")
    new.add_argument("--draft", action="store_true", help="mark the post as a draft")
    new.add_argument("--source", type=Path, default=Path("."), help="the site folder (default: here)")
    new.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    new.set_defaults(run=_run_new)

    serve = commands.add_parser(
        "serve",
        help="build, serve on this machine, rebuild on every change",
        description="Build the site, serve it, and rebuild and reload the browser whenever a file "
        "under content/ or layouts/ or config.yaml changes. base_url becomes the server's address.",
    )
    _site_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="the address (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="default 8000; 0 picks a free port")
    serve.add_argument("--open", action="store_true", help="open the site in the web browser")
    serve.add_argument("--poll", action="store_true", help="poll for changes (network drives, VMs)")
    serve.set_defaults(run=_run_serve)
    _add_check_and_deploy(commands)

    next_post = commands.add_parser(
        "next",
        help="print when the next scheduled post goes live",
        description="Print the publication time of the next future-dated post that is not a draft, "
        "as one ISO 8601 line with its UTC offset (e.g. 2025-01-10T09:00:00+01:00), or nothing "
        "when no post is scheduled. Reads only the posts' front matter; builds nothing.",
    )
    next_post.add_argument("--source", type=Path, default=Path("."), help="the site folder (default: here)")
    next_post.set_defaults(run=_run_next, quiet=False)

    _add_init_and_import(commands)
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def _site_options(command: argparse.ArgumentParser, *, drafts: bool = True) -> None:
    """Add the options every command shares; `drafts` False hides --drafts (deploy refuses it)."""
    command.add_argument(
        "--source",
        type=Path,
        default=Path("."),
        help="the folder holding config.yaml, content/ and layouts/ (default: here)",
    )
    command.add_argument("--out", type=Path, help="the output folder (default: <source>/site)")
    drafts_help = "include drafts and future-dated posts" if drafts else argparse.SUPPRESS
    command.add_argument("--drafts", action="store_true", help=drafts_help)
    command.add_argument("--base-url", help="override base_url from config.yaml")
    command.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def site_config(args: argparse.Namespace) -> Config:
    """Load config.yaml for the --source/--out/--drafts/--base-url options; check the folders."""
    source = args.source.resolve()
    out_dir = (args.out or source / "site").resolve()
    config = load_config(source, out_dir=out_dir, drafts=args.drafts or None, base_url=args.base_url)
    for folder in (source, config.content_dir, config.layouts_dir):
        if out_dir == folder or folder.is_relative_to(out_dir):
            raise UsageError(
                f"--out {args.out} would replace {folder}; choose a folder of its own, like {source / 'site'}"
            )
    if out_dir.is_relative_to(config.content_dir) or out_dir.is_relative_to(config.layouts_dir):
        raise UsageError(f"--out {args.out} must not be inside content/ or layouts/")
    return config


def _run_build(args: argparse.Namespace) -> int:
    config = site_config(args)
    now = datetime.now(UTC)
    started = time.perf_counter()
    search = not args.no_search
    inputs = input_state(config)  # before anything is read, so that a change during the build counts
    if last := up_to_date(config, now, inputs, search=search):
        if not args.quiet:
            print(
                f"Up to date: {last['files']} files, {last['posts']} posts; nothing changed "
                f"({time.perf_counter() - started:.2f} s) -> {config.out_dir}"
                f"{scheduled_note(last.get('scheduled', 0), last.get('next_scheduled'))}",
                file=sys.stderr,
            )
        return EXIT_OK
    from .cache import BuildCache
    from .pipeline import build  # the libraries it needs load only when there is work
    from .progress import TerminalProgress, silent

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


def rebuild_cause(trigger: Trigger) -> str:
    """Return what starts a rebuild's line: the time and what changed ('14:02:07 3 files
    changed. '); nothing for the first build."""
    if trigger.changed is None:
        return ""
    if len(trigger.changed) == 1:
        what = trigger.changed[0]
    else:
        what = f"{len(trigger.changed)} files" if trigger.changed else "A source"
    return f"{trigger.at:%H:%M:%S} {what} changed. "


def _run_serve(args: argparse.Namespace) -> int:
    import threading
    import webbrowser

    from .serve.http import is_loopback
    from .serve.preview import Preview

    config = site_config(args)
    try:
        preview = Preview(args.host, args.port, config, poll=args.poll)
    except MatineeError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    if not is_loopback(args.host):
        warning = f"warning: other machines can reach {args.host}; the preview has no password"
        print(warning, file=sys.stderr)
    print(f"Building {config.out_dir} to serve at {preview.url} ...", file=sys.stderr)
    settings = {**vars(args), "base_url": args.base_url or preview.url}

    def load() -> Config:
        return site_config(argparse.Namespace(**settings))

    def first_build_over(trigger: Trigger) -> None:
        """Say the address once it answers with the site (or its errors), and open it."""
        if trigger.changed is not None:
            return
        print(f"Serving {config.out_dir} at {preview.url} (Ctrl-C to stop)", file=sys.stderr)
        if args.open:
            threading.Thread(target=webbrowser.open, args=(preview.url,), daemon=True).start()

    def on_build(report: Report, trigger: Trigger) -> None:
        if not args.quiet:
            print(rebuild_cause(trigger) + summary_line(report, config), file=sys.stderr)
        first_build_over(trigger)

    def on_errors(problems: tuple[str, ...], trigger: Trigger) -> None:
        for problem in problems:
            print(problem, file=sys.stderr)
        errors = plural(len(problems), "error")
        first = trigger.changed is None
        still = "the preview shows them until a save fixes them" if first else "still serving the last good build"
        print(f"{rebuild_cause(trigger)}Build failed with {errors}; {still}.", file=sys.stderr)
        first_build_over(trigger)

    try:
        preview.run(load, on_build=on_build, on_errors=on_errors)
    except MatineeError as error:  # the sources cannot be watched
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
    return EXIT_OK


def _add_check_and_deploy(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        help="build, then check links, HTML, feeds, alt text and names",
        description="Build the site (unless --no-build) and check the result: broken links and "
        "#anchors, missing images, invalid HTML5, malformed Atom feeds, duplicate ids, empty "
        "titles and descriptions, alt text, share images, summary length, films without a file, "
        "names that look like typos. Exit 1 on errors; warnings alone exit 0.",
    )
    _site_options(check)
    check.add_argument("--no-build", action="store_true", help="check the site already built")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    check.set_defaults(run=_run_check)

    deploy = commands.add_parser(
        "deploy",
        help="build, then publish the site to the target in config.yaml",
        description="Build the site (unless --no-build) and publish it with the deploy: settings "
        "of config.yaml: rsync to a folder or host:path, git to a branch, or a command.",
    )
    _site_options(deploy, drafts=False)
    deploy.add_argument("--no-build", action="store_true", help="publish the site already built")
    deploy.add_argument("--dry-run", action="store_true", help="count what would change, send nothing")
    deploy.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list every file sent or deleted, and a failing tool's whole output",
    )
    deploy.set_defaults(run=_run_deploy)


def _run_check(args: argparse.Namespace) -> int:
    import json
    from dataclasses import replace
    from datetime import UTC

    from .cache import BuildCache
    from .check.command import check_site
    from .check.findings import ERROR, Finding

    cache: BuildCache | None = None
    try:
        config = site_config(args)
        cache = BuildCache(config.cache_dir)
        if not args.no_build:
            _run_build(args)
        report = check_site(config, now=datetime.now(UTC), cache=cache)
    except (MatineeError, ExceptionGroup) as error:
        problems = flatten(error)
        if args.format == "json":  # a CI reading the findings hears why there are no pages
            stopped = [Finding(problem.path, problem.line, problem.message) for problem in problems]
            print(json.dumps(_check_document(stopped, 0, 0, 0, args.strict), indent=2, ensure_ascii=False))
        else:
            for problem in problems:
                print(problem, file=sys.stderr)
        print("Check stopped: the site could not be built or read.", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if cache is not None:
            cache.close()
    findings = list(report.findings)
    if args.strict:
        findings = [replace(finding, severity=ERROR) for finding in findings]
    errors = sum(1 for finding in findings if finding.severity == ERROR)
    warnings = len(findings) - errors
    if args.format == "json":
        document = _check_document(findings, report.pages, report.feeds, warnings, args.strict)
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            print(finding)
    if not args.quiet:
        print(
            f"Checked {report.pages} pages and {report.feeds} XML files in {report.seconds:.2f} s: "
            f"{plural(errors, 'error')}, {plural(warnings, 'warning')}.",
            file=sys.stderr,
        )
    return EXIT_ERROR if errors else EXIT_OK


def _check_document(findings: list[Finding], pages: int, feeds: int, warnings: int, strict: bool) -> dict[str, Any]:
    """Return what `check --format json` prints."""
    return {
        "findings": [finding.as_dict() for finding in findings],
        "errors": len(findings) - warnings,
        "warnings": warnings,
        "pages": pages,
        "feeds": feeds,
        "strict": strict,
    }


def _run_deploy(args: argparse.Namespace) -> int:
    from datetime import UTC

    from .cache import BuildCache
    from .deploy.publish import check_settings, deploy

    if args.drafts:
        print("error: deploy never publishes drafts; drop --drafts", file=sys.stderr)
        return EXIT_USAGE
    config = site_config(args)
    try:
        check_settings(config)  # before building: a typo in deploy: should not cost a build
    except MatineeError as error:
        return _deploy_failed(error, args.verbose)
    if not args.no_build:
        _run_build(args)
    cache = BuildCache(config.cache_dir)
    try:
        done = deploy(config, now=datetime.now(UTC), cache=cache, dry_run=args.dry_run)
    except (MatineeError, ExceptionGroup) as error:
        return _deploy_failed(error, args.verbose)
    finally:
        cache.close()
    if args.verbose:
        for change in done.changes:
            print(f"{change.kind:<8}{change.path}")
    if not args.quiet:
        if done.output:
            print(done.output, file=sys.stderr)
        print(_deploy_summary(done), file=sys.stderr)
    return EXIT_OK


def _deploy_summary(done: Deployed) -> str:
    """One line: how many files are new, changed and deleted, and where (or the command run)."""
    from .deploy.tools import CHANGED, DELETED, NEW

    counts = f"{done.count(NEW)} new, {done.count(CHANGED)} changed, {done.count(DELETED)} deleted"
    if done.target == "command":
        return f"Dry run: would run {done.destination}; nothing was run." if done.dry_run else f"Ran {done.destination}"
    if done.dry_run:
        return f"Dry run to {done.destination}: {counts}; nothing was sent."
    if not done.changes:
        return f"Nothing changed since the last deploy; nothing sent to {done.destination}."
    return f"Published to {done.destination} with {done.target}: {counts}."


def _deploy_failed(error: BaseException, verbose: bool) -> int:
    """Print each problem in one line; with --verbose, the failing tool's command and whole output."""
    for problem in flatten(error):
        print(problem, file=sys.stderr)
        for note in getattr(problem, "__notes__", ()) if verbose else ():
            print(note, file=sys.stderr)
    print("Deploy failed.", file=sys.stderr)
    return EXIT_ERROR


def _run_new(args: argparse.Namespace) -> int:
    from .new import new_post

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
    from .schedule import next_scheduled

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


def _add_init_and_import(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init",
        help="start a new, empty site",
        description="Write config.yaml (every key explained), the default layouts/, content/ with an "
        "example post, film file and about page, and a .gitignore into DIR. Refuses a folder that "
        "already has files (exit 2).",
    )
    init.add_argument("dir", nargs="?", type=Path, default=Path("."), help="the new site's folder (default: here)")
    init.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    init.set_defaults(run=_run_init)

    imports = commands.add_parser(
        "import",
        help="bring a WordPress, Jekyll, Hugo or Pelican blog across",
        description="Translate a blog into content/: posts under content/posts/<year>/<month>/, pages, "
        "the files they use, film files, and aliases: so every old URL keeps working. Never overwrites "
        "a file. Ends with a summary and one 'path:line: message' per item left for a human, naming the "
        "file in the imported blog. Exit 0 when all was translated, 1 when some items need a hand (the "
        "rest is written), 2 when PATH is not a KIND site.",
    )
    imports.add_argument("kind", choices=("wordpress", "jekyll", "hugo", "pelican"), help="the blog's generator")
    imports.add_argument(
        "path",
        type=Path,
        help="wordpress: the export file (WXR); jekyll, hugo: the site folder; pelican: the content folder",
    )
    imports.add_argument(
        "--source", type=Path, default=Path("."), help="the Matinee site to write into (default: here)"
    )
    imports.add_argument("--dry-run", action="store_true", help="write nothing; print the same report")
    imports.add_argument("-q", "--quiet", action="store_true", help="print only the items left for a human")
    imports.set_defaults(run=_run_import)


def _run_init(args: argparse.Namespace) -> int:
    from .init import FolderNotEmpty, init_site

    folder = args.dir.resolve()
    try:
        written = init_site(folder)
    except FolderNotEmpty as error:
        print(f"matinee: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        where = "" if folder == Path.cwd() else f"cd {args.dir} && "
        print(f"Wrote {plural(len(written), 'file')} into {folder}.", file=sys.stderr)
        print(f"Next: {where}python build.py serve   (or: matinee serve)", file=sys.stderr)
    return EXIT_OK


def _run_import(args: argparse.Namespace) -> int:
    from .importers import NotASite, import_blog

    try:
        report = import_blog(args.kind, args.path, args.source.resolve(), dry_run=args.dry_run)
    except NotASite as error:
        print(f"matinee: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        for line in report.summary():
            print(line, file=sys.stderr)
    for problem in report.untranslated:
        print(problem)
    if report.untranslated and not args.quiet:
        count = (
            "1 item above needs" if len(report.untranslated) == 1 else f"{len(report.untranslated)} items above need"
        )
        print(f"{count} a hand; everything else was {'checked' if args.dry_run else 'written'}.", file=sys.stderr)
    return EXIT_ERROR if report.untranslated else EXIT_OK


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING if quiet else logging.INFO)
