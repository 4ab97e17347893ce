"""config.py: config.yaml into a frozen, typed Config; unknown or mistyped keys are errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from matinee.config import Config, load_config
from matinee.errors import MatineeError, flatten


def config_from(tmp_path: Path, text: str, **overrides: object) -> Config:
    """Write config.yaml with `text` and load it."""
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    return load_config(tmp_path, **overrides)


def config_error(tmp_path: Path, text: str) -> str:
    """Return the `path:line: message` lines that loading `text` raises."""
    with pytest.raises((MatineeError, ExceptionGroup)) as caught:
        config_from(tmp_path, text)
    return "\n".join(map(str, flatten(caught.value)))


def test_every_mistake_in_the_config_is_reported_at_once(tmp_path: Path) -> None:
    text = 'per_pag: 5\nfeed_size: lots\nbase_url: "not a url"\npermalink: "/{title}/"\nfeed_size: 3\n'
    assert config_error(tmp_path, text).splitlines() == [
        "config.yaml:1: unknown setting 'per_pag'; known settings: author, base_url, deploy, description, "
        "feed_size, image, language, menu, per_page, permalink, rating_scale, related, sort_articles, "
        "taxonomies, title",
        "config.yaml:2: feed_size must be a whole number of 0 or more, not 'lots'",
        "config.yaml:3: base_url 'not a url' must be like https://example.org/",
        "config.yaml:4: permalink names ['title']; it may use {day}, {month}, {slug}, {year}",
        "config.yaml:5: 'feed_size' is given twice (first on line 2)",
    ]


def test_an_empty_config_gives_the_defaults(tmp_path: Path) -> None:
    config = config_from(tmp_path, "")
    assert config.per_page == 10
    assert config.feed_size == 20
    assert config.permalink == "/{year}/{month}/{slug}/"
    assert config.taxonomies == ("tags", "films", "people")
    assert config.drafts is False
    assert config.out_dir == tmp_path / "site"
    assert config.content_dir == tmp_path / "content"
    assert config.layouts_dir == tmp_path / "layouts"


def test_settings_are_read_with_their_types(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        'title: "Reel: News"\nper_page: 5\nfeed_size: 3\nlanguage: fr\ntaxonomies: [tags, films, people, studios]\n',
    )
    assert config.title == "Reel: News"
    assert (config.per_page, config.feed_size, config.language) == (5, 3, "fr")
    assert config.taxonomies == ("tags", "films", "people", "studios")


def test_config_is_frozen(tmp_path: Path) -> None:
    config = config_from(tmp_path, "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.title = "x"  # type: ignore[misc]


def test_an_unknown_setting_is_an_error_at_its_line(tmp_path: Path) -> None:
    message = config_error(tmp_path, 'title: "T"\n\nper_pgae: 5\n')
    assert message.startswith("config.yaml:3: unknown setting 'per_pgae'")


def test_a_mistyped_number_is_an_error_at_its_line(tmp_path: Path) -> None:
    assert config_error(tmp_path, "title: T\nper_page: ten\n").startswith(
        "config.yaml:2: per_page must be a whole number"
    )


def test_per_page_must_be_positive(tmp_path: Path) -> None:
    assert config_error(tmp_path, "per_page: 0\n").startswith("config.yaml:1: per_page must be at least 1")


def test_broken_yaml_in_config_is_an_error_at_its_line(tmp_path: Path) -> None:
    assert config_error(tmp_path, "title: T\ntaxonomies: [tags\n").startswith("config.yaml:2:")


def test_a_missing_config_is_an_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(MatineeError) as caught:
        load_config(tmp_path / "nowhere")
    assert str(caught.value).startswith("config.yaml: not found")


# --- base_url ----------------------------------------------------------------------------


def test_base_url_with_a_path(tmp_path: Path) -> None:
    config = config_from(tmp_path, 'base_url: "https://example.org/blog/"\n')
    assert config.base_path == "/blog/"
    assert config.link("/about/") == "/blog/about/"
    assert config.link("/") == "/blog/"
    assert config.absolute("/feed.xml") == "https://example.org/blog/feed.xml"


def test_base_url_gets_its_trailing_slash(tmp_path: Path) -> None:
    config = config_from(tmp_path, 'base_url: "https://example.org/blog"\n')
    assert config.base_url == "https://example.org/blog/"
    assert config.link("/about/") == "/blog/about/"


def test_a_base_url_at_the_root(tmp_path: Path) -> None:
    config = config_from(tmp_path, 'base_url: "https://example.org"\n')
    assert config.base_path == "/"
    assert config.link("/about/") == "/about/"


@pytest.mark.parametrize("url", ["example.org", "ftp://example.org/", "https://", "/blog/"])
def test_a_base_url_that_is_not_a_web_address_is_an_error(tmp_path: Path, url: str) -> None:
    assert config_error(tmp_path, f'title: T\nbase_url: "{url}"\n').startswith("config.yaml:2: base_url")


# --- overrides ---------------------------------------------------------------------------


def test_overrides_win_over_the_file(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        'base_url: "https://example.org/"\n',
        out_dir=tmp_path / "public",
        drafts=True,
        base_url="https://films.example/news",
    )
    assert config.out_dir == tmp_path / "public"
    assert config.drafts is True
    assert config.base_url == "https://films.example/news/"
    assert config.base_path == "/news/"


def test_none_overrides_are_ignored(tmp_path: Path) -> None:
    config = config_from(tmp_path, "per_page: 4\n", drafts=None, base_url=None)
    assert config.drafts is False
    assert config.per_page == 4


def test_a_bad_base_url_override_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MatineeError):
        config_from(tmp_path, "", base_url="not a url")


# --- permalink and taxonomies -------------------------------------------------------------


def test_a_permalink_pattern_with_every_field(tmp_path: Path) -> None:
    config = config_from(tmp_path, 'permalink: "/news/{year}/{month}/{day}/{slug}/"\n')
    assert config.permalink == "/news/{year}/{month}/{day}/{slug}/"


def test_a_permalink_without_slug_is_an_error(tmp_path: Path) -> None:
    assert config_error(tmp_path, 'title: T\npermalink: "/{year}/"\n') == (
        "config.yaml:2: permalink must contain {slug}"
    )


@pytest.mark.parametrize("pattern", ["/{category}/{slug}/", "/{title}/{slug}/", "/{}/{slug}/"])
def test_a_permalink_naming_an_unknown_field_is_an_error(tmp_path: Path, pattern: str) -> None:
    assert config_error(tmp_path, f'permalink: "{pattern}"\n').startswith("config.yaml:1: permalink names")


@pytest.mark.parametrize("pattern", ["/../../{slug}/", "/a/./{slug}/", "/c:/{slug}/", "/{slug", "/{year:x}/{slug}/"])
def test_a_permalink_that_could_leave_the_site_or_cannot_be_filled_is_an_error(tmp_path: Path, pattern: str) -> None:
    assert config_error(tmp_path, f'permalink: "{pattern}"\n').startswith("config.yaml:1: permalink")


def test_a_taxonomy_must_be_a_plain_name(tmp_path: Path) -> None:
    assert config_error(tmp_path, 'taxonomies: [tags, "film studios"]\n').startswith(
        "config.yaml:1: taxonomy 'film studios'"
    )


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        ("[tags, tags]", "config.yaml:1: taxonomy 'tags' is listed twice"),
        ("[tags, archive]", "config.yaml:1: taxonomy 'archive' would take /archive/"),
        ("[search]", "config.yaml:1: taxonomy 'search' would take /search/"),
    ],
)
def test_a_taxonomy_may_not_clash_with_another_or_with_matinee_s_pages(
    tmp_path: Path, listed: str, message: str
) -> None:
    assert config_error(tmp_path, f"taxonomies: {listed}\n").startswith(message)


def test_one_taxonomy_given_as_a_string(tmp_path: Path) -> None:
    assert config_from(tmp_path, "taxonomies: tags\n").taxonomies == ("tags",)
