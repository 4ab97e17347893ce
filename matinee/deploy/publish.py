"""`matinee deploy`: publish the built site to the target in config.yaml (I/O).

- rsync: `rsync --archive --delete` into a local folder or host:path. Files are compared by
  checksum and times are not copied, so a fresh build (new mtimes everywhere) still sends only
  the files whose bytes changed, and unchanged files keep their time (and ETag) on the server.
- git: commit the built site to a branch (GitHub Pages style, with .nojekyll) from a temporary
  clone under .matinee-cache/, and push it; nothing changed means nothing pushed.
- command: run a host's own CLI, with {out} replaced by the built folder (no shell).
A tool's failure becomes one MatineeError in one line, "deploy: <what failed>: <the line of the
tool's output that says why>"; the command, exit status and whole output ride along as a note
(`cli deploy --verbose` prints it).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..cache import BuildCache
from ..config import CONFIG_FILE, Config
from ..content import PUBLISHING_KEYS, find_sources
from ..errors import MatineeError
from ..model import Post
from ..parsing import parse_all
from ..stamp import built_from, input_state
from ..urls import output_path

_REMOTE = re.compile(r"^(rsync://|[^/:]*::?)")  # rsync's own rule: a colon before any slash
DEPLOY = "deploy"  # the "path" of errors that come from the tools deploy runs
RSYNC_MAX_DELETE_EXCEEDED = 25  # rsync's exit status when --max-delete stopped deletions
_ITEMIZED = re.compile(r"^(?:\*deleting +|([<>ch.])([fdLDS])(\S*) )(.+)$")  # --itemize-changes lines
RSYNC_UNREACHABLE = frozenset({5, 10, 12, 30, 35, 255})  # rsync's exit statuses for a link that failed
RSYNC_UNWRITABLE = frozenset({3, 11, 23})  # ... and for files it could not create or write
# Lines tools print around the reason, never the reason: rsync's closing status, git's advice.
_BOILERPLATE = re.compile(
    r"^(hint:|To \S+$|error: failed to push some refs|fatal: Could not read from remote repository"
    r"|Please make sure you have the correct access rights|and the repository exists"
    r"|rsync error: .*\(code \d+\)|rsync: connection unexpectedly closed|Everything up-to-date)"
)
_COMPLAINT = re.compile(
    r"error|fatal|fail|denied|refused|rejected|not found|no such|cannot|can't|could not|couldn't|unable"
    r"|invalid|unauthori[sz]ed|forbidden|expired|not a ",
    re.IGNORECASE,
)
REASON_LIMIT = 300  # characters of the tool's line kept in the one-line message
NEW, CHANGED, DELETED = "new", "changed", "deleted"
_UNSAFE_REMOTE_PATHS = frozenset({"", "/", "~", "~/", ".", "./"})
_TOOL_ENVIRONMENT = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
)  # set by hooks; would aim git elsewhere


@dataclass(frozen=True, slots=True)
class Change:
    """One file a deploy sends or deletes at the destination."""

    kind: str  # NEW | CHANGED | DELETED
    path: str  # relative to the site's root, with /


@dataclass(frozen=True, slots=True)
class Deployed:
    """What a deploy did (or, for a dry run, would do)."""

    target: str
    destination: str
    changes: tuple[Change, ...]  # files only; folders follow from them
    dry_run: bool
    output: str = ""  # what a deploy command printed

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)


def deploy(config: Config, *, now: datetime, cache: BuildCache, dry_run: bool) -> Deployed:
    """Publish config.out_dir to the target in config.yaml, after checking it may be published."""
    check_settings(config)
    refuse_unpublishable(config, now=now, cache=cache)
    if config.deploy.target == "rsync":
        return deploy_rsync(config, dry_run=dry_run)
    if config.deploy.target == "git":
        from .git import deploy_git

        return deploy_git(config, now=now, dry_run=dry_run)
    return deploy_command(config, dry_run=dry_run)


def check_settings(config: Config) -> None:
    """Raise if the deploy: settings are missing, incomplete or unsafe (before any build)."""
    target = config.deploy.target
    if target is None:
        message = "has no deploy: settings; add deploy: with target: rsync, git or command"
        raise MatineeError(CONFIG_FILE, None, message)
    if target == "rsync":
        rsync_destination(config)
    elif target == "git":
        from .git import git_remote

        git_remote(config)
    else:
        command_argv(config)


def refuse_unpublishable(config: Config, *, now: datetime, cache: BuildCache) -> None:
    """Raise unless config.out_dir holds a finished build without drafts or future posts."""
    if config.drafts:
        raise MatineeError("--drafts", None, "a site built with drafts is never deployed; drop --drafts")
    if not (config.out_dir / "index.html").is_file():
        raise MatineeError(str(config.out_dir), None, "holds no built site; build it first (drop --no-build)")
    parsed = parse_all(find_sources(config), config, cache)
    parsed.raise_errors()
    visible = {post.url for post in parsed.posts if not post.is_draft and post.date <= now}
    for post in parsed.posts:
        if post.url not in visible and (config.out_dir / output_path(post.url)).exists():
            state = "a draft" if post.is_draft else "dated in the future"
            raise MatineeError(
                post.source,
                post.lines.get(_held_by(post) if post.is_draft else "date"),
                f"is {state} but its page is in {config.out_dir.name}/ (built with --drafts?); "
                "run `python build.py build` first, or deploy without --no-build",
            )
    if built_from(config, input_state(config), search=False) is None:  # a layout showing `now` is out of date at once
        raise MatineeError(
            str(config.out_dir),
            None,
            "is not what `python build.py build` makes of the sources now (a `serve` preview, which links "
            "to its own address, or a build from before an edit); build it first (drop --no-build)",
        )


def _held_by(post: Post) -> str:
    """Return the publishing key a draft most likely says it with (its line goes in the message)."""
    return next((key for key in reversed(PUBLISHING_KEYS) if key in post.lines), "draft")


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


def deploy_command(config: Config, *, dry_run: bool) -> Deployed:
    """Run the deploy command with {out} replaced by the built folder, without a shell."""
    argv = command_argv(config)
    shown = shlex.join(argv)
    if dry_run:
        return Deployed("command", shown, (), True)
    result = run_tool(argv, argv[0], "deploy the site", cwd=config.source)
    return Deployed("command", shown, (), False, (result.stdout + result.stderr).strip())


def command_argv(config: Config) -> list[str]:
    """Split the deploy command into words, then put the built folder in place of {out}."""
    template = (config.deploy.command or "").strip()
    try:
        words = shlex.split(template)
    except ValueError as error:
        message = f"deploy command {template!r} cannot be split into words: {error}"
        raise MatineeError(CONFIG_FILE, None, message) from None
    if not words:
        message = 'deploy target command needs command:, like "some-host deploy {out}"'
        raise MatineeError(CONFIG_FILE, None, message)
    return [word.replace("{out}", str(config.out_dir)) for word in words]


def run_tool(
    argv: list[str],
    tool: str,
    doing: str,
    *,
    cwd: Path | None = None,
    failed: Callable[[int, str], str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool; turn its absence or failure into one line: what failed, and the line of the
    tool's own output that says why. `failed(status, output)` names what failed; the default
    is "<tool> failed to <doing> (exit N)". The command and its whole output go in a note."""
    try:
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            errors="replace",
            cwd=cwd,
            env=tool_environment(),
            check=False,
        )
    except FileNotFoundError:
        message = f"{tool} is not installed or not on PATH, so it cannot {doing}; install it first"
        missing = MatineeError(DEPLOY, None, message)
        missing.add_note(_indented([f"$ {shlex.join(argv)}", f"PATH={os.environ.get('PATH', '')}"]))
        raise missing from None
    except OSError as error:
        raise MatineeError(DEPLOY, None, f"{tool} could not {doing}: {error.strerror}") from None
    if result.returncode != 0:
        output = result.stdout + result.stderr
        what = failed(result.returncode, output) if failed else f"{tool} failed to {doing} (exit {result.returncode})"
        problem = MatineeError(DEPLOY, None, f"{what}: {tool_reason(result.stderr, result.stdout)}")
        shown = [f"$ {shlex.join(argv)}", f"exit status {result.returncode}", *output.splitlines()]
        problem.add_note(_indented(shown))
        raise problem
    return result


def tool_environment() -> dict[str, str]:
    """Return this process's environment without variables that would point git elsewhere."""
    return {key: value for key, value in os.environ.items() if key not in _TOOL_ENVIRONMENT}


def tool_reason(stderr: str, stdout: str = "") -> str:
    """Return the one line of a failed tool's output that says why it failed.

    That is the last line that complains (error, denied, not found...), once the lines tools
    print around every failure are dropped (rsync's "rsync error: ... (code 23)", git's "Please
    make sure you have the correct access rights"); without one, the last line. Where git's
    other end said why ("remote: ..."), its first such line is added: a hook's message.
    """
    for text in (stderr, stdout):
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        meaningful = [line for line in lines if not _BOILERPLATE.match(line)] or lines[-1:]
        if not meaningful:
            continue
        complaints = [line for line in meaningful if _COMPLAINT.search(line)]
        reason = (complaints or meaningful)[-1]
        remote = next((line for line in meaningful if line.startswith("remote:")), None)
        if remote is not None and remote != reason:
            reason = f"{reason}; {remote}"
        return reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1] + "…"
    return "it printed nothing"


def _indented(lines: list[str]) -> str:
    return "\n".join(f"  {line}" for line in lines)
