"""Assemble parsed posts, films and pages into the Site model: filter, sort, group. Pure."""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from functools import partial
from typing import Any, TypeVar

from .config import Config
from .errors import MatineeError, raise_all
from .films import credits, next_change
from .links import resolve_links, resolve_path, under_base
from .memo import digest
from .model import Asset, Author, Film, Month, Page, Person, Post, Site, Taxonomy, Term, pack_html
from .picture import image_sources
from .related import related_posts
from .series import collections, with_collections
from .urls import output_path, slugify, term_url
from .writers import with_profiles, writers

TAXONOMY_TITLES = {"tags": "Tags", "films": "Films", "people": "People"}
Memo = Callable[[str, str, Callable[[], Any]], Any]  # (slot, key, compute) -> compute() or a kept result
Related = Mapping[str, tuple[Post, ...]]
NEWS_WINDOW = timedelta(days=2)
Profile = TypeVar("Profile", Author, Person)  # Google News sitemaps list the posts of the last two days


@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a paginated list of posts."""

    number: int
    total: int
    posts: tuple[Post, ...]
    url: str
    previous_url: str | None
    next_url: str | None


@dataclass(frozen=True, slots=True)
class Modelled:
    """The Site, and the broken links and clashing URLs found on the way: a build reports
    them with the mistakes of its later stages, in one run."""

    site: Site
    errors: tuple[MatineeError, ...]
    urls: Mapping[str, str] = field(default_factory=dict)  # source -> URL, as links resolve to them
    profiles: Mapping[str, Author] = field(default_factory=dict)  # writer slug -> profile


def assemble(
    config: Config,
    posts: Sequence[Post],
    films: Sequence[Film],
    pages: Sequence[Page],
    assets: Sequence[Asset],
    *,
    now: datetime,
    memo: Memo = lambda slot, key, compute: compute(),
    unreadable: Collection[str] = (),
) -> Site:
    """Return the Site (see model_site), or raise its broken links and clashing URLs."""
    modelled = model_site(config, posts, films, pages, assets, now=now, memo=memo, unreadable=unreadable)
    raise_all(list(modelled.errors), "the site has broken links or clashing URLs")
    return modelled.site


# Long on purpose: the model step in order on one screen, each line one stage; split, the order would hide.
def model_site(
    config: Config,
    posts: Sequence[Post],
    films: Sequence[Film],
    pages: Sequence[Page],
    assets: Sequence[Asset],
    *,
    now: datetime,
    memo: Memo = lambda slot, key, compute: compute(),
    unreadable: Collection[str] = (),
    authors: Sequence[Author] = (),
    people: Sequence[Person] = (),
) -> Modelled:
    """Return the Site: visible posts newest first, links resolved, terms and archive built;
    with the broken links and clashing URLs (a broken link is left as written).

    `memo(slot, key, compute)` may return a result computed before under the same key (the
    build cache keeps related posts: they change only with posts' dates and terms).
    `unreadable` names sources that failed to parse: links to them are not reported as broken
    (the build fails on their own errors). `authors` are the writers' profiles, `people`
    the files about people.
    """
    visible = sorted(
        (post for post in posts if config.drafts or (not post.is_draft and post.date <= now)),
        key=lambda post: (post.date, post.source),
        reverse=True,
    )
    shown = {id(post) for post in visible}
    hidden_bundles = {_bundle_dir(post) for post in posts if id(post) not in shown} - {None}
    assets = _place_assets(assets, visible, hidden_bundles)
    errors = _duplicate_urls(config, visible, pages, films, assets)
    urls = dict.fromkeys(unreadable, "/") | _source_urls(visible, films, pages, assets)
    urls |= {author.source: term_url("authors", author.slug) for author in authors}
    profiles = {author.slug: _resolve_photo(author, urls) for author in authors}
    visible = with_profiles(visible, profiles)
    urls |= {person.source: term_url("people", person.slug) for person in people}
    person_by_slug = {person.slug: _resolve_photo(person, urls) for person in people}
    visible = [resolve_post(post, urls, config, errors) for post in visible]
    pages = [_resolve_page(page, urls, config, errors) for page in pages]
    films = [_resolve_poster(film, urls) for film in films]
    film_by_slug = {film.slug: film for film in films}
    taxonomies = tuple(
        Taxonomy(
            name,
            TAXONOMY_TITLES.get(name, name.title()),
            f"/{name}/",
            group_by_term(visible, name, film_by_slug, config.sort_articles, person_by_slug),
        )
        for name in config.taxonomies
    )
    series = collections(films)
    taxonomies = tuple(with_collections(taxonomy, series) for taxonomy in taxonomies)
    related = _related(visible, taxonomies, dict(config.related), memo)
    site = Site(
        config=config,
        posts=tuple(visible),
        pages=tuple(pages),
        taxonomies=taxonomies,
        archive=archive(visible),
        assets=tuple(assets),
        built_at=now,
        films={film.slug: film for film in films},
        related=related,
        credits=credits(films),
        writers=writers(visible, profiles.values()),
        collections=series,
        valid_until=_valid_until(config, posts, films, now),
        scheduled=() if config.drafts else scheduled(posts, now),
        # What a save looks up (swap.py, replan.py): each post's place, the posts relating to it.
        places={post.source: number for number, post in enumerate(visible)},
        shown_by=shown_by_related(related),
    )
    return Modelled(site, tuple(errors), urls, profiles)


def shown_by_related(related: Mapping[str, tuple[Post, ...]]) -> dict[str, tuple[str, ...]]:
    """Post -> the posts whose related lists show it: what an edit of it re-plans and swaps
    (replan.py, swap.py)."""
    holders: dict[str, list[str]] = {}
    for source, others in related.items():
        for other in others:
            holders.setdefault(other.source, []).append(source)
    return {source: tuple(sources) for source, sources in holders.items()}


def scheduled(posts: Iterable[Post], now: datetime) -> tuple[datetime, ...]:
    """Return when each post held back only by its date goes live, soonest first: a writer
    should hear that a post is waiting, and when the site next needs a build."""
    return tuple(sorted(post.date for post in posts if not post.is_draft and post.date > now))


def _related(posts: list[Post], taxonomies: tuple[Taxonomy, ...], weights: dict[str, int], memo: Memo) -> Related:
    key = digest(weights, [(post.source, post.terms) for post in posts])  # posts come newest first
    sources = memo("related", key, partial(related_posts, posts, taxonomies, weights))
    by_source = {post.source: post for post in posts}
    return {source: tuple(by_source[other] for other in others) for source, others in sources.items()}


def _valid_until(config: Config, posts: Sequence[Post], films: Sequence[Film], now: datetime) -> datetime | None:
    """Return when the output changes with the clock alone: a post comes due, a news item
    leaves the news sitemap, a release date passes (the upcoming list changes), the day ends
    (the upcoming page says which films open after today)."""
    moments = [post.date for post in posts if post.date > now and not post.is_draft and not config.drafts]
    moments += [post.date + NEWS_WINDOW for post in posts if post.date <= now < post.date + NEWS_WINDOW]
    release = next_change(films, now)
    if release:
        moments.append(datetime.combine(release, time(), UTC))
    if "films" in config.taxonomies:
        moments.append(datetime.combine(now.date() + timedelta(days=1), time(), now.tzinfo))
    return min(moments, default=None)


def group_by_term(
    posts: Sequence[Post],
    taxonomy: str,
    films: dict[str, Film],
    articles: Sequence[str] = (),
    people: Mapping[str, Person] | None = None,
) -> tuple[Term, ...]:
    """Return one Term per distinct slug in `taxonomy`, sorted by name (films without a leading
    article of `articles`: "The Boy and the Heron" files under B); posts stay newest first.
    A person with a file in `people` has a page, under the file's name."""
    people = people or {}
    by_slug: dict[str, list[Post]] = {}
    spellings: dict[str, Counter[str]] = {}
    for post in posts:
        for name in post.terms.get(taxonomy, ()):
            slug = slugify(name)
            if slug not in by_slug:
                by_slug[slug], spellings[slug] = [], Counter()
            by_slug[slug].append(post)
            spellings[slug][name] += 1
    if taxonomy == "films":
        for slug in films:
            by_slug.setdefault(slug, [])
    if taxonomy == "people":  # everyone credited in film metadata gets a page listing their films
        for slug, filed in people.items():
            by_slug.setdefault(slug, [])
            spellings.setdefault(slug, Counter())[filed.name] += 0
        for film in films.values():
            for name in (*film.director, *film.cast):
                by_slug.setdefault(slugify(name), [])
                spellings.setdefault(slugify(name), Counter())[name] += 0
    terms = []
    posters = {slug: film.poster for slug, film in films.items() if film.poster}
    for slug, tagged in by_slug.items():
        metadata = films.get(slug) if taxonomy == "films" else None
        person = people.get(slug) if taxonomy == "people" else None
        name = metadata.title if metadata else person.name if person else spellings[slug].most_common(1)[0][0]
        sort_name = without_article(name, articles) if taxonomy == "films" else name
        picture = next((found for post in tagged if (found := _share_picture(post, posters))), None)
        url = term_url(taxonomy, slug)
        terms.append(
            Term(taxonomy, name, slug, url, tuple(tagged), metadata, sort_name, person=person, newest_picture=picture)
        )
    return tuple(sorted(terms, key=lambda term: (term.sort_name.casefold(), term.slug)))


def _share_picture(post: Post, posters: Mapping[str, str]) -> str | None:
    """What seo.post_picture finds for `post`: its picture, else the first poster among its films."""
    if post.image or not posters:
        return post.image
    return next((posters[slug] for name in post.films if (slug := slugify(name)) in posters), None)


def without_article(name: str, articles: Sequence[str]) -> str:
    """Return `name` without a leading article ("The", "A", "L'"), as indexes sort it."""
    folded = name.casefold()
    for article in articles:
        word = article.casefold()
        joined = word.endswith(("'", "’"))  # L'Atalante: the article runs into the word
        if folded.startswith(word) and (joined or folded[len(word) : len(word) + 1].isspace()):
            rest = name[len(word) :].lstrip()
            if rest:
                return rest
    return name


def archive(posts: Sequence[Post]) -> tuple[Month, ...]:
    """Return the posts grouped by month, newest month first."""
    months: dict[tuple[int, int], list[Post]] = {}
    for post in posts:  # the month the writer dated it in, even when time zones reorder posts
        months.setdefault((post.date.year, post.date.month), []).append(post)
    return tuple(Month(year, month, tuple(group)) for (year, month), group in sorted(months.items(), reverse=True))


def paginate(posts: Sequence[Post], per_page: int, first_url: str) -> tuple[Pager, ...]:
    """Cut `posts` into pages: first_url, then first_url + 'page/2/', ..."""
    chunks = [tuple(posts[start : start + per_page]) for start in range(0, len(posts), per_page)] or [()]
    urls = [first_url] + [f"{first_url}page/{number}/" for number in range(2, len(chunks) + 1)]
    return tuple(
        Pager(
            number=index + 1,
            total=len(chunks),
            posts=chunk,
            url=urls[index],
            previous_url=urls[index - 1] if index else None,
            next_url=urls[index + 1] if index + 1 < len(chunks) else None,
        )
        for index, chunk in enumerate(chunks)
    )


def _bundle_dir(post: Post) -> str | None:
    return posixpath.dirname(post.source) if posixpath.basename(post.source) == "index.md" else None


def _place_assets(assets: Sequence[Asset], posts: Sequence[Post], hidden: set[str | None]) -> list[Asset]:
    """Files in a post's bundle folder land beside its page; a hidden post's files are left out."""
    bundles = {_bundle_dir(post): post.url for post in posts} | dict.fromkeys(hidden, "")
    placed = []
    for asset in assets:
        folder = posixpath.dirname(asset.source)
        while folder not in bundles and folder.count("/") > 1:
            folder = posixpath.dirname(folder)
        url = bundles.get(folder)
        if url == "":
            continue
        if url is not None:
            inner = posixpath.relpath(asset.source, folder)
            asset = replace(asset, rel_out=url.strip("/") + "/" + inner)
        placed.append(asset)
    return placed


def _source_urls(
    posts: Sequence[Post], films: Sequence[Film], pages: Sequence[Page], assets: Sequence[Asset]
) -> dict[str, str]:
    urls = {post.source: post.url for post in posts}
    urls |= {film.source: term_url("films", film.slug) for film in films}
    urls |= {page.source: page.url for page in pages}
    urls |= {asset.source: "/" + asset.rel_out for asset in assets}
    return urls


def resolve_post(post: Post, urls: dict[str, str], config: Config, errors: list[MatineeError]) -> Post:
    """`post` with its links, pictures and image pointing at the URLs they are built to."""
    image = post.image
    if image and (path := resolve_path(post.source, image)) in urls:
        image = urls[path]
    body = _resolved_body(post, urls, config, errors)
    if body is None:  # the body stays as written (and packed)
        return post if image == post.image else replace(post, image=image, fingerprint=digest(post.fingerprint, image))
    return replace(
        post,
        body=pack_html(body),
        images=image_sources(body),
        image=image,
        fingerprint=digest(post.fingerprint, body, image),
    )


def _resolve_poster(film: Film, urls: dict[str, str]) -> Film:
    """A poster written beside the film file (`poster: dune.jpg`) becomes the copied file's URL."""
    path = resolve_path(film.source, film.poster) if film.poster else None
    if path is None or path not in urls:
        return film
    return replace(film, poster=urls[path], fingerprint=digest(film.fingerprint, urls[path]))


def _resolve_photo(profile: Profile, urls: dict[str, str]) -> Profile:
    """A photo written beside an author or person file becomes the copied file's URL."""
    path = resolve_path(profile.source, profile.photo) if profile.photo else None
    if path is None or path not in urls:
        return profile
    return replace(profile, photo=urls[path], fingerprint=digest(profile.fingerprint, urls[path]))


def _resolve_page(page: Page, urls: dict[str, str], config: Config, errors: list[MatineeError]) -> Page:
    body = _resolved_body(page, urls, config, errors)
    if body is None:
        return page
    return replace(page, body=pack_html(body), fingerprint=digest(page.fingerprint, body))


def _resolved_body(item: Post | Page, urls: dict[str, str], config: Config, errors: list[MatineeError]) -> str | None:
    """Return the body with its relative links resolved and put under the base path, or None
    if that changes nothing (a body with nothing to change is not even unpacked)."""
    under_path = config.base_path != "/"
    if not item.links and not under_path:
        return None
    written = item.body_html
    body = under_base(written, config.base_path) if under_path else written
    body = resolve_links(body, item.source, urls, config.link, errors, item.link_lines.get)
    return None if body == written else body


def _duplicate_urls(
    config: Config, posts: Sequence[Post], pages: Sequence[Page], films: Sequence[Film], assets: Sequence[Asset] = ()
) -> list[MatineeError]:
    """Report posts, pages, aliases and copied files whose output file another one has.

    Outputs are compared as files, so the alias /x/index.html clashes with the page /x/.
    """
    generated = map(output_path, _generated_urls(config, posts, films))
    owners: dict[str, str] = dict.fromkeys(generated, "a page Matinee makes")
    errors = []
    for asset in assets:
        if asset.rel_out in owners:
            owner = owners[asset.rel_out]
            message = f"would be copied to /{asset.rel_out}, which {owner} also has; rename it"
            errors.append(MatineeError(asset.source, None, message))
        owners.setdefault(asset.rel_out, asset.source)
    items: list[Post | Page] = [*posts, *pages]
    # Every page's own URL first: an alias claiming a post's URL is the alias's mistake,
    # reported at its `aliases:` line, whichever file comes first.
    claims = [(item, item.url, "slug") for item in items]
    claims += [(item, alias, "aliases") for item in items for alias in getattr(item, "aliases", ())]
    for item, url, key in claims:
        lines = getattr(item, "lines", {})
        path = output_path(url)
        if path in owners and (owners[path] != item.source or key == "aliases"):
            line = lines.get(key) or lines.get("title")
            owner = "its own page" if owners[path] == item.source else owners[path]
            message = f"has the URL {url}, which {owner} also has; set another slug or alias"
            errors.append(MatineeError(item.source, line, message))
        owners.setdefault(path, item.source)
    return errors


def _generated_urls(config: Config, posts: Sequence[Post], films: Sequence[Film]) -> set[str]:
    """Return the URLs of pages made from the whole site (indexes, archive, home pages...)."""
    urls = {"/", "/archive/", "/404.html", "/films/upcoming/", "/films/by-year/", "/search/"}
    urls |= {"/feed.xml", "/sitemap.xml", "/news-sitemap.xml", "/robots.txt", "/films/releases.ics"}
    reviewed = sum(1 for post in posts if post.rating is not None)
    urls |= {"/reviews/", "/reviews/feed.xml", "/reviews/top/", "/authors/"}
    for name in {name for post in posts for name in post.authors}:
        author_url = term_url("authors", slugify(name))
        urls |= {author_url, f"{author_url}feed.xml"}
    urls |= {
        f"{url}page/{number}/"
        for url in ("/reviews/", "/reviews/top/")
        for number in range(2, reviewed // config.per_page + 2)
    }
    urls |= {f"/page/{number}/" for number in range(2, len(posts) // config.per_page + 2)}
    for taxonomy in config.taxonomies:
        urls.add(f"/{taxonomy}/")
        names = {name for post in posts for name in post.terms.get(taxonomy, ())}
        terms = {term_url(taxonomy, slugify(name)) for name in names}
        urls.update(terms, {f"{url}feed.xml" for url in terms})  # feeds.py makes some terms a feed
    urls.update(term_url("films", film.slug) for film in films)
    urls.update(f"/collections/{slugify(film.collection)}/" for film in films if film.collection)
    return urls
