"""The site model: frozen data that layouts read. No I/O, no Jinja."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .config import Config
from .urls import slugify


def pack_html(html: str) -> bytes:
    """Return HTML compressed for keeping in memory: a big site holds every post's body.

    Measured on the benchmark corpus: a third of the UTF-8 size, and a sixth of Python's
    text, which takes two bytes a character once one is past U+00FF (a name, a dash).
    """
    return zlib.compress(html.encode("utf-8"), 1)


def unpack_html(packed: bytes) -> str:
    """Return the HTML pack_html packed."""
    return zlib.decompress(packed).decode("utf-8")


@dataclass(frozen=True, slots=True)
class Output:
    """One rendered file of the built site: its path inside the output folder and its bytes."""

    path: str
    key: str  # memo key: equal keys mean equal bytes
    body: bytes | None  # None: unchanged since the previous build, keep that file


@dataclass(frozen=True, slots=True)
class Asset:
    """A file copied as it is, from `path` to `rel_out` inside the output folder; or, when
    `drawn`, made by it in the worker that writes it (a share card: one write, no copy)."""

    path: Path  # for a drawn asset not read: the settings file, as a share card shows the site's name
    source: str  # relative to the source folder, e.g. content/posts/2024/dune/still.jpg
    rel_out: str
    # Its path names what it holds (image variants in the cache, whose folder is a digest of
    # what they are made from): it is known by that name and its size, not its mtime, so the
    # same file restored from a CI cache is not copied again. (A drawn asset is known by its
    # output path alone, a digest of what it shows.)
    named_by_content: bool = False
    drawn: Callable[[], bytes] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Variant:
    """One resized copy of an image: its site URL, its width in pixels and its format."""

    url: str
    width: int
    format: str  # "webp", "jpeg", "png" or "gif", as in the MIME type image/<format>


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """A local image's size and its variants (narrowest first, the original file among them)."""

    width: int
    height: int
    variants: tuple[Variant, ...]


class PackedBody:
    """A post, page or film whose HTML body is kept packed in `body` (see pack_html)."""

    __slots__ = ()
    body: bytes

    @property
    def body_html(self) -> str:
        """The HTML, unpacked (about 30 microseconds for a 1,000-word post)."""
        return unpack_html(self.body)


@dataclass(frozen=True, slots=True)
class Post(PackedBody):
    """One article, parsed and converted, with its final URL."""

    source: str  # path relative to the source folder, e.g. content/posts/2024/dune.md
    title: str
    date: datetime
    slug: str
    url: str  # site-relative, e.g. /2024/03/dune/
    body: bytes  # the HTML, packed (see body_html)
    summary: str  # plain text
    body_line: int
    fingerprint: str  # digest of everything the post is made from
    updated: datetime | None = None
    author: str | None = None
    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # taxonomy -> names
    image: str | None = None
    image_alt: str | None = None
    image_credit: str | None = None
    caption: str | None = None
    correction: str | None = None
    reading_minutes: int = 1
    has_spoilers: bool = False
    featured: bool = False  # `featured: true`: the home page's lead story
    is_draft: bool = False
    layout: str = "post.html"
    aliases: tuple[str, ...] = ()
    links: tuple[str, ...] = ()  # href/src values relative to the source file
    link_lines: Mapping[str, int] = field(default_factory=dict)  # link -> file line
    images: tuple[str, ...] = ()  # the src of every <img> in the body
    authors: tuple[str, ...] = ()  # the writers named in `author:` or `authors:`, else config's author
    rating: float | None = None  # on the site's rating_scale: a post with a rating is a review
    review_of: str | None = None  # the film a review is of, as named in `films`
    extra: Mapping[str, Any] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)  # front matter key -> line

    @property
    def is_review(self) -> bool:
        """Whether the post reviews a film (it has a rating)."""
        return self.rating is not None

    @property
    def score(self) -> str:
        """The rating as written for readers: 4, 3.5 ('' for a post that is no review)."""
        return "" if self.rating is None else f"{self.rating:g}"

    @property
    def modified(self) -> datetime:
        """When the post last changed: `updated`, else its date."""
        return max(self.updated, self.date) if self.updated else self.date

    @property
    def year(self) -> int:
        """The year the post was published."""
        return self.date.year

    @property
    def tags(self) -> tuple[str, ...]:
        """The post's tags."""
        return self.terms.get("tags", ())

    @property
    def films(self) -> tuple[str, ...]:
        """The films the post is about."""
        return self.terms.get("films", ())

    @property
    def people(self) -> tuple[str, ...]:
        """The people the post names."""
        return self.terms.get("people", ())


