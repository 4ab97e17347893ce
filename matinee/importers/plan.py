"""Where every entry and file of the old blog lands, with its links rewritten: the files to write."""

from __future__ import annotations

import posixpath
import re
from datetime import datetime
from pathlib import Path

from ..errors import MatineeError
from ..urls import permalink, slugify
from .common import Blog, Entry, FieldValue, Planned
from .frontmatter import as_list, quote, render_entry, yaml_value
from .old_urls import Links, aliases_kept, page_redirects, url_key
from .report import ImportReport


def plan(blog: Blog, config_text: str | None, config_permalink: str) -> tuple[list[Planned], ImportReport]:
    """Decide where every entry and file lands, rewrite links, and return the files to write."""
    untranslated = list(blog.untranslated)
    entries = _placed(blog.entries)
    by_url: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for rel, entry in entries:
        for url in entry.old_urls:
            by_url.setdefault(url_key(url, blog.hosts), rel)
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
        context = Links(rel, entry, blog, by_url, by_name, copies, untranslated)
        body = context.rewrite(entry.body)
        fields = dict(entry.fields)
        if not keep_categories and "categories" in fields:
            fields["tags"] = list(dict.fromkeys([*as_list(fields.get("tags")), *as_list(fields.pop("categories"))]))
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
            kept = [alias for alias in aliases_kept(entry, blog.hosts, untranslated) if alias != new_url]
            if kept:
                fields["aliases"] = kept
                aliases += len(kept)
            if entry.film:
                film = _film_file(entry, fields)
                if film and film.rel not in film_files:
                    film_files[film.rel] = film
        if entry.kind == "page":
            aliases += page_redirects(rel, entry, blog.hosts, planned)
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


def _film_file(entry: Entry, fields: dict[str, FieldValue]) -> Planned | None:
    """Return a content/films/<slug>.md from a review's director, year, imdb and genres keys."""
    names = as_list(fields.get("films"))
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
        lines.append(f"{key}: {yaml_value(value)}")
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
