"""Render the Site through the Jinja layouts into outputs, skipping those whose key is unchanged."""

from __future__ import annotations

import html
import math
import re
import time
import traceback
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache, partial
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.meta import find_referenced_templates
from markupsafe import Markup

from . import authors, feeds, films, reviews, seo, series_pages
from .calendar import releases_calendar
from .content import IGNORED, TEMPLATE_SUFFIXES
from .embeds import embed_or_link
from .errors import MatineeError
from .memo import SITE_PARTS, SITE_READS, Digest, Planned, base_key, digest
from .model import ImageInfo, Output, Post, Site, Taxonomy, Term
from .picture import PROSE_SIZES, Lookup, lookup_for, picture, rewrite_images
from .site import Pager, paginate
from .urls import encode, output_path, slugify, term_url

UPCOMING_URL = "/films/upcoming/"
BY_YEAR_URL = "/films/by-year/"
CALENDAR_URL = "/films/releases.ics"
CARD_LAYOUT = "partials/card.html"
SEARCH_URL = "/search/"
SEARCH_LAYOUT = "search.html"
MAX_RANGE = 100_000  # numbers one range() in a layout may count (Jinja's sandbox allows as many)
POST_ATTRIBUTES = frozenset(
    [item.name for item in fields(Post)] + [name for name in dir(Post) if isinstance(getattr(Post, name), property)]
)
# A tag naming its layout other than by one quoted name ({% include "a" ~ b %}, a list, a variable).
_COMPUTED_INCLUDE = re.compile(
    r"""\{%-?\s*(?:include|import|from|extends)\s+(?!(["'])[^"']*\1\s*(?:-?%\}|ignore\b|with\b|without\b|import\b|as\b))"""
)
_QUOTES = ("'", '"', "'./", '"./')  # how a layout names a file: the loader drops a leading ./
TERM_SHOWN = frozenset(
    {"taxonomy", "name", "slug", "url", "film", "person", "collection", "count"}
)  # in a term page's key
TAXONOMY_SHOWN = frozenset({"name", "title", "url"})
RENDER_SECONDS = 5.0  # one page's time limit; measured, a page renders in about a millisecond


@dataclass(frozen=True, slots=True)
class Usage:
    """What the layouts can read beyond their own context, found by parsing them."""

    digest: str  # of every layout's source
    site_parts: frozenset[str]  # attributes read as site.<name>; all of them if `site` escapes
    uses_now: bool
    # Per layout, every attribute name and string it and the layouts it extends, includes or
    # imports mention: a superset of what it can read of the posts it lists.
    mentions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    pictured: frozenset[str] = frozenset()  # layouts that call picture() or pictures()
    errors: tuple[MatineeError, ...] = ()  # syntax errors: pages of the other layouts still render

    def mentioned(self, layout: str) -> frozenset[str]:
        """Return the names `layout` may read; for a layout not parsed, every post attribute."""
        return self.mentions.get(layout, POST_ATTRIBUTES)


