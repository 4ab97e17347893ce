"""Read a Jekyll site folder (_config.yml, _posts/, _drafts/, collections, pages, assets) into a Blog."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ..errors import MatineeError
from ..urls import slugify
from .common import Blog, Entry, embed_url, link_marker, shortcode_arguments, wrap_untranslated
from .frontmatter import common_fields, is_true, parse_date, post_slug, split_front

MARKDOWN = (".md", ".markdown", ".mkd", ".mkdn")
# Jekyll's named permalink styles.
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_DATED_NAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")
_LIQUID = re.compile(
    r"\{%-?\s*raw\s*-?%\}(?P<raw>.*?)\{%-?\s*endraw\s*-?%\}"
    r"|\{%-?\s*(?P<tag>\w+)(?P<args>.*?)-?%\}"
    r"|\{\{-?\s*(?P<value>.*?)\s*-?\}\}",
    re.DOTALL,
)
_SITE_PREFIX = re.compile(r"^(site\.(baseurl|url)\s*)$")
_FILTERED_PATH = re.compile(r"""^["']([^"']*)["']\s*\|\s*(relative_url|absolute_url|prepend:\s*site\.baseurl)\s*$""")
_SKIPPED_FOLDERS = {"vendor", "node_modules"}


def read_jekyll(path: Path, shown: str, not_a_site: type[Exception]) -> Blog:
    """Return the posts, pages, collection items and files of a Jekyll site."""
    config_file = path / "_config.yml"
    if not config_file.is_file() or not (path / "_posts").is_dir():
        raise not_a_site(f"{shown} is not a Jekyll site (it needs _config.yml and _posts/)")
    try:
        config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise not_a_site(f"{shown}/_config.yml cannot be read: {error}") from None
    if not isinstance(config, dict):
        raise not_a_site(f"{shown}/_config.yml is not a mapping of settings")
    base = str(config.get("baseurl") or "").rstrip("/")
    hosts = tuple(host for host in (str(config.get("url") or "").rstrip("/") + base, base) if host)
    blog = Blog([], _files(path, base), hosts)
    pattern = STYLES.get(str(config.get("permalink", "date")), str(config.get("permalink", "date")))
    for kind_folder, draft in (("_posts", False), ("_drafts", True)):
        for file in sorted((path / kind_folder).rglob("*")) if (path / kind_folder).is_dir() else []:
            if file.suffix.lower() in MARKDOWN + (".html",):
                entry = _entry(path, file, shown, pattern, "posts", draft, blog.untranslated)
                if entry:
                    blog.entries.append(entry)
    collections = config.get("collections") or {}
    for label, settings in (
        collections.items() if isinstance(collections, dict) else ((name, {}) for name in collections)
    ):
        settings = settings if isinstance(settings, dict) else {}
        folder = path / f"_{label}"
        collection_pattern = str(settings.get("permalink") or "/:collection/:path:output_ext")
        for file in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if file.suffix.lower() in MARKDOWN:
                entry = _entry(path, file, shown, collection_pattern, str(label), False, blog.untranslated)
                if entry:
                    blog.entries.append(entry)
    for file in sorted(path.iterdir()):
        if file.suffix.lower() in MARKDOWN and file.stem.lower() not in ("index", "readme", "404", "changelog"):
            page_pattern = "/:path/" if pattern.endswith("/") else "/:path:output_ext"
            entry = _entry(path, file, shown, page_pattern, "", False, blog.untranslated, page=True)
            if entry:
                blog.entries.append(entry)
    return blog


def _files(path: Path, base: str) -> dict[str, Path]:
    """Map each file Jekyll copies as it is (outside _folders) to its old site path."""
    files: dict[str, Path] = {}
    for file in sorted(path.rglob("*")):
        rel = file.relative_to(path)
        if not file.is_file() or any(part.startswith(("_", ".")) or part in _SKIPPED_FOLDERS for part in rel.parts):
            continue
        if file.suffix.lower() in MARKDOWN + (".html", ".yml", ".yaml", ".gemspec", ".lock") or file.name == "Gemfile":
            continue
        files["/" + rel.as_posix()] = file
        if base:
            files[base + "/" + rel.as_posix()] = file
    return files


def _entry(
    root: Path,
    file: Path,
    shown: str,
    pattern: str,
    collection: str,
    is_draft: bool,
    untranslated: list[MatineeError],
    *,
    page: bool = False,
) -> Entry | None:
    origin = f"{shown}/{file.relative_to(root).as_posix()}"
    split = split_front(file.read_text(encoding="utf-8", errors="replace"), origin, untranslated)
    if split is None:
        if not page:
            untranslated.append(MatineeError(origin, 1, "has no front matter (---); it was left out"))
        return None
    front, body, body_line = split
    dated = _DATED_NAME.match(file.stem)
    date = parse_date(front.get("date")) or (parse_date(dated[1]) if dated else None)
    title = _title(front, dated[2] if dated else file.stem)
    if not page and date is None:
        untranslated.append(
            MatineeError(origin, 1, "has no date, in its front matter or its file name; it was left out")
        )
        return None
    fields, film = common_fields(front, spaces=True)
    if collection not in ("posts", ""):
        fields["tags"] = [*(fields.get("tags") or []), collection]  # type: ignore[misc]
    slug = post_slug(front, dated[2] if dated else file.stem, title)
    url = _old_url(root, file, front, pattern, collection, date, slug)
    names = (f"post:{file.stem}", f"path:{file.relative_to(root).as_posix()}")
    text = _liquid(body, origin, body_line, untranslated)
    if page:
        stem = slugify(file.stem)
        return Entry("page", origin, body_line, title, None, stem, text, fields, (url,), names, page_path=stem)
    return Entry(
        kind="post",
        origin=origin,
        origin_line=body_line,
        title=title,
        date=date,
        slug=slug,
        body=text,
        fields=fields,
        old_urls=(url,) if not is_draft and front.get("published") != "false" else (),
        names=names,
        is_draft=is_draft or front.get("published") == "false" or is_true(front.get("draft")),
        film=film,
    )


def _title(front: dict[str, Any], stem: str) -> str:
    """Return a post's title: its title (or, in a collection, name) key, else its file name."""
    return str(front.get("title") or front.get("name") or stem.replace("-", " ").capitalize())


