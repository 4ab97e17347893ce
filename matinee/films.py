"""Film metadata: read content/films/<slug>.md, and the film views a news desk needs. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from pathlib import PurePosixPath

from .errors import MatineeError
from .fields import Reader, parse_day
from .frontmatter import FrontMatter
from .model import Film, Release, Taxonomy, Term, pack_html
from .urls import is_safe_url, is_slug, slugify

FILM_KEYS = frozenset(
    {
        "title",
        "original_title",
        "year",
        "release_date",
        "director",
        "cast",
        "runtime",
        "genres",
        "poster",
        "trailer",
        "imdb",
        "wikidata",
        "collection",
    }
)
_IMDB = re.compile(r"tt\d{6,10}")
_WIKIDATA = re.compile(r"Q\d+")


def parse_film(source_rel: str, fingerprint: str, front: FrontMatter, body_html: str) -> Film:
    """Return the Film a content/films/<slug>.md file describes; each bad field is a path:line error."""
    reader = Reader(source_rel, front.fields, front.problems)
    slug = PurePosixPath(source_rel).stem
    if not is_slug(slug) or slugify(slug) != slug:
        reader.note(
            MatineeError(source_rel, None, f"film file name must be a slug like {slugify(slug) or 'the-film'}.md")
        )
    read = reader.each(
        {
            "title": partial(reader.text, "title", required=True),
            "original_title": partial(reader.text, "original_title"),
            "year": partial(reader.number, "year"),
            "releases": partial(_releases, reader),
            "director": partial(reader.texts, "director"),
            "cast": partial(reader.texts, "cast"),
            "runtime": partial(_runtime, reader),
            "genres": partial(reader.texts, "genres"),
            "poster": partial(reader.url, "poster"),
            "trailer": partial(_web_url, reader, "trailer"),
            "imdb": partial(_identifier, reader, "imdb", _IMDB, "tt0062622"),
            "wikidata": partial(_identifier, reader, "wikidata", _WIKIDATA, "Q103474"),
            "collection": partial(_collection, reader),
        }
    )
    reader.raise_errors()
    return Film(
        source=source_rel,
        slug=slug,
        body=pack_html(body_html),
        fingerprint=fingerprint,
        extra={key: reader.raw(key) for key in sorted(set(front.fields) - FILM_KEYS)},
        lines={key: field.line for key, field in front.fields.items()},
        **read,
    )


def _collection(reader: Reader) -> str | None:
    name = reader.text("collection")
    if name is not None and not slugify(name):
        raise reader.fail("collection", f"collection {name!r} needs a letter or digit to make its URL from")
    return name


def _runtime(reader: Reader) -> int | None:
    runtime = reader.number("runtime")
    if runtime is not None and not 1 <= runtime <= 1000:
        raise reader.fail("runtime", f"runtime {runtime} is not a length in minutes")
    return runtime


def _releases(reader: Reader) -> tuple[Release, ...]:
    """One date (`release_date: 2024-03-01`) or one per region (`release_date: {US: ..., UK: ...}`)."""
    value = reader.raw("release_date")
    if value is None or isinstance(value, str):
        day = reader.day("release_date")
        return (Release("", day),) if day else ()
    if not isinstance(value, dict):
        raise reader.fail("release_date", "release_date must be a date, or regions with dates like {US: 2024-03-01}")
    releases = []
    for region, text in value.items():
        day = parse_day(text) if isinstance(text, str) else None
        if day is None or not region.strip():
            raise reader.fail("release_date", f"release_date for {region!r} must be a date like 2024-03-01")
        reader.check_year("release_date", day, f"release_date for {region!r}")
        releases.append(Release(region.strip(), day))
    return tuple(sorted(releases, key=lambda release: (release.day, release.region)))


def _web_url(reader: Reader, key: str) -> str | None:
    url = reader.text(key)
    if url is not None and not (is_safe_url(url) and re.match(r"https?://", url, re.IGNORECASE)):
        raise reader.fail(key, f"{key} must be a web address starting with https://")
    return url


def _identifier(reader: Reader, key: str, pattern: re.Pattern[str], example: str) -> str | None:
    value = reader.text(key)
    if value is not None and not pattern.fullmatch(value):
        raise reader.fail(key, f"{key} {value!r} does not look like an id such as {example}")
    return value


def upcoming(films: Taxonomy, today: date) -> tuple[tuple[Term, Release], ...]:
    """Return film terms with a release after `today`, soonest first, with that release."""
    found = []
    for term in films.terms:
        if term.film:
            next_release = next((release for release in term.film.releases if release.day > today), None)
            if next_release:
                found.append((term, next_release))
    return tuple(sorted(found, key=lambda pair: (pair[1].day, pair[0].name.casefold())))


def by_year(films: Taxonomy) -> tuple[tuple[int, tuple[Term, ...]], ...]:
    """Return film terms with a known year, grouped by year, newest year first."""
    years: dict[int, list[Term]] = {}
    for term in films.terms:
        year = term.film.year if term.film and term.film.year else None
        if year:
            years.setdefault(year, []).append(term)
    return tuple((year, tuple(terms)) for year, terms in sorted(years.items(), reverse=True))


def credits(films: Sequence[Film]) -> dict[str, tuple[tuple[Film, str], ...]]:
    """Return person slug -> (film, role) from film metadata, newest film first."""
    found: dict[str, list[tuple[Film, str]]] = {}
    for film in films:
        for role, names in (("Director", film.director), ("Cast", film.cast)):
            for name in names:
                found.setdefault(slugify(name), []).append((film, role))
    return {slug: tuple(sorted(pairs, key=lambda pair: -(pair[0].year or 0))) for slug, pairs in found.items()}


def next_change(films: Sequence[Film], now: datetime) -> date | None:
    """Return the next day on which a release date passes (upcoming lists change then)."""
    days = [release.day for film in films for release in film.releases if release.day > now.date()]
    return min(days, default=None)
