"""Film collections' pages: /collections/<slug>/ lists its films with posters and latest story. Pure."""

from __future__ import annotations

from collections.abc import Iterator

from .listings import Listing
from .memo import digest
from .model import Collection, Site, Term


def film_terms(site: Site, collection: Collection) -> tuple[Term, ...]:
    """The film terms of a collection, in its order (each with its posts, newest first)."""
    films = next((taxonomy for taxonomy in site.taxonomies if taxonomy.name == "films"), None)
    by_slug = {term.slug: term for term in films.terms} if films else {}
    return tuple(by_slug[film.slug] for film in collection.films if film.slug in by_slug)


def listings(site: Site) -> Iterator[Listing]:
    """/collections/<slug>/ for each collection: its films with posters and latest story."""
    for collection in site.collections:
        terms = film_terms(site, collection)
        latest = tuple(term.posts[0] for term in terms if term.posts)
        key = digest(
            collection.url,
            [
                (term.url, term.name, term.film and term.film.fingerprint, term.posts[:1] and term.posts[0].fingerprint)
                for term in terms
            ],
        )
        about = f"The {collection.name} films on {site.config.title}, in release order."
        context = {"collection": collection, "terms": terms}
        posters = tuple(film.poster for film in collection.films if film.poster)
        yield Listing(collection.url, "collection.html", collection.name, about, key, latest, context, posters)
