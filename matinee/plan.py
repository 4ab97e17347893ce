"""What each output is made from: its memo key, and the render that makes its bytes.

An output whose key matches the one in the manifest is not rendered again. A key holds the
base key (code, layouts, config, the parts of the site layouts read through `site`) and what
the page itself can show: its post, its neighbours, its pager, its terms, their images' sizes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import partial
from typing import Any

import jinja2

from . import feeds, films, render, seo
from .layouts import POST_ATTRIBUTES, Usage
from .memo import Digest, Planned, base_key, digest
from .model import ImageInfo, Post, Site, Taxonomy, Term
from .picture import Lookup
from .releases import releases_calendar
from .site import Pager, paginate
from .urls import encode, output_path, slugify

UPCOMING_URL = "/films/upcoming/"
BY_YEAR_URL = "/films/by-year/"
CALENDAR_URL = "/films/releases.ics"
SEARCH_URL = "/search/"
SEARCH_LAYOUT = "search.html"
TERM_SHOWN = frozenset(
    {"taxonomy", "name", "slug", "url", "film", "person", "collection", "count", "reviews"}
)  # in a term page's key
TAXONOMY_SHOWN = frozenset({"name", "title", "url"})


def plan_site(
    site: Site, env: jinja2.Environment, usage: Usage, lookup: Lookup, kept_digest: Digest = digest
) -> tuple[Planned, ...]:
    """Plan every output of `site`: its pages, then its feeds.

    `lookup` gives the images' sizes and variants, which are part of the keys of pages
    showing them; `kept_digest` hashes the keys of the many post and term pages (`serve`
    remembers them: see BuildCache.digest).
    """
    return tuple(planner_for(site, env, usage, lookup, kept_digest, image_marks(site, lookup)).everything())


def planner_for(
    site: Site,
    env: jinja2.Environment,
    usage: Usage,
    lookup: Lookup,
    kept_digest: Digest,
    image_keys: Mapping[str, str],
) -> Planner:
    """The planner of `site`, its base key made from what every output shares."""
    base = base_key(site, usage.digest, usage.site_parts, usage.uses_now, image_keys)
    return Planner(site, env, base, usage, image_keys, lookup, kept_digest)


def image_marks(site: Site, lookup: Lookup) -> dict[str, str]:
    """A digest of the sizes and variants of the images of each post that shows any: a page
    showing them changes with them."""
    return marks(site.posts, lookup)


def marks(posts: Iterable[Post], lookup: Lookup) -> dict[str, str]:
    """image_marks of `posts` alone: a replan renews only the edited posts' marks."""
    return {
        post.source: digest([lookup(src) for src in (post.image or "", *post.images) if src])
        for post in posts
        if post.image or post.images
    }