def _old_url(
    root: Path, file: Path, front: dict[str, Any], pattern: str, collection: str, date: datetime | None, slug: str
) -> str:
    """Return where the Jekyll site served the file: its own permalink, else its collection's pattern."""
    rel_in_collection = file.relative_to(
        root / (f"_{collection}" if collection and collection != "posts" else "")
    ).with_suffix("")
    old = str(front.get("permalink") or pattern)
    return _permalink(old, date, slug, front, collection, rel_in_collection.as_posix(), file.stem)


def _permalink(
    pattern: str, date: datetime | None, slug: str, front: dict[str, Any], collection: str, path: str, name: str
) -> str:
    """Return the URL Jekyll gave a post or collection item."""
    categories = front.get("categories") or front.get("category") or []
    if isinstance(categories, str):
        categories = categories.split()
    values = {
        "collection": collection,
        "path": path,
        "name": name,
        "title": slug,
        "slug": slug,
        "categories": "/".join(str(category).lower() for category in categories),
        "output_ext": ".html",
    }
    if date:
        values |= {
            "year": f"{date:%Y}",
            "month": f"{date:%m}",
            "day": f"{date:%d}",
            "i_month": str(date.month),
            "i_day": str(date.day),
            "short_year": f"{date:%y}",
            "y_day": f"{date:%j}",
        }
    url = re.sub(r":(\w+)", lambda match: values.get(match[1], match[0]), pattern)
    return "/" + re.sub(r"/{2,}", "/", url).lstrip("/")


def _liquid(body: str, origin: str, body_line: int, untranslated: list[MatineeError]) -> str:
    """Translate the Liquid tags Jekyll blogs use; hide and list the rest."""

    def replace(match: re.Match[str]) -> str:
        if match["raw"] is not None:
            return match["raw"]
        line = body_line + body.count("\n", 0, match.start())
        if match["tag"]:
            tag, args = match["tag"], match["args"].strip()
            positional, named = shortcode_arguments(args)
            if tag == "highlight":
                return "```" + (positional[0] if positional else "")
            if tag == "endhighlight":
                return "```"
            if tag == "post_url" and positional:
                return link_marker(f"post:{positional[0].split('/')[-1]}")
            if tag == "link" and positional:
                return link_marker(f"path:{positional[0]}")
            if tag == "include" and positional and re.match(r"(youtube|vimeo)", positional[0]):
                provider = "youtube" if positional[0].startswith("youtube") else "vimeo"
                url = embed_url(provider, positional[1:], named)
                if url:
                    return f"\n{url}\n"
        else:
            value = match["value"]
            if _SITE_PREFIX.match(value):
                return ""
            if filtered := _FILTERED_PATH.match(value):
                return filtered[1]
        untranslated.append(
            MatineeError(
                origin,
                line,
                f"{match[0][:60]} is Liquid that Matinee cannot translate; it is kept, hidden, in the post",
            )
        )
        return wrap_untranslated(match[0])

    return _LIQUID.sub(replace, body)
