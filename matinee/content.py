"""Find the site's source files and parse each into a Post, Film or Page."""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

from .config import Config
from .errors import MatineeError
from .fields import Reader
from .frontmatter import FrontMatter, decode, split
from .links import link_lines, relative_targets
from .markup import description, plain_text, smart_text
from .memo import fingerprint
from .model import Asset, Page, Post, pack_html
from .picture import image_sources
from .reviews import read_review
from .urls import clean_url, is_slug, permalink, slug_from_filename, slugify
from .writers import read_bylines

POSTS_DIR = "posts"
FILMS_DIR = "films"
AUTHORS_DIR = "authors"
PEOPLE_DIR = "people"
TEMPLATE_SUFFIXES = (".html", ".xml", ".j2")
# Hidden, editor temporary and backup names; not .well-known/ (RFC 8615: security.txt, ACME challenges).
IGNORED = re.compile(r"^(\.(?!well-known$)|#)|~$|\.(swp|swx|tmp|bak)$")
_LAYOUT_NAME = re.compile(r"[\w-]+(\.html)?")
# The keys by which a post says it is not to be published: Matinee's and Hugo's draft:, Jekyll's
# published:, Pelican's status:. A post is published only if none of them holds it back.
PUBLISHING_KEYS = ("draft", "published", "status")
STATUSES = {"published": True, "draft": False, "hidden": False}  # Pelican's status: -> published?
_POST_TEXTS = ("summary", "image_alt", "image_credit", "caption", "correction")

POST_KEYS = frozenset(
    {
        "title",
        "date",
        "updated",
        "author",
        "authors",
        "summary",
        "image",
        "image_alt",
        "image_credit",
        "caption",
        "correction",
        "spoilers",
        "featured",
        "draft",
        "published",
        "status",
        "slug",
        "layout",
        "aliases",
        "rating",
        "review_of",
    }
)
WORDS_PER_MINUTE = 220
# Measured: Markdown converts at ~1.4 s per MB; a 50 MB post took 3 minutes and 1.7 GB to build.
MAX_SOURCE_BYTES = 2 * 2**20
# A file written less than this before it was read may change again with the same mtime
# (file systems keep time in ticks), so its stat does not vouch for its bytes.
RACY_NS = 2 * 10**9
Signature = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Markdown file found under content/, not yet read."""

    kind: str  # "post", "film" or "page"
    rel: str  # relative to the source folder, e.g. content/posts/2024/dune.md
    path: str  # a string: pathlib costs seconds at 10,000 files
    signature: Signature  # its stat when found (see signature())


@dataclass(frozen=True, slots=True)
class Source:
    """One Markdown file's bytes."""

    kind: str
    rel: str
    raw: bytes
    fingerprint: str  # digest of `raw`
    signature: Signature | None = None  # the file's stat when read; None if too recent to trust


@dataclass(frozen=True, slots=True)
class Sources:
    """Everything found under content/ and layouts/, and what could not be listed."""

    files: tuple[SourceFile, ...]
    assets: tuple[Asset, ...]
    errors: tuple[MatineeError, ...] = ()  # broken links, unreadable folders: reported with the rest


def find_sources(config: Config) -> Sources:
    """List the Markdown files under content/ and the files to copy as they are."""
    files: list[SourceFile] = []
    assets: list[Asset] = []
    errors: list[MatineeError] = []
    source_prefix = len(str(config.source)) + 1  # string slicing: pathlib costs seconds at 10,000 files
    content_prefix = len(str(config.content_dir)) + 1
    for path, status in _walk(config.content_dir, config.source, errors):
        text = path.replace(os.sep, "/")
        rel, inner = text[source_prefix:], text[content_prefix:]
        if not inner.lower().endswith(".md"):
            assets.append(Asset(Path(path), rel, inner))
            continue
        folder = inner.split("/", 1)[0] if "/" in inner else ""
        kind = {POSTS_DIR: "post", FILMS_DIR: "film", AUTHORS_DIR: "author", PEOPLE_DIR: "person"}.get(folder, "page")
        files.append(SourceFile(kind, rel, path, signature(status)))
    for found, _ in _walk(config.layouts_dir, config.source, errors):
        layout_file = Path(found)
        if layout_file.suffix.lower() not in TEMPLATE_SUFFIXES:
            rel_out = layout_file.relative_to(config.layouts_dir).as_posix()
            assets.append(Asset(layout_file, layout_file.relative_to(config.source).as_posix(), rel_out))
    return Sources(tuple(files), tuple(assets), tuple(errors))


def load_source(file: SourceFile) -> Source:
    """Read one Markdown file's bytes; refuse one too big to build in reasonable time."""
    try:
        with open(file.path, "rb") as opened:
            status = os.fstat(opened.fileno())
            size = status.st_size
            if size > MAX_SOURCE_BYTES:
                raise MatineeError(
                    file.rel,
                    None,
                    f"is {size / 2**20:.1f} MB; a Markdown file may be at most "
                    f"{MAX_SOURCE_BYTES // 2**20} MB (split it, or link to a file beside it)",
                )
            raw = opened.read()
    except OSError as error:
        raise MatineeError(file.rel, None, f"cannot be read: {error.strerror}") from None
    # The path is part of it: a renamed file gets a new URL, so every page listing it changes.
    digest = fingerprint(file.rel.encode("utf-8") + b"\0" + raw)
    trusted = time.time_ns() - status.st_mtime_ns > RACY_NS
    return Source(file.kind, file.rel, raw, digest, signature(status) if trusted else None)


