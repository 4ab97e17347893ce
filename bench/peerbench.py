"""What the peer-comparison scripts share: the team's harness, loaded from a folder given on
the command line, a work folder of our own, and the pure formatting of tables and ratios.

The harness (gen_corpus.py, adapters.py, peers.py) lives outside this repository, so its
folder is an argument. It keeps its corpus, sites and results under $PEERBENCH, next to
the installed peers; on a machine where others run it too, `--work` gives a private
folder and the installed peers are linked into it, so no run overwrites another's sites.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PROJECT = Path(__file__).resolve().parent.parent
INSTALLED = ("hugo-venv", "pelican-venv", "eleventy")  # what the harness finds under $PEERBENCH


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options every script takes to find the harness and its work folder."""
    default = os.environ.get("PEERBENCH", "/tmp/peerbench")
    parser.add_argument("--harness", type=Path, required=True, help="the folder with gen_corpus.py and peers.py")
    parser.add_argument("--project", type=Path, default=PROJECT, help="the Matinee checkout (default: this one)")
    parser.add_argument("--work", type=Path, default=Path(default), help="corpus, sites, logs (default: $PEERBENCH)")
    parser.add_argument("--installed", type=Path, default=Path(default), help="where the peers are installed")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")


def load_harness(harness: Path, work: Path, installed: Path) -> tuple[ModuleType, ModuleType]:
    """Import the harness's adapters and peers so they work in `work`.

    The harness reads $PEERBENCH when imported, so it is set first; the peers installed
    elsewhere are linked in, as the harness looks for them in the same folder.
    """
    work.mkdir(parents=True, exist_ok=True)
    if work.resolve() != installed.resolve():
        for name in INSTALLED:
            link = work / name
            if (installed / name).exists() and not link.is_symlink() and not link.exists():
                link.symlink_to((installed / name).resolve())
    os.environ["PEERBENCH"] = str(work.resolve())
    sys.path.insert(0, str(harness.resolve()))
    return importlib.import_module("adapters"), importlib.import_module("peers")


def corpus(harness: Path, work: Path, posts: int, seed: int) -> Path:
    """The harness's corpus of `posts` posts, generated where peers.py looks for it."""
    folder = work / f"corpus-{posts}"
    if not (folder / "content").exists():
        command = [sys.executable, str(harness / "gen_corpus.py"), "--seed", str(seed), "--posts", str(posts)]
        subprocess.run([*command, "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def median(values: Sequence[float | None]) -> float | None:
    """The median of the figures that were measured, None if none was."""
    measured = [value for value in values if value is not None]
    return statistics.median(measured) if measured else None


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def ratio(ours: float | None, theirs: float | None) -> str:
    """`ours / theirs` as the targets state it ('0.47x'), '-' when either is missing."""
    if ours is None or not theirs:
        return "-"
    return f"{ours / theirs:.2f}x"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, as the issue's figures are written."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def say(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the tables."""
    print(f"# {message}", file=sys.stderr, flush=True)
