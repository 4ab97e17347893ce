"""The command line: the only place that prints errors and picks exit codes.

Exit codes: 0 ok, 1 content, layout or build error, 2 usage. One module per command group
(build.py: build, new, next; serve.py; check.py; deploy.py; setup.py: init, import), each
adding its commands to the parser assembled here; common.py holds what they share.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .. import __version__
from ..config import CACHE_FOLDER, CONFIG_FILE
from ..errors import MatineeError
from ..words import plural
from .build import add_build, add_new, add_next
from .check import add_check
from .common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError, site_config
from .deploy import add_deploy
from .serve import add_serve
from .setup import add_import, add_init

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "UsageError", "main", "site_config"]
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


def _report(error: BaseException, crash_dir: Path) -> int:
    """Print every error inside `error` (see describe) and, for a site's own mistakes, what came of them."""
    from ..describe import describe, leaves

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
    parser.set_defaults(no_search=False)  # check and deploy build through run_build, with search
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add in (add_build, add_new, add_serve, add_check, add_deploy, add_next, add_init, add_import):
        add(commands)  # in this order in --help
    return parser


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING if quiet else logging.INFO)
