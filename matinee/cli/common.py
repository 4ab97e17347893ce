"""What every command shares: exit codes, the site options and the config they load.

Kept apart from cli/__init__.py so that the command modules need not import the package
that imports them (no cycle).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

from ..config import Config, load_config

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # what add_parser is called on


class UsageError(Exception):
    """A command line that cannot work as given (exit 2), e.g. an --out that holds the source."""


def site_options(command: argparse.ArgumentParser, *, drafts: bool = True) -> None:
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