@dataclass(frozen=True, slots=True)
class Planner:
    """Plans the HTML pages of one build: one method per kind of page.

    `base` is the part of every key shared by all outputs; `usage` says which of the posts
    they list a layout may show, which is part of its pages' keys; `image_keys` maps a post's
    source to the digest of its images' sizes (image_marks).
    """

    site: Site
    env: jinja2.Environment
    base: str
    usage: Usage
    image_keys: Mapping[str, str]
    lookup: Lookup = lambda url: None
    kept_digest: Digest = digest

    def everything(self) -> Iterator[Planned]:
        """Plan every output: the pages, then the feeds."""
        yield from self.pages()
        yield from feeds.plan_feeds(self.site, self.base, set(self.env.list_templates()), self.kept_digest)

    def pages(self) -> Iterator[Planned]:
        """Plan every HTML page: posts, aliases, pages, home, taxonomies, terms, films, archive, 404, search."""
        for index in range(len(self.site.posts)):
            yield from self.post(index)
        for page in self.site.pages:
            meta = partial(seo.plain_meta, self.site, page.title, page.summary, page.url)
            context = {"page": page, "meta": meta}
            yield self._page(digest(self.base, page.fingerprint), page.url, page.layout, page.source, context)
        yield from self.home()
        for taxonomy in self.site.taxonomies:
            yield from self.taxonomy(taxonomy)
        yield from self.listings()
        yield self.archive()
        yield self._plain("404", "/404.html", "404.html", "Not found", "")
        if SEARCH_LAYOUT in self.env.list_templates():  # sites whose layouts predate search build without it
            description = f"Search every story on {self.site.config.title}."
            yield self._plain("search", SEARCH_URL, SEARCH_LAYOUT, "Search", description)

    def post(self, index: int) -> Iterator[Planned]:
        """Plan the post at `index` (newest first) and the redirects from its aliases."""
        site, posts = self.site, self.site.posts
        post = posts[index]
        newer = posts[index - 1] if index else None
        older = posts[index + 1] if index + 1 < len(posts) else None
        related = site.related.get(post.source, ())
        film_fingerprints = tuple(film.fingerprint for name in post.films if (film := site.films.get(slugify(name))))
        # The layout may show anything of the posts beside it and related to it: all of each counts.
        beside = (newer, older, *related)
        neighbours = (
            tuple(other and other.fingerprint for other in beside),
            self._shown_images(beside, post.layout),
        )
        key = self.kept_digest(
            self.base, post.fingerprint, film_fingerprints, *neighbours, self.image_keys.get(post.source)
        )
        context: dict[str, Any] = {
            "page": post,
            "newer": newer,
            "older": older,
            "related": related,
            "meta": partial(seo.post_meta, site, post),
        }
        yield self._page(key, post.url, post.layout, post.source, context)
        for alias in post.aliases:
            yield self._alias(alias, post)

    def home(self, only: Set[int] | None = None) -> Iterator[Planned]:
        """Plan the home page and the older pages of the index after it (those numbered `only`).

        Page 1 leads with the newest `featured: true` story, wherever it is listed, else the
        newest: its key holds the lead, so featuring a story on page 3 re-renders page 1."""
        config, posts = self.site.config, self.site.posts
        first_lead = next((post for post in posts if post.featured), posts[0] if posts else None)
        for pager in paginate(posts, config.per_page, "/"):
            if only is not None and pager.number not in only:
                continue
            title = config.title if pager.number == 1 else f"{config.title}, page {pager.number}"
            lead = first_lead if pager.number == 1 else None
            context = {
                "page": None,
                "pager": pager,
                "lead": lead,
                "meta": partial(seo.plain_meta, self.site, title, config.description, pager.url),
            }
            shown = self._shown_images((*pager.posts, lead), "index.html")
            key = self.kept_digest(self.base, _pager_key(pager), lead and lead.fingerprint, shown)
            yield self._page(key, pager.url, "index.html", None, context)

    def archive(self) -> Planned:
        """Plan the archive: every post by month."""
        site, posts = self.site, self.site.posts
        key = digest(
            self.base,
            listed(posts, {"url", "date"} | self.usage.mentioned("archive.html")),
            self._shown_images(posts, "archive.html"),
        )
        meta = partial(seo.plain_meta, site, "Archive", f"Every story on {site.config.title}, by month.", "/archive/")
        return self._page(key, "/archive/", "archive.html", None, {"page": None, "archive": site.archive, "meta": meta})

    def taxonomy(
        self, taxonomy: Taxonomy, only: Set[tuple[str, str]] | None = None, edited: Set[str] = frozenset()
    ) -> Iterator[Planned]:
        """Plan a taxonomy's index and term pages; for films also upcoming, by year and the calendar.

        With `only` (taxonomy, slug), of the term pages only those that can show an `edited`
        post (sources) of those terms, unless each term page shows every term (replan.replan)."""
        listing = [(term.url, term.name, len(term.posts), self._film_key(term)) for term in taxonomy.terms]
        index_key = digest(self.base, listing, self._term_posts(taxonomy.terms, "terms.html"))
        description = f"All {taxonomy.title.lower()} on {self.site.config.title}."
        meta = partial(seo.plain_meta, self.site, taxonomy.title, description, taxonomy.url)
        context = {"page": taxonomy, "taxonomy": taxonomy, "meta": meta}
        yield self._page(index_key, taxonomy.url, "terms.html", None, context)
        shown = self.usage.mentioned("term.html")
        # A term page's key holds its own page of posts, unless its layout reads more of the term
        # (term.posts[0] on every page) or of the other terms (taxonomy.terms).
        every_post = _reads_beyond(shown, ("term", "page"), TERM_SHOWN)
        other_terms = _reads_beyond(shown, ("taxonomy",), TAXONOMY_SHOWN)
        siblings = digest(listing, self._term_posts(taxonomy.terms, "term.html")) if other_terms else None
        for term in taxonomy.terms:
            if only is not None and siblings is None and (taxonomy.name, term.slug) not in only:
                continue
            pages = None if only is None or siblings is not None else (edited, every_post)
            yield from self.term(
                taxonomy, term, every_post=every_post, siblings=siblings, reviews="reviews" in shown, pages=pages
            )
        if taxonomy.name == "films":
            yield self.upcoming(taxonomy)
            yield self.by_year(taxonomy)
            yield self.calendar()

    def term(
        self,
        taxonomy: Taxonomy,
        term: Term,
        *,
        every_post: bool,
        siblings: str | None,
        reviews: bool = True,
        pages: tuple[Set[str], bool] | None = None,
    ) -> Iterator[Planned]:
        """Plan the pages of one term; `every_post`: its layout may show any of the term's
        posts on every page; `siblings`: the digest of the other terms, if it shows them;
        `reviews`: whether it may show the term's reviews; `pages`: (edited sources, whether
        every page shows them all): only the pages that can show an edited post."""
        numbers = None
        if pages is not None and not pages[1] and not any(post.source in pages[0] for post in term.reviews):
            per_page = self.site.config.per_page
            numbers = {place // per_page + 1 for place, post in enumerate(term.posts) if post.source in pages[0]}
        credits = self.site.credits.get(term.slug, ()) if taxonomy.name == "people" else ()
        term_key = (
            term.url,
            term.name,
            len(term.posts),
            self._film_key(term),
            term.person and (term.person.fingerprint, term.person.photo and self.lookup(term.person.photo)),
            term.collection and [film.fingerprint for film in term.collection.films],
            tuple((credit.fingerprint, role) for credit, role in credits),
            # A film page shows its reviews on every page: each of them is part of every key.
            tuple((post.fingerprint, self.image_keys.get(post.source)) for post in term.reviews) if reviews else None,
            digest([post.fingerprint for post in term.posts]) if every_post else None,
            siblings,
        )
        meta = partial(seo.term_meta, self.site, term, taxonomy.title)
        for pager in paginate(term.posts, self.site.config.per_page, term.url):
            if numbers is not None and pager.number not in numbers:
                continue
            shown_images = self._shown_images(pager.posts, "term.html")
            key = self.kept_digest(self.base, term_key, _pager_key(pager), shown_images)
            context = {
                "page": term,
                "term": term,
                "taxonomy": taxonomy,
                "pager": pager,
                "credits": credits,
                "meta": meta,
            }
            yield self._page(key, pager.url, "term.html", None, context)

    def upcoming(self, taxonomy: Taxonomy) -> Planned:
        """Plan the page of films opening soon."""
        today = self.site.built_at.date()
        coming = films.upcoming(taxonomy, today)
        listed = [
            (term.url, term.name, release, self._film_key(term), term.posts[:1] and term.posts[0].fingerprint)
            for term, release in coming
        ]
        key = digest(self.base, today, listed, self._term_posts((term for term, _ in coming), "upcoming.html"))
        description = f"Films opening soon, with the latest from {self.site.config.title}."
        meta = partial(seo.plain_meta, self.site, "Upcoming films", description, UPCOMING_URL)
        context = {"page": None, "upcoming": coming, "today": today, "taxonomy": taxonomy, "meta": meta}
        return self._page(key, UPCOMING_URL, "upcoming.html", None, context)

    def by_year(self, taxonomy: Taxonomy) -> Planned:
        """Plan the page of films by year of release."""
        years = films.by_year(taxonomy)
        listed = [
            (year, [(term.url, term.name, len(term.posts), self._film_key(term)) for term in terms])
            for year, terms in years
        ]
        key = digest(
            self.base, listed, self._term_posts((term for _, terms in years for term in terms), "film-years.html")
        )
        description = f"Films on {self.site.config.title}, by year of release."
        meta = partial(seo.plain_meta, self.site, "Films by year", description, BY_YEAR_URL)
        context = {"page": None, "years": years, "taxonomy": taxonomy, "meta": meta}
        return self._page(key, BY_YEAR_URL, "film-years.html", None, context)

    def calendar(self) -> Planned:
        """Plan the releases calendar (.ics): every film, and the latest post's fingerprint."""
        site = self.site
        key = digest(
            self.base, [film.fingerprint for film in site.films.values()], site.posts[:1] and site.posts[0].fingerprint
        )
        return Planned(output_path(CALENDAR_URL), key, partial(releases_calendar, site))

    def listings(self, edited: Sequence[Post] | None = None) -> Iterator[Planned]:
        """Plan the feature listings: /reviews/ and /reviews/top/ (reviews.py), /authors/ and each
        author (authors.py), /collections/<slug>/ (series_pages.py); a site whose layouts lack a
        listing's layout builds without it, as with search. With `edited` (posts edited in
        place), only the listings showing one of them: a listing's key holds no other post
        (listings.Listing)."""
        layouts = set(self.env.list_templates())
        sources = None if edited is None else {post.source for post in edited}
        for listing in feeds.listings(self.site, edited):
            if sources is not None and not any(post.source in sources for post in listing.posts):
                continue
            if listing.layout in layouts:
                meta = partial(seo.plain_meta, self.site, listing.title, listing.description, listing.url)
                shown = self._shown_images(listing.posts, listing.layout)
                key = digest(self.base, listing.key, shown, [self.lookup(url) for url in listing.pictures])
                context = {"page": None, "meta": meta, **listing.context}
                yield self._page(key, listing.url, listing.layout, None, context)

    def _plain(self, name: str, url: str, layout: str, title: str, description: str) -> Planned:
        """Plan a page that shows no post (404, search): its key is the base key and its name."""
        meta = partial(seo.plain_meta, self.site, title, description, url)
        return self._page(digest(self.base, name), url, layout, None, {"page": None, "meta": meta})

    def _page(self, key: str, url: str, layout: str, source: str | None, context: dict[str, Any]) -> Planned:
        return Planned(output_path(url), key, partial(render.page, self.env, url, layout, source, context))

    def _alias(self, alias: str, post: Post) -> Planned:
        config = self.site.config
        target, canonical = encode(config.link(post.url)), encode(config.absolute(post.url))
        return Planned(
            output_path(alias), self.kept_digest(target, canonical), partial(render.redirect, target, canonical)
        )

    def _term_posts(self, terms: Iterable[Term], layout: str) -> list[list[tuple[str, str | None]]] | None:
        """All of the posts of `terms` (with their images' sizes), if `layout` may show more of
        them than their count."""
        if "posts" not in self.usage.mentioned(layout):
            return None
        return [[(post.fingerprint, self.image_keys.get(post.source)) for post in term.posts] for term in terms]

    def _film_key(self, term: Term) -> tuple[str, ImageInfo | None] | None:
        """What a page showing a term can show of its film: its metadata, and its poster's sizes."""
        film = term.film
        return (film.fingerprint, self.lookup(film.poster) if film.poster else None) if film else None

    def _shown_images(self, posts: Iterable[Post | None], layout: str) -> tuple[str | None, ...] | None:
        """The image keys of `posts`, if `layout` shows images at all (other than its own post's)."""
        if layout not in self.usage.pictured:
            return None
        return tuple(self.image_keys.get(post.source) if post else None for post in posts)


def _reads_beyond(shown: frozenset[str], variables: tuple[str, ...], attributes: frozenset[str]) -> bool:
    """Whether a layout that mentions `shown` reads more of `variables` than `attributes`."""
    for mention in shown:
        variable, dot, attribute = mention.partition(".")
        if dot and variable in variables and attribute not in attributes:
            return True
    return False


def listed(posts: Sequence[Post], names: Set[str]) -> list[tuple[object, ...]]:
    """What a layout that mentions `names` can show of each of `posts`."""
    shown = sorted(POST_ATTRIBUTES & names)
    return [tuple(getattr(post, name) for name in shown) for post in posts]


def _pager_key(pager: Pager) -> tuple[Hashable, ...]:
    return (pager.number, pager.total, tuple(post.fingerprint for post in pager.posts))
