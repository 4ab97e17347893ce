"""Atom feeds, sitemap.xml and robots.txt, built from the model with xml.etree. Pure."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence, Set
from datetime import datetime
from functools import partial
from itertools import chain, dropwhile, takewhile
from xml.etree import ElementTree as ET

from . import authors, reviews, series_pages
from .listings import Listing
from .markup import without_spoilers
from .memo import Digest, Planned, digest
from .model import Post, Site
from .site import NEWS_WINDOW, paginate
from .urls import encode, output_path, slugify, term_url

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
FEED_TAXONOMIES = ("tags", "films")
SPOILER_NOTE = '<p><em>A spoiler is hidden here; <a href="{url}">read it on the site</a>.</em></p>'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def plan_feeds(
    site: Site,
    base: str,
    layouts: Set[str],
    kept_digest: Digest = digest,
    only_terms: Set[tuple[str, str]] | None = None,
    only_posts: Sequence[Post] | None = None,
) -> Iterator[Planned]:
    """Plan /feed.xml, a feed per tag and film, /sitemap.xml and /robots.txt; `layouts`: the
    site's layouts, since a listing (reviews, writers) whose layout is missing is not built;
    `kept_digest` hashes the keys of the many term feeds (see BuildCache.digest);
    `only_terms` (taxonomy, slug) limits the term feeds to those terms' and leaves out the
    sitemap, for posts edited in place (replan.replan), and `only_posts`, those posts, limits
    the listings' feeds to those that can list them (see listings)."""
    config = site.config
    listed = tuple(listing for listing in listings(site, only_posts) if listing.layout in layouts)
    built = {listing.url for listing in listed}
    feed = partial(_feed, site, base, kept_digest)
    yield feed(config.title, "/", site.posts, with_content=True)
    for taxonomy in site.taxonomies:
        if taxonomy.name in FEED_TAXONOMIES:
            for term in taxonomy.terms:
                if term.posts and (only_terms is None or (taxonomy.name, term.slug) in only_terms):
                    yield feed(f"{config.title}: {term.name}", term.url, term.posts, with_content=False)
    rated = only_posts is None or any(post.rating is not None for post in only_posts)
    for listed_feed in chain(reviews.feeds(site) if rated else (), authors.feeds(site, only_posts)):
        if listed_feed.page_url in built:  # a feed links to its page
            yield feed(listed_feed.title, listed_feed.page_url, listed_feed.posts, with_content=False)
    if only_terms is None:  # a post edited in place keeps its URL and dates (replan.replan)
        entries = [(post.url, _modified(post)) for post in site.posts]
        terms = [(term.url, _latest(term.posts)) for taxonomy in site.taxonomies for term in taxonomy.terms]
        sitemap_key = digest(base, entries, terms, [page.url for page in site.pages], sorted(built))
        yield Planned("sitemap.xml", sitemap_key, partial(sitemap, site, listed))
    news = news_posts(site)
    if news:  # an empty <urlset> fails the sitemap schema: no news, no file
        yield Planned(
            "news-sitemap.xml",
            digest(base, [(post.url, post.title, post.date) for post in news]),
            lambda: news_sitemap(site, news),
        )
    yield Planned("robots.txt", digest(base, "robots", bool(news)), lambda: robots(site, with_news=bool(news)))


def _feed(
    site: Site,
    base: str,
    kept_digest: Digest,
    title: str,
    page_url: str,
    posts: Sequence[Post],
    *,
    with_content: bool,
) -> Planned:
    feed_url = f"{page_url}feed.xml"
    latest = posts[: site.config.feed_size]
    shown = tuple(post.fingerprint for post in latest) or site.built_at
    key = kept_digest(base, title, feed_url, with_content, shown)
    return Planned(
        output_path(feed_url),
        key,
        lambda: atom_feed(site, title, page_url, feed_url, latest, with_content=with_content),
    )


def atom_feed(
    site: Site, title: str, page_url: str, feed_url: str, posts: Sequence[Post], *, with_content: bool
) -> bytes:
    """Return an Atom 1.0 feed of the newest `feed_size` posts."""
    config = site.config
    latest = posts[: config.feed_size]
    feed = ET.Element("feed", xmlns=ATOM)
    feed.set("xml:lang", config.language)
    _text(feed, "title", title)
    _text(feed, "id", _absolute(site, feed_url))
    ET.SubElement(feed, "link", rel="self", type="application/atom+xml", href=_absolute(site, feed_url))
    ET.SubElement(feed, "link", rel="alternate", type="text/html", href=_absolute(site, page_url))
    _text(feed, "updated", max((_modified(post) for post in latest), default=site.built_at).isoformat())
    if config.description:
        _text(feed, "subtitle", config.description)
    _text(feed, "generator", "Matinee")
    for post in latest:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "title", post.title)
        _text(entry, "id", _absolute(site, post.url))
        ET.SubElement(entry, "link", rel="alternate", type="text/html", href=_absolute(site, post.url))
        _text(entry, "published", post.date.isoformat())
        _text(entry, "updated", _modified(post).isoformat())
        for name in post.authors or (config.title,):
            author = ET.SubElement(entry, "author")
            _text(author, "name", name)
            if post.authors:
                _text(author, "uri", _absolute(site, term_url("authors", slugify(name))))
        for name in post.tags:
            ET.SubElement(entry, "category", term=_xml_text(name))
        _text(entry, "summary", post.summary)
        if with_content:
            content = without_spoilers(post.body_html, SPOILER_NOTE.format(url=html.escape(_absolute(site, post.url))))
            _text(entry, "content", content).set("type", "html")
    return _xml(feed)


