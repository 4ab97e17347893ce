"""Film collections (`collection:` in film files): the series, and their pages. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from .model import Collection, Film, Taxonomy
from .urls import slugify

COLLECTIONS_URL = "/collections/"


def collections(films: Iterable[Film]) -> tuple[Collection, ...]:
    """Return every collection the film files name, its films in release order, by name."""
    found: dict[str, list[Film]] = {}
    names: dict[str, str] = {}
    for film in films:
        if film.collection:
            slug = slugify(film.collection)
            found.setdefault(slug, []).append(film)
            names.setdefault(slug, film.collection)
    made = [
        Collection(names[slug], slug, f"{COLLECTIONS_URL}{slug}/", tuple(sorted(members, key=_release_order)))
        for slug, members in found.items()
    ]
    return tuple(sorted(made, key=lambda collection: (collection.name.casefold(), collection.slug)))


def _release_order(film: Film) -> tuple[date, str]:
    day = film.release_date or (date(film.year, 1, 1) if film.year else date.max)
    return (day, film.slug)


def with_collections(taxonomy: Taxonomy, found: Sequence[Collection]) -> Taxonomy:
    """The films taxonomy with each film's term knowing its collection."""
    by_film = {film.slug: collection for collection in found for film in collection.films}
    if taxonomy.name != "films" or not by_film:
        return taxonomy
    terms = tuple(
        replace(term, collection=by_film.get(term.slug)) if term.slug in by_film else term for term in taxonomy.terms
    )
    return replace(taxonomy, terms=terms)
