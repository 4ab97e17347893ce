"""Render the Site through the Jinja layouts into outputs (path, bytes) held in memory."""

from __future__ import annotations

import html
import traceback
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from . import feeds
from .errors import MatineeError
from .model import Output, Site
from .site import paginate
from .urls import output_path, slugify, term_url

_MISSING_LAYOUT = object()


def make_env(layouts_dir: Path) -> jinja2.Environment:
    """Return the Jinja environment for a site's layouts: autoescaped, strict about typos."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(layouts_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["date"] = _format_date
    env.filters["slugify"] = slugify
    return env


def render_site(site: Site, env: jinja2.Environment) -> Iterator[Output]:
    """Yield every output of the site; raise all layout errors together at the end."""
    errors: dict[str, MatineeError] = {}
    env.globals.update(_globals(site))
    for render in _pages(site):
        try:
            yield render(env)
        except MatineeError as error:
            errors.setdefault(str(error), error)
    yield from feeds.render_feeds(site)
    if errors:
        raise ExceptionGroup("layouts failed to render", list(errors.values()))


Render = Any  # a callable (env) -> Output


def _pages(site: Site) -> Iterator[Render]:
    config = site.config
    posts = site.posts
    for index, post in enumerate(posts):
        newer = posts[index - 1] if index else None
        older = posts[index + 1] if index + 1 < len(posts) else None
        yield _page(post.url, post.layout, post.source, page=post, newer=newer, older=older)
        for alias in post.aliases:
            yield lambda env, alias=alias, post=post: Output(output_path(alias), _redirect(config.link(post.url), config.absolute(post.url)))
    for page in site.pages:
        yield _page(page.url, page.layout, page.source, page=page)
    for pager in paginate(posts, config.per_page, "/"):
        yield _page(pager.url, "index.html", None, page=None, pager=pager)
    for taxonomy in site.taxonomies:
        yield _page(taxonomy.url, "terms.html", None, page=taxonomy, taxonomy=taxonomy)
        for term in taxonomy.terms:
            for pager in paginate(term.posts, config.per_page, term.url):
                yield _page(pager.url, "term.html", None, page=term, term=term, pager=pager)
    yield _page("/archive/", "archive.html", None, page=None, archive=site.archive)
    yield _page("/404.html", "404.html", None, page=None)


def _page(url: str, layout: str, source: str | None, **context: Any) -> Render:
    def render(env: jinja2.Environment) -> Output:
        template = _template(env, layout, source, context.get("page"))
        try:
            text = template.render(url=url, **context)
        except MatineeError:
            raise
        except jinja2.TemplateError as error:
            raise _layout_error(error, env) from None
        except RecursionError:
            raise MatineeError(f"layouts/{layout}", None, "layouts include or extend each other without end") from None
        except Exception as error:  # a layout calling into Python can raise anything
            raise _layout_error(error, env) from None
        return Output(output_path(url), text.encode("utf-8"))

    return render


def _template(env: jinja2.Environment, layout: str, source: str | None, page: Any) -> jinja2.Template:
    try:
        return env.get_template(layout)
    except jinja2.TemplateNotFound as error:
        if source is not None and error.name == layout:
            line = getattr(page, "lines", {}).get("layout") if page is not None else None
            raise MatineeError(source, line, f"layout {layout!r} is not in layouts/") from None
        raise MatineeError(f"layouts/{layout}", None, f"needs the layout {error.name!r}, which is not in layouts/") from None
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


def _globals(site: Site) -> dict[str, Any]:
    config = site.config
    return {
        "site": site,
        "config": config,
        "link": lambda url: quote(config.link(url), safe="/#%?=&:~+"),
        "absolute": lambda url: quote(config.absolute(url), safe="/#%?=&:~+"),
        "term_url": lambda taxonomy, name: term_url(taxonomy, slugify(name)),
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
        f'<meta name="robots" content="noindex"></head>\n<body><p>This page has moved to <a href="{link}">{link}</a>.</p></body></html>\n'
    ).encode("utf-8")
