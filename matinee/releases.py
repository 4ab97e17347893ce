"""The release calendar: an iCalendar (RFC 5545) feed of film release dates. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from .model import Film, Site
from .urls import encode, term_url

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
PRODUCT_ID = "-//Matinee//Film release calendar//EN"


def releases_calendar(site: Site) -> bytes:
    """Return /films/releases.ics: one all-day event per film release (and region)."""
    config = site.config
    host = config.base_url.split("://", 1)[-1].split("/", 1)[0] or "matinee.invalid"
    # DTSTAMP is the site's last change, not the clock, so an unchanged site gives the same bytes.
    changed = max((post.modified for post in site.posts[:1]), default=EPOCH)
    stamp = changed.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(config.title + ' release dates')}",
    ]
    for film in _by_title(site.films.values()):
        url = encode(config.absolute(term_url("films", film.slug)))
        for release in film.releases:
            region = f" ({release.region})" if release.region else ""
            lines += [
                "BEGIN:VEVENT",
                f"UID:{film.slug}-{release.region.lower() or 'release'}-{release.day:%Y%m%d}@{host}",
                f"DTSTAMP:{stamp}",
                f"DTSTART;VALUE=DATE:{release.day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{release.day + timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{_text(f'{film.title} opens{region}')}",
                f"URL:{url}",
                f"DESCRIPTION:{_text(_describe(film))}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines).encode("utf-8")


def _by_title(films: Iterable[Film]) -> list[Film]:
    return sorted(films, key=lambda film: (film.title.casefold(), film.slug))


def _describe(film: Film) -> str:
    parts = [f"{film.title}."]
    if film.director:
        parts.append(f"Directed by {', '.join(film.director)}.")
    if film.cast:
        parts.append(f"With {', '.join(film.cast[:4])}.")
    return " ".join(parts)


def _text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545, 3.3.11)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545, 3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    pieces: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not pieces else 74):
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)
