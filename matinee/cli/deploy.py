"""The deploy command: build, then publish the site to the target in config.yaml."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..errors import MatineeError, flatten
from .build import run_build
from .common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Commands, site_config, site_options

if TYPE_CHECKING:
    from ..deploy.tools import Deployed


def add_deploy(commands: Commands) -> None:
    deploy = commands.add_parser(
        "deploy",
        help="build, then publish the site to the target in config.yaml",
        description="Build the site (unless --no-build) and publish it with the deploy: settings "
        "of config.yaml: rsync to a folder or host:path, git to a branch, or a command.",
    )
    site_options(deploy, drafts=False)
    deploy.add_argument("--no-build", action="store_true", help="publish the site already built")
    deploy.add_argument("--dry-run", action="store_true", help="count what would change, send nothing")
    deploy.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list every file sent or deleted, and a failing tool's whole output",
    )
    deploy.set_defaults(run=_run_deploy)


def _run_deploy(args: argparse.Namespace) -> int:
    from ..cache import BuildCache
    from ..deploy.publish import check_settings, deploy

    if args.drafts:
        print("error: deploy never publishes drafts; drop --drafts", file=sys.stderr)
        return EXIT_USAGE
    config = site_config(args)
    try:
        check_settings(config)  # before building: a typo in deploy: should not cost a build
    except MatineeError as error:
        return _deploy_failed(error, args.verbose)
    if not args.no_build:
        run_build(args)
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
    from ..deploy.tools import CHANGED, DELETED, NEW

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
