"""When the next scheduled post goes live, read from the posts' front matter (for `next`)."""

from __future__ import annotations

from datetime import datetime

from .config import Config
from .content import find_sources, load_source, parse_post, read_front_matter
from .errors import MatineeError, flatten, raise_all
from .model import Post
from .site import scheduled


def next_scheduled(config: Config, *, now: datetime) -> datetime | None:
    """Return when the first future-dated post that is not a draft goes live, or None.

    Only the posts' front matter is read (no Markdown, layouts or output): a cron job may ask
    this every few minutes. Its mistakes are raised together, as a build raises them.
    """
    sources = find_sources(config)
    errors = list(sources.errors)
    posts: list[Post] = []
    for file in sources.files:
        if file.kind != "post":
            continue
        try:
            source = load_source(file)
            posts.append(parse_post(source, read_front_matter(source), "", config))
        except (MatineeError, ExceptionGroup) as error:
            errors += flatten(error)
    raise_all(errors, "the posts have errors")
    return min(scheduled(posts, now), default=None)
