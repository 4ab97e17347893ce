"""schedule.py: when the next scheduled post goes live, from front matter alone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import NOW, make_site, post

from matinee.config import load_config
from matinee.errors import flatten
from matinee.schedule import next_scheduled


def next_of(root: Path, now: datetime = NOW) -> datetime | None:
    return next_scheduled(load_config(root), now=now)


def test_the_earliest_future_post_that_is_not_held_back_is_next(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/past.md": post("Past", date="2024-01-01"),
            "content/posts/now.md": post("Now", date=NOW.isoformat()),  # out at NOW: not scheduled
            "content/posts/utc.md": post("UTC", date="2027-01-01T00:00:00Z"),
            "content/posts/paris.md": post("Paris", date="2027-01-01T00:30:00+01:00"),  # 23:30 UTC: first
            "content/posts/draft.md": post("Draft", date="2026-12-01", draft="yes"),
            "content/posts/unpublished.md": post("Jekyll", date="2026-12-01", published="false"),
            "content/posts/hidden.md": post("Pelican", date="2026-12-01", status="hidden"),
            "content/films/dune.md": "---\ntitle: Dune\nrelease: 2026-12-01\n---\n",
            "content/about.md": "---\ntitle: About\n---\n",
        },
    )
    found = next_of(root)
    assert found == datetime(2027, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert found is not None and found.isoformat() == "2027-01-01T00:30:00+01:00"  # the offset as written
    assert next_of(root, now=datetime(2030, 1, 1, tzinfo=NOW.tzinfo)) is None


def test_no_posts_means_nothing_is_scheduled(tmp_path: Path) -> None:
    assert next_of(make_site(tmp_path, {})) is None


def test_the_mistakes_of_every_post_are_raised_together(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2027-02-30"),
            "content/posts/b.md": post("B", date="2027-01-01", status="pending"),
            "content/posts/c.md": "---\ntitle: [unclosed\n---\n",
        },
    )
    with pytest.raises(ExceptionGroup) as caught:
        next_of(root)
    assert [f"{error.path}:{error.line}" for error in flatten(caught.value)] == [
        "content/posts/a.md:3",
        "content/posts/b.md:4",
        "content/posts/c.md:2",
    ]
