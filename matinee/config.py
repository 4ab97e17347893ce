"""Read config.yaml into a frozen, typed Config; unknown or mistyped keys are errors."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import MatineeError
from .fields import Reader
from .frontmatter import decode, parse_mapping
from .urls import is_safe_url

CONFIG_FILE = "config.yaml"
CACHE_FOLDER = ".matinee-cache"  # in the source folder; safe to delete
DEPLOY_TARGETS = ("rsync", "git", "command")


@dataclass(frozen=True, slots=True)
class Deploy:
    """Where `deploy` publishes the built site."""

    target: str | None = None
    destination: str | None = None
    repository: str | None = None
    branch: str = "gh-pages"
    command: str | None = None


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One link of the site's menu: a site URL ('/films/') or a web address."""

    title: str
    url: str


DEFAULT_MENU = (
    MenuItem("Films", "/films/"),
    MenuItem("Coming soon", "/films/upcoming/"),
    MenuItem("People", "/people/"),
    MenuItem("Tags", "/tags/"),
    MenuItem("Archive", "/archive/"),
    MenuItem("Search", "/search/"),
)
SORT_ARTICLES = ("The", "A", "An")


@dataclass(frozen=True, slots=True)
class Config:
    """The site's settings plus the folders of this build."""

    source: Path
    out_dir: Path
    title: str = "The Matinee Dispatch"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    author: str = ""
    language: str = "en"
    per_page: int = 10
    feed_size: int = 20
    permalink: str = "/{year}/{month}/{slug}/"
    taxonomies: tuple[str, ...] = ("tags", "films", "people")
    image: str | None = None
    related: tuple[tuple[str, int], ...] = (("films", 4), ("people", 2), ("tags", 1))  # taxonomy weights
    drafts: bool = False
    rating_scale: int = 5  # reviews' ratings are out of 5, 10 or 100
    deploy: Deploy = field(default_factory=Deploy)
    menu: tuple[MenuItem, ...] | None = None  # None: DEFAULT_MENU, then the site's pages
    sort_articles: tuple[str, ...] = SORT_ARTICLES  # leading words film indexes sort without

    @property
    def menu_items(self) -> tuple[MenuItem, ...]:
        """The menu's links: config.yaml's `menu:`, else Matinee's sections."""
        return DEFAULT_MENU if self.menu is None else self.menu

    @property
    def content_dir(self) -> Path:
        """Where posts, pages and film files live."""
        return self.source / "content"

    @property
    def layouts_dir(self) -> Path:
        """Where the Jinja layouts and theme assets live."""
        return self.source / "layouts"

    @property
    def cache_dir(self) -> Path:
        """Where the build cache lives (safe to delete)."""
        return self.source / CACHE_FOLDER

    @property
    def base_path(self) -> str:
        """The path part of base_url, e.g. '/blog/' for https://example.org/blog/."""
        return urlsplit(self.base_url).path or "/"

    def link(self, url: str) -> str:
        """Return a site URL ('/about/') as a link that honours the base path."""
        return self.base_path + url.lstrip("/")

    def absolute(self, url: str) -> str:
        """Return a site URL ('/about/') as an absolute URL, for feeds and social tags."""
        return self.base_url + url.lstrip("/")


_TEXT_KEYS = ("title", "description", "author", "language", "permalink", "image")
_NUMBER_KEYS = ("per_page", "feed_size")
RESERVED_PATHS = ("archive", "search", "page", "assets")  # top-level folders of every site
PERMALINK_FIELDS = frozenset({"year", "month", "day", "slug"})
RATING_SCALES = (5, 10, 100)
_KNOWN = {
    *_TEXT_KEYS,
    *_NUMBER_KEYS,
    "base_url",
    "taxonomies",
    "deploy",
    "related",
    "menu",
    "sort_articles",
    "rating_scale",
}


def load_config(source: Path, **overrides: Any) -> Config:
    """Read `source`/config.yaml; `overrides` (out_dir, drafts, base_url) win over the file."""
    path = source / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise MatineeError(CONFIG_FILE, None, f"not found in {source}; is --source the site folder?") from None
    except OSError as error:
        raise MatineeError(CONFIG_FILE, None, f"cannot be read: {error.strerror}") from None
    problems: list[MatineeError] = []
    fields = parse_mapping(decode(raw, CONFIG_FILE), CONFIG_FILE, first_line=1, problems=problems)
    values = _read(Reader(CONFIG_FILE, fields, problems))
    config = Config(source=source, out_dir=source / "site", **values)
    settled = {key: value for key, value in overrides.items() if value is not None}
    if "base_url" in settled:
        settled["base_url"] = _check_base_url(settled["base_url"], None)
    return replace(config, **settled)


def _read(reader: Reader) -> dict[str, Any]:
    """Return the settings config.yaml gives, raising every mistake in it together."""
    for key in reader.fields:
        if key not in _KNOWN:
            known = ", ".join(sorted(_KNOWN))
            reader.note(reader.fail(key, f"unknown setting {key!r}; known settings: {known}"))
    readers: dict[str, Callable[[], Any]] = {
        **{key: partial(reader.text, key) for key in _TEXT_KEYS},
        "image": partial(reader.url, "image"),
        **{key: partial(_at_least_one, reader, key) for key in _NUMBER_KEYS},
        "base_url": partial(_base_url, reader),
        "taxonomies": partial(_taxonomies, reader),
        "related": partial(_related, reader),
        "deploy": partial(_deploy, reader),
        "menu": partial(_menu, reader),
        "sort_articles": partial(reader.texts, "sort_articles"),
        "rating_scale": partial(_rating_scale, reader),
    }
    read = reader.each({key: readers[key] for key in reader.fields if key in readers})  # the rest keep defaults
    if read.get("permalink") is not None:
        reader.each({"permalink": partial(_check_permalink, reader, read["permalink"])})
    reader.raise_errors()
    return read


