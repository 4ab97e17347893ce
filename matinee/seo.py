"""What search engines and social previews read: page meta and schema.org JSON-LD. Pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .config import Config
from .memo import digest
from .model import Film, Person, Post, Site, Term
from .urls import encode, slugify, term_url
from .words import plural

SCHEMA = "https://schema.org"
CARD_VERSION = "share card 2"  # part of each card's name: drawing them anew renames them all
CARD_FOLDER = "/assets/share/"


@dataclass(frozen=True, slots=True)
class PageMeta:
    """The head of one page: title, description, share image, and its structured data."""

    title: str
    description: str
    image: str | None  # absolute URL
    kind: str  # Open Graph type: "article" or "website"
    structured_data: Markup


def absolute(config: Config, url: str | None) -> str | None:
    """Return a site URL or an absolute URL as an absolute URL (None stays None)."""
    if not url:
        return None
    return url if "://" in url else encode(config.absolute(url))


def post_meta(site: Site, post: Post) -> PageMeta:
    """Return the head of a post page, with NewsArticle and BreadcrumbList data."""
    config = site.config
    image = absolute(config, post_picture(site, post) or card_url(config, post.title))
    article: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "headline": post.title,
        "description": post.summary,
        "datePublished": post.date.isoformat(),
        "dateModified": post.modified.isoformat(),
        "mainEntityOfPage": absolute(config, post.url),
        "url": absolute(config, post.url),
        "author": bylines(site, post),
        "publisher": _publisher(config),
        "keywords": list(post.tags),
    }
    if image:
        photo: dict[str, Any] = {"@type": "ImageObject", "url": image}
        if post.caption:
            photo["caption"] = post.caption
        if post.image_credit:
            photo["creditText"] = post.image_credit
        article["image"] = photo
    if post.films:
        article["about"] = [_movie_stub(config, site, name) for name in post.films]
    if post.people:
        article["mentions"] = [
            {"@type": "Person", "name": name, "url": absolute(config, term_url("people", slugify(name)))}
            for name in post.people
        ]
    trail = [("Home", "/"), (post.title, post.url)]
    data = [article, breadcrumbs(config, trail)]
    if post.review_of and post.rating is not None:
        data.insert(1, review(site, post, post.review_of, post.rating))
    return PageMeta(post.title, post.summary, image, "article", script(data))


def review(site: Site, post: Post, film_name: str, rating: float) -> dict[str, Any]:
    """Return schema.org Review data for a review: the film (from its file when there is
    one), the rating on the site's scale, its writer and the publisher (what search engines
    show for a critic review)."""
    config = site.config
    slug = slugify(film_name)
    film = site.films.get(slug)
    url = term_url("films", slug)
    item = movie(config, film, url) if film else {"@type": "Movie", "name": film_name, "url": absolute(config, url)}
    item.pop("@context", None)
    return {
        "@context": SCHEMA,
        "@type": "Review",
        "name": post.title,
        "url": absolute(config, post.url),
        "description": post.summary,
        "datePublished": post.date.isoformat(),
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": int(rating) if rating.is_integer() else rating,
            "bestRating": config.rating_scale,
            "worstRating": 0,
        },
        "author": bylines(site, post),
        "publisher": _publisher(config),
    }


def term_meta(site: Site, term: Term, taxonomy_title: str) -> PageMeta:
    """Return the head of a tag, film or person page, with Movie or Person data where apt."""
    config = site.config
    trail = [("Home", "/"), (taxonomy_title, f"/{term.taxonomy}/"), (term.name, term.url)]
    data: list[dict[str, Any]] = [breadcrumbs(config, trail)]
    description = (
        f"{plural(len(term.posts), 'story', 'stories')} about {term.name} on {config.title}."
        if term.posts
        else f"{term.name} on {config.title}: the films they are credited in."
    )
    # A card per term would cost a drawing per tag, film and person (thousands on a big site): the site's own.
    image = absolute(config, term_picture(site, term) or config.image or card_url(config, config.title))
    if term.film:
        data.insert(0, movie(config, term.film, term.url))
        description = _film_description(term.film) or description
    elif term.taxonomy == "people":
        person: dict[str, Any] = {
            "@context": SCHEMA,
            "@type": "Person",
            "name": term.name,
            "url": absolute(config, term.url),
        }
        if term.person:
            _describe_person(config, person, term.person)
            image = absolute(config, term.person.photo) or image
        films = site.credits.get(term.slug, ())
        if films:
            person["performerIn" if any(role == "Cast" for _, role in films) else "subjectOf"] = [
                {"@type": "Movie", "name": film.title, "url": absolute(config, term_url("films", film.slug))}
                for film, _ in films
            ]
        data.insert(0, person)
    return PageMeta(term.name, description, image, "website", script(data))


def plain_meta(site: Site, title: str, description: str, url: str) -> PageMeta:
    """Return the head of any other page (home, indexes, archive)."""
    config = site.config
    # The home page is the whole trail: a one-item BreadcrumbList says nothing.
    data = [breadcrumbs(config, [("Home", "/"), (title, url)])] if url != "/" else []
    return PageMeta(
        title,
        description or config.description,
        absolute(config, config.image or card_url(config, config.title)),
        "website",
        script(data),
    )


def movie(config: Config, film: Film, url: str) -> dict[str, Any]:
    """Return schema.org Movie data for a film page."""
    data: dict[str, Any] = {"@context": SCHEMA, "@type": "Movie", "name": film.title, "url": absolute(config, url)}
    if film.original_title:
        data["alternateName"] = film.original_title
    if film.release_date:
        data["datePublished"] = film.release_date.isoformat()
    if film.year:
        data["dateCreated"] = str(film.year)
    if film.director:
        data["director"] = [
            {"@type": "Person", "name": name, "url": absolute(config, term_url("people", slugify(name)))}
            for name in film.director
        ]
    if film.cast:
        data["actor"] = [
            {"@type": "Person", "name": name, "url": absolute(config, term_url("people", slugify(name)))}
            for name in film.cast
        ]
    if film.genres:
        data["genre"] = list(film.genres)
    if film.runtime:
        data["duration"] = f"PT{film.runtime // 60}H{film.runtime % 60}M"
    if film.poster:
        data["image"] = absolute(config, film.poster)
    if film.trailer:
        data["trailer"] = {"@type": "VideoObject", "name": f"{film.title} trailer", "embedUrl": film.trailer}
    if film.same_as:
        data["sameAs"] = list(film.same_as)
    return data


def bylines(site: Site, post: Post) -> dict[str, Any] | list[dict[str, Any]]:
    """Return the post's writers as schema.org Persons with their author page and their pages
    elsewhere; the publisher when the post names none."""
    people = []
    for name in post.authors:
        writer = site.writer(name)
        person: dict[str, Any] = {"@type": "Person", "name": writer.name if writer else name}
        if writer:
            person["url"] = absolute(site.config, writer.url)
            if writer.same_as:
                person["sameAs"] = list(writer.same_as)
        people.append(person)
    if not people:
        return _publisher(site.config)
    return people[0] if len(people) == 1 else people


def breadcrumbs(config: Config, trail: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Return a schema.org BreadcrumbList for the trail of (name, site URL)."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": index, "name": name, "item": absolute(config, url)}
            for index, (name, url) in enumerate(trail, start=1)
        ],
    }


def script(data: list[dict[str, Any]]) -> Markup:
    """Return JSON-LD script tags; '<', '>' and '&' are escaped so text cannot end the script."""
    tags = []
    for item in data:
        text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        tags.append(f'<script type="application/ld+json">{text}</script>')
    return Markup("\n".join(tags))


def post_picture(site: Site, post: Post) -> str | None:
    """A post's share picture: its own, else the poster of a film it is about."""
    return post.image or _poster_of(site, post.films)


