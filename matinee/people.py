"""People files: content/people/<slug>.md gives a person's page a face, dates and links. Pure."""

from __future__ import annotations

import re
from functools import partial
from pathlib import PurePosixPath

from .errors import MatineeError
from .fields import Reader
from .frontmatter import FrontMatter
from .model import Person, pack_html
from .urls import is_slug, slugify
from .writers import read_links

PERSON_KEYS = frozenset({"name", "photo", "born", "roles", "imdb", "wikidata", "links"})
_IMDB = re.compile(r"nm\d{6,10}")
_WIKIDATA = re.compile(r"Q\d+")
FILE_FROM = 5  # posts naming a person before `check` asks for a file about them


def parse_person(source_rel: str, fingerprint: str, front: FrontMatter, body_html: str) -> Person:
    """Return the Person a content/people/<slug>.md file describes; each bad field is a path:line error."""
    reader = Reader(source_rel, front.fields, front.problems)
    slug = PurePosixPath(source_rel).stem
    if not is_slug(slug) or slugify(slug) != slug:
        example = slugify(slug) or "the-person"
        reader.note(MatineeError(source_rel, None, f"person file name must be a slug like {example}.md"))
    for key in sorted(set(front.fields) - PERSON_KEYS):
        known = ", ".join(sorted(PERSON_KEYS))
        reader.note(reader.fail(key, f"unknown person key {key!r}; known keys: {known}"))
    read = reader.each(
        {
            "name": partial(reader.text, "name", required=True),
            "photo": partial(reader.url, "photo"),
            "born": partial(reader.day, "born"),
            "roles": partial(reader.texts, "roles"),
            "imdb": partial(_identifier, reader, "imdb", _IMDB, "nm0634240"),
            "wikidata": partial(_identifier, reader, "wikidata", _WIKIDATA, "Q25191"),
            "links": partial(read_links, reader),
        }
    )
    reader.raise_errors()
    return Person(
        source=source_rel,
        slug=slug,
        body=pack_html(body_html),
        fingerprint=fingerprint,
        lines={key: field.line for key, field in front.fields.items()},
        **read,
    )


def _identifier(reader: Reader, key: str, pattern: re.Pattern[str], example: str) -> str | None:
    value = reader.text(key)
    if value is not None and not pattern.fullmatch(value):
        raise reader.fail(key, f"{key} {value!r} does not look like an id such as {example}")
    return value
