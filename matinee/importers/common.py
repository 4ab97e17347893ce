"""What every importer shares: front matter, dates, tags, old URLs, links, and writing files.

A kind's reader (wordpress.py, jekyll.py, hugo.py, pelican.py) turns the old blog into a
`Blog` of `Entry` values in Matinee's terms; `plan` decides where each lands and rewrites
its links; `write_plan` writes it without overwriting anything. Only `write_plan` and the
kind readers touch the disk.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from ..errors import MatineeError
from ..fields import parse_moment
from ..urls import clean_url, permalink, slug_from_filename, slugify
from ..words import plural

# Generators' front matter keys, in any case, and the Matinee key each becomes.
SYNONYMS = {
    "title": "title",
    "name": "title",  # Jekyll collections
    "date": "date",
    "description": "summary",
    "excerpt": "summary",
    "subtitle": "summary",
    "summary": "summary",
    "image": "image",
    "cover": "image",
    "featured_image": "image",
    "thumbnail": "image",
    "feature": "image",
    "image_caption": "caption",
    "caption": "caption",
    "image_alt": "image_alt",
    "alt": "image_alt",
    "image_credit": "image_credit",
    "lastmod": "updated",
    "modified": "updated",
    "updated": "updated",
    "author": "author",
    "authors": "author",
    "slug": "slug",
    "tags": "tags",
    "tag": "tags",
    "keywords": "tags",
    "categories": "categories",
    "category": "categories",
    "films": "films",
    "film": "films",
    "movie": "films",
    "people": "people",
    "rating": "rating",
    "spoilers": "spoilers",
    "correction": "correction",
}
FILM_KEYS = {"director": "director", "year": "year", "release_year": "year", "imdb": "imdb", "genres": "genres"}
# Publishing state and URL keys each reader handles itself; layout names belong to the old theme.
HANDLED = {"draft", "published", "status", "permalink", "url", "aliases", "layout", "type", "weight", "lang"}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".avif")
_MD_LINK = re.compile(r"(!?\[[^\]\n]*\]\(\s*<?)([^)\s>]+)")
_HTML_LINK = re.compile(r"""(?<![\w-])((?:href|src)=)(["'])(.*?)\2""")
_REFERENCE = re.compile(r"^(\s{0,3}\[[^\]\n]+\]:\s*<?)(\S+?)(>?)(?=\s|$)", re.MULTILINE)
_MARKER = "matinee-import:"  # a reader's link to another imported file, by a name of the old blog
_TIME_ZONE = re.compile(r"\s*([+-]\d{2}):?(\d{2})$")

FieldValue = str | bool | list[str]


@dataclass(frozen=True, slots=True)
class Entry:
    """One post or page of the old blog, in Matinee's words, before it is placed."""

    kind: str  # "post" or "page"
    origin: str  # its file in the imported blog, as shown in messages
    origin_line: int  # the line of that file its body starts on
    title: str
    date: datetime | None
    slug: str
    body: str  # Markdown (links may still point at old URLs or name other files with _MARKER)
    fields: dict[str, FieldValue] = field(default_factory=dict)  # the rest of the front matter
    old_urls: tuple[str, ...] = ()  # where the old blog served it: site paths or absolute URLs
    names: tuple[str, ...] = ()  # names other files link to it by ({% post_url %}, ref, {filename})
    is_draft: bool = False
    film: dict[str, FieldValue] = field(default_factory=dict)  # director, year, imdb, genres
    page_path: str = ""  # for a page: its path under content/ without .md (default: its slug)


@dataclass
class Blog:
    """Everything a kind's reader found."""

    entries: list[Entry]
    files: dict[str, Path]  # old site path (/images/a.jpg) -> the file on disk
    hosts: tuple[str, ...] = ()  # the old site's addresses (https://example.org/blog): links there are local
    untranslated: list[MatineeError] = field(default_factory=list)
    skipped: int = 0  # attachments, menus and other things that are not posts


@dataclass(frozen=True, slots=True)
class Planned:
    """A file to write: `text` or the bytes of `copy`, at `rel` under the Matinee site."""

    rel: str
    text: str | None = None
    copy: Path | None = None
    replace: bool = False  # only config.yaml, to add the categories taxonomy the blog uses


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import wrote (or would write) and what it left for a human."""

    posts: int
    drafts: int
    pages: int
    files: int
    aliases: int
    films: int
    written: tuple[str, ...]
    untranslated: tuple[MatineeError, ...]
    dry_run: bool = False

    def summary(self) -> list[str]:
        """Return the summary lines `import` prints."""
        verb = "Would import" if self.dry_run else "Imported"
        lines = [
            f"{verb} {plural(self.posts, 'post')} ({plural(self.drafts, 'draft')}), {plural(self.pages, 'page')}, "
            f"{plural(self.files, 'file')} copied, {plural(self.aliases, 'old URL')} kept, "
            f"{plural(self.films, 'film file')}."
        ]
        if "config.yaml" in self.written:
            lines.append("The blog uses both tags and categories: categories added to taxonomies in config.yaml.")
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        return lines


def read_yaml(text: str, origin: str, line: int, untranslated: list[MatineeError]) -> dict[str, Any]:
    """Return a YAML mapping with every scalar as text (dates and booleans stay as written)."""
    try:
        loaded = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - the base loader builds no objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = line + mark.line if mark else line
        untranslated.append(MatineeError(origin, where, "front matter is not valid YAML; fix it and import again"))
        return {}
    return {str(key).lower(): value for key, value in loaded.items()} if isinstance(loaded, dict) else {}


def split_terms(value: Any, *, spaces: bool = False) -> list[str]:
    """Return tags or categories given as a list, or as a comma- (or, for Jekyll, space-) separated string."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    text = str(value)
    parts = text.split(",") if "," in text or not spaces else text.split()
    return [part.strip() for part in parts if part.strip()]


def parse_date(value: Any) -> datetime | None:
    """Return a generator's date (2024-03-04, 2024-3-4 10:30, 2024-03-04 10:30:00 +0100, ISO 8601)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("/", "-")
    text = _TIME_ZONE.sub(lambda match: f"{match[1]}:{match[2]}", text)
    text = re.sub(r"^(\S+)\s+(\d{1,2}:\d{2})", r"\1T\2", text)
    text = re.sub(r"T(\d):", r"T0\1:", text)
    return parse_moment(text)


def show_date(moment: datetime) -> str:
    """Return a date as front matter: the day alone when it is midnight UTC."""
    if moment.utcoffset() is not None and not moment.utcoffset() and moment.time() == datetime.min.time():
        return moment.strftime("%Y-%m-%d")
    return moment.isoformat()


def is_true(value: Any) -> bool:
    """Return whether a front matter value means yes."""
    return isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1")


def common_fields(
    front: dict[str, Any], *, spaces: bool = False
) -> tuple[dict[str, FieldValue], dict[str, FieldValue]]:
    """Return (Matinee fields, film fields) from a post's front matter with lowercased keys."""
    fields: dict[str, FieldValue] = {}
    film: dict[str, FieldValue] = {}
    for key, value in front.items():
        if key in FILM_KEYS:
            film[FILM_KEYS[key]] = split_terms(value) if key in ("director", "genres") else str(value)
            continue
        target = SYNONYMS.get(key)
        if target is None:
            if key not in HANDLED and isinstance(value, str):
                fields.setdefault(key, value)  # unknown keys reach layouts as page.extra
            continue
        if target in ("tags", "categories", "films", "people"):
            fields[target] = [*_as_list(fields.get(target)), *split_terms(value, spaces=spaces and target != "films")]
        elif target == "author":
            names = split_terms(value) if isinstance(value, list) else [str(value)]
            fields.setdefault(target, ", ".join(names))
        elif isinstance(value, str) and value.strip():
            fields.setdefault(target, value.strip())
    return fields, film


def _as_list(value: FieldValue | None) -> list[str]:
    return value if isinstance(value, list) else []


def wrap_untranslated(text: str) -> str:
    """Keep markup Matinee cannot render in the file, hidden from readers, for a human to redo.

    '>' is written &gt;: Python-Markdown ends a comment's raw HTML at the first '>'."""
    return f"<!-- import: not translated: {text.replace('>', '&gt;')} -->"


def link_marker(name: str) -> str:
    """Return a link target that `plan` resolves to the imported file the old blog called `name`."""
    return _MARKER + name


def plan(blog: Blog, config_text: str | None, config_permalink: str) -> tuple[list[Planned], ImportReport]:
    """Decide where every entry and file lands, rewrite links, and return the files to write."""
    untranslated = list(blog.untranslated)
    entries = _placed(blog.entries)
    by_url: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for rel, entry in entries:
        for url in entry.old_urls:
            by_url.setdefault(_url_key(url, blog.hosts), rel)
        for name in entry.names:
            by_name.setdefault(name, rel)
    copies: dict[str, Path] = {}
    planned: list[Planned] = []
    aliases = 0
    uses_tags = any(entry.fields.get("tags") for _, entry in entries)
    uses_categories = any(entry.fields.get("categories") for _, entry in entries)
    keep_categories = uses_tags and uses_categories
    film_files: dict[str, Planned] = {}
    for rel, entry in entries:
        context = _Links(rel, entry, blog, by_url, by_name, copies, untranslated)
        body = context.rewrite(entry.body)
        fields = dict(entry.fields)
        if not keep_categories and "categories" in fields:
            fields["tags"] = list(dict.fromkeys([*_as_list(fields.get("tags")), *_as_list(fields.pop("categories"))]))
        if isinstance(image := fields.get("image"), str):
            local = context.target(image, image=True)
            if local is None or local.startswith(("http:", "https:", "/")):
                untranslated.append(
                    MatineeError(
                        entry.origin, entry.origin_line, f"image {image!r} was not found in the blog; add it by hand"
                    )
                )
                fields.pop("image")
            else:
                fields["image"] = local
                if not fields.get("image_alt"):
                    message = f"image {image!r} has no alt text; describe what it shows in image_alt:"
                    untranslated.append(MatineeError(entry.origin, entry.origin_line, message))
        if entry.kind == "post":
            new_url = permalink(config_permalink, entry.date or datetime.min, entry.slug)
            kept = [alias for alias in _aliases(entry, blog.hosts, untranslated) if alias != new_url]
            if kept:
                fields["aliases"] = kept
                aliases += len(kept)
            if entry.film:
                film = _film_file(entry, fields)
                if film and film.rel not in film_files:
                    film_files[film.rel] = film
        if entry.kind == "page":
            aliases += _page_redirects(rel, entry, blog.hosts, planned)
        planned.append(Planned(rel, render_entry(entry, fields, body)))
    for old, source in sorted(copies.items()):
        planned.append(Planned("content" + old, copy=source))
    planned += film_files.values()
    if keep_categories:
        change = _add_categories(config_text)
        if isinstance(change, Planned):
            planned.append(change)
        elif change:
            untranslated.append(MatineeError("config.yaml", None, change))
    report = ImportReport(
        posts=sum(entry.kind == "post" for _, entry in entries),
        drafts=sum(entry.is_draft for _, entry in entries),
        pages=sum(entry.kind == "page" for _, entry in entries),
        files=len(copies),
        aliases=aliases,
        films=len(film_files),
        written=(),
        untranslated=tuple(untranslated),
    )
    return planned, report


def _placed(entries: list[Entry]) -> list[tuple[str, Entry]]:
    """Return each entry with its file under the site: posts by year and month, pages by path."""
    taken: set[str] = set()
    placed = []
    for entry in sorted(entries, key=lambda entry: (entry.kind, entry.date or datetime.min, entry.origin)):
        if entry.kind == "post" and entry.date:
            folder = f"content/posts/{entry.date:%Y}/{entry.date:%m}/"
        else:
            folder = "content/" + (posixpath.dirname(entry.page_path) + "/" if "/" in entry.page_path else "")
        stem = posixpath.basename(entry.page_path) if entry.kind == "page" and entry.page_path else entry.slug
        rel, number = f"{folder}{stem}.md", 2
        while rel in taken:
            rel, number = f"{folder}{stem}-{number}.md", number + 1
        taken.add(rel)
        placed.append((rel, entry))
    return placed


def _page_redirects(rel: str, entry: Entry, hosts: tuple[str, ...], planned: list[Planned]) -> int:
    """Add a redirect file under content/ for each old URL of a page that its new URL does not keep."""
    new_url = "/" + rel.removeprefix("content/").removesuffix(".md") + "/"
    count = 0
    for url in entry.old_urls:
        key = _url_key(url, hosts)
        cleaned = clean_url(key)
        if "://" in key or urlsplit(url).query or cleaned is None or cleaned.rstrip("/") == new_url.rstrip("/"):
            continue
        file = cleaned if not cleaned.endswith("/") else cleaned + "index.html"
        if not file.endswith((".html", ".htm")):
            continue
        target = posixpath.relpath(new_url, posixpath.dirname(file)) + "/"
        planned.append(Planned("content" + file, redirect_page(file, target)))
        count += 1
    return count


def _url_key(url: str, hosts: tuple[str, ...]) -> str:
    """Return an old URL reduced to the path the blog served it at: no host, base, index.html or '/'."""
    for host in sorted(hosts, key=len, reverse=True):
        bare = host.rstrip("/")
        if url == bare or url.startswith(bare + "/"):
            url = url[len(bare) :] or "/"
            break
        for scheme in ("http:", "https:", ""):  # an old page linked with the other scheme, or none
            other = re.sub(r"^https?:", scheme, bare)
            if url.startswith(other + "/"):
                url = url[len(other) :]
    path = unquote(urlsplit(url).path) if "://" not in url else url
    path = re.sub(r"/index\.html?$", "/", path)
    return path.rstrip("/") or "/"


def _aliases(entry: Entry, hosts: tuple[str, ...], untranslated: list[MatineeError]) -> list[str]:
    kept = []
    for url in entry.old_urls:
        if url.startswith(_MARKER):
            continue
        key = _url_key(url, hosts)
        if "://" in key:
            continue  # another host's address: not this blog's to keep
        query = urlsplit(url).query
        cleaned = clean_url(key + ("" if re.search(r"\.\w+$", key) else "/"))
        if query or cleaned is None or cleaned == "/":
            if not entry.is_draft:
                untranslated.append(
                    MatineeError(
                        entry.origin,
                        entry.origin_line,
                        f"old URL {url!r} cannot be kept by a static page; redirect it on the server",
                    )
                )
            continue
        kept.append(cleaned)
    return list(dict.fromkeys(kept))


class _Links:
    """Rewrites one entry's links: old post URLs to source paths, the blog's files to relative paths."""

    def __init__(
        self,
        rel: str,
        entry: Entry,
        blog: Blog,
        by_url: dict[str, str],
        by_name: dict[str, str],
        copies: dict[str, Path],
        untranslated: list[MatineeError],
    ) -> None:
        self.rel, self.entry, self.blog = rel, entry, blog
        self.by_url, self.by_name, self.copies, self.untranslated = by_url, by_name, copies, untranslated

    def rewrite(self, body: str) -> str:
        """Return `body` with every link and image it can resolve made relative to the new file."""
        body = _MD_LINK.sub(lambda match: match[1] + (self.target(match[2]) or match[2]), body)
        body = _REFERENCE.sub(lambda match: match[1] + (self.target(match[2]) or match[2]) + match[3], body)
        return _HTML_LINK.sub(lambda match: match[1] + match[2] + (self.target(match[3]) or match[3]) + match[2], body)

    def target(self, url: str, *, image: bool = False) -> str | None:
        """Return the new link for `url`, or None to leave it as it is."""
        path, _, fragment = url.partition("#")
        suffix = "#" + fragment if fragment else ""
        if path.startswith(_MARKER):
            name = path[len(_MARKER) :]
            found = self.by_name.get(name)
            if found is None:
                line = self.entry.origin_line + self.entry.body.count("\n", 0, max(self.entry.body.find(url), 0))
                self.untranslated.append(
                    MatineeError(self.entry.origin, line, f"link to {name!r}: no such post in the blog")
                )
                return "#"
            return self._relative(found) + suffix
        if not path or path.startswith(("mailto:", "#", "data:")):
            return None
        key = _url_key(path, self.blog.hosts)
        if "://" in key or key.startswith("//"):
            return None  # another site
        if not key.startswith("/"):
            return None  # already relative to the file
        if key in self.blog.files:
            self.copies[key] = self.blog.files[key]
            return self._relative("content" + key) + suffix
        if not image and key in self.by_url:
            return self._relative(self.by_url[key]) + suffix
        if key.lower().endswith(IMAGE_SUFFIXES) or image:
            line = self.entry.origin_line + self.entry.body.count("\n", 0, max(self.entry.body.find(url), 0))
            self.untranslated.append(
                MatineeError(
                    self.entry.origin, line, f"image {url!r} is not in the blog's files; copy it into content/ by hand"
                )
            )
        return None

    def _relative(self, target: str) -> str:
        return posixpath.relpath(target, posixpath.dirname(self.rel))


def _film_file(entry: Entry, fields: dict[str, FieldValue]) -> Planned | None:
    """Return a content/films/<slug>.md from a review's director, year, imdb and genres keys."""
    names = _as_list(fields.get("films"))
    title = names[0] if names else re.sub(r"(?i)^review:\s*|\s+review$", "", entry.title).strip()
    slug = slugify(title)
    if not slug:
        return None
    if not names:
        fields["films"] = [title]
    lines = ["---", f"title: {quote(title)}"]
    for key, value in entry.film.items():
        if key == "year" and isinstance(value, str) and not value.isdigit():
            continue
        if key == "imdb" and isinstance(value, str) and not re.fullmatch(r"tt\d{6,10}", value):
            continue
        lines.append(f"{key}: {_yaml_value(value)}")
    return Planned(f"content/films/{slug}.md", "\n".join([*lines, "---", ""]))


def _add_categories(config_text: str | None) -> Planned | str | None:
    """Return config.yaml with a categories taxonomy, or a note saying what to add by hand."""
    if config_text is None:
        return Planned("config.yaml", "taxonomies: [tags, films, people, categories]\n", replace=True)
    if re.search(r"^taxonomies:.*\bcategories\b", config_text, re.MULTILINE):
        return None
    listed = re.search(r"^taxonomies:\s*\[([^\]\n]*)\]", config_text, re.MULTILINE)
    if listed is None:
        return "the blog uses both tags and categories: add categories to taxonomies: in config.yaml"
    names = [name.strip() for name in listed[1].split(",") if name.strip()] + ["categories"]
    edited = config_text[: listed.start()] + f"taxonomies: [{', '.join(names)}]" + config_text[listed.end() :]
    return Planned("config.yaml", edited, replace=True)


def render_entry(entry: Entry, fields: dict[str, FieldValue], body: str) -> str:
    """Return a Matinee post or page file."""
    lines = ["---", f"title: {quote(entry.title)}"]
    if entry.kind == "post" and entry.date:
        lines.append(f"date: {show_date(entry.date)}")
    if entry.kind == "post":
        lines.append(f"slug: {entry.slug}")
    for key, value in fields.items():
        if key in ("title", "date", "slug") or value in ("", []):
            continue
        if entry.kind == "page" and key not in ("summary",):
            continue
        lines.append(f"{key}: {_yaml_value(value)}")
    if entry.is_draft:
        lines.append("draft: true")
    return "\n".join([*lines, "---", "", re.sub(r"\n{3,}", "\n\n", body.strip("\n")), ""])


def quote(text: str) -> str:
    """Quote text so YAML reads it back as the same text (JSON strings are YAML strings)."""
    return json.dumps(text, ensure_ascii=False)


def _yaml_value(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(quote(item) for item in value) + "]"
    return quote(value)


def post_slug(front: dict[str, Any], stem: str, title: str) -> str:
    """Return a post's slug: its slug key, else its file name without a date, else its title."""
    given = front.get("slug")
    if isinstance(given, str) and slugify(given):
        return slugify(given)
    return slug_from_filename(stem) or slugify(title) or "post"


def write_plan(planned: list[Planned], source: Path, report: ImportReport, *, dry_run: bool) -> ImportReport:
    """Write every planned file that does not exist yet; a clash is reported, never overwritten."""
    written: list[str] = []
    clashes: list[MatineeError] = []
    for item in planned:
        target = source / item.rel
        if item.replace and item.text is not None:
            if not dry_run:
                target.write_text(item.text, encoding="utf-8")
            written.append(item.rel)
            continue
        if target.exists():
            clashes.append(MatineeError(item.rel, None, "already exists; left as it was and not imported"))
            continue
        if dry_run:
            written.append(item.rel)
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as file:
                file.write(
                    item.text.encode("utf-8") if item.text is not None else item.copy.read_bytes() if item.copy else b""
                )
        except FileExistsError:
            clashes.append(MatineeError(item.rel, None, "already exists; left as it was and not imported"))
            continue
        except OSError as error:
            clashes.append(MatineeError(item.rel, None, f"cannot be written: {error.strerror}"))
            continue
        written.append(item.rel)
    return ImportReport(
        posts=report.posts,
        drafts=report.drafts,
        pages=report.pages,
        files=report.files,
        aliases=report.aliases,
        films=report.films,
        written=tuple(written),
        untranslated=report.untranslated + tuple(clashes),
        dry_run=dry_run,
    )


_YAML_FRONT = re.compile(r"\A---[ \t]*\n(.*?)^(---|\.\.\.)[ \t]*$\n?", re.DOTALL | re.MULTILINE)
_TOML_FRONT = re.compile(r"\A\+\+\+[ \t]*\n(.*?)^\+\+\+[ \t]*$\n?", re.DOTALL | re.MULTILINE)


def split_front(text: str, origin: str, untranslated: list[MatineeError]) -> tuple[dict[str, Any], str, int] | None:
    """Return (front matter with lowercased keys, body, body's first line) of a YAML (---) or
    TOML (+++) file, or None if it has none."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if match := _YAML_FRONT.match(text):
        front = read_yaml(match[1], origin, 2, untranslated)
    elif match := _TOML_FRONT.match(text):
        try:
            loaded = tomllib.loads(match[1])
        except tomllib.TOMLDecodeError as error:
            untranslated.append(
                MatineeError(origin, 1, f"front matter is not valid TOML ({error}); fix it and import again")
            )
            loaded = {}
        front = {key.lower(): _as_text(value) for key, value in loaded.items()}
    else:
        return None
    return front, text[match.end() :], match[0].count("\n") + 1


def _as_text(value: Any) -> Any:
    """Return a TOML value as the YAML base loader would give it: text, lists and mappings of text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _as_text(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


_ATTRIBUTE = re.compile(r"""(?:([\w-]+)\s*=\s*)?(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")


def shortcode_arguments(text: str) -> tuple[list[str], dict[str, str]]:
    """Return the positional and named arguments of a shortcode or Liquid include."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        value = next((group for group in match.groups()[1:] if group is not None), "")
        if match[1]:
            named[match[1].lower()] = value
        else:
            positional.append(value)
    return positional, named


def embed_url(provider: str, positional: list[str], named: dict[str, str]) -> str | None:
    """Return the page URL Matinee embeds for a video or social post shortcode, if it names one."""
    ident = named.get("id") or named.get("src") or (positional[0] if positional else "")
    if ident.startswith(("http://", "https://")):
        return ident
    if not ident:
        return None
    if provider == "youtube":
        return f"https://www.youtube.com/watch?v={ident}"
    if provider == "vimeo":
        return f"https://vimeo.com/{ident}"
    if provider in ("tweet", "twitter", "x"):
        user = named.get("user", "i")
        return f"https://x.com/{user}/status/{ident}"
    if provider == "instagram":
        return f"https://www.instagram.com/p/{ident}/"
    return None


def figure_html(src: str, alt: str, caption: str) -> str:
    """Return an image with its caption: Markdown alone has no caption, so a <figure>."""
    if not caption:
        return f"![{alt}]({src})"
    return f'<figure><img src="{html.escape(src)}" alt="{html.escape(alt)}"><figcaption>{caption}</figcaption></figure>'


def redirect_page(from_path: str, to_rel: str) -> str:
    """Return a static page sending an old page URL on to its new one (pages have no aliases:)."""
    link = html.escape(to_rel)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Moved</title>\n'
        f'<meta http-equiv="refresh" content="0; url={link}"><meta name="robots" content="noindex"></head>\n'
        f'<body><p>This page has moved to <a href="{link}">{link}</a>.</p></body></html>\n'
    )