def term_picture(site: Site, term: Term) -> str | None:
    """A term's share picture: its film's poster, else its newest story's picture or poster."""
    if term.film and term.film.poster:
        return term.film.poster
    return term.newest_picture  # found when modelled: see model.Term


def card_url(config: Config, title: str) -> str:
    """The site URL of the share card drawn for `title` (see share_cards)."""
    return f"{CARD_FOLDER}{digest(config.title, title, CARD_VERSION)[:20]}.jpg"


def share_cards(site: Site) -> dict[str, str]:
    """The share cards the site's pages name, URL -> title: one per post with no picture of
    its own to share, and the site's own for the other pages."""
    config = site.config
    titles = [post.title for post in site.posts if not post_picture(site, post)]
    if not config.image:
        titles.append(config.title)
    return {card_url(config, title): title for title in titles}


def _poster_of(site: Site, films: Sequence[str]) -> str | None:
    """The poster of the first of `films` that has one: a story's share image when it has none."""
    for name in films:
        film = site.films.get(slugify(name))
        if film and film.poster:
            return film.poster
    return None


def _publisher(config: Config) -> dict[str, Any]:
    publisher: dict[str, Any] = {"@type": "Organization", "name": config.title, "url": config.base_url}
    if config.image:
        publisher["logo"] = {"@type": "ImageObject", "url": absolute(config, config.image)}
    return publisher


def _describe_person(config: Config, person: dict[str, Any], filed: Person) -> None:
    """Add what a content/people/ file says to a schema.org Person."""
    if filed.photo:
        person["image"] = absolute(config, filed.photo)
    if filed.born:
        person["birthDate"] = filed.born.isoformat()
    if filed.roles:
        person["jobTitle"] = list(filed.roles)
    if filed.same_as:
        person["sameAs"] = list(filed.same_as)


def _movie_stub(config: Config, site: Site, name: str) -> dict[str, Any]:
    slug = slugify(name)
    film = site.films.get(slug)
    stub: dict[str, Any] = {
        "@type": "Movie",
        "name": film.title if film else name,
        "url": absolute(config, term_url("films", slug)),
    }
    if film and film.release_date:
        stub["datePublished"] = film.release_date.isoformat()
    if film and film.same_as:
        stub["sameAs"] = list(film.same_as)
    return stub


def _film_description(film: Film) -> str:
    facts = [str(film.year) if film.year else "", f"directed by {', '.join(film.director)}" if film.director else ""]
    text = ", ".join(fact for fact in facts if fact)
    return f"{film.title} ({text})" if text else ""
