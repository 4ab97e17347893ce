"""`import`: bring a WordPress, Jekyll, Hugo or Pelican blog across into content/.

One entry point, `import_blog`. Each kind's module reads the old blog into a `Blog`;
`plan.plan` places and translates it; `writing.write_plan` writes it, never overwriting.
"""

from __future__ import annotations

from pathlib import Path

from ..config import CONFIG_FILE, load_config
from .common import Blog
from .plan import plan
from .report import ImportReport
from .writing import write_plan

KINDS = ("wordpress", "jekyll", "hugo", "pelican")


class NotASite(Exception):
    """PATH is not a site of the KIND given (a usage error: exit 2)."""


def import_blog(kind: str, path: Path, source: Path, *, dry_run: bool = False) -> ImportReport:
    """Translate the blog at `path` into the Matinee site at `source`; return what was done."""
    blog = read_blog(kind, path)
    config_file = source / CONFIG_FILE
    config_text = config_file.read_text(encoding="utf-8") if config_file.is_file() else None
    pattern = load_config(source).permalink if config_text is not None else "/{year}/{month}/{slug}/"
    planned, report = plan(blog, config_text, pattern)
    return write_plan(planned, source, report, dry_run=dry_run)


def read_blog(kind: str, path: Path) -> Blog:
    """Return the old blog read by its kind's reader; raise NotASite if it is not one."""
    shown = path.as_posix()
    if kind == "wordpress":
        from .wordpress import NotWordPress, read_wordpress

        if not path.is_file():
            raise NotASite(f"{shown} is not a file; give the WordPress export (WXR) file")
        try:
            return read_wordpress(path, shown)
        except NotWordPress as error:
            raise NotASite(str(error)) from None
    if not path.is_dir():
        raise NotASite(f"{shown} is not a folder; give the {kind.capitalize()} site's folder")
    if kind == "jekyll":
        from .jekyll import read_jekyll

        return read_jekyll(path, shown, NotASite)
    if kind == "hugo":
        from .hugo import read_hugo

        return read_hugo(path, shown, NotASite)
    if kind == "pelican":
        from .pelican import read_pelican

        return read_pelican(path, shown, NotASite)
    raise NotASite(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
