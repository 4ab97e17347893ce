"""`matinee deploy`: check that the built site may be published, then hand it to its target (I/O).

- rsync: `rsync --archive --delete` into a local folder or host:path. Files are compared by
  checksum and times are not copied, so a fresh build (new mtimes everywhere) still sends only
  the files whose bytes changed, and unchanged files keep their time (and ETag) on the server.
- git: commit the built site to a branch (GitHub Pages style, with .nojekyll) from a temporary
  clone under .matinee-cache/, and push it; nothing changed means nothing pushed.
- command: run a host's own CLI, with {out} replaced by the built folder (no shell).
"""

from __future__ import annotations

from datetime import datetime

from ..cache import BuildCache
from ..config import CONFIG_FILE, Config
from ..content import PUBLISHING_KEYS, find_sources
from ..errors import MatineeError
from ..model import Post
from ..parsing import parse_all
from ..stamp import built_from, input_state
from ..urls import output_path
from .command import command_argv, deploy_command
from .git import deploy_git, git_remote
from .rsync import deploy_rsync, rsync_destination
from .tools import Deployed


def deploy(config: Config, *, now: datetime, cache: BuildCache, dry_run: bool) -> Deployed:
    """Publish config.out_dir to the target in config.yaml, after checking it may be published."""
    check_settings(config)
    refuse_unpublishable(config, now=now, cache=cache)
    if config.deploy.target == "rsync":
        return deploy_rsync(config, dry_run=dry_run)
    if config.deploy.target == "git":
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