def sitemap(site: Site, listed: Iterable[Listing] = ()) -> bytes:
    """Return sitemap.xml: every page a search engine should see, with lastmod where known."""
    urlset = ET.Element("urlset", xmlns=SITEMAP)
    newest = _latest(site.posts)  # none without posts: the build's time is not a change
    for pager in paginate(site.posts, site.config.per_page, "/"):
        _url(urlset, site, pager.url, newest if pager.number == 1 else None)
    for post in site.posts:
        _url(urlset, site, post.url, _modified(post))
    for page in site.pages:
        _url(urlset, site, page.url, None)
    for taxonomy in site.taxonomies:
        _url(urlset, site, taxonomy.url, newest)
        for term in taxonomy.terms:
            _url(urlset, site, term.url, _latest(term.posts))
    if any(taxonomy.name == "films" for taxonomy in site.taxonomies):
        _url(urlset, site, "/films/upcoming/", None)
        _url(urlset, site, "/films/by-year/", None)
    _url(urlset, site, "/archive/", newest)
    for listing in listed:
        _url(urlset, site, listing.url, _latest(listing.posts))
    return _xml(urlset)


def news_posts(site: Site) -> tuple[Post, ...]:
    """Return the posts of the last two days (Google News sitemaps list only those): the
    first of the posts, newest first, after any dated later (shown with --drafts)."""
    since, until = site.built_at - NEWS_WINDOW, site.built_at
    return tuple(takewhile(lambda post: post.date > since, dropwhile(lambda post: post.date > until, site.posts)))


def news_sitemap(site: Site, posts: Sequence[Post]) -> bytes:
    """Return news-sitemap.xml in Google's news sitemap format."""
    urlset = ET.Element("urlset", {"xmlns": SITEMAP, "xmlns:news": NEWS})
    for post in posts:
        entry = ET.SubElement(urlset, "url")
        _text(entry, "loc", _absolute(site, post.url))
        news = ET.SubElement(entry, "news:news")
        publication = ET.SubElement(news, "news:publication")
        _text(publication, "news:name", site.config.title)
        _text(publication, "news:language", site.config.language)
        _text(news, "news:publication_date", post.date.isoformat())
        _text(news, "news:title", post.title)
    return _xml(urlset)


def robots(site: Site, *, with_news: bool = True) -> bytes:
    """Return robots.txt, naming the sitemap, and the news sitemap when one is written."""
    urls = ("/sitemap.xml", "/news-sitemap.xml") if with_news else ("/sitemap.xml",)
    sitemaps = "".join(f"Sitemap: {_absolute(site, url)}\n" for url in urls)
    return f"User-agent: *\nAllow: /\n\n{sitemaps}".encode()


def listings(site: Site, only: Sequence[Post] | None = None) -> Iterator[Listing]:
    """The pages of reviews, writers and collections, which the sitemap lists; with `only`
    (posts edited in place, which keep their ratings and writers), those that can list them:
    the reviews' when one is a review, their writers', the collections'."""
    if only is None:
        return chain(reviews.listings(site), authors.listings(site), series_pages.listings(site))
    rated = any(post.rating is not None for post in only)
    return chain(reviews.listings(site) if rated else (), authors.listings(site, only), series_pages.listings(site))


def _modified(post: Post) -> datetime:
    return post.modified


def _latest(posts: Sequence[Post]) -> datetime | None:
    """The last change to any of `posts`: an older post updated later counts."""
    return max(map(_modified, posts), default=None)


def _absolute(site: Site, url: str) -> str:
    return encode(site.config.absolute(url))


def _url(urlset: ET.Element, site: Site, url: str, lastmod: datetime | None) -> None:
    entry = ET.SubElement(urlset, "url")
    _text(entry, "loc", _absolute(site, url))
    if lastmod:
        _text(entry, "lastmod", lastmod.isoformat())


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _xml_text(text)
    return element


def _xml_text(text: str) -> str:
    """Drop the characters XML 1.0 cannot hold (a pasted form feed would break the whole feed)."""
    return _NOT_XML.sub("", text)


def _xml(root: ET.Element) -> bytes:
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"
