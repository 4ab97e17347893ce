"""Full-text search without a server: a Pagefind index of the built posts, made on `build`. (I/O)

Pagefind (its PyPI package ships the binary) reads the built pages. Where a page marks an
element `data-pagefind-body` (the post article in layouts/post.html) only that element is
indexed, and pages with no such element are left out. Anything marked `data-pagefind-ignore`
(spoilers, the reading time) is skipped. It writes a static, chunked index plus its search
UI into <out>/pagefind/; a browser fetches only the chunks a query needs.

Pagefind reads every HTML file it is given, so it is given only the folders holding the pages
the build saw a `data-pagefind-body` in (the year folders of the posts, say): the index is the
same, and a site of 1,000 posts is indexed in two thirds of the time.

The index is written beside the output folder and then swapped in; its files are then added to
the output manifest, so they are counted and checked like the rest, and a build that makes no
index (a `serve` rebuild: indexing is a publishing step) removes them rather than leave a stale one.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .errors import MatineeError

INDEX_DIR = "pagefind"  # <out>/pagefind/, where layouts/search.html loads the UI from
TIMEOUT = 600  # seconds; Pagefind indexes thousands of pages a second
INSTALL_HINT = "pip install 'pagefind[bin]'"
MAX_GLOB_PARTS = 200  # top folders in --glob; a site with more (posts at /slug/) has every page read
_GLOB_SYNTAX = re.compile(r"[][{}()<>,?!*:\\$]")  # a name with these is not matched literally

log = logging.getLogger(__name__)


def index_search(out_dir: Path, searchable: Iterable[str] = ()) -> tuple[str, ...]:
    """Index the built site into out_dir/pagefind; return the index's files, relative to out_dir.

    `searchable` lists the pages with a data-pagefind-body element; without it, every page is read.
    Without Pagefind, warn and return no files: the site itself is complete.
    """
    executable = pagefind_executable()
    if executable is None:
        log.warning("warning: no search index made: Pagefind is not installed (%s)", INSTALL_HINT)
        return ()
    staging = out_dir.with_name(f".{out_dir.name}.pagefind-new")
    shutil.rmtree(staging, ignore_errors=True)
    command = [str(executable), "--site", str(out_dir), "--output-path", str(staging), "--silent"]
    if pattern := glob_of(searchable):
        command += ["--glob", pattern]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise MatineeError(str(out_dir), None, f"search index not made: {error}") from None
    if done.returncode != 0 or not staging.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()
        reason = said[-1] if said else f"exit code {done.returncode}"
        raise MatineeError(str(out_dir), None, f"search index not made: Pagefind said: {reason}")
    _swap_in(staging, out_dir / INDEX_DIR)
    made = (path for path in (out_dir / INDEX_DIR).rglob("*") if path.is_file())
    return tuple(sorted(path.relative_to(out_dir).as_posix() for path in made))


def glob_of(searchable: Iterable[str]) -> str | None:
    """Return a Pagefind --glob that reads the top folders (or top-level pages) holding the
    `searchable` pages, all their HTML; None (read every page) when none is known, or when so
    many or such names would make the pattern long or ambiguous."""
    tops: set[str] = set()
    for path in searchable:
        top, slash, _ = path.partition("/")
        if _GLOB_SYNTAX.search(top):
            return None
        tops.add(f"{top}/**/*.html" if slash else top)
    if not tops or len(tops) > MAX_GLOB_PARTS:
        return None
    return "{" + ",".join(sorted(tops)) + "}"


def pagefind_executable() -> Path | None:
    """Return the Pagefind binary the `pagefind` package finds, or None when there is none."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    try:
        return get_executable()
    except OSError:  # pagefind_bin is installed but its binary is not there
        return None


def _swap_in(staging: Path, target: Path) -> None:
    """Replace `target` with `staging`; the old index goes aside first and is then deleted."""
    old = target.parent.with_name(f".{target.parent.name}.pagefind-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