def restat(path: str, config: Config) -> Signature:
    """Return the signature of one Markdown file found before (see find_sources), for `serve`
    to renew the one file a save changed; raise MatineeError if it is no longer usable."""
    try:
        return signature(_usable(path, config.content_dir.resolve(), config.content_dir.name))
    except _Unusable as unusable:
        raise MatineeError(path, None, str(unusable)) from None


def signature(status: os.stat_result) -> Signature:
    """Return what changes when a file is written: equal signatures mean unchanged bytes,
    provided the file was read after its mtime's clock moved on (see RACY_NS)."""
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _walk(top: Path, source: Path, errors: list[MatineeError]) -> list[tuple[str, os.stat_result]]:
    """Return every usable file under `top` with its stat; note why the others are not."""
    found: list[tuple[str, os.stat_result]] = []
    root = top.resolve()
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(name for name in dirs if not IGNORED.search(name))
        for name in sorted(files):
            if IGNORED.search(name):
                continue
            path = os.path.join(folder, name)
            try:
                found.append((path, _usable(path, root, top.name)))
            except _Unusable as unusable:
                errors.append(MatineeError(_shown(Path(path).relative_to(source)), None, str(unusable)))
        for name in dirs:  # os.walk skips folder links; one leading out is an error, not a gap
            link = Path(folder, name)
            if link.is_symlink() and not link.resolve().is_relative_to(root):
                problem = f"is a link to a folder outside {top.name}/; copy the folder in instead"
                errors.append(MatineeError(_shown(link.relative_to(source)), None, problem))
    return found


class _Unusable(Exception):
    """Why a file found under content/ or layouts/ cannot be built from."""


def _usable(path: str, root: Path, top: str) -> os.stat_result:
    """Return the stat of a file found under content/ or layouts/, or raise _Unusable."""
    try:
        status = os.lstat(path)  # os calls, not pathlib: this runs for every file of a big site
        if stat.S_ISLNK(status.st_mode):
            if not Path(path).resolve().is_relative_to(root):
                raise _Unusable(f"is a link to a file outside {top}/; copy the file in instead")
            status = os.stat(path)
    except OSError:
        raise _Unusable("is a broken link, or was deleted during the build") from None
    if not _is_utf8(path):
        raise _Unusable("has a name that is not UTF-8; rename it")
    if not stat.S_ISREG(status.st_mode):  # reading a named pipe would wait for ever
        raise _Unusable("is not a regular file (a pipe, socket or device); remove it")
    return status


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # os.walk hands undecodable bytes over as lone surrogates
        return False
    return True


def _shown(rel: Path) -> str:
    """Return a path for messages; bytes that are not UTF-8 are shown as \\xNN."""
    return os.fsencode(rel.as_posix()).decode("utf-8", "backslashreplace")


def read_front_matter(source: Source) -> FrontMatter:
    """Decode one source file and split off its front matter."""
    return split(decode(source.raw, source.rel), source.rel)


# Long on purpose: one table of field readers and the Post they fill; split, it would scatter the post's schema.
def parse_post(source: Source, front: FrontMatter, body_html: str, config: Config) -> Post:
    """Return the Post a source file describes, or raise an error at each bad line."""
    reader = Reader(source.rel, front.fields, front.problems)
    read = reader.each(
        {
            "title": partial(reader.text, "title", required=True),
            "date": partial(reader.moment, "date", required=True),
            "slug": partial(_post_slug, reader, source.rel),
            "updated": partial(reader.moment, "updated"),
            "has_spoilers": partial(reader.flag, "spoilers"),
            "featured": partial(reader.flag, "featured"),
            "is_draft": partial(reader.flag, "draft"),
            "is_unpublished": partial(_unpublished, reader),
            "is_held": partial(_held, reader),
            "layout": partial(_layout, reader, "post.html"),
            "aliases": partial(_aliases, reader),
            "image": partial(reader.url, "image"),
            "authors": partial(read_bylines, reader),
            **{key: partial(reader.text, key) for key in _POST_TEXTS},
        }
    )
    terms = reader.each({name: partial(_term_names, reader, name) for name in config.taxonomies})
    review = reader.each({"review": partial(read_review, reader, config.rating_scale, terms.get("films") or ())})
    reader.raise_errors()
    extra_keys = set(front.fields) - POST_KEYS - set(config.taxonomies)
    links = relative_targets(body_html)
    return Post(
        source=source.rel,
        title=smart_text(read["title"] or ""),
        date=read["date"],
        slug=read["slug"],
        url=permalink(config.permalink, read["date"], read["slug"]),
        body=pack_html(body_html),
        summary=description(read["summary"] and smart_text(read["summary"]), body_html),
        body_line=front.body_line,
        fingerprint=source.fingerprint,
        updated=read["updated"],
        author=", ".join(read["authors"] or ()) or config.author or None,
        authors=read["authors"] or ((config.author,) if config.author else ()),
        terms=terms,
        image=read["image"],
        image_alt=read["image_alt"],
        image_credit=read["image_credit"],
        caption=read["caption"],
        correction=read["correction"],
        reading_minutes=max(1, round(len(plain_text(body_html).split()) / WORDS_PER_MINUTE)),
        has_spoilers=read["has_spoilers"],
        featured=read["featured"],
        is_draft=read["is_draft"] or read["is_unpublished"] or read["is_held"],
        layout=read["layout"],
        aliases=read["aliases"],
        rating=review["review"].rating,
        review_of=review["review"].review_of,
        links=links,
        link_lines=link_lines(front.body, front.body_line, links),
        images=image_sources(body_html),
        extra={key: reader.raw(key) for key in sorted(extra_keys)},
        lines={key: field.line for key, field in front.fields.items()},
    )


