"""urls.py: slugs, permalinks and output paths that cannot leave the output folder."""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matinee.urls import (
    clean_url,
    is_slug,
    output_path,
    permalink,
    slug_from_filename,
    slugify,
    term_url,
)

pytestmark = pytest.mark.pure  # no build, no disk: part of the inner loop


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        (
            "Mission: Impossible – Dead Reckoning Part One",
            "mission-impossible-dead-reckoning-part-one",
        ),
        ("Amélie", "amelie"),
        ("Dune: Part Two", "dune-part-two"),
        ("2001: A Space Odyssey", "2001-a-space-odyssey"),
        ("Sandra Hüller", "sandra-huller"),
        ("Ça commence", "ca-commence"),
        ("Phở & Friends", "pho-friends"),
        ("Don't Look Up", "don-t-look-up"),
        ("  --Furiosa: A Mad Max Saga--  ", "furiosa-a-mad-max-saga"),
        ("snake_case tag", "snake-case-tag"),
        ("Ｆｕｌｌ width", "full-width"),
        ("Straße", "straße"),
        ("宮崎駿", "宮崎駿"),
        ("../../etc/passwd", "etc-passwd"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [("ゴジラ-1.0", "ゴジラ-1-0"), ("हिन्दी सिनेमा", "हिन्दी-सिनेमा"), ("Йоко", "йоко")],
)
def test_slugify_keeps_the_marks_that_are_part_of_a_letter_outside_latin(text: str, slug: str) -> None:
    # Only accents on Latin letters come off; ゴ without its mark is a different letter.
    assert slugify(text) == slug


def test_slugify_of_nothing_wordlike_is_empty() -> None:
    assert slugify("!!! ---") == ""


words = st.text(min_size=0, max_size=40)


@given(words)
def test_a_slug_is_one_clean_url_segment(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or is_slug(slug)
    assert "/" not in slug and "." not in slug and "\\" not in slug
    assert slug == slug.lower()
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug


@given(words)
def test_slugify_is_idempotent(text: str) -> None:
    assert slugify(slugify(text)) == slugify(text)


def test_a_mark_with_no_letter_before_it_is_dropped() -> None:
    """Found by the property above: the mark followed a control character, then a hyphen, and
    a second slugify took it off (a mark after ASCII goes, as the accent of é does)."""
    assert slugify("0\x80\U00011a34") == "0"
    assert slugify("नमस्ते") == "नमस्ते"  # marks after their own letters stay


@pytest.mark.parametrize("text", ["dune", "Dune-Part-Two", "1917", "amélie", "ゴジラ"])
def test_is_slug_accepts(text: str) -> None:
    assert is_slug(text)


@pytest.mark.parametrize("text", ["", "a--b", "-a", "a-", "a b", "a_b", "../x", "a/b", ".", "a.b"])
def test_is_slug_refuses(text: str) -> None:
    assert not is_slug(text)


@pytest.mark.parametrize(
    ("stem", "slug"),
    [
        ("2024-03-01-dune-part-two-review", "dune-part-two-review"),
        ("dune-part-two-review", "dune-part-two-review"),
        ("2024-03-01", "2024-03-01"),
        ("1917-review", "1917-review"),
        ("2024-03-01-Amélie", "amelie"),
    ],
)
def test_slug_from_filename_drops_a_leading_date(stem: str, slug: str) -> None:
    assert slug_from_filename(stem) == slug


def test_permalink_default_pattern() -> None:
    published = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert permalink("/{year}/{month}/{slug}/", published, "dune") == "/2024/03/dune/"


def test_permalink_uses_the_date_as_written() -> None:
    published = datetime(2024, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert permalink("/{year}/{month}/{day}/{slug}", published, "dune") == "/2024/03/01/dune/"


def test_permalink_with_only_a_slug() -> None:
    assert permalink("{slug}", datetime(2024, 1, 1, tzinfo=UTC), "dune") == "/dune/"


def test_term_url() -> None:
    assert term_url("films", "dune-part-two") == "/films/dune-part-two/"


@pytest.mark.parametrize(
    ("url", "cleaned"),
    [
        ("/", "/"),
        ("", "/"),
        ("/about/", "/about/"),
        ("about", "/about/"),
        ("//old//url", "/old/url/"),
        ("/feed.xml", "/feed.xml"),
        ("/old/page.html", "/old/page.html"),
    ],
)
def test_clean_url_normalises(url: str, cleaned: str) -> None:
    assert clean_url(url) == cleaned


@pytest.mark.parametrize(
    "url",
    [
        "../../x",
        "/a/../../b",
        "/./x",
        "..",
        "c:/x",
        "\\x",
        "/x\x00",
        "https://evil/",
        "/a?b",
        "/a#b",
    ],
)
def test_clean_url_refuses_anything_that_could_leave_the_site(url: str) -> None:
    assert clean_url(url) is None


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/", "index.html"),
        ("/about/", "about/index.html"),
        ("/2024/03/dune/", "2024/03/dune/index.html"),
        ("/feed.xml", "feed.xml"),
        ("/404.html", "404.html"),
        ("/films/amélie/", "films/amélie/index.html"),
    ],
)
def test_output_path_gives_pretty_urls(url: str, path: str) -> None:
    assert output_path(url) == path


@pytest.mark.parametrize("url", ["../../x/", "/a/../../b/", "/x/../../../etc/passwd"])
def test_output_path_refuses_to_leave_the_output_folder(url: str) -> None:
    with pytest.raises(ValueError):
        output_path(url)


@given(st.text(max_size=60))
def test_output_path_never_leaves_the_output_folder(url: str) -> None:
    try:
        path = output_path(url)
    except ValueError:
        return
    normal = posixpath.normpath(path)
    assert not posixpath.isabs(normal)
    assert normal != ".." and not normal.startswith("../")
    assert "\\" not in path and "\x00" not in path
