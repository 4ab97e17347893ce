"""Front matter in and out: the old blog's keys read as Matinee fields, dates, tags, and the new file written."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import datetime
from typing import Any

import yaml

from ..errors import MatineeError
from ..fields import parse_moment
from ..urls import slug_from_filename, slugify
from .common import Entry, FieldValue

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
_TIME_ZONE = re.compile(r"\s*([+-]\d{2}):?(\d{2})$")
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
            fields[target] = [*as_list(fields.get(target)), *split_terms(value, spaces=spaces and target != "films")]
        elif target == "author":
            names = split_terms(value) if isinstance(value, list) else [str(value)]
            fields.setdefault(target, ", ".join(names))
        elif isinstance(value, str) and value.strip():
            fields.setdefault(target, value.strip())
    return fields, film


def as_list(value: FieldValue | None) -> list[str]:
    return value if isinstance(value, list) else []


def post_slug(front: dict[str, Any], stem: str, title: str) -> str:
    """Return a post's slug: its slug key, else its file name without a date, else its title."""
    given = front.get("slug")
    if isinstance(given, str) and slugify(given):
        return slugify(given)
    return slug_from_filename(stem) or slugify(title) or "post"


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
        lines.append(f"{key}: {yaml_value(value)}")
    if entry.is_draft:
        lines.append("draft: true")
    return "\n".join([*lines, "---", "", re.sub(r"\n{3,}", "\n\n", body.strip("\n")), ""])


def quote(text: str) -> str:
    """Quote text so YAML reads it back as the same text (JSON strings are YAML strings)."""
    return json.dumps(text, ensure_ascii=False)


def yaml_value(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(quote(item) for item in value) + "]"
    return quote(value)
