"""fields.py: typed reading of front matter; every wrong value is a `path:line` error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from matinee.errors import MatineeError
from matinee.fields import Reader, parse_moment
from matinee.frontmatter import split

pytestmark = pytest.mark.pure  # no build, no disk: part of the inner loop

REL = "content/posts/x.md"


def reader(*lines: str) -> Reader:
    """Return a Reader over a front matter made of `lines`."""
    return Reader(REL, split("---\n" + "\n".join(lines) + "\n---\nBody\n", REL).fields)


def failure(call: object, *args: object, **kwargs: object) -> str:
    """Return the `path:line: message` text a Reader call raises."""
    with pytest.raises(MatineeError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(caught.value)


# --- text ------------------------------------------------------------------------------


def test_text_is_stripped() -> None:
    assert reader("title: '  Dune  '").text("title") == "Dune"


def test_a_title_that_looks_like_a_number_or_a_boolean_is_text() -> None:
    assert reader("title: 1917").text("title", required=True) == "1917"
    assert reader("title: No").text("title", required=True) == "No"


def test_a_missing_required_field_is_an_error_on_line_1() -> None:
    message = failure(reader("date: 2024-01-01").text, "title", required=True)
    assert message == f"{REL}:1: front matter has no title; add 'title: ...'"


def test_an_empty_required_field_is_an_error_at_its_line() -> None:
    assert failure(reader("date: 2024-01-01", "title: ''").text, "title", required=True) == (f"{REL}:3: title is empty")


def test_a_list_where_text_belongs_is_an_error_at_its_line() -> None:
    message = failure(reader("date: 2024-01-01", "title: [Dune, Part Two]").text, "title")
    assert message.startswith(f"{REL}:3: title must be text, not a list")


def test_an_absent_optional_field_is_none() -> None:
    assert reader("title: A").text("author") is None


# --- lists -------------------------------------------------------------------------------


def test_one_string_is_taken_as_a_one_item_list() -> None:
    assert reader("tags: festivals").texts("tags") == ("festivals",)


def test_a_flow_list_and_a_block_list_read_the_same() -> None:
    assert reader("tags: [a, b]").texts("tags") == ("a", "b")
    assert reader("tags:", "  - a", "  - b").texts("tags") == ("a", "b")


def test_empty_and_absent_lists_are_empty() -> None:
    assert reader("tags: []").texts("tags") == ()
    assert reader("tags: ''").texts("tags") == ()
    assert reader("title: A").texts("tags") == ()


def test_blank_items_are_dropped() -> None:
    assert reader("tags: [a, '', ' ', b]").texts("tags") == ("a", "b")


def test_films_that_yaml_would_turn_into_numbers_and_booleans_stay_titles() -> None:
    films = reader('films: [1917, Tenet, No, "2001: A Space Odyssey"]').texts("films")
    assert films == ("1917", "Tenet", "No", "2001: A Space Odyssey")


def test_an_unquoted_colon_in_a_flow_list_names_the_item_and_its_line() -> None:
    fields = reader("title: X", "date: 2024-01-01", "films: [1917, No, 2001: A Space Odyssey]")
    assert failure(fields.texts, "films") == (f"{REL}:4: films[2] was read as a mapping; put the title in quotes")


def test_an_unquoted_colon_in_a_block_list_points_at_the_item_line() -> None:
    fields = reader("title: X", "films:", "  - 1917", "  - No", "  - 2001: A Space Odyssey")
    assert failure(fields.texts, "films").startswith(f"{REL}:6: films[2] was read as a mapping")


def test_a_tag_that_is_a_list_is_an_error() -> None:
    message = failure(reader("title: X", "tags: [ok, [nested]]").texts, "tags")
    assert message == f"{REL}:3: tags[1] must be text, not a list"


def test_tags_given_as_a_mapping_is_an_error() -> None:
    message = failure(reader("title: X", "tags: {a: b}").texts, "tags")
    assert message.startswith(f"{REL}:3: tags must be a list")


# --- flags and numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("yes", True),
        ("on", True),
        ("True", True),
        ("false", False),
        ("no", False),
        ("off", False),
    ],
)
def test_flags(raw: str, expected: bool) -> None:
    assert reader(f"draft: {raw}").flag("draft") is expected


def test_an_absent_flag_is_false() -> None:
    assert reader("title: A").flag("draft") is False


def test_a_flag_that_is_not_yes_or_no_is_an_error() -> None:
    assert failure(reader("title: A", "draft: maybe").flag, "draft") == (
        f"{REL}:3: draft must be true or false, not 'maybe'"
    )


def test_numbers() -> None:
    assert reader("year: 2024").number("year") == 2024
    assert reader("year: '1957'").number("year") == 1957
    assert failure(reader("year: 20x4").number, "year").startswith(f"{REL}:2: year must be a whole")


# --- dates -------------------------------------------------------------------------------


def test_a_date_alone_means_midnight_utc() -> None:
    assert reader("date: 2024-03-01").moment("date") == datetime(2024, 3, 1, tzinfo=UTC)


def test_iso_8601_with_a_time_zone() -> None:
    moment = reader("date: 2024-03-01T09:30:00+01:00").moment("date")
    assert moment == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    assert moment is not None and moment.utcoffset() == timedelta(hours=1)


def test_iso_8601_without_a_time_zone_is_utc() -> None:
    assert reader("date: 2024-03-01T09:30").moment("date") == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def test_iso_8601_with_z_and_with_a_space() -> None:
    expected = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert reader("date: 2024-03-01T09:30:00Z").moment("date") == expected
    assert reader("date: '2024-03-01 09:30:00'").moment("date") == expected


def test_a_leap_day_is_a_date() -> None:
    assert reader("date: 2024-02-29").moment("date") == datetime(2024, 2, 29, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["yesterday", "2024/03/01", "1 March 2024", "2024-01-01 junk"])
def test_a_date_that_is_not_a_date_is_an_error_at_its_line(raw: str) -> None:
    fields = reader("title: X", f"date: {raw}")
    assert failure(fields.moment, "date", required=True) == (f"{REL}:3: date '{raw}' is not YYYY-MM-DD or ISO 8601")


@pytest.mark.parametrize("raw", ["2024-13-01", "2023-02-30", "2024-00-10", "2024-03-01T25:00"])
def test_a_date_of_the_right_form_that_does_not_exist_says_so(raw: str) -> None:
    fields = reader("title: X", f"date: {raw}")
    assert failure(fields.moment, "date", required=True) == (
        f"{REL}:3: date '{raw}' is in the right form, but no real date or time"
    )


def test_a_bad_time_is_an_error() -> None:
    assert failure(reader("title: X", "date: 2023-02-30T10:00:00").moment, "date").startswith(
        f"{REL}:3: date '2023-02-30T10:00:00'"
    )


def test_a_missing_date_is_an_error_on_line_1() -> None:
    assert failure(reader("title: X").moment, "date", required=True) == (
        f"{REL}:1: front matter has no date; add 'date: ...'"
    )


def test_a_list_for_a_date_is_an_error() -> None:
    assert failure(reader("title: X", "date: [2024]").moment, "date").startswith(f"{REL}:3: date ")


def test_calendar_day() -> None:
    assert reader("release_date: 2024-03-01").day("release_date") == date(2024, 3, 1)
    message = failure(reader("release_date: 2024-02-30").day, "release_date")
    assert message.startswith(f"{REL}:2: release_date '2024-02-30' is not a date")


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("0001-01-01T00:30:00+01:00", 1),  # in UTC this is before year 1: datetime overflows
        ("9999-12-31T23:00:00-05:00", 9999),  # in UTC this is after year 9999
        ("9999-12-31", 9999),  # one day later (a calendar's end, a pager's step) overflows
        ("1799-12-31", 1799),
        ("3000-01-01", 3000),
    ],
)
def test_a_date_in_a_year_out_of_range_is_an_error_at_its_line(raw: str, year: int) -> None:
    assert failure(reader("title: X", f"updated: {raw}").moment, "updated") == (
        f"{REL}:3: updated '{raw}' is in the year {year}; dates must be from 1800 to 2999"
    )


def test_the_first_and_last_years_in_range_are_dates() -> None:
    assert reader("date: 1800-01-01").moment("date") == datetime(1800, 1, 1, tzinfo=UTC)
    moment = reader("date: 2999-12-31T23:00:00-05:00").moment("date")
    assert moment == datetime(3000, 1, 1, 4, tzinfo=UTC)


def test_a_calendar_day_out_of_range_is_an_error() -> None:
    assert failure(reader("title: X", "release_date: 9999-12-31").day, "release_date") == (
        f"{REL}:3: release_date '9999-12-31' is in the year 9999; dates must be from 1800 to 2999"
    )
    assert reader("release_date: 1888-10-14").day("release_date") == date(1888, 10, 14)


def test_parse_moment_rejects_nonsense() -> None:
    assert parse_moment("not a date") is None
    assert parse_moment("2024-13-01") is None


def test_raw_returns_unknown_values_as_written() -> None:
    fields = reader("rating: 4", "crew: {dop: Greig Fraser}")
    assert fields.raw("rating") == "4"
    assert fields.raw("crew") == {"dop": "Greig Fraser"}
    assert fields.raw("missing") is None