def parse_page(source: Source, front: FrontMatter, body_html: str) -> Page:
    """Return the Page a content/<name>.md file describes: about.md -> /about/."""
    reader = Reader(source.rel, front.fields, front.problems)
    read = reader.each(
        {
            "title": partial(reader.text, "title", required=True),
            "slug": partial(reader.text, "slug"),
            "summary": partial(reader.text, "summary"),
            "layout": partial(_layout, reader, "page.html"),
        }
    )
    inner = PurePosixPath(source.rel).relative_to("content").with_suffix("")
    slug = read["slug"] or slugify(inner.name)
    parts = [slugify(part) for part in inner.parts[:-1]] + [slug]
    url = clean_url("/".join(parts) + "/")
    if url is None or not all(parts) or not all(map(is_slug, url.strip("/").split("/"))):
        if reader.line("slug"):
            hint = "may hold only letters, digits, single hyphens and '/' between folders"
            reader.note(reader.fail("slug", f"slug {slug!r} {hint}"))
        else:
            reader.note(MatineeError(source.rel, 1, "cannot make a URL from this page's name; add slug:"))
    reader.raise_errors()
    known = {"title", "slug", "layout", "summary"}
    links = relative_targets(body_html)
    return Page(
        source=source.rel,
        title=read["title"],
        slug=slug,
        url=url or "/",
        body=pack_html(body_html),
        summary=description(read["summary"], body_html),
        body_line=front.body_line,
        fingerprint=source.fingerprint,
        layout=read["layout"],
        links=links,
        extra={key: reader.raw(key) for key in sorted(set(front.fields) - known)},
        link_lines=link_lines(front.body, front.body_line, links),
        lines={key: field.line for key, field in front.fields.items()},
    )


def _post_slug(reader: Reader, rel: str) -> str:
    given = reader.text("slug")
    if given is not None:
        if not is_slug(given):
            raise reader.fail(
                "slug",
                f"slug {given!r} may hold only letters, digits and single hyphens; try {slugify(given) or 'a-name'!r}",
            )
        return given
    path = PurePosixPath(rel)
    stem = path.parent.name if path.stem == "index" else path.stem
    slug = slug_from_filename(stem)
    if not slug:
        raise MatineeError(rel, 1, "the file name gives no slug; rename the file or add 'slug:'")
    return slug


def _unpublished(reader: Reader) -> bool:
    """Jekyll's `published: false`; absent means published."""
    return reader.line("published") is not None and not reader.flag("published")


def _held(reader: Reader) -> bool:
    """Pelican's `status: draft` or `status: hidden`; any other word is an error, not a guess."""
    status = reader.text("status")
    if status is None:
        return False
    if status.lower() not in STATUSES:
        raise reader.fail("status", f"status {status!r} must be one of {', '.join(STATUSES)}")
    return not STATUSES[status.lower()]


def _term_names(reader: Reader, taxonomy: str) -> tuple[str, ...]:
    names = reader.texts(taxonomy)
    for index, name in enumerate(names):
        if not slugify(name):
            raise reader.fail(taxonomy, f"{taxonomy}[{index}] {name!r} has no letters or digits to make a URL from")
    return tuple({slugify(name): name for name in reversed(names)}[slug] for slug in dict.fromkeys(map(slugify, names)))


def _layout(reader: Reader, default: str) -> str:
    name = reader.text("layout")
    if name is None:
        return default
    if not _LAYOUT_NAME.fullmatch(name):
        raise reader.fail("layout", f"layout {name!r} must be a file name in layouts/, like 'post.html'")
    return name if name.endswith(".html") else name + ".html"


def _aliases(reader: Reader) -> tuple[str, ...]:
    aliases = []
    for alias in reader.texts("aliases"):
        cleaned = clean_url(alias)
        # A part starting with '.' is hidden by web servers and could name write.py's commit marker.
        if cleaned is None or cleaned == "/" or "/." in cleaned:
            reader.note(reader.fail("aliases", f"alias {alias!r} is not a path inside the site, like /old/url/"))
            continue
        aliases.append(cleaned)
    return tuple(aliases)
