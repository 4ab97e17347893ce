"""Deploy with git: commit the built site to a branch, GitHub Pages style, and push it (I/O).

The commit is made in a temporary shallow clone under .matinee-cache/, never in the output
folder, so the built site holds no .git and a failed push leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from ..config import CONFIG_FILE, Config
from ..errors import MatineeError
from .tools import CHANGED, DELETED, NEW, Change, Deployed, run_tool, tool_environment

NOJEKYLL = ".nojekyll"  # GitHub Pages would otherwise run Jekyll and drop files starting with _
_SCP_LIKE = re.compile(r"^[^/:]+:")  # user@host:path, as git reads it
_BRANCH = re.compile(r"(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]+(?<![./])")
_IDENTITY = ("Matinee", "matinee@localhost")


def deploy_git(config: Config, *, now: datetime, dry_run: bool) -> Deployed:
    """Commit config.out_dir (plus .nojekyll) to the deploy branch and push; skip if unchanged."""
    repository, branch = git_remote(config)
    destination = f"{repository} (branch {branch})"
    config.cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deploy-git-", dir=config.cache_dir) as temporary:
        clone = Path(temporary) / "site"
        _check_out(repository, branch, clone)
        changes = _stage(config.out_dir, clone)
        if changes and not dry_run:
            built = f"Built by Matinee at {now:%Y-%m-%d %H:%M %Z}."
            _commit(clone, f"Publish {config.title}: {len(changes)} files changed\n\n{built}")
            _push(clone, branch, destination)
    return Deployed("git", destination, changes, dry_run)


def _check_out(repository: str, branch: str, clone: Path) -> None:
    """Make `clone` a shallow clone of the branch, without its files; or start the branch there."""
    heads = run_tool(
        ["git", "ls-remote", "--heads", repository, f"refs/heads/{branch}"],
        "git",
        f"read {repository}",
        failed=lambda *_: f"git could not read {repository}",
    )
    if heads.stdout.strip():
        shallow = ["--quiet", "--depth=1", "--single-branch", "--no-tags", "--no-checkout"]
        run_tool(
            ["git", "clone", *shallow, f"--branch={branch}", repository, str(clone)],
            "git",
            f"clone {repository}",
            failed=lambda *_: f"git could not clone {repository}",
        )
    else:  # the first deploy starts the branch with no history
        run_tool(["git", "init", "--quiet", str(clone)], "git", "start a repository")
        _git(clone, "start the branch", "symbolic-ref", "HEAD", f"refs/heads/{branch}")
        _git(clone, "add the remote", "remote", "add", "origin", repository)


def _stage(out_dir: Path, clone: Path) -> tuple[Change, ...]:
    """Put the built site (plus .nojekyll) in the clone, stage all of it, and return what changed."""
    shutil.copytree(out_dir, clone, dirs_exist_ok=True, symlinks=True, copy_function=_link_or_copy)
    (clone / NOJEKYLL).touch()
    _git(clone, "stage the site", "add", "--all", "--force", ".")
    status = _git(clone, "compare the site", "status", "--porcelain", "-z", "--no-renames", "--untracked-files=all")
    return git_changes(status.stdout)


def _commit(clone: Path, message: str) -> None:
    """Commit what is staged, unsigned and without hooks: a signing prompt or a hook must not stop a deploy."""
    unsigned = ["-c", "commit.gpgsign=false"]
    _git(clone, "commit the site", *_identity(clone), *unsigned, "commit", "--quiet", "--no-verify", "-m", message)


def _push(clone: Path, branch: str, destination: str) -> None:
    run_tool(
        ["git", "-C", str(clone), "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}"],
        "git",
        f"push to {destination}",
        failed=lambda _, output: _push_failed(destination, output),
    )


def _push_failed(destination: str, output: str) -> str:
    """A push the other end turned down ("! [rejected]", a hook) reads differently from one that never got there."""
    return (
        f"git push to {destination} was rejected" if "rejected]" in output else f"git could not push to {destination}"
    )


def git_changes(status: str) -> tuple[Change, ...]:
    """Read `git status --porcelain -z` of a fully staged clone: A is new, D deleted, else changed."""
    kinds = {"A": NEW, "D": DELETED}
    return tuple(Change(kinds.get(entry[0], CHANGED), entry[3:]) for entry in status.split("\0") if entry)


def _git(clone: Path, doing: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_tool(["git", "-C", str(clone), *arguments], "git", doing)


def git_remote(config: Config) -> tuple[str, str]:
    """Return the repository (local paths made absolute) and the branch to deploy to."""
    return _repository(config), _branch(config)


def _repository(config: Config) -> str:
    given = (config.deploy.repository or "").strip()
    if not given:
        raise MatineeError(CONFIG_FILE, None, "deploy target git needs repository: a URL or path git can push to")
    if given.startswith("-"):
        raise MatineeError(CONFIG_FILE, None, f"deploy repository {given!r} must not start with '-'")
    if "://" in given or _SCP_LIKE.match(given):
        return given
    return str((config.source / Path(given).expanduser()).resolve())  # a local path, read from the site folder


def _branch(config: Config) -> str:
    branch = config.deploy.branch.strip()
    if not _BRANCH.fullmatch(branch) or branch.endswith(".lock"):
        raise MatineeError(
            CONFIG_FILE,
            None,
            f"deploy branch {branch!r} is not a branch name git accepts, like gh-pages",
        )
    return branch


def _identity(clone: Path) -> list[str]:
    """Name Matinee as the committer where git has no user set (as on a fresh CI machine)."""
    configured = subprocess.run(
        ["git", "-C", str(clone), "config", "--get", "user.email"],
        capture_output=True,
        text=True,
        check=False,
        env=tool_environment(),
    )
    if configured.returncode == 0 and configured.stdout.strip():
        return []
    name, email = _IDENTITY
    return ["-c", f"user.name={name}", "-c", f"user.email={email}"]


def _link_or_copy(source: str, target: str) -> object:
    """Hard-link a built file into the clone (git only reads it), or copy it across devices."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target