@dataclass(frozen=True, slots=True)
class Release:
    """A film's release date, in one region ('' when the film has a single date)."""

    region: str
    day: date


@dataclass(frozen=True, slots=True)
class Film(PackedBody):
    """Metadata about one film, from content/films/<slug>.md."""

    source: str
    slug: str
    title: str
    body: bytes  # the HTML, packed
    fingerprint: str
    original_title: str | None = None
    year: int | None = None
    releases: tuple[Release, ...] = ()  # earliest first
    director: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    runtime: int | None = None  # minutes
    genres: tuple[str, ...] = ()
    poster: str | None = None
    trailer: str | None = None
    imdb: str | None = None
    wikidata: str | None = None
    collection: str | None = None  # the series the film belongs to ("Dune")
    extra: Mapping[str, Any] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)  # front matter key -> line

    @property
    def release_date(self) -> date | None:
        """The film's first release date anywhere."""
        return self.releases[0].day if self.releases else None

    @property
    def same_as(self) -> tuple[str, ...]:
        """The film's pages on IMDb and Wikidata, for structured data."""
        urls = []
        if self.imdb:
            urls.append(f"https://www.imdb.com/title/{self.imdb}/")
        if self.wikidata:
            urls.append(f"https://www.wikidata.org/wiki/{self.wikidata}")
        return tuple(urls)


@dataclass(frozen=True, slots=True)
class Author(PackedBody):
    """A writer's profile, from content/authors/<slug>.md: the body is their bio."""

    source: str
    slug: str
    name: str
    body: bytes  # the HTML, packed
    fingerprint: str
    photo: str | None = None
    role: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (label, web address): website, mastodon, bluesky...
    lines: Mapping[str, int] = field(default_factory=dict)  # front matter key -> line


@dataclass(frozen=True, slots=True)
class Person(PackedBody):
    """What content/people/<slug>.md says of a person: the body is their bio."""

    source: str
    slug: str
    name: str
    body: bytes  # the HTML, packed
    fingerprint: str
    photo: str | None = None
    born: date | None = None
    roles: tuple[str, ...] = ()
    imdb: str | None = None
    wikidata: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (label, web address)
    lines: Mapping[str, int] = field(default_factory=dict)  # front matter key -> line

    @property
    def same_as(self) -> tuple[str, ...]:
        """The person's pages on IMDb, Wikidata and elsewhere, for structured data."""
        urls = [f"https://www.imdb.com/name/{self.imdb}/"] if self.imdb else []
        if self.wikidata:
            urls.append(f"https://www.wikidata.org/wiki/{self.wikidata}")
        return (*urls, *(url for _, url in self.links))


@dataclass(frozen=True, slots=True)
class Writer:
    """One writer named in bylines (or with a profile), with their posts, newest first."""

    name: str
    slug: str
    url: str
    posts: tuple[Post, ...]
    profile: Author | None = None

    @property
    def same_as(self) -> tuple[str, ...]:
        """The writer's pages elsewhere, for structured data."""
        return tuple(url for _, url in self.profile.links) if self.profile else ()


@dataclass(frozen=True, slots=True)
class Page(PackedBody):
    """A stand-alone page such as content/about.md -> /about/."""

    source: str
    title: str
    slug: str
    url: str
    body: bytes  # the HTML, packed
    summary: str
    body_line: int
    fingerprint: str
    layout: str = "page.html"
    links: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    link_lines: Mapping[str, int] = field(default_factory=dict)  # link -> file line
    lines: Mapping[str, int] = field(default_factory=dict)  # front matter key -> line


