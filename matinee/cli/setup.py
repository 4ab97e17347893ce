"""The commands that make a site: init (a new, empty one) and import (from another generator)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..words import plural
from .common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Commands


def add_init(commands: Commands) -> None:
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


def add_import(commands: Commands) -> None:
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
    from ..init import FolderNotEmpty, init_site

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
    from ..importers import NotASite, import_blog

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