def _at_least_one(reader: Reader, key: str) -> int | None:
    number = reader.number(key)
    if number is not None and number < 1:
        raise reader.fail(key, f"{key} must be at least 1")
    return number


def _rating_scale(reader: Reader) -> int | None:
    scale = reader.number("rating_scale")
    if scale is not None and scale not in RATING_SCALES:
        raise reader.fail("rating_scale", f"rating_scale must be 5, 10 or 100, not {scale}")
    return scale


def _base_url(reader: Reader) -> str | None:
    base_url = reader.text("base_url")
    return None if base_url is None else _check_base_url(base_url, reader.line("base_url"))


def _check_permalink(reader: Reader, pattern: str) -> None:
    """Refuse a pattern that names an unknown field or makes a URL that could leave the site."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as error:
        raise reader.fail("permalink", f"permalink {pattern!r} is not a pattern: {error}") from None
    if unknown := names - PERMALINK_FIELDS:
        known = ", ".join("{" + name + "}" for name in sorted(PERMALINK_FIELDS))
        raise reader.fail("permalink", f"permalink names {sorted(unknown)}; it may use {known}")
    if "slug" not in names:
        raise reader.fail("permalink", "permalink must contain {slug}")
    try:
        segments = pattern.format(year="2024", month="03", day="01", slug="x").split("/")
    except ValueError as error:  # a format spec such as {year:x}
        message = f"permalink {pattern!r} is not a pattern: {error}"
        raise reader.fail("permalink", message) from None
    if any(mark in pattern for mark in "\\:?#") or {".", ".."} & set(segments):
        message = f"permalink {pattern!r} must be a plain path like /{{year}}/{{slug}}/"
        raise reader.fail("permalink", message)


def _check_base_url(url: str, line: int | None) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not is_safe_url(url):
        raise MatineeError(CONFIG_FILE, line, f"base_url {url!r} must be like https://example.org/")
    return url if url.endswith("/") else url + "/"


def _taxonomies(reader: Reader) -> tuple[str, ...]:
    names = reader.texts("taxonomies")
    for number, name in enumerate(names):
        if not name.isidentifier():
            raise reader.fail("taxonomies", f"taxonomy {name!r} must be a plain lowercase name")
        if name in names[:number]:
            raise reader.fail("taxonomies", f"taxonomy {name!r} is listed twice")
        if name in RESERVED_PATHS:
            raise reader.fail(
                "taxonomies", f"taxonomy {name!r} would take /{name}/, where Matinee puts its {name} pages"
            )
    return names


def _related(reader: Reader) -> tuple[tuple[str, int], ...]:
    weights = reader.raw("related")
    if not isinstance(weights, dict) or not all(
        isinstance(value, str) and value.isdigit() for value in weights.values()
    ):
        raise reader.fail(
            "related", "related must map taxonomies to whole-number weights, like {films: 4, people: 2, tags: 1}"
        )
    return tuple((name, int(str(value))) for name, value in weights.items())


def _deploy(reader: Reader) -> Deploy:
    settings = reader.raw("deploy")
    line = reader.line("deploy")
    if not isinstance(settings, dict):
        raise reader.fail("deploy", "deploy must be a mapping with a 'target' key")
    allowed = {"target", "destination", "repository", "branch", "command"}
    for key, value in settings.items():
        if key not in allowed:
            raise MatineeError(CONFIG_FILE, line, f"unknown deploy setting {key!r}")
        if not isinstance(value, str):
            raise MatineeError(CONFIG_FILE, line, f"deploy {key} must be text")
    if settings.get("target") not in DEPLOY_TARGETS:
        raise MatineeError(CONFIG_FILE, line, f"deploy target must be one of {', '.join(DEPLOY_TARGETS)}")
    return Deploy(**{key: str(value) for key, value in settings.items()})


def _menu(reader: Reader) -> tuple[MenuItem, ...]:
    """Read `menu:`, a list of {title, url}; a url is a site path ('/films/') or an http(s) address."""
    items = reader.raw("menu")
    hint = "menu must be a list of {title: ..., url: ...}, like [{title: Films, url: /films/}]"
    if not isinstance(items, list):
        raise reader.fail("menu", hint)
    menu = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"title", "url"}:
            raise reader.fail("menu", hint)
        title, url = item["title"], item["url"]
        if not isinstance(title, str) or not title.strip() or not isinstance(url, str):
            raise reader.fail("menu", hint)
        local = url.startswith("/") and not url.startswith("//")
        if not local and not (urlsplit(url).scheme in ("http", "https") and is_safe_url(url)):
            raise reader.fail("menu", f"menu url {url!r} must be a site path like /films/ or an https:// address")
        menu.append(MenuItem(title.strip(), url))
    return tuple(menu)