@dataclass(frozen=True, slots=True)
class Collection:
    """Films a film file names as one series (`collection: Dune`), in release order."""

    name: str
    slug: str
    url: str
    films: tuple[Film, ...]

    def neighbours(self, film: Film) -> tuple[Film | None, Film | None]:
        """The films before and after `film` in the collection."""
        slugs = [other.slug for other in self.films]
        index = slugs.index(film.slug)
        return (self.films[index - 1] if index else None, self.films[index + 1] if index + 1 < len(slugs) else None)


@dataclass(frozen=True, slots=True)
class Term:
    """One tag, film or person, with the posts that mention it (newest first)."""

    taxonomy: str
    name: str
    slug: str
    url: str
    posts: tuple[Post, ...]
    film: Film | None = None
    sort_name: str = ""  # the name as sorted and lettered: "Boy and the Heron" for "The Boy and the Heron"
    person: Person | None = None  # for a person with a content/people/ file
    collection: Collection | None = None  # for a film in a collection
    # The newest of its posts' share pictures (seo.post_picture), found once when modelled: a
    # term page's share tags need it, and a big tag's posts may have none to find.
    newest_picture: str | None = None

    @property
    def reviews(self) -> tuple[Post, ...]:
        """The site's reviews of this film, newest first: a film page shows them first."""
        return tuple(post for post in self.posts if post.review_of and slugify(post.review_of) == self.slug)

    @property
    def count(self) -> int:
        """How many posts mention the term: a layout showing only that is not re-rendered
        when one of them changes (see render.Usage)."""
        return len(self.posts)


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """All terms of one kind (tags, films, people), sorted by name."""

    name: str
    title: str
    url: str
    terms: tuple[Term, ...]

    def by_letter(self) -> tuple[tuple[str, tuple[Term, ...]], ...]:
        """Group the terms by the first letter of their sorting name, leading article dropped
        ('#' for digits and signs)."""
        groups: dict[str, list[Term]] = {}
        for term in self.terms:
            first = slugify(term.sort_name or term.name)[:1].upper()
            groups.setdefault(first if first.isalpha() else "#", []).append(term)
        return tuple((letter, tuple(terms)) for letter, terms in sorted(groups.items()))


@dataclass(frozen=True, slots=True)
class Month:
    """Posts of one month, for the archive."""

    year: int
    month: int
    posts: tuple[Post, ...]

    @property
    def name(self) -> str:
        """The month's English name."""
        return date(self.year, self.month, 1).strftime("%B")


@dataclass(frozen=True, slots=True)
class Site:
    """Everything a build renders: published posts newest first, pages, taxonomies."""

    config: Config
    posts: tuple[Post, ...]
    pages: tuple[Page, ...]
    taxonomies: tuple[Taxonomy, ...]
    archive: tuple[Month, ...]
    assets: tuple[Asset, ...]
    built_at: datetime
    films: Mapping[str, Film] = field(default_factory=dict)  # slug -> every film metadata file
    related: Mapping[str, tuple[Post, ...]] = field(default_factory=dict)  # post source -> related
    credits: Mapping[str, tuple[tuple[Film, str], ...]] = field(default_factory=dict)  # person slug -> films
    writers: tuple[Writer, ...] = ()  # everyone named in a byline or with a profile, by name
    collections: tuple[Collection, ...] = ()  # film series, by name
    valid_until: datetime | None = None  # when the output changes with the clock alone
    scheduled: tuple[datetime, ...] = ()  # when each post left out for its future date goes live, soonest first
    places: Mapping[str, int] = field(default_factory=dict)  # post source -> its number in `posts`
    shown_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # post source -> posts relating to it

    def writer(self, name: str) -> Writer | None:
        """Return the writer a byline names, if any."""
        slug = slugify(name)
        return next((writer for writer in self.writers if writer.slug == slug), None)

    def taxonomy(self, name: str) -> Taxonomy:
        """Return the taxonomy called `name`."""
        return next(taxonomy for taxonomy in self.taxonomies if taxonomy.name == name)
