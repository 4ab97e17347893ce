"""Counts in messages: "1 post", "2 posts", "0 posts"."""

from __future__ import annotations

import pytest

from matinee.words import plural

pytestmark = pytest.mark.pure  # no build, no disk: part of the inner loop


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert [plural(count, "post") for count in (0, 1, 2)] == ["0 posts", "1 post", "2 posts"]


def test_an_irregular_plural_is_given() -> None:
    assert [plural(count, "story", "stories") for count in (1, 3)] == ["1 story", "3 stories"]


def test_a_phrase_ends_in_its_plural_noun() -> None:
    assert plural(4, "more parse error") == "4 more parse errors"
