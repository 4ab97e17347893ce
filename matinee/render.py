"""Turn planned outputs into bytes: a page through its layout, a redirect page, the layouts' globals.

Planning (plan.py) decides what each output is made from; this module makes it, share by
share, so that the forked workers of write.write_tree each render and stage their own share.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from .embeds import embed_or_link
from .errors import MatineeError
from .layouts import CARD_LAYOUT, LayoutEnvironment, layout_error, load_template
from .memo import Planned
from .model import Output, Post, Site
from .picture import PROSE_SIZES, Lookup, picture, rewrite_images
from .urls import encode, slugify, term_url


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

    def render(self, share: int = 0, shares: int = 1) -> Iterator[Output]:
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


def render_plan(
    site: Site, env: jinja2.Environment, lookup: Lookup, planned: tuple[Planned, ...], previous: Mapping[str, str]
) -> Rendering:
    """Ready `env` to render `site`'s pages (its globals), for the outputs whose key is not in `previous`."""
    env.globals.update(_globals(site, env, lookup))
    return Rendering(planned, previous)


def page(env: jinja2.Environment, url: str, layout: str, source: str | None, context: Mapping[str, Any]) -> bytes:
    """Render one page at `url` through `layout`; `context["meta"]` is called for its SEO tags
    only now, as most pages of a rebuild are not rendered."""
    template = load_template(env, layout, source, context.get("page"))
    clock = env.timed_page() if isinstance(env, LayoutEnvironment) else nullcontext()
    try:
        with clock:
            return template.render(url=url, **(dict(context) | {"meta": context["meta"]()})).encode("utf-8")
    except RecursionError as error:
        place = layout_error(error, env)
        where = place.path if place.path != "layouts" else f"layouts/{layout}"
        message = "layouts include, extend or call each other without end"
        raise MatineeError(where, place.line, message) from None
    except Exception as error:  # a layout can raise anything its expressions raise
        raise layout_error(error, env) from None


def redirect(target: str, canonical: str) -> bytes:
    """Return a small page that sends visitors of an old URL to the new one."""
    link, absolute = html.escape(target), html.escape(canonical)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<title>Moved</title><link rel="canonical" href="{absolute}">\n'
        f'<meta http-equiv="refresh" content="0; url={link}">\n'
        '<meta name="robots" content="noindex"></head>\n'
        f'<body><p>This page has moved to <a href="{link}">{link}</a>.</p></body></html>\n'
    ).encode()


def _globals(site: Site, env: jinja2.Environment, lookup: Lookup) -> dict[str, Any]:
    config = site.config
    cards: dict[str, Markup] = {}
    link = lru_cache(maxsize=None)(lambda url: encode(config.link(url)))  # one build's URLs

    def responsive(
        url: str, alt: str = "", sizes: str = PROSE_SIZES, eager: bool = False, search: bool = False
    ) -> Markup:
        """Return an image (a site URL or a web address) as responsive markup, for layouts;
        `search` makes it the page's picture in search results (Pagefind's image metadata)."""
        src = link(url) if url.startswith("/") and not url.startswith("//") else url
        info = lookup(url)
        attributes = f' alt="{html.escape(alt)}"'
        if search:  # a result's thumbnail is ~120 px wide: the narrowest copy, not the original
            thumbnail = link(info.variants[0].url) if info and info.variants else src
            meta = f"image_alt[alt], image:{thumbnail}"  # a static value runs to the end: last
            attributes += f' data-pagefind-meta="{html.escape(meta)}"'
        return Markup(picture(info, html.escape(src), attributes, link=link, sizes=sizes, eager=eager))

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
