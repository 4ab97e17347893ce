"""Check that a built XML file parses, and that a feed is Atom with what RFC 4287 requires. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from .findings import Problem
from .links import Base, Link, resolve

ATOM = "http://www.w3.org/2005/Atom"
_REQUIRED = ("id", "title", "updated")  # in the feed and in every entry (RFC 4287 4.1.1, 4.1.2)


@dataclass(frozen=True, slots=True)
class FeedScan:
    """The problems of one XML file, and the links of a feed into the site."""

    problems: tuple[Problem, ...]
    links: tuple[Link, ...]


def is_feed_name(rel: str) -> bool:
    """Return True for files Matinee writes as feeds (feed.xml, tags/x/feed.xml)."""
    return rel == "feed.xml" or rel.endswith("/feed.xml")


def scan_xml(rel: str, raw: bytes, base: Base) -> FeedScan:
    """Parse one built .xml file; if it is a feed (by name or root element), check it as Atom."""
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as error:
        line = error.position[0] if error.position else None
        detail = re.sub(r": line \d+, column \d+$", "", error.msg)
        return FeedScan((Problem("xml", line, f"is not well-formed XML: {detail}"),), ())
    if root.tag != f"{{{ATOM}}}feed":
        if is_feed_name(rel):
            return FeedScan(
                (
                    Problem(
                        "atom",
                        None,
                        f"is not an Atom feed: its root element is {_name(root.tag)}, not feed in the Atom namespace",
                    ),
                ),
                (),
            )
        return FeedScan((), ())
    problems = _missing(root, "the feed")
    entries = root.findall(f"{{{ATOM}}}entry")
    feed_has_author = root.find(f"{{{ATOM}}}author") is not None
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        problems += _missing(entry, where)
        if not feed_has_author and entry.find(f"{{{ATOM}}}author") is None:
            problems.append(Problem("atom", None, f"{where} has no author, and the feed has none either"))
        if entry.find(f"{{{ATOM}}}content") is None and not _alternate(entry):
            problems.append(Problem("atom", None, f"{where} has neither content nor a rel=alternate link"))
    page_url = base.page_url(rel)
    links = tuple(
        link
        for element in root.iter(f"{{{ATOM}}}link")
        if (link := resolve("link", 1, element.get("href", ""), page_url, base))
    )
    return FeedScan(tuple(problems), links)


def _missing(element: ET.Element, where: str) -> list[Problem]:
    problems = []
    for name in _REQUIRED:
        found = element.findall(f"{{{ATOM}}}{name}")
        text = (found[0].text or "").strip() if found else ""
        if len(found) != 1 or not text:
            state = "has more than one" if len(found) > 1 else "has no" if not found else "has an empty"
            problems.append(Problem("atom", None, f"{where} {state} <{name}>"))
        elif name == "updated" and not _is_rfc3339(text):
            problems.append(
                Problem(
                    "atom",
                    None,
                    f"{where} has <updated>{text}</updated>, not an RFC 3339 time with a zone",
                )
            )
        elif name == "id" and not urlsplit(text).scheme:
            problems.append(Problem("atom", None, f"{where} has <id>{text}</id>, which is not an absolute IRI"))
    return problems


def _alternate(entry: ET.Element) -> bool:
    return any(link.get("rel", "alternate") == "alternate" for link in entry.findall(f"{{{ATOM}}}link"))


def _is_rfc3339(text: str) -> bool:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is not None and "T" in text
    except ValueError:
        return False


def _name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag
