"""`init`: start a new, empty site from the starter that ships inside the package."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

STARTER = "starter"
# The starter's .gitignore is shipped without its dot: a dotfile inside the package would
# be git's own ignore file for that folder, and package-data globs skip dotfiles.
RENAMED = {"gitignore": ".gitignore"}
ALLOWED = frozenset({".git"})  # a fresh `git init` is still an empty site


class FolderNotEmpty(Exception):
    """The folder `init` was given already holds files (a usage error: exit 2)."""


def init_site(folder: Path) -> list[Path]:
    """Write config.yaml, layouts/, content/ and .gitignore into `folder`; return what was written.

    Refuses a folder holding anything but .git, so no one's files are ever overwritten.
    """
    if folder.exists() and not folder.is_dir():
        raise FolderNotEmpty(f"{folder} is a file, not a folder")
    present = sorted(entry.name for entry in folder.iterdir() if entry.name not in ALLOWED) if folder.exists() else []
    if present:
        shown = ", ".join(present[:3]) + (", ..." if len(present) > 3 else "")
        raise FolderNotEmpty(f"{folder} already has files ({shown}); give init an empty or new folder")
    written: list[Path] = []
    _copy(files("matinee") / STARTER, folder, written)
    return written


def _copy(source: Traversable, target: Path, written: list[Path]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir(), key=lambda entry: entry.name):
        if entry.name == "__pycache__":
            continue
        destination = target / RENAMED.get(entry.name, entry.name)
        if entry.is_dir():
            _copy(entry, destination, written)
            continue
        with destination.open("xb") as file:  # "x": never overwrite, even if a file appeared meanwhile
            file.write(entry.read_bytes())
        written.append(destination)