def make_env(layouts_dir: Path, cache_dir: Path | None = None) -> jinja2.Environment:
    """Return the Jinja environment for a site's layouts: autoescaped, strict about typos.

    With `cache_dir`, compiled layouts are kept there between runs (Jinja checks each
    layout's source still matches), which saves most of a small rebuild's time.
    """
    bytecode = None
    if cache_dir is not None:
        try:
            (cache_dir / "layouts").mkdir(parents=True, exist_ok=True)
            bytecode = jinja2.FileSystemBytecodeCache(str(cache_dir / "layouts"))
        except OSError:
            bytecode = None  # the cache only saves time
    env = _LayoutEnvironment(
        loader=jinja2.FileSystemLoader(layouts_dir),
        bytecode_cache=bytecode,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["date"] = _format_date
    env.filters["slugify"] = slugify
    env.globals["range"] = env.bounded_range
    return env


class _LayoutEnvironment(jinja2.Environment):
    """A Jinja environment whose layouts cannot loop for ever: range() is bounded, and a page
    still rendering after RENDER_SECONDS stops at the layout line it reached."""

    deadline = math.inf  # set by timed_page(); one environment renders one page at a time

    @contextmanager
    def timed_page(self) -> Iterator[None]:
        """Run the clock for one page's render."""
        self.deadline = time.monotonic() + RENDER_SECONDS
        try:
            yield
        finally:
            self.deadline = math.inf

    def check_time(self) -> None:
        """Stop a page that has rendered for too long (a loop without end in its layout)."""
        if time.monotonic() > self.deadline:
            raise jinja2.TemplateRuntimeError(
                f"the page took over {RENDER_SECONDS:g} s to render; a loop here runs too long"
            )

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Look up `obj.attribute` for a layout; nearly every loop does, so check the clock."""
        self.check_time()
        return super().getattr(obj, attribute)

    def bounded_range(self, *args: int) -> range:
        """Return range(*args) for a layout, refusing one longer than MAX_RANGE."""
        numbers = range(*args)
        if (numbers.stop - numbers.start) // numbers.step > MAX_RANGE:
            raise jinja2.TemplateRuntimeError(f"range() of more than {MAX_RANGE:,} numbers is too long for a layout")
        self.check_time()
        return numbers


@dataclass(frozen=True, slots=True)
class Rendering:
    """Every output of a build, planned, and rendered share by share (a share per core when many)."""

    planned: tuple[Planned, ...]
    previous: Mapping[str, str]  # path -> memo key of the files already built

    @property
    def to_render(self) -> int:
        """How many outputs changed, so must be rendered."""
        return sum(1 for planned in self.planned if self.previous.get(planned.path) != planned.key)

    def paths(self) -> Iterator[str]:
        """Yield the path of every output."""
        return (planned.path for planned in self.planned)

    def outputs(self, share: int = 0, shares: int = 1) -> Iterator[Output]:
        """Yield every `shares`-th output from the `share`-th; an unchanged one without bytes.

        Layout errors are gathered and raised together once every output of the share was tried.
        """
        errors: dict[str, MatineeError] = {}
        for planned in self.planned[share::shares]:
            if self.previous.get(planned.path) == planned.key:
                yield Output(planned.path, planned.key, None)
                continue
            try:
                yield Output(planned.path, planned.key, planned.make())
            except MatineeError as error:
                errors.setdefault(str(error), error)
        if errors:
            raise ExceptionGroup("layouts failed to render", list(errors.values()))


def render_site(
    site: Site,
    env: jinja2.Environment,
    usage: Usage,
    previous: Mapping[str, str],
    images: Mapping[str, ImageInfo] | None = None,
    kept_digest: Digest = digest,
) -> Rendering:
    """Plan every output with its memo key; those whose key is in `previous` need no rendering.

    `images` (site URL -> sizes and variants) makes the images layouts show responsive.
    `kept_digest` hashes the keys of post and term pages (`serve` remembers them: see
    BuildCache.digest).
    """
    lookup = lookup_for(images or {}, site.config.base_path)
    env.globals.update(_globals(site, env, lookup))
    marks = image_marks(site, lookup)
    base = base_key(site, usage.digest, usage.site_parts, usage.uses_now, marks)
    planned = chain(plan_pages(site, env, base, usage, marks, lookup, kept_digest), feeds.plan_feeds(site, base))
    return Rendering(tuple(planned), previous)


def read_layouts(env: jinja2.Environment) -> tuple[tuple[str, str], ...]:
    """Return (name, source) of every layout, then of each other file in layouts/ that one
    names in quotes: `{% include 'assets/inline.css' %}` puts that file in the pages too, so
    it is part of their keys. A layout that is not UTF-8 is an error."""
    # Not hidden or editor files: Emacs's lock file `.#base.html` is a link to nowhere.
    names = [name for name in env.list_templates() if not any(map(IGNORED.search, name.split("/")))]
    sources: list[tuple[str, str]] = []
    errors: list[MatineeError] = []
    for name in filter(_is_template, names):
        try:
            sources.append((name, _source(env, name)))
        except UnicodeDecodeError as error:
            line = error.object[: error.start].count(b"\n") + 1
            errors.append(MatineeError(f"layouts/{name}", line, "is not UTF-8 text; save it as UTF-8"))
        except OSError:  # a link to nowhere, or no permission: content.find_sources reports it
            continue
    if errors:
        raise ExceptionGroup("layouts are not UTF-8", errors)
    others = [name for name in names if not _is_template(name)]
    named = sources
    while named and others:  # an included file may name another
        named_text = "\n".join(source for _, source in named)
        if _COMPUTED_INCLUDE.search(named_text):  # `include 'badge-' ~ kind ~ '.svg'`: any of them
            quoted = others
        else:
            quoted = [name for name in others if any(f"{quote}{name}" in named_text for quote in _QUOTES)]
        others = [name for name in others if name not in quoted]
        named = [(name, text) for name in quoted if (text := _text(env, name)) is not None]
        sources += named
    return tuple(sources)


def _source(env: jinja2.Environment, name: str) -> str:
    return env.loader.get_source(env, name)[0] if env.loader else ""


def _text(env: jinja2.Environment, name: str) -> str | None:
    """Return the text of a file in layouts/, or None for one that is not text (an image)
    or cannot be read (an include of it fails when a page renders, with its line)."""
    try:
        return _source(env, name)
    except (UnicodeDecodeError, OSError):
        return None


def _is_template(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in TEMPLATE_SUFFIXES


def layout_usage(env: jinja2.Environment, sources: tuple[tuple[str, str], ...]) -> Usage:
    """Parse every layout: find its syntax errors, and what they read from `site` and what
    names each mentions (a layout with a syntax error may read anything)."""
    parts: set[str] = set()
    uses_now = False
    errors = []
    own: dict[str, tuple[frozenset[str], frozenset[str]]] = {}  # layout -> (its mentions, layouts it names)
    for name, source in sources:
        if not _is_template(name):  # a file a layout includes: in the digest, not parsed (CSS may hold "{#")
            continue
        try:
            tree = env.parse(source, name, f"layouts/{name}")
        except jinja2.TemplateSyntaxError as error:
            errors.append(_layout_error(error, env))
            continue
        names = [node.name for node in tree.find_all(nodes.Name)]
        references = list(find_referenced_templates(tree))  # None: a layout named by a variable, any
        if "card" in names:  # the card() global renders this layout
            references.append(CARD_LAYOUT)
        # A layout named by a variable (`include 'extra-' ~ kind`) may be any layout.
        named = frozenset(filter(None, references)) if None not in references else frozenset(dict(sources))
        own[name] = (_mentions(tree) | (POST_ATTRIBUTES if None in references else frozenset()), named)
        reads = [
            node.attr
            for node in tree.find_all(nodes.Getattr)
            if isinstance(node.node, nodes.Name) and node.node.name == "site"
        ]
        parts.update(_site_part_read(read) for read in reads)
        if names.count("site") > len(reads):  # `site` passed on whole: assume it reads everything
            parts.add("*")
        uses_now = uses_now or "now" in names
    everything = "*" in parts or bool(errors)
    mentions = {name: _mentioned_with_references(name, own) for name in own}
    return Usage(
        digest(sources),
        frozenset(SITE_PARTS if everything else parts),
        uses_now or everything,
        mentions,
        frozenset(name for name, names in mentions.items() if {"picture.*", "pictures.*"} & names),
        tuple(errors),
    )


def _site_part_read(attribute: str) -> str:
    """The part of the site (memo.SITE_PARTS) that `site.<attribute>` reads; "*" if unknown."""
    part = SITE_READS.get(attribute, attribute)
    return part if part in SITE_PARTS else "*"


def _mentions(tree: nodes.Template) -> frozenset[str]:
    """Every attribute name and string constant of a layout (`post.summary`, `attribute="summary"`),
    each attribute of a variable by name too ("term.posts"), and "term.*" for a variable
    used whole (passed on, indexed), of which anything may be read."""
    reads = list(tree.find_all(nodes.Getattr))
    attributes = (node.attr for node in reads)
    strings = (node.value for node in tree.find_all(nodes.Const) if isinstance(node.value, str))
    named = (f"{node.node.name}.{node.attr}" for node in reads if isinstance(node.node, nodes.Name))
    read_from = {id(node.node) for node in reads}
    whole = (f"{node.name}.*" for node in tree.find_all(nodes.Name) if id(node) not in read_from and node.ctx == "load")
    return frozenset(chain(attributes, strings, named, whole))


def _mentioned_with_references(layout: str, own: Mapping[str, tuple[frozenset[str], frozenset[str]]]) -> frozenset[str]:
    """The mentions of `layout` and of every layout it extends, includes or imports, in turn."""
    found: set[str] = set()
    seen: set[str] = set()
    waiting = [layout]
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        mentions, references = own.get(name, (POST_ATTRIBUTES, frozenset()))
        found |= mentions
        waiting += references
    return frozenset(found)


def plan_pages(
    site: Site,
    env: jinja2.Environment,
    base: str,
    usage: Usage,
    images: Mapping[str, str],
    lookup: Lookup = lambda url: None,
    kept_digest: Digest = digest,
) -> Iterator[Planned]:
    """Plan every HTML page: posts, aliases, pages, home, taxonomies, terms, films, archive, 404, search.

    `usage` says what of the posts they list the archive and index layouts may show, which is
    part of their keys; `lookup` gives the images' sizes and variants, which are part of the
    keys of pages showing them; `kept_digest` hashes the keys of the many post and term pages.
    """
    config = site.config
    posts = site.posts
    for index, post in enumerate(posts):
        newer = posts[index - 1] if index else None
        older = posts[index + 1] if index + 1 < len(posts) else None
        related = site.related.get(post.source, ())
        films_named = tuple(film.fingerprint for name in post.films if (film := site.films.get(slugify(name))))
        # The layout may show anything of the posts beside it and related to it: all of each counts.
        beside = (newer, older, *related)
        neighbours = (
            tuple(other and other.fingerprint for other in beside),
            _shown_images(beside, images, usage, post.layout),
        )
        key = kept_digest(base, post.fingerprint, films_named, *neighbours, images.get(post.source))
        context: dict[str, Any] = {
            "page": post,
            "newer": newer,
            "older": older,
            "related": related,
            "meta": partial(seo.post_meta, site, post),
        }
        yield _page(env, key, post.url, post.layout, post.source, context)
        for alias in post.aliases:
            yield _alias(alias, post, site)
    for page in site.pages:
        meta = partial(seo.plain_meta, site, page.title, page.summary, page.url)
        yield _page(
            env, digest(base, page.fingerprint), page.url, page.layout, page.source, {"page": page, "meta": meta}
        )
    for pager in paginate(posts, config.per_page, "/"):
        title = config.title if pager.number == 1 else f"{config.title}, page {pager.number}"
        context = {
            "page": None,
            "pager": pager,
            "meta": partial(seo.plain_meta, site, title, config.description, pager.url),
        }
        key = digest(base, _pager_key(pager), _shown_images(pager.posts, images, usage, "index.html"))
        yield _page(env, key, pager.url, "index.html", None, context)
    for taxonomy in site.taxonomies:
        yield from _plan_taxonomy(site, env, base, usage, taxonomy, lookup, images, kept_digest)
    # Listing pages of features (matinee/reviews.py: /reviews/, /reviews/top/; matinee/authors.py:
    # /authors/, /authors/<slug>/; matinee/series_pages.py: /collections/<slug>/); a site whose
    # layouts lack a listing's layout builds without it, as with search.
    layouts = set(env.list_templates())
    for listing in chain(reviews.listings(site), authors.listings(site), series_pages.listings(site)):
        if listing.layout in layouts:
            meta = partial(seo.plain_meta, site, listing.title, listing.description, listing.url)
            shown = _shown_images(listing.posts, images, usage, listing.layout)
            key = digest(base, listing.key, shown, [lookup(url) for url in listing.pictures])
            yield _page(env, key, listing.url, listing.layout, None, {"page": None, "meta": meta, **listing.context})
    archive_key = digest(
        base,
        _listed(posts, {"url", "date"} | usage.mentioned("archive.html")),
        _shown_images(posts, images, usage, "archive.html"),
    )
    meta = partial(seo.plain_meta, site, "Archive", f"Every story on {config.title}, by month.", "/archive/")
    yield _page(
        env, archive_key, "/archive/", "archive.html", None, {"page": None, "archive": site.archive, "meta": meta}
    )
    meta = partial(seo.plain_meta, site, "Not found", "", "/404.html")
    yield _page(env, digest(base, "404"), "/404.html", "404.html", None, {"page": None, "meta": meta})
    if SEARCH_LAYOUT in env.list_templates():  # sites whose layouts predate search build without it
        meta = partial(seo.plain_meta, site, "Search", f"Search every story on {config.title}.", SEARCH_URL)
        yield _page(env, digest(base, "search"), SEARCH_URL, SEARCH_LAYOUT, None, {"page": None, "meta": meta})


def _plan_taxonomy(
    site: Site,
    env: jinja2.Environment,
    base: str,
    usage: Usage,
    taxonomy: Taxonomy,
    lookup: Lookup,
    images: Mapping[str, str],
    kept_digest: Digest,
) -> Iterator[Planned]:
    """Plan a taxonomy's index and term pages; for films also upcoming, by year and the calendar."""
    config = site.config
    listing = [(term.url, term.name, len(term.posts), _film_key(term, lookup)) for term in taxonomy.terms]
    index_key = digest(base, listing, _term_posts(taxonomy.terms, "terms.html", usage, images))
    shown = usage.mentioned("term.html")
    # A term page's key holds its own page of posts, unless its layout reads more of the term
    # (term.posts[0] on every page) or of the other terms (taxonomy.terms).
    every_post = _reads_beyond(shown, ("term", "page"), TERM_SHOWN)
    other_terms = _reads_beyond(shown, ("taxonomy",), TAXONOMY_SHOWN)
    siblings = digest(listing, _term_posts(taxonomy.terms, "term.html", usage, images)) if other_terms else None
    meta = partial(
        seo.plain_meta, site, taxonomy.title, f"All {taxonomy.title.lower()} on {config.title}.", taxonomy.url
    )
    yield _page(
        env, index_key, taxonomy.url, "terms.html", None, {"page": taxonomy, "taxonomy": taxonomy, "meta": meta}
    )
    for term in taxonomy.terms:
        credits = site.credits.get(term.slug, ()) if taxonomy.name == "people" else ()
        term_key = (
            term.url,
            term.name,
            len(term.posts),
            _film_key(term, lookup),
            term.person and (term.person.fingerprint, term.person.photo and lookup(term.person.photo)),  # people files
            term.collection and [film.fingerprint for film in term.collection.films],  # its collection
            tuple((credit.fingerprint, role) for credit, role in credits),
            digest([post.fingerprint for post in term.posts]) if every_post else None,
            siblings,
        )
        meta = partial(seo.term_meta, site, term, taxonomy.title)
        for pager in paginate(term.posts, config.per_page, term.url):
            key = kept_digest(base, term_key, _pager_key(pager), _shown_images(pager.posts, images, usage, "term.html"))
            context = {
                "page": term,
                "term": term,
                "taxonomy": taxonomy,
                "pager": pager,
                "credits": credits,
                "meta": meta,
            }
            yield _page(env, key, pager.url, "term.html", None, context)
    if taxonomy.name != "films":
        return
    today = site.built_at.date()
    coming = films.upcoming(taxonomy, today)
    coming_key = digest(
        base,
        today,
        [
            (
                term.url,
                term.name,
                release,
                _film_key(term, lookup),
                term.posts[:1] and term.posts[0].fingerprint,
            )
            for term, release in coming
        ],
        _term_posts((term for term, _ in coming), "upcoming.html", usage, images),
    )
    meta = partial(
        seo.plain_meta,
        site,
        "Upcoming films",
        f"Films opening soon, with the latest from {config.title}.",
        UPCOMING_URL,
    )
    yield _page(
        env,
        coming_key,
        UPCOMING_URL,
        "upcoming.html",
        None,
        {"page": None, "upcoming": coming, "today": today, "taxonomy": taxonomy, "meta": meta},
    )
    years = films.by_year(taxonomy)
    years_key = digest(
        base,
        [
            (year, [(term.url, term.name, len(term.posts), _film_key(term, lookup)) for term in terms])
            for year, terms in years
        ],
        _term_posts((term for _, terms in years for term in terms), "film-years.html", usage, images),
    )
    meta = partial(seo.plain_meta, site, "Films by year", f"Films on {config.title}, by year of release.", BY_YEAR_URL)
    yield _page(
        env,
        years_key,
        BY_YEAR_URL,
        "film-years.html",
        None,
        {"page": None, "years": years, "taxonomy": taxonomy, "meta": meta},
    )
    calendar_key = digest(
        base, [film.fingerprint for film in site.films.values()], site.posts[:1] and site.posts[0].fingerprint
    )
    yield Planned(output_path(CALENDAR_URL), calendar_key, lambda: releases_calendar(site))


def _reads_beyond(shown: frozenset[str], variables: tuple[str, ...], attributes: frozenset[str]) -> bool:
    """Whether a layout that mentions `shown` reads more of `variables` than `attributes`."""
    for mention in shown:
        variable, dot, attribute = mention.partition(".")
        if dot and variable in variables and attribute not in attributes:
            return True
    return False


def _listed(posts: Sequence[Post], names: Set[str]) -> list[tuple[object, ...]]:
    """What a layout that mentions `names` can show of each of `posts`."""
    shown = sorted(POST_ATTRIBUTES & names)
    return [tuple(getattr(post, name) for name in shown) for post in posts]


def _term_posts(
    terms: Iterable[Term], layout: str, usage: Usage, images: Mapping[str, str]
) -> list[list[tuple[str, str | None]]] | None:
    """All of the posts of `terms` (with their images' sizes), if `layout` may show more of
    them than their count."""
    if "posts" not in usage.mentioned(layout):
        return None
    return [[(post.fingerprint, images.get(post.source)) for post in term.posts] for term in terms]


def _film_key(term: Term, lookup: Lookup) -> tuple[str, ImageInfo | None] | None:
    """What a page showing a term can show of its film: its metadata, and its poster's sizes."""
    film = term.film
    return (film.fingerprint, lookup(film.poster) if film.poster else None) if film else None


def image_marks(site: Site, lookup: Lookup) -> dict[str, str]:
    """A digest of the sizes and variants of the images of each post that shows any: a page
    showing them changes with them."""
    return {
        post.source: digest([lookup(src) for src in (post.image or "", *post.images) if src])
        for post in site.posts
        if post.image or post.images
    }


def _shown_images(
    posts: Iterable[Post | None], images: Mapping[str, str], usage: Usage, layout: str
) -> tuple[str | None, ...] | None:
    """The image marks of `posts`, if `layout` shows images at all (other than its own post's)."""
    if layout not in usage.pictured:
        return None
    return tuple(images.get(post.source) if post else None for post in posts)


def _pager_key(pager: Pager) -> tuple[Hashable, ...]:
    return (pager.number, pager.total, tuple(post.fingerprint for post in pager.posts))


def _alias(alias: str, post: Post, site: Site) -> Planned:
    config = site.config
    target, canonical = encode(config.link(post.url)), encode(config.absolute(post.url))
    return Planned(output_path(alias), digest(target, canonical), lambda: _redirect(target, canonical))


def _page(
    env: jinja2.Environment, key: str, url: str, layout: str, source: str | None, context: dict[str, Any]
) -> Planned:
    def make() -> bytes:
        template = _template(env, layout, source, context.get("page"))
        clock = env.timed_page() if isinstance(env, _LayoutEnvironment) else nullcontext()
        try:
            with clock:
                return template.render(url=url, **(context | {"meta": context["meta"]()})).encode("utf-8")
        except RecursionError as error:
            place = _layout_error(error, env)
            where = place.path if place.path != "layouts" else f"layouts/{layout}"
            message = "layouts include, extend or call each other without end"
            raise MatineeError(where, place.line, message) from None
        except Exception as error:  # a layout can raise anything its expressions raise
            raise _layout_error(error, env) from None

    return Planned(output_path(url), key, make)


def _template(env: jinja2.Environment, layout: str, source: str | None, page: Any) -> jinja2.Template:
    try:
        return env.get_template(layout)
    except jinja2.TemplateNotFound as error:
        if source is not None and error.name == layout:
            line = getattr(page, "lines", {}).get("layout") if page is not None else None
            raise MatineeError(source, line, f"layout {layout!r} is not in layouts/") from None
        raise MatineeError(
            f"layouts/{layout}", None, f"needs the layout {error.name!r}, which is not in layouts/"
        ) from None
    except jinja2.TemplateSyntaxError as error:
        raise _layout_error(error, env) from None


def _layout_error(error: Exception, env: jinja2.Environment) -> MatineeError:
    """Place a layout error at the layout file and line Jinja reports."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        name = error.name or error.filename or "?"
        return MatineeError(f"layouts/{name}", error.lineno, error.message or "syntax error")
    root = Path(env.loader.searchpath[0]).resolve() if isinstance(env.loader, jinja2.FileSystemLoader) else None
    place: tuple[str, int | None] = ("layouts", None)
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if root and path.is_absolute() and path.resolve().is_relative_to(root):
            place = (f"layouts/{path.resolve().relative_to(root).as_posix()}", frame.lineno)
    message = str(error) if isinstance(error, jinja2.TemplateError) else f"{type(error).__name__}: {error}"
    return MatineeError(place[0], place[1], message)


def _globals(site: Site, env: jinja2.Environment, lookup: Lookup) -> dict[str, Any]:
    config = site.config
    cards: dict[str, Markup] = {}
    link = lru_cache(maxsize=None)(lambda url: encode(config.link(url)))  # one build's URLs

    def responsive(url: str, alt: str = "", sizes: str = PROSE_SIZES, eager: bool = False) -> Markup:
        """Return an image (a site URL or a web address) as responsive markup, for layouts."""
        src = link(url) if url.startswith("/") and not url.startswith("//") else url
        attributes = f' alt="{html.escape(alt)}"'
        return Markup(picture(lookup(url), html.escape(src), attributes, link=link, sizes=sizes, eager=eager))

    def pictures(body_html: str, eager_first: bool = False) -> Markup:
        """Return a post body with its images responsive; the first eager if `eager_first`."""
        return Markup(rewrite_images(body_html, lookup, link=link, eager_first=eager_first))

    def card(post: Post) -> Markup:
        """Render partials/card.html for `post` once per build: a post is listed on many pages."""
        if post.source not in cards:
            cards[post.source] = Markup(env.get_template(CARD_LAYOUT).render(post=post))
        return cards[post.source]

    return {
        "card": card,
        "site": site,
        "config": config,
        "link": link,
        "picture": responsive,
        "pictures": pictures,
        "absolute": lru_cache(maxsize=None)(lambda url: encode(config.absolute(url))),
        "term_url": lambda taxonomy, name: term_url(taxonomy, slugify(name)),
        "embed": embed_or_link,
        "now": site.built_at,
    }


def _format_date(moment: datetime, style: str = "long") -> str:
    if style == "iso":
        return moment.isoformat()
    return f"{moment.day} {moment:%B %Y}" if style == "long" else f"{moment:%d %b %Y}"


def _redirect(target: str, canonical: str) -> bytes:
    """Return a small page that sends visitors of an old URL to the new one."""
    link, absolute = html.escape(target), html.escape(canonical)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<title>Moved</title><link rel="canonical" href="{absolute}">\n'
        f'<meta http-equiv="refresh" content="0; url={link}">\n'
        '<meta name="robots" content="noindex"></head>\n'
        f'<body><p>This page has moved to <a href="{link}">{link}</a>.</p></body></html>\n'
    ).encode()
