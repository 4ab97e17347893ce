"""`new`: scaffold a post file dated now, with its front matter filled in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .config import Config
from .errors import MatineeError
from .urls import slugify


def new_post(
    config: Config,
    title: str,
    *,
    now: datetime,
    films: Sequence[str] = (),
    tags: Sequence[str] = (),
    people: Sequence[str] = (),
    draft: bool = False,
) -> Path:
    """Write content/posts/<year>/<date>-<slug>.md and return its path; never overwrite."""
    slug = slugify(title)
    if not slug:
        raise MatineeError("new", None, f"the title {title!r} has no letters or digits to make a file name from")
    path = config.content_dir / "posts" / f"{now:%Y}" / f"{now:%Y-%m-%d}-{slug}.md"
    lines = ["---", f"title: {_quote(title)}", f"date: {now.isoformat(timespec='seconds')}"]
    if config.author:
        lines.append(f"author: {_quote(config.author)}")
    for key, values in (("tags", tags), ("films", films), ("people", people)):
        lines.append(f"{key}: [{', '.join(_quote(value) for value in values)}]")
    if draft:
        lines.append("draft: true")
    lines += ["---", "", "Write the first paragraph here: it becomes the summary.", ""]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:
            file.write("\n".join(lines))
    except FileExistsError:
        raise MatineeError(
            _relative(path, config), None, "already exists; pick another title or edit that file"
        ) from None
    except OSError as error:
        raise MatineeError(_relative(path, config), None, f"cannot be written: {error.strerror}") from None
    return path


def _quote(text: str) -> str:
    """Quote a value so YAML reads it back as the same text (JSON strings are YAML strings)."""
    return json.dumps(text, ensure_ascii=False)


def _relative(path: Path, config: Config) -> str:
    return path.relative_to(config.source).as_posix()
