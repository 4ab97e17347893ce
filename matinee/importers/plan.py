"""Where every entry and file of the old blog lands, with its links rewritten: the files to write."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
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
    entries = _placed(blog.entries)
    keep_categories = _uses_tags_and_categories(entries)
    planner = _Planner(blog, config_permalink, keep_categories, *_old_names(entries, blog.hosts))
    for rel, entry in entries:
        planner.add(rel, entry)
    planner.finish(config_text)
    return planner.planned, planner.report(entries)


def _old_names(entries: list[tuple[str, Entry]], hosts: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Return the new file of each old URL and of each name other files link to an entry by."""
    by_url: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for rel, entry in entries:
        for url in entry.old_urls:
            by_url.setdefault(url_key(url, hosts), rel)
        for name in entry.names:
            by_name.setdefault(name, rel)
    return by_url, by_name


def _uses_tags_and_categories(entries: list[tuple[str, Entry]]) -> bool:
    """Return whether the blog uses both (then categories stay a taxonomy; else they become tags)."""
    uses_tags = any(entry.fields.get("tags") for _, entry in entries)
    uses_categories = any(entry.fields.get("categories") for _, entry in entries)
    return uses_tags and uses_categories


@dataclass
class _Planner:
    """The files planned so far and what they tell the report; filled one entry at a time, in order,
    because the order of the files and of the items left for a human is the report's order."""

    blog: Blog
    config_permalink: str
    keep_categories: bool
    by_url: dict[str, str]
    by_name: dict[str, str]
    planned: list[Planned] = field(default_factory=list)
    copies: dict[str, Path] = field(default_factory=dict)
    film_files: dict[str, Planned] = field(default_factory=dict)
    aliases: int = 0
    untranslated: list[MatineeError] = field(init=False)

    def __post_init__(self) -> None:
        self.untranslated = list(self.blog.untranslated)

    def add(self, rel: str, entry: Entry) -> None:
        """Plan one entry's file (and, for a page, its redirects) with its links rewritten."""
        links = Links(rel, entry, self.blog, self.by_url, self.by_name, self.copies, self.untranslated)
        body = links.rewrite(entry.body)
        fields = dict(entry.fields)
        if not self.keep_categories and "categories" in fields:
            fields["tags"] = list(dict.fromkeys([*as_list(fields.get("tags")), *as_list(fields.pop("categories"))]))
        if isinstance(image := fields.get("image"), str):
            self._image(entry, fields, image, links)
        if entry.kind == "post":
            self._post(entry, fields)
        if entry.kind == "page":
            self.aliases += page_redirects(rel, entry, self.blog.hosts, self.planned)
        self.planned.append(Planned(rel, render_entry(entry, fields, body)))

    def _image(self, entry: Entry, fields: dict[str, FieldValue], image: str, links: Links) -> None:
        """Point the share image at its copied file, or drop it and say so; ask for alt text."""
        local = links.target(image, image=True)
        if local is None or local.startswith(("http:", "https:", "/")):
            message = f"image {image!r} was not found in the blog; add it by hand"
            self.untranslated.append(MatineeError(entry.origin, entry.origin_line, message))
            fields.pop("image")
            return
        fields["image"] = local
        if not fields.get("image_alt"):
            message = f"image {image!r} has no alt text; describe what it shows in image_alt:"
            self.untranslated.append(MatineeError(entry.origin, entry.origin_line, message))

    def _post(self, entry: Entry, fields: dict[str, FieldValue]) -> None:
        """Keep a post's old URLs as aliases, and plan the film file a review describes."""
        new_url = permalink(self.config_permalink, entry.date or datetime.min, entry.slug)
        kept = [alias for alias in aliases_kept(entry, self.blog.hosts, self.untranslated) if alias != new_url]
        if kept:
            fields["aliases"] = kept
            self.aliases += len(kept)
        if entry.film:
            film = _film_file(entry, fields)
            if film and film.rel not in self.film_files:
                self.film_files[film.rel] = film

    def finish(self, config_text: str | None) -> None:
        """Add the blog's files, the film files and, when needed, config.yaml's categories."""
        for old, source in sorted(self.copies.items()):
            self.planned.append(Planned("content" + old, copy=source))
        self.planned += self.film_files.values()
        if self.keep_categories:
            change = _add_categories(config_text)
            if isinstance(change, Planned):
                self.planned.append(change)
            elif change:
                self.untranslated.append(MatineeError("config.yaml", None, change))

    def report(self, entries: list[tuple[str, Entry]]) -> ImportReport:
        return ImportReport(
            posts=sum(entry.kind == "post" for _, entry in entries),
            drafts=sum(entry.is_draft for _, entry in entries),
            pages=sum(entry.kind == "page" for _, entry in entries),
            files=len(self.copies),
            aliases=self.aliases,
            films=len(self.film_files),
            written=(),
            untranslated=tuple(self.untranslated),
        )


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
