"""The Jinja environment of a site's layouts, and what parsing them tells: what each can read.

Layout errors become MatineeError(layouts/<name>, line) here, for syntax errors and for
errors raised while a page renders (render.py) alike.
"""

from __future__ import annotations

import math
import re
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.meta import find_referenced_templates

from .content import IGNORED, TEMPLATE_SUFFIXES
from .errors import MatineeError
from .memo import SITE_PARTS, SITE_READS, digest
from .model import Post
from .urls import slugify

CARD_LAYOUT = "partials/card.html"
MAX_RANGE = 100_000  # numbers one range() in a layout may count (Jinja's sandbox allows as many)
POST_ATTRIBUTES = frozenset(
    [item.name for item in fields(Post)] + [name for name in dir(Post) if isinstance(getattr(Post, name), property)]
)
# A tag naming its layout other than by one quoted name ({% include "a" ~ b %}, a list, a variable).
_COMPUTED_INCLUDE = re.compile(
    r"""\{%-?\s*(?:include|import|from|extends)\s+(?!(["'])[^"']*\1\s*(?:-?%\}|ignore\b|with\b|without\b|import\b|as\b))"""
)
_QUOTES = ("'", '"', "'./", '"./')  # how a layout names a file: the loader drops a leading ./
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
    env = LayoutEnvironment(
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


class LayoutEnvironment(jinja2.Environment):
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
            errors.append(layout_error(error, env))
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


def load_template(env: jinja2.Environment, layout: str, source: str | None, page: Any) -> jinja2.Template:
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
        raise layout_error(error, env) from None


def layout_error(error: Exception, env: jinja2.Environment) -> MatineeError:
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


def _format_date(moment: datetime, style: str = "long") -> str:
    if style == "iso":
        return moment.isoformat()
    return f"{moment.day} {moment:%B %Y}" if style == "long" else f"{moment:%d %b %Y}"
