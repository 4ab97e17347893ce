"""bench/: the ratios and tables the speed figures are reported in (pure formatting, nothing timed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from figures import Figures, growth, ratios  # noqa: E402
from peerbench import median, ratio, table  # noqa: E402

pytestmark = pytest.mark.pure


def figures(posts: int, **matinee: float) -> Figures:
    return Figures(
        posts,
        cold={"matinee": matinee.get("cold", 2.0), "pelican": 8.0, "hugo": 1.0},
        memory={"matinee": matinee.get("memory", 60.0), "pelican": 80.0, "hugo": 200.0},
        rebuilt={"matinee": matinee.get("rebuilt", 0.1), "pelican": 2.0, "hugo": 0.5},
        one_shot=0.2,
    )


def test_each_target_is_matinee_over_the_figure_it_is_stated_against() -> None:
    found = {name: value for name, value, _ in ratios(figures(1000))}
    assert found == {
        "cold build, Matinee / Pelican": "0.25x",
        "cold build, Matinee / Hugo": "2.00x",
        "save -> rebuilt, Matinee serve / Hugo --watch": "0.20x",
        "one-shot build after an edit / Hugo --watch": "0.40x",
        "peak memory, Matinee / Pelican": "0.75x",
    }


def test_a_peer_left_out_or_failed_gives_a_dash_not_an_error() -> None:
    without_pelican = Figures(50000, cold={"matinee": 3.0, "hugo": None}, memory={"matinee": 9.0}, rebuilt={})
    assert {value for _, value, _ in ratios(without_pelican)} == {"-"}
    assert median([None, 3.0, 1.0, None, 2.0]) == 2.0
    assert median([None]) is None
    assert ratio(1.0, 0.0) == "-"


def test_growth_compares_matinee_at_the_larger_size_with_the_smaller() -> None:
    rows = growth(figures(1000, rebuilt=0.2, cold=5.0), figures(10000, rebuilt=0.25, cold=60.0, memory=150.0))
    assert [value for _, value, _ in rows] == ["1.25x", "12.00x", "2.50x"]
    assert "10,000 / 1,000 posts" in rows[0][0]


def test_tables_are_markdown() -> None:
    assert table(["a", "b"], [["1", "2"]]).splitlines() == ["| a | b |", "| --- | --- |", "| 1 | 2 |"]
