"""Deploy with rsync: `rsync --archive --delete` into a local folder or host:path (I/O).

Files are compared by checksum and times are not copied, so a fresh build (new mtimes
everywhere) still sends only the files whose bytes changed, and unchanged files keep their
time (and ETag) on the server. --delete removes only inside the destination, and only where
the destination holds this site (see _refuse_a_foreign_destination).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from ..config import CONFIG_FILE, Config
from ..errors import MatineeError
from .tools import CHANGED, DELETED, NEW, Change, Deployed, run_tool, tool_environment

_REMOTE = re.compile(r"^(rsync://|[^/:]*::?)")  # rsync's own rule: a colon before any slash
RSYNC_MAX_DELETE_EXCEEDED = 25  # rsync's exit status when --max-delete stopped deletions
_ITEMIZED = re.compile(r"^(?:\*deleting +|([<>ch.])([fdLDS])(\S*) )(.+)$")  # --itemize-changes lines
RSYNC_UNREACHABLE = frozenset({5, 10, 12, 30, 35, 255})  # rsync's exit statuses for a link that failed
RSYNC_UNWRITABLE = frozenset({3, 11, 23})  # ... and for files it could not create or write
_UNSAFE_REMOTE_PATHS = frozenset({"", "/", "~", "~/", ".", "./"})


def deploy_rsync(config: Config, *, dry_run: bool) -> Deployed:
    """Mirror the built folder to the destination; delete only inside it."""
    destination = rsync_destination(config)
    _refuse_a_foreign_destination(config, destination)
    command = ["rsync", "--archive", "--no-times", "--checksum", "--delete", "--itemize-changes"]
    if dry_run:
        command.append("--dry-run")
    result = run_tool(
        [*command, f"{config.out_dir}/", destination],
        "rsync",
        f"publish to {destination}",
        failed=lambda status, _: _rsync_failed(destination, status),
    )
    return Deployed("rsync", destination, rsync_changes(result.stdout), dry_run)


def rsync_changes(itemized: str) -> tuple[Change, ...]:
    """Read `rsync --itemize-changes` output: `>f+++++++++ a` is new, `>fc.T...... a` changed,
    `*deleting   a` deleted. Folders are left out; their files are listed."""
    changes = []
    for line in itemized.splitlines():
        match = _ITEMIZED.match(line)
        if match is None or match[4].endswith("/") or match[2] == "d":
            continue
        kind = DELETED if match[1] is None else (NEW if set(match[3]) == {"+"} else CHANGED)
        path = match[4].split(" -> ")[0] if match[2] == "L" else match[4]  # a symlink's line names its target
        changes.append(Change(kind, path))
    return tuple(changes)


def _rsync_failed(destination: str, status: int) -> str:
    """Say what failed in the user's terms: the link to the host, or writing at the destination."""
    remote = _REMOTE.match(destination)
    if remote and status in RSYNC_UNREACHABLE:
        host = destination.removeprefix("rsync://").split("/")[0] if "://" in destination else remote[0]
        return f"rsync could not reach {host.rstrip(':')}"
    if status in RSYNC_UNWRITABLE:
        return f"rsync could not write to {destination}"
    return f"rsync failed to publish to {destination} (exit {status})"


def _refuse_a_foreign_destination(config: Config, destination: str) -> None:
    """Refuse a destination where --delete would remove more than the whole site holds,
    unless it holds an earlier copy of this site (which shrank since).

    More than the site has means the folder most likely holds something else (other sites,
    a home folder). A listing without checksums finds out before anything is sent or deleted.
    """
    entries = sum(len(folders) + len(files) for _, folders, files in os.walk(config.out_dir))
    probe = [
        "rsync",
        "--archive",
        "--delete",
        "--dry-run",
        f"--max-delete={entries}",
        f"{config.out_dir}/",
        destination,
    ]
    try:
        result = subprocess.run(probe, capture_output=True, env=tool_environment(), check=False)
    except OSError:  # no rsync: the deploy itself says so
        return
    if result.returncode == RSYNC_MAX_DELETE_EXCEEDED and not _holds_this_site(config, destination):
        message = (
            f"deploy destination {destination!r} holds more files and folders that are not the site's than the "
            f"site has ({entries}), and rsync --delete would remove them; deploy to the site's own folder, or "
            "empty it first"
        )
        raise MatineeError(CONFIG_FILE, None, message)


def _holds_this_site(config: Config, destination: str) -> bool:
    """Whether the destination's sitemap.xml lists this site's pages: it holds an earlier copy
    of the site, which may have had many more pages than the site has now."""
    with tempfile.TemporaryDirectory() as scratch:
        fetched = Path(scratch) / "sitemap.xml"
        command = ["rsync", f"{destination.rstrip('/')}/sitemap.xml", str(fetched)]
        try:
            subprocess.run(command, capture_output=True, env=tool_environment(), check=False)
            return f"<loc>{config.base_url}" in fetched.read_text(encoding="utf-8", errors="replace")
        except OSError:  # none there
            return False


def rsync_destination(config: Config) -> str:
    """Return the destination to give rsync, refusing any whose --delete could reach too far."""
    given = (config.deploy.destination or "").strip()
    if not given:
        raise MatineeError(
            CONFIG_FILE,
            None,
            "deploy target rsync needs destination: a folder, or host:/path/ over ssh",
        )
    if given.startswith("-"):
        raise MatineeError(CONFIG_FILE, None, f"deploy destination {given!r} must not start with '-'")
    if match := _REMOTE.match(given):
        path = given[match.end() :]
        if path.rstrip("/") in _UNSAFE_REMOTE_PATHS or path in _UNSAFE_REMOTE_PATHS:
            raise MatineeError(
                CONFIG_FILE,
                None,
                f"deploy destination {given!r} is a whole home or root folder; "
                "name the site's own folder, like host:/var/www/blog/",
            )
        return given
    folder = (config.source / Path(given).expanduser()).resolve()
    guarded = [
        config.source,
        config.content_dir,
        config.layouts_dir,
        config.cache_dir,
        config.out_dir,
        Path.home(),
    ]
    if folder == Path(folder.anchor) or any(folder == place or place.is_relative_to(folder) for place in guarded):
        raise MatineeError(
            CONFIG_FILE,
            None,
            f"deploy destination {given!r} ({folder}) holds the site's own files "
            "or a home or root folder, which rsync --delete would empty; "
            "choose a folder of its own",
        )
    if folder.is_relative_to(config.out_dir) or any(folder.is_relative_to(place) for place in guarded[1:4]):
        raise MatineeError(
            CONFIG_FILE,
            None,
            f"deploy destination {given!r} is inside the site's own folders; choose a folder of its own",
        )
    return f"{folder}/"
