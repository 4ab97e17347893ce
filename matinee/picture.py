"""Responsive images in HTML: `<img>` becomes `<picture>` with srcset, sizes, width, height. Pure.

Every width is offered in WebP (a `<source>`) and in the original format (the `<img>` itself,
which older browsers and feed readers use). `width`/`height` let the browser reserve the space
before the file arrives, so the text does not jump. Images wait until the reader scrolls near
them (`loading="lazy"`), except the first image of a page, which is fetched at once.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence

from .model import ImageInfo, Variant
from .urls import encode

# The post column is 42rem wide inside 1.25rem of padding each side (layouts/assets/style.css).
PROSE_SIZES = "(min-width: 44.5rem) 42rem, calc(100vw - 2.5rem)"
EAGER = ' loading="eager" fetchpriority="high"'
LAZY = ' loading="lazy" decoding="async"'

Lookup = Callable[[str], ImageInfo | None]
Link = Callable[[str], str]  # site URL -> the URL a page links to (base path, percent-encoding)

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
# A tag the writer sized or set up by hand is left exactly as written.
_HAND_MADE = frozenset({"width", "height", "srcset", "sizes", "loading"})


def image_sources(body_html: str) -> tuple[str, ...]:
    """Return the src of every `<img>` tag in `body_html`, each once, entities decoded."""
    found = (_attributes(tag).get("src") for tag in _IMG.findall(body_html))
    return tuple(dict.fromkeys(html.unescape(src) for src in found if src))


def lookup_for(infos: Mapping[str, ImageInfo], base_path: str) -> Lookup:
    """Return a function finding the ImageInfo of a site URL, or of a link made from one."""

    def lookup(src: str) -> ImageInfo | None:
        if src in infos:
            return infos[src]
        return infos.get("/" + src[len(base_path) :]) if src.startswith(base_path) else None

    return lookup


def picture(
    info: ImageInfo | None,
    src_html: str,
    attributes_html: str,
    *,
    link: Link,
    sizes: str,
    eager: bool,
) -> str:
    """Return the markup for one image; `src_html` and `attributes_html` are HTML, kept as
    given but for the spaces and non-ASCII letters of the src, percent-encoded as in srcset."""
    loading = EAGER if eager else LAZY
    src_html = html.escape(encode(html.unescape(src_html)))
    if info is None:
        return f'<img src="{src_html}"{attributes_html}{loading}>'
    webp = [variant for variant in info.variants if variant.format == "webp"]
    fallback = [variant for variant in info.variants if variant.format != "webp"] or webp
    size = f' width="{info.width}" height="{info.height}"'
    # One fallback file is the src itself; a srcset would only repeat it.
    choices = _srcset(fallback, link, sizes) if len(fallback) > 1 else ""
    img = f'<img src="{src_html}"{choices}{size}{attributes_html}{loading}>'
    if fallback is webp or not webp:
        return img
    # A <source> has no src: even an image narrower than the first width, with one WebP copy, needs its srcset.
    return f'<picture><source type="image/webp"{_srcset(webp, link, sizes)}>{img}</picture>'


def rewrite_images(
    body_html: str,
    lookup: Lookup,
    *,
    link: Link,
    sizes: str = PROSE_SIZES,
    eager_first: bool = False,
) -> str:
    """Return `body_html` with every `<img>` made responsive where its variants are known.

    The first image is eager when `eager_first`, the rest lazy; a hand-sized tag is left alone.
    """
    eager = eager_first

    def replace(match: re.Match[str]) -> str:
        nonlocal eager
        tag = match.group(0)
        first, eager = eager, False
        written = _attributes(tag)
        if "src" not in written or _HAND_MADE & written.keys():
            return tag
        kept = "".join(raw for name, raw in _raw_attributes(tag) if name != "src")
        return picture(
            lookup(html.unescape(written["src"])),
            written["src"],
            kept,
            link=link,
            sizes=sizes,
            eager=first,
        )

    return _IMG.sub(replace, body_html)


def _srcset(variants: Sequence[Variant], link: Link, sizes: str) -> str:
    """Return ` srcset=... sizes=...` offering `variants`; a single file needs neither widths nor sizes."""
    # A comma inside a srcset URL would split the list; percent-encode it.
    urls = [link(variant.url).replace(",", "%2C") for variant in variants]
    if len(variants) == 1:
        return f' srcset="{html.escape(urls[0])}"'
    entries = ", ".join(f"{url} {variant.width}w" for url, variant in zip(urls, variants, strict=True))
    return f' srcset="{html.escape(entries)}" sizes="{html.escape(sizes)}"'


def _attributes(tag: str) -> dict[str, str]:
    """Return the tag's attributes by lower-case name, values as written (entities kept)."""
    found = {}
    for match in _ATTRIBUTE.finditer(_inside(tag)):
        name, double, single, bare = match.groups()
        found[name.lower()] = next((value for value in (double, single, bare) if value is not None), "")
    return found


def _raw_attributes(tag: str) -> list[tuple[str, str]]:
    """Return (lower-case name, " name=value" exactly as written) for each attribute."""
    return [(match.group(1).lower(), " " + match.group(0)) for match in _ATTRIBUTE.finditer(_inside(tag))]


def _inside(tag: str) -> str:
    """The attribute part of an `<img ...>` or `<img .../>` tag."""
    return tag[4:-1].rstrip("/ \t\n")
